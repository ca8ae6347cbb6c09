"""Two BLE sensors on one session clock: +-100 ppm crystals, bursty connection-interval delivery, 2 %
packet loss; their relative timing must stay within 5 ms over 30 minutes."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.stream.clock import ClockAligner

RATE = 1000.0
PER_PACKET = 10


def sensor_arrivals(ppm: float, ci_s: float, start_s: float, duration_s: float, seed: int):
    """(last index, arrival s) of each delivered packet, and the true time of sample k (function)."""
    rng = np.random.default_rng(seed)
    period = 1.0 / (RATE * (1 + ppm * 1e-6))
    n_packets = int(duration_s * RATE / PER_PACKET)
    last_idx = np.arange(n_packets) * PER_PACKET + PER_PACKET - 1
    ready = start_s + last_idx * period
    phase = rng.uniform(0, ci_s)
    events = np.ceil((ready - phase) / ci_s)  # the first connection event after the packet is ready
    retry = rng.random(n_packets) < 0.05  # radio retries push some packets 1-3 events later
    events += np.where(retry, rng.integers(1, 4, n_packets), 0)
    events = np.maximum.accumulate(events)  # packets leave in order
    arrival = phase + events * ci_s + rng.uniform(0.0005, 0.003, n_packets)  # host stack latency
    kept = rng.random(n_packets) >= 0.02
    return last_idx[kept], arrival[kept], (lambda k: start_s + np.asarray(k) * period)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_sensors_stay_within_5_ms_over_30_minutes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    duration = 1800.0
    a_idx, a_arr, a_true = sensor_arrivals(+100.0, rng.uniform(0.0075, 0.05), 0.3, duration, seed * 10)
    b_idx, b_arr, b_true = sensor_arrivals(-100.0, rng.uniform(0.0075, 0.05), 1.7, duration, seed * 10 + 1)
    a, b = ClockAligner(RATE), ClockAligner(RATE)
    order = np.argsort(np.concatenate([a_arr, b_arr]), kind="stable")
    which = np.concatenate([np.zeros(len(a_arr), bool), np.ones(len(b_arr), bool)])[order]
    idx = np.concatenate([a_idx, b_idx])[order]
    arr = np.concatenate([a_arr, b_arr])[order]
    worst, checks = 0.0, 0
    next_check = 10.0  # after 10 s of data, then every 10 s: the live estimate for an event happening now
    for w, k, t in zip(which.tolist(), idx.tolist(), arr.tolist()):
        (b if w else a).observe(k, t)
        if t >= next_check:
            true_t = t - 0.1  # an event 100 ms ago, seen by both sensors
            ka = int((true_t - 0.3) * RATE * (1 + 100e-6))
            kb = int((true_t - 1.7) * RATE * (1 - 100e-6))
            err = (a.time_of(ka) - a_true(ka)) - (b.time_of(kb) - b_true(kb))
            worst = max(worst, abs(err))
            checks += 1
            next_check += 10.0
    assert checks >= 170
    assert worst < 0.005, f"relative timing off by {worst * 1000:.1f} ms"
    assert a.drift_ppm == pytest.approx(100.0, abs=5.0) and b.drift_ppm == pytest.approx(-100.0, abs=5.0)


def test_without_alignment_the_same_sensors_drift_apart() -> None:
    """The reference: timing by index on the nominal rate drifts 360 ms apart in 30 minutes at +-100 ppm."""
    a_true = 0.3 + 1_800_000 / (RATE * (1 + 100e-6))
    b_true = 1.7 + (1_800_000 - 1400) / (RATE * (1 - 100e-6))
    nominal = (1_800_000 - (1_800_000 - 1400)) / RATE
    assert abs((a_true - b_true) - (0.3 - 1.7 + nominal)) > 0.3


def test_before_any_fit_the_earliest_arrival_sets_the_offset() -> None:
    c = ClockAligner(1000.0)
    c.observe(9, 5.020)
    c.observe(19, 5.033)  # 3 ms later than the first packet allows: more delayed, so the first one counts
    assert c.time_of(9) == pytest.approx(5.020, abs=1e-9)
    assert c.time_of(19) == pytest.approx(5.020 + 0.010, abs=1e-9)
