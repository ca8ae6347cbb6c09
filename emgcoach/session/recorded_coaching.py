"""A replayed file's own coaching: the sets it holds (the session coaches each from its recorded start),
their live verdicts (what a replayed set is filed with), and the calibration it holds, found on a worker
thread (analysing a file takes about 1 s per 2 minutes of it; its calibration block comes before its
drills, so it is ready long before it is needed)."""

from __future__ import annotations

from pathlib import Path

from emgcoach.background import Background
from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import Drill
from emgcoach.coach.recorded_sets import RecordedSet, recorded_sets
from emgcoach.errors import EmgcoachError
from emgcoach.io.recording import Recording
from emgcoach.types import MarkerKind

# the markers a coached replay writes itself: the file's own copies stay out of a recording of it
COACHING_MARKERS = (MarkerKind.DRILL_START, MarkerKind.DRILL_END, MarkerKind.PHASE, MarkerKind.REP)


class RecordedCoaching:
    """The coaching recorded in `rec`: `starts` (session s, drill id) of its sets whose drill the library
    knows, `sets` with their verdicts; `find_calibration()` starts looking for its calibration, and
    `calibration()` is None until that is done, then (calibration or None, the line saying why not)."""

    def __init__(self, rec: Recording, library: dict[str, Drill], person: str) -> None:
        self.path = str(Path(rec.path).resolve())
        self.rec, self.person = rec, person
        starts = [(m.time_s, str(m.payload.get("drill", ""))) for m in rec.markers if m.kind == MarkerKind.DRILL_START]
        self.starts = [(t, d) for t, d in starts if d in library]
        self.sets: list[RecordedSet] = recorded_sets(rec.markers)
        self.has_calibration = any(m.kind == MarkerKind.CALIBRATION for m in rec.markers)
        self._finding: Background[tuple[Calibration | None, str]] | None = None

    def find_calibration(self) -> None:
        """Start analysing the file for its calibration, on a worker thread."""
        if self._finding is None and self.has_calibration:
            self._finding = Background(self._find, "finding the recording's calibration")

    def _find(self) -> tuple[Calibration | None, str]:
        from emgcoach.analysis import analyze
        from emgcoach.coach.session_analysis import coached_channels, recording_calibration

        try:
            return recording_calibration(self.rec, coached_channels(self.rec, analyze(self.rec)), self.person)
        except EmgcoachError as e:
            return None, f"The recording's calibration is unusable: {e}"

    def calibration(self) -> tuple[Calibration | None, str] | None:
        """None while it is being found (or was never asked for); then what was found."""
        done = self._finding.result() if self._finding is not None else None
        if done is None:
            return None
        found, problem = done
        return found if found is not None else (None, problem)
