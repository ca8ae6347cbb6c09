"""Display decimation: what the plot shows must keep spikes, gaps and the newest sample, and must not
depend on how the samples arrived."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from emgcoach.stream.engine import StreamBuffers
from emgcoach.stream.ringbuffer import RingBuffer
from emgcoach.types import ChannelSpec
from emgcoach.ui.decimate import WindowDecimator, interleave

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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


def test_a_frame_between_the_raw_and_the_envelope_write_leaves_no_hole() -> None:
    """The engine writes a block's raw samples, then its envelope: a frame that reads in between must not
    bin raw samples whose envelope is not there yet (that envelope point would stay empty for good)."""
    x = np.random.default_rng(1).normal(0, 10, (4000, 1)).astype(np.float32)
    raw, env = RingBuffer(8000, 1), RingBuffer(8000, 1)
    dec = WindowDecimator(4000, 10)
    for pos in range(0, 4000, 20):
        raw.write(x[pos : pos + 20], pos)
        mid = dec.update(raw, env)  # the UI's frame lands here: it shows only what both rings hold
        assert mid is None or mid.end == env.end_index == pos
        env.write(x[pos : pos + 20] * 0.5, pos)
    win = dec.update(raw, env)
    assert win is not None and win.end == 4000
    assert not np.isnan(win.envelope).any()


def test_interleave_orders_min_then_max() -> None:
    out = interleave(np.array([1.0, 3.0]), np.array([2.0, 4.0]))
    assert out.tolist() == [1.0, 2.0, 3.0, 4.0]


# ---------------------------------------------------------------- what SignalPlots draws from the bins


class _Engine:
    """The part of Engine that SignalPlots reads: one 2 kHz stream of two channels."""

    def __init__(self) -> None:
        self.n_streams = 1
        self.replay_clock = None  # live
        chans = (ChannelSpec("a"), ChannelSpec("b"))
        rings = [RingBuffer(3 * 20000, 2) for _ in range(4)]
        self.buf = StreamBuffers(float(RATE), chans, *rings, t_origin=100.0)

    def buffers(self, s: int) -> StreamBuffers:
        return self.buf

    def write(self, x: np.ndarray, first: int) -> None:
        self.buf.raw.write(x, first)
        self.buf.envelope.write(np.abs(x) * 0.5, first)


@pytest.fixture
def plots(qtbot):
    mod = pytest.importorskip("emgcoach.ui.plots")
    w = mod.SignalPlots(window_s=10.0)
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_plot_draws_each_bins_min_and_max_and_the_newest_envelope(plots) -> None:
    eng = _Engine()
    total = 25000  # 12.5 s: the ring holds more than the 10 s window
    x = np.random.default_rng(3).normal(0, 20, (total, 2)).astype(np.float32)
    x[21001, 0] = -700.0  # one-sample artefacts inside the window, one down, one up
    x[24990, 1] = 650.0
    pos = 0
    for n in [33, 34, 33] * 300:  # about a frame's worth of samples per refresh
        n = min(n, total - pos)
        if n <= 0:
            break
        eng.write(x[pos : pos + n], pos)
        pos += n
        plots.refresh(eng)
    assert pos == total
    k = plots._decimators[0].k
    first_bin = -(-(total - 20000) // k) * k
    edges = np.arange(first_bin, total, k)
    for row, (_, ch, plot, raw, env) in enumerate(plots._rows):
        tx, ty = raw.xy()
        # reference bins over the newest 10 s, aligned to absolute sample index, the last one still filling
        lo = np.array([x[e : e + k, ch].min() for e in edges])
        hi = np.array([x[e : e + k, ch].max() for e in edges])
        m = len(edges)
        assert np.array_equal(ty[-2 * m :: 2], lo.astype(np.float32).astype(np.float64))
        assert np.array_equal(ty[-2 * m + 1 :: 2], hi.astype(np.float32).astype(np.float64))
        assert len(ty) in (2 * m, 2 * m + 2)  # at most one extra, partly older bin at the left edge
        # x: seconds before the newest sample, each bin's min and max at the bin's start
        assert np.allclose(tx[-2 * m :: 2], (edges - (total - 1)) / RATE)
        assert np.array_equal(tx[0::2], tx[1::2]) and np.all(np.diff(tx) >= 0)
        assert tx[0] >= -10.0 - k / RATE and tx[-1] <= 0.0
        ex, ey = env.xy()
        assert ex[-1] == 0.0 and ey[-1] == np.float32(abs(x[-1, ch]) * 0.5)
        # the artefact is drawn and inside the amplitude range
        spike = 700.0 if ch == 0 else 650.0  # µV
        assert np.max(np.abs(ty)) == pytest.approx(spike, rel=1e-6)
        assert plot.viewRange()[1][1] >= spike
    assert plots.points_drawn == 2 * 20000
    assert plots.newest_t == pytest.approx(100.0 + (total - 1) / RATE)


def test_plot_leaves_lost_samples_blank(plots, qtbot) -> None:
    eng = _Engine()
    x = np.random.default_rng(4).normal(0, 50, (24000, 2)).astype(np.float32)
    for first in range(0, 24000, 40):
        if 16000 <= first < 18000:  # 1 s lost, 4-3 s before the newest sample
            continue
        eng.write(x[first : first + 40], first)
        plots.refresh(eng)
    from PySide6.QtCore import QPointF

    qtbot.wait(20)  # the rows' layout and view ranges follow posted events: let them run before the grab
    plot, raw = plots._rows[0][2], plots._rows[0][3]
    image = plots.layout_widget.grab().toImage()

    def pixel_at(t: float, v: float):
        return plots.layout_widget.mapFromScene(plot.vb.mapViewToScene(QPointF(t, v)))

    def column(t: float) -> int:
        return round(pixel_at(t, 0.0).x())

    (_, _), (y_lo, y_hi) = plot.vb.viewRange()
    top, bottom = round(pixel_at(-10.0, y_hi).y()), round(pixel_at(-10.0, y_lo).y())
    background = plots.layout_widget.backgroundBrush().color().rgb()
    pen = raw.pen.color().rgb()

    def pixels(c0: int, c1: int, colour: int | None = None) -> int:
        """Pixels in columns c0..c1 of the plot that are `colour` (or, for None, not background)."""
        values = [image.pixel(c, y) for c in range(c0, c1) for y in range(top + 1, bottom - 1)]
        return sum(v != background if colour is None else v == colour for v in values)

    gap = (column(-4.0 + 2 * 20 / RATE + 0.01), column(-3.0 - 0.01))  # inside the gap, a bin clear of each edge
    assert gap[1] - gap[0] > 30
    assert pixels(*gap) == 0  # neither raw nor envelope bridges the gap
    assert pixels(column(-2.5), column(-1.5), pen) > 100
    assert pixels(column(-6.0), column(-5.0), pen) > 100


def test_plot_is_not_redrawn_without_new_samples(plots, monkeypatch) -> None:
    eng = _Engine()
    x = np.random.default_rng(5).normal(0, 20, (4000, 2)).astype(np.float32)
    eng.write(x[:2000], 0)
    plots.refresh(eng)
    calls = []
    trace = type(plots._rows[0][3])
    original = trace.changed
    monkeypatch.setattr(trace, "changed", lambda self: (calls.append(self), original(self)))
    plots.refresh(eng)
    plots.refresh(eng)
    assert calls == []
    eng.write(x[2000:2033], 2000)
    plots.refresh(eng)
    assert len(calls) == 4  # raw and envelope of both channels
