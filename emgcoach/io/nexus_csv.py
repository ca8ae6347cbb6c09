"""Read the EMG in a Vicon Nexus CSV export (File > Export > CSV), its `Devices` block.

Layout (one block per kind of data, each ended by a blank line; only `Devices` holds analog data)::

    Devices
    1000                                        <- the devices' sample rate, Hz
    ,,Delsys - EMG,,,Kistler - Force,,          <- device names, each over its first column
    Frame,Sub Frame,LGMAX,RLAT,Voltage.3,Fx,Fy  <- channel names
    ,,V,V,V,N,N                                 <- units
    1,0,0.00012,-0.00003,0.1,12.5,3.1           <- frame (from the trial's first frame), sub frame, values
    ...
    <blank>
    Trajectories                                <- ignored (markers at the point rate)

- Time of a row: (frame - 1) / frame rate + sub frame / rate, the frame rate being rate / sub frames per
  frame; the stream starts at its first row's time, as the trial's C3D does.
- EMG channels: as in the C3D reader (io.c3d_reader.looks_like_emg on "device.channel" and the unit),
  plus those named with `--channel LABEL=MUSCLE:SIDE`. Units V/mV/uV to µV; a blank unit is µV or `unit`.
- Names: the channel names (device.channel when two devices share a name).
Every problem is an InputError naming the file.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.c3d_reader import MAX_SAMPLE_UV, looks_like_emg
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import stated_scale
from emgcoach.types import ChannelSpec, StreamInfo

BLOCKS = ("Devices", "Trajectories", "Model Outputs", "Joints", "Segments", "Events")


def looks_like_nexus(first_line: str) -> bool:
    """Whether a file's first line opens a Nexus CSV export (a block name alone on the line)."""
    return first_line.strip().strip(",").strip().strip('"') in BLOCKS


def _rows(path: str) -> list[list[str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return [[c.strip() for c in row] for row in csv.reader(f)]
    except UnicodeDecodeError:
        raise InputError(path, "not a text file (bytes that are not UTF-8)") from None
    except csv.Error as e:
        raise InputError(path, f"not CSV ({e})") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None


def _devices_block(path: str, rows: list[list[str]]) -> tuple[float, list[str], list[str], list[str], list[list[str]]]:
    """(rate, device per column, channel names, units, data rows) of the Devices block."""
    start = next((i for i, r in enumerate(rows) if r and r[0] == "Devices"), None)
    if start is None:
        raise InputError(path, "Nexus CSV export without a Devices block (no analog channels, so no EMG)")
    if len(rows) < start + 6:
        raise InputError(path, "Nexus Devices block cut short (needs rate, device, channel and unit rows)")
    try:
        rate = float(rows[start + 1][0])
    except (IndexError, ValueError):
        raise InputError(path, f"Nexus Devices block: line {start + 2} is not the sample rate") from None
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(path, f"Nexus Devices block: sample rate {rate:g} Hz")
    names = rows[start + 3]
    if len(names) < 3 or [n.lower() for n in names[:2]] != ["frame", "sub frame"]:
        raise InputError(path, f"Nexus Devices block: line {start + 4} should start with 'Frame,Sub Frame'")
    devices, device = [], ""
    for k in range(len(names)):
        cell = rows[start + 2][k] if k < len(rows[start + 2]) else ""
        device = cell or device
        devices.append(device)
    units = (rows[start + 4] + [""] * len(names))[: len(names)]
    data = []
    for r in rows[start + 5:]:
        if not any(r):
            break
        data.append(r)
    if not data:
        raise InputError(path, "Nexus Devices block holds no samples")
    return rate, devices, names, units, data


def _table(path: str, data: list[list[str]], width: int, first_line: int) -> np.ndarray:
    out = np.full((len(data), width), np.nan)
    for i, r in enumerate(data):
        if len(r) > width and any(r[width:]):
            raise InputError(path, f"line {first_line + i}: {len(r)} cells, the header names {width}")
        for k, cell in enumerate(r[:width]):
            if cell:
                try:
                    out[i, k] = float(cell)
                except ValueError:
                    raise InputError(path, f"line {first_line + i}, column {k + 1}: {cell[:20]!r} is not a number") from None
    return out


def read_nexus_csv(
    path: str | os.PathLike[str],
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read a Nexus CSV export's EMG channels as one stream in µV (see the module docstring)."""
    path = str(path)
    rows = _rows(path)
    rate, devices, names, units, data = _devices_block(path, rows)
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Devices")
    table = _table(path, data, len(names), start + 6)
    frames, subs = table[:, 0], table[:, 1]
    if np.isnan(frames).any() or np.isnan(subs).any():
        raise InputError(path, "Nexus Devices block: a row without its Frame or Sub Frame")
    per_frame = int(np.max(subs)) + 1
    times = (frames - 1) * per_frame / rate + subs / rate
    d = np.diff(times)
    if len(d) and np.any(np.abs(d - 1 / rate) > 0.5 / rate):
        i = int(np.nonzero(np.abs(d - 1 / rate) > 0.5 / rate)[0][0])
        raise InputError(path, f"Nexus Devices block: rows {i + start + 6} and {i + start + 7} are not one sample apart "
                               f"(frame {frames[i]:g}.{subs[i]:g} -> {frames[i + 1]:g}.{subs[i + 1]:g})")
    labels = [n or f"Channel {k}" for k, n in enumerate(names)]
    dup = {n for n in labels if labels.count(n) > 1}
    labels = [f"{devices[k]}.{n}" if n in dup else n for k, n in enumerate(labels)]
    named = {ov.name.lower() for ov in channels or () if ov.name}
    picked = [k for k in range(2, len(names))
              if labels[k].lower() in named or looks_like_emg(f"{devices[k]}.{names[k]}", units[k])]
    if not picked:
        listed = ", ".join(labels[2:14]) + (" ..." if len(labels) > 14 else "")
        raise InputError(path, f"no EMG channel among the Devices block's {len(names) - 2} ({listed}); "
                               "name one with --channel LABEL=MUSCLE:SIDE")
    values, specs, assumed = _emg(path, table, labels, units, picked, unit)
    check_override_indices([ov for ov in channels or () if not ov.name], len(specs), path)
    extra = {"read_as": f"Vicon Nexus CSV export, Devices block at {rate:g} Hz, {len(picked)} EMG of "
                        f"{len(names) - 2} channel(s)"}
    info = StreamInfo(kind="nexus_csv", name=os.path.basename(path), address=path, rate_hz=rate,
                      channels=apply_overrides(specs, channels, path), extra=extra)
    stream = RecordedStream(info=info, data=values, t0=float(times[0]), unit_assumed=tuple(assumed))
    return Recording(path=path, streams=[stream])


def _emg(path: str, table: np.ndarray, labels: list[str], units: list[str], picked: list[int],
         unit: str | None) -> tuple[np.ndarray, list[ChannelSpec], list[int]]:
    values = np.empty((table.shape[0], len(picked)))
    specs, assumed = [], []
    for j, k in enumerate(picked):
        scale, guessed = stated_scale(path, labels[k], units[k], unit)
        if guessed:
            assumed.append(j)
        values[:, j] = table[:, k] * scale
        muscle, side = guess_role(labels[k])
        specs.append(ChannelSpec(name=labels[k], muscle=muscle, side=side))
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        raise InputError(path, f"{int(bad.sum())} empty or non-finite sample(s); first at data row {r + 1}, channel {specs[c].name!r}")
    if np.any(np.abs(values) > MAX_SAMPLE_UV):
        r, c = (int(x) for x in np.argwhere(np.abs(values) > MAX_SAMPLE_UV)[0])
        raise InputError(path, f"sample {values[r, c]:.6g} µV beyond ±1 kV at data row {r + 1}, channel {specs[c].name!r}")
    return values.astype(np.float32), specs, assumed
