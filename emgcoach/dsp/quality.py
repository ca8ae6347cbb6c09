"""Signal quality per channel: mains hum, electrode off, clipping, noise floor and contraction SNR.

Each figure comes with a one-line meaning a therapist can act on, and a grade: good, fair or bad.

Metrics per channel (see `MESSAGES`): line_noise_ratio (power within ±1 Hz of the mains lines and their
harmonics over all 20-450 Hz power, 0-1, Welch spectrum of the raw signal); flatline (raw or band-passed
SD below 0.5 µV, or a constant value); clipping_fraction (share of samples at the rail: at |x| >= the
given clip level, or else at the stretch's max/min when that extreme value repeats, i.e. occurs in a run
of two or more samples, as a rail does and a true peak does not); noise_rms_uv (RMS of the band-passed
signal in its quietest 0.5 s window, stepping 0.25 s); snr_db (20 log10 of the most active 0.5 s
window's RMS over the quietest's). Band-passing is a causal 4th-order Butterworth 20-450 Hz (upper edge
capped at 0.45 x rate) with the state started at the first sample; its first 0.2 s is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import fft, signal

from emgcoach.dsp.base import as_2d

FLAT_SD_UV = 0.5  # below this the channel carries no signal
LINE_BAD = 0.5  # share of 20-450 Hz power in mains lines: above this the hum dominates
LINE_FAIR = 0.2
CLIP_BAD = 0.01  # fraction of samples at the rail
NOISE_FAIR_UV = 15.0  # resting noise RMS above this hides small activations
SNR_FAIR_DB = 6.0
WINDOW_S = 0.5

MESSAGES = {
    "line_noise_ratio": "Share of signal power in mains hum lines (0-1); high means a loose reference or poor skin prep",
    "flatline": "No signal: electrode off, lead unplugged or sensor not touching the skin",
    "clipping_fraction": "Share of samples stuck at the amplifier's limit; the signal is distorted there",
    "noise_rms_uv": "Noise at rest in µV; above ~15 µV small contractions disappear in it",
    "snr_db": "Contraction over rest in dB; below 6 dB the muscle barely rises above its resting level",
}
FLAG_MESSAGES = {
    "mains": "Mains hum dominates: check the reference electrode and skin prep, move away from chargers",
    "hum": "Some mains hum: the notch removes it, but better skin contact would help",
    "flatline": "No signal: electrode off or sensor not touching the skin",
    "clipping": "Clipping: the signal hits the amplifier's limit (gain too high or electrode moving)",
    "noisy": "Noisy at rest: re-prep the skin or press the electrodes down",
    "low_snr": "Low SNR: the muscle barely rises above rest (placement, or no contraction yet)",
}


@dataclass
class QualityReport:
    """Quality of one channel over the assessed stretch (see MESSAGES for each field's meaning)."""

    line_noise_ratio: float
    flatline: bool
    clipping_fraction: float
    noise_rms_uv: float
    snr_db: float
    flags: list[str] = field(default_factory=list)

    @property
    def grade(self) -> Literal["good", "fair", "bad"]:
        """'good', 'fair' or 'bad'."""
        if {"flatline", "clipping", "mains"} & set(self.flags):
            return "bad"
        return "fair" if self.flags else "good"

    @property
    def flag_messages(self) -> list[str]:
        return [FLAG_MESSAGES[f] for f in self.flags]

    @property
    def messages(self) -> dict[str, str]:
        """One-line human meaning of each metric, and of each flag raised (keyed by flag name)."""
        out = dict(MESSAGES)
        out.update({f: FLAG_MESSAGES[f] for f in self.flags})
        return out

    @property
    def summary(self) -> str:
        """One line: the grade and what to do about the worst problem."""
        return f"{self.grade}: {self.flag_messages[0]}" if self.flags else "good: clean signal"

    def to_dict(self) -> dict:
        """JSON-friendly: plain floats (None for NaN), bools, lists and strings."""

        def r(v: float, d: int = 3) -> float | None:
            return round(float(v), d) if np.isfinite(v) else None

        return {
            "grade": self.grade,
            "line_noise_ratio": r(self.line_noise_ratio),
            "flatline": self.flatline,
            "clipping_fraction": r(self.clipping_fraction, 4),
            "noise_rms_uv": r(self.noise_rms_uv, 2),
            "snr_db": r(self.snr_db, 1),
            "flags": list(self.flags),
            "flag_messages": self.flag_messages,
            "messages": self.messages,
            "summary": self.summary,
        }


@lru_cache(maxsize=16)
def _band_sos(rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """4th-order Butterworth 20-450 Hz band-pass (upper edge capped at 0.45 x rate) and its unit-step state."""
    sos = signal.butter(4, [20.0, min(450.0, 0.45 * rate_hz)], "bandpass", fs=rate_hz, output="sos")
    return sos, signal.sosfilt_zi(sos)


def _band_pass(a: np.ndarray, rate_hz: float) -> np.ndarray:
    """Causal 20-450 Hz band-pass of channel-major (ch, n) µV, state started at the first sample."""
    sos, zi = _band_sos(float(rate_hz))
    y, _ = signal.sosfilt(sos, a, axis=1, zi=zi[:, None, :] * a[:, 0][None, :, None])
    return y


def _power_spectrum(x: np.ndarray, rate_hz: float, nper: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD (Hann window, mean removed per segment, 50 % overlap) of channel-major (ch, n), any scale:
    (freqs,), (ch, freqs).

    When the stretch is a single segment long (the live monitor's 2 s window) this is one Hann-windowed
    periodogram, computed directly: `scipy.signal.welch` spends about 0.4 ms of its own on 2 s x 4
    channels around its FFT. Only ratios of these powers are used, so the density scaling is left out.
    """
    if x.shape[1] == nper:
        seg = x - x.mean(axis=1, keepdims=True)
        seg *= _hann(nper)
        spec = fft.rfft(seg, axis=1)
        return fft.rfftfreq(nper, 1.0 / rate_hz), spec.real**2 + spec.imag**2
    return signal.welch(x, fs=rate_hz, nperseg=nper, axis=1)


@lru_cache(maxsize=8)
def _hann(n: int) -> np.ndarray:
    """The periodic Hann window Welch uses (read-only, shared)."""
    w = signal.get_window("hann", n)
    w.flags.writeable = False
    return w


@lru_cache(maxsize=32)
def _line_masks(rate_hz: float, nper: int, mains_hz: float | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """For the spectrum of `nper` samples: the 20-450 Hz band, and per candidate mains frequency the bins
    of that band within ±1 Hz of its lines (fundamental and harmonics)."""
    hi = min(450.0, 0.45 * rate_hz)
    f = fft.rfftfreq(nper, 1.0 / rate_hz)
    band = (f >= 20.0) & (f <= hi)
    per_mains = []
    for m in (50.0, 60.0) if mains_hz is None else (mains_hz,):
        lines = np.zeros_like(band)
        for h in np.arange(m, hi + 1, m):
            lines |= np.abs(f - h) <= 1.0
        per_mains.append(band & lines)
    return band, per_mains


def _line_ratios(x: np.ndarray, rate_hz: float, mains_hz: float | None) -> np.ndarray:
    """Per channel of (ch, n): power within ±1 Hz of mains lines over all power in 20-450 Hz (capped
    below Nyquist), 0-1."""
    nper = int(min(x.shape[1], 2 * rate_hz))  # 0.5 Hz bins
    if nper < rate_hz / 4:
        return np.full(x.shape[0], np.nan)
    _, p = _power_spectrum(x, rate_hz, nper)
    band, per_mains = _line_masks(float(rate_hz), nper, mains_hz)
    total = p[:, band].sum(axis=1)
    total[total <= 0] = 1.0
    return np.max([p[:, lines].sum(axis=1) / total for lines in per_mains], axis=0)


def _clipping(x: np.ndarray, clip_level_uv: float | None) -> np.ndarray:
    """Per channel of channel-major (ch, n) µV: fraction of samples at the rail.

    With a known `clip_level_uv`: samples with |x| >= 0.999 x that level. Otherwise, for each of the
    stretch's max and min: if that extreme value repeats in a run of >= 2 consecutive samples (a rail;
    a true peak is a single sample), every sample within a small tolerance of it counts.
    """
    if x.shape[1] == 0:
        return np.zeros(x.shape[0])
    if clip_level_uv is not None:
        return np.mean(np.abs(x) >= 0.999 * abs(clip_level_uv), axis=1)
    stuck = np.zeros(x.shape, dtype=bool)
    tol = 1e-6 * np.maximum(1.0, np.max(np.abs(x), axis=1, keepdims=True))
    for level in (x.max(axis=1, keepdims=True), x.min(axis=1, keepdims=True)):
        at = np.abs(x - level) <= tol
        railed = np.any(at[:, 1:] & at[:, :-1], axis=1, keepdims=True)
        stuck |= at & railed
    return stuck.mean(axis=1)


def _window_rms(y: np.ndarray, w: int) -> np.ndarray:
    """RMS of channel-major (ch, n) over windows of w samples stepping w // 2: (ch, windows)."""
    c = np.zeros((y.shape[0], y.shape[1] + 1))
    np.cumsum(y * y, axis=1, out=c[:, 1:])
    step = max(1, w // 2)
    starts = np.arange(0, y.shape[1] - w + 1, step)
    return np.sqrt(np.maximum((c[:, starts + w] - c[:, starts]) / w, 0.0))


def assess_quality(
    raw_uv: np.ndarray,
    rate_hz: float,
    mains_hz: float | None = None,
    clip_level_uv: float | None = None,
) -> list[QualityReport]:
    """Quality of each channel of a raw stretch (n_samples, n_channels) in µV; mains None = check 50 and 60."""
    a = np.ascontiguousarray(as_2d(raw_uv)[0].T)  # channel-major: numpy reduces contiguous rows fastest
    n_ch, n = a.shape
    filtered = _band_pass(a, rate_hz) if n else a
    skip = min(n // 10, int(0.2 * rate_hz))  # filter start-up
    y = filtered[:, skip:]
    w = max(2, int(WINDOW_S * rate_hz))
    if n:
        flat = (np.ptp(a, axis=1) == 0.0) | (a.std(axis=1) < FLAT_SD_UV)
        if y.shape[1]:
            flat |= y.std(axis=1) < FLAT_SD_UV
        lines = np.where(flat, 0.0, _line_ratios(a, rate_hz, mains_hz))
        clips = np.where(flat, 0.0, _clipping(a, clip_level_uv))
    else:
        flat = np.ones(n_ch, dtype=bool)
        lines = clips = np.zeros(n_ch)
    if y.shape[1] >= w:
        rms = _window_rms(y, w)
        noises, peaks = rms.min(axis=1), rms.max(axis=1)
    else:
        noises = peaks = np.sqrt(np.mean(y * y, axis=1)) if y.shape[1] else np.full(n_ch, np.nan)
    reports = []
    for ch in range(n_ch):
        line, clip, noise, peak = float(lines[ch]), float(clips[ch]), float(noises[ch]), float(peaks[ch])
        snr = 20 * np.log10(peak / noise) if noise > 0 and np.isfinite(noise) else float("nan")
        flags = []
        if flat[ch]:
            flags.append("flatline")
        else:
            if clip > CLIP_BAD:
                flags.append("clipping")
            if line > LINE_BAD:
                flags.append("mains")
            elif line > LINE_FAIR:
                flags.append("hum")
            if noise > NOISE_FAIR_UV:
                flags.append("noisy")
            if np.isfinite(snr) and snr < SNR_FAIR_DB:
                flags.append("low_snr")
        reports.append(QualityReport(line, bool(flat[ch]), clip, noise, float(snr), flags))
    return reports


class QualityMonitor:
    """Streaming quality: keeps the last `window_s` of raw µV in a fixed ring and assesses it on demand.

    `process(x)` stores the chunk and returns None (cheap: a copy into the ring); `report()` runs
    `assess_quality` on the ring (ask about once a second). Memory is fixed at window_s x rate x channels.
    """

    def __init__(
        self, rate_hz: float, window_s: float = 2.0, mains_hz: float | None = None, clip_level_uv: float | None = None
    ) -> None:
        self.rate_hz = float(rate_hz)
        self.capacity = max(2, int(round(window_s * rate_hz)))
        self.mains_hz = mains_hz
        self.clip_level_uv = clip_level_uv
        self._buf: np.ndarray | None = None
        self._filled = 0
        self._pos = 0

    def reset(self) -> None:
        self._buf, self._filled, self._pos = None, 0, 0

    def process(self, x: np.ndarray) -> None:
        """Store a raw µV chunk (n_samples, n_channels) in the ring; returns None (x is not modified)."""
        a, _ = as_2d(x)
        if self._buf is None:
            self._buf = np.zeros((self.capacity, a.shape[1]))
        n = len(a)
        if self._pos + n < self.capacity:  # the usual live chunk: one copy, no wrap
            self._buf[self._pos : self._pos + n] = a
            self._pos += n
            self._filled = min(self.capacity, self._filled + n)
            return
        a = a[-self.capacity :]
        n = len(a)
        first = min(n, self.capacity - self._pos)
        self._buf[self._pos : self._pos + first] = a[:first]
        self._buf[: n - first] = a[first:]
        self._pos = (self._pos + n) % self.capacity
        self._filled = min(self.capacity, self._filled + n)

    @property
    def buffer_nbytes(self) -> int:
        """Bytes held by the ring (fixed once the first chunk has set the channel count)."""
        return 0 if self._buf is None else int(self._buf.nbytes)

    def window(self) -> np.ndarray:
        """The stored stretch in time order (a copy)."""
        if self._buf is None:
            return np.zeros((0, 1))
        if self._filled < self.capacity:
            return self._buf[: self._filled].copy()
        return np.roll(self._buf, -self._pos, axis=0)

    def report(self) -> list[QualityReport]:
        """Assess the stored window now (the cost of `assess_quality` on window_s of data)."""
        return assess_quality(self.window(), self.rate_hz, self.mains_hz, self.clip_level_uv)
