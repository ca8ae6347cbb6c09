"""XDF 1.0 writer (the native recording format; LabRecorder and pyxdf read it) and the threaded Recorder.

File layout (https://github.com/sccn/xdf/wiki/Specifications): the magic ``XDF:`` then chunks, each
``[NumLengthBytes 1|4|8][Length][Tag u16][Content]`` where Length counts tag + content. Tags used here:
1 FileHeader (XML), 2 StreamHeader (u32 stream id + XML), 3 Samples (u32 id, varlen sample count,
samples), 4 ClockOffset (u32 id, f64 collection time, f64 offset), 5 Boundary (16-byte UUID),
6 StreamFooter (u32 id + XML). All numbers little-endian.

Each Samples chunk holds one block: its first sample carries an explicit timestamp (flag byte 8 + f64)
and the others are deduced by readers from the nominal rate (flag 0), which is exact because a block's
samples are 1/rate apart. Gaps (lost samples) fall between blocks, so they are absent samples whose
length is exact in the file. (Stamping every sample would cost 8 of every 17 bytes of a 2-channel file.)

Crash safety: chunks are collected in memory and handed to the OS with one unbuffered ``write`` of whole
chunks on every ``flush()``, so a process killed at any moment leaves a file that ends on a chunk boundary
(pyxdf loads it; it only lacks the footers). A file cut mid-chunk (power loss, copy cut short) is still
read by our own reader, which keeps every complete sample.
"""

from __future__ import annotations

import logging
import os
import platform
import queue
import struct
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.marker_text import marker_to_json
from emgcoach.io.private import open_private
from emgcoach.io.video_frames import CHANNELS as FRAME_CHANNELS
from emgcoach.io.video_frames import frames_header_xml, frames_samples_content
from emgcoach.types import Block, Marker, StreamInfo

TAG_FILE_HEADER = 1
TAG_STREAM_HEADER = 2
TAG_SAMPLES = 3
TAG_CLOCK_OFFSET = 4
TAG_BOUNDARY = 5
TAG_STREAM_FOOTER = 6
BOUNDARY_UUID = bytes(
    [0x43, 0xA5, 0x46, 0xDC, 0xCB, 0xF5, 0x41, 0x0F, 0xB3, 0x0E, 0xD5, 0x46, 0x73, 0x83, 0xCB, 0xE4]
)
MARKER_STREAM_NAME = "emgcoach-markers"
CLOCK_OFFSET_INTERVAL_S = 5.0
BOUNDARY_INTERVAL_S = 10.0
BATCH_S = 0.05  # the recorder's thread writes what gathered in this long at a time (50 ms: 7 blocks of 2 sensors)
UNIT_NAME = "microvolts"

logger = logging.getLogger(__name__)


def varlen(n: int) -> bytes:
    """XDF variable-length integer: a byte giving the width (1, 4 or 8) then the value."""
    if n < 0:
        raise ValueError("negative length")
    if n < 256:
        return bytes((1, n))
    if n < 2**32:
        return b"\x04" + struct.pack("<I", n)
    return b"\x08" + struct.pack("<Q", n)


def chunk(tag: int, content: bytes) -> bytes:
    """One whole chunk: length prefix, tag, content."""
    return varlen(len(content) + 2) + struct.pack("<H", tag) + content


def _xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0"?>' + ET.tostring(root, encoding="utf-8", short_empty_elements=False)


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _fmt_float(x: float) -> str:
    return repr(float(x))


def file_header_xml() -> bytes:
    info = ET.Element("info")
    _sub(info, "version", "1.0")
    _sub(info, "datetime", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    _sub(info, "writer", "emgcoach")
    return _xml(info)


def stream_header_xml(info: StreamInfo, created_at: float) -> bytes:
    root = ET.Element("info")
    _sub(root, "name", info.name)
    _sub(root, "type", "EMG")
    _sub(root, "channel_count", info.n_channels)
    _sub(root, "nominal_srate", _fmt_float(info.rate_hz))
    _sub(root, "channel_format", "float32")
    _sub(root, "source_id", info.address or info.name)
    _sub(root, "version", "1.1")
    _sub(root, "created_at", _fmt_float(created_at))
    _sub(root, "uid", str(uuid.uuid4()))
    _sub(root, "session_id", "default")
    _sub(root, "hostname", platform.node())
    desc = _sub(root, "desc")
    dev = _sub(desc, "device")
    _sub(dev, "kind", info.kind)
    _sub(dev, "name", info.name)
    _sub(dev, "address", info.address)
    chans = _sub(desc, "channels")
    for ch in info.channels:
        c = _sub(chans, "channel")
        _sub(c, "label", ch.name)
        _sub(c, "unit", UNIT_NAME)
        _sub(c, "type", "EMG")
        _sub(c, "muscle", ch.muscle)
        _sub(c, "side", ch.side)
        _sub(c, "placement", ch.placement)
    if info.extra:
        extra = _sub(desc, "extra")
        for k, v in info.extra.items():
            item = _sub(extra, "item")
            _sub(item, "key", k)
            _sub(item, "value", v)
    return _xml(root)


def marker_header_xml(created_at: float) -> bytes:
    root = ET.Element("info")
    _sub(root, "name", MARKER_STREAM_NAME)
    _sub(root, "type", "Markers")
    _sub(root, "channel_count", 1)
    _sub(root, "nominal_srate", 0)
    _sub(root, "channel_format", "string")
    _sub(root, "source_id", MARKER_STREAM_NAME)
    _sub(root, "version", "1.1")
    _sub(root, "created_at", _fmt_float(created_at))
    _sub(root, "uid", str(uuid.uuid4()))
    _sub(root, "session_id", "default")
    _sub(root, "hostname", platform.node())
    desc = _sub(root, "desc")
    _sub(desc, "encoding", "json")
    return _xml(root)


def footer_xml(first: float, last: float, count: int, offsets: Sequence[tuple[float, float]]) -> bytes:
    root = ET.Element("info")
    _sub(root, "first_timestamp", _fmt_float(first))
    _sub(root, "last_timestamp", _fmt_float(last))
    _sub(root, "sample_count", count)
    co = _sub(root, "clock_offsets")
    for t, v in offsets:
        o = _sub(co, "offset")
        _sub(o, "time", _fmt_float(t))
        _sub(o, "value", _fmt_float(v))
    return _xml(root)


def numeric_samples_content(stream_id: int, times: np.ndarray, data: np.ndarray, regular: bool = False) -> bytes:
    """Content of a Samples chunk for float32 data (n x ch). With `regular` (samples exactly 1/rate
    apart, as within one block) only the first sample carries its timestamp and readers deduce the rest
    from the nominal rate, as LabRecorder writes; otherwise every sample carries one."""
    n, nch = data.shape
    if regular and n > 1:
        first = np.empty(1, dtype=[("flag", "u1"), ("t", "<f8"), ("v", "<f4", (nch,))])
        first["flag"], first["t"], first["v"] = 8, times[0], data[:1]
        rest = np.empty(n - 1, dtype=[("flag", "u1"), ("v", "<f4", (nch,))])
        rest["flag"], rest["v"] = 0, data[1:]
        return struct.pack("<I", stream_id) + varlen(n) + first.tobytes() + rest.tobytes()
    dt = np.dtype([("flag", "u1"), ("t", "<f8"), ("v", "<f4", (nch,))])
    rec = np.empty(n, dtype=dt)
    rec["flag"] = 8
    rec["t"] = times
    rec["v"] = data
    return struct.pack("<I", stream_id) + varlen(n) + rec.tobytes()


def string_samples_content(stream_id: int, times: Sequence[float], values: Sequence[str]) -> bytes:
    parts = [struct.pack("<I", stream_id), varlen(len(values))]
    for t, s in zip(times, values, strict=True):
        raw = s.encode("utf-8")
        parts.append(b"\x08" + struct.pack("<d", t) + varlen(len(raw)) + raw)
    return b"".join(parts)


@dataclass
class _StreamState:
    stream_id: int
    n_channels: int
    rate_hz: float
    is_marker: bool
    first: float = float("nan")
    last: float = float("nan")
    count: int = 0


class XdfWriter:
    """Write one XDF file: numeric EMG streams (float32, µV) and a JSON string marker stream.

    The file at `path` is written as it goes and is itself the crash-safe file: headers are on disk as soon
    as `add_stream` returns; samples reach the OS at each `flush()` (and whenever 1 MB is pending).
    """

    FLUSH_BYTES = 1 << 20

    def __init__(self, path: str | os.PathLike[str], fsync: bool = False) -> None:
        self.path = str(path)
        self._fsync = fsync
        self._fd: int | None = open_private(self.path)  # health data: readable by its owner only
        self._pending = bytearray()
        self._streams: dict[int, _StreamState] = {}
        self._offsets: dict[int, list[tuple[float, float]]] = {}
        self._next_id = 1
        self._last_offset_time: float | None = None
        self._last_boundary_time: float | None = None
        self._now = float("-inf")
        self._pending += b"XDF:" + chunk(TAG_FILE_HEADER, file_header_xml())
        self.flush()

    # -- streams -------------------------------------------------------------------------------------
    def add_stream(self, info: StreamInfo) -> int:
        """Declare an EMG stream; its header is on disk when this returns. Returns its stream id."""
        sid = self._new_id()
        content = struct.pack("<I", sid) + stream_header_xml(info, time.time())
        self._streams[sid] = _StreamState(sid, info.n_channels, float(info.rate_hz), False)
        self._offsets[sid] = []
        self._pending += chunk(TAG_STREAM_HEADER, content)
        self.flush()
        return sid

    def add_marker_stream(self) -> int:
        """Declare the string marker stream (JSON per marker). Returns its stream id."""
        sid = self._new_id()
        content = struct.pack("<I", sid) + marker_header_xml(time.time())
        self._streams[sid] = _StreamState(sid, 1, 0.0, True)
        self._offsets[sid] = []
        self._pending += chunk(TAG_STREAM_HEADER, content)
        self.flush()
        return sid

    def add_frames_stream(self, video_file: str, nominal_fps: float = 0.0, camera: str = "") -> int:
        """Declare the stream of a video's frame times (io/video_frames.py). Returns its stream id."""
        sid = self._new_id()
        content = struct.pack("<I", sid) + frames_header_xml(video_file, nominal_fps, camera)
        self._streams[sid] = _StreamState(sid, len(FRAME_CHANNELS), 0.0, False)
        self._offsets[sid] = []
        self._pending += chunk(TAG_STREAM_HEADER, content)
        self.flush()
        return sid

    def write_frames(self, stream_id: int, times: np.ndarray, rows: np.ndarray) -> None:
        """Append frames to a frame-times stream: session times (s) and (frame index, video position s) rows."""
        st = self._state(stream_id, marker=False)
        times = np.asarray(times, dtype=np.float64)
        if len(times) == 0:
            return
        self._pending += chunk(TAG_SAMPLES, frames_samples_content(stream_id, times, rows))
        if st.count == 0:
            st.first = float(times[0])
        st.last = float(times[-1])
        st.count += len(times)
        self._advance(st.last)

    def _new_id(self) -> int:
        self._check_open()
        sid = self._next_id
        self._next_id += 1
        return sid

    def _check_open(self) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path}: writer is closed")

    def _state(self, stream_id: int, marker: bool) -> _StreamState:
        self._check_open()
        st = self._streams.get(stream_id)
        if st is None:
            raise ValueError(f"{self.path}: no stream with id {stream_id}")
        if st.is_marker != marker:
            raise ValueError(f"{self.path}: stream {stream_id} is {'a marker' if st.is_marker else 'an EMG'} stream")
        return st

    # -- data ----------------------------------------------------------------------------------------
    def write_block(self, stream_id: int, block: Block) -> None:
        """Append a block; sample k gets timestamp block.t0 + k / block.rate_hz."""
        st = self._state(stream_id, marker=False)
        if block.n_channels != st.n_channels:
            raise ValueError(
                f"{self.path}: stream {stream_id} has {st.n_channels} channels, block has {block.n_channels}"
            )
        n = block.n_samples
        if n == 0:
            return
        times = block.t0 + np.arange(n, dtype=np.float64) / block.rate_hz
        regular = st.rate_hz > 0 and block.rate_hz == st.rate_hz  # readers deduce times from the nominal rate
        self._pending += chunk(TAG_SAMPLES, numeric_samples_content(stream_id, times, block.data, regular))
        if st.count == 0:
            st.first = float(times[0])
        st.last = float(times[-1])
        st.count += n
        self._advance(st.last)

    def write_marker(self, marker: Marker, stream_id: int | None = None) -> None:
        """Append a marker to the marker stream (created on first use if none was added)."""
        if stream_id is None:
            ids = [s.stream_id for s in self._streams.values() if s.is_marker]
            stream_id = ids[0] if ids else self.add_marker_stream()
        st = self._state(stream_id, marker=True)
        t = float(marker.time_s)
        self._pending += chunk(TAG_SAMPLES, string_samples_content(stream_id, [t], [marker_to_json(marker)]))
        if st.count == 0:
            st.first = t
        st.last = t
        st.count += 1
        self._advance(t)

    def _advance(self, t: float) -> None:
        """Periodic ClockOffset (offset 0: timestamps already on the session clock) and Boundary chunks."""
        if t > self._now:
            self._now = t
        if self._last_offset_time is None or self._now - self._last_offset_time >= CLOCK_OFFSET_INTERVAL_S:
            self._last_offset_time = self._now
            for sid in self._streams:
                self._pending += chunk(TAG_CLOCK_OFFSET, struct.pack("<Idd", sid, self._now, 0.0))
                self._offsets[sid].append((self._now, 0.0))
        if self._last_boundary_time is None:
            self._last_boundary_time = self._now
        elif self._now - self._last_boundary_time >= BOUNDARY_INTERVAL_S:
            self._last_boundary_time = self._now
            self._pending += chunk(TAG_BOUNDARY, BOUNDARY_UUID)
        if len(self._pending) >= self.FLUSH_BYTES:
            self.flush()

    # -- disk ----------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Hand all pending whole chunks to the OS (and fsync if asked)."""
        if self._fd is None:
            return
        if self._pending:
            view = memoryview(self._pending)
            done = 0
            try:
                while done < len(view):
                    done += os.write(self._fd, view[done:])
            finally:
                view.release()
                del self._pending[:done]
        if self._fsync:
            os.fsync(self._fd)

    def close(self) -> None:
        """Write footers, flush and close. Safe to call twice."""
        if self._fd is None:
            return
        try:
            for sid, st in self._streams.items():
                first = st.first if st.count else 0.0
                last = st.last if st.count else 0.0
                content = struct.pack("<I", sid) + footer_xml(first, last, st.count, self._offsets[sid])
                self._pending += chunk(TAG_STREAM_FOOTER, content)
            self.flush()
        finally:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> XdfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Recorder:
    """Records streams to an XDF file on its own thread; `put_*` never wait for the disk.

    Stream `i` of `streams` is fed with `put_block(i, block)`. A marker stream is always added. Streams
    may also join an open recording (`add_stream`, e.g. a sensor connected while recording): XDF allows a
    StreamHeader chunk anywhere, so its header is written where it joins, before any of its samples. A
    stream whose header is not known yet (a sensor whose first packet says its rate) holds its index as
    None and is declared later (`declare_stream`), before its first block. The
    writer thread flushes whole chunks to the OS at least every `flush_interval_s` (default 0.25 s). An
    error on the writer thread stops recording and is raised on the next `put_*` or on `close()`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        streams: Sequence[StreamInfo | None],
        flush_interval_s: float = 0.25,
        fsync: bool = False,
    ) -> None:
        self.path = str(path)
        self._infos = list(streams)
        self._flush_interval = float(flush_interval_s)
        self._queue: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._add_lock = threading.Lock()  # a stream's index and its place in the queue go together
        # open and write headers on the caller's thread so that a bad path fails right here
        try:
            self._writer = XdfWriter(self.path, fsync=fsync)
            # XDF stream id per index whose header is written (a None stream gets its header when declared)
            self._ids = {i: self._writer.add_stream(info) for i, info in enumerate(self._infos) if info is not None}
            self._marker_id = self._writer.add_marker_stream()
        except OSError as e:
            raise InputError(self.path, f"cannot create recording: {e.strerror or e}") from e
        self.samples_written = 0
        self._thread = threading.Thread(target=self._run, name="emgcoach-recorder", daemon=True)
        self._thread.start()

    @property
    def backlog(self) -> int:
        """Items queued but not yet written (grows only if blocks arrive faster than the disk takes them)."""
        return self._queue.qsize()

    @property
    def stream_ids(self) -> list[int]:
        """XDF ids of the EMG streams whose headers are written (a stream just added joins shortly)."""
        return [self._ids[i] for i in sorted(self._ids)]

    @property
    def n_streams(self) -> int:
        """EMG streams accepted by `put_block` (those given at the start and those added since)."""
        return len(self._infos)

    def add_stream(self, info: StreamInfo | None) -> int:
        """Add an EMG stream to the open recording; returns its index for `put_block`. Thread-safe and never
        waits for the disk: the writer thread writes its StreamHeader (and flushes it) before any of its
        samples, and its StreamFooter with the others at `close()`. None: its header comes later
        (`declare_stream`)."""
        with self._add_lock:
            self._check()
            index = len(self._infos)
            self._infos.append(info)
            if info is not None:
                self._queue.put(("h", index, info))
        return index

    def declare_stream(self, index: int, info: StreamInfo) -> None:
        """Give stream `index`, added without a header, its header (written before any of its blocks)."""
        with self._add_lock:
            self._check()
            if not 0 <= index < len(self._infos) or self._infos[index] is not None:
                raise ValueError(f"{self.path}: stream {index} is not waiting for its header")
            self._infos[index] = info
            self._queue.put(("h", index, info))

    def put_block(self, stream_index: int, block: Block) -> None:
        """Queue a block of stream `stream_index` (position in the `streams` list)."""
        self._check()
        if not 0 <= stream_index < len(self._infos):
            raise ValueError(f"{self.path}: no stream {stream_index} (recording has {len(self._infos)})")
        info = self._infos[stream_index]
        if info is None:
            raise ValueError(f"{self.path}: stream {stream_index} has no header yet")
        n = info.n_channels
        if block.n_channels != n:
            raise ValueError(f"{self.path}: stream {stream_index} has {n} channels, block has {block.n_channels}")
        self._queue.put(("b", stream_index, block))

    def put_marker(self, marker: Marker) -> None:
        self._check()
        self._queue.put(("m", marker))

    def add_frames_stream(self, video_file: str, nominal_fps: float = 0.0, camera: str = "") -> None:
        """Add the frame-times stream of the video recorded beside this file (`video_file`: its name);
        thread-safe and never waits for the disk (its header is written before its first frame)."""
        self._check()
        self._queue.put(("vh", video_file, float(nominal_fps), camera))

    def put_frames(self, times: np.ndarray, rows: np.ndarray) -> None:
        """Queue video frames' session times (s) and (frame index, video position s) rows."""
        self._check()
        self._queue.put(("v", np.asarray(times, dtype=np.float64), np.asarray(rows, dtype=np.float64)))

    def _check(self) -> None:
        if self._error is not None:
            self._raise()
        if self._closed:
            raise ValueError(f"{self.path}: recorder is closed")

    def _raise(self) -> None:
        e = self._error
        assert e is not None
        if isinstance(e, OSError):
            raise OSError(e.errno, f"{self.path}: recording stopped: {e.strerror or e}") from e
        raise InputError(self.path, f"recording stopped: {type(e).__name__}: {e}") from e

    def _run(self) -> None:
        w = self._writer
        last_flush = time.monotonic()
        frames_id: int | None = None
        try:
            while True:
                timeout = max(0.0, self._flush_interval - (time.monotonic() - last_flush))
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    item = None
                if item is not None:
                    if item[0] == "b":
                        _, idx, block = item
                        w.write_block(self._ids[idx], block)
                        self.samples_written += block.n_samples
                    elif item[0] == "m":
                        w.write_marker(item[1], self._marker_id)
                    elif item[0] == "vh":
                        frames_id = w.add_frames_stream(*item[1:])
                    elif item[0] == "v":
                        if frames_id is None:  # a caller's bug: reported like a writer error
                            raise RuntimeError("video frames queued before their stream was added")
                        w.write_frames(frames_id, item[1], item[2])
                    elif item[0] == "h":  # a stream joins: its header goes to disk before its first samples
                        _, idx, info = item
                        if idx in self._ids:
                            raise RuntimeError(f"stream {idx} declared twice")
                        self._ids[idx] = w.add_stream(info)
                    else:  # stop
                        w.close()
                        return
                if time.monotonic() - last_flush >= self._flush_interval:
                    w.flush()
                    last_flush = time.monotonic()
                if item is not None and self._queue.empty():
                    # let the next blocks gather (they come ~150 a second from two sensors): one wake-up of
                    # this thread per BATCH_S instead of one per block, each a GIL hand-over with the engine's
                    time.sleep(BATCH_S)
        except BaseException as e:  # reported to the caller, never lost
            self._error = e
            try:
                w.close()
            except BaseException:  # the first error is the one reported; this one only to the log
                logger.exception("closing the recording after a writer error")

    def close(self) -> None:
        """Drain the queue, write footers, join the thread; raise any writer-thread error."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(("s",))
                self._thread.join()
        if self._error is not None:
            self._raise()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            try:
                self.close()
            except Exception:  # the original exception matters more
                pass


__all__ = ["XdfWriter", "Recorder", "MARKER_STREAM_NAME", "chunk", "varlen"]
