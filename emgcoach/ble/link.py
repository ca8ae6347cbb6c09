"""The Bluetooth link (bleak): scanning for known sensors, and a live sensor as a `Source` that connects
with retries (bleak-retry-connector), sets the device up, decodes every notification and reconnects
with back-off when the link drops.

A drop becomes a `gap` marker; when the sensor is back its samples continue on the same session clock,
the missing stretch counted as lost samples (estimated from the time it was away). Connection states
('connecting', 'streaming', 'reconnecting', 'closed') are `state` markers the UI shows on the panel; the
source starts 'connecting' (its `state`) and reports 'streaming' when the first notification of a
connection arrives, not when the link is merely up, so a sensor that connects but sends nothing never
shows as streaming.
A sensor whose packets declare their format (`DeviceProfile.format_in_packets`: the open profile) has the
profile's rate and channels only as a provisional `info` (`info_final` False): its first decoded packet
sets the stream's rate and channel count, before any of its samples is assembled into a Block, so the
engine sets the stream up at the rate the sensor samples at. A later packet that declares another rate or
channel count stops the stream with a one-line error (`FormatChanged`): the format is fixed per stream.
With `capture=True` every notification is also yielded as a `packet` marker (payload hex, arrival
time), which the recorder stores in the XDF's string stream for `emgcoach decode`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from emgcoach.ble.assembler import PacketAssembler
from emgcoach.ble.devices.base import DecodeError, DecodedPacket, DeviceProfile, declared_format
from emgcoach.ble.devices.registry import match_advertisement
from emgcoach.errors import EmgcoachError
from emgcoach.stream.clock import ClockAligner
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

if TYPE_CHECKING:  # bleak loads on the first connection
    from bleak import BleakClient

logger = logging.getLogger(__name__)

BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
FIRST_CONNECT_ATTEMPTS = 4  # a first connection that fails (link lost during set-up) is retried this often


class FormatChanged(EmgcoachError):
    """A sensor whose packets carry their format declared another rate or channel count mid-stream."""


class BluetoothUnavailable(EmgcoachError):
    """No adapter, Bluetooth off, or no BlueZ: one line saying which and what to do."""


# What to do, per system: BlueZ over D-Bus on Linux, CoreBluetooth on macOS, WinRT on Windows.
_ADVICE = {
    "linux": {"off": "turn it on (bluetoothctl power on)", "adapter": "plug one in or enable Bluetooth"},
    "darwin": {"off": "turn it on (System Settings > Bluetooth)", "adapter": "this Mac reports no Bluetooth"},
    "win32": {"off": "turn it on (Settings > Bluetooth & devices)",
              "adapter": "plug one in, or enable it in Device Manager"},
}


def _platform_key(platform: str) -> str:
    return "darwin" if platform == "darwin" else "win32" if platform.startswith("win") else "linux"


def _unavailable_reason(e: BaseException, platform: str = sys.platform) -> str | None:
    """What keeps this machine from Bluetooth altogether, or None for an error of one link; the advice
    is the one for `platform` (sys.platform's value)."""
    text = f"{e.__class__.__name__}: {e}".lower()
    key = _platform_key(platform)
    advice = _ADVICE[key]
    if key == "linux":
        if isinstance(e, FileNotFoundError) or "no such file" in text:
            return ("no Bluetooth: the system D-Bus is not running here (is this a container?); "
                    "run on a machine with Bluetooth")
        if "serviceunknown" in text or "name org.bluez was not provided" in text:
            return "no Bluetooth: BlueZ is not running; start it (sudo systemctl start bluetooth)"
    if key == "darwin" and ("not authorized" in text or "unauthorized" in text):
        return ("no Bluetooth: emgcoach may not use it; allow it in System Settings > Privacy & Security > "
                "Bluetooth for the app or terminal that runs emgcoach")
    if "no bluetooth adapters" in text or "adapter" in text and "not found" in text:
        return f"no Bluetooth adapter found; {advice['adapter']}"
    if ("not powered" in text or "powered off" in text or "notready" in text or "turned off" in text
            or "device is not ready" in text):
        return f"Bluetooth is off; {advice['off']}"
    return None


def explain_bluetooth_error(e: BaseException, platform: str = sys.platform) -> str:
    """One line for a failure to reach Bluetooth, with what to do on `platform`."""
    return _unavailable_reason(e, platform) or f"Bluetooth unavailable ({e.__class__.__name__}: {e})"


def sensor_channels(profile: DeviceProfile, muscle: str, side: str, first_name: str | None = None) -> tuple[ChannelSpec, ...]:
    """A sensor's channels with its first channel on `muscle`/`side` (the others unassigned)."""
    return tuple(
        ChannelSpec(first_name or n, muscle, side) if i == 0 else ChannelSpec(n)
        for i, n in enumerate(profile.channel_names)
    )


@dataclass(frozen=True)
class FoundSensor:
    """A supported sensor seen while scanning."""

    address: str
    name: str
    kind: str
    rssi: int | None


async def scan(timeout_s: float = 5.0) -> list[FoundSensor]:
    """Supported sensors advertising nearby, strongest first. Raises BluetoothUnavailable."""
    from bleak import BleakScanner

    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except Exception as e:  # bleak raises a different type per platform and failure
        raise BluetoothUnavailable(explain_bluetooth_error(e)) from None
    out = []
    for device, adv in found.values():
        profile = match_advertisement(adv.local_name or device.name, adv.service_uuids, adv.manufacturer_data)
        if profile is not None:
            out.append(FoundSensor(device.address, adv.local_name or device.name or "", profile.kind, adv.rssi))
    return sorted(out, key=lambda s: -(s.rssi if s.rssi is not None else -999))


class BleSensorSource:
    """One live sensor as a `Source`. `clock()` gives session time in s (the engine's clock)."""

    def __init__(
        self,
        address: str,
        profile: DeviceProfile,
        channels: tuple[ChannelSpec, ...] | None = None,
        clock: Callable[[], float] = time.monotonic,
        name: str = "",
        capture: bool = False,
    ) -> None:
        self.address, self.profile, self.clock, self.capture = address, profile, clock, capture
        specs = channels or tuple(ChannelSpec(n) for n in profile.channel_names)
        self._info = StreamInfo(profile.kind, name or profile.display_name, address, profile.rate_hz, specs)
        # the profile's rate and channels are defaults when the packets say what they are (see the docstring)
        self.info_final = not profile.format_in_packets
        self.state = "connecting"
        self.battery_pct: int | None = None  # read from the Battery Service at each connection
        self.rssi_dbm: int | None = None  # signal strength of the advertisement seen before each connection
        self.reconnects = 0
        self._closing = False
        self._client: BleakClient | None = None  # None between connections
        self._queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        self._link_id = 0  # counts connection attempts; a disconnect callback acts for its own link only
        self.assembler = PacketAssembler(profile.rate_hz, ClockAligner(profile.rate_hz))

    @property
    def info(self) -> StreamInfo:
        """The stream's header; provisional (the profile's defaults) while `info_final` is False."""
        return self._info

    async def _connect(self) -> BleakClient:
        from bleak import BleakClient, BleakScanner
        from bleak_retry_connector import establish_connection

        wanted = self.address.upper()
        seen_rssi: list[int | None] = []

        def match(device: object, adv: object) -> bool:  # find_device_by_address, keeping the RSSI
            if getattr(device, "address", "").upper() != wanted:
                return False
            seen_rssi.append(getattr(adv, "rssi", None))
            return True

        device = await BleakScanner.find_device_by_filter(match, timeout=10.0)
        if seen_rssi:
            self.rssi_dbm = seen_rssi[-1]
        if device is None:
            raise EmgcoachError(f"{self.address}: sensor not found (switched off or out of range?)")
        queue = self._queue
        while not queue.empty():  # a link that failed during set-up may have left its end-of-link mark
            queue.get_nowait()
        self._link_id += 1
        link_id = self._link_id

        def on_disconnect(_client: object) -> None:
            if link_id == self._link_id:  # not a late callback of a link given up on
                queue.put_nowait(None)

        client = await establish_connection(BleakClient, device, self._info.name, disconnected_callback=on_disconnect, max_attempts=3)
        try:  # set up the sensor; a failure half-way (the link lost meanwhile) must not leave it connected
            options = {}
            if self.profile.firmware_uuid:
                try:
                    options["firmware"] = (await client.read_gatt_char(self.profile.firmware_uuid)).decode(errors="replace")
                except Exception:  # no such characteristic: the older firmware
                    options["firmware"] = ""
            self.decoder = self.profile.new_decoder(**options)
            try:
                self.battery_pct = int((await client.read_gatt_char(BATTERY_LEVEL_UUID))[0])
            except Exception:  # no standard Battery Service on this sensor
                self.battery_pct = None
            clock = self.clock

            def on_notify(_char: object, data: bytearray) -> None:
                queue.put_nowait((clock(), bytes(data)))

            for uuid in self.profile.notify_uuids:
                await client.start_notify(uuid, on_notify)
            for uuid, payload, response in self.profile.start_commands:
                await client.write_gatt_char(uuid, payload, response=response)
        except BaseException:
            try:
                await client.disconnect()
            except Exception:  # already gone
                pass
            raise
        return client

    async def blocks(self) -> AsyncIterator[Block | Marker]:
        """Connect, stream, and reconnect with back-off until `close()`."""
        attempt = 0
        last_arrival: float | None = None  # session time (s) of the last notification, None before any
        while not self._closing:
            try:
                self._client = await self._connect()
            except EmgcoachError:
                raise
            except Exception as e:
                if last_arrival is None:  # never streamed yet: say why at once, or after a few tries
                    self._give_up_before_streaming(e, attempt)
                wait = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                attempt += 1
                await asyncio.sleep(wait)
                continue
            if self._closing:  # close() came while connecting, before this client existed: end it now
                await self.close()
                break
            # back after a drop: the samples it missed, for the next Block's `lost`
            pending_lost = 0 if last_arrival is None else self._skip_missed(last_arrival)
            attempt = 0
            announced = False  # 'streaming' is said at this connection's first notification
            while (item := await self._queue.get()) is not None:
                arrival, payload = item
                last_arrival = arrival
                if not announced:
                    announced = True
                    yield self._now_streaming()
                if self.capture:  # the raw notification, for `emgcoach decode` to replay later
                    yield Marker(arrival, "packet", {"stream": self._info.name, "kind": self.profile.kind, "hex": payload.hex()})
                try:
                    blocks = self._decode(payload, arrival)
                except FormatChanged:
                    await self.close()  # refused: the link is released, the engine shows the error
                    raise
                for block in blocks:
                    if pending_lost:  # the first block after a drop says how many samples are missing before it
                        block = replace(block, lost=block.lost + pending_lost)
                        pending_lost = 0
                    yield block
            if self._closing:
                break
            await self._release_dropped()
            self.state = "reconnecting"
            yield Marker(self.clock(), "gap", {"stream": self._info.name, "reason": "link dropped"})
            yield Marker(self.clock(), "state", {"stream": self._info.name, "state": "reconnecting"})
        self.state = "closed"

    def _give_up_before_streaming(self, e: Exception, attempt: int) -> None:
        """Raise for a first connection that failed (`attempt` failures before it): at once when this machine
        has no usable Bluetooth, else once FIRST_CONNECT_ATTEMPTS have failed; otherwise return."""
        reason = _unavailable_reason(e)
        if reason is not None:
            raise BluetoothUnavailable(f"{self.address}: {reason}") from None
        if attempt + 1 >= FIRST_CONNECT_ATTEMPTS:
            raise EmgcoachError(
                f"{self.address}: could not connect after {FIRST_CONNECT_ATTEMPTS} tries ({e.__class__.__name__}: {e})"
            ) from None

    def _skip_missed(self, last_arrival: float) -> int:
        """Back after a drop: count the samples missed since `last_arrival` (session s) as lost, so the
        sensor's samples continue on the session clock instead of shifting; return that count."""
        self.reconnects += 1
        missed = max(0, int(round((self.clock() - last_arrival) * self._info.rate_hz)))
        self.assembler.next_index += missed
        self.assembler.lost_samples += missed
        return missed

    def _now_streaming(self) -> Marker:
        """This connection's first notification has arrived: the source is streaming."""
        self.state = "streaming"
        return Marker(self.clock(), "state", {"stream": self._info.name, "state": "streaming"})

    def _decode(self, payload: bytes, arrival: float) -> list[Block]:
        """One notification's samples as Blocks (arrival: session time in s); none when it does not decode."""
        try:
            packets = self.decoder.decode(payload)
        except DecodeError as e:  # a corrupt or foreign notification: skipped, the stream goes on
            logger.debug("%s: notification not decoded (%s)", self.address, e)
            return []
        if self.profile.format_in_packets:
            self._check_format(packets)
        return self.assembler.add(packets, arrival)

    def _check_format(self, packets: list[DecodedPacket]) -> None:
        """The first packet that declares a format sets the stream's (before any of its samples is assembled);
        a later one that declares another raises FormatChanged (one line naming the sensor and both)."""
        declared = declared_format(packets)
        if declared is None:
            return
        rate, n_channels = declared
        if not self.info_final:
            self._resolve_info(rate, n_channels)
        elif (rate, n_channels) != (self._info.rate_hz, self._info.n_channels):
            raise FormatChanged(
                f"{self.address}: packets now say {rate:g} Hz, {n_channels} channel(s), not the stream's "
                f"{self._info.rate_hz:g} Hz, {self._info.n_channels}; the format is fixed per stream: stream "
                "stopped (connect the sensor again)"
            )

    def _resolve_info(self, rate_hz: float, n_channels: int) -> None:
        """The stream's rate and channel count are the sensor's: its channels keep the names and roles
        given (a channel more is named ch2, ch3, ...), and the assembler times samples at that rate."""
        given = self._info.channels
        channels = tuple(given[i] if i < len(given) else ChannelSpec(f"ch{i + 1}") for i in range(n_channels))
        self._info = replace(self._info, rate_hz=rate_hz, channels=channels)
        self.assembler = PacketAssembler(rate_hz, ClockAligner(rate_hz))
        self.info_final = True
        logger.info("%s: streams at %g Hz, %d channel(s), as its packets say", self.address, rate_hz, n_channels)

    async def _release_dropped(self) -> None:
        """The link is gone: disconnect its client, which only releases the client's own D-Bus connection."""
        dropped, self._client = self._client, None
        if dropped is not None:
            try:
                await dropped.disconnect()
            except Exception:  # already gone with the link: nothing else to release
                logger.debug("%s: releasing the dropped client", self.address, exc_info=True)

    async def close(self) -> None:
        self._closing = True
        client, self._client = self._client, None
        if client is not None:
            try:
                for uuid, payload, response in self.profile.stop_commands:
                    await client.write_gatt_char(uuid, payload, response=response)
                await client.disconnect()
            except Exception:  # already gone
                pass
        self._queue.put_nowait(None)
