"""Synthetic camera frames that carry their own number, for measuring video sync without a camera (the
sync test) and for the screenshots: pushed through a QVideoFrameInput at a steady rate, each frame shows
its number as a bar code of big black and white blocks (robust to the encoder's losses) above a simple
moving figure."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameInput

BITS = 16
WIDTH, HEIGHT = 320, 240
BAR_H = 40  # the bar code's height (px); its blocks are WIDTH / BITS wide


def frame_image(n: int, width: int = WIDTH, height: int = HEIGHT) -> QImage:
    """Frame `n`: its number in a bar code across the top (bit 0 leftmost; white = 1), under it a figure
    doing a slow bird-dog (arm and opposite leg rising and falling) so a still of it reads as a person."""
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(QColor("#3a4148"))
    p = QPainter(img)
    block = width / BITS
    for bit in range(BITS):
        p.fillRect(QRectF(bit * block, 0, block, BAR_H), Qt.GlobalColor.white if (n >> bit) & 1 else Qt.GlobalColor.black)
    lift = 0.5 - 0.5 * math.cos(2 * math.pi * n / 90)  # one rep every 3 s at 30 fps
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#f2c48d"), 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    hip, shoulder = QPointF(width * 0.62, height * 0.62), QPointF(width * 0.38, height * 0.62)
    p.drawLine(hip, shoulder)  # the back, on all fours
    p.drawLine(shoulder, QPointF(width * 0.38, height * 0.9))  # supporting arm
    p.drawLine(hip, QPointF(width * 0.62, height * 0.9))  # supporting knee
    p.drawLine(shoulder, QPointF(width * (0.38 - 0.22 * lift), height * (0.9 - 0.28 * lift)))  # reaching arm
    p.drawLine(hip, QPointF(width * (0.62 + 0.25 * lift), height * (0.9 - 0.28 * lift)))  # extending leg
    p.setBrush(QColor("#f2c48d"))
    p.drawEllipse(QPointF(width * 0.3, height * 0.55), 14, 14)
    p.end()
    return img


def read_number(img: QImage) -> int | None:
    """The frame number in `img`'s bar code (any size), None if a block is neither black nor white."""
    img = img.convertToFormat(QImage.Format.Format_Grayscale8)
    block = img.width() / BITS
    n = 0
    for bit in range(BITS):
        v = img.pixelColor(int((bit + 0.5) * block), int(BAR_H * img.height() / HEIGHT / 2)).value()
        if 60 < v < 190:
            return None
        n |= (v >= 190) << bit
    return n


class SyntheticCamera(QObject):
    """Pushes numbered frames into `frame_input` at `fps` (a QTimer), noting when each was made on
    `clock` (its capture time, on the session clock: `made_at[n]`)."""

    def __init__(self, clock: Callable[[], float], fps: float = 30.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.frame_input = QVideoFrameInput(self)
        self.clock = clock
        self.made_at: dict[int, float] = {}
        self.n = 0
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(round(1000 / fps))
        self.timer.timeout.connect(self.push)

    def push(self) -> None:
        """Make frame n now and send it."""
        frame = QVideoFrame(frame_image(self.n))
        self.made_at[self.n] = self.clock()
        self.frame_input.sendVideoFrame(frame)
        self.n += 1
