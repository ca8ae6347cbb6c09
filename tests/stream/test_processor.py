"""The StreamProcessor on its own, block by block on this thread: segments and gaps, seeks, onsets, quality
and the mains notch, %MVC and the recorder feed, with the numbers each should give."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from emgcoach.dsp.normalise import MvcNormaliser, estimate_rest
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.stream.processor import EngineEvent, EventKind, StreamProcessor, StreamState
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

RATE = 1000.0
N = 100  # samples a block: 0.1 s
INFO = StreamInfo("file", "s", "", RATE, (ChannelSpec("emg", "latissimus_dorsi", "left"),))


class Sink:
    """A recorder feed that keeps what it is given."""

    def __init__(self) -> None:
        self.blocks: list[tuple[int, Block]] = []
        self.markers: list[Marker] = []

    def put_block(self, stream: int, block: Block) -> None:
        self.blocks.append((stream, block))

    def put_marker(self, marker: Marker) -> None:
        self.markers.append(marker)


def make(sink: Sink | None = None, config: PipelineConfig | None = None, clock=None,
         wall: Callable[[], float] = time.monotonic) -> StreamProcessor:
    return StreamProcessor(3, INFO, config or PipelineConfig(mains_hz=None), 30.0, sink, clock, wall)


class Wall:
    """A machine clock that reads `step_s` later at each look (1 s: never the limit, as when live)."""

    def __init__(self, step_s: float) -> None:
        self.now, self.step_s = 0.0, step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


def index_block(first: int, t0: float | None = None, lost: int = 0, n: int = N) -> Block:
    """A block whose one channel carries the absolute sample index."""
    data = np.arange(first, first + n, dtype=np.float32)[:, None]
    return Block(data, first / RATE if t0 is None else t0, RATE, first, lost)


def feed(p: StreamProcessor, blocks: list[Block]) -> list[EngineEvent]:
    events: list[EngineEvent] = []
    for b in blocks:
        events += p.process(b)[1]
    return events


def of_kind(events: list[EngineEvent], kind: str) -> list[EngineEvent]:
    return [e for e in events if e.kind == kind]


def noise(seconds: float, seed: int = 1, sd: float = 10.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((int(seconds * RATE), 1)) * sd).astype(np.float32)


def blocks_of(x: np.ndarray, t0: float = 0.0, first: int = 0) -> list[Block]:
    """x in blocks of N from absolute index `first`, at t0 + k / rate."""
    return [Block(x[k : k + N], t0 + k / RATE, RATE, first + k) for k in range(0, len(x), N)]


def test_blocks_in_order_fill_the_ring_and_all_reach_the_recorder() -> None:
    sink = Sink()
    p = make(sink)
    events = feed(p, [index_block(k) for k in range(0, 1000, N)])
    raw, end = p.buffers.raw.latest(10_000)
    assert end == 1000 and np.array_equal(raw[:, 0], np.arange(1000))
    assert [b.first_index for _, b in sink.blocks] == list(range(0, 1000, N))
    assert {s for s, _ in sink.blocks} == {3} and sink.markers == []
    stats = p.stats()
    assert (stats.samples, stats.lost, stats.last_t_s, stats.state) == (1000, 0, 0.999, "starting")
    # one quality report a second, the first at the first block
    assert [e.kind for e in events] == ["quality"] and events[0].time_s == pytest.approx(0.099)


def test_lost_samples_are_counted_marked_and_left_as_nan() -> None:
    sink = Sink()
    p = make(sink)
    events = feed(p, [index_block(0), index_block(300, lost=200)])
    (gap,) = of_kind(events, "gap")
    assert gap.payload == {"lost": 200} and gap.time_s == pytest.approx(0.1) and gap.stream == 3
    assert [(m.kind, m.time_s, m.payload) for m in sink.markers] == [("gap", pytest.approx(0.1), {"lost": 200, "stream": "s"})]
    raw, end = p.buffers.raw.latest(10_000)
    assert end == 400 and np.isnan(raw[100:300, 0]).all() and raw[99, 0] == 99 and raw[300, 0] == 300
    assert p.stats().lost == 200


def test_a_gap_the_source_marked_is_shown_and_counted_but_recorded_once() -> None:
    sink = Sink()
    p = make(sink)
    feed(p, [index_block(0)])
    source_gap = Marker(0.1, "gap", {"stream": "s", "reason": "link dropped"})
    shown = p.mark(source_gap)
    events = feed(p, [index_block(150, lost=50), index_block(300, lost=50)])
    assert [e.payload for e in shown] == [{"kind": "gap", "stream": "s", "reason": "link dropped"}]
    assert [e.payload["lost"] for e in of_kind(events, "gap")] == [50, 50]
    # the source's marker, then only the second gap's own (the flag covers one block)
    assert [m.payload for m in sink.markers] == [source_gap.payload, {"lost": 50, "stream": "s"}]
    assert p.stats().lost == 100


def test_a_restarted_count_starts_a_new_segment_after_an_estimated_gap() -> None:
    sink = Sink()
    p = make(sink)
    feed(p, [index_block(k) for k in range(0, 500, N)])  # 0 .. 0.499 s
    events = feed(p, [index_block(0, t0=3.0), index_block(100, t0=3.1)])  # the count starts again at 3 s
    (gap,) = of_kind(events, "gap")
    # from the last sample (0.499 s) to 3 s: 2500 samples missing, the gap starting at 0.5 s
    assert gap.payload == {"lost": 2500, "reason": "sample count restarted"}
    assert gap.time_s == pytest.approx(0.5)
    assert sink.markers[-1].payload == {"lost": 2500, "stream": "s", "reason": "sample count restarted"}
    raw, end = p.buffers.raw.latest(10_000)
    assert end == 200 and np.array_equal(raw[:, 0], np.arange(200))  # the view starts afresh
    assert p.buffers.t_origin == pytest.approx(3.0)
    assert p.stats().lost == 2500 and p.stats().samples == 700
    assert len(sink.blocks) == 7  # every block recorded, both segments


def test_a_seek_starts_afresh_and_does_not_record_the_lead_up_again() -> None:
    sink = Sink()
    p = make(sink)
    feed(p, [index_block(k) for k in range(0, 1000, N)])
    seek = Marker(1.0, "note", {"event": "seek", "to_s": 5.0, "stream": "s"})
    assert [e.kind for e in p.mark(seek)] == ["marker"] and sink.markers == [seek]
    events = feed(p, [index_block(k) for k in range(4000, 6000, N)])  # the lead-up from 4 s, then on
    assert of_kind(events, "gap") == [] and p.stats().lost == 0  # a seek is no loss
    raw, end = p.buffers.raw.latest(10_000)
    assert p.buffers.raw.start_index == 4000 and end == 6000 and np.array_equal(raw[:, 0], np.arange(4000, 6000))
    recorded = [b.first_index for _, b in sink.blocks]
    assert recorded == list(range(0, 1000, N)) + list(range(5000, 6000, N))  # 4.0-4.999 s played, not recorded


def test_a_seek_back_reports_quality_again_at_once() -> None:
    """After a seek from 20 s back to 2 s the sensor panel's grades go on, not after 18 s more."""
    p = make(wall=Wall(1.0))
    feed(p, blocks_of(noise(20.0)))
    p.mark(Marker(20.0, "note", {"event": "seek", "to_s": 2.0, "stream": "s"}))
    events = feed(p, blocks_of(noise(3.0, seed=2), t0=2.0, first=2000))
    assert [round(e.time_s, 1) for e in of_kind(events, "quality")] == [2.1, 3.1, 4.1]


def test_onsets_from_the_streams_own_rest_after_three_seconds() -> None:
    x = noise(9.0)
    x[5000:6000] *= 30  # a 1 s burst at 5 s
    p = make()
    events = feed(p, blocks_of(x))
    onsets, offsets = of_kind(events, "onset"), of_kind(events, "offset")
    assert [e.time_s for e in onsets] == [pytest.approx(5.0, abs=0.03)]
    assert [e.time_s for e in offsets] == [pytest.approx(6.0, abs=0.05)]
    assert onsets[0].payload == {"channel": 0, "muscle": "latissimus_dorsi"} and onsets[0].kind is EventKind.ONSET


def test_onsets_on_a_calibrations_rest_from_the_first_second() -> None:
    x = noise(3.0)
    x[1000:2000] *= 30  # a burst at 1 s: before the stream could know its own rest
    rest = estimate_rest(Pipeline(RATE, PipelineConfig(mains_hz=None)).process(noise(5.0, seed=2)).onset_envelope, RATE)
    p = make()
    assert p.set_rest(rest.mean_uv, rest.sd_uv) == []
    events = feed(p, blocks_of(x))
    assert [e.time_s for e in of_kind(events, "onset")] == [pytest.approx(1.0, abs=0.03)]
    assert [e.time_s for e in of_kind(events, "offset")] == [pytest.approx(2.0, abs=0.05)]


def test_onsets_after_a_restart_are_timed_on_the_new_origin() -> None:
    first, second = noise(5.0), noise(3.0, seed=3)
    second[1000:2000] *= 30  # at 9 s on the session clock
    p = make()
    events = feed(p, blocks_of(first) + blocks_of(second, t0=8.0))  # its count from 0 again
    assert [e.time_s for e in of_kind(events, "onset")] == [pytest.approx(9.0, abs=0.03)]


def test_mains_hum_switches_the_notch_on_after_two_seconds() -> None:
    t = np.arange(int(4 * RATE)) / RATE
    x = noise(4.0) + (200 * np.sin(2 * np.pi * 50 * t))[:, None].astype(np.float32)
    p = make(clock=lambda: 42.0, wall=Wall(1.0))
    events = feed(p, blocks_of(x[:1900]))
    assert p.config.mains_hz is None and of_kind(events, "note") == []
    events = feed(p, blocks_of(x[1900:], t0=1.9, first=1900))
    (note,) = of_kind(events, "note")
    assert note.payload == {"message": "s: 50 Hz mains hum found; notch on"}
    assert note.time_s == 42.0  # no time of its own: the engine's session clock
    assert p.config.mains_hz == 50.0 and p.stats().mains_hz == 50.0 and p.channels.pipeline.notch_hz[0] == 50.0
    assert len(of_kind(events, "quality")) == 2  # at 2.0 s and 3.0 s: one a second


def test_a_fast_replay_reports_quality_twice_a_second_of_wall_time() -> None:
    """Quality is a display: 20 session seconds fed in 2.5 s of the machine's clock (8x) give a report
    every half second of it, not one per session second (each assesses a 10 s window per channel)."""
    wall = Wall(0.0)
    p = make(wall=wall)
    reports = []
    for b in blocks_of(noise(20.0)):
        wall.now = b.t0 / 8.0
        reports += of_kind(feed(p, [b]), "quality")
    times = [e.time_s for e in reports]
    assert len(times) == 5 and np.all(np.diff(times) == pytest.approx(4.0, abs=0.11)), times  # at 0, 4, ... 16 s


def test_pct_mvc_is_the_shown_envelope_over_the_calibration() -> None:
    x = noise(2.0) * 10
    p = make()
    feed(p, blocks_of(x[:1000]))
    p.set_normaliser(MvcNormaliser(200.0, 10.0))
    got = [p.process(b)[0] for b in blocks_of(x[1000:], t0=1.0, first=1000)]
    shown = Pipeline(RATE, PipelineConfig(mains_hz=None)).process(x).lowlag[1000:]
    pct = np.concatenate([b.pct_mvc for b in got])
    np.testing.assert_allclose(pct, np.maximum(100 * (shown - 10.0) / 190.0, 0.0), rtol=1e-6)
    ring, end = p.buffers.pct_mvc.latest(1000)
    assert end == 2000 and np.allclose(ring, pct)
    assert p.stats().calibrated
    p.set_normaliser(None)
    assert p.process(index_block(2000, n=10))[0].pct_mvc is None


def test_the_processed_block_carries_the_pipelines_outputs() -> None:
    x = noise(1.0)
    p = make()
    pb = [p.process(b)[0] for b in blocks_of(x)]
    whole = Pipeline(RATE, PipelineConfig(mains_hz=None)).process(x)
    assert [(b.stream, b.first_index, b.t0) for b in pb[:2]] == [(3, 0, 0.0), (3, 100, 0.1)]
    np.testing.assert_array_equal(np.concatenate([b.raw for b in pb]), x)
    np.testing.assert_allclose(np.concatenate([b.envelope for b in pb]), whole.envelope, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.concatenate([b.filtered for b in pb]), whole.filtered, rtol=1e-9, atol=1e-9)


def test_markers_are_recorded_unless_left_unrecorded_and_packets_only_recorded() -> None:
    sink = Sink()
    p = make(sink)
    rep = Marker(1.0, "rep", {"hit": True})
    note = Marker(2.0, "note", {"text": "hello"})
    packet = Marker(3.0, "packet", {"hex": "00ff"})
    events = p.mark(rep, {"rep"}) + p.mark(note, {"rep"}) + p.mark(packet)
    assert sink.markers == [note, packet]
    assert [(e.kind, e.time_s, e.payload) for e in events] == [
        ("marker", 1.0, {"kind": "rep", "hit": True}), ("marker", 2.0, {"kind": "note", "text": "hello"}),
    ]


def test_states_a_link_goes_through() -> None:
    sink = Sink()
    p = make(sink)
    (ev,) = p.begin(connecting=True)
    assert (ev.kind, ev.payload) == ("state", {"state": "connecting", "name": "s"})
    events = feed(p, [index_block(0, t0=7.0)])
    assert [(e.payload["state"], e.time_s) for e in of_kind(events, "state")] == [("streaming", 7.0)]
    (ev,) = p.mark(Marker(8.0, "state", {"state": "reconnecting"}))
    assert p.state is StreamState.RECONNECTING and ev.time_s == 8.0 and sink.markers == []
    p.mark(Marker(8.5, "state", {"state": "pairing"}))  # a word the engine does not know is kept as said
    assert p.stats().state == "pairing"
    assert [e.payload for e in p.end()] == [{"state": "ended", "name": "s"}]
    assert p.stats().state in ("ended", "error")
    (err,) = p.fail(OSError("link lost"))
    assert err.kind == "error" and err.payload == {"message": "s: link lost"} and p.stats().state == "error"
