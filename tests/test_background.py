"""Work on a background thread comes back as a value or one line, and a crash is logged, not lost."""

from __future__ import annotations

import logging
import time

import pytest

from emgcoach.background import Background
from emgcoach.errors import EmgcoachError


def wait(job: Background) -> tuple:
    deadline = time.monotonic() + 5.0
    while job.result() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    return job.result()


def test_a_value_a_known_problem_and_a_crash(caplog: pytest.LogCaptureFixture) -> None:
    slow = Background(lambda: time.sleep(0.2) or 42, "counting")
    assert slow.result() is None  # still running: the asker polls rather than blocks
    assert wait(slow) == (42, "")

    def refuse() -> None:
        raise EmgcoachError("sensor.xdf: not an XDF file")

    assert wait(Background(refuse, "reading")) == (None, "sensor.xdf: not an XDF file")
    with caplog.at_level(logging.ERROR):
        value, problem = wait(Background(lambda: 1 / 0, "scanning for Bluetooth sensors"))
    assert value is None and problem == "scanning for Bluetooth sensors failed: division by zero"
    assert "ZeroDivisionError" in caplog.text  # the traceback is in the log
