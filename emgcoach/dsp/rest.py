"""Finding rest in a recording without a calibration, and saying when there is none.

A muscle's resting level (mean and SD of its envelope, µV) is what onset thresholds stand on. With no
calibration or set-up phase to take it from, it is looked for in the signal itself: short windows
(`REST_WINDOW_S`, so the third of a second a muscle rests between bursts in walking is enough) whose
envelope is both among the lowest and *stationary*, i.e. fluctuates no more than band-limited noise
through the same chain does (`noise_envelope_cv`: computed, not guessed, for the rate and the envelope's
cut-off) and has neither a trend nor a trough across the window. A window straddling the end of a burst fails the test; a
quiet one passes. When fewer than `MIN_REST_S` of such windows exist, rest is not found (`reliable` is
False) and onsets should come from a method that needs no rest (`burst_levels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

REST_WINDOW_S = 0.2  # a window of rest: fits in the ~0.33 s a leg muscle rests per stride, with margin
REST_STEP_S = 0.05
MIN_REST_S = 0.4  # at least this much stationary quiet time (distinct samples) for rest to count as found
CV_MARGIN = 1.6  # a window is stationary when its envelope's SD/mean is at most this times noise's
TREND_MAX = 0.3  # ... and its thirds' means lie within this fraction of its mean of each other (or
# within what noise's own thirds spread to in 99 % of windows, where that is more: at low rates)
DEAD_UV = 0.05  # a window whose envelope averages below this holds no signal (a dropout), µV
POOL_FACTOR = 1.5  # pool the stationary windows whose mean is within this factor of the quietest's
STATS_SPREAD = 3.0  # rest's figures pool windows whose mean is within this many SDs of rest's window means


@dataclass(frozen=True)
class RestEstimate:
    """A channel's resting envelope level: mean and SD (µV), whether it was found in stationary quiet
    stretches (`reliable`), and how many seconds of signal it rests on."""

    mean_uv: float
    sd_uv: float
    reliable: bool
    seconds: float

    def threshold_uv(self, k: float = 3.0) -> float:
        """mean + k x SD, µV."""
        return self.mean_uv + k * self.sd_uv


@lru_cache(maxsize=32)
def noise_envelope_stats(rate_hz: float, cutoff_hz: float, band: tuple[float, float] | None = None) -> tuple[float, float]:
    """What a stationary resting signal shows in 0.2 s windows, as `find_rest` measures them: the median
    SD/mean of the envelope (|band-passed| then 2nd-order low-pass at `cutoff_hz`) of Gaussian noise, and
    the 99th percentile of its thirds' spread. `band` is the band-pass (Hz); default the pipeline's,
    20 Hz to 450 Hz capped at 0.45 x rate."""
    lo, hi = band or (20.0, 450.0)
    rng = np.random.default_rng(0)
    n = int(round(60.0 * rate_hz))
    x = rng.standard_normal(n)
    sos = scipy.signal.butter(4, [lo, min(hi, 0.45 * rate_hz)], btype="bandpass", fs=rate_hz, output="sos")
    y = np.abs(scipy.signal.sosfilt(sos, x))
    b, a = scipy.signal.butter(2, min(cutoff_hz, 0.4 * rate_hz), fs=rate_hz)
    env = scipy.signal.lfilter(b, a, y)[int(rate_hz) :]
    means, sds, spread = _window_stats(env, rate_hz)
    return float(np.median(sds / means)), float(np.percentile(spread, 99))


def noise_envelope_cv(rate_hz: float, cutoff_hz: float, band: tuple[float, float] | None = None) -> float:
    """The median SD/mean of `noise_envelope_stats`."""
    return noise_envelope_stats(rate_hz, cutoff_hz, band)[0]


def _window_stats(env: np.ndarray, rate_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, SD and spread of the thirds' means (largest minus smallest, as a fraction of the mean) of
    every REST_WINDOW_S window, stepping REST_STEP_S. The thirds catch a trend (a rise or fall across
    the window) and a trough between two bursts alike, which an SD alone can miss at a low level."""
    w = max(6, int(round(REST_WINDOW_S * rate_hz)))
    step = max(1, int(round(REST_STEP_S * rate_hz)))
    if len(env) < w:
        return np.empty(0), np.empty(0), np.empty(0)
    c = np.concatenate(([0.0], np.cumsum(env)))
    c2 = np.concatenate(([0.0], np.cumsum(env * env)))
    starts = np.arange(0, len(env) - w + 1, step)
    cuts = [0, w // 3, 2 * w // 3, w]
    thirds = np.stack([(c[starts + b] - c[starts + a]) / (b - a) for a, b in zip(cuts, cuts[1:])])
    mean = (c[starts + w] - c[starts]) / w
    var = (c2[starts + w] - c2[starts]) / w - mean**2
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = (thirds.max(axis=0) - thirds.min(axis=0)) / mean
    return mean, np.sqrt(np.maximum(var, 0.0)), spread


def _window_min(env: np.ndarray, rate_hz: float) -> np.ndarray:
    """The smallest value of every window `_window_stats` measures."""
    w = max(6, int(round(REST_WINDOW_S * rate_hz)))
    step = max(1, int(round(REST_STEP_S * rate_hz)))
    if len(env) < w:
        return np.empty(0)
    return np.lib.stride_tricks.sliding_window_view(env, w)[::step].min(axis=1)


def find_rest(envelope_uv: np.ndarray, rate_hz: float, cutoff_hz: float = 20.0,
              band: tuple[float, float] | None = None, skip_s: float = 0.2) -> RestEstimate:
    """Rest of one channel's envelope (1-D, µV; `cutoff_hz` is its low-pass, `band` the band-pass before
    it) from its stationary quiet windows; the first `skip_s` (filter start-up) is left out.

    Reliable when at least MIN_REST_S of distinct signal lies in windows that are stationary (SD/mean
    within CV_MARGIN x noise's, thirds within TREND_MAX), about as quiet as the quietest such window
    (POOL_FACTOR), and that window about as quiet as the quietest of all. The mean and SD are taken over
    the windows whose mean lies within STATS_SPREAD robust SDs of the stationary quiet windows' typical
    mean. Unreliable: mean and SD of the quietest windows whatever their shape, for display only.
    """
    env = np.asarray(envelope_uv, dtype=np.float64).ravel()
    skip = int(skip_s * rate_hz) if len(env) > int(2 * rate_hz) else 0
    env = env[skip:]
    env = env[np.isfinite(env)]
    if len(env) == 0:
        return RestEstimate(float("nan"), float("nan"), False, 0.0)
    w = max(6, int(round(REST_WINDOW_S * rate_hz)))
    step = max(1, int(round(REST_STEP_S * rate_hz)))
    mean, sd, trend = _window_stats(env, rate_hz)
    if len(mean) == 0:
        return RestEstimate(float(env.mean()), float(env.std()), False, len(env) / rate_hz)
    noise_cv, noise_spread = noise_envelope_stats(float(rate_hz), float(cutoff_hz), band)
    cv_max = CV_MARGIN * noise_cv
    # a dropout's zeros are neither rest nor the quietest signal; nor is a window where the envelope dips
    # below zero: a rectified signal's envelope does that only as its low-pass rings after a burst ends
    signal_there = (mean > DEAD_UV) & (_window_min(env, rate_hz) >= 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        stationary = signal_there & (sd / mean <= cv_max) & (trend <= max(TREND_MAX, noise_spread))
    # rest is the quietest signal there is: a stationary contraction above quieter (if unsteady)
    # stretches is not rest, however steady it is
    found = bool(stationary.any()) and float(mean[stationary].min()) <= POOL_FACTOR * float(np.min(mean[signal_there]))
    if found:
        quietest = float(mean[stationary].min())
        steady = stationary & (mean <= POOL_FACTOR * quietest)
        # stationarity says where rest is and how far rest's own window means spread (around the typical
        # quiet window, not the quietest, whose neighbourhood would miss the upper half of that spread);
        # mean and SD pool every window within the spread, steady or not, since the steadiest alone
        # would bias the mean up and the SD down and rest would cross mean + k SD on its own. A window
        # reaching into a burst lies above the spread and stays out
        typical = float(np.median(mean[steady]))
        spread = 1.4826 * float(np.median(np.abs(mean[steady] - typical)))
        pool = mean <= typical + STATS_SPREAD * spread
    else:  # nothing stationary: the quietest windows, for a figure to show, flagged unreliable
        order = np.argsort(mean)[: max(3, len(mean) // 10)]
        pool = np.zeros(len(mean), dtype=bool)
        pool[order[mean[order] <= POOL_FACTOR * mean[order[0]]]] = True
        steady = pool

    def cover(windows: np.ndarray) -> np.ndarray:
        covered = np.zeros(len(env), dtype=bool)
        for start in np.flatnonzero(windows) * step:
            covered[start : start + w] = True
        return covered

    x = env[cover(pool)]
    seconds = float(cover(steady).sum() / rate_hz)
    reliable = bool(found and seconds >= MIN_REST_S)
    return RestEstimate(float(x.mean()), float(x.std()), reliable, seconds)


@dataclass(frozen=True)
class BurstLevels:
    """The two levels an envelope moves between, for onsets without a rest: its floor (the quietest
    `FLOOR_PERCENTILE` of the time) and its burst level (the busiest `BURST_PERCENTILE`), µV."""

    floor_uv: float
    burst_uv: float

    def threshold_uv(self, fraction: float) -> float:
        """The level `fraction` of the way from the floor to the burst level (µV)."""
        return self.floor_uv + fraction * (self.burst_uv - self.floor_uv)


FLOOR_PERCENTILE = 5.0
BURST_PERCENTILE = 95.0


def burst_levels(envelope_uv: np.ndarray, rate_hz: float, skip_s: float = 0.2) -> BurstLevels:
    """Floor and burst level of an envelope (1-D, µV) after its first `skip_s`: the 5th and 95th
    percentiles, which need no stretch of rest to exist."""
    env = np.asarray(envelope_uv, dtype=np.float64).ravel()
    if len(env) > int(2 * rate_hz):
        env = env[int(skip_s * rate_hz) :]
    env = env[np.isfinite(env)]
    if len(env) == 0:
        return BurstLevels(float("nan"), float("nan"))
    lo, hi = np.percentile(env, [FLOOR_PERCENTILE, BURST_PERCENTILE])
    return BurstLevels(float(lo), float(hi))


def stretch_rest(envelope_uv: np.ndarray, rate_hz: float, cutoff_hz: float = 20.0,
                 band: tuple[float, float] | None = None) -> tuple[float, float]:
    """Mean and SD (µV) of a stretch that is meant to be rest (a drill's set-up phase, in its posture):
    its stationary quiet windows when it has them, so a muscle switched on for part of the stretch
    (the client squeezing early) does not raise the baseline; else the whole stretch."""
    env = np.asarray(envelope_uv, dtype=np.float64)
    env = env[np.isfinite(env)]
    found = find_rest(env, rate_hz, cutoff_hz, band=band, skip_s=0.0)
    if found.reliable:
        return found.mean_uv, found.sd_uv
    return float(env.mean()), float(env.std())
