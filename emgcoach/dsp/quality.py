"""Signal quality per channel: mains hum, electrode off, clipping, noise floor and contraction SNR.

Each figure comes with a one-line meaning a therapist can act on, and a grade: good, fair or bad.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

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
    def grade(self) -> str:
        """'good', 'fair' or 'bad'."""
        if {"flatline", "clipping", "mains"} & set(self.flags):
            return "bad"
        return "fair" if self.flags else "good"

    @property
    def flag_messages(self) -> list[str]:
        return [FLAG_MESSAGES[f] for f in self.flags]

    @property
    def summary(self) -> str:
        """One line: the grade and what to do about the worst problem."""
        return f"{self.grade}: {self.flag_messages[0]}" if self.flags else "good: clean signal"

    def to_dict(self) -> dict:
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
        }


@lru_cache(maxsize=16)
def _band_sos(rate_hz: float) -> np.ndarray:
    from emgcoach.dsp.filters import BandPass

    return BandPass(rate_hz).sos


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
    """Fraction of samples at the rail: |x| at the given level, or runs (>= 2) of the extreme values."""
    if len(x) == 0:
        return 0.0
    if clip_level_uv is not None:
        return float(np.mean(np.abs(x) >= 0.999 * clip_level_uv))
    stuck = np.zeros(len(x), dtype=bool)
    for level in (x.max(), x.min()):
        at = np.isclose(x, level, rtol=0, atol=1e-6 * max(1.0, abs(level)))
        run = at[1:] & at[:-1]  # two consecutive samples at the extreme: a rail, not a single peak
        stuck[1:] |= run
        stuck[:-1] |= run
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
    from emgcoach.dsp.filters import SosFilter

    a, _ = as_2d(raw_uv)
    filtered = SosFilter(_band_sos(float(rate_hz))).process(a) if len(a) else a
    lines = _line_ratios(a, rate_hz, mains_hz) if len(a) else np.zeros(a.shape[1])
    skip = min(len(a) // 10, int(0.2 * rate_hz))  # filter start-up
    w = max(2, int(WINDOW_S * rate_hz))
    reports = []
    for ch in range(a.shape[1]):
        x, y = a[:, ch], filtered[skip:, ch]
        flat = len(x) == 0 or float(np.ptp(x)) == 0.0 or float(np.std(y)) < FLAT_SD_UV
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

    def __init__(self, rate_hz: float, window_s: float = 2.0, mains_hz: float | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.capacity = max(2, int(round(window_s * rate_hz)))
        self.mains_hz = mains_hz
        self._buf: np.ndarray | None = None
        self._filled = 0
        self._pos = 0

    def reset(self) -> None:
        self._buf, self._filled, self._pos = None, 0, 0

    def process(self, x: np.ndarray) -> None:
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

    def window(self) -> np.ndarray:
        """The stored stretch in time order (a copy)."""
        if self._buf is None:
            return np.zeros((0, 1))
        if self._filled < self.capacity:
            return self._buf[: self._filled].copy()
        return np.roll(self._buf, -self._pos, axis=0)

    def report(self) -> list[QualityReport]:
        return assess_quality(self.window(), self.rate_hz, self.mains_hz)
