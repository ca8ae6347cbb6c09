"""ECG contamination on trunk muscles: detection, and the higher high-pass that suppresses it.

The left latissimus dorsi sits in the heart's electrical field, so its channel often carries QRS spikes
(tens to hundreds of µV, 1-2 per second). QRS energy lies mostly below 30-40 Hz while surface EMG's lies
higher, so raising the high-pass edge to 30 Hz (Drake & Callaghan 2006) removes most of it.

Detection (`detect_ecg`) judges the heartbeat on rest stretches only, where a QRS stands alone (mains
hum, when `detect_mains_hz` finds it at rest, is notched out, and wander below 1 Hz taken out first):

1. Rest: the signal's EMG band (60-250 Hz, which a QRS barely reaches) is cut into 50 ms blocks; the
   running median of their RMS over 7 blocks (350 ms, so single spikes and short blips do not count)
   marks contraction where it exceeds 3x the quietest decile's level; 0.3 s either side of every
   contraction is left out too (the spikes at burst edges).
2. Candidates: peaks of the rectified QRS band (8-40 Hz, zero-phase) at rest, above 6 robust SDs of
   the rest background, at least 0.3 s apart (200 bpm).
3. QRS-like: each candidate must be an isolated spike (the QRS band 50-150 ms either side of it below a
   quarter of the peak), and its energy within +-40 ms must lie in the QRS band, not the EMG band (the
   excess over the rest background in 8-40 Hz must exceed the excess in 60-250 Hz; a burst of EMG,
   however short, carries most of its energy above 60 Hz).
4. Rhythm: RR intervals between consecutive spikes of the same rest stretch; the beat period is the
   median of the intervals near their lower quartile; an interval counts as regular when it is within
   15 % of the period of a whole multiple (1-3) of it, so a missed beat does not break the rhythm.
   ECG when at least 70 % of the intervals are regular, the spikes found cover at least half the beats
   the period predicts over the rest time, and the rate is 40-200 bpm.

Suppression: 30 Hz is the floor of the low edge (Drake & Callaghan 2006), but a large or sharp QRS
leaves enough above 30 Hz to trip the onset detector on every beat. So `detect_ecg` also measures the
QRS: the median of the signal around the rest beats (-150..+450 ms, QRS and T wave; EMG averages
out) is put through the pipeline's band-pass (4th-order Butterworth, low edge f to 450 Hz) for f = 30,
35, ... Hz, and `highpass_hz` is the lowest f at which the filtered template's peak stays within
2x the rest noise of the same band (capped at 80 Hz and at 0.3 x rate; EMG below the edge is lost).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

from emgcoach.dsp.base import as_2d, restore
from emgcoach.dsp.filters import Notch, detect_mains_hz

QRS_BAND_HZ = (8.0, 40.0)
EMG_BAND_HZ = (60.0, 250.0)  # upper edge capped at 0.45 x rate
MIN_RATE_HZ = 180.0  # the EMG band needs 60-80 Hz at least (0.45 x rate >= 80 Hz)
MIN_RR_S = 0.3  # 200 bpm
MAX_RR_S = 1.5  # 40 bpm
BLOCK_S = 0.05
REST_MEDIAN_BLOCKS = 7
REST_FACTOR = 3.0
REST_MARGIN_S = 0.3
SPIKE_SD = 6.0
RR_TOLERANCE = 0.15
MAX_MULTIPLE = 3
MIN_REGULAR = 0.7
MIN_COVERAGE = 0.5
HIGHPASS_FLOOR_HZ = 30.0
HIGHPASS_STEP_HZ = 5.0
HIGHPASS_CAP_HZ = 80.0
RESIDUAL_LIMIT = 2.0  # filtered QRS template peak / rest noise RMS of the same band
PIPELINE_BAND = (450.0, 4)  # the pipeline's band-pass: upper edge (capped at 0.45 x rate) and order


@dataclass(frozen=True)
class EcgReport:
    """Whether a stretch of one channel carries ECG.

    contaminated: a regular heartbeat was found. heart_rate_bpm: from the beat period (None when not
    contaminated). beats: isolated QRS-like spikes found at rest. spike_ratio: median spike height over
    the rest background's robust SD in the 8-40 Hz band (dimensionless; 0 when too few spikes).
    message: one line. rest_s: seconds of rest the judgement rests on. regular_fraction: share of RR
    intervals that fit the rhythm (0 when too few). highpass_hz: when contaminated, the lowest low edge
    (Hz, >= 30) at which the QRS left after the band-pass stays within 2x the rest noise (None otherwise).
    qrs_residual: that residual's peak over the rest noise at highpass_hz (0 when not contaminated).
    """

    contaminated: bool
    heart_rate_bpm: float | None
    beats: int
    spike_ratio: float
    message: str
    rest_s: float = 0.0
    regular_fraction: float = 0.0
    highpass_hz: float | None = None
    qrs_residual: float = 0.0

    def to_dict(self) -> dict:
        return {
            "contaminated": bool(self.contaminated),
            "heart_rate_bpm": None if self.heart_rate_bpm is None else round(float(self.heart_rate_bpm), 1),
            "beats": int(self.beats),
            "spike_ratio": round(float(self.spike_ratio), 2),
            "message": self.message,
            "highpass_hz": self.highpass_hz,
        }


def _rest_mask(hi: np.ndarray, rate_hz: float) -> np.ndarray:
    """Boolean per sample: at rest (no sustained EMG in the 60-250 Hz band, and not near a contraction)."""
    n = len(hi)
    b = max(1, int(round(BLOCK_S * rate_hz)))
    nb = n // b
    if nb < REST_MEDIAN_BLOCKS:
        return np.zeros(n, dtype=bool)
    level = np.sqrt(np.mean(hi[: nb * b].reshape(nb, b) ** 2, axis=1))
    level = scipy.signal.medfilt(level, REST_MEDIAN_BLOCKS)
    floor = float(np.percentile(level, 10))
    active = level > REST_FACTOR * floor
    margin = int(np.ceil(REST_MARGIN_S / BLOCK_S))
    if active.any() and margin:
        active = np.convolve(active.astype(np.int64), np.ones(2 * margin + 1, dtype=np.int64), "same") > 0
    rest = np.zeros(n, dtype=bool)
    rest[: nb * b] = np.repeat(~active, b)
    return rest


def _beat_period(rr: np.ndarray) -> float:
    """The heartbeat period (s) from RR intervals that may include missed beats (whole multiples)."""
    single = rr[(rr >= MIN_RR_S) & (rr <= MAX_RR_S)]
    if len(single) == 0:
        return float("nan")
    q = float(np.percentile(single, 25))
    near = single[np.abs(single - q) <= 0.2 * q]
    return float(np.median(near)) if len(near) else q


def _suggest_highpass(x: np.ndarray, rate: float, rest: np.ndarray, beats: np.ndarray) -> tuple[float, float]:
    """(low edge in Hz, residual ratio) for the pipeline's band-pass so the QRS template left after it is
    within RESIDUAL_LIMIT x the rest noise of the same band; see the module docstring."""
    a, b = int(0.15 * rate), int(0.45 * rate)
    ok = beats[(beats >= a) & (beats + b <= len(x))]
    cap = min(HIGHPASS_CAP_HZ, 0.3 * rate)
    if len(ok) < 3:
        return HIGHPASS_FLOOR_HZ, float("nan")
    template = np.median(np.stack([x[p - a : p + b] for p in ok]), axis=0)
    edge = int(0.02 * rate)  # take out the baseline: a line through the mean of the first and last 20 ms
    template -= np.linspace(template[:edge].mean(), template[-edge:].mean(), len(template))
    fc, ratio = HIGHPASS_FLOOR_HZ, float("inf")
    top = min(PIPELINE_BAND[0], 0.45 * rate)
    while True:
        sos = scipy.signal.butter(PIPELINE_BAND[1], (fc, top), "bandpass", fs=rate, output="sos")
        noise = 1.4826 * float(np.median(np.abs(scipy.signal.sosfilt(sos, x)[rest]))) + 1e-12
        ratio = float(np.max(np.abs(scipy.signal.sosfilt(sos, template)))) / noise
        if ratio <= RESIDUAL_LIMIT or fc + HIGHPASS_STEP_HZ > cap:
            return fc, ratio
        fc += HIGHPASS_STEP_HZ


def _no(beats: int, message: str, ratio: float = 0.0, rest_s: float = 0.0, regular: float = 0.0) -> EcgReport:
    return EcgReport(False, None, beats, ratio, message, rest_s, regular)


def _cleaned_with_rest(x: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x without wander below 1 Hz and, when found at rest, mains hum; its 60-250 Hz EMG band, zero-phase;
    the rest mask, per sample) for one channel of µV at `rate` Hz."""
    x = scipy.signal.sosfiltfilt(scipy.signal.butter(1, 1.0, "highpass", fs=rate, output="sos"), x - x.mean())  # wander
    emg_sos = scipy.signal.butter(2, (EMG_BAND_HZ[0], min(EMG_BAND_HZ[1], 0.45 * rate)), "bandpass", fs=rate, output="sos")
    hi = scipy.signal.sosfiltfilt(emg_sos, x)
    rest = _rest_mask(hi, rate)
    mains = detect_mains_hz(x[rest], rate) if rest.any() else None  # at rest, where a hum stands out
    if mains:  # hum leaks into the QRS band and raises the noise floor; the pipeline notches it too
        x = scipy.signal.sosfiltfilt(Notch(rate, mains).sos, x)
        hi = scipy.signal.sosfiltfilt(emg_sos, x)
    return x, hi, rest


def _qrs_spikes(y: np.ndarray, hi: np.ndarray, rest: np.ndarray, rate: float, sigma: float) -> np.ndarray:
    """Sample indices of the isolated, QRS-like spikes at rest (steps 2 and 3 of the module docstring).
    y: the rectified 8-40 Hz band, hi: the 60-250 Hz band (µV), sigma: y's robust SD at rest."""
    lo_bg, hi_bg = float(np.median(y[rest] ** 2)), float(np.median(hi[rest] ** 2))
    at_rest = y.copy()
    at_rest[~rest] = 0.0
    peaks, _ = scipy.signal.find_peaks(at_rest, height=SPIKE_SD * sigma, distance=int(MIN_RR_S * rate))
    del at_rest
    near, far, half = int(0.05 * rate), int(0.15 * rate), int(0.04 * rate)
    spikes = []
    for p in peaks:  # candidate beats only (about 1 per second)
        ring = np.concatenate([y[max(0, p - far) : max(0, p - near)], y[p + near : p + far]])
        if not (len(ring) and np.median(ring) < 0.25 * y[p]):
            continue  # not isolated: part of a longer burst
        seg = slice(max(0, p - half), p + half)
        if np.mean(y[seg] ** 2) - lo_bg <= np.mean(hi[seg] ** 2) - hi_bg:
            continue  # its energy is EMG's (above 60 Hz), not a QRS's
        spikes.append(p)
    return np.asarray(spikes, dtype=np.int64)


def _rest_rr(spikes: np.ndarray, rest: np.ndarray, rate: float) -> np.ndarray:
    """RR intervals (s) between consecutive spikes of the same rest stretch (no contraction in between)."""
    run_id = np.cumsum(np.concatenate([[0], (~rest[1:] & rest[:-1]).astype(np.int64)]))
    same = run_id[spikes[1:]] == run_id[spikes[:-1]]
    return (np.diff(spikes) / rate)[same]


def _rhythm(rr: np.ndarray) -> tuple[float, float]:
    """(beat period in s, share of RR intervals within 15 % of a whole multiple of it): the period NaN when
    there is none, the share 0 when fewer than 4 intervals are within 3.5 periods."""
    period = _beat_period(rr)
    if not np.isfinite(period):
        return period, 0.0
    rr = rr[rr <= (MAX_MULTIPLE + 0.5) * period]
    if len(rr) < 4:
        return period, 0.0
    k = np.clip(np.round(rr / period), 1, MAX_MULTIPLE)
    return period, float(np.mean(np.abs(rr - k * period) <= RR_TOLERANCE * period))


def detect_ecg(x: np.ndarray, rate_hz: float, min_duration_s: float = 5.0) -> EcgReport:
    """Look for regular, isolated QRS-like spikes at 40-200 bpm on the rest stretches of raw or
    band-passed EMG (µV, 1-D, or the first channel of a 2-D array) of at least `min_duration_s` (s),
    with at least half that much rest."""
    a = np.asarray(x, dtype=np.float64)
    x = a[:, 0] if a.ndim == 2 else a.ravel()
    rate = float(rate_hz)
    if rate < MIN_RATE_HZ:
        return _no(0, f"Sample rate too low to check for ECG (needs {MIN_RATE_HZ:g} Hz)")
    if len(x) < min_duration_s * rate or not np.all(np.isfinite(x)):
        return _no(0, "Too short to check for ECG")
    x, hi, rest = _cleaned_with_rest(x, rate)
    rest_s = float(rest.sum()) / rate
    if rest_s < 0.5 * min_duration_s:
        return _no(0, "Too little rest to check for ECG", rest_s=rest_s)
    y = np.abs(scipy.signal.sosfiltfilt(scipy.signal.butter(2, QRS_BAND_HZ, "bandpass", fs=rate, output="sos"), x))
    sigma = 1.4826 * float(np.median(y[rest])) + 1e-12
    s = _qrs_spikes(y, hi, rest, rate, sigma)
    if len(s) < 5:
        return _no(len(s), "No ECG spikes found", rest_s=rest_s)
    ratio = float(np.median(y[s]) / sigma)
    period, regular = _rhythm(_rest_rr(s, rest, rate))
    if not np.isfinite(period):
        return _no(len(s), "No regular heartbeat found", ratio, rest_s)
    hr = 60.0 / period
    coverage = len(s) / (rest_s / period)  # beats found / beats expected over the rest time
    if not (regular >= MIN_REGULAR and coverage >= MIN_COVERAGE and 40.0 <= hr <= 200.0):
        return _no(len(s), "No regular heartbeat found", ratio, rest_s, regular)
    fc, residual = _suggest_highpass(x, rate, rest, s)
    msg = f"ECG spikes at {hr:.0f} bpm: heartbeat picked up; a {fc:g} Hz high-pass removes most of it"
    return EcgReport(True, hr, len(s), ratio, msg, rest_s, regular, fc, residual)


class EcgSuppressor:
    """Stage: 4th-order Butterworth high-pass at `cutoff_hz` (default 30 Hz, Drake & Callaghan 2006) that
    removes most QRS energy from trunk-muscle EMG (µV in, µV out).

    Causal and streaming; chunk-invariant (the filter state is carried across chunks). The state starts
    in steady state for the first sample, so a DC offset at the start gives no transient.
    """

    def __init__(self, rate_hz: float, cutoff_hz: float = 30.0, order: int = 4) -> None:
        if not 0 < cutoff_hz < 0.5 * rate_hz:
            raise ValueError(f"cutoff {cutoff_hz} Hz must lie between 0 and Nyquist ({0.5 * rate_hz} Hz)")
        self.rate_hz = float(rate_hz)
        self.cutoff_hz = float(cutoff_hz)
        self.sos = scipy.signal.butter(int(order), self.cutoff_hz, "highpass", fs=self.rate_hz, output="sos")
        self._zi_step = scipy.signal.sosfilt_zi(self.sos)  # (sections, 2): state after a long input of 1
        self._zi: np.ndarray | None = None  # (sections, 2, channels)

    def reset(self) -> None:
        self._zi = None

    def process(self, x: np.ndarray) -> np.ndarray:
        a, was_1d = as_2d(x)
        if len(a) == 0:
            return restore(a.copy(), was_1d)
        if self._zi is None:
            self._zi = self._zi_step[:, :, None] * a[0][None, None, :]
        elif self._zi.shape[2] != a.shape[1]:
            raise ValueError(f"filter state is for {self._zi.shape[2]} channels, got {a.shape[1]}; call reset()")
        # section by section through lfilter: same arithmetic and state layout as sosfilt (direct form II
        # transposed biquads), but about 3x less call overhead on 10 ms chunks
        y = a
        for s in range(self.sos.shape[0]):
            y, self._zi[s] = scipy.signal.lfilter(self.sos[s, :3], self.sos[s, 3:], y, axis=0, zi=self._zi[s])
        return restore(y, was_1d)
