"""Replay transport: play/pause, a seek bar, the position and the speed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractSlider, QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QStyleOptionSlider, QWidget,
)

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
TICKS_PER_S = 10  # the seek bar counts tenths of a second of the recording
ARROW_S = 1.0  # an arrow key moves a second, whatever the file's length
PAGE_S = 10.0  # Page Up / Down: ten seconds


NO_REPLAY = "no replay"


class SeekSlider(QSlider):
    """A seek bar: a click anywhere on the groove puts the handle there (and it can be dragged on from
    there), instead of stepping a page toward the click."""

    def mousePressEvent(self, ev: QMouseEvent) -> None:  # Qt's name
        if ev.button() == Qt.MouseButton.LeftButton:
            opt = QStyleOptionSlider()
            self.initStyleOption(opt)
            style = self.style()
            handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(ev.position().toPoint()):
                groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove,
                                              self)
                x = int(ev.position().x() - groove.x() - handle.width() / 2)
                self.setValue(QStyle.sliderValueFromPosition(
                    self.minimum(), self.maximum(), x, max(1, groove.width() - handle.width())))
        super().mousePressEvent(ev)  # the handle is under the pointer now: a press on it, released = a seek


class TransportBar(QWidget):
    """Emits play_toggled(), seek_requested(t_s) and speed_changed(x); `show_position` updates the bar."""

    play_toggled = Signal()
    seek_requested = Signal(float)
    speed_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.play = QPushButton("Pause")
        self.play.setToolTip("Play / pause (Space)")
        self.slider = SeekSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setSingleStep(int(ARROW_S * TICKS_PER_S))
        self.slider.setPageStep(int(PAGE_S * TICKS_PER_S))
        self.slider.setToolTip(f"Click or drag to seek; arrow keys step {ARROW_S:g} s, Page Up/Down {PAGE_S:g} s")
        self.position = QLabel(NO_REPLAY)
        self.position.setToolTip("Position / length of the replayed recording")
        self.speed = QComboBox()
        for x in SPEEDS:
            self.speed.addItem(f"{x:g}x", x)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        lay = QHBoxLayout(self)
        lay.addWidget(self.play)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.position)
        lay.addWidget(QLabel("speed"))
        lay.addWidget(self.speed)
        self.duration_s = 0.0
        self._dragging = False
        self.play.clicked.connect(self.play_toggled)
        self.slider.sliderPressed.connect(lambda: setattr(self, "_dragging", True))
        self.slider.sliderReleased.connect(self._released)
        self.slider.actionTriggered.connect(self._stepped)
        self.speed.currentIndexChanged.connect(lambda _i: self.speed_changed.emit(float(self.speed.currentData())))
        self.setEnabled(False)

    def _released(self) -> None:
        self._dragging = False
        if self.duration_s > 0:
            self.seek_requested.emit(self._seconds(self.slider.value()))

    def _seconds(self, ticks: int) -> float:
        return min(ticks / TICKS_PER_S, self.duration_s)

    def _stepped(self, action: int) -> None:
        """Keys, wheel or a page step on the bar (not a drag, which seeks on release)."""
        if self._dragging or int(action) == QAbstractSlider.SliderAction.SliderMove.value or self.duration_s <= 0:
            return
        self.seek_requested.emit(self._seconds(self.slider.sliderPosition()))

    def set_speed(self, speed: float) -> None:
        """Show `speed` in the box without emitting speed_changed."""
        self.speed.blockSignals(True)
        self.speed.setCurrentIndex(min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed)))
        self.speed.blockSignals(False)

    def set_duration(self, seconds: float) -> None:
        """A replay of `seconds` (0: no replay, the bar is disabled and reset)."""
        self.duration_s = float(seconds)
        self.setEnabled(seconds > 0)
        self.slider.setRange(0, max(0, round(self.duration_s * TICKS_PER_S)))
        if seconds <= 0:
            self.slider.setValue(0)
            self.position.setText(NO_REPLAY)
        else:
            self.position.setText(f"{_mmss(0.0)} / {_mmss(self.duration_s)}")

    def show_position(self, t_s: float, paused: bool) -> None:
        self.play.setText("Play" if paused else "Pause")
        if self.duration_s > 0 and not self._dragging:
            self.slider.setValue(round(min(max(t_s, 0.0), self.duration_s) * TICKS_PER_S))
        self.position.setText(f"{_mmss(t_s)} / {_mmss(self.duration_s)}")


def _mmss(t: float) -> str:
    t = max(0.0, t)
    return f"{int(t // 60)}:{int(t % 60):02d}"
