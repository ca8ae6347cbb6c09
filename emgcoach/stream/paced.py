"""The lifecycle every paced source shares: the simulator, the simulated client and replay.

A paced source releases items (Blocks, Markers) at times on a clock, as mne-lsl's `BasePlayer` and
BrainFlow's `Board` do for their players and synthetic boards. The rules, written once here:

* `blocks()` runs one pass: the subclass's `_releases()` says what comes next and when (`Release`); the
  base waits until then (`_pace`) and yields it. Each call to `blocks()` starts a new pass.
* Closed: `close()` (also from another task) sets the flag; `blocks()` checks it before asking for the
  next item and after every wait, so after `close()` it yields nothing more. `_on_close()` lets a
  subclass wake a wait.
* Pacing: with `realtime`, an item is due at an absolute time on the source's clock (`_now()`), and the
  source sleeps `max(0, due - now)`: targets are absolute, so pacing never drifts (a sleep loop drifts
  ~5 %). A Block is due when its last sample exists, so a live consumer never sees a sample early.
* Yielding: without `realtime` the items come as fast as they are taken, but the source lets other tasks
  run before each one (`asyncio.sleep(0)`), so a fast source never starves the engine's loop.
* An item due `None` is due now: it goes out without waiting or yielding (replay's seek marker).

Replay's clock can pause and seek, so `ReplaySource` overrides `_pace` with its own wait, and uses
`_let_loop_run` for the yielding rule.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator
from typing import ClassVar, NamedTuple

from emgcoach.types import Block, Marker, StreamInfo

__all__ = ["PacedSource", "Release"]


class Release(NamedTuple):
    """One item and when it is due on the source's clock (None: now, without waiting).

    item: the Block or Marker, or a callable making it, called once it is due (so a source that reacts
    to the present, like the simulated client asking its cue, makes the item at its time, not before).
    """

    due_s: float | None
    item: Block | Marker | Callable[[], Block | Marker]


class PacedSource(ABC):
    """Base of the sources that pace themselves against a clock (see the module docstring).

    Subclasses implement `info`, `_releases()` (one pass's items in order; a generator, so it runs lazily
    between items) and `_now()` (the clock the due times are on). `exclusive` sources allow one `blocks()`
    iteration at a time (their position is shared state).
    """

    exclusive: ClassVar[bool] = False

    def __init__(self, realtime: bool = True) -> None:
        self._realtime = bool(realtime)
        self._closed = False
        self._running = False

    @property
    def realtime(self) -> bool:
        """Whether items wait for their due time (else they come as fast as they are taken)."""
        return self._realtime

    @property
    @abstractmethod
    def info(self) -> StreamInfo: ...

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Stop: a running `blocks()` ends before its next item."""
        self._closed = True
        self._on_close()

    async def blocks(self) -> AsyncIterator[Block | Marker]:
        """One pass over the items, each at its due time (see the module docstring)."""
        if self.exclusive and self._running:
            raise RuntimeError(f"{type(self).__name__}.blocks() is already being iterated")
        self._running = True
        try:
            releases = self._releases()
            while not self._closed:  # checked before the next item is even looked at
                release = next(releases, None)
                if release is None:
                    return
                if not await self._pace(release.due_s):
                    continue  # closed, or (replay) the schedule changed: ask for the next item again
                yield self._take(release)
        finally:
            self._running = False

    # ------------------------------------------------------------ for subclasses
    @abstractmethod
    def _releases(self) -> Iterator[Release]:
        """One pass's items in release order."""

    @abstractmethod
    def _now(self) -> float:
        """The clock the due times are on, in s."""

    def _on_close(self) -> None:
        """Wake whatever a wait in `_pace` is blocked on (nothing to wake by default)."""

    def _take(self, release: Release) -> Block | Marker:
        """The item of a release that is due."""
        item = release.item
        return item if isinstance(item, Block | Marker) else item()

    async def _pace(self, due_s: float | None) -> bool:
        """Wait until `due_s` on `_now()` (realtime) or let other tasks run; False if closed meanwhile."""
        if due_s is None:
            return not self._closed
        if self.realtime:
            await asyncio.sleep(max(0.0, due_s - self._now()))
        else:
            await self._let_loop_run()
        return not self._closed

    @staticmethod
    async def _let_loop_run() -> None:
        """As fast as possible, but let the other tasks on the loop run."""
        await asyncio.sleep(0)
