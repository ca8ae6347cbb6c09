"""One coached set on a running engine, and how it is filed when it ends.

`DrillSet` feeds a `DrillRunner` on the acquisition thread (as an engine subscriber), stamps the set's
markers into the recording and hands its events to the UI thread through a queue (`drain`). A set
coached in a replay knows the file's artifact marks (`set_excluded`): a rep across one is left out
exactly as `analyze` leaves it out (`io.artifacts.overlaps_any`), neither hit nor miss, filed nowhere. `file_set`
decides what the set leaves behind (`coach.history_policy`): a `ScoredSet` for its report, and a row in
the client's history when the policy says so.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import Drill
from emgcoach.coach.fatigue import SetFatigue, live_text, set_fatigue
from emgcoach.coach.history_policy import SetEnd, history_decision, is_bundled_recording
from emgcoach.coach.recorded_sets import RecordedSet, verdicts_of
from emgcoach.coach.runner import DrillRunner, RunnerEvent
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.slings import Sling
from emgcoach.coach.slings_runner import SlingsRunner
from emgcoach.coach.store import Store, StoreError
from emgcoach.io.artifacts import overlaps_any
from emgcoach.stream.engine import Engine, ProcessedBlock
from emgcoach.types import Marker, MarkerKind

logger = logging.getLogger(__name__)

Channel = tuple[int, int]  # (stream, channel)


@dataclass(frozen=True)
class ScoredSet:
    """A set as the app scored it: what its report is made from.

    recording: the file the set was recorded into, or None; recording_open: that file is still being
    written (its trace is read as far as it goes); started_at: the set's start, ISO local time."""

    drill: Drill
    person: str
    scores: tuple[RepScore, ...]
    calibration: Calibration | None
    recording: str | None
    recording_open: bool
    started_at: str
    complete: bool
    # a replayed set: the artifact stretches in force (session s) and the reps they left out
    excluded: tuple[tuple[float, float], ...] = ()
    left_out: tuple[RepScore, ...] = ()


class DrillSet:
    """A set of `drill` on `engine`'s lat and glute channels, from session time `start_s` (s). Scores and
    the end arrive through `drain()` on the caller's thread; `stop()` ends it early. A both-slings drill
    given both `slings` ((lat, glute) per sling: four sensors) scores each rep on its own sling
    (`coach.slings_runner`). `excluded`: a replayed file's artifact stretches (session s); `scores` holds
    the reps that count, `left_out` those across a stretch."""

    def __init__(self, engine: Engine, drill: Drill, lat: Channel, glute: Channel, calibration: Calibration | None,
                 sides: tuple[str, str], start_s: float, person: str, started_at: str,
                 slings: dict[Sling, tuple[Channel, Channel]] | None = None,
                 excluded: list[tuple[float, float]] | None = None) -> None:
        self.engine, self.drill, self.person, self.started_at = engine, drill, person, started_at
        self.runner: DrillRunner | SlingsRunner
        if drill.both_slings and slings is not None and set(drill.slings) <= set(slings):
            # each rep scored on the sling that worked it, as `analyze` scores the recording
            self.runner = SlingsRunner(drill, {s: slings[s] for s in drill.slings}, calibration, start_s=start_s)
        else:
            self.runner = DrillRunner(drill, lat, glute, calibration, sides[0], sides[1], start_s=start_s)
        self.calibration = calibration
        self.scores: list[RepScore] = []  # the reps that count (the same list object for the set's life)
        self.left_out: list[RepScore] = []  # reps across an artifact mark: not scored
        self.excluded: list[tuple[float, float]] = list(excluded or [])
        self._all: list[RepScore] = []  # every rep the runner scored, in order
        self.done = False  # the runner says the set ran to its end
        self._events: queue.Queue[RunnerEvent] = queue.Queue()
        engine.put_marker(Marker(start_s, MarkerKind.DRILL_START,
                                 {"drill": drill.id, "reps": drill.reps, "person": person or "unnamed"}))
        engine.subscribe(self._on_block, since_s=start_s)  # a replay's set may start behind what is processed

    def _on_block(self, pb: ProcessedBlock) -> None:
        """Acquisition thread: the runner is only touched here."""
        for ev in self.runner.feed_block(pb):
            marker = ev.marker()
            if marker is not None:
                self.engine.put_marker(marker)
            self._events.put(ev)

    def drain(self) -> list[RunnerEvent]:
        """The events since the last call (phases, reps, onsets, done); reps join `scores`."""
        out: list[RunnerEvent] = []
        while True:
            try:
                ev = self._events.get_nowait()
            except queue.Empty:
                return out
            if ev.kind == "rep" and ev.score is not None:
                self._all.append(ev.score)
                (self.left_out if self.is_left_out(ev.score) else self.scores).append(ev.score)
            elif ev.kind == "done":
                self.done = True
            out.append(ev)

    def is_left_out(self, rep: RepScore) -> bool:
        """Whether the rep shares time with an artifact mark in force: `analyze`'s rule."""
        return overlaps_any(rep.start_s, rep.end_s, self.excluded)

    def set_excluded(self, excluded: list[tuple[float, float]]) -> list[RepScore]:
        """The replayed file's marks changed (one made or removed during the set): the reps so far are
        sorted again. Returns the reps newly left out."""
        before = {id(r) for r in self.left_out}
        self.excluded = list(excluded)
        self.scores[:] = [r for r in self._all if not self.is_left_out(r)]
        self.left_out[:] = [r for r in self._all if self.is_left_out(r)]
        return [r for r in self.left_out if id(r) not in before]

    def fatigue(self) -> SetFatigue:
        """The median-frequency trend of the reps drained so far, per muscle, with its verdict: each rep's
        MDF is in its score (`RepScore.median_freq_hz`, measured by `scoring.score_rep` as the runner
        scores it, exactly as `analyze` measures a recording), the trend is `coach.fatigue.set_fatigue`."""
        return set_fatigue(self.scores)

    def fatigue_text(self) -> str:
        """The feedback column's line after a rep: 'MDF lat −0.3 · glute −1.6 %/rep (5 reps)', ending in
        ': fatigue?' when a muscle's MDF falls faster than the threshold; '' until two reps have one."""
        return live_text(self.scores)

    def by_sling_text(self) -> str:
        """A both-slings set's reps so far per sling, 'left 2 of 2, right 1 of 2' (on target of done);
        '' with one sling."""
        if not isinstance(self.runner, SlingsRunner):
            return ""
        counts = ((s, [r for r in self.scores if r.sling is s]) for s in self.drill.slings)
        return ", ".join(f"{s.value} {sum(r.hit for r in mine)} of {len(mine)}" for s, mine in counts)

    def stop(self) -> list[RunnerEvent]:
        """Stop feeding the runner; a set that did not run to its end gets a `drill_end` marked stopped.
        Returns the events still queued."""
        self.engine.unsubscribe(self._on_block)
        events = self.drain()
        if not self.done:  # the drill_end states the reps as shown (`scores`)
            self.engine.put_marker(Marker(self.engine.session_time_s(), MarkerKind.DRILL_END, {
                "drill": self.drill.id, "reps": len(self.scores), "hits": sum(s.hit for s in self.scores),
                "stopped": True}))
        return events


@dataclass(frozen=True)
class Replayed:
    """The file a set was replayed from: its path, when it was recorded (ISO) and its recorded sets."""

    path: str
    recorded_at: str | None
    sets: list[RecordedSet]


@dataclass(frozen=True)
class Filed:
    """What an ended set left: its `ScoredSet` (None without reps), the status line, and a history error
    to show (one line, '' when none)."""

    scored: ScoredSet | None
    line: str
    error: str = ""


def set_end(done: bool, cut_by: str | None, replay_ran_out: bool) -> SetEnd:
    """How a set ended: complete, cut by `cut_by` (a SetEnd value), the replayed file's end, or stopped."""
    if done:
        return SetEnd.COMPLETE
    if cut_by:
        return SetEnd(cut_by)
    return SetEnd.FILE_ENDED if replay_ran_out else SetEnd.STOPPED


def file_set(ds: DrillSet, ended: SetEnd, recording: str | None, replayed: Replayed | None,
             save_replays: bool, store: Callable[[], Store | None]) -> Filed:
    """File an ended set as `coach.history_policy` decides: a live set whole or marked incomplete; a
    replayed one only whole, when replays are to be saved, never from a bundled recording, never twice,
    with the verdicts the file gave it live. `store` opens the history when it is needed (None: it cannot)."""
    scores = list(ds.scores)
    person = ds.person
    decision = history_decision(person=person, n_reps=len(scores), ended=ended, replay=replayed is not None,
                                save_replays=save_replays, bundled=is_bundled_recording(replayed.path if replayed else None))
    if replayed is not None and decision.saves:
        recorded = verdicts_of(replayed.sets, ds.drill.id, ds.runner.start_s or 0.0)
        scores = [r for r in recorded if not ds.is_left_out(r)] if recorded else scores
    scored = ScoredSet(ds.drill, person, tuple(scores), ds.calibration, recording, False,
                       ds.started_at or datetime.now().isoformat(timespec="seconds"),
                       ended is SetEnd.COMPLETE, tuple(ds.excluded), tuple(ds.left_out)) if scores else None
    if not scores:
        return Filed(None, f"{ds.drill.name}: stopped, no reps" + left_out_note(ds.left_out))
    note, error = f"; {decision.reason}" if decision.reason else "", ""
    db = store() if decision.saves else None
    if db is not None:
        try:
            note = _save(db, ds, scores, decision.complete, recording, replayed)
        except StoreError as e:
            error = str(e)
    hits = sum(s.hit for s in scores)
    return Filed(scored, f"{ds.drill.name}: {hits} of {len(scores)} reps on target"
                 f"{left_out_note(ds.left_out)}{note}", error)


def left_out_note(left_out: list[RepScore]) -> str:
    """'; rep 3 left out (marked artifact)' for the reps across an artifact mark, '' when none."""
    if not left_out:
        return ""
    which = ", ".join(str(r.index + 1) for r in left_out)
    return f"; rep{'s' if len(left_out) > 1 else ''} {which} left out (marked artifact)"


def _save(db: Store, ds: DrillSet, scores: list[RepScore], complete: bool, recording: str | None,
          replayed: Replayed | None) -> str:
    """Save the set to the client's history (once per replayed recording); the status line's note."""
    person = ds.person
    if replayed is not None and db.saved_from(person, replayed.path, scores) is not None:
        return f"; already in {person}'s history from this recording"  # replayed again: no twin
    cal_id = None
    if ds.calibration is not None:
        found = db.latest_calibration(ds.calibration.person)
        cal_id = found[0] if found else None
    started = (replayed.recorded_at if replayed is not None and replayed.recorded_at
               else datetime.now().isoformat(timespec="seconds"))
    db.save_session(person, started, scores, replayed.path if replayed else recording, cal_id,
                    complete=complete, planned_reps=ds.drill.reps)
    return f"; saved to {person}'s history" + ("" if complete else " as incomplete")
