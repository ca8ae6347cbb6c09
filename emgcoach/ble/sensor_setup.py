"""Putting Bluetooth sensors on a session: what `emgcoach record` and the window's Connect both do.

A sensor is named on the command line as `--sensor ADDRESS:MUSCLE:SIDE` (`parse_sensor_option`); its
kind (which decoder) comes from `--kind` or from what a scan saw at that address (`resolve_kind`);
`add_sensor` makes its `BleSensorSource` with its first channel on the muscle and adds it to a running
engine; `stream_status` is the one line a terminal shows per stream while it records.

An ADDRESS is a MAC (six hex pairs joined by ':', BlueZ and Windows) or, on macOS, the UUID CoreBluetooth
gives the device instead (1E2A3B4C-0000-1111-2222-333344445555). No Qt; bleak is imported only by a
scan or a connection (`ble.link`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emgcoach.ble.link import BleSensorSource, FoundSensor, scan, sensor_channels
from emgcoach.errors import EmgcoachError

if TYPE_CHECKING:
    from emgcoach.stream.engine import Engine
    from emgcoach.stream.processor import StreamStats

logger = logging.getLogger(__name__)

MAC_RE = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")
UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
MAC_EXAMPLE = "C4:64:E3:12:34:56"
UUID_EXAMPLE = "1E2A3B4C-0000-1111-2222-333344445555"  # what CoreBluetooth (macOS) gives instead of a MAC
SENSOR_EXAMPLE = f"{MAC_EXAMPLE}:lat:left"
SCAN_S = 5.0  # how long `record` listens to identify the sensors' kinds


@dataclass(frozen=True)
class SensorOption:
    """One `--sensor`: the sensor's address, and the muscle (`types.MUSCLES`) and side its first channel is on."""

    address: str
    muscle: str
    side: str

    @property
    def channel_name(self) -> str:
        """The name its first channel is recorded under: MUSCLE_SIDE."""
        return f"{self.muscle}_{self.side}"


def is_ble_address(text: str) -> bool:
    """Whether `text` is a MAC (AA:BB:CC:DD:EE:FF) or a CoreBluetooth UUID (8-4-4-4-12 hex digits)."""
    return bool(MAC_RE.fullmatch(text) or UUID_RE.fullmatch(text))


def parse_sensor_option(text: str) -> SensorOption:
    """`--sensor ADDRESS:MUSCLE:SIDE` (e.g. C4:64:E3:12:34:56:lat:left, or on macOS
    1E2A3B4C-0000-1111-2222-333344445555:glute:right). EmgcoachError, one line naming the option, if not."""
    from emgcoach.io.channels import parse_channel_option

    # a MAC holds ':' itself, so the muscle and side are the last two fields
    parts = text.rsplit(":", 2)
    if len(parts) != 3:
        raise EmgcoachError(f"--sensor {text}: give ADDRESS:MUSCLE:SIDE, e.g. {SENSOR_EXAMPLE}")
    address, muscle, side = parts
    if not is_ble_address(address):
        raise EmgcoachError(f"--sensor {text}: {address!r} is not a Bluetooth address (a MAC such as "
                            f"{MAC_EXAMPLE}, or on macOS a UUID such as {UUID_EXAMPLE})")
    try:
        role = parse_channel_option(f"0:{muscle}:{side}")
    except ValueError as e:
        raise EmgcoachError(f"--sensor {text}: {e}") from None
    return SensorOption(address, role.muscle, role.side)


def kinds_by_address(found: Iterable[FoundSensor]) -> dict[str, str]:
    """The kind of each sensor a scan found, by its address in upper case (CoreBluetooth and BlueZ differ in case)."""
    return {s.address.upper(): s.kind for s in found}


def scan_kinds(timeout_s: float = SCAN_S) -> dict[str, str]:
    """Scan for `timeout_s` s (blocking; not on an event loop's thread) and give `kinds_by_address` of what
    was seen. BluetoothUnavailable (one line) when there is no Bluetooth to scan with."""
    return kinds_by_address(asyncio.run(scan(timeout_s)))


def resolve_kind(address: str, kinds: dict[str, str], kind: str | None = None) -> str:
    """The device kind of the sensor at `address`: `kind` when the user gave one, else what the scan saw
    there (`kinds`: `kinds_by_address`). EmgcoachError when the scan did not see it."""
    if kind is not None:
        return kind
    found = kinds.get(address.upper())
    if found is None:
        raise EmgcoachError(f"{address}: not seen while scanning (on, in range, advertising?)")
    return found


def add_sensor(engine: Engine, address: str, kind: str, muscle: str, side: str, name: str | None = None,
               capture: bool = False, channel_name: str | None = None) -> BleSensorSource:
    """Stream the sensor of `kind` at `address` on `engine` (started if it is not), its first channel on
    `muscle`/`side` and named `channel_name` (default: the profile's own name), the others unassigned.
    `name`: the stream's name (default the profile's display name); `capture`: also keep every
    notification's bytes for `emgcoach decode`. Arrivals are stamped on the engine's session clock.
    Returns the source; EmgcoachError (one line listing the known kinds) for a kind no profile has."""
    from emgcoach.ble.devices.registry import profile_for

    try:
        profile = profile_for(kind)
    except KeyError as e:
        raise EmgcoachError(str(e.args[0])) from None
    channels = sensor_channels(profile, muscle, side, channel_name)
    source = BleSensorSource(address, profile, channels, clock=engine.clock_s, name=name or "", capture=capture)
    index = engine.add_source(source)
    logger.info("sensor %s (%s) added as stream %d, channel 0 on %s %s", address, kind, index, muscle, side)
    return source


def stream_status(stats: StreamStats) -> str:
    """One stream's health in one line: state, measured rate (Hz), samples lost (% of all), battery (%)
    when the sensor reports it, and each channel's quality grade."""
    quality = ",".join(c.get("grade", "?") for c in stats.quality) or "-"
    loss = 100.0 * stats.lost / max(1, stats.lost + stats.samples)
    battery = "" if stats.battery_pct is None else f", battery {stats.battery_pct} %"
    return f"{stats.name}: {stats.state} {stats.rate_measured_hz:.0f} Hz, lost {loss:.1f} %{battery}, quality {quality}"
