"""Render the main views to PNG (`make screenshots`): the window replaying the bundled bird-dog session
mid-rep, and the feedback view alone. Runs offscreen; no display needed."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main(out_dir: str = "docs/screenshots", recording: str = "recordings/bird_dog_sim.xdf") -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from emgcoach.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    pg.setConfigOptions(background="#1e1e1e", foreground="#dddddd")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        w = MainWindow(QSettings(str(Path(tmp) / "s.ini"), QSettings.IniFormat))
        w.resize(1400, 850)
        w.show()
        if not w.open_recording(recording, speed=4.0):
            return 2

        def shoot() -> None:
            if w.engine.replay_clock.now_s() < 16.6:  # mid-way through the third rep's hold
                QTimer.singleShot(50, shoot)
                return
            w.frames = -1  # the next tick also refreshes feedback and panel
            w.tick()
            w.grab().save(str(out / "main_window.png"))
            w.feedback.grab().save(str(out / "feedback.png"))
            w.devices.grab().save(str(out / "sensors.png"))
            app.quit()

        QTimer.singleShot(100, shoot)
        app.exec()
        w.close()
    print(f"screenshots in {out}/: main_window.png, feedback.png, sensors.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
