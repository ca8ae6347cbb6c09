"""The device panel: each stream's state, rate and loss, a quality light per channel (its meaning on
hover), and the muscle/side each channel is assigned to."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emgcoach.stream.engine import Engine, StreamStats

ROLES = [
    ("latissimus_dorsi", "left", "Lat left"),
    ("latissimus_dorsi", "right", "Lat right"),
    ("gluteus_maximus", "left", "Glute left"),
    ("gluteus_maximus", "right", "Glute right"),
    ("other", "none", "Other / unused"),
]
LIGHT = {"good": QColor(67, 160, 71), "fair": QColor(255, 167, 38), "bad": QColor(229, 57, 53)}
STATE_TEXT = {
    "starting": "starting",
    "running": "streaming",
    "ended": "ended",
    "error": "error",
    "reconnecting": "reconnecting...",
    "connecting": "connecting...",
}


class QualityLight(QLabel):
    """A coloured dot; the tooltip says what the grade means and what to do."""

    def __init__(self) -> None:
        super().__init__("●")
        self.grade = ""
        self.set_grade("", "No quality figures yet")

    def set_grade(self, grade: str, meaning: str) -> None:
        # only on a change: a style sheet set again re-polishes the label and lays out the whole sensors
        # dock (4 times a second per channel, profiled at a tenth of the UI thread's time)
        color = LIGHT.get(grade, QColor(120, 120, 120))
        style = f"color: {color.name()}; font-size: 20px;"
        if style != self.styleSheet():
            self.setStyleSheet(style)
        self.grade = grade
        if meaning != self.toolTip():
            self.setToolTip(meaning)


class DevicePanel(QWidget):
    """One box per stream; emits `role_changed(stream, channel, muscle, side)` when an assignment changes."""

    role_changed = Signal(int, int, str, str)
    simulate_requested = Signal()
    reconnect_requested = Signal()
    guide_requested = Signal()
    placement_requested = Signal()
    rebuilt = Signal()  # boxes came or went: the panel wants another height

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lay = QVBoxLayout(self)
        self.sim_button = QPushButton("Add simulated sensors")
        self.sim_button.setToolTip("Two simulated sensors (lat + opposite glute) doing bird-dog reps")
        # one way in for Bluetooth sensors, the guided one (File > Quick connect skips the steps): a 1024 x 700
        # screen's left panel has no room for a button per route
        self.guide_button = QPushButton("Connect sensors...")
        self.guide_button.setToolTip("Bluetooth sensors (uMyo, Ganglion, BITalino, NPG Lite, MyoWare, open profile): "
                                     "find one, say where it sits, see the site, check the signal, then calibrate")
        self.placement_button = QPushButton("Electrode placement...")
        self.placement_button.setToolTip("Where the electrodes go on the lat and the opposite glute")
        self.reconnect_button = QPushButton("Reconnect last sensors")
        self.reconnect_button.setVisible(False)
        self.sim_button.clicked.connect(self.simulate_requested)
        self.reconnect_button.clicked.connect(self.reconnect_requested)
        self.guide_button.clicked.connect(self.guide_requested)
        self.placement_button.clicked.connect(self.placement_requested)
        self._lay.addWidget(self.reconnect_button)
        self._lay.addWidget(self.guide_button)
        self._lay.addWidget(self.sim_button)
        self._lay.addWidget(self.placement_button)
        self._boxes: list[tuple[QGroupBox, QLabel, list[QualityLight], list[QComboBox]]] = []
        self._lay.addStretch(1)
        self._shown: tuple = ()  # (engine, each stream's channel count) the boxes were built for

    def set_last_sensors(self, names: list[str]) -> None:
        """Offer one click to connect the sensors of the last session again (hidden when there are none)."""
        self.reconnect_button.setVisible(bool(names))
        self.reconnect_button.setText(f"Reconnect {', '.join(names)}" if names else "Reconnect last sensors")
        self.reconnect_button.setToolTip("Connect the Bluetooth sensors of the last session again, with their muscles")

    def _rebuild(self, engine: Engine, roles: dict[tuple[int, int], tuple[str, str]]) -> None:
        for box, *_ in self._boxes:
            box.setParent(None)
        self._boxes = []
        for s in range(engine.n_streams):
            info = engine.info(s)
            box = QGroupBox(f"{info.name} ({info.kind})")
            grid = QGridLayout(box)
            status = QLabel("")
            status.setWordWrap(True)
            grid.addWidget(status, 0, 0, 1, 3)
            lights, combos = [], []
            for ch, spec in enumerate(info.channels):
                light = QualityLight()
                combo = QComboBox()
                for muscle, side, text in ROLES:
                    combo.addItem(text, (muscle, side))
                muscle, side = roles.get((s, ch), (spec.muscle, spec.side))
                idx = next((i for i, r in enumerate(ROLES) if r[:2] == (muscle, side)), len(ROLES) - 1)
                combo.setCurrentIndex(idx)
                combo.currentIndexChanged.connect(
                    lambda _i, s=s, ch=ch, c=combo: self.role_changed.emit(s, ch, *c.currentData())
                )
                grid.addWidget(QLabel(spec.name), ch + 1, 0)
                grid.addWidget(combo, ch + 1, 1)
                grid.addWidget(light, ch + 1, 2, Qt.AlignmentFlag.AlignCenter)
                lights.append(light)
                combos.append(combo)
            self._lay.insertWidget(self._lay.count() - 1, box)
            self._boxes.append((box, status, lights, combos))
        self._shown = self._layout_key(engine)
        self.rebuilt.emit()

    @staticmethod
    def _layout_key(engine: Engine) -> tuple:
        """What the boxes depend on: the engine and each stream's channel count (a sensor whose packets carry
        their format has its channels once its first packet is in)."""
        return (engine, tuple(engine.info(s).n_channels for s in range(engine.n_streams)))

    @staticmethod
    def _state_text(engine: Engine, state: str) -> str:
        """A file is replayed (or paused), not streamed: 'streaming' is for sensors and the simulator."""
        clock = engine.replay_clock
        if clock is not None and state == "running":
            return "paused" if clock.paused else "replaying"
        return STATE_TEXT.get(state, state)

    def refresh(self, engine: Engine | None, roles: dict[tuple[int, int], tuple[str, str]]) -> None:
        """Update from the engine (call on the UI timer, a few times a second is enough)."""
        if engine is None:
            return
        if self._shown != self._layout_key(engine):  # a new session, a stream more, a sensor's channels known
            self._rebuild(engine, roles)
        for s, (box, status, lights, _) in enumerate(self._boxes):
            st: StreamStats = engine.stream_stats(s)
            nominal = engine.info(s).rate_hz
            rate = f"{nominal:g} Hz"
            measured = st.rate_measured_hz  # samples per wall-clock second: a replay's speed scales it
            if engine.replay_clock is None and measured == measured and abs(measured - nominal) > 0.05 * nominal:
                # a live sensor falling behind or bursting, to two significant digits: the last ones jitter
                # with every refresh, and each new text lays out the whole sensors dock again (~2 ms)
                rate += f" (receiving {float(f'{measured:.2g}'):.0f}/s)"
            loss = 100.0 * st.lost / max(1, st.samples + st.lost)
            text = f"{self._state_text(engine, st.state)} | {rate} | lost {st.lost} ({loss:.1f}\u00a0%)"  # '%)' never alone
            if st.battery_pct is not None:
                text += f" | battery {st.battery_pct} %"
            if st.rssi_dbm is not None:
                text += f" | RSSI {st.rssi_dbm} dBm"
            if st.mains_hz:
                text += f" | notch {st.mains_hz:g} Hz"
            if st.state == "error":
                text += f"\n{st.message}"
            status.setText(text)
            for ch, light in enumerate(lights):
                if ch < len(st.quality):
                    q = st.quality[ch]
                    meaning = "; ".join(q.get("flag_messages") or []) or "Clean signal"
                    light.set_grade(q.get("grade", ""), f"{q.get('grade', '?')}: {meaning}")
