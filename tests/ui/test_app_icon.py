"""The window's icon: every rendered size loads, and the app is set up with it and its desktop id."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from emgcoach.resources import APP_ID, ICON_SIZES
from emgcoach.ui.application import application
from emgcoach.ui.icon import app_icon


def test_the_icon_has_every_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(ICON_SIZES)
    small = icon.pixmap(QSize(16, 16)).toImage()
    colours = {small.pixel(x, y) for x in range(16) for y in range(16)}
    assert len(colours) > 8  # drawn, not one flat colour


def test_the_application_carries_the_icon_and_desktop_id(qapp: QApplication) -> None:
    before = (qapp.applicationName(), qapp.organizationName(), qapp.desktopFileName(), QIcon(qapp.windowIcon()))
    try:
        app = application()
        assert app is qapp and app.applicationName() == "emgcoach" and app.desktopFileName() == APP_ID
        assert sorted(s.width() for s in app.windowIcon().availableSizes()) == list(ICON_SIZES)
    finally:
        qapp.setApplicationName(before[0])
        qapp.setOrganizationName(before[1])
        qapp.setDesktopFileName(before[2])
        qapp.setWindowIcon(before[3])
