"""The Help menu's windows: every keyboard shortcut (read from the window's actions) and About (version,
and where the app keeps recordings and the client history)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

SEEK_KEYS = "Replay: click or drag the seek bar; arrow keys step 1 s, Page Up/Down 10 s."


def shortcuts_dialog(window: QWidget) -> QDialog:
    """A window listing every action of `window` that has a shortcut, key and what it does."""
    rows = [(a.shortcut().toString(QKeySequence.SequenceFormat.NativeText), a.text().replace("&", "").rstrip("."))
            for a in window.actions() if not a.shortcut().isEmpty()]
    table = QTableWidget(len(rows), 2)
    table.setHorizontalHeaderLabels(["key", "does"])
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    for i, (key, what) in enumerate(rows):
        table.setItem(i, 0, QTableWidgetItem(key))
        table.setItem(i, 1, QTableWidgetItem(what))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return _shown(window, "Keyboard shortcuts", table, SEEK_KEYS)


def about_dialog(window: QWidget, recordings: Path, store: str | Path) -> QDialog:
    """Version, what the app is for, and where it keeps recordings and the history."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("emgcoach")
    except PackageNotFoundError:
        v = "(not installed)"
    text = QLabel(
        f"<b>emgcoach {v}</b><p>Two surface-EMG sensors, a lat and the opposite glute, as a biofeedback coach "
        "for the posterior oblique sling.</p>"
        f"<p>Recordings: {recordings}<br>Client history: {store}</p>"
        "<p>The README describes every view and figure.</p>")
    text.setWordWrap(True)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return _shown(window, "About emgcoach", text)


def _shown(parent: QWidget, title: str, body: QWidget, foot: str = "") -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    lay = QVBoxLayout(dialog)
    lay.addWidget(body)
    if foot:
        note = QLabel(foot)
        note.setWordWrap(True)
        lay.addWidget(note)
    close = QPushButton("Close")
    close.clicked.connect(dialog.close)
    lay.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
    dialog.resize(460, 420)
    dialog.show()
    return dialog
