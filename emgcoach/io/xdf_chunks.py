"""The XDF file format's chunks, parsed into streams of timestamps and values on the file's own clock.

We parse the chunks ourselves (same rules as pyxdf, which the tests use as the reference) because
(1) it is vectorised: a Samples chunk at a time, and runs of chunks in the usual layout (first sample
stamped, the rest deduced: ours, LabRecorder's) a stream at a time (20 min of 8 channels at 2 kHz in
0.9 s against pyxdf's 6.1 s, `benchmarks/recording.py`), and
(2) it keeps every complete sample of a file cut mid-chunk (power loss, kill during a write) and never
raises anything but InputError on damaged files (what it could not read is in `XdfFile.problems`).
`xdf_reader` makes a Recording of what this finds.
"""

from __future__ import annotations

import functools
import os
import struct
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emgcoach.errors import InputError

BOUNDARY_UUID = bytes(
    [0x43, 0xA5, 0x46, 0xDC, 0xCB, 0xF5, 0x41, 0x0F, 0xB3, 0x0E, 0xD5, 0x46, 0x73, 0x83, 0xCB, 0xE4]
)
NUMERIC_FORMATS: dict[str, np.dtype] = {
    "float32": np.dtype("<f4"),
    "double64": np.dtype("<f8"),
    "int8": np.dtype("i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
}
MAX_CHANNELS = 65536


class _Corrupt(Exception):
    """A chunk that cannot be parsed (internal; never leaves this module)."""


@dataclass
class XdfStream:
    """One stream as found in the file, times on the file's own clock."""

    stream_id: int
    header: ET.Element
    name: str
    type: str
    fmt: str
    n_channels: int
    srate: float
    stamps: list[np.ndarray] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)  # ndarrays (numeric) or lists of lists of str
    clock_times: list[float] = field(default_factory=list)
    clock_values: list[float] = field(default_factory=list)
    footer: ET.Element | None = None
    last_timestamp: float = 0.0
    # Samples chunks in the commonest layout (first sample stamped, the rest deduced: ours, LabRecorder's),
    # parsed together (`_flush_first_stamped`): (chunk's byte offset, its sample count's offset, its first
    # sample's offset, samples)
    pending: list[tuple[int, int, int, int]] = field(default_factory=list)
    pending_bytes: int = 0

    @property
    def tdiff(self) -> float:
        return 1.0 / self.srate if self.srate > 0 else 0.0

    @property
    def dtype(self) -> np.dtype | None:
        return NUMERIC_FORMATS.get(self.fmt)

    def time_stamps(self) -> np.ndarray:
        return np.concatenate(self.stamps) if self.stamps else np.zeros(0)

    def time_series(self) -> Any:
        if self.fmt == "string":
            return [row for chunk in self.values for row in chunk]
        if not self.values:
            return np.zeros((0, self.n_channels), dtype=self.dtype)
        return np.concatenate(self.values)


@dataclass
class XdfFile:
    streams: dict[int, XdfStream]
    file_header: ET.Element | None
    truncated: bool = False
    problems: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# chunk level


def _varlen(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read an XDF variable-length integer at pos; returns (value, new pos). Raises EOFError/_Corrupt."""
    if pos >= end:
        raise EOFError
    width = buf[pos]
    if width not in (1, 4, 8):
        raise _Corrupt(f"invalid length width {width}")
    if pos + 1 + width > end:
        raise EOFError
    return int.from_bytes(buf[pos + 1 : pos + 1 + width], "little"), pos + 1 + width


def xml_text(el: ET.Element | None, path: str, default: str = "") -> str:
    if el is None:
        return default
    found = el.find(path)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _parse_header(sid: int, xml: bytes) -> XdfStream:
    try:
        root = ET.fromstring(xml.decode("utf-8", "replace"))
    except ET.ParseError as e:
        raise _Corrupt(f"stream {sid} header XML: {e}") from None
    try:
        nch = int(xml_text(root, "channel_count", "0"))
        srate = float(xml_text(root, "nominal_srate", "0"))
    except ValueError:
        raise _Corrupt(f"stream {sid} header: bad channel_count or nominal_srate") from None
    fmt = xml_text(root, "channel_format", "float32").lower()
    if not 0 < nch <= MAX_CHANNELS:
        raise _Corrupt(f"stream {sid} header: channel_count {nch}")
    if fmt != "string" and fmt not in NUMERIC_FORMATS:
        raise _Corrupt(f"stream {sid} header: unknown channel_format {fmt!r}")
    if not np.isfinite(srate) or srate < 0:
        raise _Corrupt(f"stream {sid} header: nominal_srate {srate}")
    return XdfStream(sid, root, xml_text(root, "name"), xml_text(root, "type"), fmt, nch, srate)


@dataclass
class _SampleBytes:
    """The sample part of a numeric Samples chunk: `n` samples announced, `avail` bytes from `pos`."""

    buf: bytes
    pos: int
    avail: int
    n: int
    truncated: bool
    dt: np.dtype  # one value's type
    n_channels: int

    @property
    def vbytes(self) -> int:
        return self.n_channels * self.dt.itemsize

    @property
    def arr(self) -> np.ndarray:
        return np.frombuffer(self.buf, dtype=np.uint8, count=self.avail, offset=self.pos)


def _all_alike(s: XdfStream, c: _SampleBytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path: every timestamp explicit (ours) or every timestamp deduced (regular LSL streams)."""
    for tsize in (8, 0):
        rec = 1 + tsize + c.vbytes
        if (c.n * rec == c.avail or (c.truncated and c.n * rec > c.avail)) and c.n > 0:
            m = min(c.n, c.avail // rec)
            if m == 0:
                continue
            flags = c.arr[: m * rec : rec]
            if tsize == 8 and not np.all(flags == 8) or tsize == 0 and not np.all(flags == 0):
                continue
            recs = np.frombuffer(c.buf, dtype=_record_dtype(c.dt, c.n_channels, bool(tsize)), count=m, offset=c.pos)
            values = np.array(recs["v"], dtype=c.dt.newbyteorder("="))
            if tsize:
                stamps = np.array(recs["t"], dtype=np.float64)
            else:
                stamps = s.last_timestamp + s.tdiff * np.arange(1, m + 1, dtype=np.float64)
            if m:
                s.last_timestamp = float(stamps[-1])
            return stamps, values
    return None


@functools.lru_cache(maxsize=64)
def _record_dtype(dt: np.dtype, n_channels: int, stamped: bool) -> np.dtype:
    """One sample's bytes: its timestamp flag, the timestamp when `stamped`, then its values."""
    if stamped:
        return np.dtype([("flag", "u1"), ("t", "<f8"), ("v", dt, (n_channels,))])
    return np.dtype([("flag", "u1"), ("v", dt, (n_channels,))])


def _first_stamped(s: XdfStream, c: _SampleBytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path: the first sample stamped, the rest deduced (our blocks, and LabRecorder's chunks)."""
    vbytes = c.vbytes
    rec0, rec = 9 + vbytes, 1 + vbytes
    buf, pos = c.buf, c.pos
    if not (c.n > 1 and c.avail >= rec0 and buf[pos] == 8 and (c.avail - rec0 == (c.n - 1) * rec or c.truncated)):
        return None
    m = min(c.n - 1, (c.avail - rec0) // rec)
    recs = np.frombuffer(buf, dtype=_record_dtype(c.dt, c.n_channels, False), count=m, offset=pos + rec0)
    if recs["flag"].any():
        return None
    t0 = struct.unpack_from("<d", buf, pos + 1)[0]
    values = np.empty((m + 1, c.n_channels), dtype=c.dt.newbyteorder("="))
    values[0] = np.frombuffer(buf, dtype=c.dt, count=c.n_channels, offset=pos + 9)
    values[1:] = recs["v"]
    stamps = t0 + s.tdiff * np.arange(m + 1, dtype=np.float64)
    s.last_timestamp = float(stamps[-1])
    return stamps, values


def _walk_flags(s: XdfStream, c: _SampleBytes) -> tuple[np.ndarray, np.ndarray]:
    """General path: mixed flags, walked one sample at a time."""
    arr, vbytes = c.arr, c.vbytes
    stamps = np.zeros(c.n)
    starts = np.zeros(c.n, dtype=np.int64)
    p = 0
    k = 0
    last = s.last_timestamp
    while k < c.n and p < c.avail:
        flag = arr[p]
        if flag == 8:
            if p + 9 + vbytes > c.avail:
                break
            last = struct.unpack_from("<d", c.buf, c.pos + p + 1)[0]
            p += 9
        elif flag == 0:
            if p + 1 + vbytes > c.avail:
                break
            last = last + s.tdiff
            p += 1
        else:
            raise _Corrupt(f"invalid timestamp flag {flag}")
        stamps[k] = last
        starts[k] = p
        p += vbytes
        k += 1
    if k < c.n and not c.truncated:
        raise _Corrupt("samples run past the chunk end")
    idx = starts[:k, None] + np.arange(vbytes)[None, :]
    values = arr[idx].reshape(k, vbytes).copy().view(c.dt).reshape(k, c.n_channels).astype(c.dt.newbyteorder("="))
    s.last_timestamp = last
    return stamps[:k], values


FLUSH_BYTES = 1 << 20  # sample bytes queued per stream before they are parsed (bounds the index arrays)


def _queue_first_stamped(out: XdfFile, s: XdfStream, buf: bytes, at: int, pos: int, end: int) -> bool:
    """Queue a whole Samples chunk (content buf[pos:end] after the stream id) whose size says its first
    sample is stamped and the rest deduced; False, nothing queued, for any other."""
    n, p = _varlen(buf, pos, end)
    dt = s.dtype
    assert dt is not None
    vbytes = s.n_channels * dt.itemsize
    if n < 1 or end - p != 9 + vbytes + (n - 1) * (1 + vbytes) or buf[p] != 8:
        return False
    s.pending.append((at, pos, p, n))
    s.pending_bytes += n * vbytes
    if s.pending_bytes >= FLUSH_BYTES:
        _flush_first_stamped(out, s, buf)
    return True


def _flush_first_stamped(out: XdfFile, s: XdfStream, buf: bytes) -> None:
    """Parse the stream's queued chunks at once, as `_first_stamped` parses one; if any holds a flag
    other than 'deduced' after its first sample, each is parsed on its own."""
    pending, s.pending, s.pending_bytes = s.pending, [], 0
    if not pending:
        return
    dt = s.dtype
    assert dt is not None
    vbytes = s.n_channels * dt.itemsize
    first = np.fromiter((p for _, _, p, _ in pending), dtype=np.int64, count=len(pending))
    counts = np.fromiter((n for _, _, _, n in pending), dtype=np.int64, count=len(pending))
    chunk_of = np.repeat(np.arange(len(pending)), counts)
    k = np.arange(len(chunk_of)) - np.repeat(np.cumsum(counts) - counts, counts)  # index within its chunk
    at = first[chunk_of] + 9 + k * (1 + vbytes)  # each sample's values
    arr = np.frombuffer(buf, dtype=np.uint8)
    if arr[at[k > 0] - 1].any():
        for chunk_at, count_at, p, n in pending:
            try:
                _keep(s, *_parse_numeric(s, buf, count_at, p + 9 + vbytes + (n - 1) * (1 + vbytes), False))
            except _DAMAGED as e:
                _damaged(out, 3, chunk_at, e)
        return
    t0 = arr[first[:, None] + 1 + np.arange(8)].view("<f8")[:, 0]
    values = arr[at[:, None] + np.arange(vbytes)].view(dt).reshape(len(at), s.n_channels)
    stamps = t0[chunk_of] + s.tdiff * k
    s.last_timestamp = float(stamps[-1])
    _keep(s, stamps, values.astype(dt.newbyteorder("="), copy=False))


def _keep(s: XdfStream, stamps: np.ndarray, values: np.ndarray | list) -> None:
    """A run of the stream's samples, in file order (none: nothing)."""
    if len(stamps):
        s.stamps.append(stamps)
        s.values.append(values)


_DAMAGED = (_Corrupt, EOFError, ValueError, struct.error)  # what a damaged chunk raises while parsed


def _damaged(out: XdfFile, tag: int, at: int, e: Exception) -> None:
    out.problems.append(f"damaged chunk (tag {tag}) at byte {at}: {e}")


def _parse_numeric(s: XdfStream, buf: bytes, pos: int, end: int, truncated: bool) -> tuple[np.ndarray, np.ndarray]:
    """Samples of a numeric stream in buf[pos:end] (after the stream id): (timestamps s, values)."""
    n, pos = _varlen(buf, pos, end)
    dt = s.dtype
    assert dt is not None
    c = _SampleBytes(buf, pos, end - pos, n, truncated, dt, s.n_channels)
    if n > c.avail // (1 + c.vbytes) + 1:
        if not truncated:
            raise _Corrupt(f"sample count {n} does not fit the chunk")
        c.n = c.avail // (1 + c.vbytes)
    return _all_alike(s, c) or _first_stamped(s, c) or _walk_flags(s, c)


def _parse_strings(s: XdfStream, buf: bytes, pos: int, end: int, truncated: bool) -> tuple[np.ndarray, list]:
    n, pos = _varlen(buf, pos, end)
    if n > (end - pos) // (1 + s.n_channels * 2) + 1 and not truncated:
        raise _Corrupt(f"sample count {n} does not fit the chunk")
    stamps: list[float] = []
    rows: list[list[str]] = []
    last = s.last_timestamp
    try:
        for _ in range(n):
            if pos >= end:
                raise EOFError
            flag = buf[pos]
            if flag == 8:
                if pos + 9 > end:
                    raise EOFError
                t = struct.unpack_from("<d", buf, pos + 1)[0]
                pos += 9
            elif flag == 0:
                t = last + s.tdiff
                pos += 1
            else:
                raise _Corrupt(f"invalid timestamp flag {flag}")
            row = []
            for _c in range(s.n_channels):
                ln, pos = _varlen(buf, pos, end)
                if pos + ln > end:
                    raise EOFError
                row.append(bytes(buf[pos : pos + ln]).decode("utf-8", "replace"))
                pos += ln
            last = t
            stamps.append(t)
            rows.append(row)
    except EOFError:
        if not truncated:
            raise _Corrupt("samples run past the chunk end") from None
    s.last_timestamp = last
    return np.asarray(stamps, dtype=np.float64), rows


def _load_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a recording") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    if not data:
        raise InputError(path, "file is empty (0 bytes)")
    if data[:2] == b"\x1f\x8b":  # .xdfz / .xdf.gz: gzip; keep what decompresses from a cut file
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = d.decompress(data, 2**31)
        except zlib.error as e:
            raise InputError(path, f"damaged gzip data ({e})") from None
        if not data:
            raise InputError(path, "compressed file holds no data")
    return data


def _chunk_at(buf: bytes, pos: int, end: int, out: XdfFile) -> tuple[int | None, int, int, bool] | None:
    """The chunk at `pos`: (tag, content start, content end, cut short), tag None for a chunk to skip (the
    third item is then where to go on); None when nothing more can be read. Problems go to out.problems."""
    try:
        length, p = _varlen(buf, pos, end)
    except EOFError:
        out.truncated = True
        out.problems.append(f"file cut inside a chunk length at byte {pos}")
        return None
    except _Corrupt as e:  # go on at the next boundary chunk, if any
        nxt = buf.find(BOUNDARY_UUID, pos)
        out.problems.append(f"damaged chunk at byte {pos} ({e})")
        return None if nxt < 0 else (None, pos, nxt + len(BOUNDARY_UUID), False)
    cend = p + length
    truncated = cend > end
    if truncated:
        out.truncated = True
        out.problems.append(f"file cut inside the last chunk (byte {pos})")
        cend = end
    if length < 2 or p + 2 > cend:
        if truncated:
            return None
        out.problems.append(f"chunk with length {length} at byte {pos}")
        return None, pos, cend, False
    return int.from_bytes(buf[p : p + 2], "little"), p + 2, cend, truncated


def _stream_chunk(out: XdfFile, tag: int, buf: bytes, p: int, cend: int, truncated: bool, at: int) -> None:
    """A StreamHeader (2), Samples (3), ClockOffset (4) or StreamFooter (6) chunk's content into `out`
    (the chunk starts at byte `at`)."""
    if p + 4 > cend:
        raise _Corrupt("chunk too short for a stream id")
    sid = int.from_bytes(buf[p : p + 4], "little")
    p += 4
    if tag == 2:
        if truncated:
            raise _Corrupt("stream header cut")
        if sid in out.streams:
            raise _Corrupt(f"stream {sid} declared twice")
        out.streams[sid] = _parse_header(sid, buf[p:cend])
    elif sid not in out.streams:
        raise _Corrupt(f"chunk for undeclared stream {sid}")
    elif tag == 3:
        s = out.streams[sid]
        vals: np.ndarray | list  # numeric samples, or a list per sample of its strings
        if s.fmt == "string":
            st, vals = _parse_strings(s, buf, p, cend, truncated)
        else:
            if not truncated and _queue_first_stamped(out, s, buf, at, p, cend):
                return
            _flush_first_stamped(out, s, buf)  # what came before, before this chunk's samples
            st, vals = _parse_numeric(s, buf, p, cend, truncated)
        _keep(s, st, vals)
    elif tag == 4:
        if cend - p < 16:
            raise _Corrupt("clock offset chunk too short")
        t, v = struct.unpack_from("<dd", buf, p)
        if np.isfinite(t) and np.isfinite(v):
            out.streams[sid].clock_times.append(t)
            out.streams[sid].clock_values.append(v)
    elif tag == 6 and not truncated:
        try:
            out.streams[sid].footer = ET.fromstring(bytes(buf[p:cend]).decode("utf-8", "replace"))
        except ET.ParseError:
            out.problems.append(f"damaged footer of stream {sid}")


def _chunk(out: XdfFile, tag: int, buf: bytes, p: int, cend: int, truncated: bool, at: int) -> None:
    """One chunk's content (from `p` to `cend`; the chunk starts at `at`) into `out`; unknown tags
    (Boundary, ...) are skipped."""
    if tag == 1:
        if not truncated:
            try:
                out.file_header = ET.fromstring(bytes(buf[p:cend]).decode("utf-8", "replace"))
            except ET.ParseError:
                out.problems.append("damaged file header")
    elif tag in (2, 3, 4, 6):
        _stream_chunk(out, tag, buf, p, cend, truncated, at)


def parse_xdf(path: str | os.PathLike[str]) -> XdfFile:
    """Parse every chunk of an XDF file; tolerate a cut or damaged tail (noted in `problems`)."""
    path = str(path)
    buf = _load_bytes(path)
    if buf[:4] != b"XDF:":
        raise InputError(path, "not an XDF file (the first bytes are not 'XDF:')")
    out = XdfFile(streams={}, file_header=None)
    pos, end = 4, len(buf)
    while pos < end:
        head = _chunk_at(buf, pos, end, out)
        if head is None:
            break
        tag, p, cend, truncated = head
        if tag is not None:
            try:
                _chunk(out, tag, buf, p, cend, truncated, pos)
            except _DAMAGED as e:
                _damaged(out, tag, pos, e)
        if truncated:
            break
        pos = cend
    for s in out.streams.values():
        _flush_first_stamped(out, s, buf)
    return out
