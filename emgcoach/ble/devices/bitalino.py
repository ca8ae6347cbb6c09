"""BITalino (r)evolution BLE (PLUX, BT121 module): up to 6 analog channels, frames with 4-bit seq + CRC4.

Facts from ``protocols/SENSORS.md`` section 5.

GATT: service ``c566488a-0882-4e1b-a6d0-0b717e652234``; commands to ``4051eb11-...`` **with response**
(the BT121 script forwards only ATT Write Requests to the MCU); frames arrive on ``40fdba6b-...`` as a
transparent UART byte stream - notification boundaries are not frame boundaries.

Commands (one byte each, device idle): sample rate ``0x03`` 1 Hz, ``0x43`` 10 Hz, ``0x83`` 100 Hz,
``0xC3`` 1000 Hz; start live ``(mask << 2) | 0x01`` (mask bit k = A(k+1)); stop ``0x00``.

Frame of nC channels: 3, 4, 6, 7, 8, 8 bytes for nC = 1..6.  Counting from the end: last byte = seq (high
nibble) | CRC4 (low nibble); the byte before holds the digital I1 I2 O1 O2 (bits 7-4) and ch1 bits 9-6; channel
values follow in acquisition order (ascending analog channel), positions 1-4 are 10-bit, 5-6 are 6-bit.
CRC4 (x^4 + x + 1, table-driven, nibble-wise, last nibble zeroed) must match; on mismatch the decoder drops
one byte and retries (resync).  Sequence numbers step by 1 mod 16 per frame: a bigger step = lost frames
(one sample each; a gap of 16 or more frames is under-counted, as the counter cannot tell).

EMG in µV = ((ADC / 2**n) - 0.5) * 3.3 / 1009 * 1e6, n = 10 or 6 by position (G = 1009, revolution EMG
sensor).  The raw ADC values are kept in ``extra['adc']`` and the digital nibble per frame in
``extra['digital']``.  All worked examples in SENSORS.md are *(derived)* from the encoder.

This decoder never raises: undecodable bytes are dropped and counted (``dropped_bytes``; ``bad_packets``
counts resync events).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import DecodedPacket, DeviceProfile

SERVICE_UUID = "c566488a-0882-4e1b-a6d0-0b717e652234"
COMMAND_UUID = "4051eb11-bf0a-4c74-8730-a48f4193fcea"
FRAMES_UUID = "40fdba6b-672e-47c4-808a-e529adff3633"

VCC = 3.3
GAIN_EMG = 1009.0
RATE_CODES = {1: 0x03, 10: 0x43, 100: 0x83, 1000: 0xC3}
FRAME_LENGTHS = {1: 3, 2: 4, 3: 6, 4: 7, 5: 8, 6: 8}
CMD_STOP = 0x00
_CRC_TABLE = (0, 3, 6, 5, 12, 15, 10, 9, 11, 8, 13, 14, 7, 4, 1, 2)
_MAX_BUFFER = 4096


def crc4(frame: bytes) -> int:
    """CRC4 of a frame as BITalino computes it (the last byte's low nibble is treated as zero)."""
    crc = 0
    for b in frame[:-1]:
        crc = _CRC_TABLE[crc] ^ (b >> 4)
        crc = _CRC_TABLE[crc] ^ (b & 0x0F)
    crc = _CRC_TABLE[crc] ^ (frame[-1] >> 4)
    return _CRC_TABLE[crc]


def frame_ok(frame: bytes) -> bool:
    return crc4(frame) == (frame[-1] & 0x0F)


def unpack_frame(frame: bytes, n_channels: int) -> tuple[int, int, list[int]]:
    """(seq, digital nibble, ADC values in acquisition order) of one complete frame (CRC not checked)."""
    b = frame
    L = len(b)
    seq = b[L - 1] >> 4
    digital = b[L - 2] >> 4
    vals = [((b[L - 2] & 0x0F) << 6) | (b[L - 3] >> 2)]
    if n_channels > 1:
        vals.append(((b[L - 3] & 0x03) << 8) | b[L - 4])
    if n_channels > 2:
        vals.append((b[L - 5] << 2) | (b[L - 6] >> 6))
    if n_channels > 3:
        vals.append(((b[L - 6] & 0x3F) << 4) | (b[L - 7] >> 4))
    if n_channels > 4:
        vals.append(((b[L - 7] & 0x0F) << 2) | (b[L - 8] >> 6))
    if n_channels > 5:
        vals.append(b[L - 8] & 0x3F)
    return seq, digital, vals


def encode_frame(values: Sequence[int], seq: int, digital: int = 0) -> bytes:
    """Build one frame (for tests and the simulator): values in acquisition order, 10-bit / 6-bit."""
    n = len(values)
    L = FRAME_LENGTHS[n]
    b = bytearray(L)
    v = list(values) + [0] * (6 - n)
    b[L - 2] = ((digital & 0x0F) << 4) | ((v[0] >> 6) & 0x0F)
    b[L - 3] = (v[0] & 0x3F) << 2
    if n > 1:
        b[L - 3] |= (v[1] >> 8) & 0x03
        b[L - 4] = v[1] & 0xFF
    if n > 2:
        b[L - 5] = (v[2] >> 2) & 0xFF
        b[L - 6] = (v[2] & 0x03) << 6
    if n > 3:
        b[L - 6] |= (v[3] >> 4) & 0x3F
        b[L - 7] = (v[3] & 0x0F) << 4
    if n > 4:
        b[L - 7] |= (v[4] >> 2) & 0x0F
        b[L - 8] = (v[4] & 0x03) << 6
    if n > 5:
        b[L - 8] |= v[5] & 0x3F
    b[L - 1] = (seq & 0x0F) << 4
    b[L - 1] |= crc4(bytes(b))
    return bytes(b)


def adc_to_uv(adc: np.ndarray, n_bits: np.ndarray | int) -> np.ndarray:
    """BITalino EMG transfer function in µV."""
    return ((np.asarray(adc, dtype=np.float64) / (2.0 ** np.asarray(n_bits))) - 0.5) * VCC / GAIN_EMG * 1e6


def start_command(channels: Sequence[int]) -> bytes:
    """Start-live command for 0-based analog channels (0 = A1)."""
    mask = 0
    for c in channels:
        if not 0 <= c <= 5:
            raise ValueError(f"BITalino analog channel index must be 0..5 (A1..A6), not {c}")
        mask |= 1 << c
    if not mask:
        raise ValueError("BITalino: at least one channel")
    return bytes([(mask << 2) | 0x01])


def rate_command(rate_hz: int) -> bytes:
    if rate_hz not in RATE_CODES:
        raise ValueError(f"BITalino rate must be one of {sorted(RATE_CODES)}, not {rate_hz}")
    return bytes([RATE_CODES[rate_hz]])


class BitalinoDecoder:
    """Byte-stream frame reassembly with CRC resync and 4-bit sequence loss detection."""

    def __init__(self, n_channels: int = 2) -> None:
        if n_channels not in FRAME_LENGTHS:
            raise ValueError(f"BITalino: 1..6 channels, not {n_channels}")
        self.n_channels = n_channels
        self.frame_len = FRAME_LENGTHS[n_channels]
        self._bits = np.array([10 if i < 4 else 6 for i in range(n_channels)])
        self.reset()

    def reset(self) -> None:
        self.lost_samples = 0
        self.bad_packets = 0
        self.dropped_bytes = 0
        self._buf = bytearray()
        self._last_seq: int | None = None
        self._in_resync = False

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        self._buf += payload
        if len(self._buf) > _MAX_BUFFER:  # cannot happen with valid frames; keep memory bounded
            drop = len(self._buf) - _MAX_BUFFER
            del self._buf[:drop]
            self.dropped_bytes += drop
        L = self.frame_len
        out: list[DecodedPacket] = []
        run_adc: list[list[int]] = []
        run_dig: list[int] = []
        run_seq: int | None = None
        run_lost = 0
        pos = 0
        buf = self._buf
        while len(buf) - pos >= L:
            frame = bytes(buf[pos:pos + L])
            if not frame_ok(frame):
                if not self._in_resync:
                    self.bad_packets += 1
                    self._in_resync = True
                self.dropped_bytes += 1
                pos += 1
                continue
            self._in_resync = False
            pos += L
            seq, dig, vals = unpack_frame(frame, self.n_channels)
            lost = 0 if self._last_seq is None else (seq - self._last_seq - 1) % 16
            self._last_seq = seq
            if lost and run_adc:
                out.append(self._packet(run_adc, run_dig, run_seq, run_lost))
                run_adc, run_dig = [], []
            if not run_adc:
                run_seq, run_lost = seq, lost
            self.lost_samples += lost
            run_adc.append(vals)
            run_dig.append(dig)
        del buf[:pos]
        if run_adc:
            out.append(self._packet(run_adc, run_dig, run_seq, run_lost))
        return out

    def _packet(self, adc: list[list[int]], dig: list[int], seq: int | None, lost: int) -> DecodedPacket:
        a = np.array(adc, dtype=np.int32).reshape(len(adc), self.n_channels)
        uv = adc_to_uv(a, self._bits[None, :]).astype(np.float32)
        extra = {"lost_before": lost, "adc": a, "digital": np.array(dig, dtype=np.uint8)}
        return DecodedPacket(uv, seq, None, "emg", extra)


def make_profile(channels: Sequence[int] = (0, 1), rate_hz: int = 1000) -> DeviceProfile:
    """A BITalino profile acquiring the given 0-based analog channels at one of 1/10/100/1000 Hz."""
    chans = tuple(sorted(set(channels)))
    start = ((COMMAND_UUID, rate_command(rate_hz), True), (COMMAND_UUID, start_command(chans), True))
    n = len(chans)
    return DeviceProfile(
        kind="bitalino",
        display_name="BITalino (r)evolution BLE",
        service_uuids=(SERVICE_UUID,),
        notify_uuids=(FRAMES_UUID,),
        command_uuid=COMMAND_UUID,
        start_commands=start,
        stop_commands=((COMMAND_UUID, bytes([CMD_STOP]), True),),
        rate_hz=float(rate_hz),
        n_channels=n,
        channel_names=tuple(f"A{c + 1}" for c in chans),
        name_prefixes=("BITalino",),
        decoder_factory=lambda n_channels=n: BitalinoDecoder(n_channels),
        notes="Commands need write-with-response. Frames are a byte stream resynchronised by CRC4.",
    )


PROFILE = make_profile()
