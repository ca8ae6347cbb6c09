"""Text that gives way on a small screen: a wrapped paragraph that, given fewer lines than it needs,
ends its last line with '…' and shows the whole text as its tooltip; a one-line label that elides; and
`PaintedText`, the texts a widget paints itself (for the clipping tests) and its repaint-on-change."""

from __future__ import annotations

import math
from typing import cast

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QPainter, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class PaintedText:
    """The texts a widget paints itself, as (rect, font, text), so a test can check that each fits; and a
    repaint only when what is painted changes."""

    _last_drawn: tuple[object, ...] = ()

    def texts(self) -> list[tuple[QRectF, QFont, str]]:
        raise NotImplementedError

    def clipped_texts(self) -> list[str]:
        """The painted texts that do not fit their rectangle."""
        out = []
        for rect, font, text in self.texts():
            fm = QFontMetrics(font)
            if text and (fm.horizontalAdvance(text) > rect.width() + 0.5 or fm.height() > rect.height() + 0.5):
                out.append(text)
        return out

    def update_if_changed(self, drawn: tuple[object, ...]) -> None:
        """Schedule a repaint (QWidget.update) only if `drawn`, what a paint would show (texts, pixel
        positions, colours), differs from the last call's: a value set 20 times a second is most often
        the same picture, and each repaint also repaints the parents behind the widget."""
        if drawn != self._last_drawn:
            self._last_drawn = drawn
            cast("QWidget", self).update()


class WrappedText(QWidget):
    """Plain text wrapped at word boundaries. It asks for the height of all its lines but accepts as few
    as `min_lines`; then the last line shown is elided, and the tooltip holds the full text."""

    def __init__(self, text: str = "", min_lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        self.min_lines = min_lines
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._tip = ""
        # the text broken at a width, per width asked: layouts ask for hints several times a frame they
        # re-lay out, paints once more (forgotten when the text or the font changes)
        self._broken: dict[int, list[str]] = {}

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # QLabel's name, so callers treat both alike
        if text != self._text:
            before = self._hints()
            self._text = text
            self._broken.clear()
            # a new layout only when the text takes other room: a countdown's '3 s' to '2 s' each second
            # re-laid out its whole dock, whose title bar the Fusion style measures by loading its icons
            # from files (profiled)
            if self._hints() != before:
                self.updateGeometry()
            self.update()
            self._update_tip()

    def _hints(self) -> tuple[QSize, QSize, int]:
        """What the layout asks of this text: its size hints and its height at its width."""
        return self.sizeHint(), self.minimumSizeHint(), self.heightForWidth(self.width())

    def _lines(self, width: float) -> list[str]:
        """The text broken into lines of at most `width` px (paragraphs at newlines)."""
        key = max(1, int(width))
        lines = self._broken.get(key)
        if lines is None:
            if len(self._broken) > 16:
                self._broken.clear()
            lines = self._broken[key] = self._break(key)
        return lines

    def _break(self, width: int) -> list[str]:
        out: list[str] = []
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        for para in self._text.split("\n"):
            layout = QTextLayout(para, self.font())
            layout.setTextOption(option)
            layout.beginLayout()
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(float(width))
                out.append(para[line.textStart() : line.textStart() + line.textLength()].rstrip())
            layout.endLayout()
        return out

    def _line_h(self) -> float:
        return QFontMetricsF(self.font()).lineSpacing()

    def hasHeightForWidth(self) -> bool:
        # No: a box layout takes a height-for-width item's height as its minimum, so these texts would
        # not give way and their neighbours (a form's entry and drop-down) were squeezed below theirs on
        # a 674 px window. The preferred size follows the width instead (resizeEvent).
        return False

    def heightForWidth(self, width: int) -> int:
        return math.ceil(len(self._lines(width)) * self._line_h())

    def sizeHint(self) -> QSize:
        # a modest width: the text wraps to whatever width its panel has, and must not hold it wide
        return QSize(200, self.heightForWidth(max(self.width(), 200)))

    def minimumSizeHint(self) -> QSize:
        n = min(self.min_lines, max(1, len(self._lines(max(self.width(), 100)))))
        return QSize(60, math.ceil(n * self._line_h()))

    def shown_lines(self) -> int:
        return max(1, int((self.height() + 0.5) // self._line_h()))

    def is_elided(self) -> bool:
        """Whether some of the text does not fit (its last shown line ends in '…')."""
        return len(self._lines(self.width())) > self.shown_lines()

    def _update_tip(self) -> None:
        tip = self._text if self.is_elided() else ""
        if tip != self._tip:
            self._tip = tip
            self.setToolTip(tip)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        old, new = event.oldSize().width(), event.size().width()
        if old != new and self.heightForWidth(max(old, 200)) != self.heightForWidth(max(new, 200)):
            self.updateGeometry()  # its lines at the new width: another preferred height
        self._update_tip()

    def changeEvent(self, event: QEvent) -> None:  # Qt's name
        if event.type() == QEvent.Type.FontChange:
            self._broken.clear()
        super().changeEvent(event)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.setFont(self.font())
        lines = self._lines(self.width())
        n = self.shown_lines()
        h = self._line_h()
        fm = QFontMetricsF(self.font())
        for i, line in enumerate(lines[:n]):
            if i == n - 1 and len(lines) > n:
                line = fm.elidedText(" ".join(lines[i:]), Qt.TextElideMode.ElideRight, self.width())
            p.drawText(QPointF(0, i * h + fm.ascent()), line)


class ElidedLabel(QLabel):
    """A one-line label that, when narrower than its text, shows it elided with the whole as a tooltip.
    `text()` is always the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def is_elided(self) -> bool:
        return QFontMetricsF(self.font()).horizontalAdvance(self.text()) > self.contentsRect().width()

    def _update_tip(self) -> None:
        self.setToolTip(self.text() if self.is_elided() else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        rect = QRectF(self.contentsRect())
        text = QFontMetricsF(self.font()).elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        p.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)
