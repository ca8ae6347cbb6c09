"""The end of a set in the feedback column: its title, the reps on target (a both-slings set's per sling,
and its glute symmetry), the median glute latency and the cue for the next set (`coach.set_summary.SetSummary`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from emgcoach.coach.set_summary import SetSummary
from emgcoach.ui.feedback import AMBER, GREEN


class SetSummaryView(QWidget):
    """The end of a set, in the feedback column: title, reps on target, median glute latency, the cue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.score = QLabel("")
        # a both-slings set: hits per sling and the glute symmetry index; a replayed set: reps left out
        self.slings = QLabel("")
        self.slings.setToolTip("SI: Robinson et al. (1987)'s symmetry index of the glutes' mean levels, right "
                               "sling against left, (R - L) / (0.5 (R + L)) x 100 %: 0 is even")
        self.latency = QLabel("")
        self.cue = QLabel("")
        for lab, size, bold in ((self.title, 22, True), (self.score, 15, True), (self.slings, 11, False),
                                (self.latency, 13, False),
                                (self.cue, 13, False)):
            f = QFont(lab.font())
            f.setPointSize(size)
            f.setBold(bold)
            lab.setFont(f)
            lab.setWordWrap(True)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 4)
        lay.setSpacing(2)
        for lab in (self.title, self.score, self.slings, self.latency, self.cue):
            lay.addWidget(lab)

    def show_summary(self, summary: SetSummary) -> None:
        self.title.setText(summary.title)
        self.score.setText(summary.score_line())
        self.slings.setText("\n".join(x for x in (summary.left_out_line(), summary.slings_line(),
                                                 summary.symmetry_line()) if x))
        self.slings.setVisible(bool(self.slings.text()))
        self.latency.setText(summary.latency_line() if summary.reps else "")
        self.latency.setVisible(bool(summary.reps))
        self.cue.setText(summary.cue_line())
        self.cue.setVisible(bool(summary.cue_line()))
        self.cue.setStyleSheet(f"color: {AMBER.name()};" if summary.cue else f"color: {GREEN.name()};")

    def lines(self) -> list[str]:
        labels = (self.title, self.score, self.slings, self.latency, self.cue)
        return [line for lab in labels if lab.isVisible() and lab.text() for line in lab.text().split("\n")]
