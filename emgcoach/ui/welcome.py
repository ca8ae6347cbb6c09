"""The welcome view a first run opens on: three ways in (watch the demo session, try simulated sensors,
connect my sensors), each a large button with a line on what it does. Help > Welcome opens it again."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

SEEN_KEY = "welcome_seen"  # QSettings: set once the welcome view has been answered


class WelcomeChoice(StrEnum):
    """The way in a user picked on the welcome view."""

    DEMO = "demo"
    SIMULATE = "simulate"
    CONNECT = "connect"


CHOICES: tuple[tuple[WelcomeChoice, str, str], ...] = (
    (WelcomeChoice.DEMO, "Watch the demo session",
     "A recorded bird-dog session replays: the calibration, then a coached set of 8 reps with its verdicts."),
    (WelcomeChoice.SIMULATE, "Try simulated sensors",
     "A simulated client wears a lat and an opposite-glute sensor and follows what the app asks."),
    (WelcomeChoice.CONNECT, "Connect my sensors",
     "Step by step: find your Bluetooth sensors, say where each one sits, see the electrode sites, "
     "check the signal, then calibrate."),
)


class WelcomeDialog(QDialog):
    """Emits `chosen(WelcomeChoice)` and closes when a way in is clicked; closing it chooses nothing."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to emgcoach")
        self.choice: WelcomeChoice | None = None
        title = QLabel("Welcome to emgcoach")
        f = QFont(title.font())
        f.setPointSize(20)
        f.setBold(True)
        title.setFont(f)
        intro = QLabel("Biofeedback for the posterior oblique sling: the latissimus dorsi and the opposite "
                       "gluteus maximus, joined through the thoracolumbar fascia. How would you like to start?")
        intro.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(intro)
        self.buttons: dict[WelcomeChoice, QPushButton] = {}
        for choice, text, detail in CHOICES:
            button = QPushButton(text)
            bf = QFont(button.font())
            bf.setPointSize(14)
            bf.setBold(True)
            button.setFont(bf)
            button.setMinimumHeight(48)
            button.setToolTip(detail)
            button.clicked.connect(lambda _checked=False, c=choice: self._choose(c))
            note = QLabel(detail)
            note.setWordWrap(True)
            note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            lay.addSpacing(8)
            lay.addWidget(button)
            lay.addWidget(note)
            self.buttons[choice] = button
        later = QLabel("Help > Welcome shows this again.")
        later.setEnabled(False)
        lay.addSpacing(8)
        lay.addWidget(later)
        self.setMinimumWidth(520)
        self.setMaximumWidth(760)

    def _choose(self, choice: WelcomeChoice) -> None:
        self.choice = choice
        self.chosen.emit(str(choice))
        self.accept()
