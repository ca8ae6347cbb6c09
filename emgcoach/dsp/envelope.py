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
    so the output ramps up over the first window. The running sum of squares is recomputed exactly from
    the window once per window length of samples, so no sum drifts over hours and a quiet stretch after
    a loud one keeps its precision. Output is never negative.
    """

    def __init__(self, rate_hz: float, window_s: float = 0.1) -> None:
        if not (rate_hz > 0 and window_s > 0):
            raise ValueError(f"rate_hz and window_s must be positive, got {rate_hz!r}, {window_s!r}")
        from emgcoach.dsp import compiled  # numba: loaded when a stage is built, not on import

        self._kernel = compiled.moving_rms
        self.rate_hz = float(rate_hz)
        self.window_s = float(window_s)
        self.window = max(1, int(round(window_s * rate_hz)))
        self._ring: np.ndarray | None = None  # (window, n_channels) the last `window` squared samples
        self._sums: np.ndarray | None = None  # (n_channels,) their sum
        self._pos = np.zeros(1, dtype=np.int64)  # where the next squared sample goes in the ring

    def process(self, x: np.ndarray) -> np.ndarray:
        """Moving RMS of one chunk (n_samples, n_channels) or (n_samples,); same shape, µV."""
        a, was_1d = as_2d(x)
        n, ch = a.shape
        if self._ring is None or self._sums is None:
            self._ring = np.zeros((self.window, ch))
            self._sums = np.zeros(ch)
        elif self._ring.shape[1] != ch:
            raise ValueError(f"state is for {self._ring.shape[1]} channels, got {ch}; call reset() first")
        out = np.empty((n, ch))
        if n:
            self._kernel(a, out, self._ring, self._sums, self._pos)
        return restore(out, was_1d)

    def reset(self) -> None:
        """Forget the window (next call starts from zeros; channel count may change)."""
        self._ring = None
        self._sums = None
        self._pos[0] = 0
