"""Fatigue over a set: how fast each muscle's median frequency (MDF) falls from rep to rep.

Per muscle, a least-squares line through the reps' MDF (Hz; `RepScore.median_freq_hz`, taken over each
rep's active part) against the rep number. Its slope is given in % per rep of the line's value at the
set's first rep (the regression's intercept when reps are counted from the first): a slope in Hz/rep
means little across people and electrode sites whose MDF differs by tens of Hz, a share of their own
starting level does. Normalising to the intercept rather than to the first rep's own MDF keeps one noisy
first rep from setting the scale. Reps without an MDF (too short, partner not on) are left out, and
their numbers with them.

A muscle is flagged when its MDF falls faster than FATIGUE_THRESHOLD_PCT_PER_REP and the fall is more
than noise: at least MIN_FATIGUE_REPS reps with an MDF, and the slope below zero at one-sided p < 0.05
(t-test on the regression, n - 2 degrees of freedom). Rep-to-rep MDF scatters by 2-3 % on a steady
muscle (the simulated sessions, README "Fatigue"), so over four reps a slope of -1 %/rep is within noise
one time in five; the test keeps such a set unflagged.

No Qt: `analyze`, the report and the live feedback column (through `session.drill_set.DrillSet`) all
use `set_fatigue`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from emgcoach.coach.scoring import MIN_REP_S, RepScore, pair_bursts
from emgcoach.dsp.spectral_fatigue import Spectrum, stretch_spectrum

if TYPE_CHECKING:
    from emgcoach.analysis import ChannelResult

logger = logging.getLogger(__name__)

MUSCLES = ("lat", "glute")

# Flag a muscle whose MDF falls faster than 1 % per rep. Source: Spyropoulos, Chroni & Athanassiou
# (2015), "Muscle fatigue estimation in repetitive lifting task using surface electromyography-based
# analysis", J Ergonomics 5(2), abstract (Results): erector spinae MDF fell -0.417 Hz per lift at the end
# of the 3rd of four lifting trials (fatigue still recovered by the rests) and -0.637 Hz per lift at the
# start of the 4th, which they identify as the onset of substantial fatigue. On a posterior-chain surface
# MDF near 57 Hz (gluteus maximus mean frequency at the start of a Biering-Sorensen hold, 55.6 and 58.8 Hz
# right and left: Pakosz, Lukanova-Jakubowska & Konieczny (2019), Preprints 2019100111, abstract) those
# are -0.73 and -1.1 %/rep: the threshold sits between them, at the substantial-fatigue rate rounded.
FATIGUE_THRESHOLD_PCT_PER_REP = -1.0
MIN_FATIGUE_REPS = 4  # fewer reps with an MDF: no verdict (the slope's noise is too large)
SIGNIFICANCE = 0.05  # one-sided p below which a negative slope is taken as more than noise
NORMALISED_TO = "the regression line's MDF at the set's first rep (its intercept)"


@dataclass(frozen=True)
class MdfTrend:
    """One muscle's MDF over a set: reps with an MDF, the fitted slope (Hz/rep and %/rep of the fitted
    first-rep MDF, the intercept in Hz), r², the one-sided p of a negative slope, and the first and last
    reps' measured MDF (Hz)."""

    n_reps: int
    slope_hz_per_rep: float
    slope_pct_per_rep: float
    intercept_hz: float
    r2: float
    p_falling: float
    first_hz: float
    last_hz: float

    def falling_fast(self, threshold_pct: float = FATIGUE_THRESHOLD_PCT_PER_REP) -> bool:
        """Faster than `threshold_pct` (%/rep, negative), over enough reps, and more than noise."""
        return (self.n_reps >= MIN_FATIGUE_REPS and self.slope_pct_per_rep < threshold_pct
                and self.p_falling < SIGNIFICANCE)

    def to_dict(self) -> dict:
        return {"n_reps": self.n_reps, "slope_pct_per_rep": _r(self.slope_pct_per_rep, 2),
                "slope_hz_per_rep": _r(self.slope_hz_per_rep, 3), "intercept_hz": _r(self.intercept_hz, 2),
                "r2": _r(self.r2, 3), "p_falling": _r(self.p_falling, 4), "first_hz": _r(self.first_hz, 2),
                "last_hz": _r(self.last_hz, 2)}


def _r(x: float, digits: int) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


def mdf_trend(rep_numbers: Sequence[int], mdf_hz: Sequence[float | None]) -> MdfTrend | None:
    """The trend of MDF (Hz, None where a rep has none) against rep number; None with fewer than two
    reps with an MDF."""
    pairs = [(float(n), float(v)) for n, v in zip(rep_numbers, mdf_hz) if v is not None and math.isfinite(v)]
    if len(pairs) < 2:
        return None
    x = np.array([p[0] for p in pairs]) - pairs[0][0]  # counted from the first: the intercept is rep 1's fit
    y = np.array([p[1] for p in pairs])
    if np.ptp(x) == 0:
        return None
    from scipy import stats  # here, not at import: scipy.stats takes ~1 s to import, and the window needs it only now

    fit = stats.linregress(x, y)
    slope, intercept = float(fit.slope), float(fit.intercept)
    pct = 100.0 * slope / intercept if intercept > 0 else float("nan")
    if len(pairs) > 2 and math.isfinite(fit.pvalue):  # two-sided p from the t-test; one side of it
        p_falling = fit.pvalue / 2.0 if slope < 0 else 1.0 - fit.pvalue / 2.0
    else:
        p_falling = 0.0 if len(pairs) > 2 and slope < 0 else 1.0  # a perfect fit of 3+ reps, or only two
    r2 = float(fit.rvalue) ** 2 if math.isfinite(fit.rvalue) else float("nan")
    return MdfTrend(len(pairs), slope, pct, intercept, r2, float(p_falling), float(y[0]), float(y[-1]))


@dataclass(frozen=True)
class SetFatigue:
    """A set's MDF trend per muscle ('lat', 'glute'; None where fewer than two reps had one), the
    threshold it was judged against (%/rep), the muscles flagged, and the verdict in plain words."""

    trends: dict[str, MdfTrend | None]
    threshold_pct_per_rep: float
    flagged: tuple[str, ...]
    message: str

    @property
    def flag(self) -> bool:
        return bool(self.flagged)

    def to_dict(self) -> dict:
        return {"muscles": {m: (t.to_dict() if t is not None else None) for m, t in self.trends.items()},
                "threshold_pct_per_rep": self.threshold_pct_per_rep, "normalised_to": NORMALISED_TO,
                "min_reps": MIN_FATIGUE_REPS, "flag": self.flag, "flagged": list(self.flagged),
                "message": self.message}

    def slopes_text(self) -> str:
        """'lat -0.3 %/rep (r² 0.05), glute -1.6 %/rep (r² 0.83), 8 reps', or '' without a trend."""
        parts = [f"{m} {_signed(t.slope_pct_per_rep)} %/rep (r² {t.r2:.2f})" for m, t in self.trends.items()
                 if t is not None and math.isfinite(t.slope_pct_per_rep)]
        n = max((t.n_reps for t in self.trends.values() if t is not None), default=0)
        return f"{', '.join(parts)}, {n} reps" if parts else ""


def _signed(x: float, minus: str = "-") -> str:
    return f"{x:+.1f}".replace("-", minus)


def set_fatigue(reps: Sequence[RepScore], threshold_pct: float = FATIGUE_THRESHOLD_PCT_PER_REP) -> SetFatigue:
    """The MDF trend of each muscle over one set's reps (in order) and the verdict against
    `threshold_pct` (%/rep)."""
    trends = {m: mdf_trend([r.index for r in reps], [r.median_freq_hz.get(m) for r in reps]) for m in MUSCLES}
    flagged = tuple(m for m, t in trends.items() if t is not None and t.falling_fast(threshold_pct))
    if flagged:
        logger.debug("MDF falling faster than %g %%/rep in %s over %d reps", threshold_pct, flagged, len(reps))
    return SetFatigue(trends, threshold_pct, flagged, _message(trends, flagged, threshold_pct))


def _message(trends: dict[str, MdfTrend | None], flagged: tuple[str, ...], threshold_pct: float) -> str:
    """The verdict in plain words."""
    limit = f"{abs(threshold_pct):g} %/rep"
    if flagged:
        slopes = [abs(t.slope_pct_per_rep) for m in flagged if (t := trends[m]) is not None]  # flagged: all have one
        falls = " and ".join(f"{m} {slope:.1f} %/rep" for m, slope in zip(flagged, slopes))
        return (f"Signs of fatigue: median frequency falling faster than {limit} ({falls}); "
                "consider a rest or fewer reps")
    judged = [t for t in trends.values() if t is not None and t.n_reps >= MIN_FATIGUE_REPS]
    if not judged:
        return f"Fatigue not judged: fewer than {MIN_FATIGUE_REPS} reps with a median frequency"
    return f"No sign of fatigue: median frequency not falling faster than {limit}"


def live_text(reps: Sequence[RepScore]) -> str:
    """The feedback column's line after a rep: 'MDF lat −0.3 · glute −1.6 %/rep (5 reps)', with
    ': fatigue?' when a muscle is flagged; '' until two reps have an MDF."""
    fatigue = set_fatigue(reps)
    parts = [f"{m} {_signed(t.slope_pct_per_rep, '−')}" for m, t in fatigue.trends.items()
             if t is not None and math.isfinite(t.slope_pct_per_rep)]
    if not parts:
        return ""
    n = max(t.n_reps for t in fatigue.trends.values() if t is not None)
    return f"MDF {' · '.join(parts)} %/rep ({n} reps)" + (": fatigue?" if fatigue.flag else "")


def burst_spectra(channel: ChannelResult, min_s: float = MIN_REP_S) -> list[tuple[float, float, Spectrum]]:
    """(onset s, offset s, spectrum) of each burst of an analysed channel at least `min_s` long, over
    the onset detector's onset-to-offset: a recording without drills (the real recordings the README's
    figures come from) has bursts but no reps. A channel with no signal has none."""
    if channel.no_signal:
        return []
    out = []
    for on, off in pair_bursts(channel.onsets_s, channel.offsets_s, min_s):
        i0 = int(np.searchsorted(channel.times_s, on, side="left"))
        i1 = int(np.searchsorted(channel.times_s, off, side="right"))
        out.append((on, off, stretch_spectrum(None if channel.filtered_uv is None else channel.filtered_uv[i0:i1],
                                              channel.rate_hz, channel.band_hz, channel.notch_hz)))
    return out
