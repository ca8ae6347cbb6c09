"""Headless analysis of a whole recording: the same DSP stages as live, run over the file in one pass.

Produces the report that `emgcoach analyze` prints (plain text or JSON). Amplitudes in µV, times in s
from the start of the recording, latencies in ms.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from emgcoach.dsp import coactivation
from emgcoach.errors import InputError
from emgcoach.dsp.ecg import detect_ecg
from emgcoach.dsp.filters import detect_mains_hz
from emgcoach.dsp.normalise import estimate_rest
from emgcoach.dsp.onset import detect_onsets
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.dsp.quality import assess_quality
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import MIN_EMG_RATE_HZ, ChannelSpec

ECG_HIGHPASS_HZ = 30.0  # low edge used on channels with QRS spikes (Drake & Callaghan 2006)
PAIR_GRID_HZ = 200.0  # common clock for envelopes of different streams (the envelope is < 10 Hz wide)


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

    def to_dict(self) -> dict:
        return {
            "name": self.spec.name,
            "muscle": self.spec.muscle,
            "side": self.spec.side,
            "rate_hz": self.rate_hz,
            "rms_uv": _r(self.rms_uv),
            "envelope_peak_uv": _r(self.envelope_peak_uv),
            "onsets_s": [_r(t, 4) for t in self.onsets_s],
            "offsets_s": [_r(t, 4) for t in self.offsets_s],
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

    def to_dict(self) -> dict:
        d = {
            "file": self.file,
            "duration_s": _r(self.duration_s, 3),
            "channels": [c.to_dict() for c in self.channels],
            "pairs": self.pairs,
        }
        if self.reps is not None:
            d["reps"] = self.reps
            d["calibration"] = self.calibration
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


def analyze_stream(
    stream: RecordedStream, base: PipelineConfig | None = None, mains: Mains = "auto"
) -> list[ChannelResult]:
    """Run the pipeline over one stream and measure every channel.

    mains: 50 or 60 Hz to notch, None for no notch, "auto" to detect it from the stream.
    """
    base = base or PipelineConfig()
    rate = stream.info.rate_hz
    raw = np.asarray(stream.data, dtype=np.float64)
    times = _stream_times(stream)
    if mains == "auto":
        mains = detect_mains_hz(raw, rate) if len(raw) >= rate else None
    results: list[ChannelResult] = []
    quality = assess_quality(raw, rate, mains_hz=mains)
    for ch, spec in enumerate(stream.info.channels):
        x = raw[:, ch : ch + 1]
        ecg = detect_ecg(x[:, 0], rate)
        cfg = replace(base, mains_hz=mains, lowlag=False)
        if ecg.contaminated and cfg.ecg_highpass_hz is None:  # 30 Hz, higher when the QRS is large/sharp
            cfg = replace(cfg, ecg_highpass_hz=max(ECG_HIGHPASS_HZ, ecg.highpass_hz or 0.0))
        pipe = Pipeline(rate, cfg)
        out = pipe.process(x)
        env = out.envelope[:, 0]
        onset_env = out.onset_envelope[:, 0]
        rest = estimate_rest(onset_env, rate)
        events = detect_onsets(onset_env, rate, rest.mean_uv, rest.sd_uv)
        onsets = [float(times[min(e.index, len(times) - 1)]) for e in events if e.kind == "onset"]
        offsets = [float(times[min(e.index, len(times) - 1)]) for e in events if e.kind == "offset"]
        active = np.zeros(len(env), dtype=bool)  # between each onset and its offset (or the end)
        start = None
        for e in events:
            if e.kind == "onset" and start is None:
                start = e.index
            elif e.kind == "offset" and start is not None:
                active[start : e.index + 1] = True
                start = None
        if start is not None:
            active[start:] = True
        note = f"band-pass {pipe.band_hz[0]:g}-{pipe.band_hz[1]:g} Hz"
        if pipe.notch_hz:
            note += f", notch {mains:g} Hz x{len(pipe.notch_hz)}"
        if cfg.ecg_highpass_hz:
            note += " (low edge raised against ECG)"
        results.append(
            ChannelResult(
                spec=spec,
                rate_hz=rate,
                times_s=times,
                envelope_uv=env,
                active=active,
                rms_uv=float(np.sqrt(np.mean(out.filtered[:, 0] ** 2))) if len(x) else float("nan"),
                envelope_peak_uv=float(env.max()) if len(env) else float("nan"),
                onsets_s=onsets,
                offsets_s=offsets,
                quality=quality[ch].to_dict(),
                ecg={"contaminated": bool(ecg.contaminated), "heart_rate_bpm": _r(ecg.heart_rate_bpm or float("nan"), 1),
                     "highpass_hz": cfg.ecg_highpass_hz if ecg.contaminated else None},
                filter_note=note,
            )
        )
    return results


def muscle_pairs(channels: list[ChannelResult]) -> list[tuple[int, int]]:
    """Which channel pairs to compare: lat with the opposite-side glute (the posterior oblique sling);
    if the file names no such pair, every pair of channels."""
    sling = [
        (i, j)
        for i, a in enumerate(channels)
        for j, b in enumerate(channels)
        if a.spec.muscle == "latissimus_dorsi"
        and b.spec.muscle == "gluteus_maximus"
        and {a.spec.side, b.spec.side} == {"left", "right"}
    ]
    return sling or list(itertools.combinations(range(len(channels)), 2))


def pair_metrics(a: ChannelResult, b: ChannelResult) -> dict:
    """Co-activation of b with a (a leads): CCI over the samples where either is active (NaN when neither
    ever is), overlap, per-burst onset latency, xcorr lag."""
    if a.rate_hz == b.rate_hz and len(a.times_s) == len(b.times_s) and np.array_equal(a.times_s, b.times_s):
        ea, eb, aa, ab, rate = a.envelope_uv, b.envelope_uv, a.active, b.active, a.rate_hz
    else:  # different sensors: put both envelopes on one common grid over their overlap
        t_lo = max(a.times_s[0], b.times_s[0])
        t_hi = min(a.times_s[-1], b.times_s[-1])
        grid = np.arange(t_lo, t_hi, 1.0 / PAIR_GRID_HZ)
        ea, eb = np.interp(grid, a.times_s, a.envelope_uv), np.interp(grid, b.times_s, b.envelope_uv)
        aa = np.interp(grid, a.times_s, a.active.astype(float)) > 0.5
        ab = np.interp(grid, b.times_s, b.active.astype(float)) > 0.5
        rate = PAIR_GRID_HZ
    lag_ms, peak_r = coactivation.xcorr_peak(ea, eb, rate)
    latencies = coactivation.onset_latencies_ms(a.onsets_s, b.onsets_s)
    either = aa | ab  # CCI over the time either muscle works: two resting noise floors are not co-activation
    index = coactivation.cci(ea, eb, either) if either.any() else float("nan")
    return {
        "a": a.spec.name,
        "b": b.spec.name,
        "cci": _r(index, 3),
        "overlap_fraction": _r(coactivation.overlap_fraction(aa, ab), 3),
        "onset_latency_ms": [_r(v, 1) for v in latencies],
        "median_onset_latency_ms": _r(float(np.median(latencies)) if latencies else float("nan"), 1),
        "xcorr_lag_ms": _r(lag_ms, 1),
        "xcorr_peak": _r(peak_r, 3),
    }




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


def analyze(recording: Recording, config: PipelineConfig | None = None, mains: Mains = "auto") -> Analysis:
    """Analyse every stream of a recording and every muscle pair across them (InputError below
    MIN_EMG_RATE_HZ)."""
    check_rates(recording)
    channels: list[ChannelResult] = []
    for stream in recording.streams:
        channels.extend(analyze_stream(stream, config, mains))
    pairs = [pair_metrics(channels[i], channels[j]) for i, j in muscle_pairs(channels)]
    return Analysis(file=recording.path, duration_s=recording.duration_s, channels=channels, pairs=pairs)


def format_text(result: Analysis) -> str:
    """Plain-text report for a terminal."""
    lines = [f"{result.file}: {result.duration_s:.1f} s, {len(result.channels)} channel(s)", ""]
    for c in result.channels:
        q = c.quality
        lines.append(f"{c.spec.name} ({c.spec.label}, {c.rate_hz:g} Hz, {c.filter_note})")
        lines.append(f"  RMS {c.rms_uv:.1f} µV, envelope peak {c.envelope_peak_uv:.1f} µV")
        onsets = ", ".join(f"{t:.2f}" for t in c.onsets_s[:12]) + (" ..." if len(c.onsets_s) > 12 else "")
        lines.append(f"  {len(c.onsets_s)} onsets, {len(c.offsets_s)} offsets (s): {onsets or '-'}")
        lines.append(f"  quality: {q.get('grade', '?')}" + "".join(f"; {m}" for m in q.get("flag_messages", [])))
        if c.ecg["contaminated"]:
            lines.append(f"  ECG contamination detected (~{c.ecg['heart_rate_bpm']} bpm): low edge raised to {c.ecg.get('highpass_hz') or ECG_HIGHPASS_HZ:g} Hz")
    for p in result.pairs:
        lines.append("")
        lat = p["median_onset_latency_ms"]
        lines.append(f"{p['b']} after {p['a']}:")
        cci_text = "- (neither muscle active)" if p["cci"] is None else p["cci"]
        lines.append(f"  co-contraction index {cci_text}, overlap {p['overlap_fraction']}")
        if lat is not None:
            lines.append(f"  onset latency median {lat:+.0f} ms over {len(p['onset_latency_ms'])} bursts")
        else:
            lines.append("  onset latency: no matched bursts")
        lines.append(f"  cross-correlation peak {p['xcorr_peak']} at {p['xcorr_lag_ms']:+.0f} ms")
    if result.reps is not None:
        lines += ["", f"Reps ({result.calibration}):"]
        for r in result.reps:
            lat = "-" if r["onset_latency_ms"] is None else f"{r['onset_latency_ms']:+.0f} ms"
            pct = r["mean_pct_mvc"]
            level = f"lat {pct['lat']:.0f} %MVC, glute {pct['glute']:.0f} %MVC" if pct["lat"] is not None else (
                f"lat {r['mean_uv']['lat']:.0f} µV, glute {r['mean_uv']['glute']:.0f} µV")
            verdict = "hit" if r["hit"] else f"miss: {r['cue']}"
            lines.append(f"  {r['drill']} #{r['index'] + 1} {r['start_s']:.1f}-{r['end_s']:.1f} s: glute {lat}, {level}, "
                         f"CCI {r['cci']:.2f}; {verdict}")
        hits = sum(r["hit"] for r in result.reps)
        lines.append(f"  {hits} of {len(result.reps)} reps on target")
    return "\n".join(lines)
