"""Read the text export of a Biometrics DataLOG (MWX8) as it comes, e.g. the UCI "EMG dataset in Lower Limb".

Layout::

    File Name: marcha_2.log
    Channel 4: 'Recto Femoral', 43665 values, engineering units: mV, no filters.
    ...
    Channel 8: 'Flexo-Extension', 43665 values, engineering units: deg, no filters.
    <blank line>
    0.0067<TAB>-0.021<TAB>0.0675<TAB>-0.0195<TAB>4.7
    ...

- Sample rate: the export does not state it. The reader takes `rate_hz` (`--rate`) when given; else
  the row rate a channel line names ("extrapolated from 50 to 1000 samples per second": 1000 Hz); else
  DATALOG_RATE_HZ, 1000 Hz, the DataLOG's EMG rate and the one the UCI data set documents.
- Units: each column's `engineering units`. Voltage columns (uV, mV, V) are EMG, converted to µV; a
  column with an empty unit is EMG in `unit` (µV when not given). Any other unit (deg for the knee
  goniometer) is not EMG: it goes to `Recording.references`, one stream per column, in its own unit,
  on the same clock; `goniometer_trace` returns the knee angle.
- Value counts: each column holds exactly the values its header line counts, then empty cells (in
  the UCI file 5Nmar.txt the EMG columns stop 17 rows before the goniometer's); a channel sampled
  slower and "extrapolated" to the row rate holds count x (row rate / its rate) values. Trailing rows
  of empty cells are dropped.
- Roles: names in English, Spanish or abbreviated (`Recto Femoral`, `RF`, `EMG Semitendinoso`, `ST`)
  map to muscles; side "none" (the export does not say), unless `channels` overrides.
Every problem is an InputError naming the file, in one line.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import is_volt_unit, stated_scale
from emgcoach.types import ChannelSpec, StreamInfo

DATALOG_RATE_HZ = 1000.0
ANGLE_UNITS = {"deg", "degs", "degree", "degrees", "°"}
MAX_HEADER_LINES = 64  # the MWX8 has 8 channels; far more header lines means this is not a DataLOG export

_FILE_NAME = re.compile(r"^\ufeff?\s*File Name\s*:", re.IGNORECASE)
_CHANNEL = re.compile(
    r"^\s*Channel\s+(\d+)\s*:\s*'(.*)'\s*,\s*(\d+)\s+values?\s*,\s*engineering units\s*:\s*([^,]*?)\s*(?:,(.*))?$",
    re.IGNORECASE,
)
_EXTRAPOLATED = re.compile(r"extrapolated from\s+([0-9.]+)\s+to\s+([0-9.]+)\s+samples per second", re.IGNORECASE)
# (words in the name, muscle): English, Spanish and the UCI files' abbreviations
_MUSCLE_WORDS = (
    ({"rf", "recto", "rectus"}, "rectus_femoris"),
    ({"bf", "biceps", "bíceps"}, "biceps_femoris"),
    ({"vm", "vasto", "vastus"}, "vastus_medialis"),
    ({"st", "semitendinoso", "semitendinosus"}, "semitendinosus"),
)


def looks_like_datalog(first_line: str) -> bool:
    """Whether a file's first line opens a DataLOG text export ('File Name: ...' or a 'Channel N:' line)."""
    return bool(_FILE_NAME.match(first_line) or _CHANNEL.match(first_line.lstrip("\ufeff")))


@dataclass(frozen=True)
class _Column:
    number: int  # the DataLOG's own channel number
    name: str
    count: int  # values the header line says the column holds
    unit: str  # as written
    note: str  # the rest of the header line ("no filters", "extrapolated from ...")

    @property
    def extrapolated(self) -> tuple[float, float] | None:
        """(own rate, row rate) in Hz when the header says the column was extrapolated."""
        m = _EXTRAPOLATED.search(self.note)
        if not m:
            return None
        try:
            return float(m.group(1)), float(m.group(2))
        except ValueError:
            return None

    @property
    def is_emg(self) -> bool:
        return is_volt_unit(self.unit)


def _muscle(name: str) -> str:
    words = set(re.findall(r"[a-zà-ÿ]+", name.lower())) - {"emg"}
    for keys, muscle in _MUSCLE_WORDS:
        if words & keys:
            return muscle
    return guess_role(name)[0]


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # the DataLOG software runs on Windows: accented names come in cp1252/latin-1
        return raw.decode("latin-1")


def _parse_header(path: str, lines: list[str]) -> tuple[str, list[_Column], int]:
    """(file name, columns, index of the first data line)."""
    i = 0
    file_name = ""
    if lines and _FILE_NAME.match(lines[0]):
        file_name = lines[0].split(":", 1)[1].strip()
        i = 1
    columns: list[_Column] = []
    while i < len(lines) and lines[i].strip() and i < MAX_HEADER_LINES:
        m = _CHANNEL.match(lines[i])
        if not m:
            text = lines[i].strip()
            raise InputError(path, f"DataLOG header line {i + 1} is not \"Channel N: 'NAME', COUNT values, "
                                   f"engineering units: UNIT\": {text[:60]!r}")
        columns.append(_Column(int(m.group(1)), m.group(2).strip(), int(m.group(3)), m.group(4).strip(),
                               (m.group(5) or "").strip()))
        i += 1
    if not columns:
        raise InputError(path, "DataLOG export without 'Channel N: ...' header lines")
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise InputError(path, f"DataLOG header names a channel twice ({', '.join(names)})")
    while i < len(lines) and not lines[i].strip():
        i += 1
    return file_name, columns, i


def _parse_table(path: str, lines: list[str], start: int, columns: list[_Column]) -> list[np.ndarray]:
    """Each column's leading run of values (float64), checked against the header's counts. Rows are
    tab-separated, one cell per header line; empty cells only after a column's last value."""
    n = len(columns)
    rows = [ln.rstrip("\r").split("\t") for ln in lines[start:]]
    while rows and not "".join(rows[-1]).strip():  # the export ends with a row of empty cells
        rows.pop()
    if not rows:
        raise InputError(path, "DataLOG export without samples after its header")
    for k, r in enumerate(rows):
        if len(r) == n + 1 and not r[-1].strip():  # a trailing tab
            r.pop()
        elif len(r) != n:
            raise InputError(path, f"line {start + k + 1} has {len(r)} cell(s), the header lists {n} channel(s)")
    out = []
    for j, col in enumerate(columns):
        cells = [r[j].strip() for r in rows]
        filled = next((k for k, c in enumerate(cells) if not c), len(cells))
        later = next((k for k in range(filled, len(cells)) if cells[k]), None)
        if later is not None:
            raise InputError(path, f"column {col.name!r}: empty cell at line {start + filled + 1}, yet a value at "
                                   f"line {start + later + 1} (damaged file?)")
        try:
            values = np.array([float(c) for c in cells[:filled]], dtype=np.float64)
        except ValueError:
            bad = next(k for k, c in enumerate(cells[:filled]) if not _is_float(c))
            raise InputError(path, f"line {start + bad + 1}, column {col.name!r}: {cells[bad][:20]!r} is not a number") from None
        if not np.all(np.isfinite(values)):
            bad = int(np.nonzero(~np.isfinite(values))[0][0])
            raise InputError(path, f"line {start + bad + 1}, column {col.name!r}: {cells[bad]!r} is not a finite number")
        _check_count(path, col, len(values))
        out.append(values)
    return out


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_count(path: str, col: _Column, n: int) -> None:
    """The column holds what its header line says: `count` values, or count x (row rate / own rate) when
    extrapolated (within one own-rate period, however the exporter rounded)."""
    ex = col.extrapolated
    if ex is None:
        if n != col.count:
            cut = " (file cut short?)" if n < col.count else ""
            raise InputError(path, f"column {col.name!r} holds {n} values, its header line says {col.count}{cut}")
        return
    own, row = ex
    if not (own > 0 and row > 0 and math.isfinite(row / own)):
        raise InputError(path, f"column {col.name!r}: header says extrapolated from {own:g} to {row:g} samples per second")
    expected = col.count * row / own
    if abs(n - expected) >= max(1.0, row / own):
        raise InputError(path, f"column {col.name!r} holds {n} values, its header line says {col.count} at "
                               f"{own:g}/s extrapolated to {row:g}/s, i.e. {expected:.0f}")


def _row_rate(path: str, columns: list[_Column], rate_hz: float | None) -> tuple[float, str]:
    """(rate in Hz, where it came from): `rate_hz`, else an extrapolated column's row rate, else 1000 Hz."""
    if rate_hz is not None:
        return float(rate_hz), "given"
    stated = {ex[1] for c in columns if (ex := c.extrapolated) is not None}
    if len(stated) > 1:
        raise InputError(path, f"columns are extrapolated to different rates ({', '.join(f'{r:g}' for r in sorted(stated))} "
                               "samples per second); give the row rate (--rate)")
    if stated:
        rate = stated.pop()
        if not (rate > 0 and math.isfinite(rate)):
            raise InputError(path, f"header says extrapolated to {rate:g} samples per second")
        return rate, "header (extrapolated channel)"
    return DATALOG_RATE_HZ, f"DataLOG default {DATALOG_RATE_HZ:g} Hz (the export does not state it)"


def _emg_stream(
    path: str, cols: list[_Column], values: list[np.ndarray], rate: float, unit: str | None,
    channels: Sequence[ChannelOverride] | None, extra: dict[str, str],
) -> RecordedStream:
    counts = {c.name: len(v) for c, v in zip(cols, values)}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{k} {v}" for k, v in counts.items())
        raise InputError(path, f"EMG columns hold different numbers of values ({listed}); cannot make one stream")
    data = np.empty((len(values[0]), len(cols)), dtype=np.float64)
    assumed = []
    for j, (c, v) in enumerate(zip(cols, values)):
        scale, guessed = stated_scale(path, c.name, c.unit, unit)
        if guessed:
            assumed.append(j)
        data[:, j] = v * scale
    if len(data) == 0:
        raise InputError(path, "EMG columns hold no values")
    specs = [ChannelSpec(name=c.name, muscle=_muscle(c.name), side="none") for c in cols]
    check_override_indices(channels, len(specs), path)
    info = StreamInfo(kind="datalog", name=os.path.basename(path), address=path, rate_hz=rate,
                      channels=apply_overrides(specs, channels, path), extra=extra)
    return RecordedStream(info=info, data=data.astype(np.float32), t0=0.0, unit_assumed=tuple(assumed))


def _reference_stream(path: str, col: _Column, values: np.ndarray, rate: float, extra: dict[str, str]) -> RecordedStream:
    if len(values) == 0:
        raise InputError(path, f"column {col.name!r} holds no values")
    kind = "goniometer" if col.unit.strip().lower() in ANGLE_UNITS else "other"
    ex = {**extra, "reference": kind, "datalog_channel": str(col.number)}
    if col.extrapolated is not None:
        ex["source_rate_hz"] = f"{col.extrapolated[0]:g}"
    info = StreamInfo(kind="datalog", name=f"{os.path.basename(path)} {col.name}", address=path, rate_hz=rate,
                      channels=(ChannelSpec(name=col.name, muscle="other", side="none", unit=col.unit.strip()),), extra=ex)
    return RecordedStream(info=info, data=values.astype(np.float32)[:, None], t0=0.0)


def read_datalog(
    path: str | os.PathLike[str],
    rate_hz: float | None = None,
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read a DataLOG text export: its voltage columns as one EMG stream in µV at `rate_hz` (default: the
    rate the header implies, else 1000 Hz), times in s from the first row; other columns (the knee
    goniometer, deg) in `Recording.references`. `unit` ('uV', 'mV', 'V') applies only to columns whose
    header gives an empty unit. See the module docstring for the format and its quirks.
    """
    path = str(path)
    if rate_hz is not None and not (math.isfinite(rate_hz) and rate_hz > 0):
        raise InputError(path, f"sample rate must be a positive number, not {rate_hz!r}")
    lines = _read_text(path).split("\n")
    file_name, columns, start = _parse_header(path, [ln.rstrip("\r") for ln in lines[:MAX_HEADER_LINES + 1]])
    values = _parse_table(path, lines, start, columns)
    rate, rate_source = _row_rate(path, columns, rate_hz)
    extra = {"datalog_file_name": file_name, "rate_source": rate_source}
    emg = [(c, v) for c, v in zip(columns, values) if c.is_emg]
    if not emg:
        found = ", ".join(f"{c.name} ({c.unit or 'no unit'})" for c in columns)
        raise InputError(path, f"no EMG (voltage) column; found only {found}")
    stream = _emg_stream(path, [c for c, _ in emg], [v for _, v in emg], rate, unit, channels, extra)
    refs = [_reference_stream(path, c, v, rate, extra) for c, v in zip(columns, values) if not c.is_emg]
    return Recording(path=path, streams=[stream], markers=[], references=refs)


def goniometer_trace(recording: Recording) -> tuple[np.ndarray, np.ndarray]:
    """The knee angle recorded with the EMG: (times in s on the recording's session clock, angle in
    degrees), both float64 and of equal length, from the first reference stream that is a goniometer
    (as `read_datalog` marks a column in degrees). An independent reference for when the knee moves:
    compare EMG onsets with its changes. InputError naming the file when the recording has none.

    In the UCI files of subject 5N the goniometer was sampled at 50 Hz and interpolated to the row rate
    (its stream's extra["source_rate_hz"] says so): its timing is good to about 20 ms there.
    """
    for ref in recording.references:
        if ref.info.extra.get("reference") == "goniometer":
            angle = np.asarray(ref.data[:, 0], dtype=np.float64)
            times = ref.t0 + np.arange(len(angle)) / ref.info.rate_hz
            return times, angle
    raise InputError(recording.path, "no goniometer (knee angle) in this recording")
