"""Coaching in the window, offscreen, on a copy of a bundled drill session replayed fast (a copy, with
'Save replayed sets' on, stands for a client's own recording: the bundled file itself is never saved):
the calibration wizard follows the recorded rest and efforts, a drill set counts every rep and cues the
late one, the set lands in the history, the history view plots it, and the report is written from the
recording."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings

from emgcoach.coach.calibration import protocol
from emgcoach.coach.fatigue import live_text
from emgcoach.coach.store import Store
from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording
from emgcoach.types import Marker
from emgcoach.ui.main_window import MainWindow
from tests.ui.replay_steps import play_into_set, seek_paused

SESSION = demo_recording()


@cache  # read when a test first needs it, not by every worker that collects this module
def markers() -> list[Marker]:
    return read_recording(SESSION).markers


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(person="P11", save_replayed_sets=True)


@pytest.fixture
def client_file(tmp_path: Path) -> Path:
    """The bundled session as a client's recording (outside the bundled folder)."""
    return Path(shutil.copy(SESSION, tmp_path / "P11_bird_dog.xdf"))


@pytest.mark.slow
def test_wizard_calibrates_then_drill_set_counts_reps_cues_and_saves(qtbot, window: MainWindow, tmp_path: Path,
                                                                     client_file: Path) -> None:
    w = window
    assert w.replay.open_recording(client_file, speed=8.0, follow_drills=False)
    qtbot.waitUntil(lambda: w.engine.stream_stats(0).samples > 0, timeout=5000)
    cal_start = next(m.time_s for m in markers() if m.kind == "calibration")
    seek_paused(qtbot, w, cal_start)
    steps = protocol([("latissimus_dorsi", "left"), ("gluteus_maximus", "right")], rest_s=5, efforts=3, effort_s=4, recover_s=3)
    wizard = w.calibrator.open_calibration(steps, paced=False)  # the steps as the recording did them, back to back
    assert wizard is not None
    wizard.start()
    w.engine.resume()
    qtbot.waitUntil(lambda: wizard.summary is not None, timeout=20000)
    assert wizard.summary.ok and wizard.accept_button.isEnabled() and w.calibration is None  # not before Accept
    wizard.accept_button.click()
    assert w.calibration is not None
    assert {m.muscle for m in w.calibration.muscles} == {"latissimus_dorsi", "gluteus_maximus"}
    assert "Calibrated" in w.drill_panel.calibration.text()
    assert Store(tmp_path / "history.sqlite3").latest_calibration("P11") is not None
    # now the drill: bars in %MVC, every rep found, the late one cued
    drill_start = next(m.time_s for m in markers() if m.kind == "drill_start")
    seek_paused(qtbot, w, drill_start)
    w.drill_panel.select("bird_dog")
    assert w.recording.toggle_recording()  # record the set so it can be reported
    assert w.drills.start_drill()
    w.engine.resume()
    qtbot.waitUntil(lambda: "Contract" in w.drill_panel.phase.text(), timeout=10000)
    qtbot.waitUntil(lambda: w.feedback.lat_bar.unit == "%MVC", timeout=10000)
    # the bars show the drill's own bands, the ones its reps are scored against
    targets = w.drill_panel.current_drill().targets
    assert (w.feedback.lat_bar.band.lo, w.feedback.lat_bar.band.hi) == (targets.lat_lo, targets.lat_hi)
    assert w.feedback.glute_bar.band.lo == targets.glute_min
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=30000)
    scores = w.drills.set_scores
    assert len(scores) == 8
    missed = [s for s in scores if not s.hit]
    assert len(missed) == 1 and missed[0].misses == ("glute_late",)
    assert "8 of 8" in w.drill_panel.reps.text() or "Rep 8 of 8" in w.drill_panel.reps.text()
    assert "7 of 8 reps on target" in w.status.text() and "history" in w.status.text()
    (row,) = Store(tmp_path / "history.sqlite3").sessions("P11")
    assert row.reps == 8 and row.hits == 7 and row.drills == ("bird_dog",)
    # the report, with the recording still running: it reads the trace so far and leaves the file alone
    recording = w.engine.recording_path
    opened = []
    w.drills.open_file = lambda p: opened.append(p) or True
    report = w.drills.open_report()
    report.folder.setText(str(tmp_path / "reports"))
    report.write_button.click()
    assert report.written is not None and all(Path(p).stat().st_size > 10_000 for p in report.written)
    assert opened == [report.written[1]] and w.engine.recording_path == recording
    # and the history view shows the session
    dialog = w.open_history()
    assert dialog.drill.currentData() == "bird_dog" and dialog.drill.currentText() == "Bird dog" and dialog.table.rowCount() == 1
    x, y = dialog.level_curve.getData()
    assert len(x) == 1 and 20 < y[0] < 40  # glute %MVC of the set
    w.grab().save(str(tmp_path / "coach.png"))


def test_drill_without_sensors_says_why(qtbot, window: MainWindow) -> None:
    assert not window.drills.start_drill()
    assert "needs sensors" in window.status.text()
    assert not window.drill_panel.start_button.isChecked()


@pytest.mark.slow
def test_replaying_a_coached_session_follows_its_calibration_and_drill(qtbot, window: MainWindow,
                                                                       client_file: Path) -> None:
    w = window
    assert w.replay.open_recording(client_file, speed=16.0)
    qtbot.waitUntil(lambda: w.calibration is not None, timeout=10000)  # analysed off the Qt thread
    assert "Calibrated" in w.drill_panel.calibration.text()
    drill_start = next(m.time_s for m in markers() if m.kind == "drill_start")
    play_into_set(qtbot, w, drill_start)  # the set starts by itself at its recorded start
    assert w.drills.runner.start_s == drill_start
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 3, timeout=20000)
    # after each rep the column shows the set's median-frequency trend, counted over the reps so far
    trend = w.feedback.fatigue
    assert trend is not None
    qtbot.waitUntil(lambda: "%/rep (" in trend.text() and not trend.isHidden(), timeout=5000)
    assert int(trend.text().split("(")[1].split()[0]) >= 2
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=30000)
    assert len(w.drills.set_scores) == 8 and sum(s.hit for s in w.drills.set_scores) == 7
    assert trend.text().split(" %/rep")[0] == live_text(w.drills.set_scores).split(" %/rep")[0]
    assert "(8 reps)" in trend.text()  # every rep with its MDF, as the set report has them
    # the set goes into the client's history once, dated when it was recorded; replayed again: no twin
    store = w.store()
    (row,) = store.sessions("P11")
    recorded = read_recording(SESSION).started_at  # the file header's date, not the day of the replay
    assert recorded and row.started.startswith(recorded[:10]) and row.recording == str(client_file.resolve())
    later = [replace(sc, start_s=sc.start_s + 60.0) for sc in w.drills.set_scores]  # another set of the file
    assert store.saved_from("P11", row.recording, later) is None
    # 8x: the seek below must come while the set still runs, also when other tests load both cores
    assert w.replay.open_recording(client_file, speed=8.0)
    play_into_set(qtbot, w, drill_start)
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 2, timeout=10000)
    w.replay.seek(drill_start - 1.0)  # back: the set is cut short (not kept) and coached again from its start
    assert w.drills.runner is None and "cut short by the seek, not saved" in w.status.text()
    assert w.drill_panel.phase.text() == "Set stopped" and w.drill_panel.reps.text() == ""
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=5000)
    assert trend.isHidden()  # a new set starts without the last one's trend
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=30000)
    assert len(w.drills.set_scores) == 8
    assert len(store.sessions("P11")) == 1 and "already in P11's history" in w.status.text()


def test_a_recordings_calibration_does_not_follow_into_the_next_file(qtbot, window: MainWindow) -> None:
    w = window
    assert w.replay.open_recording(SESSION, speed=4.0)
    qtbot.waitUntil(lambda: w.calibration is not None, timeout=10000)
    other = Path(__file__).resolve().parents[2] / "recordings" / "bird_dog_sim.xdf"  # no calibration in it
    assert w.replay.open_recording(other, speed=4.0)
    assert w.calibration is None and "Not calibrated" in w.drill_panel.calibration.text()
    qtbot.waitUntil(lambda: w.feedback.lat_bar.unit == "µV" and w.engine.stream_stats(0).samples > 4000, timeout=10000)


def test_broken_user_drills_file_gives_one_message_and_the_builtins(qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    bad = tmp_path / "drills.toml"
    bad.write_text("[[drill]]\nid = 'x'\n")
    monkeypatch.setattr("emgcoach.coach.drills.user_drills_path", lambda: bad)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: None)
    s = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    s.setValue("welcome_seen", True)
    w = MainWindow(s)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.errors_shown) == 1, timeout=3000)
    assert str(bad) in w.errors_shown[0] and "using the built-in drills" in w.errors_shown[0]
    assert "bird_dog" in w.library and "x" not in w.library
    w.close()


def test_levels_in_microvolts_keep_the_calibrated_targets(qtbot, window: MainWindow, tmp_path: Path) -> None:
    w = window
    assert w.preferences.units == "pct" and w.preferences.units_actions["pct"].isChecked()  # the default
    assert w.replay.open_recording(SESSION, speed=4.0)
    qtbot.waitUntil(lambda: w.feedback.lat_bar.unit == "%MVC", timeout=15000)
    w.preferences.units_actions["uv"].trigger()  # Feedback > Levels in > µV
    qtbot.waitUntil(lambda: w.feedback.lat_bar.unit == "µV", timeout=3000)
    assert "Calibrated: levels in µV" in w.feedback.mode.text()
    lat, _ = w.sensors.sling()
    rest, mvc = w.engine.calibration_uv(*lat)
    assert 0 <= rest < mvc
    band = w.feedback.lat_bar.band  # the drill's lat band (%MVC), in µV through the lat's own calibration
    t = w.drill_panel.current_drill().targets
    assert band.lo == pytest.approx(rest + t.lat_lo / 100 * (mvc - rest))
    assert band.hi == pytest.approx(rest + t.lat_hi / 100 * (mvc - rest))
    again = MainWindow(w.settings)  # remembered
    qtbot.addWidget(again)
    assert again.preferences.units == "uv" and again.preferences.units_actions["uv"].isChecked()
    again.close()


def test_the_clients_calibration_holds_for_live_sensors_and_follows_role_changes(qtbot, window: MainWindow) -> None:
    """A calibration on file for the client applies to simulated (live-paced) sensors too, not only to
    replays: bars in %MVC from the first frames; a channel moved to an uncalibrated muscle loses it."""
    from emgcoach.coach.calibration import Calibration, MuscleCalibration

    cal = Calibration("P07", "2026-11-30T09:00:00", (
        MuscleCalibration("latissimus_dorsi", "left", 3.0, 1.0, 3.0, 1.0, 200.0, (200.0,)),
        MuscleCalibration("gluteus_maximus", "right", 3.0, 1.0, 3.0, 1.0, 120.0, (120.0,))))
    window.calibrator.apply_calibration(cal)  # as at start-up for the last client: no session yet
    window.sensors.add_simulated_sensors()
    engine = window.engine
    qtbot.waitUntil(lambda: engine.stream_stats(0).samples > 2000, timeout=10000)
    assert engine.stream_stats(0).calibrated and engine.calibration_uv(0, 0) == (3.0, 200.0)
    assert engine.calibration_uv(0, 1) == (3.0, 120.0)
    qtbot.waitUntil(lambda: window.feedback.lat_bar.unit == "%MVC", timeout=5000)
    window.sensors.role_changed(0, 1, "gluteus_maximus", "left")  # glute channel now the (uncalibrated) left glute
    qtbot.waitUntil(lambda: np.isnan(engine.calibration_uv(0, 1)[1]), timeout=5000)
    assert engine.calibration_uv(0, 0) == (3.0, 200.0)


@pytest.mark.slow
def test_simulated_sensors_follow_the_calibration_and_a_drill_set(qtbot, window: MainWindow) -> None:
    """Without hardware, "Add simulated sensors" gives a client who rests and pushes when the wizard says
    and contracts in the set's phases: the calibration succeeds and the set's reps are scored."""
    from emgcoach.coach.drills import load_library

    w = window
    w.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: w.engine.stream_stats(0).samples > 4000, timeout=10000)
    steps = protocol([("latissimus_dorsi", "left"), ("gluteus_maximus", "right")], rest_s=3, efforts=1,
                     effort_s=3, recover_s=2)
    wizard = w.calibrator.open_calibration(steps)
    # the scenario: the wizard open, the client settles, as one would before pressing Start (1.5 s of signal)
    t0 = w.engine.session_time_s()
    qtbot.waitUntil(lambda: w.engine.session_time_s() >= t0 + 1.5, timeout=5000)
    wizard.start_button.click()

    def ready_when_asked() -> bool:  # the client is in position as soon as the wizard asks
        if wizard.ready_button.isEnabled():
            wizard.ready_button.click()
        return wizard.summary is not None

    qtbot.waitUntil(ready_when_asked, timeout=30000)
    wizard.accept_button.click()
    mvc = {m.muscle: m.mvc_uv / m.rest_uv for m in w.calibration.muscles}
    assert mvc["latissimus_dorsi"] > 20 and mvc["gluteus_maximus"] > 20, mvc  # efforts well above rest
    short = replace(load_library(include_user=False)["bird_dog"], id="bird_dog_short", reps=3, setup_s=2.0)
    w.drill_panel.drills[short.id] = short
    w.drill_panel.drill.addItem(short.name + " (3 reps)", short.id)
    w.drill_panel.select(short.id)
    assert w.drills.start_drill()
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=40000)
    assert len(w.drills.set_scores) == 3 and all(s.calibrated for s in w.drills.set_scores)
    assert sum(s.hit for s in w.drills.set_scores) >= 2  # one rep in eight comes late on purpose
