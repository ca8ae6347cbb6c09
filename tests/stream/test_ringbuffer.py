"""Ring buffers: fixed memory, gaps as NaN at the right place, consistent reads while a writer runs."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from emgcoach.stream.ringbuffer import RingBuffer


def test_latest_and_since_return_what_was_written() -> None:
    rb = RingBuffer(100, 2)
    x = np.arange(60, dtype=np.float32).reshape(30, 2)
    rb.write(x, 0)
    data, end = rb.latest(10)
    assert end == 30 and np.array_equal(data, x[-10:])
    data, first = rb.since(25)
    assert first == 25 and np.array_equal(data, x[25:])


def test_wraps_and_keeps_the_newest_capacity_samples() -> None:
    rb = RingBuffer(50, 1)
    for k in range(0, 200, 7):
        rb.write(np.arange(k, k + 7, dtype=np.float32), k)
    data, end = rb.latest(1000)
    assert end == 203 and len(data) == 50
    np.testing.assert_array_equal(data[:, 0], np.arange(153, 203))
    data, first = rb.since(0)  # overwritten: starts at the oldest held
    assert first == 153 and len(data) == 50


def test_lost_samples_leave_a_nan_gap_of_the_right_length() -> None:
    rb = RingBuffer(100, 1)
    rb.write(np.ones(10, np.float32), 0)
    rb.write(np.full(10, 2.0, np.float32), 25)  # 15 samples lost
    data, end = rb.latest(35)
    assert end == 35
    assert np.all(data[:10] == 1) and np.isnan(data[10:25]).all() and np.all(data[25:] == 2)


def test_writing_behind_the_end_is_refused() -> None:
    rb = RingBuffer(10, 1)
    rb.write(np.zeros(5, np.float32), 0)
    with pytest.raises(ValueError):
        rb.write(np.zeros(5, np.float32), 3)


def test_concurrent_reader_never_sees_a_torn_write() -> None:
    """The writer writes ramps where value == absolute index; every read must be a clean ramp."""
    rb = RingBuffer(4096, 2, dtype=np.float64)
    stop = threading.Event()
    bad: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            data, end = rb.latest(3000)
            if len(data):
                expect = np.arange(end - len(data), end, dtype=np.float64)
                if not np.array_equal(data[:, 0], expect) or not np.array_equal(data[:, 1], -expect):
                    bad.append(f"torn read ending at {end}")

    t = threading.Thread(target=reader)
    t.start()
    for k in range(0, 400_000, 37):
        idx = np.arange(k, k + 37, dtype=np.float64)
        rb.write(np.column_stack([idx, -idx]), k)
    stop.set()
    t.join()
    assert bad == []
