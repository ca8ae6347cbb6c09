"""Rep scoring: what one repetition of a drill achieved against its targets, and the one cue to fix it.

A rep runs from the lead muscle's onset to its offset (s, session clock). Per muscle: peak and mean
level (%MVC when calibrated, and µV always); the mean is over the middle 60 % of the rep, so the rise and
release do not pull it down. The glute's onset latency is its first onset within the rep (or up to
`PAIR_BEFORE_S` before it) minus the lat's, in ms: positive means the glute came after the lat.
CCI (Falconer-Winter) is over the rep, on %MVC when calibrated, otherwise on each envelope divided by
its own peak in the rep. Time in target is the fraction of the rep with the lat in its band and the glute
at or above its minimum; uncalibrated, with both above their rest + 3 SD.

Without calibration the level targets cannot be judged, so a rep hits when the glute fires at all and
on time; the report says so.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from emgcoach.coach.calibration import Calibration, MuscleCalibration
from emgcoach.coach.drills import Drill
from emgcoach.dsp.coactivation import cci

PAIR_BEFORE_S = 0.5  # an onset of the other muscle this long before the lead's still belongs to the rep
MIN_REP_S = 0.3  # shorter lead bursts are twitches, not reps
LAT = "latissimus_dorsi"
GLUTE = "gluteus_maximus"


@dataclass(frozen=True)
class MuscleTrace:
    """One muscle's envelope on its own sample times (s, µV), its onsets (s) and its calibration."""

    times_s: np.ndarray
    envelope_uv: np.ndarray
    onsets_s: list[float]
    calibration: MuscleCalibration | None = None
    rest_uv: float = float("nan")  # rest level and SD of the envelope, used when uncalibrated
    rest_sd_uv: float = float("nan")

    def window(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        sel = (self.times_s >= t0) & (self.times_s <= t1)
        return self.times_s[sel], self.envelope_uv[sel]

    def first_onset(self, t0: float, t1: float) -> float | None:
        for t in self.onsets_s:
            if t0 <= t <= t1:
                return float(t)
        return None


@dataclass(frozen=True)
class RepScore:
    """The figures of one rep (times s, levels %MVC or µV, latency ms, fractions 0-1)."""

    drill: str
    index: int
    start_s: float
    end_s: float
    lead: str
    lat_onset_s: float | None
    glute_onset_s: float | None
    onset_latency_ms: float | None
    peak_pct_mvc: dict[str, float | None]
    mean_pct_mvc: dict[str, float | None]
    peak_uv: dict[str, float]
    mean_uv: dict[str, float]
    cci: float
    time_in_target: float
    calibrated: bool
    hit: bool
    misses: tuple[str, ...] = field(default_factory=tuple)
    cue: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["misses"] = list(self.misses)
        return _clean(d)


def _clean(x: object) -> object:
    if isinstance(x, float):
        return round(x, 3) if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _middle(x: np.ndarray) -> np.ndarray:
    n = len(x)
    return x[int(0.2 * n) : max(int(0.2 * n) + 1, int(0.8 * n))] if n else x


def _finite_max(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.max()) if len(x) else float("nan")


def _finite_mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else float("nan")


def score_rep(drill: Drill, index: int, start_s: float, end_s: float, lat: MuscleTrace, glute: MuscleTrace) -> RepScore:
    """Score the rep [start_s, end_s] (the lead muscle's onset to offset) of `drill`."""
    lead, other = (lat, glute) if drill.lead == "lat" else (glute, lat)
    lead_onset = start_s
    other_onset = other.first_onset(start_s - PAIR_BEFORE_S, end_s)
    lat_on, glute_on = (lead_onset, other_onset) if drill.lead == "lat" else (other_onset, lead_onset)
    latency = 1000.0 * (glute_on - lat_on) if lat_on is not None and glute_on is not None else None

    t_l, e_l = lat.window(start_s, end_s)
    t_g, e_g = glute.window(start_s, end_s)
    if len(t_l) >= 2 and len(t_g) >= 2 and not np.array_equal(t_l, t_g):
        e_g_on_l = np.interp(t_l, t_g, e_g, left=np.nan, right=np.nan)  # two sensors: glute onto lat times
    else:
        e_g_on_l = e_g if len(e_g) == len(e_l) else np.full(len(e_l), np.nan)
    calibrated = lat.calibration is not None and glute.calibration is not None
    if calibrated:
        p_l = np.asarray(lat.calibration.pct_mvc(e_l))
        p_g = np.asarray(glute.calibration.pct_mvc(e_g_on_l))
        t = drill.targets
        in_target = (p_l >= t.lat_lo) & (p_l <= t.lat_hi) & (p_g >= t.glute_min)
        index_cci = cci(p_l, p_g)
    else:
        p_l = p_g = np.full(len(e_l), np.nan)
        in_target = (e_l > lat.rest_uv + 3 * lat.rest_sd_uv) & (e_g_on_l > glute.rest_uv + 3 * glute.rest_sd_uv)
        peak_l, peak_g = _finite_max(e_l), _finite_max(e_g_on_l)
        index_cci = cci(e_l / peak_l, e_g_on_l / peak_g) if peak_l > 0 and peak_g > 0 else float("nan")
    peak_pct = {"lat": _finite_max(p_l), "glute": _finite_max(np.asarray(glute.calibration.pct_mvc(e_g)))} if calibrated else {"lat": None, "glute": None}
    mean_pct = {"lat": _finite_mean(_middle(p_l)), "glute": _finite_mean(_middle(p_g))} if calibrated else {"lat": None, "glute": None}

    misses: list[str] = []
    if glute_on is None:
        misses.append("glute_missing")
    elif latency is not None and latency > drill.targets.max_glute_latency_ms:
        misses.append("glute_late")
    if calibrated:
        if mean_pct["glute"] is not None and not mean_pct["glute"] >= drill.targets.glute_min:
            misses.append("glute_low")
        if mean_pct["lat"] is not None and not mean_pct["lat"] >= drill.targets.lat_lo:
            misses.append("lat_low")
        elif mean_pct["lat"] is not None and mean_pct["lat"] > drill.targets.lat_hi:
            misses.append("lat_high")
    if "glute_missing" in misses:
        misses = [m for m in misses if m != "glute_low"]
    return RepScore(
        drill=drill.id,
        index=index,
        start_s=float(start_s),
        end_s=float(end_s),
        lead=drill.lead,
        lat_onset_s=lat_on,
        glute_onset_s=glute_on,
        onset_latency_ms=latency,
        peak_pct_mvc=peak_pct,
        mean_pct_mvc=mean_pct,
        peak_uv={"lat": _finite_max(e_l), "glute": _finite_max(e_g)},
        mean_uv={"lat": _finite_mean(_middle(e_l)), "glute": _finite_mean(_middle(e_g))},
        cci=float(index_cci),
        time_in_target=float(np.mean(in_target)) if len(in_target) else 0.0,
        calibrated=calibrated,
        hit=not misses,
        misses=tuple(misses),
        cue=drill.correction(misses[0]) if misses else "",
    )


def pair_bursts(onsets_s: list[float], offsets_s: list[float], min_s: float = MIN_REP_S) -> list[tuple[float, float]]:
    """(onset, offset) of each burst at least `min_s` long; an onset with no offset yet is left out."""
    out = []
    offs = sorted(offsets_s)
    j = 0
    for on in sorted(onsets_s):
        while j < len(offs) and offs[j] <= on:
            j += 1
        if j == len(offs):
            break
        if offs[j] - on >= min_s:
            out.append((float(on), float(offs[j])))
    return out


def score_reps(
    drill: Drill,
    lat: MuscleTrace,
    glute: MuscleTrace,
    lead_offsets_s: list[float],
    windows: list[tuple[float, float]] | None = None,
) -> list[RepScore]:
    """Every rep of `drill` in a recording: the lead muscle's bursts (inside `windows`, the drill's
    start-end spans, if given), numbered from 0."""
    lead = lat if drill.lead == "lat" else glute
    bursts = pair_bursts(lead.onsets_s, lead_offsets_s)
    if windows is not None:
        bursts = [b for b in bursts if any(w0 - PAIR_BEFORE_S <= b[0] <= w1 for w0, w1 in windows)]
    return [score_rep(drill, i, on, off, lat, glute) for i, (on, off) in enumerate(bursts)]


def calibration_for(cal: Calibration | None, muscle: str, side: str) -> MuscleCalibration | None:
    """The muscle's entry of a calibration, if there is one (same side preferred)."""
    if cal is None:
        return None
    return cal.get(muscle, side) or cal.get(muscle)
