"""The main window: device panel, live plots, co-activation feedback, record and replay transport.

The window owns one `Engine`; a 60 Hz QTimer pulls the newest samples from its ring buffers and drains
its events. Nothing here decodes bytes or filters signals.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolBar,
)

from emgcoach.background import Background
from emgcoach.coach.calibration import Calibration, protocol
from emgcoach.coach.drills import DrillError, Lead, load_library
from emgcoach.analysis import check_rates
from emgcoach.coach.live_feedback import GLUTE, LAT, OnsetOrder
from emgcoach.coach.runner import DrillRunner, RunnerEvent
from emgcoach.coach.set_summary import summarise_set
from emgcoach.coach.store import Store, StoreError
from emgcoach.errors import EmgcoachError, RateNeeded
from emgcoach.io.open import read_recording
from emgcoach.io.recording import Recording
from emgcoach.stream.engine import Engine
from emgcoach.stream.replay import replay_sources
from emgcoach.ui import window_layout
from emgcoach.ui.actions import FILE, HELP, ActionSpec, build_actions, make_action
from emgcoach.ui.audio_cue import AudioCue
from emgcoach.ui.calibration_wizard import CalibrationWizard
from emgcoach.ui.device_panel import DevicePanel
from emgcoach.ui.drill_panel import DrillPanel
from emgcoach.ui.help import about_dialog, shortcuts_dialog
from emgcoach.ui.history import HistoryDialog
from emgcoach.ui.feedback import FeedbackView
from emgcoach.ui.plots import SignalPlots
from emgcoach.ui.preferences import Preferences
from emgcoach.ui.text import ElidedLabel
from emgcoach.session.drill_set import DrillSet, Replayed, ScoredSet, file_set, set_end
from emgcoach.session.recorded_coaching import COACHING_MARKERS, RecordedCoaching
from emgcoach.session.simulated_person import cooperative_effort
from emgcoach.session.sling_feedback import SlingFeedback, still
from emgcoach.ui.report_dialog import ReportDialog, open_with_desktop
from emgcoach.ui.transport import TransportBar

if TYPE_CHECKING:  # bleak loads when a sensor is first scanned for, not with the window
    from emgcoach.ble.link import FoundSensor

logger = logging.getLogger(__name__)

FRAME_MS = 16  # ~60 Hz
FEEDBACK_EVERY = 3  # bars, gauge and onset cue: every 3rd frame (20 Hz), quick enough to follow a contraction
SLOW_EVERY = 15  # device panel and transport: every 15th frame (4 Hz)
PREROLL_S = 30.0  # a seek in a replay first fills the plots' longest window with the lead-up to the target


class MainWindow(QMainWindow):
    """emgcoach's window. `open_recording(path)` replays a file; `add_simulated_sensors()` streams a
    simulated bird-dog; `toggle_recording()` writes XDF."""

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("emgcoach", "emgcoach")
        self.setWindowTitle("emgcoach")
        self._init_state()
        self._make_views()
        self._make_docks()
        if self._person():
            QTimer.singleShot(0, self._person_changed)  # today's calibration of the last client
        self._make_status()
        self._make_actions()
        self._connect()
        self._start()

    def _init_state(self) -> None:
        """What the window keeps between frames: the session, the set, the replay it follows."""
        self.engine: Engine | None = None
        self.roles: dict[tuple[int, int], tuple[str, str]] = {}
        self.onset_order = OnsetOrder()
        self.sling_feedback = SlingFeedback()
        self.replay_duration_s = 0.0
        self._replaying: tuple[str, str | None] | None = None  # a replayed file and when it was recorded
        self._sim_cue: tuple[float, float] | None = None  # what the app asks of a simulated client now
        self._simulating = False  # the session's source is a simulated client
        self.wizard: CalibrationWizard | None = None
        self.frames = 0
        self._onset_cue_t: float | None = None  # session time of the onset pair the feedback shows
        self._recording_t0: tuple[str, float] | None = None  # (path, session time) the recording began at
        self._replay_note = ""  # a warning about the replayed file, kept in its status line
        self._replay_line = ""  # the status line the replay last set (replaced as it pauses or ends)
        self._replay_state: tuple[bool, bool] | None = None  # (paused, ended) the status line says
        self._replay_at = ""  # the position it says (m:ss.s)
        self.errors_shown: list[str] = []
        self.drill_set: DrillSet | None = None  # the set under way
        self.calibration: Calibration | None = None
        self._store: Store | None = None
        self.last_set: ScoredSet | None = None  # the last set as scored, for its report
        self.report_dialog: ReportDialog | None = None
        self.set_scores: list = []  # the reps of the set under way, or of the last one
        self._recorded_drills: list[tuple[float, str]] = []  # (start s, drill) still to come in a replay
        self._recorded_drills_all: list[tuple[float, str]] = []  # all of the replayed file's sets
        self._calibration_from_recording = False
        self._session_sensors: list[str] = []  # "kind|address|name" of the sensors connected this session
        self._sensor_engine: Engine | None = None  # the engine those sensors stream into

    def _make_views(self) -> None:
        """Plots | feedback, side by side in the middle."""
        self.plots = SignalPlots(window_s=self.settings.value("plot_window_s", 10.0))
        self.plots.setMinimumWidth(320)  # a narrow window squeezes the docks, not the plots to nothing
        self.feedback = FeedbackView()
        self.split = split = QSplitter(Qt.Horizontal)
        split.addWidget(self.plots)
        split.addWidget(self.feedback)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.setCentralWidget(split)

    def _make_docks(self) -> None:
        """Sensors and drill panels on the left, the replay bar under the plots."""
        self.devices = DevicePanel()
        dock = QDockWidget("Sensors", self)
        dock.setObjectName("sensors")
        dock.setWidget(self.devices)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        self.sensors_dock = dock
        # the left panel runs down to the status bar, the replay bar sits under plots and feedback only:
        # on a low screen the panel's text needs the height more than the replay bar needs the width
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.transport = TransportBar()
        tdock = QDockWidget("Replay", self)
        tdock.setObjectName("replay")
        tdock.setWidget(self.transport)
        self.addDockWidget(Qt.BottomDockWidgetArea, tdock)
        try:
            self.library = load_library()
        except DrillError as e:  # a broken user drills file must not stop the app: built-ins, and say why
            self.library = load_library(include_user=False)
            message = f"{e}; using the built-in drills"  # (`e` is gone once the except block ends)
            QTimer.singleShot(0, lambda: self._error_box("Your drills file", message))
        self.drill_panel = DrillPanel(self.library, str(self.settings.value("person", "")))
        ddock = QDockWidget("Drill", self)
        ddock.setObjectName("drill")
        ddock.setWidget(self.drill_panel)
        self.addDockWidget(Qt.LeftDockWidgetArea, ddock)
        self.drill_dock = ddock
        self.drill_panel.select(str(self.settings.value("drill", "bird_dog")))

    def _make_status(self) -> None:
        """The status line (one line, elided on a narrow window with the whole message in its tooltip),
        the audio cue, units and theme."""
        self.status = ElidedLabel("Open a recording (Ctrl+O) or add simulated sensors to start")
        self.statusBar().addWidget(self.status, 1)
        self.audio_cue = AudioCue(self, str(self.settings.value("audio_cue_follow", "both")))
        self.preferences = Preferences(self)
        self.audio_cue.message.connect(self.status.setText)

    def _connect(self) -> None:
        """The panels' and the replay bar's signals to what they ask for."""
        self.devices.role_changed.connect(self._role_changed)
        self.devices.simulate_requested.connect(self.add_simulated_sensors)
        self.devices.scan_requested.connect(self._scan)
        self.devices.reconnect_requested.connect(self.reconnect_last_sensors)
        self.devices.rebuilt.connect(lambda: QTimer.singleShot(0, self._fit_sensors_panel))  # once laid out
        self.devices.set_last_sensors([e.split("|", 2)[2] or e.split("|", 2)[1] for e in self._last_sensors()])
        self.transport.play_toggled.connect(self.toggle_play)
        self.transport.seek_requested.connect(self.seek)
        self.transport.speed_changed.connect(self.set_speed)
        self.drill_panel.start_toggled.connect(self.toggle_drill)
        self.drill_panel.calibrate_requested.connect(self.open_calibration)
        self.drill_panel.history_requested.connect(self.open_history)
        self.drill_panel.report_requested.connect(self.open_report)
        self.drill_panel.person.editingFinished.connect(self._person_changed)

    def _start(self) -> None:
        """The frame timer, and the window where the user left it."""
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            window_layout.first_size(self)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)
        self._split_restored = False  # plots | feedback: restored once the window has its size (showEvent)

    # ------------------------------------------------------------------ actions

    def _make_actions(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main")
        self.addToolBar(bar)
        menu = self.menuBar().addMenu(FILE)
        help_menu = QMenu(HELP, self)  # last in the menu bar, made now so the table fills it in order
        build_actions(self, bar, {FILE: menu, HELP: help_menu})
        menu.addSeparator()
        # off by default: a replay is a look at a recorded set, not something the client did again
        self.save_replays_action = QAction("Save replayed sets to the client's history", self)
        self.save_replays_action.setCheckable(True)
        self.save_replays_action.setChecked(self.settings.value("save_replayed_sets", False, type=bool))
        self.save_replays_action.toggled.connect(lambda on: self.settings.setValue("save_replayed_sets", on))
        menu.addAction(self.save_replays_action)
        menu.addSeparator()
        menu.addAction(make_action(self, ActionSpec("quit", "Quit", lambda w: w.close(), "Ctrl+Q")))

        self.preferences.make_menus(bar)
        self.menuBar().addMenu(help_menu)
        self.preferences.restore_audio_cue()

    def show_shortcuts(self) -> QDialog:
        """A window listing every action that has a shortcut."""
        self.help_dialog = shortcuts_dialog(self)
        return self.help_dialog

    def show_about(self) -> QDialog:
        """Version, what the app is for, and where it keeps recordings and the history."""
        from emgcoach.coach.store import default_path

        self.help_dialog = about_dialog(self, self.recordings_folder(), self.settings.value("store_path") or default_path())
        return self.help_dialog

    # ------------------------------------------------------------------ sources

    def _new_engine(self) -> Engine:
        if self.runner is not None:
            self.stop_drill()
        if getattr(self, "lsl_outlet", None) is not None:
            self.toggle_lsl_outlet()  # publishing follows the user's choice per session: off again
        if self.engine is not None:
            if self.engine.recording_path:
                self.toggle_recording()
            self.engine.stop()
        self.engine = Engine(buffer_s=30.0).start()
        if self._calibration_from_recording:  # that calibration belonged to the file, not to the next session
            self._calibration_from_recording = False
            self._clear_calibration()
        self.roles = {}
        self.onset_order = OnsetOrder()
        self._onset_cue_t = None
        self._replay_note, self._replay_line, self._replay_state = "", "", None
        self.sling_feedback = SlingFeedback()
        self.replay_duration_s = 0.0
        self._replaying = None
        self._simulating, self._sim_cue = False, None
        self.transport.set_duration(0.0)
        self.feedback.show_onset("waiting for a rep")  # the last session's cue does not belong to this one
        self.feedback.show_set_summary(None)
        self.drill_panel.clear_set()
        return self.engine

    def open_recording(
        self, path: str | Path, speed: float = 1.0, follow_drills: bool = True, unit: str | None = None
    ) -> bool:
        """Replay a recording; a bad file gets one message box with the reason. Returns success.

        With `follow_drills`, a recording that holds a calibration and drills is coached as it was done:
        its calibration is applied and each drill's set starts at its recorded start. `unit` ('uV', 'mV',
        'V') is that of the columns the file does not label (`emgcoach replay --unit`)."""
        try:
            try:
                rec = read_recording(path, unit=unit)
            except RateNeeded as e:  # a CSV without a time column: ask, as --rate does on the command line
                rate, ok = QInputDialog.getDouble(
                    self, "Sample rate", f"{Path(path).name} does not say its sample rate ({e.problem.split(':')[0]}).\n"
                    "Sample rate in Hz:", float(self.settings.value("last_csv_rate_hz", 1000.0)), 100.0, 100000.0, 1)
                if not ok:
                    self.status.setText(f"Not opened: {Path(path).name} needs its sample rate")
                    return False
                self.settings.setValue("last_csv_rate_hz", rate)
                rec = read_recording(path, rate_hz=rate, unit=unit)
            check_rates(rec)
        except EmgcoachError as e:
            self._error_box("Cannot open recording", str(e))
            return False
        engine = self._new_engine()
        clock, sources = replay_sources(rec, speed=speed, preroll_s=PREROLL_S)
        engine.attach_replay_clock(clock)
        for src in sources:
            engine.add_source(src)
        self.replay_duration_s = rec.duration_s
        self.transport.set_duration(rec.duration_s)
        self.transport.set_speed(speed)
        self._load_roles(engine)
        self._recorded_drills = self._recorded_drills_all = []
        if follow_drills and any(m.kind == "drill_start" for m in rec.markers):
            self._follow_recorded_coaching(rec)
        self.settings.setValue("last_file", str(path))
        self._replaying = (str(Path(path).resolve()), rec.started_at)  # (file, when it was recorded)
        self._replay_note = self._unit_note(rec, path) if unit is None else ""
        self._show_replay_state(paused=False, ended=False)
        return True

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

    def _show_replay_state(self, paused: bool, ended: bool) -> None:
        """Say in the status line whether the file is replaying, paused or over; another message there
        since (a set's result, an error) is left alone."""
        if self._replaying is None:
            return
        if self._replay_state is not None and self.status.text() != self._replay_line:
            self._replay_state = (paused, ended)
            return
        name = Path(self._replaying[0]).name
        clock = self.engine.replay_clock if self.engine is not None else None
        at = _mmss(min(clock.now_s(), self.replay_duration_s)) if clock is not None else "0:00.0"
        self._replay_at = at
        if ended:
            line = f"Replay of {name} ended: Play starts it again"
        elif paused:
            line = f"Paused at {at} of {name}"
        else:
            line = f"Replaying {name}"
        if self._replay_note:
            line += f" ({self._replay_note})"
        self._replay_line, self._replay_state = line, (paused, ended)
        self.status.setText(line)

    def _follow_recorded_coaching(self, rec: Recording) -> None:
        """Use the recording's own calibration (its rest and MVC markers, or the calibration in force when
        it was recorded) and queue its drills; keep its sets' live verdicts for the history."""
        recorded = RecordedCoaching(rec, self.library, self._person() or "recording")
        self._recorded_drills = list(recorded.starts)
        self._recorded_drills_all = list(recorded.starts)
        # a replayed set saved to the history (when asked for) is saved with the verdicts given live
        self._replayed_sets = (recorded.path, recorded.sets)
        engine = self.engine
        if engine is not None:  # the app coaches the replay and writes its own set markers
            engine.leave_source_markers_unrecorded(COACHING_MARKERS)
        recorded.find_calibration()

        def done() -> None:
            found = recorded.calibration()
            if found is None and recorded.has_calibration:
                QTimer.singleShot(100, done)
                return
            if found is None or self.engine is not engine:  # none, or another file or sensors since
                return
            cal, note = found
            if cal is None:
                self.status.setText(note)
                return
            self._calibration_from_recording = True
            self.apply_calibration(cal)

        QTimer.singleShot(100, done)

    def add_simulated_sensors(self) -> None:
        """A simulated client wearing two sensors (lat left + glute right), paced like live ones, who does
        what the app asks: rests and pushes through the calibration, follows a drill set's phases, and
        otherwise does bird-dog reps on their own."""
        from emgcoach.stream.sim.client import SimulatedClient

        engine = self._new_engine()
        engine.add_source(SimulatedClient(lambda _t: self._sim_cue, rate_hz=2000.0, clock=engine.clock_s))
        self._simulating = True
        self._load_roles(engine)
        self.status.setText("Simulated client: lat left + glute right; follows calibration and drills, "
                            "else does bird-dog reps")

    def _simulated_cue(self) -> tuple[float, float] | None:
        """What a cooperative client would be doing now (lat, glute as fractions of MVC)."""
        calibrating = self.wizard.session if self.wizard is not None and self.wizard.isVisible() else False
        return cooperative_effort(self.engine.session_time_s(), calibrating, self.runner)

    def add_lsl_streams(self) -> int:
        """Stream every EMG-type LSL stream found within 2 s; returns how many."""
        from emgcoach.stream.lsl import LslInletSource, find_streams

        try:
            infos = find_streams("EMG", 2.0)
        except EmgcoachError as e:
            self._error_box("Lab Streaming Layer", str(e))
            return 0
        if not infos:
            self.status.setText("No EMG streams on LSL")
            return 0
        engine = self._new_engine()
        for info in infos:
            try:
                engine.add_source(LslInletSource(info, clock=engine.clock_s))
            except EmgcoachError as e:
                self._error_box("Lab Streaming Layer", str(e))
        self._load_roles(engine)
        self.status.setText(f"Streaming {len(infos)} LSL stream(s)")
        return len(infos)

    def toggle_lsl_outlet(self) -> None:
        from emgcoach.stream.lsl import LslOutlet

        if getattr(self, "lsl_outlet", None) is not None:
            self.lsl_outlet.stop()
            self.lsl_outlet = None
            self.lsl_out_action.setChecked(False)
            self.status.setText("LSL publishing off")
            return
        if self.engine is None:
            self.lsl_out_action.setChecked(False)
            return
        try:
            self.lsl_outlet = LslOutlet()
        except EmgcoachError as e:
            self.lsl_out_action.setChecked(False)
            self._error_box("Lab Streaming Layer", str(e))
            return
        self.lsl_outlet.start(self.engine)
        self.lsl_out_action.setChecked(True)
        self.status.setText("Publishing raw and envelope streams over LSL")

    def _scan(self) -> None:
        """Scan for supported sensors (5 s, off the Qt thread), then offer them to connect."""
        import asyncio

        from emgcoach.ble.link import scan

        self.status.setText("Scanning for Bluetooth sensors (5 s)...")
        scanning = Background(lambda: asyncio.run(scan(5.0)), "scanning for Bluetooth sensors")

        def done() -> None:
            result = scanning.result()
            if result is None:
                QTimer.singleShot(200, done)
                return
            found, problem = result
            if problem:
                self.status.setText(problem)
                self._error_box("Bluetooth", problem)
                return
            if not found:
                self.status.setText("No supported sensors found: are they on and advertising?")
                return
            items = [f"{f.name or f.kind} ({f.kind}, {f.address}, RSSI {f.rssi} dBm)" for f in found]
            item, ok = QInputDialog.getItem(self, "Connect a sensor", "Sensor:", items, 0, False)
            if ok:
                self.connect_sensor(found[items.index(item)])

        QTimer.singleShot(200, done)

    def connect_sensor(self, found: FoundSensor) -> None:
        """Stream a scanned sensor: the first gets the lat left role, the second the glute right
        (change them on the panel; the choice is remembered per device)."""
        from emgcoach.ble.devices.registry import profile_for
        from emgcoach.ble.link import BleSensorSource, sensor_channels

        engine = self.engine
        if engine is None or engine.replay_clock is not None:
            engine = self._new_engine()
        profile = profile_for(found.kind)
        muscle, side = (("latissimus_dorsi", "left"), ("gluteus_maximus", "right"))[min(engine.n_streams, 1)]
        channels = sensor_channels(profile, muscle, side)
        engine.add_source(BleSensorSource(found.address, profile, channels, clock=engine.clock_s, name=found.name))
        self._load_roles(engine)
        self.status.setText(f"Connecting to {found.name or found.address}...")
        if engine is not self._sensor_engine:  # a new session: its sensors replace the remembered ones
            self._sensor_engine, self._session_sensors = engine, []
        entry = f"{found.kind}|{found.address}|{found.name}"
        if entry not in self._session_sensors:
            self._session_sensors.append(entry)
        self.settings.setValue("last_sensors", list(self._session_sensors))
        self.devices.set_last_sensors([])  # connected: nothing to reconnect

    def _last_sensors(self) -> list[str]:
        """The remembered sensors as "kind|address|name" (QSettings gives a str for a one-item list);
        kinds this version does not know are left out."""
        from emgcoach.ble.devices.registry import PROFILES

        kinds = {p.kind for p in PROFILES}
        value = self.settings.value("last_sensors", []) or []
        entries = [value] if isinstance(value, str) else list(value)
        return [e for e in entries if isinstance(e, str) and e.count("|") >= 2 and e.split("|", 1)[0] in kinds]

    def reconnect_last_sensors(self) -> None:
        """Connect the sensors of the last session again, each with its remembered muscle role."""
        from emgcoach.ble.link import FoundSensor

        if self.engine is not None and self.engine is not self._sensor_engine:
            self._new_engine()  # a replay or simulation running: the sensors get a session of their own
        for entry in self._last_sensors():
            kind, address, name = entry.split("|", 2)
            self.connect_sensor(FoundSensor(address, name, kind, None))

    def _load_roles(self, engine: Engine) -> None:
        saved = self.settings.value("roles", {}) or {}
        for s in range(engine.n_streams):
            info = engine.info(s)
            for ch, spec in enumerate(info.channels):
                key = f"{info.kind}:{info.address or info.name}:{ch}"
                muscle, side = str(saved.get(key, f"{spec.muscle}:{spec.side}")).split(":", 1)
                self.roles[(s, ch)] = (muscle, side)
        if self.calibration is not None:  # the client's calibration holds for every source: file, sensor, LSL
            self.apply_calibration(self.calibration)

    def _role_changed(self, stream: int, ch: int, muscle: str, side: str) -> None:
        self.roles[(stream, ch)] = (muscle, side)
        if self.engine is not None:
            info = self.engine.info(stream)
            saved = dict(self.settings.value("roles", {}) or {})
            saved[f"{info.kind}:{info.address or info.name}:{ch}"] = f"{muscle}:{side}"
            self.settings.setValue("roles", saved)
            if self.calibration is not None:  # the channel's MVC follows its new muscle
                self.apply_calibration(self.calibration)

    # ------------------------------------------------------------------ transport and recording

    def toggle_play(self) -> None:
        """Pause or play the replay; at its end, play it again from the start."""
        clock = self.engine.replay_clock if self.engine else None
        if clock is None:
            return
        if self._replay_ended():
            self.seek(0.0)
            return
        (self.engine.resume if clock.paused else self.engine.pause)()

    def _replay_ended(self) -> bool:
        """Whether the replayed file has played out (every stream ended)."""
        engine = self.engine
        return bool(engine is not None and engine.replay_clock is not None and engine.n_streams
                    and all(engine.stream_stats(s).state == "ended" for s in range(engine.n_streams)))

    def seek(self, t_s: float) -> None:
        """Move the replay to `t_s` (session s); after the file's end it is opened again there."""
        if self._replay_ended() and self._replaying is not None:
            path, speed = self._replaying[0], self.engine.replay_clock.speed
            if self.open_recording(path, speed=speed):
                self.seek(t_s)
            return
        if self.engine is not None:
            if self.runner is not None:  # the set was cut by the seek: never a set of its own
                self.stop_drill(cut_by="seek")
            # the replayed file's sets from the new position on are coached again as they come
            self._recorded_drills = [(t, d) for t, d in self._recorded_drills_all if t >= t_s - 1e-6]
            self.engine.seek(t_s)

    def set_speed(self, speed: float) -> None:
        if self.engine is not None:
            self.engine.set_speed(speed)

    def toggle_recording(self) -> str | None:
        """Start recording to a new XDF in the user's recordings folder, or stop; returns the path."""
        if self.engine is None or self.engine.n_streams == 0:
            self.record_action.setChecked(False)
            self.status.setText("Nothing to record: open a recording or connect sensors first")
            return None
        if self.engine.recording_path:
            path = self.engine.stop_recording()
            self.record_action.setChecked(False)
            self.status.setText(f"Saved {path}")
            return path
        from emgcoach.coach.recorded_sets import RunningSet, recording_start_markers

        folder = Path(str(self.settings.value("recordings_dir", Path.home() / "emgcoach-recordings")))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"session-{datetime.now():%Y%m%d-%H%M%S}.xdf"
        running = None
        if self.runner is not None and self.runner.start_s is not None:  # a set under way goes in whole
            self._drain_runner()
            running = RunningSet(self.runner.drill.id, self.runner.drill.reps, self._person() or "unnamed",
                                 self.runner.start_s, tuple(self.set_scores))
        # the file says which calibration its levels are in, and the set it joined
        first = recording_start_markers(self.engine.session_time_s(), self.calibration, running)
        try:
            self.engine.start_recording(path, first)
        except (OSError, ValueError, EmgcoachError) as e:
            self.record_action.setChecked(False)
            self._error_box("Cannot record", str(e))
            return None
        self.record_action.setChecked(True)
        self.status.setText(f"Recording to {path}")
        return str(path)

    def mark(self, kind: str, payload: dict) -> None:
        """Stamp a marker at the current session time; the status line says whether a recording keeps it."""
        if self.engine is None or not self.engine.n_streams:
            self.status.setText("Nothing to mark: no sensors or recording running")
            return
        marker = self.engine.add_marker(kind, payload)
        path = self.engine.recording_path
        if path:
            self._handle_events(self.engine)  # the recording's start, if it began since the last frame
            began = self._recording_t0[1] if self._recording_t0 and self._recording_t0[0] == path else marker.time_s
            self.status.setText(f"Marked {_mmss(marker.time_s - began)} in the recording")  # its own clock
        elif self.engine.replay_clock is not None:
            self.status.setText(f"Marked {_mmss(marker.time_s)} of the replay, but not recording: press R to "
                                "record and keep marks")
        else:
            self.status.setText("Marked, but not recording: press R to record and keep marks")

    def recordings_folder(self) -> Path:
        """Where recordings are saved (Settings 'recordings_dir', default ~/emgcoach-recordings)."""
        return Path(str(self.settings.value("recordings_dir", Path.home() / "emgcoach-recordings")))

    def _open_dialog(self) -> None:
        """Open a recording, starting in the folder of the last one opened, else where recordings are saved."""
        last = Path(str(self.settings.value("last_file", "") or ""))
        start = next((str(d) for d in (last.parent if last.name else None, self.recordings_folder(), Path.home())
                      if d is not None and d.is_dir()), "")
        path, _ = QFileDialog.getOpenFileName(
            self, "Open recording", start, "Recordings (*.xdf *.edf *.bdf *.csv *.txt);;All files (*)"
        )
        if path:
            self.open_recording(path)

    def _error_box(self, title: str, text: str) -> None:
        self.errors_shown.append(text)
        QMessageBox.warning(self, title, text)

    # ------------------------------------------------------------------ the frame timer

    def _channel(self, muscle: str, side: str | None = None) -> tuple[int, int] | None:
        for key, (m, s) in sorted(self.roles.items()):
            if m == muscle and (side is None or s == side):
                return key
        return None

    def tick(self) -> None:
        """One frame: redraw plots; a few times a second update panel, feedback and events."""
        self.frames += 1
        engine = self.engine
        labels = {k: m.replace("_", " ") + ("" if s == "none" else f" {s}") for k, (m, s) in self.roles.items()}
        self.plots.refresh(engine, labels)
        if engine is None or self.frames % FEEDBACK_EVERY:
            return
        if self._simulating:  # read by the simulated client on the acquisition thread (20 Hz is enough)
            self._sim_cue = self._simulated_cue()
        if self.runner is not None:
            self._drill_tick(engine)
        else:
            self.feedback.hide_phase()  # however the set ended (a stop, a seek, another file)
        if self.runner is None and self._recorded_drills and engine.replay_clock is not None:
            t, drill_id = self._recorded_drills[0]
            now = engine.replay_clock.now_s()
            if now >= t:
                self._recorded_drills.pop(0)
                if now < t + 2.0:  # (a seek past the start skips that set)
                    self.drill_panel.select(drill_id)
                    self.start_drill(start_s=t)
        self._handle_events(engine)
        self._update_feedback(engine)
        if self.frames % SLOW_EVERY:
            return
        self.devices.refresh(engine, self.roles)
        self._fit_sensors_panel()  # a status line that now wraps wants another line
        clock = engine.replay_clock
        if clock is not None and self.replay_duration_s:
            ended = self._replay_ended()  # the clock runs on past the file's end: the bar stops there
            at = self.replay_duration_s if ended else min(clock.now_s(), self.replay_duration_s)
            self.transport.show_position(at, clock.paused or ended)
            paused = clock.paused and not ended
            if self._replay_state != (paused, ended) or (paused and self._replay_at != _mmss(at)):
                self._show_replay_state(paused, ended)  # (paused: a seek moves the time it says)

    def _handle_events(self, engine: Engine) -> None:
        """The engine's events since the last frame: onsets into the onset-order cue, errors to the
        status line, when a recording began (for marks' times in it)."""
        clock = engine.replay_clock
        now = clock.now_s() if clock is not None else math.inf
        for ev in engine.drain_events():
            if ev.kind == "onset" and ev.stream is not None and self.runner is None:  # (a set times its own)
                if ev.time_s > now + 0.5:  # from before a seek back: a rep ahead of the playhead
                    continue
                self._show_onset(self.roles.get((ev.stream, ev.payload["channel"]), ("", ""))[0], ev.time_s)
            elif ev.kind == "error":
                self.status.setText(ev.payload.get("message", "error"))
            elif ev.kind == "recording" and ev.payload.get("state") == "started":
                self._recording_t0 = (str(ev.payload.get("path", "")), ev.time_s)
        if self._onset_cue_t is not None and now < self._onset_cue_t - 0.05:  # the replay went back before it
            self.onset_order = OnsetOrder()
            self._onset_cue_t = None
            self.feedback.show_onset("waiting for a rep")

    def _show_onset(self, muscle: str, time_s: float) -> None:
        """One onset into the onset-order cue ('Lat first, glute +80 ms' once it makes a pair)."""
        cue = self.onset_order.onset(muscle, time_s)
        if cue:
            self.feedback.show_onset(cue + self._timing_note(self.onset_order.last_latency_ms))
            self._onset_cue_t = time_s

    def _timing_note(self, glute_after_lat_ms: float | None) -> str:
        """During a set, whether the pair's timing misses the drill's window (': glute late'), so the
        onset cue never reads as on target beside 'Both on target!' when its rep will miss."""
        runner = self.runner
        if runner is None or glute_after_lat_ms is None:
            return ""
        lo, hi = runner.drill.targets.partner_onset_ms
        lat_leads = runner.drill.lead == Lead.LAT
        partner_ms = glute_after_lat_ms if lat_leads else -glute_after_lat_ms
        partner = "glute" if lat_leads else "lat"
        if partner_ms < lo:
            return f": {partner} early"
        if partner_ms > hi:
            return f": {partner} late"
        return ""

    def _update_feedback(self, engine: Engine) -> None:
        sling = self._sling()
        if sling is None:
            self.feedback.show_figures(None)
            self.audio_cue.update(None)
            return
        lat, glute = sling
        drill = self.runner.drill if self.runner is not None else self.drill_panel.current_drill()
        fig = self.sling_feedback.figures(engine, lat, glute, drill, self.preferences.units == "pct")
        if fig is None:
            self.audio_cue.update(None)
            return
        lat_side, glute_side = self.roles[lat][1], self.roles[glute][1]
        warning = ("Lat and glute on the same side: the sling pairs a lat with the opposite glute"
                   if lat_side == glute_side else "")
        self.feedback.show_figures(fig, f"Lat {lat_side}", f"Glute {glute_side}", warning)
        if self.audio_cue.enabled:  # silent whenever the bars stand still
            self.audio_cue.update(None if still(engine, lat, glute) else fig)

    # ------------------------------------------------------------------ coaching

    def store(self) -> Store | None:
        """The history database (opened on first use); None, with one message, if it cannot be opened."""
        if self._store is None:
            try:
                self._store = Store(self.settings.value("store_path") or None)
            except StoreError as e:
                self._error_box("History", str(e))
                return None
        return self._store

    def _sling(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        lat = self._channel(LAT)
        if lat is None:
            return None
        other = {"left": "right", "right": "left"}.get(self.roles[lat][1])
        glute = self._channel(GLUTE, other) or self._channel(GLUTE)
        return (lat, glute) if glute is not None else None

    def _person(self) -> str:
        return self.drill_panel.person.text().strip()

    def _person_changed(self) -> None:
        person = self._person()
        self.settings.setValue("person", person)
        if self._calibration_from_recording:  # a replay's levels are in the file's own calibration
            return
        self.calibration = None
        store = self.store() if person else None
        found = None
        if store is not None:
            try:
                found = store.latest_calibration(person)
            except StoreError:
                found = None
        if found is not None:
            self.apply_calibration(found[1])
        else:
            self._clear_calibration()

    def _clear_calibration(self) -> None:
        self.calibration = None
        if self.engine is not None:
            for s in range(self.engine.n_streams):
                self.engine.clear_calibration(s)
        self.drill_panel.show_calibration("Not calibrated: levels in µV, targets relative to rest")

    def apply_calibration(self, cal: Calibration) -> None:
        """Use `cal` from now on: feedback in %MVC and reps scored against the drill's %MVC targets. A
        recording under way notes it (a calibration marker), so its levels read in %MVC afterwards."""
        changed = cal != self.calibration
        self.calibration = cal
        if self.engine is not None and self.engine.recording_path and changed:
            from emgcoach.coach.recorded_sets import calibration_marker

            self.engine.put_marker(calibration_marker(self.engine.session_time_s(), cal))
        if self.engine is not None:
            for s in range(self.engine.n_streams):
                info = self.engine.info(s)
                mvc = np.full(info.n_channels, np.nan)
                rest = np.zeros(info.n_channels)
                for ch in range(info.n_channels):
                    muscle, side = self.roles.get((s, ch), ("", ""))
                    m = cal.get(muscle, side)
                    if m is not None:
                        mvc[ch], rest[ch] = m.mvc_uv, m.rest_uv
                if np.isfinite(mvc).any():
                    self.engine.set_calibration(s, mvc, rest)
                else:  # none of its channels' muscles was calibrated (any longer)
                    self.engine.clear_calibration(s)
        when = cal.created.replace("T", " ")[:16]
        figures_ = ", ".join(f"{m.muscle.split('_')[0]} {m.side} MVC {m.mvc_uv:.0f} µV" for m in cal.muscles)
        self.drill_panel.show_calibration(f"Calibrated {when}: {figures_}")

    def open_calibration(self, steps: list | None = None, paced: bool = True) -> CalibrationWizard | None:
        """Open the calibration wizard for the assigned lat and glute (steps: the protocol, default 3 x 5 s
        efforts per muscle with 30 s rest; each effort begun on Ready unless `paced` is False, which runs
        the steps back to back as a recorded protocol was done)."""
        sling = self._sling()
        person = self._person()
        if self.engine is None or sling is None:
            self.status.setText("Calibration needs sensors streaming with a lat and a glute assigned")
            return None
        if not person:
            self.status.setText("Enter the client's pseudonym first: the calibration is stored for them")
            return None
        muscles = {self.roles[k]: k for k in sling}
        wizard = CalibrationWizard(self.engine, person, muscles, steps or protocol(list(muscles)), self, paced)
        wizard.finished_calibration.connect(self._calibrated)
        wizard.show()
        self.wizard = wizard
        return wizard

    def _calibrated(self, cal: Calibration) -> None:
        store = self.store()
        if store is not None:
            try:
                store.save_calibration(cal)
            except StoreError as e:
                self._error_box("History", str(e))
        self.apply_calibration(cal)
        self.status.setText(f"Calibration saved for {cal.person}")

    def toggle_drill(self) -> None:
        runner = self.runner
        if runner is not None:
            self.stop_drill()
            if self.set_scores:  # stopped by the user after some reps: what they came to
                self._show_set_end(runner)
        else:
            self.start_drill()

    @property
    def runner(self) -> DrillRunner | None:
        """The runner of the set under way, if any."""
        return self.drill_set.runner if self.drill_set is not None else None

    def start_drill(self, start_s: float | None = None) -> bool:
        """Start a set of the chosen drill now, or at session time `start_s`; False, with the reason shown,
        if it cannot."""
        if self.runner is not None:  # one set at a time: a second runner would count every rep twice
            self.status.setText(f"A set of {self.runner.drill.name} is under way: stop it first (S)")
            return False
        sling = self._sling()
        if self.engine is None or sling is None:
            self.status.setText("A drill needs sensors streaming with a lat and an opposite glute assigned")
            self.drill_panel.set_running(False)
            return False
        drill = self.drill_panel.current_drill()
        (lat, glute) = sling
        engine = self.engine
        if start_s is None:  # a replay's position is its clock (a seek's lead-up may still be arriving)
            clock = engine.replay_clock
            start_s = clock.now_s() if clock is not None else engine.session_time_s()
        replayed_at = self._replaying[1] if self._replaying else None
        self.drill_set = DrillSet(engine, drill, lat, glute, self.calibration, (self.roles[lat][1], self.roles[glute][1]),
                                  start_s, self._person(), replayed_at or datetime.now().isoformat(timespec="seconds"))
        self.set_scores = self.drill_set.scores  # (the same list: the last set's, once it ends)
        self.settings.setValue("drill", drill.id)
        self.drill_panel.set_running(True)
        self.drill_panel.show_reps(0, 0, drill.reps)
        self.feedback.show_set_summary(None)  # the last set's summary gives way to this one's countdown
        self.onset_order = OnsetOrder()  # pairs from before the set are no part of it
        self.feedback.show_onset("waiting for a rep")
        self.status.setText(f"{drill.name}: started")
        return True

    def stop_drill(self, keep: bool = True, cut_by: str | None = None) -> None:
        """End the set, finished or cut short (`cut_by`, a `history_policy.SetEnd`: how, when it did not
        run to its end; default a stop, or the file's end for a replay that ran out), and file it
        (`session.drill_set.file_set`). `keep` False is a seek's cut."""
        ds, self.drill_set = self.drill_set, None
        if ds is None:
            return
        self._show_runner_events(ds.stop())
        self.drill_panel.set_running(False)
        runner = ds.runner
        if not runner.done:  # the countdown and cue of a set that no longer runs would mislead
            self.drill_panel.clear_set("Set stopped")
        replayed = None
        if self._replaying is not None:
            path, recorded_at = self._replaying
            own, sets = getattr(self, "_replayed_sets", (None, []))
            replayed = Replayed(path, recorded_at, sets if own == path else [])
        ended = set_end(runner.done, cut_by if keep else "seek", replayed is not None and self._replay_ended())
        filed = file_set(ds, ended, self.engine.recording_path if self.engine is not None else None, replayed,
                         self.save_replays_action.isChecked(), self.store)
        self.last_set = filed.scored
        self.drill_panel.report_button.setEnabled(filed.scored is not None)
        self.report_action.setEnabled(filed.scored is not None)
        if filed.error:
            self._error_box("History", filed.error)
        self.status.setText(filed.line)

    def _drain_runner(self) -> None:
        """Show what the set under way did since the last frame: its reps and its onsets."""
        if self.drill_set is not None:
            self._show_runner_events(self.drill_set.drain())

    def _show_runner_events(self, events: list[RunnerEvent]) -> None:
        for ev in events:
            if ev.kind == "rep" and ev.score is not None:
                sc = ev.score
                self.drill_panel.show_rep(sc.hit, sc.cue, sc.onset_latency_ms)
            elif ev.kind == "onset":  # during a set the cue times onsets on the set's own baseline
                self._show_onset(ev.payload["muscle"], ev.time_s)

    def _drill_tick(self, engine: Engine) -> None:
        ds = self.drill_set
        assert ds is not None
        self._drain_runner()
        runner = ds.runner
        st = runner.status(engine.session_time_s())
        self.drill_panel.show_status(st)
        self.feedback.show_phase(st.phase, st.remaining_s, st.rep, runner.drill.reps, st.text)
        self.drill_panel.show_reps(len(ds.scores), sum(s.hit for s in ds.scores), runner.drill.reps)
        ended = all(engine.stream_stats(s).state in ("ended", "error") for s in range(engine.n_streams))
        if ds.done or ended:  # the set is complete, or the file being replayed has run out
            self.stop_drill()
            self._show_set_end(runner)

    def _show_set_end(self, runner: DrillRunner) -> None:
        """The set is over: its summary in the feedback column and its title on the drill panel, in place
        of the last phase's countdown."""
        summary = summarise_set(runner.drill, list(self.set_scores), stopped=not runner.done)
        self.feedback.show_set_summary(summary)
        self.drill_panel.show_set_end(summary)

    def open_history(self) -> HistoryDialog | None:
        store = self.store()
        if store is None:
            return None
        dialog = HistoryDialog(store, self._person(), self, {d.id: d.name for d in self.drill_panel.drills.values()})
        dialog.show()
        self.history = dialog
        return dialog

    def open_report(self) -> ReportDialog | None:
        """The Report dialog for the last scored set (recorded or not): notes, folder, then HTML + PDF,
        opened when written. The recording, if the set has one, is read for its trace and left running."""
        last = self.last_set
        if last is None:
            self.status.setText("No set to report yet: run a set of a drill first (S)")
            return None
        still_open = self.engine is not None and last.recording is not None and self.engine.recording_path == last.recording
        scored = replace(last, recording_open=still_open)
        folder = Path(last.recording).parent if last.recording else self.recordings_folder()
        dialog = ReportDialog(scored, self.settings, folder, self.library, self.open_file, self)
        dialog.accepted.connect(lambda: self.status.setText(
            "No report written" if not dialog.written else f"Report written: {dialog.written[1]}" + (
                " (no application here opens PDF files: open it from its folder)" if dialog.opened is False else "")))
        dialog.open()
        self.report_dialog = dialog
        return dialog

    @staticmethod
    def open_file(path: Path) -> bool:
        """Open a written file (a report) in the user's application for it."""
        return open_with_desktop(path)

    # ------------------------------------------------------------------ closing

    def _fit_left_panel(self) -> None:
        window_layout.fit_left_panel(self, (self.sensors_dock, self.drill_dock))

    def _fit_sensors_panel(self) -> None:
        """Give the sensors panel the height its boxes need (the drill panel below gives way)."""
        window_layout.fit_dock_height(self, self.sensors_dock)

    def resizeEvent(self, event: object) -> None:  # Qt's name
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit_left_panel()

    def showEvent(self, event: object) -> None:  # Qt's name
        super().showEvent(event)
        if not self._split_restored:
            self._split_restored = True
            split_state = self.settings.value("split_state")
            if split_state is not None:
                self.split.restoreState(split_state)
            else:
                self._fit_left_panel()
                window_layout.first_split(self.split)
        self._fit_left_panel()

    def closeEvent(self, event: object) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.setValue("split_state", self.split.saveState())
        self.settings.setValue("plot_window_s", self.plots.window_s)
        self.timer.stop()
        self.audio_cue.close()
        if self.runner is not None:  # quitting cuts the set short: the policy says whether it is kept
            self.stop_drill(cut_by="quit")
        if getattr(self, "lsl_outlet", None) is not None:
            self.lsl_outlet.stop()
        if self._store is not None:
            self._store.close()
        if self.engine is not None:
            if self.engine.recording_path:
                self.engine.stop_recording()
            self.engine.stop()
            self.engine = None
        super().closeEvent(event)  # type: ignore[arg-type]


def _mmss(t_s: float) -> str:
    """Session seconds as m:ss.s."""
    t_s = max(0.0, float(t_s))
    return f"{int(t_s // 60)}:{t_s % 60:04.1f}"
