"""Rep scoring: what one repetition of a drill achieved against its targets, and the one cue to fix it.

A rep runs from the lead muscle's onset to its offset (s, session clock). Per muscle: peak and mean
level (%MVC when calibrated, and µV always); the mean is over the middle 60 % of the rep, so the rise and
release do not pull it down. CCI (Falconer-Winter, `dsp.coactivation.coactivation`, the index `analyze`
and the live gauge show) is over the samples of the rep where either muscle is active, on %MVC when
calibrated, otherwise on each muscle's activation above rest as % of its reference level (its peak
dynamic level over the set or file: `MuscleTrace.reference_uv`), so electrode gain cancels; beside it
the level both share (`coactivation_level_pct`). Time in target is the fraction of the rep with the
lat in its band and the glute at or above its minimum; uncalibrated, with both above their rest + 3 SD.
Overlap is the fraction of the rep with both muscles active (envelope above rest + 3 SD).

Timing. The partner (the muscle that does not lead) is judged against the drill's window
`targets.partner_onset_ms` = (earliest, latest) ms after the lead's onset (`partner_timing`):
- its onset is searched from `PAIR_BEFORE_S` before the window's earliest edge to the rep's end. When
  the partner is active at the lead's onset, the onset of that burst counts (the detector's, or where
  its envelope rose above the threshold when the detector has none); otherwise the first onset after
  the lead's (or, if it fired only before the lead and stopped, its last one before);
- an onset before `earliest` misses with `<partner>_early`, after `latest` with `<partner>_late`;
- a partner active at the lead's onset whose burst began before the search reaches is *already on*
  (`partner_already_on`): no onset and no latency for it, no timing miss; it is judged on its level and
  its overlap with the lead like any other;
- `<partner>_missing` only when it is neither already on nor has an onset in the search: it stayed
  below its onset threshold through the rep.
The onset latency is always glute onset minus lat onset in ms (positive: the glute after the lat),
whatever the lead; None when either onset is unknown (a missing or already-on partner).

Active means the onset detector's state (an onset with no offset since) when the trace carries its
offsets, or else, and also, the envelope staying above the muscle's threshold (rest + 3 SD, the
detector's rule, on the envelope the trace holds) for the `ACTIVE_MIN_S` before that moment.

Without calibration the level targets cannot be judged, so a rep hits when the partner fires on time
(or is already on) and is active for at least `MIN_OVERLAP` of the rep; the report says so.

Spectrum (for fatigue over a set, `coach.fatigue`). Per muscle, the median and mean frequency (Hz) and RMS
(µV) of its band-passed signal (`dsp.spectral_fatigue`) over its active part of the rep: the lead from
its onset to its offset (the rep), the partner from its onset (the rep's start when it came on before or
was already on) to the last moment in the rep its envelope is above its threshold. A partner that never
came on has none (`NoSpectrum.NOT_ACTIVE`): a spectrum of rest noise says nothing about fatigue. A trace
that kept no band-passed signal (`MuscleTrace.filtered_uv` None) gives none either, saying so. The live
runner and the offline analysis both score through `score_rep`, so their figures agree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TypedDict

import numpy as np

from emgcoach.coach.calibration import Calibration, MuscleCalibration
from emgcoach.coach.drills import Drill, Lead, Miss
from emgcoach.coach.slings import Sling
from emgcoach.dsp.coactivation import MIN_WORK_SD, CciBasis, coactivation, normalised
from emgcoach.dsp.normalise import best_window_mean, estimate_rest
from emgcoach.dsp.spectral_fatigue import NoSpectrum, Spectrum, stretch_spectrum

# An onset of the partner this long before the window's earliest edge still belongs to the rep (and is
# early); one before that belongs to something else, and a partner still on from it is already on.
PAIR_BEFORE_S = 0.5
MIN_REP_S = 0.3  # shorter lead bursts are twitches, not reps
ACTIVE_K = 3.0  # active: envelope above rest + ACTIVE_K SD, the onset detector's rule
# ...for at least this long: rest noise on a 6 Hz envelope stays above 3 SD for tens of ms at a time, not
# for 100 ms; a held contraction does.
ACTIVE_MIN_S = 0.1
MIN_OVERLAP = 0.5  # uncalibrated, a partner active for less of the rep than this is too quiet
LAT = "latissimus_dorsi"
GLUTE = "gluteus_maximus"


@dataclass(frozen=True)
class MuscleTrace:
    """One muscle's envelope on its own sample times (s, µV), its onsets (s) and its calibration.

    rest_uv / rest_sd_uv: rest level and SD of this envelope (µV); NaN: taken from the calibration, or
    else estimated from the envelope's quietest stretches. offsets_s: the onset detector's offsets (s),
    when known (None: unknown, and activity is judged on the envelope alone)."""

    times_s: np.ndarray
    envelope_uv: np.ndarray
    onsets_s: list[float]
    calibration: MuscleCalibration | None = None
    rest_uv: float = float("nan")
    rest_sd_uv: float = float("nan")
    offsets_s: list[float] | None = None
    reference_uv: float = float("nan")  # peak dynamic level (highest 0.5 s mean, µV) over the set or file
    filtered_uv: np.ndarray | None = None  # the band-passed signal on times_s (µV), for a rep's spectrum
    band_hz: tuple[float, float] = (20.0, 450.0)  # the band it was passed through (Hz)
    notch_hz: tuple[float, ...] = ()  # the mains lines notched in it (Hz)

    @cached_property
    def rest_level_uv(self) -> float:
        """The envelope's resting level (µV): given, else the calibration's, else its quietest stretches."""
        if math.isfinite(self.rest_uv):
            return self.rest_uv
        if self.calibration is not None:
            return self.calibration.rest_uv
        env = np.asarray(self.envelope_uv, np.float64)
        env = env[np.isfinite(env)]
        return float(estimate_rest(env, self.rate_hz).mean_uv[0]) if len(env) >= 4 else float("nan")

    @property
    def rate_hz(self) -> float:
        return 1.0 / float(np.median(np.diff(self.times_s))) if len(self.times_s) > 1 else 1.0

    def pct(self, envelope_uv: np.ndarray, basis: CciBasis) -> np.ndarray:
        """An envelope of this muscle in %MVC (basis MVC) or in % of its reference level above rest
        (REFERENCE; the reference is the trace's own peak dynamic level when none was given)."""
        if basis is CciBasis.MVC and self.calibration is not None:
            return normalised(envelope_uv, self.calibration.rest_uv, self.calibration.mvc_uv)
        ref = self.reference_uv if math.isfinite(self.reference_uv) else best_window_mean(self.envelope_uv, self.rate_hz)
        sd = self.rest_sd_uv if math.isfinite(self.rest_sd_uv) else (self.calibration.rest_sd_uv if self.calibration else 0.0)
        return normalised(envelope_uv, self.rest_level_uv, ref, min_span_uv=MIN_WORK_SD * sd)

    def window(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        sel = (self.times_s >= t0) & (self.times_s <= t1)
        return self.times_s[sel], self.envelope_uv[sel]

    @cached_property
    def threshold_uv(self) -> float:
        """Envelope level (µV) above which the muscle counts as active: rest + ACTIVE_K SD."""
        if math.isfinite(self.rest_uv) and math.isfinite(self.rest_sd_uv):
            return self.rest_uv + ACTIVE_K * self.rest_sd_uv
        if self.calibration is not None:
            return self.calibration.rest_uv + ACTIVE_K * self.calibration.rest_sd_uv
        env = np.asarray(self.envelope_uv, np.float64)
        ok = np.isfinite(env)
        if ok.sum() < 4:
            return float("nan")
        rate = 1.0 / float(np.median(np.diff(self.times_s))) if len(self.times_s) > 1 else 1.0
        rest = estimate_rest(env[ok], rate)
        return float(rest.mean_uv[0] + ACTIVE_K * rest.sd_uv[0])

    def active(self, t0: float, t1: float) -> np.ndarray:
        """Per sample in [t0, t1]: above the threshold (bool)."""
        _, e = self.window(t0, t1)
        return e > self.threshold_uv

    def detector_on_since(self, t: float) -> float | None:
        """The onset (s) of the burst the onset detector has on at time t: its last onset at or before t
        not yet followed by an offset. None when it is off then, or its offsets are unknown."""
        if self.offsets_s is None:
            return None
        last_on = max((o for o in self.onsets_s if o <= t), default=None)
        if last_on is None or any(last_on < f <= t for f in self.offsets_s):
            return None
        return float(last_on)

    def active_at(self, t: float) -> bool:
        """On at time t (s): by the onset detector's state (`detector_on_since`), or by the envelope
        staying above the threshold over the ACTIVE_MIN_S up to t."""
        if self.detector_on_since(t) is not None:
            return True
        above = self.active(t - ACTIVE_MIN_S, t)
        return bool(len(above) >= 2 and above.all())

    def last_active(self, t0: float, t1: float) -> float | None:
        """The last sample time (s) in [t0, t1] at which the envelope is above the threshold; None when
        it never is."""
        i0 = int(np.searchsorted(self.times_s, t0, side="left"))
        i1 = int(np.searchsorted(self.times_s, t1, side="right"))
        above = np.flatnonzero(self.envelope_uv[i0:i1] > self.threshold_uv)
        return float(self.times_s[i0 + above[-1]]) if len(above) else None

    def spectrum(self, t0: float, t1: float) -> Spectrum:
        """Median and mean frequency (Hz) and RMS (µV) of the band-passed signal over [t0, t1] (s)."""
        if self.filtered_uv is None:
            return stretch_spectrum(None, 1.0)
        i0 = int(np.searchsorted(self.times_s, t0, side="left"))
        i1 = int(np.searchsorted(self.times_s, t1, side="right"))
        t = self.times_s[i0:i1]
        # the stretch's own rate: a median over the whole trace per rep would cost a whole file's sort
        rate = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 1.0
        return stretch_spectrum(self.filtered_uv[i0:i1], rate, self.band_hz, self.notch_hz)

    def active_since(self, t: float) -> float | None:
        """When the envelope's current run above the threshold began, for a muscle active at t (s): the
        first sample of the run. None when the run goes back to the start of the trace (unknown)."""
        i = int(np.searchsorted(self.times_s, t, side="right"))
        below = np.flatnonzero(~(self.envelope_uv[:i] > self.threshold_uv))
        if len(below) == 0 or below[-1] + 1 >= i:
            return None
        return float(self.times_s[below[-1] + 1])


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
    partner_already_on: bool = False  # the partner was active before its onset could be timed (see above)
    overlap: float = float("nan")  # fraction of the rep with both muscles active (0-1)
    cci_basis: str = CciBasis.MVC  # what the CCI's envelopes are normalised to (dsp.coactivation.CciBasis)
    coactivation_level_pct: float = float("nan")  # the activation both share over the rep, in that basis
    # per muscle over its active part (module docstring): median and mean frequency (Hz), RMS (µV), and
    # why a muscle has none (None where it has figures); files written before these came have neither
    median_freq_hz: dict[str, float | None] = field(default_factory=lambda: _per_muscle(None))
    mean_freq_hz: dict[str, float | None] = field(default_factory=lambda: _per_muscle(None))
    rms_uv: dict[str, float | None] = field(default_factory=lambda: _per_muscle(None))
    spectrum_note: dict[str, str | None] = field(default_factory=lambda: _per_muscle(None))
    # a both-slings set's rep: the sling it was scored on (its lat + opposite glute); None with one sling,
    # whose reps' data are as they always were (no 'sling' key)
    sling: Sling | None = None

    @property
    def has_spectra(self) -> bool:
        """Whether the rep's spectra were taken (with figures, or a reason for none): False for a verdict
        from a file written before emgcoach measured them."""
        return any(v is not None for v in (*self.median_freq_hz.values(), *self.spectrum_note.values()))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["misses"] = [str(m) for m in self.misses]
        d["lead"] = str(self.lead)
        if self.sling is None:
            del d["sling"]
        else:
            d["sling"] = str(self.sling)
        return _clean_dict(d)


def _per_muscle(value: object) -> dict:
    return {"lat": value, "glute": value}


def _clean_dict(d: dict) -> dict:
    """`d` for JSON: floats to 3 decimals (non-finite ones None), tuples as lists, all the way down."""
    return {k: _clean(v) for k, v in d.items()}


def _clean(x: object) -> object:
    if isinstance(x, float):
        return round(x, 3) if math.isfinite(x) else None
    if isinstance(x, dict):
        return _clean_dict(x)
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


@dataclass(frozen=True)
class PartnerTiming:
    """The partner's onset for a rep (s, or None) and whether it was already on at the lead's onset."""

    onset_s: float | None
    already_on: bool


def partner_timing(drill: Drill, start_s: float, end_s: float, partner: MuscleTrace) -> PartnerTiming:
    """Which onset of the partner belongs to the rep [start_s, end_s] (the lead's onset to offset), or
    whether the partner was already on (see the module docstring)."""
    search_from = start_s + drill.targets.partner_onset_ms[0] / 1000.0 - PAIR_BEFORE_S
    before = [float(t) for t in partner.onsets_s if search_from <= t <= start_s]
    after = [float(t) for t in partner.onsets_s if start_s < t <= end_s]
    if partner.active_at(start_s):
        # the burst that is on as the lead starts: timed if it began within reach, else already on
        if before:
            return PartnerTiming(before[-1], False)
        if partner.detector_on_since(start_s) is not None:  # the detector's onset lies before the search
            return PartnerTiming(None, True)
        # no detector onset for it (a trace whose onsets cover only part of its envelope, or none): the
        # envelope says when it came on, a little late but early enough to tell "early" from "already on"
        began = partner.active_since(start_s)
        return PartnerTiming(began, False) if began is not None and began >= search_from else PartnerTiming(None, True)
    if after:  # an earlier blip that ended before the lead started is not this rep's onset
        return PartnerTiming(after[0], False)
    return PartnerTiming(before[-1] if before else None, False)


def timing_miss(drill: Drill, start_s: float, timing: PartnerTiming) -> Miss | None:
    """The partner's timing miss, if any: missing, early or late against the drill's window."""
    partner = Lead(drill.lead).partner
    if timing.already_on:
        return None
    if timing.onset_s is None:
        return Miss.missing(partner)
    offset_ms = 1000.0 * (timing.onset_s - start_s)
    earliest, latest = drill.targets.partner_onset_ms
    if offset_ms < earliest:
        return Miss.early(partner)
    if offset_ms > latest:
        return Miss.late(partner)
    return None


def rep_spectra(drill: Drill, start_s: float, end_s: float, timing: PartnerTiming, lat: MuscleTrace,
                glute: MuscleTrace) -> dict[str, Spectrum]:
    """Each muscle's spectrum ('lat', 'glute') over its active part of the rep [start_s, end_s] (s): the
    lead's whole rep, the partner's from its onset (or the rep's start) to its last active moment."""
    lat_led = drill.lead == Lead.LAT
    lead, partner = (lat, glute) if lat_led else (glute, lat)
    names = ("lat", "glute") if lat_led else ("glute", "lat")
    quiet = Spectrum.none(NoSpectrum.NOT_ACTIVE, "did not come on in this rep")
    if timing.onset_s is None and not timing.already_on:
        return {names[0]: lead.spectrum(start_s, end_s), names[1]: quiet}
    on = start_s if timing.onset_s is None else max(start_s, timing.onset_s)
    last = partner.last_active(on, end_s)
    return {names[0]: lead.spectrum(start_s, end_s), names[1]: partner.spectrum(on, last) if last is not None else quiet}


class SpectralFields(TypedDict):
    """RepScore's spectral fields, per muscle ('lat', 'glute')."""

    median_freq_hz: dict[str, float | None]
    mean_freq_hz: dict[str, float | None]
    rms_uv: dict[str, float | None]
    spectrum_note: dict[str, str | None]


def spectral_fields(spectra: dict[str, Spectrum]) -> SpectralFields:
    """RepScore's spectral fields from each muscle's spectrum (`rep_spectra`)."""
    return {"median_freq_hz": {m: sp.median_hz for m, sp in spectra.items()},
            "mean_freq_hz": {m: sp.mean_hz for m, sp in spectra.items()},
            "rms_uv": {m: sp.rms_uv for m, sp in spectra.items()},
            "spectrum_note": {m: sp.note or None for m, sp in spectra.items()}}


def score_rep(drill: Drill, index: int, start_s: float, end_s: float, lat: MuscleTrace, glute: MuscleTrace) -> RepScore:
    """Score the rep [start_s, end_s] (the lead muscle's onset to offset) of `drill`."""
    lat_led = drill.lead == Lead.LAT
    timing = partner_timing(drill, start_s, end_s, glute if lat_led else lat)
    lat_on, glute_on = (start_s, timing.onset_s) if lat_led else (timing.onset_s, start_s)
    latency = 1000.0 * (glute_on - lat_on) if lat_on is not None and glute_on is not None else None

    t_l, e_l = lat.window(start_s, end_s)
    t_g, e_g = glute.window(start_s, end_s)
    if len(t_l) >= 2 and len(t_g) >= 2 and not np.array_equal(t_l, t_g):
        e_g_on_l = np.interp(t_l, t_g, e_g, left=np.nan, right=np.nan)  # two sensors: glute onto lat times
    else:
        e_g_on_l = e_g if len(e_g) == len(e_l) else np.full(len(e_l), np.nan)
    lat_cal, glute_cal = lat.calibration, glute.calibration
    calibrated = lat_cal is not None and glute_cal is not None
    peak_pct: dict[str, float | None] = {"lat": None, "glute": None}  # %MVC: None without calibration
    mean_pct: dict[str, float | None] = {"lat": None, "glute": None}
    if lat_cal is not None and glute_cal is not None:
        p_l = np.asarray(lat_cal.pct_mvc(e_l))
        p_g = np.asarray(glute_cal.pct_mvc(e_g_on_l))
        t = drill.targets
        in_target = (p_l >= t.lat_lo) & (p_l <= t.lat_hi) & (p_g >= t.glute_min)
        peak_pct = {"lat": _finite_max(p_l), "glute": _finite_max(np.asarray(glute_cal.pct_mvc(e_g)))}
        mean_pct = {"lat": _finite_mean(_middle(p_l)), "glute": _finite_mean(_middle(p_g))}
    else:
        in_target = (e_l > lat.threshold_uv) & (e_g_on_l > glute.threshold_uv)
    # the app's one co-activation index (as analyze and the live gauge): on %MVC, or on each muscle's
    # share of its own reference level, over the samples of the rep where either muscle is active
    basis = CciBasis.MVC if calibrated else CciBasis.REFERENCE
    with np.errstate(invalid="ignore"):
        either = (e_l > lat.threshold_uv) | (e_g_on_l > glute.threshold_uv)
    index_cci, shared = coactivation(lat.pct(e_l, basis), glute.pct(e_g_on_l, basis), either)
    overlap = _overlap(e_l > lat.threshold_uv, t_l, e_g > glute.threshold_uv, t_g)
    misses = _misses(drill, timing_miss(drill, start_s, timing), mean_pct if calibrated else None, overlap)
    return RepScore(
        drill=drill.id,
        index=index,
        start_s=float(start_s),
        end_s=float(end_s),
        lead=str(drill.lead),
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
        partner_already_on=timing.already_on,
        overlap=overlap,
        cci_basis=str(basis),
        coactivation_level_pct=shared,
        **spectral_fields(rep_spectra(drill, start_s, end_s, timing, lat, glute)),
    )


def _overlap(l_active: np.ndarray, t_l: np.ndarray, g_active: np.ndarray, t_g: np.ndarray) -> float:
    """Fraction of the lat's samples in the rep at which both muscles are active (the glute's activity
    taken onto the lat's sample times when the two sensors differ)."""
    if len(t_l) == 0:
        return float("nan")
    if len(t_g) >= 2 and not np.array_equal(t_l, t_g):
        g_active = np.interp(t_l, t_g, g_active.astype(float), left=0.0, right=0.0) >= 0.5
    elif len(g_active) != len(t_l):
        return float("nan")
    return float(np.mean(l_active & g_active))


def _misses(drill: Drill, timing: Miss | None, mean_pct: dict[str, float | None] | None, overlap: float) -> list[Miss]:
    """Every target the rep missed, the timing first (its cue is the one given). `mean_pct` is None
    without calibration: then the partner must instead be active for MIN_OVERLAP of the rep."""
    t = drill.targets
    partner = Lead(drill.lead).partner
    misses = [timing] if timing is not None else []
    if mean_pct is not None:
        if mean_pct["glute"] is not None and not mean_pct["glute"] >= t.glute_min:
            misses.append(Miss.GLUTE_LOW)
        if mean_pct["lat"] is not None and not mean_pct["lat"] >= t.lat_lo:
            misses.append(Miss.LAT_LOW)
        elif mean_pct["lat"] is not None and mean_pct["lat"] > t.lat_hi:
            misses.append(Miss.LAT_HIGH)
    elif math.isfinite(overlap) and overlap < MIN_OVERLAP:
        misses.append(Miss.low(partner))
    if timing == Miss.missing(partner):  # a partner that never fired is not also "too quiet"
        misses = [m for m in misses if m != Miss.low(partner)]
    return misses


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
    """Every rep of `drill` in a recording: the lead muscle's bursts that begin inside `windows` (the
    spans where the drill's reps may start, if given), numbered from 0."""
    lead = lat if drill.lead == "lat" else glute
    bursts = pair_bursts(lead.onsets_s, lead_offsets_s)
    if windows is not None:
        bursts = [b for b in bursts if any(w0 <= b[0] <= w1 for w0, w1 in windows)]
    return [score_rep(drill, i, on, off, lat, glute) for i, (on, off) in enumerate(bursts)]


def calibration_for(cal: Calibration | None, muscle: str, side: str) -> MuscleCalibration | None:
    """The muscle's entry of a calibration, if there is one (same side preferred)."""
    if cal is None:
        return None
    return cal.get(muscle, side) or cal.get(muscle)
