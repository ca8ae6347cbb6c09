"""Recording the window's session to XDF and marking moments in it: where recordings go, what a new
file says first (the calibration in force, a set under way), and what the status line says of a mark."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from emgcoach.errors import EmgcoachError
from emgcoach.ui.replay_control import mmss

if TYPE_CHECKING:
    from emgcoach.ui.main_window import MainWindow


class RecordingControl:
    """Start and stop the session's recording, and stamp marks in it. `began` is told when the engine
    says a recording started, so a mark's time can be given on the recording's own clock."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.settings
        self._t0: tuple[str, float] | None = None  # (path, session time s) the recording began at

    def began(self, path: str, time_s: float) -> None:
        """The engine began recording to `path` at session time `time_s`."""
        self._t0 = (path, time_s)

    def recordings_folder(self) -> Path:
        """Where recordings are saved (Settings 'recordings_dir', default ~/emgcoach-recordings)."""
        return Path(str(self.settings.value("recordings_dir", Path.home() / "emgcoach-recordings")))

    def toggle_recording(self) -> str | None:
        """Start recording to a new XDF in the user's recordings folder, or stop; returns the path."""
        w = self.window
        engine = w.engine
        if engine is None or engine.n_streams == 0:
            w.record_action.setChecked(False)
            w.status.setText("Nothing to record: open a recording or connect sensors first")
            return None
        if engine.recording_path:
            video = w.video.recording_stopped()  # its last frame's time goes in before the XDF closes
            saved = engine.stop_recording()
            w.record_action.setChecked(False)
            w.status.setText(f"Saved {saved}" + (f" and {video.name}" if video is not None else ""))
            return saved
        from emgcoach.coach.recorded_sets import RunningSet, recording_start_markers

        folder = self.recordings_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"session-{datetime.now():%Y%m%d-%H%M%S}.xdf"
        running = None
        runner = w.drills.runner
        if runner is not None and runner.start_s is not None:  # a set under way goes in whole
            w.drills.drain()
            running = RunningSet(runner.drill.id, runner.drill.reps, w.person() or "unnamed",
                                 runner.start_s, tuple(w.drills.set_scores))
        # the file says which calibration its levels are in, and the set it joined
        first = recording_start_markers(engine.session_time_s(), w.calibration, running)
        try:
            engine.start_recording(path, first)
        except (OSError, ValueError, EmgcoachError) as e:
            w.record_action.setChecked(False)
            w.error_box("Cannot record", str(e))
            return None
        w.record_action.setChecked(True)
        note = w.video.recording_started(engine, str(path))  # the camera too, if asked for ('' or why not)
        w.status.setText(f"Recording to {path}" + (f". {note}" if note else ""))
        return str(path)

    def mark(self, kind: str, payload: dict) -> None:
        """Stamp a marker at the current session time; the status line says whether a recording keeps it."""
        w = self.window
        engine = w.engine
        if engine is None or not engine.n_streams:
            w.status.setText("Nothing to mark: no sensors or recording running")
            return
        marker = engine.add_marker(kind, payload)
        path = engine.recording_path
        if path:
            w.handle_events(engine)  # the recording's start, if it began since the last frame
            began = self._t0[1] if self._t0 and self._t0[0] == path else marker.time_s
            w.status.setText(f"Marked {mmss(marker.time_s - began)} in the recording")  # its own clock
        elif engine.replay_clock is not None:
            w.status.setText(f"Marked {mmss(marker.time_s)} of the replay, but not recording: press R to "
                             "record and keep marks")
        else:
            w.status.setText("Marked, but not recording: press R to record and keep marks")
