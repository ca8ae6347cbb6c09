"""Live plots: raw EMG and its envelope per channel on one scrolling time axis (pyqtgraph)."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QVBoxLayout, QWidget

from emgcoach.stream.engine import Engine
from emgcoach.ui.decimate import WindowDecimator
from emgcoach.ui.theme import Theme, theme_named
from emgcoach.ui.time_selection import SelectViewBox, TimeSelection

MAX_BINS = 1200  # about one bin per pixel column of a wide plot: more points cannot be seen
MIN_BINS = 200

TRACE_WIDTH = 1  # width 2 costs about 1 ms a frame in raster painting
STALL_S = 0.5  # live: no sample from any stream for this long and the time axis moves on in real time
# Every row's left axis is this wide, so one moment sits at the same x in every row: with axes sized to
# their own tick labels ('-200' beside '400'), rows were 7-15 px apart, which misstates a 50-150 ms onset
# order on a 10 s window. Room for a label, '-20000' and the ticks.
AXIS_WIDTH = 76


SHORT_MUSCLE = {"latissimus_dorsi": "lat", "gluteus_maximus": "glute"}
FULL_LABEL_ROWS = 2  # more rows than this (four sensors) are too low for 'latissimus dorsi left (µV)'


def row_label(muscle: str, side: str, n_rows: int) -> str:
    """A plot row's axis title: the muscle and side in full ('latissimus dorsi left'), or as a coach says
    them ('lat left') when there are more rows than two, so the title fits beside its row."""
    name = SHORT_MUSCLE.get(muscle, muscle) if n_rows > FULL_LABEL_ROWS else muscle
    return name.replace("_", " ") + ("" if side == "none" else f" {side}")


def nice_ceiling(x: float) -> float:
    """The smallest 1-2-5 x 10^n at or above x (x > 0): axis limits that change in a few steps."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * decade >= x * (1 - 1e-12):
            return float(m * decade)
    return float(10 * decade)


def _window(seconds: float | str) -> float:
    """A plot window in s, held to 5-30 s (10 s for anything that is not a number)."""
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return 10.0
    return float(min(30.0, max(5.0, s))) if np.isfinite(s) else 10.0


class Trace(QGraphicsItem):
    """A polyline that always spans its plot's visible window, drawn straight from a QPolygonF whose
    points are written in place from numpy (`points(n)`, then `changed()`).

    pyqtgraph's PlotCurveItem builds a new QPainterPath on every setData and does a round of option
    checks on every paint: for these 8 curves, twice the time the painting itself took (profiled).
    The bounding rectangle is the visible window, set by the owner, instead of being recomputed from
    the data. Gaps (NaN) are drawn as separate pieces through a path, which is the rare case."""

    def __init__(self, pen: QPen) -> None:
        super().__init__()
        self.pen = QPen(pen)
        self.antialias = bool(pg.getConfigOption("antialias"))
        self.window_rect = QRectF()
        self._poly = QPolygonF()
        self._xy = np.empty((0, 2))  # a view of _poly's memory: (x, y) per point
        self._gappy: QPainterPath | None = None

    def points(self, n: int) -> np.ndarray:
        """The (n, 2) float64 array of (x, y) to fill in; valid until the next call."""
        if n != len(self._xy):
            self._poly.resize(n)
            # VoidPtr's stub has only VoidPtr(int), and no buffer protocol: shiboken6 takes (pointer, size,
            # writable) and numpy reads the memory through the buffer it exports
            mem = shiboken6.VoidPtr(self._poly.data(), 16 * n, True) if n else b""  # type: ignore[call-arg, arg-type]
            self._xy = np.frombuffer(mem, dtype=np.float64).reshape(n, 2)  # type: ignore[arg-type]
        return self._xy

    def changed(self) -> None:
        """The points were written: check for gaps and schedule a repaint."""
        y = self._xy[:, 1]
        if not np.isfinite(np.add.reduce(y)):  # one pass: a NaN (or inf) anywhere makes the sum one
            self._gappy = pg.arrayToQPath(self._xy[:, 0], y, connect="finite")
        else:
            self._gappy = None
        self.update()

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of what is drawn (for tests and inspection)."""
        return self._xy[:, 0].copy(), self._xy[:, 1].copy()

    def boundingRect(self) -> QRectF:  # Qt's name
        return self.window_rect

    def paint(self, p: QPainter, *_: object) -> None:
        if not len(self._xy):
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        p.setPen(self.pen)
        if self._gappy is None:
            p.drawPolyline(self._poly)
        else:
            p.drawPath(self._gappy)


class SignalPlots(QWidget):
    """One row per channel of every stream: raw µV in grey and its 6 Hz envelope in orange (the feedback
    bars follow the low-lag envelope instead; two envelopes on one plot read as clutter).

    `refresh(engine)` pulls the newest `window_s` seconds from the ring buffers; call it on the UI timer.
    The time axis is fixed, in seconds before now (the newest sample of any stream sits at 0; a stream
    that went quiet slides left, its gap growing at the right), and the amplitude axis
    moves only in 1-2-5 steps when the signal outgrows it or shrinks below a quarter of it: axes that
    do not move every frame are not redrawn every frame, which is most of a frame's cost in pyqtgraph.
    A stream with no new samples since the last frame (paused replay, a sensor that went quiet) is not
    redrawn at all.
    """

    def __init__(self, window_s: float | str = 10.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_s = _window(window_s)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.ci.layout.setVerticalSpacing(16)  # one row's lowest tick label clear of the next's highest
        # the background is one colour: filled where repainted, not copied from a viewport-sized pixmap (pyqtgraph's
        # CacheBackground), a copy Qt's raster engine hands to its thread pool, 60 times a second (profiled)
        self.layout_widget.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.layout_widget)
        self._rows: list[tuple[int, int, pg.PlotItem, Trace, Trace]] = []
        self._layout_key: tuple = ()  # (each stream's channels, the row labels) drawn
        self.points_drawn = 0
        self.newest_t = float("nan")
        self._y_limit: dict[int, float] = {}  # row -> current +- limit in µV
        self._decimators: dict[int, WindowDecimator] = {}  # stream -> its display bins
        self._shown: dict[int, tuple[int, float, float, int]] = {}  # stream -> (end, origin, newest t, n) on screen
        self._offset: dict[int, float] = {}  # stream -> s its traces sit left of "now" (a stream gone quiet)
        self.now_t = float("nan")  # the session time at the plots' 0 s
        self._newest_seen = (float("nan"), 0.0)  # newest sample time of any stream, and when it last advanced
        self._engine: Engine | None = None
        self.artifacts: list[tuple[float, float]] = []  # marked stretches (session s), shaded on every row
        self._shades: list[pg.LinearRegionItem] = []
        self.selection = TimeSelection()  # a stretch chosen by a drag (session s), banded on every row
        self.theme: Theme = theme_named(None)
        self.layout_widget.setBackground(self.theme.plot_background)

    def set_theme(self, theme: Theme) -> None:
        """Draw in the theme's colours (the plots are rebuilt on the next refresh)."""
        self.theme = theme
        self.layout_widget.setBackground(theme.plot_background)
        self._layout_key = ()

    def set_window(self, seconds: float) -> None:
        """Show the last `seconds` (5-30 s)."""
        self.window_s = _window(seconds)
        for i, row in enumerate(self._rows):
            row[2].setXRange(-self.window_s, 0.0, padding=0)
            self._set_rects(i)

    def begin_selection(self) -> None:
        """Choose a stretch to start from (1 s, ending 1 s before now), to be dragged where it belongs."""
        if self._rows and np.isfinite(self.now_t):
            self.selection.set(self.now_t - 2.0, self.now_t - 1.0)

    def selection_s(self) -> tuple[float, float] | None:
        """The chosen stretch in session s (None without one)."""
        return self.selection.span

    def end_selection(self) -> None:
        self.selection.clear()

    def set_artifacts(self, spans: list[tuple[float, float]]) -> None:
        """Shade these stretches (session s) on every row from the next refresh on."""
        self.artifacts = list(spans)
        self._shade()

    def _shade(self) -> None:
        """Put the shaded artifact stretches where they sit relative to now on each row."""
        want = len(self.artifacts) * len(self._rows)
        if len(self._shades) != want:
            for item in self._shades:
                scene = item.scene()
                if scene is not None:
                    scene.removeItem(item)
            self._shades = []
            for r in self._rows:
                for _ in self.artifacts:
                    item = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(158, 158, 158, 90),
                                               pen=pg.mkPen(158, 158, 158))  # edges grey too: yellow is a selection
                    r[2].addItem(item, ignoreBounds=True)
                    self._shades.append(item)
        if not np.isfinite(self.now_t):
            return
        for k, item in enumerate(self._shades):
            t0, t1 = self.artifacts[k % len(self.artifacts)]
            item.setRegion((t0 - self.now_t, t1 - self.now_t))

    def _build(self, engine: Engine, labels: dict[tuple[int, int], str]) -> None:
        self.layout_widget.clear()
        self._shades = []
        self._rows = []
        self._y_limit = {}
        self._decimators = {}
        self._shown = {}
        self._offset = {}
        fg = self.theme.plot_foreground
        for s in range(engine.n_streams):
            for ch, spec in enumerate(engine.buffers(s).channels):
                p = self.layout_widget.addPlot(row=len(self._rows), col=0, viewBox=SelectViewBox(self.selection))
                for name in ("left", "bottom"):
                    p.getAxis(name).setPen(fg)
                    p.getAxis(name).setTextPen(fg)
                p.setLabel("left", labels.get((s, ch), spec.label), units="µV", color=fg)
                p.getAxis("left").enableAutoSIPrefix(False)  # every row in µV: no mV row beside a µV one
                p.getAxis("left").setWidth(AXIS_WIDTH)
                # no grid: replaying its picture every frame was half the frame's cost
                p.setMouseEnabled(x=False, y=False)
                p.setMenuEnabled(False)
                p.hideButtons()
                p.hideAxis("bottom")
                p.disableAutoRange()
                p.setXRange(-self.window_s, 0.0, padding=0)
                p.setYRange(-100.0, 100.0, padding=0)
                # The left axis's ticks reach 5 px into the plot, so every frame's repaint of the plot
                # repaints the axis too: keep it as a pixmap (redrawn only when its ticks change).
                for name in ("left", "bottom"):
                    p.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                # data arrive decimated to about a min/max pair per pixel (ui/decimate.py), kept between frames
                raw = Trace(pg.mkPen(self.theme.raw, width=TRACE_WIDTH))  # cosmetic: width in pixels
                env = Trace(pg.mkPen(self.theme.envelope, width=TRACE_WIDTH))
                p.addItem(raw, ignoreBounds=True)
                p.addItem(env, ignoreBounds=True)
                self._rows.append((s, ch, p, raw, env))
        for i in range(len(self._rows)):
            self._set_rects(i)
        self.selection.attach([r[2] for r in self._rows])
        if self._rows:
            last = self._rows[-1][2]
            last.showAxis("bottom")
            last.setLabel("bottom", "seconds before now", units="s", color=fg)

    def refresh(self, engine: Engine | None, labels: dict[tuple[int, int], str] | None = None) -> None:
        """Redraw from the engine's ring buffers: each stream's newest `window_s` seconds, read once."""
        labels = labels or {}
        if engine is None or engine.n_streams == 0:
            if self._rows:
                self.layout_widget.clear()
                self._rows, self._layout_key = [], ()
                self.selection.attach([])
            return
        if engine is not self._engine:  # another session: its rings start afresh
            self._engine, self._decimators, self._shown, self._offset = engine, {}, {}, {}
            for row, r in enumerate(self._rows):  # the new session's traces start at "now"
                for item in r[3:]:
                    item.setPos(0.0, 0.0)
                self._set_rects(row)
        # compared, not hashed into a new key each frame: the rows' channels are the same objects frame to frame
        key = ([engine.buffers(s).channels for s in range(engine.n_streams)], labels)
        if key != self._layout_key:
            self._build(engine, labels)
            self._layout_key = key
        bins = max(MIN_BINS, min(MAX_BINS, int(self.layout_widget.width()) // 2))  # a min/max pair per 2 px
        drawn = 0
        newest = float("nan")
        stream_rows: dict[int, list[int]] = {}
        for row, r in enumerate(self._rows):
            stream_rows.setdefault(r[0], []).append(row)
        ends: dict[int, float] = {}
        for s, rows in stream_rows.items():
            shown = self._draw_stream(engine, s, bins, rows)
            if shown is None:
                continue
            _, _, t_end, n = shown
            ends[s] = t_end
            drawn += n * len(rows)
            newest = t_end if not np.isfinite(newest) else max(newest, t_end)
        self.points_drawn = drawn
        self.newest_t = newest
        # One time axis for all rows: "now" is the newest sample of any stream, so a stream that stopped
        # (a sensor reconnecting) slides left and leaves its gap at the right. Live, when nothing at all
        # arrives for STALL_S, now moves on in real time instead, so a lone sensor's gap shows too.
        now = newest
        wall = time.monotonic()
        if newest != self._newest_seen[0]:
            self._newest_seen = (newest, wall)
        elif engine.replay_clock is None and np.isfinite(newest) and wall - self._newest_seen[1] > STALL_S:
            now = newest + (wall - self._newest_seen[1])
        self.now_t = now
        if self.artifacts or self._shades:
            self._shade()
        self.selection.follow(now)
        for s, rows in stream_rows.items():
            offset = ends[s] - now if s in ends and np.isfinite(now) else 0.0
            if offset > -1e-9:
                offset = 0.0
            if self._offset.get(s, 0.0) != offset:
                self._offset[s] = offset
                for row in rows:
                    for item in self._rows[row][3:]:
                        item.setPos(offset, 0.0)
                    self._set_rects(row)

    def _draw_stream(self, engine: Engine, s: int, bins: int, rows: list[int]) -> tuple | None:
        """Bring one stream's rows up to date with its ring, in µV and seconds before now. Returns what is
        on screen: (end index, time origin, newest session time, samples covered per channel)."""
        buf = engine.buffers(s)
        window_n = int(self.window_s * buf.rate_hz)
        k = max(1, -(-window_n // bins))
        dec = self._decimators.get(s)
        if dec is None or dec.k != k or dec.window_n != window_n:
            dec = self._decimators[s] = WindowDecimator(window_n, k)
            self._shown.pop(s, None)
        shown = self._shown.get(s)
        if shown is not None and shown[0] == min(buf.raw.end_index, buf.envelope.end_index) and shown[1] == buf.t_origin:
            return shown  # nothing new: the picture on screen is still right
        win = dec.update(buf.raw, buf.envelope)
        if win is None or len(win.index) == 0:  # an emptied ring (a seek): the old picture stays up
            return None
        t_newest = float(buf.time_of(win.end - 1))
        t_bin = win.index * (1.0 / buf.rate_hz) + (buf.t_origin - t_newest)
        t_env = np.minimum(t_bin + (k - 1) / buf.rate_hz, 0.0)
        nb = len(t_bin)
        scale = 1.0  # drawn in µV as the rings hold them
        # each channel's largest |sample| in view, for the amplitude axis (NaN where all is gap)
        peak = np.fmax(np.fmax.reduce(np.abs(win.lo), axis=0), np.fmax.reduce(np.abs(win.hi), axis=0)) * scale
        for row in rows:
            _, ch, plot, raw_item, env_item = self._rows[row]
            self._fit_y(row, plot, float(peak[ch]))
            xy = raw_item.points(2 * nb)  # each bin's min then max at the bin's start time
            xy[0::2, 0] = t_bin
            xy[1::2, 0] = t_bin
            np.multiply(win.lo[:, ch], scale, out=xy[0::2, 1])
            np.multiply(win.hi[:, ch], scale, out=xy[1::2, 1])
            raw_item.changed()
            xy = env_item.points(nb)
            xy[:, 0] = t_env
            np.multiply(win.envelope[:, ch], scale, out=xy[:, 1])
            env_item.changed()
        shown = self._shown[s] = (win.end, buf.t_origin, t_newest, min(window_n, win.end - int(win.index[0])))
        return shown

    def _fit_y(self, row: int, plot: pg.PlotItem, peak: float) -> None:
        """Symmetric amplitude range in µV for a largest |value| of `peak`: grow at once, shrink only below
        a quarter, in 1-2-5 steps."""
        if not np.isfinite(peak):
            return
        current = self._y_limit.get(row, 0.0)
        if peak > current or peak < 0.25 * current:
            limit = nice_ceiling(peak * 1.05)
            if limit != current:
                self._y_limit[row] = limit
                plot.setYRange(-limit, limit, padding=0)
                self._set_rects(row)

    def _set_rects(self, row: int) -> None:
        """Tell the row's curves the window they span: exactly the visible range (the view box clips them
        there anyway), so their repaint does not spill onto the axes beyond the left axis's 5 px of ticks."""
        limit = self._y_limit.get(row, 100.0)
        offset = self._offset.get(self._rows[row][0], 0.0)  # the items sit `offset` s left: their window is to the right
        rect = QRectF(-self.window_s - offset, -limit, self.window_s, 2 * limit)
        for curve in self._rows[row][3:]:
            curve.prepareGeometryChange()
            curve.window_rect = rect
