"""Connecting sensors for the first time, step by step: scan, pick a sensor, say which muscle and side it
sits on, see the electrode site, check the signal (rest, then a small contraction, with the quality light
and its advice), then the next sensor until the sling is complete, then calibrate.

The wizard decides nothing about Bluetooth or sessions: the window hands it a `SensorLink` that scans
and connects (its own sensors controller), and listens for `calibrate_requested`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from emgcoach.background import Background
from emgcoach.ble.link import FoundSensor
from emgcoach.coach.placement import BodySide, Muscle, sling_partner
from emgcoach.session.signal_check import CheckStage, SignalCheck
from emgcoach.stream.engine import Engine
from emgcoach.stream.processor import StreamState
from emgcoach.ui.device_panel import QualityLight
from emgcoach.ui.placement_view import PlacementView
from emgcoach.ui.theme import Theme, clear_radio

logger = logging.getLogger(__name__)

LAT, GLUTE = Muscle.LAT, Muscle.GLUTE
MUSCLE_TEXT: dict[str, str] = {LAT: "Latissimus dorsi (lat)", GLUTE: "Gluteus maximus (glute)"}
CONTRACT_CUE: dict[str, str] = {
    LAT: "Now a small contraction: draw the arm gently down and back, about a fifth of your maximum.",
    GLUTE: "Now a small contraction: squeeze the buttock gently, about a fifth of your maximum.",
}
REST_CUE = "Rest: let the muscle go completely quiet, and keep still."
POLL_MS = 100


class SensorLink(Protocol):
    """What the wizard asks of the window: find sensors, and stream one with a muscle role."""

    def find_sensors(self) -> list[FoundSensor]:
        """Supported sensors advertising nearby (blocking, a few seconds; run off the Qt thread)."""
        ...

    def connect(self, found: FoundSensor, muscle: str, side: str) -> tuple[Engine, tuple[int, int]]:
        """Stream `found` in the session with this role; the engine and its (stream, channel)."""
        ...


def next_role(done: list[tuple[str, str]]) -> tuple[str, str]:
    """The role a next sensor most likely takes: a lat on the left first, then the partner of the
    sling begun (a lat's glute on the opposite side, a glute's lat on the opposite side); with one sling
    complete, the other sling's lat (four sensors: both slings)."""
    for muscle, side in done:
        partner = sling_partner(muscle, side)
        if partner not in done:
            return (str(partner[0]), str(partner[1]))
    for side in (BodySide.LEFT, BodySide.RIGHT):
        if (LAT, side) not in done:
            return (str(LAT), str(side))
    return (str(LAT), str(BodySide.LEFT))


def sling_complete(done: list[tuple[str, str]]) -> bool:
    """Whether the roles set up hold a lat and the glute on its opposite side."""
    return any(m == LAT and sling_partner(m, s) in done for m, s in done)


class ScanPage(QWizardPage):
    """Scan (5 s, off the Qt thread) and pick one sensor from what was found."""

    def __init__(self, wizard: ConnectWizard) -> None:
        super().__init__()
        self.setTitle("Find your sensor")
        self.setSubTitle("Switch the sensor on, keep it within a few metres, then scan.")
        self.owner = wizard
        self.list = QListWidget()
        self.scan_button = QPushButton("Scan again")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.found: list[FoundSensor] = []
        self._scanning: Background | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.scan_button)
        self.scan_button.clicked.connect(self.scan)
        self.list.currentRowChanged.connect(lambda _row: self.completeChanged.emit())

    def initializePage(self) -> None:  # Qt's name
        self.scan()

    def scan(self) -> None:
        """Start a scan; the list fills when it ends."""
        self.list.clear()
        self.found = []
        self.scan_button.setEnabled(False)
        self.status.setText("Scanning for Bluetooth sensors (5 s)...")
        self._scanning = Background(self.owner.link.find_sensors, "scanning for Bluetooth sensors")
        self._timer.start(POLL_MS)

    def _poll(self) -> None:
        result = self._scanning.result() if self._scanning is not None else None
        if result is None:
            return
        self._timer.stop()
        self.scan_button.setEnabled(True)
        found, problem = result
        taken = {f.address for f in self.owner.connected}
        self.found = [f for f in (found or []) if f.address not in taken]
        if problem:  # one line, as a sentence ('no Bluetooth: ...' comes from a log-style message)
            self.status.setText(problem[:1].upper() + problem[1:])
        elif not self.found:
            self.status.setText("No sensor found: is it switched on and not connected to another app? Scan again.")
        else:
            self.status.setText("Pick your sensor:")
        for f in self.found:
            rssi = "" if f.rssi is None else f", signal {f.rssi} dBm"
            self.list.addItem(f"{f.name or f.kind} ({f.kind}, {f.address}{rssi})")
        if self.found:
            self.list.setCurrentRow(0)

    def isComplete(self) -> bool:  # Qt's name
        return 0 <= self.list.currentRow() < len(self.found)

    def validatePage(self) -> bool:  # Qt's name
        self.owner.picked = self.found[self.list.currentRow()]
        return True


class RolePage(QWizardPage):
    """Which muscle and which side the picked sensor sits on."""

    def __init__(self, wizard: ConnectWizard) -> None:
        super().__init__()
        self.setTitle("Where is this sensor?")
        self.owner = wizard
        self.muscles = QButtonGroup(self)
        self.sides = QButtonGroup(self)
        lay = QVBoxLayout(self)
        row_m, row_s = QHBoxLayout(), QHBoxLayout()
        self.muscle_buttons: dict[str, QRadioButton] = {
            m: clear_radio(QRadioButton(MUSCLE_TEXT[m])) for m in (LAT, GLUTE)}
        self.side_buttons = {s: clear_radio(QRadioButton(f"{s.capitalize()} side")) for s in ("left", "right")}
        for m, b in self.muscle_buttons.items():
            self.muscles.addButton(b)
            row_m.addWidget(b)
        for s, b in self.side_buttons.items():
            self.sides.addButton(b)
            row_s.addWidget(b)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        lay.addWidget(QLabel("Muscle:"))
        lay.addLayout(row_m)
        lay.addWidget(QLabel("Side (the client's own left or right):"))
        lay.addLayout(row_s)
        lay.addWidget(self.note)
        lay.addStretch(1)
        for group in (self.muscles, self.sides):
            group.buttonToggled.connect(lambda *_: self._explain())

    def initializePage(self) -> None:  # Qt's name
        muscle, side = next_role([r for _, r in self.owner.connected_roles()])
        self.muscle_buttons[muscle].setChecked(True)
        self.side_buttons[side].setChecked(True)
        name = self.owner.picked.name or self.owner.picked.kind if self.owner.picked else "the sensor"
        self.setSubTitle(f"{name}: which muscle is it on?")
        self._explain()

    def role(self) -> tuple[str, str]:
        """The (muscle, side) chosen."""
        muscle = next(m for m, b in self.muscle_buttons.items() if b.isChecked())
        side = next(s for s, b in self.side_buttons.items() if b.isChecked())
        return muscle, side

    def _explain(self) -> None:
        if not any(b.isChecked() for b in self.muscle_buttons.values()):
            return
        if not any(b.isChecked() for b in self.side_buttons.values()):
            return
        muscle, side = self.role()
        other, other_side = sling_partner(muscle, side)
        self.note.setText(f"The sling pairs this {'lat' if muscle == LAT else 'glute'} with the "
                          f"{'lat' if other == LAT else 'glute'} on the {other_side} side: put the other sensor there.")

    def validatePage(self) -> bool:  # Qt's name
        self.owner.role = self.role()
        return True


class PlacementPage(QWizardPage):
    """The electrode site for the chosen muscle and side."""

    def __init__(self, wizard: ConnectWizard) -> None:
        super().__init__()
        self.setTitle("Place the electrodes")
        self.owner = wizard
        self.view = PlacementView(theme=wizard.theme)  # the window's theme (its own default is dark)
        lay = QVBoxLayout(self)
        lay.addWidget(self.view, 1)

    def initializePage(self) -> None:  # Qt's name
        muscle, side = self.owner.role
        self.view.set_sensor(muscle, side)
        self.setSubTitle(f"{MUSCLE_TEXT[muscle]}, {side} side: prepare the skin, then place the sensor on the lit site.")


class CheckPage(QWizardPage):
    """Connect the sensor, then check its signal: rest, then a small contraction."""

    def __init__(self, wizard: ConnectWizard) -> None:
        super().__init__()
        self.setTitle("Check the signal")
        # (a page without a subtitle gets a title of another size than its neighbours')
        self.setSubTitle("Rest, then a small contraction when asked: the light says whether the signal is good "
                         "enough to calibrate on.")
        self.owner = wizard
        self.instruction = QLabel("")
        self.instruction.setWordWrap(True)
        f = self.instruction.font()
        f.setPointSize(14)
        f.setBold(True)
        self.instruction.setFont(f)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.light = QualityLight()
        self.advice = QLabel("")
        self.advice.setWordWrap(True)
        self.again = QPushButton("Check again")
        self.again.clicked.connect(self.restart)
        row = QHBoxLayout()
        row.addWidget(self.light)
        row.addWidget(self.advice, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.instruction)
        lay.addWidget(self.progress)
        lay.addLayout(row)
        lay.addWidget(self.again)
        lay.addStretch(1)
        self.check: SignalCheck | None = None
        self._engine: Engine | None = None
        self._channel: tuple[int, int] | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)

    def initializePage(self) -> None:  # Qt's name
        self.check = None
        self.light.set_grade("", "No verdict yet")
        self.advice.setText("")
        self.again.setEnabled(False)
        picked, (muscle, side) = self.owner.picked, self.owner.role
        assert picked is not None
        self.instruction.setText(f"Connecting to {picked.name or picked.address}...")
        try:
            self._engine, self._channel = self.owner.link.connect(picked, muscle, side)
        except Exception as e:  # a failed connection is said on the page; the wizard stays open
            logger.exception("connecting %s failed", picked.address)
            self.instruction.setText(f"Could not connect to {picked.name or picked.address}: {e}")
            return
        if picked.address not in self.owner.roles:  # (not again when Back came here twice)
            self.owner.connected.append(picked)
        self.owner.roles[picked.address] = (muscle, side)
        self._timer.start(POLL_MS)

    def cleanupPage(self) -> None:  # Qt's name: going Back
        self._timer.stop()

    def restart(self) -> None:
        """Check the signal again from the rest."""
        if self.check is not None:
            self.check.restart(CheckStage.REST)
            self.again.setEnabled(False)
            self.completeChanged.emit()
            self._timer.start(POLL_MS)

    def _streaming(self) -> bool:
        assert self._engine is not None and self._channel is not None
        stats = self._engine.stream_stats(self._channel[0])
        if stats.state == StreamState.ERROR:
            self.instruction.setText(f"The sensor reports a problem: {stats.message}")
        # a sensor streams ("streaming"); "running" is a file's or a simulator's state
        return stats.state in (StreamState.STREAMING, StreamState.RUNNING) and stats.samples > 0

    def _poll(self) -> None:
        if self.check is None:
            if not self._streaming():
                return
            assert self._engine is not None and self._channel is not None  # (_streaming said so)
            self.check = SignalCheck(self._engine, self._channel)
        stage = self.check.update()
        muscle = self.owner.role[0]
        self.instruction.setText({CheckStage.REST: REST_CUE, CheckStage.CONTRACT: CONTRACT_CUE[muscle]}
                                 .get(stage, "Done."))
        self.progress.setValue(int(100 * self.check.progress()))
        result = self.check.result
        if result is not None:
            self.light.set_grade(result.grade, result.advice)
            self.advice.setText(result.advice)
        if stage == CheckStage.DONE:
            self._timer.stop()
            self.again.setEnabled(True)
            self.completeChanged.emit()

    def isComplete(self) -> bool:  # Qt's name
        c = self.check
        return c is not None and c.stage == CheckStage.DONE and c.result is not None and c.result.passed


class NextPage(QWizardPage):
    """The sensors set up so far; the next sensor, or calibrate once the sling is complete."""

    def __init__(self, wizard: ConnectWizard) -> None:
        super().__init__()
        self.setTitle("Sensors ready")
        self.owner = wizard
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.another = QPushButton("Set up another sensor")
        self.another.clicked.connect(self.owner.set_up_another)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.another)
        lay.addStretch(1)
        self.setFinalPage(True)

    def initializePage(self) -> None:  # Qt's name
        roles = self.owner.connected_roles()
        lines = [f"{f.name or f.address}: {MUSCLE_TEXT[m]}, {s} side" for f, (m, s) in roles]
        if sling_complete([r for _, r in roles]):
            self.setSubTitle("The sling is complete. Finish to calibrate: a quiet rest, then maximal efforts "
                             "(or add two more sensors for the other sling).")
        else:
            muscle, side = next_role([r for _, r in roles])
            self.setSubTitle(f"Next: the {MUSCLE_TEXT[muscle].split(' (')[0].lower()} on the {side} side.")
        self.summary.setText("\n".join(lines))
        self.owner.setButtonText(QWizard.WizardButton.FinishButton, "Calibrate" if self.owner.ready() else "Finish")


class ConnectWizard(QWizard):
    """The connect flow; emits `calibrate_requested` when finished with a complete sling."""

    calibrate_requested = Signal()
    SCAN, ROLE, PLACE, CHECK, NEXT = range(5)

    def __init__(self, link: SensorLink, parent: QWidget | None = None, theme: Theme | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.setWindowTitle("Connect my sensors")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)  # the same look on every platform, and no banner image
        self.link = link
        self.picked: FoundSensor | None = None
        self.role: tuple[str, str] = (LAT, "left")
        self.connected: list[FoundSensor] = []
        self.roles: dict[str, tuple[str, str]] = {}
        self.placement_page = PlacementPage(self)  # kept typed: set_theme reaches its view
        for page_id, page in enumerate((ScanPage(self), RolePage(self), self.placement_page, CheckPage(self),
                                        NextPage(self))):
            self.setPage(page_id, page)
        self.resize(760, 600)
        self.accepted.connect(self._finished)

    def set_theme(self, theme: Theme) -> None:
        """Draw the placement page in `theme` (the rest follows the application's palette)."""
        self.theme = theme
        self.placement_page.view.set_theme(theme)

    def connected_roles(self) -> list[tuple[FoundSensor, tuple[str, str]]]:
        """Each sensor connected here, with its role."""
        return [(f, self.roles[f.address]) for f in self.connected]

    def ready(self) -> bool:
        """Whether a lat and its opposite glute are both set up."""
        return sling_complete([r for _, r in self.connected_roles()])

    def set_up_another(self) -> None:
        """Back to the scan for the next sensor (those set up stay connected)."""
        self.picked = None
        self.restart()

    def _finished(self) -> None:
        if self.ready():
            self.calibrate_requested.emit()
