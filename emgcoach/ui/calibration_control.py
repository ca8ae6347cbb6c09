"""The client's calibration in the window: today's for the client typed in (from the history), one made
in the calibration wizard and saved for them, or a replayed file's own; applied to the engine's
channels by their muscle roles, so feedback reads in %MVC and reps are scored against %MVC targets."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from emgcoach.coach.calibration import Calibration, protocol
from emgcoach.coach.store import StoreError
from emgcoach.ui.calibration_wizard import CalibrationWizard

if TYPE_CHECKING:
    from emgcoach.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


class CalibrationControl:
    """Sets `window.calibration` (the one in force, None when uncalibrated) and applies it to the
    window's engine. A replayed file's own calibration holds until the next session."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.wizard: CalibrationWizard | None = None  # the last calibration wizard opened
        self.from_recording = False  # the calibration in force is a replayed file's own

    def end_session(self) -> None:
        """A new session begins: a replayed file's calibration belonged to the file, not to it."""
        if self.from_recording:
            self.from_recording = False
            self._clear()

    def person_changed(self) -> None:
        """The client typed in changed: remembered, and their latest calibration (if any) in force, unless
        a replayed file's own calibration is."""
        w = self.window
        person = w.person()
        w.settings.setValue("person", person)
        if self.from_recording:  # a replay's levels are in the file's own calibration
            return
        w.calibration = None
        store = w.store() if person else None
        found = None
        if store is not None:
            try:
                found = store.latest_calibration(person)
            except StoreError:
                logger.exception("reading %s's latest calibration", person)
                found = None
        if found is not None:
            self.apply_calibration(found[1])
        else:
            self._clear()

    def _clear(self) -> None:
        w = self.window
        w.calibration = None
        if w.engine is not None:
            for s in range(w.engine.n_streams):
                w.engine.clear_calibration(s)
        w.drill_panel.show_calibration("Not calibrated: levels in µV, targets relative to rest")

    def use_recorded(self, cal: Calibration) -> None:
        """Apply a replayed file's own calibration (for as long as its session lasts)."""
        self.from_recording = True
        self.apply_calibration(cal)

    def apply_calibration(self, cal: Calibration) -> None:
        """Use `cal` from now on: feedback in %MVC and reps scored against the drill's %MVC targets. A
        recording under way notes it (a calibration marker), so its levels read in %MVC afterwards."""
        w = self.window
        engine = w.engine
        changed = cal != w.calibration
        w.calibration = cal
        if engine is not None and engine.recording_path and changed:
            from emgcoach.coach.recorded_sets import calibration_marker

            engine.put_marker(calibration_marker(engine.session_time_s(), cal))
        if engine is not None:
            for s in range(engine.n_streams):
                info = engine.info(s)
                mvc = np.full(info.n_channels, np.nan)
                rest = np.zeros(info.n_channels)
                for ch in range(info.n_channels):
                    muscle, side = w.roles.get((s, ch), ("", ""))
                    m = cal.get(muscle, side)
                    if m is not None:
                        mvc[ch], rest[ch] = m.mvc_uv, m.rest_uv
                if np.isfinite(mvc).any():
                    engine.set_calibration(s, mvc, rest)
                else:  # none of its channels' muscles was calibrated (any longer)
                    engine.clear_calibration(s)
        when = cal.created.replace("T", " ")[:16]
        figures_ = ", ".join(f"{m.muscle.split('_')[0]} {m.side} MVC {m.mvc_uv:.0f} µV" for m in cal.muscles)
        w.drill_panel.show_calibration(f"Calibrated {when}: {figures_}")

    def open_calibration(self, steps: list | None = None, paced: bool = True) -> CalibrationWizard | None:
        """Open the calibration wizard for the assigned lat and glute, or both slings' four muscles with four
        sensors (steps: the protocol, default 3 x 5 s
        efforts per muscle with 30 s rest; each effort begun on Ready unless `paced` is False, which runs
        the steps back to back as a recorded protocol was done)."""
        w = self.window
        sling = w.sensors.sling()
        person = w.person()
        if w.engine is None or sling is None:
            w.status.setText("Calibration needs sensors streaming with a lat and a glute assigned")
            return None
        if not person:
            w.status.setText("Enter the client's pseudonym first: the calibration is stored for them")
            return None
        both = [k for pair in w.sensors.slings().values() for k in pair]  # four sensors: all four muscles
        muscles = {w.roles[k]: k for k in (both if len(both) == 4 else sling)}
        wizard = CalibrationWizard(w.engine, person, muscles, steps or protocol(list(muscles)), w, paced)
        wizard.finished_calibration.connect(self._calibrated)
        wizard.show()
        self.wizard = wizard
        return wizard

    def _calibrated(self, cal: Calibration) -> None:
        """The wizard finished: save the calibration for the client and use it."""
        w = self.window
        store = w.store()
        if store is not None:
            try:
                store.save_calibration(cal)
            except StoreError as e:
                w.error_box("History", str(e))
        self.apply_calibration(cal)
        w.status.setText(f"Calibration saved for {cal.person}")
