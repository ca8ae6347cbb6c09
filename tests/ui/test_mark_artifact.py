"""Marking an artifact in a replay: a drag across the plots (or the stretch the first X puts up) selects
a stretch on every row, X saves it beside the recording (its sidecar) and shades it, and a right click
on the shading (or Shift+X) takes the mark off again; reopening shows the marks the file keeps. What is
saved is the stretch of signal the user dragged over, however long the replay plays on before X."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from emgcoach.coach.session_analysis import analyze_with_reps
from emgcoach.io.artifacts import read_artifacts, sidecar_path
from emgcoach.io.open import read_recording
from emgcoach.ui.main_window import MainWindow

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "bird_dog_sim.xdf"  # reps at 3-6, 9-12, ... s


def mouse(w: MainWindow, kind: QEvent.Type, x: float, y: float, button: Qt.MouseButton,
          held: Qt.MouseButton) -> None:
    """One mouse event at (x, y) px on the plots, as a user's hand makes it."""
    view = w.plots.layout_widget.viewport()
    pos = QPointF(x, y)
    QApplication.sendEvent(view, QMouseEvent(kind, pos, view.mapToGlobal(pos), button, held,
                                             Qt.KeyboardModifier.NoModifier))


def press(w: MainWindow, x: float, y: float) -> None:
    mouse(w, QEvent.Type.MouseButtonPress, x, y, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)


def drag_on(w: MainWindow, x0: float, x1: float, y: float) -> None:
    """The pressed left button dragged from x0 to x1 and let go."""
    left = Qt.MouseButton.LeftButton
    mouse(w, QEvent.Type.MouseMove, (x0 + x1) / 2, y, Qt.MouseButton.NoButton, left)
    mouse(w, QEvent.Type.MouseMove, x1, y, Qt.MouseButton.NoButton, left)
    mouse(w, QEvent.Type.MouseButtonRelease, x1, y, left, Qt.MouseButton.NoButton)


def drag(w: MainWindow, x0: float, x1: float, y: float) -> None:
    press(w, x0, y)
    drag_on(w, x0, x1, y)


def right_click(w: MainWindow, x: float, y: float) -> None:
    right = Qt.MouseButton.RightButton
    mouse(w, QEvent.Type.MouseButtonPress, x, y, right, right)
    mouse(w, QEvent.Type.MouseButtonRelease, x, y, right, Qt.MouseButton.NoButton)


def row_geometry(w: MainWindow, row: int = 0) -> tuple[float, float, float]:
    """A row's plot area on the plots' viewport (px): where its left edge is, where its right edge ends,
    and its middle height."""
    vb = w.plots._rows[row][2].getViewBox()
    rect = w.plots.layout_widget.viewportTransform().mapRect(vb.sceneBoundingRect())
    return rect.left(), rect.right(), rect.center().y()


def px_of(w: MainWindow, t_s: float, row: int = 0) -> float:
    """Where session time t_s is drawn now (viewport px)."""
    vb = w.plots._rows[row][2].getViewBox()
    return float(w.plots.layout_widget.mapFromScene(vb.mapViewToScene(QPointF(t_s - w.plots.now_t, 0.0))).x())


def open_paused_at(qtbot, w: MainWindow, path: Path, t_s: float) -> None:
    assert w.replay.open_recording(path, speed=8.0)
    qtbot.waitUntil(lambda: w.engine is not None and w.engine.replay_clock.now_s() > t_s, timeout=15000)
    w.replay.toggle_play()
    qtbot.waitUntil(lambda: w.engine.replay_clock.paused and bool(w.plots._rows), timeout=5000)


@pytest.fixture
def session(tmp_path: Path) -> Path:
    path = tmp_path / "session.xdf"
    shutil.copy(DEMO, path)
    return path


def test_the_stretch_x_puts_up_is_saved_beside_the_file_and_shaded(qtbot, make_window,
                                                                    session: Path) -> None:
    w = make_window()
    w.artifact_action.trigger()  # nothing replays: it says so
    assert "open one first" in w.status.text()
    open_paused_at(qtbot, w, session, 6.0)
    assert all("Drag across the signal" in r[2].getViewBox().toolTip() for r in w.plots._rows)  # the hint
    w.artifact_action.trigger()
    now = w.plots.now_t
    assert w.plots.selection_s() == pytest.approx((now - 2.0, now - 1.0)) and "Drag" in w.status.text()
    bands = w.plots.selection.bands()
    assert len(bands) == len(w.plots._rows)  # on every row
    bands[1].setRegion((-3.0, -2.5))  # the user drags the band on the second row: every row follows
    assert bands[0].getRegion() == pytest.approx((-3.0, -2.5))
    w.artifact_action.trigger()
    marks, warning = read_artifacts(session)
    assert warning == "" and len(marks) == 1
    assert (marks[0].start_s, marks[0].end_s) == pytest.approx((now - 3.0, now - 2.5), abs=1e-3)
    assert w.plots.selection_s() is None and not w.plots.selection.bands()
    assert w.plots.artifacts == [(marks[0].start_s, marks[0].end_s)]
    qtbot.waitUntil(lambda: len(w.plots._shades) == len(w.plots._rows), timeout=2000)
    assert "saved beside" in w.status.text()
    assert w.replay.open_recording(session, speed=8.0)  # opened again: its marks are shown
    assert w.plots.artifacts == [(marks[0].start_s, marks[0].end_s)]


def test_a_drag_while_playing_saves_the_stretch_dragged_over_however_late_x_comes(qtbot, make_window,
                                                                                   session: Path) -> None:
    w = make_window(size=(1024, 700))
    assert w.replay.open_recording(session, speed=2.0)
    qtbot.waitUntil(lambda: bool(w.plots._rows) and w.plots.now_t > 8.0, timeout=15000)
    left, right, y = row_geometry(w)
    x0, x1 = left + 0.4 * (right - left), left + 0.6 * (right - left)
    s_per_px = w.plots.window_s / (right - left)

    def under(x: float) -> float:  # the session time drawn at x px now, read off the plot's axis
        return w.plots.now_t - w.plots.window_s + (x - left) * s_per_px

    press(w, x0, y)  # playing: the signal scrolls left under the mouse
    seen0 = under(x0)
    pressed_at = w.plots.now_t
    qtbot.waitUntil(lambda: w.plots.now_t > pressed_at + 0.5, timeout=5000)  # the hand stays still a while
    drag_on(w, x0, x1, y)
    seen = (seen0, under(x1))  # what was under the mouse when it went down, and when it let go
    now = w.plots.now_t
    chosen = w.plots.selection_s()
    assert chosen is not None and chosen == pytest.approx(seen, abs=s_per_px)
    assert "Selected" in w.status.text()
    qtbot.waitUntil(lambda: w.plots.now_t > now + 2.0, timeout=15000)  # plays on for 2 s of signal
    assert w.plots.selection_s() == chosen  # the stretch is the signal's, not the screen's
    band = w.plots.selection.bands()[0].getRegion()  # and its band scrolled left with the signal
    assert band == pytest.approx((chosen[0] - w.plots.now_t, chosen[1] - w.plots.now_t), abs=1e-9)
    assert band[0] < seen[0] - now - 2.0
    w.artifact_action.trigger()
    marks, _ = read_artifacts(session)
    assert [(m.start_s, m.end_s) for m in marks] == [pytest.approx(seen, abs=s_per_px)]


def test_a_mark_removed_from_the_plots_menu_leaves_the_sidecar_and_its_rep_counts_again(
        qtbot, make_window, session: Path) -> None:
    reps = len(analyze_with_reps(read_recording(session))[1].reps)
    w = make_window(size=(1024, 700))
    open_paused_at(qtbot, w, session, 9.0)
    _, _, y = row_geometry(w)
    drag(w, px_of(w, 4.0), px_of(w, 5.0), y)  # a cough inside the rep at 3-6 s
    w.artifact_action.trigger()
    marks, _ = read_artifacts(session)
    assert len(marks) == 1 and marks[0].start_s == pytest.approx(4.0, abs=0.05)
    result, scored = analyze_with_reps(read_recording(session))
    assert len(scored.reps) == reps - 1 and [r["start_s"] for r in result.excluded_reps] == [pytest.approx(3.0, abs=0.01)]
    qtbot.waitUntil(lambda: len(w.plots._shades) == len(w.plots._rows), timeout=2000)

    right_click(w, px_of(w, 4.5), y)  # on the shading: its menu offers to take the mark off
    menu = w.artifacts.menu
    assert menu is not None
    remove = [a for a in menu.actions() if a.text().startswith("Remove artifact mark")]
    assert len(remove) == 1 and "4.0-5.0 s" in remove[0].text()
    remove[0].trigger()
    assert not os.path.exists(sidecar_path(session))
    assert w.plots.artifacts == [] and "removed" in w.status.text()
    qtbot.waitUntil(lambda: not w.plots._shades, timeout=2000)
    result, scored = analyze_with_reps(read_recording(session))
    assert len(scored.reps) == reps and result.excluded_reps == []  # the rep counts again


def test_remove_artifact_mark_takes_the_one_in_view_or_the_ones_selected(qtbot, make_window,
                                                                          session: Path) -> None:
    w = make_window()
    w.unmark_artifact_action.trigger()
    assert "open one first" in w.status.text()
    open_paused_at(qtbot, w, session, 9.0)
    w.unmark_artifact_action.trigger()
    assert "No artifact mark here" in w.status.text()
    for t0 in (2.0, 6.5):
        w.plots.selection.set(t0, t0 + 0.5)
        w.artifact_action.trigger()
    assert len(read_artifacts(session)[0]) == 2
    w.unmark_artifact_action.trigger()  # two in view: which one is for the user to say
    assert "2 artifact marks in view" in w.status.text() and len(read_artifacts(session)[0]) == 2
    w.plots.selection.set(6.0, 8.0)
    w.unmark_artifact_action.trigger()
    assert [(m.start_s, m.end_s) for m in read_artifacts(session)[0]] == [(2.0, 2.5)]
    assert w.plots.artifacts == [(2.0, 2.5)] and w.plots.selection_s() is None
    w.unmark_artifact_action.trigger()  # the one left in view
    assert not os.path.exists(sidecar_path(session)) and w.plots.artifacts == []


def test_a_selection_ends_at_the_plots_edge_stays_on_a_click_inside_and_goes_on_a_click_beside(
        qtbot, make_window, session: Path) -> None:
    w = make_window(size=(1024, 700))
    open_paused_at(qtbot, w, session, 9.0)
    left, right, y = row_geometry(w)
    drag(w, left + 0.5 * (right - left), right + 40, y)  # let go past the right edge: no further than now
    chosen = w.plots.selection_s()
    assert chosen is not None and chosen[1] == pytest.approx(w.plots.now_t, abs=1e-9)
    left_button = Qt.MouseButton.LeftButton
    for kind, held in ((QEvent.Type.MouseButtonPress, left_button),
                       (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
        mouse(w, kind, left + 0.75 * (right - left), y, left_button, held)  # a click inside keeps it
    assert w.plots.selection_s() == chosen
    for kind, held in ((QEvent.Type.MouseButtonPress, left_button),
                       (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
        mouse(w, kind, left + 0.2 * (right - left), y, left_button, held)  # one beside it drops it
    assert w.plots.selection_s() is None and not w.plots.selection.bands()


def test_the_bundled_demo_is_not_marked(qtbot, make_window) -> None:
    from emgcoach.data import demo_recording

    demo = demo_recording()
    w = make_window()
    open_paused_at(qtbot, w, demo, 3.0)
    w.plots.selection.set(1.0, 2.0)
    w.artifact_action.trigger()
    assert "kept as shipped" in w.status.text() and not os.path.exists(sidecar_path(demo))
