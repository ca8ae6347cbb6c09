"""Live plots: raw EMG and its envelope per channel on one scrolling time axis (pyqtgraph)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from emgcoach.stream.engine import Engine

MAX_BINS = 1200  # about one bin per pixel column of a wide plot: more points cannot be seen

RAW_PEN = pg.mkPen((120, 144, 156), width=1)
ENV_PEN = pg.mkPen((255, 167, 38), width=3)
LOWLAG_PEN = pg.mkPen((102, 187, 106), width=2)


def peak_decimate(t: np.ndarray, y: np.ndarray, bins: int = MAX_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of y per bin (2 points a bin), so spikes stay visible; unchanged if already short."""
    k = -(-len(y) // bins)
    if k <= 2:
        return t, y
    n = (len(y) // k) * k
    yb = y[:n].reshape(-1, k)
    out_y = np.empty(2 * len(yb), dtype=y.dtype)
    with np.errstate(invalid="ignore"):
        out_y[0::2] = np.nanmin(yb, axis=1) if np.isnan(yb).any() else yb.min(axis=1)
        out_y[1::2] = np.nanmax(yb, axis=1) if np.isnan(yb).any() else yb.max(axis=1)
    out_t = np.repeat(t[:n:k], 2)
    return out_t, out_y


def stride_decimate(t: np.ndarray, y: np.ndarray, bins: int = MAX_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th sample: enough for an envelope, which is smooth below 10 Hz."""
    k = max(1, len(y) // bins)
    return t[::k], y[::k]


def _connect(y: np.ndarray) -> str:
    return "finite" if np.isnan(y).any() else "all"


class SignalPlots(QWidget):
    """One row per channel of every stream: raw µV in grey, 6 Hz envelope in orange, low-lag in green.

    `refresh(engine)` pulls the newest `window_s` seconds from the ring buffers; call it on the UI timer.
    """

    def __init__(self, window_s: float = 10.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_s = float(window_s)
        self.layout_widget = pg.GraphicsLayoutWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.layout_widget)
        self._rows: list[tuple[int, int, pg.PlotItem, pg.PlotDataItem, pg.PlotDataItem, pg.PlotDataItem]] = []
        self._layout_key: tuple = ()
        self.points_drawn = 0
        self.newest_t = float("nan")

    def set_window(self, seconds: float) -> None:
        self.window_s = float(min(30.0, max(5.0, seconds)))

    def _build(self, engine: Engine, labels: dict[tuple[int, int], str]) -> None:
        self.layout_widget.clear()
        self._rows = []
        first: pg.PlotItem | None = None
        for s in range(engine.n_streams):
            for ch, spec in enumerate(engine.buffers(s).channels):
                p = self.layout_widget.addPlot(row=len(self._rows), col=0)
                p.setLabel("left", labels.get((s, ch), spec.label), units="V")
                p.showGrid(x=True, y=True, alpha=0.2)
                # decimated to about a point per pixel before plotting (peak_decimate): cheaper than pyqtgraph's own
                p.setMouseEnabled(x=False, y=True)
                if first is None:
                    first = p
                else:
                    p.setXLink(first)
                raw = p.plot(pen=RAW_PEN)
                env = p.plot(pen=ENV_PEN)
                low = p.plot(pen=LOWLAG_PEN)
                self._rows.append((s, ch, p, raw, env, low))
        if self._rows:
            self._rows[-1][2].setLabel("bottom", "session time", units="s")

    def refresh(self, engine: Engine | None, labels: dict[tuple[int, int], str] | None = None) -> None:
        """Redraw from the engine's ring buffers."""
        labels = labels or {}
        if engine is None or engine.n_streams == 0:
            if self._rows:
                self.layout_widget.clear()
                self._rows, self._layout_key = [], ()
            return
        key = tuple((s, engine.buffers(s).channels, tuple(sorted(labels.items()))) for s in range(engine.n_streams))
        if key != self._layout_key:
            self._build(engine, labels)
            self._layout_key = key
        drawn = 0
        newest = float("nan")
        for s, ch, plot, raw_item, env_item, low_item in self._rows:
            buf = engine.buffers(s)
            n = int(self.window_s * buf.rate_hz)
            raw, end = buf.raw.latest(n)
            if len(raw) == 0:
                continue
            env, env_end = buf.envelope.latest(len(raw))
            low, low_end = buf.lowlag.latest(len(raw))
            t = buf.time_of(np.arange(end - len(raw), end))
            scale = 1e-6  # µV -> V so pyqtgraph's SI prefixes read µV / mV
            tr, yr = peak_decimate(t, raw[:, ch] * scale)
            raw_item.setData(tr, yr, connect=_connect(yr))
            if env_end == end:
                te, ye = stride_decimate(t[-len(env) :], env[:, ch] * scale)
                env_item.setData(te, ye, connect=_connect(ye))
            if low_end == end and len(low):
                tl, yl = stride_decimate(t[-len(low) :], low[:, ch] * scale)
                low_item.setData(tl, yl, connect=_connect(yl))
            plot.setXRange(t[-1] - self.window_s, t[-1], padding=0)
            drawn += len(raw)
            newest = t[-1] if not np.isfinite(newest) else max(newest, t[-1])
        self.points_drawn = drawn
        self.newest_t = newest
