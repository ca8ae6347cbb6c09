import pytest

from emgcoach.ble.devices.base import DecodedPacket, Decoder
from emgcoach.ble.devices.registry import PROFILES, match_advertisement, profile_for


def test_kinds_unique_and_decoders_conform():
    kinds = [p.kind for p in PROFILES]
    assert len(set(kinds)) == len(kinds)
    for p in PROFILES:
        d = p.new_decoder()
        assert isinstance(d, Decoder) and d.lost_samples == 0 and d.bad_packets == 0
        d.reset()


def test_profile_for():
    assert profile_for("umyo").rate_hz == 1150
    with pytest.raises(KeyError, match="ganglion"):
        profile_for("nope")


@pytest.mark.parametrize(
    "name,services,kind",
    [
        ("uMyo-AB", [], "umyo"),
        ("Ganglion-1a2b", [], "ganglion"),
        ("Simblee", [], "ganglion"),
        (None, ["fe84"], "ganglion"),
        ("BITalino-12-34", [], "bitalino"),
        ("NPG-Lite", [], "npg"),
        ("MyoWareSensor1", [], "myoware_value"),
        ("MyoW1", [], "myoware_uart"),
        ("thing", ["A0A20001-1880-4825-BDA5-0021B7754D79"], "open"),
    ],
)
def test_match_advertisement(name, services, kind):
    assert match_advertisement(name, services, {}).kind == kind


def test_generic_uuids_do_not_match_alone():
    assert match_advertisement("ESP32", ["4fafc201-1fb5-459e-8fcc-c5c9c331914b"], {}) is None
    assert match_advertisement("Nordic_UART", ["6e400001-b5a3-f393-e0a9-e50e24dcca9e"], {}) is None
    assert match_advertisement(None, [], {}) is None


def test_ganglion_factory_firmware():
    p = profile_for("ganglion")
    assert p.new_decoder(firmware="2.0.1").firmware == 2
    assert p.new_decoder(firmware=b"3.0.1").firmware == 3


def test_packet_defaults():
    import numpy as np

    p = DecodedPacket(np.zeros(3))
    assert p.samples.shape == (3, 1) and p.lost_before == 0
