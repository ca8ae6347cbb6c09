"""Shared pieces of every sensor profile: decoded packets, the decoder protocol, the device profile.

A *profile* is pure data (UUIDs, commands, rate, channels, advertisement match) plus a factory for a
*decoder*.  A decoder turns the bytes of one GATT notification into zero or more ``DecodedPacket``s.
Nothing here talks to Bluetooth: the connection layer (``emgcoach.ble.link``, later) subscribes to
``notify_uuids``, writes ``start_commands``, feeds every notification to ``decoder.decode`` and turns
EMG packets into ``Block``s.

Loss bookkeeping lives in each decoder because each protocol's counter is different:

* ``decoder.lost_samples`` - cumulative number of samples known to be lost in transit;
* ``packet.extra['lost_before']`` - samples missing just before this packet's first sample, so the
  stream layer can leave a gap of exactly that length (never shift data);
* ``decoder.bad_packets`` - notifications (or, for byte-stream protocols, resync events) that could not
  be decoded.

Packet decoders (one notification = one self-contained packet) raise ``DecodeError`` for a malformed
notification after counting it in ``bad_packets``; the caller logs and continues.  Byte-stream decoders
(BITalino, MyoWare text) never raise: they resynchronise and count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

BLUETOOTH_BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"


class DecodeError(ValueError):
    """A notification that does not follow the device's protocol (wrong length, unknown id, ...)."""


def normalize_uuid(uuid: str | int) -> str:
    """Lower-case 128-bit UUID string; 16-/32-bit short forms ('fe84', 0x2A28) expand on the BT base UUID."""
    if isinstance(uuid, int):
        return f"{uuid:08x}{BLUETOOTH_BASE_UUID_SUFFIX}"
    u = uuid.strip().lower()
    if u.startswith("0x"):
        u = u[2:]
    if len(u) in (4, 8) and all(c in "0123456789abcdef" for c in u):
        return f"{int(u, 16):08x}{BLUETOOTH_BASE_UUID_SUFFIX}"
    return u


@dataclass(frozen=True)
class DecodedPacket:
    """What one decoded unit of a notification holds.

    samples: float32 array (n_samples x n_channels) in µV for ``kind == 'emg'``; an empty (0, n_channels)
        array for non-EMG packets (aux/IMU, impedance, text, advertising level).
    sequence: the packet's counter exactly as the device sent it (None if the protocol has none).
    first_sample_index: absolute index of the first sample when the device provides one (uMyo tsrc),
        else None (the stream layer counts samples and adds ``extra['lost_before']``).
    kind: 'emg', 'aux', 'adv_level', 'impedance', 'text', ...
    extra: protocol-specific details; always holds 'lost_before' (int, samples missing just before).
    """

    samples: np.ndarray
    sequence: int | None = None
    first_sample_index: int | None = None
    kind: str = "emg"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        arr = np.asarray(self.samples, dtype=np.float32)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"samples must be n_samples x n_channels, got shape {arr.shape}")
        object.__setattr__(self, "samples", arr)
        self.extra.setdefault("lost_before", 0)

    @property
    def n_samples(self) -> int:
        return int(self.samples.shape[0])

    @property
    def lost_before(self) -> int:
        return int(self.extra.get("lost_before", 0))


def empty_samples(n_channels: int) -> np.ndarray:
    """The (0, n_channels) float32 array carried by non-EMG packets."""
    return np.zeros((0, n_channels), dtype=np.float32)


@runtime_checkable
class Decoder(Protocol):
    """Stateful decoder of one device's notifications (one instance per connection)."""

    lost_samples: int
    bad_packets: int

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        """Decode one notification's bytes into zero or more packets."""
        ...

    def reset(self) -> None:
        """Forget all stream state (call after a reconnect); counters restart at zero."""
        ...


CommandList = tuple[tuple[str, bytes, bool], ...]
"""(characteristic uuid, bytes to write, with_response) in the order to write them."""


@dataclass(frozen=True)
class DeviceProfile:
    """Everything the connection layer needs to know about one kind of sensor.

    kind: short id ('umyo', 'ganglion', ...).
    display_name: human name.
    service_uuids: primary service(s) that identify the device (lower-case 128-bit).
    notify_uuids: characteristics to subscribe to; every notification goes to one decoder.
    command_uuid: characteristic that takes commands, or None.
    start_commands / stop_commands: (uuid, bytes, with_response) writes after subscribing / before leaving.
    rate_hz: nominal sample rate (see ``rate_known``).
    n_channels / channel_names: EMG channels in the decoded sample arrays.
    name_prefixes: advertised-name prefixes (case-insensitive) that identify the device.
    service_match_sufficient: whether an advertised service UUID alone identifies the device (False when
        the vendor reuses a generic UUID such as the ESP32 example service or Nordic UART).
    firmware_uuid: a characteristic to read after connecting whose text goes to
        ``new_decoder(firmware=...)`` (Ganglion: 0x2A28 Software Revision String), or None.
    rate_known: False when the device has no defined sample rate (MyoWare text sketches); the stream
        layer must estimate it from arrival times.
    format_in_packets: True when every EMG packet declares its sample rate (``extra['rate_hz']``) and its
        channels (the samples' columns), fixed per stream (the open profile): ``rate_hz`` and
        ``n_channels`` are then only defaults, and the stream's are what its first packet says.
    decoder_factory: makes a fresh decoder; keyword options are passed through ``new_decoder``.
    advert_match: optional extra predicate (name, service_uuids, manufacturer_data) -> bool.
    notes: short free text for the device panel / docs.
    """

    kind: str
    display_name: str
    service_uuids: tuple[str, ...]
    notify_uuids: tuple[str, ...]
    command_uuid: str | None
    start_commands: CommandList
    stop_commands: CommandList
    rate_hz: float
    n_channels: int
    channel_names: tuple[str, ...]
    name_prefixes: tuple[str, ...]
    decoder_factory: Callable[..., Decoder]
    service_match_sufficient: bool = True
    firmware_uuid: str | None = None
    rate_known: bool = True
    format_in_packets: bool = False
    advert_match: Callable[[str | None, Sequence[str], Mapping[int, bytes]], bool] | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        if len(self.channel_names) != self.n_channels:
            raise ValueError(f"profile {self.kind!r}: {self.n_channels} channels but names {self.channel_names}")
        if not self.rate_hz > 0:
            raise ValueError(f"profile {self.kind!r}: rate must be positive")

    def matches(
        self,
        name: str | None,
        service_uuids: Sequence[str] | None = None,
        manufacturer_data: Mapping[int, bytes] | None = None,
    ) -> bool:
        """True if an advertisement (name, advertised service UUIDs, manufacturer data) is this device."""
        services = {normalize_uuid(u) for u in (service_uuids or ())}
        mine = {normalize_uuid(u) for u in self.service_uuids}
        name_ok = bool(name and any(name.casefold().startswith(p.casefold()) for p in self.name_prefixes))
        if name_ok:
            return True
        if self.service_match_sufficient and services & mine:
            return True
        if self.advert_match is not None:
            return bool(self.advert_match(name, list(services), dict(manufacturer_data or {})))
        return False

    def new_decoder(self, **options: Any) -> Decoder:
        """A fresh decoder for one connection (options such as ``firmware=`` go to the factory)."""
        return self.decoder_factory(**options)


def declared_format(packets: Sequence[DecodedPacket]) -> tuple[float, int] | None:
    """(sample rate in Hz, channels) the first EMG packet with samples declares in ``extra['rate_hz']``, or
    None when none of `packets` declares one."""
    for p in packets:
        if p.kind == "emg" and p.n_samples and "rate_hz" in p.extra:
            return float(p.extra["rate_hz"]), int(p.samples.shape[1])
    return None


class SequenceDecoderBase:
    """Small helper base: the counters every decoder exposes."""

    def __init__(self) -> None:
        self.lost_samples = 0
        self.bad_packets = 0

    def reset(self) -> None:
        self.lost_samples = 0
        self.bad_packets = 0

    def _bad(self, message: str) -> DecodeError:
        self.bad_packets += 1
        return DecodeError(message)
