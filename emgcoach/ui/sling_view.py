"""The sling feedback view, an alternative to the bars: the body from behind with the coached lat and the
opposite glute filled by their levels, their target bands marked on them, and the line between them
(along the thoracolumbar fascia) lighting up when both are on target together. The levels are written
above the body, each on its muscle's side, in big digits to be read from 3 metres. With four sensors
(`show_other_sling`) the other sling is drawn too: all four muscles filled, both lines, the lats' levels
in a row above the glutes'.

It takes the same figures as `FeedbackView.show_figures`, so the window can show either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QWidget

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.coach.placement import BodySide, Muscle, sling_sides
from emgcoach.ui import body_back
from emgcoach.ui.body_back import BodyColours, body_colours, mix, paint_body
from emgcoach.ui.feedback import AMBER, GREEN, PaintedText, pixel_font
from emgcoach.ui.theme import DEFAULT_THEME, THEMES, Theme

BODY_BOTTOM = 0.62  # head to mid-thigh: the glutes whole, the body as large as the column allows
NO_PAIR = "Assign a lat and an opposite-side glute channel to see feedback"
ON_TARGET = "Both on target!"
SIDE_GAP = 12.0  # px between the body and the words beside it
MIN_SIDE_COLUMN = 120.0  # px: narrower, the words go above the body


def _value_text(value: float, unit: str) -> str:
    return f"{value:.0f} {unit}" if math.isfinite(value) else "-"


def _band_texts(band: Band, unit: str) -> list[str]:
    """'target 20-40 %MVC' and shorter ways of saying it for a narrow view; none with no band yet."""
    if not math.isfinite(band.lo):
        return [""]
    span = f"{band.lo:.0f}–{band.hi:.0f}" if math.isfinite(band.hi) else f"≥ {band.lo:.0f}"
    return [f"target {span} {unit}", f"{span} {unit}", span]


def fit(base: QFont, texts: list[str], width: float, height: float, points: int, smallest: int,
        bold: bool = True, pixels: bool = False) -> tuple[QFont, str]:
    """The largest size from `points` down to `smallest` (in pixels with `pixels`) at which one of `texts`
    (longest first) fits `width` x `height` px, with the longest text that fits at it: a shorter wording
    stays readable where the long one would shrink. The last text at `smallest` if none fits (clipped:
    `clipped_texts` says so)."""
    f = QFont(base)
    f.setBold(bold)
    size = f.setPixelSize if pixels else f.setPointSize
    for pt in range(points, smallest - 1, -1):
        size(pt)
        fm = QFontMetricsF(f)
        for text in texts:
            if fm.horizontalAdvance(text) <= width and fm.height() <= height:
                return QFont(f), text
    size(smallest)
    return f, texts[-1]


def next_scale(current: float, value: float, band: Band, unit: str) -> float:
    """The level that fills a region, as the bars choose it (`TargetBar.set_value`): room above the band's
    top and the value, at least 10 µV or 60 %MVC, kept unless the want is above it or under half of it
    (so the fill does not jump with every frame)."""
    top = band.hi if math.isfinite(band.hi) else band.lo * 2 if math.isfinite(band.lo) else 0.0
    want = max(top * 1.25, value * 1.1 if math.isfinite(value) else 0.0, 10.0 if unit == "µV" else 60.0)
    return want if want > current or want < 0.5 * current else current


Key = tuple[int, Muscle]  # (0: the sling coached, 1: the other sling when four sensors stream; muscle)


@dataclass
class _OtherSling:
    """The second sling's figures (the lat on the first's glute side), labels and fill scales."""

    fig: Figures | None
    labels: dict[Muscle, str]
    scale: dict[Muscle, float]


@dataclass(frozen=True)
class _Readout:
    """One muscle's words: its name, its level (big) and its target, stacked."""

    title: tuple[QRectF, QFont, str]
    value: tuple[QRectF, QFont, str]
    band: tuple[QRectF, QFont, str]
    align: Qt.AlignmentFlag


class SlingView(QWidget, PaintedText):
    """The body with the sling's lat and opposite glute filled by their levels."""

    def __init__(self, lat_side: BodySide | str = BodySide.LEFT, theme: Theme | None = None,
                 parent: QWidget | None = None, status_line: bool = True) -> None:
        super().__init__(parent)
        # the line under the body ('Both on target!', a warning): off where the view is a part of a feedback
        # view, whose reward and mode lines say the same, so it is not said twice
        self.status_line = status_line
        self.lat_side, self.glute_side = sling_sides(lat_side)
        self.theme = theme or THEMES[DEFAULT_THEME]
        self.colours: BodyColours = body_colours(self.theme)
        self.fig: Figures | None = None
        self.labels = {Muscle.LAT: "Lat", Muscle.GLUTE: "Glute"}
        self.warning = ""
        self.scale = {Muscle.LAT: 100.0, Muscle.GLUTE: 100.0}
        self.text_px: tuple[int, int] | None = None  # set_text_px; None: sizes from the view's height
        self.other: _OtherSling | None = None  # four sensors: the other sling (`show_other_sling`)
        self.setMinimumSize(160, 240)

    def set_sling(self, lat_side: BodySide | str) -> None:
        """Coach the sling of the lat on `lat_side` and the glute on the other side."""
        self.lat_side, self.glute_side = sling_sides(lat_side)
        self.update()

    def set_text_px(self, largest: int, smallest: int) -> None:
        """Size the words for a distance (the client screen's sizes): each muscle's level from `largest` px
        down to `smallest` as its half of the width allows, its name at `smallest`, and no target line (the
        band's dashed edges on the muscle say it): the body keeps a third of a low window."""
        self.text_px = (largest, smallest)
        self.update()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.colours = body_colours(theme)
        self.update()

    def show_figures(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                     warning: str = "") -> None:
        """One frame of feedback (None: no lat + glute pair assigned); `warning` replaces the status line."""
        self.fig = fig
        self.labels = {Muscle.LAT: lat_label, Muscle.GLUTE: glute_label}
        self.warning = warning
        if fig is not None:
            for m in Muscle:
                self.scale[m] = next_scale(self.scale[m], self._value(m), self._band(m), fig.unit)
        self.update()

    def show_other_sling(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute") -> None:
        """Four sensors: the other sling's figures (its lat on the coached glute's side), drawn beside the
        coached sling's; None: one sling, the other's muscles faint as before."""
        if fig is None:
            self.other = None
        else:
            scale = self.other.scale if self.other is not None else {Muscle.LAT: 100.0, Muscle.GLUTE: 100.0}
            self.other = _OtherSling(fig, {Muscle.LAT: lat_label, Muscle.GLUTE: glute_label}, scale)
            for m in Muscle:
                scale[m] = next_scale(scale[m], self._value(m, 1), self._band(m, 1), fig.unit)
        self.update()

    def _slings(self) -> range:
        return range(2 if self.other is not None else 1)

    # --- what tests read
    def line_lit(self, k: int = 0) -> bool:
        """Whether the line lat-to-glute of sling k (0 the coached one, 1 the other) is lit: both on
        target together."""
        fig = self._fig(k)
        return fig is not None and fig.both_on_target

    def fill_fraction(self, muscle: Muscle | str, k: int = 0) -> float:
        """How far up its region a muscle (of sling k) is filled, 0-1: its level over the region's scale."""
        m = Muscle(muscle)
        v = self._value(m, k)
        return min(max(v / self._scale(k)[m], 0.0), 1.0) if math.isfinite(v) else 0.0

    def line_points(self, k: int = 0) -> tuple[QPointF, QPointF]:
        """Sling k's line's ends, on the lat's and the glute's sensor sites, in widget coordinates."""
        t = self._frame()
        return (t.map(body_back.site(Muscle.LAT, self._side(Muscle.LAT, k))),
                t.map(body_back.site(Muscle.GLUTE, self._side(Muscle.GLUTE, k))))

    def region_rect(self, muscle: Muscle | str, k: int = 0) -> QRectF:
        """A muscle's region's bounds in widget coordinates (on its side of sling k)."""
        m = Muscle(muscle)
        return self._frame().map(body_back.region(m, self._side(m, k))).boundingRect()

    def texts(self) -> list[tuple[QRectF, QFont, str]]:
        out: list[tuple[QRectF, QFont, str]] = []
        for r in self._readouts().values():
            out += [r.title, r.value, r.band]
        if self.status_line:
            out.append(self._status())
        return [t for t in out if t[2]]

    # --- figures (k: 0 the coached sling, 1 the other)
    def _side(self, muscle: Muscle, k: int = 0) -> BodySide:
        side = self.lat_side if muscle is Muscle.LAT else self.glute_side
        return side if k == 0 else side.other()

    def _fig(self, k: int) -> Figures | None:
        return self.fig if k == 0 else self.other.fig if self.other is not None else None

    def _scale(self, k: int) -> dict[Muscle, float]:
        return self.scale if k == 0 or self.other is None else self.other.scale

    def _label(self, key: Key) -> str:
        k, m = key
        return self.labels[m] if k == 0 or self.other is None else self.other.labels[m]

    def _value(self, muscle: Muscle, k: int = 0) -> float:
        fig = self._fig(k)
        if fig is None:
            return float("nan")
        return fig.lat if muscle is Muscle.LAT else fig.glute

    def _band(self, muscle: Muscle, k: int = 0) -> Band:
        fig = self._fig(k)
        if fig is None:
            return Band(float("inf"))
        return fig.lat_band if muscle is Muscle.LAT else fig.glute_band

    # --- layout
    def _heights(self) -> tuple[float, float, float, float]:
        """(title, value, band, status) line heights for this size."""
        h = float(self.height())
        status_h = min(max(h * 0.05, 16.0), 34.0) if self.status_line else 0.0
        if self.text_px is not None:  # the name at the smaller size, the level at the larger, no target line
            largest, smallest = self.text_px
            return (math.ceil(QFontMetricsF(pixel_font(self.font(), smallest)).height()),
                    math.ceil(QFontMetricsF(pixel_font(self.font(), largest)).height()), 0.0, status_h)
        return (min(max(h * 0.045, 16.0), 30.0), min(max(h * 0.09, 24.0), 72.0), min(max(h * 0.035, 14.0), 22.0),
                status_h)

    def _body_rect(self) -> QRectF:
        return self._arrangement()[0]

    def _frame(self) -> QTransform:
        return body_back.frame(self._body_rect(), BODY_BOTTOM)

    def _arrangement(self) -> tuple[QRectF, dict[Key, QRectF]]:
        """The body's rectangle and each muscle's words' block: in a row above the body (a column's narrow
        view), or either side of it, level with its muscle, where that draws the body larger (a wide, low
        view: the client screen on a 1024 x 700 screen, whose words take half its height). Both slings:
        two rows above the body, the lats' words over the glutes', each on its muscle's side."""
        title_h, value_h, band_h, status_h = self._heights()
        block_h = title_h + value_h + band_h
        w, h = float(self.width()), float(self.height())
        room_h = h - status_h - 8.0
        b = body_back.box(BODY_BOTTOM)
        if self.other is not None:
            body = QRectF(4.0, 2 * block_h + 4.0, w - 8.0, room_h - 2 * block_h)
            return body, {(k, m): QRectF(6.0 if self._side(m, k) is BodySide.LEFT else w / 2 + 8,
                                         0.0 if m is Muscle.LAT else block_h, w / 2 - 14, block_h)
                          for k in (0, 1) for m in Muscle}
        above = QRectF(4.0, block_h + 4.0, w - 8.0, room_h - block_h)
        above_scale = min(above.width() / b.width(), above.height() / b.height())
        body_w = min(b.width() * room_h / b.height(), w / 2)
        column_w = (w - body_w) / 2 - SIDE_GAP
        if column_w >= MIN_SIDE_COLUMN and min(body_w / b.width(), room_h / b.height()) > above_scale:
            body = QRectF((w - body_w) / 2, 4.0, body_w, room_h)
            t = body_back.frame(body, BODY_BOTTOM)
            blocks = {}
            for m in Muscle:
                left = self._side(m) is BodySide.LEFT
                level = t.map(body_back.region(m, self._side(m))).boundingRect().center().y()
                top = min(max(level - block_h / 2, 0.0), max(0.0, h - status_h - block_h))
                blocks[(0, m)] = QRectF(6.0 if left else w - 6.0 - column_w, top, column_w, block_h)
            return body, blocks
        return above, {(0, m): QRectF(6.0 if self._side(m) is BodySide.LEFT else w / 2 + 8, 0.0, w / 2 - 14, block_h)
                       for m in Muscle}  # a gap between the two

    def _readouts(self) -> dict[Key, _Readout]:
        """Each muscle's words on its side (the lat's and the glute's are on opposite sides): above the
        body, or beside it (`_arrangement`), so the body can be as large as the view."""
        title_h, value_h, band_h, _ = self._heights()
        out: dict[Key, _Readout] = {}
        for (k, m), col in self._arrangement()[1].items():
            fig = self._fig(k)
            unit = fig.unit if fig is not None else ""  # each sling's own (one may be calibrated, the other not)
            left = self._side(m, k) is BodySide.LEFT
            width = col.width() - 2
            if self.text_px is not None:  # pixel sizes, read from a distance; the band is drawn on the muscle
                largest, smallest = self.text_px
                title_f, title = fit(self.font(), [self._label((k, m))], width, title_h, smallest, min(smallest, 9),
                                     pixels=True)
                value_f, value = fit(self.font(), [_value_text(self._value(m, k), unit)], width, value_h, largest,
                                     smallest, pixels=True)
                band_f, band = QFont(self.font()), ""
            else:
                title_f, title = fit(self.font(), [self._label((k, m))], width, title_h, 16, 7)
                value_f, value = fit(self.font(), [_value_text(self._value(m, k), unit)], width, value_h, 40, 8)
                band_f, band = fit(self.font(), _band_texts(self._band(m, k), unit), width, band_h, 11, 7, bold=False)
            top = col.top()
            out[(k, m)] = _Readout(
                (QRectF(col.left(), top, col.width(), title_h), title_f, title),
                (QRectF(col.left(), top + title_h, col.width(), value_h), value_f, value),
                (QRectF(col.left(), top + title_h + value_h, col.width(), band_h), band_f, band),
                Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight)
        return out

    def _status(self) -> tuple[QRectF, QFont, str]:
        _, _, _, status_h = self._heights()
        text = NO_PAIR if self.fig is None else self.warning or (ON_TARGET if self.line_lit() else "")
        if self.fig is None and self.warning:
            text = self.warning
        w = float(self.width())
        rect = QRectF(4.0, self.height() - status_h - 2.0, w - 8.0, status_h)
        font, _ = fit(self.font(), [text], w - 10, status_h, 16 if text == ON_TARGET else 11, 7, bold=text == ON_TARGET)
        return rect, font, self._elided(text, font, w - 10)

    @staticmethod
    def _elided(text: str, font: QFont, width: float) -> str:
        """A warning too long for the line even at the smallest size ends in '…' (the window logs it whole)."""
        fm = QFontMetricsF(font)
        return fm.elidedText(text, Qt.TextElideMode.ElideRight, width) if fm.horizontalAdvance(text) > width else text

    # --- painting
    def paintEvent(self, _event: object) -> None:  # Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(self.theme.window))
        c = self.colours
        t = self._frame()
        paint_body(p, t, c, muscles=False)
        fascia = QColor(c.detail)
        fascia.setAlphaF(0.35)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fascia)
        p.drawPath(t.map(body_back.fascia()))
        if self.other is None:
            for m in Muscle:  # the muscles off the sling: faint
                p.setPen(QPen(c.detail, 1.0))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawPath(t.map(body_back.region(m, self._side(m).other())))
        for k in self._slings():
            for m in Muscle:
                self._paint_muscle(p, t, m, k)
            self._paint_line(p, k)
        for (k, m), r in self._readouts().items():
            on = self._band(m, k).contains(self._value(m, k))
            for (rect, font, text), colour in ((r.title, c.text), (r.value, GREEN if on else c.text),
                                               (r.band, c.faint_text)):
                p.setFont(font)
                p.setPen(colour)
                p.drawText(rect, int(r.align | Qt.AlignmentFlag.AlignVCenter), text)
        if not self.status_line:
            return
        rect, font, text = self._status()
        p.setFont(font)
        p.setPen(GREEN if text == ON_TARGET else QColor(self.theme.text))
        p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)

    def _paint_muscle(self, p: QPainter, t: QTransform, m: Muscle, k: int = 0) -> None:
        """The region (of sling k) empty, filled from its bottom up to its level (green in band, amber out
        of it), the band's edges as dashed lines across it, and a green rim while the level is in the band."""
        c = self.colours
        region = t.map(body_back.region(m, self._side(m, k)))
        bounds = region.boundingRect()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(mix(c.fill, QColor(self.theme.window), 0.6))  # an empty well in either theme
        p.drawPath(region)
        value, band = self._value(m, k), self._band(m, k)
        on = band.contains(value)
        scale = self._scale(k)[m]

        def y_of(level: float) -> float:
            return bounds.bottom() - bounds.height() * min(max(level / scale, 0.0), 1.0)

        p.save()
        p.setClipPath(region)
        frac = self.fill_fraction(m, k)
        if frac > 0:
            level = QPainterPath()
            level.addRect(QRectF(bounds.left(), bounds.bottom() - bounds.height() * frac, bounds.width(),
                                 bounds.height() * frac + 1))
            p.setBrush(GREEN if on else AMBER)
            p.drawPath(level)
        if math.isfinite(band.lo):
            p.setPen(QPen(QColor(self.theme.text), 2.0, Qt.PenStyle.DashLine))
            for edge in (band.lo, band.hi):
                if math.isfinite(edge):
                    y = y_of(edge)
                    p.drawLine(QPointF(bounds.left(), y), QPointF(bounds.right(), y))
        p.restore()
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(GREEN, 4.0) if on else QPen(c.muscle_edge, 1.5))
        p.drawPath(region)

    def _paint_line(self, p: QPainter, k: int = 0) -> None:
        """Lat to glute (of sling k) across the fascia: thick and green when both are on target, a thin
        dashed line else."""
        a, b = self.line_points(k)
        if self.line_lit(k):
            glow = QColor(GREEN)
            glow.setAlphaF(0.35)
            width = max(8.0, self.width() * 0.025)
            p.setPen(QPen(glow, width * 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(a, b)
            p.setPen(QPen(GREEN, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        else:
            p.setPen(QPen(self.colours.outline, 2.0, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(a, b)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(self.theme.text))
        for end in (a, b):  # the two sensors
            p.drawEllipse(end, 4.0, 4.0)
