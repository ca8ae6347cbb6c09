"""The main window: device panel, live plots, co-activation feedback, record and replay transport.

The window owns one `Engine` at a time, and wires its views to the controllers that act on it: sources
and muscle roles (`sensor_control`), replay (`replay_control`), recording (`recording_control`), the
client's calibration (`calibration_control`), drill sets (`drill_control`), the feedback column's live
cues (`live_cues`) and the display choices (`preferences`). A 60 Hz QTimer pulls the newest samples from
the engine's ring buffers and drains its events. Nothing here decodes bytes, filters signals or decides
what the history keeps.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QDockWidget, QMainWindow, QMenu, QMessageBox, QSplitter, QToolBar, QWidget

from emgcoach.background import Background
from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import DrillError, load_library
from emgcoach.coach.store import Store, StoreError
from emgcoach.stream.engine import Engine
from emgcoach.ui import window_layout
from emgcoach.ui.actions import FILE, HELP, ActionSpec, build_actions, make_action
from emgcoach.ui.audio_cue import AudioCue
from emgcoach.ui.calibration_control import CalibrationControl
from emgcoach.ui.device_panel import DevicePanel
from emgcoach.ui.drill_control import DrillControl
from emgcoach.ui.drill_panel import DrillPanel
from emgcoach.ui.feedback import FeedbackView
from emgcoach.ui.feedback_display import FeedbackDisplay
from emgcoach.ui.help import about_dialog, shortcuts_dialog
from emgcoach.ui.history import HistoryDialog
from emgcoach.ui.live_cues import LiveCues
from emgcoach.ui.plots import SignalPlots, row_label
from emgcoach.ui.preferences import Preferences
from emgcoach.ui.recording_control import RecordingControl
from emgcoach.ui.application import compile_dsp
from emgcoach.ui.artifact_control import ArtifactControl
from emgcoach.ui.replay_control import ReplayControl
from emgcoach.ui.sensor_control import SensorControl
from emgcoach.ui.text import ElidedLabel
from emgcoach.ui.setup_guide import SetupGuide
from emgcoach.ui.transport import TransportBar
from emgcoach.ui.video_control import VideoControl

FRAME_MS = 16  # ~60 Hz
FEEDBACK_EVERY = 3  # bars, gauge and onset cue: every 3rd frame (20 Hz), quick enough to follow a contraction
SLOW_EVERY = 15  # device panel and transport: every 15th frame (4 Hz)
COMPILE_AFTER_MS = 100  # the DSP loops compile this long after the window is first shown (it is drawn by then)


class MainWindow(QMainWindow):
    """emgcoach's window. `replay.open_recording(path)` replays a file; `sensors.add_simulated_sensors()`
    streams a simulated bird-dog; `recording.toggle_recording()` writes XDF."""

    # set by actions.build_actions, one `<name>_action` for each of actions.ACTIONS
    open_action: QAction
    sim_action: QAction
    connect_action: QAction
    quick_connect_action: QAction
    record_action: QAction
    mark_action: QAction
    artifact_action: QAction
    unmark_artifact_action: QAction
    play_action: QAction
    drill_action: QAction
    report_action: QAction
    lsl_in_action: QAction
    lsl_out_action: QAction
    welcome_action: QAction
    placement_action: QAction
    shortcuts_action: QAction
    about_action: QAction

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("emgcoach", "emgcoach")
        self.setWindowTitle("emgcoach")
        self._init_state()
        self._make_views()
        self._make_docks()
        self._make_controllers()
        if self.person():
            QTimer.singleShot(0, self.calibrator.person_changed)  # today's calibration of the last client
        self._make_status()
        self._make_actions()
        self._connect()
        self._start()

    def _init_state(self) -> None:
        """What the window keeps for every part: the session's engine, the channels' roles, the
        calibration in force; the controllers keep the rest."""
        self.engine: Engine | None = None  # made by `new_engine` only
        self.roles: dict[tuple[int, int], tuple[str, str]] = {}  # (stream, channel) -> (muscle, side); set by `sensors`
        self.calibration: Calibration | None = None  # set by `calibrator` only
        self.frames = 0
        self.errors_shown: list[str] = []
        self._store: Store | None = None
        self.dsp_loading: Background[None] | None = None  # (see _load_dsp)

    def _make_views(self) -> None:
        """Plots | feedback, side by side in the middle."""
        self.plots = SignalPlots(window_s=str(self.settings.value("plot_window_s", 10.0)))  # (10 s if not a number)
        self.plots.setMinimumWidth(320)  # a narrow window squeezes the docks, not the plots to nothing
        self.feedback = FeedbackView()
        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.plots)
        split.addWidget(self.feedback)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.setCentralWidget(split)

    def _make_docks(self) -> None:
        """Sensors and drill panels on the left, the replay bar under the plots."""
        self.devices = DevicePanel()
        self.sensors_dock = self._dock("Sensors", "sensors", window_layout.scrolling(self.devices),
                                       Qt.DockWidgetArea.LeftDockWidgetArea)  # four sensors' boxes can outgrow a laptop
        # the left panel runs down to the status bar, the replay bar sits under plots and feedback only:
        # on a low screen the panel's text needs the height more than the replay bar needs the width
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.transport = TransportBar()
        self._dock("Replay", "replay", self.transport, Qt.DockWidgetArea.BottomDockWidgetArea)
        try:
            self.library = load_library()
        except DrillError as e:  # a broken user drills file must not stop the app: built-ins, and say why
            self.library = load_library(include_user=False)
            message = f"{e}; using the built-in drills"  # (`e` is gone once the except block ends)
            QTimer.singleShot(0, lambda: self.error_box("Your drills file", message))
        self.drill_panel = DrillPanel(self.library, str(self.settings.value("person", "")))
        self.drill_dock = self._dock("Drill", "drill", self.drill_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.drill_panel.select(str(self.settings.value("drill", "bird_dog")))

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """`widget` in a dock of its own (`name`: its object name, for the saved window state)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_controllers(self) -> None:
        """The parts that act on the session, each given the window to read the engine, views and
        settings from."""
        self.video = VideoControl(self)  # (its dock, before the replay, which shows a file's video)
        self.sensors = SensorControl(self)
        self.artifacts = ArtifactControl(self)  # before the replay, which shows a file's marks
        self.replay = ReplayControl(self)
        self.recording = RecordingControl(self)
        self.calibrator = CalibrationControl(self)
        self.drills = DrillControl(self)
        self.cues = LiveCues(self)
        self.display = FeedbackDisplay(self)
        self.guide = SetupGuide(self)

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
        self.devices.role_changed.connect(self.sensors.role_changed)
        self.devices.simulate_requested.connect(self.sensors.add_simulated_sensors)
        self.devices.reconnect_requested.connect(self.sensors.reconnect_last_sensors)
        self.devices.guide_requested.connect(self.guide.connect_sensors)
        self.devices.placement_requested.connect(self.guide.show_placement)
        self.drill_panel.placement_requested.connect(self.guide.show_placement)
        self.devices.rebuilt.connect(lambda: QTimer.singleShot(0, self._fit_sensors_panel))  # once laid out
        self.devices.set_last_sensors(self.sensors.last_sensor_names())
        self.transport.play_toggled.connect(self.replay.toggle_play)
        self.transport.seek_requested.connect(self.replay.seek)
        self.transport.speed_changed.connect(self.replay.set_speed)
        self.drill_panel.start_toggled.connect(self.drills.toggle_drill)
        self.drill_panel.calibrate_requested.connect(self.calibrator.open_calibration)
        self.drill_panel.history_requested.connect(self.open_history)
        self.drill_panel.report_requested.connect(self.drills.open_report)
        self.drill_panel.person.editingFinished.connect(self.calibrator.person_changed)

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
        self.guide.first_run()

    # ------------------------------------------------------------------ actions

    def _make_actions(self) -> None:
        """The toolbar and menus: the commands table (`actions.py`), then the Feedback and View menus."""
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
        self.save_replays_action.setChecked(bool(self.settings.value("save_replayed_sets", False, type=bool)))  # typed object
        self.save_replays_action.toggled.connect(lambda on: self.settings.setValue("save_replayed_sets", on))
        menu.addAction(self.save_replays_action)
        self.preferences.make_menus(bar)
        self.display.make_menu(self.preferences.view_menu)
        self.video.make_menu(menu, self.preferences.view_menu)  # beside the other recording choice
        menu.addSeparator()
        menu.addAction(make_action(self, ActionSpec("quit", "Quit", lambda w: w.close(), "Ctrl+Q")))  # last
        self.menuBar().addMenu(help_menu)
        self.preferences.restore_audio_cue()

    def show_shortcuts(self) -> QDialog:
        """A window listing every action that has a shortcut."""
        self.help_dialog = shortcuts_dialog(self)
        return self.help_dialog

    def show_about(self) -> QDialog:
        """Version, what the app is for, and where it keeps recordings and the history."""
        from emgcoach.coach.store import default_path

        folder = self.recording.recordings_folder()
        self.help_dialog = about_dialog(self, folder, self.settings.value("store_path") or default_path())
        return self.help_dialog

    def error_box(self, title: str, text: str) -> None:
        """One warning box (and the text kept in `errors_shown`)."""
        self.errors_shown.append(text)
        QMessageBox.warning(self, title, text)

    # ------------------------------------------------------------------ the session

    def new_engine(self) -> Engine:
        """End the session (its set, publishing, recording and engine) and start a new, empty one."""
        if self.drills.runner is not None:
            self.drills.stop_drill()
        self.sensors.stop_publishing()  # publishing follows the user's choice per session: off again
        if self.engine is not None:
            if self.engine.recording_path:
                self.recording.toggle_recording()
            self.engine.stop()
        compile_dsp()  # (at once when done since the window was drawn; waits for it if still loading)
        self.engine = Engine(buffer_s=30.0).start()
        self.calibrator.end_session()
        self.roles = {}
        self.sensors.reset()
        self.cues.reset()  # the last session's cue does not belong to this one
        self.replay.reset()
        self.display.out.show_set_summary(None)
        self.drill_panel.clear_set()
        return self.engine

    def person(self) -> str:
        """The client's pseudonym as typed on the drill panel ('' none)."""
        return self.drill_panel.person.text().strip()

    def store(self) -> Store | None:
        """The history database (opened on first use); None, with one message, if it cannot be opened."""
        if self._store is None:
            try:
                self._store = Store(self.settings.value("store_path") or None)
            except StoreError as e:
                self.error_box("History", str(e))
                return None
        return self._store

    def open_history(self) -> HistoryDialog | None:
        """The client's history of sets, per drill."""
        store = self.store()
        if store is None:
            return None
        drills = {d.id: d.name for d in self.drill_panel.drills.values()}
        dialog = HistoryDialog(store, self.person(), self, drills)
        dialog.show()
        self.history = dialog
        return dialog

    # ------------------------------------------------------------------ the frame timer

    def tick(self) -> None:
        """One frame: redraw plots; a few times a second update panel, feedback and events."""
        self.frames += 1
        engine = self.engine
        labels = {k: row_label(m, s, len(self.roles)) for k, (m, s) in self.roles.items()}
        self.plots.refresh(engine, labels)
        if engine is None or self.frames % FEEDBACK_EVERY:
            return
        self.sensors.frame()
        self.drills.frame(engine)
        self.replay.follow(engine)
        self.handle_events(engine)
        self.cues.update(engine)
        if self.frames % SLOW_EVERY:
            return
        self.devices.refresh(engine, self.roles)
        self._fit_sensors_panel()  # a status line that now wraps wants another line
        self.replay.show_position(engine)

    def handle_events(self, engine: Engine) -> None:
        """The engine's events since the last frame: onsets into the onset-order cue, errors to the
        status line, when a recording began (for marks' times in it)."""
        clock = engine.replay_clock
        now = clock.now_s() if clock is not None else math.inf
        for ev in engine.drain_events():
            if ev.kind == "onset" and ev.stream is not None and self.drills.runner is None:  # (a set times its own)
                if ev.time_s > now + 0.5:  # from before a seek back: a rep ahead of the playhead
                    continue
                self.cues.show_onset(self.roles.get((ev.stream, ev.payload["channel"]), ("", ""))[0], ev.time_s)
            elif ev.kind == "error":
                self.status.setText(ev.payload.get("message", "error"))
            elif ev.kind == "recording" and ev.payload.get("state") == "started":
                self.recording.began(str(ev.payload.get("path", "")), ev.time_s)
        self.cues.rewound(now)

    # ------------------------------------------------------------------ sizing and closing

    def _fit_left_panel(self) -> None:
        window_layout.fit_left_panel(self, (self.sensors_dock, self.drill_dock))

    def _fit_sensors_panel(self) -> None:
        """Give the sensors panel the height its boxes need (the drill panel below gives way)."""
        window_layout.fit_dock_height(self, self.sensors_dock)

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        self._fit_left_panel()

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        if not self._split_restored:
            self._split_restored = True
            QTimer.singleShot(COMPILE_AFTER_MS, self._load_dsp)  # once the window is drawn, not before
            split_state = self.settings.value("split_state")
            if split_state is not None:
                self.split.restoreState(split_state)
            else:
                self._fit_left_panel()
                window_layout.first_split(self.split)
        self._fit_left_panel()

    def _load_dsp(self) -> None:
        """scipy.signal and the DSP loops, loaded off the Qt thread so the window answers meanwhile (an
        engine made before they are loaded waits for them: `new_engine`)."""
        self.dsp_loading = Background(compile_dsp, "loading the DSP")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.setValue("split_state", self.split.saveState())
        self.settings.setValue("plot_window_s", self.plots.window_s)
        self.timer.stop()
        self.audio_cue.close()
        if self.drills.runner is not None:  # quitting cuts the set short: the policy says whether it is kept
            self.drills.stop_drill(cut_by="quit")
        self.sensors.close()
        self.display.close()
        if self._store is not None:
            self._store.close()
        if self.engine is not None:
            if self.engine.recording_path:
                self.video.recording_stopped()
                self.engine.stop_recording()
            self.engine.stop()
            self.engine = None
        super().closeEvent(event)
