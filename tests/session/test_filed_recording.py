"""A report's recording filed in a client's history (`session.filed_recording`, what `emgcoach report --save`
does): once per recording, with its calibration, complete only if every set ran to its end."""

from __future__ import annotations

import math
from pathlib import Path

from emgcoach.coach.recorded_sets import RepSource
from emgcoach.coach.session_analysis import SessionReps, SetSummary
from emgcoach.session.filed_recording import file_recording


class FakeStore:
    """What file_recording asks of a `coach.store.Store`, written down."""

    def __init__(self, saved: int | None = None) -> None:
        self.saved, self.sessions, self.calibrations = saved, [], []

    def saved_from(self, person: str, recording: str, reps: list) -> int | None:
        self.asked = (person, recording)
        return self.saved

    def save_calibration(self, cal: object) -> int:
        self.calibrations.append(cal)
        return 7

    def save_session(self, *args: object, **kwargs: object) -> int:
        self.sessions.append((args, kwargs))
        return 3


def _scored(*complete: bool, calibration: object = None) -> SessionReps:
    sets = [SetSummary("bird_dog", 0.0, math.inf, RepSource.LIVE, 8, 6, 10, c) for c in complete]
    return SessionReps([], calibration, "", [], RepSource.LIVE, sets)


def test_a_new_recording_is_saved_with_its_calibration(tmp_path: Path) -> None:
    store = FakeStore()
    filed = file_recording(store, "P07", tmp_path / "x" / ".." / "a.xdf", "2026-01-02T10:00:00",
                           _scored(True, calibration="cal"), "notes")
    assert (filed.session_id, filed.already) == (3, False)
    assert store.asked == ("P07", str((tmp_path / "a.xdf").resolve()))  # compared resolved
    ((args, kwargs),) = store.sessions
    assert args == ("P07", "2026-01-02T10:00:00", [], str((tmp_path / "a.xdf").resolve()), 7, "notes")
    assert kwargs == {"complete": True, "planned_reps": 10}


def test_a_set_stopped_early_makes_the_session_incomplete_and_two_sets_plan_nothing(tmp_path: Path) -> None:
    store = FakeStore()
    file_recording(store, "P07", tmp_path / "a.xdf", "", _scored(True, False))
    ((args, kwargs),) = store.sessions
    assert args[4] is None and kwargs == {"complete": False, "planned_reps": None}


def test_a_recording_in_the_history_already_is_not_saved_again(tmp_path: Path) -> None:
    store = FakeStore(saved=1)
    filed = file_recording(store, "P07", tmp_path / "a.xdf", "", _scored(True, calibration="cal"))
    assert (filed.session_id, filed.already) == (1, True)
    assert store.sessions == [] and store.calibrations == []
