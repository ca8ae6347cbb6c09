"""The small things a user trips on (issue 12): marks in the recording's own time, the Open dialog where
recordings are, history cells that do not edit, the replay state said as it is (sensor panel, status line,
replay bar), a Help menu, plot rows on one time axis in pixels, the onset cue after a seek back, and the
units warning for a file that looks like mV."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFileDialog, QTableWidget

from emgcoach.data import demo_recording
from emgcoach.io.xdf_reader import read_xdf
from emgcoach.ui.main_window import MainWindow

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "bird_dog_sim.xdf"


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


def _seconds(text: str) -> float:
    m, s = re.search(r"Marked (\d+):(\d+\.\d)", text).groups()
    return 60 * int(m) + float(s)


def test_a_mark_says_its_time_in_the_recording(qtbot, window: MainWindow) -> None:
    w = window
    assert w.replay.open_recording(DEMO, speed=4.0)
    clock = w.engine.replay_clock
    qtbot.waitUntil(lambda: clock.now_s() > 12.0, timeout=10000)  # the session clock is well past 0
    path = w.recording.toggle_recording()
    began = clock.now_s()
    qtbot.waitUntil(lambda: clock.now_s() > began + 4.0, timeout=10000)
    w.recording.mark("note", {"text": "here"})
    shown = _seconds(w.status.text())
    assert "in the recording" in w.status.text() and 3.5 < shown < 6.0, w.status.text()  # not 0:16
    qtbot.waitUntil(lambda: clock.now_s() > began + 6.0, timeout=10000)
    w.recording.toggle_recording()
    (note,) = [m for m in read_xdf(path).markers if m.kind == "note"]
    assert note.time_s == pytest.approx(shown, abs=0.15)  # where the file has it


def test_the_open_dialog_starts_where_recordings_are(qtbot, window: MainWindow, settings: QSettings, tmp_path: Path,
                                                     monkeypatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda _p, _t, start, _f: (asked.append(start), ("", ""))[1])
    (tmp_path / "recs").mkdir()
    window.replay.open_dialog()
    assert asked[-1] == str(tmp_path / "recs")
    other = tmp_path / "elsewhere"
    other.mkdir()
    settings.setValue("last_file", str(other / "old.xdf"))  # then where the last file came from
    window.replay.open_dialog()
    assert asked[-1] == str(other)


def test_history_cells_do_not_edit(qtbot, window: MainWindow) -> None:
    from emgcoach.coach.drills import load_library
    from emgcoach.coach.runner import DrillRunner
    from tests.coach.conftest import feed_runner

    runner = DrillRunner(load_library(include_user=False)["bird_dog"], (0, 0), (0, 1))
    feed_runner(runner, "bird_dog")
    window.store().save_session("P03", "2026-12-01T10:00:00", runner.scores)
    window.drill_panel.person.setText("P03")
    dialog = window.open_history()
    table = dialog.table
    assert table.rowCount() == 1
    index = table.model().index(0, 1)
    table.setCurrentIndex(index)
    table.edit(index)  # what a double-click or F2 asks for
    assert table.state() != QAbstractItemView.EditingState and table.editTriggers() == QAbstractItemView.NoEditTriggers


def test_replay_state_is_said_as_it_is(qtbot, window: MainWindow) -> None:
    w = window
    assert w.transport.position.text() == "no replay"  # not '0:00 / 0:00'
    assert w.replay.open_recording(DEMO, speed=2.0)
    status = lambda: w.devices._boxes[0][1].text() if w.devices._boxes else ""
    qtbot.waitUntil(lambda: status().startswith("replaying |"), timeout=5000)  # a file, not 'streaming'
    assert w.status.text() == f"Replaying {DEMO.name}"
    w.replay.toggle_play()
    qtbot.waitUntil(lambda: status().startswith("paused |") and w.status.text().startswith("Paused at "), timeout=5000)
    assert DEMO.name in w.status.text()
    w.replay.seek(20.0)  # paused, the time it says follows a seek
    qtbot.waitUntil(lambda: w.status.text().startswith("Paused at 0:20"), timeout=5000)
    w.replay.toggle_play()
    qtbot.waitUntil(lambda: w.status.text() == f"Replaying {DEMO.name}", timeout=5000)
    w.status.setText("Bird dog: 7 of 8 reps on target")  # another message is not overwritten by a pause
    w.replay.toggle_play()
    qtbot.waitUntil(lambda: status().startswith("paused |"), timeout=5000)
    qtbot.waitUntil(lambda: w.transport.play.text() == "Play", timeout=5000)
    assert w.status.text() == "Bird dog: 7 of 8 reps on target"
    w.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: status().startswith("streaming |"), timeout=5000)  # sensors do stream


def test_help_menu_lists_the_shortcuts(qtbot, window: MainWindow) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in titles
    window.shortcuts_action.trigger()
    table = window.help_dialog.findChild(QTableWidget)
    rows = {table.item(i, 1).text(): table.item(i, 0).text() for i in range(table.rowCount())}
    assert rows["Play / pause"] == "Space" and rows["Record"] == "R" and rows["Keyboard shortcuts"] == "F1"
    window.about_action.trigger()
    assert "emgcoach" in window.help_dialog.windowTitle()


def test_plot_rows_share_one_time_axis_in_pixels(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Rows whose tick labels differ in width ('-5' beside '-5000') still start their time axis at one x."""
    rate = 1000.0
    rng = np.random.default_rng(5)
    x = rng.standard_normal((int(10 * rate), 2)) * np.array([3.0, 3000.0])
    path = tmp_path / "two_sizes.csv"
    np.savetxt(path, np.column_stack([np.arange(len(x)) / rate, x]), delimiter=",",
               header="time_s,lat_left (uV),glute_right (uV)", comments="", fmt="%.4f")
    assert window.replay.open_recording(path, speed=4.0)
    plots = window.plots
    qtbot.waitUntil(lambda: plots.points_drawn > 0 and len(plots._rows) == 2
                    and plots._y_limit.get(1, 0) >= 100 * plots._y_limit.get(0, 1e9), timeout=5000)
    window.engine.pause()
    window.plots.layout_widget.ci.layout.activate()  # the rows laid out for the tick labels they now have
    QApplication.processEvents()
    lefts = {round(r[2].vb.sceneBoundingRect().left(), 1) for r in window.plots._rows}
    widths = {round(r[2].vb.sceneBoundingRect().width(), 1) for r in window.plots._rows}
    assert len(lefts) == 1 and len(widths) == 1, (lefts, widths)


def test_the_onset_cue_goes_after_a_seek_back_before_it(qtbot, window: MainWindow) -> None:
    w = window
    assert w.replay.open_recording(DEMO, speed=8.0)
    qtbot.waitUntil(lambda: w.feedback.onset_label.text().startswith("Lat first"), timeout=15000)
    assert w.cues.onset_cue_t is not None and w.cues.onset_cue_t > 3.0
    w.replay.seek(1.0)  # before the rep whose latency is shown
    qtbot.waitUntil(lambda: w.feedback.onset_label.text() == "Onset order: waiting for a rep", timeout=5000)


def test_a_file_that_looks_like_millivolts_says_so(qtbot, window: MainWindow, tmp_path: Path) -> None:
    rate = 1000.0
    t = np.arange(int(20 * rate)) / rate
    rng = np.random.default_rng(3)
    x = 0.004 * rng.standard_normal((len(t), 2))  # 4 µV of noise, written as mV
    burst = (t % 4.0) < 1.0
    x[burst] += 0.3 * rng.standard_normal((int(burst.sum()), 2))  # 300 µV bursts
    path = tmp_path / "in_mv.csv"
    np.savetxt(path, np.column_stack([t, x]), delimiter=",", header="time_s,lat_left,glute_right", comments="",
               fmt="%.6f")
    assert window.replay.open_recording(path)
    text = window.status.text()
    assert text.startswith("Replaying in_mv.csv (check the units:") and "look like mV" in text
    assert "emgcoach replay in_mv.csv --unit mV" in text
    assert window.replay.open_recording(path, unit="mV")  # told: no warning
    assert window.status.text() == "Replaying in_mv.csv"


def test_a_second_start_while_a_set_runs_is_refused_and_reps_count_once(qtbot, window: MainWindow) -> None:
    w = window
    assert w.replay.open_recording(DEMO, speed=16.0)  # the replay starts the file's set by itself
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=10000)
    running = w.drills.runner
    assert not w.drills.start_drill() and "under way" in w.status.text() and w.drills.runner is running
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 3 or w.drills.runner is None, timeout=30000)
    indices = [s.index for s in w.drills.set_scores]
    assert len(indices) >= 3 and len(set(indices)) == len(indices)  # each rep once


@pytest.mark.slow
def test_during_a_set_the_onset_cue_says_what_the_rep_verdict_says(qtbot, window: MainWindow) -> None:
    # the big 'Lat first, glute +N ms' and the drill panel's 'glute +N ms' come from one onset detector,
    # on the set's own baseline (not the calibration's prone rest), so client and therapist read one number
    w = window
    assert w.replay.open_recording(demo_recording(), speed=8.0)  # calibrated, then a set
    qtbot.waitUntil(lambda: w.calibration is not None, timeout=15000)
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=20000)
    cues: list[str] = []
    show = w.feedback.show_onset
    w.feedback.show_onset = lambda cue: (cues.append(cue), show(cue))  # every cue the client saw
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 5 or w.drills.runner is None, timeout=30000)
    scores = list(w.drills.set_scores)
    assert len(scores) >= 5 and any(not s.hit for s in scores)  # the file's late rep (the 5th) among them
    for score in scores:
        # and a pair outside the drill's window says so, as its verdict will
        note = ": glute late" if "glute_late" in score.misses else ""
        assert f"Lat first, glute +{score.onset_latency_ms:.0f} ms{note}" in cues


def test_an_empty_history_says_so_and_the_dialog_closes(qtbot, window: MainWindow) -> None:
    window.drill_panel.person.setText("P404")
    dialog = window.open_history()
    assert dialog.empty.isVisible() and not dialog.plots.isVisible()
    assert "No client's sets are saved yet" in dialog.empty.text()  # nobody in the history at all
    from PySide6.QtWidgets import QDialogButtonBox

    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Close).click()
    assert not dialog.isVisible()


def test_typing_the_client_keeps_a_replays_own_calibration(qtbot, window: MainWindow) -> None:
    w = window
    assert w.replay.open_recording(demo_recording(), speed=4.0)  # calibrated in the file
    qtbot.waitUntil(lambda: w.calibration is not None, timeout=15000)
    cal = w.calibration
    w.drill_panel.person.setText("P09")  # a client with no calibration of their own today
    w.calibrator.person_changed()
    assert w.calibration is cal and "Calibrated" in w.drill_panel.calibration.text()
