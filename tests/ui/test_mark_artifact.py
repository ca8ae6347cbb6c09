"""Marking an artifact in a replay: the first 'Mark artifact' shows a stretch on the plots, the second
saves it beside the recording (its sidecar) and shades it on every row; reopening shows it again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings

from emgcoach.io.artifacts import read_artifacts
from emgcoach.ui.main_window import MainWindow

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "bird_dog_sim.xdf"


def test_mark_artifact_saves_the_selection_beside_the_file_and_shades_it(qtbot, settings: QSettings,
                                                                           tmp_path: Path) -> None:
    path = tmp_path / "session.xdf"
    shutil.copy(DEMO, path)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    try:
        w.artifact_action.trigger()  # nothing replays: it says so
        assert "open one first" in w.status.text()
        assert w.replay.open_recording(path, speed=8.0)
        qtbot.waitUntil(lambda: w.engine is not None and w.engine.replay_clock.now_s() > 6.0, timeout=15000)
        w.replay.toggle_play()  # paused: the plots hold still while a stretch is chosen
        qtbot.wait(100)
        w.artifact_action.trigger()
        assert w.plots.selection is not None and "Drag" in w.status.text()
        w.plots.selection.setRegion((-3.0, -2.0))
        expected = w.plots.now_t - 3.0, w.plots.now_t - 2.0
        w.artifact_action.trigger()
        marks, warning = read_artifacts(path)
        assert warning == "" and len(marks) == 1
        assert (marks[0].start_s, marks[0].end_s) == pytest.approx(expected, abs=1e-3)
        assert w.plots.selection is None and w.plots.artifacts == [(marks[0].start_s, marks[0].end_s)]
        qtbot.waitUntil(lambda: len(w.plots._shades) == len(w.plots._rows), timeout=2000)
        assert "saved beside" in w.status.text()
        assert w.replay.open_recording(path, speed=8.0)  # opened again: its marks are shown
        assert w.plots.artifacts == [(marks[0].start_s, marks[0].end_s)]
    finally:
        w.close()
