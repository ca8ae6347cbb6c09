"""The `Source` protocol: anything that yields Blocks (BLE sensor, replay file, LSL inlet, simulator)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from emgcoach.types import Block, Marker, StreamInfo


@runtime_checkable
class Source(Protocol):
    """A stream of Blocks on the session clock.

    `blocks()` yields Blocks in order (first_index increasing; `lost` > 0 where samples are missing);
    a source may also yield Markers (recorded events, gaps). `close()` stops it and frees the device/file.
    """

    @property
    def info(self) -> StreamInfo: ...

    def blocks(self) -> AsyncIterator[Block | Marker]: ...

    async def close(self) -> None: ...
