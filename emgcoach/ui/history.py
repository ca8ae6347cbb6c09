"""The history view: a person's progress per drill over sessions (glute level and glute onset latency),
and the sessions themselves; a client's records exported or erased, the history backed up (the work in
coach/client_export.py, coach/client_records.py and coach/backup.py: this view only wires them);
"Progress report..." writes the client's progress report (HTML + PDF, `coach/progress_report.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emgcoach.background import Background
from emgcoach.coach.store import Store
from emgcoach.errors import EmgcoachError
from emgcoach.ui.erase_dialog import ConfirmEraseDialog

logger = logging.getLogger(__name__)


class HistoryDialog(QDialog):
    """Pick a person and a drill; see glute level and onset latency per session, oldest first."""

    def __init__(self, store: Store, person: str = "", parent: QWidget | None = None,
                 drill_names: dict[str, str] | None = None, report_dirs: Sequence[Path] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("History")
        self.store = store
        self.drill_names = drill_names or {}  # drill id -> the name the drill panel shows
        self.report_dirs = tuple(report_dirs)  # where else a client's reports may be (their recordings' folders always)
        self.work: Background[str] | None = None  # an export or backup under way
        self.confirm: ConfirmEraseDialog | None = None
        self.person = QComboBox()
        self.person.addItems(store.people())
        if person:
            i = self.person.findText(person)
            if i >= 0:
                self.person.setCurrentIndex(i)
        self.drill = QComboBox()
        self.plots = pg.GraphicsLayoutWidget()
        self.level_plot = self.plots.addPlot(row=0, col=0)
        self.level_plot.setLabel("left", "glute")
        self.level_plot.showGrid(y=True, alpha=0.2)
        self.latency_plot = self.plots.addPlot(row=1, col=0)
        self.latency_plot.setLabel("left", "glute lag", units="ms")  # onset after the lat's
        self.latency_plot.setLabel("bottom", "session")
        self.latency_plot.showGrid(y=True, alpha=0.2)
        self.latency_plot.setXLink(self.level_plot)
        self.level_curve = self.level_plot.plot(pen=pg.mkPen("#d81b60", width=2), symbol="o", symbolBrush="#d81b60",
                                                antialias=True)
        self.latency_curve = self.latency_plot.plot(pen=pg.mkPen("#1e88e5", width=2), symbol="o", symbolBrush="#1e88e5",
                                                    antialias=True)
        self.table = QTableWidget(0, 5)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)  # the history is a record, not a form
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setHorizontalHeaderLabels(["date", "reps", "on target", "glute level", "glute onset ms"])
        form = QFormLayout()
        form.addRow("Client", self.person)
        form.addRow("Drill", self.drill)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        self.empty = QLabel("")  # what an empty history means, instead of blank plots and no word
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        lay.addWidget(self.plots, 3)
        lay.addWidget(self.table, 2)
        self._add_records_row(lay)
        self.resize(760, 640)
        self.person.currentTextChanged.connect(self._load_drills)
        self.drill.currentIndexChanged.connect(self._show)
        self._load_drills()

    def _add_records_row(self, lay: QVBoxLayout) -> None:
        """A line for what the records buttons did, then the buttons beside Close."""
        self.records_note = QLabel("")  # what the last export, erase or backup did, or why it did not
        self.records_note.setWordWrap(True)
        self.records_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # paths to copy
        lay.addWidget(self.records_note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.addButton("Export client…", QDialogButtonBox.ButtonRole.ActionRole)
        self.erase_button = buttons.addButton("Erase client…", QDialogButtonBox.ButtonRole.ActionRole)
        self.backup_button = buttons.addButton("Back up records…", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.export_client)
        self.erase_button.clicked.connect(self.erase_client)
        self.backup_button.clicked.connect(self.back_up)
        self.progress_button = buttons.addButton("Progress report…", QDialogButtonBox.ButtonRole.ActionRole)
        self.progress_button.clicked.connect(lambda: self.write_progress_report())
        self.progress_note = self.records_note  # where the progress report went, or why there is none
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        self.poll = QTimer(self)  # an export's or backup's outcome, from its thread
        self.poll.setInterval(100)
        self.poll.timeout.connect(self._poll_work)

    def _load_drills(self) -> None:
        person = self.person.currentText()
        self._enable_records()
        drills = sorted({d for s in self.store.sessions(person) for d in s.drills}) if person else []
        self.drill.blockSignals(True)
        self.drill.clear()
        for d in drills:
            self.drill.addItem(self.drill_names.get(d, d), d)
        self.drill.blockSignals(False)
        self._show()

    def _show(self) -> None:
        person, drill = self.person.currentText(), self.drill.currentData()
        rows = self.store.progress(person, drill) if person and drill else []
        if not person:
            self.empty.setText("No client's sets are saved yet: a live set is saved to its client's history "
                               "when it ends")
        elif not rows:
            self.empty.setText(f"No sets saved for {person} yet")
        self.empty.setVisible(not rows)
        self.plots.setVisible(bool(rows))
        x = np.arange(1, len(rows) + 1, dtype=float)
        level = np.array([np.nan if r["glute_mean"] is None else r["glute_mean"] for r in rows], float)
        latency = np.array([np.nan if r["median_latency_ms"] is None else r["median_latency_ms"] for r in rows], float)
        self.level_curve.setData(x, level, connect="finite")
        self.latency_curve.setData(x, latency, connect="finite")
        ticks = [[(float(i), str(int(i))) for i in x]]
        self.level_plot.getAxis("bottom").setTicks(ticks)
        self.latency_plot.getAxis("bottom").setTicks(ticks)
        if np.isfinite(level).any():  # from zero, so a small change looks small
            self.level_plot.setYRange(0.0, 1.2 * float(np.nanmax(level)), padding=0)
        if np.isfinite(latency).any():
            lo, hi = float(np.nanmin(latency)), float(np.nanmax(latency))
            self.latency_plot.setYRange(min(0.0, lo) - 10, max(hi, 0.0) + 20, padding=0)
        unit = rows[-1]["unit"] if rows else "%MVC"
        self.level_plot.setLabel("left", f"glute ({unit})")  # short: the two plots' labels share a column
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [
                r["started"].replace("T", " ")[:16],
                str(r["reps"]),
                f"{100 * r['hit_rate']:.0f} %",
                "-" if r["glute_mean"] is None else f"{r['glute_mean']:.0f} {r['unit']}",
                "-" if r["median_latency_ms"] is None else f"{r['median_latency_ms']:+.0f}",
            ]
            for j, c in enumerate(cells):
                item = QTableWidgetItem(c)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)

    # ------------------------------------------------------------------ a client's records

    def _enable_records(self) -> None:
        idle = self.work is None
        self.export_button.setEnabled(idle and bool(self.person.currentText()))
        self.erase_button.setEnabled(idle and bool(self.person.currentText()))
        self.backup_button.setEnabled(idle)

    def _say(self, text: str, problem: bool = False) -> None:
        self.records_note.setStyleSheet("color: #e53935" if problem else "")
        self.records_note.setText(text)

    def export_client(self) -> None:
        """Ask where, then write the client's records there as a zip, off the Qt thread (recordings are big)."""
        person = self.person.currentText()
        path, _ = QFileDialog.getSaveFileName(self, f"Export {person}'s records", str(Path.home() / f"{person}-records.zip"),
                                              "Zip archives (*.zip)")
        if not path:
            return
        out = Path(path if path.lower().endswith(".zip") else path + ".zip")
        db, dirs = self.store.path, self.report_dirs

        def export() -> str:
            from emgcoach.coach.client_export import export_client

            with Store(db) as own:  # a connection of the worker's own: SQLite's are not shared across threads
                return export_client(own, person, out, dirs).line()

        self._start(export, f"Exporting {person}'s records to {out}…", "exporting a client's records")

    def back_up(self) -> None:
        """Ask where, then copy the whole history there (coach.backup), off the Qt thread."""
        start = Path.home() / f"emgcoach-backup-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
        path, _ = QFileDialog.getSaveFileName(self, "Back up the history", str(start), "SQLite databases (*.sqlite3)")
        if not path:
            return
        db = self.store.path

        def backup() -> str:
            from emgcoach.coach.backup import backup_store

            return backup_store(db, Path(path)).line()

        self._start(backup, f"Backing up the history to {path}…", "backing up the history")

    def _start(self, fn: Callable[[], str], doing: str, name: str) -> None:
        self._say(doing)
        self.work = Background(fn, name)
        self._enable_records()
        self.poll.start()

    def _poll_work(self) -> None:
        outcome = self.work.result() if self.work is not None else None
        if outcome is None:
            return
        self.poll.stop()
        self.work = None
        line, problem = outcome
        self._say(problem or str(line), problem=bool(problem))
        self._enable_records()

    def erase_client(self) -> None:
        """What erasing the client would do, their label typed to confirm; then erase and say what was done."""
        from emgcoach.coach.client_records import owned_folder, plan_erase

        person = self.person.currentText()
        try:
            plan = plan_erase(self.store, person, owned=owned_folder(self.store), report_dirs=self.report_dirs)
        except EmgcoachError as e:
            self._say(str(e), problem=True)
            return
        self.confirm = ConfirmEraseDialog(plan, self)
        self.confirm.accepted.connect(lambda: self._erase(person))
        self.confirm.open()

    def _erase(self, person: str) -> None:
        from emgcoach.coach.client_records import erase_client, owned_folder

        try:  # on the window's own connection: quick (rows, a VACUUM, a few files), and no second writer
            done = erase_client(self.store, person, owned=owned_folder(self.store), report_dirs=self.report_dirs)
        except EmgcoachError as e:
            logger.warning("erasing %s: %s", person, e)
            self._say(str(e), problem=True)
            return
        self.person.blockSignals(True)
        self.person.clear()
        self.person.addItems(self.store.people())
        self.person.blockSignals(False)
        self._load_drills()
        self._say("\n".join(done.lines()))

    def write_progress_report(self, out: str | Path | None = None) -> tuple[Path, Path] | None:
        """The selected client's progress report over all their sessions, as OUT.html and OUT.pdf (OUT
        asked in a file dialog when not given); what happened said in one line under the table."""
        from emgcoach.coach.progress_report import write_progress_report

        person = self.person.currentText()
        if not person:
            self.progress_note.setText("Choose a client first")
            return None
        if out is None:
            out, _ = QFileDialog.getSaveFileName(self, "Save the progress report (PDF and HTML)",
                                                 str(Path.home() / f"{person}-progress.pdf"), "PDF (*.pdf)")
            if not out:
                return None
        self.setCursor(Qt.CursorShape.WaitCursor)  # 1-3 s for 2-250 sessions, as the set's report dialog waits for its own
        try:
            html_path, pdf_path, _ = write_progress_report(self.store, person, out, names=self.drill_names or None)
        except EmgcoachError as e:
            self.progress_note.setText(str(e))
            return None
        finally:
            self.unsetCursor()
        self.progress_note.setText(f"Progress report written: {pdf_path} and {html_path.name}")
        return html_path, pdf_path
