"""Read EMG from a CSV file: a header row of names, an optional time column, one column per channel.

- Time column: the first column named like time, time_s, t, timestamp, seconds (or time_ms / timestamp_ms
  in milliseconds). It gives the rate (median step) unless `rate_hz` is passed, and its steps larger
  than 1.5 sample periods become gaps. Times in the Recording start at 0 (first row).
- No time column: `rate_hz` is required.
- Units: a column whose name says its unit keeps it: microvolts (`_uv`, `(µV)`), millivolts (`_mv`,
  `(mV)`, `mV`) or volts (`_v`, `(V)`). The other columns are in `unit` ('uV', 'mV', 'V'), µV when not
  given (and then listed in the stream's `unit_assumed`, for io.units.unit_warnings).
- Roles: `channels` overrides, else guessed from the names ('lat_left', 'glute_right', 'Lat L', ...).
- Markers: from the side file `<stem>_markers.csv` next to it (as `emgcoach export --to csv` writes it,
  header `time_s,kind,payload_json`; for a split export `<stem>_s<k>.csv` also `<stem>_markers.csv`),
  when there is one with that header. Its times are on the CSV's time column, so they are shifted with
  it (minus the first row's time). A side file with that header but a bad row is an InputError naming it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import warnings
from collections.abc import Sequence

import numpy as np

from emgcoach.errors import InputError, RateNeeded
from emgcoach.io.dialect import Dialect, detect_dialect
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import unit_scale
from emgcoach.types import MARKER_KINDS, ChannelSpec, Marker, StreamInfo

TIME_NAMES = {"time", "time_s", "times", "t", "t_s", "timestamp", "timestamps", "timestamp_s", "seconds", "sec", "s"}
MARKERS_HEADER = ["time_s", "kind", "payload_json"]
TIME_MS_NAMES = {"time_ms", "t_ms", "timestamp_ms", "ms", "milliseconds"}
INDEX_NAMES = {"sample", "sample_index", "index", "idx", "n", "nseq", "sample_number"}


def _norm(name: str) -> str:
    n = name.strip().strip('"').strip("'").lower()
    n = re.sub(r"[\s\-]+", "_", n)
    n = re.sub(r"[()\[\]]", "", n)
    return n.strip("_")


def _unit_scale(name: str) -> tuple[float | None, str]:
    """Factor to µV from the column name (None when the name states no unit), and the name with its unit
    suffix removed."""
    low = name.strip().lower()
    for pat, scale in (
        (r"[\s_]*[(\[]?\s*(uv|µv|μv|microvolts?)\s*[)\]]?$", 1.0),
        (r"[\s_]*[(\[]?\s*(mv|millivolts?)\s*[)\]]?$", 1e3),
        (r"[\s_]*[(\[]\s*(v|volts?)\s*[)\]]$|_v$|_volts?$", 1e6),
    ):
        m = re.search(pat, low)
        if m and m.start() > 0:
            return scale, name.strip()[: m.start()].strip()
    return None, name.strip()


def _sniff_delimiter(line: str) -> str | None:
    for d in (",", ";", "\t"):
        if d in line:
            return d
    return None  # whitespace


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def rate_from_times(path: str, t: np.ndarray) -> float:
    d = np.diff(t)
    if len(d) == 0:
        raise RateNeeded(path, "only one row: cannot tell the sample rate; give it (--rate)")
    if not np.all(np.isfinite(t)):
        raise InputError(path, "time column holds NaN/infinite values")
    if np.any(d <= 0):
        i = int(np.nonzero(d <= 0)[0][0])
        raise InputError(path, f"time column does not increase at row {i + 2} ({float(t[i]):.9g} s -> {float(t[i + 1]):.9g} s)")
    step = float(np.median(d))
    rate = 1.0 / step
    if abs(rate - round(rate)) < 1e-4 * rate:
        rate = float(round(rate))
    if not (rate > 0 and np.isfinite(rate)):
        raise InputError(path, "time column gives no usable sample rate")
    return rate


MAX_GAP_S = 86400.0
MAX_SAMPLE_UV = 1e9  # 1 kV: beyond any amplifier's input, and far inside float32 (which ends at 3.4e38)


def gaps_from_times(t: np.ndarray, rate: float, path: str = "") -> list[tuple[int, int]]:
    """(absolute index of the first missing sample, count) wherever a step exceeds 1.5 sample periods.

    A step longer than a day is refused as damage rather than turned into a huge gap.
    """
    if len(t) < 2:
        return []
    d = np.diff(t)
    big = np.nonzero(~(d <= MAX_GAP_S))[0]
    if len(big):
        at = int(big[0])
        raise InputError(path, f"timestamps jump by {d[at]:.6g} s after sample {at} (damaged file?)")
    gaps = []
    lost = 0
    for i in np.nonzero(d > 1.5 / rate)[0]:
        n = int(round(d[i] * rate)) - 1
        if n > 0:
            gaps.append((int(i) + 1 + lost, n))
            lost += n
    return gaps


def check_rate(path: str, rate_hz: float | None) -> None:
    if rate_hz is not None and not (np.isfinite(rate_hz) and rate_hz > 0):
        raise InputError(path, f"sample rate must be a positive number, not {rate_hz!r}")


def load_numeric_table(path: str, lines_skipped: int, delimiter: str | None, usecols: Sequence[int] | None = None,
                       source: str | io.StringIO | None = None) -> np.ndarray:
    """np.loadtxt of `source` (default: the file at `path`) with errors turned into InputError naming the
    row."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": we report that ourselves
            data = np.loadtxt(
                path if source is None else source,
                delimiter=delimiter,
                skiprows=lines_skipped,
                comments="#",
                dtype=np.float64,
                ndmin=2,
                usecols=usecols,
                encoding="utf-8",
            )
    except ValueError as e:
        msg = str(e).splitlines()[0] if str(e) else "not numbers"
        raise InputError(path, f"bad data ({msg})") from None
    except UnicodeDecodeError:
        raise InputError(path, "not a text file (bytes that are not UTF-8)") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    return data


def first_lines(path: str, n: int) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="strict", newline="") as f:
            out = []
            for _ in range(n):
                line = f.readline()
                if not line:
                    break
                out.append(line.rstrip("\r\n"))
            return out
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except UnicodeDecodeError:
        raise InputError(path, "not a text file (bytes that are not UTF-8)") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None


def read_as(dialect: Dialect, time_name: str | None) -> str:
    """One line saying how a table was read, e.g. "';'-separated, decimal comma, time column 'Time'"."""
    text = dialect.describe()
    text += f", time column {time_name!r}" if time_name is not None else ", no time column"
    if dialect.header_line is None:
        text += ", no header row"
    elif dialect.header_line > 0:
        text += f", {dialect.header_line} preamble line(s) skipped"
    return text


def _read_table(path: str, dialect: Dialect) -> tuple[list[str], np.ndarray]:
    """(column names, values as float64 rows) of a table in `dialect` (io.dialect)."""
    if dialect.header_line is not None:
        header = first_lines(path, dialect.header_line + 1)[-1].lstrip("\ufeff")
        names = dialect.split(header)
        if any(not n for n in names):
            raise InputError(path, "header row has an empty column name")
    else:
        width = len(dialect.split(first_lines(path, dialect.data_line + 1)[-1]))
        names = [f"ch{i}" for i in range(width)]
    delim = None if dialect.separator == " " else dialect.separator
    if dialect.decimal == ",":
        try:
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read().replace(",", ".")
        except UnicodeDecodeError:
            raise InputError(path, "not a text file (bytes that are not UTF-8)") from None
        except OSError as e:
            raise InputError(path, f"cannot read: {e.strerror or e}") from None
        source: str | io.StringIO = io.StringIO(text)
    else:
        source = path
    first = first_lines(path, dialect.data_line + 1)[-1].rstrip()
    trailing = delim is not None and first.endswith(delim)  # rows that end with the separator: one empty cell more
    data = load_numeric_table(path, dialect.data_line, delim, source=source,
                              usecols=range(len(names)) if trailing else None)
    return names, data


def _read_plain(path: str, head: list[str]) -> tuple[list[str], np.ndarray]:
    """(column names, values) reading the first non-comment line as the header (or data), for tables no
    dialect reads: numpy then says which row holds what."""
    skip = 0
    while skip < len(head) and (not head[skip].strip() or head[skip].lstrip().startswith("#")):
        skip += 1
    if skip >= len(head):
        raise InputError(path, "no header row and no data")
    header_line = head[skip].lstrip("\ufeff")
    delim = _sniff_delimiter(header_line)
    cells = [c.strip() for c in (header_line.split(delim) if delim else header_line.split())]
    if not all(_is_number(c) for c in cells if c):
        if any(not n for n in cells):
            raise InputError(path, "header row has an empty column name")
        return cells, load_numeric_table(path, skip + 1, delim)
    return [f"ch{i}" for i in range(len(cells))], load_numeric_table(path, skip, delim)


def _load_table(path: str) -> tuple[list[str], np.ndarray, Dialect | None]:
    """(column names, values as float64 rows, the dialect that read them or None) of a table with data
    rows as wide as its header."""
    head = first_lines(path, 64)
    dialect = detect_dialect(head)
    if dialect is not None:
        names, data = _read_table(path, dialect)
    else:  # no dialect reads the data as numbers: the plain reading says where and why
        names, data = _read_plain(path, head)
    if data.shape[0] == 0:
        raise InputError(path, "no data rows")
    if data.shape[1] != len(names):
        raise InputError(path, f"rows have {data.shape[1]} values but the header names {len(names)} columns")
    return names, data, dialect


def _time_column(norm: Sequence[str]) -> tuple[int | None, float]:
    """(index of the time column or None, its factor to s) from the normalised column names."""
    for i, n in enumerate(norm):
        if n in TIME_NAMES:
            return i, 1.0
        if n in TIME_MS_NAMES:
            return i, 1e-3
    return None, 1.0


def _sample_rate(path: str, ts: np.ndarray | None, rate_hz: float | None) -> float:
    """The sample rate (Hz): `rate_hz` when given (checked against the time column's `ts` in s when there
    are two rows or more), else measured from `ts`."""
    if ts is not None:
        if rate_hz is not None and len(ts) < 2:  # one row: nothing to check the given rate against
            return float(rate_hz)
        est = rate_from_times(path, ts)
        return float(rate_hz) if rate_hz is not None else est
    if rate_hz is None:
        raise RateNeeded(path, "no time column: give its sample rate (--rate)")
    return float(rate_hz)


def _check_values(path: str, values: np.ndarray, names: Sequence[str]) -> None:
    """Refuse NaN/infinite samples and samples beyond ±1 kV (µV), naming the first row and column."""
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        raise InputError(
            path, f"{int(bad.sum())} NaN/infinite sample value(s); first at data row {r + 1}, column {names[c]!r}"
        )
    huge = np.abs(values) > MAX_SAMPLE_UV
    if huge.any():
        r, c = (int(x) for x in np.argwhere(huge)[0])
        raise InputError(
            path,
            f"{int(huge.sum())} sample value(s) beyond ±1 kV, which no electrode gives (damaged file or wrong unit?); "
            f"first {values[r, c]:.6g} µV at data row {r + 1}, column {names[c]!r}",
        )


def _channels_uv(path: str, names: Sequence[str], data: np.ndarray, chan_cols: Sequence[int],
                 unit: str | None) -> tuple[np.ndarray, list[ChannelSpec], list[int]]:
    """(the channel columns as float32 µV, their specs, the channels whose unit was assumed)."""
    specs = []
    scale = np.ones(len(chan_cols))
    assumed = []
    for j, i in enumerate(chan_cols):
        stated, bare = _unit_scale(names[i])
        if stated is None and unit is None:
            assumed.append(j)
        scale[j] = stated if stated is not None else unit_scale(unit)
        muscle, side = guess_role(bare)
        specs.append(ChannelSpec(name=bare or f"ch{j}", muscle=muscle, side=side))
    values = data[:, chan_cols]
    with np.errstate(over="ignore", invalid="ignore"):  # huge values are reported below, not warned about
        if np.any(scale != 1.0):
            values = values * scale
        _check_values(path, values, [names[i] for i in chan_cols])
        values = np.ascontiguousarray(values, dtype=np.float32)
    return values, specs, assumed


def read_csv(
    path: str | os.PathLike[str],
    rate_hz: float | None = None,
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read a CSV (see the module docstring) into one stream in µV; `unit` is the unit of the columns
    whose names state none."""
    path = str(path)
    check_rate(path, rate_hz)
    names, data, dialect = _load_table(path)
    norm = [_norm(n) for n in names]
    time_col, time_scale = _time_column(norm)
    chan_cols = [i for i, n in enumerate(norm) if i != time_col and n not in INDEX_NAMES]
    if not chan_cols:
        raise InputError(path, "no channel columns (only time/index columns)")
    ts = data[:, time_col] * time_scale if time_col is not None else None
    rate = _sample_rate(path, ts, rate_hz)
    values, specs, assumed = _channels_uv(path, names, data, chan_cols, unit)
    check_override_indices(channels, len(specs), path)
    specs_t = apply_overrides(specs, channels, path)
    extra = {"read_as": read_as(dialect, names[time_col] if time_col is not None else None)} if dialect else {}
    info = StreamInfo(kind="file", name=os.path.basename(path), address=path, rate_hz=rate, channels=specs_t, extra=extra)
    if ts is not None:
        stream = RecordedStream(info=info, data=values, t0=0.0, gaps=gaps_from_times(ts, rate, path),
                                timestamps=ts - ts[0], unit_assumed=tuple(assumed))
    else:
        stream = RecordedStream(info=info, data=values, t0=0.0, unit_assumed=tuple(assumed))
    shift = float(ts[0]) if ts is not None else 0.0
    return Recording(path=path, streams=[stream], markers=read_side_markers(path, shift))


def side_markers_path(path: str) -> str | None:
    """The markers file an emgcoach CSV export wrote beside `path`, if there is one."""
    root, ext = os.path.splitext(path)
    candidates = [f"{root}_markers{ext or '.csv'}", f"{root}_markers.csv"]
    m = re.match(r"^(.*)_s\d+$", root)  # one file per stream: <stem>_s<k>.csv beside <stem>_markers.csv
    if m:
        candidates += [f"{m.group(1)}_markers{ext or '.csv'}", f"{m.group(1)}_markers.csv"]
    for c in candidates:
        if os.path.abspath(c) != os.path.abspath(path) and os.path.isfile(c):
            return c
    return None


def read_side_markers(path: str, shift_s: float = 0.0) -> list[Marker]:
    """Markers from the side file of `path` (see the module docstring), times minus `shift_s`; [] when
    there is none, or the file beside it is not an emgcoach markers file (other header)."""
    side = side_markers_path(path)
    if side is None:
        return []
    try:
        with open(side, newline="", encoding="utf-8-sig") as f:
            rows = csv.reader(f)
            if next(rows, None) != MARKERS_HEADER:
                return []  # someone else's file that happens to have the name
            markers = []
            for n, row in enumerate(rows, start=2):
                if not row:
                    continue
                try:
                    t, kind, payload = float(row[0]), row[1], json.loads(row[2]) if len(row) > 2 and row[2] else {}
                except (ValueError, IndexError) as e:
                    raise InputError(side, f"markers row {n}: {e}") from None
                if kind not in MARKER_KINDS or not isinstance(payload, dict) or not np.isfinite(t):
                    raise InputError(side, f"markers row {n}: not a marker (time {row[0]!r}, kind {kind!r})")
                markers.append(Marker(time_s=t - shift_s, kind=kind, payload=payload))
    except UnicodeDecodeError:
        raise InputError(side, "markers file is not UTF-8 text") from None
    except OSError as e:
        raise InputError(side, f"cannot read the markers file: {e.strerror or e}") from None
    markers.sort(key=lambda mk: mk.time_s)
    return markers
