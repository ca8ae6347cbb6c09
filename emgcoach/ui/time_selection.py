"""A stretch of time chosen on the plots: a left drag across any row selects it, shown on every row as
a yellow band whose edges (or whole band) can be dragged again; a click elsewhere clears it.

The stretch is held in session seconds, not in the plots' seconds-before-now: while a replay plays the
band scrolls with the signal under it, and what is read back (`span`) is the stretch of signal the user
saw under the band when they let go. (Held in the plots' own seconds, as the first version was, a band
stood still while the signal scrolled past it, and a mark saved a few seconds after the drag was that
many seconds off the stretch that had been chosen.)"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QGraphicsSceneMouseEvent

SELECTION_BRUSH = (255, 193, 7, 70)  # amber, see-through: the signal under it stays readable


class SelectViewBox(pg.ViewBox):
    """A plot's view box that hands left drags and clicks, and right clicks, to a `TimeSelection` (x in
    the plot's seconds) instead of panning; the plots' axes are fixed, so a drag has nothing else to do."""

    def __init__(self, selection: TimeSelection) -> None:
        super().__init__()
        self.selection = selection

    def mousePressEvent(self, ev: QGraphicsSceneMouseEvent) -> None:  # Qt's name
        # where the signal was under the button when it went down: by the time the drag starts (the
        # mouse 5 px on) a playing replay has moved on, and that is the stretch's start the user chose
        if self.selection.enabled and ev.button() == Qt.MouseButton.LeftButton:
            self.selection.pressed(self.mapToView(ev.pos()).x())
        ev.ignore()  # pyqtgraph's scene makes the drag or click of it

    # ev: pyqtgraph's MouseDragEvent / MouseClickEvent (pyqtgraph has no types)
    def mouseDragEvent(self, ev: Any, axis: int | None = None) -> None:  # pyqtgraph's name
        if axis is not None or not self.selection.enabled or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        lo, hi = self.viewRange()[0]  # held to what is on show: past its ends nothing was seen
        x1 = min(max(self.mapSceneToView(ev.scenePos()).x(), lo), hi)
        self.selection.dragged(x1)

    def mouseClickEvent(self, ev: Any) -> None:  # pyqtgraph's name
        if not self.selection.enabled:
            ev.ignore()
            return
        x = self.mapSceneToView(ev.scenePos()).x()
        if ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            self.selection.context(x, ev.screenPos().toPoint())
        elif ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.selection.clicked(x)


class TimeSelection:
    """The chosen stretch (`span`, session s, or None) and its band on each plot row.

    `enabled` turns choosing on (a replay); `on_change()` is called when the user changes the stretch,
    `on_context(t_s, screen_pos)` on a right click at session time t_s. The owner calls `attach` with
    the rows' plots whenever it rebuilds them and `follow(now_t)` on every frame."""

    def __init__(self) -> None:
        self.enabled = False
        self.hint = ""
        self.span: tuple[float, float] | None = None
        self.now_t = float("nan")  # the session time at the plots' 0 s, as last drawn
        self.on_change: Callable[[], None] | None = None
        self.on_context: Callable[[float, QPoint], object] | None = None
        self._plots: list[pg.PlotItem] = []
        self._bands: list[pg.LinearRegionItem] = []
        self._placing = False  # the bands are being moved by follow(), not by the user
        self._press_t = float("nan")  # session s under the left button when it last went down

    def attach(self, plots: list[pg.PlotItem]) -> None:
        """The rows now shown (their old bands went with the old rows)."""
        self._plots, self._bands = list(plots), []
        self._show()
        self._tip()

    def enable(self, on: bool, hint: str = "") -> None:
        """Let a stretch be chosen (or not), with `hint` as the rows' tooltip while it can."""
        self.enabled, self.hint = on, hint
        self._tip()

    def _tip(self) -> None:
        # on the view boxes: a QGraphicsView shows its items' tooltips, never its own
        for plot in self._plots:
            plot.getViewBox().setToolTip(self.hint if self.enabled else "")

    def follow(self, now_t: float) -> None:
        """The plots now end at session time `now_t`: keep the bands on the stretch of signal chosen."""
        if now_t != self.now_t:
            self.now_t = now_t
            self._place()

    def pressed(self, x: float) -> None:
        """The left button went down at x (the plots' s before now): a drag from there starts at the
        signal that was under it then."""
        self._press_t = self.now_t + x

    def dragged(self, x: float) -> None:
        """The button pressed is now held at x (the plots' s before now): the signal from where it went
        down to what is under it now is chosen."""
        t = self.now_t + x
        if not (math.isfinite(t) and math.isfinite(self._press_t)) or t == self._press_t:
            return
        self.set(self._press_t, t)
        if self.on_change is not None:
            self.on_change()

    def context(self, x: float, screen_pos: QPoint) -> None:
        if self.on_context is not None and math.isfinite(self.now_t):
            self.on_context(self.now_t + x, screen_pos)

    def clicked(self, x: float) -> None:
        """A left click at x (the plots' s before now): one beside the stretch drops it."""
        t = self.now_t + x
        if self.span is not None and not self.span[0] <= t <= self.span[1]:
            self.clear()

    def set(self, t0: float, t1: float) -> None:
        """Choose [t0, t1] (session s, either order) and show it."""
        self.span = (min(t0, t1), max(t0, t1))
        self._show()

    def clear(self) -> None:
        """No stretch chosen: its bands go."""
        changed = self.span is not None
        self.span = None
        self._show()
        if changed and self.on_change is not None:
            self.on_change()

    def bands(self) -> list[pg.LinearRegionItem]:
        """The band on each row (none without a stretch)."""
        return list(self._bands)

    def _show(self) -> None:
        """One band per row while a stretch is chosen, none otherwise."""
        want = len(self._plots) if self.span is not None else 0
        if len(self._bands) != want:
            for band in self._bands:
                scene = band.scene()
                if scene is not None:
                    scene.removeItem(band)
            self._bands = []
            for plot in self._plots[:want]:
                band = pg.LinearRegionItem(brush=pg.mkBrush(*SELECTION_BRUSH))
                band.setZValue(10)  # over the traces and the artifact shading
                plot.addItem(band, ignoreBounds=True)
                band.sigRegionChanged.connect(self._moved)
                self._bands.append(band)
        self._place()

    def _place(self) -> None:
        if self.span is None or not math.isfinite(self.now_t):
            return
        self._placing = True
        try:
            for band in self._bands:
                band.setRegion((self.span[0] - self.now_t, self.span[1] - self.now_t))
        finally:
            self._placing = False

    def _moved(self, band: pg.LinearRegionItem) -> None:
        """The user dragged a band (or one of its edges): the stretch is what it now covers, on every row."""
        if self._placing or not math.isfinite(self.now_t):
            return
        lo, hi = band.getRegion()
        if hi <= lo:
            return
        self.span = (self.now_t + float(lo), self.now_t + float(hi))
        self._place()
        if self.on_change is not None:
            self.on_change()
