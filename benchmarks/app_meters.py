"""What `app_session.py` measures with: CPU per thread and for the process (from /proc, in s), memory,
CPU spent in one method, and the delays from a notification's send time to the time its samples were
seen (ms)."""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Protocol

import numpy as np


class CpuSource(Protocol):
    """Something outside this process whose CPU the meter counts too (the fake BlueZ and its bus)."""

    def cpu_s(self) -> float: ...


TICK = os.sysconf("SC_CLK_TCK")


def _stat_cpu_s(path: str) -> float:
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime (fields 14, 15)


def process_cpu_s(pid: str = "self") -> float:
    try:
        return _stat_cpu_s(f"/proc/{pid}/stat")
    except OSError:
        return 0.0


def thread_cpu() -> dict[int, tuple[str, float]]:
    """Every thread of this process: tid -> (name, CPU s). Python's own threads by their Python name, the
    others (Qt's, numba's) by their OS name."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    names[threading.main_thread().native_id] = "Qt main (UI thread)"
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            cpu = _stat_cpu_s(f"/proc/self/task/{tid}/stat")
            with open(f"/proc/self/task/{tid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        out[int(tid)] = (names.get(int(tid), comm), cpu)
    return out


def memory_mb() -> tuple[float, float]:
    """(RSS, peak RSS) of this process in MB."""
    vals = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                vals[line.split(":")[0]] = int(line.split()[1]) / 1024
    return vals.get("VmRSS", float("nan")), vals.get("VmHWM", float("nan"))


class Timed:
    """CPU time (time.thread_time) spent in one method of a class, on whatever thread calls it."""

    def __init__(self, cls: type, name: str) -> None:
        self.cls, self.name, self.orig = cls, name, getattr(cls, name)
        self.cpu_s = 0.0
        orig = self.orig

        def timed(*args: Any, **kw: Any) -> Any:
            t = time.thread_time()
            try:
                return orig(*args, **kw)
            finally:
                self.cpu_s += time.thread_time() - t

        setattr(cls, name, timed)

    def restore(self) -> None:
        setattr(self.cls, self.name, self.orig)


class Meter:
    """CPU per thread and for the process, and wall time, between `start()` and `stop()`."""

    def start(self, fake: CpuSource | None, timers: dict[str, Timed]) -> None:
        self.fake, self.timers = fake, timers
        self.t0 = time.monotonic()
        self.proc0, self.threads0 = process_cpu_s(), thread_cpu()
        self.fake0 = fake.cpu_s() if fake else 0.0
        self.timed0 = {k: t.cpu_s for k, t in timers.items()}

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self.t0
        threads = {}
        for tid, (name, cpu) in thread_cpu().items():
            used = cpu - self.threads0.get(tid, (name, 0.0))[1]
            threads[name] = threads.get(name, 0.0) + 100 * used / wall
        rss, peak = memory_mb()
        return {
            "wall_s": wall,
            "cpu_pct": 100 * (process_cpu_s() - self.proc0) / wall,
            "threads_pct": dict(sorted(threads.items(), key=lambda kv: -kv[1])),
            "timed_pct": {k: 100 * (t.cpu_s - self.timed0[k]) / wall for k, t in self.timers.items()},
            "fake_bluez_and_dbus_pct": 100 * ((self.fake.cpu_s() if self.fake else 0.0) - self.fake0) / wall,
            "rss_mb": rss, "peak_rss_mb": peak,
        }


def delays_ms(sent: dict[str, np.ndarray], seen: dict[str, list[tuple[int, float]]], samples: dict[str, int],
              until: float) -> np.ndarray:
    """Per notification sent before `until`: ms from its send time to the first time `seen` (per
    address: (end index shown, time), in time order) covers all its samples."""
    out = []
    for address, log in sent.items():
        marks = seen.get(address, [])
        if not len(log) or not marks:
            continue
        ends = np.maximum.accumulate(np.array([m[0] for m in marks], dtype=np.int64))
        times = np.array([m[1] for m in marks])
        first, t_sent = log[:, 0].astype(np.int64), log[:, 1]
        keep = t_sent < until
        j = np.searchsorted(ends, first[keep] + samples[address], side="left")
        ok = j < len(ends)
        out.append((times[j[ok]] - t_sent[keep][ok]) * 1e3)
    return np.concatenate(out) if out else np.empty(0)


def spread(ms: np.ndarray) -> dict[str, float]:
    if not len(ms):
        return {"n": 0, "median": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {"n": int(len(ms)), "median": float(np.median(ms)), "p95": float(np.percentile(ms, 95)),
            "max": float(ms.max())}


class BlockClock:
    """An engine subscriber noting (end index, time) of each processed block, by the stream's address."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.seen: dict[str, list[tuple[int, float]]] = {}

    def __call__(self, pb: Any) -> None:
        address = self.engine.info(pb.stream).address
        self.seen.setdefault(address, []).append((pb.first_index + len(pb.raw), time.monotonic()))
