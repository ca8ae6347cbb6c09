"""Simulated EMG for the benchmarks (imported by the scripts beside it; the tests load it by path)."""

from __future__ import annotations

import numpy as np

from emgcoach.stream.sim.scenario import Burst, Scenario
from emgcoach.stream.sim.session import simulate
from emgcoach.types import ChannelSpec


def bench_signal(duration_s: float, rate_hz: float = 2000.0, n_channels: int = 4, seed: int = 1) -> np.ndarray:
    """float32 (n x n_channels) µV of simulated EMG for benchmarks: 2 s bursts every 5 s (staggered by
    channel, 0.4-1.0 level), 20 µV of 50 Hz hum, no packet loss."""
    rng = np.random.default_rng(seed)
    bursts = []
    for c in range(n_channels):
        starts = np.arange(1.0 + 0.3 * c, max(duration_s - 2.5, 0.0), 5.0)
        bursts.append(tuple(Burst(float(s), 2.0, float(rng.uniform(0.4, 1.0))) for s in starts))
    sc = Scenario(
        name="bench",
        duration_s=float(duration_s),
        channels=tuple(ChannelSpec(f"ch{i}") for i in range(n_channels)),
        bursts=tuple(bursts),
    )
    return simulate(sc, rate_hz, seed, mains_uv=20.0).data
