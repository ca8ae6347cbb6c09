"""DSP throughput: the streaming pipeline vs real time, and offline vs NeuroKit2 and plain scipy.

Streams 4 channels at 2 kHz in 10 ms chunks through the full chain (band-pass + mains notch, rectify,
6 Hz linear envelope, moving RMS, low-lag Bayesian envelope, onset detector, quality monitor) and prints
the real-time factor; then runs the same chain offline over the same 10-minute signal in one call and
prints its run time as ratios against NeuroKit2's `emg_process` and a plain scipy `sosfiltfilt` +
envelope, all measured in this process on this machine.

Run: `make bench` (or `.venv/bin/python benchmarks/dsp_throughput.py [--minutes 10]`).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import signal

from emgcoach.dsp.normalise import estimate_rest
from emgcoach.dsp.onset import OnsetDetector
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.dsp.quality import QualityMonitor

from simsignal import bench_signal  # benchmarks/simsignal.py, beside this script

RATE_HZ = 2000.0
N_CHANNELS = 4
CHUNK = 20  # 10 ms at 2 kHz


def make_signal(minutes: float) -> np.ndarray:
    """4 channels of simulated EMG with bursts and 50 Hz hum, (n, 4) µV."""
    return bench_signal(minutes * 60.0, RATE_HZ, N_CHANNELS, seed=1)


def stream(x: np.ndarray, lowlag: bool = True) -> tuple[float, int]:
    """Push x through the live chain in 10 ms chunks; return (seconds, onset events)."""
    cfg = PipelineConfig(mains_hz=50.0, lowlag=lowlag)
    pipe = Pipeline(RATE_HZ, cfg)
    rest = estimate_rest(Pipeline(RATE_HZ, cfg).process(x[: int(30 * RATE_HZ)]).onset_envelope, RATE_HZ)
    onsets = OnsetDetector(RATE_HZ, rest.mean_uv, rest.sd_uv)
    quality = QualityMonitor(RATE_HZ)
    events = 0
    report_every = int(RATE_HZ)  # the UI asks for quality once a second
    t = time.perf_counter()
    for start in range(0, len(x), CHUNK):
        chunk = x[start : start + CHUNK]
        out = pipe.process(chunk)
        events += len(onsets.process(out.onset_envelope, start))
        quality.process(chunk)
        if start % report_every == 0:
            quality.report()
    return time.perf_counter() - t, events


def offline_ours(x: np.ndarray) -> float:
    """What `emgcoach analyze` runs: the chain without the live-only low-lag envelope, plus onsets."""
    t = time.perf_counter()
    out = Pipeline(RATE_HZ, PipelineConfig(mains_hz=50.0, lowlag=False)).process(x)
    rest = estimate_rest(out.onset_envelope, RATE_HZ)
    OnsetDetector(RATE_HZ, rest.mean_uv, rest.sd_uv).process(out.onset_envelope, 0)
    return time.perf_counter() - t


def offline_scipy(x: np.ndarray) -> float:
    t = time.perf_counter()
    band = signal.butter(4, [20, 450], "bandpass", fs=RATE_HZ, output="sos")
    low = signal.butter(2, 6, "lowpass", fs=RATE_HZ, output="sos")
    signal.sosfiltfilt(low, np.abs(signal.sosfiltfilt(band, x, axis=0)), axis=0)
    return time.perf_counter() - t


def offline_neurokit(x: np.ndarray) -> float | None:
    try:
        import neurokit2 as nk
    except ImportError:
        return None
    t = time.perf_counter()
    for ch in range(x.shape[1]):
        nk.emg_process(x[:, ch], sampling_rate=int(RATE_HZ))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="signal length (default 10)")
    args = ap.parse_args()
    x = make_signal(args.minutes)
    duration_s = len(x) / RATE_HZ
    print(f"signal: {N_CHANNELS} channels x {RATE_HZ:g} Hz x {duration_s:.0f} s ({x.size / 1e6:.1f} M samples)")

    secs, events = stream(x)
    chunks = -(-len(x) // CHUNK)
    print(
        f"streaming, 10 ms chunks: {secs:.2f} s for {chunks} chunks ({1e6 * secs / chunks:.1f} µs per chunk), "
        f"{duration_s / secs:.0f}x real time, {events} onset/offset events"
    )

    secs_fast, _ = stream(x, lowlag=False)
    print(
        f"  the same without the low-lag Bayesian envelope: {1e6 * secs_fast / chunks:.1f} µs per chunk, "
        f"{duration_s / secs_fast:.0f}x real time"
    )

    ours = offline_ours(x)
    ref = offline_scipy(x)
    print(f"offline, one Pipeline call (analyze adds its quality, ECG and mains checks): {ours:.2f} s ({duration_s / ours:.0f}x real time)")
    print(f"  vs scipy sosfiltfilt band-pass + envelope: {ref:.2f} s -> ours takes {ours / ref:.2f}x its time")
    nk = offline_neurokit(x)
    if nk is None:
        print("  NeuroKit2 not installed (make bench installs it): no comparison")
    else:
        print(f"  vs NeuroKit2 emg_process: {nk:.2f} s -> ours is {nk / ours:.1f}x faster")


if __name__ == "__main__":
    main()
