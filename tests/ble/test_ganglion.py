import numpy as np
import pytest

from emgcoach.ble.devices.base import DecodeError
from emgcoach.ble.devices.ganglion import (
    UV_PER_COUNT,
    Ganglion2Decoder,
    Ganglion3Decoder,
    fw2_delta_value,
    ganglion_decoder,
    unpack_fields,
)

FW3_ID7 = bytes.fromhex("07 0F 42 3C 2F 70 01 3B FF B1 0F 42 BC 2F 70 00 03 FF FF 05")
FW3_ID107 = bytes.fromhex("6B 0F 42 5E 17 BC 00 4E 7F F6 30 F4 29 E1 7B 40 00 07 FF FF")
FW2_RAW0 = bytes.fromhex("00 0F 42 40 F0 BD C0 00 13 88 FF EC 78 41 42 43 44 45 46 47")


def pack_fields(values, bits):
    total = 0
    for v in values:
        total = (total << bits) | (v & ((1 << bits) - 1))
    nbytes = (bits * len(values) + 7) // 8
    total <<= nbytes * 8 - bits * len(values)
    return total.to_bytes(nbytes, "big")


def fw2_delta_packet(pid, deltas, bits):
    """Encode fw2 deltas: field = delta & mask with the LSB forced to the sign (as the firmware does)."""
    fields = []
    for d in deltas:
        f = d & ((1 << bits) - 1)
        f = (f & ~1) | (1 if d < 0 else 0)
        fields.append(f)
    body = pack_fields(fields, bits)
    return bytes([pid]) + body + bytes(19 - len(body))


def test_docs_sign_example():
    assert fw2_delta_value(0b001111100011100011, 18) == -198429


def test_forum_packet_field_split():
    pkt = [124, 254, 63, 33, 135, 32, 11, 106, 1, 101, 96, 21, 112, 186, 152, 0, 25, 231, 255, 197]
    assert unpack_fields(bytes(pkt[1:]), 19) == [520697, 25032, 5844, 5718, 2744, 191072, 828, 524229]


def test_fw3_id7_18bit():
    assert unpack_fields(FW3_ID7[1:], 18) == [15624, 246519, 78, 262065, 15626, 246519, 0, 262143]
    (p,) = ganglion_decoder("3.0.2").decode(FW3_ID7)
    np.testing.assert_array_equal(
        p.extra["counts"], [[999936, -1000000, 4992, -5056], [1000064, -1000000, 0, -64]]
    )
    np.testing.assert_allclose(p.samples, p.extra["counts"] * UV_PER_COUNT, rtol=1e-6)
    assert p.samples.shape == (2, 4) and p.extra["bits"] == 18 and p.sequence == 7
    assert "accel" not in p.extra  # ID 7 % 10 = 7: no accelerometer axis


def test_fw3_id107_19bit():
    (p,) = Ganglion3Decoder().decode(FW3_ID107)
    np.testing.assert_array_equal(
        p.extra["counts"], [[1000000, -999968, 4992, -5024], [1000064, -1000032, 0, -32]]
    )
    assert p.extra["bits"] == 19


def test_fw3_accel_byte():
    pkt = bytes([1]) + FW3_ID7[1:19] + bytes([0xFE])
    (p,) = Ganglion3Decoder().decode(pkt)
    assert p.extra["accel"] == (0, pytest.approx(-0.032))


def test_fw3_loss_and_firmware_gap():
    d = Ganglion3Decoder()
    body = FW3_ID7[1:]
    d.decode(bytes([5]) + body)
    d.decode(bytes([6]) + body)
    (p,) = d.decode(bytes([8]) + body)  # 7 skipped
    assert p.lost_before == 2 and d.lost_samples == 2
    (p,) = d.decode(bytes([9]) + body)
    assert p.lost_before == 0
    d2 = Ganglion3Decoder()
    d2.decode(bytes([99]) + body)
    (p,) = d2.decode(bytes([0]) + body)
    assert p.lost_before == 1 and p.extra["firmware_skipped"] == 1 and d2.lost_samples == 0
    (p,) = d2.decode(bytes([2]) + body)  # 1 lost
    assert p.lost_before == 2 and d2.lost_samples == 2


def test_fw2_raw_and_deltas():
    d = ganglion_decoder("2.0.1")
    assert isinstance(d, Ganglion2Decoder)
    (p,) = d.decode(FW2_RAW0)
    np.testing.assert_array_equal(p.extra["counts"], [[1000000, -1000000, 5000, -5000]])
    assert p.samples.shape == (1, 4)
    # deltas are previous - current
    # the firmware overwrites the LSB with the sign: exact deltas are even (>= 0) or odd (< 0)
    (p,) = d.decode(fw2_delta_packet(1, [10, -11, 0, 4, -3, 2, 100, -101], 18))
    np.testing.assert_array_equal(
        p.extra["counts"], [[999990, -999989, 5000, -5004], [999993, -999991, 4900, -4903]]
    )
    (p,) = d.decode(fw2_delta_packet(2, [0] * 8, 18))
    assert p.lost_before == 0 and d.lost_samples == 0


def test_fw2_19bit_deltas():
    d = Ganglion2Decoder()
    d.decode(FW2_RAW0)
    (p,) = d.decode(fw2_delta_packet(101, [200000, 0, 0, 0, -200001, 0, 0, 0], 19))
    np.testing.assert_array_equal(p.extra["counts"][:, 0], [800000, 1000001])


def test_fw2_loss_invalidates_until_raw():
    d = Ganglion2Decoder()
    d.decode(FW2_RAW0)
    d.decode(fw2_delta_packet(1, [0] * 8, 18))
    # packet 2 lost; 3..100 arrive but cannot be decoded
    assert d.decode(fw2_delta_packet(3, [0] * 8, 18)) == []
    for pid in range(4, 101):
        assert d.decode(fw2_delta_packet(pid, [0] * 8, 18)) == []
    (p,) = d.decode(FW2_RAW0)
    # lost: packet 2 (2 samples) + packets 3..100 (98 x 2) = 198
    assert p.lost_before == 198 and d.lost_samples == 198
    (p,) = d.decode(fw2_delta_packet(1, [0] * 8, 18))
    assert p.lost_before == 0


def test_fw2_lost_raw_packet():
    d = Ganglion2Decoder()
    d.decode(FW2_RAW0)
    for pid in range(1, 101):
        d.decode(fw2_delta_packet(pid, [0] * 8, 18))
    assert d.decode(fw2_delta_packet(1, [0] * 8, 18)) == []  # raw ID 0 lost: 1 sample + these 2
    (p,) = d.decode(FW2_RAW0[:0] + FW2_RAW0)
    assert p.lost_before == 1 + 2 + 99 * 2


def test_fw2_waits_for_first_anchor():
    d = Ganglion2Decoder()
    assert d.decode(fw2_delta_packet(50, [0] * 8, 18)) == []
    (p,) = d.decode(FW2_RAW0)
    assert p.lost_before == 0 and d.lost_samples == 0


def test_impedance_and_text():
    d = Ganglion3Decoder()
    (p,) = d.decode(bytes([203]) + b"1234Z\n")
    assert p.kind == "impedance" and p.extra["channel"] == 3 and p.extra["value"] == 1234
    assert p.samples.shape == (0, 4)
    (p,) = d.decode(bytes([205]) + b"77Z\n")
    assert p.extra["channel"] == "ref"
    (p,) = d.decode(bytes([207]) + b"hello")
    assert p.kind == "text" and p.extra["text"] == "hello" and p.extra["last"]


def test_bad_packets():
    d = Ganglion3Decoder()
    for bad in (b"", bytes([200]) + bytes(19), bytes([5]) + bytes(10), bytes([250]) + bytes(19)):
        with pytest.raises(DecodeError):
            d.decode(bad)
    assert d.bad_packets == 4
