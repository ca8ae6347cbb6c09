"""A copy of the history database that is consistent while the app writes to it: SQLite's online backup
(sqlite3.Connection.backup), never a file copy, which could catch a transaction half written.

The copy is made in one step: SQLite reads the whole database under one shared lock, so it holds the store
as it was between two transactions; a writer meanwhile waits (the store's busy timeout is 10 s; a history
copies in well under a second). A stepwise copy would restart whenever another connection writes and
might never finish under steady writes. The copy is readable by its owner only (0600), checked
(PRAGMA integrity_check) before it takes its name, and written whole or not at all.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from emgcoach.coach.store import StoreError
from emgcoach.errors import EmgcoachError
from emgcoach.io.private import open_private

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backup:
    """A backup made: the store copied, the copy, its size (bytes), schema version and what it holds."""

    source: Path
    out: Path
    size: int
    schema: int
    people: int
    sessions: int
    reps: int

    def line(self) -> str:
        """One line for the terminal or the history view."""
        return (f"Backed up {self.source} to {self.out}: {self.people} clients, {self.sessions} sessions, "
                f"{self.reps} reps ({self.size / 1024:.0f} KiB, schema {self.schema}, integrity checked)")


def backup_store(source: str | Path, out: str | Path, now: datetime | None = None) -> Backup:
    """Copy the history database `source` to `out` (a folder: emgcoach-backup-YYYYMMDD-HHMMSS.sqlite3 in
    it), replacing a file there. StoreError naming `source` if it is missing or no database;
    EmgcoachError naming `out` if it cannot be written or is the database itself."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise StoreError(f"{source}: no history database there to back up")
    out = Path(out).expanduser()
    part = None
    try:
        if out.is_dir():
            out = out / f"emgcoach-backup-{(now or datetime.now()):%Y%m%d-%H%M%S}.sqlite3"
        if out.resolve() == source.resolve():
            raise EmgcoachError(f"{out}: is the database being backed up; give another file name")
        part = out.with_name(f".{out.name}.part")
        os.close(open_private(part))  # 0600 before SQLite writes a byte of health data into it
        counts = _copy(source, part, out)
        os.replace(part, out)
    except OSError as e:
        _remove(part)
        raise EmgcoachError(f"{out}: cannot write the backup ({e.strerror or e})") from None
    except BaseException:
        _remove(part)
        raise
    done = Backup(source, out, out.stat().st_size, *counts)
    logger.info("%s", done.line())
    return done


def _copy(source: Path, target: Path, out: Path) -> tuple[int, int, int, int]:
    """Back `source` up into `target` (to become `out`) and check the copy; its schema version and
    people, sessions, reps."""
    try:
        # read-only: a backup never creates, migrates or locks out the store beyond its one read
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error as e:
        raise StoreError(f"{source}: cannot open the history database ({e})") from None
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, under one read lock
            return _checked(dst, out)
        finally:
            dst.close()
    except sqlite3.DatabaseError as e:
        if isinstance(e, sqlite3.OperationalError) and "unable to open" in str(e):
            raise OSError(str(e)) from None  # the target's folder or file: said as the output's problem
        raise StoreError(f"{source}: cannot back up the history database ({e})") from None
    finally:
        src.close()


def _checked(db: sqlite3.Connection, path: Path) -> tuple[int, int, int, int]:
    """Schema version, people, sessions, reps of the copy `db`; EmgcoachError if it fails its integrity check."""
    problems = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise EmgcoachError(f"{path}: the copy failed its integrity check ({'; '.join(problems[:3])})")
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("people", "sessions", "reps")]
    return (db.execute("PRAGMA user_version").fetchone()[0], *counts)


def _remove(path: Path | None) -> None:
    for p in (path, path.with_name(path.name + "-journal")) if path is not None else ():
        try:
            p.unlink(missing_ok=True)
        except OSError:  # an unwritable folder: nothing was made there either
            logger.exception("backup: could not remove %s", p)
