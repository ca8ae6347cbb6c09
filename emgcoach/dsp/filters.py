"""Streaming IIR filters as second-order sections: band-pass, high-pass, low-pass, mains notch.

Every filter here is a `SosFilter`: one cascade of biquads run over all channels of a chunk in a single
compiled call, with per-channel state kept between calls, so any chunking of a signal gives the same
output as one call over the whole of it. Each filter starts in the steady state for its first input
sample (`scipy.signal.sosfilt_zi`), so a DC offset at the start (raw ADC data, uMyo's ~-530 µV) does not
ring through the band-pass as a false burst.

`NotchedBandPass` is the band-pass plus mains notches of the Pipeline: a DC start is not enough there, as
a hum present from the first sample would ring through the narrow notches for half a second; it fits and
subtracts the hum during a short start-up phase, then hands over to the plain cascade.

Frequencies are in Hz, amplitudes pass through unchanged (µV in, µV out).
`detect_mains_hz` tells 50 Hz from 60 Hz mains hum (or none) from a stretch of raw signal.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

from emgcoach.dsp.base import as_2d, restore

@lru_cache(maxsize=1)
def _fast_kernel() -> Callable[..., None] | None:
    """scipy's compiled kernel behind `sosfilt` (~2 µs per 20x4 chunk instead of ~25 µs of wrapper
    overhead), checked once, on the first filter made, to behave like `scipy.signal.sosfilt` (it is not
    public API); None if it does not."""
    try:
        from scipy.signal._sosfilt import _sosfilt as kernel
    except ImportError:  # pragma: no cover - depends on the scipy build
        return None
    try:
        sos = scipy.signal.butter(2, [0.1, 0.3], "bandpass", output="sos")
        x = np.random.default_rng(0).standard_normal((7, 3))
        ref, zref = scipy.signal.sosfilt(sos, x, axis=0, zi=np.zeros((sos.shape[0], 2, 3)))
        y = np.array(x.T, order="C")
        zi = np.zeros((3, sos.shape[0], 2))
        kernel(np.ascontiguousarray(sos), y, zi)
        works = bool(np.allclose(y.T, ref) and np.allclose(zi, np.moveaxis(zref, -1, 0)))
    except Exception:  # pragma: no cover - depends on the scipy build
        return None
    return kernel if works else None


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
        self._zi_step = scipy.signal.sosfilt_zi(self.sos)  # state after a long constant input of 1: (n_sections, 2)
        self._zi: np.ndarray | None = None  # (n_channels, n_sections, 2)
        self._kernel = _fast_kernel()

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
        if self._kernel is not None:
            y = np.array(a.T, order="C")  # (ch, n) copy, filtered in place
            self._kernel(self.sos, y, self._zi)
            return restore(y.T, was_1d)
        y, zi = scipy.signal.sosfilt(self.sos, a, axis=0, zi=self._zi.transpose(1, 2, 0))  # pragma: no cover
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
        super().__init__(scipy.signal.butter(int(order), [lo, hi], "bandpass", fs=float(rate_hz), output="sos"))
        self.rate_hz = float(rate_hz)
        self.low_hz = lo
        self.high_hz = hi
        self.order = int(order)


class HighPass(SosFilter):
    """Butterworth high-pass at `cutoff_hz` (-3 dB, Hz), `order` poles, at `rate_hz` (Hz)."""

    def __init__(self, rate_hz: float, cutoff_hz: float, order: int = 4) -> None:
        if not (0.0 < cutoff_hz < rate_hz / 2.0):
            raise ValueError(f"high-pass cutoff {cutoff_hz!r} Hz must lie between 0 and Nyquist ({rate_hz / 2:g} Hz)")
        super().__init__(scipy.signal.butter(int(order), float(cutoff_hz), "highpass", fs=float(rate_hz), output="sos"))
        self.rate_hz = float(rate_hz)
        self.cutoff_hz = float(cutoff_hz)
        self.order = int(order)


class LowPass(SosFilter):
    """Butterworth low-pass at `cutoff_hz` (-3 dB, Hz), `order` poles, at `rate_hz` (Hz)."""

    def __init__(self, rate_hz: float, cutoff_hz: float, order: int = 2) -> None:
        if not (0.0 < cutoff_hz < rate_hz / 2.0):
            raise ValueError(f"low-pass cutoff {cutoff_hz!r} Hz must lie between 0 and Nyquist ({rate_hz / 2:g} Hz)")
        super().__init__(scipy.signal.butter(int(order), float(cutoff_hz), "lowpass", fs=float(rate_hz), output="sos"))
        self.rate_hz = float(rate_hz)
        self.cutoff_hz = float(cutoff_hz)
        self.order = int(order)


class Notch(SosFilter):
    """Mains notch: one IIR notch (`scipy.signal.iirnotch`) per frequency, all in one cascade.

    rate_hz: sample rate in Hz. mains_hz: 50 or 60 (any positive frequency below 0.95 x Nyquist works).
    harmonics: notch every multiple of mains_hz below `max_hz` (default 0.95 x Nyquist); False notches
    the fundamental only. Why not right up to Nyquist: there the notch's pole pair closes in on z = -1
    (at 200-250 Hz sensors a 2 Hz notch would reach past Nyquist), and nothing is lost: the band-pass,
    capped at 0.45 x rate, already attenuates every harmonic in 0.95-1 x Nyquist by at least 32 dB
    (e.g. 120 Hz at 250 Hz, 480 Hz at 1 kHz; 950 Hz at 2 kHz by 95 dB).
    width_hz: -3 dB width of every notch in Hz. The width is the same for every harmonic (each notch's
    quality is f / width_hz): a constant quality would make the 900 Hz notch 18 times wider than the
    50 Hz one and cut a large share of the EMG's power.
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
            b, a = scipy.signal.iirnotch(f, f / float(width_hz), fs=float(rate_hz))
            sections.append(scipy.signal.tf2sos(b, a))
        super().__init__(np.vstack(sections))
        self.rate_hz = float(rate_hz)
        self.mains_hz = float(mains_hz)
        self.width_hz = float(width_hz)
        self.frequencies_hz: tuple[float, ...] = tuple(freqs)


MAX_SEGMENTS = 240  # detect_mains_hz looks at most at this many 1 s segments (evenly spread)
HARMONIC_EXTRA_DB = 4.0  # a harmonic alone must stand this much higher than a fundamental to count


def _mains_lines(mains: float, rate: float) -> list[float]:
    """The lines scored for a mains candidate: its multiples up to 0.45 x rate (and 16 Hz below Nyquist,
    for the neighbours), except multiples of 300 Hz, which 50 and 60 Hz mains share."""
    top = min(0.45 * rate, rate / 2.0 - 16.0)
    return [k * mains for k in range(1, int(top // mains) + 1) if (k * mains) % 300.0 != 0.0]


def detect_mains_hz(x: np.ndarray, rate_hz: float, threshold_db: float = 10.0) -> float | None:
    """Return 50.0 or 60.0 when raw signal `x` carries a clear narrow line at that frequency or one of its
    harmonics, else None.

    x: raw samples (n_samples,) or (n_samples, n_channels), in any unit (µV), at least 1 s long
    (shorter input returns None). rate_hz: sample rate in Hz.

    The signal is cut into 1 s Hann-windowed segments (50 % overlap, 1 Hz bins; at most `MAX_SEGMENTS`,
    evenly spread) and, per channel, only the quietest quarter of them (at least 3; by their 20-450 Hz
    power) are averaged: contractions raise the EMG around the lines by 30-40 dB and would hide a hum
    that stands far above the resting EMG. On that spectrum each line of a candidate (its multiples up
    to 0.45 x rate, except the multiples of 300 Hz that 50 and 60 Hz share) scores the peak within
    ±1 Hz over the median of the bins 5-15 Hz either side, in dB. A candidate counts when its fundamental
    scores more than `threshold_db` dB, or any harmonic more than `threshold_db` + `HARMONIC_EXTRA_DB`,
    on any channel (so a hum whose 3rd harmonic is strong and whose fundamental is weak is found; the
    harmonics need 4 dB more because a candidate has up to 14 of them at 2 kHz, each a chance for noise to
    peak: on 400 simulated hum-free stretches, 2 or 6 s at 200-2000 Hz, the best fundamental scored
    10.5 dB and the best harmonic 10.1 dB). When both count, the higher score wins.
    """
    a, _ = as_2d(x)
    n, ch = a.shape
    rate = float(rate_hz)
    if n < rate or n < 16:
        return None
    a = np.where(np.isfinite(a), a, 0.0)
    nper = int(min(n, round(rate)))
    starts = np.arange(0, n - nper + 1, max(1, nper // 2))
    if len(starts) > MAX_SEGMENTS:
        starts = starts[np.linspace(0, len(starts) - 1, MAX_SEGMENTS).round().astype(int)]
    freqs = np.fft.rfftfreq(nper, 1.0 / rate)
    top = int(np.searchsorted(freqs, min(0.45 * rate, rate / 2.0) + 1.0))  # bins up to just above 0.45 x rate
    window = scipy.signal.get_window("hann", nper)[:, None]
    psd = np.empty((len(starts), top, ch))
    for i, s0 in enumerate(starts):  # one segment at a time: memory stays at one segment per channel
        seg = a[s0 : s0 + nper]
        spec = np.fft.rfft((seg - seg.mean(axis=0)) * window, axis=0)[:top]
        psd[i] = spec.real**2 + spec.imag**2
    f = freqs[:top]
    band = (f >= 20.0) & (f <= 0.45 * rate)
    keep = max(3, -(-len(starts) // 4))
    if keep < len(starts):
        power = psd[:, band, :].sum(axis=1)  # (segments, ch)
        quiet = np.argsort(power, axis=0, kind="stable")[:keep]  # (keep, ch)
        spectrum = np.take_along_axis(psd, quiet[:, None, :], axis=0).mean(axis=0)  # (bins, ch)
    else:
        spectrum = psd.mean(axis=0)
    tiny = np.finfo(float).tiny
    best: tuple[float, float] | None = None  # (score_db, mains)
    for mains in (50.0, 60.0):
        score = -np.inf
        for line in _mains_lines(mains, rate):
            dist = np.abs(f - line)
            peak = spectrum[dist <= 1.0].max(axis=0)
            ref = np.median(spectrum[(dist >= 5.0) & (dist <= 15.0)], axis=0)
            line_db = float(np.max(10.0 * np.log10(np.maximum(peak, tiny) / np.maximum(ref, tiny))))
            score = max(score, line_db if line == mains else line_db - HARMONIC_EXTRA_DB)
        if score > threshold_db and (best is None or score > best[0]):
            best = (score, mains)
    return None if best is None else best[1]


@lru_cache(maxsize=16)
def _settle_tables(
    rate_hz: float, freqs_hz: tuple[float, ...], n_settle: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Data-independent tables of the start-up line fit (see `NotchedBandPass`), one row per sample n.

    u: regressors u_n (DC, ramp n / n_settle, then cos and sin of every line), (n_settle, p).
    With P_n the inverse of (sum of u_k u_k^T for k <= n) + 1e-4 I (updated one sample at a time,
    Sherman-Morrison) and z_n = sum of u_k d_k (the data), the fit is theta_n = P_n z_n, so
    g: rows g_n = P_n u_n give the fit's value at n, g_n . z_n; q: rows q_n = P_n u'_n (u'_n: u_n with the
    DC and ramp entries zeroed) give the lines' value at n, q_n . z_n; k: 1 / sqrt(max(1 - h_n, 1/4)) - 1,
    h_n = u_n . g_n the newest sample's leverage (the residual's rescaling, minus one); p_last: P at the
    last row, for the hand-over. The tables depend only on the rate, the lines and n, so every channel,
    and any chunking, uses the same numbers.
    """
    n = np.arange(n_settle, dtype=np.float64)
    cols = [np.ones(n_settle), n / n_settle]
    for f in freqs_hz:
        w = 2.0 * np.pi * f / rate_hz
        cols += [np.cos(w * n), np.sin(w * n)]
    u_all = np.column_stack(cols)
    p = u_all.shape[1]
    pmat = np.eye(p) * 1e4
    gains = np.empty_like(u_all)
    qline = np.empty_like(u_all)
    for i in range(n_settle):
        pu = pmat @ u_all[i]
        g = pu / (1.0 + u_all[i] @ pu)
        pmat -= np.outer(g, pu)
        gains[i] = g
        qline[i] = pmat[:, 2:] @ u_all[i, 2:]
    lev = np.einsum("ij,ij->i", u_all, gains)
    rescale = 1.0 / np.sqrt(np.maximum(1.0 - lev, 0.25)) - 1.0
    for arr in (u_all, gains, qline, rescale, pmat):
        arr.flags.writeable = False
    return u_all, gains, qline, rescale, pmat


class NotchedBandPass:
    """Band-pass plus mains notches (one SOS cascade once running) that starts without ringing.

    rate_hz: sample rate in Hz. band: the `BandPass`; notch: the `Notch` (its lines are notched).
    settle_s: length in s of the start-up phase described below (0 turns it off: plain cascade).
    Units pass through (µV in, µV out).

    A 2 Hz-wide notch needs about 1 / (pi x 2 Hz) = 0.16 s to learn a hum: started from rest (or from
    the steady state for a DC offset) it passes the hum at full strength at first and lets it die away
    over about half a second, which the envelope shows as a burst and the onset detector as a false
    onset (20 µV of 60 Hz hum over 3 µV rest: the envelope peaked at 3.5x its resting level). A filter
    cannot know the hum's phase at its first sample, so instead, during the first `settle_s` after a
    start or `reset()`, the hum is fitted rather than notched: at each sample, a least-squares fit over
    all samples so far (minus the first one) of a DC level, a ramp and a sinusoid at every harmonic of
    the mains below Nyquist (a growing window; data-independent tables in `_settle_tables`) gives the
    lines' current value, which is subtracted (exactly, for a steady hum, once the fit has as many
    samples as unknowns); the fit's residual is scaled by 1 / sqrt(1 - leverage) so the noise keeps its
    level while the fit has few samples. The band-pass runs behind it. Until the fit has its unknowns'
    count plus a quarter in samples (`n_mute`: about two mains cycles, 25 ms at 2 kHz) the output is 0.
    At n = settle_s x rate the cascade takes over with the state it would have had, had the fitted hum
    and DC level always been there (`_hand_over`), so there is no switching transient either.
    Everything depends only on the samples so far and their index since the start, so any chunking
    gives the same output. After the start-up phase this is exactly the LTI cascade `sos` (notches
    first, then the band-pass; the order does not change an LTI cascade's response), run through
    scipy's compiled kernel as before.
    """

    def __init__(self, rate_hz: float, band: BandPass, notch: Notch, settle_s: float = 0.5) -> None:
        self.rate_hz = float(rate_hz)
        self.band = band
        self.sos = np.ascontiguousarray(np.vstack([notch.sos, band.sos]))
        self.n_settle = max(0, int(round(settle_s * self.rate_hz)))
        nyq = self.rate_hz / 2.0  # the fit takes every harmonic below Nyquist, notched or not
        self.fit_hz: tuple[float, ...] = tuple(
            k * notch.mains_hz for k in range(1, int(nyq // notch.mains_hz) + 1) if k * notch.mains_hz < nyq - 1.0
        )
        n_params = 2 + 2 * len(self.fit_hz)
        self.n_mute = min(self.n_settle, n_params + max(2, n_params // 4))
        self._notch_zi_dc = scipy.signal.sosfilt_zi(notch.sos)  # (n_notch, 2) for a unit DC level
        self.reset()

    def reset(self) -> None:
        """Start afresh: the next sample starts a new start-up phase."""
        self._n = 0
        self._x0: np.ndarray | None = None
        self._z: np.ndarray | None = None  # running sum of u_n (x_n - x_0), (p, ch)
        self._bp = SosFilter(self.band.sos)
        self._full = SosFilter(self.sos)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter one chunk (n_samples, n_channels) or (n_samples,) of µV; same shape out."""
        if self._n >= self.n_settle:  # the hot path: the plain cascade
            return self._full.process(x)
        a, was_1d = as_2d(x)
        n, ch = a.shape
        if n == 0:
            return restore(np.zeros((0, ch)), was_1d)
        if self._z is not None and self._z.shape[1] != ch:
            raise ValueError(f"filter state is for {self._z.shape[1]} channels, got {ch}; call reset() first")
        k = min(n, self.n_settle - self._n)
        start = self._n
        cleaned = self._fit_lines(a[:k])
        mute = min(k, max(0, self.n_mute - start))  # samples before the fit is determined: output 0
        head = np.zeros((k, ch))
        if mute < k:
            head[mute:] = self._bp.process(cleaned[mute:])
        if self._n == self.n_settle:
            self._hand_over()
        if k == n:
            return restore(head, was_1d)
        return restore(np.concatenate([head, self._full.process(a[k:])]), was_1d)

    def _fit_lines(self, a: np.ndarray) -> np.ndarray:
        """The start-up phase on (k, ch): each sample minus the lines' fitted value so far (vectorised
        over the chunk: the fit at n is a fixed linear function of the running sum z_n)."""
        u_all, gains, qline, rescale, _ = _settle_tables(self.rate_hz, self.fit_hz, self.n_settle)
        if self._z is None:
            self._x0 = a[0].copy()
            self._z = np.zeros((u_all.shape[1], a.shape[1]))
        rows = slice(self._n, self._n + a.shape[0])
        d = a - self._x0  # (k, ch)
        z = self._z + np.cumsum(u_all[rows, :, None] * d[:, None, :], axis=0)  # (k, p, ch): z_n per sample
        fit = np.einsum("kp,kpc->kc", gains[rows], z)  # the whole fit at n (DC, ramp and lines)
        lines = np.einsum("kp,kpc->kc", qline[rows], z)  # its lines
        self._z = z[-1]
        self._n += a.shape[0]
        return a - lines + (d - fit) * rescale[rows, None]  # residual rescaled to the noise's level

    def _hand_over(self) -> None:
        """Give the cascade the state it would have, had the fitted lines and DC level always been there:
        the notches' state for the DC level, the band-pass's own (it has run on the cleaned signal), plus
        every fitted line's steady state through all sections (a notched line stops at its notch; a line
        left un-notched, such as one above 0.95 x Nyquist, carries on into the band-pass)."""
        u_all, _, _, _, p_last = _settle_tables(self.rate_hz, self.fit_hz, self.n_settle)
        theta, x0 = p_last @ self._z, self._x0  # the fit's coefficients, (p, ch)
        last = self.n_settle - 1
        level = x0 + u_all[last, :2] @ theta[:2]  # DC level now (ch,)
        notch_zi = self._notch_zi_dc[None, :, :] * level[:, None, None]  # (ch, n_notch, 2)
        bp_zi = self._bp._zi
        if bp_zi is None:  # the start-up phase ended inside the muted stretch: band-pass from the DC level
            bp_zi = scipy.signal.sosfilt_zi(self.band.sos)[None, :, :] * level[:, None, None]
        zi = np.concatenate([notch_zi, bp_zi], axis=1)  # (ch, sections, 2), the order of `sos`
        for k, f in enumerate(self.fit_hz):
            w = 2.0 * np.pi * f / self.rate_hz
            ph = (theta[2 + 2 * k] - 1j * theta[3 + 2 * k]) * np.exp(1j * w * last)  # phasor at `last` (ch,)
            zm1, zm2 = np.exp(-1j * w), np.exp(-2j * w)
            for s, (b0, b1, b2, _, a1, a2) in enumerate(self.sos):
                y = ph * ((b0 + b1 * zm1 + b2 * zm2) / (1.0 + a1 * zm1 + a2 * zm2))
                z1 = b2 * ph - a2 * y  # DF2T state after the sample: z1 = b2 x - a2 y, z0 = b1 x - a1 y + z1[-1]
                zi[:, s, 0] += ((b1 * ph - a1 * y) + z1 * zm1).real
                zi[:, s, 1] += z1.real
                ph = y
        self._full._zi = np.ascontiguousarray(zi)
