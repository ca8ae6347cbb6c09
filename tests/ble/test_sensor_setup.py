"""Putting sensors on a session (`ble.sensor_setup`, shared by `emgcoach record` and the window): the
`--sensor` option in its MAC and macOS UUID forms, a sensor's kind from a scan, the source `add_sensor`
builds, and the status line per stream. Without Bluetooth except the last test (the simulated BlueZ)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from emgcoach.ble.link import BleSensorSource, FoundSensor
from emgcoach.ble.sensor_setup import (
    SensorOption,
    add_sensor,
    is_ble_address,
    kinds_by_address,
    parse_sensor_option,
    resolve_kind,
    stream_status,
)
from emgcoach.errors import EmgcoachError
from emgcoach.stream.processor import StreamStats

UUID = "1E2A3B4C-0000-1111-2222-333344445555"


def test_a_mac_sensor_option() -> None:
    opt = parse_sensor_option("C4:64:E3:12:34:56:lat:left")
    assert opt == SensorOption("C4:64:E3:12:34:56", "latissimus_dorsi", "left")
    assert opt.channel_name == "latissimus_dorsi_left"
    assert parse_sensor_option("c4:64:e3:12:34:56:glute:r").address == "c4:64:e3:12:34:56"


def test_a_macos_uuid_sensor_option() -> None:
    """CoreBluetooth names a device by a UUID, which holds no ':'."""
    assert parse_sensor_option(f"{UUID}:glute:right") == SensorOption(UUID, "gluteus_maximus", "right")
    assert parse_sensor_option(f"{UUID.lower()}:lat:l").address == UUID.lower()


@pytest.mark.parametrize(("text", "words"), [
    ("C4:64:E3:12:34:lat:left", ["'C4:64:E3:12:34' is not a Bluetooth address", "MAC", "UUID"]),  # a pair short
    ("1E2A3B4C-0000-1111-2222-33334444555:lat:left", ["is not a Bluetooth address"]),  # a digit short
    ("my-sensor:lat:left", ["'my-sensor' is not a Bluetooth address"]),
    ("lat:left", ["give ADDRESS:MUSCLE:SIDE, e.g. C4:64:E3:12:34:56:lat:left"]),
    ("C4:64:E3:12:34:56:elbow:left", ["unknown muscle 'elbow'"]),
])
def test_a_bad_sensor_option_is_one_line_naming_it(text: str, words: list[str]) -> None:
    with pytest.raises(EmgcoachError) as e:
        parse_sensor_option(text)
    message = str(e.value)
    assert message.startswith(f"--sensor {text}: ") and "\n" not in message
    assert all(w in message for w in words), message


def test_addresses() -> None:
    assert is_ble_address("AA:BB:CC:DD:EE:01") and is_ble_address(UUID)
    assert not is_ble_address("AA:BB:CC:DD:EE") and not is_ble_address("AA-BB-CC-DD-EE-01")
    assert not is_ble_address(UUID + "0") and not is_ble_address(UUID.replace("-", ""))


def test_a_sensor_s_kind_from_the_option_or_the_scan() -> None:
    kinds = kinds_by_address([FoundSensor("aa:bb:cc:dd:ee:01", "EMGC-sim", "open", -58),
                              FoundSensor(UUID, "uMyo", "umyo", None)])
    assert kinds == {"AA:BB:CC:DD:EE:01": "open", UUID: "umyo"}
    assert resolve_kind("AA:BB:CC:DD:EE:01", kinds) == "open"  # case does not matter
    assert resolve_kind(UUID.lower(), kinds) == "umyo"
    assert resolve_kind("11:22:33:44:55:66", {}, "ganglion") == "ganglion"  # --kind: no scan needed
    with pytest.raises(EmgcoachError, match=r"^11:22:33:44:55:66: not seen while scanning"):
        resolve_kind("11:22:33:44:55:66", kinds)


class FakeEngine:
    """An engine's `add_source` and session clock, without a loop (nothing connects)."""

    def __init__(self) -> None:
        self.sources: list[Any] = []

    def clock_s(self) -> float:
        return 12.5

    def add_source(self, source: Any) -> int:
        self.sources.append(source)
        return len(self.sources) - 1


def test_add_sensor_builds_the_source_as_record_and_the_window_want_it() -> None:
    engine = FakeEngine()
    recorded = add_sensor(engine, "AA:BB:CC:DD:EE:01", "open", "latissimus_dorsi", "left", capture=True,
                          channel_name="latissimus_dorsi_left")  # as `emgcoach record` does
    assert engine.sources == [recorded] and isinstance(recorded, BleSensorSource)
    info = recorded.info
    assert (info.kind, info.address, info.name) == ("open", "AA:BB:CC:DD:EE:01", recorded.profile.display_name)
    first = info.channels[0]
    assert (first.name, first.muscle, first.side) == ("latissimus_dorsi_left", "latissimus_dorsi", "left")
    assert recorded.capture and recorded.clock() == 12.5  # the engine's own session clock

    shown = add_sensor(engine, UUID, "umyo", "gluteus_maximus", "right", name="uMyo 3")  # as the window does
    assert shown.info.name == "uMyo 3" and not shown.capture
    assert shown.info.channels[0].name == shown.profile.channel_names[0]  # the profile's name, its role set
    assert (shown.info.channels[0].muscle, shown.info.channels[0].side) == ("gluteus_maximus", "right")
    assert all((c.muscle, c.side) == ("other", "none") for c in shown.info.channels[1:])  # unassigned


def test_add_sensor_of_an_unknown_kind_is_one_line() -> None:
    engine = FakeEngine()
    with pytest.raises(EmgcoachError, match="unknown device kind 'toaster'; known kinds: umyo"):
        add_sensor(engine, "AA:BB:CC:DD:EE:01", "toaster", "latissimus_dorsi", "left")
    assert engine.sources == []


def _stats(**kw: Any) -> StreamStats:
    base = dict(name="latissimus_dorsi_left", state="streaming", samples=990, lost=10, rate_measured_hz=999.6,
                last_t_s=1.0, message="", mains_hz=None, quality=({"grade": "good"}, {"grade": "poor"}),
                calibrated=False, battery_pct=87)
    return StreamStats(**{**base, **kw})


def test_the_status_of_a_stream() -> None:
    assert stream_status(_stats()) == ("latissimus_dorsi_left: streaming 1000 Hz, lost 1.0 %, battery 87 %, "
                                       "quality good,poor")
    assert stream_status(_stats(state="connecting", samples=0, lost=0, rate_measured_hz=0.0, quality=(),
                                battery_pct=None)) == "latissimus_dorsi_left: connecting 0 Hz, lost 0.0 %, quality -"


def test_scan_then_add_a_sensor_on_a_running_engine(fake_bluez: Any) -> None:
    """Through the real bleak backend on the simulated BlueZ: the scan finds the sensor's kind, and the
    source `add_sensor` makes streams on the engine with its battery on the status line."""
    from emgcoach.ble.sensor_setup import scan_kinds
    from emgcoach.stream.engine import Engine
    from tests.ble.fake_bluez import OpenProfileSensor

    address = OpenProfileSensor.address
    kinds = scan_kinds(1.0)
    assert kinds == {address.upper(): "open"}
    engine = Engine(buffer_s=5.0).start()
    try:
        add_sensor(engine, address, resolve_kind(address, kinds), "latissimus_dorsi", "left")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and engine.stream_stats(0).samples < 500:
            time.sleep(0.1)
        line = stream_status(engine.stream_stats(0))
    finally:
        engine.stop()
    assert ": streaming " in line and "battery 87 %" in line, line
