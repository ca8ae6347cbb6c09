"""The engine: sources on one asyncio loop in its own thread, DSP per stream, ring buffers, recorder feed.

Threads (see DESIGN.md): the acquisition thread runs the loop: it reads every source, runs each stream's
`Pipeline`, writes the ring buffers and hands blocks to the recorder's queue (never waiting for the disk).
The UI thread pulls from the ring buffers on its own timer, drains `events`, and sends commands through
the thread-safe methods here; nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from emgcoach.dsp.filters import detect_mains_hz
from emgcoach.dsp.normalise import MvcNormaliser, estimate_rest
from emgcoach.dsp.onset import OnsetDetector
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.dsp.quality import QualityMonitor
from emgcoach.io.xdf_writer import Recorder
from emgcoach.stream.ringbuffer import RingBuffer
from emgcoach.stream.source import Source
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

QUALITY_EVERY_S = 1.0
QUALITY_WINDOW_S = 10.0  # long enough to hold rest and contraction, so SNR means something
MAINS_CHECK_AFTER_S = 2.0
MAX_EVENTS = 10_000  # events kept for a consumer that is not draining; the oldest go first
ONSET_REST_EVERY_S = 10.0  # without calibration, re-estimate the resting level this often from the last
ONSET_REST_WINDOW_S = 30.0  # this many seconds of onset envelope (its quietest windows)


@dataclass(frozen=True)
class EngineEvent:
    """Something the UI may show: kind 'marker', 'gap', 'state', 'error', 'quality', 'recording', 'note',
    'onset', 'offset' (payload: channel, muscle)."""

    kind: str
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


@dataclass(frozen=True)
class StreamStats:
    """A snapshot of one stream's health for the device panel."""

    name: str
    state: str  # 'starting', 'running', 'connecting', 'streaming', 'reconnecting', 'ended', 'error'
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


class _Stream:
    def __init__(self, index: int, source: Source, config: PipelineConfig, buffer_s: float) -> None:
        info: StreamInfo = source.info
        self.index, self.source, self.info, self.config = index, source, info, config
        rate, n_ch = info.rate_hz, info.n_channels
        self.pipeline = Pipeline(rate, config)
        cap = max(1, int(round(buffer_s * rate)))
        self.buffers = StreamBuffers(
            rate, info.channels, RingBuffer(cap, n_ch), RingBuffer(cap, n_ch), RingBuffer(cap, n_ch), RingBuffer(cap, n_ch)
        )
        self.quality = QualityMonitor(rate, window_s=QUALITY_WINDOW_S, mains_hz=config.mains_hz)
        self.normaliser: MvcNormaliser | None = None
        self.state, self.message = "starting", ""
        self.samples = self.lost = 0
        self.last_t = float("nan")
        self.mains_checked = config.mains_hz is not None
        self.next_quality_t = float("-inf")
        self.last_quality: tuple[dict, ...] = ()
        self.reset_pending = False
        self.record_from_t = float("-inf")  # after a seek: blocks before its target are not recorded
        self.gap_marked = False
        self.onsets: OnsetDetector | None = None
        self.onset_ring = RingBuffer(max(1, int(ONSET_REST_WINDOW_S * rate)), n_ch)
        self.next_rest_t = float("-inf")
        self.rest_from_calibration = False
        self.arrivals: collections.deque[tuple[float, int]] = collections.deque(maxlen=64)
        self.task: asyncio.Task | None = None

    def stats(self) -> StreamStats:
        rate = float("nan")
        if len(self.arrivals) >= 2:
            (t0, n0), (t1, n1) = self.arrivals[0], self.arrivals[-1]
            if t1 > t0:
                rate = (n1 - n0) / (t1 - t0)
        return StreamStats(
            self.info.name, self.state, self.samples, self.lost, rate, self.last_t, self.message,
            self.config.mains_hz, self.last_quality, self.normaliser is not None,
            getattr(self.source, "battery_pct", None), getattr(self.source, "rssi_dbm", None),
        )


class Engine:
    """Runs sources, DSP and the recorder feed on its own thread; every public method is thread-safe.

    buffer_s: seconds of history kept per stream in the ring buffers (fixed memory).
    """

    def __init__(self, buffer_s: float = 30.0, config: PipelineConfig | None = None) -> None:
        self.buffer_s = float(buffer_s)
        self.default_config = config or PipelineConfig(mains_hz=None)
        self._streams: list[_Stream] = []
        self._events: collections.deque[EngineEvent] = collections.deque(maxlen=MAX_EVENTS)
        self._subscribers: list[Callable[[ProcessedBlock], None]] = []
        self._recorder: Recorder | None = None
        self._unrecorded_source_kinds: frozenset[str] = frozenset()  # see leave_source_markers_unrecorded
        self._replay_clock: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started_at = time.monotonic()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Engine:
        """Start the acquisition thread (idempotent)."""
        if self._thread is not None:
            return self
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="emgcoach-acquisition", daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        """Close every source, finish any recording and join the thread."""
        if self._thread is None or self._loop is None:
            return
        try:
            self._submit(self._shutdown()).result(timeout=timeout_s)
        except Exception:  # the sources are being torn down anyway; stop the loop regardless
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=timeout_s)
        self._thread = None
        if self._recorder is not None:
            self.stop_recording()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _shutdown(self) -> None:
        for st in self._streams:
            if st.task is not None:
                st.task.cancel()
            try:
                await st.source.close()
            except Exception:
                pass
        await asyncio.gather(*(st.task for st in self._streams if st.task), return_exceptions=True)

    def _submit(self, coro: Any) -> Future:
        if self._loop is None:
            raise RuntimeError("engine is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run fn(*args) on the acquisition thread."""
        if self._loop is None:
            raise RuntimeError("engine is not started")
        self._loop.call_soon_threadsafe(fn, *args)

    # ------------------------------------------------------------------ sources

    def add_source(self, source: Source, config: PipelineConfig | None = None) -> int:
        """Start consuming `source`; returns its stream index. While a recording is open the stream joins
        it: its samples are recorded from now on."""
        self.start()

        async def add() -> int:
            st = _Stream(len(self._streams), source, config or self.default_config, self.buffer_s)
            failed: Exception | None = None
            with self._lock:  # with start_recording's snapshot of the streams: recorder index == stream index
                self._streams.append(st)
                rec = self._recorder
                if rec is not None:
                    try:
                        rec.add_stream(st.info)  # queued: the recorder thread writes its header
                    except Exception as e:  # the recording had failed: stop it and say so (below, unlocked)
                        failed = e
            if failed is not None:
                self._fail_recording(failed)
            st.task = asyncio.get_running_loop().create_task(self._consume(st))
            return st.index

        return self._submit(add()).result(timeout=5.0)

    @property
    def n_streams(self) -> int:
        return len(self._streams)

    def buffers(self, stream: int) -> StreamBuffers:
        return self._streams[stream].buffers

    def stream_stats(self, stream: int) -> StreamStats:
        return self._streams[stream].stats()

    def info(self, stream: int) -> StreamInfo:
        return self._streams[stream].info

    def clock_s(self) -> float:
        """The live session clock: seconds since the engine was made (what live sources stamp arrivals with)."""
        return time.monotonic() - self._started_at

    def session_time_s(self) -> float:
        """Newest sample time across streams, or seconds since the engine was made if none has arrived."""
        times = [st.last_t for st in self._streams if np.isfinite(st.last_t)]
        return max(times) if times else time.monotonic() - self._started_at

    async def _consume(self, st: _Stream) -> None:
        # a live link (BleSensorSource) says 'connecting' until its first samples or its 'streaming' report;
        # files, simulators and inlets are 'running' at once
        st.state = "connecting" if getattr(st.source, "state", None) == "connecting" else "running"
        self._emit("state", st.index, {"state": st.state, "name": st.info.name})
        try:
            async for item in st.source.blocks():
                if isinstance(item, Marker):
                    self._on_marker(st, item)
                else:
                    self._on_block(st, item)
            st.state = "ended"
            self._emit("state", st.index, {"state": "ended", "name": st.info.name})
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a device or file failed: say so; the other streams keep running
            st.state, st.message = "error", f"{st.info.name}: {e}"
            self._emit("error", st.index, {"message": st.message})

    # ------------------------------------------------------------------ per block (acquisition thread)

    def _on_marker(self, st: _Stream, marker: Marker) -> None:
        if marker.kind == "state":  # a live link's state ('streaming', 'reconnecting'): the panel shows it
            st.state = str(marker.payload.get("state", st.state))
            self._emit("state", st.index, {"state": st.state, "name": st.info.name}, marker.time_s)
            return
        if marker.kind == "packet":  # a captured notification: into the recording only, not to the UI
            self._record_marker(marker)
            return
        if marker.kind == "note" and marker.payload.get("event") == "seek":
            st.reset_pending = True
            # a replay's lead-up to the target comes next: shown, but not recorded a second time
            st.record_from_t = float(marker.payload.get("to_s", float("-inf")))
        if marker.kind == "gap":
            st.gap_marked = True  # the source said it; the block with `lost` that follows adds no second one
        if marker.kind not in self._unrecorded_source_kinds:
            self._record_marker(marker)
        self._emit("marker", st.index, {"kind": marker.kind, **marker.payload}, marker.time_s)

    def _on_block(self, st: _Stream, block: Block) -> None:
        buf = st.buffers
        rate = block.rate_hz
        if st.state == "connecting":  # samples arrived before the link reported 'streaming'
            st.state = "streaming"
            self._emit("state", st.index, {"state": st.state, "name": st.info.name}, block.t0)
        restarted = False
        if st.samples == 0 or st.reset_pending:
            buf.t_origin = block.t0 - block.first_index / rate
            if st.reset_pending:
                st.pipeline.reset()
                st.quality.reset()
                if st.onsets is not None:  # same threshold, fresh on/off state
                    st.onsets.reset()
                    st.onsets.t0 = buf.t_origin
                for ring in (buf.raw, buf.envelope, buf.lowlag, buf.pct_mvc, st.onset_ring):
                    ring.clear(block.first_index)
                st.reset_pending = False
        elif block.first_index < buf.raw.end_index:
            # a source restarted its count (e.g. a reconnect that resets it): a new segment, after a gap.
            # Every ring starts afresh at the new index; the onset detector keeps its threshold and sees the
            # index jump as a gap (no run spans it), its events timed from the new origin.
            restarted = True
            buf.t_origin = block.t0 - block.first_index / rate
            for ring in (buf.raw, buf.envelope, buf.lowlag, buf.pct_mvc, st.onset_ring):
                ring.clear(block.first_index)
            if st.onsets is not None:
                self._flush_onsets(st)  # an offset held to see whether a dip follows: timed on the old origin
                st.onsets.t0 = buf.t_origin
        if block.lost:
            st.lost += block.lost
            gap_t = block.t0 - block.lost / rate
            if not st.gap_marked:
                self._record_marker(Marker(gap_t, "gap", {"lost": block.lost, "stream": st.info.name}))
            self._emit("gap", st.index, {"lost": block.lost}, gap_t)
        elif restarted:  # the count says nothing about what is missing: estimate it from the time away
            missing = int(round((block.t0 - st.last_t) * rate)) - 1 if np.isfinite(st.last_t) else 0
            missing = max(0, missing)
            st.lost += missing
            gap_t = block.t0 - missing / rate
            if not st.gap_marked:
                self._record_marker(Marker(
                    gap_t, "gap", {"lost": missing, "stream": st.info.name, "reason": "sample count restarted"}
                ))
            self._emit("gap", st.index, {"lost": missing, "reason": "sample count restarted"}, gap_t)
        st.gap_marked = False
        out = st.pipeline.process(block.data)
        first = block.first_index
        buf.raw.write(block.data, first)
        buf.envelope.write(out.envelope, first)
        if out.lowlag is not None:
            buf.lowlag.write(out.lowlag, first)
        # %MVC of what the feedback shows: the low-lag envelope (the 6 Hz one when the chain has none)
        shown = out.lowlag if out.lowlag is not None else out.envelope
        pct = st.normaliser.process(shown) if st.normaliser is not None else None
        if pct is not None:
            buf.pct_mvc.write(pct, first)
        self._detect_onsets(st, out.onset_envelope, first, block.t0)
        st.quality.process(block.data)
        st.samples += block.n_samples
        st.last_t = block.t0 + (block.n_samples - 1) / rate
        st.arrivals.append((time.monotonic(), st.samples))
        if self._recorder is not None and st.last_t >= st.record_from_t:  # (last_t: this block's last sample)
            self._put_recorder(st.index, block)
        if not st.mains_checked and st.samples >= MAINS_CHECK_AFTER_S * rate:
            self._check_mains(st)
        if st.last_t >= st.next_quality_t:
            st.next_quality_t = st.last_t + QUALITY_EVERY_S
            st.last_quality = tuple(q.to_dict() for q in st.quality.report())
            self._emit("quality", st.index, {"channels": list(st.last_quality)}, st.last_t)
        if self._subscribers:
            pb = ProcessedBlock(
                st.index, block.t0, first, rate, block.data, out.filtered, out.envelope, out.onset_envelope,
                out.lowlag, pct,
            )
            for cb in list(self._subscribers):
                try:
                    cb(pb)
                except Exception as e:  # a broken subscriber must not stop acquisition: report and drop it
                    self._subscribers.remove(cb)
                    self._emit("error", st.index, {"message": f"subscriber {getattr(cb, '__name__', cb)} failed: {e}"})

    def _detect_onsets(self, st: _Stream, env: np.ndarray, first: int, t0: float) -> None:
        """Onset/offset events per channel; the threshold rests on the calibration's rest level, or
        without one on the quietest stretches of the last 30 s (re-estimated every 10 s)."""
        st.onset_ring.write(env, first)
        now = t0 + len(env) / st.info.rate_hz
        if not st.rest_from_calibration and now >= st.next_rest_t:
            held, _ = st.onset_ring.latest(st.onset_ring.capacity)
            if len(held) >= 3 * st.info.rate_hz:
                rest = estimate_rest(held[~np.isnan(held).any(axis=1)], st.info.rate_hz)
                if st.onsets is None:
                    st.onsets = OnsetDetector(st.info.rate_hz, rest.mean_uv, rest.sd_uv, t0=st.buffers.t_origin)
                else:
                    st.onsets.set_baseline(rest.mean_uv, rest.sd_uv)
                st.next_rest_t = now + ONSET_REST_EVERY_S
        if st.onsets is None:
            return
        self._emit_onsets(st, st.onsets.process(env, first))

    def _emit_onsets(self, st: _Stream, events: list) -> None:
        for e in events:
            self._emit(e.kind, st.index, {"channel": e.channel, "muscle": st.info.channels[e.channel].muscle}, e.time_s)

    def _flush_onsets(self, st: _Stream) -> None:
        """Emit the offsets the detector still holds back, before its clock or thresholds change."""
        if st.onsets is not None:
            self._emit_onsets(st, st.onsets.flush())

    def set_rest(self, stream: int, mean_uv: Any, sd_uv: Any) -> None:
        """Use a calibration's resting level (µV, per channel) for onset thresholds from now on."""
        st = self._streams[stream]

        def apply() -> None:
            self._flush_onsets(st)
            st.onsets = OnsetDetector(st.info.rate_hz, mean_uv, sd_uv, t0=st.buffers.t_origin)
            st.rest_from_calibration = True

        self.call(apply)

    def _check_mains(self, st: _Stream) -> None:
        st.mains_checked = True
        mains = detect_mains_hz(st.quality.window(), st.info.rate_hz)
        if mains is None:
            return
        st.config = replace(st.config, mains_hz=mains)
        # its start-up phase fits the hum out (dsp/filters.py NotchedBandPass): no burst at the switch
        st.pipeline = Pipeline(st.info.rate_hz, st.config)
        st.quality.mains_hz = mains
        self._emit("note", st.index, {"message": f"{st.info.name}: {mains:g} Hz mains hum found; notch on"})

    # ------------------------------------------------------------------ calibration, subscribers, events

    def set_calibration(self, stream: int, mvc_uv: Any, rest_uv: Any = 0.0) -> None:
        """Normalise stream's envelopes to %MVC from now on (per-channel µV levels)."""
        normaliser = MvcNormaliser(mvc_uv, rest_uv)
        self.call(setattr, self._streams[stream], "normaliser", normaliser)

    def calibration_uv(self, stream: int, channel: int) -> tuple[float, float] | None:
        """One channel's calibration as (rest, MVC) envelope levels in µV, or None when it has none."""
        st = self._streams[stream]
        normaliser = st.normaliser  # one read: the engine thread may set or clear it meanwhile
        if normaliser is None:
            return None
        shape = (st.info.n_channels,)  # a scalar level applies to every channel
        rest = np.broadcast_to(normaliser.rest_uv, shape)
        mvc = np.broadcast_to(normaliser.mvc_uv, shape)
        return float(rest[channel]), float(mvc[channel])

    def clear_calibration(self, stream: int) -> None:
        self.call(setattr, self._streams[stream], "normaliser", None)

    def subscribe(self, callback: Callable[[ProcessedBlock], None]) -> None:
        """Call `callback(ProcessedBlock)` on the acquisition thread for every processed block."""
        self.call(self._subscribers.append, callback)

    def unsubscribe(self, callback: Callable[[ProcessedBlock], None]) -> None:
        def remove() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        self.call(remove)

    def _emit(self, kind: str, stream: int | None, payload: dict, time_s: float | None = None) -> None:
        self._events.append(EngineEvent(kind, stream, self.session_time_s() if time_s is None else time_s, payload))

    def drain_events(self) -> list[EngineEvent]:
        """Every event since the last call, oldest first (the UI calls this on its timer)."""
        out = []
        while True:
            try:
                out.append(self._events.popleft())
            except IndexError:
                return out

    # ------------------------------------------------------------------ markers and recording

    def add_marker(self, kind: str, payload: dict | None = None) -> Marker:
        """Stamp a marker at the current session time: into the recording and the event queue."""
        marker = Marker(self.session_time_s(), kind, payload or {})

        def put() -> None:
            self._record_marker(marker)
            self._emit("marker", None, {"kind": kind, **marker.payload}, marker.time_s)

        self.call(put)
        return marker

    def put_marker(self, marker: Marker) -> None:
        """Record a marker with its own time (e.g. a drill runner's phase start) and pass it to the UI."""

        def put() -> None:
            self._record_marker(marker)
            self._emit("marker", None, {"kind": marker.kind, **marker.payload}, marker.time_s)

        self.call(put)

    def leave_source_markers_unrecorded(self, kinds: Iterable[str]) -> None:
        """Markers of these kinds that come from the sources (a replayed file's own `drill_start`, `phase`,
        `rep`, `drill_end`) still reach the UI but are not recorded: the app coaching the replay writes
        its own, and a recording of the replay would otherwise hold every set twice."""
        self._unrecorded_source_kinds = frozenset(kinds)

    def start_recording(self, path: str | Path, first_markers: Sequence[Marker] = ()) -> None:
        """Record every stream (and markers) to an XDF file from now until `stop_recording()`; a stream added
        meanwhile joins the file from when it is added. `first_markers` go into the file before anything
        else (e.g. the calibration in force, so the file carries it)."""
        if not self._streams:
            raise ValueError("nothing to record: no sensor or file is streaming")
        if self._recorder is not None:
            raise ValueError(f"already recording to {self._recorder.path}")
        known = len(self._streams)
        # the file is opened and its headers written outside the lock: the acquisition thread, which takes
        # the lock to add a stream, never waits on the disk
        recorder = Recorder(path, [st.info for st in self._streams[:known]])
        with self._lock:
            if self._recorder is not None:
                recorder.close()
                raise ValueError(f"already recording to {self._recorder.path}")
            for st in self._streams[known:]:  # added while the file was being opened
                recorder.add_stream(st.info)
            for marker in first_markers:  # queued before any block can be: the file's first words
                recorder.put_marker(marker)
            self._recorder = recorder
        self._emit("recording", None, {"state": "started", "path": str(path)})

    def stop_recording(self) -> str | None:
        """Finish the file (footers, flush) and return its path; None if nothing was recording."""
        if self._recorder is not None and self._loop is not None and self._thread is not None:
            # markers stamped just before (a mark, then Stop) are queued on the acquisition thread: let
            # them reach the file before it is detached
            self._submit(asyncio.sleep(0)).result(timeout=2.0)
        with self._lock:
            rec, self._recorder = self._recorder, None
        if rec is None:
            return None
        if self._loop is not None and self._thread is not None:
            # let blocks already handed over on the acquisition thread reach the queue first
            self._submit(asyncio.sleep(0)).result(timeout=2.0)
        rec.close()
        self._emit("recording", None, {"state": "stopped", "path": rec.path})
        return rec.path

    @property
    def recording_path(self) -> str | None:
        rec = self._recorder
        return rec.path if rec is not None else None

    def _put_recorder(self, stream: int, block: Block) -> None:
        rec = self._recorder
        if rec is None or stream >= rec.n_streams:
            return
        try:
            rec.put_block(stream, block)
        except Exception as e:  # disk full, file gone: stop recording, keep what is written, say so
            self._fail_recording(e)

    def _record_marker(self, marker: Marker) -> None:
        rec = self._recorder
        if rec is None:
            return
        try:
            rec.put_marker(marker)
        except Exception as e:
            self._fail_recording(e)

    def _fail_recording(self, error: Exception) -> None:
        with self._lock:
            rec, self._recorder = self._recorder, None
        if rec is not None:
            try:
                rec.close()
            except Exception:
                pass
            self._emit("error", None, {"message": f"recording stopped: {error}", "path": rec.path})

    # ------------------------------------------------------------------ replay transport

    def attach_replay_clock(self, clock: Any) -> None:
        """Let pause/resume/seek/set_speed drive a ReplayClock shared by the replayed streams."""
        self._replay_clock = clock

    def _clock_call(self, name: str, *args: Any) -> None:
        if self._replay_clock is not None:
            self.call(getattr(self._replay_clock, name), *args)

    def pause(self) -> None:
        self._clock_call("pause")

    def resume(self) -> None:
        self._clock_call("resume")

    def seek(self, t_s: float) -> None:
        self._clock_call("seek", float(t_s))

    def set_speed(self, speed: float) -> None:
        self._clock_call("set_speed", speed)

    @property
    def replay_clock(self) -> Any:
        return self._replay_clock
