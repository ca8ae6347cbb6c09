"""Onset and offset detection on envelopes: threshold with minimum durations, and a TKEO-conditioned variant.

Threshold detector (after Hodges & Bui 1996): threshold = rest mean + k x rest SD per channel. A muscle
turns on when its envelope stays above threshold for at least `min_on_s`, and the onset is timed at the
first sample of that run (retroactively: the event is reported once the run is long enough). It turns
off after `min_off_s` below threshold, timed at the first sample below.

Which envelope: a causal low-pass delays every crossing. On simulated bursts at 10 dB SNR the median
onset error of this detector is 17 ms on the 6 Hz display envelope and 9 ms on a 20 Hz envelope, so the
pipeline feeds the detector its own 20 Hz `onset` envelope (PipelineConfig.onset_cutoff_hz).
The minimum on-time defaults to 40 ms: with 25 ms, resting noise crossed mean + 3 SD long enough to
give about one false onset per 10 minutes of rest in simulation; 40 ms gave none, and because onsets
are timed at the start of the run it costs nothing in accuracy, only 15 ms more before confirmation.

TKEO variant (Solnik et al. 2010): the Teager-Kaiser energy operator psi[n] = x[n]^2 - x[n-1] x[n+1]
on the band-passed EMG sharpens bursts against background noise; rectified and low-passed it feeds the
same threshold logic. Its envelope is heavier-tailed, so its threshold defaults to k = 4 SDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import signal

from emgcoach.dsp.base import as_2d, restore


@dataclass(frozen=True)
class OnsetEvent:
    """A muscle switching on or off: channel, 'onset'|'offset', absolute sample index, time in s."""

    channel: int
    kind: Literal["onset", "offset"]
    index: int
    time_s: float


class OnsetDetector:
    """Streaming threshold detector over an envelope (n_samples, n_channels) in µV.

    mean_uv, sd_uv: rest level per channel (scalar or array). k: threshold in SDs above the mean.
    min_on_s / min_off_s: how long the envelope must stay above / below threshold to count.
    t0: session time in s of absolute sample index 0 (event time = t0 + index / rate_hz).
    Chunk-invariant: any chunking gives the same events.
    """

    def __init__(
        self,
        rate_hz: float,
        mean_uv: np.ndarray | float,
        sd_uv: np.ndarray | float,
        k: float = 3.0,
        min_on_s: float = 0.04,
        min_off_s: float = 0.05,
        t0: float = 0.0,
    ) -> None:
        self.rate_hz = float(rate_hz)
        self.k = float(k)
        self.set_baseline(mean_uv, sd_uv)
        self.min_on = max(1, int(round(min_on_s * self.rate_hz)))
        self.min_off = max(1, int(round(min_off_s * self.rate_hz)))
        self.t0 = float(t0)
        self.reset()

    def set_baseline(self, mean_uv: np.ndarray | float, sd_uv: np.ndarray | float) -> None:
        """New rest level (µV per channel); the on/off state and any run in progress are kept."""
        self.threshold_uv = np.atleast_1d(np.asarray(mean_uv, float) + self.k * np.asarray(sd_uv, float))

    def reset(self) -> None:
        self.active: np.ndarray | None = None  # per channel: currently on
        self._run_value: np.ndarray | None = None  # value (above?) of the run in progress
        self._run_start: np.ndarray | None = None  # absolute index where that run began
        self._next_index: int | None = None

    def _init(self, n_ch: int, first_index: int) -> None:
        if self.threshold_uv.size not in (1, n_ch):
            raise ValueError(f"threshold has {self.threshold_uv.size} channels, envelope has {n_ch}")
        self.active = np.zeros(n_ch, dtype=bool)
        self._run_value = np.zeros(n_ch, dtype=bool)
        self._run_start = np.full(n_ch, first_index, dtype=np.int64)

    def process(self, envelope: np.ndarray, first_index: int) -> list[OnsetEvent]:
        """Feed the envelope chunk whose first sample has absolute index `first_index`; return the events
        confirmed in it (in order), each timed at the start of its run."""
        a, _ = as_2d(envelope)
        n, n_ch = a.shape
        if self.active is None:
            self._init(n_ch, first_index)
        assert self.active is not None and self._run_value is not None and self._run_start is not None
        if n == 0:
            return []
        if self._next_index is not None and first_index != self._next_index:
            # samples were lost: runs do not span the gap
            self._run_value = self.active.copy()
            self._run_start[:] = first_index
        self._next_index = first_index + n
        above = a > self.threshold_uv
        events: list[tuple[int, int, str]] = []
        # most chunks change nothing: every sample agrees with the channel's state and the run in progress
        all_above = above.all(axis=0)
        settled = (all_above | ~above.any(axis=0)) & (all_above == self.active) & (all_above == self._run_value)
        for ch in np.flatnonzero(~settled):
            col = above[:, ch]
            edges = np.flatnonzero(col[1:] != col[:-1]) + 1
            starts = np.concatenate(([0], edges))
            ends = np.concatenate((edges, [n]))
            for s, e in zip(starts, ends):
                value = bool(col[s])
                if value != self._run_value[ch]:
                    self._run_value[ch] = value
                    self._run_start[ch] = first_index + s
                if value != self.active[ch]:
                    length = first_index + e - self._run_start[ch]
                    if length >= (self.min_on if value else self.min_off):
                        self.active[ch] = value
                        events.append((int(self._run_start[ch]), ch, "onset" if value else "offset"))
        events.sort()
        return [OnsetEvent(ch, kind, idx, self.t0 + idx / self.rate_hz) for idx, ch, kind in events]


def detect_onsets(
    envelope: np.ndarray,
    rate_hz: float,
    mean_uv: np.ndarray | float,
    sd_uv: np.ndarray | float,
    k: float = 3.0,
    min_on_s: float = 0.04,
    min_off_s: float = 0.05,
    t0: float = 0.0,
) -> list[OnsetEvent]:
    """Offline: the same detector run over a whole envelope (index 0 at time t0)."""
    det = OnsetDetector(rate_hz, mean_uv, sd_uv, k, min_on_s, min_off_s, t0)
    return det.process(envelope, 0)


class TKEO:
    """Stage: Teager-Kaiser energy psi[n] = x[n]^2 - x[n-1] x[n+1] (µV²), streaming with one sample of delay.

    Output sample m is psi at input index m - 1 (the first output sample is 0: no history yet), so the
    output has the input's length and lags it by exactly one sample.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._prev: np.ndarray | None = None  # the last two input samples (2, ch)

    def process(self, x: np.ndarray) -> np.ndarray:
        a, was_1d = as_2d(x)
        if self._prev is None:
            self._prev = np.zeros((2, a.shape[1]))
        if len(a) == 0:
            return restore(a.copy(), was_1d)
        ext = np.vstack([self._prev, a])  # ext[j] is input index j - 2 relative to this chunk
        centre = ext[1:-1]
        out = centre**2 - ext[:-2] * ext[2:]
        self._prev = ext[-2:].copy()
        return restore(out, was_1d)


class TkeoEnvelope:
    """Stage: band-passed EMG -> TKEO -> |.| -> low-pass (`cutoff_hz`, 2nd-order Butterworth), in µV²."""

    def __init__(self, rate_hz: float, cutoff_hz: float = 20.0) -> None:
        self._tkeo = TKEO()
        self._sos = signal.butter(2, cutoff_hz, fs=rate_hz, output="sos")
        self._zi: np.ndarray | None = None

    def reset(self) -> None:
        self._tkeo.reset()
        self._zi = None

    def process(self, x: np.ndarray) -> np.ndarray:
        a, was_1d = as_2d(x)
        if self._zi is None:
            self._zi = np.zeros((self._sos.shape[0], 2, a.shape[1]))
        if len(a) == 0:
            return restore(a.copy(), was_1d)
        y, self._zi = signal.sosfilt(self._sos, np.abs(self._tkeo.process(a)), axis=0, zi=self._zi)
        return restore(y, was_1d)


def detect_onsets_tkeo(
    filtered_uv: np.ndarray,
    rate_hz: float,
    rest: tuple[np.ndarray, np.ndarray] | None = None,
    k: float = 4.0,
    min_on_s: float = 0.04,
    min_off_s: float = 0.05,
    cutoff_hz: float = 20.0,
    t0: float = 0.0,
) -> list[OnsetEvent]:
    """Offline TKEO-conditioned detection on band-passed EMG (µV). `rest` = (mean, SD) of the TKEO
    envelope at rest; estimated from the quietest 0.5 s when not given. Event times are corrected for
    the operator's one-sample delay."""
    from emgcoach.dsp.normalise import estimate_rest

    env = TkeoEnvelope(rate_hz, cutoff_hz).process(filtered_uv)
    env2, _ = as_2d(env)
    if rest is None:
        base = estimate_rest(env2, rate_hz)
        rest = (base.mean_uv, base.sd_uv)
    events = OnsetDetector(rate_hz, rest[0], rest[1], k, min_on_s, min_off_s, t0).process(env2, 0)
    return [OnsetEvent(e.channel, e.kind, max(0, e.index - 1), e.time_s - 1.0 / rate_hz) for e in events]
