"""Write a simulated drill session to XDF through the same Recorder a live session uses.

With `realtime=True` the simulator paces itself like a live sensor, so killing the process mid-way
exercises the recorder's crash safety exactly as a real session would.

The drills come from the coaching library (`coach/drills.toml`), which is data only: `stream/` reading it
is the one place the layers meet in this direction (docs/architecture.md has coach above stream), and it is here
because a simulated session is a scripted drill.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import numpy as np

from emgcoach.coach.drills import Drill, get_drill, load_library
from emgcoach.coach.slings import Sling
from emgcoach.errors import EmgcoachError
from emgcoach.io.xdf_writer import Recorder
from emgcoach.stream.sim.scenario import Burst, Scenario, lat_glute_channels, scripted_scenario
from emgcoach.stream.sim.source import SimulatorSource
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

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
    both_slings: bool = False,
    right_glute_factor: float = 1.0,
) -> Scenario:
    """A simulated session of a drill from the library: lat on `lat_side` and the opposite glute max,
    a calibration block first (unless `calibration=False`), then the drill's set-up and reps following
    its phases. Levels sit inside the drill's targets (as fractions of the simulated MVC). The lead
    muscle starts each rep; the partner's onset follows it by half the latest its window allows (+- 15 ms
    jitter, from `seed`), except one rep in the middle where it comes 120 ms after the window closes, so
    a corrective cue is due. `partner_onset_ms` (if given) instead puts the partner's onset that many ms
    after the lead's in every rep (negative: before it; e.g. -300 for a glute that fires first, -1000
    for one already on), and both still end together. `duration_s` (if given) sets how many reps fit.
    `both_slings`: four sensors (`both_slings_channels`), the reps alternating between the slings in the
    order the drill names them (left first if it names none), the right sling's glute working at
    `right_glute_factor` of the left's level (the simulated asymmetry; its rep markers say which sling).
    Markers: calibration steps, drill_start, phase, rep (with the true onsets), drill_end."""
    drill = get_drill(drill_id, library if library is not None else load_library(include_user=False))
    channels = both_slings_channels() if both_slings else lat_glute_channels(lat_side)
    t = LEAD_IN_S
    bursts: list[list[Burst]] = [[] for _ in channels]
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
    start: dict = {"drill": drill.id, "reps": reps, "lat_channel": 0, "glute_channel": 1}
    if both_slings:
        start["slings"] = {str(s): list(SLING_CHANNELS[s]) for s in Sling}
    markers.append(Marker(t, "drill_start", start))
    markers.append(Marker(t, "phase", {"drill": drill.id, "phase": "setup", "rep": -1}))
    sides: list[tuple[Sling | None, int, int, float]] = (
        _rep_slings(drill, right_glute_factor) if both_slings else [(None, 0, 1, 1.0)])
    t = _drill_reps(drill, t + drill.setup_s, reps, seed, partner_onset_ms, bursts, markers, sides)
    markers.append(Marker(t, "drill_end", {"drill": drill.id, "reps": reps}))
    return scripted_scenario(bursts, channels=channels, duration_s=t + 1.0, name=drill.id, markers=markers)


# Four sensors: each sling's lat and glute side by side, the left sling first
SLING_CHANNELS = {Sling.LEFT: (0, 1), Sling.RIGHT: (2, 3)}


def both_slings_channels() -> tuple[ChannelSpec, ...]:
    """Four sensors' channels: lat_L, glute_R (the left sling), lat_R, glute_L (the right sling)."""
    return (*lat_glute_channels("left"), *lat_glute_channels("right"))


def _rep_slings(drill: Drill, right_glute_factor: float) -> list[tuple[Sling | None, int, int, float]]:
    """The slings the reps alternate between, in the drill's order: (sling, lat channel, glute channel,
    the glute's level factor)."""
    if not 0.0 < right_glute_factor <= 2.0:
        raise EmgcoachError(f"right glute factor {right_glute_factor:g}: give a number above 0, at most 2")
    order = drill.slings or tuple(Sling)
    return [(s, *SLING_CHANNELS[s], right_glute_factor if s is Sling.RIGHT else 1.0) for s in order]


def _drill_reps(
    drill: Drill,
    t: float,
    reps: int,
    seed: int,
    partner_onset_ms: float | None,
    bursts: list[list[Burst]],
    markers: list[Marker],
    sides: list[tuple[Sling | None, int, int, float]],
) -> float:
    """The reps of `drill_scenario` from time t: bursts and phase and rep markers appended; returns the end.
    Rep i is done on sides[i % len(sides)]: (sling or None with one, lat and glute channel, glute factor)."""
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
        sling, lat_c, glute_c, factor = sides[i % len(sides)]
        bursts[lat_c].append(Burst(lat_on, off - lat_on, lat_level))
        bursts[glute_c].append(Burst(glute_on, off - glute_on, min(1.0, glute_level * factor)))
        phase_t = t
        for phase, secs in drill.phases:
            if secs > 0:
                markers.append(Marker(phase_t, "phase", {"drill": drill.id, "phase": phase, "rep": i}))
            phase_t += secs
        truth = {"drill": drill.id, "index": i, "lat_onset_s": lat_on, "glute_onset_s": glute_on,
                 "latency_ms": 1000.0 * (glute_on - lat_on), "offset_s": off}
        markers.append(Marker(t, "rep", truth if sling is None else {**truth, "sling": str(sling)}))
        t += drill.rep_s
    return t


# The simulated asymmetry of `simulate --slings both`: the right sling's glute (the left gluteus maximus)
# works at 75 % of the left sling's, a glute SI of (0.75 - 1) / 0.875 = -28.6 % (`coach.slings`), above
# the 15 % usually taken as notable, so the symmetry figures have something to show
RIGHT_GLUTE_FACTOR = 0.75


def sensor_infos(info: StreamInfo) -> list[StreamInfo]:
    """One stream header per channel of `info`: the simulated person's sensors, each its own stream."""
    return [replace(info, name=f"{info.name}:{c.name}", channels=(c,)) for c in info.channels]


async def _pump(source: SimulatorSource, recorder: Recorder, per_channel: bool = False) -> tuple[int, int]:
    """Every block and marker of `source` into `recorder` (`per_channel`: channel c as stream c)."""
    samples = markers = 0
    async for item in source.blocks():
        if isinstance(item, Block):
            if per_channel:
                for c in range(item.n_channels):
                    recorder.put_block(c, replace(item, data=item.data[:, c:c + 1]))
            else:
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
    both_slings: bool | None = None,
    right_glute_factor: float = RIGHT_GLUTE_FACTOR,
) -> str:
    """Simulate `drill` (with a calibration block first unless `calibration=False`; the partner's onset
    at `partner_onset_ms` from the lead's in every rep if given, see `drill_scenario`) and record it to
    `path` (XDF); returns a one-line summary. `both_slings`: four sensors, written as four streams as
    four sensors would be, the right sling's glute at `right_glute_factor` of the left's level (None:
    both when the drill names both slings)."""
    if path.suffix.lower() != ".xdf":
        raise EmgcoachError(f"{path}: simulated sessions are written as XDF; name the output *.xdf")
    if both_slings is None:
        both_slings = get_drill(drill, load_library(include_user=False)).both_slings
    scenario = drill_scenario(drill, duration_s, seed, calibration=calibration, partner_onset_ms=partner_onset_ms,
                              both_slings=both_slings, right_glute_factor=right_glute_factor)
    source = SimulatorSource(scenario, rate_hz=rate_hz, block_s=0.02, realtime=realtime, seed=seed)
    infos = sensor_infos(source.info) if both_slings else [source.info]
    with Recorder(path, infos) as recorder:
        samples, markers = asyncio.run(_pump(source, recorder, len(infos) > 1))
    reps = sum(1 for m in scenario.markers if m.kind == "rep")
    return (
        f"{path}: {scenario.name}, {reps} reps, {samples / rate_hz:.1f} s at {rate_hz:g} Hz, "
        f"{len(scenario.channels)} channels ({', '.join(c.label for c in scenario.channels)}), {markers} markers"
    )
