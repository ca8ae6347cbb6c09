"""Helpers for the DSP stage tests: simulated EMG and chunked feeding."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import cycle

import numpy as np
from scipy import signal

RATE = 2000.0


def simulated_emg(amplitude_uv_rms: np.ndarray, rate_hz: float = RATE, seed: int = 0) -> np.ndarray:
    """Gaussian white noise band-passed 20-450 Hz, scaled to unit RMS, times the given RMS per sample (µV)."""
    amp = np.asarray(amplitude_uv_rms, dtype=float)
    n = amp.shape[0]
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, [20.0, min(450.0, 0.45 * rate_hz)], "bandpass", fs=rate_hz, output="sos")
    pad = int(rate_hz)
    w = signal.sosfilt(sos, rng.standard_normal((n + pad,) + amp.shape[1:]), axis=0)[pad:]
    return w / w.std(axis=0) * amp


def feed_chunked(stage, x: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Run x through `stage` in chunks whose lengths cycle through `sizes`; concatenate the outputs."""
    out = []
    i = 0
    for size in cycle(sizes):
        if i >= len(x):
            break
        out.append(stage.process(x[i : i + size]))
        i += size
    return np.concatenate(out, axis=0)


def sine(freq_hz: float, amplitude: float, seconds: float, rate_hz: float = RATE) -> np.ndarray:
    """A sine of the given frequency (Hz) and amplitude, `seconds` long."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    return amplitude * np.sin(2 * np.pi * freq_hz * t)


def gain_db(stage, freq_hz: float, rate_hz: float = RATE, seconds: float = 4.0) -> float:
    """Gain in dB of a streaming stage on a sine, measured on the last half (after the transient)."""
    x = sine(freq_hz, 1.0, seconds, rate_hz)
    y = feed_chunked(stage, x, [20])
    half = len(x) // 2
    return float(20 * np.log10(np.sqrt(np.mean(y[half:] ** 2)) / np.sqrt(np.mean(x[half:] ** 2))))
