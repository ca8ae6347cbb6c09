"""Quality flags fire on flatline, clipping and mains-dominated input, and stay quiet on clean EMG."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal

from emgcoach.dsp.quality import QualityMonitor, assess_quality

RATE = 2000.0
N = int(6 * RATE)


def simulated_emg(amp_uv: np.ndarray, seed: int = 2) -> np.ndarray:
    """Unit-RMS white noise band-passed 20-450 Hz (scipy), times the RMS amplitude per sample (µV)."""
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, [20.0, 450.0], "bandpass", fs=RATE, output="sos")
    w = signal.sosfilt(sos, rng.standard_normal(len(amp_uv) + int(RATE)))[int(RATE) :]
    return w / w.std() * amp_uv


def clean_bursts(rest_uv: float = 4.0, level_uv: float = 120.0, seed: int = 2) -> np.ndarray:
    amp = np.full(N, rest_uv)
    amp[int(2 * RATE) : int(4 * RATE)] = level_uv
    return simulated_emg(amp, seed)


@pytest.mark.parametrize("rest_uv,level_uv", [(4.0, 120.0), (5.0, 20.0), (10.0, 300.0)])
def test_clean_emg_is_good_and_snr_matches_the_simulation(rest_uv: float, level_uv: float) -> None:
    (q,) = assess_quality(clean_bursts(rest_uv, level_uv), RATE)
    truth = 20 * np.log10(level_uv / rest_uv)
    print(f"simulated SNR {truth:.1f} dB, measured {q.snr_db:.2f} dB")
    assert q.snr_db == pytest.approx(truth, abs=1.5)
    assert q.noise_rms_uv == pytest.approx(rest_uv, rel=0.15)
    assert q.clipping_fraction == 0.0 and not q.flatline and q.line_noise_ratio < 0.1
    assert not {"flatline", "clipping", "mains", "hum"} & set(q.flags)
    if level_uv / rest_uv >= 10:
        assert q.flags == [] and q.grade == "good"


def test_low_snr_is_flagged() -> None:
    (q,) = assess_quality(clean_bursts(8.0, 12.0), RATE)
    assert "low_snr" in q.flags and q.grade == "fair" and "Low SNR" in q.messages["low_snr"]


@pytest.mark.parametrize("raw", [np.zeros(N), np.full(N, 1234.5), 1234.5 + 0.1 * np.sin(np.arange(N))],
                         ids=["zeros", "constant-dc", "dc-with-tiny-wobble"])
def test_flatline_is_flagged(raw: np.ndarray) -> None:
    (q,) = assess_quality(raw, RATE)
    assert q.flatline and q.grade == "bad" and "flatline" in q.flags
    assert "electrode off" in q.summary


def test_clipped_emg_fraction_is_measured_and_flagged() -> None:
    x = clean_bursts(level_uv=300.0)
    rail = np.quantile(np.abs(x), 0.95)
    truth = np.mean(np.abs(x) >= rail)
    clipped = np.clip(x, -rail, rail)
    (q,) = assess_quality(clipped, RATE)
    assert q.clipping_fraction == pytest.approx(truth, abs=0.02)
    assert "clipping" in q.flags and q.grade == "bad"
    (given,) = assess_quality(clipped, RATE, clip_level_uv=rail)
    assert given.clipping_fraction == pytest.approx(truth, abs=0.005)


def test_clipped_sine_with_10_percent_at_the_rail() -> None:
    """A 7 Hz, 2000 µV sine plus 30 µV EMG, clipped at ±X chosen so that 10 % of samples sit at the rail."""
    t = np.arange(N) / RATE
    x = 2000.0 * np.sin(2 * np.pi * 7.0 * t) + simulated_emg(np.full(N, 30.0), seed=5)
    rail = np.quantile(np.abs(x), 0.90)
    clipped = np.clip(x, -rail, rail)
    truth = np.mean(np.abs(clipped) >= rail)
    assert truth == pytest.approx(0.10, abs=0.005)
    (q,) = assess_quality(clipped, RATE)
    print(f"clipping truth {truth:.4f}, measured {q.clipping_fraction:.4f}")
    assert q.clipping_fraction == pytest.approx(truth, abs=0.02)
    assert "clipping" in q.flags and q.grade == "bad" and "Clipping" in q.messages["clipping"]


def test_unclipped_signal_has_no_clipping() -> None:
    (q,) = assess_quality(clean_bursts(level_uv=300.0, seed=7), RATE)
    assert q.clipping_fraction == 0.0


def test_mains_dominated_input_is_flagged() -> None:
    x = clean_bursts()
    t = np.arange(N) / RATE
    hum_rms = 10 * np.sqrt(np.mean(x**2))
    hummed = x + hum_rms * np.sqrt(2) * np.sin(2 * np.pi * 50 * t)
    (q,) = assess_quality(hummed, RATE)
    print(f"line_noise_ratio with 50 Hz hum at 10x EMG RMS: {q.line_noise_ratio:.3f}")
    assert q.line_noise_ratio > 0.5 and "mains" in q.flags and q.grade == "bad"
    assert "reference electrode" in q.messages["mains"]
    (q60,) = assess_quality(hummed, RATE, mains_hz=60.0)
    assert q60.line_noise_ratio < 0.1  # the hum is at 50 Hz, not 60


def test_60_hz_harmonics_count() -> None:
    x = clean_bursts()
    t = np.arange(N) / RATE
    r = 5 * np.sqrt(np.mean(x**2))
    hummed = x + r * (np.sin(2 * np.pi * 60 * t) + np.sin(2 * np.pi * 180 * t))
    (q,) = assess_quality(hummed, RATE)
    assert q.line_noise_ratio > 0.5 and "mains" in q.flags


def test_channels_are_judged_separately() -> None:
    x = np.column_stack([clean_bursts(), np.zeros(N)])
    good, flat = assess_quality(x, RATE)
    assert good.grade == "good" and flat.flatline


def test_report_dict_is_json_friendly_with_meanings() -> None:
    (q,) = assess_quality(np.zeros(N), RATE)
    d = json.loads(json.dumps(q.to_dict()))
    assert d["grade"] == "bad" and d["flags"] == ["flatline"] and d["flag_messages"]
    assert set(d["messages"]) >= {"line_noise_ratio", "flatline", "clipping_fraction", "noise_rms_uv", "snr_db"}
    assert all("\n" not in m for m in d["messages"].values())
    (good,) = assess_quality(clean_bursts(), RATE)
    json.dumps(good.to_dict())


def test_monitor_memory_is_bounded_and_reports_the_last_window() -> None:
    mon = QualityMonitor(RATE, window_s=2.0)
    x = clean_bursts()
    for start in range(0, N, 20):
        assert mon.process(x[start : start + 20]) is None
    size = mon.buffer_nbytes
    assert mon.window().shape == (int(2 * RATE), 1)
    np.testing.assert_array_equal(mon.window()[:, 0], x[-int(2 * RATE) :])
    for _ in range(2000):
        mon.process(np.zeros((20, 1)))
    assert mon.buffer_nbytes == size == int(2 * RATE) * 8
    assert mon.window().shape == (int(2 * RATE), 1)
    assert mon.report()[0].flatline
    mon.process(np.ones((10_000, 1)))  # a chunk longer than the ring keeps only its tail
    assert mon.buffer_nbytes == size and mon.window().shape == (int(2 * RATE), 1)


def test_monitor_report_matches_offline_on_the_window() -> None:
    x = np.column_stack([clean_bursts(), clean_bursts(seed=3)])
    mon = QualityMonitor(RATE, window_s=3.0)
    for start in range(0, N, 37):
        mon.process(x[start : start + 37])
    live = [r.to_dict() for r in mon.report()]
    offline = [r.to_dict() for r in assess_quality(x[-int(3 * RATE) :], RATE)]
    assert live == offline
