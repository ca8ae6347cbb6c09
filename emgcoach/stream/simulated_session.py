"""Write a simulated drill session to XDF through the same Recorder a live session uses.

With `realtime=True` the simulator paces itself like a live sensor, so killing the process mid-way
exercises the recorder's crash safety exactly as a real session would.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from emgcoach.errors import EmgcoachError
from emgcoach.io.xdf_writer import Recorder
from emgcoach.stream.simulator import Scenario, SimulatorSource, bird_dog_scenario
from emgcoach.types import Block, Marker

DRILLS = ("bird_dog",)
BIRD_DOG_REP_S = 6.0  # hold 3 s + rest 3 s
BIRD_DOG_LEAD_IN_S = 3.0


def drill_scenario(drill: str, duration_s: float | None = None, seed: int = 0) -> Scenario:
    """The simulated scenario for a drill; `duration_s` sets how many reps fit (default 8 reps)."""
    if drill not in DRILLS:
        raise EmgcoachError(f"unknown drill {drill!r}; simulated drills: {', '.join(DRILLS)}")
    reps = 8
    if duration_s is not None:
        if duration_s <= BIRD_DOG_LEAD_IN_S:
            raise EmgcoachError(f"--duration {duration_s:g} s is too short for one rep of {drill}")
        reps = max(1, int((duration_s - BIRD_DOG_LEAD_IN_S) // BIRD_DOG_REP_S))
    return bird_dog_scenario(reps=reps, lead_in_s=BIRD_DOG_LEAD_IN_S, seed=seed, latency_jitter_ms=10.0)


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
) -> str:
    """Simulate `drill` and record it to `path` (XDF); returns a one-line summary."""
    if path.suffix.lower() != ".xdf":
        raise EmgcoachError(f"{path}: simulated sessions are written as XDF; name the output *.xdf")
    scenario = drill_scenario(drill, duration_s, seed)
    source = SimulatorSource(scenario, rate_hz=rate_hz, block_s=0.02, realtime=realtime, seed=seed)
    with Recorder(path, [source.info]) as recorder:
        samples, markers = asyncio.run(_pump(source, recorder))
    reps = sum(1 for m in scenario.markers if m.kind == "rep")
    return (
        f"{path}: {scenario.name}, {reps} reps, {samples / rate_hz:.1f} s at {rate_hz:g} Hz, "
        f"{len(scenario.channels)} channels ({', '.join(c.label for c in scenario.channels)}), {markers} markers"
    )
