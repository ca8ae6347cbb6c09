"""A set of a both-slings drill run live: each rep scored on the sling that worked it.

The rule is `analyze`'s (`coach.session_analysis._score_slings`): each sling's reps are its own lead
muscle's bursts on its own lat + opposite glute pair, found and scored exactly as a one-sling set's
(`coach.runner.DrillRunner`, one per sling, fed the same blocks), and the two slings' reps make one set,
numbered in time as the set's phases count them. So a client who does the other side on a rep is scored
on the sling that worked, live as in `analyze`, and the two agree rep for rep.

The set's clock, phases and cues are the first sling's runner's (both runners share the drill and the
start); the phase a rep falls in says which sling the drill asks for (`Drill.slings` in turn), which the
cue line names. The set ends when it has the drill's reps over both slings, or at its end as a one-sling
set does. No Qt, no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import Drill
from emgcoach.coach.runner import SCORE_AFTER_S, DrillRunner, RunnerEvent, Status
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.slings import RepLevels, Sling, SymmetrySummary, rep_symmetry

if TYPE_CHECKING:
    from emgcoach.stream.processor import ProcessedBlock

Channel = tuple[int, int]  # (stream, channel)


def asked_sling(drill: Drill, rep: int) -> Sling | None:
    """The sling a both-slings drill asks to work on rep `rep` (0-based; the drill's slings in turn), None
    in the set-up or for a one-sling drill. The simulated client follows it; the cue names it."""
    if rep < 0 or not drill.slings:
        return None
    return drill.slings[rep % len(drill.slings)]


def rep_levels(r: RepScore) -> RepLevels:
    """What a rep's sling is compared on: its lat and glute mean levels (%MVC when calibrated, else µV)
    and its glute onset after the lat (ms; None when the partner was already on or not timed)."""
    levels = r.mean_pct_mvc if r.calibrated else r.mean_uv
    latency = None if r.partner_already_on else r.onset_latency_ms
    return RepLevels(r.start_s, levels.get("lat"), levels.get("glute"), latency, r.calibrated)


def set_symmetry(reps: list[RepScore]) -> SymmetrySummary | None:
    """The left-right symmetry of a set's reps scored on both slings (`coach.slings.rep_symmetry`: the
    k-th left rep against the k-th right rep), as a set's summary, its report and `analyze` give it; None
    when not both slings have a rep."""
    left, right = ([rep_levels(r) for r in reps if r.sling is s] for s in (Sling.LEFT, Sling.RIGHT))
    if not left or not right:
        return None
    return SymmetrySummary(tuple(rep_symmetry(left, right)))


class SlingsRunner:
    """One set of a both-slings `drill` on both slings' (lat, glute) channels `pairs`, from session time
    `start_s` (s): the same surface as `DrillRunner` (drill, start_s, scores, done, status, feed_block)."""

    def __init__(self, drill: Drill, pairs: dict[Sling, tuple[Channel, Channel]], calibration: Calibration | None,
                 start_s: float | None = None) -> None:
        self.drill = drill
        self.runners = {s: DrillRunner(drill, lat, glute, calibration, s.lat_side, s.glute_side, start_s=start_s)
                        for s, (lat, glute) in pairs.items()}
        self._clock = next(iter(self.runners.values()))  # the set's phases and cues
        self.scores: list[RepScore] = []
        self._held: list[tuple[Sling, RepScore, float]] = []  # scored, waiting for the other sling's data
        self.done = False

    @property
    def start_s(self) -> float | None:
        return self._clock.start_s

    @property
    def end_s(self) -> float:
        return self._clock.end_s

    @property
    def calibrated(self) -> bool:
        return all(r.calibrated for r in self.runners.values())

    def status(self, now_s: float) -> Status:
        """The set's phase now (`DrillRunner.status`), its line led by the sling the rep is for."""
        st = self._clock.status(now_s)
        sling = asked_sling(self.drill, st.rep) if st.phase != "done" else None
        return st if sling is None else replace(st, text=f"{sling.name_text}: {st.text}")

    def _asked_at(self, t_s: float) -> Sling | None:
        """The sling the drill asks for at session time t_s (the onset cue times that sling's pair)."""
        return asked_sling(self.drill, self._clock.status(t_s).rep)

    def feed_block(self, pb: ProcessedBlock) -> list[RunnerEvent]:
        """Feed an engine block to both slings' runners; their reps as the set's, in time order, each with
        its sling; the first runner's phases; the onsets of the sling asked for (with it); the set's end."""
        if self.done:
            return []
        events: list[RunnerEvent] = []
        for sling, runner in self.runners.items():
            for ev in runner.feed_block(pb):
                if ev.kind == "rep" and ev.score is not None:
                    self._held.append((sling, ev.score, ev.time_s))
                elif ev.kind == "onset" and self._asked_at(ev.time_s) in (sling, None):  # the rep's sling's
                    events.append(replace(ev, payload={**ev.payload, "sling": str(sling)}))
                elif ev.kind == "phase" and runner is self._clock:
                    sling_asked = asked_sling(self.drill, int(ev.payload.get("rep", -1)))
                    extra = {"sling": str(sling_asked)} if sling_asked is not None else {}
                    events.append(replace(ev, payload={**ev.payload, **extra}))
        over = all(r.done for r in self.runners.values())  # both runners past the set's end (the timeout)
        events += self._release(flush=over)
        if not self.done and over:
            self.done = True
        if self.done:
            t_last = pb.t0 + (len(pb.envelope) - 1) / pb.rate_hz
            events.append(RunnerEvent("done", min(t_last, self.end_s), {
                "drill": self.drill.id, "reps": len(self.scores), "hits": sum(s.hit for s in self.scores)}))
        return sorted(events, key=_order)


    def _release(self, flush: bool = False) -> list[RunnerEvent]:
        """The held reps that can be numbered now, in order of their starts: those whose end the other
        sling's data have passed (its runner would have scored any rep of its own ending before), or all
        (`flush`). A sling whose sensors' blocks come late must not have its rep numbered after a later
        rep of the other sling."""
        seen = min(r.seen_through_s for r in self.runners.values())
        ready = sorted((h for h in self._held if flush or h[2] + SCORE_AFTER_S <= seen), key=lambda h: h[1].start_s)
        self._held = [h for h in self._held if h not in ready]
        events = []
        for sling, score, t in ready:
            if self.done:
                break
            mine = replace(score, index=len(self.scores), sling=sling)
            self.scores.append(mine)
            events.append(RunnerEvent("rep", t, mine.to_dict(), mine))
            self.done = len(self.scores) >= self.drill.reps
        return events


def _order(ev: RunnerEvent) -> tuple[int, float]:
    """Onsets first, then phases and reps in time, the end last (as a one-sling runner returns them)."""
    return ({"onset": 0, "done": 2}.get(ev.kind, 1), ev.time_s)
