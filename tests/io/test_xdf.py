"""XDF writer/reader: round trip through pyxdf and our reader, gaps, markers, Recorder thread, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pyxdf
import pytest

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride
from emgcoach.io.open import read_recording
from emgcoach.io.xdf_chunks import parse_xdf
from emgcoach.io.xdf_reader import read_xdf
from emgcoach.io.xdf_writer import Recorder, XdfWriter, chunk, varlen
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

REPO = Path(__file__).resolve().parents[2]

LAT_GLUTE = (
    ChannelSpec("lat_l", "latissimus_dorsi", "left", placement="2 cm below scapula"),
    ChannelSpec("glute_r", "gluteus_maximus", "right", placement="SENIAM"),
)


def make_info(name="umyo-1", rate=1000.0, channels=LAT_GLUTE, kind="umyo", address="AA:BB:CC:DD:EE:01"):
    return StreamInfo(kind=kind, name=name, address=address, rate_hz=rate, channels=channels, extra={"fw": "3.1"})


def write_example(path, skip_blocks=(7,), n_blocks=40, block=50, rate=1000.0, t_start=1000.0, seed=1):
    """Two streams (2 ch @ 1 kHz, 1 ch @ 500 Hz), one dropped block in stream A, three markers."""
    rng = np.random.default_rng(seed)
    info_a = make_info()
    info_b = make_info("umyo-2", 500.0, (ChannelSpec("glute_l", "gluteus_maximus", "left"),), address="AA:02")
    kept_a, times_a = [], []
    kept_b = []
    with XdfWriter(path) as w:
        a = w.add_stream(info_a)
        b = w.add_stream(info_b)
        m = w.add_marker_stream()
        for k in range(n_blocks):
            blk = Block(rng.normal(0, 50, (block, 2)).astype(np.float32), t0=t_start + k * block / rate,
                        rate_hz=rate, first_index=k * block)
            if k not in skip_blocks:
                w.write_block(a, blk)
                kept_a.append(blk.data)
                times_a.append(blk.times())
            blk_b = Block(rng.normal(0, 20, (block // 2, 1)).astype(np.float32),
                          t0=t_start + 0.003 + k * block / rate, rate_hz=rate / 2, first_index=k * block // 2)
            w.write_block(b, blk_b)
            kept_b.append(blk_b.data)
        w.write_marker(Marker(t_start + 0.5, "drill_start", {"drill": "bird_dog", "side": "left"}), m)
        w.write_marker(Marker(t_start + 1.0, "rep", {"n": 1, "score": 0.8}), m)
        w.write_marker(Marker(t_start + 1.5, "note", {"text": "ünïcode ok"}), m)
    return (np.concatenate(kept_a), np.concatenate(times_a), np.concatenate(kept_b), info_a, info_b)


def test_varlen_and_chunk_encoding():
    assert varlen(5) == b"\x01\x05"
    assert varlen(300) == b"\x04" + (300).to_bytes(4, "little")
    assert varlen(2**33) == b"\x08" + (2**33).to_bytes(8, "little")
    c = chunk(5, b"x" * 16)
    assert c[:2] == b"\x01\x12" and c[2:4] == b"\x05\x00"
    big = chunk(3, b"y" * 1000)
    assert big[0] == 4 and int.from_bytes(big[1:5], "little") == 1002


def test_round_trip_pyxdf(tmp_path):
    path = tmp_path / "rt.xdf"
    data_a, times_a, data_b, info_a, info_b = write_example(path)
    streams, header = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    assert header["info"]["version"] == ["1.0"]
    by_name = {s["info"]["name"][0]: s for s in streams}
    sa, sb, sm = by_name["umyo-1"], by_name["umyo-2"], by_name["emgcoach-markers"]
    # samples bit-identical
    assert sa["time_series"].dtype == np.float32
    assert np.array_equal(sa["time_series"].view(np.uint32), data_a.view(np.uint32))
    assert np.array_equal(sb["time_series"].view(np.uint32), data_b.view(np.uint32))
    # timestamps within 1 µs, gap absent
    assert np.max(np.abs(sa["time_stamps"] - times_a)) < 1e-6
    assert len(sa["time_stamps"]) == 39 * 50
    # header fields
    info = sa["info"]
    assert info["type"] == ["EMG"] and info["channel_format"] == ["float32"]
    assert float(info["nominal_srate"][0]) == 1000.0 and info["channel_count"] == ["2"]
    desc = info["desc"][0]
    assert desc["device"][0]["kind"] == ["umyo"] and desc["device"][0]["address"] == ["AA:BB:CC:DD:EE:01"]
    ch = desc["channels"][0]["channel"]
    assert [c["muscle"][0] for c in ch] == ["latissimus_dorsi", "gluteus_maximus"]
    assert [c["side"][0] for c in ch] == ["left", "right"]
    assert [c["unit"][0] for c in ch] == ["microvolts", "microvolts"]
    assert ch[0]["placement"] == ["2 cm below scapula"]
    # footer
    foot = sa["footer"]["info"]
    assert int(foot["sample_count"][0]) == 39 * 50
    assert abs(float(foot["first_timestamp"][0]) - 1000.0) < 1e-9
    # markers
    assert sm["info"]["channel_format"] == ["string"] and float(sm["info"]["nominal_srate"][0]) == 0
    texts = [json.loads(row[0]) for row in sm["time_series"]]
    assert texts[0] == {"kind": "drill_start", "drill": "bird_dog", "side": "left"}
    assert texts[2]["text"] == "ünïcode ok"
    assert np.allclose(sm["time_stamps"], [1000.5, 1001.0, 1001.5], atol=1e-9)
    # clock sync on (pyxdf default) changes nothing: our offsets are 0
    streams2, _ = pyxdf.load_xdf(str(path))
    s2 = {s["info"]["name"][0]: s for s in streams2}["umyo-1"]
    assert np.array_equal(s2["time_series"], sa["time_series"])


def test_round_trip_our_reader(tmp_path):
    path = tmp_path / "rt.xdf"
    data_a, times_a, data_b, info_a, info_b = write_example(path)
    rec = read_xdf(path)
    assert [s.info.name for s in rec.streams] == ["umyo-1", "umyo-2"]
    # the file header's date, in local time: when the session was recorded, whatever the file's mtime
    started = datetime.fromisoformat(rec.started_at)
    assert started.tzinfo is None and abs((datetime.now() - started).total_seconds()) < 60
    a, b = rec.streams
    assert np.array_equal(a.data.view(np.uint32), data_a.view(np.uint32))
    assert np.array_equal(b.data.view(np.uint32), data_b.view(np.uint32))
    # relative times: earliest stream starts at 0
    assert a.t0 == 0.0 and abs(b.t0 - 0.003) < 1e-9
    assert np.max(np.abs(a.timestamps - (times_a - 1000.0))) < 1e-6
    assert a.gaps == [(350, 50)]
    assert b.gaps == []
    assert abs(a.duration_s - 2.0) < 1e-9
    assert a.info.channels == info_a.channels
    assert a.info.rate_hz == 1000.0 and b.info.rate_hz == 500.0
    assert a.info.kind == "umyo" and a.info.address == "AA:BB:CC:DD:EE:01"
    assert a.info.extra["fw"] == "3.1"
    assert [(m.kind, round(m.time_s, 9)) for m in rec.markers] == [("drill_start", 0.5), ("rep", 1.0), ("note", 1.5)]
    assert rec.markers[1].payload == {"n": 1, "score": 0.8}
    # gaps keep samples at their times when split into blocks
    blocks = list(a.blocks(64))
    after = [blk for blk in blocks if blk.lost]
    assert len(after) == 1 and after[0].first_index == 400 and abs(after[0].t0 - 0.4) < 1e-12
    # same data as pyxdf
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    sa = {s["info"]["name"][0]: s for s in streams}["umyo-1"]
    assert np.array_equal(sa["time_series"], a.data)
    assert np.max(np.abs(sa["time_stamps"] - 1000.0 - a.timestamps)) < 1e-9


def test_channel_overrides_and_count_check(tmp_path):
    path = tmp_path / "ov.xdf"
    write_example(path)
    rec = read_xdf(path, channels=[ChannelOverride(2, "latissimus_dorsi", "right")])
    assert rec.streams[1].info.channels[0].muscle == "latissimus_dorsi"
    assert rec.streams[1].info.channels[0].side == "right"
    assert rec.streams[0].info.channels == LAT_GLUTE
    with pytest.raises(InputError, match="3 EMG channel"):
        read_xdf(path, channels=[ChannelOverride(3, "latissimus_dorsi", "right")])


def _labrecorder_like(path, unit="millivolts", stream_type="ExG", with_offsets=True):
    """A file like other apps write: int16, deduced timestamps, LSL clock, no muscle/side, mV units."""
    import struct

    from emgcoach.io.xdf_writer import TAG_CLOCK_OFFSET, TAG_SAMPLES, TAG_STREAM_HEADER, TAG_STREAM_FOOTER

    hdr = (
        f'<?xml version="1.0"?><info><name>OpenBCI</name><type>{stream_type}</type><channel_count>2</channel_count>'
        "<nominal_srate>250</nominal_srate><channel_format>double64</channel_format>"
        f"<desc><channels><channel><label>Lat R</label><unit>{unit}</unit></channel>"
        f"<channel><label>Glute L</label><unit>{unit}</unit></channel></channels></desc></info>"
    ).encode()
    mk = b'<?xml version="1.0"?><info><name>PsychoPy</name><type>Markers</type><channel_count>1</channel_count><nominal_srate>0</nominal_srate><channel_format>string</channel_format></info>'
    out = bytearray(b"XDF:")
    out += chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    out += chunk(TAG_STREAM_HEADER, struct.pack("<I", 7) + hdr)
    out += chunk(TAG_STREAM_HEADER, struct.pack("<I", 9) + mk)
    t0 = 50000.123
    vals = np.arange(1000, dtype=np.float64).reshape(500, 2) * 0.001  # mV
    # first sample explicit, the rest deduced; a 40-sample hole at 300 (explicit stamp after it)
    body = bytearray(struct.pack("<I", 7) + varlen(460))
    for k in range(500):
        if 300 <= k < 340:
            continue
        if k == 0 or k == 340:
            body += b"\x08" + struct.pack("<d", t0 + k / 250)
        else:
            body += b"\x00"
        body += vals[k].astype("<f8").tobytes()
    out += chunk(TAG_SAMPLES, bytes(body))
    if with_offsets:
        for ct in (0.0, 5.0, 10.0):
            out += chunk(TAG_CLOCK_OFFSET, struct.pack("<Idd", 7, t0 + ct, -0.25))
            out += chunk(TAG_CLOCK_OFFSET, struct.pack("<Idd", 9, t0 + ct, -0.25))
    mbody = struct.pack("<I", 9) + varlen(1) + b"\x08" + struct.pack("<d", t0 + 1.0) + varlen(5) + b"hello"
    out += chunk(TAG_SAMPLES, mbody)
    out += chunk(TAG_STREAM_FOOTER, struct.pack("<I", 7) + b'<?xml version="1.0"?><info><sample_count>460</sample_count></info>')
    Path(path).write_bytes(bytes(out))
    keep = np.r_[0:300, 340:500]
    return vals[keep], t0 + keep / 250


def test_foreign_file_units_deduced_timestamps_clock_offset(tmp_path):
    path = tmp_path / "lab.xdf"
    vals_mv, stamps = _labrecorder_like(path)
    rec = read_xdf(path)
    (s,) = rec.streams
    assert s.info.rate_hz == 250.0
    assert np.allclose(s.data, vals_mv * 1000.0, rtol=1e-6)  # mV -> µV
    assert s.gaps == [(300, 40)]
    assert [c.muscle for c in s.info.channels] == ["latissimus_dorsi", "gluteus_maximus"]
    assert [c.side for c in s.info.channels] == ["right", "left"]
    assert len(rec.markers) == 1 and rec.markers[0].kind == "note"
    assert rec.markers[0].payload["text"] == "hello" and abs(rec.markers[0].time_s - 1.0) < 1e-9
    # same samples and (clock-corrected) times as pyxdf
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    ps = {st["info"]["name"][0]: st for st in streams}["OpenBCI"]
    assert np.allclose(ps["time_series"] * 1000.0, s.data, rtol=1e-6)
    assert np.max(np.abs(ps["time_stamps"] - ps["time_stamps"][0] - s.timestamps)) < 1e-6
    assert abs(ps["time_stamps"][0] - (stamps[0] - 0.25)) < 1e-6


def test_fallback_to_numeric_stream_without_emg_type(tmp_path):
    path = tmp_path / "nolabel.xdf"
    _labrecorder_like(path, unit="volts", stream_type="EEG", with_offsets=False)
    rec = read_xdf(path)
    assert rec.streams[0].info.name == "OpenBCI"
    assert rec.streams[0].data[1, 0] == pytest.approx(0.002 * 1e6)


def test_bad_xdf_files(tmp_path):
    cases = {
        "missing.xdf": None,
        "empty.xdf": b"",
        "magic.xdf": b"NOPE" + b"\x00" * 100,
        "only_header.xdf": b"XDF:" + chunk(1, b"<info><version>1.0</version></info>"),
    }
    for name, content in cases.items():
        p = tmp_path / name
        if content is not None:
            p.write_bytes(content)
        with pytest.raises(InputError) as ei:
            read_recording(p)
        assert name in str(ei.value) and "\n" not in str(ei.value)


def test_nan_samples_refused(tmp_path):
    path = tmp_path / "nan.xdf"
    d = np.zeros((100, 2), np.float32)
    d[[10, 20, 30], 1] = np.nan
    with XdfWriter(path) as w:
        sid = w.add_stream(make_info())
        w.write_block(sid, Block(d, 0.0, 1000.0))
    with pytest.raises(InputError, match=r"nan.xdf: 3 NaN.*first at sample 10, channel 1"):
        read_recording(path)


def test_truncated_anywhere_keeps_complete_samples(tmp_path):
    path = tmp_path / "full.xdf"
    data_a, *_ = write_example(path, skip_blocks=())
    raw = path.read_bytes()
    cut = tmp_path / "cut.xdf"
    prev = 0
    for n in range(len(raw) // 3, len(raw), 997):
        cut.write_bytes(raw[:n])
        rec = read_xdf(cut)
        got = rec.streams[0].data
        assert np.array_equal(got, data_a[: len(got)])  # a prefix, never garbage
        assert len(got) >= prev
        prev = len(got)


def test_recorder_thread_and_markers(tmp_path):
    path = tmp_path / "rec.xdf"
    info = make_info()
    rng = np.random.default_rng(3)
    blocks = [Block(rng.normal(size=(20, 2)).astype(np.float32), t0=k * 0.02, rate_hz=1000.0, first_index=20 * k)
              for k in range(100)]
    with Recorder(path, [info]) as r:
        for k, blk in enumerate(blocks):
            r.put_block(0, blk)
            if k == 10:
                r.put_marker(Marker(0.2, "calibration", {"phase": "rest"}))
    rec = read_xdf(path)
    assert np.array_equal(rec.streams[0].data, np.concatenate([b.data for b in blocks]))
    assert rec.markers == [Marker(0.2, "calibration", {"phase": "rest"})]
    with pytest.raises(ValueError):
        r.put_block(0, blocks[0])


def test_recorder_validates_and_reports_thread_errors(tmp_path):
    with pytest.raises(InputError, match="cannot create"):
        Recorder(tmp_path / "no" / "dir" / "x.xdf", [make_info()])
    r = Recorder(tmp_path / "e.xdf", [make_info()])
    with pytest.raises(ValueError, match="2 channels"):
        r.put_block(0, Block(np.zeros((4, 3), np.float32), 0.0, 1000.0))
    with pytest.raises(ValueError, match="no stream 1"):
        r.put_block(1, Block(np.zeros((4, 2), np.float32), 0.0, 1000.0))

    # a failure on the writer thread surfaces on the next put / on close, with the file named
    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    r._writer.write_block = boom
    r.put_block(0, Block(np.zeros((4, 2), np.float32), 0.0, 1000.0))
    deadline = time.monotonic() + 5
    while r._error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(OSError, match="e.xdf: recording stopped: No space left"):
        r.put_block(0, Block(np.zeros((4, 2), np.float32), 0.0, 1000.0))
    with pytest.raises(OSError, match="No space left"):
        r.close()


def test_recorder_flushes_within_a_second(tmp_path):
    path = tmp_path / "live.xdf"
    r = Recorder(path, [make_info()])
    try:
        r.put_block(0, Block(np.ones((100, 2), np.float32), 0.0, 1000.0))
        time.sleep(1.0)
        rec = read_xdf(path)  # no footer yet, still readable
        assert rec.streams[0].n_samples == 100
    finally:
        r.close()


CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from emgcoach.io.xdf_writer import Recorder
    from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo
    info = StreamInfo("simulator", "sim", "", 1000.0,
                      (ChannelSpec("lat", "latissimus_dorsi", "left"), ChannelSpec("glute", "gluteus_maximus", "right")))
    rec = Recorder(sys.argv[1], [info])
    start = time.monotonic()
    k = 0
    while True:
        target = start + k * 0.05          # absolute pacing, 50 ms blocks
        now = time.monotonic()
        if target > now:
            time.sleep(target - now)
        idx = np.arange(50 * k, 50 * k + 50, dtype=np.float32)
        rec.put_block(0, Block(np.stack([idx, -idx], axis=1), t0=k * 0.05, rate_hz=1000.0, first_index=50 * k))
        if k % 20 == 0:
            rec.put_marker(Marker(k * 0.05, "note", {"text": f"t{k}"}))
        k += 1
        print(f"{time.monotonic():.6f} {50 * k}", flush=True)
    """
)


def test_kill_9_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "crash.xdf"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, env=env, text=True)
    lines = []
    t_end = None
    try:
        start = time.monotonic()
        while True:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.split())
            if len(lines) == 1:
                start = time.monotonic()
            if time.monotonic() - start > 2.5:
                t_end = time.monotonic()
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert t_end is not None, "child died early"
    put = int(lines[-1][1])
    # what the child had put one second before the kill (its own monotonic clock = ours)
    t_kill = float(lines[-1][0])
    put_1s_before = max(int(n) for t, n in lines if float(t) <= t_kill - 1.0)
    assert put >= 2000

    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    s = {st["info"]["name"][0]: st for st in streams}["sim"]
    n_py = len(s["time_stamps"])
    rec = read_xdf(path)
    data = rec.streams[0].data
    assert len(data) == n_py
    assert put_1s_before <= n_py <= put
    assert np.array_equal(data[:, 0], np.arange(n_py, dtype=np.float32))  # no loss, no shift
    assert np.array_equal(s["time_series"], data)
    assert rec.streams[0].gaps == []
    assert rec.markers and rec.markers[0].payload == {"text": "t0"}


def test_deduced_timestamps_fast_path_matches_pyxdf(tmp_path):
    """A chunk whose samples all have deduced timestamps (flag 0) continues from the previous chunk."""
    import struct

    path = tmp_path / "ded.xdf"
    _labrecorder_like(path, with_offsets=False)
    raw = bytearray(path.read_bytes())
    vals = np.arange(20, dtype="<f8").reshape(10, 2)
    body = struct.pack("<I", 7) + varlen(10) + b"".join(b"\x00" + v.tobytes() for v in vals)
    raw += chunk(3, body)
    path.write_bytes(bytes(raw))
    rec = read_xdf(path)
    s = rec.streams[0]
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False, synchronize_clocks=False)
    ps = {st["info"]["name"][0]: st for st in streams}["OpenBCI"]
    assert len(ps["time_stamps"]) == s.n_samples == 470
    assert np.allclose(ps["time_series"][-10:] * 1000, s.data[-10:])
    assert np.max(np.abs(ps["time_stamps"] - ps["time_stamps"][0] - s.timestamps)) < 1e-6
    assert s.gaps == [(300, 40)]


def test_a_packet_markers_sensor_kind_survives_an_xdf(tmp_path):
    """The payload's own "kind" (a captured packet's sensor) is kept beside the marker's kind."""
    path = tmp_path / "packets.xdf"
    packet = Marker(0.5, "packet", {"stream": "umyo-1", "kind": "umyo", "hex": "ab" * 20})
    with XdfWriter(path) as w:
        sid = w.add_stream(make_info())
        w.write_block(sid, Block(np.zeros((100, 2), np.float32), 0.0, 1000.0))
        w.write_marker(packet, w.add_marker_stream())
    (back,) = read_xdf(path).markers
    assert (back.kind, back.payload) == (packet.kind, packet.payload)
    (markers,) = [s for s in pyxdf.load_xdf(str(path))[0] if s["info"]["type"] == ["Markers"]]
    assert markers["time_series"][0][0].startswith('{"kind": "packet"')


def test_one_damaged_samples_chunk_costs_only_its_own_samples(tmp_path):
    """Our chunks are parsed many at a time; a chunk whose third sample's timestamp flag is damaged (4: no
    such flag) is left out on its own, with one problem naming its byte, and every other sample keeps
    its value and time."""
    path = tmp_path / "one_bad.xdf"
    data_a, times_a, _, _, _ = write_example(path, skip_blocks=(), n_blocks=40, block=50)
    raw = bytearray(path.read_bytes())
    first = data_a[20 * 50].astype("<f4").tobytes()  # block 20's first row of values
    start = raw.index(first)  # its values, after the flag and the 8-byte timestamp
    third_flag = start + 8 + (1 + 8)  # past the first sample's values and the second's flag and values
    assert raw[third_flag] == 0
    raw[third_flag] = 4
    path.write_bytes(bytes(raw))
    xf = parse_xdf(path)
    assert len(xf.problems) == 1 and "invalid timestamp flag 4" in xf.problems[0], xf.problems
    a = next(s for s in xf.streams.values() if s.name == "umyo-1")
    keep = np.r_[0 : 20 * 50, 21 * 50 : 40 * 50]
    assert np.array_equal(a.time_series().view(np.uint32), data_a[keep].view(np.uint32))
    assert np.max(np.abs(a.time_stamps() - times_a[keep])) < 1e-9
