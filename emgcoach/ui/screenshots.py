"""Render the main views to PNG (`make screenshots`), offscreen, no display needed:

- main_window.png: the window replaying the bundled bird-dog drill session, calibrated, mid-set, with the
  drill panel's countdown, rep count and last cue;
- main_window_1024x700.png: the same moment on a 1024 x 700 screen;
- feedback.png and sensors.png: the feedback view and the device panel alone;
- calibration.png: the calibration wizard during an effort;
- client_screen.png and client_screen_sling.png: the client screen (View > Client screen, F10) at the same
  moment, with the bars and with the sling view;
- sling.png: the feedback column with View > Feedback view > Sling;
- placement.png: the electrode placement view for the session's lat (Help > Electrode placement);
- welcome.png: the welcome view a first run opens on (Help > Welcome);
- history.png: the history view of the sets just run;
- video_dock.png: a session recorded with simulated sensors and a synthetic camera (made at render time),
  replayed with its video in the dock beside the plots (ui/video_screenshot.py);
- both_slings.png and both_slings_sling.png: the feedback column with four sensors (both lats, both
  glutes), bars and sling view, replaying the bundled alternating bird dog (`recordings/drills/`);
- report.png: the first page of that session's PDF report (needs pypdfium2, a test dependency).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication, QSettings

    from emgcoach.coach.calibration import Calibration
    from emgcoach.coach.report import ReportData
    from emgcoach.stream.capabilities import ReplayClock
    from emgcoach.stream.engine import Engine
    from emgcoach.ui.calibration_wizard import CalibrationWizard
    from emgcoach.ui.main_window import MainWindow


def main(out_dir: str = "docs/screenshots", recording: str | None = None) -> int:
    """Write the screenshots to `out_dir`, replaying `recording` (default: the demo session)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from emgcoach.analysis import analyze
    from emgcoach.coach.report import ReportData
    from emgcoach.coach.session_analysis import session_reps
    from emgcoach.data import demo_recording
    from emgcoach.io.open import read_recording
    from emgcoach.ui.main_window import MainWindow

    recording = recording or str(demo_recording())
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
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        settings.setValue("welcome_seen", True)  # straight to the window, no welcome view
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
        tour = _Tour(app, w, out, scored.calibration, drill_start, cal_start)
        QTimer.singleShot(300, tour.poll)
        app.exec()
        w.close()
        # delete the window while Python is whole: left to interpreter shutdown, Qt tears pyqtgraph's
        # items down after their Python side is gone, and crashes
        w.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        from emgcoach.ui.video_screenshot import shoot_video_dock

        shoot_video_dock(app, out, Path(tmp))
        data = ReportData("P07", "2026-11-25 10:00", recording, result, scored, "Glute cue from rep 5 on.")
        _render_report(data, Path(tmp), out)
        _both_slings_shots(app, settings, out)
    print(f"screenshots in {out}/: main_window, main_window_light, main_window_1024x700, feedback, sensors, "
          "calibration, client_screen, client_screen_sling, sling, placement, welcome, history, video_dock, report, "
          "both_slings, both_slings_sling (.png)")
    return 0


BOTH_SLINGS = Path(__file__).resolve().parents[2] / "recordings" / "drills" / "alternating_bird_dog.xdf"


def _both_slings_shots(app: QCoreApplication, settings: QSettings, out: Path) -> None:
    """both_slings.png and both_slings_sling.png: the feedback column replaying the four-sensor session
    during the left sling's third rep, after a rep of each sling (so the symmetry line has its index)."""
    import time

    from PySide6.QtCore import QCoreApplication, QEvent

    from emgcoach.analysis import analyze
    from emgcoach.coach.session_analysis import session_reps
    from emgcoach.io.open import read_recording
    from emgcoach.ui.main_window import MainWindow

    if not BOTH_SLINGS.exists():  # an installed package has no recordings/ beside it
        print(f"{BOTH_SLINGS} not found: both_slings.png not rendered", file=sys.stderr)
        return
    rec = read_recording(str(BOTH_SLINGS))
    scored = session_reps(rec, analyze(rec))
    start = next(m.time_s for m in rec.markers if m.kind == "drill_start")
    w = MainWindow(settings)
    w.resize(1600, 950)
    w.show()
    w.replay.open_recording(str(BOTH_SLINGS), speed=4.0)
    engine = w.engine
    assert engine is not None and engine.replay_clock is not None

    def run_until(t_s: float) -> None:
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline and engine.replay_clock is not None and engine.replay_clock.now_s() < t_s:
            app.processEvents()
            time.sleep(0.01)

    run_until(1.0)  # the replay has looked for a calibration of its own (the last client's): the file's holds
    if scored is not None and scored.calibration is not None:
        w.calibrator.apply_calibration(scored.calibration)
    w.replay.seek(start + 5.0 + 2.5)  # the first rep's hold: the symmetry needs one rep of each sling
    run_until(start + 5.0 + 4 * 8.0 + 2.6)  # the left sling's third rep's hold
    engine.pause()
    for style, name in (("bars", "both_slings.png"), ("sling", "both_slings_sling.png")):
        w.display.set_style(style)
        app.processEvents()
        w.frames = -1
        w.tick()
        app.processEvents()
        w.feedback.grab().save(str(out / name))
    w.display.set_style("bars")
    w.close()
    w.deleteLater()  # while Python is whole (see main())
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class _Tour:
    """The replay walked through for the pictures: seek to the file's calibration and shoot the wizard
    mid-effort, then seek to its set and shoot the window (two themes, two sizes) during the third rep's
    hold, the client screen, sling, placement and welcome views during the fourth's, then the history;
    quits the app when done. Times are session seconds."""

    def __init__(self, app: QCoreApplication, w: MainWindow, out: Path, calibration: Calibration, drill_start: float,
                 cal_start: float) -> None:
        self.app, self.w, self.out, self.calibration = app, w, out, calibration
        self.drill_start, self.cal_start = drill_start, cal_start
        self.step = "calibrate"
        self.wizard: CalibrationWizard | None = None  # the calibration wizard, once the tour opened it

    def _replay(self) -> tuple[Engine, ReplayClock]:
        """The window's engine and its replay clock (main() opened the recording before the tour began)."""
        engine = self.w.engine
        clock = engine.replay_clock if engine is not None else None
        if engine is None or clock is None:
            raise RuntimeError("screenshots: the window is not replaying the recording")
        return engine, clock

    def _later(self, ms: int, then: Callable[[], None]) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(ms, then)

    def poll(self) -> None:
        """One look at the replay's position; the next step when it is there, else a look again soon."""
        from emgcoach.coach.calibration import protocol

        w = self.w
        engine, clock = self._replay()
        now = clock.now_s()
        if self.step == "calibrate":
            engine.pause()
            w.replay.seek(self.cal_start)
            self.step = "seeking"
            self._later(300, self.poll)
            return
        if self.step == "seeking":  # the recorded calibration follows this protocol
            steps = protocol([("latissimus_dorsi", "left"), ("gluteus_maximus", "right")], rest_s=5, effort_s=4, recover_s=3)
            self.wizard = w.calibrator.open_calibration(steps, paced=False)
            if self.wizard is None:  # the window said why in its status line
                raise RuntimeError(f"screenshots: no calibration wizard: {w.status.text()}")
            self.wizard.start()
            engine.resume()
            self.step = "wizard"
            self._later(50, self.poll)
            return
        if self.step == "wizard":
            session = self.wizard.session if self.wizard is not None else None
            assert session is not None  # the wizard was opened and started at the step before
            _, step, left = session.step_at(now)
            if step is None or step.kind != "mvc" or left > 2.5:
                self._later(50, self.poll)
                return
            self._wizard_shot()
            return
        if self.step == "drill" and now < self.drill_start + 5.0 + 2 * 8.0 + 2.6:  # the third rep's hold
            self._later(50, self.poll)
            return
        if self.step == "guide":
            if now < self.drill_start + 5.0 + 3 * 8.0 + 2.6:  # the fourth rep's hold
                self._later(50, self.poll)
                return
            self._last_shots()
            return
        self._window_shots()

    def _wizard_shot(self) -> None:
        w, wizard = self.w, self.wizard
        assert wizard is not None  # the step before took this shot only with the wizard open
        engine, _ = self._replay()
        wizard.grab().save(str(self.out / "calibration.png"))
        wizard.reject()
        w.calibrator.apply_calibration(self.calibration)
        engine.pause()
        w.replay.seek(self.drill_start)
        self._later(300, self._begin_drill)

    def _begin_drill(self) -> None:
        w = self.w
        if w.drills.runner is None:  # the replay starts the file's own set by itself at its start
            w.drills.start_drill()
        engine, _ = self._replay()
        engine.resume()
        self.step = "drill"
        self._later(100, self.poll)

    def _redraw(self) -> None:
        self.w.frames = -1  # the next tick refreshes feedback and panels too
        self.w.tick()

    def _window_shots(self) -> None:
        w, out, app = self.w, self.out, self.app
        self._redraw()
        w.grab().save(str(out / "main_window.png"))
        w.feedback.grab().save(str(out / "feedback.png"))
        w.devices.grab().save(str(out / "sensors.png"))
        w.preferences.set_theme("light")  # the same moment in the light theme (View > Theme)
        app.processEvents()  # deliver the palette change
        self._redraw()  # the plots are rebuilt in the new colours: let their layout settle, draw again
        app.processEvents()
        self._redraw()
        w.grab().save(str(out / "main_window_light.png"))
        w.preferences.set_theme("dark")
        w.resize(1024, 700)  # a clinic laptop: the left panel gives way, nothing is clipped
        app.processEvents()
        self._redraw()
        app.processEvents()
        w.grab().save(str(out / "main_window_1024x700.png"))
        w.resize(1600, 950)
        self.step = "guide"  # the next rep's hold, for the client screen and the sling view
        self._later(50, self.poll)

    def _last_shots(self) -> None:
        """The next rep's pictures, then the history; the tour ends."""
        w, out, app = self.w, self.out, self.app
        self._guide_shots()
        w.drills.stop_drill()
        history = w.open_history()
        if history is None:  # main() made the store; without it there is no history to show
            raise RuntimeError("screenshots: the window has no history store")
        history.resize(760, 600)
        history.grab().save(str(out / "history.png"))
        history.close()
        app.quit()

    def _guide_shots(self) -> None:
        """The client screen (bars, then sling), the sling view in the column, the placement view and the
        welcome view, the replay held at one moment; the window is left as it was."""
        w, out, app = self.w, self.out, self.app
        status = w.status.text()
        engine = w.engine
        assert engine is not None  # the screenshots run on a replay
        engine.pause()  # the same figures in every picture
        w.display.show_client_screen(True)
        client = w.display.client
        assert client is not None
        client.resize(1280, 720)  # a television's shape, at a size a page can show
        app.processEvents()
        self._redraw()
        app.processEvents()
        client.grab().save(str(out / "client_screen.png"))
        w.display.set_style("sling")
        app.processEvents()
        self._redraw()
        app.processEvents()
        client.grab().save(str(out / "client_screen_sling.png"))
        w.feedback.grab().save(str(out / "sling.png"))
        w.display.set_style("bars")
        w.display.show_client_screen(False)
        placement = w.guide.show_placement()  # the session's lat, lit
        app.processEvents()
        placement.grab().save(str(out / "placement.png"))
        placement.close()
        welcome = w.guide.show_welcome()
        welcome.adjustSize()
        app.processEvents()
        welcome.grab().save(str(out / "welcome.png"))
        welcome.close()
        w.status.setText(status)
        engine.resume()
        app.processEvents()


def _render_report(data: ReportData, tmp: Path, out: Path) -> None:
    """report.png: the first page of the session's PDF report (when pypdfium2 is installed)."""
    from emgcoach.coach.report import write_report

    _, pdf = write_report(data, tmp / "report")
    try:
        import pypdfium2 as pdfium

        pdfium.PdfDocument(str(pdf))[0].render(scale=1.2).to_pil().save(str(out / "report.png"))
    except ImportError:
        print("pypdfium2 not installed: report.png not rendered", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
