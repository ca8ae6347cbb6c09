"""Replaying a recorded file in the window: opening it (asking its sample rate when it does not say),
the replay bar's play, pause, seek and speed, the status line that says where the replay is, and the
file's own coaching followed as it plays (its calibration applied, each of its sets started at its
recorded start)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog

from emgcoach.analysis import check_rates
from emgcoach.errors import EmgcoachError, RateNeeded
from emgcoach.io.open import read_recording
from emgcoach.session.drill_set import Replayed
from emgcoach.session.recorded_coaching import COACHING_MARKERS, RecordedCoaching
from emgcoach.stream.replay import ReplaySource, replay_sources

if TYPE_CHECKING:
    from emgcoach.coach.recorded_sets import RecordedSet
    from emgcoach.io.recording import Recording
    from emgcoach.stream.engine import Engine
    from emgcoach.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

PREROLL_S = 30.0  # a seek in a replay first fills the plots' longest window with the lead-up to the target


def mmss(t_s: float) -> str:
    """Session seconds as m:ss.s."""
    t_s = max(0.0, float(t_s))
    return f"{int(t_s // 60)}:{t_s % 60:04.1f}"


class ReplayControl:
    """The replayed file of the window's session, if it replays one: `replaying` is (resolved path, when
    it was recorded, ISO or None), `duration_s` its length in seconds."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.settings
        self.duration_s = 0.0
        self._sources: list[ReplaySource] = []  # the replayed file's, one per stream
        self.replaying: tuple[str, str | None] | None = None
        self._note = ""  # a warning about the replayed file, kept in its status line
        self._line = ""  # the status line the replay last set (replaced as it pauses or ends)
        self._state: tuple[bool, bool] | None = None  # (paused, ended) the status line says
        self._at = ""  # the position it says (m:ss.s)
        self._recorded_drills: list[tuple[float, str]] = []  # (start s, drill) still to come in a replay
        self._recorded_drills_all: list[tuple[float, str]] = []  # all of the replayed file's sets
        self._last_now = 0.0  # the playhead (session s) at the last frame: a set starts when play crosses it
        self._seek_pending: float | None = None  # a seek sent to the engine and not yet applied by its clock
        self._replayed_sets: tuple[str | None, list[RecordedSet]] = (None, [])  # (file, its sets as given live)

    def reset(self) -> None:
        """A new session: no file replays (yet)."""
        self._note, self._line, self._state = "", "", None
        self.duration_s = 0.0
        self._sources = []
        self.replaying = None
        self.window.transport.set_duration(0.0)
        self.window.artifacts.show_marks(None)
        self.window.video.replay_opened(None)

    def open_recording(
        self, path: str | Path, speed: float = 1.0, follow_drills: bool = True, unit: str | None = None
    ) -> bool:
        """Replay a recording; a bad file gets one message box with the reason. Returns success.

        With `follow_drills`, a recording that holds a calibration and drills is coached as it was done:
        its calibration is applied and each drill's set starts at its recorded start. `unit` ('uV', 'mV',
        'V') is that of the columns the file does not label (`emgcoach replay --unit`)."""
        rec = self._read(path, unit)
        if rec is None:
            return False
        w = self.window
        engine = w.new_engine()
        clock, sources = replay_sources(rec, speed=speed, preroll_s=PREROLL_S)
        engine.attach_replay_clock(clock)
        for src in sources:
            engine.add_source(src)
        self._sources = sources
        self.duration_s = rec.duration_s
        w.transport.set_duration(rec.duration_s)
        w.transport.set_speed(speed)
        w.sensors.load_roles(engine)
        self._recorded_drills = self._recorded_drills_all = []
        self._last_now, self._seek_pending = 0.0, None
        if follow_drills and any(m.kind == "drill_start" for m in rec.markers):
            self._follow_recorded_coaching(rec)
        self.settings.setValue("last_file", str(path))
        self.replaying = (str(Path(path).resolve()), rec.started_at)  # (file, when it was recorded)
        self.window.artifacts.show_marks(self.replaying[0])  # its artifact marks, shaded
        self.window.video.replay_opened(rec)  # its video in step, if it has one
        self._note = self._unit_note(rec, path) if unit is None else ""
        self._show_state(paused=False, ended=False)
        return True

    def _read(self, path: str | Path, unit: str | None) -> Recording | None:
        """The file read in µV, its rates checked; None, with the reason shown, if it cannot be."""
        w = self.window
        try:
            try:
                rec = read_recording(path, unit=unit)
            except RateNeeded as e:  # a CSV without a time column: ask, as --rate does on the command line
                rate, ok = QInputDialog.getDouble(
                    w, "Sample rate", f"{Path(path).name} does not say its sample rate ({e.problem.split(':')[0]}).\n"
                    "Sample rate in Hz:", float(str(self.settings.value("last_csv_rate_hz", 1000.0))), 100.0, 100000.0, 1)
                if not ok:
                    w.status.setText(f"Not opened: {Path(path).name} needs its sample rate")
                    return None
                self.settings.setValue("last_csv_rate_hz", rate)
                rec = read_recording(path, rate_hz=rate, unit=unit)
            check_rates(rec)
        except EmgcoachError as e:
            w.error_box("Cannot open recording", str(e))
            return None
        return rec

    @staticmethod
    def _unit_note(rec: Recording, path: str | Path) -> str:
        """The CLI's warning for columns that look like mV or V, said for the window (one line; '')."""
        from emgcoach.io.units import unit_warnings

        lines = unit_warnings(rec)
        for line in lines:
            logger.warning("%s", line)
        if not lines:
            return ""
        what = lines[0].split(": ", 1)[-1]  # (the path is in the line already)
        what, _, option = what.partition(": if so, pass ")
        return f"check the units: {what}; if so, replay it with `emgcoach replay {Path(path).name} {option}`"

    def open_dialog(self) -> None:
        """Open a recording, starting in the folder of the last one opened, else where recordings are saved."""
        last = Path(str(self.settings.value("last_file", "") or ""))
        start = next((str(d) for d in (last.parent if last.name else None, self.window.recording.recordings_folder(),
                                       Path.home()) if d is not None and d.is_dir()), "")
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open recording", start, "Recordings (*.xdf *.edf *.bdf *.csv *.txt);;All files (*)"
        )
        if path:
            self.open_recording(path)

    def _show_state(self, paused: bool, ended: bool) -> None:
        """Say in the status line whether the file is replaying, paused or over; another message there
        since (a set's result, an error) is left alone."""
        if self.replaying is None:
            return
        status = self.window.status
        if self._state is not None and status.text() != self._line:
            self._state = (paused, ended)
            return
        name = Path(self.replaying[0]).name
        engine = self.window.engine
        clock = engine.replay_clock if engine is not None else None
        at = mmss(min(clock.now_s(), self.duration_s)) if clock is not None else "0:00.0"
        self._at = at
        if ended:
            line = f"Replay of {name} ended: Play starts it again"
        elif paused:
            line = f"Paused at {at} of {name}"
        else:
            line = f"Replaying {name}"
        if self._note:
            line += f" ({self._note})"
        self._line, self._state = line, (paused, ended)
        status.setText(line)

    # ------------------------------------------------------------------ the file's own coaching

    def _follow_recorded_coaching(self, rec: Recording) -> None:
        """Use the recording's own calibration (its rest and MVC markers, or the calibration in force when
        it was recorded) and queue its drills; keep its sets' live verdicts for the history."""
        w = self.window
        recorded = RecordedCoaching(rec, w.library, w.person() or "recording")
        self._recorded_drills = list(recorded.starts)
        self._recorded_drills_all = list(recorded.starts)
        # a replayed set saved to the history (when asked for) is saved with the verdicts given live
        self._replayed_sets = (recorded.path, recorded.sets)
        engine = w.engine
        if engine is not None:  # the app coaches the replay and writes its own set markers
            engine.leave_source_markers_unrecorded(COACHING_MARKERS)
        recorded.find_calibration()

        def done() -> None:
            found = recorded.calibration()
            if found is None and recorded.has_calibration:
                QTimer.singleShot(100, done)
                return
            if found is None or w.engine is not engine:  # none, or another file or sensors since
                return
            cal, note = found
            if cal is None:
                w.status.setText(note)
                return
            w.calibrator.use_recorded(cal)

        QTimer.singleShot(100, done)

    def replayed(self) -> Replayed | None:
        """The replayed file, for filing a set of it: path, when recorded, its sets as given live."""
        if self.replaying is None:
            return None
        path, recorded_at = self.replaying
        own, sets = self._replayed_sets
        return Replayed(path, recorded_at, sets if own == path else [])

    def follow(self, engine: Engine) -> None:
        """Start the replayed file's next set when playing reaches its recorded start, however late the
        frame that sees it (a seek past a start skips that set; one that has not reached the clock yet
        is waited for)."""
        clock = engine.replay_clock
        if clock is None:
            return
        if self._seek_pending is not None:
            if clock.seek_target_s != self._seek_pending:
                return  # the clock still tells the time from before the seek
            self._last_now, self._seek_pending = self._seek_pending, None
        now = clock.now_s()
        before, self._last_now = self._last_now, now
        drills = self.window.drills
        if drills.runner is not None or not self._recorded_drills:
            return
        t, drill_id = self._recorded_drills[0]
        if now >= t:
            self._recorded_drills.pop(0)
            if before <= t + 1e-6:  # crossed by playing since the last frame
                self.window.drill_panel.select(drill_id)
                drills.start_drill(start_s=t)

    # ------------------------------------------------------------------ transport

    def show_position(self, engine: Engine) -> None:
        """The replay bar's position and the status line's (4 Hz); the bar stops at the file's end,
        though the clock runs on past it."""
        clock = engine.replay_clock
        if clock is None or not self.duration_s:
            return
        ended = self.ended()
        if ended and any(src.missed_seek for src in self._sources):  # a seek sent as the file ran out
            paused = clock.paused
            self.seek(clock.seek_target_s)  # (the file opened again there, as a seek after its end is)
            if paused and self.window.engine is not None:
                self.window.engine.pause()
            return
        at = self.duration_s if ended else min(clock.now_s(), self.duration_s)
        self.window.transport.show_position(at, clock.paused or ended)
        paused = clock.paused and not ended
        if self._state != (paused, ended) or (paused and self._at != mmss(at)):
            self._show_state(paused, ended)  # (paused: a seek moves the time it says)

    def toggle_play(self) -> None:
        """Pause or play the replay; at its end, play it again from the start."""
        engine = self.window.engine
        clock = engine.replay_clock if engine is not None else None
        if engine is None or clock is None:
            return
        if self.ended():
            self.seek(0.0)
            return
        (engine.resume if clock.paused else engine.pause)()

    def ended(self) -> bool:
        """Whether the replayed file has played out (every stream ended)."""
        engine = self.window.engine
        return bool(engine is not None and engine.replay_clock is not None and engine.n_streams
                    and all(engine.stream_stats(s).state == "ended" for s in range(engine.n_streams)))

    def seek(self, t_s: float) -> None:
        """Move the replay to `t_s` (session s); after the file's end it is opened again there."""
        engine = self.window.engine
        clock = engine.replay_clock if engine is not None else None
        if self.ended() and self.replaying is not None and clock is not None:  # (ended: there is a clock)
            path, speed = self.replaying[0], clock.speed
            if self.open_recording(path, speed=speed):
                self.seek(t_s)
            return
        if engine is not None:
            if self.window.drills.runner is not None:  # the set was cut by the seek: never a set of its own
                self.window.drills.stop_drill(cut_by="seek")
            # the replayed file's sets from the new position on are coached again as they come
            self._recorded_drills = [(t, d) for t, d in self._recorded_drills_all if t >= t_s - 1e-6]
            self._seek_pending = float(t_s)
            engine.seek(t_s)

    def set_speed(self, speed: float) -> None:
        """Replay at `speed` times real time."""
        if self.window.engine is not None:
            self.window.engine.set_speed(speed)
