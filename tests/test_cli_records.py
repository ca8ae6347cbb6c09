"""Client records on the command line: `history LABEL --export OUT.zip`, `history LABEL --erase` with its
typed confirmation or --yes, `store backup OUT`; every problem one line with exit code 2. Commands run
through `emgcoach.cli.main` in this process, stdin patched where a user would type."""

from __future__ import annotations

import io
import sqlite3
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from emgcoach.cli import main
from emgcoach.coach.store import Store
from tests.coach.client_store import NOTE, ClientStore, make_client_store
from tests.coach.test_store import rep


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def typed(monkeypatch: pytest.MonkeyPatch, text: str | None) -> None:
    """What the user types at the prompt (None: reading stdin fails the test: nothing may ask)."""
    if text is None:
        class NoInput(io.StringIO):
            def readline(self, *a: object) -> str:
                raise AssertionError("stdin was read")
        monkeypatch.setattr(sys, "stdin", NoInput())
    else:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def labels(db: Path) -> list[str]:
    with sqlite3.connect(db) as c:
        return [r[0] for r in c.execute("SELECT label FROM people ORDER BY label")]


@pytest.fixture
def cs(tmp_path: Path) -> ClientStore:
    return make_client_store(tmp_path)


def test_export_writes_a_private_zip_and_says_so(cs: ClientStore, tmp_path: Path, capsys) -> None:
    out = tmp_path / "P07.zip"
    code, stdout, err = run(capsys, "history", "P07", "--store", str(cs.db), "--export", str(out))
    assert (code, err) == (0, "")
    assert stdout == (f"Exported P07 to {out}: 2 sessions, 14 reps, 1 calibration, 3 files (recordings and reports), "
                      "1 missing (listed in its README.txt)\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as zf:
        assert "recordings/session-20261104-100000.xdf" in zf.namelist()
        assert len(zf.read("reps.csv").decode().splitlines()) == 1 + 14
        assert str(cs.p07_missing) in zf.read("README.txt").decode()
    assert labels(cs.db) == ["P07", "P070", "P08"]  # an export changes nothing


@pytest.mark.parametrize("answer, said", [("P7\n", "typed 'P7'"), ("p07\n", "typed 'p07'"), ("", "nothing typed"),
                                          ("\n", "nothing typed")])
def test_erase_not_confirmed_erases_nothing(cs: ClientStore, capsys, monkeypatch, answer: str, said: str) -> None:
    before = cs.db.read_bytes()
    typed(monkeypatch, answer)
    code, stdout, err = run(capsys, "history", "P07", "--store", str(cs.db), "--erase")
    assert code == 2 and stdout == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"Erase P07 from {cs.db}: 2 sessions, 3 sets, 14 reps, 1 calibration;")
    assert lines[-1].endswith(f"Type the label P07 to erase (anything else keeps everything): "
                              f"emgcoach: erase of 'P07' not confirmed ({said}): nothing was erased")
    assert "Traceback" not in err
    assert cs.db.read_bytes() == before and cs.p07_recording.exists()


def test_erase_confirmed_by_the_label_says_what_it_deleted_and_left(cs: ClientStore, capsys, monkeypatch) -> None:
    typed(monkeypatch, "P07\n")
    code, stdout, err = run(capsys, "history", "P07", "--store", str(cs.db), "--erase")
    assert code == 0 and "Type the label P07 to erase" in err
    assert labels(cs.db) == ["P070", "P08"] and NOTE.encode() not in cs.db.read_bytes()
    lines = stdout.splitlines()
    assert lines[0] == f"Erased P07 from {cs.db}: 2 sessions, 3 sets, 14 reps, 1 calibration"
    assert lines[1] == "Deleted 0 files"  # a store outside the app's data folder owns none
    assert lines[2] == "Left 3 files (delete them yourself if they should go):"
    assert f"  {cs.p07_recording}: outside the store's own folder" in stdout
    assert lines[-2:] == ["Not found (1 file the history referred to):", f"  {cs.p07_missing}"]
    assert cs.p07_recording.exists() and all(p.exists() for p in cs.p07_reports)


def test_erase_in_the_apps_data_folder_deletes_the_files_the_store_owns(tmp_path: Path, capsys, monkeypatch) -> None:
    """The default store lives in the app's data folder: a recording kept in that folder goes with its client;
    one in a folder the user chose stays, and is named."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with Store() as s:
        data = s.path.parent
        inside, outside = data / "recordings" / "a.xdf", tmp_path / "mine" / "b.xdf"
        for p in (inside, outside):
            p.parent.mkdir(parents=True)
            p.write_bytes(b"emg")
        s.save_session("P07", "2026-11-04T10:00:00", [rep(0)], str(inside))
        s.save_session("P07", "2026-11-05T10:00:00", [rep(0)], str(outside))
        s.save_session("P08", "2026-11-05T10:00:00", [rep(0)], str(data / "recordings" / "c.xdf"))
    typed(monkeypatch, None)
    code, stdout, _ = run(capsys, "history", "P07", "--erase", "--yes")
    assert code == 0
    assert not inside.exists() and outside.exists()
    assert f"Deleted 1 file:\n  {inside}\n" in stdout
    assert f"Left 1 file (delete them yourself if they should go):\n  {outside}: outside the store's own folder" in stdout
    assert labels(data / "emgcoach.sqlite3") == ["P08"]


def test_export_then_erase_in_one_command(cs: ClientStore, tmp_path: Path, capsys, monkeypatch) -> None:
    typed(monkeypatch, None)
    out = tmp_path / "P07.zip"
    code, stdout, _ = run(capsys, "history", "P07", "--store", str(cs.db), "--export", str(out), "--erase", "--yes")
    assert code == 0 and stdout.startswith(f"Exported P07 to {out}") and "\nErased P07 from" in stdout
    with zipfile.ZipFile(out) as zf:
        assert NOTE in zf.read("sessions.csv").decode()  # what was erased is in the export
    assert labels(cs.db) == ["P070", "P08"]
    # an export that fails keeps the client: erase never runs after it
    code, _, err = run(capsys, "history", "P08", "--store", str(cs.db), "--export", str(tmp_path / "no" / "x.zip"),
                       "--erase", "--yes")
    assert code == 2 and labels(cs.db) == ["P070", "P08"]
    assert err == f"emgcoach: {tmp_path / 'no' / 'x.zip'}: cannot write the export (no folder {tmp_path / 'no'})\n"


def test_bad_input_is_one_line(cs: ClientStore, tmp_path: Path, capsys, monkeypatch) -> None:
    typed(monkeypatch, None)
    db = str(cs.db)
    long_name = tmp_path / ("x" * 300 + ".zip")
    cases = [
        (["history", "P99", "--store", db, "--export", str(tmp_path / "x.zip")], f"{db}: no client 'P99' in this history"),
        (["history", "P99", "--store", db, "--erase", "--yes"], f"{db}: no client 'P99' in this history"),
        (["history", "Jane Smith", "--store", db, "--erase"], "person label 'Jane Smith': use a pseudonym"),
        (["history", "P07", "--store", db, "--export", str(tmp_path)], f"{tmp_path}: is a folder"),
        (["history", "P07", "--store", db, "--export", str(long_name)],
         f"{long_name}: cannot write the export (File name too long)"),
        (["history", "P07", "--store", db, "--yes"], "--yes goes with --erase"),
        (["history", "P07", "--store", db, "--json", "--export", str(tmp_path / "x.zip")], "leave it out with --export"),
    ]
    for argv, text in cases:
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and stdout == "", argv
        assert err.startswith("emgcoach: ") and text in err and err.count("\n") == 1, (argv, err)
    assert labels(cs.db) == ["P07", "P070", "P08"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3", "recs"]


def test_store_backup(cs: ClientStore, tmp_path: Path, capsys) -> None:
    out = tmp_path / "backup.sqlite3"
    code, stdout, err = run(capsys, "store", "backup", str(out), "--store", str(cs.db))
    assert (code, err) == (0, "")
    assert stdout.startswith(f"Backed up {cs.db} to {out}: 3 clients, 4 sessions, 19 reps (")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert labels(out) == labels(cs.db)
    for argv, text in [
        (["store", "backup", str(out), "--store", str(tmp_path / "none.sqlite3")],
         f"emgcoach: {tmp_path / 'none.sqlite3'}: no history database there to back up\n"),
        (["store", "backup", str(tmp_path / "no" / "b.sqlite3"), "--store", str(cs.db)],
         f"emgcoach: {tmp_path / 'no' / 'b.sqlite3'}: cannot write the backup (No such file or directory)\n"),
    ]:
        assert run(capsys, *argv) == (2, "", text)
    with pytest.raises(SystemExit) as e:
        main(["store"])
    assert e.value.code == 2 and "required: ACTION" in capsys.readouterr().err
