"""Replay a `Recording` through the same `Source` path a live sensor takes.

A `ReplaySource` yields the recorded Blocks of one stream (recorded `t0`, `first_index` and `lost`
kept, so gaps look exactly like lost BLE packets) and, for stream 0, the recorded Markers, paced
against a `ReplayClock`. Several sources of one recording share one clock (`replay_sources`), so
they stay in step and pause, resume, seek and change speed together.

Pacing (docs/architecture.md, Threads): every item has an absolute release time on the session clock
(a Block is released when the clock reaches the time of its *last* sample, a Marker at its `time_s`).
The wall target is `anchor_wall + (t - anchor_pos) / speed`; the source waits for
`max(0, target - now)`, racing the clock's 'changed' event so a seek, pause, speed change or
`close()` takes effect at once. Sleeps are never accumulated, so replay does not drift. The lifecycle
(closing, one pass per `blocks()`, letting the loop run at full speed) is `stream.paced.PacedSource`'s.
Pause and speed changes re-anchor the clock, so resuming never floods a catch-up burst.

Conventions that downstream code relies on:

* Gap: a recorded gap (lost samples) shows up as a Block with `lost` > 0 and a `first_index` jump,
  preceded by `Marker(kind='gap', time_s=<time of the first missing sample>,
  payload={'lost': n, 'stream': <stream name>})`. Every source emits its own stream's gap markers
  (unless the recording already holds that gap marker), whatever `include_markers` says.
* Seek: after a seek every source yields
  `Marker(time_s=t, kind='note', payload={'event': 'seek', 'to_s': t, 'stream': <stream name>})`
  before its first Block from the new position. Downstream resets its filters / detectors on it.
  The first Block after a seek starts at the block boundary at or before t - `preroll_s` (the block
  containing that time; if it falls in a gap or before the stream begins, the next block that exists);
  the Blocks up to t (the lead-up, 0 s by default) go out at once and have `lost` = 0; recorded markers
  resume from `time_s >= t`.
* Recorded markers come only from the source with `stream_index` 0 (when `include_markers`), so a
  multi-stream replay does not duplicate them. Items are yielded in release-time order; a Marker
  comes before a Block whose last sample is at or after the Marker's time.

Threads: the clock and sources live on the engine's asyncio loop. Commands from another thread
should go through `loop.call_soon_threadsafe`; as a safety net, a clock method called from a thread
other than the loop the sources run on re-dispatches itself onto that loop (so its effect is
asynchronous there). The clock's wall time is `time.monotonic()`, which is what asyncio's default
loops use for `loop.time()`.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.stream.paced import PacedSource, Release
from emgcoach.types import Block, Marker, StreamInfo

MIN_SPEED = 0.25
MAX_SPEED = 16.0

__all__ = ["MAX_SPEED", "MIN_SPEED", "ReplayClock", "ReplaySource", "replay_sources"]


def _check_speed(speed: float | None) -> float:
    """Validate a replay speed; None or inf mean as fast as possible (returned as math.inf)."""
    if speed is None:
        return math.inf
    try:
        x = float(speed)
    except (TypeError, ValueError):
        raise ValueError(f"replay speed must be a number or None, not {speed!r}") from None
    if x == math.inf:
        return x
    if not (MIN_SPEED <= x <= MAX_SPEED):  # also rejects NaN
        raise ValueError(
            f"replay speed must be between {MIN_SPEED}x and {MAX_SPEED:g}x (or None/inf for as fast as possible), not {speed!r}"
        )
    return x


class ReplayClock:
    """Playback position on the session clock, shared by the sources of one recording.

    The clock holds an anchor: at wall time `anchor_wall` the position was `anchor_pos`; since then it
    advances at `speed` session seconds per wall second (frozen while paused). It starts when the first
    source starts iterating (`start()`), so constructing sources early does not eat into playback.
    At infinite speed the position is the furthest session time any source has released.
    """

    def __init__(self, speed: float | None = 1.0, start_s: float = 0.0, *, time_fn: Callable[[], float] = time.monotonic) -> None:
        self._speed = _check_speed(speed)
        self._time = time_fn
        self._pos = float(start_s)  # position at the anchor
        self._wall: float | None = None  # wall time of the anchor; None until started
        self._paused = False
        self._generation = 0  # bumped on every seek
        self._seek_to = float(start_s)  # target of the latest seek
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    # ----------------------------------------------------------------- queries
    @property
    def speed(self) -> float:
        """Current speed; math.inf means as fast as possible."""
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def started(self) -> bool:
        return self._wall is not None

    @property
    def generation(self) -> int:
        """Seek counter: changes whenever `seek()` is called."""
        return self._generation

    @property
    def seek_target_s(self) -> float:
        """Target of the latest seek (start position if none)."""
        return self._seek_to

    def now_s(self) -> float:
        """Playback position in session seconds."""
        if self._wall is None or self._paused or math.isinf(self._speed):
            return self._pos
        return self._pos + (self._time() - self._wall) * self._speed

    def wall_target(self, t_s: float) -> float:
        """Wall time (on `time_fn`) at which the position reaches `t_s` (clock running, finite speed)."""
        if self._wall is None:
            return self._time()
        return self._wall + (t_s - self._pos) / self._speed

    # ---------------------------------------------------------------- commands
    def start(self) -> None:
        """Start the clock if it has not started (idempotent). Called by sources."""
        if self._dispatch(self.start):
            return
        if self._wall is None:
            self._wall = self._time()
            self._notify()

    def pause(self) -> None:
        if self._dispatch(self.pause):
            return
        if self._paused:
            return
        self._pos = self.now_s()
        self._paused = True
        self._notify()

    def resume(self) -> None:
        if self._dispatch(self.resume):
            return
        if not self._paused:
            return
        self._paused = False
        if self._wall is not None:
            self._wall = self._time()  # re-anchor: no catch-up burst
        self._notify()

    def seek(self, t_s: float) -> None:
        """Move the position to `t_s`; sources restart from the block containing it. Works paused or playing."""
        if self._dispatch(self.seek, t_s):
            return
        t = float(t_s)
        if not math.isfinite(t):
            raise ValueError(f"seek target must be finite, not {t_s!r}")
        self._pos = t
        self._seek_to = t
        if self._wall is not None:
            self._wall = self._time()
        self._generation += 1
        self._notify()

    def set_speed(self, speed: float | None) -> None:
        """Change speed (0.25x..16x, or None/inf for as fast as possible), keeping the position."""
        x = _check_speed(speed)  # validate on the caller's thread
        if self._dispatch(self.set_speed, x):
            return
        self._pos = self.now_s()
        if self._wall is not None:
            self._wall = self._time()
        self._speed = x
        self._notify()

    # --------------------------------------------------------------- internals
    def _bind(self) -> None:
        """Remember the loop the sources run on (called from a running loop)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._thread = threading.get_ident()
            self._changed = asyncio.Event()

    def _dispatch(self, method: Callable[..., None], *args: object) -> bool:
        """If called off the sources' loop thread, re-schedule `method` on that loop and return True."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._thread or loop.is_closed():
            return False
        loop.call_soon_threadsafe(method, *args)
        return True

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _notify(self) -> None:
        """Wake everything waiting on the clock; later waiters get a fresh event."""
        ev = self._changed
        self._changed = asyncio.Event()
        if ev is not None:
            ev.set()

    def _note_released(self, t_s: float) -> None:
        """At infinite speed the position follows what the sources have released."""
        if math.isinf(self._speed) and not self._paused and t_s > self._pos:
            self._pos = t_s


@dataclass(frozen=True)
class _Segment:
    """A run of recorded samples without a gap: rows [row0, row1) of data, absolute index abs0 onwards."""

    row0: int
    row1: int
    abs0: int
    lost: int  # samples missing just before this segment


class ReplaySource(PacedSource):
    """A `Source` replaying one stream of a `Recording`, paced by a `ReplayClock`.

    recording: the in-memory recording (as readers return it).
    stream_index: which stream to play.
    speed: 0.25..16, or None / math.inf for as fast as possible (no sleeping). Used only to make the
        clock when `clock` is not given; with a shared clock, the clock's speed rules.
    block_s: block length in s (rounded to whole samples, at least one); the last block of a run
        before a gap or the end is shorter.
    include_markers: yield the recording's markers (only the source with stream_index 0 does).
    preroll_s: after a seek, first deliver this many seconds before the target at once (paused or not),
        so plots and envelopes show the lead-up to the new position, as a video player shows its frame.
    clock: a shared `ReplayClock` (see `replay_sources`); by default the source makes its own,
        starting at the recording's earliest stream start.

    Pause, resume, seek and speed act on the clock, so they affect every source sharing it.
    Only one `blocks()` iteration may run at a time; after the end (``finished``) a seek followed by
    a new `blocks()` call plays on from the seek target.
    """

    exclusive = True  # the cursor is shared state

    def __init__(
        self,
        recording: Recording,
        stream_index: int = 0,
        speed: float | None = 1.0,
        block_s: float = 0.02,
        include_markers: bool = True,
        *,
        clock: ReplayClock | None = None,
        preroll_s: float = 0.0,
    ) -> None:
        if not 0 <= stream_index < len(recording.streams):
            raise IndexError(f"recording {recording.path!r} has {len(recording.streams)} streams, no stream {stream_index}")
        if not (block_s > 0 and math.isfinite(block_s)):
            raise ValueError(f"block_s must be a positive number of seconds, not {block_s!r}")
        super().__init__()
        self._recording = recording
        self._stream: RecordedStream = recording.streams[stream_index]
        self._index = stream_index
        self._clock = clock if clock is not None else ReplayClock(speed, start_s=_recording_start(recording))
        info = self._stream.info
        self._rate = float(info.rate_hz)
        self._block = max(1, int(round(block_s * self._rate)))
        data = np.asarray(self._stream.data, dtype=np.float32)  # no copy when already float32
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2:
            raise ValueError(f"stream {info.name!r}: data must be samples x channels, got shape {data.shape}")
        self._data = data
        self._segments = self._make_segments()
        self._markers = self._make_markers(include_markers and stream_index == 0, recording.markers)
        self._marker_times = [m.time_s for m in self._markers]

        # cursor: next block starts at row `_row` of segment `_seg`; next marker is `_mi`
        self._seg = 0
        self._row = self._segments[0].row0 if self._segments else 0
        self._mi = 0
        self._suppress_lost = False
        self._seek_marker: Marker | None = None
        self._gen = 0  # a clock already seeked before this source existed repositions it at start
        self._position = self._stream.t0
        self._preroll_s = max(0.0, float(preroll_s))
        self._preroll_to: float | None = None  # after a seek: blocks up to this time go out at once
        self._finished = False

    # -------------------------------------------------------------- properties
    @property
    def info(self) -> StreamInfo:
        """The recorded stream's header, unchanged (downstream sees the original device)."""
        return self._stream.info

    @property
    def clock(self) -> ReplayClock:
        return self._clock

    @property
    def stream_index(self) -> int:
        return self._index

    @property
    def block_size(self) -> int:
        """Samples per block."""
        return self._block

    @property
    def speed(self) -> float:
        return self._clock.speed

    @property
    def realtime(self) -> bool:
        """False at infinite speed (as fast as possible)."""
        return not math.isinf(self._clock.speed)

    @property
    def paused(self) -> bool:
        return self._clock.paused

    @property
    def start_s(self) -> float:
        """Session time of the stream's first sample."""
        return self._stream.t0

    @property
    def duration_s(self) -> float:
        """Span of the stream in s, lost samples included."""
        return self._stream.duration_s

    @property
    def end_s(self) -> float:
        return self._stream.t0 + self._stream.duration_s

    @property
    def position_s(self) -> float:
        """Session time up to which this source has delivered samples (end of the last Block), or the
        seek target right after a seek (the lead-up before it then arrives first). For a smooth transport display use `clock.now_s()`."""
        return self._position

    @property
    def finished(self) -> bool:
        """True once the replay reached the end of the stream (and its markers) or was closed."""
        return self._finished

    # ---------------------------------------------------------------- commands
    def pause(self) -> None:
        self._clock.pause()

    def resume(self) -> None:
        self._clock.resume()

    def seek(self, t_s: float) -> None:
        self._clock.seek(t_s)

    @property
    def missed_seek(self) -> bool:
        """Whether the file ran out before this source saw the clock's latest seek (a seek sent as the
        replay reached its end): its `blocks()` is over, so that seek plays nothing."""
        return self._finished and self._gen != self._clock.generation

    def set_speed(self, speed: float | None) -> None:
        self._clock.set_speed(speed)

    def _on_close(self) -> None:
        """A running `blocks()` ends promptly, even while it waits or the clock is paused."""
        self._finished = True
        self._clock._notify()  # wake the waiter; other sources just re-check and wait again

    # ----------------------------------------------------------------- playing
    def _now(self) -> float:
        return self._clock._time()

    def _releases(self) -> Iterator[Release]:
        """Blocks (and Markers) at their recorded times on the clock; a seek's marker is due at once."""
        clock = self._clock
        clock._bind()
        clock.start()
        while True:
            if self._gen != clock.generation:
                self._gen = clock.generation
                self._reposition(clock.seek_target_s)
            if self._seek_marker is not None:
                marker, self._seek_marker = self._seek_marker, None
                yield Release(None, marker)
                continue
            item, release = self._peek()
            if item is None:
                self._finished = True
                return
            self._finished = False
            yield Release(release, item)

    def _take(self, release: Release) -> Block | Marker:
        item = release.item
        assert isinstance(item, Block | Marker)
        if release.due_s is not None:  # a seek's marker is not part of the recording's cursor
            self._consume(item)
            self._clock._note_released(release.due_s)
        return item

    async def _pace(self, due_s: float | None) -> bool:
        """Wait until the clock reaches `due_s`; False if closed or seeked meanwhile."""
        if due_s is None:
            return not self._closed
        clock = self._clock
        gen = self._gen
        while True:
            if self._closed or clock.generation != gen:
                return False
            if self._preroll_to is not None and due_s <= self._preroll_to:
                return True  # the lead-up to a seek target: due already, even while paused
            ev = clock._event()
            if clock.paused or not clock.started:
                await ev.wait()  # no busy wait: pause/resume/seek/close all notify
                continue
            if math.isinf(clock.speed):
                await self._let_loop_run()
                return not self._closed and clock.generation == gen
            delay = clock.wall_target(due_s) - self._now()
            if delay <= 0:
                return True
            await _wait_at_most(ev, delay)

    # ----------------------------------------------------------------- cursor
    def _make_segments(self) -> list[_Segment]:
        """Split the data at gaps, exactly as RecordedStream.blocks does."""
        s = self._stream
        gaps = sorted(s.gaps)
        segs: list[_Segment] = []
        pos, index, gi, n = 0, s.first_index, 0, int(self._data.shape[0])
        while pos < n:
            lost = 0
            while gi < len(gaps) and gaps[gi][0] <= index:
                lost += gaps[gi][1]
                index += gaps[gi][1]
                gi += 1
            stop = n if gi >= len(gaps) else min(n, pos + (gaps[gi][0] - index))
            segs.append(_Segment(pos, stop, index, lost))
            index += stop - pos
            pos = stop
        self._trailing_gaps = gaps[gi:]  # gaps after the last recorded sample
        return segs

    def _time_of(self, abs_index: int) -> float:
        return self._stream.t0 + (abs_index - self._stream.first_index) / self._rate

    def _make_markers(self, include_recorded: bool, recorded: list[Marker]) -> list[Marker]:
        name = self._stream.info.name
        tol = 1.0 / self._rate
        recorded_gaps = [m for m in recorded if m.kind == "gap" and m.payload.get("stream") == name]
        out: list[Marker] = []
        gap_points = [(seg.abs0 - seg.lost, seg.lost) for seg in self._segments if seg.lost > 0]
        gap_points += [(int(g), int(c)) for g, c in self._trailing_gaps]
        for g, lost in gap_points:
            t = self._time_of(g)
            if any(abs(m.time_s - t) <= tol for m in recorded_gaps):
                continue  # the recording already says so
            out.append(Marker(time_s=t, kind="gap", payload={"lost": lost, "stream": name}))
        if include_recorded:
            out.extend(m for m in recorded if math.isfinite(m.time_s))
        out.sort(key=lambda m: m.time_s)  # stable: same-time markers keep their recorded order
        return out

    def _next_block(self) -> Block | None:
        if self._seg >= len(self._segments):
            return None
        seg = self._segments[self._seg]
        stop = min(self._row + self._block, seg.row1)
        first = seg.abs0 + (self._row - seg.row0)
        # a seek's lead-up re-sends what is before the target: its gaps are not losses again
        lost = seg.lost if (self._row == seg.row0 and not self._suppress_lost and self._preroll_to is None) else 0
        return Block(data=self._data[self._row : stop], t0=self._time_of(first), rate_hz=self._rate, first_index=first, lost=lost)

    def _peek(self) -> tuple[Block | Marker | None, float]:
        """Next item and its release time on the session clock."""
        block = self._next_block()
        marker = self._markers[self._mi] if self._mi < len(self._markers) else None
        if block is None and marker is None:
            return None, math.inf
        block_release = math.inf if block is None else block.t0 + (block.n_samples - 1) / self._rate
        if marker is not None and marker.time_s <= block_release:
            return marker, marker.time_s
        return block, block_release

    def _consume(self, item: Block | Marker) -> None:
        if isinstance(item, Marker):
            self._mi += 1
            return
        self._suppress_lost = False
        self._row += item.n_samples
        self._position = item.t0 + item.n_samples / self._rate
        if self._preroll_to is not None and self._position >= self._preroll_to:
            self._preroll_to = None
        if self._row >= self._segments[self._seg].row1:
            self._seg += 1
            if self._seg < len(self._segments):
                self._row = self._segments[self._seg].row0

    def _reposition(self, t_s: float) -> None:
        """Move the cursor to the block containing t_s and queue the seek marker."""
        s = self._stream
        start_s = max(s.t0, t_s - self._preroll_s)
        self._preroll_to = t_s if start_s < t_s else None
        idx = s.first_index + math.floor((start_s - s.t0) * self._rate + 1e-9)
        self._seg, self._row = len(self._segments), self._data.shape[0]  # past the end by default
        for i, seg in enumerate(self._segments):
            n = seg.row1 - seg.row0
            if idx < seg.abs0:  # before the stream or inside the gap before this segment
                self._seg, self._row = i, seg.row0
                break
            if idx < seg.abs0 + n:
                self._seg, self._row = i, seg.row0 + ((idx - seg.abs0) // self._block) * self._block
                break
        self._mi = bisect.bisect_left(self._marker_times, t_s)
        self._suppress_lost = True
        self._position = t_s
        self._finished = False
        self._seek_marker = Marker(time_s=t_s, kind="note", payload={"event": "seek", "to_s": t_s, "stream": s.info.name})


async def _wait_at_most(event: asyncio.Event, timeout_s: float) -> None:
    """Wait for `event`, or until `timeout_s` has passed (the usual way a due time arrives)."""
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return  # the due time came before any change of the clock


def _recording_start(recording: Recording) -> float:
    return min((s.t0 for s in recording.streams), default=0.0)


def replay_sources(
    recording: Recording, speed: float | None = 1.0, block_s: float = 0.02, preroll_s: float = 0.0
) -> tuple[ReplayClock, list[ReplaySource]]:
    """One ReplaySource per stream of `recording`, all on one shared clock (markers from stream 0);
    `preroll_s` as for ReplaySource."""
    clock = ReplayClock(speed, start_s=_recording_start(recording))
    sources = [ReplaySource(recording, i, block_s=block_s, clock=clock, preroll_s=preroll_s)
               for i in range(len(recording.streams))]
    return clock, sources
