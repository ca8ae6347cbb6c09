"""A stream joining an open recording (Recorder.add_stream): its StreamHeader is written where it joins,
the file stays readable (ours and pyxdf) at every flush as before, and it gets its footer at close."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from emgcoach.io.xdf_reader import read_xdf
from emgcoach.io.xdf_writer import Recorder
from emgcoach.types import Block, ChannelSpec, StreamInfo

LAT = StreamInfo("umyo", "lat", "AA:01", 1000.0, (ChannelSpec("lat_l", "latissimus_dorsi", "left"),))
GLUTE = StreamInfo("umyo", "glute", "AA:02", 500.0, (ChannelSpec("glute_r", "gluteus_maximus", "right"),) * 2)


def blocks(rate: float, n_ch: int, t_start: float, n_blocks: int, seed: int) -> list[Block]:
    rng = np.random.default_rng(seed)
    return [Block(rng.normal(size=(10, n_ch)).astype(np.float32), t_start + 10 * k / rate, rate, 10 * k)
            for k in range(n_blocks)]


def test_a_stream_added_to_an_open_recording_is_recorded_and_crash_safe(tmp_path: Path) -> None:
    pyxdf = pytest.importorskip("pyxdf")
    path = tmp_path / "join.xdf"
    lat = blocks(1000.0, 1, 0.0, 100, 1)  # 0 .. 1 s
    glute = blocks(500.0, 2, 0.5, 30, 2)  # joins at 0.5 s
    r = Recorder(path, [LAT], flush_interval_s=0.05)
    try:
        for b in lat[:50]:
            r.put_block(0, b)
        assert r.add_stream(GLUTE) == 1 and r.n_streams == 2
        for b in glute:
            r.put_block(1, b)
        for b in lat[50:]:
            r.put_block(0, b)
        with pytest.raises(ValueError, match="no stream 2"):
            r.put_block(2, lat[0])
        deadline = time.monotonic() + 5
        while r.samples_written < 1600 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # past a flush
        crashed = tmp_path / "crashed.xdf"  # the file as a killed process would leave it: no footers
        shutil.copy(path, crashed)
    finally:
        r.close()

    for f in (crashed, path):
        back = read_xdf(f)
        assert [s.info.name for s in back.streams] == ["lat", "glute"], f
        np.testing.assert_array_equal(back.streams[0].data, np.concatenate([b.data for b in lat]))
        np.testing.assert_array_equal(back.streams[1].data, np.concatenate([b.data for b in glute]))
        streams, _ = pyxdf.load_xdf(str(f), dejitter_timestamps=False)
        by_name = {s["info"]["name"][0]: s for s in streams}
        assert by_name["glute"]["time_series"].shape == (300, 2)
        assert by_name["glute"]["time_stamps"][0] == pytest.approx(0.5)
        assert by_name["lat"]["time_series"].shape == (1000, 1)
    footers = {s["info"]["name"][0]: s["footer"] for s in pyxdf.load_xdf(str(path))[0]}
    assert int(footers["glute"]["info"]["sample_count"][0]) == 300
    assert int(footers["lat"]["info"]["sample_count"][0]) == 1000
    with pytest.raises(ValueError, match="closed"):
        r.add_stream(GLUTE)
