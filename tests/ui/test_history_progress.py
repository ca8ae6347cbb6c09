"""The history view's "Progress report..." button: the selected client's report, where the file dialog
says; a client with too few sessions is told so under the table, with no box to click."""

from __future__ import annotations

import stat
from pathlib import Path

from emgcoach.coach.store import Store
from emgcoach.ui.history import HistoryDialog
from tests.coach.test_progress_report import fill


def test_progress_report_button_writes_the_selected_clients_report(qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    store = Store(fill(tmp_path / "h.sqlite3"))
    asked: list[str] = []

    def save_as(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(tmp_path / "out" / "P07 report.pdf"), "PDF (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    dialog = HistoryDialog(store, "P07", drill_names={"bird_dog": "Bird dog"})
    qtbot.addWidget(dialog)
    dialog.progress_button.click()
    assert asked and asked[0].endswith("P07-progress.pdf")
    pdf, html = tmp_path / "out" / "P07 report.pdf", tmp_path / "out" / "P07 report.html"
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600 and "Bird dog" in html.read_text(encoding="utf-8")
    assert "Progress report written" in dialog.progress_note.text()

    dialog.person.setCurrentText("P08")  # one session only: said in one line, nothing written
    assert dialog.write_progress_report(tmp_path / "p08") is None
    assert "P08 has 1 session in the history" in dialog.progress_note.text()
    assert not (tmp_path / "p08.pdf").exists()
    store.close()
