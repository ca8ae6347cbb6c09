"""emgcoach open profile: a simple binary BLE format for DIY EMG sensors (ESP32 + MyoWare / BioAmp, ...).

Implement this on your board and emgcoach decodes it with no extra code.

GATT
----
* Service (advertise it):     ``a0a20001-1880-4825-bda5-0021b7754d79``
* Data characteristic:        ``a0a20002-1880-4825-bda5-0021b7754d79`` - NOTIFY
* Control characteristic:     ``a0a20003-1880-4825-bda5-0021b7754d79`` - WRITE (with response)
  The host writes the ASCII bytes ``start`` to begin streaming and ``stop`` to end it.  Reset your
  sequence counter to 0 on ``start``.
* Advertised name: anything; starting it with ``EMGC`` helps (e.g. ``EMGC-lat``).
* Ask for a large ATT MTU (ESP32: ``BLEDevice::setMTU(247)``); the packet must fit in MTU - 3 bytes.

Data packet (one notification, all little-endian)
------------------------------------------------
======  ======  ======================================================================
offset  type    field
======  ======  ======================================================================
0       u8      version, always 1
1       u8      n_channels, 1..8
2       u16     sequence: packet counter, +1 per notification, wraps 65535 -> 0
4       u16     sample rate in Hz (integer, e.g. 1000)
6       f32     scale: µV per count at the electrodes (e.g. 4.03 for MyoWare RAW on a
                3.3 V 12-bit ADC: 3.3 / 4095 / 200 * 1e6); must be > 0
10      i16 x   samples, interleaved: s0ch0, s0ch1, ..., s1ch0, ... (n_samples x n_channels)
======  ======  ======================================================================

n_samples = (length - 10) / (2 * n_channels); it must be a whole number >= 1 and **the same in every
packet of a stream** (the host counts lost samples as missing packets x n_samples).  Sample on a hardware
timer at a fixed rate and send a packet every n_samples samples; if your send queue is full, drop whole
packets but still increment the sequence counter, so the host sees the gap.  Subtract your ADC's
mid-scale before sending if the signal sits on a DC offset (signed int16 counts centred on 0).

The sample rate and n_channels are **fixed per stream** too: the host sets the stream up (filters, time
axis, recording header) from the first packet, and stops the stream with an error naming the sensor if a
later packet changes either (to change them, stop, and let the host reconnect).  The scale may change.

Example: version 1, 1 channel, sequence 7, 1000 Hz, 4.0 µV/count, samples 10, -20, 30:
``01 01 07 00 E8 03 00 00 80 40 0A 00 EC FF 1E 00`` -> µV 40, -80, 120.
"""

from __future__ import annotations

import math
import struct
from typing import Sequence

import numpy as np

from .base import DecodedPacket, DeviceProfile, SequenceDecoderBase

SERVICE_UUID = "a0a20001-1880-4825-bda5-0021b7754d79"
DATA_UUID = "a0a20002-1880-4825-bda5-0021b7754d79"
CONTROL_UUID = "a0a20003-1880-4825-bda5-0021b7754d79"
VERSION = 1
HEADER = struct.Struct("<BBHHf")
HEADER_LEN = HEADER.size  # 10
MAX_CHANNELS = 8
DEFAULT_RATE_HZ = 1000.0
DEFAULT_CHANNELS = 1


def encode_open_profile_packet(
    samples: np.ndarray | Sequence[Sequence[int]] | Sequence[int],
    sequence: int,
    rate_hz: int,
    uv_per_count: float,
    version: int = VERSION,
) -> bytes:
    """Encode one data packet: ``samples`` are int16 counts (n_samples x n_channels, or 1-D for 1 channel)."""
    arr = np.asarray(samples)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 1 or not 1 <= arr.shape[1] <= MAX_CHANNELS:
        raise ValueError(f"samples must be n_samples (>=1) x n_channels (1..{MAX_CHANNELS}), got {arr.shape}")
    if np.any(arr < -32768) or np.any(arr > 32767):
        raise ValueError("samples must fit in int16")
    if not 0 < rate_hz <= 65535:
        raise ValueError("rate_hz must be 1..65535")
    if not (uv_per_count > 0 and math.isfinite(uv_per_count)):
        raise ValueError("uv_per_count must be a positive number")
    head = HEADER.pack(version, arr.shape[1], sequence & 0xFFFF, int(rate_hz), float(uv_per_count))
    return head + arr.astype("<i2").tobytes()


class OpenProfileDecoder(SequenceDecoderBase):
    """Decoder of the open-profile data packets (see module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._last_seq: int | None = None
        self.n_channels: int | None = None
        self.rate_hz: float | None = None

    def reset(self) -> None:
        super().reset()
        self._last_seq = None
        self.n_channels = None
        self.rate_hz = None

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        data = bytes(payload)
        if len(data) < HEADER_LEN + 2:
            raise self._bad(f"open profile: packet of {len(data)} bytes is shorter than header + 1 sample")
        version, n_ch, seq, rate, scale = HEADER.unpack_from(data, 0)
        if version != VERSION:
            raise self._bad(f"open profile: unsupported version {version}")
        if not 1 <= n_ch <= MAX_CHANNELS:
            raise self._bad(f"open profile: n_channels {n_ch} not in 1..{MAX_CHANNELS}")
        body = len(data) - HEADER_LEN
        if body % (2 * n_ch):
            raise self._bad(f"open profile: {body} sample bytes are not whole samples of {n_ch} channels")
        if rate == 0 or not (scale > 0 and math.isfinite(scale)):
            raise self._bad(f"open profile: bad rate {rate} or scale {scale}")
        n = body // (2 * n_ch)
        counts = np.frombuffer(data, dtype="<i2", offset=HEADER_LEN).reshape(n, n_ch)
        extra: dict = {"rate_hz": float(rate), "uv_per_count": float(scale)}
        lost = 0
        if self._last_seq is not None:
            missing = (seq - self._last_seq - 1) % 65536
            if missing >= 32768:  # went backwards: the board restarted its counter
                extra["discontinuity"] = True
            else:
                lost = missing * n
        if self.n_channels is not None and n_ch != self.n_channels:
            extra["discontinuity"] = True
        self._last_seq = seq
        self.n_channels = n_ch
        self.rate_hz = float(rate)
        self.lost_samples += lost
        extra["lost_before"] = lost
        samples = (counts.astype(np.float64) * scale).astype(np.float32)
        return [DecodedPacket(samples, seq, None, "emg", extra)]


PROFILE = DeviceProfile(
    kind="open",
    display_name="emgcoach open profile",
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(DATA_UUID,),
    command_uuid=CONTROL_UUID,
    start_commands=((CONTROL_UUID, b"start", True),),
    stop_commands=((CONTROL_UUID, b"stop", True),),
    rate_hz=DEFAULT_RATE_HZ,
    n_channels=DEFAULT_CHANNELS,
    channel_names=("ch1",),
    name_prefixes=("EMGC",),
    decoder_factory=OpenProfileDecoder,
    format_in_packets=True,
    notes="Rate, channel count and scale travel in every packet; the profile's rate/channels are defaults.",
)
