"""Reps of a recorded session: which drills it holds, its calibration, and every rep scored.

The drills come from the recording's `drill_start`/`drill_end` markers (or the caller names one drill,
which then covers the whole file); the calibration from its `calibration` markers. Reps are scored
exactly as the live runner scores them (`scoring.score_rep`), on the whole-file analysis' envelopes and
onsets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgcoach.analysis import MIN_SETUP_REST_S, Analysis, ChannelResult, muscle_pairs
from emgcoach.coach.calibration import Calibration, CalibrationError, from_recording_markers
from emgcoach.coach.drills import Drill, get_drill, load_library
from emgcoach.coach.runner import EARLY_ONSET_S, ENVELOPE_CUTOFF_HZ, SETUP_SETTLE_S
from emgcoach.coach.scoring import GLUTE, LAT, PAIR_BEFORE_S, MuscleTrace, RepScore, calibration_for, score_reps
from emgcoach.dsp.normalise import best_window_mean, estimate_rest
from emgcoach.dsp.onset import detect_onsets
from emgcoach.dsp.rest import stretch_rest
from emgcoach.errors import EmgcoachError
from emgcoach.io.recording import Recording


@dataclass
class SessionReps:
    """What a recording's drills achieved: the reps, the calibration used (or None) and a note on it."""

    reps: list[RepScore]
    calibration: Calibration | None
    calibration_note: str
    drills: list[tuple[Drill, float, float]]  # drill, start_s, end_s

    def to_list(self) -> list[dict]:
        return [r.to_dict() for r in self.reps]


def drill_windows(recording: Recording, drill_id: str | None, library: dict[str, Drill]) -> list[tuple[Drill, float, float]]:
    """(drill, start_s, end_s) per drill done in the recording."""
    if drill_id is not None:
        return [(get_drill(drill_id, library), float("-inf"), float("inf"))]
    out = []
    open_: tuple[Drill, float] | None = None
    for m in sorted(recording.markers, key=lambda m: m.time_s):
        if m.kind == "drill_start":
            name = str(m.payload.get("drill", ""))
            if name not in library:
                raise EmgcoachError(f"{recording.path}: drill {name!r} in the recording is not in the drill library")
            open_ = (library[name], m.time_s)
        elif m.kind == "drill_end" and open_ is not None:
            out.append((open_[0], open_[1], m.time_s + 1.0))
            open_ = None
    if open_ is not None:
        out.append((open_[0], open_[1], float("inf")))
    return out


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


def _trace(c: ChannelResult, cal: Calibration | None, t0: float, t1: float,
           setup: tuple[float, float] | None) -> MuscleTrace:
    """One muscle of one drill set, as the live runner sees it: with a set-up phase, its onsets found on
    that set-up's baseline (`runner.DrillRunner`), else the whole file's; its reference level the
    highest 0.5 s mean within the set."""
    mcal = calibration_for(cal, c.spec.muscle, c.spec.side)
    in_set = (c.times_s >= t0) & (c.times_s <= t1)
    reference = best_window_mean(c.envelope_uv[in_set], c.rate_hz)
    if setup is None:
        rest = estimate_rest(c.envelope_uv, c.rate_hz)
        return MuscleTrace(c.times_s, c.envelope_uv, list(c.onsets_s), mcal, float(rest.mean_uv[0]),
                           float(rest.sd_uv[0]), list(c.offsets_s), reference)
    quiet = (c.times_s >= setup[0] + SETUP_SETTLE_S) & (c.times_s < setup[1])
    mean, sd = stretch_rest(c.onset_envelope_uv[quiet], c.rate_hz)
    rest_uv, rest_sd = stretch_rest(c.envelope_uv[quiet], c.rate_hz, ENVELOPE_CUTOFF_HZ)
    first = int(np.searchsorted(c.times_s, setup[0]))
    last = int(np.searchsorted(c.times_s, t1, side="right"))
    events = detect_onsets(c.onset_envelope_uv[first:last], c.rate_hz, mean, sd)
    onsets = [float(c.times_s[first + e.index]) for e in events if e.kind == "onset"]
    offsets = [float(c.times_s[first + e.index]) for e in events if e.kind == "offset"]
    return MuscleTrace(c.times_s, c.envelope_uv, onsets, mcal, rest_uv, rest_sd, offsets, reference)


def sling_channels(recording: Recording, analysis: Analysis) -> tuple[ChannelResult, ChannelResult]:
    """The lat and the opposite-side glute channel of an analysed recording (EmgcoachError if none)."""
    pairs = [(i, j) for i, j in muscle_pairs(analysis.channels)
             if analysis.channels[i].spec.muscle == LAT and analysis.channels[j].spec.muscle == GLUTE]
    if not pairs:
        raise EmgcoachError(f"{recording.path}: no lat + opposite glute channel pair to score reps on (name them with --channel)")
    return analysis.channels[pairs[0][0]], analysis.channels[pairs[0][1]]


def recording_calibration(
    recording: Recording, channels: tuple[ChannelResult, ...], person: str = "unknown"
) -> tuple[Calibration | None, str]:
    """The calibration the recording holds (from its rest and MVC markers) for these channels, or None,
    and a line saying how levels are normalised."""
    try:
        cal = from_recording_markers(
            person, _created(recording),
            [(c.spec.muscle, c.spec.side, c.times_s, c.envelope_uv, c.rate_hz) for c in channels],
            recording.markers,
        )
    except CalibrationError as e:
        return None, f"calibration in the recording unusable ({e}): levels in µV only"
    return cal, "calibrated from the recording's rest and MVC efforts" if cal else "not calibrated: levels in µV only"


def session_reps(
    recording: Recording,
    analysis: Analysis,
    drill_id: str | None = None,
    library: dict[str, Drill] | None = None,
    person: str = "unknown",
    calibration: Calibration | None = None,
) -> SessionReps | None:
    """Score the reps of every drill in the recording; None when it holds no drill and none is named.
    The recording's own calibration (its rest and MVC markers) is used, else `calibration` if given
    (the one the live session used)."""
    library = library if library is not None else load_library()
    windows = drill_windows(recording, drill_id, library)
    if not windows:
        return None
    lat_c, glute_c = sling_channels(recording, analysis)
    cal, note = recording_calibration(recording, (lat_c, glute_c), person)
    if cal is None and calibration is not None:
        cal, note = calibration, f"calibrated {calibration.created.replace('T', ' ')[:16]} (the session's calibration)"
    reps: list[RepScore] = []
    for drill, t0, t1 in windows:
        setup = setup_span(recording, t0, t1)
        lat, glute = (_trace(c, cal, t0, t1, setup) for c in (lat_c, glute_c))
        lead = lat if drill.lead == "lat" else glute
        # reps begin after the set-up (as live: an onset timed just before its end counts)
        first = setup[1] - EARLY_ONSET_S if setup else t0 - PAIR_BEFORE_S
        reps.extend(score_reps(drill, lat, glute, list(lead.offsets_s or []), [(first, t1)]))
    return SessionReps(reps, cal, note, windows)


def _created(recording: Recording) -> str:
    from datetime import datetime
    from pathlib import Path

    if recording.started_at:  # the file's own date (XDF header, EDF start): survives copies and clones
        return recording.started_at
    try:
        return datetime.fromtimestamp(Path(recording.path).stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        return datetime.now().isoformat(timespec="seconds")
