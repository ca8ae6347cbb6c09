"""Reps of a recorded session: which drills it holds, its calibration, and every rep of each set.

The sets come from the recording's `drill_start`/`drill_end` markers (`coach.recorded_sets`; or the
caller names one drill, which then covers the whole file); the calibration from its `calibration`
markers (the rest and MVC steps done in the file, else the calibration in force when it was recorded).

A set whose live verdicts are in the file (its `rep` markers) shows those: they are what the app showed
and saved. Re-scoring them with today's rules is asked for (`rescore=True`) and said
(`SessionReps.source`). A set without verdicts (a simulated file, `--drill NAME`) is scored now, exactly
as the live runner scores (`scoring.score_rep`) on the whole-file analysis' envelopes, its onsets found
on the set's own set-up baseline. Only what starts inside a set's `drill_start`..`drill_end` is a rep
of it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypedDict

import numpy as np

from emgcoach.analysis import (
    MIN_SETUP_REST_S,
    Analysis,
    ChannelResult,
    Mains,
    analyze,
    muscle_pairs,
    outside_excluded,
)
from emgcoach.coach.calibration import Calibration, CalibrationError, from_recording_markers
from emgcoach.coach.drills import Drill, get_drill, load_library
from emgcoach.coach.recorded_sets import (
    LATE_VERDICT_S,
    RecordedSet,
    RepSource,
    calibration_in_force,
    combined_source,
    recorded_sets,
)
from emgcoach.coach.fatigue import SetFatigue, set_fatigue
from emgcoach.coach.slings import Sling, SymmetrySummary
from emgcoach.coach.slings_runner import rep_levels, set_symmetry  # noqa: F401 (rep_levels: this module's API)
from emgcoach.coach.runner import EARLY_ONSET_S, ENVELOPE_CUTOFF_HZ, SETUP_SETTLE_S
from emgcoach.coach.scoring import (
    GLUTE,
    LAT,
    PAIR_BEFORE_S,
    MuscleTrace,
    PartnerTiming,
    RepScore,
    calibration_for,
    rep_spectra,
    score_reps,
    spectral_fields,
)
from emgcoach.dsp.normalise import best_window_mean, estimate_rest
from emgcoach.dsp.onset import detect_onsets
from emgcoach.dsp.rest import stretch_rest
from emgcoach.errors import EmgcoachError
from emgcoach.io.artifacts import overlaps_any
from emgcoach.io.recording import Recording

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetSummary:
    """One set as shown: its drill, span (session s; +-inf where the file does not say), where its reps
    come from, how many it has and hit, how many the drill planned, and whether it ran to its end."""

    drill: str
    start_s: float
    end_s: float
    source: RepSource
    reps: int
    hits: int
    planned: int | None
    complete: bool
    ended: dict | None = None  # what the set's drill_end said (reps, hits; stopped), None without one
    not_scored: str = ""  # why its reps could not be scored now (a sensor with no signal), else ''
    fatigue: SetFatigue | None = None  # its reps' median-frequency trend per muscle (None: no reps)

    def to_dict(self) -> dict:
        def t(x: float) -> float | None:
            return round(x, 3) if math.isfinite(x) else None

        return {"drill": self.drill, "start_s": t(self.start_s), "end_s": t(self.end_s), "source": str(self.source),
                "reps": self.reps, "hits": self.hits, "planned": self.planned, "complete": self.complete,
                "drill_end": self.ended, "not_scored": self.not_scored or None,
                "fatigue": self.fatigue.to_dict() if self.fatigue is not None else None}

    def fatigue_line(self) -> str:
        """The set's fatigue verdict on one line, with each muscle's MDF slope ('' without reps)."""
        if self.fatigue is None:
            return ""
        slopes = self.fatigue.slopes_text()
        return f"{self.drill}: {self.fatigue.message}" + (f" (MDF {slopes})" if slopes else "")


@dataclass
class SessionReps:
    """What a recording's drills achieved: the reps, the calibration used (or None) and a note on it,
    where the reps come from (`source`: as scored live, re-scored, scored now) and each set's summary."""

    reps: list[RepScore]
    calibration: Calibration | None
    calibration_note: str
    drills: list[tuple[Drill, float, float]]  # drill, start_s, end_s
    source: RepSource = RepSource.SCORED_NOW
    sets: list[SetSummary] = field(default_factory=list)
    by_sling: dict[Sling, list[RepScore]] = field(default_factory=dict)  # both slings scored: each one's reps

    @staticmethod
    def sling_of(rep: RepScore) -> Sling | None:
        """The sling a rep was scored on, when both were (None with one sling)."""
        return rep.sling

    def to_list(self) -> list[dict]:
        """The reps as data; with both slings each carries its `sling` ('left' or 'right')."""
        out = []
        for r in self.reps:
            d, sling = r.to_dict(), self.sling_of(r)
            out.append(d if sling is None else {**d, "sling": str(sling)})
        return out

    def symmetry(self) -> SymmetrySummary | None:
        """Both slings scored: the left-right symmetry of their reps (`coach.slings`), None otherwise
        (reps left out as artifacts are compared no more)."""
        if set(self.by_sling) != set(Sling):
            return None
        return set_symmetry(self.reps) or SymmetrySummary(())

    def fatigue_lines(self) -> list[str]:
        """One line per set with reps: its fatigue verdict and each muscle's MDF slope (%/rep)."""
        return [s.fatigue_line() for s in self.sets if s.fatigue is not None]

    @property
    def source_note(self) -> str:
        """'as scored live', 're-scored with today's rules' or 'scored now: no live verdicts in the file',
        and why a set's reps could not be scored, if one's could not."""
        why = sorted({s.not_scored for s in self.sets if s.not_scored})
        return "; ".join([self.source.note, *why])


def drill_sets(recording: Recording, library: dict[str, Drill]) -> list[tuple[Drill, float, float, RecordedSet]]:
    """(drill, start_s, end_s, set) per set coached in the recording: from its `drill_start` to its
    `drill_end` (-inf: begun before the recording; inf: the file ends inside it). EmgcoachError when a
    set's drill is not in the library."""
    out = []
    for s in recorded_sets(recording.markers):
        if s.drill not in library:
            raise EmgcoachError(f"{recording.path}: drill {s.drill!r} in the recording is not in the drill library")
        t0 = -math.inf if s.start_s is None else s.start_s
        t1 = math.inf if s.end_s is None else s.end_s
        out.append((library[s.drill], t0, t1, s))
    return out


def drill_windows(recording: Recording, drill_id: str | None, library: dict[str, Drill]) -> list[tuple[Drill, float, float]]:
    """(drill, start_s, end_s) per set done in the recording, from its `drill_start` to its `drill_end`
    (s); with `drill_id`, that drill over the whole file."""
    if drill_id is not None:
        return [(get_drill(drill_id, library), float("-inf"), float("inf"))]
    return [(d, t0, t1) for d, t0, t1, _ in drill_sets(recording, library)]


def setup_span(recording: Recording, t0: float, t1: float) -> tuple[float, float] | None:
    """The set-up phase of the drill done between t0 and t1 (s): from its `phase` marker to the next."""
    phases = sorted((m for m in recording.markers if m.kind == "phase" and t0 <= m.time_s <= t1), key=lambda m: m.time_s)
    starts = [m.time_s for m in phases if m.payload.get("phase") == "setup"]
    if not starts:
        return None
    # the first later phase that is not the set-up (a replayed recording may repeat the set-up marker)
    end = next((m.time_s for m in phases if m.time_s > starts[0] and m.payload.get("phase") != "setup"), None)
    if end is None or end - starts[0] < SETUP_SETTLE_S + MIN_SETUP_REST_S:
        return None
    return starts[0], end


class _Signal(TypedDict):
    """MuscleTrace's fields for a rep's spectra: the band-passed signal (µV), its band and notches (Hz)."""

    filtered_uv: np.ndarray | None
    band_hz: tuple[float, float]
    notch_hz: tuple[float, ...]


def _trace(c: ChannelResult, cal: Calibration | None, t0: float, t1: float,
           setup: tuple[float, float] | None) -> MuscleTrace:
    """One muscle of one drill set, as the live runner sees it: with a set-up phase, its onsets found on
    that set-up's baseline (`runner.DrillRunner`) up to t1 (s: the set's end, plus the time the runner
    waits for a last rep's offset), else the whole file's; its reference level the highest 0.5 s mean
    within the set."""
    mcal = calibration_for(cal, c.spec.muscle, c.spec.side)
    keep = c.kept()
    in_set = (c.times_s >= t0) & (c.times_s <= t1) & keep
    reference = best_window_mean(c.envelope_uv[in_set], c.rate_hz)
    signal: _Signal = {"filtered_uv": c.filtered_uv, "band_hz": c.band_hz, "notch_hz": c.notch_hz}  # for the spectra
    if setup is None:
        rest = estimate_rest(c.envelope_uv[keep], c.rate_hz)
        return MuscleTrace(c.times_s, c.envelope_uv, list(c.onsets_s), mcal, float(rest.mean_uv[0]),
                           float(rest.sd_uv[0]), list(c.offsets_s), reference, **signal)
    quiet = (c.times_s >= setup[0] + SETUP_SETTLE_S) & (c.times_s < setup[1]) & keep
    mean, sd = stretch_rest(c.onset_envelope_uv[quiet], c.rate_hz)
    rest_uv, rest_sd = stretch_rest(c.envelope_uv[quiet], c.rate_hz, ENVELOPE_CUTOFF_HZ)
    first = int(np.searchsorted(c.times_s, setup[0]))
    last = int(np.searchsorted(c.times_s, t1, side="right"))
    events = detect_onsets(c.onset_envelope_uv[first:last], c.rate_hz, mean, sd)
    if c.excluded is not None:
        events = outside_excluded(events, c.excluded, first)
    onsets = [float(c.times_s[first + e.index]) for e in events if e.kind == "onset"]
    offsets = [float(c.times_s[first + e.index]) for e in events if e.kind == "offset"]
    return MuscleTrace(c.times_s, c.envelope_uv, onsets, mcal, rest_uv, rest_sd, offsets, reference, **signal)


def sling_pairs(analysis: Analysis) -> dict[Sling, tuple[ChannelResult, ChannelResult]]:
    """Both slings' (lat, glute) channels when the analysis found both (`Analysis.slings`), else {}."""
    by_name = {c.spec.name: c for c in analysis.channels}
    return {s: (by_name[lat], by_name[glute]) for s, (lat, glute) in analysis.slings.items()}


def sling_channels(recording: Recording, analysis: Analysis) -> tuple[ChannelResult, ChannelResult]:
    """The lat and the opposite-side glute channel of an analysed recording (EmgcoachError if none)."""
    pairs = [(i, j) for i, j in muscle_pairs(analysis.channels)
             if analysis.channels[i].spec.muscle == LAT and analysis.channels[j].spec.muscle == GLUTE]
    if not pairs:
        raise EmgcoachError(f"{recording.path}: no lat + opposite glute channel pair to score reps on (name them with --channel)")
    return analysis.channels[pairs[0][0]], analysis.channels[pairs[0][1]]


def coached_channels(recording: Recording, analysis: Analysis) -> tuple[ChannelResult, ...]:
    """The channels a recording's calibration is taken for: both slings' four with four sensors, else the
    lat and opposite glute (`sling_channels`; EmgcoachError if none)."""
    both = sling_pairs(analysis)
    return tuple(c for pair in both.values() for c in pair) if both else sling_channels(recording, analysis)


def recording_calibration(
    recording: Recording, channels: tuple[ChannelResult, ...], person: str = "unknown", at_s: float = -math.inf
) -> tuple[Calibration | None, str]:
    """The calibration the recording holds for these channels, or None, and a line saying how levels are
    normalised: the rest and MVC efforts done in the file (its `calibration` step markers), else the
    calibration in force at session time `at_s` (s; default: the first the file states)."""
    try:
        cal = from_recording_markers(
            person, _created(recording),
            [(c.spec.muscle, c.spec.side, c.times_s, c.envelope_uv, c.rate_hz) for c in channels],
            recording.markers,
        )
    except CalibrationError as e:
        return None, f"calibration in the recording unusable ({e}): levels in µV only"
    if cal is not None:
        return cal, "calibrated from the recording's rest and MVC efforts"
    applied = calibration_in_force(recording.markers, at_s)
    if applied is not None:
        return applied, f"calibrated {_when(applied)} (the calibration in force when it was recorded)"
    return None, "not calibrated: levels in µV only"


def _when(cal: Calibration) -> str:
    return cal.created.replace("T", " ")[:16]


def session_reps(
    recording: Recording,
    analysis: Analysis,
    drill_id: str | None = None,
    library: dict[str, Drill] | None = None,
    person: str = "unknown",
    calibration: Calibration | None = None,
    rescore: bool = False,
) -> SessionReps | None:
    """The reps of every set in the recording; None when it holds no set and no drill is named.

    A set with live verdicts in the file shows them, unless `rescore` (then, and for a set without
    verdicts or with `drill_id` naming the drill of the whole file, its reps are scored now, with today's
    rules). Scoring uses the recording's own calibration (`recording_calibration`), else `calibration` if
    given (the one the live session used)."""
    library = library if library is not None else load_library()
    if drill_id is not None:
        sets: Sequence[tuple[Drill, float, float, RecordedSet | None]] = [(get_drill(drill_id, library), -math.inf, math.inf, None)]
    else:
        sets = drill_sets(recording, library)
    if not sets:
        return None
    reps: list[RepScore] = []
    summaries: list[SetSummary] = []
    slings: dict[Sling | None, tuple[ChannelResult, ChannelResult]] | None = None
    first_cal: tuple[Calibration | None, str] | None = None
    by_sling: dict[Sling, list[RepScore]] = {}
    for drill, t0, t1, recorded in sets:
        live = recorded is not None and recorded.has_verdicts
        not_scored = ""
        if live and not rescore:
            assert recorded is not None
            set_reps = list(recorded.verdicts)
            cal, note = _live_calibration(recording, analysis, set_reps, t0, person, calibration)
            set_reps = _fill_spectra(recording, analysis, drill, set_reps, cal, (t0, t1))
            source = RepSource.LIVE
        else:
            if slings is None:  # both slings' pairs, or the one lat + opposite glute
                slings = dict(sling_pairs(analysis).items()) or {None: sling_channels(recording, analysis)}
            everything = tuple(c for pair in slings.values() for c in pair)
            cal, note = recording_calibration(recording, everything, person, t0)
            if cal is None and calibration is not None:
                cal, note = calibration, f"calibrated {_when(calibration)} (the session's calibration)"
            tail = LATE_VERDICT_S if recorded is None or recorded.complete else 0.0
            tagged, not_scored = _score_slings(recording, slings, cal, drill, (t0, t1), tail)
            set_reps = [r if sling is None else replace(r, sling=sling) for sling, r in tagged]
            source = RepSource.RESCORED if live else RepSource.SCORED_NOW
        for r in set_reps:  # each rep's sling: scored now, or as the live verdict says
            if r.sling is not None:
                by_sling.setdefault(r.sling, []).append(r)
        first_cal = first_cal or (cal, note)
        reps.extend(set_reps)
        summaries.append(_summary(drill, (t0, t1), recorded, source, set_reps, not_scored))
    assert first_cal is not None
    cal, note = first_cal
    windows = [(d, t0, t1) for d, t0, t1, _ in sets]
    return SessionReps(reps, cal, note, windows, combined_source(s.source for s in summaries), summaries, by_sling)


def _score_slings(recording: Recording, slings: dict[Sling | None, tuple[ChannelResult, ChannelResult]],
                  cal: Calibration | None, drill: Drill, span: tuple[float, float],
                  tail_s: float) -> tuple[list[tuple[Sling | None, RepScore]], str]:
    """One set's reps on each sling (one, or both scored alike, then numbered over the set in time), each
    with its sling (None with one); and why a sling's reps were not scored, if one's were not."""
    tagged: list[tuple[Sling | None, RepScore]] = []
    not_scored = ""
    for sling, pair in slings.items():
        mine, why = _score_sling(recording, pair, cal, drill, span, tail_s)
        not_scored = "; ".join(x for x in (not_scored, why) if x)
        tagged += [(sling, r) for r in mine]
    return (_numbered_in_time(tagged) if len(slings) > 1 else tagged), not_scored


def _score_sling(recording: Recording, channels: tuple[ChannelResult, ChannelResult], cal: Calibration | None,
                 drill: Drill, span: tuple[float, float], tail_s: float) -> tuple[list[RepScore], str]:
    """One sling's reps in one set (`_score_set`), and why there are none when a sensor has no signal:
    a sensor off the skin says nothing about the muscle, so no verdicts rather than 'No glute'."""
    dead = [c for c in channels if c.no_signal]
    if dead:
        return [], "; ".join(f"{c.spec.name}: {c.no_signal}" for c in dead) + ": reps not scored"
    return _score_set(recording, channels, cal, drill, span[0], span[1], tail_s), ""


def _summary(drill: Drill, span: tuple[float, float], recorded: RecordedSet | None, source: RepSource,
             set_reps: list[RepScore], not_scored: str) -> SetSummary:
    """One set's summary: its reps and hits, what its drill_end stated, its fatigue trend."""
    planned = recorded.planned if recorded is not None else None
    complete = recorded.complete if recorded is not None else True
    ended = None
    if recorded is not None and recorded.ended:  # the counts the set's end stated, beside the reps shown
        ended = {k: recorded.ended[k] for k in ("reps", "hits", "stopped") if k in recorded.ended}
    return SetSummary(drill.id, span[0], span[1], source, len(set_reps), sum(r.hit for r in set_reps), planned,
                      complete, ended, not_scored, set_fatigue(set_reps) if set_reps else None)


def analyze_with_reps(recording: Recording, mains: Mains | list[Mains] = "auto", pairs: str | None = None,
                      drill_id: str | None = None, rescore: bool = False,
                      excluded: list[tuple[float, float]] | None = None) -> tuple[Analysis, SessionReps | None]:
    """A recording's analysis (`analysis.analyze`: `mains` and `pairs` as it takes them) with its sets'
    reps (`session_reps`: `drill_id`, `rescore`) put in it: the reps and the note on their calibration.
    The reps are also returned whole (None when the file holds no set and no drill is named). Reps
    overlapping an excluded stretch (`excluded`, by default the recording's own marks) are left out and
    listed in `Analysis.excluded_reps`."""
    result = analyze(recording, mains=mains, pairs=pairs, excluded=excluded)
    scored = session_reps(recording, result, drill_id=drill_id, rescore=rescore)
    if scored is not None:
        scored = apply_exclusions(result, scored, recording)
        result.reps, result.calibration = scored.to_list(), scored.calibration_note
        result.symmetry = scored.symmetry()
    return result, scored


def apply_exclusions(result: Analysis, scored: SessionReps, recording: Recording | None = None) -> SessionReps:
    """`scored` without the reps across the analysis' artifact stretches (`without_excluded`), which are
    listed in `result.excluded_reps` (drill, index, start_s, end_s). Reps scored now have no burst inside
    a stretch (its signal is zeroed): the reps the recording's phase markers place across one, with no
    scored rep in their place, are listed too."""
    scored, left_out = without_excluded(scored, result.excluded)
    listed: list[tuple[str, int, float, float]] = [(r.drill, r.index, r.start_s, r.end_s) for r in left_out]
    if recording is not None and result.excluded:
        for drill, index, t0, t1 in planned_reps(recording):
            hit = overlaps_any(t0, t1, result.excluded)
            taken = any(r.start_s < t1 and r.end_s > t0 for r in scored.reps) or any(
                s0 < t1 and s1 > t0 for _, _, s0, s1 in listed)
            if hit and not taken:
                listed.append((drill, index, t0, t1))
    result.excluded_reps = [{"drill": d, "index": i, "start_s": round(t0, 3), "end_s": round(t1, 3)}
                            for d, i, t0, t1 in sorted(listed, key=lambda x: x[2])]
    return scored


def planned_reps(recording: Recording) -> list[tuple[str, int, float, float]]:
    """(drill, rep index, start s, end s) of each rep the recording places: its `rep` markers' own span
    (start_s..end_s, or lat_onset_s..offset_s), and each 'contract' `phase` marker to the next 'rest' or
    'contract' phase (or the set's end)."""
    marks = sorted((m for m in recording.markers if m.kind in ("phase", "drill_end", "drill_start", "rep")),
                   key=lambda m: m.time_s)
    out = []
    drill = ""
    for i, m in enumerate(marks):
        if m.kind == "drill_start":
            drill = str(m.payload.get("drill", ""))
        if m.kind == "rep":
            t0 = m.payload.get("start_s", m.payload.get("lat_onset_s"))
            t1 = m.payload.get("end_s", m.payload.get("offset_s"))
            index = m.payload.get("index")
            if isinstance(t0, int | float) and isinstance(t1, int | float) and t1 > t0:
                out.append((drill, index if isinstance(index, int) else -1, float(t0), float(t1)))
            continue
        if m.kind != "phase" or m.payload.get("phase") != "contract":
            continue
        end = next((n.time_s for n in marks[i + 1:] if n.kind == "drill_end"
                    or n.payload.get("phase") in ("rest", "contract")), None)
        if end is not None:
            rep = m.payload.get("rep")
            out.append((str(m.payload.get("drill", "")), rep if isinstance(rep, int) else -1, m.time_s, end))
    return out


def without_excluded(scored: SessionReps, excluded: list[tuple[float, float]]) -> tuple[SessionReps, list[RepScore]]:
    """The reps with those overlapping an excluded stretch (s) taken out (not scored: neither hit nor
    miss), each set's summary counted again; and the reps taken out."""
    if not excluded:
        return scored, []

    def hit_by(r: RepScore) -> bool:
        return overlaps_any(r.start_s, r.end_s, excluded)

    out = [r for r in scored.reps if hit_by(r)]
    if not out:
        return scored, []
    sets = []
    for s in scored.sets:
        mine = [r for r in scored.reps if r.drill == s.drill and s.start_s <= r.start_s <= s.end_s and not hit_by(r)]
        sets.append(replace(s, reps=len(mine), hits=sum(r.hit for r in mine),
                            fatigue=set_fatigue(mine) if mine else None))
    return replace(scored, reps=[r for r in scored.reps if not hit_by(r)], sets=sets), out


def analysis_dict(result: Analysis, scored: SessionReps | None) -> dict:
    """A recording's analysis as data (what `emgcoach analyze --json` prints, and a batch's table rows
    are made of): `Analysis.to_dict`, and beside its reps where they come from and each set's summary."""
    out = result.to_dict()
    if scored is not None:
        out["source"] = str(scored.source)
        out["sets"] = [s.to_dict() for s in scored.sets]
    return out


def _score_set(recording: Recording, channels: tuple[ChannelResult, ChannelResult], cal: Calibration | None,
               drill: Drill, t0: float, t1: float, tail_s: float) -> list[RepScore]:
    """Score one set's reps now: the lead's bursts that start after the set-up (or the set's start) and
    no later than its end t1 (s), and that end by t1 + tail_s (the runner waits that long past a
    complete set's end for the last rep's offset; none past a set stopped early)."""
    lat_c, glute_c = channels
    setup = setup_span(recording, t0, t1)
    lat, glute = (_trace(c, cal, t0, t1 + tail_s, setup) for c in (lat_c, glute_c))
    lead = lat if drill.lead == "lat" else glute
    # reps begin after the set-up (as live: an onset timed just before its end counts)
    first = setup[1] - EARLY_ONSET_S if setup else t0 - PAIR_BEFORE_S
    scored = score_reps(drill, lat, glute, list(lead.offsets_s or []), [(first, t1)])
    kept = [r for r in scored if r.end_s <= t1 + tail_s]
    return [r if r.index == i else _renumbered(r, i) for i, r in enumerate(kept)]


def _fill_spectra(recording: Recording, analysis: Analysis, drill: Drill, reps: list[RepScore],
                  cal: Calibration | None, span: tuple[float, float]) -> list[RepScore]:
    """Live verdicts with their spectra: as recorded, or for verdicts from a file written before emgcoach
    measured them, taken now from the file's signal by the live rule (`scoring.rep_spectra`, on the
    set's own traces as `_score_set` builds them and the verdict's own partner timing). A spectrum is a
    measurement, not a verdict: the verdicts themselves stay as given."""
    if all(r.has_spectra for r in reps):
        return reps
    try:
        channels = sling_channels(recording, analysis)
    except EmgcoachError:  # no lat + glute pair in the file: the verdicts stand without spectra
        return reps
    t0, t1 = span
    setup = setup_span(recording, t0, t1)
    lat, glute = (_trace(c, cal, t0, t1 + LATE_VERDICT_S, setup) for c in channels)
    out = []
    for r in reps:
        if not r.has_spectra:
            partner_on = r.glute_onset_s if r.lead == "lat" else r.lat_onset_s
            timing = PartnerTiming(partner_on, r.partner_already_on)
            r = replace(r, **spectral_fields(rep_spectra(drill, r.start_s, r.end_s, timing, lat, glute)))
        out.append(r)
    return out


def _renumbered(r: RepScore, index: int) -> RepScore:
    return replace(r, index=index)


def _numbered_in_time(tagged: list[tuple[Sling | None, RepScore]]) -> list[tuple[Sling | None, RepScore]]:
    """Both slings' reps of one set as one set: in time order, each numbered by its place in it (as the
    set's phases count its reps), with the sling it was scored on."""
    ordered = sorted(tagged, key=lambda sr: sr[1].start_s)
    return [(s, r if r.index == i else _renumbered(r, i)) for i, (s, r) in enumerate(ordered)]


def _live_calibration(recording: Recording, analysis: Analysis, reps: list[RepScore], t0: float, person: str,
                      calibration: Calibration | None) -> tuple[Calibration | None, str]:
    """The calibration a set's live verdicts were scored with, as far as the file says (for the plot's
    %MVC), and the line saying so. Verdicts in µV: none. Calibrated ones: the recording's
    (`recording_calibration` at the set's start), else `calibration` (the session's), else None with a
    line saying the levels are %MVC of a calibration the file does not hold."""
    if not (reps and all(r.calibrated for r in reps)):
        return None, "not calibrated: levels in µV only"
    try:
        cal, note = recording_calibration(recording, coached_channels(recording, analysis), person, t0)
    except EmgcoachError:  # no lat + glute pair to compute it on: the verdicts still stand
        cal, note = calibration_in_force(recording.markers, t0), ""
        if cal is not None:
            note = f"calibrated {_when(cal)} (the calibration in force when it was recorded)"
    if cal is None and calibration is not None:
        cal, note = calibration, f"calibrated {_when(calibration)} (the session's calibration)"
    if cal is None:
        note = "calibrated live: levels in %MVC (the calibration itself is not in the recording)"
    return cal, note


def _created(recording: Recording) -> str:
    from datetime import datetime
    from pathlib import Path

    if recording.started_at:  # the file's own date (XDF header, EDF start): survives copies and clones
        return recording.started_at
    try:
        return datetime.fromtimestamp(Path(recording.path).stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        return datetime.now().isoformat(timespec="seconds")
