"""The drill runner: a state machine on the session clock that cues each phase, finds each rep in the
envelopes and scores it.

Feed it every processed block of the streams that carry the lat and the glute (`feed`), on whatever
thread delivers them; it returns what happened in that block as `RunnerEvent`s (phase changes, scored
reps with their corrective cue, the end of the set), each of which also becomes a recording marker.
`status(now_s)` tells the UI which phase is on and how long it has left. No Qt, no I/O: it runs the same
headless, in tests and in `emgcoach analyze`.

Reps are found on the lead muscle's onset envelope with the threshold detector (rest mean + 3 SD, 40 ms
minimum on-time). The rest level comes from the drill's set-up phase, which the user spends still in
the drill's posture (so postural tone is part of it); the calibration, when there is one, gives the MVC
that levels are expressed in (and the rest only for a drill with no set-up phase).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import Drill
from emgcoach.coach.scoring import GLUTE, LAT, MIN_REP_S, MuscleTrace, RepScore, calibration_for, score_rep
from emgcoach.dsp.onset import OnsetDetector, OnsetEvent
from emgcoach.dsp.rest import stretch_rest
from emgcoach.types import Marker

if TYPE_CHECKING:
    from emgcoach.stream.processor import ProcessedBlock

HISTORY_S = 30.0  # envelope kept per muscle for scoring: longer than any rep
HISTORY_CAP_S = 300.0  # and at most this much, however far behind the other muscle's data are
DEFAULT_REST_S = 2.0  # without calibration or a set-up phase, the first 2 s are taken as rest
SCORE_AFTER_S = 0.1  # score a rep once the other muscle's data reach this far past the lead's offset
# an onset found at the very end of the set-up is timed back up to the detector's trace-back plus the
# envelope's lag (about 60 ms): it belongs to the first rep, not to the set-up
EARLY_ONSET_S = 0.1
ENVELOPE_CUTOFF_HZ = 6.0  # the linear envelope's low-pass (PipelineConfig.envelope_cutoff_hz)
# the set-up's first 0.5 s is not rest: the client settles into the posture (and, live, the filters
# settle when a set starts with the stream)
SETUP_SETTLE_S = 0.5


@dataclass(frozen=True)
class RunnerEvent:
    """kind: 'phase' (payload: phase, rep, cue), 'rep' (payload: RepScore.to_dict()), 'done', or 'onset'
    (payload: muscle): a muscle's onset after the set-up, on the set's own baseline, for the live
    onset-order cue (not recorded: the rep's verdict holds its timing)."""

    kind: str
    time_s: float
    payload: dict = field(default_factory=dict)
    score: RepScore | None = None

    def marker(self) -> Marker | None:
        """The recording marker for this event; None for an onset."""
        kind = {"phase": "phase", "rep": "rep", "done": "drill_end"}.get(self.kind)
        return Marker(self.time_s, kind, dict(self.payload)) if kind is not None else None


@dataclass(frozen=True)
class Status:
    """What the drill panel shows: the phase, the rep (0-based; -1 in set-up), seconds left in the phase,
    and the line to say."""

    phase: str
    rep: int
    remaining_s: float
    text: str


class _Muscle:
    """One muscle's running state: envelope history, onset detector, onsets seen."""

    def __init__(self, stream: int, channel: int) -> None:
        self.stream, self.channel = stream, channel
        # (times s, envelope µV, band-passed µV or None) per block
        self._chunks: deque[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = deque()
        self.band_hz: tuple[float, float] = (20.0, 450.0)  # the stream's band-pass and notches (Hz), for spectra
        self.notch_hz: tuple[float, ...] = ()
        self.rest_onset: list[tuple[int, np.ndarray]] = []  # (first index, onset envelope) in the rest window
        self.rest_env: list[np.ndarray] = []
        self.detector: OnsetDetector | None = None
        self.onsets: list[float] = []
        self.offsets: list[float] = []
        self.last_t = -np.inf
        self.rest_uv = float("nan")
        self.rest_sd_uv = float("nan")
        self.rest_end: float | None = None  # set when its data began too late for the set-up phase

    def keep(self, t: np.ndarray, env: np.ndarray, filtered: np.ndarray | None = None,
             seen_through_s: float = np.inf) -> None:
        """Remember a block (its band-passed signal too, for the reps' spectra); blocks more than
        HISTORY_S older than this one, and than `seen_through_s` (s: where the slowest muscle's data
        have reached), are let go, and never more than HISTORY_CAP_S. Nothing is copied per block: the
        history is joined only when a rep is scored (`history`)."""
        newest = float(t[-1])
        # a rep is scored once the other muscle's data pass it: while those lag (a loaded replay, a sensor
        # catching up), this muscle's history must still hold the rep, or it is scored on nothing
        horizon = max(min(newest, seen_through_s) - HISTORY_S, newest - HISTORY_CAP_S)
        self._chunks.append((t, env, filtered))
        while self._chunks and self._chunks[0][0][-1] < horizon:
            self._chunks.popleft()
        self.last_t = newest

    def history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(times s, envelope µV, band-passed µV) of the last HISTORY_S; the band-passed signal is None
        unless every block kept brought it."""
        if not self._chunks:
            return np.empty(0), np.empty(0), None
        filtered = [c[2] for c in self._chunks if c[2] is not None]
        joined = np.concatenate(filtered) if len(filtered) == len(self._chunks) else None
        return np.concatenate([c[0] for c in self._chunks]), np.concatenate([c[1] for c in self._chunks]), joined


class DrillRunner:
    """Runs one set of `drill`: lat on (stream, channel) `lat`, glute on `glute`, starting at `start_s`
    (session clock; default: the first block's time)."""

    def __init__(
        self,
        drill: Drill,
        lat: tuple[int, int],
        glute: tuple[int, int],
        calibration: Calibration | None = None,
        lat_side: str = "left",
        glute_side: str = "right",
        start_s: float | None = None,
    ) -> None:
        self.drill = drill
        self.start_s = start_s
        self.m = {LAT: _Muscle(*lat), GLUTE: _Muscle(*glute)}
        self.cal = {LAT: calibration_for(calibration, LAT, lat_side), GLUTE: calibration_for(calibration, GLUTE, glute_side)}
        self.calibrated = self.cal[LAT] is not None and self.cal[GLUTE] is not None
        self.scores: list[RepScore] = []
        self.done = False
        self._onsets_out: list[RunnerEvent] = []  # this block's onsets after the set-up, for the cue
        self._phase: tuple[str, int] | None = None
        self._pending: list[tuple[float, float]] = []  # lead bursts waiting for the other muscle's data
        self._lead = LAT if drill.lead == "lat" else GLUTE
        self._other = GLUTE if self._lead == LAT else LAT

    # ------------------------------------------------------------------ the clock

    @property
    def rest_end_s(self) -> float:
        """End of the rest used for thresholds: the set-up phase (or the first 2 s without one)."""
        assert self.start_s is not None
        return self.start_s + (self.drill.setup_s if self.drill.setup_s > 0 else DEFAULT_REST_S)

    @property
    def end_s(self) -> float:
        assert self.start_s is not None
        return self.start_s + self.drill.duration_s

    @property
    def seen_through_s(self) -> float:
        """Session time (s) up to which both muscles' data have arrived: a rep ending before it, less
        SCORE_AFTER_S, has been scored."""
        return min(m.last_t for m in self.m.values())

    def status(self, now_s: float) -> Status:
        """The phase at session time `now_s`, the rep, the seconds left in it and the cue to show."""
        if self.start_s is None:
            return Status("setup", -1, self.drill.setup_s, self.drill.setup)
        t = now_s - self.start_s
        if t < self.drill.setup_s:
            return Status("setup", -1, self.drill.setup_s - t, f"Get set: {self.drill.setup}")
        t -= self.drill.setup_s
        rep = int(t // self.drill.rep_s)
        if rep >= self.drill.reps:
            return Status("done", self.drill.reps, 0.0, "Set complete")
        t -= rep * self.drill.rep_s
        for phase, secs in self.drill.phases:
            if t < secs:
                return Status(phase, rep, secs - t, self._phase_text(phase))
            t -= secs
        return Status("rest", rep, 0.0, self._phase_text("rest"))

    def _phase_text(self, phase: str) -> str:
        cues = self.drill.cues
        return {
            "contract": cues[0],
            "hold": cues[1] if len(cues) > 1 else "Hold it",
            "release": "Release slowly",
            "rest": "Rest",
        }.get(phase, phase)

    # ------------------------------------------------------------------ data in

    def feed(self, stream: int, t0: float, first_index: int, rate_hz: float, envelope: np.ndarray, onset_envelope: np.ndarray,
             filtered: np.ndarray | None = None, band_hz: tuple[float, float] = (20.0, 450.0),
             notch_hz: tuple[float, ...] = ()) -> list[RunnerEvent]:
        """One processed block of `stream` (envelopes (n, channels) in µV, first sample at session time
        t0; `filtered`: the band-passed signal (n, channels) in µV, through `band_hz` and the notches at
        `notch_hz` (Hz), for the reps' spectra: without it they have none); returns the events it
        completes, in time order."""
        n = len(envelope)
        if n == 0 or self.done:
            return []
        if self.start_s is None:
            self.start_s = t0
        events: list[RunnerEvent] = []
        self._onsets_out = []
        t = t0 + np.arange(n) / rate_hz
        seen_through = self.seen_through_s
        for name, mus in self.m.items():
            if mus.stream != stream:
                continue
            env = np.asarray(envelope[:, mus.channel], dtype=np.float64)
            onset_env = np.asarray(onset_envelope[:, mus.channel], dtype=np.float64)
            mus.keep(t, env, None if filtered is None else np.asarray(filtered[:, mus.channel], dtype=np.float64),
                     seen_through)
            mus.band_hz, mus.notch_hz = band_hz, notch_hz
            warm: list = []
            if mus.detector is None:
                warm = self._collect_rest(name, mus, t, env, onset_env, rate_hz, first_index)
            if mus.detector is not None:
                for ev in warm + mus.detector.process(onset_env[:, None], first_index):
                    self._event(name, mus, ev)
        events.extend(self._phase_events(t[-1]))
        timed_out = min(m.last_t for m in self.m.values()) > self.end_s + 1.0
        if timed_out:  # the set is over: a last offset held back to see whether a dip follows stands
            for name, mus in self.m.items():
                for ev in mus.detector.flush() if mus.detector is not None else []:
                    self._event(name, mus, ev)
        events.extend(self._score_ready())
        events[:0] = self._onsets_out  # (within this block, before what they complete)
        if not self.done and self.start_s is not None and (len(self.scores) >= self.drill.reps or timed_out):
            self.done = True
            events.append(RunnerEvent("done", min(float(t[-1]), self.end_s), {"drill": self.drill.id, "reps": len(self.scores),
                                                                              "hits": sum(s.hit for s in self.scores)}))
        return events

    def feed_block(self, pb: ProcessedBlock) -> list[RunnerEvent]:
        """Feed an engine `ProcessedBlock`."""
        return self.feed(pb.stream, pb.t0, pb.first_index, pb.rate_hz, pb.envelope, pb.onset_envelope,
                         pb.filtered, pb.band_hz, pb.notch_hz)

    def _event(self, name: str, mus: _Muscle, ev: OnsetEvent) -> None:
        """Keep an onset or offset; a lead burst that began after the set-up is a rep to score."""
        (mus.onsets if ev.kind == "onset" else mus.offsets).append(ev.time_s)
        if ev.kind == "onset" and ev.time_s >= self.rest_end_s - EARLY_ONSET_S:
            self._onsets_out.append(RunnerEvent("onset", ev.time_s, {"muscle": name}))
        if name == self._lead and ev.kind == "offset":
            on = [o for o in mus.onsets if o < ev.time_s]
            if on and on[-1] >= self.rest_end_s - EARLY_ONSET_S and ev.time_s - on[-1] >= MIN_REP_S:
                self._pending.append((on[-1], ev.time_s))

    def _collect_rest(self, name: str, mus: _Muscle, t: np.ndarray, env: np.ndarray, onset_env: np.ndarray,
                      rate_hz: float, first_index: int) -> list[OnsetEvent]:
        """Gather the set-up's envelopes; once it is over, start the muscle's onset detector on them and
        return what it finds in the set-up (a partner that fires before the first rep's lead is timed)."""
        # The onset baseline is the set-up phase, spent still in the drill's own posture (quadruped,
        # standing) with its postural tone; the calibration's rest was prone and quiet, and thresholds on
        # it would fire on the tone or never see a burst end. The calibration gives the MVC. Only a drill
        # without a set-up phase falls back to the calibration's rest.
        cal = self.cal[name]
        t_index0 = t[0] - first_index / rate_hz
        if cal is not None and self.drill.setup_s <= 0:
            mean, sd = cal.onset_rest_uv, cal.onset_rest_sd_uv
            mus.rest_uv, mus.rest_sd_uv = cal.rest_uv, cal.rest_sd_uv
            mus.detector = OnsetDetector(rate_hz, mean, sd, t0=t_index0)
            return []
        rest_end = mus.rest_end if mus.rest_end is not None else self.rest_end_s
        if t[-1] < self.start_s:
            return []  # a block from before the set
        sel = (t >= self.start_s) & (t < rest_end)  # the set-up only: not what came before the set
        if sel.any():
            first = int(np.argmax(sel))
            mus.rest_onset.append((first_index + first, onset_env[sel]))
            mus.rest_env.append(env[sel])
        if t[-1] < rest_end:
            return []
        rest_onset = np.concatenate([c for _, c in mus.rest_onset]) if mus.rest_onset else np.empty(0)
        rest_env = np.concatenate(mus.rest_env) if mus.rest_env else np.empty(0)
        rest_onset, rest_env = rest_onset[np.isfinite(rest_onset)], rest_env[np.isfinite(rest_env)]
        if len(rest_onset) < 0.5 * rate_hz:  # its data began after the set-up: take the next second as rest
            mus.rest_end = float(t[-1]) + 1.0
            return []
        skip = int(SETUP_SETTLE_S * rate_hz) if len(rest_onset) > 3 * SETUP_SETTLE_S * rate_hz else 0
        mean, sd = stretch_rest(rest_onset[skip:], rate_hz)
        mus.rest_uv, mus.rest_sd_uv = stretch_rest(rest_env[skip:], rate_hz, ENVELOPE_CUTOFF_HZ)
        mus.detector = OnsetDetector(rate_hz, mean, sd, t0=t_index0)
        # run it over the set-up already seen (all but this block's part, which `feed` gives it next), so
        # a burst under way when the set-up ends has its true onset, not the first sample after it
        warm: list[OnsetEvent] = []
        for index, chunk in mus.rest_onset[:-1] if sel.any() else mus.rest_onset:
            warm += mus.detector.process(chunk[:, None], index)
        return warm

    def _phase_events(self, now_s: float) -> list[RunnerEvent]:
        st = self.status(now_s)
        key = (st.phase, st.rep)
        if key == self._phase or st.phase == "done":
            return []
        self._phase = key
        begun = now_s - self._phase_elapsed(st)
        return [RunnerEvent("phase", begun, {"drill": self.drill.id, "phase": st.phase, "rep": st.rep, "cue": st.text})]

    def _phase_elapsed(self, st: Status) -> float:
        if st.phase == "setup":
            return self.drill.setup_s - st.remaining_s
        return self.drill.phase_s(st.phase) - st.remaining_s

    def _score_ready(self) -> list[RunnerEvent]:
        out = []
        other = self.m[self._other]
        while self._pending and other.last_t >= self._pending[0][1] + SCORE_AFTER_S:
            on, off = self._pending.pop(0)
            score = score_rep(self.drill, len(self.scores), on, off, self._trace(LAT), self._trace(GLUTE))
            self.scores.append(score)
            out.append(RunnerEvent("rep", off, score.to_dict(), score))
        return out

    def _trace(self, name: str) -> MuscleTrace:
        mus = self.m[name]
        times, env, filtered = mus.history()
        return MuscleTrace(times, env, list(mus.onsets), self.cal[name], mus.rest_uv, mus.rest_sd_uv, list(mus.offsets),
                           filtered_uv=filtered, band_hz=mus.band_hz, notch_hz=mus.notch_hz)
