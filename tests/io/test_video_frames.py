"""The frame-times stream of a recording's video: written by the Recorder beside the EMG, read back on the
Recording's time, ignored by the EMG readers and the analysis, and mapping session time to video position
from the frames' own times (not an assumed frame rate)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyxdf
import pytest

from emgcoach.analysis import analyze
from emgcoach.io.open import read_recording
from emgcoach.io.video_frames import FrameTimes, read_frame_times, video_path_for
from emgcoach.io.xdf_writer import Recorder
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

RATE = 1000.0
T_START = 500.0  # session clock at the first EMG sample: the Recording's 0


def _info() -> StreamInfo:
    chans = (ChannelSpec("lat", "latissimus_dorsi", "left"), ChannelSpec("glute", "gluteus_maximus", "right"))
    return StreamInfo("simulator", "sim", "", RATE, chans)


def _irregular_frames(n: int = 150, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Frame arrival times (session s) of a camera at ~30 fps with jitter, two dropped runs and a stall;
    positions as the app gives them (time since the first frame written)."""
    rng = np.random.default_rng(seed)
    gaps = 1 / 30 + rng.normal(0, 0.002, n)
    gaps[40:43] += 1 / 30  # dropped frames
    gaps[100] += 0.4  # the camera stalled
    times = T_START + 0.25 + np.cumsum(gaps)
    return times, times - times[0]


def _record(path: Path, frames: tuple[np.ndarray, np.ndarray] | None) -> None:
    rng = np.random.default_rng(1)
    with Recorder(path, [_info()]) as rec:
        if frames is not None:
            rec.add_frames_stream(video_path_for(path).name, 30.0, "test camera")
        for k in range(60):  # 6 s of EMG in 0.1 s blocks
            data = rng.normal(0, 20, (100, 2)).astype(np.float32)
            rec.put_block(0, Block(data, t0=T_START + k * 0.1, rate_hz=RATE, first_index=k * 100))
            if frames is not None:
                times, pos = frames
                sel = (times >= T_START + k * 0.1) & (times < T_START + (k + 1) * 0.1)
                rows = np.column_stack((np.flatnonzero(sel), pos[sel]))
                rec.put_frames(times[sel], rows)
        rec.put_marker(Marker(T_START + 1.0, "note", {"text": "x"}))


def test_recorded_frame_times_read_back_on_the_recordings_time(tmp_path: Path) -> None:
    path = tmp_path / "session.xdf"
    frames = _irregular_frames()
    _record(path, frames)
    rec = read_recording(path)
    origin = float(rec.streams[0].info.extra["xdf_time_origin"])
    assert origin == pytest.approx(T_START)
    ft = read_frame_times(path, origin)
    assert ft is not None
    assert ft.n_frames == len(frames[0])
    assert ft.video == tmp_path / "session.mp4"
    np.testing.assert_allclose(ft.times_s, frames[0] - T_START, atol=1e-9)
    np.testing.assert_allclose(ft.positions_s, frames[1], atol=1e-9)
    assert ft.period_s == pytest.approx(1 / 30, abs=0.002)


def test_emg_readers_and_analysis_ignore_the_frames_stream(tmp_path: Path) -> None:
    """The same EMG with and without a video: the same streams, samples, markers and analysis."""
    with_video, without = tmp_path / "a.xdf", tmp_path / "b.xdf"
    _record(with_video, _irregular_frames())
    _record(without, None)
    a, b = read_recording(with_video), read_recording(without)
    assert len(a.streams) == len(b.streams) == 1
    np.testing.assert_array_equal(a.streams[0].data, b.streams[0].data)
    assert [m.kind for m in a.markers] == [m.kind for m in b.markers] == ["note"]
    ra, rb = analyze(a).to_dict(), analyze(b).to_dict()
    ra.pop("file", None), rb.pop("file", None)
    assert ra == rb
    # and pyxdf, the reference reader, loads it with the frames stream as written
    streams, _ = pyxdf.load_xdf(str(with_video), synchronize_clocks=False, dejitter_timestamps=False)
    frames = [s for s in streams if s["info"]["type"][0] == "VideoFrames"]
    assert len(frames) == 1 and frames[0]["time_series"].shape == (150, 2)
    assert frames[0]["info"]["desc"][0]["video"][0]["file"][0] == "a.mp4"
    assert read_frame_times(without, 0.0) is None


def test_the_frame_shown_is_the_last_captured_at_or_before_the_time() -> None:
    times, pos = _irregular_frames()
    ft = FrameTimes(times - T_START, pos, Path("x.mp4"))
    rng = np.random.default_rng(7)
    for t in rng.uniform(ft.times_s[0], ft.times_s[-1], 500):
        k = ft.index_at(t)
        assert ft.times_s[k] <= t < (ft.times_s[k + 1] if k + 1 < ft.n_frames else np.inf)
        assert ft.position_at(t) == pos[k]
        assert ft.time_of_position(ft.position_at(t)) == ft.times_s[k]
    # across the stall the last frame before it stays up: a constant rate would be 12 frames off by its end
    stall_end = ft.times_s[101] - 1e-3
    assert ft.index_at(stall_end) == 100
    assert abs(stall_end * 30 - 100) > 12
    assert ft.index_at(-5.0) == 0 and ft.index_at(1e6) == ft.n_frames - 1


def test_frame_times_need_frames() -> None:
    with pytest.raises(ValueError):
        FrameTimes(np.zeros(0), np.zeros(0), Path("x.mp4"))
