import numpy as np
import pytest

from emgcoach.ble.devices.bitalino import (
    PROFILE,
    BitalinoDecoder,
    adc_to_uv,
    encode_frame,
    frame_ok,
    rate_command,
    start_command,
    unpack_frame,
)

EXAMPLES = [
    ("00 08 51", [512], 5, 0),
    ("FC 0F 09", [1023], 0, 0),
    ("2C F1 AA 9E", [700, 300], 9, 0b1010),
    ("80 3E 80 C8 80 0C 3C", [800, 200, 512, 1000], 3, 0),
    ("46 41 C0 00 02 04 00 FF", [1, 2, 3, 4, 5, 6], 15, 0),
]


@pytest.mark.parametrize("hexstr,values,seq,digital", EXAMPLES)
def test_worked_examples(hexstr, values, seq, digital):
    frame = bytes.fromhex(hexstr)
    assert frame_ok(frame)
    assert unpack_frame(frame, len(values)) == (seq, digital, values)
    assert encode_frame(values, seq, digital) == frame
    (p,) = BitalinoDecoder(len(values)).decode(frame)
    assert p.sequence == seq and p.samples.shape == (1, len(values))
    np.testing.assert_array_equal(p.extra["adc"][0], values)


def test_emg_transfer_function():
    assert adc_to_uv(512, 10) == pytest.approx(0.0)
    assert adc_to_uv(1023, 10) == pytest.approx(1632.1, abs=0.1)
    assert adc_to_uv(700, 10) == pytest.approx(600.4, abs=0.1)
    (p,) = BitalinoDecoder(2).decode(bytes.fromhex("2C F1 AA 9E"))
    assert p.samples[0, 0] == pytest.approx(600.4, abs=0.1)


def test_commands():
    assert rate_command(1000) == b"\xc3" and start_command([0]) == b"\x05"
    assert start_command([0, 1]) == b"\x0d" and start_command(range(6)) == b"\xfd"
    assert PROFILE.start_commands[0][1:] == (b"\xc3", True)
    assert PROFILE.stop_commands[0][1:] == (b"\x00", True)


def stream(n, n_ch=2, start_seq=0, skip=()):
    vals = np.random.default_rng(0).integers(0, 1024, size=(n, n_ch))
    frames = [encode_frame(list(vals[i]), (start_seq + i) % 16) for i in range(n) if i not in skip]
    return vals, frames


def test_split_across_notifications():
    vals, frames = stream(40)
    data = b"".join(frames)
    d = BitalinoDecoder(2)
    out = []
    for i in range(0, len(data), 7):  # chunk boundaries cut through frames
        out += d.decode(data[i:i + 7])
    adc = np.concatenate([p.extra["adc"] for p in out])
    np.testing.assert_array_equal(adc, vals)
    assert d.lost_samples == 0 and d.bad_packets == 0


def test_corrupted_byte_resync():
    vals, frames = stream(20)
    bad = bytearray(frames[5])
    bad[1] ^= 0x40
    data = b"".join(frames[:5]) + bytes(bad) + b"".join(frames[6:])
    d = BitalinoDecoder(2)
    out = d.decode(data[:30]) + d.decode(data[30:])
    adc = np.concatenate([p.extra["adc"] for p in out])
    assert d.bad_packets >= 1 and d.dropped_bytes >= 1
    np.testing.assert_array_equal(adc[:5], vals[:5])
    np.testing.assert_array_equal(adc[-14:], vals[6:])
    assert d.lost_samples == 1


def test_loss_detection():
    vals, frames = stream(10, skip=(4,))
    d = BitalinoDecoder(2)
    out = d.decode(b"".join(frames))
    assert [p.n_samples for p in out] == [4, 5]
    assert out[1].lost_before == 1 and out[1].sequence == 5 and d.lost_samples == 1


def test_garbage_prefix_then_frames():
    vals, frames = stream(5, n_ch=1)
    d = BitalinoDecoder(1)
    out = d.decode(b"\xff\xfe" + b"".join(frames))
    adc = np.concatenate([p.extra["adc"] for p in out])
    np.testing.assert_array_equal(adc[-5:], vals)
