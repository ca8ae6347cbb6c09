"""Packet captures: notification payloads with their host arrival times, decoded offline through the very
decoder and assembler a live sensor uses.

Text form (what `emgcoach decode` reads): one notification per line, its payload in hex (spaces between
bytes allowed), optionally preceded by its arrival time in seconds (a number with a decimal point);
blank lines and lines starting with # are skipped.

    # uMyo, 2026-11-25
    12.0031 0a1b2c...
    12.0102 0a1b2d...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emgcoach.ble.assembler import PacketAssembler
from emgcoach.ble.devices.base import DecodeError, DeviceProfile, declared_format
from emgcoach.errors import EmgcoachError
from emgcoach.stream.clock import ClockAligner


@dataclass
class DecodeSummary:
    notifications: int = 0
    bad_packets: int = 0
    lost_samples: int = 0
    samples: int = 0


def read_text_capture(path: str | Path) -> Iterator[tuple[float | None, bytes]]:
    """(arrival s or None, payload) per line of a text capture; EmgcoachError naming file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="strict").splitlines()
    except FileNotFoundError:
        raise EmgcoachError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise EmgcoachError(f"{path}: not a text capture ({e.__class__.__name__})") from None
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        tokens = text.replace(",", " ").split()
        t = None
        if len(tokens) >= 2 and "." in tokens[0]:
            try:
                t = float(tokens[0])
            except ValueError:
                raise EmgcoachError(f"{path}:{n}: arrival time {tokens[0]!r} is not a number") from None
            tokens = tokens[1:]
        try:
            payload = bytes.fromhex("".join(tokens))
        except ValueError:
            raise EmgcoachError(f"{path}:{n}: payload is not hex") from None
        yield t, payload


def read_xdf_capture(path: str | Path, stream: str | None = None) -> Iterator[tuple[float | None, bytes]]:
    """(arrival s, payload) of the `packet` markers in a recording made with `record --capture-packets`
    (of one sensor's stream, if named)."""
    from emgcoach.io.open import read_recording

    rec = read_recording(path)
    packets = [m for m in rec.markers if m.kind == "packet" and (stream is None or m.payload.get("stream") == stream)]
    names = sorted({str(m.payload.get("stream")) for m in packets})
    if not packets:
        raise EmgcoachError(f"{path}: no captured packets (record with --capture-packets)")
    if stream is None and len(names) > 1:
        raise EmgcoachError(f"{path}: packets of several sensors ({', '.join(names)}); choose one with --stream")
    for m in packets:
        try:
            yield m.time_s, bytes.fromhex(str(m.payload.get("hex", "")))
        except ValueError:
            raise EmgcoachError(f"{path}: packet at {m.time_s:.3f} s is not hex") from None


def decode_capture(path: str | Path, profile: DeviceProfile, stream: str | None = None, **decoder_options: object) -> tuple[Iterator[tuple[int, float, np.ndarray]], DecodeSummary]:
    """Rows (index, time_s, µV per channel) of a capture, lazily; the summary fills in as they are read."""
    decoder = profile.new_decoder(**decoder_options)
    summary = DecodeSummary()

    def rows() -> Iterator[tuple[int, float, np.ndarray]]:
        # a profile whose packets declare their rate is timed at the rate its first packet declares
        assembler = None if profile.format_in_packets else PacketAssembler(profile.rate_hz, ClockAligner(profile.rate_hz))
        source = read_xdf_capture(path, stream) if str(path).lower().endswith(".xdf") else read_text_capture(path)
        for t, payload in source:
            summary.notifications += 1
            try:
                packets = decoder.decode(payload)
            except DecodeError:
                continue
            if assembler is None:
                declared = declared_format(packets)
                if declared is None:
                    continue
                assembler = PacketAssembler(declared[0], ClockAligner(declared[0]))
            for b in assembler.add(packets, t):
                times = b.t0 + np.arange(b.n_samples) / b.rate_hz
                for k in range(b.n_samples):
                    yield b.first_index + k, float(times[k]), b.data[k]
                summary.samples += b.n_samples
            summary.lost_samples = assembler.lost_samples
        summary.bad_packets = decoder.bad_packets

    return rows(), summary
