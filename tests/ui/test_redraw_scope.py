"""What changes many times a second redraws itself and nothing behind it: the window's CPU during a set
(issue 17) went into repainting the window, splitter and panels behind the feedback bars 15 times a
second, and into re-laying out the drill dock at every second of its countdown."""

from __future__ import annotations

import time
from collections import Counter

from PySide6.QtCore import QEvent, QObject, QPoint, QRect
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from emgcoach.coach.live_feedback import Band
from emgcoach.coach.runner import Status


class EventCount(QObject):
    """Counts paint and layout-request events per widget while installed on the application."""

    def __init__(self) -> None:
        super().__init__()
        self.paints: Counter[QObject] = Counter()
        self.layouts: Counter[QObject] = Counter()
        self.painted: list[tuple[QObject, QRect]] = []  # each paint's widget and its rectangle on screen

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # Qt's name
        if ev.type() == QEvent.Type.Paint:
            self.paints[obj] += 1
            if isinstance(obj, QWidget):
                rect = ev.region().boundingRect()
                self.painted.append((obj, QRect(obj.mapToGlobal(rect.topLeft()), rect.size())))
        elif ev.type() == QEvent.Type.LayoutRequest:
            self.layouts[obj] += 1
        return False

    def __enter__(self) -> EventCount:
        QApplication.instance().installEventFilter(self)
        return self

    def __exit__(self, *_: object) -> None:
        QApplication.instance().removeEventFilter(self)


def shown(qtbot, make_window) -> QWidget:
    """A window drawn and settled (nothing painted for 0.2 s: a start repaints it once more, after its
    first frame), so what is painted next is what changed."""
    w = make_window(size=(1024, 700))
    qtbot.waitExposed(w)
    with EventCount() as seen:
        last = [len(seen.painted), time.monotonic()]

        def settled() -> bool:
            if len(seen.painted) != last[0]:
                last[:] = [len(seen.painted), time.monotonic()]
            return time.monotonic() - last[1] > 0.2

        qtbot.waitUntil(settled, timeout=10_000)
    return w


def test_a_bars_new_level_repaints_the_bar_and_not_the_window_behind_it(qtbot, make_window) -> None:
    w = shown(qtbot, make_window)
    view = w.feedback
    band = Band(20.0, 60.0)
    with EventCount() as seen:
        for value in (10.0, 30.0, 45.0, 70.0):
            bar = seen.paints[view.lat_bar]
            view.lat_bar.set_value(value, band, "µV")
            qtbot.waitUntil(lambda: seen.paints[view.lat_bar] > bar)
    assert seen.paints[view.lat_bar] >= 4
    assert view.lat_bar.value_text() == "70 µV"
    on_screen = QRect(view.lat_bar.mapToGlobal(QPoint(0, 0)), view.lat_bar.size())
    behind = [type(o).__name__ for o, rect in seen.painted if o is not view.lat_bar and rect.intersects(on_screen)]
    assert behind == [], f"repainted behind the bars: {behind}"


def test_the_drill_panels_countdown_does_not_re_lay_out_its_dock(qtbot, make_window) -> None:
    w = shown(qtbot, make_window)
    panel = w.drill_panel
    dock = next(d for d in w.findChildren(QDockWidget) if d.widget() is panel)
    panel.show_status(Status("contract", 0, 3.0, "Lift"))
    qtbot.waitUntil(lambda: panel.phase.text() == "Contract  3 s")
    QApplication.processEvents()
    with EventCount() as seen:
        for left in (2.0, 1.0):
            panel.show_status(Status("contract", 0, left, "Lift"))
            qtbot.waitUntil(lambda: seen.paints[panel.phase] >= 3 - left)
    assert panel.phase.text() == "Contract  1 s"
    assert seen.layouts[dock] == 0 and seen.layouts[panel] == 0
    assert seen.paints[dock] == 0 and seen.paints[panel] == 0


def test_a_drill_panel_text_that_needs_more_lines_gets_them(qtbot, make_window) -> None:
    w = shown(qtbot, make_window)
    panel = w.drill_panel
    panel.show_status(Status("hold", 0, 2.0, "Hold"))
    qtbot.waitUntil(lambda: panel.phase.height() > 0)
    one_line = panel.phase.height()
    long_title = "Alternating bird dog, set 2: 7 of 8 reps on target, glute after lat on every rep"
    panel.phase.setText(long_title)
    qtbot.waitUntil(lambda: panel.phase.height() >= 2 * one_line)
    assert not panel.phase.is_elided()
