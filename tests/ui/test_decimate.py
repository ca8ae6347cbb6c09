"""Display decimation: what the plot shows must keep spikes, gaps and the newest sample, and must not
depend on how the samples arrived."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from emgcoach.stream.ringbuffer import RingBuffer
from emgcoach.ui.decimate import WindowDecimator, interleave

RATE = 2000


def feed(chunks: list[int], x: np.ndarray, dec: WindowDecimator, raw: RingBuffer, env: RingBuffer):
    pos, win = 0, None
    for n in chunks:
        part = x[pos : pos + n]
        raw.write(part, pos)
        env.write(part * 0.5, pos)
        pos += n
        win = dec.update(raw, env)
    return win


def test_single_sample_spike_survives_decimation_10_s_to_600_bins() -> None:
    x = np.random.default_rng(0).normal(0, 10, (20000, 2)).astype(np.float32)
    x[12345, 1] = 900.0  # one 0.5 ms artefact on channel 1
    raw, env = RingBuffer(60000, 2), RingBuffer(60000, 2)
    dec = WindowDecimator(20000, 34)
    win = feed([20] * 1000, x, dec, raw, env)
    assert win is not None and len(win.index) <= 600
    assert win.hi[:, 1].max() == 900.0
    assert win.hi[:, 0].max() < 100.0


def test_lost_samples_show_as_a_gap_of_the_right_length() -> None:
    raw, env = RingBuffer(60000, 1), RingBuffer(60000, 1)
    dec = WindowDecimator(20000, 20)
    x = np.ones((8000, 1), np.float32)
    for first in range(0, 4000, 40):
        raw.write(x[:40], first)
        env.write(x[:40], first)
        dec.update(raw, env)
    raw.write(x[:40], 6000)  # 1 s (2000 samples) lost
    env.write(x[:40], 6000)
    for first in range(6040, 8000, 40):
        raw.write(x[:40], first)
        env.write(x[:40], first)
    win = dec.update(raw, env)
    gap_bins = np.isnan(win.lo[:, 0])
    gap_s = gap_bins.sum() * 20 / RATE
    assert abs(gap_s - 1.0) <= 2 * 20 / RATE  # within a bin at each edge
    assert not np.isnan(win.lo[-1, 0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 700), min_size=5, max_size=60), st.integers(2, 60))
@example(chunks=[1] * 7 + [245, 700, 700, 700, 700, 5], k=7)  # once kept a bin that had slid out
def test_incremental_bins_equal_one_pass_over_the_window(chunks: list[int], k: int) -> None:
    total = sum(chunks)
    x = np.random.default_rng(total).normal(0, 50, (total, 2)).astype(np.float32)
    window_n = 3000
    raw, env = RingBuffer(10000, 2), RingBuffer(10000, 2)
    win = feed(chunks, x, WindowDecimator(window_n, k), raw, env)
    # reference: bins aligned to absolute index, over the newest window_n samples
    start = max(0, total - window_n)
    first_bin = -(-start // k) * k
    edges = list(range(first_bin, total, k))
    lo = np.array([x[e : min(e + k, total)].min(axis=0) for e in edges])
    hi = np.array([x[e : min(e + k, total)].max(axis=0) for e in edges])
    # the incremental window may keep one extra (partly older) bin at its start
    assert np.array_equal(win.index[-len(edges) :], np.array(edges))
    assert np.array_equal(win.lo[-len(edges) :], lo)
    assert np.array_equal(win.hi[-len(edges) :], hi)
    assert win.end == total
    assert win.index[0] >= total - window_n - k


def test_interleave_orders_min_then_max() -> None:
    out = interleave(np.array([1.0, 3.0]), np.array([2.0, 4.0]))
    assert out.tolist() == [1.0, 2.0, 3.0, 4.0]
