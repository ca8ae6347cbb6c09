"""The history view's records buttons: Export client… (a file dialog, then the zip written off the Qt
thread), Erase client… (the plan, the label typed, then what was done), Back up records…. The file
dialogs are patched to answer as a user would; waits are on conditions (offscreen)."""

from __future__ import annotations

import os
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from emgcoach.coach.store import Store
from emgcoach.ui.history import HistoryDialog
from tests.coach.client_store import NOTE, ClientStore, make_client_store


@pytest.fixture
def cs(tmp_path: Path) -> ClientStore:
    return make_client_store(tmp_path)


@pytest.fixture
def dialog(qtbot, cs: ClientStore):
    store = Store(cs.db)
    d = HistoryDialog(store, "P07")
    qtbot.addWidget(d)
    d.show()
    yield d
    d.close()
    store.close()


def save_as(monkeypatch: pytest.MonkeyPatch, answer: str | Path) -> list[tuple]:
    """The save dialog answers `answer` ('' = Cancel); what it was asked is kept."""
    asked: list[tuple] = []

    def fake(parent: object, title: str, start: str, filters: str) -> tuple[str, str]:
        asked.append((title, start, filters))
        return str(answer), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    return asked


def idle(d: HistoryDialog) -> bool:
    return d.work is None and d.backup_button.isEnabled()


def test_the_buttons_are_there_and_need_a_client(qtbot, tmp_path: Path) -> None:
    with Store(tmp_path / "empty.sqlite3") as store:
        d = HistoryDialog(store)
        qtbot.addWidget(d)
        assert [b.text() for b in (d.export_button, d.erase_button, d.backup_button)] == [
            "Export client…", "Erase client…", "Back up records…"]
        assert not d.export_button.isEnabled() and not d.erase_button.isEnabled() and d.backup_button.isEnabled()


def test_export_writes_the_zip_where_chosen(qtbot, dialog: HistoryDialog, cs: ClientStore, tmp_path: Path,
                                            monkeypatch) -> None:
    asked = save_as(monkeypatch, tmp_path / "for-P07")  # no suffix typed: .zip added
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert asked[0][0] == "Export P07's records" and asked[0][1].endswith("P07-records.zip")
    qtbot.waitUntil(lambda: idle(dialog), timeout=10000)
    out = tmp_path / "for-P07.zip"
    assert dialog.records_note.text().startswith(f"Exported P07 to {out}: 2 sessions, 14 reps")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as zf:
        assert NOTE in zf.read("sessions.csv").decode() and "README.txt" in zf.namelist()
    assert dialog.export_button.isEnabled()


def test_an_export_that_cannot_be_written_says_why_and_cancel_does_nothing(qtbot, dialog: HistoryDialog,
                                                                          tmp_path: Path, monkeypatch) -> None:
    save_as(monkeypatch, "")
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert dialog.work is None and dialog.records_note.text() == ""
    bad = tmp_path / "gone" / "x.zip"
    save_as(monkeypatch, bad)
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: idle(dialog), timeout=10000)
    assert dialog.records_note.text() == f"{bad}: cannot write the export (no folder {bad.parent})"
    assert "e53935" in dialog.records_note.styleSheet()


def test_erase_asks_for_the_label_then_says_what_it_did(qtbot, dialog: HistoryDialog, cs: ClientStore) -> None:
    qtbot.mouseClick(dialog.erase_button, Qt.LeftButton)
    confirm = dialog.confirm
    qtbot.waitUntil(confirm.isVisible)
    plan = confirm.plan_text.toPlainText()
    assert plan.startswith(f"Erase P07 from {cs.db}: 2 sessions, 3 sets, 14 reps, 1 calibration; it will delete 0 files")
    assert f"leave  {cs.p07_recording} (recording of session 1; outside the store's own folder" in plan
    assert not confirm.erase_button.isEnabled()
    qtbot.keyClicks(confirm.typed, "P0")
    assert not confirm.erase_button.isEnabled()
    qtbot.keyClick(confirm.typed, Qt.Key_Return)  # Enter on a label half typed erases nothing, and stays
    assert dialog.store.people() == ["P07", "P070", "P08"] and confirm.isVisible()
    qtbot.keyClicks(confirm.typed, "7")
    assert confirm.erase_button.isEnabled()
    qtbot.mouseClick(confirm.erase_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not confirm.isVisible())
    assert dialog.store.people() == ["P070", "P08"]
    assert [dialog.person.itemText(i) for i in range(dialog.person.count())] == ["P070", "P08"]
    note = dialog.records_note.text()
    assert note.startswith(f"Erased P07 from {cs.db}: 2 sessions, 3 sets, 14 reps, 1 calibration\nDeleted 0 files")
    assert f"{cs.p07_recording}: outside the store's own folder" in note and str(cs.p07_missing) in note
    assert cs.p07_recording.exists()  # this store is not in the app's data folder: it owns no files
    with sqlite3.connect(cs.db) as c:
        assert c.execute("SELECT count(*) FROM sessions").fetchone()[0] == 2


def test_erase_cancelled_erases_nothing(qtbot, dialog: HistoryDialog, cs: ClientStore) -> None:
    before = cs.db.read_bytes()
    dialog.erase_client()
    qtbot.waitUntil(dialog.confirm.isVisible)
    qtbot.keyClicks(dialog.confirm.typed, "P07")
    dialog.confirm.buttons.rejected.emit()  # Cancel
    qtbot.waitUntil(lambda: not dialog.confirm.isVisible())
    assert dialog.store.people() == ["P07", "P070", "P08"] and cs.db.read_bytes() == before
    assert dialog.records_note.text() == ""


def test_back_up_copies_the_history_where_chosen(qtbot, dialog: HistoryDialog, cs: ClientStore, tmp_path: Path,
                                                 monkeypatch) -> None:
    out = tmp_path / "copy.sqlite3"
    asked = save_as(monkeypatch, out)
    qtbot.mouseClick(dialog.backup_button, Qt.LeftButton)
    assert Path(asked[0][1]).name.startswith("emgcoach-backup-")
    qtbot.waitUntil(lambda: idle(dialog), timeout=10000)
    assert dialog.records_note.text().startswith(f"Backed up {cs.db} to {out}: 3 clients, 4 sessions, 19 reps")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with Store(out) as copy:
        assert copy.people() == ["P07", "P070", "P08"]
