"""Lab Streaming Layer: an inlet `Source` (any device with an LSL app can feed the coach) and an outlet
(off by default: it opens network sockets) that publishes each stream's raw EMG and envelope for lab tools.

Inlet timing: LSL stamps samples on the sender's `local_clock`; `time_correction()` maps them to ours,
and the difference between our `local_clock` and the session clock maps them onto the session. Samples
are numbered on the nominal rate; a jump in the stamps of more than `GAP_S` (or 3 sample periods) is a
gap of the missing samples' length (senders that stamp chunks on arrival jitter by a few ms).
"""

from __future__ import annotations

import asyncio
import time
from types import ModuleType
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import numpy as np

from emgcoach.errors import EmgcoachError
from emgcoach.io.channels import guess_role
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

if TYPE_CHECKING:
    import pylsl  # untyped: its classes are Any to mypy, named here for the reader

    from emgcoach.stream.engine import Engine
    from emgcoach.stream.processor import ProcessedBlock

GAP_S = 0.010


def _pylsl() -> ModuleType:
    try:
        import pylsl
    except (ImportError, RuntimeError) as e:  # RuntimeError: liblsl missing
        raise EmgcoachError(f"Lab Streaming Layer is not available: {e}") from None
    return pylsl


def find_streams(stream_type: str = "EMG", timeout_s: float = 2.0) -> list:
    """LSL stream infos of the given type visible on the network."""
    return list(_pylsl().resolve_byprop("type", stream_type, timeout=timeout_s))


class LslInletSource:
    """An LSL stream as a `Source`; `clock()` is the session clock in s."""

    def __init__(self, stream_info: pylsl.StreamInfo, clock: Callable[[], float] = time.monotonic,
                 chunk_s: float = 0.02) -> None:
        pylsl = _pylsl()
        self._pylsl = pylsl
        self._lsl_info = stream_info
        rate = float(stream_info.nominal_srate())
        if not rate > 0:
            raise EmgcoachError(f"LSL stream {stream_info.name()!r}: irregular rate; EMG needs a fixed rate")
        self.inlet = pylsl.StreamInlet(stream_info, max_buflen=30, recover=True)
        full = self.inlet.info(timeout=5.0)
        labels: list[str] = []
        ch = full.desc().child("channels").child("channel")
        for _ in range(full.channel_count()):
            labels.append(ch.child_value("label") or f"ch{len(labels) + 1}")
            ch = ch.next_sibling()
        specs = []
        for label in labels:
            muscle, side = guess_role(label)
            specs.append(ChannelSpec(label, muscle, side))
        self._info = StreamInfo("lsl", full.name(), full.source_id() or full.hostname(), rate, tuple(specs))
        self.clock, self.chunk_s = clock, chunk_s
        self._closing = False

    @property
    def info(self) -> StreamInfo:
        return self._info

    async def blocks(self) -> AsyncIterator[Block | Marker]:
        rate = self._info.rate_hz
        next_index = 0
        last_ts: float | None = None
        self.inlet.open_stream(timeout=5.0)
        while not self._closing:
            # both calls may wait (time_correction up to its timeout): off the acquisition loop
            data, stamps, correction = await asyncio.to_thread(self._pull)
            if not stamps:
                continue
            shift = correction + self.clock() - self._pylsl.local_clock()
            x = np.asarray(data, dtype=np.float32).reshape(len(stamps), -1)
            ts = np.asarray(stamps, dtype=np.float64)
            start = 0
            # split where the stamps jump: that is where samples went missing
            gap_s = max(GAP_S, 3.0 / rate)
            jumps = np.flatnonzero(np.diff(ts) > gap_s) + 1
            for end in jumps.tolist() + [len(ts)]:
                lost = 0
                if last_ts is not None and ts[start] - last_ts > gap_s:
                    lost = max(0, int(round((ts[start] - last_ts) * rate)) - 1)
                next_index += lost
                yield Block(x[start:end], float(ts[start] + shift), rate, next_index, lost)
                next_index += end - start
                last_ts = float(ts[end - 1])
                start = end

    def _pull(self) -> tuple[list, list, float]:
        data, stamps = self.inlet.pull_chunk(timeout=0.1, max_samples=4096)
        return data, stamps, (self.inlet.time_correction(timeout=1.0) if stamps else 0.0)

    async def close(self) -> None:
        self._closing = True
        self.inlet.close_stream()


class LslOutlet:
    """Publishes every stream of an engine as two LSL streams, '<name> raw' and '<name> envelope' (µV).
    Nothing is published until `start(engine)`: an outlet is a network listener."""

    def __init__(self) -> None:
        self._pylsl = _pylsl()
        self._outlets: dict[tuple[int, str], pylsl.StreamOutlet] = {}
        self._offset: dict[int, float] = {}  # per stream: LSL local_clock minus session time
        self.engine: Engine | None = None

    def start(self, engine: Engine) -> None:
        self.engine = engine
        engine.subscribe(self._on_block)

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.unsubscribe(self._on_block)
        self.engine = None
        self._outlets.clear()
        self._offset.clear()

    def _outlet(self, engine: Engine, pb: ProcessedBlock, what: str) -> pylsl.StreamOutlet:
        key = (pb.stream, what)
        out = self._outlets.get(key)
        if out is None:
            info = engine.info(pb.stream)
            lsl = self._pylsl.StreamInfo(f"{info.name} {what}", "EMG", info.n_channels, info.rate_hz, "float32",
                                         f"emgcoach-{info.kind}-{info.address}-{what}")
            chans = lsl.desc().append_child("channels")
            for c in info.channels:
                ch = chans.append_child("channel")
                ch.append_child_value("label", c.name)
                ch.append_child_value("unit", "microvolts")
                ch.append_child_value("muscle", c.muscle)
                ch.append_child_value("side", c.side)
            out = self._outlets[key] = self._pylsl.StreamOutlet(lsl, chunk_size=0, max_buffered=30)
        return out

    def _on_block(self, pb: ProcessedBlock) -> None:  # acquisition thread
        engine = self.engine
        if engine is None:
            # stopped: the engine drops this callback on its own thread (unsubscribe is queued there), so a
            # block or two may still come; they are not published, and no outlet is opened again for them
            return
        # stamp the newest sample by its session time (regular, as the samples are), on LSL's clock
        t_last = pb.t0 + (len(pb.raw) - 1) / pb.rate_hz
        offset = self._offset.setdefault(pb.stream, self._pylsl.local_clock() - t_last)
        stamp = offset + t_last
        for what, arr in (("raw", pb.raw), ("envelope", pb.envelope)):
            self._outlet(engine, pb, what).push_chunk(np.ascontiguousarray(arr, dtype=np.float32), stamp)
