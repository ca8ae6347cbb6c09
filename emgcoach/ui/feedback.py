"""The co-activation feedback view: big bars with target bands, a CCI gauge, the onset-order cue and a
reward when both muscles are on target. Sized to be read from 3 metres."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.coach.set_summary import SetSummary
from emgcoach.dsp.coactivation import CciBasis
from emgcoach.ui.cue_label import CueLabel
from emgcoach.ui.text import PaintedText
from emgcoach.ui.theme import DEFAULT_THEME, THEMES, Theme

if TYPE_CHECKING:  # the sling view draws with this module's colours: no import back at run time
    from emgcoach.ui.sling_view import SlingView as LevelsView

GREEN = QColor(67, 160, 71)
AMBER = QColor(255, 167, 38)
BAND = QColor(67, 160, 71, 70)
TRACK = QColor(THEMES[DEFAULT_THEME].bar_track)  # the empty part of a bar or of the gauge, until set_theme


class FeedbackStyle(StrEnum):
    """How the levels are shown: bars with the gauge, or the body from behind (the sling view)."""

    BARS = "bars"
    SLING = "sling"


def _set_text(label: QLabel, text: str) -> None:
    """Set a label's text only when it changes (a change re-lays out the view)."""
    if label.text() != text:
        label.setText(text)


_FITTED: dict[tuple[object, ...], QFont] = {}
FITTED_KEPT = 2048  # fonts remembered: the bars' values at rest and in effort repeat within a few hundred


def fitted_font(base: QFont, text: str, width: float, points: int, smallest: int, bold: bool = True,
                pixels: bool = False) -> QFont:
    """`base` at `points` (bold), shrunk a point at a time until `text` fits `width` px or `smallest` is
    reached; with `pixels`, the sizes are pixel sizes (the client screen sizes text in mm, through pixels)."""
    # the bars and the gauge paint 20 times a second, and measuring a text at each size was a third of
    # their paint (profiled): the same text in the same width gets the same font
    key = (base.key(), text, width, points, smallest, bold, pixels)
    font = _FITTED.get(key)
    if font is None:
        if len(_FITTED) >= FITTED_KEPT:
            _FITTED.clear()
        font = _FITTED[key] = _fit(base, text, width, points, smallest, bold, pixels)
    return QFont(font)


def _fit(base: QFont, text: str, width: float, points: int, smallest: int, bold: bool, pixels: bool) -> QFont:
    f = QFont(base)
    f.setBold(bold)
    size = f.setPixelSize if pixels else f.setPointSize
    size(points)
    while points > smallest and QFontMetrics(f).horizontalAdvance(text) > width:
        points -= 1
        size(points)
    return f


def pixel_font(base: QFont, px: int, bold: bool = True) -> QFont:
    """`base` at `px` pixels (bold)."""
    f = QFont(base)
    f.setBold(bold)
    f.setPixelSize(px)
    return f


class TargetBar(QWidget, PaintedText):
    """A vertical bar: the muscle's level against its target band (shaded)."""

    TITLE_H, VALUE_H = 34, 40

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.value = float("nan")
        self.band = Band(float("inf"))
        self.unit = "µV"
        self.scale_max = 100.0
        self.track = TRACK
        self.text_px: tuple[int, int] | None = None  # set_text_px; None: the point sizes of texts()
        self.fit_also: tuple[str, ...] = ()  # after set_text_px: texts the font must fit too (a neighbour's title)
        self._px_cache: tuple[object, QFont] | None = None
        # title and value rows (74 px) and 36 px of bar: a 700 px screen during a set; 90 px wide: four bars and
        # two gauges side by side (both slings) within a 1024 px window
        self.setMinimumSize(90, 110)
        # it paints all of itself: a repaint does not repaint the window, splitter and panels behind it
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_text_px(self, largest: int, smallest: int) -> None:
        """Draw title and value in one pixel size, the largest from `largest` down to `smallest` at which
        both fit the bar's width (a value as wide as any the unit gives, and `fit_also`), so the size does
        not jump with the value; the rows above and below the bar are as tall as that font."""
        self.text_px = (largest, smallest)
        self._fit_minimum()
        self.update()

    def _fit_minimum(self) -> None:
        """No narrower than title and widest value need at the smallest size (a layout then never
        squeezes them into clipping)."""
        assert self.text_px is not None
        fm = QFontMetrics(pixel_font(self.font(), self.text_px[1]))
        want = QSize(max(fm.horizontalAdvance(t) for t in self._fitted()) + 8, 2 * fm.height() + 60)
        if self.minimumSize() != want:
            self.setMinimumSize(want)

    def _fitted(self) -> tuple[str, ...]:
        return (self.title, self._widest_value(), *self.fit_also)

    def _widest_value(self) -> str:
        """As wide a value as the unit gives (levels run to 4 digits in µV, 3 in %MVC)."""
        return "8888 µV" if self.unit == "µV" else f"888 {self.unit}"

    def _px_font(self) -> QFont:
        assert self.text_px is not None
        key = (self.width(), self.text_px, self._fitted())
        if self._px_cache is None or self._px_cache[0] != key:  # (painted 20 times a second: fit once)
            largest, smallest = self.text_px
            fits = [fitted_font(self.font(), t, self.width() - 8, largest, smallest, pixels=True) for t in key[2]]
            self._px_cache = (key, min(fits, key=lambda f: f.pixelSize()))
        return self._px_cache[1]

    def _rows(self) -> tuple[float, float]:
        """The heights (px) of the title row above the bar and the value row below it."""
        if self.text_px is None:
            return self.TITLE_H, self.VALUE_H
        h = QFontMetrics(self._px_font()).height() + 4
        return h, h

    def set_value(self, value: float, band: Band, unit: str) -> None:
        self.value, self.band, self.unit = value, band, unit
        if self.text_px is not None:
            self._fit_minimum()  # the unit or the title may have changed
        top = band.hi if math.isfinite(band.hi) else band.lo * 2 if math.isfinite(band.lo) else 0.0
        want = max(top * 1.25, value * 1.1 if math.isfinite(value) else 0.0, 10.0 if unit == "µV" else 60.0)
        self.scale_max = want if want > self.scale_max or want < 0.5 * self.scale_max else self.scale_max
        # repainted only when the picture changes (20 values a second, most of them the same at rest):
        # the value's text, its bar's top to the pixel and colour, the band, the scale, the title
        top_px = round(self.height() * min(max(value / self.scale_max, 0.0), 1.0)) if math.isfinite(value) else -1
        self.update_if_changed((self.value_text(), top_px, band.contains(value), band, self.scale_max, unit, self.title))

    def value_text(self) -> str:
        return f"{self.value:.0f} {self.unit}" if math.isfinite(self.value) else "-"

    def texts(self) -> list[tuple[QRectF, QFont, str]]:
        """The title above the bar and the value below it, each as large as fits (22 and 16 pt at most;
        after set_text_px, both in that one pixel size)."""
        w, h = self.width(), self.height()
        title_h, value_h = self._rows()
        title = QRectF(0, 0, w, title_h)
        value = QRectF(0, h - value_h, w, value_h)
        if self.text_px is not None:
            font = self._px_font()
            return [(title, font, self.title), (value, font, self.value_text())]
        return [(title, fitted_font(self.font(), self.title, w - 6, 16, 8), self.title),
                (value, fitted_font(self.font(), self.value_text(), w - 6, 22, 8), self.value_text())]

    def paintEvent(self, _event: object) -> None:  # Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        title_h, value_h = self._rows()
        bar = QRectF(w * 0.25, title_h, w * 0.5, h - title_h - value_h)
        p.setPen(Qt.PenStyle.NoPen)
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
        for rect, font, text in self.texts():
            p.setFont(font)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class CciGauge(QWidget, PaintedText):
    """A half-circle gauge of the co-contraction index, 0 (one muscle alone) to 1 (both together), with
    the level both muscles share on its own line under the arc."""

    PEN = 16
    LEVEL_H = 22  # the 'both at ...' line, below the arc's baseline

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = float("nan")
        self.level_pct = float("nan")
        self.unit = "%MVC"
        self.track = TRACK
        self.pen = self.PEN
        self.text_px: tuple[int, int] | None = None  # set_text_px; None: the index inside the arc
        self._px_cache: tuple[object, QFont] | None = None
        # (not opaque like the bars: on a low screen during a set the column is squeezed below the levels'
        # minimum and the bars' value row runs under the gauge's corners, which must stay see-through)
        self.setMinimumSize(180, 100)

    WIDEST = "CCI 0.00"

    def set_text_px(self, largest: int, smallest: int) -> None:
        """Draw the index on its own row under the arc, in one pixel size from `largest` down to
        `smallest` (as wide as any index), and no level line: the client screen's gauge, whose arc is
        too narrow to hold text that size. The arc's stroke grows with the text."""
        self.text_px = (largest, smallest)
        self.pen = max(self.PEN, round(largest / 3))
        fm = QFontMetrics(pixel_font(self.font(), smallest))
        self.setMinimumSize(fm.horizontalAdvance(self.WIDEST) + 8, fm.height() + 4 + 2 * self.pen + 40)
        self.update()

    def _px_font(self) -> QFont:
        assert self.text_px is not None
        key = (self.width(), self.text_px)
        if self._px_cache is None or self._px_cache[0] != key:
            largest, smallest = self.text_px
            self._px_cache = (key, fitted_font(self.font(), self.WIDEST, self.width() - 8, largest, smallest, pixels=True))
        return self._px_cache[1]

    def _below_arc(self) -> float:
        """The height (px) under the arc's baseline: the level line, or (set_text_px) the index's row."""
        return self.LEVEL_H if self.text_px is None else QFontMetrics(self._px_font()).height() + 4

    def set_value(self, value: float, level_pct: float = float("nan"), unit: str = "%MVC") -> None:
        """The index (0-1) and the activation both muscles share, in `unit` (% of MVC or of peak)."""
        self.value, self.level_pct, self.unit = value, level_pct, unit
        v = min(max(value, 0.0), 1.0) if math.isfinite(value) else -1.0
        self.update_if_changed((f"{value:.2f}", int(-180 * 16 * v), v >= 0.5, f"{level_pct:.0f}", unit))  # arc in 1/16°

    def _arc(self) -> tuple[float, float, float]:
        """(centre x, centre y, radius) of the arc: the widest half circle above the level line."""
        w, h = self.width(), self.height()
        cy = h - self._below_arc() - 4
        r = max(10.0, min(w / 2 - self.pen, cy - self.pen / 2 - 2))
        return w / 2, cy, r

    def texts(self) -> list[tuple[QRectF, QFont, str]]:
        cx, cy, r = self._arc()
        text = f"CCI {self.value:.2f}" if math.isfinite(self.value) else "CCI -"
        if self.text_px is not None:
            return [(QRectF(0, cy + 4, self.width(), self._below_arc()), self._px_font(), text)]
        inner = 2 * (r - self.pen) * 0.9  # the index sits inside the arc
        out = [(QRectF(cx - inner / 2, cy - 36, inner, 36), fitted_font(self.font(), text, inner, 22, 8), text)]
        if math.isfinite(self.value) and math.isfinite(self.level_pct):
            # the index is 1.0 for both muscles at 5 % and at 60 %: the shared level tells which
            level = f"both at {self.level_pct:.0f} {self.unit}"
            out.append((QRectF(0, cy + 2, self.width(), self.LEVEL_H),
                        fitted_font(self.font(), level, self.width() - 4, 11, 7, bold=False), level))
        return out

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        cx, cy, r = self._arc()
        rect = QRectF(cx - r, cy - r, 2 * r, 2 * r)
        p.setPen(QPen(self.track, self.pen, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        p.drawArc(rect, 0, 180 * 16)
        if math.isfinite(self.value):
            v = min(max(self.value, 0.0), 1.0)
            p.setPen(QPen(GREEN if v >= 0.5 else AMBER, self.pen, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            p.drawArc(rect, 180 * 16, int(-180 * 16 * v))
        p.setPen(self.palette().windowText().color())
        for rect_, font, text in self.texts():
            p.setFont(font)
            p.drawText(rect_, Qt.AlignmentFlag.AlignCenter, text)


# ISO 9241-303 asks for characters of at least 16 minutes of arc; at 3 m that is 14 mm
COUNTDOWN_MM = 14.0
PHASE_NAMES = {"setup": "Get set", "contract": "Contract", "hold": "Hold", "release": "Release", "rest": "Rest",
               "done": "Done"}


class Countdown(QWidget):
    """The seconds left in the phase, in digits at least COUNTDOWN_MM tall on this screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.digit_font = QFont(self.font())
        self.digit_font.setBold(True)
        self._size_font()
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # as TargetBar: its digits change every second

    def _size_font(self) -> None:
        self.set_digit_px(COUNTDOWN_MM / 25.4 * max(self.logicalDpiY(), 72))

    def set_digit_px(self, want: float) -> None:
        """Draw the digits `want` px tall (at least), and take the room two of them need."""
        self.digit_font.setPixelSize(100)
        per_px = QFontMetrics(self.digit_font).tightBoundingRect("0123456789").height() / 100.0
        self.digit_font.setPixelSize(math.ceil(want / max(per_px, 0.1)))
        fm = QFontMetrics(self.digit_font)
        self.setFixedSize(fm.horizontalAdvance("88") + 8, fm.height())
        self.update()

    def digit_height_px(self) -> int:
        """How tall the digits are drawn, in px (their ink, top of the tallest to the baseline)."""
        return QFontMetrics(self.digit_font).tightBoundingRect("0123456789").height()

    def digit_height_mm(self) -> float:
        """How tall the digits are drawn, in mm at the screen's logical resolution."""
        return self.digit_height_px() / self.logicalDpiY() * 25.4

    def set_seconds(self, seconds: int) -> None:
        text = str(seconds)
        if text != self.text:
            self.text = text
            self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(self.palette().windowText().color())
        p.setFont(self.digit_font)
        p.drawText(QRectF(0, 0, self.width(), self.height()), Qt.AlignmentFlag.AlignCenter, self.text)


class PhaseBanner(QWidget):
    """A running set, for the client across the room: the phase, the seconds left in it in big digits,
    the rep, and what to do. `one_row`: countdown, phase and rep on one line and no cue (the client
    screen, where a sentence at a size read from 3 m would take the bars' room)."""

    def __init__(self, parent: QWidget | None = None, one_row: bool = False) -> None:
        super().__init__(parent)
        self.countdown = Countdown()
        self.phase = QLabel("")
        self.rep = QLabel("")
        self.cue = QLabel("")
        for lab, size, bold in ((self.phase, 26, True), (self.rep, 12, False), (self.cue, 15, False)):
            f = QFont(lab.font())
            f.setPointSize(size)
            f.setBold(bold)
            lab.setFont(f)
            lab.setWordWrap(True)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.countdown)
        if one_row:
            top.setSpacing(16)  # digits and word apart: '10Contract' reads as one
            self.phase.setWordWrap(False)  # one word: it keeps its line, the rep gives way
            self.rep.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            top.addWidget(self.phase, 1)
            top.addWidget(self.rep)
        else:
            words = QVBoxLayout()
            words.setSpacing(0)
            words.addWidget(self.phase)
            words.addWidget(self.rep)
            top.addLayout(words, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.cue)
        self.cue.setVisible(not one_row)

    def show_status(self, phase: str, remaining_s: float, rep: int, reps: int, cue: str) -> None:
        _set_text(self.phase, PHASE_NAMES.get(phase, phase))
        self.countdown.set_seconds(math.ceil(remaining_s - 1e-9))  # shows 1 until the last second is over
        _set_text(self.rep, f"Rep {rep + 1} of {reps}" if 0 <= rep < reps else "")
        _set_text(self.cue, cue)


class FeedbackView(QWidget):
    """Bars for lat and glute, the CCI gauge, the onset-order cue and the reward banner; during a set the
    phase with its countdown on top, and at its end the set's summary there.

    `controls` False leaves out what is the therapist's: the mode line (units, calibration, a pairing
    warning) and the audio cue's button (`mode` and `audio_button` are then None). A subclass lays the
    same widgets out its own way by overriding `_lay_out` (the client screen)."""

    def __init__(self, parent: QWidget | None = None, controls: bool = True, one_row_banner: bool = False) -> None:
        super().__init__(parent)
        self.lat_bar = TargetBar("Lat")
        self.glute_bar = TargetBar("Glute")
        self.gauge = CciGauge()
        self.banner = PhaseBanner(one_row=one_row_banner)
        from emgcoach.ui.other_sling import OtherSlingLevels  # they draw with this module's widgets
        from emgcoach.ui.set_summary_view import SetSummaryView

        self.summary = SetSummaryView()
        self.other = OtherSlingLevels(in_a_row=not controls)  # four sensors: the other sling's levels
        self.banner.setVisible(False)
        self.summary.setVisible(False)
        self.onset_label = CueLabel("Onset order: waiting for a rep")  # broken after its colon, not before "rep"
        self.onset_label.setToolTip("The last rep's onset order: which muscle fired first, and by how many ms")
        self.reward = QLabel("")
        self.mode: QLabel | None = QLabel("") if controls else None
        # the set's median-frequency trend after each rep: the therapist's (the client screen has none)
        self.fatigue: QLabel | None = QLabel("") if controls else None
        if self.fatigue is not None:
            self.fatigue.setToolTip("Median frequency of each muscle's EMG over the set's reps, in % per rep: "
                                    "a steady fall faster than 1 %/rep is a sign of fatigue")
            self.fatigue.setVisible(False)
        self.audio_button: QToolButton | None = None
        if controls:
            self.audio_button = QToolButton()  # the window gives it its "Audio cue" action (setDefaultAction)
            self.audio_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for lab, size in ((self.onset_label, 16), (self.reward, 24), (self.fatigue, 11), (self.mode, 10)):
            if lab is None:
                continue
            f = lab.font()
            f.setPointSize(size)
            f.setBold(size > 12)
            lab.setFont(f)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setWordWrap(True)
        self.rewarded = False
        self.alternative: LevelsView | None = None
        self.levels_style = FeedbackStyle.BARS  # (not `style`: that is QWidget.style())
        self._last_figures: tuple[Figures | None, str, str, str] | None = None
        self._lay_out()

    def _lay_out(self) -> None:
        """A column: phase or summary on top, the bars, the gauge, the onset cue, the reward, the footer."""
        bars = QHBoxLayout()
        bars.addWidget(self.lat_bar)
        bars.addWidget(self.glute_bar)
        levels = QVBoxLayout()
        levels.setContentsMargins(0, 0, 0, 0)
        levels.addLayout(bars, 3)
        levels.addWidget(self.gauge, 2)
        both = QHBoxLayout()  # the other sling's beside, with four sensors
        both.addLayout(levels, 1)
        both.addWidget(self.other, 1)
        lay = QVBoxLayout(self)
        lay.setSpacing(4)
        lay.addWidget(self.banner)
        lay.addWidget(self.summary)
        lay.addWidget(self._levels_stack(both), 1)
        if self.other.symmetry.parent() is not self.other:  # the column's: under both slings
            lay.addWidget(self.other.symmetry)
        lay.addWidget(self.onset_label)
        lay.addWidget(self.reward)
        if self.fatigue is not None:
            lay.addWidget(self.fatigue)
        if self.mode is not None and self.audio_button is not None:
            foot = QHBoxLayout()
            foot.addWidget(self.mode, 1)
            foot.addWidget(self.audio_button, 0, Qt.AlignmentFlag.AlignVCenter)
            lay.addLayout(foot)

    def _levels_stack(self, levels: QLayout) -> QStackedWidget:
        """The levels' place: the bars and gauge laid out in `levels`, or the other view of the same
        figures given by `set_alternative` (the sling view)."""
        page = QWidget()
        page.setLayout(levels)
        self.levels = QStackedWidget()
        self.levels.addWidget(page)
        return self.levels

    def set_alternative(self, view: LevelsView) -> None:
        """A second way to show the levels (the sling view), shown instead of the bars and gauge by
        `set_style(FeedbackStyle.SLING)`; it gets the figures while it is on show."""
        self.alternative = view
        self._alternative_minimum = view.minimumSize()
        self.levels.addWidget(view)
        self._size_by_current_page()

    def set_style(self, style: FeedbackStyle) -> None:
        """Bars and gauge, or the alternative view when there is one."""
        self.levels_style = FeedbackStyle(style)
        alternative = self.alternative if self.levels_style == FeedbackStyle.SLING else None
        self.levels.setCurrentIndex(1 if alternative is not None else 0)
        self._size_by_current_page()
        if alternative is not None and self._last_figures is not None:
            alternative.show_figures(*self._last_figures)

    def _size_by_current_page(self) -> None:
        """The stack's size is its page on show's: a stack asks room for its largest page otherwise,
        and the sling view's minimum would push the client screen past a 1024x700 screen."""
        for i in range(self.levels.count()):
            page = self.levels.widget(i)
            shown = i == self.levels.currentIndex()
            policy = QSizePolicy.Policy.Preferred if shown else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
            if page is self.alternative:  # a stack keeps every page's minimum: the hidden one's must go
                page.setMinimumSize(self._alternative_minimum if shown else QSize(0, 0))
        self.levels.updateGeometry()

    def set_sling(self, lat_side: str) -> None:
        """The sling coached: the lat's side (the glute is on the other); the alternative view draws it."""
        if self.alternative is not None:
            self.alternative.set_sling(lat_side)

    def set_theme(self, theme: Theme) -> None:
        """Draw the bars' and the gauge's empty parts in the theme's colour (text follows the palette)."""
        for widget in (self.lat_bar, self.glute_bar, self.gauge):
            widget.track = QColor(theme.bar_track)
            widget.update()
        self.other.set_theme(theme)
        if self.alternative is not None:
            self.alternative.set_theme(theme)

    def show_phase(self, phase: str, remaining_s: float, rep: int, reps: int, cue: str) -> None:
        """A set under way: its phase and countdown on top (the last set's summary gives way)."""
        self.summary.setVisible(False)
        self.banner.show_status(phase, remaining_s, rep, reps, cue)
        self.banner.setVisible(True)

    def show_set_summary(self, summary: SetSummary | None) -> None:
        """The set just ended (None: nothing on top, neither countdown nor summary)."""
        self.banner.setVisible(False)
        if summary is not None:
            self.summary.show_summary(summary)
        self.summary.setVisible(summary is not None)

    def hide_phase(self) -> None:
        """No set runs: the countdown goes (a summary on show stays)."""
        if not self.banner.isHidden():  # (not isVisible: a view not on show, the client screen closed, hides it too)
            self.banner.setVisible(False)

    def show_figures(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                     warning: str = "") -> None:
        """One frame of feedback (None: no lat + glute pair assigned); `warning` replaces the mode line."""
        self._last_figures = (fig, lat_label, glute_label, warning)
        if self.alternative is not None and self.levels.currentWidget() is self.alternative:
            self.alternative.show_figures(fig, lat_label, glute_label, warning)
        self.lat_bar.title, self.glute_bar.title = lat_label, glute_label
        if fig is None:
            if self.mode is not None:
                _set_text(self.mode, "Assign a lat and an opposite-side glute channel to see feedback")
            return
        self.lat_bar.set_value(fig.lat, fig.lat_band, fig.unit)
        self.glute_bar.set_value(fig.glute, fig.glute_band, fig.unit)
        self.gauge.set_value(fig.cci, fig.cci_level_pct, "%MVC" if fig.cci_basis == CciBasis.MVC else "% of peak level")
        self.rewarded = fig.both_on_target
        _set_text(self.reward, "Both on target!" if fig.both_on_target else "")
        style = f"color: {GREEN.name()};" if fig.both_on_target else ""
        if self.reward.styleSheet() != style:  # restyling re-polishes the widget: only on a change
            self.reward.setStyleSheet(style)
        if self.mode is None:
            return
        if fig.unit == "%MVC":
            mode = "Calibrated: levels in %MVC"
        elif fig.calibrated:
            mode = "Calibrated: levels in µV; targets from your MVC"
        else:
            mode = "Not calibrated: showing µV; targets are relative to your resting level"
        _set_text(self.mode, warning or mode)

    def show_other_sling(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                         symmetry: str = "") -> None:
        """Four sensors: the other sling's frame beside the coached one's, and the two slings' symmetry
        line (None: one sling, the other's place hidden)."""
        self.other.show_levels(fig, lat_label, glute_label, symmetry)
        if self.alternative is not None:
            self.alternative.show_other_sling(fig, lat_label, glute_label)

    def show_onset(self, cue: str) -> None:
        """The last rep's onset order ('Lat first, glute +80 ms'), or a state such as 'waiting for a rep'."""
        self.onset_label.setText(cue if cue[:1].isupper() else f"Onset order: {cue}")

    def show_fatigue(self, text: str) -> None:
        """The set's median-frequency trend after a rep ('MDF lat −0.3 · glute −1.6 %/rep (5 reps)', from
        `session.drill_set.DrillSet.fatigue_text`), amber when it ends in ': fatigue?'; '' hides it. A
        view without the therapist's controls (the client screen's) shows none."""
        if self.fatigue is None:
            return
        _set_text(self.fatigue, text)
        style = f"color: {AMBER.name()};" if text.endswith("fatigue?") else ""
        if self.fatigue.styleSheet() != style:
            self.fatigue.setStyleSheet(style)
        if self.fatigue.isHidden() == bool(text):
            self.fatigue.setVisible(bool(text))
