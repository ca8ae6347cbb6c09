"""Display decimation: a scrolling window of a ring buffer reduced to about one min/max pair per pixel.

A 10 s window of 2 kHz EMG is 20 000 samples per channel, but a plot is about 1 000 pixels wide. Each
bin of k samples is drawn as its minimum and maximum, so spikes and clipping stay visible. Bins are
aligned to absolute sample indices and remembered, so a frame only reduces the samples that arrived
since the last one (about 33 at 60 Hz) instead of the whole window. No Qt here: numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgcoach.stream.ringbuffer import RingBuffer


@dataclass(frozen=True)
class DecimatedWindow:
    """A window ready to draw. `index`: absolute sample index where each bin starts (nb,); `lo`/`hi`:
    min and max per bin (nb, channels), NaN where the bin touches a gap; `envelope`: the envelope at the
    last sample of each bin (nb, channels); `end`: absolute index one past the newest sample."""

    index: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    envelope: np.ndarray
    end: int
    bin_samples: int


class WindowDecimator:
    """Keeps the min/max bins of the newest `window_n` samples of a raw ring (and the envelope ring that
    runs in step with it), `bin_samples` samples a bin."""

    def __init__(self, window_n: int, bin_samples: int) -> None:
        self.window_n = max(1, int(window_n))
        self.k = max(1, int(bin_samples))
        self._reset(0)

    def _reset(self, next_index: int) -> None:
        self._next = next_index  # absolute index where the next complete bin starts
        self._index = np.empty(0, dtype=np.int64)
        # per bin (bins, channels): min, max and envelope; None until an update knows the channels
        self._lo: np.ndarray | None = None
        self._hi: np.ndarray | None = None
        self._env: np.ndarray | None = None

    def update(self, raw: RingBuffer, envelope: RingBuffer) -> DecimatedWindow | None:
        """Bring the bins up to date with the rings; None while the ring is empty. Only samples both rings
        hold are taken (the engine writes the envelope just after the raw block: a frame in between would
        otherwise bin raw samples whose envelope is not there yet, and leave that envelope point empty)."""
        end = min(raw.end_index, envelope.end_index)
        if end <= raw.start_index:
            return None
        k, n_ch = self.k, raw.n_channels
        oldest = max(raw.start_index, end - self.window_n)
        if self._lo is None or end < self._next or self._next < oldest - k:
            self._reset(-(-oldest // k) * k)  # first bin boundary inside the window
            self._lo = self._hi = self._env = np.empty((0, n_ch), dtype=np.float32)
        assert self._hi is not None and self._env is not None  # made with _lo, just above when it was not there
        complete_end = (end // k) * k
        if complete_end > self._next:
            data, first = raw.since(self._next, complete_end - self._next)
            if first != self._next or len(data) != complete_end - self._next:  # overwritten under us
                self._reset(-(-raw.start_index // k) * k)
                self._lo = self._hi = self._env = np.empty((0, n_ch), dtype=np.float32)
                return self.update(raw, envelope) if complete_end > self._next else None
            blocks = data.reshape(-1, k, n_ch)
            env, env_first = envelope.since(self._next, len(data))
            env_at = np.full((len(blocks), n_ch), np.nan, dtype=np.float32)
            if env_first == self._next and len(env):
                ends = np.arange(k - 1, len(env), k)
                env_at[: len(ends)] = env[ends]
            self._index = np.concatenate((self._index, self._next + k * np.arange(len(blocks), dtype=np.int64)))
            self._lo = np.concatenate((self._lo, blocks.min(axis=1)))
            self._hi = np.concatenate((self._hi, blocks.max(axis=1)))
            self._env = np.concatenate((self._env, env_at))
            self._next = complete_end
        keep = self._index >= oldest - (oldest % k)  # bins that slid out of the window
        if len(keep) and not keep[0]:
            self._index, self._lo, self._hi, self._env = (
                self._index[keep], self._lo[keep], self._hi[keep], self._env[keep]
            )
        index, lo, hi, env = self._index, self._lo, self._hi, self._env
        if end > complete_end:  # the bin still filling: drawn now, computed again next frame
            part, first = raw.since(complete_end, end - complete_end)
            if first == complete_end and len(part):
                e, e_first = envelope.since(complete_end, len(part))
                e_last = e[-1:] if e_first == complete_end and len(e) == len(part) else np.full((1, n_ch), np.nan, np.float32)
                index = np.append(index, complete_end)
                lo = np.concatenate((lo, part.min(axis=0, keepdims=True)))
                hi = np.concatenate((hi, part.max(axis=0, keepdims=True)))
                env = np.concatenate((env, e_last))
        return DecimatedWindow(index, lo, hi, env, end, k)


def interleave(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Min, max, min, max, ... per bin: the order a line is drawn through to show each bin's extent."""
    out = np.empty((2 * len(lo),) + lo.shape[1:], dtype=lo.dtype)
    out[0::2] = lo
    out[1::2] = hi
    return out
