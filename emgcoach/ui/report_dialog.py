"""The Report dialog: a set's report (HTML + PDF) with the therapist's notes, written where they choose.

It reports the verdicts the client saw (the set's scores, `coach.report.write_set_report`); the set's
recording, when there is one, only lends its trace, and it is read, never stopped or written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emgcoach.coach.drills import Drill
from emgcoach.errors import EmgcoachError
from emgcoach.session.drill_set import ScoredSet

logger = logging.getLogger(__name__)


def open_with_desktop(path: Path) -> bool:
    """Open a file in the user's default application for it; False when none would take it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def default_name(s: ScoredSet, folder: Path | None = None) -> str:
    """CLIENT_DRILL_YYYYMMDD-HHMM-report, from the set's start; only characters safe in a file name; with
    `folder`, the first of NAME, NAME-2, NAME-3... that no report there has (two sets of one replay
    share their recording's start)."""
    try:
        stamp = datetime.fromisoformat(s.started_at).strftime("%Y%m%d-%H%M")
    except ValueError:
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
    from emgcoach.coach.report import set_report_stem  # as write() does: the report module loads when needed

    name = set_report_stem(s.person, s.drill.id, stamp)
    n = 1
    while folder is not None and _taken(folder / f"{name}{'' if n == 1 else f'-{n}'}-report"):
        n += 1
    return f"{name}{'' if n == 1 else f'-{n}'}-report"


def _taken(base: Path) -> bool:
    return base.with_suffix(".pdf").exists() or base.with_suffix(".html").exists()


class ReportDialog(QDialog):
    """Notes, folder and file name for a set's report; Write makes OUT.html and OUT.pdf and, if asked,
    opens the PDF. `written` holds the two paths once done."""

    def __init__(self, scored: ScoredSet, settings: QSettings, default_folder: Path,
                 library: dict[str, Drill] | None = None, opener: Callable[[Path], bool] = open_with_desktop,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Report on the set")
        self.scored, self.settings, self.library, self.opener = scored, settings, library, opener
        self.written: tuple[Path, Path] | None = None
        self.opened: bool | None = None  # whether an application took the PDF (None: not asked to open it)
        self._replace_ok: Path | None = None  # a report the user was told exists, and wrote again
        hits = sum(r.hit for r in scored.scores)
        what = f"{scored.drill.name}: {hits} of {len(scored.scores)} reps on target"
        if not scored.complete:
            what += " (set cut short)"
        self.what = QLabel(what)
        self.trace = QLabel(self._trace_text())
        self.trace.setWordWrap(True)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes for the report: cues given, how the client felt, what to try next")
        self.notes.setTabChangesFocus(True)
        self.folder = QLineEdit(str(self.settings.value("report_dir", "") or default_folder))
        self.choose = QPushButton("Choose...")
        self.choose.clicked.connect(self._choose_folder)
        self.name = QLineEdit(default_name(scored, Path(self.folder.text()).expanduser()))
        self.open_after = QCheckBox("Open the report when written")
        self.open_after.setChecked(bool(self.settings.value("report_open_after", True, type=bool)))  # typed object
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e53935")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.write_button = self.buttons.addButton("Write report", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.write)
        self.buttons.rejected.connect(self.reject)

        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(self.choose)
        form = QFormLayout()
        form.addRow("Client", QLabel(scored.person or "unnamed"))
        form.addRow("Set", self.what)
        form.addRow("Trace", self.trace)
        form.addRow("Notes", self.notes)
        form.addRow("Save in", where)
        form.addRow("File name", self.name)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.open_after)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.resize(560, 420)

    def _trace_text(self) -> str:
        s = self.scored
        if s.recording is None:
            return "The set was not recorded: the report shows its scores, with no trace"
        name = Path(s.recording).name
        if s.recording_open:
            return f"From {name} as recorded so far (the recording goes on)"
        return f"From {name}"

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Save the report in", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def out_base(self) -> Path:
        """Folder / name, without a suffix (the report adds .html and .pdf)."""
        name = self.name.text().strip() or default_name(self.scored)
        for suffix in (".pdf", ".html"):
            name = name.removesuffix(suffix)
        return Path(self.folder.text().strip()).expanduser() / name

    def write(self) -> tuple[Path, Path] | None:
        """Write the report; on failure say why in the dialog (one line) and stay open."""
        from emgcoach.coach.report import write_set_report

        s = self.scored
        folder = Path(self.folder.text().strip()).expanduser()
        if not self.folder.text().strip():
            self.error.setText("Choose a folder to save the report in")
            return None
        base = self.out_base()
        if _taken(base) and self._replace_ok != base:  # another set's report, and its notes: ask first
            self.error.setText(f"{base.name}.pdf exists in that folder: press Write report again to replace "
                               "it, or change the file name")
            self._replace_ok = base
            return None
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            paths = write_set_report(list(s.scores), s.drill, s.person, self.notes.toPlainText().strip(),
                                     base, s.calibration, s.recording, started_at=s.started_at,
                                     library=self.library, excluded=s.excluded, left_out=s.left_out)
        except EmgcoachError as e:
            self.error.setText(str(e))
            return None
        finally:
            self.unsetCursor()
        self.settings.setValue("report_dir", str(folder))
        self.settings.setValue("report_open_after", self.open_after.isChecked())
        self.written = paths
        if self.open_after.isChecked():
            self.opened = self.opener(paths[1])
            if not self.opened:
                logger.warning("no application opened %s", paths[1])
        self.accept()
        return paths
