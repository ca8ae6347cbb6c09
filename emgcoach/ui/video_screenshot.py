"""video_dock.png for `make screenshots`: a short session recorded with simulated sensors and the
synthetic camera (numbered frames of a figure doing a bird-dog, ui/synthetic_video.py), made at render
time in a temporary folder, then replayed with its video in the dock beside the plots."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QSettings

RECORD_S = 6.0


def _until(app: QCoreApplication, done: Callable[[], bool], timeout_s: float) -> None:
    """Run the event loop until `done()` (a RuntimeError naming the wait if it never is)."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"screenshots: video dock: timed out after {timeout_s:g} s")
        app.processEvents()
        time.sleep(0.002)


def shoot_video_dock(app: QCoreApplication, out: Path, tmp: Path) -> None:
    """Record, replay, and save the window with its video dock to `out`/video_dock.png."""
    from emgcoach.ui.main_window import MainWindow
    from emgcoach.ui.synthetic_video import SyntheticCamera

    settings = QSettings(str(tmp / "video.ini"), QSettings.Format.IniFormat)
    settings.setValue("welcome_seen", True)
    settings.setValue("recordings_dir", str(tmp / "video-recordings"))
    settings.setValue("store_path", str(tmp / "video-history.sqlite3"))
    w = MainWindow(settings)
    w.resize(1600, 950)
    w.show()
    w.sensors.add_simulated_sensors()
    engine = w.engine
    assert engine is not None  # add_simulated_sensors made one
    _until(app, lambda: engine.n_streams > 0 and engine.stream_stats(0).samples > 0, 10.0)
    camera = SyntheticCamera(engine.clock_s, 30.0, w)
    w.video.recorder.use_frame_input(camera.frame_input)
    camera.timer.start()
    path = w.recording.toggle_recording()
    if path is None:
        raise RuntimeError(f"screenshots: video dock: not recording: {w.status.text()}")
    t0 = engine.clock_s()
    _until(app, lambda: engine.clock_s() - t0 > RECORD_S, RECORD_S + 10.0)
    w.recording.toggle_recording()
    camera.timer.stop()
    _until(app, lambda: w.video.recorder.finished, 10.0)
    if not w.replay.open_recording(path):
        raise RuntimeError("screenshots: video dock: the recording did not open")
    clock = w.engine.replay_clock if w.engine is not None else None
    assert clock is not None  # a replay has one
    _until(app, lambda: clock.now_s() > 4.4, 15.0)  # the figure's arm and leg about their highest
    w.replay.toggle_play()  # paused: the frame for the position, and the status line saying so
    _until(app, lambda: clock.paused, 5.0)
    _until(app, lambda: w.video.sync.shown_time_s() is not None
           and abs((w.video.sync.shown_time_s() or 0.0) - clock.now_s()) < 0.034, 5.0)
    w.frames = -1
    w.tick()
    app.processEvents()
    w.grab().save(str(out / "video_dock.png"))
    w.close()
    w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
