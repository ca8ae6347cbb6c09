"""The co-activation feedback view: big bars with target bands, a CCI gauge, the onset-order cue and a
reward when both muscles are on target. Sized to be read from 3 metres."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.dsp.coactivation import CciBasis
from emgcoach.ui.theme import DEFAULT_THEME, THEMES, Theme

GREEN = QColor(67, 160, 71)
AMBER = QColor(255, 167, 38)
BAND = QColor(67, 160, 71, 70)
TRACK = QColor(THEMES[DEFAULT_THEME].bar_track)  # the empty part of a bar or of the gauge, until set_theme


def _set_text(label: QLabel, text: str) -> None:
    """Set a label's text only when it changes (a change re-lays out the view)."""
    if label.text() != text:
        label.setText(text)


class TargetBar(QWidget):
    """A vertical bar: the muscle's level against its target band (shaded)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.value = float("nan")
        self.band = Band(float("inf"))
        self.unit = "µV"
        self.scale_max = 100.0
        self.track = TRACK
        self.setMinimumSize(140, 260)

    def set_value(self, value: float, band: Band, unit: str) -> None:
        self.value, self.band, self.unit = value, band, unit
        top = band.hi if math.isfinite(band.hi) else band.lo * 2 if math.isfinite(band.lo) else 0.0
        want = max(top * 1.25, value * 1.1 if math.isfinite(value) else 0.0, 10.0 if unit == "µV" else 60.0)
        self.scale_max = want if want > self.scale_max or want < 0.5 * self.scale_max else self.scale_max
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        w, h = self.width(), self.height()
        title_h, value_h = 40, 48
        bar = QRectF(w * 0.25, title_h, w * 0.5, h - title_h - value_h)
        p.setPen(Qt.NoPen)
        p.setBrush(self.track)
        p.drawRoundedRect(bar, 8, 8)

        def y_of(v: float) -> float:
            return bar.bottom() - bar.height() * min(max(v / self.scale_max, 0.0), 1.0)

        if math.isfinite(self.band.lo):
            hi = self.band.hi if math.isfinite(self.band.hi) else self.scale_max
            p.setBrush(BAND)
            p.drawRect(QRectF(bar.left() - 10, y_of(hi), bar.width() + 20, y_of(self.band.lo) - y_of(hi)))
        if math.isfinite(self.value):
            on = self.band.contains(self.value)
            p.setBrush(GREEN if on else AMBER)
            y = y_of(self.value)
            p.drawRoundedRect(QRectF(bar.left(), y, bar.width(), bar.bottom() - y), 8, 8)
        p.setPen(self.palette().windowText().color())
        f = QFont(self.font())
        f.setPointSize(16)
        f.setBold(True)
        p.setFont(f)
        p.drawText(QRectF(0, 0, w, title_h), Qt.AlignCenter, self.title)
        text = f"{self.value:.0f} {self.unit}" if math.isfinite(self.value) else "-"
        size = 22
        f.setPointSize(size)
        while size > 9 and QFontMetrics(f).horizontalAdvance(text) > w - 6:  # shrink to fit a narrow bar
            size -= 1
            f.setPointSize(size)
        p.setFont(f)
        p.drawText(QRectF(0, h - value_h, w, value_h), Qt.AlignCenter, text)


class CciGauge(QWidget):
    """A half-circle gauge of the co-contraction index, 0 (one muscle alone) to 1 (both together)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = float("nan")
        self.level_pct = float("nan")
        self.unit = "%MVC"
        self.track = TRACK
        self.setMinimumSize(220, 150)

    def set_value(self, value: float, level_pct: float = float("nan"), unit: str = "%MVC") -> None:
        """The index (0-1) and the activation both muscles share, in `unit` (% of MVC or of peak)."""
        self.value, self.level_pct, self.unit = value, level_pct, unit
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        w, h = self.width(), self.height()
        r = min(w / 2 - 12, h - 50)
        cx, cy = w / 2, h - 30
        rect = QRectF(cx - r, cy - r, 2 * r, 2 * r)
        p.setPen(QPen(self.track, 18, Qt.SolidLine, Qt.FlatCap))
        p.drawArc(rect, 0, 180 * 16)
        if math.isfinite(self.value):
            v = min(max(self.value, 0.0), 1.0)
            p.setPen(QPen(GREEN if v >= 0.5 else AMBER, 18, Qt.SolidLine, Qt.FlatCap))
            p.drawArc(rect, 180 * 16, int(-180 * 16 * v))
        p.setPen(self.palette().windowText().color())
        f = QFont(self.font())
        f.setPointSize(22)
        f.setBold(True)
        p.setFont(f)
        text = f"CCI {self.value:.2f}" if math.isfinite(self.value) else "CCI -"
        p.drawText(QRectF(0, cy - 40, w, 40), Qt.AlignCenter, text)
        if math.isfinite(self.value) and math.isfinite(self.level_pct):
            # the index is 1.0 for both muscles at 5 % and at 60 %: the shared level tells which
            f.setPointSize(10)
            f.setBold(False)
            p.setFont(f)
            p.drawText(QRectF(0, cy, w, 24), Qt.AlignCenter, f"both at {self.level_pct:.0f} {self.unit}")


class FeedbackView(QWidget):
    """Bars for lat and glute, the CCI gauge, the onset-order cue and the reward banner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lat_bar = TargetBar("Lat")
        self.glute_bar = TargetBar("Glute")
        self.gauge = CciGauge()
        self.onset_label = QLabel("Onset order: waiting for a rep")
        self.reward = QLabel("")
        self.mode = QLabel("")
        for lab, size in ((self.onset_label, 18), (self.reward, 26), (self.mode, 11)):
            f = lab.font()
            f.setPointSize(size)
            f.setBold(size > 12)
            lab.setFont(f)
            lab.setAlignment(Qt.AlignCenter)
            lab.setWordWrap(True)
        bars = QHBoxLayout()
        bars.addWidget(self.lat_bar)
        bars.addWidget(self.glute_bar)
        lay = QVBoxLayout(self)
        lay.addLayout(bars, 3)
        lay.addWidget(self.gauge, 2)
        lay.addWidget(self.onset_label)
        lay.addWidget(self.reward)
        lay.addWidget(self.mode)
        self.audio_button = QToolButton()  # the window gives it its "Audio cue" action (setDefaultAction)
        self.audio_button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        lay.addWidget(self.audio_button, 0, Qt.AlignCenter)
        self.rewarded = False

    def set_theme(self, theme: Theme) -> None:
        """Draw the bars' and the gauge's empty parts in the theme's colour (text follows the palette)."""
        for widget in (self.lat_bar, self.glute_bar, self.gauge):
            widget.track = QColor(theme.bar_track)
            widget.update()

    def show_figures(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                     warning: str = "") -> None:
        """One frame of feedback (None: no lat + glute pair assigned); `warning` replaces the mode line."""
        self.lat_bar.title, self.glute_bar.title = lat_label, glute_label
        if fig is None:
            _set_text(self.mode, "Assign a lat and an opposite-side glute channel to see feedback")
            return
        self.lat_bar.set_value(fig.lat, fig.lat_band, fig.unit)
        self.glute_bar.set_value(fig.glute, fig.glute_band, fig.unit)
        self.gauge.set_value(fig.cci, fig.cci_level_pct, "%MVC" if fig.cci_basis == CciBasis.MVC else "% of peak")
        self.rewarded = fig.both_on_target
        _set_text(self.reward, "Both on target!" if fig.both_on_target else "")
        style = f"color: {GREEN.name()};" if fig.both_on_target else ""
        if self.reward.styleSheet() != style:  # restyling re-polishes the widget: only on a change
            self.reward.setStyleSheet(style)
        if fig.unit == "%MVC":
            mode = "Calibrated: levels in %MVC"
        elif fig.calibrated:
            mode = "Calibrated: levels in µV; targets from your MVC"
        else:
            mode = "Not calibrated: showing µV; targets are relative to your resting level"
        _set_text(self.mode, warning or mode)

    def show_onset(self, cue: str) -> None:
        self.onset_label.setText(f"Onset order: {cue}")
