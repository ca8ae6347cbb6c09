"""Engine memory over a long session: two simulated sensors (lat + glute each, 2 kHz) for two hours of
session time, through the real Engine (acquisition thread, DSP, onsets after a rest baseline, %MVC after a
calibration, ring buffers, event queue, XDF recording), as fast as it runs.

Prints RSS every 10 session minutes and the growth from minute 10 to the end (the issue: memory stays
flat over a 2-hour session), and the run time as a multiple of real time. A consumer drains the event
queue and reads the newest second of every ring buffer ten times a second, as the window's timer does.

Run: `.venv/bin/python benchmarks/engine_memory.py [--minutes 120] [--no-record]`.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from emgcoach.stream.engine import Engine, ProcessedBlock
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.source import SimulatorSource

RATE_HZ = 2000.0


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; NaN elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=120.0, help="session length (default 120)")
    ap.add_argument("--no-record", action="store_true", help="do not record the session to XDF")
    args = ap.parse_args()
    reps = int(args.minutes * 60 / 6.0)  # a bird-dog rep every 6 s
    scenario = bird_dog_scenario(reps=reps, lead_in_s=5.0)
    target = int(scenario.duration_s * RATE_HZ)
    progress = [0, 0]
    lock = threading.Lock()

    def on_block(pb: ProcessedBlock) -> None:
        with lock:
            progress[pb.stream] = pb.first_index + len(pb.raw)

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(buffer_s=30.0).start()
        engine.subscribe(on_block)
        for seed in (1, 2):
            engine.add_source(SimulatorSource(scenario, rate_hz=RATE_HZ, seed=seed, block_s=0.01))
        if not args.no_record:
            engine.start_recording(Path(tmp) / "long.xdf")
        print(f"session: 2 sensors x 2 ch x {RATE_HZ:g} Hz x {scenario.duration_s / 60:.0f} min"
              f"{'' if args.no_record else ', recorded to XDF'}")
        print(f"RSS at start: {rss_mb():.0f} MB")
        wall = time.perf_counter()
        marks: list[tuple[float, float]] = []
        next_mark_s, baseline_set = 600.0, False
        while True:
            with lock:
                done_s = min(progress) / RATE_HZ
            if not baseline_set and done_s > 4.0:  # rest baseline from the lead-in, then a calibration
                for s in (0, 1):
                    engine.set_rest(s, [5.0, 5.0], [1.5, 1.5])
                    engine.set_calibration(s, [200.0, 200.0], [5.0, 5.0])
                baseline_set = True
            engine.drain_events()
            for s in range(engine.n_streams):
                buf = engine.buffers(s)
                for ring in (buf.raw, buf.envelope, buf.pct_mvc):
                    ring.latest(int(RATE_HZ))
            if done_s >= next_mark_s:
                marks.append((done_s / 60, rss_mb()))
                print(f"  {done_s / 60:5.0f} min: RSS {marks[-1][1]:.0f} MB")
                next_mark_s += 600.0
            if min(progress) >= target:
                break
            time.sleep(0.1)
        secs = time.perf_counter() - wall
        engine.stop()
        size = sum(p.stat().st_size for p in Path(tmp).glob("*.xdf")) / 1e6
    print(f"RSS at end: {rss_mb():.0f} MB; ran {scenario.duration_s / secs:.0f}x real time ({secs:.0f} s)"
          + ("" if args.no_record else f"; recording {size:.0f} MB"))
    if len(marks) >= 2:
        print(f"growth from minute {marks[0][0]:.0f} to {marks[-1][0]:.0f}: {marks[-1][1] - marks[0][1]:+.1f} MB")


if __name__ == "__main__":
    main()
