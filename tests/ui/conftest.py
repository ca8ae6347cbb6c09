"""UI tests never wait on a modal box nobody can click: an unexpected warning fails the test with its text.
A test that expects a box patches `QMessageBox.warning` itself (its patch replaces this one).

`settings` and `make_window` give a test its own window: settings in its temporary folder (recordings
and the history there too), shown, closed at the test's end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _modal_warnings_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    def fail(_parent: object, title: str, text: str, *args: object) -> None:
        pytest.fail(f"unexpected message box {title!r}: {text}")

    monkeypatch.setattr(QMessageBox, "warning", fail)


@pytest.fixture
def settings(tmp_path: Path):  # a QSettings
    """The window's settings in an INI file of the test's own, with its recordings folder and history there
    (and the welcome view already answered)."""
    from PySide6.QtCore import QSettings

    s = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    s.setValue("recordings_dir", str(tmp_path / "recs"))
    s.setValue("store_path", str(tmp_path / "history.sqlite3"))
    s.setValue("welcome_seen", True)  # a test that wants the first run's welcome view clears it
    return s


@pytest.fixture
def make_window(qtbot, settings) -> Iterator[Callable[..., object]]:
    """make_window(person="", size=None, **settings_values): a shown MainWindow on `settings` (with those
    values set first), its client typed in; every window made is closed when the test ends."""
    from emgcoach.ui.main_window import MainWindow

    made: list[MainWindow] = []

    def make(person: str = "", size: tuple[int, int] | None = None, **values: object) -> MainWindow:
        for key, value in values.items():
            settings.setValue(key, value)
        w = MainWindow(settings)
        qtbot.addWidget(w)
        if size is not None:
            w.resize(*size)
        w.show()
        if person:
            w.drill_panel.person.setText(person)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()
