"""Stream a simulated scenario as a live `Source` would, in constant memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import numpy as np

from emgcoach.stream.sim.scenario import Scenario
from emgcoach.stream.sim.session import stream_info, true_runs
from emgcoach.stream.sim.signal import Generator, SimOptions
from emgcoach.types import Block, Marker, StreamInfo

__all__ = ["SimulatorSource"]


class SimulatorSource:
    """A `Source` that streams a scenario as Blocks of `block_s`, with its Markers interleaved.

    Blocks cover consecutive absolute index ranges [k*B, (k+1)*B), B = round(block_s * rate_hz); a range
    with lost packets is split so every Block holds consecutive samples, and the Block after a gap has
    `lost` set and `first_index` advanced over the gap. Block.t0 = first_index / rate_hz (session clock
    starting at 0). Concatenating the Blocks' data gives exactly `simulate()`'s data for the same arguments.

    Order: an item is released at its time, a Marker at `time_s`, a Block once its last sample exists
    (end_index / rate_hz); items are yielded in release order, a Block before a Marker released at the
    same time (so a Marker at time t comes right before the Block holding the sample at t). Markers
    after the last sample are yielded at the end. With realtime=True each item waits
    until start + release time on the event loop's clock (`asyncio.sleep(max(0, target - loop.time()))`
    against absolute targets), so pacing never drifts. (Pacing on the block's end rather than its first
    sample means a live consumer never sees a sample before its own time.)

    Each call to `blocks()` replays the session from the start; after `close()` (also from another task)
    `blocks()` stops before its next item and yields nothing more.
    """

    def __init__(
        self,
        scenario: Scenario,
        rate_hz: float = 2000.0,
        block_s: float = 0.01,
        realtime: bool = False,
        seed: int = 0,
        **options: object,
    ) -> None:
        self.scenario = scenario
        self.rate_hz = float(rate_hz)
        self.block_samples = max(1, int(round(block_s * self.rate_hz)))
        self.realtime = bool(realtime)
        self.seed = int(seed)
        self.options = SimOptions(**options)  # type: ignore[arg-type]
        self._info = stream_info(scenario, self.rate_hz, self.seed, self.options)
        self._closed = False

    @property
    def info(self) -> StreamInfo:
        return self._info

    def _items(self) -> Iterator[tuple[float, Block | Marker]]:
        """(release time in s, item) in release order, without pacing."""
        gen = Generator(self.scenario, self.rate_hz, self.seed, self.options)
        markers = list(self.scenario.markers)
        mi = 0
        rate = self.rate_hz
        B = self.block_samples
        pend_data: list[np.ndarray] = []
        pend_lost: list[np.ndarray] = []
        pend_n = 0
        next_start = 0  # absolute index of the next range to emit
        lost_before = 0
        chunks = gen.chunks()
        exhausted = False
        while next_start < gen.n_total:
            end = min(next_start + B, gen.n_total)
            while pend_n < end - next_start and not exhausted:
                try:
                    ch = next(chunks)
                except StopIteration:
                    exhausted = True
                    break
                pend_data.append(ch.data)
                pend_lost.append(ch.lost)
                pend_n += ch.data.shape[0]
            m = end - next_start
            if len(pend_data) == 1:
                d, lo = pend_data[0], pend_lost[0]
            else:
                d, lo = np.concatenate(pend_data), np.concatenate(pend_lost)
            rng_d, rng_l = d[:m], lo[:m]
            rest_d, rest_l = d[m:], lo[m:]
            pend_data, pend_lost = ([rest_d], [rest_l]) if rest_d.shape[0] else ([], [])
            pend_n = rest_d.shape[0]
            # split the range into runs of kept samples; count lost samples before each run
            runs: list[tuple[int, int, int]] = []
            prev = 0
            for s0, length in true_runs(~rng_l, 0):
                runs.append((s0, s0 + length, s0 - prev))
                prev = s0 + length
            tail_lost = m - prev
            for s, e, lost in runs:
                first = next_start + s
                rel = (next_start + e) / rate
                while mi < len(markers) and markers[mi].time_s < rel:
                    yield markers[mi].time_s, markers[mi]
                    mi += 1
                block = Block(
                    data=rng_d[s:e].astype(np.float32),
                    t0=first / rate,
                    rate_hz=rate,
                    first_index=first,
                    lost=lost_before + lost,
                )
                lost_before = 0
                yield rel, block
            lost_before += tail_lost
            next_start = end
        while mi < len(markers):
            yield max(markers[mi].time_s, gen.n_total / rate), markers[mi]
            mi += 1

    async def blocks(self) -> AsyncIterator[Block | Marker]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for rel, item in self._items():
            if self._closed:
                return
            if self.realtime:
                delay = start + rel - loop.time()
                await asyncio.sleep(max(0.0, delay))
                if self._closed:
                    return
            elif isinstance(item, Block):
                await asyncio.sleep(0)  # let other tasks run between blocks
            yield item

    async def close(self) -> None:
        self._closed = True

