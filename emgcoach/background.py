"""Slow work off the thread that asked for it: `Background(fn)` runs fn on a daemon thread; the asker
polls `result()` (a Qt timer, say) instead of blocking. A failure is logged with its traceback and comes
back as one line, never lost with its thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from emgcoach.errors import EmgcoachError

logger = logging.getLogger(__name__)
T = TypeVar("T")


class Background(Generic[T]):
    """`fn()` on a thread named `name`. `result()`: None while it runs, then (value, '') or (None, the
    one-line problem: an EmgcoachError's text, or '<name> failed: <error>' for anything else)."""

    def __init__(self, fn: Callable[[], T], name: str) -> None:
        self.name = name
        self._fn = fn
        self._outcome: tuple[T | None, str] | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._outcome = (self._fn(), "")
        except EmgcoachError as e:
            self._outcome = (None, str(e))
        except Exception as e:  # a thread's failure must reach the user, not vanish with the thread
            logger.exception("%s failed", self.name)
            self._outcome = (None, f"{self.name} failed: {e}")

    def result(self) -> tuple[T | None, str] | None:
        """None while running; then (value or None, problem or '')."""
        return None if self._thread.is_alive() else self._outcome
