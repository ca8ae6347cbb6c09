"""A calibration paced by the user: each effort begins when the client is ready, a rest can be cut short,
an effort can be redone, progress moves through rests, and the summary says what was found and warns of
an effort that barely rose above rest."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emgcoach.coach.calibration import CalibrationSession, best_window_mean, protocol

RATE = 1000.0
LAT = ("latissimus_dorsi", "left")
GLUTE = ("gluteus_maximus", "right")


def _levels(t: np.ndarray, bursts: list[tuple[float, float, float, float]]) -> np.ndarray:
    """A two-channel envelope (µV): rest 3 +- 0.5, plus (start, end, lat level, glute level) bursts."""
    rng = np.random.default_rng(4)
    env = 3.0 + 0.5 * rng.standard_normal((len(t), 2))
    for a, b, lat, glute in bursts:
        sel = (t >= a) & (t < b)
        env[sel, 0] += lat
        env[sel, 1] += glute
    return env


def _feed(session: CalibrationSession, env: np.ndarray, t0: float, t1: float) -> None:
    for k in range(int(t0 * RATE), int(t1 * RATE), 50):
        chunk = env[k : k + 50]
        session.feed(0, k / RATE, RATE, chunk, chunk)


def _paced(efforts: int = 2) -> CalibrationSession:
    steps = protocol([LAT, GLUTE], rest_s=3.0, efforts=efforts, effort_s=2.0, recover_s=10.0)
    return CalibrationSession("P01", {LAT: (0, 0), GLUTE: (0, 1)}, steps, None)


def test_efforts_count_only_once_begun_and_a_rest_can_be_cut_short() -> None:
    s = _paced(efforts=1)
    t = np.arange(0, 60.0, 1 / RATE)
    # the client moves into the test position between steps (a big burst there must not count), pushes
    # the lat to 200 µV inside its effort step and the glute to 120 µV inside its own
    env = _levels(t, [(4.0, 6.0, 500.0, 500.0), (7.0, 9.0, 200.0, 0.0), (12.0, 14.0, 0.0, 120.0)])
    assert s.step_at(0.5) == (-1, None, 0.0) and s.next_step() == 0 and s.end_s == math.inf
    s.begin(0, 1.0)  # quiet rest 1-4 s
    _feed(s, env, 0.0, 4.0)
    assert s.step_at(4.5) == (1, None, 0.0)  # waiting for Ready: no step under way
    _feed(s, env, 4.0, 7.0)  # moving into position
    s.begin(1, 7.0)  # Ready, then the countdown: the lat effort 7-9 s
    _feed(s, env, 7.0, 9.5)
    s.begin(2, 9.0)  # its 10 s rest...
    i, step, left = s.step_at(10.0)
    assert step.kind == "recover" and left == pytest.approx(9.0)
    s.cut(11.0)  # ...shortened by the therapist
    assert s.step_at(11.5) == (3, None, 0.0)
    s.begin(3, 12.0)
    _feed(s, env, 9.5, 14.0)
    s.begin(4, 14.0)
    assert not s.done and s.end_s == pytest.approx(24.0)
    s.cut(14.5)
    _feed(s, env, 14.0, 15.0)
    assert s.done
    cal = s.result()
    assert cal.get(*LAT).mvc_uv == pytest.approx(203.0, abs=1.0)  # not the 500 µV of moving into position
    assert cal.get(*GLUTE).mvc_uv == pytest.approx(123.0, abs=1.0)
    assert cal.get(*LAT).rest_uv == pytest.approx(3.0, abs=0.1)
    assert s.effort_uv(1) == pytest.approx(203.0, abs=1.0)


def test_progress_moves_through_a_rest_and_reaches_one() -> None:
    s = _paced(efforts=1)
    s.begin(0, 0.0)
    s.begin(1, 5.0)
    s.begin(2, 7.0)  # a 10 s rest
    during = [s.progress(t) for t in (7.5, 10.0, 12.5, 16.5)]
    assert all(b > a for a, b in zip(during, during[1:], strict=False)), during
    s.cut(17.0)
    s.begin(3, 18.0)
    s.begin(4, 20.0)
    assert s.progress(30.5) == pytest.approx(1.0)


def test_summary_warns_of_a_weak_effort_and_a_redo_replaces_it() -> None:
    s = _paced(efforts=2)
    t = np.arange(0, 200.0, 1 / RATE)
    # lat: 200 then 180 µV. glute: 5 µV (a loose electrode: barely above rest), then 110 µV
    env = _levels(t, [(3, 5, 200, 0), (15, 17, 180, 0), (27, 29, 0, 5), (39, 41, 0, 110),
                      (60, 62, 0, 130), (72, 74, 0, 125)])
    for i, start in enumerate((0.0, 3.0, 5.0, 15.0, 17.0, 27.0, 29.0, 39.0, 41.0)):
        s.begin(i, start)
    _feed(s, env, 0.0, 52.0)
    summary = s.summary("2026-12-01T09:00:00")
    lat, glute = summary.muscles
    assert summary.ok and lat.weak_efforts == () and lat.mvc_uv == pytest.approx(203.0, abs=1.0)
    assert lat.rest_uv == pytest.approx(3.0, abs=0.1) and lat.rest_sd_uv == pytest.approx(0.5, abs=0.1)
    assert glute.weak_efforts == (1,) and glute.efforts_uv[0] == pytest.approx(8.0, abs=1.0)
    (warning,) = summary.warnings()
    assert warning.startswith("gluteus right effort 1:") and "barely above rest" in warning
    new = s.redo(*GLUTE)  # two efforts and their rests again, at the end
    assert [s.steps[i].kind for i in new] == ["mvc", "recover", "mvc", "recover"] and s.next_step() == new[0]
    for i, start in zip(new, (60.0, 62.0, 72.0, 74.0), strict=True):
        s.begin(i, start)
    _feed(s, env, 52.0, 85.0)
    assert s.done
    again = s.summary()
    glute = again.muscles[1]
    assert glute.weak_efforts == () and len(glute.efforts_uv) == 2 and again.warnings() == []
    assert glute.mvc_uv == pytest.approx(133.0, abs=1.0)


def test_a_muscle_that_never_rose_gives_no_calibration_and_says_why() -> None:
    s = _paced(efforts=1)
    t = np.arange(0, 30.0, 1 / RATE)
    env = _levels(t, [(3, 5, 200, 0)])  # the glute effort shows nothing
    for i, start in enumerate((0.0, 3.0, 5.0, 15.0, 17.0)):
        s.begin(i, start)
    _feed(s, env, 0.0, 28.0)
    summary = s.summary()
    assert not summary.ok and summary.calibration is None
    glute = summary.muscles[1]
    assert "hardly above rest" in glute.problem and glute.weak_efforts == (1,)
    assert any(w.startswith("gluteus right: the strongest effort") for w in summary.warnings())


def test_fixed_schedule_is_unchanged() -> None:
    """With a start time the steps run back to back, as a recorded protocol does."""
    steps = protocol([LAT], rest_s=5.0, efforts=1, effort_s=4.0, recover_s=3.0)
    s = CalibrationSession("P01", {LAT: (0, 0)}, steps, 2.0)
    assert s.step_at(1.0) == (-1, None, pytest.approx(1.0))
    assert s.step_at(8.0)[1].kind == "mvc" and s.end_s == pytest.approx(14.0)
    assert s.step_at(14.5) == (3, None, 0.0)
    t = np.arange(0, 16.0, 1 / RATE)
    env = _levels(t, [(7.0, 11.0, 150.0, 0.0)])
    _feed(s, env, 0.0, 15.0)
    seg = env[(t >= 7.0) & (t < 11.0), 0]
    assert s.result().muscles[0].mvc_uv == pytest.approx(best_window_mean(seg, RATE))


def test_a_rest_that_was_not_quiet_is_flagged() -> None:
    s = _paced(efforts=1)
    t = np.arange(0, 30.0, 1 / RATE)
    # the client still settling: the lat works for half of the quiet rest
    env = _levels(t, [(0.0, 1.5, 40.0, 0.0), (3, 5, 200, 0), (15, 17, 0, 120)])
    for i, start in enumerate((0.0, 3.0, 5.0, 15.0, 17.0)):
        s.begin(i, start)
    _feed(s, env, 0.0, 28.0)
    (warning,) = s.summary().warnings()
    assert warning.startswith("latissimus left: the rest was not quiet") and "Redo all" in warning
