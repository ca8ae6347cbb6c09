"""Recording benchmark: sustained XDF writing, reading back, analysis and exports, against real time.

(a) 8 channels at 2 kHz for a simulated hour, fed as 20 ms blocks to the threaded Recorder as fast as
    it takes them: MB/s, x real time, CPU share, and RSS at the start, every 10 simulated minutes and
    at the end (memory must stay flat);
(b) reading that file back: s and x real time, and pyxdf's own `load_xdf` on the same file as reference;
(c) `analyze` of a 1-hour lat + glute file: s and x real time;
(d) exports of 10 minutes of 4 channels to EDF+, BDF+, CSV, BIDS: s and x real time;
(e) reading a 10-minute 4-channel CSV: s, x real time, and vs `numpy.loadtxt` on the same file;
(f) reading the repo's four-sensor drill recording (2.7 min, 4 streams at 1 kHz, 20-sample chunks as the
    app records them): best of three, and vs pyxdf's `load_xdf`.

Run: `.venv/bin/python benchmarks/recording.py [--minutes 60]`.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from emgcoach.analysis import analyze
from emgcoach.io.export import export
from emgcoach.io.open import read_recording
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.xdf_writer import Recorder
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.session import simulate
from emgcoach.types import Block, ChannelSpec, StreamInfo

from simsignal import bench_signal  # benchmarks/simsignal.py, beside this script

RATE_HZ = 2000.0
BLOCK = 40  # 20 ms
MAX_BACKLOG = 5000  # blocks (100 s of data, 13 MB) queued at most: the writer drains it between its 50 ms naps


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def sustained_write(path: Path, minutes: float) -> None:
    tile = bench_signal(60.0, RATE_HZ, 8, seed=3)  # one simulated minute, repeated: the generator stays small
    chans = tuple(ChannelSpec(f"ch{i}", "latissimus_dorsi" if i % 2 == 0 else "gluteus_maximus",
                              "left" if i < 4 else "right") for i in range(8))
    info = StreamInfo("simulator", "bench-8ch", "", RATE_HZ, chans)
    total = int(minutes * 60 * RATE_HZ)
    print(f"(a) sustained write, 8 ch x {RATE_HZ:g} Hz x {minutes:g} min, {BLOCK / RATE_HZ * 1000:.0f} ms blocks")
    print(f"    RSS at start: {rss_mb():.0f} MB")
    wall, cpu = time.perf_counter(), cpu_s()
    ten_min = int(600 * RATE_HZ)
    with Recorder(path, [info]) as rec:
        for index in range(0, total, BLOCK):
            k = index % len(tile)
            rec.put_block(0, Block(tile[k : k + BLOCK], t0=index / RATE_HZ, rate_hz=RATE_HZ, first_index=index))
            while rec.backlog > MAX_BACKLOG:  # feed as fast as the writer takes it, not faster: a live
                time.sleep(0.0005)  # session is 1x real time, so its queue never builds up
            if index and index % ten_min == 0:
                print(f"    RSS after {index / RATE_HZ / 60:.0f} simulated min: {rss_mb():.0f} MB")
    wall, cpu = time.perf_counter() - wall, cpu_s() - cpu
    mb = path.stat().st_size / 1e6
    print(f"    RSS at end: {rss_mb():.0f} MB")
    print(f"    {mb:.0f} MB in {wall:.1f} s: {mb / wall:.0f} MB/s, {minutes * 60 / wall:.0f}x real time, "
          f"CPU {100 * cpu / wall:.0f} % of one core while writing "
          f"(a live session writes {mb / (minutes * 60):.3f} MB/s: {100 * cpu / (minutes * 60):.2f} % of a core)")


def read_back(path: Path, minutes: float) -> None:
    t = time.perf_counter()
    rec = read_recording(path)
    ours = time.perf_counter() - t
    n = rec.streams[0].n_samples
    import pyxdf

    t = time.perf_counter()
    pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    ref = time.perf_counter() - t
    print(f"(b) read back {n} samples x 8 ch: {ours:.1f} s ({minutes * 60 / ours:.0f}x real time); "
          f"pyxdf.load_xdf: {ref:.1f} s -> ours takes {ours / ref:.2f}x its time")


def analysis(tmp: Path, minutes: float) -> None:
    reps = max(1, int((minutes * 60 - 3) // 6))
    session = simulate(bird_dog_scenario(reps=reps), RATE_HZ, seed=5)
    path = tmp / "bird_dog_long.xdf"
    stream = session.recording.streams[0]
    with Recorder(path, [stream.info]) as rec:
        for block in stream.blocks(4000):
            rec.put_block(0, block)
        for m in session.recording.markers:
            rec.put_marker(m)
    duration = stream.duration_s
    t = time.perf_counter()
    result = analyze(read_recording(path))
    secs = time.perf_counter() - t
    print(f"(c) analyze of {duration / 60:.0f} min lat + glute ({reps} reps), reading included: {secs:.1f} s "
          f"({duration / secs:.0f}x real time); {len(result.channels[0].onsets_s)} lat onsets found")


def exports(tmp: Path) -> None:
    x = bench_signal(600.0, RATE_HZ, 4, seed=4)
    chans = (ChannelSpec("lat_L", "latissimus_dorsi", "left"), ChannelSpec("glute_R", "gluteus_maximus", "right"))
    streams = [RecordedStream(StreamInfo("simulator", f"s{k}", "", RATE_HZ, chans), x[:, 2 * k : 2 * k + 2])
               for k in range(2)]
    rec = Recording("bench", streams)
    print("(d) exports of 10 min x 4 ch x 2 kHz:")
    for fmt in ("edf", "bdf", "csv", "bids"):
        t = time.perf_counter()
        export(rec, fmt, tmp / (f"bids_{fmt}" if fmt == "bids" else f"bench.{fmt}"))
        secs = time.perf_counter() - t
        print(f"    {fmt}: {secs:.2f} s ({600 / secs:.0f}x real time)")


def csv_read(tmp: Path) -> None:
    x = bench_signal(600.0, RATE_HZ, 4, seed=6)
    path = tmp / "bench.csv"
    t = np.arange(len(x)) / RATE_HZ
    with open(path, "w") as f:
        f.write("time_s,lat_left,glute_right,lat_right,glute_left\n")
        np.savetxt(f, np.column_stack([t, x]), fmt=["%.4f"] + ["%.2f"] * 4, delimiter=",")
    start = time.perf_counter()
    read_recording(path)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    np.loadtxt(path, delimiter=",", skiprows=1)
    ref = time.perf_counter() - start
    print(f"(e) CSV, 10 min x 4 ch ({path.stat().st_size / 1e6:.0f} MB): {ours:.1f} s ({600 / ours:.0f}x real time); "
          f"numpy.loadtxt: {ref:.1f} s -> ours takes {ours / ref:.2f}x its time")


FOUR_SENSORS = Path(__file__).resolve().parents[1] / "recordings" / "drills" / "alternating_bird_dog.xdf"


def four_sensor_read() -> None:
    import pyxdf

    def best(fn) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    ours = best(lambda: read_recording(FOUR_SENSORS))
    ref = best(lambda: pyxdf.load_xdf(str(FOUR_SENSORS), dejitter_timestamps=False))
    print(f"(f) the four-sensor drill recording ({FOUR_SENSORS.stat().st_size / 1e6:.1f} MB): {ours:.2f} s; "
          f"pyxdf.load_xdf: {ref:.2f} s -> ours takes {ours / ref:.2f}x its time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0, help="simulated length of (a)-(c) (default 60)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = tmp / "sustained.xdf"
        sustained_write(path, args.minutes)
        read_back(path, args.minutes)
        path.unlink()
        analysis(tmp, args.minutes)
        exports(tmp)
        csv_read(tmp)
    four_sensor_read()


if __name__ == "__main__":
    main()
