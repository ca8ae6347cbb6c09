"""What a cooperative client does when the app asks, for the simulated client: rest and push through
the calibration's steps, contract in a drill set's contract and hold phases at the drill's targets."""

from __future__ import annotations

import math

from emgcoach.coach.calibration import CalibrationSession
from emgcoach.coach.live_feedback import LAT
from emgcoach.coach.runner import DrillRunner

Effort = tuple[float, float]  # lat, glute as fractions of MVC


def cooperative_effort(now_s: float, calibrating: CalibrationSession | None | bool, runner: DrillRunner | None) -> Effort | None:
    """The efforts now (session time, s): `calibrating` is the calibration under way (None: its wizard
    is open but not started, the client waits, still; False: no wizard), `runner` the set under way.
    None when the app asks nothing (the simulated client then does reps of its own)."""
    if calibrating is None:
        return (0.0, 0.0)
    if isinstance(calibrating, CalibrationSession) and now_s < calibrating.end_s:
        _, step, _ = calibrating.step_at(now_s)
        if step is None or step.kind != "mvc":
            return (0.0, 0.0)
        return (1.0, 0.0) if step.muscle == LAT else (0.0, 1.0)
    if runner is not None:
        if runner.status(now_s).phase in ("contract", "hold"):
            t = runner.drill.targets
            lat_pct = (t.lat_lo + t.lat_hi) / 2 if math.isfinite(t.lat_hi) else 1.4 * t.lat_lo
            return (lat_pct / 100.0, min(1.0, 1.4 * t.glute_min / 100.0))
        return (0.0, 0.0)
    return None
