"""What a cooperative client does when the app asks, for the simulated client: rest and push through
the calibration's steps, contract in a drill set's contract and hold phases at the drill's targets. With
four sensors the client is two simulated people's worth of muscles, one per sling (`sling`): each
sling's muscles push in their own calibration steps, and in a drill set on the reps that are theirs (a
both-slings drill's reps take the slings in turn; a one-sling drill's are the coached sling's)."""

from __future__ import annotations

import math

from emgcoach.coach.calibration import CalibrationSession
from emgcoach.coach.live_feedback import LAT
from emgcoach.coach.runner import DrillRunner
from emgcoach.coach.slings import Sling

Effort = tuple[float, float]  # lat, glute as fractions of MVC


def cooperative_effort(now_s: float, calibrating: CalibrationSession | None | bool, runner: DrillRunner | None,
                       sling: Sling | None = None, coached: Sling = Sling.LEFT) -> Effort | None:
    """The efforts now (session time, s): `calibrating` is the calibration under way (None: its wizard
    is open but not started, the client waits, still; False: no wizard), `runner` the set under way.
    None when the app asks nothing (the simulated client then does reps of its own). `sling`: the
    efforts of that sling's muscles (four sensors), `coached` the sling a one-sling drill is done on;
    None: the one sling of two sensors."""
    if calibrating is None:
        return (0.0, 0.0)
    if isinstance(calibrating, CalibrationSession) and now_s < calibrating.end_s:
        _, step, _ = calibrating.step_at(now_s)
        if step is None or step.kind != "mvc":
            return (0.0, 0.0)
        if sling is not None and Sling.of(step.muscle, step.side) not in (sling, None):
            return (0.0, 0.0)  # the other sling's muscle's effort
        return (1.0, 0.0) if step.muscle == LAT else (0.0, 1.0)
    if runner is not None:
        status = runner.status(now_s)
        order = runner.drill.slings or (coached,)
        if sling is not None and status.rep >= 0 and order[status.rep % len(order)] is not sling:
            return (0.0, 0.0)  # a rep of the other sling
        if status.phase in ("contract", "hold"):
            t = runner.drill.targets
            lat_pct = (t.lat_lo + t.lat_hi) / 2 if math.isfinite(t.lat_hi) else 1.4 * t.lat_lo
            return (lat_pct / 100.0, min(1.0, 1.4 * t.glute_min / 100.0))
        return (0.0, 0.0)
    return None
