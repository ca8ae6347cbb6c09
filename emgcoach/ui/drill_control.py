"""A coached set of a drill in the window: starting and stopping it, showing each frame what its runner
found (reps, onsets, the phase and its countdown), its summary when it ends, filing it
(`session.drill_set.file_set` decides what the history keeps) and the report on the last set."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from emgcoach.coach.set_summary import summarise_set
from emgcoach.coach.slings import missing_slings
from emgcoach.session.drill_set import DrillSet, ScoredSet, file_set, set_end
from emgcoach.ui.report_dialog import ReportDialog, open_with_desktop

if TYPE_CHECKING:
    from emgcoach.coach.runner import DrillRunner, RunnerEvent
    from emgcoach.coach.scoring import RepScore
    from emgcoach.coach.slings_runner import SlingsRunner
    from emgcoach.stream.engine import Engine
    from emgcoach.ui.main_window import MainWindow


class DrillControl:
    """The set under way (`drill_set`, its `runner`), the reps it scored (`set_scores`: the set's under
    way, or the last one's) and the last set as filed (`last_set`, for its report)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.drill_set: DrillSet | None = None
        self.set_scores: list[RepScore] = []
        self.set_left_out: list[RepScore] = []  # the set's reps across an artifact mark (a replay)
        self.last_set: ScoredSet | None = None
        self.report_dialog: ReportDialog | None = None

    @property
    def runner(self) -> DrillRunner | SlingsRunner | None:
        """The runner of the set under way, if any."""
        return self.drill_set.runner if self.drill_set is not None else None

    def toggle_drill(self) -> None:
        """Start a set of the chosen drill, or stop the one under way (its summary shown if it scored reps)."""
        runner = self.runner
        if runner is not None:
            self.stop_drill()
            if self.set_scores:  # stopped by the user after some reps: what they came to
                self._show_set_end(runner)
        else:
            self.start_drill()

    def start_drill(self, start_s: float | None = None) -> bool:
        """Start a set of the chosen drill now, or at session time `start_s`; False, with the reason shown,
        if it cannot."""
        w = self.window
        if self.runner is not None:  # one set at a time: a second runner would count every rep twice
            w.status.setText(f"A set of {self.runner.drill.name} is under way: stop it first (S)")
            return False
        sling = w.sensors.sling()
        if w.engine is None or sling is None:
            w.status.setText("A drill needs sensors streaming with a lat and an opposite glute assigned")
            w.drill_panel.set_running(False)
            return False
        drill = w.drill_panel.current_drill()
        lacking = missing_slings(drill.slings, w.sensors.slings())
        if lacking:
            w.status.setText(lacking)
            w.drill_panel.set_running(False)
            return False
        (lat, glute) = sling
        engine = w.engine
        if start_s is None:  # a replay's position is its clock (a seek's lead-up may still be arriving)
            clock = engine.replay_clock
            start_s = clock.now_s() if clock is not None else engine.session_time_s()
        replayed_at = w.replay.replaying[1] if w.replay.replaying else None
        marks = w.artifacts.spans if w.replay.replaying else []  # marks exist only in a replay
        self.drill_set = DrillSet(engine, drill, lat, glute, w.calibration, (w.roles[lat][1], w.roles[glute][1]),
                                  start_s, w.person(), replayed_at or datetime.now().isoformat(timespec="seconds"),
                                  w.sensors.slings(), marks)
        self.set_scores = self.drill_set.scores  # (the same list: the last set's, once it ends)
        self.set_left_out = self.drill_set.left_out
        w.settings.setValue("drill", drill.id)
        w.drill_panel.set_running(True)
        w.drill_panel.show_reps(0, 0, drill.reps)
        w.display.out.show_set_summary(None)  # the last set's summary gives way to this one's countdown
        w.display.out.show_fatigue("")  # the last set's trend is no part of this one
        w.cues.forget_pairs(keep_cue_time=True)  # pairs from before the set are no part of it
        w.status.setText(f"{drill.name}: started")
        return True

    def stop_drill(self, keep: bool = True, cut_by: str | None = None) -> None:
        """End the set, finished or cut short (`cut_by`, a `history_policy.SetEnd`: how, when it did not
        run to its end; default a stop, or the file's end for a replay that ran out), and file it
        (`session.drill_set.file_set`). `keep` False is a seek's cut."""
        w = self.window
        ds, self.drill_set = self.drill_set, None
        if ds is None:
            return
        self._show_runner_events(ds, ds.stop())
        w.drill_panel.set_running(False)
        runner = ds.runner
        if not runner.done:  # the countdown and cue of a set that no longer runs would mislead
            w.drill_panel.clear_set("Set stopped")
        replayed = w.replay.replayed()
        ended = set_end(runner.done, cut_by if keep else "seek", replayed is not None and w.replay.ended())
        filed = file_set(ds, ended, w.engine.recording_path if w.engine is not None else None, replayed,
                         w.save_replays_action.isChecked(), w.store)
        self.last_set = filed.scored
        w.drill_panel.report_button.setEnabled(filed.scored is not None)
        w.report_action.setEnabled(filed.scored is not None)
        if filed.error:
            w.error_box("History", filed.error)
        w.status.setText(filed.line)

    def drain(self) -> None:
        """Show what the set under way did since the last frame: its reps and its onsets."""
        if self.drill_set is not None:
            self._show_runner_events(self.drill_set, self.drill_set.drain())

    def marks_changed(self, marks: list[tuple[float, float]]) -> None:
        """An artifact mark was made or removed in the replay: the set under way sorts its reps so far
        again (the count follows on the next frame), and says which rep a new mark left out."""
        ds = self.drill_set
        if ds is None:
            return
        newly = ds.set_excluded(marks)
        if newly:
            self.window.drill_panel.show_left_out(newly[-1].index + 1, newly[-1].sling)

    def _show_runner_events(self, ds: DrillSet, events: list[RunnerEvent]) -> None:
        for ev in events:
            if ev.kind == "rep" and ev.score is not None:
                sc = ev.score
                if ds.is_left_out(sc):  # across an artifact mark: neither hit nor miss, as analyze has it
                    self.window.drill_panel.show_left_out(sc.index + 1, sc.sling)
                    continue
                self.window.drill_panel.show_rep(sc.hit, sc.cue, sc.onset_latency_ms, sc.sling)
                self.window.display.out.show_fatigue(ds.fatigue_text())  # the set's MDF trend, rep by rep
            elif ev.kind == "onset":  # during a set the cue times onsets on the set's own baseline
                self.window.cues.show_onset(ev.payload["muscle"], ev.time_s)

    def frame(self, engine: Engine) -> None:
        """One feedback frame of the set under way (if any): its reps, phase and countdown; it ends when
        complete or when the replayed file has run out."""
        w = self.window
        ds = self.drill_set
        if ds is None:
            w.display.out.hide_phase()  # however the set ended (a stop, a seek, another file)
            return
        self.drain()
        runner = ds.runner
        st = runner.status(engine.session_time_s())
        w.drill_panel.show_status(st)
        w.display.out.show_phase(st.phase, st.remaining_s, st.rep, runner.drill.reps, st.text)
        w.drill_panel.show_reps(len(ds.scores), sum(s.hit for s in ds.scores), runner.drill.reps, ds.by_sling_text())
        ended = all(engine.stream_stats(s).state in ("ended", "error") for s in range(engine.n_streams))
        if ds.done or ended:  # the set is complete, or the file being replayed has run out
            self.stop_drill()
            self._show_set_end(runner)

    def _show_set_end(self, runner: DrillRunner | SlingsRunner) -> None:
        """The set is over: its summary in the feedback column and its title on the drill panel, in place
        of the last phase's countdown."""
        summary = summarise_set(runner.drill, list(self.set_scores), stopped=not runner.done,
                                left_out=list(self.set_left_out))
        self.window.display.out.show_set_summary(summary)
        self.window.drill_panel.show_set_end(summary)

    def open_report(self) -> ReportDialog | None:
        """The Report dialog for the last scored set (recorded or not): notes, folder, then HTML + PDF,
        opened when written. The recording, if the set has one, is read for its trace and left running."""
        w = self.window
        last = self.last_set
        if last is None:
            w.status.setText("No set to report yet: run a set of a drill first (S)")
            return None
        still_open = w.engine is not None and last.recording is not None and w.engine.recording_path == last.recording
        scored = replace(last, recording_open=still_open)
        folder = Path(last.recording).parent if last.recording else w.recording.recordings_folder()
        dialog = ReportDialog(scored, w.settings, folder, w.library, self.open_file, w)
        dialog.accepted.connect(lambda: w.status.setText(
            "No report written" if not dialog.written else f"Report written: {dialog.written[1]}" + (
                " (no application here opens PDF files: open it from its folder)" if dialog.opened is False else "")))
        dialog.open()
        self.report_dialog = dialog
        return dialog

    @staticmethod
    def open_file(path: Path) -> bool:
        """Open a written file (a report) in the user's application for it."""
        return open_with_desktop(path)
