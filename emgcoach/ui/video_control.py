"""The window's video: the camera recorded with the session (Record video, the camera chosen, both kept in
QSettings) and a replayed recording's video in a dock beside the plots, shown only when it has one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from emgcoach.errors import InputError
from emgcoach.io.video_frames import read_frame_times, video_path_for
from emgcoach.ui.video_dock import FrameView, VideoSync
from emgcoach.ui.video_recorder import VideoRecorder, camera_id, cameras

if TYPE_CHECKING:
    from emgcoach.io.recording import Recording
    from emgcoach.stream.capabilities import ReplayClock
    from emgcoach.stream.engine import Engine
    from emgcoach.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


class VideoControl:
    """Record video with the session (`recording_started`/`recording_stopped`), and show a replayed
    recording's video in step (`replay_opened`)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.settings
        self.recorder = VideoRecorder(window)
        self.recorder.problem.connect(lambda line: window.status.setText(line))
        self.widget = FrameView()
        self.dock = window._dock("Video", "video", self.widget, Qt.DockWidgetArea.RightDockWidgetArea)
        self.dock.hide()  # shown only when a replayed recording has a video
        self.sync = VideoSync(self.widget, self._replay_clock, window)
        self.record_action: QAction | None = None

    def _replay_clock(self) -> ReplayClock | None:
        engine = self.window.engine
        return engine.replay_clock if engine is not None else None

    @property
    def enabled(self) -> bool:
        """Whether a recording takes the camera too (Settings 'record_video', on by default)."""
        return bool(self.settings.value("record_video", True, type=bool))

    def make_menu(self, menu: QMenu, view_menu: QMenu) -> None:
        """'Record video' and the camera to record in `menu`; the video dock's toggle in `view_menu`."""
        w = self.window
        action = self.record_action = QAction("Record video with the session", w)
        action.setCheckable(True)
        action.setChecked(self.enabled)
        action.setToolTip("Record the camera to an MP4 beside each recording, every frame timed on the EMG's clock")
        action.toggled.connect(lambda on: self.settings.setValue("record_video", on))
        menu.addAction(action)
        found = cameras()
        if len(found) > 1:  # a choice only when there is one to make
            names = {camera_id(d): d.description() for d in found}
            current = str(self.settings.value("video_camera", "") or camera_id(found[0]))
            w.preferences.choice_menu(menu, "Camera", names, current,
                                      lambda key: self.settings.setValue("video_camera", key))
        self.dock.toggleViewAction().setText("Video")
        view_menu.addAction(self.dock.toggleViewAction())

    # ------------------------------------------------------------------ recording

    def recording_started(self, engine: Engine, xdf_path: str) -> str:
        """Start the camera's MP4 beside `xdf_path` if video is on: '' or the line to show (no camera)."""
        if not self.enabled:
            return ""
        return self.recorder.start(engine, xdf_path, str(self.settings.value("video_camera", "") or ""))

    def recording_stopped(self) -> Path | None:
        """Finish the MP4 (before the XDF is closed, so the last frame's time is in it)."""
        return self.recorder.stop()

    # ------------------------------------------------------------------ replay

    def replay_opened(self, rec: Recording | None) -> None:
        """Follow `rec`'s video if it has one (the dock shown), else none (the dock hidden)."""
        frames = None
        # the file is read again for its frame times only when an MP4 is beside it (a replay without
        # video starts as before: no second pass over the file on the Qt thread as the replay begins)
        if rec is not None and rec.path.lower().endswith(".xdf") and rec.streams and video_path_for(rec.path).is_file():
            try:
                frames = read_frame_times(rec.path, float(rec.streams[0].info.extra.get("xdf_time_origin", 0.0)))
            except InputError as e:
                self.window.status.setText(f"Video not shown: {e}")
            if frames is not None and not frames.has_video:
                logger.warning("%s: its video %s is missing", rec.path, frames.video)
                frames = None
        self.sync.load(frames)
        shown = frames is not None
        if shown and not self.dock.isVisible():  # a useful width beside the plots, not a sliver
            self.dock.setVisible(True)
            w = self.window
            w.resizeDocks([self.dock], [max(320, w.width() // 4)], Qt.Orientation.Horizontal)
        elif not shown:
            self.dock.setVisible(False)
