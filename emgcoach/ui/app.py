"""Start the desktop app: `emgcoach app` (no source yet) or `emgcoach replay FILE`."""

from __future__ import annotations

import sys

from emgcoach.ui.display_check import display_problem


def run(replay: str | None = None, speed: float = 1.0, unit: str | None = None) -> int:
    """Open the main window (replaying `replay` if given, its unlabelled columns in `unit`: 'uV', 'mV'
    or 'V') and run the Qt event loop; returns its exit code (2, with one line on stderr, when there is
    no display to open it on)."""
    problem = display_problem()
    if problem is not None:
        what = f"replay {replay}: " if replay else ""
        print(f"emgcoach: {what}{problem.message}; `emgcoach analyze FILE` prints the analysis instead",
              file=sys.stderr)
        return 2
    try:
        import PySide6.QtWidgets  # noqa: F401  (whether the gui extra is installed)
    except ImportError:
        print("emgcoach: the desktop app needs PySide6 and pyqtgraph: pip install 'emgcoach[gui]'", file=sys.stderr)
        return 2
    from emgcoach.ui.application import application
    from emgcoach.ui.main_window import MainWindow

    app = application()
    window = MainWindow()
    window.show()
    if replay and not window.replay.open_recording(replay, speed=speed, unit=unit):
        return 2
    return app.exec()
