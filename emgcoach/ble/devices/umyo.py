"""uMyo (Ultimate Robotics / udevices.io): one EMG channel per sensor, GATT raw stream or BLE adverts.

Facts from ``protocols/SENSORS.md`` section 1.

GATT stream (firmware from March 2026): service ``93375900-f229-8b49-b397-44b5899b8601``, subscribe to the
telemetry characteristic ``fc7a850d-c1a5-f61f-0da7-9995621fbd01``; no command is needed (enabling
notifications starts the stream).  Needs an ATT MTU >= 55.  Payloads, all little-endian, dispatched on
length:

* 52 / 36 / 20 bytes - EMG: u32 ``tsrc`` (sample index of the first sample) + 24 / 16 / 8 int16 samples;
* 60 bytes - "S1": u32 tsrc + 24 int16 samples + quaternion w, x, y, z int16 (1.0 = 32000);
* 26 bytes - aux: acc x,y,z, gyro x,y,z, mag x,y,z, quat w,x,y,z (13 int16, raw register units; no counter);
* 53 / 61 / 27 bytes with byte 0 in {1, 2, 3}: the same with a leading format byte (as ``SPEC_UF1_v2.md``
  describes; not in the firmware source) - the byte is stripped.

Scale *(derived, not vendor-documented)*: 3.6 V full scale / 16384 counts / AD8293G80 gain 80
= 2.74658 µV per count at the electrodes.  The signal sits near mid-scale (the firmware steers its DC
level towards ~8000 counts), so this decoder emits ``(counts - 8192) * 2.74658`` µV: values are near zero
but keep a small DC offset (a few hundred µV), which the 20 Hz band-pass removes.  The raw counts are kept in
``extra['counts']``.

Loss: ``tsrc`` counts samples since BLE mode was entered, +8 per 8-sample chunk, so consecutive 52-byte
packets differ by 24.  A larger step means lost samples (the firmware drops its oldest chunk when its queue
overflows); a backwards step (tsrc reset - the sensor left and re-entered BLE mode) is reported as
``extra['discontinuity'] = True`` with ``lost_before = 0``; so is a forward jump of more than
``MAX_GAP_SAMPLES`` (~57 s, far beyond what the firmware's 32-chunk queue can drop within a connection).  ``sequence`` is the raw tsrc;
``first_sample_index`` is tsrc unwrapped past 2**32 and re-anchored on a reset so it never goes backwards.  Nominal rate ~1150 Hz (the ADC is not crystal-timed: 1116-1238 Hz have
been reported) - estimate the true rate from tsrc against host time.

Advertising mode (any firmware): ``decode_umyo_advert`` / ``UmyoAdvertTracker`` decode the 15-byte
manufacturer payload (level byte, 4 spectrum bins, battery, quaternion); no raw EMG is ever advertised.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .base import DecodedPacket, DeviceProfile, SequenceDecoderBase, empty_samples

SERVICE_UUID = "93375900-f229-8b49-b397-44b5899b8601"
TELEMETRY_UUID = "fc7a850d-c1a5-f61f-0da7-9995621fbd01"
NAME_UUID = "fc7a850d-c1a5-f61f-0da7-9995621fbd02"

UV_PER_COUNT = 3.6 / 16384 / 80 * 1e6  # 2.74658203125 µV per count (derived)
MIDSCALE = 8192
RATE_HZ = 1150.0
QUAT_SCALE = 32000.0
SAMPLES_PER_CHUNK = 8

_EMG_LENGTHS = {20: 8, 36: 16, 52: 24}
MAX_GAP_SAMPLES = 1 << 16  # ~57 s: a larger forward tsrc jump is treated as a discontinuity, not as loss
_TSRC_MOD = 1 << 32


class UmyoDecoder(SequenceDecoderBase):
    """Decoder of the uMyo GATT telemetry notifications (one channel, µV)."""

    def __init__(self) -> None:
        super().__init__()
        self._next_tsrc: int | None = None  # expected raw tsrc of the next EMG packet
        self._next_abs = 0  # expected absolute index of the next EMG packet

    def reset(self) -> None:
        super().reset()
        self._next_tsrc = None
        self._next_abs = 0

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        data = bytes(payload)
        n = len(data)
        if n in (53, 61, 27) and data[0] in (1, 2, 3):
            data = data[1:]
            n -= 1
        if n in _EMG_LENGTHS:
            return [self._emg(data, _EMG_LENGTHS[n], quat=None)]
        if n == 60:
            quat = struct.unpack_from("<4h", data, 52)
            return [self._emg(data[:52], 24, quat=quat)]
        if n == 26:
            v = struct.unpack("<13h", data)
            extra = {
                "acc": v[0:3],
                "gyro": v[3:6],
                "mag": v[6:9],
                "quat": tuple(q / QUAT_SCALE for q in v[9:13]),
                "quat_raw": v[9:13],
            }
            return [DecodedPacket(empty_samples(1), None, None, "aux", extra)]
        raise self._bad(f"uMyo: unexpected notification length {len(payload)}")

    def _emg(self, data: bytes, n_samples: int, quat: tuple[int, ...] | None) -> DecodedPacket:
        tsrc = struct.unpack_from("<I", data, 0)[0]
        counts = np.frombuffer(data, dtype="<i2", count=n_samples, offset=4).astype(np.int32)
        lost = 0
        extra: dict = {}
        if self._next_tsrc is None:
            first = tsrc
        else:
            step = (tsrc - self._next_tsrc) % _TSRC_MOD
            if step <= MAX_GAP_SAMPLES:  # forward (possibly across the 32-bit wrap)
                lost = step
                first = self._next_abs + step
            else:  # backwards (tsrc reset, duplicate) or an implausible jump: re-anchor, keep it monotonic
                extra["discontinuity"] = True
                extra["tsrc_jump"] = step if step < _TSRC_MOD // 2 else step - _TSRC_MOD
                first = self._next_abs
        self._next_tsrc = (tsrc + n_samples) % _TSRC_MOD
        self._next_abs = first + n_samples
        self.lost_samples += lost
        extra["lost_before"] = lost
        extra["counts"] = counts
        if quat is not None:
            extra["quat"] = tuple(q / QUAT_SCALE for q in quat)
            extra["quat_raw"] = quat
        samples = ((counts - MIDSCALE) * UV_PER_COUNT).astype(np.float32)[:, None]
        return DecodedPacket(samples, tsrc, first, "emg", extra)


# --------------------------------------------------------------------------------------------------
# Advertising mode


@dataclass(frozen=True)
class UmyoAdvert:
    """One decoded uMyo advertisement (15-byte manufacturer payload, v3.1 layout)."""

    data_id: int  # 8-bit block counter (+1 per 8-sample ADC block, ~144/s)
    battery_mv: int  # 2000 + 10 * byte
    level: int  # compressed average muscle level byte
    spectrum: tuple[int, int, int, int]  # sp0 (high byte only, x256), sp1, sp2, sp3
    quat_raw: tuple[int, int, int, int]  # w full int16; x, y, z high byte only (x256)
    payload: bytes

    @property
    def quat(self) -> tuple[float, float, float, float]:
        w, x, y, z = self.quat_raw
        return w / QUAT_SCALE, x / QUAT_SCALE, y / QUAT_SCALE, z / QUAT_SCALE

    @property
    def muscle_level(self) -> int:
        """The uMyo_BLE library's 'muscle level' = sp2 + 2 * sp3."""
        return self.spectrum[2] + 2 * self.spectrum[3]

    @property
    def average_level(self) -> float:
        """The library's 'average level' = level**2 / 8."""
        return self.level * self.level / 8.0


def parse_umyo_advert_payload(payload: bytes) -> UmyoAdvert:
    """Decode the 15-byte manufacturer payload (no company id) of a uMyo advert."""
    p = bytes(payload)
    if len(p) != 15:
        raise ValueError(f"uMyo advert payload must be 15 bytes, got {len(p)}")
    sp0 = p[2] * 256
    sp1, sp2, sp3, qw = struct.unpack_from(">4h", p, 4)
    qx, qy, qz = (struct.unpack_from("b", p, i)[0] * 256 for i in (12, 13, 14))
    return UmyoAdvert(
        data_id=p[0],
        battery_mv=2000 + 10 * p[1],
        level=p[3],
        spectrum=(sp0, sp1, sp2, sp3),
        quat_raw=(qw, qx, qy, qz),
        payload=p,
    )


def _entry_payload(key: int, value: bytes) -> bytes | None:
    if not (0 <= key <= 0xFFFF) or len(value) != 13:
        return None
    return key.to_bytes(2, "little") + bytes(value)


def decode_umyo_advert(
    manufacturer_data: Mapping[int, bytes], previous: Mapping[int, bytes] | None = None
) -> UmyoAdvert | None:
    """Decode the newest uMyo advert from bleak's ``AdvertisementData.manufacturer_data``.

    bleak keys manufacturer data by the first two payload bytes (little-endian) - for uMyo that is
    ``data_id | battery << 8`` - and the value holds the remaining 13 bytes; the 15-byte payload is
    rebuilt as ``key.to_bytes(2, 'little') + value``.  On Linux BlueZ may keep stale keys, so the entry that
    is new or changed relative to ``previous`` (the dict from the previous callback; pass a copy) is picked;
    if several are, the last in dict order wins.  Returns None when nothing new is present.
    """
    chosen: bytes | None = None
    for key, value in manufacturer_data.items():
        if previous is not None and key in previous and bytes(previous[key]) == bytes(value):
            continue
        p = _entry_payload(key, value)
        if p is not None:
            chosen = p
    return None if chosen is None else parse_umyo_advert_payload(chosen)


class UmyoAdvertTracker:
    """Keeps the previous manufacturer-data dict and turns each new advert into an 'adv_level' packet.

    ``extra`` holds level, average_level, muscle_level, spectrum, battery_mv, quat and ``lost_blocks``
    (8-sample blocks whose adverts were not seen: normal, the scanner misses many adverts).  There are no
    EMG samples, so ``samples`` is empty and ``lost_before`` is 0.
    """

    def __init__(self) -> None:
        self.lost_samples = 0
        self.bad_packets = 0
        self._previous: dict[int, bytes] | None = None
        self._last_id: int | None = None

    def reset(self) -> None:  # as new (the counters too)
        self.lost_samples = 0
        self.bad_packets = 0
        self._previous = None
        self._last_id = None

    def update(self, manufacturer_data: Mapping[int, bytes]) -> DecodedPacket | None:
        adv = decode_umyo_advert(manufacturer_data, self._previous)
        self._previous = {k: bytes(v) for k, v in manufacturer_data.items()}
        if adv is None:
            return None
        lost_blocks = 0 if self._last_id is None else (adv.data_id - self._last_id - 1) % 256
        if self._last_id is not None and adv.data_id == self._last_id:
            return None  # the same advert again
        self._last_id = adv.data_id
        extra = {
            "level": adv.level,
            "average_level": adv.average_level,
            "muscle_level": adv.muscle_level,
            "spectrum": adv.spectrum,
            "battery_mv": adv.battery_mv,
            "quat": adv.quat,
            "lost_blocks": lost_blocks,
        }
        return DecodedPacket(empty_samples(1), adv.data_id, None, "adv_level", extra)


PROFILE = DeviceProfile(
    kind="umyo",
    display_name="uMyo",
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(TELEMETRY_UUID,),
    command_uuid=None,
    start_commands=(),
    stop_commands=(),
    rate_hz=RATE_HZ,
    n_channels=1,
    channel_names=("emg",),
    name_prefixes=("uMyo",),
    decoder_factory=UmyoDecoder,
    notes="GATT raw needs firmware from 2026-03 and ATT MTU >= 55; rate is nominal (estimate from tsrc).",
)
