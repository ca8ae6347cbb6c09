"""A simulated session generated at once: the recording plus its ground truth.

`simulate()` pre-generates the whole session as float32 (4 bytes per sample per channel: a 10-minute
2-channel 2 kHz session is 9.6 MB, 2 hours 115 MB; the activation truth is computed only when asked for).
`sim.source.SimulatorSource` streams the same samples lazily in constant memory.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import numpy as np

from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.stream.sim.scenario import Scenario
from emgcoach.stream.sim.signal import Generator, SimOptions, activation_at
from emgcoach.types import Marker, StreamInfo

__all__ = ["SimulatedSession", "true_runs", "simulate", "stream_info"]


def true_runs(mask: np.ndarray, offset: int) -> list[tuple[int, int]]:
    """(absolute start, length) of each run of True in mask (offset: absolute index of mask[0])."""
    if not mask.any():
        return []
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return [(int(s) + offset, int(e - s)) for s, e in zip(starts, ends)]


def _add_gap(gaps: list[tuple[int, int]], gap: tuple[int, int]) -> None:
    if gaps and gaps[-1][0] + gaps[-1][1] == gap[0]:
        gaps[-1] = (gaps[-1][0], gaps[-1][1] + gap[1])
    else:
        gaps.append(gap)


def stream_info(scenario: Scenario, rate_hz: float, seed: int, opts: SimOptions) -> StreamInfo:
    """The simulator's header: kind 'simulator', the scenario's channels, the seed and options in `extra`."""
    extra = {"scenario": scenario.name, "seed": str(int(seed))}
    extra.update({f"sim.{k}": str(v) for k, v in asdict(opts).items()})
    return StreamInfo(
        kind="simulator",
        name=f"simulator:{scenario.name}",
        address="",
        rate_hz=float(rate_hz),
        channels=tuple(scenario.channels),
        extra=extra,
    )


@dataclass
class SimulatedSession:
    """A simulated recording plus its ground truth.

    recording: one RecordedStream (info.kind 'simulator', float32 µV, lost samples absent and listed in
        `gaps`) and the scenario's markers.
    truth_onsets_s / truth_offsets_s: per channel index, burst start / end times in s (activation leaves /
        returns to exactly 0 there).
    markers: drill_start, rep (payload index, lat_onset_s, glute_onset_s, latency_ms, offset_s), drill_end.
    activation: float32 (n_total x ch) activation 0..1 at every absolute sample index, lost ones included
        (row i is absolute index i; `kept_indices()` gives the index of each row of the stream's data).
        Computed on first access from the scenario, so it costs no memory unless used.
    """

    scenario: Scenario
    rate_hz: float
    seed: int
    options: SimOptions
    recording: Recording
    truth_onsets_s: dict[int, list[float]]
    truth_offsets_s: dict[int, list[float]]
    markers: list[Marker]
    n_total: int

    @property
    def stream(self) -> RecordedStream:
        return self.recording.streams[0]

    @property
    def data(self) -> np.ndarray:
        """The stream's float32 (n x ch) µV samples (lost ones absent)."""
        return self.stream.data

    @cached_property
    def activation(self) -> np.ndarray:
        t = np.arange(self.n_total, dtype=np.float64) / self.rate_hz
        return activation_at(self.scenario, t, self.options.ramp_s).astype(np.float32)

    def kept_indices(self) -> np.ndarray:
        """Absolute sample index of each row of `data` (int64)."""
        keep = np.ones(self.n_total, dtype=bool)
        for start, n in self.stream.gaps:
            keep[start : start + n] = False
        return np.flatnonzero(keep)


def simulate(scenario: Scenario, rate_hz: float = 2000.0, seed: int = 0, **options: Any) -> SimulatedSession:
    """Generate the whole session at once. options: any `SimOptions` field (unknown names raise TypeError).

    Memory: the float32 data (4 bytes per sample per channel: 2 h, 2 channels, 2 kHz = 115 MB) plus one
    internal chunk; use `SimulatorSource` to stream long sessions in constant memory.
    """
    opts = SimOptions(**options)
    gen = Generator(scenario, rate_hz, seed, opts)
    n = gen.n_total
    data = np.empty((n, gen.nch), dtype=np.float32)
    gaps: list[tuple[int, int]] = []
    row = 0
    for ch in gen.chunks():
        keep = ~ch.lost
        k = int(np.count_nonzero(keep))
        data[row : row + k] = ch.data[keep] if k < keep.size else ch.data
        row += k
        for g in true_runs(ch.lost, ch.start):
            _add_gap(gaps, g)
    if row < n:
        data = data[:row].copy()
    info = stream_info(scenario, rate_hz, seed, opts)
    stream = RecordedStream(info=info, data=data, t0=0.0, first_index=0, gaps=gaps)
    markers = list(scenario.markers)
    recording = Recording(path=f"<simulator:{scenario.name} seed={int(seed)}>", streams=[stream], markers=list(markers))
    return SimulatedSession(
        scenario=scenario,
        rate_hz=float(rate_hz),
        seed=int(seed),
        options=opts,
        recording=recording,
        truth_onsets_s={c: [b.start_s for b in bl] for c, bl in enumerate(scenario.bursts)},
        truth_offsets_s={c: [b.end_s for b in bl] for c, bl in enumerate(scenario.bursts)},
        markers=markers,
        n_total=n,
    )
