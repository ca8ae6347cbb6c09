"""The batch's summary table: `analyze --json`'s report of each file, flattened to CSV rows.

One row per file (kind `file`: its length, how a text file was read, where its reps come from, notes, or
the one-line error that stopped it), then one per channel, per muscle pair and per rep. A column that does not apply to a row's
kind is empty. Units are in the column names: µV (`_uv`), ms, s, fractions 0-1; `lat_level` and
`glute_level` are in `level_unit` (%MVC when the file holds a calibration, else uV).
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path

Row = dict[str, object]


class RowKind(StrEnum):
    """What a table row describes."""

    FILE = "file"
    CHANNEL = "channel"
    PAIR = "pair"
    REP = "rep"


COLUMNS: tuple[str, ...] = (
    "file", "kind", "name", "error",
    "duration_s", "read_as", "rate_hz", "muscle", "side",
    "rms_uv", "envelope_peak_uv", "onsets", "onset_method", "rest_source", "rest_reliable", "no_signal",
    "quality", "snr_db", "ecg_bpm",
    "cci", "cci_basis", "coactivation_level_pct", "overlap_fraction", "latency_ms", "xcorr_lag_ms",
    "drill", "rep", "start_s", "end_s", "lat_level", "glute_level", "level_unit", "hit", "cue", "reps_source",
    "notes",
)


def error_rows(label: str, problem: str) -> list[Row]:
    """A file that could not be analysed: its one row, with the one-line problem."""
    return [{"file": label, "kind": RowKind.FILE, "error": problem}]


def _channel_row(c: dict) -> Row:
    signal = c["onsets_s"] is not None
    ecg = c.get("ecg") or {}
    quality = c.get("quality") or {}
    return {"kind": RowKind.CHANNEL, "name": c["name"], "rate_hz": c["rate_hz"], "muscle": c["muscle"],
            "side": c["side"], "rms_uv": c["rms_uv"], "envelope_peak_uv": c["envelope_peak_uv"],
            "onsets": len(c["onsets_s"]) if signal else None, "onset_method": c["onset_method"],
            "rest_source": c["rest"]["source"], "rest_reliable": c["rest"]["reliable"], "no_signal": c["no_signal"],
            "quality": quality.get("grade"), "snr_db": quality.get("snr_db"),
            "ecg_bpm": ecg.get("heart_rate_bpm") if ecg.get("contaminated") else None, "notes": c.get("filter")}


def _pair_row(p: dict) -> Row:
    return {"kind": RowKind.PAIR, "name": f"{p['a']}:{p['b']}", "cci": p["cci"], "cci_basis": p["cci_basis"],
            "coactivation_level_pct": p["coactivation_level_pct"], "overlap_fraction": p["overlap_fraction"],
            "latency_ms": p["median_onset_latency_ms"], "xcorr_lag_ms": p["xcorr_lag_ms"], "notes": p.get("reason")}


def _set_source(rep: dict, sets: Sequence[dict]) -> str | None:
    """The source ('live', 'rescored', 'scored_now') of the set a rep starts in."""
    for s in sets:
        lo = -math.inf if s["start_s"] is None else s["start_s"]
        hi = math.inf if s["end_s"] is None else s["end_s"]
        if s["drill"] == rep["drill"] and lo <= rep["start_s"] <= hi:
            return s["source"]
    return None


def _rep_row(r: dict, sets: Sequence[dict], file_source: str | None) -> Row:
    calibrated = r["mean_pct_mvc"]["lat"] is not None
    levels = r["mean_pct_mvc"] if calibrated else r["mean_uv"]
    return {"kind": RowKind.REP, "name": f"{r['drill']} #{r['index'] + 1}", "drill": r["drill"], "rep": r["index"] + 1,
            "start_s": r["start_s"], "end_s": r["end_s"], "latency_ms": r["onset_latency_ms"], "cci": r["cci"],
            "cci_basis": r["cci_basis"], "coactivation_level_pct": r["coactivation_level_pct"],
            "overlap_fraction": r["overlap"], "lat_level": levels["lat"], "glute_level": levels["glute"],
            "level_unit": "%MVC" if calibrated else "uV", "hit": r["hit"], "cue": r["cue"],
            "reps_source": _set_source(r, sets) or file_source,
            "notes": "partner already on" if r.get("partner_already_on") else None}


def report_rows(label: str, report: dict, notes: Sequence[str] = ()) -> list[Row]:
    """The rows of one analysed file from its `analyze --json` report; `notes` are the warnings and notes
    its analysis printed (units, skipped notches), kept on its file row."""
    sets = report.get("sets") or []
    file_notes = [*notes, report.get("pairs_note") or "", report.get("calibration") or ""]
    head: Row = {"kind": RowKind.FILE, "duration_s": report["duration_s"], "read_as": report.get("read_as"),
                 "drill": ",".join(dict.fromkeys(s["drill"] for s in sets)) or None,
                 "reps_source": report.get("source"), "notes": "; ".join(n for n in file_notes if n) or None}
    rows = [head]
    rows += [_channel_row(c) for c in report["channels"]]
    rows += [_pair_row(p) for p in report["pairs"]]
    rows += [_rep_row(r, sets, report.get("source")) for r in report.get("reps") or []]
    return [{"file": label, **r} for r in rows]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    return str(value)


def table_text(rows: Iterable[Row]) -> str:
    """The rows as CSV text (header first; '\\n' line ends), in COLUMNS order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in COLUMNS])
    return buf.getvalue()


def write_table(rows: Iterable[Row], out: str | os.PathLike[str]) -> Path:
    """Write the table to `out` (UTF-8 CSV) through a temporary file beside it, so a batch stopped
    half-way never leaves half a table. OSError when the folder cannot be written."""
    target = Path(out)
    text = table_text(rows)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=str(target.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
