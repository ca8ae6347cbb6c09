"""Start the desktop app: `emgcoach app` (no source yet) or `emgcoach replay FILE`."""

from __future__ import annotations

import os
import sys


def can_open_window() -> bool:
    """Whether Qt can show a window here: a desktop session (X11 or Wayland), or a platform asked for
    explicitly (QT_QPA_PLATFORM, e.g. offscreen for tests); Windows and macOS always can."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def run(replay: str | None = None, speed: float = 1.0, unit: str | None = None) -> int:
    """Open the main window (replaying `replay` if given, its unlabelled columns in `unit`: 'uV', 'mV'
    or 'V') and run the Qt event loop; returns its exit code (2, with one line on stderr, when there is
    no display to open it on)."""
    if not can_open_window():
        what = f"replay {replay}: " if replay else ""
        print(f"emgcoach: {what}no display to open the window on (no DISPLAY or WAYLAND_DISPLAY); "
              "`emgcoach analyze FILE` prints the analysis instead", file=sys.stderr)
        return 2
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError:
        print("emgcoach: the desktop app needs PySide6 and pyqtgraph: pip install 'emgcoach[gui]'", file=sys.stderr)
        return 2
    import pyqtgraph as pg

    from emgcoach.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("emgcoach")
    app.setOrganizationName("emgcoach")
    pg.setConfigOptions(antialias=False)  # colours come from the theme (View > Theme)
    window = MainWindow()
    window.show()
    if replay and not window.replay.open_recording(replay, speed=speed, unit=unit):
        return 2
    return app.exec()
