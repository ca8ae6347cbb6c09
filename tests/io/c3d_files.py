"""C3D files for the tests, written two independent ways: with ezc3d (the library the reader uses) and
byte by byte after the C3D User Guide (c3d.org, "The C3D File Format User Guide", chapters 3-5: the 512-byte
header block, the parameter section of groups and parameters, integer data frames), so that the scale and
offset arithmetic is checked against the format's documented layout, not only against ezc3d's own writer."""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np


def write_with_ezc3d(path: str, labels: Sequence[str], values: np.ndarray, rate_hz: float, units: Sequence[str],
                     point_rate_hz: float = 100.0, first_frame: int = 1, scale: Sequence[float] | None = None,
                     gen_scale: float | None = None, events: Sequence[tuple[str, float]] = ()) -> None:
    """values: channels x samples, in the channels' units; ezc3d stores value / (SCALE x GEN_SCALE)."""
    import ezc3d

    spf = int(round(rate_hz / point_rate_hz))
    n_frames = values.shape[1] // spf
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [point_rate_hz]
    c["parameters"]["POINT"]["LABELS"]["value"] = ["HEAD"]
    pts = np.zeros((4, 1, n_frames))
    pts[3] = 1.0
    c["data"]["points"] = pts
    c["parameters"]["ANALOG"]["RATE"]["value"] = [rate_hz]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = list(labels)
    c["parameters"]["ANALOG"]["UNITS"]["value"] = list(units)
    if scale is not None:
        c["parameters"]["ANALOG"]["SCALE"]["value"] = list(scale)
    if gen_scale is not None:
        c["parameters"]["ANALOG"]["GEN_SCALE"]["value"] = [gen_scale]
    c["header"]["points"]["first_frame"] = first_frame - 1  # ezc3d counts from 0, the file from 1
    c["data"]["analogs"] = values[None, :, : n_frames * spf].astype(np.float64)
    del c["data"]["rotations"]
    for label, t in events:
        c.add_event(time=[int(t // 60), t % 60], context="Left", label=label, description="", subject="S1",
                    icon_id=0, generic_flag=0)
    c.write(path)


def _group(gid: int, name: str, last: bool = False) -> bytes:
    nm = name.encode()
    return struct.pack("<bb", len(nm), -gid) + nm + struct.pack("<h", 0 if last else 3) + b"\x00"


def _param(gid: int, name: str, kind: int, dims: Sequence[int], data: bytes, last: bool = False) -> bytes:
    nm = name.encode()
    body = struct.pack("<bB", kind, len(dims)) + bytes(dims) + data + b"\x00"
    return struct.pack("<bb", len(nm), gid) + nm + struct.pack("<h", 0 if last else 2 + len(body)) + body


def _chars(words: Sequence[str]) -> tuple[list[int], bytes]:
    width = max(1, max(len(w) for w in words))
    return [width, len(words)], b"".join(w.encode().ljust(width) for w in words)


def write_integer_c3d(path: str, labels: Sequence[str], raw: np.ndarray, rate_hz: float, units: Sequence[str],
                      scale: Sequence[float], offset: Sequence[int], gen_scale: float, point_rate_hz: float = 100.0,
                      first_frame: int = 1) -> None:
    """An integer-format C3D (positive POINT:SCALE) with no 3D points: raw int16 analog samples
    (channels x samples), whose physical values are (raw - OFFSET) x SCALE x GEN_SCALE."""
    n_ch, n = raw.shape
    spf = int(round(rate_hz / point_rate_hz))
    n_frames = n // spf
    lab_dims, lab_data = _chars(labels)
    unit_dims, unit_data = _chars(units)
    params = b"".join([
        _group(1, "POINT"),
        _param(1, "USED", 2, [], struct.pack("<h", 0)),
        _param(1, "SCALE", 4, [], struct.pack("<f", 1.0)),
        _param(1, "RATE", 4, [], struct.pack("<f", point_rate_hz)),
        _param(1, "DATA_START", 2, [], struct.pack("<h", 4)),
        _param(1, "FRAMES", 2, [], struct.pack("<h", n_frames)),
        _group(2, "ANALOG"),
        _param(2, "USED", 2, [], struct.pack("<h", n_ch)),
        _param(2, "LABELS", -1, lab_dims, lab_data),
        _param(2, "RATE", 4, [], struct.pack("<f", rate_hz)),
        _param(2, "SCALE", 4, [n_ch], struct.pack(f"<{n_ch}f", *scale)),
        _param(2, "OFFSET", 2, [n_ch], struct.pack(f"<{n_ch}h", *offset)),
        _param(2, "GEN_SCALE", 4, [], struct.pack("<f", gen_scale)),
        _param(2, "UNITS", -1, unit_dims, unit_data, last=True),
    ])
    section = bytes([1, 0x50, 2, 84]) + params  # first parameter block, key, 2 blocks, Intel
    assert len(section) <= 1024
    header = struct.pack("<BBhhhhhfhhf", 2, 0x50, 0, n_ch * spf, first_frame, first_frame + n_frames - 1, 10, 1.0, 4,
                         spf, point_rate_hz)
    frames = raw[:, : n_frames * spf].T.reshape(n_frames, spf, n_ch).astype("<i2").tobytes()
    with open(path, "wb") as f:
        f.write(header.ljust(512, b"\x00") + section.ljust(1024, b"\x00") + frames.ljust(-(-len(frames) // 512) * 512, b"\x00"))
