"""ECG contamination on trunk muscles: detection, and the higher high-pass that suppresses it.

The left latissimus dorsi sits in the heart's electrical field, so its channel often carries QRS spikes
(tens to hundreds of µV, 1-2 per second). QRS energy lies mostly below 30-40 Hz while surface EMG's lies
higher, so raising the high-pass edge to 30 Hz (Drake & Callaghan 2006) removes most of it.

Detection (`detect_ecg`): band-pass 8-40 Hz (zero-phase, offline), where the QRS dominates; peaks above
6 robust SDs of the rectified band signal, at least 0.3 s apart (200 bpm); each peak must be an isolated
spike (the band 50-150 ms around it well below the peak, which EMG bursts are not); the RR intervals
must be regular (70 % within 25 % of the median) and the beats found must cover at least half the beats
the median RR predicts, at 40-200 bpm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from emgcoach.dsp.base import as_2d, restore

QRS_BAND_HZ = (8.0, 40.0)
MIN_RR_S = 0.3  # 200 bpm
MAX_RR_S = 1.5  # 40 bpm


@dataclass(frozen=True)
class EcgReport:
    """Whether a stretch of one channel carries ECG.

    contaminated: a regular heartbeat was found. heart_rate_bpm: from the median RR interval (None when
    not contaminated). beats: isolated QRS-like spikes found. spike_ratio: median spike height over the
    background's robust SD in the 8-40 Hz band (dimensionless; 0 when too few spikes). message: one line.
    """

    contaminated: bool
    heart_rate_bpm: float | None
    beats: int
    spike_ratio: float
    message: str

    def to_dict(self) -> dict:
        return {
            "contaminated": bool(self.contaminated),
            "heart_rate_bpm": None if self.heart_rate_bpm is None else round(float(self.heart_rate_bpm), 1),
            "beats": int(self.beats),
            "spike_ratio": round(float(self.spike_ratio), 2),
            "message": self.message,
        }


def detect_ecg(x: np.ndarray, rate_hz: float, min_duration_s: float = 5.0) -> EcgReport:
    """Look for regular, isolated QRS-like spikes at 40-200 bpm in raw or band-passed EMG (µV, 1-D, or
    the first channel of a 2-D array), over a stretch of at least `min_duration_s` (s)."""
    a = np.asarray(x, dtype=np.float64)
    x = a[:, 0] if a.ndim == 2 else a.ravel()
    if len(x) < min_duration_s * rate_hz or rate_hz < 2.5 * QRS_BAND_HZ[1]:
        return EcgReport(False, None, 0, 0.0, "Too short to check for ECG")
    sos = signal.butter(2, QRS_BAND_HZ, "bandpass", fs=rate_hz, output="sos")
    y = np.abs(signal.sosfiltfilt(sos, x - x.mean()))
    sigma = 1.4826 * float(np.median(y)) + 1e-12
    peaks, _ = signal.find_peaks(y, height=6.0 * sigma, distance=int(MIN_RR_S * rate_hz))
    # a QRS is a narrow spike: the band around it (50-150 ms away) must be much lower than the peak
    near, far = int(0.05 * rate_hz), int(0.15 * rate_hz)
    spikes = []
    for p in peaks:  # loop over candidate beats only (about 1 per second)
        ring = np.concatenate([y[max(0, p - far) : max(0, p - near)], y[p + near : p + far]])
        if len(ring) and np.median(ring) < 0.25 * y[p]:
            spikes.append(p)
    spikes_a = np.asarray(spikes, dtype=np.int64)
    duration_s = len(x) / rate_hz
    if len(spikes_a) < 5:
        return EcgReport(False, None, len(spikes_a), 0.0, "No ECG spikes found")
    rr = np.diff(spikes_a) / rate_hz
    rr = rr[(rr >= MIN_RR_S) & (rr <= MAX_RR_S)]
    if len(rr) < 4:
        return EcgReport(False, None, len(spikes_a), 0.0, "No regular heartbeat found")
    median_rr = float(np.median(rr))
    regular = float(np.mean(np.abs(rr - median_rr) < 0.25 * median_rr))
    hr = 60.0 / median_rr
    coverage = len(spikes_a) / (duration_s / median_rr)  # beats found / beats expected
    ratio = float(np.median(y[spikes_a]) / sigma)
    contaminated = regular >= 0.7 and coverage >= 0.5 and 40.0 <= hr <= 200.0
    if contaminated:
        msg = f"ECG spikes at {hr:.0f} bpm: heartbeat picked up; a 30 Hz high-pass removes most of it"
    else:
        msg = "No regular heartbeat found"
    return EcgReport(contaminated, hr if contaminated else None, len(spikes_a), ratio, msg)


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
        self.sos = signal.butter(int(order), self.cutoff_hz, "highpass", fs=self.rate_hz, output="sos")
        self._zi_step = signal.sosfilt_zi(self.sos)  # (sections, 2): state after a long input of 1
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
            y, self._zi[s] = signal.lfilter(self.sos[s, :3], self.sos[s, 3:], y, axis=0, zi=self._zi[s])
        return restore(y, was_1d)
