"""Read the EMG in a Noraxon MR3 (or MR 4) CSV export.

Layout (a record's metadata, a blank line, then one table at the record's rate)::

    type,begin_time,frequency,count,created with version,exported with version,measurement_date,record_name
    record,0.00000,2000,40000,Noraxon MR 3.16,3.16,2024-05-02T10:11:12,SQUAT
    <blank>
    time,Activity,Marker,RT GLUT. MAX. (uV),LT LAT. GASTRO (uV),Switch (On),...
    0.00000,REST,,12.5,11.7,0
    0.00050,,M1,13.1,12.2,0

- Time: the `time` column in s; the stream starts at its first row. Rate: the metadata's `frequency`, else
  the time column's median step.
- EMG: columns in a voltage unit ('(uV)', '(mV)', '(V)'), or stating none (MR 4 writes 'LT BICEPS FEM.'),
  unless their name says force, switch, pressure, motion or the like; '(%)', '(deg)', '(N)' columns stay
  out. `--channel LABEL=MUSCLE:SIDE` picks any column. Units to µV; a column stating none is in `unit`,
  else taken as µV and listed in `unit_assumed`.
- Roles: LT/RT for the side and Noraxon's muscle names ('GLUT. MAX.', 'LATISSIMUS', 'LUMBAR ES',
  'SEMITEND.', ...); 'LAT. GASTRO' is the lateral gastrocnemius, not the lat.
- Markers: a `Marker` cell becomes a `note` marker ({"event": text, "source": "noraxon"}), an `Activity`
  cell that changes one too ({"activity": text, ...}).
Every problem is an InputError naming the file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Sequence

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.c3d_reader import MAX_SAMPLE_UV, NON_EMG_WORDS
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.csv_reader import gaps_from_times, rate_from_times
from emgcoach.io.recording import RecordedStream, Recording, local_time_iso
from emgcoach.types import ChannelSpec, Marker, StreamInfo
from emgcoach.io.units import is_volt_unit, stated_scale

TEXT_COLUMNS = ("activity", "marker")
NON_EMG = (*NON_EMG_WORDS, "switch", "velocity", "position", "distance", "platform", "contact", "ecg", "heart",
           "rate", "myomotion", "segments", "joints", "insole", "load", "power", "work")
_UNIT = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)$")
# Noraxon's muscle names (after LT/RT), first match wins; 'gastro' first so 'LAT. GASTRO' is no lat.
MUSCLE_NAMES = (
    ("gastro", "other"), ("glut max", "gluteus_maximus"), ("glut med", "gluteus_medius"),
    ("gluteus maximus", "gluteus_maximus"), ("gluteus medius", "gluteus_medius"),
    ("latissimus", "latissimus_dorsi"), ("lat dorsi", "latissimus_dorsi"), ("lumbar es", "erector_spinae"),
    ("erector", "erector_spinae"), ("ext oblique", "external_oblique"), ("oblique", "external_oblique"),
    ("biceps fem", "biceps_femoris"), ("semitend", "semitendinosus"), ("rectus fem", "rectus_femoris"),
    ("vmo", "vastus_medialis"), ("vast med", "vastus_medialis"), ("vastus med", "vastus_medialis"),
)


def _cells(line: str) -> list[str]:
    for sep in (",", ";", "\t"):
        if sep in line:
            return [c.strip().strip('"') for c in line.split(sep)]
    return [line.strip()]


def is_table_header(line: str) -> bool:
    """Whether a line is an MR3 table's header: 'time' first, then 'Activity' or 'Marker'."""
    cells = [c.lower() for c in _cells(line)]
    return len(cells) > 2 and cells[0] == "time" and any(c in TEXT_COLUMNS for c in cells[1:3])


def looks_like_noraxon(lines: Sequence[str]) -> bool:
    """Whether a file's first lines are an MR3/MR 4 CSV export's (a table header within the first ten)."""
    return any(is_table_header(ln) for ln in lines[:10])


def noraxon_role(name: str) -> tuple[str, str]:
    """(muscle, side) of a Noraxon channel name such as 'RT GLUT. MAX.' or 'LT LAT. GASTRO'."""
    words = re.sub(r"[^a-z]+", " ", name.lower()).split()
    side = {"lt": "left", "l": "left", "left": "left", "rt": "right", "r": "right", "right": "right"}.get(
        words[0] if words else "", guess_role(name)[1])
    text = " " + " ".join(words) + " "
    for key, muscle in MUSCLE_NAMES:
        if f" {key}" in text:
            return muscle, side
    return guess_role(name)[0], side


def _metadata(rows: list[list[str]]) -> dict[str, str]:
    """The key row and value row above the table ('type,begin_time,frequency,...' / 'record,0,2000,...')."""
    if len(rows) >= 2 and rows[0] and rows[0][0].lower() == "type":
        return {k.strip().lower(): v.strip() for k, v in zip(rows[0], rows[1])}
    return {}


def _read(path: str) -> tuple[list[list[str]], int, str]:
    """(rows, index of the header row, separator)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # MR3 runs on Windows
    if "\x00" in text:
        raise InputError(path, "not a text file (NUL bytes)")
    lines = text.splitlines()
    header = next((i for i, ln in enumerate(lines[:10]) if is_table_header(ln)), None)
    if header is None:
        raise InputError(path, "Noraxon export without its table header ('time,Activity,Marker,...') in the first 10 lines")
    first = lines[header]
    sep = next((s for s in (",", ";", "\t") if s in first), ",")
    try:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    except csv.Error as e:
        raise InputError(path, f"not CSV ({e})") from None
    header = next(i for i, r in enumerate(rows) if r and is_table_header(sep.join(r)))
    return rows, header, sep


def _is_emg(name: str, unit: str) -> bool:
    if not is_volt_unit(unit):
        return False
    words = re.findall(r"[a-z]+", name.lower())
    return bool(words) and not any(w in NON_EMG for w in words)


def _numbers(path: str, rows: list[list[str]], start: int, k: int, what: str, comma: bool) -> np.ndarray:
    cells = [r[k] if k < len(r) else "" for r in rows]
    if comma:
        cells = [c.replace(",", ".") for c in cells]
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        for i, c in enumerate(cells):
            try:
                float(c)
            except ValueError:
                problem = "an empty cell" if not c else f"{c[:20]!r}, not a number"
                raise InputError(path, f"line {start + i + 1}, column {k + 1} ({what}): {problem}") from None
        raise


def _markers(rows: list[list[str]], names: list[str], times: np.ndarray) -> list[Marker]:
    out: list[Marker] = []
    low = [n.lower() for n in names]
    marker_col = low.index("marker") if "marker" in low else None
    activity_col = low.index("activity") if "activity" in low else None
    last_activity = ""
    for i, r in enumerate(rows):
        if activity_col is not None and activity_col < len(r) and r[activity_col] and r[activity_col] != last_activity:
            last_activity = r[activity_col]
            out.append(Marker(time_s=float(times[i]), kind="note", payload={"activity": last_activity, "source": "noraxon"}))
        if marker_col is not None and marker_col < len(r) and r[marker_col]:
            out.append(Marker(time_s=float(times[i]), kind="note", payload={"event": r[marker_col], "source": "noraxon"}))
    return out


def read_noraxon_csv(
    path: str | os.PathLike[str],
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read a Noraxon MR3 CSV export's EMG channels as one stream in µV (see the module docstring)."""
    path = str(path)
    rows, header, sep = _read(path)
    meta = _metadata([r for r in rows[:header] if any(r)])
    names = rows[header]
    data = [r for r in rows[header + 1:] if any(r)]
    if len(data) < 2:
        raise InputError(path, f"Noraxon export with {len(data)} data row(s): too few to read")
    comma = sep != "," and any("," in c for c in data[0][:1])  # decimal commas with ';' or tab separators
    start = header + 1
    times = _numbers(path, data, start, 0, "time", comma)
    stated = meta.get("frequency", "")
    try:
        rate = float(stated.replace(",", ".")) if stated else rate_from_times(path, times)
    except ValueError:
        raise InputError(path, f"Noraxon metadata: frequency {stated[:20]!r} is not a number") from None
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(path, f"Noraxon metadata: frequency {stated[:20]!r} is not a sample rate")
    rate_from_times(path, times)  # refuses times that do not increase
    named = {ov.name.lower() for ov in channels or () if ov.name}
    picked: list[int] = []  # the EMG columns
    specs: list[ChannelSpec] = []
    scales: list[float] = []  # to µV
    assumed: list[int] = []  # channels whose unit was guessed
    for k, full in enumerate(names[1:], start=1):
        if not full or full.lower() in TEXT_COLUMNS:
            continue
        m = _UNIT.match(full)
        bare, u = (m.group("name").strip(), m.group("unit").strip()) if m else (full, "")
        if full.lower() not in named and bare.lower() not in named and not _is_emg(bare, u):
            continue
        scale, guessed = stated_scale(path, full, u, unit)
        picked.append(k)
        scales.append(scale)
        if guessed:
            assumed.append(len(specs))
        muscle, side = noraxon_role(bare)
        specs.append(ChannelSpec(name=bare, muscle=muscle, side=side))
    if not picked:
        listed = ", ".join(n for n in names[1:13] if n) + (" ..." if len(names) > 13 else "")
        raise InputError(path, f"no EMG channel in the Noraxon export ({listed}); name one with --channel LABEL=MUSCLE:SIDE")
    values = np.column_stack([_numbers(path, data, start, k, repr(names[k]), comma) * s for k, s in zip(picked, scales)])
    bad = ~np.isfinite(values) | (np.abs(values) > MAX_SAMPLE_UV)
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        raise InputError(path, f"sample {values[r, c]:.6g} µV at data row {r + 1}, channel {specs[c].name!r}: not within ±1 kV")
    check_override_indices([ov for ov in channels or () if not ov.name], len(specs), path)
    version = meta.get("created with version", "") or "MR3"
    extra = {"read_as": f"Noraxon CSV export ({version}) at {rate:g} Hz, {len(specs)} EMG of {len(names) - 1} column(s)"}
    info = StreamInfo(kind="noraxon_csv", name=os.path.basename(path), address=path, rate_hz=rate,
                      channels=apply_overrides(specs, channels, path), extra=extra)
    stream = RecordedStream(info=info, data=values.astype(np.float32), t0=float(times[0]),
                            gaps=gaps_from_times(times, rate, path), unit_assumed=tuple(assumed))
    return Recording(path=path, streams=[stream], markers=_markers(data, names, times),
                     started_at=local_time_iso(meta.get("measurement_date")))
