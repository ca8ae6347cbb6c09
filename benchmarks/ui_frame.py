"""UI frame cost and display latency, offscreen: 4 channels at 2 kHz (two simulated sensors paced like
live ones), a 10 s plot window redrawn at 60 Hz.

Prints (1) the Qt thread's CPU time per second of wall time while drawing (target: at most 25 % of one
core), measured with time.thread_time() on the Qt thread, so the acquisition thread's work is not
counted; and (2) how old the newest drawn sample is when its frame has been painted, for the worse of
the two sensors, measured from the wall time the engine handed out its processed block (the DSP before
that takes about 25 µs a block; target: within 50 ms; the envelope's own filter delay is not part of
this). A frame is credited only with the blocks that were in the ring before it began, so this is an
upper bound.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui_frame.py [--seconds 10]`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from emgcoach.stream.engine import Engine, ProcessedBlock
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.source import SimulatorSource
from emgcoach.ui.main_window import MainWindow


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="how long to measure (default 10)")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    # per stream, (end index, wall time) of its blocks not yet drawn; a frame drops the ones it has drawn,
    # so the bookkeeping stays a few entries long instead of scanning every block since the start each frame
    arrivals: defaultdict[int, deque[tuple[int, float]]] = defaultdict(deque)
    lock = threading.Lock()

    def on_block(pb: ProcessedBlock) -> None:
        with lock:
            arrivals[pb.stream].append((pb.first_index + len(pb.raw), time.perf_counter()))

    with tempfile.TemporaryDirectory() as tmp:
        w = MainWindow(QSettings(str(Path(tmp) / "s.ini"), QSettings.IniFormat))
        w.timer.stop()  # this benchmark drives the frames itself, so it can time each one
        w.resize(1400, 850)
        w.show()
        engine = Engine(buffer_s=30.0).start()
        w.engine = engine
        engine.subscribe(on_block)
        time.sleep(0.05)
        scenario = bird_dog_scenario(reps=40)
        for seed in (1, 2):  # two sensors, 2 channels each: 4 channels at 2 kHz
            engine.add_source(SimulatorSource(scenario, rate_hz=2000.0, realtime=True, seed=seed, block_s=0.01))
        w.sensors.load_roles(engine)
        w.plots.set_window(10.0)
        latencies: list[float] = []
        frames = 0
        warmup_s = 11.0  # fill the 10 s window first, so every frame draws the full 4 x 20 000 points
        start = time.perf_counter()
        measure_from = start + warmup_s
        cpu0: float | None = None
        wall0 = 0.0
        last_drawn: dict[int, float] = {}  # per stream, arrival time of its newest block drawn so far

        def frame() -> None:
            nonlocal frames, cpu0, wall0, last_drawn
            # read before the frame reads the ring: the frame draws at least this, so the latency below is
            # an upper bound (a block landing during the frame may be drawn but is not credited)
            drawn_end = [engine.buffers(s).raw.end_index for s in range(engine.n_streams)]
            w.tick()
            app.processEvents()  # deliver the pending paint now, so the frame's time is known
            done = time.perf_counter()
            with lock:
                for s, queue in arrivals.items():
                    while s < len(drawn_end) and queue and queue[0][0] <= drawn_end[s]:
                        last_drawn[s] = queue.popleft()[1]
            if done < measure_from:
                return
            if cpu0 is None:
                cpu0, wall0 = time.thread_time(), done
                return
            frames += 1
            if len(last_drawn) == engine.n_streams:  # the worse of the sensors
                latencies.append(1000.0 * (done - min(last_drawn.values())))
            if done - wall0 >= args.seconds:
                report(time.thread_time() - cpu0, done - wall0, frames, latencies, w.plots.points_drawn)
                app.quit()

        timer = QTimer()
        timer.setInterval(16)
        timer.timeout.connect(frame)
        timer.start()
        app.exec()
        engine.stop()
        w.engine = None
        w.close()


def report(cpu_s: float, wall_s: float, frames: int, latencies: list[float], points: int) -> None:
    lat = np.array(latencies)
    print(f"4 channels x 2 kHz, 10 s window ({points} points per frame), {frames} frames in {wall_s:.1f} s "
          f"({frames / wall_s:.0f} frames/s)")
    print(f"drawing: {100 * cpu_s / wall_s:.1f} % of one core on the Qt thread (target <= 25 %), "
          f"{1000 * cpu_s / max(frames, 1):.1f} ms per frame")
    print(f"newest sample on screen: {np.median(lat):.1f} ms median, {np.percentile(lat, 95):.1f} ms 95th percentile, "
          f"{lat.max():.1f} ms max after its arrival (target <= 50 ms)")


if __name__ == "__main__":
    main()
