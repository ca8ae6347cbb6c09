"""The QApplication as the app runs it: made once, named, with its icon and desktop id (`ui/app.py` and
the bundle's self-test both start from it)."""

from __future__ import annotations

import sys

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from emgcoach.resources import APP_ID
from emgcoach.ui.icon import app_icon


def application() -> QApplication:
    """The process's QApplication (made on first call), set up: its names (QSettings keeps the
    settings under them), the window icon, the desktop id, pyqtgraph's options. The DSP loops are
    compiled later (`compile_dsp`), once the window is on screen."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    elif not isinstance(app, QApplication):  # a QCoreApplication (no widgets) already runs: no window can open
        raise RuntimeError(f"emgcoach needs a QApplication, and this process runs a {type(app).__name__}")
    app.setApplicationName("emgcoach")
    app.setOrganizationName("emgcoach")
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)  # Wayland's app id: the compositor finds the menu entry, and its icon, by it
    pg.setConfigOptions(antialias=False)  # colours come from the theme (View > Theme)
    return app


def compile_dsp() -> None:
    """Compile the DSP loops (numba; later starts load its disk cache, ~0.4 s) and load scipy.signal
    (~1 s; the dsp modules load it on first use) on this, the Qt, thread. The window calls this just
    after it is first drawn, and before it makes an engine: compiled on the engine's thread instead,
    when the first stream starts, a first compile (5 s and more on a slow machine) outlasts the 5 s the
    engine gives a new source, and the first recording fails to open; here, at start, it kept the
    window off the screen for that long."""
    import scipy.signal  # noqa: F401

    import emgcoach.dsp.compiled  # noqa: F401
