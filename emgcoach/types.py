"""Central data types shared by every layer: blocks of samples, channel roles, stream headers, markers.

All amplitudes are in µV and all times in seconds on the session clock unless a name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np

MUSCLES = (
    "latissimus_dorsi",
    "gluteus_maximus",
    "gluteus_medius",
    "erector_spinae",
    "external_oblique",
    "biceps_femoris",
    "semitendinosus",
    "rectus_femoris",
    "vastus_medialis",
    "other",
)
SIDES = ("left", "right", "none")


class MarkerKind(StrEnum):
    """What a marker records (the same strings in files: the JSON's `kind`, EDF annotations, CSV)."""

    DRILL_START = "drill_start"  # a set begins (payload: drill, reps planned, person)
    DRILL_END = "drill_end"  # a set ends (drill, reps, hits; stopped: true when cut short)
    PHASE = "phase"
    REP = "rep"  # the app's verdict on a rep (RepScore.to_dict()); simulate: the rep's ground truth
    CALIBRATION = "calibration"  # a calibration step (rest, mvc, with end_s) or one applied (its whole data)
    NOTE = "note"
    GAP = "gap"
    ONSET = "onset"
    OFFSET = "offset"
    STATE = "state"  # a live link's connection state (streaming, reconnecting)
    PACKET = "packet"  # a captured BLE notification (hex and arrival time), from `record --capture-packets`


MARKER_KINDS = tuple(k.value for k in MarkerKind)

Side = Literal["left", "right", "none"]

# The analysis band runs from 20 Hz to 0.45 x rate (dsp.filters.BandPass): empty below 44.4 Hz, and below
# 100 Hz narrower than 20-45 Hz, too narrow to call EMG. The supported sensors run at 200 Hz and up.
MIN_EMG_RATE_HZ = 100.0


@dataclass(frozen=True)
class ChannelSpec:
    """One EMG channel: which muscle on which side, in which unit, and where the electrodes sit."""

    name: str
    muscle: str = "other"
    side: str = "none"
    unit: str = "uV"
    placement: str = ""

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"channel {self.name!r}: side must be one of {SIDES}, not {self.side!r}")

    @property
    def label(self) -> str:
        """Short human label such as 'latissimus_dorsi L'."""
        if self.side == "none":
            return self.muscle if self.muscle != "other" else self.name
        return f"{self.muscle} {self.side[0].upper()}"


@dataclass(frozen=True)
class StreamInfo:
    """Header of one sensor stream; goes into every recording."""

    kind: str  # device kind, e.g. "umyo", "ganglion", "simulator", "file"
    name: str  # human name or file name
    address: str  # BLE address, file path or "" for synthetic streams
    rate_hz: float  # nominal sample rate
    channels: tuple[ChannelSpec, ...]
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (self.rate_hz > 0 and np.isfinite(self.rate_hz)):
            raise ValueError(f"stream {self.name!r}: sample rate must be a positive number, not {self.rate_hz!r}")
        if not self.channels:
            raise ValueError(f"stream {self.name!r}: no channels")

    @property
    def n_channels(self) -> int:
        return len(self.channels)


@dataclass(frozen=True)
class Block:
    """A run of consecutive samples from one stream.

    data: float32 array (samples x channels) in µV.
    t0: session-clock time of the first sample in s.
    rate_hz: sample rate of this block.
    first_index: absolute sample index since the stream began (so gaps are visible).
    lost: number of samples known missing just before this block.
    """

    data: np.ndarray
    t0: float
    rate_hz: float
    first_index: int = 0
    lost: int = 0

    def __post_init__(self) -> None:
        arr = np.asarray(self.data, dtype=np.float32)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"block data must be samples x channels, got shape {arr.shape}")
        arr = arr.view()  # a read-only view: no copy, but nobody writes through the block
        arr.flags.writeable = False
        object.__setattr__(self, "data", arr)

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.rate_hz

    @property
    def end_index(self) -> int:
        """Absolute index one past the last sample."""
        return self.first_index + self.n_samples

    def times(self) -> np.ndarray:
        """Session-clock time of each sample in s."""
        return self.t0 + np.arange(self.n_samples) / self.rate_hz


@dataclass(frozen=True)
class Marker:
    """An event on the session clock: drill start/end, phase, rep, calibration, note, gap, onset/offset,
    link state, captured packet."""

    time_s: float
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in MARKER_KINDS:
            raise ValueError(f"marker kind must be one of {MARKER_KINDS}, not {self.kind!r}")
