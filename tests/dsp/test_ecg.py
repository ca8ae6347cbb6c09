"""ECG contamination of a trunk channel: detected with the right heart rate; the 30 Hz high-pass removes it.

Signals are built here with scipy: EMG = white noise band-passed 20-450 Hz at 2 kHz; ECG = QRS-like
complexes (a Gaussian R wave of 25 ms FWHM, ~300 µV, with small Q and S dips) at a given rate with
3 % RR jitter.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from emgcoach.dsp.ecg import EcgSuppressor, detect_ecg

RATE = 2000.0
SECONDS = 20.0
N = int(SECONDS * RATE)


def ecg(bpm: float, amplitude_uv: float = 300.0, seed: int = 0, r_width_s: float = 0.015) -> np.ndarray:
    """QRS-like complexes at `bpm` with 3 % RR jitter: R = amplitude x exp(-((t - beat) / r_width_s)^2)."""
    rng = np.random.default_rng(seed)
    t = np.arange(N) / RATE
    out = np.zeros(N)
    beat = 0.3
    qs = 2.3 * r_width_s
    while beat < SECONDS - 0.3:
        out += amplitude_uv * np.exp(-(((t - beat) / r_width_s) ** 2))
        out -= 0.2 * amplitude_uv * np.exp(-(((t - beat + qs) / (0.8 * r_width_s)) ** 2))
        out -= 0.3 * amplitude_uv * np.exp(-(((t - beat - qs) / (0.8 * r_width_s)) ** 2))
        beat += 60.0 / bpm * (1 + 0.03 * rng.standard_normal())
    return out


def emg(rest_uv: float = 5.0, burst_uv: float = 0.0, seed: int = 9) -> np.ndarray:
    """Band-passed (20-450 Hz) white noise at `rest_uv` RMS, with four 2.5 s bursts at `burst_uv` RMS."""
    amp = np.full(N, rest_uv)
    if burst_uv:
        for k in range(4):
            amp[int((2 + 4.5 * k) * RATE) : int((4.5 + 4.5 * k) * RATE)] = burst_uv
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, [20.0, 450.0], "bandpass", fs=RATE, output="sos")
    w = signal.sosfilt(sos, rng.standard_normal(N + int(RATE)))[int(RATE) :]
    return w / w.std() * amp


@pytest.mark.parametrize("bpm", [55.0, 72.0, 110.0])
def test_ecg_is_detected_with_its_heart_rate(bpm: float) -> None:
    rep = detect_ecg(emg() + ecg(bpm), RATE)
    assert rep.contaminated
    assert rep.heart_rate_bpm == pytest.approx(bpm, abs=5.0)
    assert rep.beats >= 0.8 * SECONDS * bpm / 60
    assert "bpm" in rep.message and "\n" not in rep.message
    assert rep.to_dict()["contaminated"] is True


def test_narrow_and_small_qrs_is_detected_too() -> None:
    rep = detect_ecg(emg() + ecg(72.0, amplitude_uv=200.0, r_width_s=0.010, seed=3), RATE)
    assert rep.contaminated and rep.heart_rate_bpm == pytest.approx(72.0, abs=5.0)


def test_ecg_is_found_under_contractions_too() -> None:
    rep = detect_ecg(emg(burst_uv=80.0) + ecg(72.0), RATE)
    assert rep.contaminated and rep.heart_rate_bpm == pytest.approx(72.0, abs=5.0)


@pytest.mark.parametrize("burst_uv", [0.0, 50.0, 200.0], ids=["rest", "bursts50", "bursts200"])
@pytest.mark.parametrize("seed", [9, 10])
def test_pure_emg_is_not_flagged(burst_uv: float, seed: int) -> None:
    rep = detect_ecg(emg(burst_uv=burst_uv, seed=seed), RATE)
    assert not rep.contaminated and rep.heart_rate_bpm is None


def test_short_stretch_is_not_judged() -> None:
    rep = detect_ecg(ecg(72.0)[: int(2 * RATE)], RATE)
    assert not rep.contaminated and "short" in rep.message.lower()


def band_power(x: np.ndarray, lo: float, hi: float) -> float:
    f, p = signal.welch(x, fs=RATE, nperseg=4096)
    return float(p[(f >= lo) & (f <= hi)].sum())


def test_suppressor_removes_ecg_and_keeps_emg() -> None:
    e = ecg(72.0)
    m = emg(burst_uv=100.0)
    ecg_out = EcgSuppressor(RATE).process(e)
    emg_out = EcgSuppressor(RATE).process(m)
    total_db = 10 * np.log10(np.sum(e**2) / np.sum(ecg_out**2))
    band_db = 10 * np.log10(band_power(e, 5, 30) / band_power(ecg_out, 5, 30))
    kept = np.sqrt(band_power(emg_out, 60, 200) / band_power(m, 60, 200))
    print(f"ECG power drop: {total_db:.1f} dB total, {band_db:.1f} dB in 5-30 Hz; EMG 60-200 Hz RMS kept {kept:.3f}")
    assert band_db >= 20.0  # measured 21.8 dB
    assert total_db >= 20.0  # measured 21.0 dB
    assert kept >= 0.8  # measured 0.99


def test_suppressor_on_a_narrow_qrs_still_clears_the_low_band() -> None:
    """A 17 ms FWHM R wave puts more energy above 30 Hz: the total drop is smaller (~12 dB), the 0-20 Hz
    band still drops by > 20 dB (the remainder is what template subtraction would be for)."""
    e = ecg(72.0, r_width_s=0.010)
    out = EcgSuppressor(RATE).process(e)
    assert 10 * np.log10(band_power(e, 0, 20) / band_power(out, 0, 20)) >= 20.0
    assert 10 * np.log10(np.sum(e**2) / np.sum(out**2)) >= 10.0


def test_suppressor_starts_without_a_dc_transient_and_keeps_shape() -> None:
    x = np.full((400, 2), -530.0)
    y = EcgSuppressor(RATE).process(x)
    assert y.shape == (400, 2)
    np.testing.assert_allclose(y, 0.0, atol=1e-6)
    assert EcgSuppressor(RATE).process(np.zeros(0)).shape == (0,)
    with pytest.raises(ValueError):
        EcgSuppressor(RATE, cutoff_hz=1500.0)


X2 = np.column_stack([emg(burst_uv=60.0) + ecg(72.0), emg(seed=4)])[: int(3 * RATE)]
WHOLE = EcgSuppressor(RATE).process(X2)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 900), min_size=1, max_size=12).filter(any))
def test_suppressor_is_chunk_invariant(sizes: list[int]) -> None:
    stage, out, i, k = EcgSuppressor(RATE), [], 0, 0
    while i < len(X2):
        size = sizes[k % len(sizes)]
        out.append(stage.process(X2[i : i + size]))
        i, k = i + size, k + 1
    np.testing.assert_allclose(np.concatenate(out), WHOLE, rtol=1e-9, atol=1e-9)


def test_suppressor_matches_scipy_sosfilt() -> None:
    stage = EcgSuppressor(RATE)
    y = stage.process(X2)
    zi = signal.sosfilt_zi(stage.sos)[:, :, None] * X2[0][None, None, :]
    ref, _ = signal.sosfilt(stage.sos, X2, axis=0, zi=zi)
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9)
