"""Simulated BLE packet delivery, to test and measure clock alignment without radios: a sensor's crystal
off by some ppm, packets of 10 samples leaving on connection events 7.5-50 ms apart, radio retries,
host-stack latency and packet loss. No I/O; deterministic from a seed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from emgcoach.stream.clock import ClockAligner

RATE_HZ = 1000.0
PER_PACKET = 10


def ble_arrivals(
    ppm: float, interval_s: float, start_s: float, duration_s: float, seed: int, loss: float = 0.02
) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray | int], np.ndarray]]:
    """(last sample index, host arrival s) of each delivered packet, and the true time of sample k."""
    rng = np.random.default_rng(seed)
    period = 1.0 / (RATE_HZ * (1 + ppm * 1e-6))
    n_packets = int(duration_s * RATE_HZ / PER_PACKET)
    last_idx = np.arange(n_packets) * PER_PACKET + PER_PACKET - 1
    ready = start_s + last_idx * period
    phase = rng.uniform(0, interval_s)
    events = np.ceil((ready - phase) / interval_s)  # the first connection event after the packet is ready
    retry = rng.random(n_packets) < 0.05  # radio retries push some packets 1-3 events later
    events += np.where(retry, rng.integers(1, 4, n_packets), 0)
    events = np.maximum.accumulate(events)  # packets leave in order
    arrival = phase + events * interval_s + rng.uniform(0.0005, 0.003, n_packets)  # host stack latency
    kept = rng.random(n_packets) >= loss
    return last_idx[kept], arrival[kept], (lambda k: start_s + np.asarray(k) * period)


@dataclass(frozen=True)
class TwoSensorRun:
    """Worst relative timing error (s) between two sensors over a run, checked every 10 s on the live
    estimate, and the drifts the aligners fitted (ppm)."""

    worst_s: float
    checks: int
    drift_a_ppm: float
    drift_b_ppm: float


def two_sensor_run(seed: int, duration_s: float = 1800.0, aligned: bool = True) -> TwoSensorRun:
    """Sensors at +100 and -100 ppm, started 0.3 s and 1.7 s into the session, random intervals. With
    `aligned=False` each sample is timed by its index on the nominal rate from the first arrival (the
    reference the alignment is measured against)."""
    rng = np.random.default_rng(seed)
    a_idx, a_arr, a_true = ble_arrivals(+100.0, rng.uniform(0.0075, 0.05), 0.3, duration_s, seed * 10)
    b_idx, b_arr, b_true = ble_arrivals(-100.0, rng.uniform(0.0075, 0.05), 1.7, duration_s, seed * 10 + 1)
    a, b = ClockAligner(RATE_HZ), ClockAligner(RATE_HZ)
    if not aligned:  # one observation each: the earliest-arrival offset, never refitted
        a.observe(int(a_idx[0]), float(a_arr[0]))
        b.observe(int(b_idx[0]), float(b_arr[0]))
    order = np.argsort(np.concatenate([a_arr, b_arr]), kind="stable")
    which = np.concatenate([np.zeros(len(a_arr), bool), np.ones(len(b_arr), bool)])[order]
    idx = np.concatenate([a_idx, b_idx])[order]
    arr = np.concatenate([a_arr, b_arr])[order]
    worst, checks = 0.0, 0
    next_check = 10.0  # after 10 s of data, then every 10 s: the live estimate for an event happening now
    for w, k, t in zip(which.tolist(), idx.tolist(), arr.tolist()):
        if aligned:
            (b if w else a).observe(k, t)
        if t >= next_check:
            true_t = t - 0.1  # an event 100 ms ago, seen by both sensors
            ka = int((true_t - 0.3) * RATE_HZ * (1 + 100e-6))
            kb = int((true_t - 1.7) * RATE_HZ * (1 - 100e-6))
            err = (a.time_of(ka) - a_true(ka)) - (b.time_of(kb) - b_true(kb))
            worst = max(worst, abs(float(err)))
            checks += 1
            next_check += 10.0
    return TwoSensorRun(worst, checks, a.drift_ppm, b.drift_ppm)
