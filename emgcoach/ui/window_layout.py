"""How the main window's parts share its room: its first size on a screen, the left panel giving way on
a narrow window, the sensors panel's height, and the first split of plots | feedback. Sizes in pixels."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QSplitter, QWidget

LEFT_PANEL_SHARE = 0.25  # of the window's width, at most, when the window is narrow
FEEDBACK_SHARE = 0.42  # of plots + feedback, at first (then as the user drags it)


def first_size(window: QMainWindow) -> None:
    """1400 x 850 where the screen has room, else all of it (a 1024 x 768 clinic laptop)."""
    screen = window.screen().availableGeometry() if window.screen() is not None else None
    if screen is None or screen.width() < 1400 or screen.height() < 850:
        w, h = (screen.width(), screen.height()) if screen is not None else (1024, 700)
        window.resize(min(1400, w), min(850, h))
    else:
        window.resize(1400, 850)


def fit_left_panel(window: QMainWindow, docks: Sequence[QDockWidget]) -> None:
    """The left panel (`docks` docked there) gives way on a narrow window: at most a quarter of its width
    (or the least the panel can take), so the plots and the feedback keep theirs."""
    left = Qt.DockWidgetArea.LeftDockWidgetArea
    docks = [d for d in docks if d.isVisible() and not d.isFloating() and window.dockWidgetArea(d) == left]
    if not docks:
        return
    least = max(d.minimumSizeHint().width() for d in docks)
    limit = max(least, int(LEFT_PANEL_SHARE * window.width()))
    if max(d.width() for d in docks) > limit:
        window.resizeDocks(docks, [limit] * len(docks), Qt.Orientation.Horizontal)
        layout = window.layout()  # a QMainWindow always has its own
        if layout is not None:
            layout.activate()  # now, not on the next event loop pass: the split is sized after this


def scrolling(panel: QWidget) -> QScrollArea:
    """`panel` in a frameless vertical scroll area: a dock that cannot have the height it asks for scrolls
    instead of squeezing its rows until their text is cut."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    fit_width(area)
    return area


MAX_PANEL_WIDTH = 280  # px: a left panel wider than this would push a 1024 px window off the screen


def fit_width(area: QScrollArea) -> None:
    """As wide as its panel needs beside a vertical scroll bar, up to MAX_PANEL_WIDTH; a wider panel (a
    sensor's long name in its box's title) scrolls sideways rather than widening the window."""
    panel = area.widget()
    if panel is not None:
        need = panel.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width()
        area.setMinimumWidth(min(need, MAX_PANEL_WIDTH))


def fit_dock_height(window: QMainWindow, dock: QDockWidget) -> None:
    """Give a left dock the height its panel asks for (the dock below gives way as far as it can; what
    does not fit scrolls)."""
    if dock.isFloating() or not dock.isVisible() or window.dockWidgetArea(dock) != Qt.DockWidgetArea.LeftDockWidgetArea:
        return
    area = dock.widget()
    panel = area
    if isinstance(area, QScrollArea):  # its boxes came or went: as wide as they need
        fit_width(area)
        panel = area.widget()
    want = panel.sizeHint().height() + (dock.height() - area.height())
    left = Qt.DockWidgetArea.LeftDockWidgetArea
    below = [d for d in window.findChildren(QDockWidget) if d is not dock and d.isVisible() and not d.isFloating()
             and window.dockWidgetArea(d) == left]
    # the docks below keep the least their panels need (title and frame included): past that, this one scrolls
    room = dock.height() + sum(d.widget().height() - d.widget().minimumSizeHint().height() for d in below)
    want = min(want, room)
    if dock.height() < want:
        window.resizeDocks([dock], [want], Qt.Orientation.Vertical)


def first_split(split: QSplitter) -> None:
    """Plots | feedback before the user has dragged it: the feedback column is read from across the room,
    so it gets two fifths."""
    total = sum(split.sizes())
    split.setSizes([total - int(FEEDBACK_SHARE * total), int(FEEDBACK_SHARE * total)])
