"""The drill panel: who is training (a pseudonym), which drill, its calibration state, and while a set
runs the phase with its countdown, the rep count and the one cue for the last rep. (The feedback column
shows the countdown large, for the client.)"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emgcoach.coach.drills import Drill
from emgcoach.coach.runner import Status
from emgcoach.coach.set_summary import SetSummary
from emgcoach.coach.slings import Sling
from emgcoach.ui.feedback import PHASE_NAMES
from emgcoach.ui.text import WrappedText

GREEN = "#43a047"
AMBER = "#ef6c00"
GREY = "#757575"  # a rep left out as an artifact: neither hit nor miss


def _small(text: WrappedText, bold: bool = False) -> WrappedText:
    f = QFont(text.font())
    f.setPointSize(9)
    f.setBold(bold)
    text.setFont(f)
    return text


def _big(text: WrappedText, size: int, bold: bool = True) -> WrappedText:
    f = QFont(text.font())
    f.setPointSize(size)
    f.setBold(bold)
    text.setFont(f)
    # it changes every second in a set: painting its own background keeps the dock behind it from being
    # repainted (its title bar, drawn by the style from icon files) each time
    text.setAutoFillBackground(True)
    return text


class DrillPanel(QWidget):
    """Choose person and drill, calibrate, start and stop a set; shows the runner's state."""

    start_toggled = Signal()
    calibrate_requested = Signal()
    history_requested = Signal()
    report_requested = Signal()
    placement_requested = Signal()

    def __init__(self, drills: dict[str, Drill], person: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drills = drills
        self.person = QLineEdit(person)
        self.person.setPlaceholderText("pseudonym, e.g. P07")
        self.person.setToolTip("A code for the client (letters, digits, - and _), never a name: the history holds health data")
        self.drill = QComboBox()
        # a long drill name is elided in a narrow panel instead of holding the panel wide
        self.drill.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.drill.setMinimumContentsLength(12)
        for d in drills.values():
            self.drill.addItem(d.name, d.id)
            self.drill.setItemData(self.drill.count() - 1, d.name, Qt.ItemDataRole.ToolTipRole)
        # the drill in words: on a small screen the details give way first (elided, whole in the tooltip)
        self.purpose = _small(WrappedText(min_lines=1), bold=True)
        self.about = _small(WrappedText(min_lines=2))
        self.calibration = _small(WrappedText("Not calibrated: levels in µV, targets relative to rest", min_lines=1))
        self.calibrate_button = QPushButton("Calibrate...")
        self.start_button = QPushButton("Start drill")
        self.start_button.setToolTip("Start / stop a set of the chosen drill (S)")
        self.start_button.setCheckable(True)
        self.history_button = QPushButton("History...")
        self.report_button = QPushButton("Report...")
        self.report_button.setEnabled(False)
        self.report_button.setToolTip("Write a report of the last set, with notes, where you choose (Ctrl+P)")
        # flat, on a line of its own: a third button in a row would hold the panel wider
        self.placement_link = QPushButton("Where the electrodes go...")
        self.placement_link.setFlat(True)
        self.placement_link.setToolTip("The electrode sites on the lat and the opposite glute, and how to prepare the skin")
        # the phase and its countdown are also in the feedback column, large: here they are for the therapist
        # and like the last rep's verdict (a miss's cue can take three lines, which a low screen's panel has
        # not got: a word-wrapped QLabel was squeezed and cut top and bottom), the lines there is room for,
        # the rest elided to the tooltip
        self.phase = _big(WrappedText(min_lines=1), 12)
        self.reps = _big(WrappedText(min_lines=1), 11, bold=False)
        self.last_rep = _big(WrappedText(min_lines=1), 11)
        self._lay_out()
        self.drill.currentIndexChanged.connect(self._describe)
        self.start_button.clicked.connect(self.start_toggled)
        self.calibrate_button.clicked.connect(self.calibrate_requested)
        self.history_button.clicked.connect(self.history_requested)
        self.report_button.clicked.connect(self.report_requested)
        self.placement_link.clicked.connect(self.placement_requested)
        self._describe()

    def _lay_out(self) -> None:
        """Client and drill, the drill in words, the calibration, the buttons, then the set's progress."""
        form = QFormLayout()
        form.addRow("Client", self.person)
        form.addRow("Drill", self.drill)
        buttons = QHBoxLayout()
        for b in (self.calibrate_button, self.start_button):
            buttons.addWidget(b)
        more = QHBoxLayout()
        for b in (self.history_button, self.report_button):
            more.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setSpacing(4)
        lay.addLayout(form)
        lay.addWidget(self.purpose)
        lay.addWidget(self.about, 1)
        lay.addWidget(self.calibration)
        lay.addWidget(self.placement_link)
        lay.addLayout(buttons)
        lay.addLayout(more)
        lay.addWidget(self.phase)
        lay.addWidget(self.reps)
        lay.addWidget(self.last_rep)

    def current_drill(self) -> Drill:
        return self.drills[self.drill.currentData()]

    def select(self, drill_id: str) -> None:
        i = self.drill.findData(drill_id)
        if i >= 0:
            self.drill.setCurrentIndex(i)

    def _describe(self) -> None:
        d = self.current_drill()
        t = d.targets
        self.purpose.setText(d.purpose)
        self.about.setText(
            f"{d.reps} reps. Targets: lat {t.lat_lo:g}-{t.lat_hi:g} %MVC, glute at least {t.glute_min:g} %MVC, "
            f"{t.timing_text()}.\nElectrodes: {d.electrodes}\nSet-up: {d.setup}"
        )

    def set_running(self, running: bool) -> None:
        self.start_button.setChecked(running)
        self.start_button.setText("Stop drill" if running else "Start drill")
        for w in (self.drill, self.person, self.calibrate_button):
            w.setEnabled(not running)
        if running:
            self.last_rep.setText("")

    def show_status(self, st: Status) -> None:
        left = math.ceil(st.remaining_s - 1e-9)  # a countdown shows 1 until the last second is over
        self.phase.setText(f"{PHASE_NAMES.get(st.phase, st.phase)}  {left} s" if st.phase != "done" else "Set complete")

    def show_reps(self, done: int, hits: int, total: int, by_sling: str = "") -> None:
        """The count so far; `by_sling` a both-slings set's per sling ('left 2 of 2, right 1 of 2')."""
        self.reps.setText(f"{done} of {total} reps done, {hits} on target" + (f" ({by_sling})" if by_sling else ""))

    def show_rep(self, hit: bool, cue: str, latency_ms: float | None, sling: Sling | None = None) -> None:
        """The last rep's verdict, led by the sling it was scored on (a both-slings set)."""
        lat = "" if latency_ms is None else f" (glute {latency_ms:+.0f} ms)"
        side = f"{sling.name_text}: " if sling is not None else ""
        self.last_rep.setText(side + (("On target" + lat) if hit else cue + lat))
        pal = self.last_rep.palette()
        pal.setColor(QPalette.ColorRole.WindowText, QColor(GREEN if hit else AMBER))
        self.last_rep.setPalette(pal)

    def show_left_out(self, number: int, sling: Sling | None = None) -> None:
        """Rep `number` (1-based) lies across a marked artifact: left out, neither hit nor miss."""
        side = f"{sling.name_text}: " if sling is not None else ""
        self.last_rep.setText(f"{side}Rep {number} left out: marked artifact")
        pal = self.last_rep.palette()
        pal.setColor(QPalette.ColorRole.WindowText, QColor(GREY))
        self.last_rep.setPalette(pal)

    def clear_set(self, phase_text: str = "") -> None:
        """Forget the last set's countdown, count and verdict (a new session), showing `phase_text`."""
        for label in (self.reps, self.last_rep):
            label.setText("")
        self.phase.setText(phase_text)

    def show_set_end(self, summary: SetSummary) -> None:
        """The set is over: its title instead of the last phase, the count stays (a both-slings set's per
        sling, `show_reps`); its glute symmetry in place of the last rep's verdict."""
        self.phase.setText(summary.title)
        if summary.slings:
            self.last_rep.setText(summary.symmetry_line())
            self.last_rep.setStyleSheet("")

    def show_calibration(self, text: str) -> None:
        self.calibration.setText(text)
