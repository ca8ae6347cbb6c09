import struct

import numpy as np
import pytest

from emgcoach.ble.devices.base import DecodeError
from emgcoach.ble.devices.umyo import (
    UV_PER_COUNT,
    UmyoAdvertTracker,
    UmyoDecoder,
    decode_umyo_advert,
    parse_umyo_advert_payload,
)


def emg_packet(tsrc: int, samples) -> bytes:
    return struct.pack("<I", tsrc) + np.asarray(samples, dtype="<i2").tobytes()


def test_worked_emg_packet():
    hexstr = "40 1F 00 00 " + " ".join(f"{v & 0xFF:02X} {v >> 8:02X}" for v in range(8000, 8024))
    pkt = bytes.fromhex(hexstr)
    assert pkt[:10] == bytes.fromhex("40 1F 00 00 40 1F 41 1F 42 1F") and pkt[-2:] == bytes.fromhex("57 1F")
    assert len(pkt) == 52
    (p,) = UmyoDecoder().decode(pkt)
    assert p.kind == "emg" and p.sequence == 8000 and p.first_sample_index == 8000
    assert p.samples.shape == (24, 1) and p.samples.dtype == np.float32
    np.testing.assert_array_equal(p.extra["counts"], np.arange(8000, 8024))
    np.testing.assert_allclose(p.samples[:, 0], (np.arange(8000, 8024) - 8192) * UV_PER_COUNT, rtol=1e-6)
    assert UV_PER_COUNT == pytest.approx(2.747, abs=1e-3)
    assert p.lost_before == 0


def test_worked_aux_packet():
    pkt = bytes.fromhex("64 00 38 FF 00 40 0A 00 EC FF 1E 00 F4 01 A8 FD BC 02 00 7D 00 00 00 00 00 00")
    (p,) = UmyoDecoder().decode(pkt)
    assert p.kind == "aux" and p.samples.shape == (0, 1)
    assert p.extra["acc"] == (100, -200, 16384)
    assert p.extra["gyro"] == (10, -20, 30)
    assert p.extra["mag"] == (500, -600, 700)
    assert p.extra["quat"] == (1.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("n", [8, 16, 24])
def test_short_fallback_lengths(n):
    (p,) = UmyoDecoder().decode(emg_packet(16, range(n)))
    assert p.n_samples == n


def test_s1_and_format_byte_variants():
    s1 = emg_packet(0, range(24)) + struct.pack("<4h", 32000, 0, 0, 0)
    (p,) = UmyoDecoder().decode(s1)
    assert p.n_samples == 24 and p.extra["quat"][0] == 1.0
    d = UmyoDecoder()
    (p,) = d.decode(b"\x02" + emg_packet(0, range(24)))
    assert p.n_samples == 24 and p.sequence == 0
    (p,) = d.decode(b"\x01" + s1)
    assert p.kind == "emg"
    aux = bytes.fromhex("64 00 38 FF 00 40 0A 00 EC FF 1E 00 F4 01 A8 FD BC 02 00 7D 00 00 00 00 00 00")
    (p,) = d.decode(b"\x03" + aux)
    assert p.kind == "aux"


def test_bad_length_raises_and_counts():
    d = UmyoDecoder()
    with pytest.raises(DecodeError):
        d.decode(b"\x00" * 19)
    assert d.bad_packets == 1


def test_loss_from_tsrc():
    d = UmyoDecoder()
    d.decode(emg_packet(0, [8192] * 24))
    d.decode(emg_packet(24, [8192] * 24))
    (p,) = d.decode(emg_packet(72, [8192] * 24))  # packet at 48 skipped
    assert p.lost_before == 24 and d.lost_samples == 24 and p.first_sample_index == 72
    (p,) = d.decode(emg_packet(96, [8192] * 24))
    assert p.lost_before == 0 and d.lost_samples == 24


def test_tsrc_wrap_and_reset():
    d = UmyoDecoder()
    d.decode(emg_packet(2**32 - 24, [0] * 24))
    (p,) = d.decode(emg_packet(0, [0] * 24))
    assert p.lost_before == 0 and p.first_sample_index == 2**32
    (p,) = d.decode(emg_packet(0, [0] * 24))  # went back: reset of the counter
    assert p.extra.get("discontinuity") and p.lost_before == 0 and p.first_sample_index == 2**32 + 24
    d.reset()
    assert d.lost_samples == 0


ADV_RAW = bytes.fromhex(
    "02 01 06 08 08 75 4D 79 6F 2D 41 42 10 FF 2A AA 04 1C 01 02 03 04 05 06 3E 80 F3 02 7D"
)


def test_advert_worked_example():
    assert len(ADV_RAW) == 29 and ADV_RAW[5:12] == b"uMyo-AB"
    payload = ADV_RAW[14:29]
    bleak_md = {0xAA2A: bytes.fromhex("04 1C 01 02 03 04 05 06 3E 80 F3 02 7D")}
    assert int.from_bytes(payload[:2], "little") == 0xAA2A and payload[2:] == bleak_md[0xAA2A]
    adv = decode_umyo_advert(bleak_md, None)
    assert adv == parse_umyo_advert_payload(payload)
    assert adv.data_id == 42 and adv.battery_mv == 3700 and adv.level == 28
    assert adv.spectrum == (1024, 0x0102, 0x0304, 0x0506)
    assert adv.quat_raw == (16000, -3328, 512, 32000)
    assert adv.quat[0] == 0.5
    assert adv.muscle_level == 0x0304 + 2 * 0x0506


def test_advert_picks_new_entry_among_stale_keys():
    old = {0xAA2A: bytes(13)}
    new_md = {0xAA2A: bytes(13), 0xAA2B: bytes([0] * 12 + [1])}
    adv = decode_umyo_advert(new_md, old)
    assert adv.data_id == 0x2B
    assert decode_umyo_advert(new_md, new_md) is None
    changed = {0xAA2A: bytes([5] + [0] * 12), 0xAA2B: bytes([0] * 12 + [1])}
    assert decode_umyo_advert(changed, new_md).spectrum[0] == 5 * 256


def test_advert_tracker_counts_blocks():
    t = UmyoAdvertTracker()
    p = t.update({0xAA2A: bytes(13)})
    assert p.kind == "adv_level" and p.sequence == 42
    p = t.update({0xAA2A: bytes(13), 0xAA2D: bytes(13)})
    assert p.sequence == 45 and p.extra["lost_blocks"] == 2
    assert t.update({0xAA2A: bytes(13), 0xAA2D: bytes(13)}) is None


def test_implausible_jump_is_discontinuity_not_loss():
    d = UmyoDecoder()
    d.decode(emg_packet(0, [0] * 24))
    (p,) = d.decode(emg_packet(10_000_000, [0] * 24))
    assert p.extra["discontinuity"] and p.lost_before == 0 and d.lost_samples == 0
    assert p.first_sample_index == 24
