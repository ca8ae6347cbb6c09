"""Stream a simulated scenario as a live `Source` would, in constant memory."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import numpy as np

from emgcoach.stream.paced import PacedSource, Release
from emgcoach.stream.sim.scenario import Scenario
from emgcoach.stream.sim.session import stream_info, true_runs
from emgcoach.stream.sim.signal import Generator, SimOptions
from emgcoach.types import Block, Marker, StreamInfo

__all__ = ["SimulatorSource"]


class SimulatorSource(PacedSource):
    """A `Source` that streams a scenario as Blocks of `block_s`, with its Markers interleaved.

    Blocks cover consecutive absolute index ranges [k*B, (k+1)*B), B = round(block_s * rate_hz); a range
    with lost packets is split so every Block holds consecutive samples, and the Block after a gap has
    `lost` set and `first_index` advanced over the gap. Block.t0 = first_index / rate_hz (session clock
    starting at 0). Concatenating the Blocks' data gives exactly `simulate()`'s data for the same arguments.

    Order: an item is released at its time, a Marker at `time_s`, a Block once its last sample exists
    (end_index / rate_hz); items are yielded in release order, a Block before a Marker released at the
    same time (so a Marker at time t comes right before the Block holding the sample at t). Markers
    after the last sample are yielded at the end. With realtime=True each item is due at start + release
    time on the event loop's clock; pacing, closing and yielding follow `PacedSource`.

    Each call to `blocks()` replays the session from the start.
    """

    def __init__(
        self,
        scenario: Scenario,
        rate_hz: float = 2000.0,
        block_s: float = 0.01,
        realtime: bool = False,
        seed: int = 0,
        **options: Any,  # SimOptions' fields, checked by it
    ) -> None:
        super().__init__(realtime)
        self.scenario = scenario
        self.rate_hz = float(rate_hz)
        self.block_samples = max(1, int(round(block_s * self.rate_hz)))
        self.seed = int(seed)
        self.options = SimOptions(**options)
        self._info = stream_info(scenario, self.rate_hz, self.seed, self.options)

    @property
    def info(self) -> StreamInfo:
        return self._info

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _releases(self) -> Iterator[Release]:
        start = self._now()
        for rel, item in self._items():
            yield Release(start + rel, item)

    def _items(self) -> Iterator[tuple[float, Block | Marker]]:
        """(release time in s, item) in release order, without pacing."""
        gen = Generator(self.scenario, self.rate_hz, self.seed, self.options)
        markers = list(self.scenario.markers)
        mi = 0
        rate = self.rate_hz
        lost_before = 0  # samples lost since the last Block
        for start, data, lost in self._ranges(gen):
            prev = 0
            for s0, length in true_runs(~lost, 0):  # each run of kept samples is a Block
                end = s0 + length
                rel = (start + end) / rate
                while mi < len(markers) and markers[mi].time_s < rel:
                    yield markers[mi].time_s, markers[mi]
                    mi += 1
                first = start + s0
                block = Block(
                    data=data[s0:end].astype(np.float32),
                    t0=first / rate,
                    rate_hz=rate,
                    first_index=first,
                    lost=lost_before + s0 - prev,
                )
                lost_before = 0
                yield rel, block
                prev = end
            lost_before += lost.size - prev
        while mi < len(markers):
            yield max(markers[mi].time_s, gen.n_total / rate), markers[mi]
            mi += 1

    def _ranges(self, gen: Generator) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(absolute start, data, lost flags) of consecutive ranges [k*B, (k+1)*B) of the generator's
        samples, B = block_samples (the last range shorter), cut from its fixed-size chunks."""
        pend_data: list[np.ndarray] = []
        pend_lost: list[np.ndarray] = []
        pend_n = 0
        start = 0
        chunks = gen.chunks()
        while start < gen.n_total:
            end = min(start + self.block_samples, gen.n_total)
            m = end - start
            while pend_n < m:
                ch = next(chunks, None)
                if ch is None:
                    break
                pend_data.append(ch.data)
                pend_lost.append(ch.lost)
                pend_n += ch.data.shape[0]
            if len(pend_data) == 1:
                d, lo = pend_data[0], pend_lost[0]
            else:
                d, lo = np.concatenate(pend_data), np.concatenate(pend_lost)
            rest_d, rest_l = d[m:], lo[m:]
            pend_data, pend_lost = ([rest_d], [rest_l]) if rest_d.shape[0] else ([], [])
            pend_n = rest_d.shape[0]
            yield start, d[:m], lo[:m]
            start = end
