"""A recording of a coached set as the app makes it live, without a display: a simulated client's
signal through the streaming pipeline block by block into the drill runner (as the engine feeds it),
the runner's markers, the window's `drill_start`, and the markers a recording opens with
(`recorded_sets.recording_start_markers`), written by the same `Recorder` the engine uses.

The recording starts `record_from_s` into the session, after the client's calibration, so the signal it
holds begins with the last calibration efforts: bursts long before the drill starts, which are no reps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from emgcoach.analysis import analyze
from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import load_library
from emgcoach.coach.recorded_sets import recording_start_markers
from emgcoach.coach.runner import DrillRunner
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.session_analysis import recording_calibration, sling_channels
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.io.xdf_writer import Recorder
from emgcoach.stream.simulated_session import drill_scenario
from emgcoach.stream.sim.session import simulate
from emgcoach.types import Block, Marker

RATE = 1000.0
BLOCK = 20  # samples per block (20 ms), as a sensor delivers them
CALIBRATED_AT = "2026-12-01T09:00:00"


@dataclass(frozen=True)
class LiveSet:
    """The recording written, what the app showed (its verdicts) and the calibration it used."""

    path: Path
    shown: list[RepScore]  # the verdicts the runner gave, in order (what the drill panel showed)
    recorded: list[dict]  # the rep markers' payloads as written (`shown`, unless a test altered one)
    calibration: Calibration | None
    drill_start_s: float  # in the file's own time (s from its first sample)


@lru_cache(maxsize=4)
def _session(drill: str, seed: int):
    sc = drill_scenario(drill, seed=seed, calibration=True)
    sim = simulate(sc, rate_hz=RATE, seed=seed)
    cal, _ = recording_calibration(sim.recording, sling_channels(sim.recording, analyze(sim.recording)), "P07")
    assert cal is not None
    return sc, sim, replace(cal, created=CALIBRATED_AT)


def write_live_set(
    path: Path,
    drill: str = "bird_dog",
    seed: int = 3,
    record_from_s: float = 19.8,
    calibrated: bool = True,
    verdict_changes: dict[int, dict] | None = None,
    stop_after_reps: int | None = None,
) -> LiveSet:
    """Record a coached set of `drill` as the app does live. The recording begins `record_from_s` into
    the session (the lat's third calibration effort starts 1.2 s into it by default). `calibrated`: the
    client's calibration is in force (and so written at the recording's start). `verdict_changes`: rep
    index -> payload fields to write differently from what the runner said (a verdict given by older
    rules). `stop_after_reps`: the user stops the set once that many reps are scored."""
    sc, sim, cal = _session(drill, seed)
    d = load_library(include_user=False)[drill]
    start = next(m.time_s for m in sc.markers if m.kind == "drill_start")
    runner = DrillRunner(d, (0, 0), (0, 1), cal if calibrated else None, "left", "right", start_s=start)
    info = sim.stream.info
    x = np.asarray(sim.stream.data, np.float64)
    pipe = Pipeline(RATE, PipelineConfig(lowlag=False, mains_hz=None))
    first = int(round(record_from_s * RATE))
    markers = recording_start_markers(record_from_s, cal if calibrated else None)
    markers.append(Marker(start, "drill_start", {"drill": d.id, "reps": d.reps, "person": "P07"}))
    with Recorder(path, [info]) as rec:
        for m in markers:
            rec.put_marker(m)
        for i in range(0, len(x), BLOCK):
            out = pipe.process(x[i : i + BLOCK])
            if i + BLOCK > first:
                j = max(i, first)
                rec.put_block(0, Block(x[j : i + BLOCK].astype(np.float32), j / RATE, RATE, first_index=j))
            for ev in runner.feed(0, i / RATE, i, RATE, out.envelope, out.onset_envelope, out.filtered, pipe.band_hz):
                m = ev.marker()
                if m is None:  # an onset, for the live cue only
                    continue
                if m.kind == "rep" and verdict_changes and ev.score.index in verdict_changes:
                    m = Marker(m.time_s, "rep", {**m.payload, **verdict_changes[ev.score.index]})
                if m.kind == "drill_end":  # its count agrees with the verdicts as written
                    m = Marker(m.time_s, "drill_end", {**m.payload, "hits": sum(
                        bool(p.payload["hit"]) for p in markers if p.kind == "rep")})
                rec.put_marker(m)
                markers.append(m)
            if stop_after_reps is not None and len(runner.scores) >= stop_after_reps and not runner.done:
                t = (i + BLOCK) / RATE  # the window's stop: a drill_end saying so
                stop = Marker(t, "drill_end", {"drill": d.id, "reps": len(runner.scores),
                                               "hits": sum(s.hit for s in runner.scores), "stopped": True})
                rec.put_marker(stop)
                markers.append(stop)
                stop_after_reps = None
                runner.done = True  # the window drops the runner: nothing more is scored
            if runner.done and i / RATE > start + d.duration_s + 3.0:
                break
    recorded = [m.payload for m in markers if m.kind == "rep"]
    return LiveSet(path, list(runner.scores), recorded, cal if calibrated else None, start - record_from_s)
