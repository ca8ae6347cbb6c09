"""LSL: the outlet publishes an engine's streams (only when started), and the inlet Source reads an LSL
stream back as Blocks: the same samples, in order, none lost, on the session clock."""

from __future__ import annotations

import asyncio
import time

import numpy as np


from emgcoach.stream.engine import Engine
from emgcoach.stream.lsl import LslInletSource, LslOutlet, find_streams
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.session import simulate
from emgcoach.stream.sim.source import SimulatorSource


def test_outlet_then_inlet_round_trip() -> None:
    scenario = bird_dog_scenario(reps=2)
    engine = Engine(buffer_s=10.0).start()
    outlet = LslOutlet()
    try:
        engine.add_source(SimulatorSource(scenario, rate_hz=1000.0, realtime=True, seed=5, block_s=0.02))
        assert not [s for s in find_streams(timeout_s=0.5) if s.name().startswith("simulator")]  # off until started
        outlet.start(engine)
        found = []
        deadline = time.monotonic() + 10
        while not found and time.monotonic() < deadline:
            found = [s for s in find_streams(timeout_s=1.0) if s.name().endswith(" raw")]
        assert found, "the outlet's raw stream was not seen on LSL"
        t_origin = time.monotonic()
        source = LslInletSource(found[0], clock=lambda: time.monotonic() - t_origin)
        assert [c.muscle for c in source.info.channels] == ["latissimus_dorsi", "gluteus_maximus"]

        async def read(seconds: float) -> list:
            out = []
            async def pump() -> None:
                async for b in source.blocks():
                    out.append(b)
            task = asyncio.create_task(pump())
            await asyncio.sleep(seconds)
            await source.close()
            task.cancel()
            return out

        blocks = asyncio.run(read(2.0))
    finally:
        outlet.stop()
        engine.stop()
    data = np.concatenate([b.data for b in blocks])
    assert len(data) > 1000  # about 2 s at 1 kHz
    idx = np.concatenate([b.first_index + np.arange(len(b.data)) for b in blocks])
    assert np.array_equal(idx, np.arange(len(idx))) and sum(b.lost for b in blocks) == 0
    truth = simulate(scenario, rate_hz=1000.0, seed=5).data.astype(np.float32)
    start = int(np.flatnonzero(np.all(truth == data[0], axis=1))[0])
    assert np.array_equal(truth[start : start + len(data)], data)  # the very samples, in order
    t = np.array([b.t0 for b in blocks])
    assert np.all(np.diff(t) > 0) and abs(t[-1] - (time.monotonic() - t_origin)) < 3.0


def test_outlet_stopped_ignores_a_block_still_on_its_way() -> None:
    """Engine.unsubscribe is queued on the acquisition thread, so a block can reach the outlet after
    stop(): it is not published (no outlet opened again) and raises nothing (the engine would drop the
    outlet as a broken subscriber and show its error)."""

    class QueuedEngine:  # subscribe/unsubscribe as Engine's: run later, on its thread
        def subscribe(self, cb) -> None:
            pass

        def unsubscribe(self, cb) -> None:
            pass

        def info(self, stream: int):
            raise AssertionError("a stopped outlet looked up a stream to publish it")

    from emgcoach.stream.processor import ProcessedBlock

    outlet = LslOutlet()
    outlet.start(QueuedEngine())
    outlet.stop()
    x = np.zeros((20, 2))
    outlet._on_block(ProcessedBlock(0, 1.0, 0, 1000.0, x, x, x, x, None, None))
    assert outlet._outlets == {}
