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
        def seg(m) -> np.ndarray:  # noqa: ANN001
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


class CalibrationSession:
    """Runs a calibration protocol live: feed it processed blocks (any thread) and it keeps, per step,
    the envelopes of the muscles that step concerns; `result()` gives the Calibration when all steps are
    done. `muscles` maps (muscle, side) to the (stream, channel) that carries it; times are session s.
    A muscle's effort steps keep only that muscle's envelope; the rest step keeps every muscle's."""

    def __init__(self, person: str, muscles: dict[tuple[str, str], tuple[int, int]], steps: list[Step], start_s: float) -> None:
        self.person, self.muscles, self.steps, self.start_s = person, muscles, steps, float(start_s)
        self._ends = np.cumsum([s.duration_s for s in steps]) + self.start_s
        self.rate_hz: dict[tuple[str, str], float] = {}
        self._env: dict[tuple[int, tuple[str, str]], list[np.ndarray]] = {}
        self._onset: dict[tuple[str, str], list[np.ndarray]] = {}
        self.latest_t = -math.inf

    @property
    def end_s(self) -> float:
        return float(self._ends[-1])

    def step_at(self, t_s: float) -> tuple[int, Step | None, float]:
        """(index, step, seconds left in it) at session time t_s; step None before the start or after the end."""
        if t_s < self.start_s:
            return -1, None, self.start_s - t_s
        i = int(np.searchsorted(self._ends, t_s, side="right"))
        if i >= len(self.steps):
            return len(self.steps), None, 0.0
        return i, self.steps[i], float(self._ends[i] - t_s)

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
        idx = np.searchsorted(self._ends, t, side="right")
        inside = t >= self.start_s
        for key, (s, ch) in self.muscles.items():
            if s != stream:
                continue
            self.rate_hz[key] = rate_hz
            for i in np.unique(idx[inside & (idx < len(self.steps))]):
                step = self.steps[i]
                sel = inside & (idx == i)
                if step.kind == "rest":
                    self._env.setdefault((int(i), key), []).append(envelope[sel, ch].astype(float))
                    self._onset.setdefault(key, []).append(onset_envelope[sel, ch].astype(float))
                elif step.kind == "mvc" and (step.muscle, step.side) == key:
                    self._env.setdefault((int(i), key), []).append(envelope[sel, ch].astype(float))

    def result(self, created: str | None = None) -> Calibration:
        """The calibration of every muscle (raises CalibrationError naming the muscle and the problem)."""
        out = []
        for key in self.muscles:
            rate = self.rate_hz.get(key)
            if rate is None:
                raise CalibrationError(f"calibration of {key[0]} {key[1]}: no data from its sensor")
            rest = [np.concatenate(v) for (i, k), v in self._env.items() if k == key and self.steps[i].kind == "rest"]
            efforts = [np.concatenate(v) for (i, k), v in sorted(self._env.items()) if k == key and self.steps[i].kind == "mvc"]
            onset = np.concatenate(self._onset.get(key, [np.empty(0)]))
            out.append(calibrate_muscle(key[0], key[1], rate, np.concatenate(rest) if rest else np.empty(0), efforts, onset))
        return Calibration(self.person, created or datetime.now().isoformat(timespec="seconds"), tuple(out))
