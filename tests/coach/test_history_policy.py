"""The history holds only what the client did: the rules, without a display (the window follows them:
tests/ui/test_history_policy.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emgcoach.coach.history_policy import HistoryAction, SetEnd, history_decision, is_bundled_recording
from emgcoach.data import demo_recording

ROOT = Path(__file__).resolve().parents[2]


def decide(**kw: object) -> HistoryAction:
    args = {"person": "P07", "n_reps": 5, "ended": SetEnd.COMPLETE, "replay": False, "save_replays": False,
            "bundled": False} | kw
    return history_decision(**args).action  # type: ignore[arg-type]


def test_a_live_set_is_saved_whole_or_marked_incomplete() -> None:
    assert decide() is HistoryAction.SAVE
    for cut in (SetEnd.STOPPED, SetEnd.QUIT):
        d = history_decision(person="P07", n_reps=3, ended=cut, replay=False)
        assert d.action is HistoryAction.SAVE_INCOMPLETE and not d.complete and "incomplete" in d.reason


def test_a_replay_is_saved_only_when_asked_whole_and_never_from_a_bundled_file() -> None:
    assert decide(replay=True) is HistoryAction.SKIP
    assert "Save replayed sets" in history_decision(person="P07", n_reps=8, ended=SetEnd.COMPLETE, replay=True).reason
    assert decide(replay=True, save_replays=True) is HistoryAction.SAVE
    for cut in (SetEnd.SEEK, SetEnd.QUIT, SetEnd.STOPPED, SetEnd.FILE_ENDED):
        d = history_decision(person="P07", n_reps=3, ended=cut, replay=True, save_replays=True)
        assert d.action is HistoryAction.SKIP and "not saved" in d.reason
    d = history_decision(person="P07", n_reps=8, ended=SetEnd.COMPLETE, replay=True, save_replays=True, bundled=True)
    assert d.action is HistoryAction.SKIP and "bundled" in d.reason


def test_no_reps_or_no_client_saves_nothing() -> None:
    assert decide(n_reps=0) is HistoryAction.SKIP
    assert decide(person="") is HistoryAction.SKIP


@pytest.mark.parametrize("name", ["bird_dog_sim.xdf", "drills/prone_hip_extension.xdf"])
def test_bundled_recordings_are_known_by_where_they_are(name: str, tmp_path: Path) -> None:
    assert is_bundled_recording(ROOT / "recordings" / name)
    assert is_bundled_recording(f"{ROOT}/recordings/drills/../{name}")  # however the path is spelled
    copy = tmp_path / "bird_dog.xdf"
    copy.write_bytes((ROOT / "recordings" / name).read_bytes())
    assert not is_bundled_recording(copy) and not is_bundled_recording(None)


def test_the_demo_inside_the_package_is_bundled(tmp_path: Path) -> None:
    demo = demo_recording()
    assert is_bundled_recording(demo) and is_bundled_recording(demo.parent / ".." / "demo" / demo.name)
    copy = tmp_path / demo.name
    copy.write_bytes(demo.read_bytes())
    assert not is_bundled_recording(copy)
