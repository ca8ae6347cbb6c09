"""UI tests never wait on a modal box nobody can click: an unexpected warning fails the test with its text.

A test that expects a box patches `QMessageBox.warning` itself (its patch replaces this one)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _modal_warnings_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    def fail(_parent: object, title: str, text: str, *args: object) -> None:
        pytest.fail(f"unexpected message box {title!r}: {text}")

    monkeypatch.setattr(QMessageBox, "warning", fail)
