"""Decoded packets of one sensor -> `Block`s on the session clock.

Each EMG packet's first sample gets its absolute index: the device's own index when the protocol
carries one (uMyo), else the running count plus the samples the decoder knows were lost just before it.
A jump leaves a gap of exactly that many samples (`Block.lost`); nothing is shifted. Times come from a
`ClockAligner` fed with each notification's arrival, or from the nominal rate when there is none
(decoding a capture without arrival times).
"""

from __future__ import annotations

from emgcoach.ble.devices.base import DecodedPacket
from emgcoach.stream.clock import ClockAligner
from emgcoach.types import Block


class PacketAssembler:
    """One sensor's packets in, Blocks out (µV, session s). `lost_samples` counts what never came."""

    def __init__(self, rate_hz: float, aligner: ClockAligner | None = None, t0_s: float = 0.0) -> None:
        self.rate_hz = float(rate_hz)
        self.aligner = aligner
        self.t0_s = float(t0_s)
        self.next_index = 0
        self.lost_samples = 0
        self.packets = 0

    def add(self, packets: list[DecodedPacket], arrival_s: float | None = None) -> list[Block]:
        """The EMG packets of one notification (arrival on the session clock, if known) as Blocks."""
        blocks: list[Block] = []
        last_index = None
        for p in packets:
            if p.kind != "emg" or p.n_samples == 0:
                continue
            if p.first_sample_index is not None:
                first = int(p.first_sample_index)
                if first < self.next_index:  # the device restarted its count (reconnect, reset)
                    first = self.next_index
            else:
                first = self.next_index + p.lost_before
            lost = first - self.next_index
            self.lost_samples += lost
            self.packets += 1
            self.next_index = first + p.n_samples
            last_index = self.next_index - 1
            blocks.append(Block(p.samples, 0.0, self.rate_hz, first, lost))
        if self.aligner is not None and arrival_s is not None and last_index is not None:
            self.aligner.observe(last_index, arrival_s)
        return [Block(b.data, self.time_of(b.first_index), b.rate_hz, b.first_index, b.lost) for b in blocks]

    def time_of(self, index: int) -> float:
        """Session time (s) of an absolute sample index."""
        if self.aligner is not None and self.aligner.observations:
            return float(self.aligner.time_of(index))
        return self.t0_s + index / self.rate_hz
