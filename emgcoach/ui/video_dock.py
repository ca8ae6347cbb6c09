"""A replayed recording's video, shown in step with the replay clock.

QMediaPlayer decodes the MP4 into a sink of its own, a little ahead of the replay; each tick (200 Hz) the
frame for the replay clock's time is picked from those decoded, by the recording's frame times (the last
frame captured at or before that time: io/video_frames.py), and put on the dock's QVideoWidget. So the
frame on screen follows the EMG's clock, not the player's: pause, seek and speed act on the replay
clock, and the player is only kept decoding ahead (run faster to catch up, paused when far enough ahead,
sent to the position after a seek).
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QRect, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QWidget

from emgcoach.io.video_frames import FrameTimes
from emgcoach.stream.capabilities import ReplayClock

logger = logging.getLogger(__name__)

TICK_MS = 5  # 200 Hz: the frame on screen changes within 5 ms of when it is due (a tick is a lookup)
LEAD_S = 0.5  # decoded this far ahead of the replay (s of replay time): frames are there before they are due
MAX_LEAD_S = 1.0  # the player waits when this far ahead (s of replay time; video s = this x the speed)
MAX_BUFFER_S = 2.0  # and never more than this much video decoded ahead (memory: 60 frames at 30 fps)
RESEEK_S = 1.0  # behind by more than this, or ahead by more than MAX_BUFFER_S + this (video s): send the player there
CATCH_UP = 3.0  # the player runs this many times the replay's speed while short of its lead
SEEK_WAIT_S = 0.5  # a seek that has brought no frame by then is sent again
SLACK_US = 1000  # a decoded frame's time is rounded to the MP4's time base (1/30000 s here)


class FrameView(QWidget):
    """The frame in its sink (`videoSink()`, as QVideoWidget's), drawn to fit with its aspect kept. Painted
    by the widget itself, so it shows wherever widgets are drawn (a grab, an offscreen screenshot)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sink = QVideoSink(self)
        self._sink.videoFrameChanged.connect(lambda _frame: self.update())
        self.setMinimumSize(160, 120)

    def videoSink(self) -> QVideoSink:  # Qt's name (QVideoWidget's)
        return self._sink

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("black"))
        frame = self._sink.videoFrame()
        if frame.isValid():
            img = frame.toImage()
            size = img.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(self.rect().center())
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(target, img)
        p.end()


class VideoSync(QObject):
    """Shows, on `widget`, the frame of `frames` for `clock()`'s replay clock (None: nothing replays)."""

    def __init__(self, widget: FrameView, clock: Callable[[], ReplayClock | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.widget = widget
        self._clock = clock
        self.player = QMediaPlayer(self)
        self._decoded_sink = QVideoSink(self)
        self.player.setVideoOutput(self._decoded_sink)
        self._decoded_sink.videoFrameChanged.connect(self._decoded)
        # (start µs, frame), in order; the lead keeps it to MAX_BUFFER_S of video, the length to a backstop
        self._buffer: deque[tuple[int, QVideoFrame]] = deque(maxlen=120)
        self.frames: FrameTimes | None = None
        self.shown_us: int | None = None  # the video position (µs) of the frame on screen
        self._seeking_to: int | None = None  # a position sent to the player, not decoded yet
        self._seek_sent = 0.0  # when (monotonic s)
        self.ticked_at = 0.0  # when the frame on screen was last chosen (monotonic s)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)

    def load(self, frames: FrameTimes | None) -> None:
        """Follow the replay with this video (None: none)."""
        self.player.stop()
        self._buffer.clear()
        self.shown_us = self._seeking_to = None
        self.frames = frames
        if frames is None:
            self.timer.stop()
            self.player.setSource(QUrl())
            return
        self.player.setSource(QUrl.fromLocalFile(str(frames.video)))
        self.timer.start()

    def shown_time_s(self) -> float | None:
        """The session time (s) at which the frame on screen was captured (None before the first)."""
        if self.frames is None or self.shown_us is None:
            return None
        return self.frames.time_of_position(self.shown_us / 1e6)

    def _decoded(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        start = int(frame.startTime())
        if self._buffer and start <= self._buffer[-1][0]:  # the player was sent back: a new run of frames
            self._buffer.clear()
        self._buffer.append((start, frame))
        if self._seeking_to is not None and start >= self._seeking_to - SLACK_US - 100_000:
            self._seeking_to = None

    def tick(self) -> None:
        """Put the frame due now on screen, and keep the player decoding just ahead."""
        clock, frames = self._clock(), self.frames
        if clock is None or frames is None:
            return
        self.ticked_at = time.monotonic()
        running = not clock.paused and math.isfinite(clock.speed)
        # the frame put up now stays until the next tick: the one due by then, so that it is never late
        ahead_s = TICK_MS / 1000 * clock.speed if running else 0.0
        want = round(frames.position_at(clock.now_s() + ahead_s) * 1e6)
        self._show(want)
        self._steer(want, clock.speed if running else 0.0)

    def _show(self, want_us: int) -> None:
        """The newest decoded frame at or before `want_us` on screen; older ones let go."""
        best = None
        while self._buffer and self._buffer[0][0] <= want_us + SLACK_US:
            best = self._buffer.popleft()
        if best is None:
            return
        self._buffer.appendleft(best)  # kept: still due until the next one is
        start, frame = best
        if start != self.shown_us:
            self.shown_us = start
            self.widget.videoSink().setVideoFrame(frame)

    def _steer(self, want_us: int, speed: float) -> None:
        """Keep the player's decoded frames from `want_us` to a little ahead; `speed` 0: the replay waits."""
        player = self.player
        end_us = round(self.frames.positions_s[-1] * 1e6) if self.frames is not None else 0
        if self._seeking_to is not None and time.monotonic() - self._seek_sent > SEEK_WAIT_S:
            logger.debug("video: no frame %.0f ms after a seek to %d us; seeking again", SEEK_WAIT_S * 1e3, self._seeking_to)
            self._seeking_to = None
        newest = self._buffer[-1][0] if self._buffer else None
        have_now = bool(self._buffer) and self._buffer[0][0] <= want_us + SLACK_US
        lead_s = (newest - want_us) / 1e6 if newest is not None else -math.inf
        if self._seeking_to is None and (not have_now or lead_s < -RESEEK_S or lead_s > MAX_BUFFER_S + RESEEK_S) \
                and not (newest is not None and newest >= end_us and have_now):
            self._seek(want_us)
            return
        if speed <= 0 or (newest is not None and newest >= end_us) or lead_s > min(MAX_LEAD_S * speed, MAX_BUFFER_S):
            if player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
                player.pause()
            return
        rate = speed * (CATCH_UP if lead_s < min(LEAD_S * speed, MAX_BUFFER_S / 2) else 1.0)
        if player.playbackRate() != rate:
            player.setPlaybackRate(rate)
        if player.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
            player.play()

    def _seek(self, want_us: int) -> None:
        """Send the player to `want_us` (it decodes the frame there, playing or not)."""
        self._buffer.clear()
        self._seeking_to, self._seek_sent = want_us, time.monotonic()
        # (ms, rounded up: the player shows the frame that starts at or before the position it is sent to)
        self.player.setPosition(max(0, -(-want_us // 1000)))
        if self.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState:
            self.player.pause()  # a stopped player shows nothing: paused at the position, it decodes a frame
