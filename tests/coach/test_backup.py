"""Backing the history up while it is written to: every copy opens, passes its integrity check and holds
whole sessions only; the copy is private; bad input is one line naming the file."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from emgcoach.coach.backup import backup_store
from emgcoach.coach.store import Store, StoreError
from emgcoach.errors import EmgcoachError
from tests.coach.test_store import rep
from tests.waiting import wait_for

REPS = 6  # every session the writer saves has this many reps: a copy caught mid-session would show it
PREFILL = 800  # about 2 MB


def snapshot(path: Path) -> tuple[str, int, int, int]:
    with sqlite3.connect(path) as c:
        check = c.execute("PRAGMA integrity_check").fetchone()[0]
        return (check, *(c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                         for t in ("sessions", "session_drills", "reps")))


def test_backups_taken_while_a_writer_saves_sessions_are_whole(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    with Store(db) as s, s._tx():  # some MB of history, so a copy takes long enough for writes to land in it
        for i in range(PREFILL):
            s.save_session("P01", "2026-10-01T10:00:00", [rep(j) for j in range(REPS)], notes="x" * 2000)
    stop, saved, errors = threading.Event(), [PREFILL], []

    def writer() -> None:
        try:
            with Store(db) as s:  # a connection of its own, as the app's would be
                while not stop.is_set():
                    s.save_session("P07", f"2026-11-04T10:{saved[0] % 60:02d}:00", [rep(i) for i in range(REPS)],
                                   notes="x" * 2000)  # big enough that a session spans pages
                    saved[0] += 1
                    time.sleep(0.002)  # as another program would: not a lock held back to back for seconds
        except Exception as e:  # the test fails on it below, rather than the thread dying unseen
            errors.append(e)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        wait_for(lambda: saved[0] >= PREFILL + 20 or errors)
        seen = []
        for i in range(12):  # a file copy fails this within a few (tried: torn index pages)
            at = saved[0]
            b = backup_store(db, tmp_path / f"copy-{i}.sqlite3")
            check, sessions, sets, reps = snapshot(b.out)
            assert check == "ok"
            assert sets == sessions and reps == REPS * sessions, (sessions, sets, reps)  # whole sessions only
            assert (b.sessions, b.reps) == (sessions, reps) and b.schema >= 3
            assert sessions >= at  # what was saved before it began is in it
            seen.append(sessions)
            wait_for(lambda: saved[0] > at + 2 or errors)  # the writer went on between two backups
    finally:
        stop.set()
        thread.join(10)
    assert not errors, errors  # the writer was never kept out for long: its busy timeout held
    assert seen == sorted(seen) and seen[-1] > seen[0]
    assert saved[0] >= seen[-1]


def test_the_backup_is_private_and_a_folder_gets_a_dated_name(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    with Store(db) as s:
        s.save_session("P07", "2026-11-04T10:00:00", [rep(0)])
    out = tmp_path / "backups"
    out.mkdir()
    b = backup_store(db, out, now=datetime(2026, 12, 1, 9, 30, 5))
    assert b.out == out / "emgcoach-backup-20261201-093005.sqlite3"
    assert stat.S_IMODE(b.out.stat().st_mode) == 0o600 and b.size == b.out.stat().st_size
    assert "1 clients, 1 sessions, 1 reps" in b.line() and "integrity checked" in b.line()
    old = tmp_path / "old.sqlite3"
    old.write_bytes(b"an older backup")
    old.chmod(0o644)
    backup_store(db, old)  # replaced, and private now
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and snapshot(old)[1] == 1
    with Store(old) as copy:  # a backup is a store: it opens as one
        assert [r.reps for r in copy.sessions("P07")] == [1]


def test_bad_input_is_one_line_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    Store(db).close()
    not_db = tmp_path / "notes.txt"
    not_db.write_text("not a database")
    cases = [
        (lambda: backup_store(tmp_path / "none.sqlite3", tmp_path / "b.sqlite3"), StoreError,
         f"{tmp_path / 'none.sqlite3'}: no history database there to back up"),
        (lambda: backup_store(not_db, tmp_path / "b.sqlite3"), StoreError, f"{not_db}: cannot back up"),
        (lambda: backup_store(db, db), EmgcoachError, f"{db}: is the database being backed up"),
        (lambda: backup_store(db, tmp_path / "no" / "b.sqlite3"), EmgcoachError,
         f"{tmp_path / 'no' / 'b.sqlite3'}: cannot write the backup (No such file or directory)"),
        (lambda: backup_store(db, tmp_path / ("b" * 300)), EmgcoachError, "cannot write the backup (File name too long)"),
    ]
    for call, kind, text in cases:
        with pytest.raises(kind) as e:
            call()
        assert text in str(e.value) and "\n" not in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3", "notes.txt"]  # nothing half made
