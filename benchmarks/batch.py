"""Batch benchmark: `emgcoach analyze FOLDER --table OUT.csv` on 1 process vs 2, in one run.

N one-minute simulated sessions (default 200; the eight drills in turn, each `simulate --duration 60
--no-calibration` at 2 kHz, lat + opposite glute, different seeds) are written to a temporary folder,
then the whole command is timed end to end as a user runs it (process start, imports, worker start-up,
reading, analysis, the table): `--jobs 1`, then `--jobs 2`. Prints files per second for each, the
speed-up as a ratio, and checks that both tables are the same. Also the CPU time per file (the command
and its workers) and the machine's load average before each run: other work on the machine shows there,
not in the wall times alone.

Run: `.venv/bin/python benchmarks/batch.py [--files 200] [--rate 2000] [--repeat 1]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from emgcoach.coach.drills import load_library
from emgcoach.stream.simulated_session import record_simulation

DURATION_S = 60.0


def _simulate(args: tuple[Path, str, float, int]) -> float:
    """One session; returns its length in s (a drill's length is whole reps: 53-60.5 s)."""
    path, drill, rate_hz, seed = args
    summary = record_simulation(path, drill=drill, duration_s=DURATION_S, rate_hz=rate_hz, seed=seed, calibration=False)
    return float(summary.split(" s at ")[0].rsplit(", ", 1)[1])


def make_corpus(folder: Path, n: int, rate_hz: float) -> list[float]:
    """n sessions in `folder` (written on every core: set-up, not measured); their lengths in s."""
    drills = list(load_library(include_user=False))
    jobs = [(folder / f"s{k:03d}_{drills[k % len(drills)]}.xdf", drills[k % len(drills)], rate_hz, k) for k in range(n)]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        return list(pool.map(_simulate, jobs, chunksize=4))


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_batch(folder: Path, jobs: int, table: Path) -> tuple[float, float]:
    """Wall time and CPU time (s, the command and its worker processes) of
    `emgcoach analyze FOLDER --table TABLE --jobs JOBS`, run as a new process."""
    t0, cpu0 = time.perf_counter(), _children_cpu_s()
    proc = subprocess.run([sys.executable, "-m", "emgcoach.cli", "analyze", str(folder), "--table", str(table),
                           "--jobs", str(jobs)], capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu_s() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"--jobs {jobs} failed ({proc.returncode}): {proc.stderr.strip()}")
    return wall, cpu


def machine() -> str:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, {platform.system()} {platform.machine()}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--files", type=int, default=200, help="number of one-minute recordings (default 200)")
    p.add_argument("--rate", type=float, default=2000.0, help="their sample rate in Hz (default 2000)")
    p.add_argument("--repeat", type=int, default=1, help="rounds of (--jobs 1, --jobs 2); the median speed-up")
    a = p.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="emgcoach-batch-") as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        t0 = time.perf_counter()
        lengths = make_corpus(folder, a.files, a.rate)
        size_mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        print(f"corpus: {a.files} recordings, 2 channels at {a.rate:g} Hz, {min(lengths):.1f}-{max(lengths):.1f} s "
              f"(mean {sum(lengths) / len(lengths):.1f} s), {size_mb:.0f} MB, written in {time.perf_counter() - t0:.0f} s")
        speedups = []
        for r in range(a.repeat):  # 1, 2, 1, 2, ...: a load that comes and goes falls on both
            walls = {}
            for jobs in (1, 2):
                load = os.getloadavg()[0]
                walls[jobs], cpu = timed_batch(folder, jobs, Path(tmp) / f"jobs{jobs}.csv")
                print(f"--jobs {jobs}: {walls[jobs]:.1f} s, {a.files / walls[jobs]:.2f} files/s "
                      f"({sum(lengths) / walls[jobs]:.0f}x real time); CPU {cpu / a.files:.2f} s per file; "
                      f"load average before: {load:.2f}")
            speedups.append(walls[1] / walls[2])
            same = (Path(tmp) / "jobs1.csv").read_bytes() == (Path(tmp) / "jobs2.csv").read_bytes()
            rows = (Path(tmp) / "jobs1.csv").read_text(encoding="utf-8").count("\n") - 1
            print(f"speed-up, 2 processes over 1: {speedups[-1]:.2f}x; tables identical: {same} ({rows} rows)")
        if a.repeat > 1:
            print(f"speed-up over {a.repeat} rounds: median {statistics.median(speedups):.2f}x "
                  f"(min {min(speedups):.2f}x, max {max(speedups):.2f}x)")

if __name__ == "__main__":
    main()
