"""The streaming-stage contract shared by every DSP stage."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Stage(Protocol):
    """A stateful streaming stage.

    `process(x)` takes float64 samples shaped (n_samples, n_channels) (a 1-D array is one channel) and
    returns an array of the same shape. Feeding a signal in any chunking gives the same output as
    feeding it whole (to float tolerance); zero-length input returns zero-length output.
    `reset()` returns the stage to its initial state.
    """

    def process(self, x: np.ndarray) -> np.ndarray: ...

    def reset(self) -> None: ...


def as_2d(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return x as float64 (n, ch) and whether the input was 1-D (to restore the shape on output)."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        return a[:, None], True
    if a.ndim != 2:
        raise ValueError(f"expected samples x channels, got shape {a.shape}")
    return a, False


def restore(y: np.ndarray, was_1d: bool) -> np.ndarray:
    """Undo `as_2d` on an output array."""
    return y[:, 0] if was_1d else y
