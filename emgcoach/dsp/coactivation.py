"""Co-activation metrics for a pair of muscles (e.g. lat + opposite glute, the posterior oblique sling).

Inputs are envelopes on one clock at one rate: 1-D float arrays in µV or %MVC (the unit cancels in every
ratio here), boolean activity masks, or onset times in s. Every function returns plain Python floats or
lists of floats that are finite, so results go straight into JSON (no NaN, no inf).

numpy and scipy only: no Qt, no bleak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

__all__ = [
    "CciBasis",
    "OnsetMatch",
    "active_mask",
    "cci",
    "coactivation",
    "normalised",
    "match_onsets",
    "onset_latencies_ms",
    "overlap_fraction",
    "xcorr_peak",
]


def _pair(a: np.ndarray | Sequence[float], b: np.ndarray | Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"envelopes must have the same length, got {a.size} and {b.size}")
    return a, b


def active_mask(env: np.ndarray | Sequence[float], threshold: float) -> np.ndarray:
    """Boolean mask of samples where the envelope is strictly above `threshold` (same unit as `env`).

    NaN samples count as inactive.
    """
    e = np.asarray(env, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.greater(e, threshold) & np.isfinite(e)


def cci(
    a: np.ndarray | Sequence[float],
    b: np.ndarray | Sequence[float],
    active: np.ndarray | Sequence[bool] | None = None,
) -> float:
    """Falconer-Winter co-contraction index of two envelopes, dimensionless in [0, 1].

        CCI = 2 * sum_n min(a[n], b[n]) / sum_n (a[n] + b[n])

    i.e. the area common to both envelopes over their total area: 1 for identical envelopes, 0 when they
    never overlap. a and b are in the same unit (µV or %MVC); the unit cancels, so the index is invariant
    to scaling both by one factor. Negative values (filter undershoot) are clipped at 0 first; samples
    where either envelope is NaN are left out. `active`, if given, is a boolean mask (same length) that
    restricts the sums to a window (e.g. the samples where either muscle is active, or one rep).
    Returns 0.0 (not NaN) when the total area is zero.
    """
    a, b = _pair(a, b)
    keep = np.isfinite(a) & np.isfinite(b)
    if active is not None:
        m = np.asarray(active, dtype=bool).ravel()
        if m.shape != a.shape:
            raise ValueError(f"active mask must have the envelopes' length {a.size}, got {m.size}")
        keep &= m
    a = np.clip(a[keep], 0.0, None)
    b = np.clip(b[keep], 0.0, None)
    total = float(np.sum(a) + np.sum(b))
    if not total > 0.0:
        return 0.0
    common = float(np.sum(np.minimum(a, b)))
    return float(min(1.0, max(0.0, 2.0 * common / total)))


class CciBasis(StrEnum):
    """What the co-activation index's envelopes are normalised to, so that electrode gain cancels:
    each muscle's MVC (%MVC), or without a calibration each muscle's own reference level (its peak
    dynamic level: the highest 0.5 s mean of its envelope over the stretch judged, %ref)."""

    MVC = "mvc"
    REFERENCE = "reference"


MIN_WORK_SD = 3.0  # a muscle whose peak level stays within this many rest SDs of rest never worked


def normalised(envelope_uv: np.ndarray | Sequence[float], rest_uv: float, reference_uv: float,
               min_span_uv: float = 0.0) -> np.ndarray:
    """An envelope as % of the way from rest to a reference level (its MVC, or its peak dynamic level):
    100 x (env - rest) / (reference - rest), never below 0; NaN stays NaN, and all NaN when the
    reference is not above rest. A reference less than `min_span_uv` above rest (µV) is noise, not
    work: the muscle reads 0 throughout rather than its noise stretched to 100 %. A gain on the
    electrode scales env, rest, reference and span alike and cancels."""
    e = np.asarray(envelope_uv, dtype=np.float64)
    span = float(reference_uv) - float(rest_uv)
    if not (np.isfinite(span) and span > 0):
        return np.full(e.shape, np.nan)
    if span < min_span_uv:
        return np.where(np.isfinite(e), 0.0, np.nan)
    with np.errstate(invalid="ignore"):
        return np.maximum(100.0 * (e - float(rest_uv)) / span, 0.0)


def coactivation(
    a_pct: np.ndarray | Sequence[float],
    b_pct: np.ndarray | Sequence[float],
    active: np.ndarray | Sequence[bool],
) -> tuple[float, float]:
    """The one co-activation figure of the app, on two normalised envelopes (`normalised`, both in %MVC or
    both in % of reference) over the samples `active` marks (e.g. where either muscle works):
    (Falconer-Winter CCI 0-1, level in %): the level is the mean of the smaller of the two, the activation
    they share, because the index alone is 1.0 for two muscles both at 5 % and both at 60 %.
    (NaN, NaN) when no sample is active."""
    a, b = _pair(a_pct, b_pct)
    m = np.asarray(active, dtype=bool).ravel() & np.isfinite(a) & np.isfinite(b)
    if not m.any():
        return float("nan"), float("nan")
    return cci(a, b, m), float(np.mean(np.minimum(np.clip(a[m], 0, None), np.clip(b[m], 0, None))))


def overlap_fraction(active_a: np.ndarray | Sequence[bool], active_b: np.ndarray | Sequence[bool]) -> float:
    """Fraction of the active time during which both muscles are active, dimensionless in [0, 1].

        overlap = count(a & b) / count(a | b)

    (both masks on one clock, so sample counts are times). Returns 0.0 when neither is ever active.
    """
    a = np.asarray(active_a, dtype=bool).ravel()
    b = np.asarray(active_b, dtype=bool).ravel()
    if a.shape != b.shape:
        raise ValueError(f"masks must have the same length, got {a.size} and {b.size}")
    either = int(np.count_nonzero(a | b))
    if either == 0:
        return 0.0
    return float(np.count_nonzero(a & b) / either)


@dataclass
class OnsetMatch:
    """Pairing of A's onsets with B's onsets.

    pairs: (index into A, index into B) in A's order; latencies_ms: B onset minus A onset in ms for each
    pair (positive = B after A); unmatched_a / unmatched_b: indices of onsets left without a partner.
    """

    pairs: list[tuple[int, int]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    unmatched_a: list[int] = field(default_factory=list)
    unmatched_b: list[int] = field(default_factory=list)

    @property
    def n_unmatched_a(self) -> int:
        return len(self.unmatched_a)

    @property
    def n_unmatched_b(self) -> int:
        return len(self.unmatched_b)


def match_onsets(
    onsets_a_s: Sequence[float] | np.ndarray,
    onsets_b_s: Sequence[float] | np.ndarray,
    max_lag_s: float = 0.5,
) -> OnsetMatch:
    """Pair each onset of A (s) with the nearest onset of B (s) within [-max_lag_s, +max_lag_s].

    Each B onset is used at most once. Pairing is greedy by |B - A| over all candidate pairs (closest pair
    first; on a tie the B onset after A wins), so a B onset between two A bursts goes to the nearer one.
    Non-finite onset times are ignored.
    """
    a = np.asarray(onsets_a_s, dtype=np.float64).ravel()
    b = np.asarray(onsets_b_s, dtype=np.float64).ravel()
    if max_lag_s < 0:
        raise ValueError("max_lag_s must be >= 0")
    a_ok = np.flatnonzero(np.isfinite(a))
    b_ok = np.flatnonzero(np.isfinite(b))
    b_order = b_ok[np.argsort(b[b_ok], kind="stable")]
    b_sorted = b[b_order]
    candidates: list[tuple[float, bool, int, int, float]] = []
    for ia in a_ok:
        lo = np.searchsorted(b_sorted, a[ia] - max_lag_s, side="left")
        hi = np.searchsorted(b_sorted, a[ia] + max_lag_s, side="right")
        for k in range(lo, hi):
            d = float(b_sorted[k] - a[ia])
            candidates.append((abs(d), d < 0, int(ia), int(b_order[k]), d))
    candidates.sort()
    used_a: dict[int, tuple[int, float]] = {}
    used_b: set[int] = set()
    for _, _, i, j, d in candidates:
        if i in used_a or j in used_b:
            continue
        used_a[i] = (j, d)
        used_b.add(j)
    out = OnsetMatch()
    for i in range(a.size):
        if i in used_a:
            j, d = used_a[i]
            out.pairs.append((i, j))
            out.latencies_ms.append(d * 1000.0)
        else:
            out.unmatched_a.append(i)
    out.unmatched_b = [j for j in range(b.size) if j not in used_b]
    return out


def onset_latencies_ms(
    onsets_a_s: Sequence[float] | np.ndarray,
    onsets_b_s: Sequence[float] | np.ndarray,
    max_lag_s: float = 0.5,
) -> list[float]:
    """Onset latency of B after A in ms, one entry per burst of A that has a matching B onset.

        latency = (t_onset_B - t_onset_A) * 1000   (ms; positive = B after A)

    Matching as in `match_onsets`: nearest B onset within ±max_lag_s, each B onset used once. Bursts of
    A without a match get no entry (the list stays JSON-safe, no NaN); use `match_onsets(...).n_unmatched_a`
    for the count of unmatched bursts.
    """
    return match_onsets(onsets_a_s, onsets_b_s, max_lag_s).latencies_ms


def xcorr_peak(
    a: np.ndarray | Sequence[float],
    b: np.ndarray | Sequence[float],
    rate_hz: float,
    max_lag_s: float = 0.5,
) -> tuple[float, float]:
    """Lag (ms) and value of the peak of the normalised cross-correlation of two envelopes.

        r[k] = sum_n (a[n] - mean a) (b[n + k] - mean b) / sqrt(sum (a - mean a)^2 * sum (b - mean b)^2)

    searched over |k| <= max_lag_s * rate_hz samples; returns (lag_ms, r_peak) with lag_ms = k_peak /
    rate_hz * 1000 (positive = b lags a, i.e. b's pattern comes later), refined to a fraction of a sample
    by a parabola through the peak and its neighbours, and r_peak the coefficient at the peak sample
    (-1..1, dimensionless; the usual "biased" normalisation, so at lag k it is scaled by about 1 - |k|/N).
    Computed by FFT (scipy.signal.correlate, method='fft'): a 10-minute envelope takes milliseconds.
    NaN samples are replaced by the envelope's mean. Returns (0.0, 0.0) when either envelope is constant
    or too short (no finite correlation exists).
    """
    a, b = _pair(a, b)
    if not rate_hz > 0:
        raise ValueError("rate_hz must be positive")
    n = a.size
    if n < 2:
        return 0.0, 0.0
    a = np.where(np.isfinite(a), a, np.nanmean(a) if np.isfinite(a).any() else 0.0)
    b = np.where(np.isfinite(b), b, np.nanmean(b) if np.isfinite(b).any() else 0.0)
    a0 = a - a.mean()
    b0 = b - b.mean()
    denom = float(np.sqrt(np.dot(a0, a0) * np.dot(b0, b0)))
    if not denom > 0.0:
        return 0.0, 0.0
    c = scipy.signal.correlate(b0, a0, mode="full", method="fft") / denom
    lags = scipy.signal.correlation_lags(n, n, mode="full")  # c[k] = sum_n b0[n + lag] a0[n]
    max_lag = min(n - 1, int(np.floor(max_lag_s * rate_hz)))
    sel = np.flatnonzero(np.abs(lags) <= max_lag)
    k = int(sel[np.argmax(c[sel])])
    lag = float(lags[k])
    if sel[0] < k < sel[-1]:
        y0, y1, y2 = c[k - 1], c[k], c[k + 1]
        curv = y0 - 2.0 * y1 + y2
        if curv < 0:
            lag += float(np.clip(0.5 * (y0 - y2) / curv, -0.5, 0.5))
    r = float(np.clip(c[k], -1.0, 1.0))
    return lag / rate_hz * 1000.0, r
