"""The window on a 1024 x 700 clinic laptop: nothing clipped (before a session, mid-set and at a set's
end), the left panel gives way to the plots and the feedback, and the countdown is big enough to read
from 3 m."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording
from emgcoach.ui.feedback import COUNTDOWN_MM
from emgcoach.ui.main_window import MainWindow
from tests.ui.replay_steps import play_into_set
from tests.ui.clipping import clipped_text

SESSION = demo_recording()
SIZE = (1024, 700)


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(person="P07", size=SIZE)


def _settled(qtbot, w: MainWindow) -> list[str]:
    """Let the layout settle, then what is clipped."""
    w.frames = -1
    w.tick()
    qtbot.wait(50)  # layout requests are posted events: let them run (not a wait for the replay)
    return clipped_text(w)


def test_the_checker_finds_a_clipped_label(qtbot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    lay = QVBoxLayout(box)
    lay.setSizeConstraint(QVBoxLayout.SetNoConstraint)  # a window smaller than its labels want, as on a small screen
    long = QLabel("a label far too long for the forty pixels it is given")
    wrapped = QLabel("wrapped, but given one line for three " * 3)
    wrapped.setWordWrap(True)
    lay.addWidget(long)
    lay.addWidget(wrapped)
    box.resize(40, 40)
    box.show()
    problems = clipped_text(box)
    assert any("far too long" in p for p in problems) and any("wrapped, but" in p for p in problems), problems


def test_nothing_is_clipped_at_1024_x_700(qtbot, window: MainWindow, tmp_path: Path) -> None:
    w = window
    assert (w.width(), w.height()) == SIZE  # it fits: the window's minimum is no wider or taller
    assert _settled(qtbot, w) == []  # before any session
    assert w.replay.open_recording(SESSION, speed=8.0)
    qtbot.waitUntil(lambda: w.calibration is not None, timeout=15000)
    start = next(m.time_s for m in read_recording(SESSION).markers if m.kind == "drill_start")
    play_into_set(qtbot, w, start)
    qtbot.waitUntil(lambda: w.drills.runner is not None and len(w.drills.set_scores) >= 1
                    and w.drills.runner.status(w.engine.replay_clock.now_s()).phase == "hold", timeout=20000)
    w.engine.pause()
    assert w.feedback.banner.isVisible()
    problems = _settled(qtbot, w)
    assert problems == [], "\n".join(problems)  # mid-set: countdown, bars with values, gauge, rep verdict
    # the left panel gave way: the plots keep more than 400 px, the feedback column a third
    assert w.drill_dock.width() <= 0.26 * SIZE[0] and w.sensors_dock.width() <= 0.26 * SIZE[0]
    assert w.plots.width() >= 400 and w.feedback.width() >= 0.3 * SIZE[0]
    w.grab().save(str(tmp_path / "midset.png"))
    w.engine.resume()
    qtbot.waitUntil(lambda: w.drills.runner is None, timeout=30000)
    assert w.feedback.summary.isVisible()
    assert _settled(qtbot, w) == []  # the set's summary in the feedback column


def test_the_countdown_reads_from_3_m(qtbot, window: MainWindow) -> None:
    """ISO 9241-303: characters of 16 minutes of arc; at 3 m, 14 mm."""
    countdown = window.feedback.banner.countdown
    assert COUNTDOWN_MM >= 14.0 and countdown.digit_height_mm() >= COUNTDOWN_MM


def test_a_long_miss_cue_in_the_drill_panel_gives_way_whole_in_its_tooltip(qtbot, window: MainWindow) -> None:
    """The set's lines come before the drill's description: at 1024 x 700 a three-line miss cue is shown
    whole while the description gives way; on a lower window the cue too gives way, whole in its tooltip,
    and nothing is cut top and bottom."""
    w = window
    assert w.replay.open_recording(SESSION, speed=1.0)  # a session: the left panel narrows to its share
    qtbot.waitUntil(lambda: w.engine is not None and w.engine.replay_clock.now_s() > 1.0, timeout=10000)
    panel = w.drill_panel
    panel.set_running(True)
    panel.phase.setText("Release  1 s")
    panel.show_reps(5, 4, 8)
    cue = "Glute late: press the leg back as the arm starts to reach (glute +262 ms)"
    panel.show_rep(False, cue[:cue.index(" (")], 262.0)
    problems = _settled(qtbot, w)
    assert problems == [], "\n".join(problems)  # (a word-wrapped QLabel was cut top and bottom here)
    assert panel.last_rep.text() == cue and not panel.last_rep.is_elided() and panel.last_rep.toolTip() == ""
    assert panel.last_rep.shown_lines() >= 3 and panel.about.is_elided()  # the description gave way
    w.resize(SIZE[0], 560)
    problems = _settled(qtbot, w)
    assert problems == [], "\n".join(problems)
    assert panel.last_rep.height() >= panel.last_rep.fontMetrics().lineSpacing()
    assert panel.last_rep.is_elided() and panel.last_rep.toolTip() == cue
    # the texts gave way, not the fields: the entry and the drop-down keep their height (they were
    # squeezed to half, their text cut, beside texts that would not give way)
    for field in (panel.person, panel.drill):
        assert field.height() >= field.minimumSizeHint().height(), (field, field.height())
    assert panel.last_rep.palette().windowText().color().name() == "#ef6c00"  # a miss, in amber


def _four_sensors(qtbot, w: MainWindow) -> None:
    w.sensors.add_simulated_sensors(both_slings=True)
    qtbot.waitUntil(lambda: w.engine.n_streams == 2 and all(w.engine.stream_stats(s).samples > 2000 for s in range(2)),
                    timeout=10000)
    qtbot.waitUntil(lambda: len(w.plots._rows) == 4, timeout=5000)
    _settled(qtbot, w)


def test_four_sensors_fit_at_1024_x_700(qtbot, window: MainWindow) -> None:
    """Both slings on the clinic laptop: four plot rows whose axis titles fit beside them, both sensors'
    boxes whole in their (scrolling) panel, the feedback column whole."""
    w = window
    _four_sensors(qtbot, w)
    # no wider than the screen: four bars and two gauges side by side held it 11 px wider (80 under X)
    assert w.width() <= SIZE[0] and w.minimumSizeHint().width() <= SIZE[0], (w.width(), w.minimumSizeHint())
    for part in (w.sensors_dock, w.feedback):
        problems = clipped_text(part)
        assert problems == [], "\n".join(problems)
    for _s, _ch, plot, _raw, _env in w.plots._rows:
        axis = plot.getAxis("left")
        title = axis.label.boundingRect().width()  # drawn turned on its side: its length runs up the row
        assert title <= axis.height(), f"{axis.labelText!r}: {title:.0f} px beside a {axis.height():.0f} px row"


def test_four_sensors_leave_the_drill_panel_whole_at_1024_x_700(qtbot, window: MainWindow) -> None:
    _four_sensors(qtbot, window)
    problems = clipped_text(window.drill_dock)
    assert problems == [], "\n".join(problems)
