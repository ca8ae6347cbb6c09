"""The sets a recording says were coached, with the verdicts the app gave live: read from its markers.

A coached set is written into the recording as it happens (`coach/runner.py`, `session/drill_set.py`):
`drill_start` (payload: drill, reps planned, person), `phase` markers, one `rep` marker per scored rep
whose payload is `RepScore.to_dict()`, and `drill_end` (payload: drill, reps, hits; `stopped: true`
when the set was cut short). Those rep markers are the set's one truth: what the drill panel showed, what
the history holds, what `analyze` and the report show unless the user asks to re-score.

`emgcoach simulate` writes `rep` markers too, but theirs carry the simulated ground truth (lat_onset_s,
glute_onset_s, latency_ms, offset_s), not a verdict: `is_verdict` tells them apart (a verdict has `hit`
and `misses`), and a set with only truth markers has no live verdicts.

No Qt, no I/O: it works on a list of `Marker`s. Times are session s (as the recording reads them).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from emgcoach.coach.calibration import Calibration
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.slings import Sling
from emgcoach.types import Marker, MarkerKind

logger = logging.getLogger(__name__)

# A rep's marker is stamped at its offset, and the runner may score the last rep up to 1 s past the set's
# planned end (it waits that long for the lead's offset), after it stamped `drill_end` at the planned end:
# a verdict of the set's drill this close after its `drill_end` still belongs to that set.
LATE_VERDICT_S = 1.0
SAME_MARKER_S = 0.001  # two markers of one kind this close describe one event (a replay's copy and the app's)
APPLIED = "applied"  # a calibration marker's step when it carries a whole calibration then in force


class RepSource(StrEnum):
    """Where the reps shown for a set (or a whole file) come from."""

    LIVE = "live"  # the verdicts the app gave live, from the recording's rep markers
    RESCORED = "rescored"  # the recording's live verdicts set aside and its reps scored with today's rules
    SCORED_NOW = "scored_now"  # no live verdicts in the file (simulated, `--drill NAME`): scored now
    MIXED = "mixed"  # some sets as scored live, others scored now (a file as a whole only)

    @property
    def note(self) -> str:
        """The words every output puts beside the reps."""
        return {
            RepSource.LIVE: "as scored live",
            RepSource.RESCORED: "re-scored with today's rules",
            RepSource.SCORED_NOW: "scored now: no live verdicts in the file",
            RepSource.MIXED: "sets with live verdicts as scored live, the others scored now",
        }[self]


def combined_source(sources: Iterable[RepSource]) -> RepSource:
    """One source for a file from its sets' (SCORED_NOW for a file with none)."""
    found = set(sources)
    if not found:
        return RepSource.SCORED_NOW
    return found.pop() if len(found) == 1 else RepSource.MIXED


def is_verdict(payload: Mapping[str, Any]) -> bool:
    """Whether a `rep` marker's payload is a live verdict (`RepScore.to_dict()`), not simulated truth."""
    return "hit" in payload and "misses" in payload and "start_s" in payload and "end_s" in payload


_FLOAT_FIELDS = {"cci", "time_in_target", "overlap", "coactivation_level_pct", "start_s", "end_s"}


def rep_from_payload(payload: Mapping[str, Any]) -> RepScore:
    """The RepScore a verdict's payload was written from (`RepScore.to_dict()`; null figures back to NaN).
    Keys this version does not know are ignored, missing optional ones take their defaults (files written
    by an older or newer emgcoach); ValueError when a required one is missing."""
    known = {f.name for f in fields(RepScore)}
    kw: dict[str, Any] = {k: v for k, v in payload.items() if k in known}
    for k in _FLOAT_FIELDS & kw.keys():
        kw[k] = float("nan") if kw[k] is None else float(kw[k])
    kw["misses"] = tuple(str(m) for m in kw.get("misses") or ())
    kw["hit"] = bool(kw.get("hit"))
    kw["calibrated"] = bool(kw.get("calibrated"))
    kw["index"] = int(kw.get("index", 0))
    if kw.get("cue") is None:
        kw["cue"] = ""
    kw["sling"] = Sling(kw["sling"]) if kw.get("sling") in tuple(Sling) else None  # a both-slings set's rep
    try:
        return RepScore(**kw)
    except TypeError as e:
        raise ValueError(f"rep marker without the fields of a verdict: {e}") from None


def on_file_clock(score: RepScore, marker_time_s: float) -> RepScore:
    """A verdict with its times on the file's clock. The payload's times are the live session's clock,
    and a recording that started after the session did reads from its own first sample (the XDF reader
    sets that to 0; an export keeps its own start), so they would sit the recording's start too late.
    The runner stamps a rep's marker at the rep's end (`RunnerEvent`), so the marker's time as read
    minus the payload's end_s is that shift (0 when the recording began with the session)."""
    shift = marker_time_s - score.end_s
    if not math.isfinite(shift) or abs(shift) < 1e-6:
        return score

    def moved(t: float | None) -> float | None:
        return None if t is None else t + shift

    return replace(score, start_s=score.start_s + shift, end_s=score.end_s + shift,
                   lat_onset_s=moved(score.lat_onset_s), glute_onset_s=moved(score.glute_onset_s))


@dataclass
class RecordedSet:
    """One coached set as the recording holds it.

    start_s: its `drill_start` time (None: the set began before the recording did); end_s: its
    `drill_end` time (None: the file ends inside the set). planned: reps the drill asked for; verdicts:
    the live verdicts in order (empty: none in the file); ended: the `drill_end` payload."""

    drill: str
    start_s: float | None
    end_s: float | None = None
    planned: int | None = None
    verdicts: list[RepScore] = field(default_factory=list)
    ended: dict = field(default_factory=dict)

    @property
    def stopped(self) -> bool:
        """Cut short: stopped by the user, or the file ends inside it."""
        return self.end_s is None or bool(self.ended.get("stopped"))

    @property
    def complete(self) -> bool:
        return not self.stopped

    @property
    def has_verdicts(self) -> bool:
        return bool(self.verdicts)

    def contains(self, t_s: float) -> bool:
        """Whether session time t_s lies within the set's drill_start..drill_end."""
        lo = -math.inf if self.start_s is None else self.start_s
        hi = math.inf if self.end_s is None else self.end_s
        return lo <= t_s <= hi


def recorded_sets(markers: Iterable[Marker]) -> list[RecordedSet]:
    """Every coached set in a recording's markers, in time order, with its live verdicts.

    A set runs from its `drill_start` to its `drill_end`. A verdict belongs to the set open when it was
    stamped (or to the set just closed, up to LATE_VERDICT_S after its end: the runner's last rep), of the
    same drill; verdicts outside every set are no set's reps and are left out (logged). A verdict or
    `drill_end` before any `drill_start` is of a set begun before the recording (start_s None).
    Repeated copies of one marker (a replayed file's own markers recorded beside the app's) count once."""
    sets: list[RecordedSet] = []
    open_: RecordedSet | None = None
    for m in sorted(markers, key=lambda m: m.time_s):
        drill = str(m.payload.get("drill", ""))
        if m.kind == MarkerKind.DRILL_START:
            if open_ is not None and open_.drill == drill and open_.start_s is not None \
                    and abs(m.time_s - open_.start_s) < SAME_MARKER_S:
                continue  # the same start twice
            if open_ is not None:  # a new set began without the last one ending: the file says no more of it
                logger.info("set of %s from %s s has no drill_end before the next set", open_.drill, open_.start_s)
            reps = m.payload.get("reps")
            open_ = RecordedSet(drill, m.time_s, planned=int(reps) if isinstance(reps, (int, float)) else None)
            sets.append(open_)
        elif m.kind == MarkerKind.DRILL_END:
            if open_ is None and not sets:  # the end of a set begun before the recording
                open_ = RecordedSet(drill, None)
                sets.append(open_)
            if open_ is None:
                last = sets[-1]
                if not (last.drill == drill and last.end_s is not None and abs(m.time_s - last.end_s) < SAME_MARKER_S):
                    logger.info("drill_end of %s at %.2f s closes no set", drill, m.time_s)
                continue
            open_.end_s, open_.ended = m.time_s, dict(m.payload)
            open_ = None
        elif m.kind == MarkerKind.REP and is_verdict(m.payload):
            if open_ is None and not sets:  # a verdict of a set begun before the recording
                open_ = RecordedSet(drill, None)
                sets.append(open_)
            _add_verdict(sets, open_, m)
    return sets


def _add_verdict(sets: list[RecordedSet], open_: RecordedSet | None, m: Marker) -> None:
    """File the verdict `m` under its set (see `recorded_sets`)."""
    drill = str(m.payload.get("drill", ""))
    target = open_
    if target is None and sets and sets[-1].end_s is not None and m.time_s - sets[-1].end_s <= LATE_VERDICT_S:
        target = sets[-1]
    if target is None or target.drill != drill:
        logger.info("rep verdict at %.2f s lies outside every %s set: not a rep of any set", m.time_s, drill)
        return
    try:
        score = on_file_clock(rep_from_payload(m.payload), m.time_s)
    except ValueError as e:
        logger.warning("rep marker at %.2f s unreadable (%s): left out", m.time_s, e)
        return
    if any(abs(v.start_s - score.start_s) < SAME_MARKER_S for v in target.verdicts):
        return  # the same verdict twice
    target.verdicts.append(score)


def calibration_marker(time_s: float, calibration: Calibration) -> Marker:
    """The marker saying `calibration` is in force from time_s (s) on: kind `calibration`, payload
    {"step": "applied", "calibration": Calibration.to_dict()} (`applied_calibrations` reads it back)."""
    return Marker(time_s, MarkerKind.CALIBRATION, {"step": APPLIED, "calibration": calibration.to_dict()})


def applied_calibrations(markers: list[Marker]) -> list[tuple[float, Calibration]]:
    """(time s, calibration) of each calibration the recording says was in force from then on: the
    `calibration` markers whose payload holds a whole calibration (`{"step": "applied", "calibration":
    Calibration.to_dict()}`, written when a recording starts while one is in force and when one is
    applied during it), in time order. Unreadable ones are left out, logged."""
    out = []
    for m in sorted(markers, key=lambda m: m.time_s):
        if m.kind != MarkerKind.CALIBRATION or m.payload.get("step") in ("rest", "mvc"):
            continue
        d = m.payload.get("calibration")
        if not isinstance(d, dict) and "muscles" in m.payload:
            d = m.payload  # a calibration written flat into the payload
        if not isinstance(d, dict):
            continue
        try:
            out.append((m.time_s, Calibration.from_dict(d)))
        except (KeyError, TypeError, ValueError) as e:
            logger.warning("calibration marker at %.2f s unreadable (%s): left out", m.time_s, e)
    return out


def calibration_in_force(markers: list[Marker], t_s: float) -> Calibration | None:
    """The applied calibration in force at session time t_s (s): the last one stamped at or before it;
    for a moment before the first (a set begun before the recording started), that first one."""
    applied = applied_calibrations(markers)
    before = [cal for t, cal in applied if t <= t_s]
    if before:
        return before[-1]
    return applied[0][1] if applied else None


def recording_start_markers(
    now_s: float,
    calibration: Calibration | None,
    running_set: RunningSet | None = None,
) -> list[Marker]:
    """What a recording started at session time now_s (s) must say first, so it stands on its own: the
    calibration in force (its levels are %MVC of it), and of a set already under way its `drill_start`
    (at the set's start, before the file's) and the verdicts given so far, so the file holds the whole
    set as the app showed it."""
    out = [calibration_marker(now_s, calibration)] if calibration is not None else []
    if running_set is not None:
        out.append(Marker(running_set.start_s, MarkerKind.DRILL_START, {
            "drill": running_set.drill, "reps": running_set.planned, "person": running_set.person,
            "recording_started_s": now_s}))
        out.extend(Marker(s.end_s, MarkerKind.REP, s.to_dict()) for s in running_set.scores)
    return out


@dataclass(frozen=True)
class RunningSet:
    """A set under way: its drill id, planned reps, the client's pseudonym, start (session s) and the
    reps scored so far."""

    drill: str
    planned: int
    person: str
    start_s: float
    scores: tuple[RepScore, ...] = ()


def verdicts_of(sets: Iterable[RecordedSet], drill: str, start_s: float, tolerance_s: float = 0.05) -> list[RepScore]:
    """The live verdicts of the recorded set of `drill` that started at session time start_s (s, within
    tolerance_s): what a replayed set is saved with. Empty when the file holds none for it."""
    for s in sets:
        if s.drill == drill and s.start_s is not None and abs(s.start_s - start_s) <= tolerance_s:
            return list(s.verdicts)
    return []
