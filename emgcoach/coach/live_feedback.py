"""What the live feedback view shows, computed from envelopes and onset events (no Qt here).

Levels are the mean of the last `level_window_s` of each muscle's envelope (µV, or %MVC when calibrated);
the co-activation gauge is the app's one co-activation index (`dsp.coactivation.coactivation`, as
`analyze` and rep scoring compute it) over the last `cci_window_s`: on %MVC when calibrated, otherwise on
each muscle's activation as % of its own reference level (its peak dynamic level over the last 30 s), so
electrode gain cancels; counted only where at least one muscle is active (no reading at rest). The
onset-order cue pairs each lat onset with the glute onset nearest to it within `pair_window_s`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgcoach.coach.drills import Drill
from emgcoach.dsp.coactivation import CciBasis, coactivation, normalised
from emgcoach.dsp.normalise import MvcNormaliser, best_window_mean

LAT = "latissimus_dorsi"
GLUTE = "gluteus_maximus"


@dataclass(frozen=True)
class Band:
    """A target band in the unit shown (µV or %MVC); hi may be inf."""

    lo: float
    hi: float = float("inf")

    def contains(self, value: float) -> bool:
        return bool(np.isfinite(value) and self.lo <= value <= self.hi)


# Defaults in %MVC (the drill library's common targets); uncalibrated bands are multiples of rest.
PCT_TARGETS = {LAT: Band(20.0, 40.0), GLUTE: Band(20.0)}
REST_MULTIPLE_TARGETS = {LAT: 5.0, GLUTE: 5.0}
# The gauge reads co-activation only while a muscle works: above 5 %MVC, or (uncalibrated) 5 % of its
# reference level above rest, for at least 0.2 s of the window. Two resting noise floors are alike, not
# co-active.
ACTIVE_PCT = 5.0
MIN_ACTIVE_S = 0.2
# Uncalibrated, a reference level below twice rest means the muscle has not worked yet: no reading
MIN_REFERENCE_OVER_REST = 2.0


@dataclass(frozen=True)
class Figures:
    """One frame of feedback: levels per muscle, their bands, CCI, whether both are on target."""

    unit: str
    lat: float
    glute: float
    lat_band: Band
    glute_band: Band
    cci: float
    both_on_target: bool
    calibrated: bool = False  # targets come from a calibration (shown in %MVC, or in µV through it)
    lat_pct: float = float("nan")  # with a calibration: the levels in %MVC, whatever unit is shown
    glute_pct: float = float("nan")
    cci_level_pct: float = float("nan")  # the activation both share, in the CCI's basis (%)
    cci_basis: CciBasis = CciBasis.MVC


def drill_bands(drill: Drill) -> dict[str, Band]:
    """A drill's level targets as the bars' bands (%MVC): the lat within its band, the glute at least
    its minimum. The bars show these, so they agree with how the drill's reps are scored."""
    t = drill.targets
    return {LAT: Band(t.lat_lo, t.lat_hi), GLUTE: Band(t.glute_min)}


def pct_band_in_uv(band: Band, rest_uv: float, mvc_uv: float) -> Band:
    """A %MVC target band as envelope levels in µV, through one channel's calibration
    (%MVC = 100 x (env - rest) / (mvc - rest), so env = rest + %MVC / 100 x (mvc - rest))."""
    span = mvc_uv - rest_uv
    return Band(rest_uv + band.lo / 100.0 * span, rest_uv + band.hi / 100.0 * span)


def level(envelope: np.ndarray, rate_hz: float, window_s: float = 0.15) -> float:
    """Mean of the newest `window_s` of an envelope, ignoring NaN gaps; NaN if nothing is there."""
    tail = envelope[-max(1, int(window_s * rate_hz)) :]
    tail = tail[np.isfinite(tail)]
    return float(tail.mean()) if len(tail) else float("nan")


def figures(
    lat_env: np.ndarray,
    glute_env: np.ndarray,
    rate_hz: float,
    calibrated: bool,
    rest_uv: tuple[float, float] = (float("nan"), float("nan")),
    targets: dict[str, Band] | None = None,
    cci_window_s: float = 2.0,
    calibration_uv: tuple[tuple[float, float], tuple[float, float]] | None = None,
    reference_uv: tuple[float, float] = (float("nan"), float("nan")),
) -> Figures:
    """Feedback figures from the newest samples of two envelopes on one clock (same rate and length).

    calibrated: the envelopes are in %MVC and the targets (%MVC) apply as they are. Otherwise the
    envelopes are in µV, and the targets are either the %MVC ones carried into µV through
    `calibration_uv` ((rest, MVC) in µV for lat, then glute: a calibrated session shown in µV), or,
    without a calibration, multiples of each muscle's resting level `rest_uv` (µV); the CCI then needs
    each muscle's reference level `reference_uv` (µV, `rest_and_reference`).
    """
    t = targets or PCT_TARGETS
    if calibrated:
        unit = "%MVC"
        lat_band, glute_band = t[LAT], t[GLUTE]
    elif calibration_uv is not None:
        unit = "µV"
        lat_band = pct_band_in_uv(t[LAT], *calibration_uv[0])
        glute_band = pct_band_in_uv(t[GLUTE], *calibration_uv[1])
    else:
        unit = "µV"
        lat_band = Band(REST_MULTIPLE_TARGETS[LAT] * rest_uv[0]) if np.isfinite(rest_uv[0]) else Band(float("inf"))
        glute_band = Band(REST_MULTIPLE_TARGETS[GLUTE] * rest_uv[1]) if np.isfinite(rest_uv[1]) else Band(float("inf"))
    lat, glute = level(lat_env, rate_hz), level(glute_env, rate_hz)
    n = int(cci_window_s * rate_hz)
    index, shared, basis = activation_cci(lat_env[-n:], glute_env[-n:], rate_hz, calibrated, rest_uv, calibration_uv,
                                          reference_uv)
    both = lat_band.contains(lat) and glute_band.contains(glute)
    lat_pct = glute_pct = float("nan")
    if calibrated:
        lat_pct, glute_pct = lat, glute
    elif calibration_uv is not None:
        lat_pct, glute_pct = (float(MvcNormaliser(m, r).process(np.array([v]))[0])
                              for v, (r, m) in zip((lat, glute), calibration_uv))
    return Figures(unit, lat, glute, lat_band, glute_band, index, both, calibrated or calibration_uv is not None,
                   lat_pct, glute_pct, shared, basis)


def activation_cci(
    lat_env: np.ndarray,
    glute_env: np.ndarray,
    rate_hz: float,
    calibrated: bool,
    rest_uv: tuple[float, float] = (float("nan"), float("nan")),
    calibration_uv: tuple[tuple[float, float], tuple[float, float]] | None = None,
    reference_uv: tuple[float, float] = (float("nan"), float("nan")),
) -> tuple[float, float, CciBasis]:
    """(CCI 0-1, shared level %, basis) of two envelope windows: on %MVC when calibrated (the envelopes
    are %MVC) or through `calibration_uv`, otherwise on each muscle's activation as % of its reference
    level above rest (`rest_uv`, `reference_uv`, µV), over the samples where either muscle is active
    (above ACTIVE_PCT). NaN figures (no reading) while neither has been active for MIN_ACTIVE_S, or when
    uncalibrated and the levels are not known yet or show no work (reference below
    MIN_REFERENCE_OVER_REST x rest)."""
    a, b = np.asarray(lat_env, float), np.asarray(glute_env, float)
    nothing = (float("nan"), float("nan"))
    if calibrated:
        basis = CciBasis.MVC
    elif calibration_uv is not None:
        (ra, ma), (rb, mb) = calibration_uv
        a, b = MvcNormaliser(ma, ra).process(a), MvcNormaliser(mb, rb).process(b)
        basis = CciBasis.MVC
    else:
        basis = CciBasis.REFERENCE
        known = all(np.isfinite(v) and v > 0 for v in (*rest_uv, *reference_uv))
        if not known or any(ref < MIN_REFERENCE_OVER_REST * rest for ref, rest in zip(reference_uv, rest_uv)):
            return (*nothing, basis)
        a, b = normalised(a, rest_uv[0], reference_uv[0]), normalised(b, rest_uv[1], reference_uv[1])
    with np.errstate(invalid="ignore"):
        active = np.isfinite(a) & np.isfinite(b) & ((a > ACTIVE_PCT) | (b > ACTIVE_PCT))
    if active.sum() < MIN_ACTIVE_S * rate_hz:
        return (*nothing, basis)
    return (*coactivation(a, b, active), basis)


def rest_and_reference(history_uv: np.ndarray, rate_hz: float) -> tuple[float, float]:
    """Without calibration, a muscle's resting level (the 10th percentile) and its reference level (its
    peak dynamic level: the highest 0.5 s mean) over an envelope history (µV); NaN when under 1 s.
    Every 10th sample is used: the envelope is smooth, so the rest carry nothing new."""
    h = np.asarray(history_uv, dtype=np.float64)
    if len(h) <= rate_hz:
        return float("nan"), float("nan")
    h = h[::10]
    return float(np.nanpercentile(h, 10)), best_window_mean(h, rate_hz / 10)


class OnsetOrder:
    """Pairs lat and glute onsets into cues such as 'Lat first, glute +80 ms' (times in s)."""

    def __init__(self, pair_window_s: float = 0.5) -> None:
        self.pair_window_s = pair_window_s
        self._pending: dict[str, float] = {}
        self.last_cue = ""
        self.last_latency_ms: float | None = None

    def onset(self, muscle: str, time_s: float) -> str | None:
        """Feed one onset; returns a new cue when it completes a pair."""
        if muscle not in (LAT, GLUTE):
            return None
        other = GLUTE if muscle == LAT else LAT
        t_other = self._pending.get(other)
        if t_other is not None and abs(time_s - t_other) <= self.pair_window_s:
            lat_t = time_s if muscle == LAT else t_other
            glute_t = t_other if muscle == LAT else time_s
            self._pending.clear()
            latency_ms = 1000.0 * (glute_t - lat_t)
            self.last_latency_ms = latency_ms
            if latency_ms >= 0:
                self.last_cue = f"Lat first, glute +{latency_ms:.0f} ms"
            else:
                self.last_cue = f"Glute first, by {-latency_ms:.0f} ms"
            return self.last_cue
        self._pending[muscle] = time_s
        return None
