"""The engine's recent processed blocks: what a subscriber that starts in the recent past is given first."""

from __future__ import annotations

import numpy as np

from emgcoach.stream.processor import ProcessedBlock
from emgcoach.stream.recent_blocks import RecentBlocks

RATE = 100.0


def block(stream: int, t0: float, n: int = 10) -> ProcessedBlock:
    x = np.zeros((n, 1))
    return ProcessedBlock(stream, t0, int(round(t0 * RATE)), RATE, x, x, x, x, None, None)


def test_a_subscriber_from_the_past_gets_the_blocks_that_reach_past_its_start_in_order() -> None:
    recent = RecentBlocks(keep_s=5.0)
    for k in range(200):  # two streams, 0.1 s blocks, 0-10 s
        recent.add(block(k % 2, (k // 2) * 0.1))
    got = recent.since(7.05)
    assert [(pb.stream, round(pb.t0, 2)) for pb in got[:3]] == [(0, 7.0), (1, 7.0), (0, 7.1)]
    assert len(got) == 2 * 30  # 7.0-7.1 (ends after 7.05) to 9.9-10.0, both streams
    assert min(pb.t0 for pb in recent.since(-1.0)) >= 10.0 - 5.0 - 0.1  # nothing older than keep_s


def test_a_seek_back_forgets_what_came_before_it() -> None:
    """After a replay's seek from 67 s back to 48 s, a set starting at 49 s must not be fed 60-67 s."""
    recent = RecentBlocks()
    for k in range(70):
        recent.add(block(0, 60.0 + k * 0.1))
    recent.add(block(0, 48.0))
    recent.add(block(0, 48.1))
    assert [round(pb.t0, 2) for pb in recent.since(0.0)] == [48.0, 48.1]
    assert recent.since(49.0) == []
