"""Spectral figures of one stretch of band-passed EMG: median and mean frequency (Hz) and RMS (µV).

The median frequency (MDF) splits the power spectrum into two halves of equal power; the mean frequency
(MNF) is the spectrum's centroid. Both fall as a muscle fatigues (conduction velocity slows, motor units
synchronise), which is why a rep's MDF is tracked over a set (`coach.fatigue`).

The spectrum is Welch's estimate (`scipy.signal.welch`): Hann windows of SEGMENT_S (4 Hz resolution),
half overlapping, each segment's mean removed, zero-padded to twice the next power of two so the
cumulative power is finely sampled. Power is counted inside the band the signal was band-passed to only
(20-450 Hz in the app's chain, narrower at low rates or with the ECG high-pass): outside it the filter's
skirts leave only noise. Where the chain notched mains lines, the few bins around each notch are
interpolated across from their neighbours, so a notch's dip (2 Hz wide; `dsp.filters.Notch`) is not read
as missing EMG power.

What has no figure says why (`NoSpectrum`): a stretch shorter than MIN_STRETCH_S (below one Welch
segment the estimate is a single noisy periodogram), no signal (all zeros, a flat line, or the zeros a
notched chain outputs while it settles), no band-passed samples kept. Non-finite samples (gaps) are not
bridged: the longest finite run is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

SEGMENT_S = 0.25  # Welch segment: 4 Hz resolution, short enough for two or more segments in a 0.5 s burst
MIN_STRETCH_S = 0.25  # shorter than one segment: no estimate
NO_SIGNAL_RMS_UV = 1e-3  # below this RMS (µV) a stretch is a flat line, not EMG
MAX_ZERO_FRACTION = 0.5  # more exact zeros than this: the chain's settling output or a dead channel
NOTCH_WIDTH_HZ = 2.0  # -3 dB width of the chain's notches (dsp.filters.Notch's default)


class NoSpectrum(StrEnum):
    """Why a stretch has no spectral figures."""

    NO_SIGNAL = "no_signal"  # flat, all zeros, or the channel has no signal
    TOO_SHORT = "too_short"  # shorter than MIN_STRETCH_S (after dropping non-finite samples)
    NO_TRACE = "no_trace"  # no band-passed signal was kept for this stretch
    NOT_ACTIVE = "not_active"  # the muscle did not come on in it (a partner that never fired)


@dataclass(frozen=True)
class Spectrum:
    """One stretch's figures: median and mean frequency (Hz), RMS (µV) and its length (s). The
    frequencies and RMS are None when `missing` says why (with `note` in words)."""

    median_hz: float | None
    mean_hz: float | None
    rms_uv: float | None
    duration_s: float
    missing: NoSpectrum | None = None
    note: str = ""

    @classmethod
    def none(cls, missing: NoSpectrum, note: str, duration_s: float = 0.0) -> Spectrum:
        """No figures, because of `missing` (`note` says it in words)."""
        return cls(None, None, None, duration_s, missing, note)


def longest_finite_run(x: np.ndarray) -> np.ndarray:
    """The longest stretch of `x` without NaN or inf (all of it when every sample is finite)."""
    ok = np.isfinite(x)
    if ok.all():
        return x
    if not ok.any():
        return x[:0]
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    k = int(np.argmax(stops - starts))
    return x[starts[k] : stops[k]]


def welch_psd(x: np.ndarray, rate_hz: float, band_hz: tuple[float, float],
              notch_hz: tuple[float, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density of `x` (µV, at `rate_hz`) inside `band_hz`: (frequencies Hz,
    density µV²/Hz), the bins around each notched frequency in `notch_hz` interpolated across."""
    nseg = min(len(x), max(8, int(round(SEGMENT_S * rate_hz))))
    nfft = 2 ** int(math.ceil(math.log2(nseg))) * 2
    f, p = scipy.signal.welch(x, fs=rate_hz, window="hann", nperseg=nseg, noverlap=nseg // 2, nfft=nfft,
                        detrend="constant", scaling="density")
    lo, hi = band_hz[0], min(band_hz[1], rate_hz / 2.0)
    keep = (f >= lo) & (f <= hi)
    f, p = f[keep], p[keep]
    if notch_hz and len(f) > 2:
        p = _bridge_notches(f, p, notch_hz, rate_hz / nseg)
    return f, p


def _bridge_notches(f: np.ndarray, p: np.ndarray, notch_hz: tuple[float, ...], resolution_hz: float) -> np.ndarray:
    """`p` with the bins within half a notch's width plus one resolution of each notched frequency
    replaced by a straight line between the nearest bins outside (the EMG under a notch is not zero;
    the notch removed it along with the hum)."""
    reach = NOTCH_WIDTH_HZ / 2.0 + resolution_hz
    hidden = np.zeros(len(f), dtype=bool)
    for fn in notch_hz:
        hidden |= np.abs(f - fn) <= reach
    if not hidden.any() or hidden.all():
        return p
    out = p.copy()
    out[hidden] = np.interp(f[hidden], f[~hidden], p[~hidden])
    return out


def median_frequency(f: np.ndarray, p: np.ndarray) -> float:
    """The frequency (Hz) below which half the power of the spectrum `p` on bins `f` lies, each bin's
    power spread evenly over its width (NaN for a spectrum without power)."""
    total = float(p.sum())
    if len(f) < 2 or not total > 0:
        return float("nan")
    df = float(f[1] - f[0])
    c = np.cumsum(p)
    i = int(np.searchsorted(c, total / 2.0))
    below = float(c[i - 1]) if i > 0 else 0.0
    return float(f[i] - df / 2.0 + (total / 2.0 - below) / float(p[i]) * df)


def mean_frequency(f: np.ndarray, p: np.ndarray) -> float:
    """The power-weighted mean frequency (Hz) of the spectrum `p` on bins `f` (NaN without power)."""
    total = float(p.sum())
    return float((f * p).sum() / total) if total > 0 else float("nan")


def stretch_spectrum(x: np.ndarray | None, rate_hz: float, band_hz: tuple[float, float] = (20.0, 450.0),
                     notch_hz: tuple[float, ...] = ()) -> Spectrum:
    """Median and mean frequency (Hz) and RMS (µV) of a stretch of band-passed EMG `x` (µV at
    `rate_hz`), its band `band_hz` and notched lines `notch_hz` (Hz) as the chain applied them; or none,
    saying why (`NoSpectrum`)."""
    if x is None:
        return Spectrum.none(NoSpectrum.NO_TRACE, "no band-passed signal kept")
    full = np.asarray(x, dtype=np.float64).ravel()
    run = longest_finite_run(full)
    duration = len(run) / rate_hz
    if duration < MIN_STRETCH_S:
        gap = " of finite samples" if len(run) < len(full) else ""
        return Spectrum.none(NoSpectrum.TOO_SHORT, f"active part {duration:.2f} s{gap}: shorter than "
                                                   f"{MIN_STRETCH_S:g} s", duration)
    rms = float(np.sqrt(np.mean(run**2)))
    if rms < NO_SIGNAL_RMS_UV or np.mean(run == 0.0) > MAX_ZERO_FRACTION:
        return Spectrum.none(NoSpectrum.NO_SIGNAL, "no signal: flat or zero", duration)
    f, p = welch_psd(run, rate_hz, band_hz, notch_hz)
    mdf, mnf = median_frequency(f, p), mean_frequency(f, p)
    if not (math.isfinite(mdf) and math.isfinite(mnf)):
        return Spectrum.none(NoSpectrum.NO_SIGNAL, "no signal: no power in the band", duration)
    return Spectrum(mdf, mnf, rms, duration)
