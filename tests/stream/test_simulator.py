"""Simulator: determinism, spectrum, levels, ground truth, packet loss, streaming, realtime pacing, artefacts."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from emgcoach.stream.sim.scenario import Burst, Scenario, bird_dog_scenario, scripted_scenario
from emgcoach.stream.sim.session import simulate
from emgcoach.stream.sim.signal import activation_at, emg_shaping_sos
from emgcoach.stream.sim.source import SimulatorSource
from emgcoach.stream.source import Source
from emgcoach.types import Block, ChannelSpec, Marker

RATE = 2000.0
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _collect(src: SimulatorSource) -> list[Block | Marker]:
    async def run() -> list[Block | Marker]:
        return [item async for item in src.blocks()]

    return asyncio.run(run())


def _psd(x: np.ndarray, nperseg: int = 512) -> tuple[np.ndarray, np.ndarray]:
    return signal.welch(x, RATE, nperseg=nperseg, axis=0)


# ---------------------------------------------------------------- determinism


def test_same_seed_same_output_different_seed_differs() -> None:
    sc = bird_dog_scenario(reps=2, latency_jitter_ms=20.0)
    opts = dict(mains_uv=10.0, wander_uv=20.0, motion_rate_hz=0.5, ecg_uv=50.0, packet_loss=0.05)
    a = simulate(sc, RATE, seed=7, **opts)
    b = simulate(sc, RATE, seed=7, **opts)
    c = simulate(sc, RATE, seed=8, **opts)
    assert np.array_equal(a.data, b.data)
    assert a.stream.gaps == b.stream.gaps
    assert not np.array_equal(a.data[:1000], c.data[:1000])
    assert a.data.dtype == np.float32 and a.data.shape[1] == 2
    # the scenario's own jitter is deterministic from its seed
    assert bird_dog_scenario(latency_jitter_ms=20.0, seed=1) == bird_dog_scenario(latency_jitter_ms=20.0, seed=1)
    assert bird_dog_scenario(latency_jitter_ms=20.0, seed=1) != bird_dog_scenario(latency_jitter_ms=20.0, seed=2)


def test_unknown_option_rejected() -> None:
    with pytest.raises(TypeError):
        simulate(bird_dog_scenario(reps=1), RATE, hum=3)


# ---------------------------------------------------------------- spectrum and levels


def test_psd_peak_between_60_and_120_hz() -> None:
    sc = scripted_scenario([[(0.5, 60.0)], [(0.5, 60.0)]])
    s = simulate(sc, RATE, seed=2)
    x = s.data[int(1 * RATE) : int(60 * RATE)]
    f, p = _psd(x)
    peaks = f[np.argmax(p, axis=0)]
    assert np.all((peaks >= 60.0) & (peaks <= 120.0)), peaks
    # median frequency in the surface-EMG range
    cum = np.cumsum(p, axis=0) / np.sum(p, axis=0)
    med = f[np.argmax(cum >= 0.5, axis=0)]
    assert np.all((med > 70) & (med < 150)), med
    # the filter itself
    w, h = signal.sosfreqz(emg_shaping_sos(RATE), 8192, fs=RATE)
    assert 60.0 <= w[np.argmax(np.abs(h))] <= 120.0


def test_rms_hold_and_rest_levels() -> None:
    sc = bird_dog_scenario(reps=8)
    s = simulate(sc, RATE, seed=4)
    x = s.data.astype(np.float64)
    t = np.arange(len(x)) / RATE
    for c, (rest, peak) in enumerate(zip(sc.rest_uv, sc.peak_uv)):
        hold = np.zeros(len(x), bool)
        for on, off in zip(s.truth_onsets_s[c], s.truth_offsets_s[c]):
            hold |= (t > on + 0.2) & (t < off - 0.2)
        quiet = s.activation[:, c] == 0
        quiet &= ~np.convolve(~quiet, np.ones(int(0.2 * RATE)), mode="same").astype(bool)  # 100 ms margin
        rms_hold = np.sqrt(np.mean(x[hold, c] ** 2))
        rms_rest = np.sqrt(np.mean(x[quiet, c] ** 2))
        assert abs(rms_hold / peak - 1) < 0.10, (c, rms_hold, peak)
        assert abs(rms_rest / rest - 1) < 0.10, (c, rms_rest, rest)
    assert sc.peak_uv == (250.0, 150.0) and sc.rest_uv == (4.0, 3.0)


def test_activation_ramps() -> None:
    sc = scripted_scenario([[Burst(1.0, 1.0, 0.5)]], channels=[ChannelSpec("x")])
    t = np.array([0.99, 1.0, 1.02, 1.04, 1.5, 1.98, 2.0, 2.1])
    a = activation_at(sc, t, ramp_s=0.04)[:, 0]
    assert a[0] == 0 and a[1] == 0 and a[-1] == 0 and a[-2] == 0
    assert a[2] == pytest.approx(0.25)  # half-way up a raised cosine, level 0.5
    assert a[3] == pytest.approx(0.5) and a[4] == pytest.approx(0.5)
    assert a[5] == pytest.approx(0.25)


# ---------------------------------------------------------------- ground truth


def test_truth_latency_per_rep() -> None:
    sc = bird_dog_scenario(reps=8, glute_latency_ms=80.0)
    s = simulate(sc, RATE, seed=0)
    lat, glute = s.truth_onsets_s[0], s.truth_onsets_s[1]
    assert len(lat) == len(glute) == 8
    assert np.allclose((np.array(glute) - np.array(lat)) * 1000, 80.0, atol=1e-9)
    reps = [m for m in s.markers if m.kind == "rep"]
    assert [m.payload["index"] for m in reps] == list(range(8))
    for m, t_lat in zip(reps, lat):
        assert m.time_s == t_lat == m.payload["lat_onset_s"]
        assert m.payload["latency_ms"] == pytest.approx(80.0)
        assert m.payload["glute_onset_s"] - m.payload["lat_onset_s"] == pytest.approx(0.080)
    kinds = [m.kind for m in s.markers]
    assert kinds[0] == "drill_start" and kinds[-1] == "drill_end" and kinds.count("rep") == 8
    assert s.recording.markers == s.markers
    json.dumps([m.payload for m in s.markers], allow_nan=False)
    # the activation truth agrees: first non-zero sample of each burst, 80 ms apart within one sample
    act = s.activation
    on = [np.flatnonzero(np.diff((act[:, c] > 0).astype(int)) == 1) + 1 for c in (0, 1)]
    assert len(on[0]) == len(on[1]) == 8
    assert np.all(np.abs((on[1] - on[0]) - 0.080 * RATE) <= 1)
    # the channels: lat left, glute right (the opposite side)
    ch = s.recording.streams[0].info.channels
    assert (ch[0].muscle, ch[0].side, ch[1].muscle, ch[1].side) == ("latissimus_dorsi", "left", "gluteus_maximus", "right")
    assert bird_dog_scenario(lat_side="right").channels[1].side == "left"
    assert s.stream.info.kind == "simulator"


def test_latency_jitter_recorded_in_truth() -> None:
    sc = bird_dog_scenario(reps=20, glute_latency_ms=80.0, latency_jitter_ms=15.0, seed=3)
    reps = [m for m in sc.markers if m.kind == "rep"]
    lat_ms = np.array([m.payload["latency_ms"] for m in reps])
    onsets = (np.array([b.start_s for b in sc.bursts[1]]) - np.array([b.start_s for b in sc.bursts[0]])) * 1000
    assert np.allclose(lat_ms, onsets, atol=1e-9)
    assert lat_ms.std() > 5 and abs(lat_ms.mean() - 80) < 15


# ---------------------------------------------------------------- packet loss


def test_packet_loss_removes_samples_without_shifting() -> None:
    sc = bird_dog_scenario(reps=10)  # 63 s
    clean = simulate(sc, RATE, seed=5)
    lossy = simulate(sc, RATE, seed=5, packet_loss=0.02, packet_samples=20)
    n = clean.n_total
    missing = n - lossy.data.shape[0]
    assert abs(missing / n - 0.02) < 0.01
    gaps = lossy.stream.gaps
    assert sum(g for _, g in gaps) == missing and len(gaps) > 10
    assert all(start % 20 == 0 and cnt % 20 == 0 for start, cnt in gaps)
    idx = lossy.kept_indices()
    assert np.array_equal(lossy.data, clean.data[idx])  # sample at index i is the no-loss sample i
    # the recording's blocks put every sample back at its index
    rebuilt = np.full(clean.data.shape, np.nan, np.float32)
    for blk in lossy.stream.blocks(64):
        rebuilt[blk.first_index : blk.end_index] = blk.data
    keep = ~np.isnan(rebuilt[:, 0])
    assert np.array_equal(rebuilt[keep], clean.data[keep]) and keep.sum() == lossy.data.shape[0]
    assert lossy.recording.duration_s == pytest.approx(sc.duration_s)


# ---------------------------------------------------------------- streaming


@pytest.mark.parametrize("block_s,loss", [(0.01, 0.0), (0.01, 0.03), (0.0137, 0.03), (1.0, 0.0)])
def test_source_blocks_equal_simulate(block_s: float, loss: float) -> None:
    sc = bird_dog_scenario(reps=3, lead_in_s=1.0)
    ref = simulate(sc, RATE, seed=11, packet_loss=loss, mains_uv=5.0, ecg_uv=30.0)
    src = SimulatorSource(sc, rate_hz=RATE, block_s=block_s, seed=11, packet_loss=loss, mains_uv=5.0, ecg_uv=30.0)
    assert isinstance(src, Source)
    assert src.info.kind == "simulator" and src.info.rate_hz == RATE and src.info.n_channels == 2
    items = _collect(src)
    blocks = [i for i in items if isinstance(i, Block)]
    markers = [i for i in items if isinstance(i, Marker)]
    assert np.array_equal(np.concatenate([b.data for b in blocks]), ref.data)
    assert markers == ref.markers
    # indices: each block starts where the previous ended plus what was lost
    end = 0
    for b in blocks:
        assert b.first_index == end + b.lost
        assert b.t0 == pytest.approx(b.first_index / RATE)
        assert b.n_samples <= int(round(block_s * RATE))
        end = b.end_index
    assert sum(b.lost for b in blocks) == sum(n for _, n in ref.stream.gaps) - (ref.n_total - end)
    # markers interleaved in time: a marker comes after every block that ends before it
    last_end = 0.0
    for it in items:
        if isinstance(it, Block):
            last_end = it.end_index / RATE
        else:
            assert it.time_s >= last_end


def test_source_close_stops() -> None:
    src = SimulatorSource(bird_dog_scenario(reps=2), rate_hz=RATE, block_s=0.01)

    async def run() -> int:
        n = 0
        async for item in src.blocks():
            n += isinstance(item, Block)
            if n == 5:
                await src.close()
        return n

    assert asyncio.run(run()) == 5


def test_realtime_pacing_one_second() -> None:
    sc = scripted_scenario([[(0.2, 0.5)], [(0.3, 0.4)]], duration_s=1.0)
    src = SimulatorSource(sc, rate_hz=RATE, block_s=0.01, realtime=True)
    t = time.perf_counter()
    items = _collect(src)
    elapsed = time.perf_counter() - t
    assert abs(elapsed - 1.0) <= 0.1, elapsed
    assert sum(i.n_samples for i in items if isinstance(i, Block)) == 2000


# ---------------------------------------------------------------- artefacts


def test_mains_raises_50hz_line() -> None:
    # 2 s of rest then bursts; 20 µV hum at 50 Hz (+ harmonics 100, 150 Hz at 10, 6.7 µV)
    sc = scripted_scenario([[(2.0, 5.0)], [(2.5, 5.0)]], duration_s=10.0)
    clean = simulate(sc, RATE, seed=1)
    hum = simulate(sc, RATE, seed=1, mains_uv=20.0, mains_hz=50.0)
    rest = slice(0, int(2 * RATE))
    f, p0 = _psd(clean.data[rest].astype(float), 2000)
    _, p1 = _psd(hum.data[rest].astype(float), 2000)
    k = {hz: int(np.argmin(np.abs(f - hz))) for hz in (50, 60, 150)}
    assert np.all(p1[k[50]] > 100 * p0[k[50]])  # measured ~1300x and ~6900x
    assert np.all(p1[k[150]] > 20 * p0[k[150]])  # third harmonic, measured ~230x
    assert np.allclose(p1[k[60]], p0[k[60]], rtol=0.05)  # nothing at 60 Hz
    # over the whole signal, contractions included (EMG at 150-250 µV RMS), the line still stands out
    f, q0 = _psd(clean.data.astype(float), 4000)
    _, q1 = _psd(hum.data.astype(float), 4000)
    k50 = int(np.argmin(np.abs(f - 50.0)))
    assert np.all(q1[k50] > 1.5 * q0[k50])  # measured 2.3x and 4.9x
    sixty = simulate(sc, RATE, seed=1, mains_uv=20.0, mains_hz=60.0)
    f, p2 = _psd(sixty.data[rest].astype(float), 2000)
    assert np.all(p2[k[60]] > 100 * p0[k[60]])


def test_ecg_on_left_lat_only_and_other_artefacts() -> None:
    sc = bird_dog_scenario(reps=2)
    base = simulate(sc, RATE, seed=2)
    ecg = simulate(sc, RATE, seed=2, ecg_uv=80.0, heart_rate_bpm=60.0)
    d = (ecg.data - base.data).astype(float)
    assert np.array_equal(d[:, 1], np.zeros(len(d)))  # glute untouched
    peaks, _ = signal.find_peaks(d[:, 0], height=40.0, distance=int(0.4 * RATE))
    assert abs(len(peaks) - sc.duration_s) <= 2  # ~1 beat per s at 60 bpm
    assert d[:, 0].max() == pytest.approx(80.0, rel=0.05)
    clip = simulate(sc, RATE, seed=2, clip_uv=100.0)
    assert np.abs(clip.data).max() <= 100.0 + 1e-3
    wander = simulate(sc, RATE, seed=2, wander_uv=30.0)
    w = (wander.data - base.data).astype(float)
    assert np.sqrt(np.mean(w**2)) == pytest.approx(30.0, rel=0.35)
    motion = simulate(sc, RATE, seed=2, motion_rate_hz=0.5, motion_uv=500.0)
    m = np.abs((motion.data - base.data).astype(float))
    assert m.max() > 200.0


def test_long_session_streams_in_constant_memory() -> None:
    # 2 h scenario: the source starts at once and only generates what is consumed
    sc = Scenario("long", 7200.0, (ChannelSpec("a"), ChannelSpec("b")), ((Burst(10, 5),), (Burst(11, 5),)))
    src = SimulatorSource(sc, rate_hz=RATE, block_s=0.01)

    async def first(n: int) -> list[Block]:
        out: list[Block] = []
        async for it in src.blocks():
            if isinstance(it, Block):
                out.append(it)
                if len(out) == n:
                    await src.close()
        return out

    t = time.perf_counter()
    got = asyncio.run(first(1000))
    assert time.perf_counter() - t < 5.0 and got[-1].end_index == 20000


def _bench_signal() -> Callable[..., np.ndarray]:
    """`benchmarks/simsignal.bench_signal` (the benchmarks are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("simsignal", BENCHMARKS / "simsignal.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.bench_signal


def test_bench_signal_shape() -> None:
    x = _bench_signal()(12.0, RATE, 4, seed=1)
    assert x.shape == (24000, 4) and x.dtype == np.float32
    f, p = _psd(x.astype(float), 4000)
    k50 = int(np.argmin(np.abs(f - 50.0)))
    assert np.all(p[k50] > 3 * np.median(p[(f > 40) & (f < 60)], axis=0))  # measured 6.9-9.6x
