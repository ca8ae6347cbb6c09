"""The end-of-set summary: reps on target, the median glute latency and the commonest cue of the misses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from emgcoach.coach.drills import load_library
from emgcoach.coach.runner import DrillRunner
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.set_summary import summarise_set
from tests.coach.conftest import feed_runner

BIRD_DOG = load_library(include_user=False)["bird_dog"]


def _rep(i: int, hit: bool, latency: float | None, cue: str = "") -> RepScore:
    return RepScore("bird_dog", i, 10.0 * i, 10.0 * i + 3, "lat", 10.0 * i, None, latency, {}, {}, {}, {},
                    0.6, 0.8, False, hit, (), cue)


def test_commonest_missed_cue_and_median_latency() -> None:
    reps = [_rep(0, True, 80.0), _rep(1, False, 300.0, "Glute late"), _rep(2, False, None, "Glute missing"),
            _rep(3, False, 260.0, "Glute late"), _rep(4, True, 90.0)]
    s = summarise_set(BIRD_DOG, reps)
    assert (s.reps, s.hits, s.planned, s.timed) == (5, 2, 8, 4)
    assert s.median_latency_ms == pytest.approx(175.0)  # of the four timed reps
    assert s.cue == "Glute late" and s.cue_reps == 2
    assert s.lines() == ["Set complete", "2 of 5 reps on target (8 planned)",
                         "Glute 175 ms after the lat (median of 4)", "Work on: Glute late"]


def test_a_tie_goes_to_the_cue_met_first_and_a_clean_set_says_so() -> None:
    reps = [_rep(0, False, 10.0, "B"), _rep(1, False, 20.0, "A"), _rep(2, False, -40.0, "A"), _rep(3, False, -50.0, "B")]
    assert summarise_set(BIRD_DOG, reps).cue == "B"
    clean = summarise_set(BIRD_DOG, [replace(r, hit=True, cue="") for r in reps], stopped=True)
    assert clean.cue == "" and clean.title == "Set stopped"
    assert clean.latency_line() == "Glute 15 ms before the lat (median of 4)"
    assert clean.cue_line() == "Every rep on target: keep it up"
    assert summarise_set(BIRD_DOG, []).lines() == ["Set complete", "No reps found"]


def test_the_bundled_session_set_names_the_late_glute() -> None:
    """Through the live runner on the simulated bird dog: 7 of 8 on target, the late rep's cue to work on."""
    runner = DrillRunner(BIRD_DOG, (0, 0), (0, 1))
    feed_runner(runner, "bird_dog")
    s = summarise_set(BIRD_DOG, runner.scores)
    assert (s.reps, s.hits) == (8, 7)
    assert s.cue == BIRD_DOG.correction("glute_late") and s.cue_reps == 1
    assert 50 < s.median_latency_ms < 120
