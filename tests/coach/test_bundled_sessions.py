"""Every drill has a bundled simulated session (recordings/drills/; bird_dog's is the demo, inside the
package: emgcoach/data/demo/), and `analyze --json` scores its reps against the truth the simulator wrote
into it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from emgcoach.coach.drills import load_library
from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording
from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parents[2]
LIB = load_library(include_user=False)


@pytest.mark.parametrize("drill", sorted(LIB))
def test_bundled_session_analyses_to_its_truth(drill: str) -> None:
    path = demo_recording() if drill == "bird_dog" else ROOT / "recordings" / "drills" / f"{drill}.xdf"
    r = run_cli("analyze", str(path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    truth = [m.payload for m in read_recording(path).markers if m.kind == "rep"]
    reps = out["reps"]
    assert len(reps) == len(truth) == LIB[drill].reps
    assert {k for k in ("drill", "index", "start_s", "end_s", "lead", "onset_latency_ms", "cci", "peak_pct_mvc", "hit")} <= set(reps[0])
    assert all(r["drill"] == drill and r["lead"] == LIB[drill].lead for r in reps)
    err = np.array([r["onset_latency_ms"] for r in reps]) - [t["latency_ms"] for t in truth]
    assert np.abs(err).max() < 15.0
    assert out["calibration"].startswith("calibrated")
    assert all(r["peak_pct_mvc"]["glute"] > LIB[drill].targets.glute_min for r in reps)
    lo, hi = LIB[drill].targets.glute_latency_ms
    off = [i for i, t in enumerate(truth) if not lo <= t["latency_ms"] <= hi]  # the rep made to miss its timing
    assert [r["index"] for r in reps if not r["hit"]] == off and len(off) == 1
    assert reps[off[0]]["misses"][0].startswith(LIB[drill].lead.partner.value)
    assert not any(r["partner_already_on"] for r in reps) and all(r["overlap"] > 0.8 for r in reps)


def test_uncalibrated_session_scores_reps_in_uv(tmp_path: Path) -> None:
    r = run_cli("analyze", str(ROOT / "recordings" / "bird_dog_sim.xdf"), "--json", "--drill", "bird_dog")
    out = json.loads(r.stdout)
    assert len(out["reps"]) == 8 and out["calibration"].startswith("not calibrated")
    assert all(r["peak_pct_mvc"] == {"lat": None, "glute": None} for r in out["reps"])
    r = run_cli("analyze", str(ROOT / "recordings" / "bird_dog_sim.xdf"), "--json")
    assert json.loads(r.stdout)["reps"] == out["reps"]  # the file's own drill markers name the same drill


def test_a_recordings_calibration_is_dated_when_it_was_recorded(tmp_path: Path) -> None:
    """The calibration read from a file carries the session's date from the XDF header, not the date a
    copy or a clone gave the file."""
    import os
    import shutil

    from emgcoach.analysis import analyze
    from emgcoach.coach.session_analysis import recording_calibration, sling_channels

    copy = tmp_path / "bird_dog.xdf"
    shutil.copy(demo_recording(), copy)
    os.utime(copy, (1e9, 1e9))  # 2001
    rec = read_recording(copy)
    cal, _ = recording_calibration(rec, sling_channels(rec, analyze(rec)), "P07")
    assert cal is not None and cal.created == rec.started_at and not rec.started_at.startswith("2001")
