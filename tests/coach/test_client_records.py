"""A client's records without a terminal or a window: the export zip read back, erase (rows, owned files,
what it leaves, the database's bytes), and what bad input says."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from emgcoach.coach.client_export import CALIBRATION_COLUMNS, REP_COLUMNS, SESSION_COLUMNS, UNDESCRIBED, export_client
from emgcoach.coach.client_records import client_files, erase_client, owned_folder, plan_erase
from emgcoach.coach.store import Store, StoreError
from emgcoach.errors import EmgcoachError
from tests.coach.client_store import NOTE, ClientStore, make_client_store
from tests.coach.test_store import rep


@pytest.fixture
def cs(tmp_path: Path) -> ClientStore:
    return make_client_store(tmp_path)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def rows(zf: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))))


def test_client_files_are_the_recordings_and_the_reports_of_their_sessions(cs: ClientStore) -> None:
    with Store(cs.db) as s:
        files = client_files(s, "P07")
    assert [(str(f.kind), f.path, f.sessions, f.exists) for f in files] == [
        ("recording", cs.p07_recording, (1,), True),
        ("recording", cs.p07_missing, (2,), False),
        ("report", cs.p07_reports[1], (1,), True),  # the dialog's name: P07, bird_dog, the session's day
        ("report", cs.p07_reports[0], (1,), True),  # `emgcoach report`'s, beside the recording
    ]  # not P070's report (its label begins with P07's), not the user's notes


def test_a_recordings_video_and_artifact_marks_go_with_it(cs: ClientStore, tmp_path: Path) -> None:
    """The MP4 recorded with a session and the marks made on its replay are the client's too: exported
    beside the recording under the same stem (so the exported recording replays with them)."""
    video = cs.p07_recording.with_suffix(".mp4")
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    marks = Path(str(cs.p07_recording) + ".artifacts.json")
    marks.write_text('[{"start_s": 1.0, "end_s": 2.0, "note": "cough", "marked_at": "2026-11-04T10:01:00"}]')
    with Store(cs.db) as s:
        files = client_files(s, "P07")
        summary = export_client(s, "P07", tmp_path / "P07.zip")
    assert [(f.path, f.sessions) for f in files[:3]] == [(cs.p07_recording, (1,)), (video, (1,)), (marks, (1,))]
    assert "5 files (recordings and reports)" in summary.line()
    with zipfile.ZipFile(tmp_path / "P07.zip") as zf:
        stem = "recordings/" + cs.p07_recording.stem
        assert zf.read(stem + ".mp4") == video.read_bytes()
        assert json.loads(zf.read(stem + ".xdf.artifacts.json"))[0]["note"] == "cough"


def test_a_report_in_a_report_folder_is_found_when_that_folder_is_named(cs: ClientStore, tmp_path: Path) -> None:
    elsewhere = tmp_path / "reports"
    elsewhere.mkdir()
    (elsewhere / "P07_prone_hip_extension_20261110-1012-2-report.pdf").write_bytes(b"%PDF")
    (elsewhere / "P07_prone_hip_extension_20261111-1012-report.pdf").write_bytes(b"%PDF")  # no session that day
    with Store(cs.db) as s:
        assert len(client_files(s, "P07")) == 4
        found = client_files(s, "P07", report_dirs=[elsewhere])
    assert [f.path.name for f in found[4:]] == ["P07_prone_hip_extension_20261110-1012-2-report.pdf"]
    assert found[4].sessions == (2,)


def test_export_holds_the_tables_the_files_and_a_readme_of_them(cs: ClientStore, tmp_path: Path) -> None:
    out = tmp_path / "P07.zip"
    before = cs.p07_recording.read_bytes()
    with Store(cs.db) as s:
        summary = export_client(s, "P07", out)
    assert mode(out) == 0o600
    assert (summary.sessions, summary.reps, summary.calibrations) == (2, 14, 1)
    assert "2 sessions, 14 reps, 1 calibration, 3 files (recordings and reports), 1 missing" in summary.line()
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert sorted(names) == sorted(["README.txt", "sessions.json", "sessions.csv", "reps.csv", "calibrations.csv",
                                        "recordings/session-20261104-100000.xdf",
                                        "reports/P07_bird_dog_20261104-0952-report.html",
                                        "reports/session-20261104-100000-report.pdf"])
        assert all(zi.external_attr >> 16 == 0o600 for zi in zf.infolist())  # private once unzipped too
        assert zf.read("recordings/session-20261104-100000.xdf") == before
        doc = json.loads(zf.read("sessions.json"))
        reps = rows(zf, "reps.csv")
        sessions = rows(zf, "sessions.csv")
        cals = rows(zf, "calibrations.csv")
        readme = zf.read("README.txt").decode("utf-8")
    assert cs.p07_recording.read_bytes() == before  # read, never moved
    assert doc["person"]["label"] == "P07" and doc["app_version"]
    assert [len(s["sets"]) for s in doc["sessions"]] == [1, 2]
    assert sum(len(d["reps"]) for s in doc["sessions"] for d in s["sets"]) == 14
    assert doc["calibrations"][0]["data"]["muscles"][0]["mvc_uv"] == 200
    assert len(reps) == 14 == summary.reps  # a row per rep
    assert {r["session_id"] for r in reps} == {"1", "2"} and reps[0]["unit"] == "%MVC"
    assert [(s["notes"], s["reps"], s["hits"], s["complete"]) for s in sessions] == [(NOTE, "8", "8", "1"),
                                                                                   ("", "6", "4", "0")]
    assert sessions[0]["recording_in_zip"] == "recordings/session-20261104-100000.xdf"
    assert sessions[1]["recording_in_zip"] == "" and sessions[1]["drills"] == "bird_dog;prone_hip_extension"
    assert [(c["muscle"], c["mvc_uv"], c["efforts_uv"]) for c in cals] == [("lat", "200", "180;200;190"),
                                                                          ("glute", "150", "150;140;120")]
    for name in names:  # every file is listed, and said what it is
        assert f"  {name} " in readme
    assert re.search(r"\n  sessions\.csv +one row per session \(2 rows\)\n", readme)
    assert re.search(r"\n  reps\.csv +one row per rep \(14 rows\)\n", readme)
    missing = readme.split("Missing")[1].split("Columns")[0]
    assert f"recording of session 2: {cs.p07_missing} (not found)" in missing
    assert "emgcoach 0.1.0" in readme and "Exported 20" in readme
    assert UNDESCRIBED not in readme  # every column this version writes is described, with its unit
    for column in ["latency_ms", "lat_mean", "unit", "mvc_uv", "started"]:
        assert f"    {column}: " in readme
    assert "%MVC" in readme and "µV" in readme and " ms" in readme


def test_every_column_of_the_store_is_described(tmp_path: Path) -> None:
    """A migration that adds a column puts it in the export by itself; this says its README needs a line."""
    with Store(tmp_path / "h.sqlite3") as s:
        rep_cols = {r[1] for r in s.conn.execute("PRAGMA table_info(reps)")} - {"id", "session_drill_id"}
        session_cols = {r[1] for r in s.conn.execute("PRAGMA table_info(sessions)")} - {"person_id"}
    assert rep_cols <= set(REP_COLUMNS)
    assert {"session_id" if c == "id" else c for c in session_cols} <= set(SESSION_COLUMNS)
    assert {"muscle", "side", "mvc_uv", "efforts_uv"} <= set(CALIBRATION_COLUMNS)


def test_export_of_an_unknown_label_or_to_an_unwritable_place_is_one_line(cs: ClientStore, tmp_path: Path) -> None:
    with Store(cs.db) as s:
        with pytest.raises(StoreError, match=r"no client 'P99'"):
            export_client(s, "P99", tmp_path / "x.zip")
        with pytest.raises(StoreError, match="pseudonym"):
            export_client(s, "Jane Smith", tmp_path / "x.zip")
        for out, problem in [(tmp_path, "is a folder"), (tmp_path / "no" / "x.zip", "no folder"),
                             (cs.db, "the history database itself"),
                             (tmp_path / ("x" * 300 + ".zip"), "cannot write the export")]:
            with pytest.raises(EmgcoachError, match=problem) as e:
                export_client(s, "P07", out)
            assert str(out) in str(e.value) and "\n" not in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3", "recs"]  # no zip, no .part left


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as c:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("people", "calibrations", "sessions", "session_drills", "reps")}


def test_erase_deletes_the_rows_and_owned_files_and_leaves_the_rest(cs: ClientStore) -> None:
    assert counts(cs.db) == {"people": 3, "calibrations": 1, "sessions": 4, "session_drills": 5, "reps": 19}
    assert b"P07" in cs.db.read_bytes() and NOTE.encode() in cs.db.read_bytes()
    with Store(cs.db) as s:
        s.conn.execute("PRAGMA secure_delete = OFF")  # as some SQLite builds have it: erase must not rely on it
        plan = plan_erase(s, "P07", owned=cs.recordings)
        assert [f.path for f in plan.delete] == [cs.p07_recording, *reversed(cs.p07_reports)]
        done = erase_client(s, "P07", owned=cs.recordings)
        assert s.people() == ["P070", "P08"] and [r.reps for r in s.sessions("P08")] == [4]
        assert s.latest_calibration("P07") is None
    assert counts(cs.db) == {"people": 2, "calibrations": 0, "sessions": 2, "session_drills": 2, "reps": 5}
    assert done.rows == {"reps": 14, "session_drills": 3, "sessions": 2, "calibrations": 1, "people": 1}
    assert done.vacuumed and set(done.deleted) == {cs.p07_recording, *cs.p07_reports}
    assert done.missing == (cs.p07_missing,) and done.left == ()
    assert not any(p.exists() for p in done.deleted)
    assert cs.p08_recording.exists() and all(p.exists() for p in cs.foreign)  # no one else's file touched
    text = "\n".join(done.lines())
    assert "2 sessions, 3 sets, 14 reps, 1 calibration" in text and "Deleted 3 files" in text
    assert f"  {cs.p07_recording}" in text and str(cs.p07_missing) in text
    raw = cs.db.read_bytes()  # nothing of P07's lingers in the file: not in a free page, not in a stale copy
    assert NOTE.encode() not in raw and b"P07" not in raw.replace(b"P070", b"")
    with sqlite3.connect(cs.db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_a_plain_delete_would_leave_the_client_in_the_file(cs: ClientStore) -> None:
    """What the test above guards against: deleted rows stay in the file's pages until overwritten."""
    with sqlite3.connect(cs.db, isolation_level=None) as c:
        c.execute("PRAGMA secure_delete = OFF")
        c.execute("DELETE FROM sessions WHERE notes = ?", (NOTE,))  # the session's row, no VACUUM
    assert NOTE.encode() in cs.db.read_bytes()


def test_erase_leaves_files_outside_the_owned_folder_shared_files_and_links(cs: ClientStore, tmp_path: Path) -> None:
    owned = cs.recordings
    link = owned / "linked.xdf"
    link.symlink_to(cs.p08_recording)
    with Store(cs.db) as s:
        s.save_session("P08", "2026-11-12T10:00:00", [rep(0)], str(cs.p07_recording))  # P08's too now
        s.save_session("P07", "2026-11-12T11:00:00", [rep(0)], str(link))
        done = erase_client(s, "P07", owned=owned)
    left = dict(done.left)
    assert left[cs.p07_recording] == "P08's history refers to it too"
    assert left[cs.p07_reports[0]] == "P08's history refers to it too"  # the report beside that recording
    assert left[link] == "a link, not a file the store made"
    assert done.deleted == (cs.p07_reports[1],)  # the dialog's report, P07's alone
    assert cs.p07_recording.exists() and cs.p07_reports[0].exists() and link.exists() and cs.p08_recording.exists()
    assert "Left 3 files (delete them yourself if they should go):" in done.lines()


def test_a_store_outside_the_apps_data_folder_owns_no_files(cs: ClientStore, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with Store(cs.db) as s:
        assert owned_folder(s) is None
        done = erase_client(s, "P07", owned=owned_folder(s))
    assert done.deleted == () and cs.p07_recording.exists() and all(p.exists() for p in cs.p07_reports)
    assert dict(done.left)[cs.p07_recording].startswith("outside the store's own folder: only a store kept in")
    with Store() as s:  # the default store, in the app's data folder
        assert owned_folder(s) == (tmp_path / "data" / "emgcoach").resolve() == s.path.parent.resolve()


def test_an_erase_that_fails_midway_erases_nothing(cs: ClientStore) -> None:
    with sqlite3.connect(cs.db) as c:  # the last step (the person's row) fails, after the others ran
        c.execute("CREATE TRIGGER keep BEFORE DELETE ON people BEGIN SELECT RAISE(ABORT, 'kept'); END")
    with Store(cs.db) as s:
        with pytest.raises(StoreError, match=r"could not erase 'P07', nothing was erased"):
            erase_client(s, "P07", owned=cs.recordings)
        assert len(s.sessions("P07")) == 2
    assert counts(cs.db)["reps"] == 19 and cs.p07_recording.exists()


def test_erase_of_an_unknown_label_changes_nothing(cs: ClientStore) -> None:
    before = cs.db.read_bytes()
    with Store(cs.db) as s:
        with pytest.raises(StoreError, match=r"no client 'P99'"):
            erase_client(s, "P99", owned=cs.recordings)
    assert cs.db.read_bytes() == before


def test_a_file_that_cannot_be_deleted_is_said_to_be_left(cs: ClientStore, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.remove

    def refuse(path: object) -> None:
        if Path(path) == cs.p07_recording:
            raise PermissionError(13, "Permission denied")
        real(path)

    monkeypatch.setattr(os, "remove", refuse)
    with Store(cs.db) as s:
        done = erase_client(s, "P07", owned=cs.recordings)
        assert s.people() == ["P070", "P08"]
    assert dict(done.left)[cs.p07_recording] == "could not delete it: Permission denied"
    assert cs.p07_recording.exists() and not cs.p07_reports[0].exists()
