"""The engine: sources on one asyncio loop in its own thread, a `StreamProcessor` per stream, fan-out.

Threads (see docs/architecture.md): the acquisition thread runs the loop: it reads every source, hands each block to
its stream's `StreamProcessor` (processor.py: DSP, ring buffers, onsets, quality, the recorder feed, all
synchronous), queues the events it gives and calls the subscribers with the processed block. The
recorder's queue is never waited on for the disk.
The UI thread pulls from the ring buffers on its own timer, drains `events`, and sends commands through
the thread-safe methods here; nothing here imports Qt.
A source whose info is provisional until its data arrives (`InfoFromData`: a sensor whose packets carry
their rate) is set up again from its final info at its first block (`_settle`), and only then gets its
header in a recording: no sample is processed or recorded at the provisional rate.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from emgcoach.dsp.normalise import MvcNormaliser
from emgcoach.dsp.pipeline import PipelineConfig
from emgcoach.errors import EmgcoachError
from emgcoach.io.xdf_writer import Recorder
from emgcoach.stream.capabilities import InfoFromData, LinkStatus, ReplayClock
from emgcoach.stream.processor import (
    EngineEvent,
    EventKind,
    ProcessedBlock,
    StreamBuffers,
    StreamProcessor,
    StreamState,
    StreamStats,
)
from emgcoach.stream.recent_blocks import RecentBlocks
from emgcoach.stream.source import Source
from emgcoach.types import Block, Marker, StreamInfo

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_EVENTS = 10_000  # events kept for a consumer that is not draining; the oldest go first

__all__ = [
    "Engine", "EngineEvent", "EventKind", "ProcessedBlock", "StreamBuffers", "StreamProcessor", "StreamState",
    "StreamStats",
]


class _Stream:
    """A source, its processor and the task that feeds one to the other."""

    def __init__(self, source: Source, processor: StreamProcessor) -> None:
        self.source, self.processor = source, processor
        # a live link declares its state and health (checked once: a source's type does not change)
        self.link: LinkStatus | None = source if isinstance(source, LinkStatus) else None
        self.task: asyncio.Task | None = None
        # False while the source's info is provisional: the stream has no recording header until it is final
        self.info_final = not isinstance(source, InfoFromData) or source.info_final

    @property
    def recorded_info(self) -> StreamInfo | None:
        """The header a recording gives this stream now: None while its info is provisional."""
        return self.info if self.info_final else None

    @property
    def index(self) -> int:
        return self.processor.index

    @property
    def info(self) -> StreamInfo:
        return self.processor.info

    def stats(self) -> StreamStats:
        link = self.link
        if link is None:
            return self.processor.stats()
        return self.processor.stats(link.battery_pct, link.rssi_dbm)


class _RecorderFeed:
    """The engine's recorder as a stream's `RecordSink`: nothing while none is open; a failure to queue
    (disk full, file gone) stops the recording, keeps what is written, and says so."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put_block(self, stream: int, block: Block) -> None:
        rec = self._engine._recorder
        if rec is None or stream >= rec.n_streams:
            return
        try:
            rec.put_block(stream, block)
        except Exception as e:
            self._engine._fail_recording(e)

    def put_marker(self, marker: Marker) -> None:
        rec = self._engine._recorder
        if rec is None:
            return
        try:
            rec.put_marker(marker)
        except Exception as e:
            self._engine._fail_recording(e)


_ANY_RECORDING = object()  # a marker with its own time goes into whatever recording runs when it arrives


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
        self._recent = RecentBlocks()  # for a subscriber that starts in the recent past (`subscribe(since_s=)`)
        self._recorder: Recorder | None = None
        self._feed = _RecorderFeed(self)
        self._unrecorded_source_kinds: frozenset[str] = frozenset()  # see leave_source_markers_unrecorded
        self._replay_clock: ReplayClock | None = None
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
            logger.exception("closing the sources failed; stopping the engine regardless")
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
                logger.exception("closing %s failed", st.info.name)
        await asyncio.gather(*(st.task for st in self._streams if st.task), return_exceptions=True)

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
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
            processor = StreamProcessor(
                len(self._streams), source.info, config or self.default_config, self.buffer_s, self._feed,
                self.session_time_s,
            )
            st = _Stream(source, processor)
            failed: Exception | None = None
            with self._lock:  # with start_recording's snapshot of the streams: recorder index == stream index
                self._streams.append(st)
                rec = self._recorder
                if rec is not None:
                    try:
                        rec.add_stream(st.recorded_info)  # queued: the recorder thread writes its header
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
        return self._streams[stream].processor.buffers

    def stream_stats(self, stream: int) -> StreamStats:
        return self._streams[stream].stats()

    def info(self, stream: int) -> StreamInfo:
        return self._streams[stream].info

    def clock_s(self) -> float:
        """The live session clock: seconds since the engine was made (what live sources stamp arrivals with)."""
        return time.monotonic() - self._started_at

    def session_time_s(self) -> float:
        """Newest sample time across streams, or seconds since the engine was made if none has arrived."""
        times = [st.processor.last_t for st in self._streams if np.isfinite(st.processor.last_t)]
        return max(times) if times else time.monotonic() - self._started_at

    async def _consume(self, st: _Stream) -> None:
        link = st.link
        processor = st.processor
        self._publish(processor.begin(connecting=link is not None and link.state == StreamState.CONNECTING))
        try:
            async for item in st.source.blocks():
                if isinstance(item, Marker):
                    self._publish(processor.mark(item, self._unrecorded_source_kinds))
                else:
                    if not st.info_final:
                        self._settle(st)
                    self._on_block(processor, item)
            self._publish(processor.end())
        except asyncio.CancelledError:
            raise
        except EmgcoachError as e:  # a failure the source explains in one line (e.g. a sensor changed its rate)
            logger.error("stream %s stopped: %s", st.info.name, e)
            self._publish(processor.fail(e))
        except Exception as e:  # a device or file failed: say so; the other streams keep running
            logger.exception("stream %s failed", st.info.name)
            self._publish(processor.fail(e))

    def _settle(self, st: _Stream) -> None:
        """The first block of a stream whose info was provisional: its processing is set up for the info its
        source now gives (the sensor's own rate and channels), and an open recording gets its header,
        queued before this block."""
        info = st.source.info
        if info != st.processor.info:
            st.processor.configure(info)
            logger.info("stream %s: %g Hz, %d channel(s), as the source says", info.name, info.rate_hz, info.n_channels)
        failed: Exception | None = None
        with self._lock:  # with start_recording: a recording opened meanwhile declares it there or here, once
            st.info_final = True
            rec = self._recorder
            if rec is not None and st.index < rec.n_streams:
                try:
                    rec.declare_stream(st.index, info)
                except Exception as e:  # the recording had failed: stop it and say so (below, unlocked)
                    failed = e
        if failed is not None:
            self._fail_recording(failed)

    def _on_block(self, processor: StreamProcessor, block: Block) -> None:
        processed, events = processor.process(block)
        self._publish(events)
        self._recent.add(processed)
        if self._subscribers:  # (no list made per block when nothing listens)
            for cb in list(self._subscribers):
                self._deliver(cb, processed)

    def _deliver(self, cb: Callable[[ProcessedBlock], None], processed: ProcessedBlock) -> bool:
        """Give `processed` to a subscriber; False if it failed (it is then dropped and the failure said)."""
        try:
            cb(processed)
            return True
        except Exception as e:  # a broken subscriber must not stop acquisition: report and drop it
            logger.exception("subscriber %r failed; dropped", cb)
            if cb in self._subscribers:
                self._subscribers.remove(cb)
            name = getattr(cb, "__name__", cb)
            self._emit(EventKind.ERROR, processed.stream, {"message": f"subscriber {name} failed: {e}"})
            return False

    # ------------------------------------------------------------------ calibration, subscribers, events

    def set_rest(self, stream: int, mean_uv: Any, sd_uv: Any) -> None:
        """Use a calibration's resting level (µV, per channel) for onset thresholds from now on."""
        processor = self._streams[stream].processor
        self.call(lambda: self._publish(processor.set_rest(mean_uv, sd_uv)))

    def set_calibration(self, stream: int, mvc_uv: Any, rest_uv: Any = 0.0) -> None:
        """Normalise stream's envelopes to %MVC from now on (per-channel µV levels)."""
        normaliser = MvcNormaliser(mvc_uv, rest_uv)
        self.call(self._streams[stream].processor.set_normaliser, normaliser)

    def calibration_uv(self, stream: int, channel: int) -> tuple[float, float] | None:
        """One channel's calibration as (rest, MVC) envelope levels in µV, or None when it has none."""
        st = self._streams[stream]
        normaliser = st.processor.normaliser  # one read: the engine thread may set or clear it meanwhile
        if normaliser is None:
            return None
        shape = (st.info.n_channels,)  # a scalar level applies to every channel
        rest = np.broadcast_to(normaliser.rest_uv, shape)
        mvc = np.broadcast_to(normaliser.mvc_uv, shape)
        return float(rest[channel]), float(mvc[channel])

    def clear_calibration(self, stream: int) -> None:
        self.call(self._streams[stream].processor.set_normaliser, None)

    def subscribe(self, callback: Callable[[ProcessedBlock], None], since_s: float | None = None) -> None:
        """Call `callback(ProcessedBlock)` on the acquisition thread for every processed block. With
        `since_s` (session s), first for the blocks already processed that reach past it, as far back as
        the engine keeps them (`stream.recent_blocks.RECENT_S`; none from before a replay's last seek)."""

        def add() -> None:
            for pb in self._recent.since(since_s) if since_s is not None else ():
                if not self._deliver(callback, pb):
                    return
            self._subscribers.append(callback)

        self.call(add)

    def unsubscribe(self, callback: Callable[[ProcessedBlock], None]) -> None:
        def remove() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        self.call(remove)

    def _emit(self, kind: EventKind, stream: int | None, payload: dict, time_s: float | None = None) -> None:
        self._events.append(EngineEvent(kind, stream, self.session_time_s() if time_s is None else time_s, payload))

    def _publish(self, events: list[EngineEvent]) -> None:
        self._events.extend(events)

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
        # recorded only in the file being written when it was stamped: a mark made before R, still queued
        # when the recording starts, must not appear in a file the user was told does not keep it
        self.call(self._put_marker, marker, self._recorder)
        return marker

    def put_marker(self, marker: Marker) -> None:
        """Record a marker with its own time (e.g. a drill runner's phase start) and pass it to the UI."""
        self.call(self._put_marker, marker)

    def _put_marker(self, marker: Marker, stamped_for: object = _ANY_RECORDING) -> None:
        if stamped_for is _ANY_RECORDING or stamped_for is self._recorder:
            self._feed.put_marker(marker)
        self._emit(EventKind.MARKER, None, {"kind": marker.kind, **marker.payload}, marker.time_s)

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
        headers = [st.recorded_info for st in self._streams[:known]]
        recorder = Recorder(path, headers)
        with self._lock:
            if self._recorder is not None:
                recorder.close()
                raise ValueError(f"already recording to {self._recorder.path}")
            for i, st in enumerate(self._streams[:known]):  # final since the snapshot: its header now
                if headers[i] is None and st.info_final:
                    recorder.declare_stream(i, st.info)
            for st in self._streams[known:]:  # added while the file was being opened
                recorder.add_stream(st.recorded_info)
            for marker in first_markers:  # queued before any block can be: the file's first words
                recorder.put_marker(marker)
            self._recorder = recorder
        self._emit(EventKind.RECORDING, None, {"state": "started", "path": str(path)})

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
        self._emit(EventKind.RECORDING, None, {"state": "stopped", "path": rec.path})
        return rec.path

    def record_video_frames(self, video_file: str, nominal_fps: float = 0.0, camera: str = "") -> str | None:
        """Add the frame-times stream of a video recorded beside the open file (io/video_frames.py);
        returns that file's path for `put_video_frames`, None if nothing is recording."""
        rec = self._recorder
        if rec is None:
            return None
        rec.add_frames_stream(video_file, nominal_fps, camera)
        return rec.path

    def put_video_frames(self, path: str, times_s: Any, rows: Any) -> bool:
        """Record video frames' session times (s) and (frame index, video position s) rows in the file at
        `path`; False (and nothing written) once that recording has stopped."""
        rec = self._recorder
        if rec is None or rec.path != path:
            return False
        try:
            rec.put_frames(times_s, rows)
        except ValueError:  # closed by Stop between the check and the put: the frames are after the file's end
            return False
        return True

    @property
    def recording_path(self) -> str | None:
        rec = self._recorder
        return rec.path if rec is not None else None

    def _fail_recording(self, error: Exception) -> None:
        with self._lock:
            rec, self._recorder = self._recorder, None
        if rec is None:
            return
        logger.error("recording to %s stopped: %s", rec.path, error)
        try:
            rec.close()
        except Exception:  # the file was failing already; what is written stays, the error is reported below
            logger.exception("closing the failed recording %s", rec.path)
        self._emit(EventKind.ERROR, None, {"message": f"recording stopped: {error}", "path": rec.path})

    # ------------------------------------------------------------------ replay transport

    def attach_replay_clock(self, clock: ReplayClock | None) -> None:
        """Let pause/resume/seek/set_speed drive a replay clock shared by the replayed streams."""
        self._replay_clock = clock

    def pause(self) -> None:
        if (clock := self._replay_clock) is not None:
            self.call(clock.pause)

    def resume(self) -> None:
        if (clock := self._replay_clock) is not None:
            self.call(clock.resume)

    def seek(self, t_s: float) -> None:
        if (clock := self._replay_clock) is not None:
            self.call(clock.seek, float(t_s))

    def set_speed(self, speed: float | None) -> None:
        if (clock := self._replay_clock) is not None:
            self.call(clock.set_speed, speed)

    @property
    def replay_clock(self) -> ReplayClock | None:
        return self._replay_clock
