"""A replayed file's own coaching: the sets it holds (the session coaches each from its recorded start),
their live verdicts (what a replayed set is filed with), and the calibration it holds, found on a worker
thread (analysing a file takes about 1 s per 2 minutes of it; its calibration block comes before its
drills, so it is ready long before it is needed)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import Drill
from emgcoach.coach.recorded_sets import RecordedSet, recorded_sets
from emgcoach.errors import EmgcoachError
from emgcoach.io.recording import Recording
from emgcoach.types import MarkerKind

logger = logging.getLogger(__name__)

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
        self._result: tuple[Calibration | None, str] | None = None
        self._worker: threading.Thread | None = None

    def find_calibration(self) -> None:
        """Start analysing the file for its calibration, on a worker thread."""
        if self._worker is None and self.has_calibration:
            self._worker = threading.Thread(target=self._work, name="recording-calibration", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        from emgcoach.analysis import analyze
        from emgcoach.coach.session_analysis import recording_calibration, sling_channels

        try:
            self._result = recording_calibration(self.rec, sling_channels(self.rec, analyze(self.rec)), self.person)
        except EmgcoachError as e:
            self._result = (None, f"The recording's calibration is unusable: {e}")
        except Exception as e:  # a worker's failure must reach the user, not vanish with its thread
            logger.exception("finding the calibration of %s", self.path)
            self._result = (None, f"{self.path}: its calibration could not be read ({e})")

    def calibration(self) -> tuple[Calibration | None, str] | None:
        """None while it is being found (or was never asked for); then what was found."""
        if self._worker is None or self._worker.is_alive():
            return None
        return self._result
