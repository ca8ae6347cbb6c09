"""MyoWare 2.0 Wireless Shield (ESP32) running the vendor's example sketches: ASCII numbers over BLE.

Facts from ``protocols/SENSORS.md`` section 4 (``AdvancerTechnologies/MyoWare-Arduino-Library`` v1.0.0).
There is no product protocol, only what the example sketches send; two are supported:

* ``myoware_uart`` - example "BLEUART": Nordic UART service ``6e400001-...``, TX notify ``6e400003-...``,
  name ``MyoW1``; lines ``"<env>,<raw>\\n"`` (ENV counts, RAW - REF counts, ``String(double)`` with 2
  decimals).  Lines may be split across notifications or several may share one; the decoder buffers.  The
  EMG channel is RAW: µV = counts * 3.3 / 4095 / 200 * 1e6 (about 4.03 µV per count).  ENV goes to
  ``extra['env_counts']``.  A line holding a single number is taken as RAW.
* ``myoware_value`` - example "BLEPeripheral": service ``ec3af789-...``, characteristic ``f3a56edf-...``,
  name ``MyoWareSensor1``; each notification is one number, no terminator - by default the **ENV** output in
  counts.  Emitted as the envelope at the electrodes in µV with the default 50 kΩ gain pot:
  counts * 3.3 / 4095 / (200 * (1 + 50)) * 1e6 (about 0.079 µV per count) - an *envelope*, not raw EMG
  (``extra['signal'] = 'envelope'``); don't band-pass it.

Neither sketch sends a sequence number or a defined sample rate (the loop runs as fast as BLE lets it):
loss is unknown (``lost_before`` is always 0, ``extra['loss_known'] = False``) and the profile's rate is
only a placeholder (``rate_known=False``) - the stream layer must estimate the rate from arrival times.

The decoder never raises: text that is not a number is counted in ``bad_packets`` and skipped.
"""

from __future__ import annotations

import numpy as np

from .base import DecodedPacket, DeviceProfile

NUS_SERVICE_UUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_TX_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX_UUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
VALUE_SERVICE_UUID = "ec3af789-2154-49f4-a9fc-bc6c88e9e930"
VALUE_CHAR_UUID = "f3a56edf-8f1e-4533-93bf-5601b2e91308"

RAW_UV_PER_COUNT = 3.3 / 4095 / 200 * 1e6  # ≈4.029 µV per count
ENV_POT_KOHM = 50.0
ENV_UV_PER_COUNT = 3.3 / 4095 / (200 * (1 + ENV_POT_KOHM)) * 1e6  # ≈0.0790 µV per count
PLACEHOLDER_RATE_HZ = 100.0
_MAX_LINE = 256
MAX_ABS_COUNTS = 1e6  # a 12-bit ADC never sends more; larger numbers are treated as garbage


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if np.isfinite(v) and abs(v) <= MAX_ABS_COUNTS else None


class MyoWareTextDecoder:
    """ASCII decoder for the two MyoWare example sketches (``mode`` 'uart' or 'value')."""

    def __init__(self, mode: str = "uart") -> None:
        if mode not in ("uart", "value"):
            raise ValueError(f"MyoWare mode must be 'uart' or 'value', not {mode!r}")
        self.mode = mode
        self.reset()

    def reset(self) -> None:
        self.lost_samples = 0
        self.bad_packets = 0
        self._buf = ""

    def decode(self, payload: bytes) -> list[DecodedPacket]:
        text = bytes(payload).decode("ascii", "replace")
        if self.mode == "value":
            return self._values([text])
        self._buf += text.replace("\r", "\n")
        *lines, self._buf = self._buf.split("\n")
        if len(self._buf) > _MAX_LINE:  # garbage without newlines: drop it, count it
            self._buf = ""
            self.bad_packets += 1
        return self._lines(lines)

    def _values(self, chunks: list[str]) -> list[DecodedPacket]:
        vals = []
        for chunk in chunks:
            s = chunk.strip().strip("\x00")
            if not s:
                continue
            v = _number(s)
            if v is None:
                self.bad_packets += 1
                continue
            vals.append(v)
        if not vals:
            return []
        uv = np.array(vals, dtype=np.float64)[:, None] * ENV_UV_PER_COUNT
        extra = {"lost_before": 0, "loss_known": False, "signal": "envelope", "counts": np.array(vals)}
        return [DecodedPacket(uv.astype(np.float32), None, None, "emg", extra)]

    def _lines(self, lines: list[str]) -> list[DecodedPacket]:
        raw: list[float] = []
        env: list[float] = []
        for line in lines:
            s = line.strip().strip("\x00")
            if not s:
                continue
            parts = [p.strip() for p in s.split(",")]
            parsed = [_number(p) for p in parts]
            nums = [n for n in parsed if n is not None]
            if len(nums) < len(parsed) or len(nums) > 2:  # a part that is not a number, or too many
                self.bad_packets += 1
                continue
            if len(nums) == 2:
                env.append(nums[0])
                raw.append(nums[1])
            else:
                env.append(np.nan)
                raw.append(nums[0])
        if not raw:
            return []
        uv = np.array(raw, dtype=np.float64)[:, None] * RAW_UV_PER_COUNT
        extra = {"lost_before": 0, "loss_known": False, "signal": "raw", "env_counts": np.array(env)}
        return [DecodedPacket(uv.astype(np.float32), None, None, "emg", extra)]


UART_PROFILE = DeviceProfile(
    kind="myoware_uart",
    display_name="MyoWare 2.0 Wireless Shield (BLEUART example)",
    service_uuids=(NUS_SERVICE_UUID,),
    notify_uuids=(NUS_TX_UUID,),
    command_uuid=None,
    start_commands=(),
    stop_commands=(),
    rate_hz=PLACEHOLDER_RATE_HZ,
    n_channels=1,
    channel_names=("raw",),
    name_prefixes=("MyoW1",),
    decoder_factory=lambda: MyoWareTextDecoder("uart"),
    service_match_sufficient=False,  # Nordic UART is used by countless devices
    rate_known=False,
    notes="Vendor example sketch: no counter, no defined rate. Flash the open profile for real use.",
)

VALUE_PROFILE = DeviceProfile(
    kind="myoware_value",
    display_name="MyoWare 2.0 Wireless Shield (BLEPeripheral example, envelope)",
    service_uuids=(VALUE_SERVICE_UUID,),
    notify_uuids=(VALUE_CHAR_UUID,),
    command_uuid=None,
    start_commands=(),
    stop_commands=(),
    rate_hz=PLACEHOLDER_RATE_HZ,
    n_channels=1,
    channel_names=("env",),
    name_prefixes=("MyoWareSensor",),
    decoder_factory=lambda: MyoWareTextDecoder("value"),
    rate_known=False,
    notes="Sends the ENV (envelope) output only, as text; no counter, no defined rate.",
)
