"""Rest baseline and MVC normalisation: µV envelopes to %MVC, and the resting level thresholds rest on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgcoach.dsp.base import as_2d, restore


@dataclass(frozen=True)
class RestBaseline:
    """Resting envelope level per channel: mean and SD in µV."""

    mean_uv: np.ndarray
    sd_uv: np.ndarray

    def threshold_uv(self, k: float = 3.0) -> np.ndarray:
        """Activation threshold per channel in µV: mean + k x SD."""
        return self.mean_uv + k * self.sd_uv


def rest_from_segment(envelope: np.ndarray) -> RestBaseline:
    """Baseline from an envelope stretch known to be quiet (e.g. the calibration's rest), µV."""
    a, _ = as_2d(envelope)
    if len(a) == 0:
        raise ValueError("rest segment is empty")
    return RestBaseline(mean_uv=a.mean(axis=0), sd_uv=a.std(axis=0))


def estimate_rest(
    envelope: np.ndarray, rate_hz: float, window_s: float = 0.5, quiet_fraction: float = 0.2
) -> RestBaseline:
    """Baseline from the quietest stretches of each channel, for when no calibration exists.

    The envelope is cut into `window_s` windows (stepping half a window); of the quietest `quiet_fraction`
    of them, those whose mean is within 1.5x the quietest window's are pooled and their mean and SD
    taken, so slow wandering of the resting level counts in the SD (a single quiet window underestimates
    it and lets rest cross the threshold) while a recording with little rest does not pool contractions. The first 0.2 s (filter start-up) is skipped when the signal is long enough. µV.
    """
    a, _ = as_2d(envelope)
    n = len(a)
    if n == 0:
        raise ValueError("envelope is empty")
    skip = int(0.2 * rate_hz) if n > int(2 * rate_hz) else 0
    a = a[skip:]
    w = max(2, min(len(a), int(round(window_s * rate_hz))))
    step = max(1, w // 2)
    c = np.vstack([np.zeros((1, a.shape[1])), np.cumsum(a, axis=0)])
    c2 = np.vstack([np.zeros((1, a.shape[1])), np.cumsum(a * a, axis=0)])
    starts = np.arange(0, len(a) - w + 1, step)
    sums = c[starts + w] - c[starts]  # (windows, channels)
    sq = c2[starts + w] - c2[starts]
    k = min(len(starts), max(3, int(round(quiet_fraction * len(starts)))))  # pool >= 3 windows when there are
    quiet = np.argsort(sums, axis=0)[:k]  # (k, channels), quietest first
    cols = np.arange(a.shape[1])
    s_q, sq_q = sums[quiet, cols], sq[quiet, cols]
    use = s_q <= 1.5 * s_q[:1]  # pool only windows about as quiet as the quietest
    count = use.sum(axis=0) * w
    mean = (s_q * use).sum(axis=0) / count
    var = (sq_q * use).sum(axis=0) / count - mean**2
    return RestBaseline(mean_uv=mean, sd_uv=np.sqrt(np.maximum(var, 0.0)))


class MvcNormaliser:
    """Stage: µV envelope -> %MVC = 100 x (env - rest) / (mvc - rest), never below 0.

    mvc_uv, rest_uv: per-channel reference levels in µV (scalars apply to every channel).
    """

    def __init__(self, mvc_uv: np.ndarray | float, rest_uv: np.ndarray | float = 0.0) -> None:
        self.mvc_uv = np.atleast_1d(np.asarray(mvc_uv, dtype=np.float64))
        self.rest_uv = np.atleast_1d(np.asarray(rest_uv, dtype=np.float64))
        if np.any(self.mvc_uv <= self.rest_uv):
            raise ValueError("MVC level must be above the rest level on every channel")
        self._scale = 100.0 / (self.mvc_uv - self.rest_uv)

    def process(self, x: np.ndarray) -> np.ndarray:
        a, was_1d = as_2d(x)
        return restore(np.maximum((a - self.rest_uv) * self._scale, 0.0), was_1d)

    def reset(self) -> None:
        """Stateless: nothing to reset."""


def best_window_mean(envelope_uv: np.ndarray, rate_hz: float, window_s: float = 0.5) -> float:
    """The highest mean of the envelope over any `window_s` stretch (µV); windows touching a gap (NaN)
    do not count; NaN if no whole window exists."""
    x = np.asarray(envelope_uv, dtype=np.float64).ravel()
    n = max(1, int(round(window_s * rate_hz)))
    if len(x) < n:
        return float("nan")
    bad = ~np.isfinite(x)
    c = np.concatenate(([0.0], np.cumsum(np.where(bad, 0.0, x))))
    cb = np.concatenate(([0], np.cumsum(bad)))
    means = (c[n:] - c[:-n]) / n
    means[(cb[n:] - cb[:-n]) > 0] = np.nan
    return float(np.nanmax(means)) if np.isfinite(means).any() else float("nan")
