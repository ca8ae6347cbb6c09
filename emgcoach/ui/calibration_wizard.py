"""The calibration wizard: quiet rest, then maximal efforts one muscle at a time. Each effort's test
position shows first and its countdown starts on Ready; the live level of each muscle shows whether an
effort registers; a rest can be shortened; a summary ends it, to accept or redo. The course is
`coach.calibration_flow.CalibrationFlow`; the numbers come from `coach.calibration.CalibrationSession`."""

from __future__ import annotations

import logging
import math

import numpy as np
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emgcoach.coach.calibration import Calibration, CalibrationSession, CalibrationSummary, Step
from emgcoach.coach.calibration_flow import CalibrationFlow, Prompt, Stage
from emgcoach.stream.engine import Engine
from emgcoach.stream.processor import ProcessedBlock

logger = logging.getLogger(__name__)

PUSH = "#ef6c00"
WARN = "#e65100"
LEVEL_S = 0.2  # the level shown: the envelope's mean over the last 0.2 s


def _font(label: QWidget, size: int, bold: bool) -> None:
    f = QFont(label.font())
    f.setPointSize(size)
    f.setBold(bold)
    label.setFont(f)


class LevelMeter(QWidget):
    """One muscle's live envelope level (µV) as a horizontal bar, with a tick at its rest level; the
    scale grows with the largest level seen, so a maximal effort fills most of it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.value = math.nan
        self.rest = math.nan
        self.scale = 20.0
        self.active = False
        self.setMinimumHeight(30)

    def set_level(self, value: float, rest: float, active: bool) -> None:
        self.value, self.rest, self.active = value, rest, active
        if math.isfinite(value) and value > 0.9 * self.scale:
            self.scale = 1.25 * value
        self.update()

    def text(self) -> str:
        return f"{self.value:.0f} µV" if math.isfinite(self.value) else "- µV"

    def paintEvent(self, _event: object) -> None:  # Qt's name
        p = QPainter(self)
        w, h = self.width(), self.height()
        f = QFont(self.font())
        f.setBold(self.active)
        p.setFont(f)
        name_w, value_w = min(150, w // 3), 80
        text = self.palette().windowText().color()
        if not self.active:
            text.setAlpha(150)
        p.setPen(text)
        p.drawText(QRectF(0, 0, name_w, h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.title)
        p.drawText(QRectF(w - value_w, 0, value_w, h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                   self.text())
        bar = QRectF(name_w + 6, h * 0.25, max(10.0, w - name_w - value_w - 12), h * 0.5)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.palette().base())
        p.drawRect(bar)
        if math.isfinite(self.value):
            frac = min(max(self.value / self.scale, 0.0), 1.0)
            p.setBrush(QColor(PUSH) if self.active else self.palette().highlight().color())
            p.drawRect(QRectF(bar.left(), bar.top(), bar.width() * frac, bar.height()))
        if math.isfinite(self.rest):
            x = bar.left() + bar.width() * min(max(self.rest / self.scale, 0.0), 1.0)
            p.setPen(text)
            p.drawLine(int(x), int(bar.top() - 3), int(x), int(bar.bottom() + 3))


class CalibrationWizard(QDialog):
    """Runs `steps` for `muscles` ((muscle, side) -> (stream, channel)) on the engine's clock; `paced`
    False runs them back to back from Start (to follow a recorded protocol). Emits
    `finished_calibration(Calibration)` when the user accepts the summary."""

    finished_calibration = Signal(object)

    def __init__(self, engine: Engine, person: str, muscles: dict[tuple[str, str], tuple[int, int]], steps: list[Step],
                 parent: QWidget | None = None, paced: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Calibrate {person}")
        self.engine, self.person, self.muscles, self.steps = engine, person, muscles, steps
        self.flow = CalibrationFlow(person, muscles, steps, paced=paced)
        # the calibration the user accepted (not `result`: that is QDialog's result(), the accept/reject code)
        self.calibration: Calibration | None = None
        self.summary: CalibrationSummary | None = None
        self.error = ""
        self.prompt: Prompt | None = None
        self._subscribed = False
        efforts = max((s.effort for s in steps), default=0)
        self.title = QLabel(f"Calibration: quiet rest, then {efforts} maximal effort{'s' if efforts != 1 else ''} "
                            "per muscle")
        self.headline = QLabel("")
        self.instruction = QLabel("")
        self.note = QLabel("")
        for lab, size, bold in ((self.title, 12, True), (self.headline, 28, True), (self.instruction, 14, False),
                                (self.note, 12, False)):
            _font(lab, size, bold)
            lab.setWordWrap(True)
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.meters = {key: LevelMeter(f"{key[0].split('_')[0].capitalize()} {key[1]}") for key in muscles}
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["muscle", "MVC µV", "rest µV (SD)", "efforts µV"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setVisible(False)
        row = self._make_buttons()
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.headline)
        lay.addWidget(self.instruction, 1)
        for meter in self.meters.values():
            lay.addWidget(meter)
        lay.addWidget(self.note)
        lay.addWidget(self.table)
        lay.addWidget(self.progress)
        lay.addLayout(row)
        self.resize(640, 440)
        self.timer = QTimer(self)
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self._show(self.flow.prompt(self._now()))
        self.timer.start()

    def _make_buttons(self) -> QHBoxLayout:
        """The wizard's buttons in one row, each connected to what it does."""
        self.start_button = QPushButton("Start")
        self.ready_button = QPushButton("Ready")
        self.ready_button.setToolTip("The client is in position: count down 3 s, then push")
        self.shorten_button = QPushButton("Shorten rest")
        self.shorten_button.setToolTip("End this rest now: the client is ready for the next effort")
        self.accept_button = QPushButton("Accept")
        self.redo_buttons = {key: QPushButton(f"Redo {self.meters[key].title.lower()}") for key in self.muscles}
        self.redo_all_button = QPushButton("Redo all")
        self.cancel_button = QPushButton("Cancel")
        row = QHBoxLayout()
        row.addStretch(1)
        for b in (self.start_button, self.ready_button, self.shorten_button, self.accept_button,
                  *self.redo_buttons.values(), self.redo_all_button, self.cancel_button):
            row.addWidget(b)
        self.start_button.clicked.connect(self.start)
        self.ready_button.clicked.connect(self.ready)
        self.shorten_button.clicked.connect(self.shorten_rest)
        self.accept_button.clicked.connect(self.accept_calibration)
        for key, b in self.redo_buttons.items():
            b.clicked.connect(lambda _=False, k=key: self.redo(k))
        self.redo_all_button.clicked.connect(lambda: self.redo(None))
        self.cancel_button.clicked.connect(self.reject)
        return row

    @property
    def session(self) -> CalibrationSession | None:
        """The calibration under way (None before Start)."""
        return self.flow.session

    def _now(self) -> float:
        return self.engine.session_time_s()

    # ------------------------------------------------------------------ buttons

    def start(self) -> None:
        """Begin with the quiet rest (again, after Redo all)."""
        if not self._subscribed:
            self.engine.subscribe(self._on_block)
            self._subscribed = True
        self.flow.start(self._now())
        self._tick()

    def ready(self) -> None:
        self.flow.ready(self._now())
        self._tick()

    def shorten_rest(self) -> None:
        self.flow.shorten(self._now())
        self._tick()

    def redo(self, muscle: tuple[str, str] | None) -> None:
        """One muscle's efforts again (or, None, the whole calibration)."""
        self.calibration, self.summary = None, None
        self.flow.redo(self._now(), muscle)
        self._tick()

    def accept_calibration(self) -> None:
        if self.summary is None or self.summary.calibration is None:
            return
        self.calibration = self.summary.calibration
        self._unsubscribe()
        self.finished_calibration.emit(self.calibration)
        self.accept()

    def reject(self) -> None:
        self._unsubscribe()
        super().reject()

    def _unsubscribe(self) -> None:
        self.timer.stop()
        if self._subscribed:
            self.engine.unsubscribe(self._on_block)
            self._subscribed = False

    # ------------------------------------------------------------------ the timer

    def _on_block(self, pb: ProcessedBlock) -> None:  # acquisition thread: only the session's own lists are touched
        session = self.flow.session
        if session is not None:
            session.feed(pb.stream, pb.t0, pb.rate_hz, pb.envelope, pb.onset_envelope)

    def _tick(self) -> None:
        now = self._now()
        self._show(self.flow.prompt(now))
        self._show_levels()

    def _show(self, p: Prompt) -> None:
        self.prompt = p
        self.headline.setText(p.headline)
        self.headline.setStyleSheet(f"color: {PUSH};" if p.step is not None and p.step.kind == "mvc"
                                    and p.stage is Stage.STEP else "")
        if p.stage is not Stage.SUMMARY:
            self.instruction.setText(p.instruction)
            self.note.setText(p.note)
            self.note.setStyleSheet(f"color: {WARN};" if "barely above rest" in p.note else "")
        self.progress.setValue(int(1000 * p.progress))
        summary = p.stage is Stage.SUMMARY
        self.start_button.setVisible(p.stage is Stage.INTRO)
        self.ready_button.setVisible(not summary and p.stage is not Stage.INTRO)
        self.ready_button.setEnabled(p.can_ready)
        self.shorten_button.setVisible(self.flow.paced and not summary and p.stage is not Stage.INTRO)
        self.shorten_button.setEnabled(p.can_shorten)
        for b in (self.accept_button, self.redo_all_button, *self.redo_buttons.values()):
            b.setVisible(summary)
        self.table.setVisible(summary)
        if summary and p.summary is not self.summary:
            self._show_summary(p.summary)

    def _show_summary(self, summary: CalibrationSummary | None) -> None:
        assert summary is not None
        self.summary = summary
        self.error = "" if summary.ok else "; ".join(m.problem for m in summary.muscles if m.problem)
        self.table.setRowCount(len(summary.muscles))
        for r, m in enumerate(summary.muscles):
            efforts = ", ".join("-" if not math.isfinite(v) else f"{v:.0f}" for v in m.efforts_uv) or "-"
            cells = [self.meters[(m.muscle, m.side)].title,
                     "-" if not math.isfinite(m.mvc_uv) else f"{m.mvc_uv:.0f}",
                     "-" if not math.isfinite(m.rest_uv) else f"{m.rest_uv:.1f} ({m.rest_sd_uv:.1f})", efforts]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if m.problem or m.weak_efforts:
                    item.setForeground(QColor(WARN))
                self.table.setItem(r, c, item)
        self.table.setFixedHeight(self.table.horizontalHeader().height() + sum(
            self.table.rowHeight(r) for r in range(self.table.rowCount())) + 2 * self.table.frameWidth())
        warnings = summary.warnings()
        if summary.ok:
            self.instruction.setText("Accept to use these figures, or redo a muscle's efforts."
                                     + ("" if not warnings else " Check first:"))
        else:
            self.instruction.setText("This calibration cannot be used: redo the muscle named below.")
        self.note.setText("\n".join(warnings))
        self.note.setStyleSheet(f"color: {WARN};" if warnings else "")
        self.accept_button.setEnabled(summary.ok)
        self.accept_button.setDefault(summary.ok)
        if summary.ok:
            logger.info("calibration of %s: %s", self.person,
                        ", ".join(f"{m.name} MVC {m.mvc_uv:.0f} µV" for m in summary.muscles))

    def _show_levels(self) -> None:
        """Each muscle's envelope now; the one the step tests drawn bold."""
        p = self.prompt
        session = self.flow.session
        tested = (p.step.muscle, p.step.side) if p is not None and p.step is not None and p.step.kind == "mvc" else None
        for key, meter in self.meters.items():
            stream, ch = self.muscles[key]
            value = math.nan
            try:
                buf = self.engine.buffers(stream)
                env, _ = buf.envelope.latest(max(1, int(LEVEL_S * buf.rate_hz)))
                if len(env):
                    value = float(np.nanmean(env[:, ch]))
            except (IndexError, ValueError):  # the stream went away meanwhile: no level to show
                logger.debug("no level for %s", key, exc_info=True)
            rest = session.rest_level(*key)[0] if session is not None else math.nan
            meter.set_level(value, rest, tested is None or tested == key)
