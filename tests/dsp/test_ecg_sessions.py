"""ECG detection on whole sessions: judged on rest stretches, QRS-shaped spikes only, missed beats allowed.

Sessions come from the simulator (bird dog, 8 reps of 3 s holds at 250 µV RMS on the lat, QRS-T
complexes at 70 bpm with 3 % jitter on the left lat). The false-alarm case is regular 40-150 ms EMG
bursts (20-450 Hz noise) at 75/min, which the old whole-signal check called "ECG 75 bpm".
Measured when written: 27 beats found at rest, heart rate 69.6-71.6 bpm, low edge 35-40 Hz at 50 µV and
60-65 Hz at 300 µV, lat onsets 8 of 8 (35 before, with the 30 Hz edge or no ECG flag at all).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emgcoach.analysis import analyze
from emgcoach.dsp.ecg import detect_ecg
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.session import simulate

RATE = 2000.0
SCENARIO = bird_dog_scenario()  # 8 reps, lat bursts at 3, 9, ..., 45 s
TRUE_ONSETS = [b.start_s for b in SCENARIO.bursts[0]]


@pytest.mark.parametrize("ecg_uv", [50.0, 300.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_ecg_on_a_simulated_session_is_found_with_its_heart_rate(ecg_uv: float, seed: int) -> None:
    s = simulate(SCENARIO, RATE, seed=seed, ecg_uv=ecg_uv, heart_rate_bpm=70.0)
    rep = detect_ecg(s.data[:, 0], RATE)
    assert rep.contaminated, rep.message
    assert rep.heart_rate_bpm == pytest.approx(70.0, abs=5.0)
    assert rep.regular_fraction >= 0.9  # measured 1.0
    assert rep.highpass_hz is not None and 30.0 <= rep.highpass_hz <= 80.0
    glute = detect_ecg(s.data[:, 1], RATE)  # the simulator puts the heart on the left lat only
    assert not glute.contaminated


@pytest.mark.parametrize("bpm", [50.0, 110.0])
def test_other_heart_rates_and_a_200_hz_sensor(bpm: float) -> None:
    for rate in (RATE, 200.0):
        s = simulate(SCENARIO, rate, seed=3, ecg_uv=50.0, heart_rate_bpm=bpm)
        rep = detect_ecg(s.data[:, 0], rate)
        assert rep.contaminated and rep.heart_rate_bpm == pytest.approx(bpm, abs=5.0), (rate, rep)


@pytest.mark.parametrize("ecg_uv", [50.0, 300.0])
def test_analyze_suppresses_the_ecg_so_the_lat_onsets_are_the_true_eight(ecg_uv: float) -> None:
    s = simulate(SCENARIO, RATE, seed=0, ecg_uv=ecg_uv)
    lat, glute = analyze(s.recording).channels
    assert lat.ecg["contaminated"] and lat.ecg["heart_rate_bpm"] == pytest.approx(70.0, abs=5.0)
    assert lat.ecg["highpass_hz"] >= 30.0 and "raised against ECG" in lat.filter_note
    assert len(lat.onsets_s) == 8, lat.onsets_s  # 35 before: every beat at rest was an onset
    assert np.abs(np.array(lat.onsets_s) - TRUE_ONSETS).max() < 0.05
    assert not glute.ecg["contaminated"] and len(glute.onsets_s) == 8


@pytest.mark.parametrize("seed", range(5))
def test_clean_simulated_sessions_are_not_flagged(seed: int) -> None:
    s = simulate(SCENARIO, RATE, seed=seed)
    for ch in range(2):
        rep = detect_ecg(s.data[:, ch], RATE)
        assert not rep.contaminated and rep.heart_rate_bpm is None and rep.highpass_hz is None


def emg_bursts(seed: int, burst_uv: float, bpm: float = 75.0, seconds: float = 30.0) -> np.ndarray:
    """5 µV RMS rest EMG with bursts of 40-150 ms (uniform) of `burst_uv` RMS at `bpm` (3 % jitter)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    sos = signal.butter(4, [20.0, 450.0], "bandpass", fs=RATE, output="sos")
    w = signal.sosfilt(sos, rng.standard_normal(n + int(RATE)))[int(RATE) :]
    amp = np.full(n, 5.0)
    t = 0.5
    while t < seconds - 0.5:
        i0, m = int(t * RATE), int(rng.uniform(0.04, 0.15) * RATE)
        amp[i0 : i0 + m] = burst_uv
        t += 60.0 / bpm * (1.0 + 0.03 * rng.standard_normal())
    return w / w.std() * amp


@pytest.mark.parametrize("burst_uv", [50.0, 100.0, 300.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regular_short_emg_bursts_are_not_a_heartbeat(seed: int, burst_uv: float) -> None:
    rep = detect_ecg(emg_bursts(seed, burst_uv), RATE)
    assert not rep.contaminated and rep.heart_rate_bpm is None, rep


def test_missed_beats_do_not_break_the_rhythm() -> None:
    """Every third beat left out (a beat too small to find): RR at 1x and 2x the period still count."""
    rng = np.random.default_rng(5)
    n = int(30 * RATE)
    t = np.arange(n) / RATE
    x = 5.0 * rng.standard_normal(n)
    beat, k = 0.4, 0
    while beat < 29.5:
        if k % 3 != 2:
            x += 150.0 * np.exp(-(((t - beat) / 0.012) ** 2))
        beat += 0.8 * (1 + 0.03 * rng.standard_normal())
        k += 1
    rep = detect_ecg(x, RATE)
    assert rep.contaminated and rep.heart_rate_bpm == pytest.approx(75.0, abs=5.0)


def test_too_little_rest_or_too_low_a_rate_is_not_judged() -> None:
    s = simulate(bird_dog_scenario(reps=6, hold_s=5.0, rest_s=0.5, lead_in_s=0.5), RATE, seed=1, ecg_uv=100.0)
    rep = detect_ecg(s.data[:, 0], RATE)
    assert not rep.contaminated and "rest" in rep.message.lower()
    rep = detect_ecg(np.zeros(10_000), 150.0)
    assert not rep.contaminated and "rate" in rep.message.lower()
