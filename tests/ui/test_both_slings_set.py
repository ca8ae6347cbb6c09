"""A set of a both-slings drill in the window (issue 14, point 6): the alternating bird dog replayed from
its four-sensor recording, coached by the window from its recorded start. Every rep is scored on the
sling that worked it, the slings take the reps in turn as the drill says, the live verdicts equal
`analyze`'s of the same recording rep for rep, and the set is filed once: its history row holds each
rep's sling, its summary says each sling's hits and the glute symmetry, its report lists each rep with
its sling and the symmetry line. Replays run fast (16x) offscreen; every wait is on a condition."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from emgcoach.coach.session_analysis import analyze_with_reps
from emgcoach.coach.slings import Sling
from emgcoach.coach.store import Store
from emgcoach.io.open import read_recording
from emgcoach.ui.main_window import MainWindow
from tests.ui.replay_steps import play_into_set

ROOT = Path(__file__).resolve().parents[2]
ALTERNATING = ROOT / "recordings" / "drills" / "alternating_bird_dog.xdf"


@pytest.fixture(scope="module")
def analysed():
    """`analyze`'s reps of the recording (scored now: the file holds the simulated truth, no verdicts)."""
    _, scored = analyze_with_reps(read_recording(ALTERNATING))
    assert scored is not None
    return scored


def run_the_set(qtbot, w: MainWindow, path: Path) -> None:
    """Replay `path` at 16x from just before its set, which the window coaches by itself to its end."""
    start = next(m.time_s for m in read_recording(path).markers if m.kind == "drill_start")
    assert w.replay.open_recording(path, speed=16.0)
    play_into_set(qtbot, w, start)
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=60000)


def test_every_rep_is_scored_on_its_sling_as_analyze_scores_it(qtbot, make_window, analysed, tmp_path: Path) -> None:
    w = make_window(person="P11")
    w.save_replays_action.setChecked(True)  # a replayed set kept in the history, as a live one is
    copy = tmp_path / "client-alternating.xdf"  # not the bundled file: the history takes it
    shutil.copy(ALTERNATING, copy)
    run_the_set(qtbot, w, copy)
    scores = w.drills.set_scores
    assert len(scores) == 8 and [s.index for s in scores] == list(range(8))
    # the drill's slings in turn: left, right, left, ...; four reps each
    assert [s.sling for s in scores] == [Sling.LEFT, Sling.RIGHT] * 4
    # rep for rep what `analyze` makes of the same recording: start within 5 ms, same verdict and sling
    assert len(analysed.reps) == 8
    for live, offline in zip(scores, analysed.reps):
        assert live.sling is offline.sling and live.hit == offline.hit and live.misses == offline.misses
        assert abs(live.start_s - offline.start_s) < 0.005
        assert live.onset_latency_ms == pytest.approx(offline.onset_latency_ms, abs=5.0)
    hits = {s: sum(r.hit for r in scores if r.sling is s) for s in Sling}
    assert sum(hits.values()) == sum(r.hit for r in analysed.reps)

    # the set's summary in the feedback column and on the drill panel: each sling's hits and the glute SI
    lines = w.feedback.summary.lines()
    slings_line = f"Left sling {hits[Sling.LEFT]} of 4 · Right sling {hits[Sling.RIGHT]} of 4 on target"
    si = analysed.symmetry().glute_si_pct
    assert slings_line in lines and any(line.startswith(f"Glute SI {si:+.0f} % over 4 rep pairs") for line in lines)
    assert w.drill_panel.last_rep.text().startswith(f"Glute SI {si:+.0f} % over 4 rep pairs: the left glute works less")
    assert f"(left {hits[Sling.LEFT]} of 4, right {hits[Sling.RIGHT]} of 4)" in w.drill_panel.reps.text()

    # filed once, each rep with its sling
    with Store(tmp_path / "history.sqlite3") as store:
        (row,) = store.sessions("P11")
        assert (row.reps, row.hits, row.complete) == (8, sum(hits.values()), True)
        _, reps = store.session(row.id)
    assert [r["sling"] for r in reps] == ["left", "right"] * 4
    assert [round(r["start_s"], 3) for r in reps] == [round(s.start_s, 3) for s in scores]

    # the report: each rep's row with its sling, the per-sling hits and the symmetry line
    w.drills.open_file = lambda p: True  # no desktop PDF viewer here
    qtbot.mouseClick(w.drill_panel.report_button, Qt.LeftButton)
    dialog = w.drills.report_dialog
    assert dialog is not None
    dialog.folder.setText(str(tmp_path / "reports"))
    dialog.write_button.click()
    html, pdf = dialog.written
    page = html.read_text(encoding="utf-8")
    for i, s in enumerate(scores):
        assert f"<td>{i + 1} {'L' if s.sling is Sling.LEFT else 'R'}</td>" in page
    assert f"(left {hits[Sling.LEFT]} of 4, right {hits[Sling.RIGHT]} of 4)" in page
    assert f"Symmetry: glute SI {si:+.0f} %" in page and "over 4 rep pairs" in page
    assert pdf.stat().st_size > 5_000


def test_a_one_sling_set_carries_no_sling(qtbot, make_window, tmp_path: Path) -> None:
    """The bird dog on two sensors, replayed: its reps have no sling, its summary and report no sling lines."""
    from emgcoach.data import demo_recording

    w = make_window(person="P11")
    run_the_set(qtbot, w, demo_recording())
    scores = w.drills.set_scores
    assert len(scores) == 8 and all(s.sling is None for s in scores)
    assert not any("sling" in line for line in w.feedback.summary.lines())
    assert "sling" not in w.drill_panel.last_rep.text().lower()
