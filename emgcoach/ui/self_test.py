"""Does the desktop app run here? `emgcoach --self-test`, the frozen bundle's smoke test.

Opens the main window offscreen (no screen needed: the platform is forced before Qt starts), replays the
demo session for a few seconds and checks that a frame was drawn: the frame timer ran, the plots received
samples, the plot area was painted, and an image of the window is not blank. Prints one line and returns
0, or 1 with one line saying what failed. Settings, recordings and history go to a temporary folder, so
the test leaves nothing of the user's changed (numba's cache of compiled loops aside).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from emgcoach.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

PREFIX = "emgcoach self-test"
WATCHDOG_S = 120.0  # past this, the app is stuck (a modal box nobody closes, a dead event loop): exit 1
MIN_COLOURS = 16  # an image of the plots with fewer distinct colours than this is blank


def run_self_test(seconds: float = 4.0, speed: float = 4.0, recording: Path | None = None) -> int:
    """Open the window offscreen, replay `recording` (default: the demo) at `speed` for `seconds` and
    check a frame was drawn. Prints one line; returns 0 when it was, 1 when not. Qt started before this
    call keeps its platform (a test's offscreen one)."""
    started = time.monotonic()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # forced, not defaulted: the test must not need a screen
    watchdog = threading.Timer(WATCHDOG_S, _stuck, args=(seconds,))
    watchdog.daemon = True
    watchdog.start()
    try:
        problem, figures = _replay_and_look(seconds, speed, recording)
    except Exception as e:  # an app that cannot start: one line, the traceback in the log
        logger.exception("self-test")
        why = f"{type(e).__name__}: {e}" if str(e) else f"{type(e).__name__} (its traceback is on stderr)"
        problem, figures = why, ""
    finally:
        watchdog.cancel()
    took = time.monotonic() - started
    if problem:
        print(f"{PREFIX}: FAILED: {problem} ({took:.1f} s)")
        return 1
    print(f"{PREFIX}: ok: {figures}; {took:.1f} s in all")
    return 0


def _stuck(seconds: float) -> None:
    print(f"{PREFIX}: FAILED: stuck: no result {WATCHDOG_S:.0f} s after a {seconds:g} s replay began", flush=True)
    os._exit(1)  # the Qt thread is the stuck one: nothing else would end the process


def _replay_and_look(seconds: float, speed: float, recording: Path | None) -> tuple[str, str]:
    """(problem, '') when the app failed, else ('', what it drew)."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer, qVersion
    from PySide6.QtWidgets import QApplication

    from emgcoach.data import demo_recording
    from emgcoach.ui.application import application
    from emgcoach.ui.main_window import MainWindow

    class PaintCounter(QObject):
        """Counts the paint events a widget gets: proof the window was drawn, not only laid out."""

        paints = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
            if event.type() == QEvent.Type.Paint:
                self.paints += 1
            return False

    app = application()
    with tempfile.TemporaryDirectory(prefix="emgcoach-self-test-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("welcome_seen", True)  # straight to the window, no welcome view
        settings.setValue("recordings_dir", str(Path(tmp) / "recordings"))
        settings.setValue("store_path", str(Path(tmp) / "history.sqlite3"))
        window = MainWindow(settings)
        counter = PaintCounter()
        window.plots.layout_widget.viewport().installEventFilter(counter)
        loop = QEventLoop()
        boxes: list[str] = []

        def close_modal_boxes() -> None:
            # a message box would wait for a click nobody gives: note it, close it, stop
            box = QApplication.activeModalWidget()
            if box is not None:
                boxes.append(box.windowTitle() + ": " + getattr(box, "text", lambda: "")())
                box.close()
                loop.quit()

        watcher = QTimer()
        watcher.timeout.connect(close_modal_boxes)
        watcher.start(100)
        try:
            window.resize(1280, 800)
            window.show()
            if not window.replay.open_recording(recording or demo_recording(), speed=speed):
                return "the recording did not open: " + "; ".join(window.errors_shown or boxes or ["no reason given"]), ""
            QTimer.singleShot(int(seconds * 1000), loop.quit)
            loop.exec()
            if boxes or window.errors_shown:
                return "the app showed an error: " + "; ".join(window.errors_shown or boxes), ""
            return _what_was_drawn(window, counter.paints, seconds, speed, qVersion())
        finally:
            watcher.stop()
            window.close()
            app.processEvents()


def _what_was_drawn(window: MainWindow, paints: int, seconds: float, speed: float, qt: str) -> tuple[str, str]:
    """('', figures) when a frame with samples was drawn, else (what is missing, '')."""
    plots = window.plots
    if window.frames == 0:
        return "the frame timer never ran", ""
    if plots.points_drawn == 0:
        return f"{window.frames} frames but the plots received no samples", ""
    if paints == 0:
        return "the plots were never painted", ""
    colours = _distinct_colours(plots)
    if colours < MIN_COLOURS:
        return f"an image of the plots is blank ({colours} colours)", ""
    return "", (f"replayed the demo for {seconds:g} s at {speed:g}x: {window.frames} frames, {plots.points_drawn} "
                f"points plotted, {paints} paints of the plots, {colours} colours in their image "
                f"(Qt {qt}, {os.environ.get('QT_QPA_PLATFORM')}, Python {sys.version.split()[0]})")


def _distinct_colours(widget: QWidget, step: int = 3) -> int:
    """How many different colours an image of `widget` holds (every `step`-th pixel each way)."""
    image = widget.grab().toImage()
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})
