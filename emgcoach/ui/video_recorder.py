"""Recording a camera with the session: an MP4 beside the XDF, and every frame's time in the XDF.

Frames go camera -> a capture session whose video sink stamps each frame with the session clock as it
arrives -> a second capture session's QVideoFrameInput -> QMediaRecorder (MP4). The frame is given its
stamp as its presentation time (time since the first frame written), so its place in the MP4 is the
stamp itself; each frame the recorder takes is written to the XDF's frame-times stream (frame index,
video position) at its stamp (io/video_frames.py). A frame the recorder does not take is in neither.

The source is the chosen camera (QMediaDevices.videoInputs()), or any QVideoFrameInput given to
`use_frame_input` (the sync test and the screenshots feed synthetic frames that way; no camera needed).
The PySide6 wheels' FFmpeg is LGPL, built without an H.264 encoder: the MP4 holds H.264 where the Qt
build can encode it, else MPEG-4 Part 2 (what these wheels write; every player reads it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QMediaCaptureSession,
    QMediaDevices,
    QMediaFormat,
    QMediaRecorder,
    QVideoFrame,
    QVideoFrameInput,
    QVideoSink,
)

from emgcoach.io.private import make_private
from emgcoach.io.video_frames import video_path_for

if TYPE_CHECKING:
    from emgcoach.stream.engine import Engine

logger = logging.getLogger(__name__)

NO_CAMERA = "No camera found: recording without video"
DEFAULT_FPS = 30.0


def cameras() -> list[QCameraDevice]:
    """The cameras Qt sees (empty on a machine without one)."""
    return list(QMediaDevices.videoInputs())


def camera_id(device: QCameraDevice) -> str:
    """A camera's id as text (for QSettings)."""
    return bytes(device.id().data()).hex()


def _camera_error(text: str) -> str:
    return f"Camera error ({text}): recording without video"


def mp4_format() -> QMediaFormat:
    """MP4, with H.264 if this Qt build encodes it, else MPEG-4 Part 2."""
    fmt = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
    codecs = fmt.supportedVideoCodecs(QMediaFormat.ConversionMode.Encode)
    for codec in (QMediaFormat.VideoCodec.H264, QMediaFormat.VideoCodec.MPEG4):
        if codec in codecs:
            fmt.setVideoCodec(codec)
            break
    return fmt


class VideoRecorder(QObject):
    """One video recording at a time, beside the engine's XDF. `start` returns '' or the one line to
    show when there is no video (no camera, or it failed); `problem` is emitted with such a line when the
    camera or the recorder fails mid-session (the EMG recording goes on)."""

    problem = Signal(str)
    _stamped = Signal(QVideoFrame, float)  # (frame, session s) from the sink's thread to this one

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = QMediaCaptureSession(self)
        self._sink = QVideoSink(self)
        self._source.setVideoSink(self._sink)
        # stamped where the frame arrives, on whatever thread the camera delivers it: the time is taken
        # before the frame waits for this thread's event loop
        self._sink.videoFrameChanged.connect(self._stamp, Qt.ConnectionType.DirectConnection)
        self._stamped.connect(self._write)
        self._out = QMediaCaptureSession(self)
        self._input = QVideoFrameInput(self)
        self._out.setVideoFrameInput(self._input)
        self.recorder = QMediaRecorder(self)
        self._out.setRecorder(self.recorder)
        self.recorder.errorOccurred.connect(self._recorder_failed)
        self._camera: QCamera | None = None
        self._frame_input: QVideoFrameInput | None = None
        self._clock: Callable[[], float] | None = None
        self._engine: Engine | None = None
        self._xdf: str | None = None
        self.video_path: Path | None = None
        self.frames_written = 0
        self.frames_dropped = 0
        self._first_t: float | None = None
        self._last_t = float("-inf")

    def use_frame_input(self, frame_input: QVideoFrameInput | None) -> None:
        """Take frames from `frame_input` instead of a camera (None: the camera again)."""
        self._frame_input = frame_input
        self._source.setVideoFrameInput(frame_input)  # type: ignore[arg-type]  # None detaches it (Qt takes nullptr; the stub does not say so)

    @property
    def recording(self) -> bool:
        return self._xdf is not None

    @property
    def finished(self) -> bool:
        """Whether the last MP4 is closed (QMediaRecorder finishes it after `stop`, asynchronously)."""
        return self.recorder.recorderState() == QMediaRecorder.RecorderState.StoppedState

    def start(self, engine: Engine, xdf_path: str, camera: str = "", fps: float = DEFAULT_FPS) -> str:
        """Record video beside `xdf_path` (which `engine` is recording) from the camera whose id is
        `camera` ('' the default one) or the frame input; '' if it started, else the line to show."""
        if self._frame_input is None and (problem := self._open_camera(camera)):
            return problem
        video = video_path_for(xdf_path)
        name = "frame input"
        if self._camera is not None:
            name = self._camera.cameraDevice().description()
            fps = self._camera.cameraFormat().maxFrameRate() or fps  # (a default format says 0)
        path = engine.record_video_frames(video.name, fps, name)
        if path is None:
            self._close_camera()
            return "Not recording: no video"
        clock = engine.replay_clock
        self._clock = clock.now_s if clock is not None else engine.clock_s  # the time the EMG is stamped on
        self._engine, self._xdf, self.video_path = engine, path, video
        self.frames_written = self.frames_dropped = 0
        self._first_t, self._last_t = None, float("-inf")
        if self._camera is not None:  # started first: one that fails at once leaves no empty MP4 behind
            self._camera.start()
            if self._camera.error() != QCamera.Error.NoError:  # (said at once, before any signal)
                text = self._camera.errorString()
                self._xdf = None
                self._close_camera()
                return _camera_error(text)
        self.recorder.setMediaFormat(mp4_format())
        self.recorder.setQuality(QMediaRecorder.Quality.HighQuality)
        self.recorder.setVideoFrameRate(fps)
        make_private(video)  # a client's video is health data: its owner's only, as the XDF beside it
        self.recorder.setOutputLocation(QUrl.fromLocalFile(str(video)))
        self.recorder.record()
        logger.info("recording video to %s", video)
        return ""

    def stop(self) -> Path | None:
        """Stop writing frames and finish the MP4 (it is closed shortly after: `finished`); returns its
        path if any frame went into it."""
        if self._xdf is None:
            return None
        self._xdf = None
        self.recorder.stop()
        self._close_camera()
        logger.info("video %s: %d frames written, %d not taken by the recorder", self.video_path,
                    self.frames_written, self.frames_dropped)
        return self.video_path if self.frames_written else None

    def _open_camera(self, wanted: str) -> str:
        """Open the camera whose id is `wanted` (else the default one): '' or why there is none."""
        devices = cameras()
        if not devices:
            return NO_CAMERA
        device = next((d for d in devices if camera_id(d) == wanted), devices[0])
        camera = QCamera(device, self)
        if camera.error() != QCamera.Error.NoError:  # said on construction, before a signal could say it
            logger.error("camera %r: %s", device.description(), camera.errorString())
            camera.deleteLater()
            return _camera_error(camera.errorString())
        camera.errorOccurred.connect(self._camera_failed)
        self._source.setCamera(camera)
        self._camera = camera
        return ""

    def _close_camera(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._source.setCamera(None)  # type: ignore[arg-type]  # None detaches it (as above)
            self._camera.deleteLater()
            self._camera = None

    def _stamp(self, frame: QVideoFrame) -> None:
        """The sink's frame, on the thread it arrived on: its session time now."""
        clock = self._clock
        if clock is not None and self._xdf is not None and frame.isValid():
            self._stamped.emit(frame, clock())

    def _write(self, frame: QVideoFrame, t_s: float) -> None:
        """Give the frame its stamp as its place in the MP4, and record the stamp if the recorder took it."""
        engine, path = self._engine, self._xdf
        if engine is None or path is None or t_s <= self._last_t:  # (a replay's clock sought back)
            return
        first = t_s if self._first_t is None else self._first_t  # the MP4 starts at its first frame taken
        position_us = round((t_s - first) * 1e6)
        out = QVideoFrame(frame)
        out.setStartTime(position_us)
        out.setEndTime(position_us + round(1e6 / DEFAULT_FPS))
        if not self._input.sendVideoFrame(out):  # the encoder's queue is full: this frame is not in the MP4
            self.frames_dropped += 1
            return
        self._first_t, self._last_t = first, t_s
        if engine.put_video_frames(path, [t_s], [[self.frames_written, position_us / 1e6]]):
            self.frames_written += 1
        else:  # the XDF stopped under the video (its disk failed; the engine said why): the video stops too
            self.stop()

    def _camera_failed(self, _error: QCamera.Error, text: str) -> None:
        logger.error("camera: %s", text)
        self.stop()
        self.problem.emit(_camera_error(text))

    def _recorder_failed(self, _error: QMediaRecorder.Error, text: str) -> None:
        logger.error("video recorder: %s", text)
        if self.recording:
            self.stop()
            self.problem.emit(f"Video not recorded ({text}); the EMG recording goes on")
