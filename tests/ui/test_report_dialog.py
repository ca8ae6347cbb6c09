"""Reports on the user's terms: File > Report on the last set... and the drill panel's Report..., for any
scored set (recorded or not), with notes and a folder, opening what it wrote, never touching the
recording. Sets come from a fast replay that the window coaches by itself (offscreen; waits on conditions)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from emgcoach.io.open import read_recording
from emgcoach.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
SIM = ROOT / "recordings" / "bird_dog_sim.xdf"  # a bird-dog set of simulated sensors, uncalibrated


@pytest.fixture
def window(make_window) -> MainWindow:
    w = make_window(person="P11")
    opened: list[Path] = []
    w.drills.open_file = lambda p: opened.append(Path(p)) or True  # the desktop's PDF viewer, here a list
    w.opened = opened
    return w


def run_a_set(qtbot, w: MainWindow, tmp_path: Path, record: bool = False) -> None:
    """Replay a copy of the simulated set fast; the window coaches the set the file holds."""
    copy = Path(shutil.copy(SIM, tmp_path / "client.xdf"))
    assert w.replay.open_recording(copy, speed=16.0)
    if record:
        w.engine.pause()
        assert w.recording.toggle_recording()
        w.engine.resume()
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=10000)
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=30000)
    assert w.drills.last_set is not None and w.drills.last_set.scores


def test_no_set_no_report(qtbot, window: MainWindow) -> None:
    w = window
    assert not w.report_action.isEnabled() and not w.drill_panel.report_button.isEnabled()
    assert w.report_action in w.menuBar().actions()[0].menu().actions()  # in the File menu
    assert w.drills.open_report() is None and "No set to report" in w.status.text()


def test_a_set_not_recorded_reports_its_scores_with_notes_where_chosen(qtbot, window: MainWindow,
                                                                      tmp_path: Path) -> None:
    w = window
    run_a_set(qtbot, w, tmp_path)
    assert w.engine.recording_path is None  # nothing was recorded
    assert w.report_action.isEnabled() and w.drill_panel.report_button.isEnabled()
    qtbot.mouseClick(w.drill_panel.report_button, Qt.LeftButton)
    dialog = w.drills.report_dialog
    assert dialog is not None and dialog.isVisible()
    assert "not recorded" in dialog.trace.text()
    scores = w.drills.last_set.scores
    hits = sum(s.hit for s in scores)
    assert f"{hits} of {len(scores)} reps on target" in dialog.what.text()
    assert dialog.folder.text() == str(tmp_path / "recs")  # where recordings are saved, by default
    dialog.notes.setPlainText("Cued the lat first; client felt the glute on reps 5-8")
    dialog.folder.setText(str(tmp_path / "reports"))
    dialog.write_button.click()
    assert not dialog.isVisible()
    html, pdf = dialog.written
    assert html.parent == tmp_path / "reports" and pdf.suffix == ".pdf" and pdf.stat().st_size > 5_000
    page = html.read_text(encoding="utf-8")
    assert "Cued the lat first" in page and "no trace" in page
    assert f"{hits} of {len(scores)}" in page  # the verdicts the client saw
    assert w.opened == [pdf] and str(pdf) in w.status.text()
    # the next report starts where this one went
    again = w.drills.open_report()
    assert again.folder.text() == str(tmp_path / "reports")
    again.reject()


def test_reporting_while_recording_leaves_the_recording_running(qtbot, window: MainWindow, tmp_path: Path) -> None:
    w = window
    run_a_set(qtbot, w, tmp_path, record=True)
    recording = w.engine.recording_path
    assert recording and w.drills.last_set.recording == recording
    dialog = w.drills.open_report()
    assert "recorded so far" in dialog.trace.text() and Path(recording).name in dialog.trace.text()
    dialog.folder.setText(str(tmp_path / "reports"))
    dialog.write_button.click()
    assert dialog.written is not None
    assert w.engine.recording_path == recording and w.record_action.isChecked()  # still recording
    w.recording.mark("note", {"text": "after the report"})  # the same file goes on
    assert w.recording.toggle_recording() == recording and w.engine.recording_path is None
    markers = read_recording(recording).markers
    assert [m.payload.get("text") for m in markers if m.kind == "note"] == ["after the report"]
    assert [m.kind for m in markers].count("drill_end") == 1


def test_an_unwritable_folder_is_one_line_in_the_dialog(qtbot, window: MainWindow, tmp_path: Path) -> None:
    w = window
    run_a_set(qtbot, w, tmp_path)
    dialog = w.drills.open_report()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dialog.folder.setText(str(blocker / "reports"))
    dialog.write_button.click()
    assert dialog.isVisible() and dialog.written is None  # stays open, to choose another folder
    assert str(blocker) in dialog.error.text() and "\n" not in dialog.error.text()
    assert w.opened == []


def test_a_second_report_of_the_same_replay_does_not_replace_the_first(qtbot, window: MainWindow, tmp_path: Path) -> None:
    w = window
    run_a_set(qtbot, w, tmp_path)
    first = w.drills.open_report()
    first.folder.setText(str(tmp_path / "reports"))
    first.notes.setPlainText("first set")
    first.write_button.click()
    html1 = first.written[0]
    second = w.drills.open_report()  # the same set's start (the recording's): its default name moves on
    assert second.out_base() != html1.with_suffix("")
    second.name.setText(html1.stem)  # ... and the user typing the old name is asked first
    second.notes.setPlainText("second set")
    second.write_button.click()
    assert second.written is None and "exists" in second.error.text() and second.isVisible()
    assert "first set" in html1.read_text(encoding="utf-8")
    second.write_button.click()  # again: replace it
    assert second.written is not None and "second set" in html1.read_text(encoding="utf-8")


def test_a_report_no_application_opens_says_so(qtbot, window: MainWindow, tmp_path: Path) -> None:
    w = window
    run_a_set(qtbot, w, tmp_path)
    w.drills.open_file = lambda p: False  # no PDF viewer on this machine
    dialog = w.drills.open_report()
    dialog.folder.setText(str(tmp_path / "reports"))
    dialog.write_button.click()
    assert dialog.written is not None and "no application here opens PDF files" in w.status.text()
