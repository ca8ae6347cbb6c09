"""Amplitude envelopes of band-passed EMG: full-wave rectification, linear envelope, moving RMS.

All stages stream over (n_samples, n_channels) float64 chunks in µV, keep per-channel state, and give the
same output for any chunking of the input (see `emgcoach.dsp.base.Stage`).
"""

from __future__ import annotations

import numpy as np

from emgcoach.dsp.base import as_2d, restore
from emgcoach.dsp.filters import LowPass


class Rectify:
    """Full-wave rectification: |x| (µV in, µV out). Stateless."""

    def process(self, x: np.ndarray) -> np.ndarray:
        """Return |x| with the shape of x."""
        a, was_1d = as_2d(x)
        return restore(np.abs(a), was_1d)

    def reset(self) -> None:
        """Nothing to forget."""


class LinearEnvelope(LowPass):
    """Linear envelope: Butterworth low-pass (`cutoff_hz`, default 6 Hz; `order` poles) of rectified EMG.

    rate_hz: sample rate in Hz. Input: rectified EMG in µV; output: envelope in µV (the local mean of the
    rectified signal: a sine of amplitude A gives 2A/pi, Gaussian EMG of RMS s gives s*sqrt(2/pi)).
    """

    def __init__(self, rate_hz: float, cutoff_hz: float = 6.0, order: int = 2) -> None:
        super().__init__(rate_hz, cutoff_hz, order)


class MovingRMS:
    """Causal moving RMS over the last `window_s` seconds (µV in, µV out), at `rate_hz` (Hz).

    The window holds round(window_s x rate_hz) samples (at least 1); samples before the start count as 0,
    so the output ramps up over the first window. The last window-1 squared samples are carried; each
    chunk (long inputs: each segment of 8 windows) sums them afresh and adds a cumulative sum over the
    chunk only, so no running sum drifts over hours and a quiet stretch after a loud one keeps its precision.
    Output is never negative (float residue is clipped at 0 before the square root).
    """

    def __init__(self, rate_hz: float, window_s: float = 0.1) -> None:
        if not (rate_hz > 0 and window_s > 0):
            raise ValueError(f"rate_hz and window_s must be positive, got {rate_hz!r}, {window_s!r}")
        self.rate_hz = float(rate_hz)
        self.window_s = float(window_s)
        self.window = max(1, int(round(window_s * rate_hz)))
        # long (offline) inputs are summed in segments of this many samples, so that the cumulative sums
        # never span more than a few windows: a quiet window after a loud one keeps its precision
        self._segment = max(8 * self.window, 2048)
        self._tail: np.ndarray | None = None  # (window - 1, n_channels) squared samples

    def process(self, x: np.ndarray) -> np.ndarray:
        """Moving RMS of one chunk (n_samples, n_channels) or (n_samples,); same shape, µV."""
        a, was_1d = as_2d(x)
        n, ch = a.shape
        if self._tail is None:
            self._tail = np.zeros((self.window - 1, ch))
        elif self._tail.shape[1] != ch:
            raise ValueError(f"state is for {self._tail.shape[1]} channels, got {ch}; call reset() first")
        if n == 0:
            return restore(np.zeros((0, ch)), was_1d)
        seg = self._segment
        if n <= seg:
            return restore(self._chunk(a), was_1d)
        out = np.empty((n, ch))
        for i in range(0, n, seg):
            out[i : i + seg] = self._chunk(a[i : i + seg])
        return restore(out, was_1d)

    def _chunk(self, a: np.ndarray) -> np.ndarray:
        # window sum at sample i = sum(ext[i : i + w]) with ext = tail + squared chunk
        #   = sum(tail) + cumsum(sq - ext[:n])[i] + ext[i]; the tail sum is recomputed exactly every chunk
        n = a.shape[0]
        sq = a * a
        ext = np.concatenate((self._tail, sq))  # (w - 1 + n, ch)
        old = ext[:n]
        s = np.cumsum(sq - old, axis=0)
        s += old
        s += self._tail.sum(axis=0)
        self._tail = ext[n:]  # last w - 1 squared samples
        np.maximum(s, 0.0, out=s)
        s *= 1.0 / self.window
        return np.sqrt(s, out=s)

    def reset(self) -> None:
        """Forget the window (next call starts from zeros; channel count may change)."""
        self._tail = None
