"""Read the EMG in Delsys Trigno CSV exports: EMGworks (Analysis > Export to CSV) and Trigno Discover / Centro.

Both give every channel its own time column, because a Trigno sensor's EMG and its IMU run at different
rates; a slower channel's columns simply end earlier (empty cells below its last sample).

EMGworks::

    Label: Mini sensor 10: EMG 10 Sampling frequency: 1.259259e+003 Number of points: 81141 start: 0 Unit: V Domain Unit: s
    Label: Mini sensor 10: ACC.X 10 Sampling frequency: 1.481481e+002 ... Unit: g Domain Unit: s
    ...
    Start Trigger Method: None
    <blank>
    X[s],Mini sensor 10: EMG 10,X[s],Mini sensor 10: ACC.X 10,...     <- a time column before each channel
    0.000000,1.2e-05,0.000000,0.08,...

Trigno Discover (and Centro)::

    Application:,Trigno Discover (2.1.0.7)
    Date/Time:,...
    Collection Length (seconds):,...
    Avanti Sensor 1 (75923),,,,Avanti Sensor 2 (75930),...          <- sensor names, over their first column
    sensor mode: 65,,,,...                                             <- (not in every version)
    EMG 1 Time Series (s),EMG 1 (mV),ACC X Time Series (s),ACC X (G),...
    ,1259.2593 Hz,,148.1481 Hz,...                                     <- rate of each channel
    ,0.000794 s,,0.00675 s,...                                         <- period (not in every version)
    0,0.0123,0,0.98,...

- Channels: each time column starts a group; the named columns after it (up to the next time column or
  an empty header cell) are its channels. Columns right of an empty header cell (Discover's event table)
  are ignored.
- Names: EMGworks' column names as they stand ('Mini sensor 10: EMG 10'); Discover's '<sensor>: <channel>'
  ('L Lat (75923): EMG 1'). Roles from the name (io.channels.guess_role).
- EMG: a channel whose name holds 'EMG' and whose unit is a voltage; IMU (ACC, GYRO, MAG, orientation)
  and analog channels stay out unless named with `--channel LABEL=MUSCLE:SIDE`.
- Units: EMGworks' `Unit:` of the channel's Label line, Discover's '(mV)' in the column name; to µV. A
  channel whose unit the file does not state is in `unit`, else taken as µV and listed in `unit_assumed`.
- Rates: the Label line's or the rate row's; times from the channel's own time column (its first time is
  the stream's start). Channels of one rate, start and length form one stream; others their own stream.
Every problem is an InputError naming the file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.c3d_reader import MAX_SAMPLE_UV
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.csv_reader import gaps_from_times
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import is_volt_unit, stated_scale
from emgcoach.types import ChannelSpec, StreamInfo

EMGWORKS, DISCOVER = "EMGworks", "Trigno Discover"
_EMGWORKS_TIME = re.compile(r"^x\s*\[\s*s\s*\]$", re.IGNORECASE)
_DISCOVER_TIME = re.compile(r"time series\s*\(s\)$", re.IGNORECASE)
_LABEL = re.compile(r"Label:\s*(?P<name>.*?)\s+Sampling frequency:\s*(?P<rate>\S+)"
                    r"(?:.*?\bUnit:\s*(?P<unit>.*?)\s+Domain Unit:)?", re.IGNORECASE)
_RATE_CELL = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][+-]?\d+)?)\s*Hz$", re.IGNORECASE)
_UNIT_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)$")
NON_EMG = ("acc", "gyro", "mag", "imu", "orientation", "quaternion", "pitch", "roll", "yaw", "analog", "trigger")


def looks_like_delsys(first_line: str) -> str | None:
    """EMGWORKS or DISCOVER when a file's first line opens one of those exports, else None."""
    line = first_line.lstrip("\ufeff").strip().strip('"')
    if line.startswith("Label:") and "sampling frequency:" in line.lower():
        return EMGWORKS
    cells = [c.strip().strip('"') for c in line.split(",")]
    if cells[0] == "Application:" and any("trigno" in c.lower() or "delsys" in c.lower() for c in cells[1:]):
        return DISCOVER
    return None


@dataclass
class _Channel:
    """One named column of the export."""

    column: int
    name: str
    unit: str  # as the file states it, '' when it does not
    rate: float | None  # as the file states it
    time_column: int


def _rows(path: str) -> list[list[str]]:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # EMGworks writes the Windows code page ('°/s')
    if "\x00" in text:
        raise InputError(path, "not a text file (NUL bytes)")
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as e:
        raise InputError(path, f"not CSV ({e})") from None


def _is_time(cell: str, layout: str) -> bool:
    return bool((_EMGWORKS_TIME if layout == EMGWORKS else _DISCOVER_TIME).search(cell))


def _header_index(path: str, rows: list[list[str]], layout: str) -> int:
    for i, row in enumerate(rows[:200]):
        if any(_is_time(c, layout) for c in row):
            return i
    what = "'X[s]'" if layout == EMGWORKS else "'... Time Series (s)'"
    raise InputError(path, f"Delsys {layout} export without its column row (no {what} time column)")


def _float(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) and v > 0 else None


def _emgworks_labels(rows: list[list[str]], header: int) -> dict[str, tuple[float | None, str]]:
    """{channel name: (rate, unit)} from the Label lines above the column row."""
    out: dict[str, tuple[float | None, str]] = {}
    for row in rows[:header]:
        m = _LABEL.match(",".join(row).strip(", ")) if row and row[0].startswith("Label:") else None
        if m:
            out[m.group("name").strip()] = (_float(m.group("rate")), (m.group("unit") or "").strip())
    return out


def _forward_fill(row: list[str], width: int) -> list[str]:
    out, last = [], ""
    for k in range(width):
        cell = row[k] if k < len(row) else ""
        last = cell or last
        out.append(last)
    return out


def _discover_context(rows: list[list[str]], header: int, width: int) -> tuple[list[str], list[float | None]]:
    """(sensor name over each column, rate of each column) of a Discover export."""
    above = [r for r in rows[:header] if any(r) and not r[0].endswith(":") and not r[0].lower().startswith("sensor mode")]
    sensors = _forward_fill(above[-1], width) if above else [""] * width
    rates: list[float | None] = [None] * width
    for row in rows[header + 1: header + 4]:
        if any(_RATE_CELL.match(c) for c in row):
            for k, c in enumerate(row[:width]):
                m = _RATE_CELL.match(c)
                rates[k] = _float(m.group(1)) if m else None
            break
    return sensors, rates


def _channels(path: str, rows: list[list[str]], header: int, layout: str) -> list[_Channel]:
    names = rows[header]
    labels = _emgworks_labels(rows, header) if layout == EMGWORKS else {}
    sensors, rates = _discover_context(rows, header, len(names)) if layout == DISCOVER else ([], [])
    out: list[_Channel] = []
    time_col = None
    for k, cell in enumerate(names):
        if _is_time(cell, layout):
            time_col = k
            continue
        if not cell:
            time_col = None  # an empty header cell ends the channel table (Discover's event columns follow)
            continue
        if time_col is None:
            continue
        if layout == EMGWORKS:
            rate, unit = labels.get(cell, (None, ""))
            out.append(_Channel(k, cell, unit, rate, time_col))
        else:
            m = _UNIT_SUFFIX.match(cell)
            bare, unit = (m.group("name"), m.group("unit").strip()) if m else (cell, "")
            sensor = sensors[k] if k < len(sensors) else ""
            out.append(_Channel(k, f"{sensor}: {bare}" if sensor else bare, unit, rates[k], time_col))
    if not out:
        raise InputError(path, f"Delsys {layout} export: no channel beside a time column in line {header + 1}")
    return out


def _data_start(rows: list[list[str]], header: int, first_time_col: int) -> int:
    for i in range(header + 1, min(len(rows), header + 6)):
        row = rows[i]
        if first_time_col < len(row):
            try:
                float(row[first_time_col])
                return i
            except ValueError:
                continue
    return len(rows)


def _column(path: str, rows: list[list[str]], start: int, k: int, what: str) -> np.ndarray:
    """Column `k` from line `start` down to its last filled cell, as float64; a hole above that is an error."""
    cells = [r[k] if k < len(r) else "" for r in rows[start:]]
    n = len(cells)
    while n and not cells[n - 1]:
        n -= 1
    try:
        return np.array(cells[:n], dtype=np.float64)
    except ValueError:
        for i, c in enumerate(cells[:n]):
            try:
                float(c)
            except ValueError:
                problem = "an empty cell" if not c else f"{c[:20]!r}, not a number"
                raise InputError(path, f"line {start + i + 1}, column {k + 1} ({what}): {problem}") from None
        raise


def is_emg(channel: _Channel) -> bool:
    words = re.findall(r"[a-z]+", channel.name.lower())
    if not is_volt_unit(channel.unit):
        return False
    return "emg" in words and not any(w in NON_EMG for w in words)


@dataclass
class _Series:
    channel: _Channel
    times: np.ndarray
    values: np.ndarray  # µV
    rate: float
    assumed: bool


def _series(path: str, rows: list[list[str]], start: int, ch: _Channel, unit: str | None) -> _Series:
    times = _column(path, rows, start, ch.time_column, f"time of {ch.name!r}")
    raw = _column(path, rows, start, ch.column, repr(ch.name))
    if len(times) != len(raw):
        raise InputError(path, f"channel {ch.name!r}: {len(raw)} values but {len(times)} times")
    if len(raw) < 2:
        raise InputError(path, f"channel {ch.name!r}: {len(raw)} sample(s), too few to read")
    step = np.diff(times)
    if not np.all(np.isfinite(times)) or np.any(step <= 0):
        i = int(np.nonzero(~(step > 0))[0][0]) if np.any(~(step > 0)) else 0
        raise InputError(path, f"channel {ch.name!r}: its time column does not increase at data row {i + 2}")
    rate = ch.rate or 1.0 / float(np.median(step))
    if abs(float(np.median(step)) * rate - 1) > 0.01:
        raise InputError(path, f"channel {ch.name!r}: the file says {rate:g} Hz but its times step by "
                               f"{float(np.median(step)):.6g} s")
    scale, guessed = stated_scale(path, ch.name, ch.unit, unit)
    with np.errstate(over="ignore", invalid="ignore"):
        values = raw * scale
    bad = ~np.isfinite(values) | (np.abs(values) > MAX_SAMPLE_UV)
    if bad.any():
        r = int(np.nonzero(bad)[0][0])
        raise InputError(path, f"channel {ch.name!r}: sample {raw[r]:.6g} {ch.unit or ''} at data row {r + 1} "
                               "is not a number within ±1 kV")
    return _Series(ch, times, values, float(rate), assumed=guessed)


def _streams(path: str, series: list[_Series], layout: str,
             channels: Sequence[ChannelOverride] | None) -> list[RecordedStream]:
    """Channels of one rate, start and length as one stream each, in file order."""
    groups: dict[tuple[float, int, float], list[_Series]] = {}
    for s in series:
        groups.setdefault((round(s.rate, 3), len(s.values), round(float(s.times[0]), 6)), []).append(s)
    streams, offset = [], 0
    for (rate, _n, _t0), members in groups.items():
        specs = [ChannelSpec(name=m.channel.name, muscle=guess_role(m.channel.name)[0],
                             side=guess_role(m.channel.name)[1]) for m in members]
        first = members[0]
        extra = {"read_as": f"Delsys {layout} CSV export, {len(series)} EMG channel(s)"
                            + (f" in {len(groups)} streams by rate" if len(groups) > 1 else "") + f"; this one {rate:g} Hz"}
        info = StreamInfo(kind="delsys_csv", name=os.path.basename(path) + (f" @ {rate:g} Hz" if len(groups) > 1 else ""),
                          address=path, rate_hz=first.rate, channels=apply_overrides(specs, channels, path, offset),
                          extra=extra)
        data = np.column_stack([m.values for m in members]).astype(np.float32)
        streams.append(RecordedStream(info=info, data=data, t0=float(first.times[0]),
                                      gaps=gaps_from_times(first.times, first.rate, path),
                                      unit_assumed=tuple(j for j, m in enumerate(members) if m.assumed)))
        offset += len(members)
    return streams


def read_delsys_csv(
    path: str | os.PathLike[str],
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read a Delsys Trigno CSV export's EMG channels in µV (see the module docstring)."""
    path = str(path)
    rows = _rows(path)
    first = next((",".join(r) for r in rows if any(r)), "")
    layout = looks_like_delsys(first)
    if layout is None:
        raise InputError(path, "not a Delsys EMGworks or Trigno Discover export (first line)")
    header = _header_index(path, rows, layout)
    table = _channels(path, rows, header, layout)
    named = {ov.name.lower() for ov in channels or () if ov.name}
    picked = [c for c in table if c.name.lower() in named or is_emg(c)]
    if not picked:
        listed = ", ".join(c.name for c in table[:12]) + (" ..." if len(table) > 12 else "")
        raise InputError(path, f"no EMG channel among the export's {len(table)} ({listed}); "
                               "name one with --channel LABEL=MUSCLE:SIDE")
    start = _data_start(rows, header, min(c.time_column for c in picked))
    series = [_series(path, rows, start, c, unit) for c in picked]
    check_override_indices([ov for ov in channels or () if not ov.name], len(series), path)
    return Recording(path=path, streams=_streams(path, series, layout, channels))
