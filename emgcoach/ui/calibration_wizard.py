"""The calibration wizard: quiet rest, then three maximal efforts per muscle, each with its test position
in words and a countdown; the numbers come from `coach.calibration.CalibrationSession`."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from emgcoach.coach.calibration import Calibration, CalibrationError, CalibrationSession, Step
from emgcoach.stream.engine import Engine


class CalibrationWizard(QDialog):
    """Runs `steps` for `muscles` ((muscle, side) -> (stream, channel)) on the engine's clock.
    Emits `finished_calibration(Calibration)` when every step is done and the figures are sound."""

    finished_calibration = Signal(object)

    def __init__(self, engine: Engine, person: str, muscles: dict[tuple[str, str], tuple[int, int]], steps: list[Step],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Calibrate {person}")
        self.engine, self.person, self.muscles, self.steps = engine, person, muscles, steps
        self.session: CalibrationSession | None = None
        self.result: Calibration | None = None
        self.error = ""
        self.title = QLabel("Calibration: quiet rest, then 3 maximal efforts per muscle")
        self.instruction = QLabel(
            "Attach the sensors, then press Start. You will rest first, then push as hard as you can, one "
            "muscle at a time, for a few seconds each, with rest in between."
        )
        self.countdown = QLabel("")
        for lab, size, bold in ((self.title, 13, True), (self.instruction, 14, False), (self.countdown, 28, True)):
            f = QFont(lab.font())
            f.setPointSize(size)
            f.setBold(bold)
            lab.setFont(f)
            lab.setWordWrap(True)
        self.countdown.setAlignment(Qt.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setRange(0, len(steps))
        self.start_button = QPushButton("Start")
        self.cancel_button = QPushButton("Cancel")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.start_button)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        for w in (self.title, self.instruction, self.countdown, self.progress):
            lay.addWidget(w)
        lay.addLayout(row)
        self.resize(560, 360)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._tick)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)

    def start(self) -> None:
        """Begin the protocol now (session clock)."""
        self.session = CalibrationSession(self.person, self.muscles, self.steps, self.engine.session_time_s())
        self.engine.subscribe(self._on_block)
        self.start_button.setEnabled(False)
        self.timer.start()
        self._tick()

    def _on_block(self, pb: object) -> None:  # acquisition thread: only the session's own lists are touched
        if self.session is not None:
            self.session.feed(pb.stream, pb.t0, pb.rate_hz, pb.envelope, pb.onset_envelope)  # type: ignore[attr-defined]

    def _tick(self) -> None:
        s = self.session
        if s is None:
            return
        i, step, left = s.step_at(self.engine.session_time_s())
        self.progress.setValue(max(0, min(i, len(self.steps))))
        if step is not None:
            self.instruction.setText(step.instruction)
            verb = {"rest": "Rest", "mvc": "PUSH", "recover": "Relax"}[step.kind]
            self.countdown.setText(f"{verb}  {left:.0f} s")
            self.countdown.setStyleSheet("color: #ef6c00;" if step.kind == "mvc" else "")
        if s.done:
            self.timer.stop()
            self.engine.unsubscribe(self._on_block)
            try:
                self.result = s.result()
            except CalibrationError as e:
                self.error = str(e)
                self.instruction.setText(f"{e}. Press Start to try again.")
                self.countdown.setText("")
                self.start_button.setEnabled(True)
                return
            self.finished_calibration.emit(self.result)
            self.accept()

    def reject(self) -> None:
        self.timer.stop()
        if self.session is not None:
            self.engine.unsubscribe(self._on_block)
        super().reject()
