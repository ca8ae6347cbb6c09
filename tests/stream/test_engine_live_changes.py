"""The engine when streams change under it: a sensor connected while recording joins the file, and a
source that restarts its sample count carries on as a new segment after a gap."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.xdf_reader import read_xdf
from emgcoach.stream.engine import Engine
from emgcoach.stream.replay import ReplaySource
from emgcoach.types import Block, ChannelSpec, StreamInfo
from tests.waiting import wait_for

RATE = 1000.0


def index_recording(name: str, muscle: str, seconds: float) -> Recording:
    """Channel 0 carries the absolute sample index, so loss or duplication anywhere is visible."""
    idx = np.arange(int(seconds * RATE))
    data = np.column_stack([idx, np.sin(idx / 10.0) * 50]).astype(np.float32)
    info = StreamInfo("file", name, "", RATE, (ChannelSpec("idx"), ChannelSpec("emg", muscle, "left")))
    return Recording("mem", [RecordedStream(info, data)], [])




def test_a_sensor_added_while_recording_is_recorded_from_then_on(tmp_path: Path) -> None:
    """The therapist connects the lat sensor, presses Record, then connects the glute sensor."""
    pyxdf = pytest.importorskip("pyxdf")
    lat = index_recording("lat", "latissimus_dorsi", 8.0)  # 2 s of wall time at 4x
    glute = index_recording("glute", "gluteus_maximus", 2.0)  # 0.5 s at 4x, all of it while recording
    path = tmp_path / "joined.xdf"
    with Engine() as eng:
        i = eng.add_source(ReplaySource(lat, speed=4.0))
        wait_for(lambda: eng.stream_stats(i).samples > 0)
        eng.start_recording(path)
        time.sleep(0.2)
        j = eng.add_source(ReplaySource(glute, speed=4.0))
        wait_for(lambda: eng.stream_stats(j).state == "ended")
        time.sleep(0.1)
        assert eng.stream_stats(i).state == "running"  # the lat stream was still recording when we stopped
        glute_samples = eng.stream_stats(j).samples
        assert eng.stop_recording() == str(path)
    assert glute_samples == 2000

    # our reader: both streams, the glute one with every sample it produced after it was added
    back = read_xdf(path)
    assert [s.info.name for s in back.streams] == ["lat", "glute"]
    lat_back, glute_back = back.streams
    assert glute_back.info.channels[1].muscle == "gluteus_maximus"
    assert glute_back.data.shape == (2000, 2)
    np.testing.assert_array_equal(glute_back.data, glute.streams[0].data)
    assert glute_back.gaps == []
    lat_idx = lat_back.data[:, 0]
    assert len(lat_idx) > 1000 and np.array_equal(lat_idx, np.arange(lat_idx[0], lat_idx[0] + len(lat_idx)))

    # pyxdf: the same, and each stream closed with its footer
    streams, _ = pyxdf.load_xdf(str(path))
    by_name = {s["info"]["name"][0]: s for s in streams}
    assert set(by_name) == {"lat", "glute", "emgcoach-markers"}
    assert by_name["glute"]["time_series"].shape == (2000, 2)
    np.testing.assert_array_equal(by_name["glute"]["time_series"][:, 0], np.arange(2000))
    assert by_name["lat"]["time_series"].shape == (len(lat_idx), 2)
    for name, n in (("glute", 2000), ("lat", len(lat_idx))):
        assert int(by_name[name]["footer"]["info"]["sample_count"][0]) == n


class Restarting:
    """A source whose sample count goes back to 0 after a 3 s break (a reconnect that resets the count).

    Segment 1: 5 s of rest (noise ~10 µV) from t = 0. Segment 2: from t = 8 s, 1 s of rest then a 1 s burst
    (~300 µV) at t = 9 s, then 1 s of rest."""

    def __init__(self) -> None:
        self.info = StreamInfo("umyo", "restarting", "", RATE, (ChannelSpec("emg", "gluteus_maximus", "right"),))
        rng = np.random.default_rng(7)
        self.seg1 = (rng.standard_normal((5000, 1)) * 10).astype(np.float32)
        seg2 = rng.standard_normal((3000, 1)) * 10
        seg2[1000:2000] *= 30
        self.seg2 = seg2.astype(np.float32)

    async def blocks(self) -> AsyncIterator[Block]:
        for t_start, seg in ((0.0, self.seg1), (8.0, self.seg2)):
            for k in range(0, len(seg), 20):
                yield Block(seg[k : k + 20], t_start + k / RATE, RATE, k)
                await asyncio.sleep(0)

    async def close(self) -> None:
        pass


def test_a_source_restarting_its_count_continues_after_a_marked_gap(tmp_path: Path) -> None:
    src = Restarting()
    path = tmp_path / "restart.xdf"
    with Engine(buffer_s=30.0) as eng:
        i = eng.add_source(src)
        eng.start_recording(path)  # from the first blocks on, or nearly
        wait_for(lambda: eng.stream_stats(i).state in ("ended", "error"))
        stats = eng.stream_stats(i)
        events = eng.drain_events()
        raw, end = eng.buffers(i).raw.latest(100_000)
        t_origin = eng.buffers(i).t_origin
        eng.stop_recording()
    assert stats.state == "ended", stats.message  # not "error: write at index 0 is behind the buffer's end"
    assert stats.samples == 8000
    # the view starts afresh at the new segment, on the right session time
    assert end == 3000 and t_origin == pytest.approx(8.0)
    np.testing.assert_array_equal(raw, src.seg2)
    # a gap is marked: from the last sample of segment 1 (4.999 s) to 8 s, about 3000 samples missing
    gaps = [e for e in events if e.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].payload["lost"] == pytest.approx(3000, abs=2)
    assert gaps[0].time_s == pytest.approx(5.0, abs=0.01)
    assert stats.lost == gaps[0].payload["lost"]
    # onsets go on in the new segment, timed on the session clock (not from the old origin: 1 s)
    onsets = [e.time_s for e in events if e.kind == "onset"]
    assert onsets and onsets[0] == pytest.approx(9.0, abs=0.1), onsets
    back = read_xdf(path)
    assert any(m.kind == "gap" and m.payload.get("reason") == "sample count restarted" for m in back.markers)


def test_a_seek_while_recording_a_replay_does_not_record_the_lead_up_again(tmp_path: Path) -> None:
    """After a seek, a replay first re-sends the seconds before the target so the plots show them; the
    recording already holds (or skipped) them: the file's samples keep moving forward."""
    from emgcoach.stream.replay import replay_sources

    out = tmp_path / "seek.xdf"
    with Engine() as engine:
        clock, sources = replay_sources(index_recording("s", "latissimus_dorsi", 60.0), speed=4.0, preroll_s=30.0)
        engine.attach_replay_clock(clock)
        engine.add_source(sources[0])
        wait_for(lambda: engine.stream_stats(0).samples > 1000)
        engine.start_recording(out)
        wait_for(lambda: clock.now_s() > 8.0)
        target = clock.now_s() + 5.0
        engine.seek(target)  # forward: the lead-up covers what was already recorded
        wait_for(lambda: engine.stream_stats(0).last_t_s > target + 2.0)
        engine.stop_recording()
    recorded = read_xdf(out).streams[0].data[:, 0]
    steps = np.diff(recorded)
    assert (steps > 0).all(), f"{int((steps <= 0).sum())} backward steps"
    assert steps.max() >= 4000  # the seek's jump: about 5 s of the file skipped


def test_a_seeks_lead_up_over_a_recorded_gap_does_not_count_it_again(tmp_path: Path) -> None:
    """The lead-up re-sends samples already played: the gap in it is neither lost twice nor marked twice."""
    from emgcoach.stream.replay import replay_sources

    index = np.arange(60000)
    index = index[(index < 20000) | (index >= 20500)]  # 0.5 s lost at 20 s
    data = np.column_stack([index, np.zeros_like(index)]).astype(np.float32)
    info = StreamInfo("file", "s", "", RATE, (ChannelSpec("idx"), ChannelSpec("emg", "latissimus_dorsi", "left")))
    out = tmp_path / "gap.xdf"
    with Engine() as eng:
        clock, sources = replay_sources(Recording("mem", [RecordedStream(info, data, gaps=[(20000, 500)])], []),
                                        speed=4.0, preroll_s=30.0)
        eng.attach_replay_clock(clock)
        eng.add_source(sources[0])
        wait_for(lambda: eng.stream_stats(0).samples > 1000)
        eng.start_recording(out)
        wait_for(lambda: clock.now_s() > 24.0, timeout=20.0)  # past the gap: counted once
        target = clock.now_s() + 5.0
        eng.seek(target)  # the lead-up from target - 30 s crosses the gap again
        wait_for(lambda: eng.stream_stats(0).last_t_s > target + 1.0, timeout=20.0)
        assert eng.stream_stats(0).lost == 500
        eng.stop_recording()
    assert len([m for m in read_xdf(out).markers if m.kind == "gap"]) == 1
