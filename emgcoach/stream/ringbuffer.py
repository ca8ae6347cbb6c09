"""Fixed-size ring buffers that the acquisition thread writes and the UI thread reads.

Memory is allocated once; a write copies the new samples in under a short lock and a read copies the
requested stretch out under the same lock, so a reader never sees a half-written block.
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """The newest `capacity` samples of an (n_samples, n_channels) stream, indexed by absolute sample index.

    A write whose first index jumps past the end (lost samples) fills the skipped slots with NaN, so a
    plot shows a gap of the right length and later samples stay at their true positions.
    """

    def __init__(self, capacity: int, n_channels: int, dtype: type = np.float32) -> None:
        if capacity < 1 or n_channels < 1:
            raise ValueError("ring buffer needs capacity >= 1 and n_channels >= 1")
        self.capacity = int(capacity)
        self.n_channels = int(n_channels)
        self._data: np.ndarray = np.full((self.capacity, self.n_channels), np.nan, dtype=dtype)
        self._end = 0  # absolute index one past the newest sample
        self._start = 0  # absolute index of the oldest sample held
        self._lock = threading.Lock()

    @property
    def end_index(self) -> int:
        """Absolute index one past the newest sample."""
        return self._end

    @property
    def start_index(self) -> int:
        """Absolute index of the oldest sample still held."""
        return self._start

    def clear(self, index: int = 0) -> None:
        """Forget everything; the next write is expected at `index` (e.g. after a seek)."""
        with self._lock:
            self._data.fill(np.nan)
            self._start = self._end = int(index)

    def _put(self, x: np.ndarray, first: int) -> None:
        n = len(x)
        if n > self.capacity:
            x, first, n = x[-self.capacity :], first + n - self.capacity, self.capacity
        pos = first % self.capacity
        head = min(n, self.capacity - pos)
        self._data[pos : pos + head] = x[:head]
        self._data[: n - head] = x[head:]

    def write(self, x: np.ndarray, first_index: int) -> None:
        """Store samples (n, n_channels) whose first one has absolute index `first_index` (>= end_index)."""
        x = np.asarray(x)
        if x.ndim == 1:
            x = x[:, None]
        with self._lock:
            if first_index < self._end:
                raise ValueError(f"write at index {first_index} is behind the buffer's end {self._end}")
            gap = first_index - self._end
            if gap:
                gap_len = min(gap, self.capacity)
                self._put(np.full((gap_len, self.n_channels), np.nan, dtype=self._data.dtype), first_index - gap_len)
            if len(x):
                self._put(x, first_index)
            self._end = first_index + len(x)
            self._start = max(self._start, self._end - self.capacity)

    def _get(self, first: int, n: int) -> np.ndarray:
        pos = first % self.capacity
        head = min(n, self.capacity - pos)
        return np.concatenate([self._data[pos : pos + head], self._data[: n - head]])

    def latest(self, n: int) -> tuple[np.ndarray, int]:
        """A copy of the newest min(n, held) samples, and the absolute index one past the last of them."""
        with self._lock:
            n = max(0, min(int(n), self._end - self._start))
            return self._get(self._end - n, n), self._end

    def since(self, index: int, max_n: int | None = None) -> tuple[np.ndarray, int]:
        """Samples from absolute `index` on (or the oldest held, if it has been overwritten), at most max_n;
        returns (copy, absolute index of its first sample). An incremental reader passes back
        first + len(copy) next time."""
        with self._lock:
            first = max(int(index), self._start)
            n = max(0, self._end - first)
            if max_n is not None:
                n = min(n, int(max_n))
            return self._get(first, n), first
