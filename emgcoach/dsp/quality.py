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
from scipy import signal

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
    """Causal 20-450 Hz band-pass of (n, ch) µV, state started at the first sample (no DC transient)."""
    sos, zi = _band_sos(float(rate_hz))
    y, _ = signal.sosfilt(sos, a, axis=0, zi=zi[:, :, None] * a[0][None, None, :])
    return y


def _line_ratios(x: np.ndarray, rate_hz: float, mains_hz: float | None) -> np.ndarray:
    """Per channel: power within ±1 Hz of mains lines over all power in 20-450 Hz (capped below Nyquist)."""
    hi = min(450.0, 0.45 * rate_hz)
    nper = int(min(len(x), 2 * rate_hz))  # 0.5 Hz bins
    if nper < rate_hz / 4:
        return np.full(x.shape[1], np.nan)
    f, p = signal.welch(x - x.mean(axis=0), fs=rate_hz, nperseg=nper, axis=0)  # (freqs, channels)
    band = (f >= 20.0) & (f <= hi)
    total = p[band].sum(axis=0)
    best = np.zeros(x.shape[1])
    for m in (50.0, 60.0) if mains_hz is None else (mains_hz,):
        lines = np.zeros_like(band)
        for h in np.arange(m, hi + 1, m):
            lines |= np.abs(f - h) <= 1.0
        best = np.maximum(best, p[band & lines].sum(axis=0) / np.where(total > 0, total, 1.0))
    return best


def _clipping(x: np.ndarray, clip_level_uv: float | None) -> float:
    """Fraction of samples at the rail (µV in).

    With a known `clip_level_uv`: samples with |x| >= 0.999 x that level. Otherwise, for each of the
    stretch's max and min: if that extreme value repeats in a run of >= 2 consecutive samples (a rail;
    a true peak is a single sample), every sample within a small tolerance of it counts.
    """
    if len(x) == 0:
        return 0.0
    if clip_level_uv is not None:
        return float(np.mean(np.abs(x) >= 0.999 * abs(clip_level_uv)))
    stuck = np.zeros(len(x), dtype=bool)
    tol = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    for level in (x.max(), x.min()):
        at = np.abs(x - level) <= tol
        if np.any(at[1:] & at[:-1]):
            stuck |= at
    return float(stuck.mean())


def _window_rms(y: np.ndarray, w: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(y * y)])
    step = max(1, w // 2)
    starts = np.arange(0, len(y) - w + 1, step)
    return np.sqrt(np.maximum((c[starts + w] - c[starts]) / w, 0.0))


def assess_quality(
    raw_uv: np.ndarray,
    rate_hz: float,
    mains_hz: float | None = None,
    clip_level_uv: float | None = None,
) -> list[QualityReport]:
    """Quality of each channel of a raw stretch (n_samples, n_channels) in µV; mains None = check 50 and 60."""
    a, _ = as_2d(raw_uv)
    filtered = _band_pass(a, rate_hz) if len(a) else a
    lines = _line_ratios(a, rate_hz, mains_hz) if len(a) else np.zeros(a.shape[1])
    skip = min(len(a) // 10, int(0.2 * rate_hz))  # filter start-up
    w = max(2, int(WINDOW_S * rate_hz))
    reports = []
    for ch in range(a.shape[1]):
        x, y = a[:, ch], filtered[skip:, ch]
        flat = (
            len(x) == 0
            or float(np.ptp(x)) == 0.0
            or float(np.std(x)) < FLAT_SD_UV
            or (len(y) > 0 and float(np.std(y)) < FLAT_SD_UV)
        )
        line = float(lines[ch]) if not flat else 0.0
        clip = _clipping(x, clip_level_uv) if not flat else 0.0
        if len(y) >= w:
            rms = _window_rms(y, w)
            noise, peak = float(rms.min()), float(rms.max())
        else:
            noise = peak = float(np.sqrt(np.mean(y * y))) if len(y) else float("nan")
        snr = 20 * np.log10(peak / noise) if noise > 0 and np.isfinite(noise) else float("nan")
        flags = []
        if flat:
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
        reports.append(QualityReport(line, flat, clip, noise, float(snr), flags))
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
