"""Where the window's live signal comes from, and which muscle each channel is: the simulated client,
LSL inlets and the LSL outlet, Bluetooth sensors (scan, connect, reconnect the last session's), and the
muscle roles (remembered per device in the window's QSettings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QInputDialog

from emgcoach.background import Background
from emgcoach.coach.live_feedback import GLUTE, LAT
from emgcoach.coach.slings import Sling, find_slings
from emgcoach.errors import EmgcoachError
from emgcoach.session.simulated_person import cooperative_effort
from emgcoach.stream.processor import StreamState

if TYPE_CHECKING:  # bleak and pylsl load when first used, not with the window
    from collections.abc import Iterable

    from emgcoach.ble.link import FoundSensor
    from emgcoach.stream.engine import Engine
    from emgcoach.stream.lsl import LslOutlet
    from emgcoach.ui.main_window import MainWindow

Channel = tuple[int, int]  # (stream, channel) on the window's engine
# The window's simulated client with four sensors: the right sling's glute (the left gluteus maximus)
# meets 75 % of what it is asked, a glute symmetry index of about -29 % (`coach.slings`)
SIM_RIGHT_GLUTE_EFFORT = 0.75


class SensorControl:
    """The window's sources of live signal and the channels' roles (`window.roles`, which this sets).
    Each new source gets a session of its own (`window.new_engine`), except a second sensor."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.settings
        self.lsl_outlet: LslOutlet | None = None  # publishing the session over LSL, when asked for
        self.simulating = False  # the session's source is a simulated client
        self.sim_cue: tuple[float, float] | None = None  # what the app asks of a simulated client now
        self.sim_cue_right: tuple[float, float] | None = None  # ... of the right sling's, with four sensors
        self._session_sensors: list[str] = []  # "kind|address|name" of the sensors connected this session
        self._sensor_engine: Engine | None = None  # the engine those sensors stream into
        self._connecting: dict[int, str] = {}  # stream -> sensor name, until its first samples

    def stop_publishing(self) -> None:
        """Stop publishing over LSL, if on (the menu entry unchecked, the status line says so)."""
        if self.lsl_outlet is not None:
            self.toggle_lsl_outlet()

    def reset(self) -> None:
        """A new session: no simulated client is asked anything (until one is added)."""
        self.simulating, self.sim_cue, self.sim_cue_right = False, None, None

    def close(self) -> None:
        """The window closes: stop publishing over LSL."""
        if self.lsl_outlet is not None:
            self.lsl_outlet.stop()

    # ------------------------------------------------------------------ simulated client and LSL

    def add_simulated_sensors(self, both_slings: bool = False) -> None:
        """A simulated client wearing two sensors (lat left + glute right), paced like live ones, who does
        what the app asks: rests and pushes through the calibration, follows a drill set's phases, and
        otherwise does bird-dog reps on their own. `both_slings`: four sensors, both lats and both
        glutes (a second simulated pair, the right sling, whose glute meets SIM_RIGHT_GLUTE_EFFORT of
        what it is asked, its free reps alternating with the left sling's)."""
        from emgcoach.stream.sim.client import FREE_OFF_S, SimulatedClient

        engine = self.window.new_engine()
        engine.add_source(SimulatedClient(lambda _t: self.sim_cue, rate_hz=2000.0, clock=engine.clock_s))
        if both_slings:
            engine.add_source(SimulatedClient(lambda _t: self.sim_cue_right, rate_hz=2000.0, clock=engine.clock_s,
                                              seed=1, lat_side="right", glute_effort=SIM_RIGHT_GLUTE_EFFORT,
                                              free_lead_in_s=1.0 + FREE_OFF_S[0], name="simulator:live:right"))
        self.simulating = True
        self.load_roles(engine)
        self.window.status.setText(
            "Simulated client, both slings: four sensors, both lats and both glutes (the left glute weaker); "
            "follows calibration and drills, else does bird-dog reps side by side in turn" if both_slings else
            "Simulated client: lat left + glute right; follows calibration and drills, else does bird-dog reps")

    def frame(self) -> None:
        """Tell a simulated client what a cooperative client would be doing now (lat, glute as fractions
        of MVC); it reads this on the acquisition thread (20 Hz is enough). A sensor being connected that
        now streams: the status line says so."""
        self._said_connected()
        if not self.simulating or self.window.engine is None:
            return
        wizard = self.window.calibrator.wizard
        calibrating = wizard.session if wizard is not None and wizard.isVisible() else False
        now, runner = self.window.engine.session_time_s(), self.window.drills.runner
        if len(self.slings()) < 2:  # one simulated pair: as it always was
            self.sim_cue = cooperative_effort(now, calibrating, runner)
            return
        self.sim_cue = cooperative_effort(now, calibrating, runner, Sling.LEFT)
        self.sim_cue_right = cooperative_effort(now, calibrating, runner, Sling.RIGHT)

    def _said_connected(self) -> None:
        """'Connecting to X...' on the status line becomes 'X: streaming' once X's first samples came (the
        line is left alone if something else has been said since)."""
        w = self.window
        if not self._connecting or w.engine is None or w.engine is not self._sensor_engine:
            return
        for stream, name in list(self._connecting.items()):
            if stream < w.engine.n_streams and w.engine.stream_stats(stream).state == StreamState.STREAMING:
                del self._connecting[stream]
                if w.status.text() == f"Connecting to {name}...":
                    w.status.setText(f"{name}: streaming")

    def add_lsl_streams(self) -> int:
        """Stream every EMG-type LSL stream found within 2 s; returns how many."""
        from emgcoach.stream.lsl import LslInletSource, find_streams

        w = self.window
        try:
            infos = find_streams("EMG", 2.0)
        except EmgcoachError as e:
            w.error_box("Lab Streaming Layer", str(e))
            return 0
        if not infos:
            w.status.setText("No EMG streams on LSL")
            return 0
        engine = w.new_engine()
        for info in infos:
            try:
                engine.add_source(LslInletSource(info, clock=engine.clock_s))
            except EmgcoachError as e:
                w.error_box("Lab Streaming Layer", str(e))
        self.load_roles(engine)
        w.status.setText(f"Streaming {len(infos)} LSL stream(s)")
        return len(infos)

    def toggle_lsl_outlet(self) -> None:
        """Publish the session's raw and envelope streams over LSL, or stop publishing."""
        from emgcoach.stream.lsl import LslOutlet

        w = self.window
        if self.lsl_outlet is not None:
            self.lsl_outlet.stop()
            self.lsl_outlet = None
            w.lsl_out_action.setChecked(False)
            w.status.setText("LSL publishing off")
            return
        if w.engine is None:
            w.lsl_out_action.setChecked(False)
            return
        try:
            self.lsl_outlet = LslOutlet()
        except EmgcoachError as e:
            w.lsl_out_action.setChecked(False)
            w.error_box("Lab Streaming Layer", str(e))
            return
        self.lsl_outlet.start(w.engine)
        w.lsl_out_action.setChecked(True)
        w.status.setText("Publishing raw and envelope streams over LSL")

    # ------------------------------------------------------------------ Bluetooth sensors

    def scan(self) -> None:
        """Scan for supported sensors (5 s, off the Qt thread), then offer them to connect."""
        import asyncio

        from emgcoach.ble.link import scan

        w = self.window
        w.status.setText("Scanning for Bluetooth sensors (5 s)...")
        scanning = Background(lambda: asyncio.run(scan(5.0)), "scanning for Bluetooth sensors")

        def done() -> None:
            result = scanning.result()
            if result is None:
                QTimer.singleShot(200, done)
                return
            found, problem = result
            if problem:
                w.status.setText(problem)
                w.error_box("Bluetooth", problem)
                return
            if not found:
                w.status.setText("No supported sensors found: are they on and advertising?")
                return
            items = [f"{f.name or f.kind} ({f.kind}, {f.address}, RSSI {f.rssi} dBm)" for f in found]
            item, ok = QInputDialog.getItem(w, "Connect a sensor", "Sensor:", items, 0, False)
            if ok:
                self.connect_sensor(found[items.index(item)])

        QTimer.singleShot(200, done)

    def connect_sensor(self, found: FoundSensor, role: tuple[str, str] | None = None) -> Channel:
        """Stream a scanned sensor, its first channel on `role` (muscle, side); without one the first
        sensor gets the lat left role and the second the glute right (change them on the panel; the
        choice is remembered per device). Returns the (stream, channel) the role is on."""
        from emgcoach.ble.sensor_setup import add_sensor

        w = self.window
        engine = w.engine
        if engine is None or engine.replay_clock is not None or self.simulating:  # a file's or the simulated
            engine = w.new_engine()  # client's session is no place for a live sensor: one of its own
        streaming = [s for s in range(engine.n_streams) if engine.info(s).address == found.address]
        if streaming:  # one link per device: a sensor already in this session only takes the role
            if role is not None:
                self.role_changed(streaming[0], 0, *role)
            return (streaming[0], 0)
        muscle, side = role or ((LAT, "left"), (GLUTE, "right"))[min(engine.n_streams, 1)]
        add_sensor(engine, found.address, found.kind, muscle, side, name=found.name)
        stream = engine.n_streams - 1
        self.load_roles(engine)
        if role is not None:  # said by the user for this sensor: it wins over what was remembered
            self.role_changed(stream, 0, muscle, side)
        w.status.setText(f"Connecting to {found.name or found.address}...")
        if engine is not self._sensor_engine:  # a new session: its sensors replace the remembered ones
            self._sensor_engine, self._session_sensors, self._connecting = engine, [], {}
        self._connecting[stream] = found.name or found.address
        entry = f"{found.kind}|{found.address}|{found.name}"
        if entry not in self._session_sensors:
            self._session_sensors.append(entry)
        self.settings.setValue("last_sensors", list(self._session_sensors))
        w.devices.set_last_sensors([])  # connected: nothing to reconnect
        return (stream, 0)

    def last_sensors(self) -> list[str]:
        """The remembered sensors as "kind|address|name" (QSettings gives a str for a one-item list);
        kinds this version does not know are left out."""
        from emgcoach.ble.devices.registry import PROFILES

        kinds = {p.kind for p in PROFILES}
        value = self.settings.value("last_sensors", []) or []
        entries = [value] if isinstance(value, str) else list(cast("Iterable[object]", value))  # else a list
        return [e for e in entries if isinstance(e, str) and e.count("|") >= 2 and e.split("|", 1)[0] in kinds]

    def last_sensor_names(self) -> list[str]:
        """The remembered sensors' names (their address where they have none), for the reconnect button."""
        return [e.split("|", 2)[2] or e.split("|", 2)[1] for e in self.last_sensors()]

    def reconnect_last_sensors(self) -> None:
        """Connect the sensors of the last session again, each with its remembered muscle role."""
        from emgcoach.ble.link import FoundSensor

        if self.window.engine is not None and self.window.engine is not self._sensor_engine:
            self.window.new_engine()  # a replay or simulation running: the sensors get a session of their own
        for entry in self.last_sensors():
            kind, address, name = entry.split("|", 2)
            self.connect_sensor(FoundSensor(address, name, kind, None))

    # ------------------------------------------------------------------ muscle roles

    def load_roles(self, engine: Engine) -> None:
        """Each channel of `engine` gets the role remembered for its device, else the one its source
        declares; the client's calibration then holds for every source (file, sensor, LSL)."""
        w = self.window
        saved = cast("dict[str, object]", self.settings.value("roles", {}) or {})  # what role_changed stores
        for s in range(engine.n_streams):
            info = engine.info(s)
            for ch, spec in enumerate(info.channels):
                key = f"{info.kind}:{info.address or info.name}:{ch}"
                muscle, side = str(saved.get(key, f"{spec.muscle}:{spec.side}")).split(":", 1)
                w.roles[(s, ch)] = (muscle, side)
        if w.calibration is not None:
            w.calibrator.apply_calibration(w.calibration)

    def role_changed(self, stream: int, ch: int, muscle: str, side: str) -> None:
        """The user gave channel `ch` of `stream` another muscle and side: remembered for its device."""
        w = self.window
        w.roles[(stream, ch)] = (muscle, side)
        if w.engine is not None:
            info = w.engine.info(stream)
            saved = dict(cast("dict[str, object]", self.settings.value("roles", {}) or {}))
            saved[f"{info.kind}:{info.address or info.name}:{ch}"] = f"{muscle}:{side}"
            self.settings.setValue("roles", saved)
            if w.calibration is not None:  # the channel's MVC follows its new muscle
                w.calibrator.apply_calibration(w.calibration)

    def channel(self, muscle: str, side: str | None = None) -> Channel | None:
        """The first channel given `muscle` (on `side`, if given)."""
        for key, (m, s) in sorted(self.window.roles.items()):
            if m == muscle and (side is None or s == side):
                return key
        return None

    def slings(self) -> dict[Sling, tuple[Channel, Channel]]:
        """Each sling (lat + opposite glute) whose two channels are assigned: both with four sensors."""
        return find_slings(dict(sorted(self.window.roles.items())))

    def sling(self) -> tuple[Channel, Channel] | None:
        """The lat's channel and the glute's (the opposite side's if there is one), if both are assigned."""
        lat = self.channel(LAT)
        if lat is None:
            return None
        other = {"left": "right", "right": "left"}.get(self.window.roles[lat][1])
        glute = self.channel(GLUTE, other) or self.channel(GLUTE)
        return (lat, glute) if glute is not None else None
