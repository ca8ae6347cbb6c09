"""Quality flags fire on flatline, clipping and mains-dominated input, and stay quiet on clean EMG."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.dsp.quality import QualityMonitor, assess_quality
from tests.dsp.conftest import RATE, simulated_emg

N = int(6 * RATE)


def clean_bursts(rest_uv: float = 4.0, level_uv: float = 120.0) -> np.ndarray:
    amp = np.full(N, rest_uv)
    amp[int(2 * RATE) : int(4 * RATE)] = level_uv
    return simulated_emg(amp, seed=2)


def test_clean_emg_is_good_and_snr_matches_the_simulation() -> None:
    (q,) = assess_quality(clean_bursts(), RATE)
    assert q.flags == [] and q.grade == "good"
    assert q.snr_db == pytest.approx(20 * np.log10(120 / 4), abs=1.5)
    assert q.noise_rms_uv == pytest.approx(4.0, rel=0.15)
    assert q.clipping_fraction == 0.0 and not q.flatline


@pytest.mark.parametrize("raw", [np.zeros(N), np.full(N, 1234.5)], ids=["zeros", "constant-dc"])
def test_flatline_is_flagged(raw: np.ndarray) -> None:
    (q,) = assess_quality(raw, RATE)
    assert q.flatline and q.grade == "bad" and "flatline" in q.flags
    assert "electrode off" in q.summary


def test_clipping_fraction_is_measured_and_flagged() -> None:
    x = clean_bursts(level_uv=300.0)
    rail = np.quantile(np.abs(x), 0.95)  # 10 % of all samples beyond ±rail... inside the burst
    truth = np.mean(np.abs(x) >= rail)
    clipped = np.clip(x, -rail, rail)
    (q,) = assess_quality(clipped, RATE)
    assert q.clipping_fraction == pytest.approx(truth, abs=0.02)
    assert "clipping" in q.flags and q.grade == "bad"
    (given,) = assess_quality(clipped, RATE, clip_level_uv=rail)
    assert given.clipping_fraction == pytest.approx(truth, abs=0.005)


def test_mains_dominated_input_is_flagged() -> None:
    x = clean_bursts()
    t = np.arange(N) / RATE
    hum_rms = 10 * np.sqrt(np.mean(x**2))
    hummed = x + hum_rms * np.sqrt(2) * np.sin(2 * np.pi * 50 * t)
    (q,) = assess_quality(hummed, RATE)
    assert q.line_noise_ratio > 0.5 and "mains" in q.flags and q.grade == "bad"
    (q60,) = assess_quality(hummed, RATE, mains_hz=60.0)
    assert q60.line_noise_ratio < 0.1  # the hum is at 50 Hz, not 60


def test_channels_are_judged_separately() -> None:
    x = np.column_stack([clean_bursts(), np.zeros(N)])
    good, flat = assess_quality(x, RATE)
    assert good.grade == "good" and flat.flatline


def test_report_dict_is_json_friendly_with_meanings() -> None:
    (q,) = assess_quality(np.zeros(N), RATE)
    d = q.to_dict()
    assert d["grade"] == "bad" and d["flags"] == ["flatline"] and d["flag_messages"]


def test_monitor_memory_is_bounded_and_reports_the_last_window() -> None:
    mon = QualityMonitor(RATE, window_s=2.0)
    x = clean_bursts()
    for start in range(0, N, 20):
        mon.process(x[start : start + 20])
    assert mon.window().shape == (int(2 * RATE), 1)
    np.testing.assert_array_equal(mon.window()[:, 0], x[-int(2 * RATE) :])
    for _ in range(1000):
        mon.process(np.zeros((20, 1)))
    assert mon.window().shape == (int(2 * RATE), 1)
    assert mon.report()[0].flatline
