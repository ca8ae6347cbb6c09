"""Calibration: rest and MVC from simulated efforts, checked against the simulated signal itself."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import signal

from emgcoach.coach.calibration import (
    Calibration,
    CalibrationError,
    best_window_mean,
    calibrate_muscle,
    from_recording_markers,
    protocol,
)
from tests.coach.conftest import RATE, processed


def _calibrate(p):
    t = p.times
    marks = [m for m in p.scenario.markers if m.kind == "calibration"]
    channels = [(c.muscle, c.side, t, p.envelope[:, i], RATE) for i, c in enumerate(p.scenario.channels)]
    return from_recording_markers("P01", "2026-11-25T09:30:00", channels, marks), marks


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mvc_is_the_highest_500_ms_mean_of_the_efforts_within_5_percent(seed: int) -> None:
    p = processed("bird_dog", seed=seed, calibration=True)
    cal, marks = _calibrate(p)
    # the truth, from the simulated signal and not from our pipeline: zero-phase band-pass, full-wave
    # rectification, and the highest mean over any 500 ms inside each effort
    sos = signal.butter(4, [20, 450], "bandpass", fs=RATE, output="sos")
    rect = np.abs(signal.sosfiltfilt(sos, p.raw, axis=0))
    t = p.times
    for i, spec in enumerate(p.scenario.channels):
        best = 0.0
        for m in marks:
            if m.payload.get("muscle") == spec.muscle:
                seg = rect[(t >= m.time_s) & (t < m.payload["end_s"]), i]
                best = max(best, np.convolve(seg, np.ones(1000) / 1000, "valid").max())
        got = cal.get(spec.muscle, spec.side)
        assert got is not None
        assert abs(got.mvc_uv / best - 1) < 0.05, (spec.muscle, got.mvc_uv, best)
        assert len(got.efforts_uv) == 3
        # the middle effort was the strongest (levels 0.9, 1.0, 0.95)
        assert int(np.argmax(got.efforts_uv)) == 1


def test_rest_and_pct_mvc() -> None:
    p = processed("bird_dog", seed=1, calibration=True)
    cal, marks = _calibrate(p)
    lat = cal.get("latissimus_dorsi")
    rest = marks[0]
    sel = (p.times >= rest.time_s) & (p.times < rest.payload["end_s"])
    assert lat.rest_uv == pytest.approx(p.envelope[sel, 0].mean(), rel=1e-6)
    assert lat.pct_mvc(lat.mvc_uv) == pytest.approx(100.0)
    assert lat.pct_mvc(lat.rest_uv) == pytest.approx(0.0)


def test_best_window_mean_skips_windows_touching_a_gap() -> None:
    x = np.ones(3000)
    x[1000:1500] = 10.0
    assert best_window_mean(x, 1000.0) == pytest.approx(10.0)
    x[1200] = np.nan
    assert best_window_mean(x, 1000.0) < 10.0
    assert np.isnan(best_window_mean(np.ones(100), 1000.0))


def test_effort_no_stronger_than_rest_is_refused() -> None:
    rng = np.random.default_rng(0)
    rest = 5 + rng.normal(0, 0.5, 5000)
    with pytest.raises(CalibrationError, match="latissimus_dorsi left: the strongest effort .* hardly above rest"):
        calibrate_muscle("latissimus_dorsi", "left", 1000.0, rest, [5 + rng.normal(0, 0.5, 3000)])
    with pytest.raises(CalibrationError, match="less than 1 s of rest"):
        calibrate_muscle("latissimus_dorsi", "left", 1000.0, rest[:500], [rest])


def test_calibration_is_reused_on_its_day_only_and_round_trips() -> None:
    p = processed("bird_dog", seed=1, calibration=True)
    cal, _ = _calibrate(p)
    assert cal.valid_on(date(2026, 11, 25)) and not cal.valid_on(date(2026, 11, 26))
    assert Calibration.from_dict(cal.to_dict()) == cal


def test_protocol_describes_each_muscle_test_position() -> None:
    steps = protocol([("latissimus_dorsi", "left"), ("gluteus_maximus", "right")])
    assert steps[0].kind == "rest"
    mvc = [s for s in steps if s.kind == "mvc"]
    assert len(mvc) == 6 and all(3 <= s.duration_s <= 5 for s in mvc)
    assert "knee bent" in mvc[-1].instruction and "arm" in mvc[0].instruction


def test_live_calibration_session_follows_the_protocol_on_the_clock() -> None:
    from emgcoach.coach.calibration import CalibrationSession
    from emgcoach.dsp.pipeline import Pipeline, PipelineConfig

    p = processed("bird_dog", seed=2, calibration=True)
    spec = p.scenario.channels
    muscles = [(c.muscle, c.side) for c in spec]
    # the simulated block: 5 s rest, then per muscle 3 efforts of 4 s with 3 s rest, from t = 2 s
    steps = protocol(muscles, rest_s=5.0, efforts=3, effort_s=4.0, recover_s=3.0)
    first = next(m for m in p.scenario.markers if m.kind == "calibration")
    live = CalibrationSession("P03", {k: (0, i) for i, k in enumerate(muscles)}, steps, first.time_s)
    assert live.step_at(first.time_s + 1.0)[1].kind == "rest"
    i, step, left = live.step_at(first.time_s + 5.5)
    assert step.kind == "mvc" and step.muscle == "latissimus_dorsi" and left == pytest.approx(3.5)
    pipe = Pipeline(RATE, PipelineConfig(lowlag=False, mains_hz=None))
    for k in range(0, int(live.end_s * RATE) + 100, 40):
        o = pipe.process(p.raw[k : k + 40])
        live.feed(0, k / RATE, RATE, o.envelope, o.onset_envelope)
    assert live.done
    cal = live.result("2026-11-25T10:00:00")
    offline, _ = _calibrate(p)
    for m in cal.muscles:  # the same numbers as from the recording's markers
        ref = offline.get(m.muscle, m.side)
        assert m.mvc_uv == pytest.approx(ref.mvc_uv, rel=0.01)
        assert m.rest_uv == pytest.approx(ref.rest_uv, rel=0.02)
        assert m.onset_rest_sd_uv > m.rest_sd_uv  # the 20 Hz onset envelope ripples more than the 6 Hz one
