"""A label for a short cue ('Onset order: waiting for a rep', 'Lat first, glute +80 ms: glute late') that
breaks onto a second line where a reader would: after its colon or comma, else where the two lines come
out even. Qt's word wrap fills the first line as far as it goes, which at the window's smallest size left
'rep' or 'ms' alone on the second line."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

BREAKS = (": ", ", ")  # where a cue reads best broken, best first (after the punctuation)
SLACK_PX = 2.0  # QLabel lays text out a pixel or so wider than the font's advance


def two_lines(text: str, width_of: Callable[[str], float], width: float) -> str:
    """`text` unchanged when it fits `width` (px, as `width_of` measures a line); else broken into two
    lines that fit: after the first of BREAKS that gives two, else at the space that makes the longer
    line shortest; else unchanged, for word wrap to break as it can."""
    if width <= 0 or width_of(text) <= width or "\n" in text:
        return text

    def split(i: int, gap: int) -> tuple[str, str]:
        return text[:i + gap - 1].rstrip(), text[i + gap:]

    for mark in BREAKS:
        at = text.find(mark)
        while at >= 0:
            first, second = split(at, len(mark))
            if width_of(first) <= width and width_of(second) <= width:
                return f"{first}\n{second}"
            at = text.find(mark, at + 1)
    best: tuple[float, str] | None = None
    for i, ch in enumerate(text):
        if ch != " ":
            continue
        first, second = text[:i], text[i + 1:]
        longer = max(width_of(first), width_of(second))
        if longer <= width and (best is None or longer < best[0]):
            best = (longer, f"{first}\n{second}")
    return text if best is None else best[1]


class CueLabel(QLabel):
    """A word-wrapped QLabel whose text is broken as `two_lines` says for its width and font; `text()`
    is the cue as given, without the break."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._cue = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # Qt's name
        self._cue = text
        self._break()

    def text(self) -> str:  # Qt's name
        return self._cue

    def shown(self) -> str:
        """The text as laid out, with its line break."""
        return super().text()

    def resizeEvent(self, ev: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(ev)
        self._break()

    def changeEvent(self, ev: QEvent) -> None:  # Qt's name
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.FontChange:
            self._break()

    def _break(self) -> None:
        metrics = QFontMetricsF(self.font())
        width = self.contentsRect().width() - 2 * max(0, self.margin()) - SLACK_PX
        shown = two_lines(self._cue, metrics.horizontalAdvance, width)
        if super().text() != shown:
            super().setText(shown)
