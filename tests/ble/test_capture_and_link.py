"""Captures decode through the live path (decoder -> assembler -> clock), lost packets become gaps of
the right length, and without Bluetooth scan/record say so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from emgcoach.ble.assembler import PacketAssembler
from emgcoach.ble.devices.open_profile import PROFILE, encode_open_profile_packet
from emgcoach.stream.clock import ClockAligner

ROOT = Path(__file__).resolve().parents[2]


def _capture(tmp_path: Path, drop: set[int], with_times: bool = True) -> tuple[Path, np.ndarray]:
    """An open-profile capture: 50 packets of 20 samples at 1 kHz, a ramp, some packets dropped."""
    samples = np.arange(1000, dtype=np.int16).reshape(50, 20) - 500
    lines = ["# open profile, 1 channel, 1 kHz"]
    for seq in range(50):
        if seq in drop:
            continue
        payload = encode_open_profile_packet(samples[seq][:, None], seq, rate_hz=1000, uv_per_count=2.0)
        t = 10.0 + (seq * 20 + 19) / 1000 + 0.004
        lines.append((f"{t:.4f} " if with_times else "") + payload.hex(" "))
    path = tmp_path / "cap.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, samples.astype(float) * 2.0


def test_decode_cli_writes_csv_with_gaps_where_packets_were_lost(tmp_path: Path) -> None:
    path, truth = _capture(tmp_path, drop={7, 8, 30})
    r = subprocess.run([sys.executable, "-m", "emgcoach.cli", "decode", "--device", "open", str(path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = np.loadtxt(r.stdout.splitlines()[1:], delimiter=",")
    assert r.stdout.startswith("index,time_s,ch1_uv")
    assert len(rows) == 47 * 20
    idx = rows[:, 0].astype(int)
    # samples keep their true index: values equal the truth at that index, the lost ones are absent
    assert np.array_equal(rows[:, 2], truth.ravel()[idx])
    assert set(range(1000)) - set(idx.tolist()) == set(range(140, 180)) | set(range(600, 620))
    # times follow the arrivals: 1 ms apart, the packet's last sample 4 ms before it arrived
    assert np.allclose(np.diff(rows[:20, 1]), 0.001, atol=1e-6)
    assert abs(rows[19, 1] - (10.0 + 0.019)) < 0.0045
    assert "60 samples lost" in r.stderr and "0 bad packets" in r.stderr


def test_decode_cli_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("0.5 zz11\n")
    r = subprocess.run([sys.executable, "-m", "emgcoach.cli", "decode", "--device", "open", str(bad)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "bad.txt:1: payload is not hex" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "emgcoach.cli", "decode", "--device", "toaster", str(bad)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown device kind 'toaster'" in r.stderr
    junk, _ = _capture(tmp_path, drop=set())
    junk.write_text(junk.read_text() + "11.0 01 02 03\n")  # a truncated packet: counted, not fatal
    r = subprocess.run([sys.executable, "-m", "emgcoach.cli", "decode", "--device", "open", str(junk)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "1 bad packets" in r.stderr


def test_assembler_times_blocks_on_the_aligned_clock() -> None:
    dec = PROFILE.new_decoder()
    asm = PacketAssembler(1000.0, ClockAligner(1000.0))
    blocks = []
    for seq in range(300):
        if seq == 100:
            continue
        payload = encode_open_profile_packet(np.zeros((20, 1), np.int16), seq, rate_hz=1000, uv_per_count=1.0)
        blocks += asm.add(dec.decode(payload), 3.0 + (seq * 20 + 19) / 1000 + 0.002)
    assert asm.lost_samples == 20 and blocks[100].lost == 20 and blocks[100].first_index == 2020
    assert abs(blocks[-1].t0 - (3.0 + 299 * 20 / 1000)) < 0.003


def test_scan_and_record_without_bluetooth_say_so_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no-such-bus"}
    for args in (["scan", "--timeout", "1"], ["record", "--sensor", "AA:BB:CC:DD:EE:FF:lat:left", "-o", str(tmp_path / "r.xdf")]):
        r = subprocess.run([sys.executable, "-m", "emgcoach.cli", *args], cwd=ROOT, capture_output=True, text=True,
                           timeout=60, env=env)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Bluetooth" in lines[0] and "Traceback" not in r.stderr
    assert not (tmp_path / "r.xdf").exists()


def test_capture_reader_fuzz(tmp_path_factory) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from emgcoach.ble.capture import decode_capture
    from emgcoach.errors import EmgcoachError

    folder = tmp_path_factory.mktemp("fuzz")

    @settings(max_examples=150, deadline=None)
    @given(st.binary(max_size=400) | st.text(alphabet="0123456789abcdefABCDEF .,#\n\t-ez", max_size=400))
    def check(content: bytes | str) -> None:
        path = folder / "c.txt"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        try:
            rows, summary = decode_capture(path, PROFILE)
            for _ in rows:
                pass
        except EmgcoachError as e:
            assert "\n" not in str(e) and str(path) in str(e)

    check()


def test_xdf_packet_capture_decodes_like_the_text_one(tmp_path: Path) -> None:
    from emgcoach.io.xdf_writer import Recorder
    from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

    text, _ = _capture(tmp_path, drop={7, 8, 30})
    xdf = tmp_path / "cap.xdf"
    info = StreamInfo("open", "EMGC-lat", "AA:BB", 1000.0, (ChannelSpec("lat", "latissimus_dorsi", "left"),))
    with Recorder(xdf, [info]) as rec:
        rec.put_block(0, Block(np.zeros((1000, 1), np.float32), 10.0, 1000.0))  # the decoded EMG, as recorded
        for line in text.read_text().splitlines()[1:]:
            t, hexes = line.split(" ", 1)
            rec.put_marker(Marker(float(t), "packet", {"stream": "EMGC-lat", "kind": "open", "hex": hexes.replace(" ", "")}))
    run = lambda f: subprocess.run([sys.executable, "-m", "emgcoach.cli", "decode", "--device", "open", str(f)],
                                   cwd=ROOT, capture_output=True, text=True, timeout=60)
    a, b = run(text), run(xdf)
    assert a.returncode == b.returncode == 0, b.stderr
    ra = np.loadtxt(a.stdout.splitlines()[1:], delimiter=",")
    rb = np.loadtxt(b.stdout.splitlines()[1:], delimiter=",")
    assert np.array_equal(ra[:, [0, 2]], rb[:, [0, 2]]) and "60 samples lost" in b.stderr
    # the recording's clock starts at its first sample (10.0 s here): times differ by that, and only that
    assert np.allclose(ra[:, 1] - rb[:, 1], 10.0, atol=1e-5)
