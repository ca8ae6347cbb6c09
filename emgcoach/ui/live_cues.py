"""What the feedback column shows of the session as it runs: the onset-order cue ('Lat first, glute
+80 ms'), the lat and glute bars and co-activation gauge, and the audio cue that sounds them. The
figures come from `session.sling_feedback`; this module only shows them. With four sensors the other
sling's figures come from a second `SlingFeedback` (the same path, on the other pair) and the two are
compared rep by rep (`session.sling_symmetry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emgcoach.coach.drills import Lead
from emgcoach.coach.drills import Drill
from emgcoach.coach.live_feedback import Figures, OnsetOrder
from emgcoach.coach.slings import Sling
from emgcoach.session.sling_feedback import Channel, SlingFeedback, still
from emgcoach.session.sling_symmetry import LiveSymmetry

if TYPE_CHECKING:
    from emgcoach.stream.engine import Engine
    from emgcoach.ui.main_window import MainWindow

WAITING = "waiting for a rep"


class LiveCues:
    """The feedback column's live cues for the window's engine: onsets paired into the onset-order cue,
    and each frame's figures into the bars, gauge and audio cue."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.onset_order = OnsetOrder()
        self.onset_cue_t: float | None = None  # session time (s) of the onset pair the feedback shows
        self.sling_feedback = SlingFeedback()
        self.other_feedback = SlingFeedback()  # four sensors: the other sling's, on the same path
        self.symmetry = LiveSymmetry()

    def reset(self) -> None:
        """A new session: no pair shown, the figures' state begun again."""
        self.forget_pairs()
        self.sling_feedback = SlingFeedback()
        self.other_feedback = SlingFeedback()
        self.symmetry = LiveSymmetry()

    def forget_pairs(self, keep_cue_time: bool = False) -> None:
        """Onsets seen so far are paired no more, and the cue waits for a rep (a set's start keeps the
        time of the cue it replaces, for a seek back before it)."""
        self.onset_order = OnsetOrder()
        if not keep_cue_time:
            self.onset_cue_t = None
        self.window.display.out.show_onset(WAITING)

    def rewound(self, now_s: float) -> None:
        """The replay went back to `now_s` (session s): a cue from after it no longer holds."""
        if self.onset_cue_t is not None and now_s < self.onset_cue_t - 0.05:
            self.forget_pairs()

    def show_onset(self, muscle: str, time_s: float) -> None:
        """One onset into the onset-order cue ('Lat first, glute +80 ms' once it makes a pair)."""
        cue = self.onset_order.onset(muscle, time_s)
        if cue:
            self.window.display.out.show_onset(cue + self._timing_note(self.onset_order.last_latency_ms))
            self.onset_cue_t = time_s

    def _timing_note(self, glute_after_lat_ms: float | None) -> str:
        """During a set, whether the pair's timing misses the drill's window (': glute late'), so the
        onset cue never reads as on target beside 'Both on target!' when its rep will miss."""
        runner = self.window.drills.runner
        if runner is None or glute_after_lat_ms is None:
            return ""
        lo, hi = runner.drill.targets.partner_onset_ms
        lat_leads = runner.drill.lead == Lead.LAT
        partner_ms = glute_after_lat_ms if lat_leads else -glute_after_lat_ms
        partner = "glute" if lat_leads else "lat"
        if partner_ms < lo:
            return f": {partner} early"
        if partner_ms > hi:
            return f": {partner} late"
        return ""

    def update(self, engine: Engine) -> None:
        """This frame's bars, gauge and audio cue for the assigned lat and glute (none without them)."""
        w = self.window
        sling = w.sensors.sling()
        if sling is None:
            w.display.out.show_figures(None)
            w.audio_cue.update(None)
            return
        lat, glute = sling
        runner = w.drills.runner
        drill = runner.drill if runner is not None else w.drill_panel.current_drill()
        fig = self.sling_feedback.figures(engine, lat, glute, drill, w.preferences.units == "pct")
        if fig is None:
            w.audio_cue.update(None)
            return
        lat_side, glute_side = w.roles[lat][1], w.roles[glute][1]
        warning = ("Lat and glute on the same side: the sling pairs a lat with the opposite glute"
                   if lat_side == glute_side else "")
        w.display.out.set_sling(lat_side)
        w.display.out.show_figures(fig, f"Lat {lat_side}", f"Glute {glute_side}", warning)
        self._show_other_sling(engine, lat, fig, drill)
        if w.audio_cue.enabled:  # silent whenever the bars stand still
            w.audio_cue.update(None if still(engine, lat, glute) else fig)

    def _show_other_sling(self, engine: Engine, lat: Channel, fig: Figures, drill: Drill) -> None:
        """Four sensors: the other sling's bars and gauge beside the coached one's, and the symmetry of
        the two slings' last reps; with one sling, nothing there."""
        w = self.window
        coached = Sling.of(w.roles[lat][0], w.roles[lat][1])
        slings = w.sensors.slings()
        other = next((s for s in slings if s is not coached), None)
        if coached is None or other is None or len(slings) < 2:
            w.display.out.show_other_sling(None)
            return
        fig2 = self.other_feedback.figures(engine, *slings[other], drill, w.preferences.units == "pct")
        self.symmetry.frame(coached, fig)
        self.symmetry.frame(other, fig2)
        w.display.out.show_other_sling(fig2, f"Lat {other.lat_side}", f"Glute {other.glute_side}", self.symmetry.text())
