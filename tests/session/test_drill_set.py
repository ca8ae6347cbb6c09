"""A coached set without a window: a DrillSet on a real engine replaying the bundled bird-dog session
fast from just before its set, its reps drained as the window drains them, and what filing it leaves in a real history database
(the policy's paths: a live set saved, stopped early saved as incomplete, a replay not saved unless asked,
a bundled recording never)."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pytest

from emgcoach.coach.drills import load_library
from emgcoach.coach.history_policy import SetEnd
from emgcoach.coach.store import Store
from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording
from emgcoach.io.recording import Recording
from emgcoach.session.drill_set import DrillSet, Replayed, file_set, set_end
from emgcoach.stream.engine import Engine
from emgcoach.stream.replay import replay_sources
from emgcoach.types import Marker

SIM = demo_recording()


@cache  # read when a test first needs it, not by every worker that collects this module
def rec() -> Recording:
    return read_recording(SIM)


def drill_start() -> float:
    return next(m.time_s for m in rec().markers if m.kind == "drill_start")


def truth() -> list[Marker]:
    return [m for m in rec().markers if m.kind == "rep"]


def run_set(until_reps: int | None = None, late_s: float | None = None) -> DrillSet:
    """A bird-dog set on the replayed file from its recorded start, at 16x; stopped once `until_reps`
    reps are in (None: left to finish). `late_s`: the set is made only once the engine has processed that
    far past its start (a window frame that came late), else before the first block."""
    drill = load_library(include_user=False)["bird_dog"]

    def make(engine: Engine) -> DrillSet:
        return DrillSet(engine, drill, (0, 0), (0, 1), None, ("left", "right"), drill_start(), "P11",
                        "2026-12-07T10:00:00")

    with Engine(buffer_s=10.0) as engine:
        clock, sources = replay_sources(rec(), speed=16.0)
        clock.pause()  # the set subscribes before the first block
        engine.attach_replay_clock(clock)
        for src in sources:
            engine.add_source(src)
        ds = make(engine) if late_s is None else None
        engine.seek(drill_start() - 1.0)
        engine.resume()
        if ds is None:
            deadline = time.monotonic() + 20.0
            while engine.session_time_s() < drill_start() + late_s and time.monotonic() < deadline:
                time.sleep(0.005)
            engine.pause()
            ds = make(engine)
            engine.resume()
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline and not ds.done:
            ds.drain()
            if until_reps is not None and len(ds.scores) >= until_reps:
                ds.stop()
                return ds
            time.sleep(0.02)
        ds.stop()
    return ds


@pytest.fixture(scope="module")
def whole() -> DrillSet:
    return run_set()


def test_a_set_drains_every_rep_once_and_ends(whole: DrillSet) -> None:
    assert whole.done and len(whole.scores) == len(truth()) == 8
    assert [s.index for s in whole.scores] == list(range(8))
    for s, t in zip(whole.scores, truth()):  # each rep is the file's burst, its glute timed within 20 ms
        assert s.lat_onset_s == pytest.approx(t.payload["lat_onset_s"], abs=0.05)
        assert s.onset_latency_ms == pytest.approx(t.payload["latency_ms"], abs=20.0)


def test_a_set_made_after_its_start_was_processed_scores_the_same_reps() -> None:
    """A replayed set starts at its recorded time, which the window sees on its next frame: on a loaded
    machine the engine has processed seconds past it, here 8 s, beyond the 5 s set-up. The set is given
    the blocks it missed and finds every rep, as it does when made before its first block (a set that
    missed its set-up took a second of the reps as its rest and found none)."""
    late = run_set(late_s=8.0)
    assert late.done and len(late.scores) == len(truth()) == 8
    for s, t in zip(late.scores, truth()):
        assert s.lat_onset_s == pytest.approx(t.payload["lat_onset_s"], abs=0.05)
        assert s.onset_latency_ms == pytest.approx(t.payload["latency_ms"], abs=20.0)


def test_each_rep_carries_its_spectrum_and_the_set_its_trend(whole: DrillSet) -> None:
    """The engine hands the runner the band-passed signal: every rep's MDF measured live, in the surface
    EMG range, and the feedback column's trend line made from them (a steady simulated client: no flag)."""
    for s in whole.scores:
        assert all(50.0 < s.median_freq_hz[m] < 150.0 and s.rms_uv[m] > 0 for m in ("lat", "glute"))
    assert whole.fatigue().trends["glute"].n_reps == 8 and not whole.fatigue().flag
    text = whole.fatigue_text()
    assert text.startswith("MDF lat ") and " · glute " in text and text.endswith("%/rep (8 reps)")


def test_a_live_set_is_saved_once_whole(whole: DrillSet, tmp_path: Path) -> None:
    with Store(tmp_path / "h.sqlite3") as store:
        filed = file_set(whole, set_end(whole.done, None, False), None, None, False, lambda: store)
        hits = sum(s.hit for s in whole.scores)
        assert filed.line == f"Bird dog: {hits} of 8 reps on target; saved to P11's history" and not filed.error
        assert filed.scored is not None and filed.scored.complete and len(filed.scored.scores) == 8
        (row,) = store.sessions("P11")
        assert row.reps == 8 and row.complete


def test_a_live_set_stopped_early_is_saved_marked_incomplete(tmp_path: Path) -> None:
    part = run_set(until_reps=3)
    ended = set_end(part.done, None, False)
    assert ended is SetEnd.STOPPED and 3 <= len(part.scores) < 8
    with Store(tmp_path / "h.sqlite3") as store:
        filed = file_set(part, ended, None, None, False, lambda: store)
        assert filed.line.endswith("saved to P11's history as incomplete") and not filed.scored.complete
        (row,) = store.sessions("P11")
        assert not row.complete and row.reps == len(part.scores)


@pytest.mark.parametrize(("path", "save_replays", "reason"), [
    ("/data/P11/set.xdf", False, "a replay, not saved"),
    (str(SIM), True, "a bundled recording, never saved"),
])
def test_a_replay_is_not_saved_unless_asked_and_a_bundled_file_never(whole: DrillSet, tmp_path: Path, path: str,
                                                                    save_replays: bool, reason: str) -> None:
    opened = []
    filed = file_set(whole, SetEnd.COMPLETE, None, Replayed(path, "2026-11-25T10:00:00", []), save_replays,
                     lambda: opened.append(1) or Store(tmp_path / "h.sqlite3"))
    assert reason in filed.line and opened == []  # the history is not even opened
    assert filed.scored is not None  # the set can still be reported
