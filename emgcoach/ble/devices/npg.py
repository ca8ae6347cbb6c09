"""Upside Down Labs NPG Lite (Chords): 3 channels at 500 Hz over GATT.

Facts from ``protocols/SENSORS.md`` section 6 (client: ``upsidedownlabs/Chords-Python`` ``chords_ble.py``).

Name prefix ``NPG``; service ``4fafc201-1fb5-459e-8fcc-c5c9c331914b`` (this is the Arduino-ESP32 example
service UUID, shared by many hobby devices, so the name is required for a match); data notify
``beb5483e-36e1-4688-b7f5-ea07361b26a8``; control ``0000ff01-...`` - write ``START`` with response.  No stop
command is published (the vendor client just disconnects), so ``stop_commands`` is empty.

A notification is 10 blocks of 7 bytes (or a single block): u8 sample counter (wraps at 256) + 3 x int16
big-endian.  This decoder accepts any whole number of blocks.  The counter steps by 1 per sample, so a
bigger step is lost samples; a gap of 256 samples or more (0.5 s) cannot be told from a smaller one.  A
notification whose counters jump inside it is split into several packets so each carries its own
``lost_before``.

Scale: **no µV scale is published**.  The samples are board ADC counts (``UV_PER_COUNT = 1.0``, unit
'counts') until calibrated; ``extra['unit'] = 'counts'`` says so on every packet.
"""

from __future__ import annotations

import numpy as np

from .base import DecodedPacket, DeviceProfile, SequenceDecoderBase, normalize_uuid

SERVICE_UUID = "4fafc201-1fb5-459e-8fcc-c5c9c331914b"
DATA_UUID = "beb5483e-36e1-4688-b7f5-ea07361b26a8"
CONTROL_UUID = normalize_uuid("ff01")
RATE_HZ = 500.0
N_CH = 3
BLOCK_LEN = 1 + 2 * N_CH
UV_PER_COUNT = 1.0  # not published: samples stay in board ADC counts
UNIT = "counts"


def encode_npg_blocks(counters: list[int], samples: np.ndarray) -> bytes:
    """Build a notification (for tests and the simulator) from counters and an (n, 3) int array."""
    out = bytearray()
    for c, row in zip(counters, np.asarray(samples, dtype=np.int64)):
        out.append(c & 0xFF)
        for v in row:
            out += int(v).to_bytes(2, "big", signed=True)
    return bytes(out)


class NpgDecoder(SequenceDecoderBase):
    """NPG Lite notifications -> packets of (n, 3) samples in counts (see module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._last: int | None = None

    def reset(self) -> None:
        super().reset()
        self._last = None

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        data = bytes(payload)
        if not data or len(data) % BLOCK_LEN:
            raise self._bad(f"NPG: notification length {len(data)} is not a whole number of 7-byte blocks")
        blocks = np.frombuffer(data, dtype=np.uint8).reshape(-1, BLOCK_LEN)
        counters = blocks[:, 0].astype(np.int64)
        values = np.frombuffer(data, dtype=np.uint8).reshape(-1, BLOCK_LEN)[:, 1:].copy()
        samples = values.view(">i2").reshape(-1, N_CH).astype(np.float32) * UV_PER_COUNT
        out: list[DecodedPacket] = []
        start = 0
        run_lost = 0
        for i, c in enumerate(counters):
            lost = 0 if self._last is None else (int(c) - self._last - 1) % 256
            self._last = int(c)
            if lost and i > start:
                out.append(self._packet(samples[start:i], int(counters[start]), run_lost))
                start = i
            if i == start:
                run_lost = lost
            self.lost_samples += lost
        out.append(self._packet(samples[start:], int(counters[start]), run_lost))
        return out

    @staticmethod
    def _packet(samples: np.ndarray, seq: int, lost: int) -> DecodedPacket:
        return DecodedPacket(samples, seq, None, "emg", {"lost_before": lost, "unit": UNIT})


PROFILE = DeviceProfile(
    kind="npg",
    display_name="Upside Down Labs NPG Lite",
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(DATA_UUID,),
    command_uuid=CONTROL_UUID,
    start_commands=((CONTROL_UUID, b"START", True),),
    stop_commands=(),
    rate_hz=RATE_HZ,
    n_channels=N_CH,
    channel_names=("ch1", "ch2", "ch3"),
    name_prefixes=("NPG",),
    decoder_factory=NpgDecoder,
    service_match_sufficient=False,
    notes="Samples are board ADC counts, not µV (no published scale).",
)
