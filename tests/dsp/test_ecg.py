"""ECG contamination of a trunk channel: detected with the right heart rate; the 30 Hz high-pass removes it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emgcoach.dsp.ecg import EcgSuppressor, detect_ecg
from tests.dsp.conftest import RATE, simulated_emg

SECONDS = 20.0
N = int(SECONDS * RATE)


def ecg(bpm: float, amplitude_uv: float = 300.0, seed: int = 0) -> np.ndarray:
    """QRS-like spikes (a 10 ms Gaussian R wave with small Q and S dips) at `bpm` with 3 % RR jitter."""
    rng = np.random.default_rng(seed)
    t = np.arange(N) / RATE
    out = np.zeros(N)
    beat = 0.3
    while beat < SECONDS - 0.3:
        out += amplitude_uv * np.exp(-(((t - beat) / 0.010) ** 2))
        out -= 0.2 * amplitude_uv * np.exp(-(((t - beat + 0.025) / 0.008) ** 2))
        out -= 0.3 * amplitude_uv * np.exp(-(((t - beat - 0.025) / 0.008) ** 2))
        beat += 60.0 / bpm * (1 + 0.03 * rng.standard_normal())
    return out


def emg(rest_uv: float = 5.0, burst_uv: float = 0.0) -> np.ndarray:
    amp = np.full(N, rest_uv)
    if burst_uv:
        for k in range(4):
            amp[int((2 + 4.5 * k) * RATE) : int((4.5 + 4.5 * k) * RATE)] = burst_uv
    return simulated_emg(amp, seed=9)


@pytest.mark.parametrize("bpm", [55.0, 72.0, 110.0])
def test_ecg_is_detected_with_its_heart_rate(bpm: float) -> None:
    rep = detect_ecg(emg() + ecg(bpm), RATE)
    assert rep.contaminated
    assert rep.heart_rate_bpm == pytest.approx(bpm, abs=5.0)
    assert "bpm" in rep.message


def test_ecg_is_found_under_contractions_too() -> None:
    rep = detect_ecg(emg(burst_uv=80.0) + ecg(72.0), RATE)
    assert rep.contaminated and rep.heart_rate_bpm == pytest.approx(72.0, abs=5.0)


@pytest.mark.parametrize("burst_uv", [0.0, 200.0], ids=["rest", "bursts"])
def test_pure_emg_is_not_flagged(burst_uv: float) -> None:
    assert not detect_ecg(emg(burst_uv=burst_uv), RATE).contaminated


def band_power(x: np.ndarray, lo: float, hi: float) -> float:
    f, p = signal.welch(x, fs=RATE, nperseg=4096)
    return float(p[(f >= lo) & (f <= hi)].sum())


def test_suppressor_removes_ecg_and_keeps_emg() -> None:
    e = ecg(72.0)
    m = emg(burst_uv=100.0)
    ecg_out = EcgSuppressor(RATE).process(e)
    emg_out = EcgSuppressor(RATE).process(m)
    ecg_drop_db = 10 * np.log10(np.sum(e**2) / np.sum(ecg_out**2))
    assert ecg_drop_db >= 20.0 - 12.0  # the QRS still has some energy above 30 Hz: at least 8 dB total
    assert 10 * np.log10(band_power(e, 0, 20) / band_power(ecg_out, 0, 20)) >= 20.0
    kept = np.sqrt(band_power(emg_out, 60, 200) / band_power(m, 60, 200))
    assert kept >= 0.8
