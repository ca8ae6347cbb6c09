"""Write a simulated drill session to XDF through the same Recorder a live session uses.

With `realtime=True` the simulator paces itself like a live sensor, so killing the process mid-way
exercises the recorder's crash safety exactly as a real session would.

The drills come from the coaching library (`coach/drills.toml`), which is data only: `stream/` reading it
is the one place the layers meet in this direction (docs/architecture.md has coach above stream), and it is here
because a simulated session is a scripted drill.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from emgcoach.coach.drills import Drill, get_drill, load_library
from emgcoach.errors import EmgcoachError
from emgcoach.io.xdf_writer import Recorder
from emgcoach.stream.sim.scenario import Burst, Scenario, lat_glute_channels, scripted_scenario
from emgcoach.stream.sim.source import SimulatorSource
from emgcoach.types import Block, ChannelSpec, Marker

CAL_REST_S = 5.0
CAL_EFFORT_S = 4.0
CAL_RECOVER_S = 3.0
CAL_EFFORT_LEVELS = (0.9, 1.0, 0.95)  # activation per effort: the second is the true MVC
LEAD_IN_S = 2.0


def _calibration_block(t: float, channels: tuple[ChannelSpec, ...]) -> tuple[list[list[Burst]], list[Marker], float]:
    """Quiet rest, then 3 MVC efforts per channel (one muscle at a time), as the calibration wizard runs
    them; returns bursts per channel, `calibration` markers and the time the block ends."""
    bursts: list[list[Burst]] = [[] for _ in channels]
    markers = [Marker(t, "calibration", {"step": "rest", "end_s": t + CAL_REST_S})]
    t += CAL_REST_S
    for c, spec in enumerate(channels):
        for i, level in enumerate(CAL_EFFORT_LEVELS, 1):
            bursts[c].append(Burst(t, CAL_EFFORT_S, level))
            markers.append(
                Marker(t, "calibration", {"step": "mvc", "muscle": spec.muscle, "side": spec.side, "effort": i, "end_s": t + CAL_EFFORT_S})
            )
            t += CAL_EFFORT_S + CAL_RECOVER_S
    return bursts, markers, t


def drill_scenario(
    drill_id: str,
    duration_s: float | None = None,
    seed: int = 0,
    calibration: bool = True,
    reps: int | None = None,
    lat_side: str = "left",
    library: dict[str, Drill] | None = None,
    partner_onset_ms: float | None = None,
) -> Scenario:
    """A simulated session of a drill from the library: lat on `lat_side` and the opposite glute max,
    a calibration block first (unless `calibration=False`), then the drill's set-up and reps following
    its phases. Levels sit inside the drill's targets (as fractions of the simulated MVC). The lead
    muscle starts each rep; the partner's onset follows it by half the latest its window allows (+- 15 ms
    jitter, from `seed`), except one rep in the middle where it comes 120 ms after the window closes, so
    a corrective cue is due. `partner_onset_ms` (if given) instead puts the partner's onset that many ms
    after the lead's in every rep (negative: before it; e.g. -300 for a glute that fires first, -1000
    for one already on), and both still end together. `duration_s` (if given) sets how many reps fit.
    Markers: calibration steps, drill_start, phase, rep (with the true onsets), drill_end."""
    drill = get_drill(drill_id, library if library is not None else load_library(include_user=False))
    channels = lat_glute_channels(lat_side)
    t = LEAD_IN_S
    bursts: list[list[Burst]] = [[], []]
    markers: list[Marker] = []
    if calibration:
        bursts, markers, t = _calibration_block(t, channels)
    if reps is None:
        reps = drill.reps
        if duration_s is not None:
            room = duration_s - t - drill.setup_s
            if room < drill.rep_s:
                raise EmgcoachError(f"--duration {duration_s:g} s is too short for one rep of {drill.id} (needs {t + drill.setup_s + drill.rep_s:g} s)")
            reps = max(1, int(room // drill.rep_s))
    active_s = drill.phase_s("contract") + drill.phase_s("hold")
    if partner_onset_ms is not None and not -(drill.phase_s("release") + drill.phase_s("rest")) < partner_onset_ms / 1000.0 < active_s:
        raise EmgcoachError(f"partner onset {partner_onset_ms:+g} ms falls outside {drill.id}'s rep (it must follow the last rep's "
                            f"end and precede this one's, within {-1000 * (drill.phase_s('release') + drill.phase_s('rest')):+g} "
                            f"to {1000 * active_s:+g} ms)")
    markers.append(Marker(t, "drill_start", {"drill": drill.id, "reps": reps, "lat_channel": 0, "glute_channel": 1}))
    markers.append(Marker(t, "phase", {"drill": drill.id, "phase": "setup", "rep": -1}))
    t = _drill_reps(drill, t + drill.setup_s, reps, seed, partner_onset_ms, bursts, markers)
    markers.append(Marker(t, "drill_end", {"drill": drill.id, "reps": reps}))
    return scripted_scenario(
        [bursts[0], bursts[1]], channels=channels, duration_s=t + 1.0, name=drill.id, markers=markers
    )


def _drill_reps(
    drill: Drill,
    t: float,
    reps: int,
    seed: int,
    partner_onset_ms: float | None,
    bursts: list[list[Burst]],
    markers: list[Marker],
) -> float:
    """The reps of `drill_scenario` from time t: bursts and phase and rep markers appended; returns the end."""
    tg = drill.targets
    lat_level = (tg.lat_lo + tg.lat_hi) / 200.0
    glute_level = min(0.9, 1.6 * tg.glute_min / 100.0)
    late_rep = reps // 2 if reps >= 3 else -1
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xD111]))
    active_s = drill.phase_s("contract") + drill.phase_s("hold")
    latest = tg.partner_onset_ms[1]
    for i in range(reps):
        offset_ms = float(0.5 * latest + 15.0 * rng.standard_normal())
        if i == late_rep:
            offset_ms = latest + 120.0
        if partner_onset_ms is not None:
            offset_ms = float(partner_onset_ms)
        if drill.lead == "lat":
            lat_on, glute_on = t, t + offset_ms / 1000.0
        else:
            glute_on, lat_on = t, t + offset_ms / 1000.0
        off = t + active_s
        bursts[0].append(Burst(lat_on, off - lat_on, lat_level))
        bursts[1].append(Burst(glute_on, off - glute_on, glute_level))
        phase_t = t
        for phase, secs in drill.phases:
            if secs > 0:
                markers.append(Marker(phase_t, "phase", {"drill": drill.id, "phase": phase, "rep": i}))
            phase_t += secs
        markers.append(
            Marker(t, "rep", {"drill": drill.id, "index": i, "lat_onset_s": lat_on, "glute_onset_s": glute_on,
                              "latency_ms": 1000.0 * (glute_on - lat_on), "offset_s": off})
        )
        t += drill.rep_s
    return t


async def _pump(source: SimulatorSource, recorder: Recorder) -> tuple[int, int]:
    samples = markers = 0
    async for item in source.blocks():
        if isinstance(item, Block):
            recorder.put_block(0, item)
            samples += item.n_samples
        elif isinstance(item, Marker):
            recorder.put_marker(item)
            markers += 1
    return samples, markers


def record_simulation(
    path: Path,
    drill: str = "bird_dog",
    duration_s: float | None = None,
    rate_hz: float = 2000.0,
    seed: int = 0,
    realtime: bool = False,
    calibration: bool = True,
    partner_onset_ms: float | None = None,
) -> str:
    """Simulate `drill` (with a calibration block first unless `calibration=False`; the partner's onset
    at `partner_onset_ms` from the lead's in every rep if given, see `drill_scenario`) and record it to
    `path` (XDF); returns a one-line summary."""
    if path.suffix.lower() != ".xdf":
        raise EmgcoachError(f"{path}: simulated sessions are written as XDF; name the output *.xdf")
    scenario = drill_scenario(drill, duration_s, seed, calibration=calibration, partner_onset_ms=partner_onset_ms)
    source = SimulatorSource(scenario, rate_hz=rate_hz, block_s=0.02, realtime=realtime, seed=seed)
    with Recorder(path, [source.info]) as recorder:
        samples, markers = asyncio.run(_pump(source, recorder))
    reps = sum(1 for m in scenario.markers if m.kind == "rep")
    return (
        f"{path}: {scenario.name}, {reps} reps, {samples / rate_hz:.1f} s at {rate_hz:g} Hz, "
        f"{len(scenario.channels)} channels ({', '.join(c.label for c in scenario.channels)}), {markers} markers"
    )
