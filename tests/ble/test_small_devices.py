import numpy as np
import pytest

from emgcoach.ble.devices.base import DecodeError
from emgcoach.ble.devices.myoware import RAW_UV_PER_COUNT, ENV_UV_PER_COUNT, MyoWareTextDecoder
from emgcoach.ble.devices.npg import NpgDecoder, encode_npg_blocks
from emgcoach.ble.devices.open_profile import OpenProfileDecoder, encode_open_profile_packet


def test_npg_block_layout():
    pkt = bytes([7, 0x01, 0x00, 0xFF, 0xFE, 0x80, 0x00])
    (p,) = NpgDecoder().decode(pkt)
    np.testing.assert_array_equal(p.samples, [[256, -2, -32768]])
    assert p.sequence == 7 and p.extra["unit"] == "counts"


def test_npg_ten_blocks_and_loss():
    d = NpgDecoder()
    s = np.arange(30).reshape(10, 3)
    (p,) = d.decode(encode_npg_blocks(list(range(250, 260)), s))
    np.testing.assert_array_equal(p.samples, s)
    (p,) = d.decode(encode_npg_blocks(list(range(270, 280)), s))  # 260..269 lost, across the wrap
    assert p.lost_before == 10 and d.lost_samples == 10
    out = d.decode(encode_npg_blocks([24, 25, 27, 28], s[:4]))
    assert [q.n_samples for q in out] == [2, 2] and out[1].lost_before == 1 and out[1].sequence == 27
    with pytest.raises(DecodeError):
        d.decode(bytes(8))


def test_myoware_uart_split_lines():
    d = MyoWareTextDecoder("uart")
    assert d.decode(b"512.00,-1") == []
    (p,) = d.decode(b"0.00\n600.00,25.00\n7")
    np.testing.assert_allclose(p.samples[:, 0], [-10 * RAW_UV_PER_COUNT, 25 * RAW_UV_PER_COUNT], rtol=1e-6)
    np.testing.assert_array_equal(p.extra["env_counts"], [512, 600])
    assert RAW_UV_PER_COUNT == pytest.approx(4.03, abs=0.01)
    (p,) = d.decode(b"\r\nxx,yy\n")
    assert p.samples[0, 0] == pytest.approx(7 * RAW_UV_PER_COUNT) and d.bad_packets == 1
    assert p.lost_before == 0 and p.extra["loss_known"] is False


def test_myoware_value_mode():
    d = MyoWareTextDecoder("value")
    (p,) = d.decode(b"512.00")
    assert p.samples[0, 0] == pytest.approx(512 * ENV_UV_PER_COUNT, rel=1e-6)
    assert p.extra["signal"] == "envelope"
    assert d.decode(b"abc") == [] and d.bad_packets == 1


def test_open_profile_example_and_loss():
    pkt = encode_open_profile_packet([10, -20, 30], sequence=7, rate_hz=1000, uv_per_count=4.0)
    assert pkt == bytes.fromhex("01 01 07 00 E8 03 00 00 80 40 0A 00 EC FF 1E 00")
    d = OpenProfileDecoder()
    (p,) = d.decode(pkt)
    np.testing.assert_allclose(p.samples[:, 0], [40, -80, 120])
    assert p.sequence == 7 and p.extra["rate_hz"] == 1000
    two = np.arange(10).reshape(5, 2)
    d = OpenProfileDecoder()
    d.decode(encode_open_profile_packet(two, 65534, 500, 1.0))
    (p,) = d.decode(encode_open_profile_packet(two, 1, 500, 1.0))  # 65535 and 0 lost
    assert p.lost_before == 10 and d.lost_samples == 10
    np.testing.assert_array_equal(p.samples, two)
    for bad in (b"", pkt[:11], b"\x02" + pkt[1:], pkt + b"\x00"):
        with pytest.raises(DecodeError):
            d.decode(bad)
