"""What a finished set comes to, in the few lines the feedback column shows when it ends: reps on target
(a both-slings set's per sling too, and its glute symmetry index), the median glute onset latency, and
the one cue to work on (the commonest cue of the missed reps).

No Qt: the window shows `SetSummary.lines()`; tests assert on the figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from emgcoach.coach.drills import Drill
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.slings import Sling, symmetry_short
from emgcoach.coach.slings_runner import set_symmetry


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
    # a both-slings set: (sling, reps, hits) per sling, and its reps' glute symmetry index (%, Robinson
    # 1987, right vs left; None before a rep of each sling) over `si_pairs` rep pairs
    slings: tuple[tuple[Sling, int, int], ...] = ()
    glute_si_pct: float | None = None
    si_pairs: int = 0
    left_out: tuple[int, ...] = ()  # a replayed set: the numbers (1-based) of reps across an artifact mark

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

    def slings_line(self) -> str:
        """A both-slings set: 'Left sling 4 of 4 · Right sling 3 of 4 on target', '' with one sling."""
        return " · ".join(f"{s.name_text} {h} of {n}" for s, n, h in self.slings) + " on target" if self.slings else ""

    def symmetry_line(self) -> str:
        """A both-slings set, in one short line: 'Glute SI -27 % over 4 rep pairs: the left glute works
        less' (Robinson et al. 1987's index, right vs left sling; 'glutes even' within NOTABLE_SI_PCT)."""
        if not self.slings:
            return ""
        si = self.glute_si_pct
        if si is None:
            return "Glute symmetry: no rep of each sling to compare"
        n = self.si_pairs
        return f"Glute SI {si:+.0f} % over {n} rep pair{'s' if n != 1 else ''}: {symmetry_short(si)}"

    def left_out_line(self) -> str:
        """'Rep 3 left out: marked artifact' (not in the figures above it), '' when none was."""
        if not self.left_out:
            return ""
        which = ", ".join(str(n) for n in self.left_out)
        return f"Rep{'s' if len(self.left_out) > 1 else ''} {which} left out: marked artifact"

    def lines(self) -> list[str]:
        """Title, score, reps left out as artifacts, per sling (both slings), latency and cue, the lines
        the feedback column shows."""
        return [line for line in (self.title, self.score_line(), self.left_out_line(), self.slings_line(),
                                  self.symmetry_line(), self.latency_line() if self.reps else "",
                                  self.cue_line()) if line]


def summarise_set(drill: Drill, scores: list[RepScore], stopped: bool = False,
                  left_out: list[RepScore] | None = None) -> SetSummary:
    """The summary of a set of `drill` whose scored reps are `scores` (in rep order); `left_out` the reps
    across an artifact mark, named but in no figure."""
    latencies = [s.onset_latency_ms for s in scores if s.onset_latency_ms is not None]
    median = float(np.median(latencies)) if latencies else None
    cues = Counter(s.cue for s in scores if not s.hit and s.cue)
    cue, count = "", 0
    if cues:  # the commonest; on a tie, the one met first in the set
        top = max(cues.values())
        cue = next(s.cue for s in scores if not s.hit and cues.get(s.cue) == top)
        count = top
    slings = tuple((sl, sum(s.sling is sl for s in scores), sum(s.hit for s in scores if s.sling is sl))
                   for sl in drill.slings) if any(s.sling is not None for s in scores) else ()
    symmetry = set_symmetry(scores) if slings else None
    return SetSummary(drill.name, len(scores), drill.reps, sum(s.hit for s in scores), median, len(latencies),
                      cue, count, stopped, slings, symmetry.glute_si_pct if symmetry else None,
                      len(symmetry.reps) if symmetry else 0, tuple(r.index + 1 for r in left_out or []))
