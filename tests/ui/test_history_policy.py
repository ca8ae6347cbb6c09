"""The history holds only what the client did, in the window: a replay saves nothing unless the user
turns on File > Save replayed sets (and a bundled recording never); a set cut short by a seek, a stop or
quitting is not saved when replayed and saved marked incomplete when live; a replayed set is saved once,
with the verdicts it was given live; a recording started after calibration carries it.

Replays run fast (8-16x) offscreen; every wait is on a condition (qtbot.waitUntil)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings

from emgcoach.cli import main
from emgcoach.coach.calibration import Calibration, MuscleCalibration
from emgcoach.coach.drills import load_library
from emgcoach.coach.store import Store
from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording
from emgcoach.ui.main_window import MainWindow
from tests.ui.replay_steps import play_into_set
from tests.coach.live_recording import write_live_set

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = demo_recording()
OLD_RULES = {2: {"hit": False, "misses": ["glute_late"], "cue": "Glute late: press the leg back as the arm starts to reach"}}


@pytest.fixture(scope="module")
def live_file(tmp_path_factory: pytest.TempPathFactory):
    """A set recorded live (not bundled): 8 reps, its verdicts 6 on target (one given by older rules)."""
    return write_live_set(tmp_path_factory.mktemp("live") / "client-set.xdf", verdict_changes=OLD_RULES)


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(person="P11")


def sessions(tmp_path: Path) -> list:
    with Store(tmp_path / "history.sqlite3") as store:
        return store.sessions("P11")


def replay_set(qtbot, w: MainWindow, path: Path, drill_start_s: float, speed: float = 16.0) -> None:
    """Open `path`, let its calibration be applied, and play from just before its set, which the window
    then coaches by itself."""
    assert w.replay.open_recording(path, speed=speed)
    if any(m.kind == "calibration" for m in read_recording(path).markers):
        qtbot.waitUntil(lambda: w.calibration is not None, timeout=15000)
    play_into_set(qtbot, w, drill_start_s)


def test_a_replay_saves_nothing_unless_asked(qtbot, window: MainWindow, live_file, tmp_path: Path) -> None:
    assert not window.save_replays_action.isChecked()  # the default
    replay_set(qtbot, window, live_file.path, live_file.drill_start_s)
    qtbot.waitUntil(lambda: window.drills.runner is None, timeout=30000)
    assert len(window.drills.set_scores) == 8
    assert "a replay, not saved" in window.status.text()
    assert sessions(tmp_path) == []


def test_a_replay_saved_when_asked_holds_its_live_verdicts_once(qtbot, window: MainWindow, live_file,
                                                                tmp_path: Path) -> None:
    window.save_replays_action.trigger()
    assert window.settings.value("save_replayed_sets", type=bool)  # remembered
    replay_set(qtbot, window, live_file.path, live_file.drill_start_s)
    qtbot.waitUntil(lambda: window.drills.runner is None, timeout=30000)
    assert sum(s.hit for s in window.drills.set_scores) == 7  # what the replay's scoring made of it today...
    (row,) = sessions(tmp_path)
    assert (row.reps, row.hits, row.complete) == (8, 6, True)  # ...but the history holds what the app said live
    assert "6 of 8 reps on target" in window.status.text() and "saved to P11's history" in window.status.text()
    replay_set(qtbot, window, live_file.path, live_file.drill_start_s)  # the same set again: no twin
    qtbot.waitUntil(lambda: window.drills.runner is None, timeout=30000)
    assert len(sessions(tmp_path)) == 1 and "already in P11's history" in window.status.text()


def test_a_bundled_recording_is_never_saved(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.save_replays_action.setChecked(True)
    start = next(m.time_s for m in read_recording(BUNDLED).markers if m.kind == "drill_start")
    replay_set(qtbot, window, BUNDLED, start)
    qtbot.waitUntil(lambda: window.drills.runner is None, timeout=30000)
    assert len(window.drills.set_scores) == 8 and "bundled recording, never saved" in window.status.text()
    assert sessions(tmp_path) == []


def test_a_seek_cuts_a_replayed_set_which_is_then_saved_once_whole(qtbot, window: MainWindow, live_file,
                                                                   tmp_path: Path) -> None:
    window.save_replays_action.setChecked(True)
    # 8x, not 16x: the seek must come while the set still runs, also when other tests load both cores
    replay_set(qtbot, window, live_file.path, live_file.drill_start_s, speed=8.0)
    qtbot.waitUntil(lambda: len(window.drills.set_scores) >= 2, timeout=15000)
    window.replay.seek(live_file.drill_start_s - 1.0)
    assert window.drills.runner is None and "cut short by the seek, not saved" in window.status.text()
    assert sessions(tmp_path) == []
    qtbot.waitUntil(lambda: window.drills.runner is not None, timeout=5000)  # coached again from its start
    qtbot.waitUntil(lambda: window.drills.runner is None, timeout=30000)
    (row,) = sessions(tmp_path)
    assert row.reps == 8 and row.complete


def test_stopping_a_replayed_set_saves_nothing(qtbot, window: MainWindow, live_file, tmp_path: Path) -> None:
    window.save_replays_action.setChecked(True)
    replay_set(qtbot, window, live_file.path, live_file.drill_start_s)
    qtbot.waitUntil(lambda: len(window.drills.set_scores) >= 1, timeout=15000)
    window.drills.toggle_drill()  # S
    assert window.drills.runner is None and "replayed set stopped early, not saved" in window.status.text()
    assert sessions(tmp_path) == []


def test_quitting_during_a_replayed_set_saves_no_partial_twin(qtbot, tmp_path: Path, live_file) -> None:
    s = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    s.setValue("store_path", str(tmp_path / "history.sqlite3"))
    s.setValue("save_replayed_sets", True)
    s.setValue("welcome_seen", True)
    w = MainWindow(s)
    qtbot.addWidget(w)
    w.show()
    w.drill_panel.person.setText("P11")
    replay_set(qtbot, w, live_file.path, live_file.drill_start_s)
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=30000)  # the whole set: saved
    assert len(sessions(tmp_path)) == 1
    replay_set(qtbot, w, live_file.path, live_file.drill_start_s)
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 1, timeout=15000)
    w.close()  # Ctrl+Q in the middle of the set
    (row,) = sessions(tmp_path)
    assert row.reps == 8  # the one whole set, no 1-rep partial beside it


def _short_drill(w: MainWindow, reps: int = 3):
    short = replace(load_library(include_user=False)["bird_dog"], id="bird_dog_short", reps=reps, setup_s=2.0)
    w.drill_panel.drills[short.id] = short
    w.drill_panel.drill.addItem(short.name + f" ({reps} reps)", short.id)
    w.drill_panel.select(short.id)
    w.library[short.id] = short
    return short


@pytest.mark.slow
def test_a_live_set_cut_short_is_saved_marked_incomplete(qtbot, window: MainWindow, tmp_path: Path) -> None:
    w = window
    w.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: w.engine.stream_stats(0).samples > 2000, timeout=10000)
    _short_drill(w)
    assert w.drills.start_drill()
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 1, timeout=30000)
    w.drills.toggle_drill()  # stopped with S after a rep or two of three
    assert "saved as incomplete" in w.status.text() or "saved to P11's history as incomplete" in w.status.text()
    (row,) = sessions(tmp_path)
    assert not row.complete and 1 <= row.reps < 3
    with Store(tmp_path / "history.sqlite3") as store:
        (progress,) = store.progress("P11", "bird_dog_short")
    assert progress["complete"] is False and progress["planned_reps"] == 3
    assert w.drills.start_drill()  # and quitting during a live set keeps what the client did, marked so
    qtbot.waitUntil(lambda: len(w.drills.set_scores) >= 1, timeout=30000)
    w.close()
    first, second = sessions(tmp_path)
    assert not second.complete and second.reps >= 1


def test_a_recording_started_after_calibration_reads_in_pct_mvc(qtbot, window: MainWindow, tmp_path: Path,
                                                                capsys) -> None:
    """Calibrated, then R: the file carries the calibration, so `analyze` of it gives %MVC, as shown live
    and re-scored; and a recording of a coached replay holds each set once."""
    w = window
    copy = tmp_path / "uncalibrated.xdf"  # a set with no calibration in its file
    shutil.copy(ROOT / "recordings" / "bird_dog_sim.xdf", copy)
    assert w.replay.open_recording(copy, speed=8.0)
    w.engine.pause()
    cal = Calibration("P11", "2026-12-02T10:00:00", (
        MuscleCalibration("latissimus_dorsi", "left", 3.0, 1.0, 3.0, 1.0, 1000.0, (1000.0,)),
        MuscleCalibration("gluteus_maximus", "right", 3.0, 1.0, 3.0, 1.0, 400.0, (400.0,))))
    w.calibrator.apply_calibration(cal)
    recording = w.recording.toggle_recording()
    assert recording
    w.engine.resume()
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=10000)
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=30000)  # the file ends inside the library's longer set
    w.recording.toggle_recording()
    markers = read_recording(recording).markers
    applied = [m for m in markers if m.kind == "calibration"]
    assert applied and applied[0].payload["step"] == "applied"
    assert applied[0].payload["calibration"]["created"] == cal.created
    assert [m.kind for m in markers].count("drill_start") == 1  # the app's, not also the replayed file's
    assert not [m for m in markers if m.kind == "rep" and "hit" not in m.payload]  # no simulated truth copied
    for extra in ((), ("--rescore",)):
        assert main(["analyze", recording, "--json", *extra]) == 0
        d = json.loads(capsys.readouterr().out)
        assert d["reps"] and all(r["calibrated"] and r["mean_pct_mvc"]["lat"] is not None for r in d["reps"]), extra
        assert d["calibration"].startswith("calibrated 2026-12-02 10:00")
        assert d["pairs"][0]["cci_basis"] == "mvc"  # the whole file's index on the same calibration
        assert all(r["cci"] is not None and r["overlap"] > 0.5 for r in d["reps"]), extra  # both muscles worked
    assert d["source"] == "rescored"
