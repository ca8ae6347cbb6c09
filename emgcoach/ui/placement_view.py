"""Where to put a sensor: the body from behind with the site of the sensor being set up lit (its two
electrodes to scale along the fibres, a ring round it, the reference electrode and the landmarks it is
found from), its sling partner on the opposite side dimmer, and beside it what to do in words: where,
which way, how far apart, the reference, skin preparation, with a magnified drawing of the electrode pair.

The facts come from `coach.placement`, the body from `ui.body_back`. `PlacementDialog` wraps the view
with a muscle and side chooser; the window opens it with `open_placement` (device panel, drill panel,
first run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QGuiApplication, QPainter, QPen, QTransform
from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QLabel, QPushButton, QRadioButton, QVBoxLayout, QWidget

from emgcoach.coach.placement import (
    INTER_ELECTRODE_MM,
    MAX_ELECTRODE_MM,
    BodySide,
    Landmark,
    Muscle,
    fibre_angle_deg,
    instructions,
    site_rule,
    sling_partner,
)
from emgcoach.ui import body_back
from emgcoach.ui.body_back import BodyColours, body_colours, paint_body
from emgcoach.ui.feedback import PaintedText
from emgcoach.ui.theme import DEFAULT_THEME, THEMES, Theme, clear_radio

BODY_BOTTOM = 0.74  # the body is drawn from the head to just below the knees: the sites are all above
PAD_MARGIN_MM = 4.0  # the sensor's body round its electrodes, as drawn
RING_PX = 15.0  # the ring round the lit site, so it is found at a glance whatever the scale
MARGIN = 8.0
LANDMARK_NAMES = {
    Landmark.C7: "C7",
    Landmark.INFERIOR_ANGLE: "inferior angle",
    Landmark.POSTERIOR_AXILLARY_FOLD: "armpit fold",
    Landmark.L3: "L3",
    Landmark.ILIAC_CREST: "iliac crest",
    Landmark.PSIS: "PSIS",
    Landmark.S2: "S2",
    Landmark.GREATER_TROCHANTER: "greater trochanter",
    Landmark.MID_POSTERIOR_THIGH: "mid-thigh",
}
SIDE_WORD = {BodySide.LEFT: "Left", BodySide.RIGHT: "Right"}
MUSCLE_WORD = {Muscle.LAT: "Lat", Muscle.GLUTE: "Glute"}


@dataclass(frozen=True)
class _Text:
    rect: QRectF
    font: QFont
    text: str
    colour: QColor
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class _Label:
    """A landmark's name in the margin beside the body, with its leader line."""

    at: QPointF  # the landmark, widget coordinates
    text: _Text


@dataclass(frozen=True)
class _Layout:
    body: QRectF
    t: QTransform
    labels: list[_Label]
    column: list[_Text]
    detail: QRectF  # the magnified electrode pair


def _font(base: QFont, points: float, bold: bool = False) -> QFont:
    f = QFont(base)
    f.setPointSizeF(points)
    f.setBold(bold)
    return f


def wrap(text: str, font: QFont, width: float) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` px (a word wider than that stands alone)."""
    fm = QFontMetricsF(font)
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and fm.horizontalAdvance(trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


class PlacementView(QWidget, PaintedText):
    """The body with one sensor's site lit and its partner's dimmer, and the instructions beside it."""

    def __init__(self, muscle: Muscle | str = Muscle.LAT, side: BodySide | str = BodySide.LEFT,
                 theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.muscle, self.side = Muscle(muscle), BodySide(side)
        self.theme = theme or THEMES[DEFAULT_THEME]
        self.colours: BodyColours = body_colours(self.theme)
        self.setMinimumSize(600, 420)  # the words fit at 8 pt, without the magnified pair and sources
        self._cache: tuple[tuple[int, int, Muscle, BodySide], _Layout] | None = None
        self.setToolTip(instructions(self.muscle, self.side).sources)  # also where a small view drops them

    # --- what tests and the dialog use
    def set_sensor(self, muscle: Muscle | str, side: BodySide | str) -> None:
        """Light the site of the sensor on `muscle`, `side` (its sling partner is shown dimmer)."""
        self.muscle, self.side = Muscle(muscle), BodySide(side)
        self.setToolTip(instructions(self.muscle, self.side).sources)
        self._cache = None
        self.update()

    def lit_site(self) -> tuple[Muscle, BodySide]:
        return self.muscle, self.side

    def partner(self) -> tuple[Muscle, BodySide]:
        return sling_partner(self.muscle, self.side)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.colours = body_colours(theme)
        self._cache = None
        self.update()

    def site_point(self, muscle: Muscle | str, side: BodySide | str) -> QPointF:
        """A site's centre (the middle of its electrode pair) in widget coordinates."""
        return self.to_widget(body_back.site(muscle, side))

    def to_widget(self, point: QPointF) -> QPointF:
        """A point in body coordinates (`ui.body_back`) where this view draws it."""
        return self._layout().t.map(point)

    def px_per_mm(self) -> float:
        return self._layout().t.m11() * body_back.mm(1.0)

    def texts(self) -> list[tuple[QRectF, QFont, str]]:
        lay = self._layout()
        return [(t.rect, t.font, t.text) for t in [*(lab.text for lab in lay.labels), *lay.column]]

    def clipped_texts(self) -> list[str]:
        """The painted texts that do not fit their rectangle, or whose rectangle leaves the widget."""
        out = PaintedText.clipped_texts(self)
        room = QRectF(self.rect()).adjusted(-0.5, -0.5, 0.5, 0.5)
        out += [text for rect, _font, text in self.texts() if text and not room.contains(rect) and text not in out]
        return out

    # --- layout
    def _layout(self) -> _Layout:
        key = (self.width(), self.height(), self.muscle, self.side)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._make_layout())
        return self._cache[1]

    def _label_widths(self, font: QFont) -> tuple[float, float]:
        """How wide the landmark names are in the left and the right margin."""
        fm = QFontMetricsF(font)
        widths = {True: 0.0, False: 0.0}
        for lm, _side in self._landmarks():
            widths[self._label_on_left(lm)] = max(widths[self._label_on_left(lm)],
                                                  fm.horizontalAdvance(self._landmark_text(lm)) + 8)
        return widths[True], widths[False]

    def _label_on_left(self, lm: Landmark) -> bool:
        """The lit side's landmarks are named in its margin, the midline ones in the other."""
        lit_left = self.side is BodySide.LEFT
        return (not lit_left) if lm.midline else lit_left

    def _make_layout(self) -> _Layout:
        w, h = float(self.width()), float(self.height())
        inner = QRectF(MARGIN, MARGIN, w - 2 * MARGIN, h - 2 * MARGIN)
        # the words take at least 45 % of the width (300 px if there is room); the body, as tall as the
        # view, and its landmarks' names share the rest
        label_font = _font(self.font(), 9)
        column_w = max(min(300.0, inner.width() * 0.6), inner.width() * 0.45)
        left_w, right_w = self._label_widths(label_font)
        room = inner.width() - column_w - 12
        box = body_back.box(BODY_BOTTOM)
        body_w = max(40.0, min(inner.height() * box.width() / box.height(), room - left_w - right_w))
        spare = max(0.0, room - left_w - right_w - body_w)
        body = QRectF(inner.left() + left_w + spare / 2, inner.top(), body_w, inner.height())
        t = body_back.frame(body, BODY_BOTTOM)
        labels = self._labels(t, body, (left_w, right_w), label_font)
        left = inner.right() - column_w
        texts, detail = self._column(QRectF(left, inner.top(), column_w, inner.height()))
        return _Layout(body, t, labels, texts, detail)

    def _landmarks(self) -> list[tuple[Landmark, BodySide]]:
        """The landmarks the lit site and its reference are found from."""
        rule = site_rule(self.muscle)
        names = [rule.from_landmark, rule.to_landmark, rule.reference.landmark]
        if self.muscle is Muscle.GLUTE:  # its orientation line, drawn from the PSIS to the middle of the thigh
            names += [rule.orientation_from, rule.orientation_to]
        out: list[tuple[Landmark, BodySide]] = []
        for lm in names:
            if (lm, self.side) not in out:
                out.append((lm, self.side))
        return out

    def _landmark_text(self, lm: Landmark) -> str:
        ref = site_rule(self.muscle).reference.landmark == lm
        return f"{LANDMARK_NAMES[lm]} (ref.)" if ref else LANDMARK_NAMES[lm]

    def _labels(self, t: QTransform, body: QRectF, widths: tuple[float, float], font: QFont) -> list[_Label]:
        """Landmark names in the margins, each level with its landmark unless that would overlap the one
        above."""
        line_h = QFontMetricsF(font).height()
        out: list[_Label] = []
        for on_left, width in zip((True, False), widths):
            items = [(t.map(body_back.landmark(lm, side)), self._landmark_text(lm))
                     for lm, side in self._landmarks() if self._label_on_left(lm) == on_left]
            items.sort(key=lambda it: it[0].y())
            floor = body.top()
            for at, text in items:
                y = max(at.y() - line_h / 2, floor)
                floor = y + line_h
                x = body.left() - width if on_left else body.right()
                edge = Qt.AlignmentFlag.AlignRight if on_left else Qt.AlignmentFlag.AlignLeft
                align = edge | Qt.AlignmentFlag.AlignVCenter
                out.append(_Label(at, _Text(QRectF(x, y, width, line_h), font, text, self.colours.text, align)))
        return out

    def _paragraphs(self) -> list[tuple[str, list[str]]]:
        """(heading, paragraphs) of the instructions."""
        i = instructions(self.muscle, self.side)
        return [
            ("Where", [i.where]),
            ("Direction", [i.orientation]),
            ("Electrodes", [i.distance]),
            ("Reference", [i.reference]),
            ("Partner", [i.partner]),
            ("Skin", [f"{n}. {step}" for n, step in enumerate(i.skin, 1)]),
        ]

    def _column(self, col: QRectF) -> tuple[list[_Text], QRectF]:
        """The words at the largest size (12 pt down to 8) at which they fit the column; on a small view
        the magnified pair, then the sources (kept in the tooltip), give way before the words get smaller."""
        out: list[_Text] = []
        detail = QRectF()
        for with_detail, with_sources in ((True, True), (False, True), (False, False)):
            for points in (12.0, 11.0, 10.0, 9.5, 9.0, 8.5, 8.0):
                out, detail, bottom = self._column_at(col, points, with_detail, with_sources)
                if bottom <= col.bottom():
                    return out, detail
        return out, detail

    def _column_at(self, col: QRectF, points: float, with_detail: bool = True,
                   with_sources: bool = True) -> tuple[list[_Text], QRectF, float]:
        """The column's texts at `points` pt, the magnified pair's square, and where the texts end."""
        c = self.colours
        i = instructions(self.muscle, self.side)
        title_f = _font(self.font(), points + 4, bold=True)
        head_f = _font(self.font(), points, bold=True)
        body_f = _font(self.font(), points)
        small_f = _font(self.font(), max(points - 1.5, 7.0))
        out: list[_Text] = []
        y = col.top()
        for line in wrap(i.title, title_f, col.width()):
            hgt = QFontMetricsF(title_f).height()
            out.append(_Text(QRectF(col.left(), y, col.width(), hgt), title_f, line, c.text))
            y += hgt
        y += 4
        head_w = max(QFontMetricsF(head_f).horizontalAdvance(h) for h, _ in self._paragraphs()) + 10
        text_x, text_w = col.left() + head_w, col.width() - head_w
        body_h = QFontMetricsF(body_f).height()
        detail = QRectF()
        for heading, paras in self._paragraphs():
            out.append(_Text(QRectF(col.left(), y, head_w, body_h), head_f, heading, c.faint_text))
            for para in paras:
                indent = QFontMetricsF(body_f).horizontalAdvance("0. ") if para[:1].isdigit() else 0.0
                for k, line in enumerate(wrap(para[len("0. "):] if indent else para, body_f, text_w - indent)):
                    if indent and k == 0:
                        out.append(_Text(QRectF(text_x, y, indent, body_h), body_f, para[:2], c.text))
                    out.append(_Text(QRectF(text_x + indent, y, text_w - indent, body_h), body_f, line, c.text))
                    y += body_h
            y += body_h * 0.35
            if heading == "Electrodes" and with_detail:  # the pair magnified, under the words about it
                size = max(4.2 * body_h, 64.0)
                detail = QRectF(text_x, y, text_w, size)
                out += self._detail_texts(detail, small_f)
                y = detail.bottom() + body_h * 0.5
        if with_sources:
            for line in wrap(i.sources, small_f, col.width()):
                hgt = QFontMetricsF(small_f).height()
                out.append(_Text(QRectF(col.left(), y, col.width(), hgt), small_f, line, c.faint_text))
                y += hgt
        return out, detail, y

    def _detail_geometry(self, rect: QRectF) -> tuple[QPointF, float, float]:
        """(centre, px per mm, angle in degrees as drawn) of the magnified pair in `rect` (a square on its left)."""
        side = rect.height()
        scale = side / (INTER_ELECTRODE_MM + MAX_ELECTRODE_MM + 2 * PAD_MARGIN_MM + 4)
        return QPointF(rect.left() + side / 2, rect.center().y()), scale, fibre_angle_deg(self.muscle, self.side)

    def _detail_texts(self, rect: QRectF, font: QFont) -> list[_Text]:
        """The magnified pair's captions, right of it."""
        c = self.colours
        x = rect.left() + rect.height() + 8
        width = rect.right() - x
        if width < 40:
            return []
        fm = QFontMetricsF(font)
        lines = [f"{INTER_ELECTRODE_MM:.0f} mm centre to centre", f"electrodes ≤ {MAX_ELECTRODE_MM:.0f} mm",
                 "along the fibres", "(magnified)"]
        out: list[_Text] = []
        y = rect.center().y() - len(lines) * fm.height() / 2
        for line in lines:
            out.append(_Text(QRectF(x, y, width, fm.height()), font, line, c.faint_text))
            y += fm.height()
        return out

    # --- painting
    def paintEvent(self, _event: object) -> None:  # Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(self.theme.window))
        lay = self._layout()
        c = self.colours
        paint_body(p, lay.t, c)
        pm, ps = self.partner()
        self._paint_region(p, lay.t, self.muscle, self.side, lit=True)
        self._paint_region(p, lay.t, pm, ps, lit=False)
        if self.muscle is Muscle.GLUTE:
            self._paint_glute_lines(p, lay.t)
        for lab in lay.labels:  # under the sensors, so a leader passing by does not cross them
            self._paint_leader(p, lab)
        self._paint_reference(p, lay.t)
        self._paint_pad(p, lay.t, pm, ps, c.dim_highlight)
        self._paint_pad(p, lay.t, self.muscle, self.side, c.highlight)
        centre = lay.t.map(body_back.site(self.muscle, self.side))
        p.setPen(QPen(c.highlight, 2.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(centre, RING_PX, RING_PX)
        self._paint_detail(p, lay.detail)
        for t in [*(lab.text for lab in lay.labels), *lay.column]:
            p.setFont(t.font)
            p.setPen(t.colour)
            p.drawText(t.rect, int(t.align), t.text)

    def _paint_region(self, p: QPainter, t: QTransform, muscle: Muscle, side: BodySide, lit: bool) -> None:
        c = self.colours
        path = t.map(body_back.region(muscle, side))
        tint = QColor(c.highlight)
        tint.setAlphaF(0.30 if lit else 0.15)
        p.setPen(QPen(c.highlight if lit else c.dim_highlight, 2.0 if lit else 1.5))
        p.setBrush(tint)
        p.drawPath(path)

    def _paint_glute_lines(self, p: QPainter, t: QTransform) -> None:
        """The two lines the glute's site is found on: S2 to the trochanter (the site half-way), and the
        PSIS to the middle of the thigh (the pair's direction)."""
        c = self.colours
        pen = QPen(c.faint_text, 1.2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        for a, b in ((Landmark.S2, Landmark.GREATER_TROCHANTER), (Landmark.PSIS, Landmark.MID_POSTERIOR_THIGH)):
            p.drawLine(t.map(body_back.landmark(a, self.side)), t.map(body_back.landmark(b, self.side)))

    def _paint_reference(self, p: QPainter, t: QTransform) -> None:
        c = self.colours
        at = t.map(body_back.reference(self.muscle, self.side))
        r = max(MAX_ELECTRODE_MM / 2 * self.px_per_mm(), 4.0)
        p.setPen(QPen(c.highlight, 2.0))
        p.setBrush(QColor("#f4f4f4"))
        p.drawEllipse(at, r, r)

    def _paint_pad(self, p: QPainter, t: QTransform, muscle: Muscle, side: BodySide, colour: QColor) -> None:
        """A sensor to scale: its body round the two electrodes, along the fibre angle."""
        centre = t.map(body_back.site(muscle, side))
        self._draw_pair(p, centre, self.px_per_mm(), fibre_angle_deg(muscle, side), colour)

    def _draw_pair(self, p: QPainter, centre: QPointF, per_mm: float, angle_deg: float, colour: QColor) -> None:
        length = (INTER_ELECTRODE_MM + MAX_ELECTRODE_MM + 2 * PAD_MARGIN_MM) * per_mm
        width = (MAX_ELECTRODE_MM + 2 * PAD_MARGIN_MM) * per_mm
        p.save()
        p.translate(centre)
        p.rotate(-angle_deg)  # the angle is anticlockwise with y up; Qt's y runs down
        p.setPen(QPen(self.colours.outline, 1.0))
        p.setBrush(colour)
        p.drawRoundedRect(QRectF(-length / 2, -width / 2, length, width), width / 3, width / 3)
        r = MAX_ELECTRODE_MM / 2 * per_mm
        p.setBrush(QColor("#f4f4f4"))
        p.setPen(QPen(QColor("#303030"), max(0.8, per_mm * 0.6)))
        for dx in (-INTER_ELECTRODE_MM / 2 * per_mm, INTER_ELECTRODE_MM / 2 * per_mm):
            p.drawEllipse(QPointF(dx, 0.0), r, r)
        p.restore()

    def _paint_leader(self, p: QPainter, lab: _Label) -> None:
        c = self.colours
        r = lab.text.rect
        end = QPointF(r.right() + 2 if lab.text.align & Qt.AlignmentFlag.AlignRight else r.left() - 2, r.center().y())
        p.setPen(QPen(c.faint_text, 1.0))
        p.drawLine(lab.at, end)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(c.text)
        p.drawEllipse(lab.at, 2.5, 2.5)

    def _paint_detail(self, p: QPainter, rect: QRectF) -> None:
        """The lit sensor's electrode pair magnified, at its angle, with the fibres' direction through it."""
        if rect.isEmpty():
            return
        c = self.colours
        centre, scale, angle = self._detail_geometry(rect)
        side = rect.height()
        p.setPen(QPen(c.detail, 1.0))
        p.setBrush(c.fill)
        p.drawEllipse(centre, side / 2, side / 2)
        a = math.radians(angle)
        d = QPointF(math.cos(a), -math.sin(a)) * (side / 2 - 3)
        p.setPen(QPen(c.muscle_edge, 1.2, Qt.PenStyle.DashLine))
        p.drawLine(centre - d, centre + d)
        self._draw_pair(p, centre, scale, angle, c.highlight)


class PlacementDialog(QDialog):
    """The placement view with a chooser of muscle and side; `sensor_changed(muscle, side)` on a change."""

    sensor_changed = Signal(str, str)

    def __init__(self, muscle: Muscle | str = Muscle.LAT, side: BodySide | str = BodySide.LEFT,
                 theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sensor placement")
        self.view = PlacementView(muscle, side, theme)
        self.muscle_buttons = QButtonGroup(self)
        self.side_buttons = QButtonGroup(self)
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("Sensor:"))
        choices: tuple[tuple[QButtonGroup, list[tuple[StrEnum, str]]], ...] = (
            (self.muscle_buttons, [(m, MUSCLE_WORD[m]) for m in Muscle]),
            (self.side_buttons, [(s, SIDE_WORD[s]) for s in BodySide]),
        )
        for group, members in choices:
            for k, (member, word) in enumerate(members):
                b = clear_radio(QRadioButton(word))
                b.setProperty("member", member.value)
                group.addButton(b, k)
                chooser.addWidget(b)
            chooser.addSpacing(16)
        chooser.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        chooser.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(chooser)
        lay.addWidget(self.view, 1)
        self._show_choice()
        self.muscle_buttons.idToggled.connect(self._chosen)
        self.side_buttons.idToggled.connect(self._chosen)
        self.resize(*dialog_size(self))

    def set_sensor(self, muscle: Muscle | str, side: BodySide | str) -> None:
        self.view.set_sensor(muscle, side)
        self._show_choice()

    def set_theme(self, theme: Theme) -> None:
        self.view.set_theme(theme)

    def _show_choice(self) -> None:
        m, s = self.view.lit_site()
        for group, value in ((self.muscle_buttons, m.value), (self.side_buttons, s.value)):
            for b in group.buttons():
                if b.property("member") == value and not b.isChecked():
                    b.setChecked(True)

    def _chosen(self, _id: int, checked: bool) -> None:
        if not checked:
            return
        m = self.muscle_buttons.checkedButton()
        s = self.side_buttons.checkedButton()
        if m is None or s is None:
            return
        muscle, side = Muscle(m.property("member")), BodySide(s.property("member"))
        if (muscle, side) != self.view.lit_site():
            self.view.set_sensor(muscle, side)
            self.sensor_changed.emit(muscle.value, side.value)


def dialog_size(widget: QWidget) -> tuple[int, int]:
    """880 x 600, or less on a smaller screen (a 1024 x 700 laptop keeps room for its panel and title bar)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry() if screen is not None else None
    w, h = 880, 600
    if avail is not None and avail.width() > 0:
        w, h = min(w, avail.width() - 40), min(h, avail.height() - 60)
    return max(w, 600), max(h, 420)


def open_placement(parent: QWidget | None, muscle: Muscle | str, side: BodySide | str,
                   theme: Theme | None = None) -> PlacementDialog:
    """Show the placement dialog for one sensor (not modal: it can stay open while the electrodes go on)."""
    dialog = PlacementDialog(muscle, side, theme, parent)
    dialog.show()
    return dialog

