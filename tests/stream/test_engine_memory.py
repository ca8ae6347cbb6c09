"""Memory stays flat over a long session: nothing in the engine grows with the number of blocks."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from emgcoach.stream.engine import Engine, ProcessedBlock
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.source import SimulatorSource

RATE = 500.0  # the leak this looks for is per block (10 ms), whatever the rate


@pytest.mark.slow
def test_engine_memory_is_flat_over_a_long_recorded_session(tmp_path: Path) -> None:
    """Two sensors for 3.5 session minutes (42 000 blocks) with DSP, onsets, %MVC, ring buffers, events and
    recording: the Python heap (numpy arrays included) at its lowest in minute 4 is less than 0.5 MB
    above its lowest in minute 1 (lowest: queues that fill and drain are not a leak). Keeping even 20
    bytes per block would add 0.5 MB over the 30 000 blocks between.
    (`benchmarks/engine_memory.py` runs the full two hours and prints RSS.)"""
    scenario = bird_dog_scenario(reps=35, lead_in_s=3.0)  # 213 s
    progress = [0, 0]

    def on_block(pb: ProcessedBlock) -> None:
        progress[pb.stream] = pb.first_index + len(pb.raw)

    def minutes_done() -> float:
        return min(progress) / RATE / 60.0

    tracemalloc.start()
    try:
        with Engine(buffer_s=30.0) as engine:
            engine.subscribe(on_block)
            for seed in (1, 2):
                engine.add_source(SimulatorSource(scenario, rate_hz=RATE, seed=seed, block_s=0.01))
            engine.start_recording(tmp_path / "long.xdf")
            for s in (0, 1):
                engine.set_rest(s, [5.0, 5.0], [1.5, 1.5])
                engine.set_calibration(s, [200.0, 200.0], [5.0, 5.0])
            lowest_mb = {1: float("inf"), 4: float("inf")}  # per session minute (the minute ending there)
            events = 0
            deadline = time.monotonic() + 240.0
            while minutes_done() < 3.5 and time.monotonic() < deadline:
                events += len(engine.drain_events())  # as the window's timer does
                for s in (0, 1):
                    engine.buffers(s).envelope.latest(int(RATE))
                minute = int(minutes_done()) + 1
                if minute in lowest_mb:
                    lowest_mb[minute] = min(lowest_mb[minute], tracemalloc.get_traced_memory()[0] / 1e6)
                time.sleep(0.05)
            assert minutes_done() >= 3.5, "the session did not finish in time"
            engine.stop_recording()
    finally:
        tracemalloc.stop()
    assert events > 2 * 35  # onsets and markers flowed through the queue all along
    assert all(np.isfinite(v) for v in lowest_mb.values()), lowest_mb  # both minutes were sampled
    assert lowest_mb[4] - lowest_mb[1] < 0.5, lowest_mb
