"""Health data files are readable by their owner only, also when an existing file is written over."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from emgcoach.io.private import make_private, private_file


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_a_new_file_and_one_written_over_are_private(tmp_path: Path) -> None:
    new = tmp_path / "new.pdf"
    with private_file(new) as f:
        f.write(b"report")
    old = tmp_path / "old.pdf"
    old.write_bytes(b"an older report, readable by all")
    os.chmod(old, 0o644)
    with private_file(old) as f:
        f.write(b"new")
    assert mode(new) == mode(old) == 0o600 and old.read_bytes() == b"new"


def test_make_private_keeps_what_is_there(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    db.write_bytes(b"rows")
    os.chmod(db, 0o664)
    make_private(db)
    make_private(tmp_path / "fresh.sqlite3")
    assert db.read_bytes() == b"rows" and mode(db) == 0o600
    assert mode(tmp_path / "fresh.sqlite3") == 0o600 and (tmp_path / "fresh.sqlite3").stat().st_size == 0


def test_where_there_are_no_unix_modes_the_file_is_still_written(tmp_path: Path, monkeypatch) -> None:
    """Windows has no os.fchmod (its user folders are private by their ACL): the recording is written
    all the same, never lost to a mode it cannot set."""
    monkeypatch.delattr(os, "fchmod")
    out = tmp_path / "r.xdf"
    with private_file(out) as f:
        f.write(b"data")
    assert out.read_bytes() == b"data"
