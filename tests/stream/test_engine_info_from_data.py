"""A source whose info is provisional until its data arrives (`InfoFromData`): the engine processes and
records it at the info it has at its first block, beside a stream whose info was known from the start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from emgcoach.stream.engine import Engine
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

PROVISIONAL = StreamInfo("open", "lat", "AA:BB:CC:DD:EE:01", 1000.0, (ChannelSpec("lat_left", "latissimus_dorsi", "left"),))


class LateInfoSource:
    """Provisional 1000 Hz, 1 channel; on `go` it learns it is 2000 Hz with 2 channels and yields 2 s of blocks."""

    def __init__(self) -> None:
        self._info = PROVISIONAL
        self.info_final = False
        self.go = asyncio.Event()
        self.closed = False

    @property
    def info(self) -> StreamInfo:
        return self._info

    async def blocks(self) -> AsyncIterator[Block | Marker]:
        await self.go.wait()
        self._info = replace(self._info, rate_hz=2000.0, channels=self._info.channels + (ChannelSpec("ch2"),))
        self.info_final = True
        for k in range(100):
            yield Block(np.full((40, 2), float(k), np.float32), 5.0 + k * 0.02, 2000.0, 40 * k)
            await asyncio.sleep(0)

    async def close(self) -> None:
        self.closed = True
        self.go.set()


class FixedSource:
    """Known from the start: 500 Hz, 1 channel; on `go`, 1 s of blocks."""

    info = StreamInfo("file", "glute", "", 500.0, (ChannelSpec("glute_right", "gluteus_maximus", "right"),))

    def __init__(self) -> None:
        self.go = asyncio.Event()

    async def blocks(self) -> AsyncIterator[Block | Marker]:
        await self.go.wait()
        for k in range(10):
            yield Block(np.ones((50, 1), np.float32), 5.0 + k * 0.1, 500.0, 50 * k)
            await asyncio.sleep(0)

    async def close(self) -> None:
        pass


def _wait(condition: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not condition():  # type: ignore[operator]
        time.sleep(0.01)
    assert condition()  # type: ignore[operator]


def test_a_stream_is_set_up_and_recorded_at_the_info_of_its_first_block(tmp_path: Path) -> None:
    import pyxdf

    late, fixed = LateInfoSource(), FixedSource()
    with Engine(buffer_s=5.0) as engine:
        engine.add_source(late)
        engine.add_source(fixed)
        engine.set_calibration(0, 100.0)  # before its first sample, for 1 channel: the sensor has 2
        engine.start_recording(tmp_path / "r.xdf")  # the late stream has no header yet
        assert engine.info(0).rate_hz == 1000.0  # still provisional: nothing arrived
        engine.call(late.go.set)
        engine.call(fixed.go.set)
        _wait(lambda: engine.stream_stats(0).samples == 4000 and engine.stream_stats(1).samples == 500)
        info, buffers = engine.info(0), engine.buffers(0)
        path = engine.stop_recording()
    assert info.rate_hz == 2000.0 and info.n_channels == 2 and buffers.rate_hz == 2000.0
    assert buffers.raw.capacity == 5 * 2000 and buffers.time_of(2000) == pytest.approx(6.0)
    assert engine.calibration_uv(0, 0) is None  # a 1-channel calibration does not fit 2 channels
    assert path is not None
    streams, _ = pyxdf.load_xdf(path, synchronize_clocks=False, dejitter_timestamps=False)
    emg = {s["info"]["name"][0]: s for s in streams if s["info"]["type"][0] == "EMG"}
    assert {n: float(s["info"]["nominal_srate"][0]) for n, s in emg.items()} == {"lat": 2000.0, "glute": 500.0}
    assert int(emg["lat"]["info"]["channel_count"][0]) == 2
    assert emg["lat"]["time_series"].shape == (4000, 2) and emg["glute"]["time_series"].shape == (500, 1)


def test_a_calibration_given_before_the_first_sample_is_kept_when_the_channels_stay() -> None:
    class OneChannel(LateInfoSource):
        async def blocks(self) -> AsyncIterator[Block | Marker]:
            await self.go.wait()
            self._info, self.info_final = replace(self._info, rate_hz=2000.0), True
            for k in range(50):
                yield Block(np.ones((40, 1), np.float32), k * 0.02, 2000.0, 40 * k)
                await asyncio.sleep(0)

    late = OneChannel()
    with Engine(buffer_s=5.0) as engine:
        engine.add_source(late)
        engine.set_calibration(0, 200.0, 10.0)  # queued on the engine's thread before its first block
        engine.call(late.go.set)
        _wait(lambda: engine.stream_stats(0).samples == 2000)
        assert engine.info(0).rate_hz == 2000.0
        assert engine.calibration_uv(0, 0) == (10.0, 200.0)
