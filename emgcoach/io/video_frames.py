"""The video beside a recording: its stream of frame times, and mapping session time to a video position.

A recording made with the camera on is two files with one stem: `session.xdf` and `session.mp4`. The XDF
holds, besides the EMG and the markers, one stream of type `VideoFrames` (irregular rate, double64): one
sample per frame written to the MP4, stamped with the time the frame reached the app on the session
clock (the EMG's clock), with two channels: the frame's index in the MP4 (0, 1, ...) and its position in
the MP4 (s, its presentation time). The stream's header names the MP4 (`desc/video/file`).

Replaying maps the replay clock's time to a position with these samples, not with an assumed frame rate:
the frame shown at time T is the last frame captured at or before T (`FrameTimes.position_at`). Frames
the camera dropped, a frame rate that wanders or a pause in the camera are all in the samples.

Readers of the EMG ignore this stream (its type is not EMG and its rate is 0); `read_frame_times` finds it.
"""

from __future__ import annotations

import logging
import os
import platform
import struct
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.xdf_chunks import parse_xdf  # the reader's chunk parser (no EMG checks)

logger = logging.getLogger(__name__)

VIDEO_FRAMES_TYPE = "VideoFrames"
VIDEO_FRAMES_NAME = "emgcoach-video-frames"
VIDEO_SUFFIX = ".mp4"
CHANNELS = ("frame_index", "video_position_s")


def video_path_for(xdf_path: str | os.PathLike[str]) -> Path:
    """The MP4 written beside a recording: same folder, same stem (`session.xdf` -> `session.mp4`)."""
    return Path(xdf_path).with_suffix(VIDEO_SUFFIX)


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def frames_header_xml(video_file: str, nominal_fps: float = 0.0, camera: str = "", created_at: float | None = None) -> bytes:
    """The XDF StreamHeader XML of the frame-times stream for the MP4 named `video_file` (a file name,
    looked for beside the XDF). `nominal_fps` is what the camera said (informative only: the mapping
    uses the samples)."""
    root = ET.Element("info")
    _sub(root, "name", VIDEO_FRAMES_NAME)
    _sub(root, "type", VIDEO_FRAMES_TYPE)
    _sub(root, "channel_count", len(CHANNELS))
    _sub(root, "nominal_srate", 0)  # one sample per frame, when it came: irregular
    _sub(root, "channel_format", "double64")  # frame index exact to 2^53, position to sub-microsecond
    _sub(root, "source_id", VIDEO_FRAMES_NAME)
    _sub(root, "version", "1.1")
    _sub(root, "created_at", repr(float(time.time() if created_at is None else created_at)))
    _sub(root, "uid", str(uuid.uuid4()))
    _sub(root, "session_id", "default")
    _sub(root, "hostname", platform.node())
    desc = _sub(root, "desc")
    video = _sub(desc, "video")
    _sub(video, "file", video_file)
    _sub(video, "nominal_fps", repr(float(nominal_fps)))
    _sub(video, "camera", camera)
    _sub(video, "clock", "session time of the frame's arrival in the app (s), the EMG's clock")
    chans = _sub(desc, "channels")
    for label, unit in zip(CHANNELS, ("index", "seconds"), strict=True):
        c = _sub(chans, "channel")
        _sub(c, "label", label)
        _sub(c, "unit", unit)
    return b'<?xml version="1.0"?>' + ET.tostring(root, encoding="utf-8", short_empty_elements=False)


def frames_samples_content(stream_id: int, times: np.ndarray, rows: np.ndarray) -> bytes:
    """Content of an XDF Samples chunk of the frame-times stream: every sample carries its timestamp
    (`times`, session s) and (frame index, video position s) as double64."""
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(CHANNELS))
    n = len(rows)
    dt = np.dtype([("flag", "u1"), ("t", "<f8"), ("v", "<f8", (len(CHANNELS),))])
    rec = np.empty(n, dtype=dt)
    rec["flag"], rec["t"], rec["v"] = 8, np.asarray(times, dtype=np.float64), rows
    count = bytes((1, n)) if n < 256 else b"\x04" + struct.pack("<I", n)  # (xdf_writer.varlen; it imports this module)
    return struct.pack("<I", stream_id) + count + rec.tobytes()


@dataclass(frozen=True)
class FrameTimes:
    """The frames of one video on the replay's clock: `times_s[k]` when frame k was captured (s, the
    Recording's time: 0 = its first EMG sample), `positions_s[k]` where it is in the video (s).
    `video` is the MP4's path (it may be missing: `has_video`)."""

    times_s: np.ndarray
    positions_s: np.ndarray
    video: Path

    def __post_init__(self) -> None:
        if len(self.times_s) != len(self.positions_s) or len(self.times_s) == 0:
            raise ValueError("frame times: need one position per time, and at least one frame")

    @property
    def n_frames(self) -> int:
        return len(self.times_s)

    @property
    def has_video(self) -> bool:
        return self.video.is_file()

    @property
    def period_s(self) -> float:
        """The median time between frames (s): what "one frame" means for this video."""
        d = np.diff(self.times_s)
        return float(np.median(d)) if len(d) else 0.0

    def index_at(self, t_s: float) -> int:
        """The frame on screen at session time `t_s`: the last one captured at or before it (the first
        frame before the video starts)."""
        k = int(np.searchsorted(self.times_s, t_s, side="right")) - 1
        return min(max(k, 0), self.n_frames - 1)

    def position_at(self, t_s: float) -> float:
        """The video position (s) of the frame shown at session time `t_s`."""
        return float(self.positions_s[self.index_at(t_s)])

    def index_of_position(self, position_s: float) -> int:
        """The frame at video position `position_s` (s): the nearest (the MP4 rounds a frame's time to its
        time base, e.g. 1/30000 s, so a decoded frame's time is a little off the one written)."""
        k = int(np.searchsorted(self.positions_s, position_s))
        if k >= self.n_frames:
            return self.n_frames - 1
        if k > 0 and position_s - self.positions_s[k - 1] < self.positions_s[k] - position_s:
            return k - 1
        return k

    def time_of_position(self, position_s: float) -> float:
        """The session time (s) the frame at video position `position_s` was captured at."""
        return float(self.times_s[self.index_of_position(position_s)])


def frame_times_from_samples(stamps: np.ndarray, values: np.ndarray, origin_s: float, video: Path) -> FrameTimes:
    """A FrameTimes from the stream's samples (stamps on the file clock, (index, position) rows), with
    times made relative to `origin_s`; out-of-order or repeated frames (none are written) are dropped."""
    stamps = np.asarray(stamps, dtype=np.float64)
    positions = np.asarray(values, dtype=np.float64).reshape(-1, len(CHANNELS))[:, 1]
    ok = np.isfinite(stamps) & np.isfinite(positions)
    stamps, positions = stamps[ok], positions[ok]
    order = np.argsort(positions, kind="stable")
    stamps, positions = stamps[order], positions[order]
    keep = np.concatenate(([True], np.diff(positions) > 0)) if len(positions) else np.zeros(0, bool)
    return FrameTimes(stamps[keep] - origin_s, positions[keep], video)


def read_frame_times(xdf_path: str | os.PathLike[str], origin_s: float) -> FrameTimes | None:
    """The frame times of the video recorded with `xdf_path`, on the Recording's time (`origin_s`: the
    file-clock time the reader made 0, `StreamInfo.extra["xdf_time_origin"]`); None if the file has no
    frame-times stream or it holds no frame. The MP4 is the one the stream names, beside the XDF."""
    xf = parse_xdf(str(xdf_path))
    streams = [s for s in xf.streams.values() if s.type == VIDEO_FRAMES_TYPE and s.fmt != "string"]
    if not streams:
        return None
    s = streams[0]
    if s.n_channels != len(CHANNELS):
        raise InputError(str(xdf_path), f"video frame times: {s.n_channels} channels, expected {len(CHANNELS)}")
    stamps, values = s.time_stamps(), s.time_series()
    if len(stamps) == 0:
        return None
    el = s.header.find("./desc/video/file")
    name = (el.text or "").strip() if el is not None else ""
    video = Path(xdf_path).parent / Path(name).name if name else video_path_for(xdf_path)
    return frame_times_from_samples(stamps, values, origin_s, video)
