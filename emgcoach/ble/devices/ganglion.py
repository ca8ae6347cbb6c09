"""OpenBCI Ganglion (Simblee, MCP3912): 4 channels at 200 Hz over GATT, firmware 2 and firmware 3.

Facts from ``protocols/SENSORS.md`` section 2.

GATT: service 0xFE84; subscribe to ``2d30c082-...``; single-byte ASCII commands go to ``2d30c083-...``
(write without response, one byte per write: ``b`` start, ``s`` stop).  The firmware generation is told
apart by the Device Information Software Revision String (0x2A28): text starting with '3' is fw 3, anything
else fw 2 (as brainflow does).  Use ``ganglion_decoder(firmware)`` or ``PROFILE.new_decoder(firmware=...)``.

Every notification is 20 bytes: an ID byte + 19 payload bytes.  N-bit fields (N = 18 or 19) are packed
back-to-back MSB first from byte 1: sample 1 ch1..ch4 then sample 2 ch1..ch4.

* fw 2: ID 0 = raw packet, one sample of 4 x 24-bit big-endian signed values; IDs 1..100 = 18-bit deltas,
  101..200 = 19-bit deltas.  A delta field is negative when its LSB is 1 (value = field - 2**N) and
  current = previous - delta.  A lost packet corrupts every later sample until the next ID 0, so after a
  loss this decoder drops packets (counting their samples as lost) until it sees ID 0 again.  Cycle:
  ID 0 then 100 delta packets = 201 samples.
* fw 3: IDs 0..99 = 18-bit, 100..199 = 19-bit; fields are the sample's MSBs as an ordinary two's-complement
  number, shifted back left by 6 (18-bit) or 5 (19-bit).  Stateless per packet; a loss costs 2 samples per
  missing packet.  *(derived from firmware)*: the board packs 201 samples per cycle but transmits only 200
  (sample 200 is never sent), so at every wrap of the ID cycle one sample is missing: this decoder puts it
  in ``lost_before`` (so timing stays right) and counts it in ``firmware_skipped``, not in ``lost_samples``;
  ``extra['firmware_skipped']`` marks the packet.
* 201..205: impedance of channel 1..4 / reference as ASCII digits then 'Z' (kind 'impedance');
  206 / 207: ASCII text, multi-packet / last packet (kind 'text').  These do not affect sample counting.
* In 18-bit packets byte 19 is one accelerometer axis (int8, 0.016 g per count) when ID % 10 is 1, 2, 3
  (firmware LIS2DH axis 0, 1, 2): ``extra['accel'] = (axis, g)``.

Scale: 0.0018699 µV per 24-bit count (1.2 V / (8388607 * 1.5 * 51)).  brainflow decodes fw 3 negatives one
LSB lower than plain two's complement; this decoder uses plain two's complement (difference <= 0.12 µV).
"""

from __future__ import annotations

import numpy as np

from .base import DecodedPacket, DeviceProfile, SequenceDecoderBase, empty_samples, normalize_uuid

SERVICE_UUID = normalize_uuid("fe84")
NOTIFY_UUID = "2d30c082-f39f-4ce6-923f-3484ea480596"
SEND_UUID = "2d30c083-f39f-4ce6-923f-3484ea480596"
DISCONNECT_UUID = "2d30c084-f39f-4ce6-923f-3484ea480596"
SOFTWARE_REVISION_UUID = normalize_uuid("2a28")

UV_PER_COUNT = 1.2 / (8388607 * 1.5 * 51) * 1e6  # 0.0018699 µV per 24-bit count
RATE_HZ = 200.0
ACCEL_G_PER_COUNT = 0.016
N_CH = 4


def unpack_fields(payload: bytes, bits: int, count: int = 8) -> list[int]:
    """Split ``payload`` (the bytes after the ID) into ``count`` unsigned ``bits``-wide MSB-first fields."""
    need = (bits * count + 7) // 8
    if len(payload) < need:
        raise ValueError(f"need {need} bytes for {count} x {bits}-bit fields, got {len(payload)}")
    total = int.from_bytes(bytes(payload[:need]), "big")
    shift = need * 8 - bits * count
    total >>= shift
    mask = (1 << bits) - 1
    return [(total >> (bits * (count - 1 - i))) & mask for i in range(count)]


def fw2_delta_value(field: int, bits: int) -> int:
    """fw 2 delta field -> signed delta (negative when the LSB is 1: field - 2**bits)."""
    return field - (1 << bits) if field & 1 else field


def fw3_value(field: int, bits: int) -> int:
    """fw 3 field -> 24-bit count: N-bit two's complement shifted left by 24 - 18 = 6 or 24 - 19 = 5."""
    v = field - (1 << bits) if field & (1 << (bits - 1)) else field
    return v << (6 if bits == 18 else 5)


def _raw24(b: bytes) -> int:
    v = int.from_bytes(b, "big")
    return v - (1 << 24) if v & 0x800000 else v


def _accel(pid: int, payload: bytes) -> tuple[int, float] | None:
    axis = pid % 10 - 1
    if 0 <= axis <= 2:
        v = payload[19] - 256 if payload[19] > 127 else payload[19]
        return axis, v * ACCEL_G_PER_COUNT
    return None


def _non_emg(pid: int, data: bytes) -> DecodedPacket:
    body = bytes(data[1:])
    if 201 <= pid <= 205:
        text = body.split(b"\n")[0].rstrip(b"\x00").decode("ascii", "replace")
        digits = text.split("Z")[0].strip()
        value = int(digits) if digits.isdigit() else None
        channel: int | str = pid - 200 if pid <= 204 else "ref"
        extra = {"channel": channel, "value": value, "text": text}
        return DecodedPacket(empty_samples(N_CH), pid, None, "impedance", extra)
    text = body.rstrip(b"\x00").decode("ascii", "replace")
    return DecodedPacket(empty_samples(N_CH), pid, None, "text", {"text": text, "last": pid == 207})


class Ganglion3Decoder(SequenceDecoderBase):
    """Ganglion firmware 3.x: absolute 18/19-bit MSB packets, IDs 0..99 / 100..199."""

    firmware = 3

    def __init__(self) -> None:
        super().__init__()
        self.firmware_skipped = 0
        self._last_pos: int | None = None

    def reset(self) -> None:
        super().reset()
        self.firmware_skipped = 0
        self._last_pos = None

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        data = bytes(payload)
        if not data:
            raise self._bad("Ganglion: empty notification")
        pid = data[0]
        if 201 <= pid <= 207:
            return [_non_emg(pid, data)]
        if pid >= 200:
            raise self._bad(f"Ganglion fw3: unused packet id {pid}")
        if len(data) != 20:
            raise self._bad(f"Ganglion: EMG packet must be 20 bytes, got {len(data)}")
        bits = 18 if pid < 100 else 19
        pos = pid % 100
        fields = unpack_fields(data[1:], bits)
        counts = np.array([fw3_value(f, bits) for f in fields], dtype=np.int64).reshape(2, N_CH)
        lost = skipped = 0
        if self._last_pos is not None:
            missing = (pos - self._last_pos - 1) % 100
            lost = 2 * missing
            if pos <= self._last_pos:
                skipped = 1  # sample 200 of the 201-sample cycle is never transmitted (derived)
        self._last_pos = pos
        self.lost_samples += lost
        self.firmware_skipped += skipped
        extra: dict = {"lost_before": lost + skipped, "bits": bits, "counts": counts}
        if skipped:
            extra["firmware_skipped"] = skipped
        if bits == 18:
            acc = _accel(pid, data)
            if acc is not None:
                extra["accel"] = acc
        return [DecodedPacket((counts * UV_PER_COUNT).astype(np.float32), pid, None, "emg", extra)]


class Ganglion2Decoder(SequenceDecoderBase):
    """Ganglion firmware 2.x: raw ID 0 anchor + 18/19-bit delta packets (cycle of 101 packets)."""

    firmware = 2

    def __init__(self) -> None:
        super().__init__()
        self._last_pos: int | None = None  # 0 = raw packet, 1..100 = delta packet position
        self._prev: np.ndarray | None = None  # last decoded sample (counts); None = no valid anchor
        self._started = False  # has any sample been emitted since (re)start
        self._pending_lost = 0
        self.discarded_before_anchor = 0

    def reset(self) -> None:  # as new (the counters too)
        super().reset()
        self._last_pos = None
        self._prev = None
        self._started = False
        self._pending_lost = 0
        self.discarded_before_anchor = 0

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        data = bytes(payload)
        if not data:
            raise self._bad("Ganglion: empty notification")
        pid = data[0]
        if 201 <= pid <= 207:
            return [_non_emg(pid, data)]
        if pid > 200:
            raise self._bad(f"Ganglion fw2: unused packet id {pid}")
        if len(data) != 20:
            raise self._bad(f"Ganglion: EMG packet must be 20 bytes, got {len(data)}")
        pos = 0 if pid == 0 else (pid if pid <= 100 else pid - 100)
        n_here = 1 if pos == 0 else 2
        # samples in packets missing between the previous packet and this one
        if self._last_pos is not None:
            missing = (pos - self._last_pos - 1) % 101
            if missing:
                # positions last+1 .. pos-1 (mod 101): 2 samples each, except position 0 (1 sample)
                crosses_zero = pos != 0 and pos <= self._last_pos
                gap = 2 * missing - (1 if crosses_zero else 0)
                if self._started:
                    self._pending_lost += gap
                self._prev = None  # deltas after a gap are meaningless until the next raw packet
        self._last_pos = pos

        if pos == 0:
            counts = np.array([_raw24(data[1 + 3 * i: 4 + 3 * i]) for i in range(N_CH)], dtype=np.int64)
            self._prev = counts
            return [self._emit(pid, counts[None, :], {"raw": True})]
        bits = 18 if pid <= 100 else 19
        if self._prev is None:  # no anchor yet (start) or invalidated by a loss
            if self._started:
                self._pending_lost += n_here
            else:
                self.discarded_before_anchor += n_here
            return []
        fields = unpack_fields(data[1:], bits)
        deltas = np.array([fw2_delta_value(f, bits) for f in fields], dtype=np.int64).reshape(2, N_CH)
        s1 = self._prev - deltas[0]
        s2 = s1 - deltas[1]
        self._prev = s2
        extra: dict = {"bits": bits}
        if bits == 18:
            acc = _accel(pid, data)
            if acc is not None:
                extra["accel"] = acc
        return [self._emit(pid, np.stack([s1, s2]), extra)]

    def _emit(self, pid: int, counts: np.ndarray, extra: dict) -> DecodedPacket:
        self._started = True
        lost = self._pending_lost
        self._pending_lost = 0
        self.lost_samples += lost
        extra["lost_before"] = lost
        extra["counts"] = counts
        return DecodedPacket((counts * UV_PER_COUNT).astype(np.float32), pid, None, "emg", extra)


def firmware_generation(firmware: str | bytes | None) -> int:
    """2 or 3 from the 0x2A28 Software Revision String ('3...' -> 3, anything else -> 2)."""
    if isinstance(firmware, (bytes, bytearray)):
        firmware = bytes(firmware).decode("ascii", "replace")
    text = (firmware or "").strip().lstrip("vV")
    return 3 if text.startswith("3") else 2


def ganglion_decoder(firmware: str | bytes | None = "3.0.0") -> Ganglion2Decoder | Ganglion3Decoder:
    """The right decoder for the firmware revision string read from characteristic 0x2A28."""
    return Ganglion3Decoder() if firmware_generation(firmware) == 3 else Ganglion2Decoder()


PROFILE = DeviceProfile(
    kind="ganglion",
    display_name="OpenBCI Ganglion",
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(NOTIFY_UUID,),
    command_uuid=SEND_UUID,
    start_commands=((SEND_UUID, b"b", False),),
    stop_commands=((SEND_UUID, b"s", False),),
    rate_hz=RATE_HZ,
    n_channels=N_CH,
    channel_names=("ch1", "ch2", "ch3", "ch4"),
    name_prefixes=("Ganglion", "Simblee"),
    decoder_factory=ganglion_decoder,
    firmware_uuid=SOFTWARE_REVISION_UUID,
    notes="Read 0x2A28 and pass it as new_decoder(firmware=...). The board resets when a connection opens.",
)
