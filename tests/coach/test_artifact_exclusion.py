"""A cable tug between reps (a 300 µV spike train) counts as a rep and lifts the levels; marked as an
artifact (the recording's sidecar, or `analyze --exclude`) it is gone and the figures are the clean
recording's."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from emgcoach.analysis import Analysis
from emgcoach.analysis_text import format_text
from emgcoach.cli import main
from emgcoach.coach.session_analysis import analyze_with_reps
from emgcoach.io.artifacts import make_artifact, sidecar_path, write_artifacts
from emgcoach.io.recording import RecordedStream, Recording
from tests.cli_run import run_cli
from tests.fatigue_signal import RATE, fatigued_set

TUG = (12.3, 13.7)  # s: between the first rep (7-11 s) and the second (15-19 s)
MARK = (12.2, 13.8)


@lru_cache(maxsize=1)
def clean_and_tugged() -> tuple[Recording, Recording]:
    rec = fatigued_set(0.0, seed=0).recording
    x = rec.streams[0].data.astype(np.float64)
    i0, i1 = int(TUG[0] * RATE), int(TUG[1] * RATE)
    k = np.arange(i1 - i0)
    x[i0:i1, :] += (np.where(k % 25 < 3, 300.0, 0.0) * np.sign(np.sin(k)))[:, None]
    return rec, replace(rec, streams=[RecordedStream(rec.streams[0].info, x.astype(np.float32))])


def levels(a: Analysis) -> list[float]:
    return [v for c in a.channels for v in (c.rest.mean_uv, c.reference_uv, c.rms_uv)]


def test_a_cable_tug_is_a_false_rep_and_a_skewed_level_until_it_is_excluded() -> None:
    clean, tugged = clean_and_tugged()
    base, _ = analyze_with_reps(clean)
    dirty, _ = analyze_with_reps(tugged)
    assert base.reps is not None and dirty.reps is not None
    assert len(dirty.reps) == len(base.reps) + 1  # the tug scored as a rep
    assert any(r["start_s"] < TUG[1] and r["end_s"] > TUG[0] for r in dirty.reps)
    assert max(c.reference_uv for c in dirty.channels) > 1.2 * max(c.reference_uv for c in base.channels)

    fixed, scored = analyze_with_reps(tugged, excluded=[MARK])
    assert fixed.reps is not None and scored is not None
    assert [(r["start_s"], r["hit"]) for r in fixed.reps] == [(r["start_s"], r["hit"]) for r in base.reps]
    assert sum(s.reps for s in scored.sets) == len(base.reps)
    np.testing.assert_allclose(levels(fixed), levels(base), rtol=0.03)
    assert [c.onsets_s for c in fixed.channels] == [c.onsets_s for c in base.channels]
    assert fixed.pairs[0]["cci"] == pytest.approx(base.pairs[0]["cci"], abs=0.01)
    d = fixed.to_dict()
    assert d["excluded"] == [{"start_s": MARK[0], "end_s": MARK[1]}]
    assert "excluded as artifacts: 1.6 s (12.2-13.8 s); 0 reps not scored" in format_text(fixed)


def test_a_rep_overlapping_a_mark_is_listed_as_excluded_not_as_a_miss() -> None:
    clean, _ = clean_and_tugged()
    base, _ = analyze_with_reps(clean)
    a, scored = analyze_with_reps(clean, excluded=[(16.0, 17.0)])  # a cough in the second rep
    assert a.reps is not None and base.reps is not None and scored is not None
    assert len(a.reps) == len(base.reps) - 1
    assert [r["start_s"] for r in a.excluded_reps] == [pytest.approx(base.reps[1]["start_s"], abs=0.05)]
    assert scored.sets[0].reps == len(base.reps) - 1
    assert "1 rep not scored" in format_text(a)


def test_the_recordings_sidecar_and_exclude_option_leave_the_tug_out(tmp_path: Path, capsys) -> None:

    _, tugged = clean_and_tugged()
    path = tmp_path / "tug.csv"
    x = tugged.streams[0].data
    np.savetxt(path, x, delimiter=",", header="lat,glute", comments="", fmt="%.3f")
    common = ["analyze", str(path), "--rate", f"{RATE:g}", "--channel", "0:lat:left", "--channel",
              "1:glute:right", "--drill", "bird_dog", "--json"]

    def reps(*extra: str) -> tuple[list, str]:
        assert main([*common, *extra]) == 0
        out, err = capsys.readouterr()
        d = json.loads(out)
        return [(round(r["start_s"], 1)) for r in d["reps"]], err

    dirty, _ = reps()
    assert any(TUG[0] - 0.2 < t < TUG[1] for t in dirty)
    by_option, _ = reps("--exclude", f"{MARK[0]}:{MARK[1]}")
    assert by_option == [t for t in dirty if not TUG[0] - 0.2 < t < TUG[1]]
    write_artifacts(path, [make_artifact(*MARK, "cable tug")])
    by_sidecar, _ = reps()
    assert by_sidecar == by_option

    Path(sidecar_path(path)).write_text("[{broken")
    again, err = reps()
    assert again == dirty and f"{sidecar_path(path)}: damaged artifact marks" in err
    assert main([*common, "--exclude", "5"]) != 0
    assert "--exclude '5'" in capsys.readouterr().err


def test_a_report_of_a_marked_recording_lists_its_artifacts_and_leaves_their_reps_out(tmp_path: Path) -> None:

    from emgcoach.coach.report import report_data, write_html

    out = tmp_path / "pulldown.xdf"
    r = run_cli("simulate", "--drill", "straight_arm_pulldown_glute", "--rate", "1000", "--no-calibration", "-o", str(out))
    assert r.returncode == 0, r.stderr
    whole = report_data(out)
    first = whole.reps[0]
    write_artifacts(out, [make_artifact(first.start_s + 0.5, first.start_s + 1.0, "cough")])
    marked = report_data(out)
    assert len(marked.reps) == len(whole.reps) - 1 and marked.reps[0].start_s > first.start_s
    assert marked.excluded_line.startswith("Excluded as artifacts: ") and "1 rep not scored" in marked.excluded_line
    page = write_html(marked, tmp_path / "r.html").read_text()
    assert "Excluded as artifacts" in page


def test_a_rep_wholly_inside_a_mark_is_listed_from_the_recordings_markers() -> None:
    clean, _ = clean_and_tugged()
    base, _ = analyze_with_reps(clean)
    a, _ = analyze_with_reps(clean, excluded=[(14.5, 19.5)])  # the second rep (15-19 s), all of it
    assert a.reps is not None and base.reps is not None and len(a.reps) == len(base.reps) - 1
    assert [(d["index"], d["start_s"]) for d in a.excluded_reps] == [(1, 15.0)]
