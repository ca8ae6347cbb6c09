"""The processed blocks of the last few session seconds, for a subscriber that starts in the recent past.

A set coached in a replay starts at its recorded time, but the window notices that time only on its next
frame: by then the acquisition thread may have processed seconds past it (a fast replay on a loaded
machine), and a runner that missed its set-up would take part of a rep as its rest. `RecentBlocks`
keeps the blocks of the last `keep_s` session seconds so that subscriber can be given them first.
"""

from __future__ import annotations

import collections
import math

from emgcoach.stream.processor import ProcessedBlock

RECENT_S = 20.0  # session s of processed blocks kept (references, no copies)


def block_end_s(pb: ProcessedBlock) -> float:
    """Session time (s) just after the block's last sample."""
    return pb.t0 + len(pb.raw) / pb.rate_hz


class RecentBlocks:
    """Processed blocks, all streams, in the order they were processed, reaching back `keep_s` session
    seconds from the newest block's end. A stream's time going back (a replay's seek) forgets them all:
    what came before a seek is no recent past of the new position."""

    def __init__(self, keep_s: float = RECENT_S) -> None:
        self.keep_s = float(keep_s)
        self._blocks: collections.deque[ProcessedBlock] = collections.deque()
        self._last_t0: dict[int, float] = {}
        self._newest_end = -math.inf

    def add(self, pb: ProcessedBlock) -> None:
        """Keep `pb` (acquisition thread) and let go of what is now older than `keep_s`."""
        if pb.t0 < self._last_t0.get(pb.stream, -math.inf):
            self.clear()
        self._last_t0[pb.stream] = pb.t0
        self._newest_end = max(self._newest_end, block_end_s(pb))
        self._blocks.append(pb)
        horizon = self._newest_end - self.keep_s
        blocks = self._blocks
        while blocks and block_end_s(blocks[0]) < horizon:
            blocks.popleft()

    def since(self, t_s: float) -> list[ProcessedBlock]:
        """The kept blocks that reach past session time `t_s` (s), in the order they were processed."""
        return [pb for pb in self._blocks if block_end_s(pb) > t_s]

    def clear(self) -> None:
        self._blocks.clear()
        self._last_t0.clear()
        self._newest_end = -math.inf
