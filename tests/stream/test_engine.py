"""The engine end to end with real sources, DSP and recorder, read the way the UI reads it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.xdf_reader import read_xdf
from emgcoach.stream.engine import Engine, ProcessedBlock
from emgcoach.stream.replay import ReplaySource, replay_sources
from emgcoach.stream.sim.scenario import bird_dog_scenario
from emgcoach.stream.sim.source import SimulatorSource
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo
from tests.waiting import wait_for

RATE = 1000.0


def index_recording(seconds: float = 20.0, gap: tuple[int, int] | None = None) -> Recording:
    """Channel 0 carries the absolute sample index, so loss or duplication anywhere is visible."""
    n = int(seconds * RATE)
    idx = np.arange(n)
    gaps = []
    if gap:
        keep = (idx < gap[0]) | (idx >= gap[0] + gap[1])
        idx = idx[keep]
        gaps = [gap]
    data = np.column_stack([idx, np.sin(idx / 10.0) * 50]).astype(np.float32)
    info = StreamInfo("file", "index", "", RATE, (ChannelSpec("idx"), ChannelSpec("emg", "latissimus_dorsi", "left")))
    return Recording("mem", [RecordedStream(info, data, gaps=gaps)], [Marker(5.0, "note", {"text": "hello"})])




def test_every_sample_arrives_once_in_order_for_a_concurrent_reader() -> None:
    rec = index_recording()
    got: list[np.ndarray] = []
    with Engine(buffer_s=5.0) as eng:
        i = eng.add_source(ReplaySource(rec, speed=None))
        buf = eng.buffers(i)
        nxt = 0
        while eng.stream_stats(i).state != "ended" or nxt < buf.raw.end_index:
            data, first = buf.raw.since(nxt)
            assert first == nxt, "the reader fell behind the ring"
            got.append(data[:, 0])
            nxt = first + len(data)
            time.sleep(0.0005)
        stats = eng.stream_stats(i)
    seq = np.concatenate(got)
    np.testing.assert_array_equal(seq, np.arange(20_000))
    assert stats.lost == 0 and stats.samples == 20_000


def test_a_gap_shows_as_nan_of_the_right_length_and_is_counted() -> None:
    rec = index_recording(gap=(3000, 250))
    with Engine(buffer_s=30.0) as eng:
        i = eng.add_source(ReplaySource(rec, speed=None))
        wait_for(lambda: eng.stream_stats(i).state == "ended")
        data, end = eng.buffers(i).raw.latest(100_000)
        events = eng.drain_events()
    assert end == 20_000
    col = data[:, 0]
    assert np.isnan(col[3000:3250]).all() and col[2999] == 2999 and col[3250] == 3250
    assert eng.stream_stats(i).lost == 250
    assert [e.payload["lost"] for e in events if e.kind == "gap"] == [250]


def test_recording_holds_identical_samples_and_added_markers(tmp_path: Path) -> None:
    rec = index_recording(seconds=4.0)
    path = tmp_path / "s.xdf"
    with Engine() as eng:
        i = eng.add_source(ReplaySource(rec, speed=4.0))
        eng.start_recording(path)
        time.sleep(0.3)
        eng.add_marker("note", {"text": "cue given"})
        wait_for(lambda: eng.stream_stats(i).state == "ended")
        assert eng.stop_recording() == str(path)
    back = read_xdf(path)
    (s,) = back.streams
    idx = s.data[:, 0]
    assert idx[0] >= 0 and np.array_equal(idx, np.arange(idx[0], 4000, dtype=np.float32))
    np.testing.assert_array_equal(s.data, rec.streams[0].data[int(idx[0]) :])
    assert any(m.kind == "note" and m.payload.get("text") == "cue given" for m in back.markers)


def test_start_recording_without_streams_is_refused(tmp_path: Path) -> None:
    with Engine() as eng, pytest.raises(ValueError, match="nothing to record"):
        eng.start_recording(tmp_path / "x.xdf")


class Broken:
    """A source that fails after a few blocks, as a device might."""

    def __init__(self) -> None:
        self.info = StreamInfo("umyo", "uMyo-AB", "D7:00:11:22:33:D4", RATE, (ChannelSpec("x"),))

    async def blocks(self) -> AsyncIterator[Block]:
        for k in range(3):
            yield Block(np.zeros((10, 1)), k * 0.01, RATE, k * 10)
            await asyncio.sleep(0)
        raise OSError("link lost")

    async def close(self) -> None:
        pass


def test_a_failing_source_reports_and_others_continue() -> None:
    rec = index_recording(seconds=3.0)
    with Engine() as eng:
        bad = eng.add_source(Broken())
        good = eng.add_source(ReplaySource(rec, speed=None))
        wait_for(lambda: eng.stream_stats(good).state == "ended")
        wait_for(lambda: eng.stream_stats(bad).state == "error")
        errors = [e for e in eng.drain_events() if e.kind == "error"]
        assert eng.stream_stats(good).samples == 3000
    assert len(errors) == 1 and "uMyo-AB: link lost" in errors[0].payload["message"]


def test_subscriber_sees_envelopes_rise_in_bursts_and_pct_mvc_after_calibration() -> None:
    scenario = bird_dog_scenario(reps=2, hold_s=2.0, rest_s=2.0, lead_in_s=2.0)
    blocks: list[ProcessedBlock] = []
    with Engine() as eng:
        eng.start()
        eng.subscribe(blocks.append)
        time.sleep(0.05)
        i = eng.add_source(SimulatorSource(scenario, rate_hz=2000.0))
        eng.set_calibration(i, mvc_uv=[200.0, 120.0], rest_uv=[0.0, 0.0])
        wait_for(lambda: eng.stream_stats(i).state == "ended")
    t = np.concatenate([b.t0 + np.arange(len(b.envelope)) / b.rate_hz for b in blocks])
    env = np.concatenate([b.envelope for b in blocks])
    rest = env[(t > 0.5) & (t < 1.8)].mean(axis=0)
    hold = env[(t > 2.8) & (t < 3.8)].mean(axis=0)
    assert np.all(hold > 20 * rest)
    # %MVC during the hold equals 100 x envelope / calibrated MVC, from the same envelope the UI plots
    with_pct = [b for b in blocks if b.pct_mvc is not None]
    tp = np.concatenate([b.t0 + np.arange(len(b.pct_mvc)) / b.rate_hz for b in with_pct])
    pct = np.concatenate([b.pct_mvc for b in with_pct])
    hold_pct = pct[(tp > 2.8) & (tp < 3.8)].mean(axis=0)
    expected = 100 * hold / np.array([200.0, 120.0])
    np.testing.assert_allclose(hold_pct, expected, rtol=0.02)
    assert 50 < hold_pct[0] < 150


def test_paced_replay_runs_near_4x_through_the_engine() -> None:
    rec = index_recording(seconds=8.0)
    with Engine() as eng:
        clock, (src,) = replay_sources(rec, speed=4.0)
        eng.attach_replay_clock(clock)
        i = eng.add_source(src)
        wait_for(lambda: eng.stream_stats(i).samples > 0)
        t0, n0 = time.monotonic(), eng.stream_stats(i).samples
        time.sleep(1.0)
        rate = (eng.stream_stats(i).samples - n0) / (time.monotonic() - t0)
    assert rate == pytest.approx(4 * RATE, rel=0.1)


def test_stop_joins_quickly_even_while_a_source_sleeps() -> None:
    eng = Engine().start()
    eng.add_source(ReplaySource(index_recording(), speed=0.25))
    time.sleep(0.1)
    t = time.monotonic()
    eng.stop()
    assert time.monotonic() - t < 1.0


def test_onset_events_follow_the_simulated_reps() -> None:
    scenario = bird_dog_scenario(reps=3, hold_s=2.0, rest_s=3.0, lead_in_s=4.0, glute_latency_ms=100.0)
    with Engine() as eng:
        i = eng.add_source(SimulatorSource(scenario, rate_hz=2000.0))
        wait_for(lambda: eng.stream_stats(i).state == "ended")
        events = eng.drain_events()
    onsets = [(e.payload["muscle"], e.time_s) for e in events if e.kind == "onset"]
    lat = [t for m, t in onsets if m == "latissimus_dorsi"]
    glute = [t for m, t in onsets if m == "gluteus_maximus"]
    truth = [m.payload for m in scenario.markers if m.kind == "rep"]
    assert len(lat) == len(glute) == 3
    np.testing.assert_allclose(lat, [r["lat_onset_s"] for r in truth], atol=0.03)
    np.testing.assert_allclose(np.subtract(glute, lat), 0.1, atol=0.015)


def test_a_mark_made_before_recording_is_not_written_when_recording_starts_behind_it(tmp_path) -> None:
    """The status line says a mark made while not recording is not kept: pressed just before R, with the
    engine's thread busy, it must not land in the file that R starts."""
    import threading

    from emgcoach.io.xdf_reader import read_xdf
    from emgcoach.stream.sim.scenario import bird_dog_scenario
    from emgcoach.stream.sim.source import SimulatorSource

    with Engine() as engine:
        engine.add_source(SimulatorSource(bird_dog_scenario(reps=2), rate_hz=500.0, realtime=True, seed=1))
        deadline = time.monotonic() + 10
        while engine.stream_stats(0).samples == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        busy = threading.Event()
        engine.call(lambda: (busy.set(), time.sleep(0.3)))  # the loop held up, as under load
        assert busy.wait(5)
        engine.add_marker("note", {"text": "before"})  # queued behind the hold-up
        engine.start_recording(tmp_path / "r.xdf")
        engine.add_marker("note", {"text": "during"})
        time.sleep(0.5)
        path = engine.stop_recording()
    texts = [m.payload.get("text") for m in read_xdf(path).markers if m.kind == "note"]
    assert texts == ["during"]
