"""Mains detection that contractions cannot hide, harmonics that count, no false alarms on
hum-free EMG; the quality report blames hum on mains (not "noisy at rest"); quiet is not flatline."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.dsp.filters import detect_mains_hz
from emgcoach.dsp.quality import QualityMonitor, assess_quality
from emgcoach.stream.sim.scenario import bird_dog_scenario, scripted_scenario
from emgcoach.stream.sim.session import simulate

RATE = 2000.0


def _bird_dog(seed: int, mains_uv: float, mains_hz: float = 60.0, rate: float = RATE) -> np.ndarray:
    """Lat (rest 4 µV, holds 250 µV RMS) and glute (3 / 150 µV): 3 reps of 3 s holds, 1 s rests, 1 s lead-in
    (13 s, contracting 70 % of the time), with hum of mains_uv µV peak (+ 2nd, 3rd harmonic at 1/2, 1/3)."""
    sc = bird_dog_scenario(reps=3, hold_s=3.0, rest_s=1.0, lead_in_s=1.0)
    return np.asarray(simulate(sc, rate, seed=seed, mains_uv=mains_uv, mains_hz=mains_hz).data, dtype=np.float64)


def _rest(seed: int, seconds: float = 4.0, channels: int = 1, rate: float = RATE) -> np.ndarray:
    sc = scripted_scenario([[] for _ in range(channels)], duration_s=seconds)
    return np.asarray(simulate(sc, rate, seed=seed).data, dtype=np.float64)


# ---- 3a. detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_hum_under_contractions_is_detected(seed: int, mains: float) -> None:
    """36 µV peak hum (6x the lat's 4 µV resting RMS) over a session that contracts 70 % of the time:
    the whole-signal average used to bury it (None); the quietest segments show it."""
    assert detect_mains_hz(_bird_dog(seed, 36.0, mains), RATE) == mains


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("mains", "harmonic"), [(60.0, 180.0), (50.0, 150.0), (60.0, 120.0)])
def test_strong_harmonic_with_weak_fundamental_is_detected(seed: int, mains: float, harmonic: float) -> None:
    """0.5 µV at the fundamental (below the 10 dB bar on its own) and 15 µV at a harmonic: used to be None."""
    x = _rest(seed)[:, 0]
    t = np.arange(len(x)) / RATE
    assert detect_mains_hz(x + 0.5 * np.sin(2 * np.pi * mains * t), RATE) is None  # the fundamental alone
    hum = 0.5 * np.sin(2 * np.pi * mains * t) + 15.0 * np.sin(2 * np.pi * harmonic * t + 1)
    assert detect_mains_hz(x + hum, RATE) == mains


@pytest.mark.parametrize("rate", [250.0, 1000.0, 2000.0])
def test_no_false_detection_on_hum_free_emg(rate: float) -> None:
    """Hum-free simulated EMG, rest (2 s, as the live engine checks, 4 channels) and with contractions
    (13 s), 10 seeds each: never a mains line."""
    found = []
    for seed in range(10):
        found.append(detect_mains_hz(_rest(seed, seconds=2.0, channels=4, rate=rate), rate))
        found.append(detect_mains_hz(_bird_dog(seed, 0.0, rate=rate), rate))
    assert found == [None] * 20


# ---- 3b. quality: hum is blamed on mains ------------------------------------------------------------


@pytest.mark.parametrize("mains", [None, 60.0])
def test_quality_blames_hum_on_mains_not_on_noise(mains: float | None) -> None:
    """Before: line ratio 0.06 / 0.10 over the whole session (contractions dilute it), flags ['noisy'] with
    a 'resting noise' of ~29 µV. Now: the ratio at rest is ~0.98, the flag is 'mains', and the resting
    noise reads the EMG's 4 / 3 µV."""
    reports = assess_quality(_bird_dog(0, 36.0), RATE, mains_hz=mains)
    for q, rest_uv in zip(reports, (4.0, 3.0), strict=True):
        print(q.flags, round(q.line_noise_ratio, 3), round(q.noise_rms_uv, 2))
        assert q.line_noise_ratio > 0.9
        assert "mains" in q.flags and "noisy" not in q.flags
        assert q.noise_rms_uv == pytest.approx(rest_uv, rel=0.25)
    clean = assess_quality(_bird_dog(0, 0.0), RATE, mains_hz=mains)
    assert all(q.flags == [] and q.line_noise_ratio < 0.1 for q in clean)


def test_live_monitor_window_with_a_contraction_blames_mains() -> None:
    """The live 2 s window: half a hold, the 1 s rest, half a hold; 36 µV hum."""
    mon = QualityMonitor(RATE)
    mon.process(_bird_dog(1, 36.0)[int(3.5 * RATE) : int(5.5 * RATE)])
    for q in mon.report():
        assert "mains" in q.flags and "noisy" not in q.flags and q.line_noise_ratio > 0.9


# ---- 4. quiet is not flatline -----------------------------------------------------------------------


@pytest.mark.parametrize("rms_uv", [0.45, 1.0, 2.0])
def test_quiet_rest_is_not_flatline(rms_uv: float) -> None:
    """A clean, quiet amplifier at rest (white noise, 0.45-2 µV RMS) used to get the electrode-off message
    below 0.5 µV."""
    rng = np.random.default_rng(7)
    x = 12.0 + rms_uv * rng.standard_normal((int(6 * RATE), 2))
    for q in assess_quality(x, RATE):
        assert not q.flatline and "flatline" not in q.flags and "electrode off" not in q.summary
    mon = QualityMonitor(RATE)
    mon.process(x)
    assert not any(q.flatline for q in mon.report())


def _stuck_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(8)
    n = int(6 * RATE)
    emg = 30.0 * rng.standard_normal(n)
    stuck_after = emg.copy()
    stuck_after[int(0.2 * RATE) :] = emg[int(0.2 * RATE)]  # the ADC freezes after 0.2 s
    quantised = np.round((500.0 + 0.45 * rng.standard_normal(n)) / 5.0) * 5.0  # 5 µV codes: one code
    flicker = 800.0 + 0.02 * rng.standard_normal(n)  # 0.02 µV: the ADC's own least bit
    return {"constant": np.full(n, -530.0), "stuck_after_0.2s": stuck_after, "repeated_codes": quantised,
            "flicker_0.02uV": flicker}


@pytest.mark.parametrize("name", sorted(_stuck_cases()))
def test_stuck_signal_is_flatline(name: str) -> None:
    (q,) = assess_quality(_stuck_cases()[name], RATE)
    assert q.flatline and "flatline" in q.flags and "electrode off" in q.summary
