"""`emgcoach analyze` on simulated sets whose glute is mistimed, as a therapist would try it: a glute that
fires 300 ms before the lat is early in every rep; one switched on a second before the lat is already on,
scored on its level, never 'No glute'."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emgcoach.coach.drills import load_library
from emgcoach.stream.simulated_session import record_simulation
from tests.cli_run import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[2]
LIB = load_library(include_user=False)


def analyze(path: Path, *args: str) -> CliResult:
    return run_cli("analyze", str(path), *args)


def test_analyze_with_drill_bird_dog_calls_a_glute_300_ms_early_early(tmp_path: Path) -> None:
    f = tmp_path / "early.xdf"
    record_simulation(f, "bird_dog", rate_hz=1000.0, seed=3, calibration=False, partner_onset_ms=-300.0)
    r = analyze(f, "--json", "--drill", "bird_dog")
    assert r.returncode == 0, r.stderr
    reps = json.loads(r.stdout)["reps"]
    assert len(reps) == LIB["bird_dog"].reps
    assert all(rep["misses"] == ["glute_early"] and not rep["hit"] for rep in reps)
    # two onsets each timed to 10-20 ms at 1 kHz (dsp/onset.py), the lat's at half the level it had
    assert all(rep["onset_latency_ms"] == pytest.approx(-300.0, abs=30.0) for rep in reps)
    assert all(rep["cue"] == LIB["bird_dog"].correction("glute_early") for rep in reps)
    text = analyze(f, "--drill", "bird_dog")
    assert text.returncode == 0 and "0 of 8 reps on target" in text.stdout
    assert re.search(r"glute -\d{3} ms, .*; miss: Glute early", text.stdout)


def test_analyze_scores_a_glute_already_on_on_its_level_not_as_missing(tmp_path: Path) -> None:
    f = tmp_path / "held.xdf"
    record_simulation(f, "bird_dog", rate_hz=1000.0, seed=3, calibration=True, partner_onset_ms=-1000.0)
    r = analyze(f, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    reps = out["reps"]
    assert out["calibration"].startswith("calibrated") and len(reps) == LIB["bird_dog"].reps
    assert all(rep["partner_already_on"] and rep["onset_latency_ms"] is None for rep in reps)
    assert not any("glute_missing" in rep["misses"] for rep in reps)
    assert all(rep["hit"] and rep["mean_pct_mvc"]["glute"] > LIB["bird_dog"].targets.glute_min for rep in reps)
    text = analyze(f)  # the plain-text report prints '-' for the latency it does not have
    assert text.returncode == 0 and "glute already on," in text.stdout and "8 of 8 reps on target" in text.stdout
