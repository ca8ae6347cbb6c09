"""In-memory form of a recording as every reader returns it: streams of µV samples plus markers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from emgcoach.types import Block, Marker, StreamInfo


@dataclass
class RecordedStream:
    """One sensor's samples.

    data: float32 (samples x channels) in µV. Lost samples are absent from `data`; `gaps` lists them as
    (absolute index of the first missing sample, count), so no sample is ever shifted in time.
    t0: session-clock time in s of the sample with absolute index `first_index`.
    timestamps: optional per-sample session-clock times in s (as recorded), same length as data.
    unit_assumed: indices of the channels whose unit neither the file nor the caller stated, so their
    values were taken as µV as they stand (`io.units.unit_warnings` checks those for mV or V look).
    """

    info: StreamInfo
    data: np.ndarray
    t0: float = 0.0
    first_index: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    timestamps: np.ndarray | None = None
    unit_assumed: tuple[int, ...] = ()

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def duration_s(self) -> float:
        """Span covered in s, lost samples included."""
        return (self.n_samples + sum(n for _, n in self.gaps)) / self.info.rate_hz

    def blocks(self, block_size: int) -> Iterator[Block]:
        """Split into Blocks of at most `block_size` samples; a gap starts a new block with `lost` set."""
        rate = self.info.rate_hz
        gaps = sorted(self.gaps)
        pos = 0  # row in data
        index = self.first_index  # absolute sample index of data[pos]
        gi = 0
        lost_before = 0
        n = self.n_samples
        while pos < n:
            # consume gaps that start at the current absolute index
            while gi < len(gaps) and gaps[gi][0] <= index:
                lost_before += gaps[gi][1]
                index += gaps[gi][1]
                gi += 1
            stop = pos + block_size
            if gi < len(gaps):
                stop = min(stop, pos + (gaps[gi][0] - index))
            stop = min(stop, n)
            yield Block(
                data=self.data[pos:stop],
                t0=self.t0 + (index - self.first_index) / rate,
                rate_hz=rate,
                first_index=index,
                lost=lost_before,
            )
            index += stop - pos
            pos = stop
            lost_before = 0


@dataclass
class Recording:
    """Everything read from one file: its streams and its markers (session-clock times).

    references: signals recorded alongside the EMG that are not EMG (a knee goniometer in degrees, ...),
    on the same session clock, each channel in the unit its ChannelSpec names (not µV). They are kept
    out of `streams` because analysis, replay and exports treat every stream there as EMG in µV and
    band-pass it; code that wants an independent reference reads them here (e.g. io.datalog.goniometer_trace).
    """

    path: str
    streams: list[RecordedStream]
    markers: list[Marker] = field(default_factory=list)
    started_at: str | None = None  # when recording began, local time ISO 8601 (s); None if the file does not say
    references: list[RecordedStream] = field(default_factory=list)
    # stretches (session s) marked as artifacts, left out of analysis (io.artifacts: the sidecar's marks)
    excluded: list[tuple[float, float]] = field(default_factory=list)
    excluded_warning: str = ""  # one line when the recording's artifact sidecar was damaged, else ''

    @property
    def duration_s(self) -> float:
        return max((s.duration_s for s in self.streams), default=0.0)


def local_time_iso(text: str | None) -> str | None:
    """An ISO 8601 date-time from a file header as local time without zone, to the second; None when
    absent or unreadable (naive times are taken as already local)."""
    from datetime import datetime

    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.isoformat(timespec="seconds")
