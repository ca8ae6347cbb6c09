"""A client's records as one zip, for them to take away or for another clinic: everything the history
holds about the pseudonym (sessions with their sets, reps and notes; calibrations) as JSON and as CSV,
their recordings and reports (coach/client_records.py finds them), and a README.txt saying what each
file and column is. The zip is readable by its owner only (0600), written whole or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from emgcoach import __version__
from emgcoach.coach.client_records import ClientFile, client_files, client_records, plural
from emgcoach.coach.store import Store
from emgcoach.errors import EmgcoachError
from emgcoach.io.private import PRIVATE, private_file

logger = logging.getLogger(__name__)

SESSION_COLUMNS = {
    "session_id": "the session's number in the history (what `emgcoach report N` takes)",
    "started": "when the session was filed: a live set's end, or the start of the recording it was filed from "
               "(ISO 8601, local time)",
    "recording": "the recording's path on the computer it was exported from (empty: the set was not recorded)",
    "recording_in_zip": "that recording in this archive (empty: none, or missing: see 'Missing' above)",
    "calibration_id": "the calibration its levels are in % of (calibrations.csv); empty: none, levels in µV",
    "notes": "the therapist's notes",
    "drills": "the drills done, ';' between them",
    "reps": "reps scored",
    "hits": "reps on target",
    "complete": "1: every set ran to its end; 0: a set was cut short (stopped early, the app quit)",
}
REP_COLUMNS = {
    "session_id": "the session (sessions.csv)",
    "drill": "the drill's id (emgcoach drills lists them)",
    "set_complete": "1: the rep's set ran to its end; 0: it was cut short",
    "planned_reps": "reps the set planned (empty: not known)",
    "idx": "the rep's place in its set, from 0",
    "start_s": "the rep's start, s on the session's clock (a recording's: from its start)",
    "end_s": "the rep's end, s on the same clock",
    "latency_ms": "glute onset minus lat onset, ms (positive: the glute came after the lat); empty: an onset not found",
    "cci": "co-contraction index of lat and glute over the rep where either is active, 0-1",
    "lat_peak": "the lat's highest level over the rep, in `unit`",
    "glute_peak": "the glute's highest level over the rep, in `unit`",
    "lat_mean": "the lat's mean level over the middle 60 % of the rep, in `unit`",
    "glute_mean": "the glute's mean level over the middle 60 % of the rep, in `unit`",
    "hit": "1: on target; 0: missed",
    "cue": "the corrective cue the miss was given (empty on a hit)",
    "time_in_target": "fraction of the rep with both muscles in their target bands, 0-1",
    "lat_mdf_hz": "median frequency of the lat's band-passed EMG over its active part of the rep, Hz "
                  "(falling over a set: fatigue); empty: not measured",
    "glute_mdf_hz": "median frequency of the glute's band-passed EMG over its active part of the rep, Hz; "
                    "empty: not measured",
    "sling": "a both-slings set's rep: the sling that worked it, named by its lat's side (left: left lat + "
             "right glute; right: right lat + left glute); empty: a one-sling set",
    "unit": "%MVC: percent of the muscle's maximal voluntary contraction, its rest 0 % (calibrated); "
            "µV: envelope microvolts (no calibration)",
}
CALIBRATION_COLUMNS = {
    "calibration_id": "the calibration (sessions.csv refers to it)",
    "created": "when it was made (ISO 8601, local time)",
    "muscle": "the muscle calibrated (the role its sensor had, e.g. lat, glute)",
    "side": "its side, left or right",
    "rest_uv": "the muscle's envelope at rest, µV",
    "rest_sd_uv": "its standard deviation at rest, µV",
    "onset_rest_uv": "the onset envelope at rest, µV (what onsets are found against)",
    "onset_rest_sd_uv": "its standard deviation at rest, µV",
    "mvc_uv": "maximal voluntary contraction: the highest 500 ms mean envelope of the efforts, µV",
    "efforts_uv": "each effort's value, µV, ';' between them",
}
UNDESCRIBED = "(not described by this version of emgcoach)"


@dataclass(frozen=True)
class ExportSummary:
    """An export: the zip, the rows in it, the files put in it (name in the zip, the file) and the files
    the history refers to that were missing or unreadable (file, why)."""

    label: str
    out: Path
    sessions: int
    reps: int
    calibrations: int
    included: tuple[tuple[str, ClientFile], ...]
    missing: tuple[tuple[ClientFile, str], ...]

    def line(self) -> str:
        """One line for the terminal or the history view."""
        gone = f", {len(self.missing)} missing (listed in its README.txt)" if self.missing else ""
        return (f"Exported {self.label} to {self.out}: {plural(self.sessions, 'session')}, {plural(self.reps, 'rep')}, "
                f"{plural(self.calibrations, 'calibration')}, {plural(len(self.included), 'file')} (recordings and "
                f"reports){gone}")


def export_client(store: Store, label: str, out: str | Path, report_dirs: Iterable[str | Path] = (),
                  now: datetime | None = None) -> ExportSummary:
    """Write `label`'s records to the zip `out` (0600; replaced whole if it exists). StoreError for an
    unknown label, EmgcoachError naming `out` when it cannot be written; a missing recording is no error."""
    records = client_records(store, label)
    out = _check_out(Path(out).expanduser(), store)
    files = client_files(store, label, report_dirs, records)
    stamp = (now or datetime.now()).astimezone().isoformat(timespec="seconds")
    part = out.with_name(f".{out.name}.part")  # the zip appears whole or not at all
    try:
        with private_file(part) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            included, missing = _add_files(zf, files)
            tables = _tables(records, included, files)
            for name, text in tables.items():
                _add_text(zf, name, text)
            _add_text(zf, "README.txt", readme(label, stamp, store.path, records, tables, included, missing))
        os.replace(part, out)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise EmgcoachError(f"{out}: cannot write the export ({e.strerror or e})") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    summary = ExportSummary(label, out, len(records["sessions"]), len(records["reps"]), len(records["calibrations"]),
                            tuple(included), tuple(missing))
    logger.info("%s", summary.line())
    return summary


def _check_out(out: Path, store: Store) -> Path:
    """`out` as the zip to write; EmgcoachError naming it when it is a folder, the database itself, or
    cannot be looked at (a name too long, say)."""
    try:
        return _checked_out(out, store)
    except OSError as e:
        raise EmgcoachError(f"{out}: cannot write the export ({e.strerror or e})") from None


def _checked_out(out: Path, store: Store) -> Path:
    if out.is_dir():
        raise EmgcoachError(f"{out}: is a folder; give the zip's file name (e.g. {out / 'client.zip'})")
    if out.resolve() == store.path.resolve():
        raise EmgcoachError(f"{out}: is the history database itself; give another file name")
    if not out.parent.is_dir():
        raise EmgcoachError(f"{out}: cannot write the export (no folder {out.parent})")
    return out


def _add_text(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = PRIVATE << 16  # unzipped, it stays the owner's only
    zf.writestr(info, text.encode("utf-8"))


def _add_files(zf: zipfile.ZipFile, files: list[ClientFile]) -> tuple[list[tuple[str, ClientFile]],
                                                                       list[tuple[ClientFile, str]]]:
    """Each file that can be read into recordings/ or reports/ (a name taken gets -2, -3...); those that
    cannot, with why."""
    included: list[tuple[str, ClientFile]] = []
    missing: list[tuple[ClientFile, str]] = []
    taken: set[str] = set()
    for f in files:
        if not f.exists:
            missing.append((f, "not found"))
            continue
        name, n = f"{f.kind}s/{f.path.name}", 2
        while name in taken:
            name, n = f"{f.kind}s/{f.path.stem}-{n}{f.path.suffix}", n + 1
        try:
            with open(f.path, "rb") as src:
                info = zipfile.ZipInfo.from_file(f.path, name)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = PRIVATE << 16
                with zf.open(info, "w") as dst:
                    while chunk := src.read(1 << 20):  # recordings run to hundreds of MB: never whole in memory
                        dst.write(chunk)
        except OSError as e:
            logger.warning("export: %s not included: %s", f.path, e)
            missing.append((f, f"could not be read: {e.strerror or e}"))
            continue
        taken.add(name)
        included.append((name, f))
    return included, missing


def _tables(records: dict[str, list[dict]], included: list[tuple[str, ClientFile]],
            files: list[ClientFile]) -> dict[str, str]:
    """sessions.json, sessions.csv, reps.csv and calibrations.csv, as text."""
    in_zip = {f.path: name for name, f in included}
    recording_of = {sid: in_zip.get(f.path, "") for f in files if f.kind == "recording" for sid in f.sessions}
    drills = {int(d["id"]): d for d in records["session_drills"]}
    sessions = [_session_row(s, records, recording_of.get(int(s["id"]), "")) for s in records["sessions"]]
    reps = [_rep_row(r, drills[int(r["session_drill_id"])]) for r in records["reps"]]
    calibrations = [row for c in records["calibrations"] for row in _calibration_rows(c)]
    doc = {
        "format": "emgcoach client records, version 1",
        "app_version": __version__,
        "person": records["people"][0],
        "sessions": [_session_doc(s, records) for s in records["sessions"]],
        "calibrations": [{**{k: v for k, v in c.items() if k != "data"}, "data": json.loads(c["data"])}
                         for c in records["calibrations"]],
        "files": [{"kind": str(f.kind), "path": str(f.path), "sessions": list(f.sessions),
                   "in_zip": in_zip.get(f.path)} for f in files],
    }
    return {
        "sessions.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
        "sessions.csv": _csv(SESSION_COLUMNS, sessions),
        "reps.csv": _csv(REP_COLUMNS, reps),
        "calibrations.csv": _csv(CALIBRATION_COLUMNS, calibrations),
    }


def _session_row(s: dict, records: dict[str, list[dict]], in_zip: str) -> dict:
    sets = [d for d in records["session_drills"] if d["session_id"] == s["id"]]
    ids = {d["id"] for d in sets}
    reps = [r for r in records["reps"] if r["session_drill_id"] in ids]
    extra = {k: v for k, v in s.items() if k not in ("id", "person_id", "started", "recording", "calibration_id", "notes")}
    return {"session_id": s["id"], "started": s["started"], "recording": s["recording"], "recording_in_zip": in_zip,
            "calibration_id": s["calibration_id"], "notes": s["notes"], "drills": ";".join(d["drill"] for d in sets),
            "reps": len(reps), "hits": sum(int(r["hit"]) for r in reps),
            "complete": int(all(d["complete"] for d in sets)), **extra}


def _rep_row(r: dict, d: dict) -> dict:
    """A rep's columns as stored (a column a later migration adds too), after its session, drill and set."""
    own = {k: v for k, v in r.items() if k not in ("id", "session_drill_id")}
    return {"session_id": d["session_id"], "drill": d["drill"], "set_complete": d["complete"],
            "planned_reps": d["planned_reps"], **own}


def _calibration_rows(c: dict) -> list[dict]:
    data = json.loads(c["data"])
    return [{"calibration_id": c["id"], "created": c["created"], **{k: v for k, v in m.items() if k != "efforts_uv"},
             "efforts_uv": ";".join(f"{e:g}" for e in m.get("efforts_uv", ()))} for m in data.get("muscles", ())]


def _session_doc(s: dict, records: dict[str, list[dict]]) -> dict:
    """A session with its sets, each with its reps (the database's rows, nested)."""
    sets = []
    for d in (d for d in records["session_drills"] if d["session_id"] == s["id"]):
        reps = [{k: v for k, v in r.items() if k != "session_drill_id"}
                for r in records["reps"] if r["session_drill_id"] == d["id"]]
        sets.append({**{k: v for k, v in d.items() if k != "session_id"}, "reps": reps})
    return {**{k: v for k, v in s.items() if k != "person_id"}, "sets": sets}


def _csv(described: dict[str, str], rows: list[dict]) -> str:
    """UTF-8 CSV: the described columns in their order, then any others the rows have; empty cell: no value."""
    columns = list(described) + [k for r in rows for k in r if k not in described]
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(dict.fromkeys(columns)), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def readme(label: str, stamp: str, store_path: Path, records: dict[str, list[dict]], tables: dict[str, str],
           included: list[tuple[str, ClientFile]], missing: list[tuple[ClientFile, str]]) -> str:
    """README.txt: what the archive is, each file in it, what is missing, each CSV's columns and units."""
    rows = {name: len(list(csv.reader(io.StringIO(text)))) - 1 for name, text in tables.items() if name.endswith(".csv")}
    width = max([len(n) for n in tables] + [len(n) for n, _ in included] + [len("README.txt")])
    lines = [
        f"emgcoach client records: {label}",
        f"Exported {stamp} by emgcoach {__version__} from the history database {store_path}.",
        "",
        "This is health data about one client, under their pseudonym. Keep it where only you and they can read it.",
        "",
        "Files",
        f"  {'README.txt':<{width}}  this file",
        f"  {'sessions.json':<{width}}  all of it in one JSON document: each session with its sets and their reps, "
        "the calibrations, the files",
        f"  {'sessions.csv':<{width}}  one row per session ({rows['sessions.csv']} rows)",
        f"  {'reps.csv':<{width}}  one row per rep ({rows['reps.csv']} rows)",
        f"  {'calibrations.csv':<{width}}  one row per muscle of each calibration ({rows['calibrations.csv']} rows)",
    ]
    lines += [f"  {name:<{width}}  {f.describe()} (was {f.path})" for name, f in included]
    lines += ["", "Missing (the history refers to them; they are not in this archive)"]
    lines += [f"  {f.describe()}: {f.path} ({why})" for f, why in missing] or ["  none"]
    lines += ["", "Columns (CSV: UTF-8, comma-separated, one header row; an empty cell has no value)"]
    for name, described in (("sessions.csv", SESSION_COLUMNS), ("reps.csv", REP_COLUMNS),
                            ("calibrations.csv", CALIBRATION_COLUMNS)):
        header = next(csv.reader(io.StringIO(tables[name])))
        lines += ["", f"  {name}"] + [f"    {c}: {described.get(c, UNDESCRIBED)}" for c in header]
    lines += ["", "Units: times in s, latencies in ms, levels in each rep's `unit` (%MVC or µV), "
              "co-contraction and time in target as fractions 0-1.", ""]
    return "\n".join(lines)
