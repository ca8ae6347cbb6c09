"""Live plots: raw EMG and its envelope per channel on one scrolling time axis (pyqtgraph)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from emgcoach.stream.engine import Engine
from emgcoach.ui.decimate import WindowDecimator, interleave

MAX_BINS = 1200  # about one bin per pixel column of a wide plot: more points cannot be seen
MIN_BINS = 200

RAW_PEN = pg.mkPen((120, 144, 156), width=1)
ENV_PEN = pg.mkPen((255, 183, 77), width=1)  # width 2 costs about 1 ms a frame in raster painting


def _connect(y: np.ndarray) -> str:
    return "finite" if np.isnan(y).any() else "all"


def nice_ceiling(x: float) -> float:
    """The smallest 1-2-5 x 10^n at or above x (x > 0): axis limits that change in a few steps."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * decade >= x * (1 - 1e-12):
            return float(m * decade)
    return float(10 * decade)


class WindowCurve(pg.PlotCurveItem):
    """A curve that always spans its plot's visible window. Its bounding rectangle is that window, set by
    the owner, instead of being recomputed from the data after every update (four times a frame)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.window_rect = QRectF()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self.window_rect if self.window_rect.isValid() else super().boundingRect()


class SignalPlots(QWidget):
    """One row per channel of every stream: raw µV in grey and its 6 Hz envelope in orange (the low-lag
    envelope drives the feedback bars instead; two envelopes on one plot read as clutter).

    `refresh(engine)` pulls the newest `window_s` seconds from the ring buffers; call it on the UI timer.
    The time axis is fixed, in seconds before now (the newest sample sits at 0), and the amplitude axis
    moves only in 1-2-5 steps when the signal outgrows it or shrinks below a quarter of it: axes that
    do not move every frame are not redrawn every frame, which is most of a frame's cost in pyqtgraph.
    """

    def __init__(self, window_s: float = 10.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_s = float(window_s)
        self.layout_widget = pg.GraphicsLayoutWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.layout_widget)
        self._rows: list[tuple[int, int, pg.PlotItem, WindowCurve, WindowCurve]] = []
        self._layout_key: tuple = ()
        self.points_drawn = 0
        self.newest_t = float("nan")
        self._y_limit: dict[int, float] = {}  # row -> current +- limit in V
        self._decimators: dict[int, WindowDecimator] = {}  # stream -> its display bins
        self._engine: Engine | None = None

    def set_window(self, seconds: float) -> None:
        """Show the last `seconds` (5-30 s)."""
        self.window_s = float(min(30.0, max(5.0, seconds)))
        for i, row in enumerate(self._rows):
            row[2].setXRange(-self.window_s, 0.0, padding=0)
            self._set_rects(i)

    def _build(self, engine: Engine, labels: dict[tuple[int, int], str]) -> None:
        self.layout_widget.clear()
        self._rows = []
        self._y_limit = {}
        self._decimators = {}
        for s in range(engine.n_streams):
            for ch, spec in enumerate(engine.buffers(s).channels):
                p = self.layout_widget.addPlot(row=len(self._rows), col=0)
                p.setLabel("left", labels.get((s, ch), spec.label), units="V")
                pass  # p.showGrid(x=False, y=True, alpha=0.15)
                p.setMouseEnabled(x=False, y=False)
                p.setMenuEnabled(False)
                p.hideButtons()
                p.hideAxis("bottom")
                p.disableAutoRange()
                p.setXRange(-self.window_s, 0.0, padding=0)
                p.setYRange(-1e-4, 1e-4, padding=0)
                # data arrive decimated to about a min/max pair per pixel (ui/decimate.py), kept between frames
                raw = WindowCurve(pen=RAW_PEN)
                env = WindowCurve(pen=ENV_PEN)
                p.addItem(raw)
                p.addItem(env)
                self._rows.append((s, ch, p, raw, env))
        for i in range(len(self._rows)):
            self._set_rects(i)
        if self._rows:
            last = self._rows[-1][2]
            last.showAxis("bottom")
            last.setLabel("bottom", "seconds before now", units="s")

    def refresh(self, engine: Engine | None, labels: dict[tuple[int, int], str] | None = None) -> None:
        """Redraw from the engine's ring buffers: each stream's newest `window_s` seconds, read once."""
        labels = labels or {}
        if engine is None or engine.n_streams == 0:
            if self._rows:
                self.layout_widget.clear()
                self._rows, self._layout_key = [], ()
            return
        if engine is not self._engine:  # another session: its rings start afresh
            self._engine, self._decimators = engine, {}
        key = tuple((s, engine.buffers(s).channels, tuple(sorted(labels.items()))) for s in range(engine.n_streams))
        if key != self._layout_key:
            self._build(engine, labels)
            self._layout_key = key
        bins = max(MIN_BINS, min(MAX_BINS, int(self.layout_widget.width()) // 2))  # a min/max pair per 2 px
        drawn = 0
        newest = float("nan")
        frames: dict[int, tuple | None] = {}
        for row, (s, ch, plot, raw_item, env_item) in enumerate(self._rows):
            if s not in frames:
                frames[s] = self._read_stream(engine, s, bins)
            frame = frames[s]
            if frame is None:
                continue
            t_raw, y_raw, t_env, y_env, t_end, n = frame
            y = y_raw[:, ch]
            self._fit_y(row, plot, y)
            raw_item.setData(t_raw, y, connect=_connect(y), skipFiniteCheck=True)
            e = y_env[:, ch]
            env_item.setData(t_env, e, connect=_connect(e), skipFiniteCheck=True)
            drawn += n
            newest = t_end if not np.isfinite(newest) else max(newest, t_end)
        self.points_drawn = drawn
        self.newest_t = newest

    def _read_stream(self, engine: Engine, s: int, bins: int) -> tuple | None:
        """One stream's window for display, in V and seconds before now:
        (t_raw, raw (2 nb, ch), t_env, envelope (nb, ch), newest session time, samples covered)."""
        buf = engine.buffers(s)
        window_n = int(self.window_s * buf.rate_hz)
        k = max(1, -(-window_n // bins))
        dec = self._decimators.get(s)
        if dec is None or dec.k != k or dec.window_n != window_n:
            dec = self._decimators[s] = WindowDecimator(window_n, k)
        win = dec.update(buf.raw, buf.envelope)
        if win is None or len(win.index) == 0:
            return None
        t_newest = float(buf.time_of(win.end - 1))
        t_bin = (win.index / buf.rate_hz + buf.t_origin) - t_newest
        scale = 1e-6  # µV -> V so pyqtgraph's SI prefixes read µV / mV
        t_env = np.minimum(t_bin + (k - 1) / buf.rate_hz, 0.0)
        return (np.repeat(t_bin, 2), interleave(win.lo, win.hi) * scale, t_env, win.envelope * scale,
                t_newest, min(window_n, win.end - int(win.index[0])))

    def _fit_y(self, row: int, plot: pg.PlotItem, y_v: np.ndarray) -> None:
        """Symmetric amplitude range in V: grow at once, shrink only below a quarter, in 1-2-5 steps."""
        finite = y_v[np.isfinite(y_v)]
        if len(finite) == 0:
            return
        peak = float(np.max(np.abs(finite)))
        current = self._y_limit.get(row, 0.0)
        if peak > current or peak < 0.25 * current:
            limit = nice_ceiling(peak * 1.05)
            if limit != current:
                self._y_limit[row] = limit
                plot.setYRange(-limit, limit, padding=0)
                self._set_rects(row)

    def _set_rects(self, row: int) -> None:
        """Tell the row's curves the window they span: exactly the visible range (the view box clips them
        there anyway), so their repaint does not spill onto the axes and make those repaint too."""
        limit = self._y_limit.get(row, 1e-4)
        rect = QRectF(-self.window_s, -limit, self.window_s, 2 * limit)
        for curve in self._rows[row][3:]:
            curve.prepareGeometryChange()
            curve.window_rect = rect
