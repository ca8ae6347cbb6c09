"""Without a display: a replayed file's own coaching (its sets and the calibration it holds, found on a
worker thread) and what the simulated client is asked to do in calibration steps and drill phases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from emgcoach.coach.calibration import CalibrationSession, protocol
from emgcoach.coach.drills import load_library
from emgcoach.coach.runner import DrillRunner
from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording
from emgcoach.session.recorded_coaching import RecordedCoaching
from emgcoach.session.simulated_person import cooperative_effort

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
LIB = load_library(include_user=False)
LAT, GLUTE = ("latissimus_dorsi", "left"), ("gluteus_maximus", "right")


def test_a_coached_recording_gives_its_sets_and_its_calibration() -> None:
    rc = RecordedCoaching(read_recording(demo_recording()), LIB, "P07")
    assert rc.starts == [(49.0, "bird_dog")] and rc.has_calibration
    assert rc.calibration() is None  # not asked for yet
    rc.find_calibration()
    deadline = time.monotonic() + 30.0
    while rc.calibration() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    cal, note = rc.calibration()
    assert cal is not None and "calibrated" in note
    for muscle, side in (LAT, GLUTE):
        m = cal.get(muscle, side)
        assert m is not None and m.mvc_uv > 10 * m.rest_uv  # an effort well above rest


def test_a_recording_without_calibration_has_none_to_find() -> None:
    rc = RecordedCoaching(read_recording(RECORDINGS / "bird_dog_sim.xdf"), LIB, "P07")
    assert rc.starts and not rc.has_calibration
    rc.find_calibration()
    assert rc.calibration() is None


def test_the_simulated_client_rests_pushes_and_contracts_as_asked() -> None:
    steps = protocol([LAT, GLUTE], rest_s=5, efforts=1, effort_s=4, recover_s=3)
    cal = CalibrationSession("P07", {LAT: (0, 0), GLUTE: (0, 1)}, steps, start_s=10.0)
    assert cooperative_effort(12.0, cal, None) == (0.0, 0.0)  # the quiet rest
    assert cooperative_effort(16.0, cal, None) == (1.0, 0.0)  # the lat's effort (15-19 s)
    assert cooperative_effort(0.0, None, None) == (0.0, 0.0)  # the wizard open, not started: still
    drill = LIB["bird_dog"]
    runner = DrillRunner(drill, (0, 0), (0, 1), start_s=100.0)
    t = drill.targets
    in_hold = 100.0 + drill.setup_s + drill.phase_s("contract") + 0.5
    assert cooperative_effort(in_hold, False, runner) == pytest.approx(((t.lat_lo + t.lat_hi) / 200.0,
                                                                      min(1.0, 1.4 * t.glute_min / 100.0)))
    assert cooperative_effort(101.0, False, runner) == (0.0, 0.0)  # set-up: still
    assert cooperative_effort(50.0, False, None) is None  # nothing asked: its own reps
