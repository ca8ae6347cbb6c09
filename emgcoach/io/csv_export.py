"""CSV export: samples in µV with their session-clock times, plus a markers file.

Layout
------
* One stream, or several streams with the same rate and the same t0 and length: one file `<out>` with
  header `time_s,<channel names...>` and one row per sample (channels side by side).
* Streams that differ in rate, t0 or length: one file per stream, `<stem>_s<k><suffix>` (k from 0),
  each with its own time column. `write_csv` returns the first file written; `write_csv_files` returns all.
* Lost samples (RecordedStream.gaps) are not rows: time_s jumps over them, so no sample is shifted.
* Values are written with '%.9g' (a float32 µV value survives the round trip to float32 precision);
  times with '%.6f' s (1 µs).
* `<stem>_markers.csv` (time_s,kind,payload_json) when the recording has markers.
* Every file is written under a temporary name and renamed once all of them are complete; on any error
  none of them is left behind.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from emgcoach.io.csv_reader import MARKERS_HEADER
from emgcoach.io.recording import RecordedStream, Recording

Progress = Callable[[float], Any] | None
_CHUNK = 20_000


def _column_names(streams: list[RecordedStream]) -> list[str]:
    names: list[str] = []
    used: set[str] = set()
    for s in streams:
        for spec in s.info.channels:
            base = spec.name or spec.label
            name, k = base, 2
            while name in used:
                name = f"{base}_{k}"
                k += 1
            used.add(name)
            names.append(name)
    return names


def _sample_times(s: RecordedStream) -> np.ndarray:
    """Session-clock time of each row of s.data (gaps skipped)."""
    n = s.n_samples
    idx = np.arange(n, dtype=np.int64)
    shift = 0
    for start, count in sorted(s.gaps):
        row = start - s.first_index - shift  # data row where this gap sits
        idx[max(row, 0) :] += count
        shift += count
    return s.t0 + idx / float(s.info.rate_hz)


def _groups(streams: list[RecordedStream]) -> list[list[RecordedStream]]:
    first = streams[0]
    same = all(
        s.info.rate_hz == first.info.rate_hz
        and s.n_samples == first.n_samples
        and abs(s.t0 - first.t0) < 0.5 / first.info.rate_hz
        and sorted(s.gaps) == sorted(first.gaps)
        for s in streams
    )
    return [streams] if same else [[s] for s in streams]


def _write_group(f: io.TextIOBase, group: list[RecordedStream], progress_cb: Callable[[int], None]) -> None:
    f.write(",".join(["time_s", *(_csv_field(n) for n in _column_names(group))]) + "\n")
    times = _sample_times(group[0])
    data = np.concatenate([np.asarray(s.data, dtype=np.float32).reshape(s.n_samples, -1) for s in group], axis=1)
    n = data.shape[0]
    fmt = ",".join(["%.6f"] + ["%.9g"] * data.shape[1])
    for a in range(0, n, _CHUNK):
        b = min(n, a + _CHUNK)
        block = np.column_stack([times[a:b], data[a:b].astype(np.float64)])
        np.savetxt(f, block, fmt=fmt, delimiter=",")
        progress_cb(b - a)


def _csv_field(text: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([text])
    return buf.getvalue()


def write_csv_files(recording: Recording, out_path: str | os.PathLike, progress: Progress = None) -> list[Path]:
    """Write the CSV export (see module docstring); returns every file written, data files first."""
    out = Path(out_path)
    streams = [s for s in recording.streams if s.info.n_channels > 0]
    if not streams:
        raise ValueError("nothing to export: the recording has no streams")
    groups = _groups(streams)
    suffix = out.suffix or ".csv"
    if len(groups) == 1:
        targets = [out]
    else:
        targets = [out.with_name(f"{out.stem}_s{k}{suffix}") for k in range(len(groups))]
    marker_target = out.with_name(f"{out.stem}_markers.csv") if recording.markers else None

    total = sum(g[0].n_samples for g in groups) or 1
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(min(0.99, done / total))

    out.parent.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[Path, Path]] = []
    try:
        if progress is not None:
            progress(0.0)
        for group, target in zip(groups, targets):
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=str(target.parent))
            temps.append((Path(tmp), target))
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
                _write_group(f, group, tick)
        if marker_target is not None:
            fd, tmp = tempfile.mkstemp(prefix=f".{marker_target.name}.", suffix=".part", dir=str(out.parent))
            temps.append((Path(tmp), marker_target))
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(MARKERS_HEADER)
                for m in sorted(recording.markers, key=lambda mk: mk.time_s):
                    w.writerow([f"{m.time_s:.6f}", m.kind, json.dumps(m.payload, sort_keys=True, default=str)])
        for part, target in temps:
            os.replace(part, target)
        if progress is not None:
            progress(1.0)
    except BaseException:
        for part, _ in temps:
            try:
                part.unlink()
            except FileNotFoundError:
                pass
        raise
    return [t for _, t in temps]


def write_csv(recording: Recording, out_path: str | os.PathLike, progress: Progress = None) -> Path:
    """Write the CSV export; returns the first data file (see module docstring for the layout)."""
    return write_csv_files(recording, out_path, progress)[0]
