"""Render the main views to PNG (`make screenshots`), offscreen, no display needed:

- main_window.png: the window replaying the bundled bird-dog drill session, calibrated, mid-set, with the
  drill panel's countdown, rep count and last cue;
- main_window_1024x700.png: the same moment on a 1024 x 700 screen;
- feedback.png and sensors.png: the feedback view and the device panel alone;
- calibration.png: the calibration wizard during an effort;
- history.png: the history view of the sets just run;
- report.png: the first page of that session's PDF report (needs pypdfium2, a test dependency).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main(out_dir: str = "docs/screenshots", recording: str = "recordings/drills/bird_dog.xdf") -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from emgcoach.analysis import analyze
    from emgcoach.coach.calibration import protocol
    from emgcoach.coach.report import ReportData, write_report
    from emgcoach.coach.session_analysis import session_reps
    from emgcoach.io.open import read_recording
    from emgcoach.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rec = read_recording(recording)
    result = analyze(rec)
    scored = session_reps(rec, result)
    assert scored is not None and scored.calibration is not None
    drill_start = next(m.time_s for m in rec.markers if m.kind == "drill_start")
    cal_start = next(m.time_s for m in rec.markers if m.kind == "calibration")
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.IniFormat)
        settings.setValue("store_path", str(Path(tmp) / "history.sqlite3"))
        w = MainWindow(settings)
        w.resize(1600, 950)
        w.show()
        w.drill_panel.person.setText("P07")
        if not w.replay.open_recording(recording, speed=4.0):
            return 2
        store = w.store()
        assert store is not None
        # two earlier sets of the same client (the replay itself is a bundled recording: never saved)
        store.save_session("P07", "2026-11-04T10:00:00", scored.reps)
        store.save_session("P07", "2026-11-18T10:00:00", scored.reps[:6])
        state = {"step": "calibrate"}

        def wizard_shot() -> None:
            w.calibration_wizard.grab().save(str(out / "calibration.png"))
            w.calibration_wizard.reject()
            w.calibrator.apply_calibration(scored.calibration)
            w.engine.pause()
            w.replay.seek(drill_start)
            QTimer.singleShot(300, begin_drill)

        def begin_drill() -> None:
            if w.drills.runner is None:  # the replay starts the file's own set by itself at its start
                w.drills.start_drill()
            w.engine.resume()
            state["step"] = "drill"
            QTimer.singleShot(100, poll)

        def poll() -> None:
            now = w.engine.replay_clock.now_s()
            if state["step"] == "calibrate":
                w.engine.pause()
                w.replay.seek(cal_start)
                state["step"] = "seeking"
                QTimer.singleShot(300, poll)
                return
            if state["step"] == "seeking":  # the recorded calibration follows this protocol
                steps = protocol([("latissimus_dorsi", "left"), ("gluteus_maximus", "right")], rest_s=5, effort_s=4, recover_s=3)
                w.calibration_wizard = w.calibrator.open_calibration(steps, paced=False)
                w.calibration_wizard.start()
                w.engine.resume()
                state["step"] = "wizard"
                QTimer.singleShot(50, poll)
                return
            if state["step"] == "wizard":
                _, step, left = w.calibration_wizard.session.step_at(now)
                if step is None or step.kind != "mvc" or left > 2.5:
                    QTimer.singleShot(50, poll)
                    return
                wizard_shot()
                return
            if state["step"] == "drill" and now < drill_start + 5.0 + 2 * 8.0 + 2.6:  # the third rep's hold
                QTimer.singleShot(50, poll)
                return
            w.frames = -1  # the next tick refreshes feedback and panels too
            w.tick()
            w.grab().save(str(out / "main_window.png"))
            w.feedback.grab().save(str(out / "feedback.png"))
            w.devices.grab().save(str(out / "sensors.png"))
            w.preferences.set_theme("light")  # the same moment in the light theme (View > Theme)
            app.processEvents()  # deliver the palette change
            w.frames = -1
            w.tick()  # the plots are rebuilt in the new colours: let their layout settle, draw again
            app.processEvents()
            w.frames = -1
            w.tick()
            w.grab().save(str(out / "main_window_light.png"))
            w.preferences.set_theme("dark")
            w.resize(1024, 700)  # a clinic laptop: the left panel gives way, nothing is clipped
            app.processEvents()
            w.frames = -1
            w.tick()
            app.processEvents()
            w.grab().save(str(out / "main_window_1024x700.png"))
            w.drills.stop_drill()
            history = w.open_history()
            history.resize(760, 600)
            history.grab().save(str(out / "history.png"))
            history.close()
            app.quit()

        QTimer.singleShot(300, poll)
        app.exec()
        w.close()
        # delete the window while Python is whole: left to interpreter shutdown, Qt tears pyqtgraph's
        # items down after their Python side is gone, and crashes
        w.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        data = ReportData("P07", "2026-11-25 10:00", recording, result, scored, "Glute cue from rep 5 on.")
        _, pdf = write_report(data, Path(tmp) / "report")
        try:
            import pypdfium2 as pdfium

            pdfium.PdfDocument(str(pdf))[0].render(scale=1.2).to_pil().save(str(out / "report.png"))
        except ImportError:
            print("pypdfium2 not installed: report.png not rendered", file=sys.stderr)
    print(f"screenshots in {out}/: main_window, main_window_light, main_window_1024x700, feedback, sensors, calibration, history, report (.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
