"""One truth per set: a coached set's live verdicts (its `rep` markers) are what `analyze` and `report`
show for it; re-scoring is asked for (`--rescore`) and said; nothing outside a set's drill_start..drill_end
is a rep of it; a recording started after calibration carries it, so its levels are %MVC.

The recordings are made as the app makes them live (`live_recording.write_live_set`): recording begins
during the client's calibration efforts, well before the set, and one rep's verdict is written as older
rules gave it (a miss where today's rules see a hit), so showing the file's verdicts and re-scoring differ.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from emgcoach.analysis import analyze
from emgcoach.cli import main
from emgcoach.coach.recorded_sets import RepSource, is_verdict, recorded_sets
from emgcoach.coach.session_analysis import session_reps
from emgcoach.coach.store import Store
from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording
from emgcoach.types import Marker
from tests.coach.live_recording import CALIBRATED_AT, write_live_set

ROOT = Path(__file__).resolve().parents[2]
OLD_RULES = {2: {"hit": False, "misses": ["glute_late"], "cue": "Glute late: press the leg back as the arm starts to reach"}}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    return write_live_set(tmp_path_factory.mktemp("live") / "set.xdf", verdict_changes=OLD_RULES)


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_shows_the_sets_live_verdicts_not_a_rescoring(live, capsys) -> None:
    code, out, err = run(capsys, "analyze", str(live.path), "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["source"] == "live"
    assert [r["hit"] for r in d["reps"]] == [p["hit"] for p in live.recorded]  # rep 3 a miss, as recorded
    assert sum(r["hit"] for r in d["reps"]) == 6 and len(d["reps"]) == 8
    fatigue = d["sets"][0].pop("fatigue")
    assert d["sets"] == [{"drill": "bird_dog", "start_s": pytest.approx(live.drill_start_s, abs=1e-3),
                          "end_s": d["sets"][0]["end_s"], "source": "live", "reps": 8, "hits": 6, "planned": 8,
                          "complete": True, "drill_end": {"reps": 8, "hits": 6}, "not_scored": None}]
    # the reps' spectra as measured live, and the set's trend on them (a steady simulated client)
    assert [r["median_freq_hz"] for r in d["reps"]] == [p["median_freq_hz"] for p in live.recorded]
    assert fatigue["flag"] is False and fatigue["muscles"]["glute"]["n_reps"] == 8
    # on the file's clock (it starts 19.8 s into the session): every rep after the set's start
    assert all(r["start_s"] > live.drill_start_s for r in d["reps"])
    assert d["reps"][0]["start_s"] == pytest.approx(live.shown[0].start_s - 19.8, abs=0.002)
    # levels in %MVC: the calibration in force when the recording started is in it
    assert all(r["calibrated"] and r["mean_pct_mvc"]["glute"] > 20 for r in d["reps"])
    assert d["calibration"].startswith("calibrated 2026-12-01 09:00")
    code, text, _ = run(capsys, "analyze", str(live.path))
    assert "as scored live" in text and "6 of 8 reps on target" in text and "%MVC" in text


def test_rescore_is_asked_for_and_said(live, capsys) -> None:
    code, out, err = run(capsys, "analyze", str(live.path), "--json", "--rescore")
    assert code == 0, err
    d = json.loads(out)
    assert d["source"] == "rescored" and d["sets"][0]["source"] == "rescored"
    assert sum(r["hit"] for r in d["reps"]) == 7 and d["reps"][2]["hit"]  # today's rules: rep 3 on target
    assert [r["hit"] for r in d["reps"]] == [s.hit for s in live.shown]  # ...as the runner scored it
    # the lat's calibration effort 1.2 s into the file is long before the set: no rep of it
    assert len(d["reps"]) == 8 and min(r["start_s"] for r in d["reps"]) > live.drill_start_s
    assert all(r["calibrated"] for r in d["reps"])  # re-scored in %MVC too, from the calibration marker
    _, text, _ = run(capsys, "analyze", str(live.path), "--rescore")
    assert "re-scored with today's rules" in text and "7 of 8 reps on target" in text


def test_report_says_what_the_app_said(live, tmp_path: Path, capsys) -> None:
    import pypdfium2 as pdfium

    code, out, err = run(capsys, "report", str(live.path), "-o", str(tmp_path / "r"), "--person", "P07")
    assert code == 0, err
    assert "6 of 8 reps on target" in out and "as scored live" in out
    html = (tmp_path / "r.html").read_text()
    assert html.count('<tr class="hit">') == 6 and html.count('<tr class="miss">') == 2
    assert "glute %MVC" in html and "Reps as scored live" in html
    text = pdfium.PdfDocument(str(tmp_path / "r.pdf"))[0].get_textpage().get_text_range()
    assert "6 of 8 reps on target" in text and "%MVC" in text and "as scored live" in text
    code, out, _ = run(capsys, "report", str(live.path), "-o", str(tmp_path / "again"), "--rescore")
    assert code == 0 and "7 of 8 reps on target" in out and "re-scored with today's rules" in out


def test_report_save_files_the_live_verdicts(live, tmp_path: Path, capsys) -> None:
    store = tmp_path / "h.sqlite3"
    code, out, err = run(capsys, "report", str(live.path), "-o", str(tmp_path / "r"), "--person", "P07", "--save",
                         "--store", str(store))
    assert code == 0, err
    with Store(store) as s:
        (row,) = s.sessions("P07")
        assert (row.reps, row.hits, row.complete) == (8, 6, True)


def test_a_recording_started_after_calibration_carries_it(tmp_path: Path, capsys) -> None:
    cal_set = write_live_set(tmp_path / "cal.xdf")
    first = read_recording(cal_set.path).markers[0]
    assert first.kind == "calibration" and first.payload["step"] == "applied"
    assert first.payload["calibration"]["created"] == CALIBRATED_AT and first.time_s == pytest.approx(0.0, abs=0.01)
    for extra in ((), ("--rescore",)):
        _, out, _ = run(capsys, "analyze", str(cal_set.path), "--json", *extra)
        reps = json.loads(out)["reps"]
        assert reps and all(r["calibrated"] and r["mean_pct_mvc"]["lat"] is not None for r in reps)
    # without a calibration in force, the same set is in µV, and says so
    bare = write_live_set(tmp_path / "bare.xdf", calibrated=False)
    assert not any(m.kind == "calibration" for m in read_recording(bare.path).markers)
    _, out, _ = run(capsys, "analyze", str(bare.path), "--json")
    d = json.loads(out)
    assert d["calibration"].startswith("not calibrated") and all(r["mean_pct_mvc"]["lat"] is None for r in d["reps"])
    code, out, _ = run(capsys, "report", str(bare.path), "-o", str(tmp_path / "bare"))
    assert code == 0 and "glute µV" in (tmp_path / "bare.html").read_text()


def test_a_stopped_set_is_shown_and_saved_as_incomplete(tmp_path: Path, capsys) -> None:
    stopped = write_live_set(tmp_path / "stopped.xdf", stop_after_reps=3)
    _, out, _ = run(capsys, "analyze", str(stopped.path), "--json")
    d = json.loads(out)
    assert len(d["reps"]) == 3 and d["sets"][0]["complete"] is False and d["sets"][0]["planned"] == 8
    # re-scored, the set still ends at its stop: the client's later reps are no reps of it
    _, out, _ = run(capsys, "analyze", str(stopped.path), "--json", "--rescore")
    assert len(json.loads(out)["reps"]) == 3
    store = tmp_path / "h.sqlite3"
    assert run(capsys, "report", str(stopped.path), "-o", str(tmp_path / "r"), "--person", "P07", "--save",
               "--store", str(store))[0] == 0
    code, out, _ = run(capsys, "history", "P07", "--store", str(store))
    assert code == 0 and "3 reps (stopped early, of 8 planned)" in out


def test_simulated_truth_markers_are_not_verdicts() -> None:
    sim = demo_recording()
    rec = read_recording(sim)
    truth = [m for m in rec.markers if m.kind == "rep"]
    assert truth and not any(is_verdict(m.payload) for m in truth)
    (s,) = recorded_sets(rec.markers)
    assert not s.has_verdicts and s.complete
    scored = session_reps(rec, analyze(rec))
    assert scored is not None and scored.source is RepSource.SCORED_NOW and len(scored.reps) == 8
    assert scored.source_note == "scored now: no live verdicts in the file"


def test_a_rep_starting_after_drill_end_is_no_rep_of_the_set() -> None:
    """Re-scored, a burst that begins after the set's drill_end is not one of its reps (the offline
    windows used to run a second past drill_end)."""
    rec = read_recording(demo_recording())
    last_onset = 110.0  # the set's 8th rep starts here; its drill_end is at 118 s
    early_end = [Marker(last_onset - 0.5, m.kind, m.payload) if m.kind == "drill_end" else m for m in rec.markers]
    cut = replace(rec, markers=early_end)
    scored = session_reps(cut, analyze(cut), rescore=True)
    assert scored is not None and len(scored.reps) == 7 and max(r.start_s for r in scored.reps) < last_onset - 0.5


def test_verdict_bookkeeping_copies_strays_and_the_last_rep(live) -> None:
    markers = read_recording(live.path).markers
    (s,) = recorded_sets(markers)
    assert len(s.verdicts) == 8 and s.planned == 8 and s.complete
    # a recording of a replay can hold the file's copy of each marker beside the app's: counted once
    (twice,) = recorded_sets(markers + [m for m in markers if m.kind in ("drill_start", "rep", "drill_end")])
    assert len(twice.verdicts) == 8
    end = next(m for m in markers if m.kind == "drill_end")
    rep = next(m for m in markers if m.kind == "rep")
    late = Marker(end.time_s + 0.5, "rep", {**rep.payload, "start_s": 1000.0, "end_s": 1000.5})  # the runner's last rep
    stray = Marker(end.time_s + 5.0, "rep", {**rep.payload, "start_s": 2000.0, "end_s": 2000.5})  # after the set
    (with_late,) = recorded_sets(markers + [late, stray])
    assert len(with_late.verdicts) == 9
