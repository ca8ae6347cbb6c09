"""A simulated BlueZ (``org.bluez``) on a private D-Bus, to run the *real* bleak BlueZ backend without
Bluetooth hardware.

What it is
----------
bleak's Linux backend talks to ``bluetoothd`` over the D-Bus *system* bus and finds that bus through
the ``DBUS_SYSTEM_BUS_ADDRESS`` environment variable.  This module

* starts a throw-away ``dbus-daemon`` listening on a socket in a temporary directory
  (:class:`PrivateSystemBus`),
* serves on it, under the well-known name ``org.bluez``, the objects bleak and bleak-retry-connector use
  (:class:`FakeBlueZ`): an adapter ``/org/bluez/hci0`` (``org.bluez.Adapter1``), one
  ``org.bluez.Device1`` per simulated sensor, and the sensor's GATT database (``GattService1``,
  ``GattCharacteristic1``, ``GattDescriptor1``), with ``org.freedesktop.DBus.ObjectManager`` on ``/``,
* and simulates the sensors themselves (:class:`SimulatedSensor`): what they advertise, what a read
  returns, what a write does, and the notifications they send.

``tests/ble/conftest.py`` wires it into pytest: the ``fake_bluez`` fixture starts a private bus, points
``DBUS_SYSTEM_BUS_ADDRESS`` at it and runs a :class:`FakeBlueZ` with one :class:`OpenProfileSensor`
in a background thread (:class:`FakeBlueZThread`, so the code under test can use its own event loop,
e.g. ``asyncio.run``).  It skips when ``dbus-daemon``, ``dbus_fast`` or ``bleak`` is missing.

What is simulated
-----------------
* Discovery: ``StartDiscovery`` makes every advertising sensor appear (``InterfacesAdded`` of its
  ``Device1`` the first time, then an ``RSSI`` ``PropertiesChanged`` every ``adv_interval_s``), which is
  what bleak's scanner reports as an advertisement.  A connected sensor does not advertise.
* ``Device1.Connect()``: ``Connected=True`` (``PropertiesChanged``), the GATT objects are exported on
  the first connection (``InterfacesAdded``), then ``ServicesResolved=True``.  ``Disconnect()`` and
  :meth:`FakeBlueZ.drop` (the link dropping, e.g. the sensor out of range) end the connection: acquired
  notification sockets are closed, ``Notifying`` goes False, ``ServicesResolved``/``Connected`` go False,
  and the sensor advertises again ``readvertise_s`` later, so a later ``Connect()`` works again.
* ``GattCharacteristic1``: ``ReadValue``, ``WriteValue``, ``StartNotify``/``StopNotify`` (notifications
  as ``PropertiesChanged`` of ``Value``, bleak's default) and ``AcquireNotify`` (bleak with
  ``bluez={"use_start_notify": False}``: a ``SOCK_SEQPACKET`` socket pair, one end passed to the client
  as a unix fd, every notification one packet on the other end), ``AcquireWrite`` likewise.

How to add a new simulated sensor
---------------------------------
Subclass :class:`SimulatedSensor`:

1. give it an ``address``, a ``name`` and what it advertises (``advertised_uuids``,
   ``manufacturer_data``, ``service_data``, ``rssi``) - the project matches advertisements with
   ``emgcoach.ble.devices.registry.match_advertisement``;
2. return its GATT database from :meth:`SimulatedSensor.gatt`: a list of :class:`GattService` holding
   :class:`GattCharacteristic` (UUID, BlueZ ``Flags`` such as ``["notify"]``, ``["read"]``,
   ``["write", "write-without-response"]``, and the ``value`` a read returns);
3. react to the host in :meth:`SimulatedSensor.on_write` (e.g. a start command), override
   :meth:`SimulatedSensor.on_read` for computed values, and :meth:`SimulatedSensor.on_connect` /
   :meth:`SimulatedSensor.on_disconnect` to start/stop whatever runs per connection;
4. send notifications with ``self.notify(char_uuid, payload)`` (it returns False when the host has not
   subscribed, like a real sensor whose notification goes nowhere); run periodic work with
   ``self.spawn(coroutine)`` - those tasks are cancelled on disconnect.

Then pass it to the fake: ``FakeBlueZ(sensors=[MySensor()])`` (or ``FakeBlueZThread(address,
sensors=[...])``), or in a test use the ``private_system_bus`` fixture and start a
:class:`FakeBlueZThread` yourself.  :class:`OpenProfileSensor` below is a complete example.

Served differently from a real bluetoothd (kept simple on purpose)
------------------------------------------------------------------
* ``InterfacesAdded``/``InterfacesRemoved`` come from dbus-fast's built-in object manager: one signal
  per interface, sent from the object's own path (bluetoothd sends one signal from ``/`` listing all
  interfaces of the object).  bleak matches them by member and ``arg0path`` only, so both work.
* Discovery sessions are counted, not tracked per D-Bus client; the discovery filter is stored but not
  applied (bleak filters advertisements itself); ``RSSI`` is always present (bluetoothd drops it when
  discovery stops) and is re-sent even when unchanged; devices are not removed after the temporary
  timeout; no ``TxPower``, ``Appearance``, ``Icon``, ``Class`` or ``Modalias`` on devices.
* GATT objects stay exported after a disconnect (as with bluetoothd's attribute cache for a known
  device), so a reconnection may use bleak's service cache, as bleak-retry-connector asks.
* No pairing agent: ``Pair()`` just sets ``Paired``/``Bonded``.
"""

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from dbus_fast import BusType, DBusError, Message, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from emgcoach.ble.devices.open_profile import CONTROL_UUID, DATA_UUID, SERVICE_UUID, encode_open_profile_packet
from emgcoach.ble.devices.umyo import SERVICE_UUID as UMYO_SERVICE_UUID
from emgcoach.ble.devices.umyo import TELEMETRY_UUID as UMYO_TELEMETRY_UUID

log = logging.getLogger(__name__)

BLUEZ = "org.bluez"
ADAPTER_PATH = "/org/bluez/hci0"
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"

# D-Bus signatures as annotations (dbus-fast reads them from typing.Annotated)
B = Annotated[bool, DBusSignature("b")]
S = Annotated[str, DBusSignature("s")]
O = Annotated[str, DBusSignature("o")]
Q = Annotated[int, DBusSignature("q")]
N = Annotated[int, DBusSignature("n")]
U = Annotated[int, DBusSignature("u")]
AS = Annotated[list[str], DBusSignature("as")]
AO = Annotated[list[str], DBusSignature("ao")]
AY = Annotated[bytes, DBusSignature("ay")]
ASV = Annotated[dict[str, Variant], DBusSignature("a{sv}")]
AQV = Annotated[dict[int, Variant], DBusSignature("a{qv}")]
FD_MTU = Annotated[list[Any], DBusSignature("hq")]

ERR_FAILED = "org.bluez.Error.Failed"
ERR_NOT_PERMITTED = "org.bluez.Error.NotPermitted"
ERR_NOT_SUPPORTED = "org.bluez.Error.NotSupported"
ERR_NOT_READY = "org.bluez.Error.NotReady"
ERR_DOES_NOT_EXIST = "org.bluez.Error.DoesNotExist"
ERR_IN_PROGRESS = "org.bluez.Error.InProgress"


def device_path(address: str, adapter_path: str = ADAPTER_PATH) -> str:
    """BlueZ's object path of a device: /org/bluez/hci0/dev_AA_BB_CC_DD_EE_01."""
    return f"{adapter_path}/dev_{address.upper().replace(':', '_')}"


# ---------------------------------------------------------------------------------------------------
# What a simulated sensor is made of
# ---------------------------------------------------------------------------------------------------


@dataclass
class GattCharacteristic:
    """One characteristic of a simulated sensor. ``flags`` are BlueZ's (``read``, ``write``,
    ``write-without-response``, ``notify``, ``indicate``, ...); ``value`` is what a read returns unless
    the sensor's ``on_read`` says otherwise."""

    uuid: str
    flags: list[str]
    value: bytes = b""


@dataclass
class GattService:
    """One primary service of a simulated sensor."""

    uuid: str
    characteristics: list[GattCharacteristic]
    primary: bool = True


class SimulatedSensor:
    """A BLE peripheral as BlueZ sees it.  Subclass it (see the module docstring)."""

    address = "AA:BB:CC:DD:EE:00"
    address_type = "public"
    name = "SIM"
    rssi = -60
    advertised_uuids: tuple[str, ...] = ()
    manufacturer_data: dict[int, bytes] = {}
    service_data: dict[str, bytes] = {}
    mtu = 247

    def __init__(self, address: str | None = None, name: str | None = None) -> None:
        if address:  # else the class's own
            self.address = address
        if name:
            self.name = name
        self.advertising = True  # False while connected (a peripheral stops advertising then)
        self.connected = False
        self.connect_count = 0
        self.writes: list[tuple[float, str, bytes]] = []  # (time.monotonic(), char uuid, data)
        self.subscriptions: list[tuple[str, str]] = []  # (method: StartNotify/AcquireNotify, char uuid)
        self.refuse_subscriptions = 0  # this many Start/AcquireNotify calls fail as on a link that just died
        self._notify_sink: Callable[[str, bytes], bool] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @staticmethod
    async def paced(period_s: float, send: Callable[[], None]) -> None:
        """Call `send` every `period_s` on the loop's clock (late calls catch up, as a sensor's timer does)."""
        loop = asyncio.get_running_loop()
        t0, k = loop.time(), 0
        while True:
            send()
            k += 1
            await asyncio.sleep(max(0.0, t0 + k * period_s - loop.time()))

    # --- to override -------------------------------------------------------------------------------
    def gatt(self) -> list[GattService]:
        """The sensor's GATT database."""
        return []

    def on_connect(self) -> None:
        """Called when a host connected (before services are resolved)."""

    def on_disconnect(self) -> None:
        """Called when the link ended (host disconnect or a drop); per-connection tasks are already
        cancelled."""

    def on_write(self, uuid: str, data: bytes) -> None:
        """The host wrote ``data`` to characteristic ``uuid``."""

    def on_read(self, uuid: str) -> bytes | None:
        """The value of a read of ``uuid``; None: the characteristic's static ``value``."""
        return None

    def on_subscribe(self, uuid: str) -> None:
        """The host subscribed to notifications of ``uuid`` (StartNotify or AcquireNotify)."""

    # --- for subclasses ----------------------------------------------------------------------------
    def notify(self, uuid: str, payload: bytes) -> bool:
        """Send one notification; False if nobody subscribed (or not connected): it is lost."""
        if not self.connected or self._notify_sink is None:
            return False
        return self._notify_sink(uuid, bytes(payload))

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` on the fake's loop until it ends or the connection ends."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()


class OpenProfileSensor(SimulatedSensor):
    """A DIY sensor speaking emgcoach's open profile (``emgcoach.ble.devices.open_profile``), plus the
    standard Battery Service.

    After the host writes ``b"start"`` it sends a packet of ``samples_per_packet`` samples (one channel,
    ``rate_hz``) every ``samples_per_packet / rate_hz`` s, the sequence counter and the sample counter
    reset to 0 on each start (as the profile asks).  Sample ``n`` (counted from the start) is
    :meth:`counts` ``(n)`` (a ramp), i.e. :meth:`expected_uv` ``(n)`` µV once decoded.
    ``b"stop"`` (or the end of the connection) stops it.
    """

    address = "AA:BB:CC:DD:EE:01"
    name = "EMGC-sim"
    rssi = -58
    advertised_uuids = (SERVICE_UUID,)
    manufacturer_data = {0xFFFF: b"EMGC"}
    rate_hz = 1000
    samples_per_packet = 20
    uv_per_count = 0.5
    battery_pct = 87

    def __init__(self, address: str | None = None, name: str | None = None) -> None:
        super().__init__(address, name)
        self.streaming = False
        self.sequence = 0
        self.samples_sent = 0
        self.packets: list[tuple[int, float, bool]] = []  # (first sample, time.monotonic() as it left, delivered)
        self.starts: list[float] = []  # time.monotonic() of each b"start"
        self._stream_task: asyncio.Task[Any] | None = None

    @staticmethod
    def counts(n: np.ndarray | int) -> np.ndarray:
        """The int16 count of sample ``n`` since the start: a ramp of period 4000 samples."""
        return (np.asarray(n, dtype=np.int64) % 4000) * 16 - 32000

    @classmethod
    def expected_uv(cls, n: np.ndarray | int) -> np.ndarray:
        """What the host should decode for sample ``n`` since the start, in µV (float32)."""
        return (cls.counts(n).astype(np.float64) * cls.uv_per_count).astype(np.float32)

    def gatt(self) -> list[GattService]:
        return [
            GattService(SERVICE_UUID, [
                GattCharacteristic(DATA_UUID, ["notify"]),
                GattCharacteristic(CONTROL_UUID, ["write", "write-without-response"]),
            ]),
            GattService(BATTERY_SERVICE_UUID, [GattCharacteristic(BATTERY_LEVEL_UUID, ["read"], bytes([self.battery_pct]))]),
        ]

    def on_read(self, uuid: str) -> bytes | None:
        if uuid == BATTERY_LEVEL_UUID:
            return bytes([self.battery_pct])
        return None

    def on_write(self, uuid: str, data: bytes) -> None:
        if uuid != CONTROL_UUID:
            return
        if data == b"start":
            self.starts.append(time.monotonic())
            self._stop_stream()
            self.sequence = 0
            self.samples_sent = 0
            self.streaming = True
            self._stream_task = self.spawn(self._stream())
        elif data == b"stop":
            self._stop_stream()

    def on_disconnect(self) -> None:
        self._stop_stream()

    def _stop_stream(self) -> None:
        self.streaming = False
        if self._stream_task is not None:
            self._stream_task.cancel()
            self._stream_task = None

    def _next_packet(self) -> None:
        """Notify one packet, log it, and move on by its samples."""
        n = np.arange(self.samples_sent, self.samples_sent + self.samples_per_packet)
        payload = encode_open_profile_packet(self.counts(n), self.sequence, self.rate_hz, self.uv_per_count)
        sent_at = time.monotonic()  # as it leaves: before D-Bus has it
        self.packets.append((self.samples_sent, sent_at, self.notify(DATA_UUID, payload)))
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.samples_sent += self.samples_per_packet

    async def _stream(self) -> None:
        await self.paced(self.samples_per_packet / self.rate_hz, self._next_packet)

class UmyoSensor(SimulatedSensor):
    """A uMyo on its GATT raw stream (``emgcoach.ble.devices.umyo``): subscribing to the telemetry
    characteristic starts the stream (no command), one 52-byte notification (u32 ``tsrc``, the index of
    its first sample, then 24 int16 counts) every ``24 / rate_hz`` s; ``tsrc`` restarts at 0 with each
    subscription. Sample ``n`` is :meth:`counts` ``(n)`` (mid-scale 8192 plus a ramp; override it for
    another signal). ``packets`` logs (tsrc, time.monotonic(), delivered) per notification."""

    address = "AA:BB:CC:DD:EE:02"
    name = "uMyo-sim"
    rssi = -61
    advertised_uuids = (UMYO_SERVICE_UUID,)
    rate_hz = 1150.0
    samples_per_packet = 24

    def __init__(self, address: str | None = None, name: str | None = None) -> None:
        super().__init__(address, name)
        self.tsrc = 0
        self.packets: list[tuple[int, float, bool]] = []

    def counts(self, n: np.ndarray) -> np.ndarray:
        """The count of sample ``n`` since the subscription: 8192 plus a ramp of period 1000 samples."""
        return 8192 + (np.asarray(n, dtype=np.int64) % 1000) - 500

    def gatt(self) -> list[GattService]:
        return [GattService(UMYO_SERVICE_UUID, [GattCharacteristic(UMYO_TELEMETRY_UUID, ["notify"])])]

    def on_subscribe(self, uuid: str) -> None:
        if uuid == UMYO_TELEMETRY_UUID:
            self.tsrc = 0
            self.spawn(self._stream())

    def _next_packet(self) -> None:
        """Notify one packet, log it, and move on by its samples."""
        n = np.arange(self.tsrc, self.tsrc + self.samples_per_packet)
        counts = np.clip(self.counts(n), -32768, 32767).astype("<i2")
        payload = (self.tsrc & 0xFFFFFFFF).to_bytes(4, "little") + counts.tobytes()
        sent_at = time.monotonic()  # as it leaves: before D-Bus has it
        self.packets.append((self.tsrc, sent_at, self.notify(UMYO_TELEMETRY_UUID, payload)))
        self.tsrc += self.samples_per_packet

    async def _stream(self) -> None:
        await self.paced(self.samples_per_packet / self.rate_hz, self._next_packet)


# ---------------------------------------------------------------------------------------------------
# The D-Bus objects
# ---------------------------------------------------------------------------------------------------


class _Adapter1(ServiceInterface):
    def __init__(self, fake: "FakeBlueZ") -> None:
        super().__init__("org.bluez.Adapter1")
        self.fake = fake
        self.powered = fake.powered
        self.discovering = False
        self.discovery_filter: dict[str, Any] = {}
        self.alias = "fake-bluez"

    @dbus_method()
    async def StartDiscovery(self) -> None:
        await self.fake._start_discovery()

    @dbus_method()
    async def StopDiscovery(self) -> None:
        await self.fake._stop_discovery()

    @dbus_method()
    def SetDiscoveryFilter(self, properties: ASV) -> None:
        self.discovery_filter = {k: v.value for k, v in properties.items()}

    @dbus_method()
    def GetDiscoveryFilters(self) -> AS:
        return ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"]

    @dbus_method()
    async def RemoveDevice(self, device: O) -> None:
        await self.fake._remove_device(device)

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> S:
        return "00:1A:7D:DA:71:13"

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> S:
        return "public"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> S:
        return "fake-bluez"

    @dbus_property()
    def Alias(self) -> S:
        return self.alias

    @Alias.setter
    def Alias(self, value: S) -> None:
        self.alias = value

    @dbus_property(access=PropertyAccess.READ)
    def Class(self) -> U:
        return 0x7C010C

    @dbus_property()
    def Powered(self) -> B:
        return self.powered

    @Powered.setter
    def Powered(self, value: B) -> None:
        self.powered = bool(value)

    @dbus_property(access=PropertyAccess.READ)
    def PowerState(self) -> S:
        return "on" if self.powered else "off"

    @dbus_property(access=PropertyAccess.READ)
    def Discoverable(self) -> B:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def DiscoverableTimeout(self) -> U:
        return 180

    @dbus_property(access=PropertyAccess.READ)
    def Pairable(self) -> B:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def PairableTimeout(self) -> U:
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> B:
        return self.discovering

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> AS:
        return ["00001800-0000-1000-8000-00805f9b34fb", "00001801-0000-1000-8000-00805f9b34fb"]

    @dbus_property(access=PropertyAccess.READ)
    def Modalias(self) -> S:
        return "usb:v1D6Bp0246d0541"

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> AS:
        return ["central", "peripheral"]


class _Device1(ServiceInterface):
    def __init__(self, fake: "FakeBlueZ", sensor: SimulatedSensor) -> None:
        super().__init__("org.bluez.Device1")
        self.fake, self.sensor = fake, sensor
        self.path = device_path(sensor.address)
        self.alias = sensor.name
        self.rssi = sensor.rssi
        self.connected = False
        self.services_resolved = False
        self.paired = self.bonded = self.trusted = self.blocked = False
        self.gatt_exported = False
        self.gatt_objects: list[tuple[str, ServiceInterface]] = []  # (path, interface), export order
        self.chars: dict[str, _GattCharacteristic1] = {}  # uuid -> characteristic

    @dbus_method()
    async def Connect(self) -> None:
        await self.fake._connect(self)

    @dbus_method()
    async def Disconnect(self) -> None:
        await self.fake._disconnect(self, reason="local")

    @dbus_method()
    def Pair(self) -> None:
        self.paired = self.bonded = True
        self.emit_properties_changed({"Paired": True, "Bonded": True})

    @dbus_method()
    def CancelPairing(self) -> None:
        raise DBusError(ERR_DOES_NOT_EXIST, "Does Not Exist")

    @dbus_method()
    def ConnectProfile(self, uuid: S) -> None:
        raise DBusError(ERR_NOT_SUPPORTED, "Not Supported")

    @dbus_method()
    def DisconnectProfile(self, uuid: S) -> None:
        raise DBusError(ERR_NOT_SUPPORTED, "Not Supported")

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> S:
        return self.sensor.address.upper()

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> S:
        return self.sensor.address_type

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> S:
        return self.sensor.name

    @dbus_property()
    def Alias(self) -> S:
        return self.alias

    @Alias.setter
    def Alias(self, value: S) -> None:
        self.alias = value or self.sensor.name

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> B:
        return self.paired

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> B:
        return self.bonded

    @dbus_property()
    def Trusted(self) -> B:
        return self.trusted

    @Trusted.setter
    def Trusted(self, value: B) -> None:
        self.trusted = bool(value)

    @dbus_property()
    def Blocked(self) -> B:
        return self.blocked

    @Blocked.setter
    def Blocked(self, value: B) -> None:
        self.blocked = bool(value)

    @dbus_property(access=PropertyAccess.READ)
    def LegacyPairing(self) -> B:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> N:
        return self.rssi

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> B:
        return self.connected

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> AS:
        uuids = list(self.sensor.advertised_uuids)
        if self.gatt_exported:  # after service discovery BlueZ lists the GATT services too
            uuids += [s.uuid for s in self.sensor.gatt() if s.uuid not in uuids]
        return uuids

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> O:
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> AQV:
        return {k: Variant("ay", bytes(v)) for k, v in self.sensor.manufacturer_data.items()}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> ASV:
        return {k: Variant("ay", bytes(v)) for k, v in self.sensor.service_data.items()}

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> B:
        return self.services_resolved

    @dbus_property(access=PropertyAccess.READ)
    def AdvertisingFlags(self) -> AY:
        return bytes([0x06])


class _GattService1(ServiceInterface):
    def __init__(self, spec: GattService, device: "_Device1", handle: int) -> None:
        super().__init__("org.bluez.GattService1")
        self.spec, self.device, self.handle = spec, device, handle
        self.path = f"{device.path}/service{handle:04x}"

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> S:
        return self.spec.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> B:
        return self.spec.primary

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> O:
        return self.device.path

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> AO:
        return []

    @dbus_property(access=PropertyAccess.READ)
    def Handle(self) -> Q:
        return self.handle


class _GattCharacteristic1(ServiceInterface):
    """A characteristic.  BlueZ shows ``Notifying``/``NotifyAcquired`` only on notify/indicate
    characteristics and ``WriteAcquired`` only on write-without-response ones: the subclasses below."""

    def __init__(self, fake: "FakeBlueZ", spec: GattCharacteristic, service: _GattService1, handle: int) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self.fake, self.spec, self.service, self.handle = fake, spec, service, handle
        self.device = service.device
        self.path = f"{service.path}/char{handle:04x}"
        self.value = bytes(spec.value)
        self.notifying = False
        self.notify_sock: socket.socket | None = None  # our end of an AcquireNotify socket pair
        self.write_sock: socket.socket | None = None  # our end of an AcquireWrite socket pair

    # --- helpers -----------------------------------------------------------------------------------
    def _check_connected(self) -> None:
        if not self.device.connected:
            raise DBusError(ERR_FAILED, "Not connected")

    def _maybe_refuse(self) -> None:
        sensor = self.device.sensor
        if sensor.refuse_subscriptions > 0:
            sensor.refuse_subscriptions -= 1
            raise DBusError(ERR_FAILED, "Not connected")

    def _can_notify(self) -> bool:
        return bool({"notify", "indicate"} & set(self.spec.flags))

    def _pair(self, on_packet: Callable[[bytes], None] | None) -> tuple[socket.socket, int]:
        """A SOCK_SEQPACKET pair: (our end, the fd to hand to the client)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.setblocking(False)
        fd = theirs.detach()
        loop = asyncio.get_running_loop()

        def readable() -> None:
            try:
                data = ours.recv(4096)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if data:
                if on_packet is not None:
                    on_packet(data)
                return
            self._release_socket(ours)  # the client closed its end: notifications/writes released

        loop.add_reader(ours.fileno(), readable)
        # dbus-fast does not close fds it sends; close our copy of the client's end once the reply is out
        # (bluetoothd does the same), so that the client closing its end is seen here as a hang-up
        loop.call_later(1.0, _close_fd, fd)
        return ours, fd

    def _release_socket(self, sock: socket.socket) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(sock.fileno())
        with contextlib.suppress(OSError):
            sock.close()
        if sock is self.notify_sock:
            self.notify_sock = None
            self.notifying = False
            self._emit({"NotifyAcquired": False, "Notifying": False})
        elif sock is self.write_sock:
            self.write_sock = None
            self._emit({"WriteAcquired": False})

    def _emit(self, changed: dict[str, Any]) -> None:
        props = {p: v for p, v in changed.items() if p in self._property_names()}
        if props and self.fake.bus is not None and self.fake.bus.connected:
            self.emit_properties_changed(props)

    def _property_names(self) -> set[str]:
        return {"UUID", "Service", "Value", "Flags", "Handle", "MTU"}

    def deliver(self, payload: bytes) -> bool:
        """One notification from the sensor: through the acquired socket, else as a Value change."""
        if self.notify_sock is not None:
            try:
                self.notify_sock.send(payload)
                return True
            except (BlockingIOError, OSError):
                return False
        if self.notifying:
            self.value = payload
            self._emit({"Value": payload})
            return True
        return False

    def end_connection(self) -> None:
        """The link ended: every notification session and acquired socket goes."""
        for sock in (self.notify_sock, self.write_sock):
            if sock is not None:
                self._release_socket(sock)
        if self.notifying:
            self.notifying = False
            self._emit({"Notifying": False})

    # --- D-Bus -------------------------------------------------------------------------------------
    @dbus_method()
    def ReadValue(self, options: ASV) -> AY:
        self._check_connected()
        if "read" not in self.spec.flags:
            raise DBusError(ERR_NOT_PERMITTED, "Read not permitted")
        value = self.device.sensor.on_read(self.spec.uuid)
        self.value = bytes(self.spec.value if value is None else value)
        self._emit({"Value": self.value})
        return self.value

    @dbus_method()
    def WriteValue(self, value: AY, options: ASV) -> None:
        self._check_connected()
        if not {"write", "write-without-response"} & set(self.spec.flags):
            raise DBusError(ERR_NOT_PERMITTED, "Write not permitted")
        self.fake._on_write(self.device.sensor, self.spec.uuid, bytes(value))

    @dbus_method()
    def StartNotify(self) -> None:
        self._check_connected()
        self._maybe_refuse()
        if not self._can_notify():
            raise DBusError(ERR_NOT_SUPPORTED, "Operation is not supported")
        if self.notify_sock is not None:
            raise DBusError(ERR_NOT_PERMITTED, "Notify acquired")
        self.device.sensor.subscriptions.append(("StartNotify", self.spec.uuid))
        if not self.notifying:
            self.notifying = True
            self._emit({"Notifying": True})
            self.device.sensor.on_subscribe(self.spec.uuid)

    @dbus_method()
    def StopNotify(self) -> None:
        if not self.notifying or self.notify_sock is not None:
            raise DBusError(ERR_FAILED, "No notify session started")
        self.notifying = False
        self._emit({"Notifying": False})

    @dbus_method()
    def AcquireNotify(self, options: ASV) -> FD_MTU:
        self._check_connected()
        self._maybe_refuse()
        if not self._can_notify():
            raise DBusError(ERR_NOT_SUPPORTED, "Operation is not supported")
        if self.notify_sock is not None or self.notifying:
            raise DBusError(ERR_NOT_PERMITTED, "Notify acquired")
        self.notify_sock, fd = self._pair(None)
        self.notifying = True
        self.device.sensor.subscriptions.append(("AcquireNotify", self.spec.uuid))
        self._emit({"NotifyAcquired": True, "Notifying": True})
        self.device.sensor.on_subscribe(self.spec.uuid)
        return [fd, self.device.sensor.mtu]

    @dbus_method()
    def AcquireWrite(self, options: ASV) -> FD_MTU:
        self._check_connected()
        if "write-without-response" not in self.spec.flags:
            raise DBusError(ERR_NOT_SUPPORTED, "Operation is not supported")
        if self.write_sock is not None:
            raise DBusError(ERR_NOT_PERMITTED, "Write acquired")
        sensor, uuid = self.device.sensor, self.spec.uuid
        self.write_sock, fd = self._pair(lambda data: self.fake._on_write(sensor, uuid, data))
        self._emit({"WriteAcquired": True})
        return [fd, sensor.mtu]

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> S:
        return self.spec.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> O:
        return self.service.path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> AY:
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> AS:
        return list(self.spec.flags)

    @dbus_property(access=PropertyAccess.READ)
    def Handle(self) -> Q:
        return self.handle

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> Q:
        return self.device.sensor.mtu


class _NotifyMixin:
    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> B:
        return self.notifying  # type: ignore[attr-defined]

    @dbus_property(access=PropertyAccess.READ)
    def NotifyAcquired(self) -> B:
        return self.notify_sock is not None  # type: ignore[attr-defined]


class _WriteAcquireMixin:
    @dbus_property(access=PropertyAccess.READ)
    def WriteAcquired(self) -> B:
        return self.write_sock is not None  # type: ignore[attr-defined]


class _NotifyCharacteristic1(_NotifyMixin, _GattCharacteristic1):
    def _property_names(self) -> set[str]:
        return super()._property_names() | {"Notifying", "NotifyAcquired"}


class _WriteCmdCharacteristic1(_WriteAcquireMixin, _GattCharacteristic1):
    def _property_names(self) -> set[str]:
        return super()._property_names() | {"WriteAcquired"}


class _NotifyWriteCmdCharacteristic1(_NotifyMixin, _WriteAcquireMixin, _GattCharacteristic1):
    def _property_names(self) -> set[str]:
        return super()._property_names() | {"Notifying", "NotifyAcquired", "WriteAcquired"}


def _characteristic_class(flags: Iterable[str]) -> type[_GattCharacteristic1]:
    f = set(flags)
    notify, write_cmd = bool({"notify", "indicate"} & f), "write-without-response" in f
    if notify and write_cmd:
        return _NotifyWriteCmdCharacteristic1
    if notify:
        return _NotifyCharacteristic1
    if write_cmd:
        return _WriteCmdCharacteristic1
    return _GattCharacteristic1


class _GattDescriptor1(ServiceInterface):
    """The Client Characteristic Configuration descriptor of a notify/indicate characteristic."""

    def __init__(self, char: _GattCharacteristic1, handle: int) -> None:
        super().__init__("org.bluez.GattDescriptor1")
        self.char, self.handle = char, handle
        self.path = f"{char.path}/desc{handle:04x}"

    def _current(self) -> bytes:
        return b"\x01\x00" if self.char.notifying else b"\x00\x00"

    @dbus_method()
    def ReadValue(self, options: ASV) -> AY:
        self.char._check_connected()
        return self._current()

    @dbus_method()
    def WriteValue(self, value: AY, options: ASV) -> None:
        raise DBusError(ERR_NOT_PERMITTED, "Write not permitted")  # bluetoothd owns the CCCD

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> S:
        return CCCD_UUID

    @dbus_property(access=PropertyAccess.READ)
    def Characteristic(self) -> O:
        return self.char.path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> AY:
        return self._current()

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> AS:
        return ["read", "write"]

    @dbus_property(access=PropertyAccess.READ)
    def Handle(self) -> Q:
        return self.handle


def _close_fd(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


# ---------------------------------------------------------------------------------------------------
# The fake bluetoothd
# ---------------------------------------------------------------------------------------------------


class FakeBlueZ:
    """``org.bluez`` with one adapter (hci0) and the given simulated sensors, on the bus at
    ``bus_address`` (default: ``DBUS_SYSTEM_BUS_ADDRESS``).  Start with ``await start()``; all methods
    run on the loop it was started on."""

    def __init__(
        self,
        sensors: Iterable[SimulatedSensor] = (),
        bus_address: str | None = None,
        powered: bool = True,
        adv_interval_s: float = 0.1,
        readvertise_s: float = 0.2,
        connect_delay_s: float = 0.02,
    ) -> None:
        self.sensors = {s.address.upper(): s for s in sensors}
        self.bus_address = bus_address
        self.powered = powered
        self.adv_interval_s = adv_interval_s
        self.readvertise_s = readvertise_s
        self.connect_delay_s = connect_delay_s
        self.bus: MessageBus | None = None
        self.adapter: _Adapter1 | None = None
        self.devices: dict[str, _Device1] = {}  # exported devices by address
        self.discovery_sessions = 0
        self.drops: list[tuple[float, str]] = []  # (time.monotonic(), address)
        self._adv_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- life cycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.bus_address:
            bus = MessageBus(bus_address=self.bus_address, negotiate_unix_fd=True)
        else:
            bus = MessageBus(bus_type=BusType.SYSTEM, negotiate_unix_fd=True)
        self.bus = await bus.connect()
        self.adapter = _Adapter1(self)
        self.bus.export(ADAPTER_PATH, self.adapter)
        await self.bus.request_name(BLUEZ)

    async def stop(self) -> None:
        for task in [self._adv_task, *self._tasks]:
            if task is not None:
                task.cancel()
        for dev in list(self.devices.values()):
            dev.sensor._cancel_tasks()
            for _, iface in dev.gatt_objects:
                if isinstance(iface, _GattCharacteristic1):
                    for sock in (iface.notify_sock, iface.write_sock):
                        if sock is not None:
                            with contextlib.suppress(Exception):
                                asyncio.get_running_loop().remove_reader(sock.fileno())
                            sock.close()
        if self.bus is not None:
            self.bus.disconnect()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.bus.wait_for_disconnect(), 2)
            self.bus = None

    # --- for tests ---------------------------------------------------------------------------------
    def add_sensor(self, sensor: SimulatedSensor) -> None:
        """Another sensor in range (it shows up at the next discovery)."""
        self.sensors[sensor.address.upper()] = sensor

    def sensor(self, address: str | None = None) -> SimulatedSensor:
        """The sensor with ``address`` (default: the only/first one)."""
        if address is None:
            return next(iter(self.sensors.values()))
        return self.sensors[address.upper()]

    async def drop(self, address: str) -> None:
        """The link to ``address`` drops (supervision timeout: out of range, battery pulled...).  The
        sensor advertises again ``readvertise_s`` later, so the host can reconnect."""
        dev = self.devices[address.upper()]
        self.drops.append((time.monotonic(), address.upper()))
        await self._disconnect(dev, reason="timeout")

    async def client_connections(self) -> int:
        """How many other connections the bus has (bleak: one for its manager plus one per client)."""
        assert self.bus is not None
        reply = await self.bus.call(Message(
            destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus", member="ListNames",
        ))
        return len([n for n in reply.body[0] if n.startswith(":") and n != self.bus.unique_name])

    # --- adapter -----------------------------------------------------------------------------------
    async def _start_discovery(self) -> None:
        assert self.adapter is not None
        if not self.adapter.powered:
            raise DBusError(ERR_NOT_READY, "Resource Not Ready")
        self.discovery_sessions += 1
        if self.discovery_sessions == 1:
            self.adapter.discovering = True
            self.adapter.emit_properties_changed({"Discovering": True})
            self._adv_task = asyncio.get_running_loop().create_task(self._advertise())

    async def _stop_discovery(self) -> None:
        assert self.adapter is not None
        if self.discovery_sessions == 0:
            raise DBusError(ERR_FAILED, "No discovery started")
        self.discovery_sessions -= 1
        if self.discovery_sessions == 0:
            if self._adv_task is not None:
                self._adv_task.cancel()
                self._adv_task = None
            self.adapter.discovering = False
            self.adapter.emit_properties_changed({"Discovering": False})

    async def _advertise(self) -> None:
        """While discovering: every advertising sensor is seen every ``adv_interval_s``."""
        while True:
            for sensor in list(self.sensors.values()):
                if not sensor.advertising:
                    continue
                dev = self.devices.get(sensor.address.upper())
                if dev is None:  # first advertisement: bluetoothd creates the device object
                    dev = _Device1(self, sensor)
                    self.devices[sensor.address.upper()] = dev
                    assert self.bus is not None
                    self.bus.export(dev.path, dev)
                else:
                    dev.rssi = sensor.rssi
                    dev.emit_properties_changed({"RSSI": dev.rssi})
            await asyncio.sleep(self.adv_interval_s)

    async def _remove_device(self, path: str) -> None:
        dev = next((d for d in self.devices.values() if d.path == path), None)
        if dev is None:
            raise DBusError(ERR_DOES_NOT_EXIST, "Does Not Exist")
        if dev.connected:
            await self._disconnect(dev, reason="local")
        assert self.bus is not None
        for obj_path, _ in reversed(dev.gatt_objects):
            self.bus.unexport(obj_path)
        self.bus.unexport(dev.path)
        del self.devices[dev.sensor.address.upper()]

    # --- device ------------------------------------------------------------------------------------
    def _export_gatt(self, dev: _Device1) -> None:
        """Service discovery: export the sensor's GATT database under the device (handles as bluetoothd
        numbers them: service, then per characteristic its declaration and, for notify, the CCCD)."""
        assert self.bus is not None
        handle = 0x000A
        for spec in dev.sensor.gatt():
            svc = _GattService1(spec, dev, handle)
            dev.gatt_objects.append((svc.path, svc))
            handle += 1
            for cspec in spec.characteristics:
                char = _characteristic_class(cspec.flags)(self, cspec, svc, handle)
                dev.gatt_objects.append((char.path, char))
                dev.chars[cspec.uuid] = char
                handle += 2  # declaration + value
                if char._can_notify():
                    desc = _GattDescriptor1(char, handle)
                    dev.gatt_objects.append((desc.path, desc))
                    handle += 1
            handle += 1
        for path, iface in dev.gatt_objects:
            self.bus.export(path, iface)
        dev.gatt_exported = True

    async def _connect(self, dev: _Device1) -> None:
        if dev.connected:
            return
        # like the controller, wait for the sensor's next advertisement (it may have just dropped)
        deadline = time.monotonic() + 5.0
        while not dev.sensor.advertising:
            if time.monotonic() > deadline:
                raise DBusError(ERR_FAILED, "Timeout was reached")
            await asyncio.sleep(0.05)
        await asyncio.sleep(self.connect_delay_s)
        if dev.connected:
            return
        sensor = dev.sensor
        sensor.advertising = False
        sensor.connected = True
        sensor.connect_count += 1
        sensor._notify_sink = lambda uuid, payload: self._deliver(dev, uuid, payload)
        dev.connected = True
        dev.emit_properties_changed({"Connected": True})
        sensor.on_connect()

        async def resolve() -> None:  # after the Connect reply, as bluetoothd does
            await asyncio.sleep(self.connect_delay_s)
            if not dev.connected:
                return
            if not dev.gatt_exported:
                self._export_gatt(dev)
                dev.emit_properties_changed({"UUIDs": dev.UUIDs})
            dev.services_resolved = True
            dev.emit_properties_changed({"ServicesResolved": True})

        self._spawn(resolve())

    async def _disconnect(self, dev: _Device1, reason: str) -> None:
        if not dev.connected:
            return
        sensor = dev.sensor
        sensor._cancel_tasks()
        sensor.connected = False
        sensor._notify_sink = None
        sensor.on_disconnect()
        for _, iface in dev.gatt_objects:
            if isinstance(iface, _GattCharacteristic1):
                iface.end_connection()
        dev.connected = False
        dev.services_resolved = False
        dev.emit_properties_changed({"ServicesResolved": False, "Connected": False})
        log.debug("fake bluez: %s disconnected (%s)", dev.path, reason)

        async def readvertise() -> None:
            await asyncio.sleep(self.readvertise_s)
            if not dev.connected:
                sensor.advertising = True

        self._spawn(readvertise())

    def _deliver(self, dev: _Device1, uuid: str, payload: bytes) -> bool:
        char = dev.chars.get(uuid)
        return False if char is None else char.deliver(payload)

    def _on_write(self, sensor: SimulatedSensor, uuid: str, data: bytes) -> None:
        sensor.writes.append((time.monotonic(), uuid, data))
        sensor.on_write(uuid, data)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


# ---------------------------------------------------------------------------------------------------
# Running it: a private bus, and the fake in a thread of its own
# ---------------------------------------------------------------------------------------------------

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <allow user="*"/>
  </policy>
</busconfig>
"""


class PrivateSystemBus:
    """A ``dbus-daemon`` of its own, allowing everything, on a socket in a temporary directory.
    ``start()`` returns its address (for ``DBUS_SYSTEM_BUS_ADDRESS``); ``stop()`` ends it."""

    def __init__(self) -> None:
        self.dir: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.address = ""

    @staticmethod
    def available() -> bool:
        return shutil.which("dbus-daemon") is not None

    def start(self, timeout_s: float = 10.0) -> str:
        daemon = shutil.which("dbus-daemon")
        if daemon is None:
            raise FileNotFoundError("dbus-daemon")
        self.dir = tempfile.mkdtemp(prefix="fakebluez-")  # short: unix socket paths are limited to 107 bytes
        conf = os.path.join(self.dir, "bus.conf")
        with open(conf, "w") as f:
            f.write(_BUS_CONFIG.format(socket=os.path.join(self.dir, "bus")))
        errlog = open(os.path.join(self.dir, "dbus-daemon.log"), "wb")
        try:
            self.proc = subprocess.Popen(
                [daemon, f"--config-file={conf}", "--nofork", "--print-address"],
                stdout=subprocess.PIPE, stderr=errlog, stdin=subprocess.DEVNULL,
            )
        finally:
            errlog.close()
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        line = b""
        os.set_blocking(self.proc.stdout.fileno(), False)
        while not line.endswith(b"\n"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dbus-daemon did not start: {self.log()}")
            try:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
            except BlockingIOError:
                chunk = b""
            if chunk:
                line += chunk
            else:
                time.sleep(0.01)
        self.address = line.decode().strip()
        return self.address

    def log(self) -> str:
        if self.dir is None:
            return ""
        with contextlib.suppress(OSError), open(os.path.join(self.dir, "dbus-daemon.log"), errors="replace") as f:
            return f.read()
        return ""

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


class FakeBlueZThread:
    """A :class:`FakeBlueZ` running on its own event loop in a daemon thread, so that the code under
    test may run any loop it likes (``asyncio.run``).  ``call``/``acall`` run a coroutine on the fake's
    loop from the test's thread (sync) or from the test's loop (awaitable)."""

    def __init__(self, bus_address: str, sensors: Iterable[SimulatedSensor] = (), **options: Any) -> None:
        self.fake = FakeBlueZ(sensors, bus_address=bus_address, **options)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout_s: float = 10.0) -> "FakeBlueZThread":
        started = threading.Event()
        error: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.fake.start())
            except BaseException as e:
                error.append(e)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                with contextlib.suppress(Exception):
                    loop.run_until_complete(self.fake.stop())
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-bluez", daemon=True)
        self._thread.start()
        if not started.wait(timeout_s):
            raise RuntimeError("fake BlueZ did not start")
        if error:
            raise RuntimeError(f"fake BlueZ did not start: {error[0]!r}") from error[0]
        return self

    def call(self, coro: Coroutine[Any, Any, Any], timeout_s: float = 10.0) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    async def acall(self, coro: Coroutine[Any, Any, Any]) -> Any:
        assert self.loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def sensor(self, address: str | None = None) -> SimulatedSensor:
        return self.fake.sensor(address)

    def drop(self, address: str) -> None:
        """Drop the link to ``address`` (see :meth:`FakeBlueZ.drop`), from the test's thread."""
        self.call(self.fake.drop(address))

    async def adrop(self, address: str) -> None:
        """Drop the link to ``address``, awaited from the test's own loop."""
        await self.acall(self.fake.drop(address))

    def stop(self) -> None:
        if self.loop is not None and self._thread is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
        self._thread = None
