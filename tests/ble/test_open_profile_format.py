"""The open profile's format taken from its packets, without Bluetooth: the link's stream info from the first
packet (rate, channels), a change refused in one line, a recording stream whose header comes later, and
`emgcoach decode` timing a capture at the packets' rate. (Through bleak and an engine:
test_open_profile_rate.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgcoach.ble.capture import decode_capture
from emgcoach.ble.devices.open_profile import PROFILE, encode_open_profile_packet
from emgcoach.ble.devices.umyo import PROFILE as UMYO
from emgcoach.ble.link import BleSensorSource, FormatChanged, sensor_channels
from emgcoach.io.xdf_writer import Recorder
from emgcoach.types import Block, ChannelSpec, StreamInfo
from tests.cli_run import run_cli

ADDRESS = "AA:BB:CC:DD:EE:01"


def _source() -> BleSensorSource:
    source = BleSensorSource(ADDRESS, PROFILE, sensor_channels(PROFILE, "latissimus_dorsi", "left", "lat_left"))
    source.decoder = PROFILE.new_decoder()  # what a connection sets up
    return source


def _packet(seq: int, rate: int, n_channels: int = 2, n: int = 20) -> bytes:
    counts = np.arange(n * n_channels).reshape(n, n_channels) + seq * n
    return encode_open_profile_packet(counts, seq, rate, 0.5)


def test_the_first_packet_sets_rate_and_channels_before_any_block() -> None:
    source = _source()
    assert not source.info_final and source.info.rate_hz == 1000 and source.info.n_channels == 1
    blocks = source._decode(_packet(0, 2000), 10.0) + source._decode(_packet(1, 2000), 10.01)
    info = source.info
    assert source.info_final and info.rate_hz == 2000
    assert [(c.name, c.muscle, c.side) for c in info.channels] == [("lat_left", "latissimus_dorsi", "left"), ("ch2", "other", "none")]
    assert [(b.rate_hz, b.first_index, b.n_channels) for b in blocks] == [(2000, 0, 2), (2000, 20, 2)]
    assert blocks[0].data[1, 1] == pytest.approx(1.5)  # count 3 x 0.5 µV


def test_a_packet_that_changes_the_format_is_refused_in_one_line() -> None:
    source = _source()
    source._decode(_packet(0, 2000), 10.0)
    for changed in (_packet(1, 1000), _packet(1, 2000, n_channels=1)):
        with pytest.raises(FormatChanged) as e:
            source._decode(changed, 10.01)
        text = str(e.value)
        assert "\n" not in text and ADDRESS in text and "fixed per stream" in text
    assert source.info.rate_hz == 2000 and source.info.n_channels == 2


def test_a_profile_without_format_in_its_packets_is_final_from_the_start() -> None:
    source = BleSensorSource(ADDRESS, UMYO)
    assert source.info_final and source.info.rate_hz == UMYO.rate_hz


def test_a_recording_stream_whose_header_comes_later(tmp_path: Path) -> None:
    import pyxdf

    later = StreamInfo("open", "lat", ADDRESS, 2000.0, (ChannelSpec("lat_left"),))
    known = StreamInfo("umyo", "glute", "AA:BB:CC:DD:EE:02", 1150.0, (ChannelSpec("glute_right"),))
    rec = Recorder(tmp_path / "r.xdf", [None, known])
    rec.put_block(1, Block(np.ones((115, 1), np.float32), 0.0, 1150.0, 0))
    with pytest.raises(ValueError, match="no header yet"):
        rec.put_block(0, Block(np.ones((20, 1), np.float32), 0.0, 2000.0, 0))
    rec.declare_stream(0, later)
    with pytest.raises(ValueError, match="not waiting"):
        rec.declare_stream(0, later)
    rec.put_block(0, Block(np.ones((200, 1), np.float32), 0.0, 2000.0, 0))
    rec.close()
    streams, _ = pyxdf.load_xdf(str(tmp_path / "r.xdf"), synchronize_clocks=False, dejitter_timestamps=False)
    emg = {s["info"]["name"][0]: s for s in streams if s["info"]["type"][0] == "EMG"}
    assert {n: float(s["info"]["nominal_srate"][0]) for n, s in emg.items()} == {"lat": 2000.0, "glute": 1150.0}
    assert len(emg["lat"]["time_stamps"]) == 200 and len(emg["glute"]["time_stamps"]) == 115


def test_decode_times_a_capture_at_the_rate_its_packets_say(tmp_path: Path) -> None:
    path = tmp_path / "cap.txt"
    lines = [f"{1.0 + 0.01 * k:.4f} {_packet(k, 2000).hex()}" for k in range(100)]  # 20 samples per 10 ms
    path.write_text("\n".join(lines) + "\n")
    rows, summary = decode_capture(path, PROFILE)
    got = list(rows)
    assert summary.samples == 2000 and summary.lost_samples == 0
    index = np.array([r[0] for r in got])
    times = np.array([r[1] for r in got])
    assert (times[-1] - times[0]) / (index[-1] - index[0]) == pytest.approx(1 / 2000, rel=1e-3)


def test_decode_cli_writes_the_channels_the_packets_have(tmp_path: Path) -> None:

    path = tmp_path / "cap.txt"
    path.write_text("\n".join(f"{1.0 + 0.01 * k:.4f} {_packet(k, 2000).hex()}" for k in range(10)) + "\n")
    r = run_cli("decode", "--device", "open", str(path))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "index,time_s,ch1_uv,ch2_uv" and len(lines) == 201
    assert lines[2].split(",")[2:] == ["1.000", "1.500"]  # sample 1: counts 2 and 3 x 0.5 µV
