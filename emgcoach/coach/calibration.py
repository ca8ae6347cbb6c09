"""Calibration: a quiet-rest baseline, then maximum voluntary contractions (MVC) per muscle.

The MVC reference of a muscle is the highest 500 ms mean of its linear envelope over its efforts (µV);
%MVC = 100 x (envelope - rest) / (MVC - rest). Rest gives each channel's noise floor and onset threshold.
A calibration belongs to one person and is reused on the day it was made (muscle fatigue, electrode
position and skin impedance change between days, so a new day needs a new one).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import numpy as np

from emgcoach.dsp.normalise import best_window_mean
from emgcoach.errors import EmgcoachError
from emgcoach.types import Marker

MVC_WINDOW_S = 0.5

TEST_POSITIONS = {
    "latissimus_dorsi": (
        "Lie face down, arm by your side, palm up. Lift the straight arm back toward the ceiling and in "
        "toward your body as hard as you can while your partner holds it down at the wrist."
    ),
    "gluteus_maximus": (
        "Lie face down, knee bent to a right angle. Lift the thigh off the table as hard as you can while "
        "your partner holds it down just above the knee."
    ),
}


class CalibrationError(EmgcoachError):
    """A calibration that cannot be computed (no rest, no effort, effort not above rest)."""


@dataclass(frozen=True)
class Step:
    """One step of the calibration protocol: rest, or one MVC effort of `muscle` (s)."""

    kind: str  # "rest", "mvc" or "recover"
    duration_s: float
    instruction: str
    muscle: str = ""
    side: str = ""
    effort: int = 0


def protocol(
    muscles: list[tuple[str, str]],
    rest_s: float = 10.0,
    efforts: int = 3,
    effort_s: float = 5.0,
    recover_s: float = 30.0,
) -> list[Step]:
    """The steps: `rest_s` of quiet rest, then per (muscle, side) `efforts` efforts of `effort_s` with
    `recover_s` of rest after each. Efforts of 3-5 s with rest between are the usual MVC protocol."""
    steps = [Step("rest", rest_s, "Relax completely: lie still and breathe normally.")]
    for muscle, side in muscles:
        where = TEST_POSITIONS.get(muscle, "Contract the muscle as hard as you can against resistance.")
        name = f"{muscle.replace('_', ' ')} {side}"
        for i in range(1, efforts + 1):
            steps.append(Step("mvc", effort_s, f"Effort {i} of {efforts}, {name}: {where}", muscle, side, i))
            steps.append(Step("recover", recover_s, "Relax and rest before the next effort.", muscle, side, i))
    return steps


@dataclass(frozen=True)
class MuscleCalibration:
    """One muscle's reference: rest level and SD of its envelope (µV), of its onset envelope (µV), and
    its MVC (µV, the highest 500 ms mean) with the value of each effort."""

    muscle: str
    side: str
    rest_uv: float
    rest_sd_uv: float
    onset_rest_uv: float
    onset_rest_sd_uv: float
    mvc_uv: float
    efforts_uv: tuple[float, ...]

    def pct_mvc(self, envelope_uv: np.ndarray | float) -> np.ndarray | float:
        """Envelope µV -> %MVC (rest is 0 %)."""
        return 100.0 * (np.asarray(envelope_uv) - self.rest_uv) / max(self.mvc_uv - self.rest_uv, 1e-9)


@dataclass(frozen=True)
class Calibration:
    """A person's calibration: when it was made (ISO local time) and the reference per muscle."""

    person: str
    created: str
    muscles: tuple[MuscleCalibration, ...] = field(default_factory=tuple)

    def get(self, muscle: str, side: str | None = None) -> MuscleCalibration | None:
        for m in self.muscles:
            if m.muscle == muscle and (side is None or m.side == side):
                return m
        return None

    @property
    def day(self) -> date:
        return datetime.fromisoformat(self.created).date()

    def valid_on(self, day: date | None = None) -> bool:
        """Reusable on the day it was made only."""
        return self.day == (day or date.today())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        muscles = tuple(MuscleCalibration(**{**m, "efforts_uv": tuple(m["efforts_uv"])}) for m in d["muscles"])
        return cls(d["person"], d["created"], muscles)


def calibrate_muscle(
    muscle: str,
    side: str,
    rate_hz: float,
    rest_envelope_uv: np.ndarray,
    efforts_envelope_uv: list[np.ndarray],
    rest_onset_envelope_uv: np.ndarray | None = None,
) -> MuscleCalibration:
    """One muscle's calibration from its rest envelope and the envelope of each MVC effort (µV)."""
    name = f"{muscle} {side}".strip()
    rest = np.asarray(rest_envelope_uv, float)
    rest = rest[np.isfinite(rest)]
    if len(rest) < rate_hz:
        raise CalibrationError(f"calibration of {name}: less than 1 s of rest recorded")
    values = [best_window_mean(e, rate_hz) for e in efforts_envelope_uv]
    good = [v for v in values if math.isfinite(v)]
    if not good:
        raise CalibrationError(f"calibration of {name}: no effort lasted {MVC_WINDOW_S * 1000:.0f} ms")
    rest_uv, rest_sd = float(np.mean(rest)), float(np.std(rest))
    mvc = max(good)
    if mvc < rest_uv + 5 * rest_sd or mvc < 2 * rest_uv:
        raise CalibrationError(
            f"calibration of {name}: the strongest effort ({mvc:.0f} µV) is hardly above rest ({rest_uv:.0f} µV); "
            "check the electrode and repeat"
        )
    onset = np.asarray(rest_onset_envelope_uv if rest_onset_envelope_uv is not None else rest, float)
    onset = onset[np.isfinite(onset)]
    return MuscleCalibration(
        muscle, side, rest_uv, rest_sd, float(np.mean(onset)), float(np.std(onset)), float(mvc), tuple(float(v) for v in values)
    )


def from_recording_markers(
    person: str,
    created: str,
    channels: list[tuple[str, str, np.ndarray, np.ndarray, float]],
    markers: list,
) -> Calibration | None:
    """A calibration from a recording that holds `calibration` markers (payload: step 'rest' or 'mvc',
    muscle, side, end_s). channels: (muscle, side, times_s, envelope_uv, rate_hz) per channel.
    None if the recording has no calibration markers."""
    steps = [m for m in markers if m.kind == "calibration" and m.payload.get("step") in ("rest", "mvc")]
    if not steps:
        return None
    out = []
    for muscle, side, times, env, rate in channels:
        def seg(m: Marker) -> np.ndarray:
            sel = (times >= m.time_s) & (times < float(m.payload.get("end_s", m.time_s)))
            return env[sel]

        rests = [seg(m) for m in steps if m.payload["step"] == "rest"]
        efforts = [
            seg(m) for m in steps if m.payload["step"] == "mvc" and m.payload.get("muscle") == muscle and m.payload.get("side", side) == side
        ]
        if not rests or not efforts:
            continue
        out.append(calibrate_muscle(muscle, side, rate, np.concatenate(rests), efforts))
    return Calibration(person, created, tuple(out)) if out else None


# An effort under 5 x the rest level barely rose above it (a maximal one is 20-100 x): a loose electrode,
# the wrong muscle, or no real push.
WEAK_REST_MULTIPLE = 5.0
# A quiet rest's 6 Hz envelope varies by a few % of its level (about 8 % for pure noise at 2 kHz); an SD
# over half the level means the client moved or a muscle was working during it.
NOISY_REST_CV = 0.5


@dataclass(frozen=True)
class MuscleSummary:
    """What the calibration found for one muscle, whether or not it is usable: rest level and SD of the
    envelope (µV; NaN without rest), each effort's highest 500 ms mean (NaN for one too short), the MVC,
    the efforts (1-based) that barely rose above rest, and `problem` ('' or why it cannot be used)."""

    muscle: str
    side: str
    rest_uv: float
    rest_sd_uv: float
    efforts_uv: tuple[float, ...]
    mvc_uv: float
    weak_efforts: tuple[int, ...]
    problem: str = ""

    @property
    def name(self) -> str:
        return f"{self.muscle.split('_')[0]} {self.side}".strip()

    def warnings(self) -> list[str]:
        out = [f"{self.name}: {self.problem}"] if self.problem else []
        if math.isfinite(self.rest_uv) and self.rest_sd_uv > NOISY_REST_CV * self.rest_uv:
            out.append(f"{self.name}: the rest was not quiet ({self.rest_uv:.1f} µV, SD {self.rest_sd_uv:.1f}): "
                       "did the client move? Redo all")
        for n in self.weak_efforts:
            v = self.efforts_uv[n - 1]
            level = "too short to measure" if not math.isfinite(v) else f"{v:.0f} µV, barely above rest"
            out.append(f"{self.name} effort {n}: {level} ({self.rest_uv:.1f} µV); check the electrode and redo")
        return out


@dataclass(frozen=True)
class CalibrationSummary:
    """The end of a calibration, to accept or redo: per muscle its figures and warnings; `calibration`
    is None when a muscle cannot be calibrated (its `problem` says why)."""

    muscles: tuple[MuscleSummary, ...]
    calibration: Calibration | None

    @property
    def ok(self) -> bool:
        return self.calibration is not None

    def warnings(self) -> list[str]:
        return [w for m in self.muscles for w in m.warnings()]


def weak_efforts(efforts_uv: list[float], rest_uv: float) -> tuple[int, ...]:
    """The efforts (1-based) whose level barely rose above rest (under WEAK_REST_MULTIPLE x its level),
    or that were too short to measure."""
    floor = WEAK_REST_MULTIPLE * rest_uv if math.isfinite(rest_uv) else 0.0
    return tuple(i + 1 for i, v in enumerate(efforts_uv) if not (math.isfinite(v) and v >= floor))


class CalibrationSession:
    """Runs a calibration protocol live: feed it processed blocks (any thread) and it keeps, per step,
    the envelopes of the muscles that step concerns; `result()` gives the Calibration when all steps are
    done. `muscles` maps (muscle, side) to the (stream, channel) that carries it; times are session s.
    A muscle's effort steps keep only that muscle's envelope; the rest step keeps every muscle's.

    With `start_s` the steps run back to back from then, each for its duration. With `start_s=None`
    they are paced by the user: `begin(i, t)` starts step i at session time t (for its duration),
    `cut(t)` ends the step under way at t (a rest the therapist shortens), and `redo(muscle, side)`
    adds that muscle's efforts again, its earlier ones no longer counting."""

    def __init__(self, person: str, muscles: dict[tuple[str, str], tuple[int, int]], steps: list[Step],
                 start_s: float | None) -> None:
        self.person, self.muscles, self.steps = person, muscles, list(steps)
        # (start, end) per step in session s; NaN until it is begun. Replaced whole on every change: the
        # acquisition thread reads it while the UI thread paces the steps.
        self._spans: list[tuple[float, float]] = [(math.nan, math.nan)] * len(self.steps)
        self._dropped: frozenset[int] = frozenset()  # effort steps that a redo replaced
        if start_s is not None:
            ends = np.cumsum([s.duration_s for s in self.steps]) + float(start_s)
            self._spans = [(float(e - s.duration_s), float(e)) for s, e in zip(self.steps, ends, strict=True)]
        self.rate_hz: dict[tuple[str, str], float] = {}
        self._env: dict[tuple[int, tuple[str, str]], list[np.ndarray]] = {}
        self._onset: dict[tuple[str, str], list[np.ndarray]] = {}
        self.latest_t = -math.inf

    @property
    def start_s(self) -> float:
        """When the first step began (NaN before it has)."""
        return self._spans[0][0] if self._spans else math.nan

    @property
    def end_s(self) -> float:
        """When the last step ends (inf until it has begun)."""
        end = self._spans[-1][1] if self._spans else math.nan
        return float(end) if math.isfinite(end) else math.inf

    def begin(self, index: int, t_s: float) -> None:
        """Start step `index` at session time `t_s`; it lasts its duration unless `cut`."""
        spans = list(self._spans)
        spans[index] = (float(t_s), float(t_s) + self.steps[index].duration_s)
        self._spans = spans

    def cut(self, t_s: float) -> None:
        """End the step under way at `t_s` (now) instead of at the end of its duration."""
        i, step, _ = self.step_at(t_s)
        if step is None:
            return
        spans = list(self._spans)
        spans[i] = (spans[i][0], float(t_s))
        self._spans = spans

    def next_step(self) -> int:
        """The first step not yet begun (len(steps) when all have)."""
        return next((i for i, (a, _) in enumerate(self._spans) if not math.isfinite(a)), len(self.steps))

    def redo(self, muscle: str, side: str) -> list[int]:
        """Add the efforts of (muscle, side) again at the end of the protocol (unbegun); its earlier
        efforts stop counting. Returns the new steps' indices."""
        old = [i for i, s in enumerate(self.steps) if (s.muscle, s.side) == (muscle, side) and s.kind in ("mvc", "recover")]
        if not old:
            raise ValueError(f"no efforts of {muscle} {side} in this calibration")
        first = len(self.steps)
        self.steps = self.steps + [self.steps[i] for i in old]
        self._spans = list(self._spans) + [(math.nan, math.nan)] * len(old)
        self._dropped = self._dropped | {i for i in old if self.steps[i].kind == "mvc"}
        return list(range(first, len(self.steps)))

    def step_at(self, t_s: float) -> tuple[int, Step | None, float]:
        """(index, step, seconds left in it) at session time t_s. Between steps, step is None and index
        the next step's (-1 before the first, len(steps) after the last), with the seconds until it
        starts (0 when it waits to be begun)."""
        spans = self._spans
        for i, (a, b) in enumerate(spans):
            if a <= t_s < b:
                return i, self.steps[i], float(b - t_s)
        nxt = next((i for i, (a, _) in enumerate(spans) if not (a <= t_s)), len(self.steps))
        if nxt == 0:
            a = spans[0][0] if spans else math.nan
            return -1, None, float(a - t_s) if math.isfinite(a) else 0.0
        if nxt >= len(self.steps):
            return len(self.steps), None, 0.0
        a = spans[nxt][0]
        return nxt, None, float(a - t_s) if math.isfinite(a) else 0.0

    def progress(self, t_s: float) -> float:
        """The share of the protocol's time done at `t_s` (0-1): steps over plus the part of the one
        under way, so it moves through rests too."""
        total = sum(s.duration_s for s in self.steps)
        done = 0.0
        for (a, b), step in zip(self._spans, self.steps, strict=True):
            if not math.isfinite(a) or t_s <= a:
                continue
            done += step.duration_s if t_s >= b else (t_s - a) / max(b - a, 1e-9) * step.duration_s
        return min(1.0, done / total) if total > 0 else 1.0

    @property
    def done(self) -> bool:
        return self.latest_t >= self.end_s

    def feed(self, stream: int, t0: float, rate_hz: float, envelope: np.ndarray, onset_envelope: np.ndarray) -> None:
        """One processed block (envelopes (n, channels) in µV, first sample at session time t0)."""
        n = len(envelope)
        if n == 0:
            return
        t = t0 + np.arange(n) / rate_hz
        self.latest_t = max(self.latest_t, float(t[-1]))
        spans = self._spans
        for key, (s, ch) in self.muscles.items():
            if s != stream:
                continue
            self.rate_hz[key] = rate_hz
            for i, (a, b) in enumerate(spans):
                if not (a <= t[-1] and t[0] < b):  # not begun (NaN), or not in this block
                    continue
                step = self.steps[i]
                sel = (t >= a) & (t < b)
                if step.kind == "rest":
                    self._env.setdefault((i, key), []).append(envelope[sel, ch].astype(float))
                    self._onset.setdefault(key, []).append(onset_envelope[sel, ch].astype(float))
                elif step.kind == "mvc" and (step.muscle, step.side) == key:
                    self._env.setdefault((i, key), []).append(envelope[sel, ch].astype(float))

    def _rest(self, key: tuple[str, str]) -> np.ndarray:
        rest = [np.concatenate(v) for (i, k), v in list(self._env.items()) if k == key and self.steps[i].kind == "rest"]
        return np.concatenate(rest) if rest else np.empty(0)

    def _efforts(self, key: tuple[str, str]) -> list[np.ndarray]:
        return [np.concatenate(v) for (i, k), v in sorted(list(self._env.items()))
                if k == key and self.steps[i].kind == "mvc" and i not in self._dropped]

    def effort_uv(self, index: int) -> float:
        """Step `index`'s effort so far: the highest 500 ms mean of the tested muscle's envelope (µV; NaN
        before 500 ms of it), to show whether a push registered."""
        step = self.steps[index]
        chunks = self._env.get((index, (step.muscle, step.side)))
        rate = self.rate_hz.get((step.muscle, step.side))
        if not chunks or rate is None:
            return math.nan
        return best_window_mean(np.concatenate(list(chunks)), rate)

    def rest_level(self, muscle: str, side: str) -> tuple[float, float]:
        """Mean and SD (µV) of the muscle's envelope over the rest so far (NaN without one)."""
        rest = self._rest((muscle, side))
        rest = rest[np.isfinite(rest)]
        return (float(np.mean(rest)), float(np.std(rest))) if len(rest) else (math.nan, math.nan)

    def summary(self, created: str | None = None) -> CalibrationSummary:
        """Every muscle's figures and warnings, and the Calibration when all of them can be used."""
        out, cal = [], []
        for key in self.muscles:
            rest_uv, rest_sd = self.rest_level(*key)
            rate = self.rate_hz.get(key)
            efforts = [best_window_mean(e, rate) for e in self._efforts(key)] if rate else []
            problem, mvc = "", math.nan
            try:
                m = self._calibrate(key)
                cal.append(m)
                mvc = m.mvc_uv
            except CalibrationError as e:
                problem = str(e).split(": ", 1)[-1]
            out.append(MuscleSummary(key[0], key[1], rest_uv, rest_sd, tuple(efforts), mvc,
                                     weak_efforts(efforts, rest_uv), problem))
        calibration = (Calibration(self.person, created or datetime.now().isoformat(timespec="seconds"), tuple(cal))
                       if len(cal) == len(self.muscles) else None)
        return CalibrationSummary(tuple(out), calibration)

    def _calibrate(self, key: tuple[str, str]) -> MuscleCalibration:
        rate = self.rate_hz.get(key)
        if rate is None:
            raise CalibrationError(f"calibration of {key[0]} {key[1]}: no data from its sensor")
        onset = np.concatenate(self._onset.get(key, [np.empty(0)]))
        return calibrate_muscle(key[0], key[1], rate, self._rest(key), self._efforts(key), onset)

    def result(self, created: str | None = None) -> Calibration:
        """The calibration of every muscle (raises CalibrationError naming the muscle and the problem)."""
        out = [self._calibrate(key) for key in self.muscles]
        return Calibration(self.person, created or datetime.now().isoformat(timespec="seconds"), tuple(out))
