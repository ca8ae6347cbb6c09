"""Headless analysis of a whole recording: the same DSP stages as live, run over the file in one pass.

Produces the report that `emgcoach analyze` prints (plain text or JSON). Amplitudes in µV, times in s
from the start of the recording, latencies in ms.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

import numpy as np

from emgcoach.coach.calibration import CalibrationError, MuscleCalibration, from_recording_markers
from emgcoach.coach.live_feedback import GLUTE, LAT
from emgcoach.coach.slings import Sling, SymmetrySummary
from emgcoach.dsp import coactivation
from emgcoach.dsp.coactivation import CciBasis
from emgcoach.dsp.ecg import detect_ecg
from emgcoach.dsp.filters import detect_mains_hz
from emgcoach.dsp.normalise import best_window_mean
from emgcoach.dsp.onset import detect_onsets, onset_defaults
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.dsp.quality import QualityReport, assess_quality
from emgcoach.dsp.rest import burst_levels, find_rest, stretch_rest
from emgcoach.errors import InputError
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import MIN_EMG_RATE_HZ, ChannelSpec, Marker

ECG_HIGHPASS_HZ = 30.0  # low edge used on channels with QRS spikes (Drake & Callaghan 2006)
PAIR_GRID_HZ = 200.0  # common clock for envelopes of different streams (the envelope is < 10 Hz wide)
# Without a rest to stand on, a muscle is "on" above this fraction of the way from its envelope's floor
# to its burst level (`dsp.rest.burst_levels`); it turns off below the same share of it as the
# rest-based detector's k_off is of k (2 of 3 SD)
BURST_FRACTION = 0.1
MIN_SETUP_REST_S = 0.5  # a calibration rest or set-up phase shorter than this is not used as rest
RECTIFIED_MEAN_PER_RMS = math.sqrt(2.0 / math.pi)  # mean |x| of Gaussian noise over its RMS


class RestSource(StrEnum):
    """Where a channel's rest was taken from."""

    CALIBRATION = "calibration"  # the calibration's rest step (markers in the file)
    SETUP = "setup"  # the drills' set-up phases, spent still in the task posture
    QUIET_WINDOWS = "quiet_windows"  # the signal's own stationary quiet stretches (`dsp.rest.find_rest`)


class OnsetMethod(StrEnum):
    """How a channel's onsets were found."""

    REST_THRESHOLD = "rest_threshold"  # Hodges & Bui: rest mean + k SD
    BURST_FRACTION = "burst_fraction"  # no rest found: a fraction of the way from floor to burst level


@dataclass(frozen=True)
class ChannelRest:
    """A channel's rest: where it came from, the onset envelope's mean and SD there (µV), and whether it
    is trustworthy (False: no stationary quiet stretch was found in the signal)."""

    source: RestSource
    mean_uv: float
    sd_uv: float
    reliable: bool

    def to_dict(self) -> dict:
        return {"source": str(self.source), "mean_uv": _r(self.mean_uv), "sd_uv": _r(self.sd_uv),
                "reliable": self.reliable}


@dataclass
class ChannelResult:
    """One channel's figures and its envelope on the stream's sample times."""

    spec: ChannelSpec
    rate_hz: float
    times_s: np.ndarray
    envelope_uv: np.ndarray
    active: np.ndarray
    rms_uv: float
    envelope_peak_uv: float
    onsets_s: list[float]
    offsets_s: list[float]
    quality: dict
    ecg: dict
    filter_note: str
    rest: ChannelRest
    onset_envelope_uv: np.ndarray
    onset_method: OnsetMethod | None = None  # None: no onsets looked for (no signal)
    no_signal: str = ""  # why the channel has no onsets, CCI or latency ("" when it has a signal)
    reference_uv: float = float("nan")  # peak dynamic level: highest 0.5 s mean of the envelope (µV)
    mvc: MuscleCalibration | None = None  # the recording's calibration of this muscle, if it has one
    filtered_uv: np.ndarray | None = None  # the band-passed (and notched) signal on times_s, µV: reps' spectra
    band_hz: tuple[float, float] = (20.0, 450.0)  # the band-pass it went through (Hz)
    notch_hz: tuple[float, ...] = ()  # the mains lines notched (Hz)
    excluded: np.ndarray | None = None  # True on samples inside a stretch marked as an artifact (None: none)

    def kept(self) -> np.ndarray:
        """True on the samples analysis uses (outside every excluded stretch)."""
        return np.ones(len(self.times_s), dtype=bool) if self.excluded is None else ~self.excluded

    def normalised(self, basis: CciBasis) -> np.ndarray:
        """The envelope in %MVC (basis MVC) or in % of its reference level above rest (REFERENCE; 0
        throughout for a muscle that never rose k SD above rest: its peak is noise, not work)."""
        if basis is CciBasis.MVC and self.mvc is not None:
            return coactivation.normalised(self.envelope_uv, self.mvc.rest_uv, self.mvc.mvc_uv)
        return coactivation.normalised(self.envelope_uv, self.rest.mean_uv, self.reference_uv,
                                       min_span_uv=coactivation.MIN_WORK_SD * self.rest.sd_uv)

    def to_dict(self) -> dict:
        signal = not self.no_signal
        return {
            "name": self.spec.name,
            "muscle": self.spec.muscle,
            "side": self.spec.side,
            "rate_hz": self.rate_hz,
            "rms_uv": _r(self.rms_uv),
            "envelope_peak_uv": _r(self.envelope_peak_uv),
            "rest": self.rest.to_dict(),
            "onset_method": str(self.onset_method) if self.onset_method else None,
            "onsets_s": [_r(t, 4) for t in self.onsets_s] if signal else None,
            "offsets_s": [_r(t, 4) for t in self.offsets_s] if signal else None,
            "no_signal": self.no_signal or None,
            "quality": self.quality,
            "ecg": self.ecg,
            "filter": self.filter_note,
        }


@dataclass
class Analysis:
    """The whole report for one file."""

    file: str
    duration_s: float
    channels: list[ChannelResult]
    pairs: list[dict] = field(default_factory=list)
    reps: list[dict] | None = None  # scored reps, when the file holds drills (coach.session_analysis)
    calibration: str = ""  # how levels were normalised, when there are reps
    pairs_note: str = ""  # why no pairs were compared (many channels, no roles), "" otherwise
    read_as: str = ""  # how a text or vendor file was read (io readers' StreamInfo.extra["read_as"]), or ""
    excluded: list[tuple[float, float]] = field(default_factory=list)  # artifact stretches left out (s)
    excluded_reps: list[dict] = field(default_factory=list)  # reps overlapping them: not scored
    slings: dict[Sling, tuple[str, str]] = field(default_factory=dict)  # both slings: (lat, glute) channel names
    symmetry: SymmetrySummary | None = None  # both slings with reps: the reps' left-right symmetry

    @property
    def excluded_s(self) -> float:
        """Seconds of the recording left out as artifacts (within its length)."""
        return sum(max(0.0, min(b, self.duration_s) - max(a, 0.0)) for a, b in self.excluded)

    def to_dict(self) -> dict:
        d: dict = {
            "file": self.file,
            "duration_s": _r(self.duration_s, 3),
            "channels": [c.to_dict() for c in self.channels],
            "pairs": self.pairs,
            "excluded": [{"start_s": _r(a, 4), "end_s": _r(b, 4)} for a, b in self.excluded],
        }
        if self.excluded_reps:
            d["excluded_reps"] = self.excluded_reps
        if self.pairs_note:
            d["pairs_note"] = self.pairs_note
        if self.read_as:
            d["read_as"] = self.read_as
        if self.reps is not None:
            d["reps"] = self.reps
            d["calibration"] = self.calibration
        if self.slings:
            d["slings"] = {str(k): {"lat": lat, "glute": glute, "muscles": k.muscles_text}
                           for k, (lat, glute) in self.slings.items()}
        if self.symmetry is not None:
            d["symmetry"] = self.symmetry.to_dict()
        return d


def _r(x: float, digits: int = 2) -> float | None:
    """Round for the report; NaN/inf become None so the JSON stays valid."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def _stream_times(stream: RecordedStream) -> np.ndarray:
    """Session-clock time of each stored sample, skipping over gaps (lost samples keep their slots)."""
    rate = stream.info.rate_hz
    idx = np.arange(stream.n_samples, dtype=np.int64)
    for start, count in sorted(stream.gaps):
        idx[idx + stream.first_index >= start] += count
    return stream.t0 + idx / rate


Mains = float | None | Literal["auto"]

NOTCH_MAX_FRACTION = 0.475  # dsp.filters.Notch: a notch must sit below 0.95 x Nyquist = 0.475 x rate


def notch_per_stream(recording: Recording, mains: Mains) -> tuple[list[Mains], list[str]]:
    """The notch for each stream of `recording` (a setting per stream, as `analyze` takes it), and a note
    for each stream that goes without. A 50/60 Hz notch asked for at a rate where the line is at or near
    Nyquist cannot be built, and is not needed: the band-pass already ends below the line (0.45 x rate).
    That stream gets no notch and a one-line note naming the file, so one site-wide setting works on
    every file; "auto" and None apply to every stream as given."""
    settings: list[Mains] = []
    notes: list[str] = []
    for stream in recording.streams:
        rate = stream.info.rate_hz
        if isinstance(mains, float) and mains >= NOTCH_MAX_FRACTION * rate:
            notes.append(f"{recording.path}: no {mains:g} Hz notch at {rate:g} Hz: the line lies above the "
                         f"band-pass, which ends at {0.45 * rate:g} Hz (a notch needs a rate above "
                         f"{mains / NOTCH_MAX_FRACTION:.1f} Hz)")
            settings.append(None)
        else:
            settings.append(mains)
    return settings, notes


def rest_spans(markers: list[Marker]) -> tuple[RestSource, list[tuple[float, float]]]:
    """Where a recording says its muscles rest (session s): the calibration's rest steps, else the drills'
    set-up phases (each to the next phase marker), else nowhere (QUIET_WINDOWS, no spans)."""
    cal = [(m.time_s, float(m.payload.get("end_s", m.time_s))) for m in markers
           if m.kind == "calibration" and m.payload.get("step") == "rest"]
    if cal:
        return RestSource.CALIBRATION, cal
    phases = sorted((m for m in markers if m.kind == "phase"), key=lambda m: m.time_s)
    setup = [(m.time_s, nxt.time_s) for m, nxt in zip(phases, phases[1:]) if m.payload.get("phase") == "setup"]
    return (RestSource.SETUP, setup) if setup else (RestSource.QUIET_WINDOWS, [])


def channel_rest(onset_env: np.ndarray, times: np.ndarray, rate_hz: float,
                 spans: tuple[RestSource, list[tuple[float, float]]], band_hz: tuple[float, float] | None = None) -> ChannelRest:
    """A channel's rest on its onset envelope (µV): in the spans the recording names (their first 0.2 s,
    where a step's change of posture settles, left out), or found in the signal's quiet stretches
    (`band_hz`: the band-pass the envelope was made through)."""
    source, where = spans
    if where:
        sel = np.zeros(len(times), dtype=bool)
        for t0, t1 in where:
            sel |= (times >= t0 + 0.2) & (times < t1)
        x = onset_env[sel]
        x = x[np.isfinite(x)]
        if len(x) >= MIN_SETUP_REST_S * rate_hz:
            # its quiet part, as the live runner takes it: a muscle on for part of a set-up is not rest
            mean, sd = stretch_rest(x, rate_hz, band=band_hz)
            return ChannelRest(source, mean, sd, True)
    found = find_rest(onset_env, rate_hz, band=band_hz)
    return ChannelRest(RestSource.QUIET_WINDOWS, found.mean_uv, found.sd_uv, found.reliable)


def channel_onsets(onset_env: np.ndarray, rate_hz: float, rest: ChannelRest) -> tuple[list, OnsetMethod]:
    """Onset/offset events of a channel: on its rest when that is reliable, else on its burst level."""
    if rest.reliable:
        return detect_onsets(onset_env, rate_hz, rest.mean_uv, rest.sd_uv), OnsetMethod.REST_THRESHOLD
    levels = burst_levels(onset_env, rate_hz)
    k = onset_defaults(rate_hz)["k"]
    # the same detector with its threshold (mean + k SD) put at BURST_FRACTION of floor -> burst level
    sd = BURST_FRACTION * max(levels.burst_uv - levels.floor_uv, 0.0) / k
    if not sd > 0:
        return [], OnsetMethod.BURST_FRACTION
    return detect_onsets(onset_env, rate_hz, levels.floor_uv, sd), OnsetMethod.BURST_FRACTION


def _active_mask(events: list, n: int) -> np.ndarray:
    """True between each onset and its offset (or the end)."""
    active = np.zeros(n, dtype=bool)
    start = None
    for e in events:
        if e.kind == "onset" and start is None:
            start = e.index
        elif e.kind == "offset" and start is not None:
            active[start : e.index + 1] = True
            start = None
    if start is not None:
        active[start:] = True
    return active


def analyze_stream(
    stream: RecordedStream,
    base: PipelineConfig | None = None,
    mains: Mains = "auto",
    markers: list[Marker] | None = None,
    excluded: list[tuple[float, float]] | None = None,
) -> list[ChannelResult]:
    """Run the pipeline over one stream and measure every channel.

    mains: 50 or 60 Hz to notch, None for no notch, "auto" to detect it from the stream.
    markers: the recording's markers, where rest is taken from (calibration, set-up phases) if they say.
    excluded: stretches (session s) marked as artifacts: their signal is zeroed before the filters (its
    energy reaches no envelope) and their samples are left out of rest, levels, onsets and quality.
    """
    base = base or PipelineConfig()
    rate = stream.info.rate_hz
    raw = np.asarray(stream.data, dtype=np.float64)
    times = _stream_times(stream)
    if mains == "auto":
        mains = detect_mains_hz(raw, rate) if len(raw) >= rate else None
    spans = rest_spans(markers or [])
    mask = excluded_mask(times, excluded or [])
    if mask is not None:
        raw = raw.copy()
        raw[mask] = 0.0
    kept = raw if mask is None or (~mask).sum() < rate else raw[~mask]
    quality = assess_quality(kept, rate, mains_hz=mains)
    return [_analyze_channel(spec, raw[:, ch : ch + 1], times, rate, replace(base, mains_hz=mains, lowlag=False),
                             quality[ch], spans, mask)
            for ch, spec in enumerate(stream.info.channels)]


def excluded_mask(times: np.ndarray, excluded: list[tuple[float, float]]) -> np.ndarray | None:
    """True on the samples at `times` (s) inside any excluded stretch; None when none is."""
    mask = np.zeros(len(times), dtype=bool)
    for t0, t1 in excluded:
        mask |= (times >= t0) & (times <= t1)
    return mask if mask.any() else None


def _analyze_channel(spec: ChannelSpec, x: np.ndarray, times: np.ndarray, rate: float, cfg: PipelineConfig,
                     quality: QualityReport, spans: tuple[RestSource, list[tuple[float, float]]],
                     excluded: np.ndarray | None = None) -> ChannelResult:
    """One channel (x: (samples, 1), µV) through the pipeline `cfg`, measured: envelopes, rest, onsets,
    quality judged on its rest, the filter it went through."""
    ecg = detect_ecg(x[:, 0], rate)
    if ecg.contaminated and cfg.ecg_highpass_hz is None:  # 30 Hz, higher when the QRS is large/sharp
        cfg = replace(cfg, ecg_highpass_hz=max(ECG_HIGHPASS_HZ, ecg.highpass_hz or 0.0))
    pipe = Pipeline(rate, cfg)
    out = pipe.process(x)
    env = out.envelope[:, 0]
    onset_env = out.onset_envelope[:, 0]
    keep = np.ones(len(env), dtype=bool) if excluded is None else ~excluded
    rest = channel_rest(onset_env[keep], times[keep], rate, spans, pipe.band_hz)
    # quality judges noise in its quietest 0.5 s, which in walking always holds a burst's edge: where
    # rest was found (in shorter stretches) it is judged on that rest; where none was, not at all
    q = quality.with_rest_noise(rest.mean_uv / RECTIFIED_MEAN_PER_RMS) if rest.reliable else quality.without_rest()
    no_signal = "no signal: electrode off or sensor not touching the skin" if q.flatline else ""
    events, method = ([], None) if no_signal else channel_onsets(onset_env, rate, rest)
    if excluded is not None:  # nothing that starts or ends inside an artifact is a burst
        events = outside_excluded(events, excluded)
    onsets = [float(times[min(e.index, len(times) - 1)]) for e in events if e.kind == "onset"]
    offsets = [float(times[min(e.index, len(times) - 1)]) for e in events if e.kind == "offset"]
    note = f"band-pass {pipe.band_hz[0]:g}-{pipe.band_hz[1]:g} Hz"
    if pipe.notch_hz:
        note += f", notch {cfg.mains_hz:g} Hz x{len(pipe.notch_hz)}"
    if cfg.ecg_highpass_hz:
        note += " (low edge raised against ECG)"
    return ChannelResult(
        spec=spec,
        rate_hz=rate,
        times_s=times,
        envelope_uv=env,
        active=_active_mask(events, len(env)) & keep,
        rms_uv=float(np.sqrt(np.mean(out.filtered[keep, 0] ** 2))) if keep.any() else float("nan"),
        envelope_peak_uv=float(env[keep].max()) if keep.any() else float("nan"),
        onsets_s=onsets,
        offsets_s=offsets,
        quality=q.to_dict(),
        ecg={"contaminated": bool(ecg.contaminated), "heart_rate_bpm": _r(ecg.heart_rate_bpm or float("nan"), 1),
             "highpass_hz": cfg.ecg_highpass_hz if ecg.contaminated else None},
        filter_note=note,
        rest=rest,
        onset_envelope_uv=onset_env,
        onset_method=method,
        no_signal=no_signal,
        reference_uv=best_window_mean(np.where(keep, env, 0.0), rate),
        filtered_uv=out.filtered[:, 0],
        band_hz=pipe.band_hz,
        notch_hz=pipe.notch_hz,
        excluded=excluded,
    )


def outside_excluded(events: list, excluded: np.ndarray, offset: int = 0) -> list:
    """Onset/offset events (indices from `offset` into `excluded`) without the bursts that start inside
    an excluded stretch: such an onset takes its offset with it. A burst running into a stretch keeps
    its offset (its signal ends there: the stretch is zeroed)."""
    out: list = []
    skip_offset = False
    for e in events:
        inside = bool(excluded[min(offset + e.index, len(excluded) - 1)])
        if e.kind == "onset":
            skip_offset = inside
            if not inside:
                out.append(e)
        elif skip_offset:
            skip_offset = False
        else:
            out.append(e)
    return out


MAX_CHANNELS_ALL_PAIRS = 4  # beyond this, without sling roles, pairs only when asked (13 channels: 78 pairs)


def muscle_pairs(channels: list[ChannelResult]) -> list[tuple[int, int]]:
    """Which channel pairs to compare: lat with the opposite-side glute (the posterior oblique sling;
    with four sensors both slings, the left sling's first: `coach.slings.Sling`), in whatever order the
    file holds its streams; if the file names no such pair, every pair of up to
    MAX_CHANNELS_ALL_PAIRS channels, else none."""
    sling = [
        (i, j)
        for i, a in enumerate(channels)
        for j, b in enumerate(channels)
        if a.spec.muscle == "latissimus_dorsi"
        and b.spec.muscle == "gluteus_maximus"
        and {a.spec.side, b.spec.side} == {"left", "right"}
    ]
    if sling:
        return sorted(sling, key=lambda ij: channels[ij[0]].spec.side != "left")  # stable: file order within a side
    if len(channels) > MAX_CHANNELS_ALL_PAIRS:
        return []
    return list(itertools.combinations(range(len(channels)), 2))


def _channel_index(token: str, names: list[str]) -> int | None:
    """The channel a `--pairs` name stands for: its name (case-insensitive), else its index from 0."""
    t = token.strip()
    for i, n in enumerate(names):
        if n == t:
            return i
    for i, n in enumerate(names):
        if n.lower() == t.lower():
            return i
    if t.isdigit() and int(t) < len(names):
        return int(t)
    return None


def asked_pairs(text: str, names: list[str]) -> list[tuple[int, int]]:
    """The pairs `--pairs` names: 'all' (every pair), or 'A:B,C:D' by channel names (or indices from 0).
    A name holding ':' is found by trying each split. ValueError with one line when a pair is unknown."""
    if text.strip().lower() == "all":
        return list(itertools.combinations(range(len(names)), 2))
    out: list[tuple[int, int]] = []
    for item in (x for x in text.split(",") if x.strip()):
        parts = item.split(":")
        found = None
        for k in range(1, len(parts)):
            a, b = _channel_index(":".join(parts[:k]), names), _channel_index(":".join(parts[k:]), names)
            if a is not None and b is not None:
                found = (a, b)
                break
        if found is None:
            raise ValueError(f"--pairs {item.strip()!r}: give A:B with two channel names of the file "
                             f"({', '.join(names[:20])}{' ...' if len(names) > 20 else ''}), or all")
        if found[0] == found[1]:
            raise ValueError(f"--pairs {item.strip()!r}: a channel paired with itself")
        if found not in out:
            out.append(found)
    if not out:
        raise ValueError("--pairs: give all, or A:B,C:D with channel names")
    return out


def pair_basis(a: ChannelResult, b: ChannelResult) -> CciBasis:
    """%MVC when the recording calibrates both muscles, else each one's reference level."""
    return CciBasis.MVC if a.mvc is not None and b.mvc is not None else CciBasis.REFERENCE


def pair_metrics(a: ChannelResult, b: ChannelResult) -> dict:
    """Co-activation of b with a (a leads): the CCI and its level on normalised envelopes (`pair_basis`)
    over the samples where either is active (NaN when neither ever is), overlap, per-burst onset
    latency, xcorr lag. A channel without signal gives nulls and the reason."""
    basis = pair_basis(a, b)
    dead = [c for c in (a, b) if c.no_signal]
    if dead:
        reason = "; ".join(f"{c.spec.name}: {c.no_signal}" for c in dead)
        return {"a": a.spec.name, "b": b.spec.name, "cci": None, "cci_basis": str(basis), "coactivation_level_pct": None,
                "overlap_fraction": None, "onset_latency_ms": None, "median_onset_latency_ms": None,
                "xcorr_lag_ms": None, "xcorr_peak": None, "reason": reason}
    na, nb = a.normalised(basis), b.normalised(basis)
    if a.rate_hz == b.rate_hz and len(a.times_s) == len(b.times_s) and np.array_equal(a.times_s, b.times_s):
        ea, eb, aa, ab, rate = na, nb, a.active, b.active, a.rate_hz
    else:  # different sensors: put both envelopes on one common grid over their overlap
        t_lo = max(a.times_s[0], b.times_s[0])
        t_hi = min(a.times_s[-1], b.times_s[-1])
        grid = np.arange(t_lo, t_hi, 1.0 / PAIR_GRID_HZ)
        ea, eb = np.interp(grid, a.times_s, na), np.interp(grid, b.times_s, nb)
        aa = np.interp(grid, a.times_s, a.active.astype(float)) > 0.5
        ab = np.interp(grid, b.times_s, b.active.astype(float)) > 0.5
        rate = PAIR_GRID_HZ
    lag_ms, peak_r = coactivation.xcorr_peak(ea, eb, rate)
    latencies = coactivation.onset_latencies_ms(a.onsets_s, b.onsets_s)
    # over the time either muscle works: two resting noise floors are not co-activation
    index, level = coactivation.coactivation(ea, eb, aa | ab)
    return {
        "a": a.spec.name,
        "b": b.spec.name,
        "cci": _r(index, 3),
        "cci_basis": str(basis),
        "coactivation_level_pct": _r(level, 1),
        "overlap_fraction": _r(coactivation.overlap_fraction(aa, ab), 3),
        "onset_latency_ms": [_r(v, 1) for v in latencies],
        "median_onset_latency_ms": _r(float(np.median(latencies)) if latencies else float("nan"), 1),
        "xcorr_lag_ms": _r(lag_ms, 1),
        "xcorr_peak": _r(peak_r, 3),
    }


def with_sling(pair: dict, a: ChannelResult, b: ChannelResult) -> dict:
    """`pair` with the posterior oblique sling it is (`sling`: 'left' or 'right', named by the lat's side)
    when a is a lat and b the opposite glute; other pairs unchanged."""
    sling = Sling.of(a.spec.muscle, a.spec.side)
    if sling is not None and a.spec.muscle == LAT and Sling.of(b.spec.muscle, b.spec.side) is sling and b.spec.muscle == GLUTE:
        return {**pair, "sling": str(sling)}
    return pair


def attach_calibration(recording: Recording, channels: list[ChannelResult]) -> None:
    """Give each channel the recording's own calibration of its muscle: its rest and MVC efforts (step
    markers), else the first calibration it says was in force (an 'applied' marker), if any."""
    from emgcoach.coach.recorded_sets import calibration_in_force

    try:
        cal = from_recording_markers(
            "recording", recording.started_at or "1970-01-01T00:00:00",
            [(c.spec.muscle, c.spec.side, c.times_s, c.envelope_uv, c.rate_hz) for c in channels],
            recording.markers,
        )
    except CalibrationError:
        return  # reps say why (session_analysis); pairs fall back to the reference basis
    if cal is None:
        cal = calibration_in_force(recording.markers, -math.inf)
    if cal is not None:
        for c in channels:
            c.mvc = cal.get(c.spec.muscle, c.spec.side)


MIN_DURATION_S = 0.5  # shorter than a contraction: nothing to analyse (and no rest to measure against)


def check_rates(recording: Recording) -> None:
    """InputError naming the file when a stream's sample rate is too low for EMG analysis, or the
    recording is shorter than MIN_DURATION_S."""
    for s in recording.streams:
        if s.info.rate_hz < MIN_EMG_RATE_HZ:
            raise InputError(recording.path, f"stream {s.info.name!r}: sample rate {s.info.rate_hz:g} Hz is too low: "
                                             f"EMG analysis needs at least {MIN_EMG_RATE_HZ:g} Hz "
                                             "(its band runs from 20 Hz up to 0.45 x rate)")
    if recording.streams and recording.duration_s < MIN_DURATION_S:
        raise InputError(recording.path, f"only {recording.duration_s:.3g} s of signal: EMG analysis needs at "
                                         f"least {MIN_DURATION_S:g} s")


def analyze(recording: Recording, config: PipelineConfig | None = None, mains: Mains | list[Mains] = "auto",
            pairs: str | None = None, excluded: list[tuple[float, float]] | None = None) -> Analysis:
    """Analyse every stream of a recording and its muscle pairs across them (InputError below
    MIN_EMG_RATE_HZ). `mains` applies to every stream, or is a list with one setting per stream.
    pairs: None for `muscle_pairs`' choice, 'all', or 'A:B,C:D' by channel names (`asked_pairs`; an
    unknown name is an InputError naming the file). excluded: artifact stretches (s) to leave out, by
    default the recording's own (`Recording.excluded`, its sidecar's marks)."""
    check_rates(recording)
    excluded = sorted(recording.excluded if excluded is None else excluded)
    per_stream = mains if isinstance(mains, list) else [mains] * len(recording.streams)
    channels: list[ChannelResult] = []
    for stream, stream_mains in zip(recording.streams, per_stream):
        channels.extend(analyze_stream(stream, config, stream_mains, recording.markers, excluded))
    attach_calibration(recording, channels)
    note = ""
    if pairs is not None:
        try:
            chosen = asked_pairs(pairs, [c.spec.name for c in channels])
        except ValueError as e:
            raise InputError(recording.path, str(e)) from None
    else:
        chosen = muscle_pairs(channels)
        if not chosen and len(channels) > MAX_CHANNELS_ALL_PAIRS:
            n = len(channels) * (len(channels) - 1) // 2
            note = (f"{len(channels)} channels and no lat + opposite glute roles: no pairs compared ({n} possible); "
                    "ask with --pairs all or --pairs A:B,...")
    out = [with_sling(pair_metrics(channels[i], channels[j]), channels[i], channels[j]) for i, j in chosen]
    read_as = "; ".join(dict.fromkeys(s.info.extra["read_as"] for s in recording.streams if s.info.extra.get("read_as")))
    return Analysis(file=recording.path, duration_s=recording.duration_s, channels=channels, pairs=out, pairs_note=note,
                    read_as=read_as, excluded=excluded, slings=both_slings(channels, chosen))


def both_slings(channels: list[ChannelResult], chosen: list[tuple[int, int]]) -> dict[Sling, tuple[str, str]]:
    """With both slings among the compared pairs (four sensors: both lats, both glutes), each sling's
    (lat, glute) channel names, the first pair of each; else {} (one sling: the report as it always was)."""
    found: dict[Sling, tuple[str, str]] = {}
    for i, j in chosen:
        sling = with_sling({}, channels[i], channels[j]).get("sling")
        if sling is not None and Sling(sling) not in found:
            found[Sling(sling)] = (channels[i].spec.name, channels[j].spec.name)
    return dict(sorted(found.items())) if len(found) == 2 else {}
