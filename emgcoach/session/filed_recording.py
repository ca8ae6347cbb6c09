"""How a recording's reps go into a client's history when its report is saved (`emgcoach report --save`).

A recording is filed once: a session of the same person from the same file (paths compared resolved)
with the same reps is not saved again (`Store.saved_from`). Its calibration is saved with it; its sets
are filed as complete only if every one ran to its end, and of the drill's planned reps when it holds
one set. No Qt, no terminal: the caller says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emgcoach.coach.session_analysis import SessionReps
    from emgcoach.coach.store import Store


@dataclass(frozen=True)
class FiledRecording:
    """The history's session holding the recording's reps, and whether it was there already (then
    nothing was written)."""

    session_id: int
    already: bool


def file_recording(store: Store, person: str, recording: str | Path, started_at: str, scored: SessionReps,
                   notes: str = "") -> FiledRecording:
    """Save `scored` (the recording's reps and calibration) as a session of `person` that started at
    `started_at` (ISO local time), unless that session is in `store` already."""
    path = str(Path(recording).resolve())
    already = store.saved_from(person, path, scored.reps)
    if already is not None:
        return FiledRecording(already, True)
    cal_id = store.save_calibration(scored.calibration) if scored.calibration else None
    complete = all(s.complete for s in scored.sets)  # a set stopped early is filed as such
    planned = scored.sets[0].planned if len(scored.sets) == 1 else None
    sid = store.save_session(person, started_at, scored.reps, path, cal_id, notes, complete=complete,
                             planned_reps=planned)
    return FiledRecording(sid, False)
