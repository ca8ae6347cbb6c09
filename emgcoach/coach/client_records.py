"""A client's records: the files that go with their history, and erasing the client (the export is
coach/client_export.py, the backup coach/backup.py).

A client's files are what the history refers to: each session's recording (the path the store keeps),
and the reports of those sessions, which the store does not keep but which are named so they can be found
again: `NAME-report.html/.pdf` beside a recording NAME.xdf (`emgcoach report`'s default) and the Report
dialog's `LABEL_DRILL_YYYYMMDD-HHMM[-N]-report.html/.pdf` (a drill and a day of one of the client's
sessions) in a recording's folder or a report folder the caller names.

Erase deletes the client's rows, and of their files only those the store owns: files in the store's own
folder, the app's data folder (platformdirs), when the store is the one kept there. emgcoach saves
recordings in the recordings folder of its Settings (default ~/emgcoach-recordings) and reports where the
user chooses, never in its data folder, so today those are all left, and said to be left with their paths:
a folder the user chose may hold what they want to keep, and a deleted file does not come back. A file is
left too when another client's session refers to it, or it is a link.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from emgcoach.coach.store import Store, StoreError, check_label, default_path

logger = logging.getLogger(__name__)

REPORT_SUFFIXES = (".html", ".pdf")


class FileKind(StrEnum):
    RECORDING = "recording"
    REPORT = "report"


@dataclass(frozen=True)
class ClientFile:
    """A file of a client's: a session's recording or a report of one; `sessions` the ids it belongs to."""

    kind: FileKind
    path: Path
    sessions: tuple[int, ...]

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def describe(self) -> str:
        """'recording of session 3' / 'report of sessions 3, 4'."""
        ids = ", ".join(str(s) for s in self.sessions)
        return f"{self.kind} of session{'s' if len(self.sessions) > 1 else ''} {ids}"


def client_records(store: Store, label: str) -> dict[str, list[dict]]:
    """Every row of `label`'s (Store.person_records); StoreError naming the label and the store when the
    label is no pseudonym or nobody has it."""
    check_label(label)
    records = store.person_records(label)
    if not records["people"]:
        raise StoreError(f"{store.path}: no client {label!r} in this history")
    return records


def client_files(store: Store, label: str, report_dirs: Iterable[str | Path] = (),
                 records: dict[str, list[dict]] | None = None) -> list[ClientFile]:
    """The recordings of `label`'s sessions (missing ones too: ClientFile.exists says), then the reports
    of them found on disk (see the module's notes), each file once, in session order."""
    records = records if records is not None else client_records(store, label)
    recordings: dict[Path, list[int]] = {}
    spelled: dict[Path, Path] = {}  # one file under two spellings is one file, under the first
    for s in records["sessions"]:
        if s["recording"]:
            path = Path(s["recording"]).expanduser()
            recordings.setdefault(spelled.setdefault(path.resolve(), path), []).append(int(s["id"]))
    files = []
    for p, ids in recordings.items():
        files.append(ClientFile(FileKind.RECORDING, p, tuple(ids)))
        # what the app keeps beside a recording goes with it: its video and its artifact marks
        files += [ClientFile(FileKind.RECORDING, c, tuple(ids)) for c in _companions(p) if c.is_file()]
    folders = [p.parent for p in recordings] + [Path(d).expanduser() for d in report_dirs]
    return files + _reports(label, records, recordings, folders)


def _companions(recording: Path) -> list[Path]:
    """The files the app writes beside `recording`: the session's video and the artifact marks' sidecar."""
    from emgcoach.io.artifacts import sidecar_path
    from emgcoach.io.video_frames import video_path_for

    return [video_path_for(recording), Path(sidecar_path(recording))]


def _reports(label: str, records: dict[str, list[dict]], recordings: dict[Path, list[int]],
             folders: Sequence[Path]) -> list[ClientFile]:
    """Reports beside the recordings (NAME-report) and the Report dialog's names in `folders`."""
    from emgcoach.coach.report import default_report_base, set_report_stem

    found: dict[Path, set[int]] = {}
    for rec, ids in recordings.items():
        for suffix in REPORT_SUFFIXES:
            path = default_report_base(rec).with_suffix(suffix)
            if path.is_file():
                found.setdefault(path, set()).update(ids)
    # the dialog stamps a report with its set's start, the history its session with when it was saved (or
    # the recording's start): the same day, not always the same minute
    patterns = []
    days = {int(s["id"]): _day(s["started"]) for s in records["sessions"]}
    for d in records["session_drills"]:
        stem = set_report_stem(label, d["drill"], days[int(d["session_id"])] + "-")
        patterns.append((re.compile(re.escape(stem) + r"\d{4}(-\d+)?-report\.(html|pdf)$"), int(d["session_id"])))
    for folder in dict.fromkeys(f.resolve() for f in folders if f.is_dir()):
        for path in sorted(folder.iterdir()):
            matched = {sid for pattern, sid in patterns if pattern.match(path.name)}
            if matched and path.is_file():
                found.setdefault(path, set()).update(matched)
    order = {int(s["id"]): i for i, s in enumerate(records["sessions"])}
    return [ClientFile(FileKind.REPORT, p, tuple(sorted(ids, key=order.__getitem__)))
            for p, ids in sorted(found.items(), key=lambda kv: (min(order[i] for i in kv[1]), kv[0].name))]


def _day(started: str) -> str:
    """'2026-11-04T10:00:00' -> '20261104' (a stored start that is no date matches no report)."""
    try:
        return datetime.fromisoformat(started).strftime("%Y%m%d")
    except ValueError:
        return "no-date"


def owned_folder(store: Store) -> Path | None:
    """The folder whose files `store` owns: the app's data folder when the store is kept there, else None
    (a store elsewhere lives in a folder the user chose, which may hold anything)."""
    here = store.path.expanduser().resolve().parent
    return here if here == default_path().expanduser().resolve().parent else None


# ---------------------------------------------------------------------------------------------- erase


@dataclass(frozen=True)
class ErasePlan:
    """What erasing a client deletes: their rows (counts per table) and the files the store owns; and
    what it leaves: (file, why) for the others. `missing` are files the history refers to, not on disk."""

    label: str
    store: Path
    rows: dict[str, int]
    delete: tuple[ClientFile, ...]
    leave: tuple[tuple[ClientFile, str], ...]
    missing: tuple[ClientFile, ...]

    def lines(self) -> list[str]:
        """The plan in words, for the confirmation: what goes, what stays."""
        r = self.rows
        out = [f"Erase {self.label} from {self.store}: {_rows_text(r)}; it will delete {plural(len(self.delete), 'file')} "
               f"and leave {plural(len(self.leave), 'file')} where they are"]
        out += [f"  delete {f.path} ({f.describe()})" for f in self.delete]
        out += [f"  leave  {f.path} ({f.describe()}; {why})" for f, why in self.leave]
        return out


@dataclass(frozen=True)
class EraseSummary:
    """What erasing a client did: rows deleted per table, files deleted, files left (with why; a file
    that could not be deleted is left, saying so), files referred to but missing, whether the database
    was compacted (VACUUM)."""

    label: str
    store: Path
    rows: dict[str, int]
    deleted: tuple[Path, ...]
    left: tuple[tuple[Path, str], ...]
    missing: tuple[Path, ...]
    vacuumed: bool

    def lines(self) -> list[str]:
        """What was done, for the terminal and the history view: counts, then every path."""
        out = [f"Erased {self.label} from {self.store}: {_rows_text(self.rows)}"
               + ("" if self.vacuumed else " (the database could not be compacted now: another program had it "
                  "open; the deleted rows are overwritten with zeros all the same)")]
        out.append(f"Deleted {plural(len(self.deleted), 'file')}" + (":" if self.deleted else ""))
        out += [f"  {p}" for p in self.deleted]
        if self.left:
            out.append(f"Left {plural(len(self.left), 'file')} (delete them yourself if they should go):")
            out += [f"  {p}: {why}" for p, why in self.left]
        if self.missing:
            out.append(f"Not found ({plural(len(self.missing), 'file')} the history referred to):")
            out += [f"  {p}" for p in self.missing]
        return out


def plural(n: int, what: str) -> str:
    """'1 file', '3 files'."""
    return f"{n} {what}{'' if n == 1 else 's'}"


def _rows_text(rows: dict[str, int]) -> str:
    return (f"{plural(rows.get('sessions', 0), 'session')}, {plural(rows.get('session_drills', 0), 'set')}, "
            f"{plural(rows.get('reps', 0), 'rep')}, {plural(rows.get('calibrations', 0), 'calibration')}")


def plan_erase(store: Store, label: str, *, owned: Path | None, report_dirs: Iterable[str | Path] = ()) -> ErasePlan:
    """What `erase_client` would do now. `owned`: the folder whose files the store owns (`owned_folder`;
    None: it owns none, and every file is left)."""
    records = client_records(store, label)
    folder = owned.resolve() if owned is not None else None
    others = _files_of_others(store, label)
    delete, leave, missing = [], [], []
    for f in client_files(store, label, report_dirs, records):
        if not f.exists:
            missing.append(f)
            continue
        why = _why_left(f.path, folder, store, others)
        if why:
            leave.append((f, why))
        else:
            delete.append(f)
    rows = {t: len(records[t]) for t in ("sessions", "session_drills", "reps", "calibrations")}
    return ErasePlan(label, store.path, rows, tuple(delete), tuple(leave), tuple(missing))


def _files_of_others(store: Store, label: str) -> dict[str, str]:
    """Resolved path -> the label of another client whose session refers to it: their recordings, and
    the reports beside them (the Report dialog's names hold their client's label: no one else's)."""
    from emgcoach.coach.report import default_report_base

    out: dict[str, str] = {}
    for other in store.people():
        for s in store.sessions(other) if other != label else ():
            if s.recording:
                rec = Path(s.recording).expanduser()
                for path in (rec, *(default_report_base(rec).with_suffix(x) for x in REPORT_SUFFIXES)):
                    out.setdefault(str(path.resolve()), other)
    return out


def _why_left(path: Path, folder: Path | None, store: Store, others: dict[str, str]) -> str:
    """Why erase leaves `path` ('' when it deletes it: a plain file in the store's folder, no one else's)."""
    if path.is_symlink():
        return "a link, not a file the store made"
    resolved = path.resolve()
    if folder is None:
        return "outside the store's own folder: only a store kept in the app's data folder owns files"
    if not resolved.is_relative_to(folder):
        return f"outside the store's own folder {folder}"
    if resolved == store.path.resolve() or resolved.name.startswith(store.path.name + "-"):
        return "the database itself"
    if str(resolved) in others:
        return f"{others[str(resolved)]}'s history refers to it too"
    return ""


def erase_client(store: Store, label: str, *, owned: Path | None,
                 report_dirs: Iterable[str | Path] = ()) -> EraseSummary:
    """Erase `label`: their rows in one transaction (the database then compacted: Store.erase_person),
    then the files in `owned` that `plan_erase` says the store owns. A file that cannot be deleted is
    left, saying why."""
    plan = plan_erase(store, label, owned=owned, report_dirs=report_dirs)
    # rows first: a file that then will not go is listed for the user to delete, where files deleted
    # before a failed transaction would leave rows that refer to nothing
    counts = store.erase_person(label)
    vacuumed = bool(counts.pop("vacuumed", 0))
    if not vacuumed:
        logger.warning("%s: VACUUM after erasing %s did not run (the rows are zeroed)", store.path, label)
    deleted: list[Path] = []
    left = [(f.path, why) for f, why in plan.leave]
    for f in plan.delete:
        try:
            os.remove(f.path)
            deleted.append(f.path)
        except OSError as e:  # gone meanwhile, or not ours to delete after all: said, not hidden
            logger.exception("erasing %s: could not delete %s", label, f.path)
            left.append((f.path, f"could not delete it: {e.strerror or e}"))
    logger.info("erased %s from %s: %s, %d files deleted, %d left", label, store.path, counts, len(deleted), len(left))
    return EraseSummary(label, store.path, counts, tuple(deleted), tuple(left),
                        tuple(f.path for f in plan.missing), vacuumed)
