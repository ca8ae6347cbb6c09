"""PacedSource: the lifecycle the simulator, the simulated client and replay share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import numpy as np
import pytest

from emgcoach.stream.paced import PacedSource, Release
from emgcoach.stream.source import Source
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

RATE = 100.0


class Ticks(PacedSource):
    """n one-sample Blocks, Block k due at k / RATE s after the pass starts, with a Marker before each."""

    def __init__(self, n: int, realtime: bool) -> None:
        super().__init__(realtime)
        self.n = n
        self.made: list[int] = []  # indices whose Block was made (made when due, not before)

    @property
    def info(self) -> StreamInfo:
        return StreamInfo(kind="test", name="ticks", address="", rate_hz=RATE, channels=(ChannelSpec("ch0"),))

    def _now(self) -> float:
        return time.monotonic()

    def _releases(self) -> Iterator[Release]:
        start = self._now()
        for k in range(self.n):
            yield Release(start + k / RATE, Marker(k / RATE, "note", {"k": k}))
            yield Release(start + k / RATE, lambda k=k: self._block(k))

    def _block(self, k: int) -> Block:
        self.made.append(k)
        return Block(data=np.full((1, 1), k, np.float32), t0=k / RATE, rate_hz=RATE, first_index=k)


class OnePassTicks(Ticks):
    exclusive = True


def _collect(src: PacedSource, stop_after: int | None = None) -> list[Block | Marker]:
    async def go() -> list[Block | Marker]:
        got: list[Block | Marker] = []
        async for item in src.blocks():
            got.append(item)
            if stop_after is not None and len(got) == stop_after:
                await src.close()
        return got

    return asyncio.run(go())


def test_items_in_order_and_each_pass_starts_over() -> None:
    src = Ticks(5, realtime=False)
    assert isinstance(src, Source)
    for _ in range(2):
        items = _collect(src)
        assert [type(i).__name__ for i in items] == ["Marker", "Block"] * 5
        assert [i.first_index for i in items if isinstance(i, Block)] == [0, 1, 2, 3, 4]


def test_close_stops_before_the_next_item_and_items_are_made_only_when_due() -> None:
    src = Ticks(5, realtime=False)
    items = _collect(src, stop_after=4)
    assert len(items) == 4 and src.closed
    assert src.made == [0, 1]


def test_realtime_paces_against_absolute_targets() -> None:
    src = Ticks(30, realtime=True)
    t = time.monotonic()
    _collect(src)
    assert 0.27 <= time.monotonic() - t < 1.0  # 29 steps of 10 ms


def test_fast_mode_lets_other_tasks_run() -> None:
    src = Ticks(50, realtime=False)
    ticks = 0

    async def other() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def go() -> None:
        task = asyncio.create_task(other())
        async for _ in src.blocks():
            pass
        task.cancel()

    asyncio.run(go())
    assert ticks >= 50


def test_an_exclusive_source_allows_one_pass_at_a_time() -> None:
    src = OnePassTicks(3, realtime=False)

    async def go() -> None:
        first = src.blocks()
        await anext(first)
        with pytest.raises(RuntimeError, match="already being iterated"):
            await anext(src.blocks())
        await first.aclose()

    asyncio.run(go())
