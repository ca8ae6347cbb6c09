"""The app's icon as Qt wants it: the window's and the taskbar's (`app_icon`)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon, QPixmap

from emgcoach.resources import ICON_SIZES, icon_png

logger = logging.getLogger(__name__)


def app_icon() -> QIcon:
    """emgcoach's icon at every size it was rendered at (Qt picks the nearest for each use). Read as
    bytes, so it loads from a wheel, a zip or a frozen bundle alike."""
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap()
        # the stub types the format as bytes, but PySide6 takes only a str there (b"PNG" raises ValueError)
        if pixmap.loadFromData(icon_png(size).read_bytes(), "PNG"):  # type: ignore[call-overload]
            icon.addPixmap(pixmap)
        else:  # a damaged install: the window still opens, with the platform's default icon
            logger.warning("the %d px icon did not load", size)
    return icon
