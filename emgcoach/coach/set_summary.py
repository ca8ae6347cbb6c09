"""What a finished set comes to, in the few lines the feedback column shows when it ends: reps on target,
the median glute onset latency, and the one cue to work on (the commonest cue of the missed reps).

No Qt: the window shows `SetSummary.lines()`; tests assert on the figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from emgcoach.coach.drills import Drill
from emgcoach.coach.scoring import RepScore


@dataclass(frozen=True)
class SetSummary:
    """One set: `reps` scored of `planned`, `hits` on target; the median glute-minus-lat onset latency
    (ms, None when no rep timed both onsets) over `timed` reps; `cue` the commonest corrective cue of the
    missed reps ('' when none missed) given on `cue_reps` of them; `stopped` when it was cut short."""

    drill: str
    reps: int
    planned: int
    hits: int
    median_latency_ms: float | None
    timed: int
    cue: str
    cue_reps: int
    stopped: bool = False

    @property
    def title(self) -> str:
        return "Set stopped" if self.stopped else "Set complete"

    def score_line(self, planned: bool = True) -> str:
        """'5 of 6 reps on target (8 planned)'; without `planned`, the part in brackets goes."""
        if not self.reps:
            return "No reps found"
        return f"{self.hits} of {self.reps} reps on target" + (
            f" ({self.planned} planned)" if planned and self.reps != self.planned else "")

    def latency_line(self) -> str:
        if self.median_latency_ms is None:
            return "Glute onset: not timed"
        ms = round(self.median_latency_ms)
        when = f"{ms} ms after" if ms >= 0 else f"{-ms} ms before"
        return f"Glute {when} the lat (median of {self.timed})"

    def cue_line(self) -> str:
        if not self.reps:
            return ""
        if not self.cue:
            return "Every rep on target: keep it up"
        return f"Work on: {self.cue}"

    def lines(self) -> list[str]:
        """Title, score, latency and cue, the lines the feedback column shows."""
        return [line for line in (self.title, self.score_line(), self.latency_line() if self.reps else "",
                                  self.cue_line()) if line]


def summarise_set(drill: Drill, scores: list[RepScore], stopped: bool = False) -> SetSummary:
    """The summary of a set of `drill` whose scored reps are `scores` (in rep order)."""
    latencies = [s.onset_latency_ms for s in scores if s.onset_latency_ms is not None]
    median = float(np.median(latencies)) if latencies else None
    cues = Counter(s.cue for s in scores if not s.hit and s.cue)
    cue, count = "", 0
    if cues:  # the commonest; on a tie, the one met first in the set
        top = max(cues.values())
        cue = next(s.cue for s in scores if not s.hit and cues.get(s.cue) == top)
        count = top
    return SetSummary(drill.name, len(scores), drill.reps, sum(s.hit for s in scores), median, len(latencies),
                      cue, count, stopped)
