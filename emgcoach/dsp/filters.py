"""Streaming IIR filters as second-order sections: band-pass, high-pass, low-pass, mains notch.

Every filter here is a `SosFilter`: one cascade of biquads run over all channels of a chunk in a single
compiled call, with per-channel state kept between calls, so any chunking of a signal gives the same
output as one call over the whole of it. Each filter starts in the steady state for its first input
sample (`scipy.signal.sosfilt_zi`), so a DC offset at the start (raw ADC data, uMyo's ~-530 µV) does not
ring through the band-pass as a false burst.

Frequencies are in Hz, amplitudes pass through unchanged (µV in, µV out).
`detect_mains_hz` tells 50 Hz from 60 Hz mains hum (or none) from a stretch of raw signal.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from emgcoach.dsp.base import as_2d, restore

try:  # scipy's compiled kernel behind `sosfilt`: ~2 µs per 20x4 chunk instead of ~25 µs of wrapper overhead
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_kernel
except ImportError:  # pragma: no cover - depends on the scipy build
    _sosfilt_kernel = None


def _kernel_works() -> bool:
    """Check once that the private kernel behaves like `scipy.signal.sosfilt` (it is not public API)."""
    if _sosfilt_kernel is None:
        return False
    try:
        sos = signal.butter(2, [0.1, 0.3], "bandpass", output="sos")
        x = np.random.default_rng(0).standard_normal((7, 3))
        ref, zref = signal.sosfilt(sos, x, axis=0, zi=np.zeros((sos.shape[0], 2, 3)))
        y = np.array(x.T, order="C")
        zi = np.zeros((3, sos.shape[0], 2))
        _sosfilt_kernel(np.ascontiguousarray(sos), y, zi)
        return bool(np.allclose(y.T, ref) and np.allclose(zi, np.moveaxis(zref, -1, 0)))
    except Exception:  # pragma: no cover - depends on the scipy build
        return False


_FAST = _kernel_works()


class SosFilter:
    """A causal IIR filter given as second-order sections, streaming over (n_samples, n_channels) chunks.

    sos: array (n_sections, 6) as made by `scipy.signal.butter(..., output='sos')`; rows are normalised
    so that a0 == 1. The state (one pair of delays per section and channel) is created on the first call
    from the channel count and kept until `reset()`. Units pass through (µV in, µV out).
    The output of `process` may be a transposed (Fortran-ordered) view; it is a fresh array either way.
    """

    def __init__(self, sos: np.ndarray) -> None:
        s = np.array(sos, dtype=np.float64, ndmin=2)
        if s.ndim != 2 or s.shape[1] != 6 or s.shape[0] == 0:
            raise ValueError(f"sos must be shaped (n_sections, 6), got {s.shape}")
        if np.any(s[:, 3] == 0):
            raise ValueError("sos has a section with a0 == 0")
        s = s / s[:, 3:4]
        self.sos: np.ndarray = np.ascontiguousarray(s)
        self._zi_step = signal.sosfilt_zi(self.sos)  # state after a long constant input of 1: (n_sections, 2)
        self._zi: np.ndarray | None = None  # (n_channels, n_sections, 2)

    @property
    def n_sections(self) -> int:
        """Number of second-order sections in the cascade."""
        return int(self.sos.shape[0])

    def then(self, other: SosFilter) -> SosFilter:
        """A new filter running this cascade followed by `other`'s, in one call per chunk (fresh state)."""
        return SosFilter(np.vstack([self.sos, other.sos]))

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter one chunk (n_samples, n_channels) or (n_samples,); returns the same shape, same unit."""
        a, was_1d = as_2d(x)
        n, ch = a.shape
        if n == 0:
            return restore(np.zeros((0, ch)), was_1d)
        if self._zi is None:  # steady state for the first sample: no start-up transient from a DC offset
            self._zi = self._zi_step[None, :, :] * a[0][:, None, None]
        elif self._zi.shape[0] != ch:
            raise ValueError(f"filter state is for {self._zi.shape[0]} channels, got {ch}; call reset() first")
        if _FAST:
            y = np.array(a.T, order="C")  # (ch, n) copy, filtered in place
            _sosfilt_kernel(self.sos, y, self._zi)
            return restore(y.T, was_1d)
        y, zi = signal.sosfilt(self.sos, a, axis=0, zi=self._zi.transpose(1, 2, 0))  # pragma: no cover
        self._zi = np.ascontiguousarray(zi.transpose(2, 0, 1))  # pragma: no cover
        return restore(y, was_1d)  # pragma: no cover

    def reset(self) -> None:
        """Forget the filter state (the next call starts afresh from its first sample; channel count may change)."""
        self._zi = None


def combine(*stages: SosFilter) -> SosFilter:
    """One `SosFilter` running the given filters in order as a single cascade (one call per chunk)."""
    if not stages:
        raise ValueError("combine() needs at least one filter")
    return SosFilter(np.vstack([s.sos for s in stages]))


class BandPass(SosFilter):
    """Butterworth band-pass, `order` given to `scipy.signal.butter` (order 4 -> 4 sections, 8 poles).

    rate_hz: sample rate in Hz. low_hz, high_hz: requested edges (-3 dB) in Hz. The upper edge is capped at
    0.45 x rate_hz (a 200 Hz sensor gets 20-90 Hz). Raises ValueError when the band is empty after capping.
    Attributes `low_hz`, `high_hz` are the effective edges in Hz.
    """

    def __init__(self, rate_hz: float, low_hz: float = 20.0, high_hz: float = 450.0, order: int = 4) -> None:
        if not rate_hz > 0:
            raise ValueError(f"sample rate must be positive, got {rate_hz!r}")
        hi = min(float(high_hz), 0.45 * float(rate_hz))
        lo = float(low_hz)
        if not (0.0 < lo < hi):
            raise ValueError(f"empty band {lo:g}-{hi:g} Hz at {rate_hz:g} Hz (upper edge capped at 0.45 x rate)")
        super().__init__(signal.butter(int(order), [lo, hi], "bandpass", fs=float(rate_hz), output="sos"))
        self.rate_hz = float(rate_hz)
        self.low_hz = lo
        self.high_hz = hi
        self.order = int(order)


class HighPass(SosFilter):
    """Butterworth high-pass at `cutoff_hz` (-3 dB, Hz), `order` poles, at `rate_hz` (Hz)."""

    def __init__(self, rate_hz: float, cutoff_hz: float, order: int = 4) -> None:
        if not (0.0 < cutoff_hz < rate_hz / 2.0):
            raise ValueError(f"high-pass cutoff {cutoff_hz!r} Hz must lie between 0 and Nyquist ({rate_hz / 2:g} Hz)")
        super().__init__(signal.butter(int(order), float(cutoff_hz), "highpass", fs=float(rate_hz), output="sos"))
        self.rate_hz = float(rate_hz)
        self.cutoff_hz = float(cutoff_hz)
        self.order = int(order)


class LowPass(SosFilter):
    """Butterworth low-pass at `cutoff_hz` (-3 dB, Hz), `order` poles, at `rate_hz` (Hz)."""

    def __init__(self, rate_hz: float, cutoff_hz: float, order: int = 2) -> None:
        if not (0.0 < cutoff_hz < rate_hz / 2.0):
            raise ValueError(f"low-pass cutoff {cutoff_hz!r} Hz must lie between 0 and Nyquist ({rate_hz / 2:g} Hz)")
        super().__init__(signal.butter(int(order), float(cutoff_hz), "lowpass", fs=float(rate_hz), output="sos"))
        self.rate_hz = float(rate_hz)
        self.cutoff_hz = float(cutoff_hz)
        self.order = int(order)


class Notch(SosFilter):
    """Mains notch: one IIR notch (`scipy.signal.iirnotch`) per frequency, all in one cascade.

    rate_hz: sample rate in Hz. mains_hz: 50 or 60 (any positive frequency below 0.95 x Nyquist works).
    harmonics: notch every multiple of mains_hz below `max_hz` (default 0.95 x Nyquist); False notches
    the fundamental only. width_hz: -3 dB width of every notch in Hz. The width is the same for every
    harmonic (each notch's quality is f / width_hz): a constant quality would make the 900 Hz notch
    18 times wider than the 50 Hz one and cut a large share of the EMG's power.
    Attributes: `frequencies_hz` (tuple of notched frequencies in Hz), `sos`.
    """

    def __init__(
        self,
        rate_hz: float,
        mains_hz: float = 50.0,
        harmonics: bool = True,
        width_hz: float = 2.0,
        max_hz: float | None = None,
    ) -> None:
        limit = 0.95 * float(rate_hz) / 2.0
        if not (0.0 < mains_hz < limit):
            raise ValueError(f"notch at {mains_hz!r} Hz is not below 0.95 x Nyquist ({limit:g} Hz)")
        if not width_hz > 0:
            raise ValueError(f"notch width must be positive, got {width_hz!r}")
        top = limit if max_hz is None else min(limit, float(max_hz))
        freqs = [float(mains_hz)]
        if harmonics:
            k = 2
            while k * mains_hz < top:
                freqs.append(float(k * mains_hz))
                k += 1
        sections = []
        for f in freqs:
            b, a = signal.iirnotch(f, f / float(width_hz), fs=float(rate_hz))
            sections.append(signal.tf2sos(b, a))
        super().__init__(np.vstack(sections))
        self.rate_hz = float(rate_hz)
        self.mains_hz = float(mains_hz)
        self.width_hz = float(width_hz)
        self.frequencies_hz: tuple[float, ...] = tuple(freqs)


def detect_mains_hz(x: np.ndarray, rate_hz: float, threshold_db: float = 10.0) -> float | None:
    """Return 50.0 or 60.0 when raw signal `x` carries a clear narrow line at that frequency, else None.

    x: raw samples (n_samples,) or (n_samples, n_channels), in any unit (µV), at least 1 s long
    (shorter input returns None). rate_hz: sample rate in Hz. The Welch PSD (1 Hz resolution) at the
    candidate frequency (peak within ±1 Hz) is compared with the median PSD of the bins 5-15 Hz either side;
    a candidate counts when it stands more than `threshold_db` dB above them on any channel. When both
    50 and 60 Hz count, the stronger one wins.
    """
    a, _ = as_2d(x)
    n = a.shape[0]
    rate = float(rate_hz)
    if n < rate or n < 16:
        return None
    a = np.where(np.isfinite(a), a, 0.0)
    nperseg = int(min(n, round(rate)))
    freqs, psd = signal.welch(a, fs=rate, nperseg=nperseg, axis=0)  # psd (n_freqs, n_channels)
    best: tuple[float, float] | None = None  # (ratio_db, mains)
    for mains in (50.0, 60.0):
        if mains + 15.0 >= rate / 2.0:
            continue
        dist = np.abs(freqs - mains)
        line = psd[dist <= 1.0].max(axis=0)
        neigh = psd[(dist >= 5.0) & (dist <= 15.0)]
        ref = np.median(neigh, axis=0)
        tiny = np.finfo(float).tiny
        ratio_db = 10.0 * np.log10(np.maximum(line, tiny) / np.maximum(ref, tiny))
        r = float(np.max(ratio_db))
        if r > threshold_db and (best is None or r > best[0]):
            best = (r, mains)
    return None if best is None else best[1]
