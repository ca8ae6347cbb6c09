"""Where the test suite's CPU goes: each test's CPU (its worker process's, threads included, and its
child processes') beside its wall time, then the totals and the costliest tests.

Run: `.venv/bin/python benchmarks/suite_cpu.py [-n 3] [--top 20] [pytest arguments...]` (`make test`'s
parallel phase by default: `-n <workers> --dist worksteal -m 'not serial'`). It loads itself into pytest as
a plugin (`-p suite_cpu`); each worker appends a line per test to a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path

import pytest

_OUT = "SUITE_CPU_DIR"


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    folder = os.environ.get(_OUT)
    (own0, ch0), wall0 = _cpu(), time.perf_counter()
    yield
    if folder:
        (own1, ch1), wall = _cpu(), time.perf_counter() - wall0
        with open(Path(folder) / f"{os.getpid()}.jsonl", "a") as f:
            f.write(json.dumps([item.nodeid, own1 - own0, ch1 - ch0, wall]) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", dest="workers", default=str((os.cpu_count() or 1) * 2), help="pytest-xdist workers")
    ap.add_argument("--top", type=int, default=20, help="costliest tests listed (default 20)")
    args, rest = ap.parse_known_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="suite-cpu-") as folder:
        env = {**os.environ, _OUT: folder, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "",
               "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
        cmd = [sys.executable, "-m", "pytest", "-p", "suite_cpu", "-p", "no:cacheprovider",
               *(rest or ["-n", args.workers, "--dist", "worksteal", "-m", "not serial"])]
        start = time.perf_counter()
        code = subprocess.call(cmd, cwd=root, env=env)
        wall = time.perf_counter() - start
        rows = [json.loads(line) for f in Path(folder).glob("*.jsonl") for line in f.read_text().splitlines()]
    own, children = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"suite_cpu: {len(rows)} tests, {own:.0f} CPU-s in the tests' processes + {children:.0f} CPU-s in "
          f"their children, {wall:.0f} s wall (pytest exit {code})")
    for nodeid, o, c, w in sorted(rows, key=lambda r: -(r[1] + r[2]))[: args.top]:
        print(f"  {o + c:6.1f} CPU-s {w:6.1f} s  {nodeid}")
    sys.exit(code)


if __name__ == "__main__":
    main()
