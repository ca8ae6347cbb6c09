"""One stream's processing, block by block, on the caller's thread: no loop, no threads, no source.

`StreamProcessor.process(block)` places the block in its segment (the stream's first, the first after a
seek, a source that restarted its count), accounts for missing samples once, runs the `Pipeline` into the
ring buffers, normalises to %MVC, detects onsets, watches quality (and switches the mains notch on when it
hears hum), hands the block to the recorder feed, and returns what it made with the events to show.
The `Engine` (engine.py) runs one per stream on its acquisition thread; tests run one directly.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

import numpy as np

from emgcoach.dsp.filters import detect_mains_hz
from emgcoach.dsp.normalise import MvcNormaliser, estimate_rest
from emgcoach.dsp.onset import OnsetDetector, OnsetEvent
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig, PipelineOutput
from emgcoach.dsp.quality import QualityMonitor
from emgcoach.stream.ringbuffer import RingBuffer
from emgcoach.types import Block, ChannelSpec, Marker, MarkerKind, StreamInfo

QUALITY_EVERY_S = 1.0
# and at most this often in wall time: the report is a display, and a fast replay would otherwise assess
# its 10 s window 16 times a second per stream for a panel read twice a second
QUALITY_MIN_WALL_S = 0.5
QUALITY_WINDOW_S = 10.0  # long enough to hold rest and contraction, so SNR means something
MAINS_CHECK_AFTER_S = 2.0
ONSET_REST_EVERY_S = 10.0  # without calibration, re-estimate the resting level this often from the last
ONSET_REST_WINDOW_S = 30.0  # this many seconds of onset envelope (its quietest windows)
RESTART_REASON = "sample count restarted"


class StreamState(StrEnum):
    """A stream's state as the device panel shows it (the strings UI code and tests compare with)."""

    STARTING = "starting"
    RUNNING = "running"  # files, simulators, inlets: from the start
    CONNECTING = "connecting"  # a live link before its first samples
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    ENDED = "ended"
    ERROR = "error"


def as_state(text: str) -> str:
    """A state a source reported, as a `StreamState` when it is one (else the source's own word)."""
    try:
        return StreamState(text)
    except ValueError:
        return text


class EventKind(StrEnum):
    """What an `EngineEvent` reports."""

    MARKER = "marker"
    GAP = "gap"
    STATE = "state"
    ERROR = "error"
    QUALITY = "quality"
    RECORDING = "recording"
    NOTE = "note"
    ONSET = "onset"
    OFFSET = "offset"


@dataclass(frozen=True)
class EngineEvent:
    """Something the UI may show; payload per kind: marker (kind and the marker's payload), gap (lost,
    reason), state (state, name), error (message), quality (channels), recording (state, path), note
    (message), onset/offset (channel, muscle)."""

    kind: EventKind
    stream: int | None
    time_s: float
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProcessedBlock:
    """One block after DSP, as subscribers (the drill runner) receive it. Arrays (n, channels), µV or %MVC."""

    stream: int
    t0: float
    first_index: int
    rate_hz: float
    raw: np.ndarray
    filtered: np.ndarray
    envelope: np.ndarray
    onset_envelope: np.ndarray
    lowlag: np.ndarray | None
    pct_mvc: np.ndarray | None
    band_hz: tuple[float, float] = (20.0, 450.0)  # the band `filtered` was passed through (Hz)
    notch_hz: tuple[float, ...] = ()  # the mains lines notched in it (Hz), for spectra that bridge them


@dataclass
class StreamBuffers:
    """The ring buffers of one stream. Sample with absolute index i is at session time t_origin + i / rate."""

    rate_hz: float
    channels: tuple[ChannelSpec, ...]
    raw: RingBuffer
    envelope: RingBuffer
    lowlag: RingBuffer
    pct_mvc: RingBuffer
    t_origin: float = 0.0

    def time_of(self, index: int | np.ndarray) -> float | np.ndarray:
        """Session time in s of absolute sample index(es)."""
        return self.t_origin + np.asarray(index) / self.rate_hz

    def rings(self) -> tuple[RingBuffer, ...]:
        return (self.raw, self.envelope, self.lowlag, self.pct_mvc)


@dataclass(frozen=True)
class StreamStats:
    """A snapshot of one stream's health for the device panel."""

    name: str
    state: str  # a StreamState, or a word a source reported that is not one
    samples: int
    lost: int
    rate_measured_hz: float
    last_t_s: float
    message: str
    mains_hz: float | None
    quality: tuple[dict, ...]
    calibrated: bool
    battery_pct: int | None = None  # a sensor's battery level (%), when it reports one
    rssi_dbm: int | None = None  # a sensor's signal strength when it was last connected (dBm)


class RecordSink(Protocol):
    """Where a stream's recorded blocks and markers go (the engine's recorder, if one is open)."""

    def put_block(self, stream: int, block: Block) -> None: ...

    def put_marker(self, marker: Marker) -> None: ...


class _NoRecording:
    def put_block(self, stream: int, block: Block) -> None:
        pass

    def put_marker(self, marker: Marker) -> None:
        pass


class _Channels:
    """DSP and the ring buffers the UI reads: the pipeline's outputs and %MVC, at their absolute indices."""

    def __init__(self, info: StreamInfo, config: PipelineConfig, buffer_s: float) -> None:
        rate, n_ch = info.rate_hz, info.n_channels
        self.rate_hz, self.config = rate, config
        self.pipeline = Pipeline(rate, config)
        cap = max(1, int(round(buffer_s * rate)))
        raw, envelope, lowlag, pct_mvc = (RingBuffer(cap, n_ch) for _ in range(4))
        self.buffers = StreamBuffers(rate, info.channels, raw, envelope, lowlag, pct_mvc)
        self.normaliser: MvcNormaliser | None = None

    def clear(self, first_index: int) -> None:
        for ring in self.buffers.rings():
            ring.clear(first_index)

    def process(self, block: Block) -> tuple[PipelineOutput, np.ndarray | None]:
        out = self.pipeline.process(block.data)
        buf, first = self.buffers, block.first_index
        buf.raw.write(block.data, first)
        buf.envelope.write(out.envelope, first)
        if out.lowlag is not None:
            buf.lowlag.write(out.lowlag, first)
        # %MVC of what the feedback shows: the low-lag envelope (the 6 Hz one when the chain has none)
        shown = out.lowlag if out.lowlag is not None else out.envelope
        normaliser = self.normaliser
        pct = normaliser.process(shown) if normaliser is not None else None
        if pct is not None:
            buf.pct_mvc.write(pct, first)
        return out, pct

    def notch(self, mains_hz: float) -> None:
        self.config = replace(self.config, mains_hz=mains_hz)
        # its start-up phase fits the hum out (dsp/filters.py NotchedBandPass): no burst at the switch
        self.pipeline = Pipeline(self.rate_hz, self.config)


class _Onsets:
    """Onset/offset detection. The threshold rests on the calibration's rest level, or without one on the
    quietest stretches of the last 30 s of onset envelope (re-estimated every 10 s)."""

    def __init__(self, rate_hz: float, n_channels: int) -> None:
        self.rate_hz = rate_hz
        self.detector: OnsetDetector | None = None
        self.ring = RingBuffer(max(1, int(ONSET_REST_WINDOW_S * rate_hz)), n_channels)
        self.next_rest_t = float("-inf")
        self.from_calibration = False
        self.rest: tuple[Any, Any] | None = None  # the calibration's (mean, sd) in µV, when it set the threshold

    def process(self, env: np.ndarray, first: int, t0: float, t_origin: float) -> list[OnsetEvent]:
        self.ring.write(env, first)
        now = t0 + len(env) / self.rate_hz
        if not self.from_calibration and now >= self.next_rest_t:
            self._estimate_rest(t_origin, now)
        return self.detector.process(env, first) if self.detector is not None else []

    def _estimate_rest(self, t_origin: float, now: float) -> None:
        held, _ = self.ring.latest(self.ring.capacity)
        if len(held) < 3 * self.rate_hz:
            return
        rest = estimate_rest(held[~np.isnan(held).any(axis=1)], self.rate_hz)
        if self.detector is None:
            self.detector = OnsetDetector(self.rate_hz, rest.mean_uv, rest.sd_uv, t0=t_origin)
        else:
            self.detector.set_baseline(rest.mean_uv, rest.sd_uv)
        self.next_rest_t = now + ONSET_REST_EVERY_S

    def flush(self) -> list[OnsetEvent]:
        """The offsets the detector still holds back, before its clock or thresholds change."""
        return self.detector.flush() if self.detector is not None else []

    def reset(self, first_index: int, t_origin: float) -> None:
        """After a seek: same threshold, fresh on/off state, timed from the new origin."""
        if self.detector is not None:
            self.detector.reset()
            self.detector.t0 = t_origin
        self.ring.clear(first_index)

    def restart(self, first_index: int, t_origin: float) -> list[OnsetEvent]:
        """A restarted count: the detector keeps its threshold and its state, and sees the index jump as a
        gap (no run spans it); what it held back is timed on the old origin, so it goes out first."""
        self.ring.clear(first_index)
        held = self.flush()
        if self.detector is not None:
            self.detector.t0 = t_origin
        return held

    def set_rest(self, mean_uv: Any, sd_uv: Any, t_origin: float) -> list[OnsetEvent]:
        held = self.flush()
        self.detector = OnsetDetector(self.rate_hz, mean_uv, sd_uv, t0=t_origin)
        self.from_calibration = True
        self.rest = (mean_uv, sd_uv)
        return held


class _Quality:
    """The quality monitor's window, its report once a session second (at most every QUALITY_MIN_WALL_S
    of `wall` time), and the one look for mains hum."""

    def __init__(self, rate_hz: float, mains_hz: float | None, wall: Callable[[], float] = time.monotonic) -> None:
        self.rate_hz = rate_hz
        self.monitor = QualityMonitor(rate_hz, window_s=QUALITY_WINDOW_S, mains_hz=mains_hz)
        self.mains_checked = mains_hz is not None
        self.wall = wall
        self.next_t = self.next_wall = float("-inf")
        self.last: tuple[dict, ...] = ()

    def mains_found(self, samples: int) -> float | None:
        """After the first 2 s (once): the mains frequency if hum is heard, which the monitor then uses."""
        if self.mains_checked or samples < MAINS_CHECK_AFTER_S * self.rate_hz:
            return None
        self.mains_checked = True
        mains = detect_mains_hz(self.monitor.window(), self.rate_hz)
        if mains is not None:
            self.monitor.mains_hz = mains
        return mains

    def reset(self) -> None:
        """After a seek: a fresh window, and the next report as soon as it is due by the machine's clock
        (a seek back must not wait for the session to pass where it was)."""
        self.monitor.reset()
        self.next_t = float("-inf")

    def report_due(self, last_t: float) -> tuple[dict, ...] | None:
        if last_t < self.next_t:
            return None
        wall = self.wall()
        if wall < self.next_wall:
            return None
        self.next_t, self.next_wall = last_t + QUALITY_EVERY_S, wall + QUALITY_MIN_WALL_S
        self.last = tuple(q.to_dict() for q in self.monitor.report())
        return self.last


class StreamProcessor:
    """One stream's processing; see the module's docstring. Not thread-safe: one caller at a time (the
    engine's acquisition thread), except that readers may read `buffers` and `stats()` concurrently.

    clock: the session time stamped on events that have none of their own (the engine's newest sample).
    sink: where recorded blocks and markers go.
    wall: the machine's clock (s) that paces the quality report in a fast replay.
    """

    def __init__(
        self,
        index: int,
        info: StreamInfo,
        config: PipelineConfig,
        buffer_s: float,
        sink: RecordSink | None = None,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        self.index, self.info, self._buffer_s = index, info, buffer_s
        self.sink: RecordSink = sink if sink is not None else _NoRecording()
        self._clock = clock if clock is not None else (lambda: self.last_t)
        self._wall = wall
        self.channels = _Channels(info, config, buffer_s)
        self.onsets = _Onsets(info.rate_hz, info.n_channels)
        self.quality = _Quality(info.rate_hz, config.mains_hz, wall)
        self.state: str = StreamState.STARTING
        self.message = ""
        self.samples = self.lost = 0
        self.last_t: float = float("nan")  # session time of the newest sample (s)
        self.reset_pending = False  # a seek: the next block starts a fresh segment
        self.record_from_t = float("-inf")  # after a seek: blocks before its target are not recorded
        self.gap_marked = False  # the source marked the next gap itself
        self.arrivals: collections.deque[tuple[float, int]] = collections.deque(maxlen=64)

    # ------------------------------------------------------------------ what readers see

    @property
    def buffers(self) -> StreamBuffers:
        return self.channels.buffers

    @property
    def config(self) -> PipelineConfig:
        return self.channels.config

    @property
    def normaliser(self) -> MvcNormaliser | None:
        return self.channels.normaliser

    def stats(self, battery_pct: int | None = None, rssi_dbm: int | None = None) -> StreamStats:
        rate = float("nan")
        arrivals = self.arrivals
        if len(arrivals) >= 2:
            (t0, n0), (t1, n1) = arrivals[0], arrivals[-1]
            if t1 > t0:
                rate = (n1 - n0) / (t1 - t0)
        return StreamStats(
            self.info.name, self.state, self.samples, self.lost, rate, self.last_t, self.message,
            self.config.mains_hz, self.quality.last, self.normaliser is not None, battery_pct, rssi_dbm,
        )

    # ------------------------------------------------------------------ lifecycle and settings

    def begin(self, connecting: bool = False) -> list[EngineEvent]:
        """The source starts: a live link says 'connecting' until it streams; anything else is 'running'."""
        return self._set_state(StreamState.CONNECTING if connecting else StreamState.RUNNING)

    def end(self) -> list[EngineEvent]:
        self.state = StreamState.ENDED
        return [self._event(EventKind.STATE, {"state": self.state, "name": self.info.name})]

    def fail(self, error: BaseException) -> list[EngineEvent]:
        self.state, self.message = StreamState.ERROR, f"{self.info.name}: {error}"
        return [self._event(EventKind.ERROR, {"message": self.message})]

    def set_normaliser(self, normaliser: MvcNormaliser | None) -> None:
        """Normalise to %MVC from the next block on (None: no longer)."""
        self.channels.normaliser = normaliser

    def set_rest(self, mean_uv: Any, sd_uv: Any) -> list[EngineEvent]:
        """Use a calibration's resting level (µV, per channel) for onset thresholds from now on."""
        return self._onset_events(self.onsets.set_rest(mean_uv, sd_uv, self.buffers.t_origin))

    def configure(self, info: StreamInfo) -> None:
        """Set the stream up for `info` (its source's final rate and channels, which may differ from the
        provisional ones it was made with) before its first sample: filters, rings, onset detector and
        quality window are made anew at that rate; a calibration given meanwhile is kept when the channel
        count is the same."""
        if self.samples:
            raise RuntimeError(f"{self.info.name}: its rate and channels are fixed once samples are processed")
        same_channels = info.n_channels == self.info.n_channels
        old_channels, old_onsets, config = self.channels, self.onsets, self.channels.config
        onsets = _Onsets(info.rate_hz, info.n_channels)
        if same_channels and old_onsets.rest is not None:
            onsets.set_rest(*old_onsets.rest, old_channels.buffers.t_origin)
        channels = _Channels(info, config, self._buffer_s)
        channels.normaliser = old_channels.normaliser if same_channels else None
        # readers (the UI) pick the new buffers and info up at their next read
        self.info, self.channels, self.onsets = info, channels, onsets
        self.quality = _Quality(info.rate_hz, config.mains_hz, self._wall)

    def _set_state(self, state: str, time_s: float | None = None) -> list[EngineEvent]:
        self.state = state
        return [self._event(EventKind.STATE, {"state": state, "name": self.info.name}, time_s)]

    # ------------------------------------------------------------------ markers

    def mark(self, marker: Marker, unrecorded: Iterable[str] = ()) -> list[EngineEvent]:
        """A marker from the source: a link's state, a captured packet (recorded only), a seek (the next
        block starts afresh; the lead-up to its target is not recorded again), a gap the source marked
        itself, or anything else (recorded unless its kind is `unrecorded`, and shown)."""
        if marker.kind == MarkerKind.STATE:
            return self._set_state(as_state(str(marker.payload.get("state", self.state))), marker.time_s)
        if marker.kind == MarkerKind.PACKET:
            self.sink.put_marker(marker)
            return []
        if marker.kind == MarkerKind.NOTE and marker.payload.get("event") == "seek":
            self.reset_pending = True
            self.record_from_t = float(marker.payload.get("to_s", float("-inf")))
        if marker.kind == MarkerKind.GAP:
            self.gap_marked = True  # the block with `lost` that follows adds no second one
        if marker.kind not in unrecorded:
            self.sink.put_marker(marker)
        return [self._event(EventKind.MARKER, {"kind": marker.kind, **marker.payload}, marker.time_s)]

    # ------------------------------------------------------------------ blocks

    def process(self, block: Block) -> tuple[ProcessedBlock, list[EngineEvent]]:
        """One block through every part; returns it processed, and the events it gave, oldest first."""
        events: list[EngineEvent] = []
        if self.state == StreamState.CONNECTING:  # samples arrived before the link reported 'streaming'
            events += self._set_state(StreamState.STREAMING, block.t0)
        events += self._place(block)
        out, pct = self.channels.process(block)
        t_origin = self.buffers.t_origin
        events += self._onset_events(self.onsets.process(out.onset_envelope, block.first_index, block.t0, t_origin))
        self.quality.monitor.process(block.data)
        self._count(block)
        if self.last_t >= self.record_from_t:  # (last_t: this block's last sample)
            self.sink.put_block(self.index, block)
        events += self._watch_quality()
        processed = ProcessedBlock(
            self.index, block.t0, block.first_index, block.rate_hz, block.data, out.filtered, out.envelope,
            out.onset_envelope, out.lowlag, pct, self.channels.pipeline.band_hz, self.channels.pipeline.notch_hz,
        )
        return processed, events

    def _place(self, block: Block) -> list[EngineEvent]:
        """Set the segment's origin when one starts, and account for samples missing before this block."""
        events: list[EngineEvent] = []
        restarted = False
        if self.samples == 0 or self.reset_pending:
            self._set_origin(block)
            if self.reset_pending:
                self._reset(block)
        elif block.first_index < self.buffers.raw.end_index:
            # a source restarted its count (e.g. a reconnect that resets it): a new segment, after a gap.
            # Every ring starts afresh at the new index; onsets go on, timed from the new origin.
            restarted = True
            self._set_origin(block)
            self.channels.clear(block.first_index)
            events += self._onset_events(self.onsets.restart(block.first_index, self.buffers.t_origin))
        if block.lost:
            events += self._gap(block.lost, block)
        elif restarted:  # the count says nothing about what is missing: estimate it from the time away
            missing = int(round((block.t0 - self.last_t) * block.rate_hz)) - 1 if np.isfinite(self.last_t) else 0
            events += self._gap(max(0, missing), block, RESTART_REASON)
        self.gap_marked = False
        return events

    def _set_origin(self, block: Block) -> None:
        self.buffers.t_origin = block.t0 - block.first_index / block.rate_hz

    def _reset(self, block: Block) -> None:
        """After a seek: every filter, window and ring starts afresh at the block's index."""
        self.channels.pipeline.reset()
        self.quality.reset()
        self.onsets.reset(block.first_index, self.buffers.t_origin)
        self.channels.clear(block.first_index)
        self.reset_pending = False

    def _gap(self, lost: int, block: Block, reason: str | None = None) -> list[EngineEvent]:
        """`lost` samples missing just before `block`: counted, recorded as a gap marker (unless the source
        marked it itself), and shown."""
        self.lost += lost
        gap_t = block.t0 - lost / block.rate_hz
        detail: dict[str, Any] = {"lost": lost} if reason is None else {"lost": lost, "reason": reason}
        if not self.gap_marked:
            self.sink.put_marker(Marker(gap_t, MarkerKind.GAP, {**detail, "stream": self.info.name}))
        return [self._event(EventKind.GAP, detail, gap_t)]

    def _count(self, block: Block) -> None:
        self.samples += block.n_samples
        self.last_t = block.t0 + (block.n_samples - 1) / block.rate_hz
        self.arrivals.append((time.monotonic(), self.samples))

    def _watch_quality(self) -> list[EngineEvent]:
        """Switch the notch on if the first seconds hum with mains; report quality once a second."""
        events: list[EngineEvent] = []
        mains = self.quality.mains_found(self.samples)
        if mains is not None:
            self.channels.notch(mains)
            events.append(self._event(EventKind.NOTE, {"message": f"{self.info.name}: {mains:g} Hz mains hum found; notch on"}))
        report = self.quality.report_due(self.last_t)
        if report is not None:
            events.append(self._event(EventKind.QUALITY, {"channels": list(report)}, self.last_t))
        return events

    # ------------------------------------------------------------------ events

    def _onset_events(self, found: list[OnsetEvent]) -> list[EngineEvent]:
        channels = self.info.channels
        return [
            self._event(EventKind(e.kind), {"channel": e.channel, "muscle": channels[e.channel].muscle}, e.time_s)
            for e in found
        ]

    def _event(self, kind: EventKind, payload: dict[str, Any], time_s: float | None = None) -> EngineEvent:
        return EngineEvent(kind, self.index, self._clock() if time_s is None else time_s, payload)
