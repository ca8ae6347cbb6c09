"""A both-slings set without a window: a DrillSet given both slings on a real engine replaying the
four-sensor alternating bird dog from its recorded start. Each rep is scored on the sling that worked
it (one runner per sling, `coach.slings_runner`), as `analyze` scores the recording; the recording of
the set holds each rep's sling, so `analyze` of it shows the live verdicts with their slings and the
same symmetry; the set's summary gives each sling's hits and the glute SI."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pytest

from emgcoach.coach.drills import load_library
from emgcoach.coach.recorded_sets import RepSource
from emgcoach.coach.session_analysis import analyze_with_reps
from emgcoach.coach.set_summary import summarise_set
from emgcoach.coach.slings import Sling, find_slings
from emgcoach.coach.slings_runner import SlingsRunner
from emgcoach.io.open import read_recording
from emgcoach.io.recording import Recording
from emgcoach.session.drill_set import DrillSet
from emgcoach.stream.engine import Engine
from emgcoach.stream.replay import replay_sources

ROOT = Path(__file__).resolve().parents[2]
DRILL = load_library(include_user=False)["alternating_bird_dog"]


@cache  # read when a test first needs it, not by every worker that collects this module
def rec() -> Recording:
    return read_recording(ROOT / "recordings" / "drills" / "alternating_bird_dog.xdf")


def drill_start() -> float:
    return next(m.time_s for m in rec().markers if m.kind == "drill_start")


def recorded_calibration():
    """The calibration the recording holds for its four muscles (what the window applies on a replay)."""
    from emgcoach.analysis import analyze
    from emgcoach.coach.session_analysis import coached_channels, recording_calibration

    cal, _ = recording_calibration(rec(), coached_channels(rec(), analyze(rec())), "P11")
    assert cal is not None
    return cal


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> tuple[DrillSet, Path, list[tuple[int, str]]]:
    """The set run on the replay at 16x, recorded; and the cue lines seen, rep by rep."""
    out = tmp_path_factory.mktemp("rec") / "alternating-live.xdf"
    texts: list[tuple[int, str]] = []  # (rep, cue line) as polled: at 16x a loaded machine may miss a phase
    with Engine(buffer_s=10.0) as engine:
        clock, sources = replay_sources(rec(), speed=16.0)
        clock.pause()
        engine.attach_replay_clock(clock)
        for src in sources:
            engine.add_source(src)
        roles = {(s, c): (ch.muscle, ch.side) for s in range(engine.n_streams)
                 for c, ch in enumerate(engine.info(s).channels)}
        slings = find_slings(roles)
        lat, glute = slings[Sling.LEFT]
        engine.seek(drill_start() - 1.0)
        engine.start_recording(out, [])
        ds = DrillSet(engine, DRILL, lat, glute, recorded_calibration(), ("left", "right"), drill_start(), "P11",
                      "2026-12-07T10:00:00", slings)
        engine.resume()
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline and not ds.done:
            ds.drain()
            st = ds.runner.status(engine.session_time_s())
            if not texts or texts[-1] != (st.rep, st.text):
                texts.append((st.rep, st.text))
            time.sleep(0.02)
        ds.stop()
        engine.stop_recording()
    return ds, out, texts


def test_each_rep_is_scored_on_its_sling_as_analyze_does(live) -> None:
    ds, _, _ = live
    assert isinstance(ds.runner, SlingsRunner) and ds.done
    _, offline = analyze_with_reps(rec())
    assert offline is not None and offline.source is RepSource.SCORED_NOW
    assert [s.sling for s in ds.scores] == [Sling.LEFT, Sling.RIGHT] * 4 == [r.sling for r in offline.reps]
    assert [s.index for s in ds.scores] == list(range(8)) and all(s.calibrated for s in ds.scores)
    for a, b in zip(ds.scores, offline.reps, strict=True):
        assert abs(a.start_s - b.start_s) < 0.005 and a.hit == b.hit and a.misses == b.misses


def test_the_cue_names_the_sling_of_the_rep(live) -> None:
    _, _, texts = live
    contract = [(rep, t) for rep, t in texts if t.endswith(DRILL.cues[0])]  # each rep's contract phase
    seen = {rep for rep, _ in contract}
    assert len(seen) >= 4 and {rep % 2 for rep in seen} == {0, 1}, contract  # both slings' reps, most of them
    for rep, text in contract:  # the alternating bird dog starts on the left sling
        assert text == f"{'Left' if rep % 2 == 0 else 'Right'} sling: {DRILL.cues[0]}", (rep, text)


def test_the_summary_gives_each_slings_hits_and_the_symmetry(live) -> None:
    ds, _, _ = live
    summary = summarise_set(DRILL, ds.scores)
    per = {s: (sum(r.sling is s for r in ds.scores), sum(r.hit for r in ds.scores if r.sling is s)) for s in Sling}
    assert summary.slings == ((Sling.LEFT, *per[Sling.LEFT]), (Sling.RIGHT, *per[Sling.RIGHT]))
    assert per[Sling.LEFT][0] == per[Sling.RIGHT][0] == 4 and summary.si_pairs == 4
    _, offline = analyze_with_reps(rec())
    assert summary.glute_si_pct == pytest.approx(offline.symmetry().glute_si_pct, abs=0.5)
    assert ds.by_sling_text() == f"left {per[Sling.LEFT][1]} of 4, right {per[Sling.RIGHT][1]} of 4"


def test_the_recording_of_the_set_holds_each_reps_sling(live) -> None:
    """`analyze` of the set's recording shows the live verdicts (not scored again), each with its sling,
    and the symmetry of both slings from them."""
    ds, out, _ = live
    _, scored = analyze_with_reps(read_recording(out))
    assert scored is not None and scored.source is RepSource.LIVE
    assert [r.sling for r in scored.reps] == [s.sling for s in ds.scores]
    assert [r.hit for r in scored.reps] == [s.hit for s in ds.scores]
    assert scored.symmetry() is not None and len(scored.symmetry().reps) == 4


def _processed(stream: int) -> list:
    """The recording's stream as the engine hands it on: 20 ms blocks through the live chain."""
    from emgcoach.dsp.pipeline import PipelineConfig
    from emgcoach.stream.processor import StreamProcessor

    st = rec().streams[stream]
    proc = StreamProcessor(stream, st.info, PipelineConfig(mains_hz=None), 10.0)
    return [proc.process(b)[0] for b in st.blocks(int(st.info.rate_hz * 0.02))]


def test_reps_keep_their_order_when_one_slings_sensors_lag() -> None:
    """The left sling's two sensors' blocks arriving 12 s after the right sling's (a busy link, or a
    machine under load): each rep is still numbered in time and on its sling, as when they come together."""
    roles = {(s, c): (ch.muscle, ch.side) for s, st in enumerate(rec().streams) for c, ch in enumerate(st.info.channels)}
    slings = find_slings(roles)
    left_streams = {key[0] for key in slings[Sling.LEFT]}
    assert left_streams.isdisjoint(key[0] for key in slings[Sling.RIGHT])  # one sensor per muscle
    blocks = [pb for s in range(len(rec().streams)) for pb in _processed(s)]

    def arrival(pb) -> float:
        return pb.t0 + (12.0 if pb.stream in left_streams else 0.0)

    orders = {}
    for name, key in (("together", lambda pb: pb.t0), ("left late", arrival)):
        runner = SlingsRunner(DRILL, slings, recorded_calibration(), drill_start())
        for pb in sorted(blocks, key=key):
            runner.feed_block(pb)
        orders[name] = [(r.index, r.sling, round(r.start_s, 3)) for r in runner.scores]
    assert len(orders["together"]) == 8
    assert [s for _, s, _ in orders["together"]] == [Sling.LEFT, Sling.RIGHT] * 4
    assert orders["left late"] == orders["together"]
