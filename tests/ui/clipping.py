"""Find text a window does not show whole: labels, buttons, group titles and the texts the feedback view
paints, each checked against the room it was given (and against every parent's, so a widget pushed out
of its panel counts too). Text that gives way on purpose (elided, with the whole in its tooltip) passes."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

from emgcoach.ui.feedback import PaintedText
from emgcoach.ui.text import ElidedLabel, WrappedText

SLACK = 1  # px: rounding


def _outside_parents(w: QWidget, top: QWidget) -> str:
    """'' if the widget lies inside each of its parents up to `top`, else which one cuts it."""
    parent = w.parentWidget()
    while parent is not None:
        r = QRect(w.mapTo(parent, QPoint(0, 0)), w.size()).adjusted(SLACK, SLACK, -SLACK, -SLACK)
        if parent.objectName() == "qt_scrollarea_viewport":  # scrolled to, not cut: only its width counts
            if r.left() < 0 or r.right() > parent.width():
                return f"cut by the width of {type(parent.parentWidget()).__name__}"
            w = parent.parentWidget()  # from here on, the scroll area is what must fit
            parent = w.parentWidget()
            continue
        if not parent.rect().contains(r):
            return f"cut by {type(parent).__name__} {parent.objectName() or ''}".strip()
        if parent is top:
            return ""
        parent = parent.parentWidget()
    return ""


def _label_problem(lab: QLabel) -> str:
    text = lab.text()
    if not text or lab.textFormat() == Qt.RichText:
        return ""
    room = lab.contentsRect()
    fm = QFontMetrics(lab.font())
    if isinstance(lab, ElidedLabel):
        return "elided without a tooltip" if lab.is_elided() and lab.toolTip() != text else ""
    if lab.wordWrap():
        need = fm.boundingRect(QRect(0, 0, room.width(), 100000), int(Qt.TextWordWrap | lab.alignment()), text)
        if need.width() > room.width() + SLACK:
            return f"a word wider than {room.width()} px"
        if need.height() > room.height() + SLACK:
            return f"needs {need.height()} px high, has {room.height()}"
        return ""
    width = max(fm.horizontalAdvance(line) for line in text.split("\n"))
    if width > room.width() + SLACK:
        return f"needs {width} px wide, has {room.width()}"
    if fm.height() * len(text.split("\n")) > room.height() + SLACK:
        return f"needs {fm.height()} px high, has {room.height()}"
    return ""


def clipped_text(window: QWidget) -> list[str]:
    """One line per piece of text on show in `window` that is not shown whole."""
    problems: list[str] = []
    for w in [window, *window.findChildren(QWidget)]:
        if not w.isVisible() or w.width() <= 0:
            continue
        what = ""
        name = ""
        if isinstance(w, QLabel):
            name, what = w.text(), _label_problem(w)
        elif isinstance(w, WrappedText):
            name = w.text()
            if w.is_elided() and w.toolTip() != w.text():
                what = "elided without a tooltip"
            elif w.height() + SLACK < w.minimumSizeHint().height():
                what = f"squeezed to {w.height()} px"
        elif isinstance(w, QAbstractButton) and w.text():
            name = w.text()
            if w.sizeHint().width() > w.width() + SLACK:
                what = f"needs {w.sizeHint().width()} px wide, has {w.width()}"
        elif isinstance(w, QGroupBox) and w.title():
            name = w.title()
            if QFontMetrics(w.font()).horizontalAdvance(w.title()) + 16 > w.width():
                what = "title wider than the box"
        if isinstance(w, PaintedText):
            name = type(w).__name__
            cut = w.clipped_texts()
            if cut:
                what = f"paints {cut} clipped"
            elif w.height() + SLACK < w.minimumHeight():
                what = f"squeezed to {w.height()} px"
        if name and not what:
            what = _outside_parents(w, window)
        if what:
            problems.append(f"{type(w).__name__} {name[:60]!r}: {what}")
    return problems
