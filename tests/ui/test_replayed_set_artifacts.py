"""A set coached again in a replay leaves out the reps across the file's artifact marks, exactly as
`analyze` of the same file does: the drill panel says the rep is left out, the set's count, its summary,
the history row and the set report hold the other reps, and the report names the one left out. A mark
made (or removed) while the set runs sorts the reps so far again. Offscreen, on a copy of the bundled
bird-dog session (8 reps, 7 on target; rep 3 at 70-74 s)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from emgcoach.coach.session_analysis import analyze_with_reps
from emgcoach.coach.store import Store
from emgcoach.data import demo_recording
from emgcoach.io.artifacts import make_artifact, read_artifacts, write_artifacts
from emgcoach.io.open import read_recording
from emgcoach.ui.main_window import MainWindow

COUGH = (71.0, 72.0)  # inside rep 3 (70-74 s)


@pytest.fixture
def client_file(tmp_path: Path) -> Path:
    """The bundled session as a client's recording (outside the bundled folder, so it can be marked)."""
    return Path(shutil.copy(demo_recording(), tmp_path / "P11_bird_dog.xdf"))


def replay_set(qtbot, w: MainWindow, path: Path, speed: float = 16.0) -> None:
    """Replay the file from its start until its recorded set has run and ended by itself."""
    assert w.replay.open_recording(path, speed=speed)
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=15000)
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=40000)


@pytest.mark.slow
def test_a_replayed_set_leaves_out_the_marked_rep_as_analyze_does(qtbot, make_window, tmp_path: Path,
                                                                  client_file: Path) -> None:
    write_artifacts(client_file, [make_artifact(*COUGH, note="cough")])
    result, analysed = analyze_with_reps(read_recording(client_file))
    assert analysed is not None and len(analysed.reps) == 7  # analyze: 8 reps, one across the cough
    w = make_window(person="P11", save_replayed_sets=True)
    replay_set(qtbot, w, client_file)
    scores = w.drills.set_scores
    assert len(scores) == 7 and sum(s.hit for s in scores) == 6
    # rep for rep what analyze gives the same file: starts (within 50 ms) and verdicts
    assert [s.start_s for s in scores] == pytest.approx([r.start_s for r in analysed.reps], abs=0.05)
    assert [s.hit for s in scores] == [r.hit for r in analysed.reps]
    (gone,) = w.drills.set_left_out
    assert gone.index + 1 == 3 and gone.start_s == pytest.approx(result.excluded_reps[0]["start_s"], abs=0.05)
    assert w.drill_panel.reps.text() == "7 of 8 reps done, 6 on target"
    shown = w.feedback.summary.lines()  # the set's summary in the feedback column
    assert "6 of 7 reps on target (8 planned)" in shown and "Rep 3 left out: marked artifact" in shown
    assert "6 of 7 reps on target; rep 3 left out (marked artifact)" in w.status.text()
    (row,) = Store(tmp_path / "history.sqlite3").sessions("P11")
    assert (row.reps, row.hits) == (7, 6)
    # the set report: 7 reps in its table, the cough and rep 3 named as the recording's report names them
    w.drills.open_file = lambda p: True
    report = w.drills.open_report()
    assert report is not None
    report.folder.setText(str(tmp_path / "reports"))
    report.write_button.click()
    assert report.written is not None
    page = Path(report.written[0]).read_text(encoding="utf-8")
    assert "Excluded as artifacts: 71.0-72.0 s (1.0 s; 1 rep not scored: rep 3)" in page
    assert "6 of 7 reps on target" in page
    # the mark taken off (from the window): replayed again, all 8 reps count
    w.artifacts.remove(read_artifacts(client_file)[0])
    assert read_artifacts(client_file)[0] == []
    replay_set(qtbot, w, client_file)
    assert len(w.drills.set_scores) == 8 and sum(s.hit for s in w.drills.set_scores) == 7
    assert w.drills.set_left_out == [] and "left out" not in w.status.text()


def mark_while_paused(qtbot, w: MainWindow, t0: float, t1: float) -> None:
    """Pause, put up a stretch (X), drag it over t0..t1 (session s) and save it (X again)."""
    w.engine.pause()
    qtbot.waitUntil(lambda: w.engine.replay_clock.paused and bool(w.plots._rows), timeout=5000)
    w.artifact_action.trigger()
    now = w.plots.now_t
    w.plots.selection.bands()[0].setRegion((t0 - now, t1 - now))
    w.artifact_action.trigger()
    assert "saved beside" in w.status.text()


@pytest.mark.slow
def test_a_mark_made_or_removed_during_the_set_sorts_its_reps_again(qtbot, make_window, tmp_path: Path,
                                                                    client_file: Path) -> None:
    w = make_window(person="P11", save_replayed_sets=True)
    assert w.replay.open_recording(client_file, speed=8.0)
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=15000)
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 4, timeout=20000)  # rep 3 scored, counted
    mark_while_paused(qtbot, w, *COUGH)
    done = len(w.drills.set_scores) + len(w.drills.set_left_out)
    assert [r.index + 1 for r in w.drills.set_left_out] == [3] and len(w.drills.set_scores) == done - 1
    assert w.drill_panel.last_rep.text() == "Rep 3 left out: marked artifact"
    qtbot.waitUntil(lambda: f"{done - 1} of 8 reps done" in w.drill_panel.reps.text(), timeout=5000)
    w.artifacts.remove(read_artifacts(client_file)[0])  # taken off again: rep 3 counts again
    assert w.drills.set_left_out == [] and len(w.drills.set_scores) == done
    mark_while_paused(qtbot, w, *COUGH)  # and on again, for the rest of the set
    w.engine.resume()
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=40000)
    assert len(w.drills.set_scores) == 7 and [r.index + 1 for r in w.drills.set_left_out] == [3]
    (row,) = Store(tmp_path / "history.sqlite3").sessions("P11")
    assert row.reps == 7
