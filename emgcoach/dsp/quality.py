"""Signal quality per channel: mains hum, electrode off, clipping, noise floor and contraction SNR.

Each figure comes with a one-line meaning a therapist can act on, and a grade: good, fair or bad.

Metrics per channel (see `MESSAGES`): line_noise_ratio (power within ±1 Hz of the mains lines and their
harmonics over all 20-450 Hz power, 0-1, from the raw signal's spectrum at rest: the whole stretch's when
it is all rest, else its quietest 1 s (of one every 0.1 s), so that contractions do not dilute it);
flatline (a stuck signal: raw or band-passed SD below 0.1 µV, a constant value, or at least 95 % of
samples repeating the previous one); clipping_fraction (share of samples at the rail: at |x| >= the
given clip level, or else at the stretch's max/min when that extreme value repeats, i.e. occurs in a run
of two or more samples, as a rail does and a true peak does not); noise_rms_uv (RMS of the band-passed
signal in its quietest 0.5 s window, stepping 0.25 s, with the share of mains-line power taken out, as the
notch removes it); snr_db (20 log10 of the most active 0.5 s
window's RMS over the quietest's). Band-passing is a causal 4th-order Butterworth 20-450 Hz (upper edge
capped at 0.45 x rate) with the state started at the first sample; its first 0.2 s is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

from emgcoach.dsp.base import as_2d

FLAT_SD_UV = 0.1  # SD (raw or band-passed) below this: no signal. Working sensors rest at ~0.5-2 µV RMS
FLAT_REPEAT = 0.95  # share of samples equal to the one before at or above this: a stuck ADC or held value
REST_FACTOR = 2.0  # a stretch is all rest when every 1 s of it has power within this factor of the quietest 1 s
LINE_SEGMENTS = 240  # the line ratio looks at most at this many 1 s segments (evenly spread)
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
    "no_rest": "No stationary rest found: noise at rest and SNR not judged",
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

    def with_rest_noise(self, noise_rms_uv: float) -> QualityReport:
        """The same report with the noise at rest measured elsewhere (µV RMS, e.g. from rest found in
        stretches shorter than this report's 0.5 s window): noise and SNR, and their flags, judged again."""
        if self.flatline or not np.isfinite(noise_rms_uv) or noise_rms_uv <= 0:
            return self
        peak = self.noise_rms_uv * 10 ** (self.snr_db / 20) if np.isfinite(self.snr_db) else float("nan")
        snr = 20 * np.log10(peak / noise_rms_uv) if np.isfinite(peak) else float("nan")
        flags = [f for f in self.flags if f not in ("noisy", "low_snr")]
        if noise_rms_uv > NOISE_FAIR_UV:
            flags.append("noisy")
        if np.isfinite(snr) and snr < SNR_FAIR_DB:
            flags.append("low_snr")
        return QualityReport(self.line_noise_ratio, self.flatline, self.clipping_fraction, float(noise_rms_uv),
                             float(snr), flags)

    def without_rest(self) -> QualityReport:
        """The same report for a stretch with no rest in it: its quietest window is activity, so the
        noise floor and SNR measured there say nothing about the electrodes and are not judged."""
        flags = [f for f in self.flags if f not in ("noisy", "low_snr")] + ["no_rest"]
        return QualityReport(self.line_noise_ratio, self.flatline, self.clipping_fraction, float("nan"),
                             float("nan"), flags)

    @property
    def grade(self) -> Literal["good", "fair", "bad"]:
        """'good', 'fair' or 'bad'."""
        if {"flatline", "clipping", "mains"} & set(self.flags):
            return "bad"
        return "fair" if set(self.flags) - {"no_rest"} else "good"

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
    sos = scipy.signal.butter(4, [20.0, min(450.0, 0.45 * rate_hz)], "bandpass", fs=rate_hz, output="sos")
    return sos, scipy.signal.sosfilt_zi(sos)


def _band_pass(a: np.ndarray, rate_hz: float) -> np.ndarray:
    """Causal 20-450 Hz band-pass of channel-major (ch, n) µV, state started at the first sample."""
    sos, zi = _band_sos(float(rate_hz))
    y, _ = scipy.signal.sosfilt(sos, a, axis=1, zi=zi[:, None, :] * a[:, 0][None, :, None])
    return y


def _power_spectrum(x: np.ndarray, rate_hz: float, nper: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD (Hann window, mean removed per segment, 50 % overlap) of channel-major (ch, n), any scale:
    (freqs,), (ch, freqs).

    When the stretch is a single segment long this is one Hann-windowed
    periodogram, computed directly: `scipy.signal.welch` spends about 0.4 ms of its own on 2 s x 4
    channels around its FFT. Only ratios of these powers are used, so the density scaling is left out.
    """
    if x.shape[1] == nper:
        seg = x - x.mean(axis=1, keepdims=True)
        seg *= _hann(nper)
        spec = scipy.fft.rfft(seg, axis=1)
        return scipy.fft.rfftfreq(nper, 1.0 / rate_hz), spec.real**2 + spec.imag**2
    return scipy.signal.welch(x, fs=rate_hz, nperseg=nper, axis=1)


@lru_cache(maxsize=8)
def _hann(n: int) -> np.ndarray:
    """The periodic Hann window Welch uses (read-only, shared)."""
    w = scipy.signal.get_window("hann", n)
    w.flags.writeable = False
    return w


@lru_cache(maxsize=32)
def _line_masks(rate_hz: float, nper: int, mains_hz: float | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """For the spectrum of `nper` samples: the 20-450 Hz band, and per candidate mains frequency the bins
    of that band within ±1 Hz of its lines (fundamental and harmonics)."""
    hi = min(450.0, 0.45 * rate_hz)
    f = scipy.fft.rfftfreq(nper, 1.0 / rate_hz)
    band = (f >= 20.0) & (f <= hi)
    per_mains = []
    for m in (50.0, 60.0) if mains_hz is None else (mains_hz,):
        lines = np.zeros_like(band)
        for h in np.arange(m, hi + 1, m):
            lines |= np.abs(f - h) <= 1.0
        per_mains.append(band & lines)
    return band, per_mains


def _line_ratios(
    x: np.ndarray, rate_hz: float, mains_hz: float | None, csum: np.ndarray, offset: int = 0
) -> np.ndarray:
    """Per channel of (ch, n): power within ±1 Hz of mains lines over all power in 20-450 Hz (capped
    below Nyquist), 0-1, at rest.

    The stretch is cut into 1 s segments (one starting every 0.1 s; at most `LINE_SEGMENTS`, evenly
    spread) ranked by their band-passed power (`csum`: the
    running sum of the squared band-passed signal, (ch, m + 1), its sample 0 at x's sample `offset`);
    those within `REST_FACTOR` of the quietest count as rest, so contractions
    do not dilute the hum. When every segment of every channel is rest (the usual case at rest) the
    Welch spectrum of the whole stretch (2 s segments, 0.5 Hz bins) is used; otherwise the periodogram of
    each channel's quietest segment (1 Hz bins: a whole-Hz line falls in 3 Hann bins, all within ±1 Hz).
    """
    n = x.shape[1]
    nper = int(min(n, 2 * rate_hz))  # 0.5 Hz bins
    if nper < rate_hz / 4:
        return np.full(x.shape[0], np.nan)
    seg_n = int(round(rate_hz))
    m = csum.shape[1] - 1
    rest = None
    if m >= 1.5 * seg_n:  # room for 1 s segments starting every 0.1 s: look for rest among them
        starts = np.unique(np.append(np.arange(0, m - seg_n + 1, max(1, seg_n // 10)), m - seg_n))
        if len(starts) > LINE_SEGMENTS:
            starts = starts[np.linspace(0, len(starts) - 1, LINE_SEGMENTS).round().astype(int)]
        power = csum[:, starts + seg_n] - csum[:, starts]  # (ch, segments)
        rest = power <= REST_FACTOR * power.min(axis=1, keepdims=True)
    if rest is None or rest.all():
        _, p = _power_spectrum(x, rate_hz, nper)
        band, per_mains = _line_masks(float(rate_hz), nper, mains_hz)
    else:  # each channel's quietest 1 s: one periodogram per channel
        first = offset + starts[np.argmin(power, axis=1)]  # (ch,)
        seg = np.take_along_axis(x, first[:, None] + np.arange(seg_n), axis=1)  # (ch, seg_n)
        _, p = _power_spectrum(seg, rate_hz, seg_n)
        band, per_mains = _line_masks(float(rate_hz), seg_n, mains_hz)
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


def _window_rms(csum: np.ndarray, w: int) -> np.ndarray:
    """RMS over windows of w samples stepping w // 2, from the running sum of squares `csum` (ch, n + 1)
    of a channel-major (ch, n) signal: (ch, windows)."""
    step = max(1, w // 2)
    starts = np.arange(0, csum.shape[1] - w, step)
    return np.sqrt(np.maximum((csum[:, starts + w] - csum[:, starts]) / w, 0.0))


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
        if n > 1:
            flat |= np.mean(a[:, 1:] == a[:, :-1], axis=1) >= FLAT_REPEAT
        if y.shape[1]:
            flat |= y.std(axis=1) < FLAT_SD_UV
        csum = np.zeros((n_ch, y.shape[1] + 1))
        np.cumsum(y * y, axis=1, out=csum[:, 1:])
        lines = np.where(flat, 0.0, _line_ratios(a, rate_hz, mains_hz, csum, skip))
        clips = np.where(flat, 0.0, _clipping(a, clip_level_uv))
    else:
        flat = np.ones(n_ch, dtype=bool)
        lines = clips = np.zeros(n_ch)
    if y.shape[1] >= w:
        rms = _window_rms(csum, w)
        noises, peaks = rms.min(axis=1), rms.max(axis=1)
    else:
        noises = peaks = np.sqrt(np.mean(y * y, axis=1)) if y.shape[1] else np.full(n_ch, np.nan)
    # the resting noise without the mains lines: hum is blamed on mains (its own flag, whose fix is the
    # notch or the cables), not reported as "noisy at rest" as well; so also without a notch configured
    # (before detection, or --mains off), where this figure is the noise the notch would leave
    noises = noises * np.sqrt(np.clip(1.0 - np.nan_to_num(lines), 0.0, 1.0))
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
