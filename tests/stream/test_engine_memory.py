"""Memory stays flat over a long session: nothing in the engine grows with the number of blocks."""

from __future__ import annotations

import ctypes
import gc
import sys
import time
from pathlib import Path

import pytest

from emgcoach.stream.engine import Engine, ProcessedBlock
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.source import SimulatorSource

RATE = 500.0  # the leak this looks for is per block (10 ms), whatever the rate


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _c_heap_reader():
    """Bytes in use on the C heap (glibc's mallinfo2: numpy's array data lives there), or None elsewhere."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2

    def in_use() -> int:
        info = mallinfo2()
        return int(info.uordblks + info.hblkhd)
    return in_use


C_HEAP = _c_heap_reader()


@pytest.mark.slow
@pytest.mark.skipif(C_HEAP is None, reason="reads the C heap through glibc's mallinfo2")
def test_engine_memory_is_flat_over_a_long_recorded_session(tmp_path: Path) -> None:
    """Two sensors for 4.5 session minutes (54 000 blocks) with DSP, onsets, %MVC, ring buffers, events and
    recording. At its lowest in minute 5 against its lowest in minute 2 (minute 1 warms up; lowest: queues
    that fill and drain are not a leak; at least 2 minutes, 24 000 blocks, apart), measured after a full
    garbage collection (which also empties the interpreter's free lists): fewer than 2 000 more Python
    objects (keeping one every 10 blocks would add 2 400) and less than 0.4 MB more C heap, where numpy
    keeps array data (20 bytes a block would add 0.48 MB).
    (`benchmarks/engine_memory.py` runs the full two hours and prints RSS.)"""
    scenario = bird_dog_scenario(reps=45, lead_in_s=3.0)  # 273 s
    progress = [0, 0]

    def on_block(pb: ProcessedBlock) -> None:
        progress[pb.stream] = pb.first_index + len(pb.raw)

    def minutes_done() -> float:
        return min(progress) / RATE / 60.0

    lowest: dict[int, tuple[int, int]] = {}  # session minute (the one ending there) -> (objects, C heap bytes)
    with Engine(buffer_s=30.0) as engine:
        engine.subscribe(on_block)
        for seed in (1, 2):
            engine.add_source(SimulatorSource(scenario, rate_hz=RATE, seed=seed, block_s=0.01))
        engine.start_recording(tmp_path / "long.xdf")
        for s in (0, 1):
            engine.set_rest(s, [5.0, 5.0], [1.5, 1.5])
            engine.set_calibration(s, [200.0, 200.0], [5.0, 5.0])
        events = 0
        sampled_at = -1.0
        deadline = time.monotonic() + 240.0
        while minutes_done() < 4.5 and time.monotonic() < deadline:
            events += len(engine.drain_events())  # as the window's timer does
            for s in (0, 1):
                engine.buffers(s).envelope.latest(int(RATE))
            done = minutes_done()
            if done - sampled_at >= 1 / 16:  # a full collection costs tens of ms: 16 looks a session minute
                sampled_at = done
                gc.collect()
                now = (sys.getallocatedblocks(), C_HEAP())
                minute = int(done) + 1
                low = lowest.get(minute, now)
                lowest[minute] = (min(low[0], now[0]), min(low[1], now[1]))
            time.sleep(0.05)
        assert minutes_done() >= 4.5, "the session did not finish in time"
        engine.stop_recording()
    assert events > 2 * 45  # onsets and markers flowed through the queue all along
    assert {2, 5} <= lowest.keys(), lowest  # both minutes were sampled
    objects = lowest[5][0] - lowest[2][0]
    heap_mb = (lowest[5][1] - lowest[2][1]) / 1e6
    assert objects < 2000 and heap_mb < 0.4, (objects, heap_mb)
