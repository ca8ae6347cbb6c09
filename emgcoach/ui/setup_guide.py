"""Leading a new user in: the welcome view on a first run (the demo, simulated sensors, or connecting
their own), the step-by-step connection of Bluetooth sensors (`connect_wizard`), and the electrode
placement view, reachable from the welcome flow, the sensors panel, the drill panel and Help."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QInputDialog

from emgcoach.coach.live_feedback import GLUTE, LAT
from emgcoach.ui.connect_wizard import ConnectWizard
from emgcoach.ui.placement_view import PlacementDialog, open_placement
from emgcoach.ui.welcome import SEEN_KEY, WelcomeChoice, WelcomeDialog

if TYPE_CHECKING:
    from emgcoach.ble.link import FoundSensor
    from emgcoach.stream.engine import Engine
    from emgcoach.ui.main_window import MainWindow
    from emgcoach.ui.theme import Theme

Channel = tuple[int, int]
SCAN_S = 5.0


class SetupGuide:
    """The window's guide for first steps; `first_run()` shows the welcome view when nothing is set yet."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.welcome: WelcomeDialog | None = None
        self.wizard: ConnectWizard | None = None
        self.placement: PlacementDialog | None = None

    def first_run(self) -> None:
        """The welcome view, if it has never been answered in these settings."""
        if not self.window.settings.value(SEEN_KEY, False, type=bool):
            QTimer.singleShot(0, self._welcome_unless_started)  # once the window is on screen

    def _welcome_unless_started(self) -> None:
        """The welcome view, unless the app was started on something already (`emgcoach replay FILE`,
        `make demo`): it would cover what the user asked for; it waits for a start with nothing to do."""
        if self.window.engine is None:
            self.show_welcome()

    def show_welcome(self) -> WelcomeDialog:
        """The three ways in; the choice is acted on, and the view not shown again at start."""
        self.welcome = WelcomeDialog(self.window)
        self.welcome.chosen.connect(self._chosen)
        self.welcome.finished.connect(lambda _r: self.window.settings.setValue(SEEN_KEY, True))
        self.welcome.show()
        return self.welcome

    def _chosen(self, choice: str) -> None:
        w = self.window
        if choice == WelcomeChoice.DEMO:
            from emgcoach.data import demo_recording

            w.replay.open_recording(demo_recording())
        elif choice == WelcomeChoice.SIMULATE:
            w.sensors.add_simulated_sensors()
        elif choice == WelcomeChoice.CONNECT:
            self.connect_sensors()

    def connect_sensors(self) -> ConnectWizard:
        """The connection wizard: scan, pick, muscle and side, placement, signal check, then calibrate."""
        self.wizard = ConnectWizard(self, self.window, self.window.preferences.theme)
        self.wizard.calibrate_requested.connect(self.calibrate)
        self.wizard.show()
        return self.wizard

    def calibrate(self) -> None:
        """The wizard's last step: the calibration wizard, the client's pseudonym asked for first when none
        is typed in (the calibration is stored for them; without one the wizard closed on nothing but a
        status line)."""
        w = self.window
        if not w.person():
            name, ok = QInputDialog.getText(w, "Calibrate", "The client's pseudonym (the calibration is stored "
                                            "for them):")
            if not ok or not name.strip():
                w.status.setText("Not calibrated: type the client's pseudonym, then Calibrate...")
                w.drill_panel.person.setFocus()
                return
            w.drill_panel.person.setText(name.strip())
            w.calibrator.person_changed()  # as if typed in: remembered, their calibration of today in force
        w.calibrator.open_calibration()

    # ------------------------------------------------------------------ the wizard's SensorLink

    def find_sensors(self) -> list[FoundSensor]:
        """Supported sensors advertising nearby (blocks for the scan: the wizard runs it off the Qt thread)."""
        from emgcoach.ble.link import scan

        return asyncio.run(scan(SCAN_S))

    def connect(self, found: FoundSensor, muscle: str, side: str) -> tuple[Engine, Channel]:
        """Stream `found` in the window's session with its first channel on `muscle`/`side` (a sensor
        already streaming there, the check page entered again after Back, only takes the role)."""
        channel = self.window.sensors.connect_sensor(found, (muscle, side))
        assert self.window.engine is not None  # connect_sensor made one if there was none
        return self.window.engine, channel

    # ------------------------------------------------------------------ placement

    def show_placement(self, muscle: str | None = None, side: str | None = None) -> PlacementDialog:
        """The electrode sites; without a muscle, the lat of the sling coached (else the first lat or glute
        assigned, else the left lat)."""
        if muscle is None or side is None:
            muscle, side = self._first_role()
        if self.placement is not None and self.placement.isVisible():
            self.placement.set_sensor(muscle, side)
            self.placement.raise_()
            return self.placement
        self.placement = open_placement(self.window, muscle, side, self.window.preferences.theme)
        return self.placement

    def set_theme(self, theme: Theme) -> None:
        """View > Theme changed: the placement view and the wizard's placement page follow it."""
        for shown in (self.placement, self.wizard):
            if shown is not None:
                shown.set_theme(theme)

    def _first_role(self) -> tuple[str, str]:
        sling = self.window.sensors.sling()
        if sling is not None:  # the pair coached, whichever channel it is on: its lat
            return self.window.roles[sling[0]]
        roles = [r for _, r in sorted(self.window.roles.items()) if r[0] in (LAT, GLUTE)]
        return roles[0] if roles else (LAT, "left")
