"""The calibration wizard's course, without Qt: what to show and which buttons work at each moment.

Paced (the default): Start begins the quiet rest; each effort's test position and instructions are shown
first, and its countdown to push starts only when the client is ready (`ready`), after a short lead-in;
the rest after an effort runs on the clock and the therapist may shorten it (`shorten`); at the end a
summary (MVC per muscle, rest noise, warnings) to accept or redo, all of it or one muscle's efforts.
Hands-free (`paced=False`): the steps run back to back from Start, as a recorded protocol was done.

The wizard calls `prompt(now)` on its timer (session clock, s) and shows the `Prompt`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from emgcoach.coach.calibration import CalibrationSession, CalibrationSummary, Step, weak_efforts

LEAD_IN_S = 3.0  # "Push in 3, 2, 1": time to take a breath and brace once in position


class Stage(StrEnum):
    INTRO = "intro"  # before Start
    STEP = "step"  # a step under way: rest, effort or recovery
    PREPARE = "prepare"  # the next effort's position shown, waiting for Ready
    LEAD_IN = "lead_in"  # Ready pressed: counting down to the push
    SUMMARY = "summary"  # every step done: accept or redo


@dataclass(frozen=True)
class Prompt:
    """What the wizard shows now. `step` is the step under way, or the effort to get ready for; `left_s`
    the seconds left in it (or in the lead-in); `note` how the last effort went ('' before one)."""

    stage: Stage
    index: int
    step: Step | None
    left_s: float
    headline: str
    instruction: str
    progress: float
    note: str = ""
    can_start: bool = False
    can_ready: bool = False
    can_shorten: bool = False
    summary: CalibrationSummary | None = None


class CalibrationFlow:
    """Drives a `CalibrationSession` through its steps. Times are session seconds."""

    def __init__(self, person: str, muscles: dict[tuple[str, str], tuple[int, int]], steps: list[Step],
                 paced: bool = True, lead_in_s: float = LEAD_IN_S) -> None:
        self.person, self.muscles, self.steps = person, muscles, list(steps)
        self.paced, self.lead_in_s = paced, lead_in_s
        self.session: CalibrationSession | None = None
        self.stage = Stage.INTRO
        self._lead_in_end = math.nan
        self._summary: CalibrationSummary | None = None
        self._last_effort = -1  # the latest effort step begun

    # ------------------------------------------------------------------ the user's buttons

    def start(self, now: float) -> CalibrationSession:
        """Begin (again, from the quiet rest): a new session."""
        self.session = CalibrationSession(self.person, self.muscles, self.steps, None if self.paced else now)
        if self.paced:
            self.session.begin(0, now)
        self.stage, self._summary, self._last_effort = Stage.STEP, None, -1
        return self.session

    def ready(self, now: float) -> None:
        """The client is in position: count down to the push."""
        if self.stage is Stage.PREPARE:
            self.stage, self._lead_in_end = Stage.LEAD_IN, now + self.lead_in_s

    def shorten(self, now: float) -> None:
        """End the rest under way now (the therapist sees the client is ready sooner)."""
        s = self.session
        if s is None or not self.paced:
            return
        _, step, _ = s.step_at(now)
        if step is not None and step.kind == "recover":
            s.cut(now)

    def redo(self, now: float, muscle: tuple[str, str] | None = None) -> None:
        """From the summary: that muscle's efforts again, or (None) the whole calibration."""
        if muscle is None or self.session is None:
            self.start(now)
            return
        self.session.redo(*muscle)
        self.stage, self._summary = Stage.PREPARE, None

    # ------------------------------------------------------------------ on the timer

    def prompt(self, now: float) -> Prompt:
        """Advance the course to `now` and say what to show."""
        s = self.session
        if s is None:
            return Prompt(Stage.INTRO, -1, None, 0.0, "Ready to calibrate",
                          "Attach the sensors and lie face down, relaxed. Press Start: first a quiet rest, then "
                          "maximal efforts one muscle at a time, each begun when you are in position.",
                          0.0, can_start=True)
        self._advance(now)
        progress = s.progress(now)
        if self.stage is Stage.SUMMARY:
            summary = self._summary or s.summary()
            self._summary = summary
            head = "Calibration done" if summary.ok else "Calibration not usable"
            return Prompt(Stage.SUMMARY, len(s.steps), None, 0.0, head, "", 1.0, summary=summary)
        i, step, left = s.step_at(now)
        note = self._effort_note()
        if self.stage is Stage.LEAD_IN:
            nxt = s.steps[s.next_step()]
            return Prompt(Stage.LEAD_IN, s.next_step(), nxt, self._lead_in_end - now,
                          f"Push in {math.ceil(self._lead_in_end - now - 1e-9)}", self._position(nxt), progress, note)
        if self.stage is Stage.PREPARE:
            nxt = s.steps[s.next_step()]
            return Prompt(Stage.PREPARE, s.next_step(), nxt, 0.0, "Get into position",
                          self._position(nxt) + " Press Ready when in position.", progress, note, can_ready=True)
        if step is None:  # hands-free, between the start and the first step: nothing to show yet
            return Prompt(Stage.STEP, i, None, left, "", "", progress, note)
        verb = {"rest": "Rest", "mvc": "PUSH", "recover": "Rest"}[step.kind]
        instruction = step.instruction
        if step.kind == "recover" and self.paced:  # show the next effort's position while resting
            upcoming = self._next_effort(i)
            instruction = "Relax." + (f" Next: {self._position(upcoming)}" if upcoming is not None else "")
        return Prompt(Stage.STEP, i, step, left, f"{verb}  {math.ceil(left - 1e-9)} s", instruction, progress, note,
                      can_shorten=self.paced and step.kind == "recover")

    def _advance(self, now: float) -> None:
        s = self.session
        assert s is not None
        if self.stage is Stage.SUMMARY:
            return
        if s.done:
            self.stage = Stage.SUMMARY
            return
        if not self.paced:
            i, step, _ = s.step_at(now)
            if step is not None and step.kind == "mvc":
                self._last_effort = i
            return
        if self.stage is Stage.LEAD_IN and now >= self._lead_in_end:
            i = s.next_step()
            s.begin(i, now)
            self._last_effort = i
            self.stage = Stage.STEP
        if self.stage is not Stage.STEP:
            return
        i, step, _ = s.step_at(now)
        if step is not None:
            return
        # the step before `i` is over: an effort is followed by its rest at once (none after the last
        # effort); a rest, by the next effort's position and Ready
        if i >= len(s.steps):
            return
        prev = s.steps[i - 1] if i > 0 else None
        if prev is not None and prev.kind == "mvc" and s.steps[i].kind == "recover":
            s.begin(i, now)
            if self._next_effort(i) is None:  # nothing left to rest for
                s.cut(now)
                self._skip_to_end(now)
            return
        self.stage = Stage.PREPARE

    def _skip_to_end(self, now: float) -> None:
        s = self.session
        assert s is not None
        while s.next_step() < len(s.steps):
            i = s.next_step()
            s.begin(i, now)
            s.cut(now)

    def _next_effort(self, after: int) -> Step | None:
        s = self.session
        assert s is not None
        return next((st for j, st in enumerate(s.steps) if j > after and st.kind == "mvc" and j >= s.next_step()), None)

    @staticmethod
    def _position(step: Step) -> str:
        return step.instruction

    def _effort_note(self) -> str:
        """How the latest effort went: its level and the rest's, or a warning that it barely rose."""
        s = self.session
        if s is None or self._last_effort < 0:
            return ""
        step = s.steps[self._last_effort]
        value = s.effort_uv(self._last_effort)
        rest, _ = s.rest_level(step.muscle, step.side)
        what = f"{step.muscle.split('_')[0].capitalize()} {step.side} effort {step.effort}"
        if not math.isfinite(value):
            return f"{what}: measuring..."
        ratio = f" ({value / rest:.0f}x rest)" if math.isfinite(rest) and rest > 0 else ""
        if weak_efforts([value], rest):
            return f"{what}: {value:.0f} µV, barely above rest ({rest:.1f} µV): check the electrode"
        return f"{what}: {value:.0f} µV{ratio}"
