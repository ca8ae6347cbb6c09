"""An analysis as plain text for a terminal (`emgcoach analyze` without --json): the file, each
channel's figures, each pair's co-activation and timing, and the reps with their verdicts."""

from __future__ import annotations

from emgcoach.analysis import BURST_FRACTION, ECG_HIGHPASS_HZ, Analysis, ChannelResult
from emgcoach.coach.slings import SI_FORMULA, RepSymmetry, Sling
from emgcoach.dsp.coactivation import CciBasis


def format_text(result: Analysis, reps_source: str = "") -> str:
    """Plain-text report for a terminal. `reps_source` says where the reps come from ('as scored live',
    're-scored with today's rules', 'scored now: ...'; `session_analysis.SessionReps.source_note`)."""
    lines = [f"{result.file}: {result.duration_s:.1f} s, {len(result.channels)} channel(s)"]
    if result.read_as:
        lines.append(f"read as {result.read_as}")
    if result.excluded:
        where = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in result.excluded)
        n = len(result.excluded_reps)
        lines.append(f"excluded as artifacts: {result.excluded_s:.1f} s ({where}); {n} rep{'s' if n != 1 else ''} not scored")
    lines.append("")
    for c in result.channels:
        lines += _channel_lines(c)
    if result.pairs_note:
        lines += ["", result.pairs_note]
    if result.slings:
        lines += ["", "Both slings (each lat paired with its opposite glute): " + "; ".join(
            f"{s.name_text.lower()} {lat} + {glute}" for s, (lat, glute) in result.slings.items())]
    for p in result.pairs:
        lines += _pair_lines(p, bool(result.slings))
    if result.reps is not None:
        lines += ["", f"Reps ({result.calibration}{'; ' + reps_source if reps_source else ''}):"]
        lines += [_rep_line(r) for r in result.reps]
        hits = sum(r["hit"] for r in result.reps)
        lines.append(f"  {hits} of {len(result.reps)} reps on target" if result.reps else "  no reps")
    if result.symmetry is not None:
        lines += ["", f"Left-right symmetry ({SI_FORMULA}):", f"  {result.symmetry.text()}"]
        lines += [_symmetry_line(r) for r in result.symmetry.reps]
    return "\n".join(lines)


def _symmetry_line(r: RepSymmetry) -> str:
    """One pair of reps: the k-th of each sling, its glute and lat SI and the latency difference."""
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:+.0f} %"

    lat = "-" if r.latency_diff_ms is None else f"{r.latency_diff_ms:+.0f} ms"
    return (f"  pair #{r.index + 1} ({r.left_start_s:.1f} s left, {r.right_start_s:.1f} s right; {r.unit}): "
            f"glute SI {pct(r.glute_si_pct)}, lat SI {pct(r.lat_si_pct)}, glute onset right - left {lat}")


def _channel_lines(c: ChannelResult) -> list[str]:
    """A channel: its rate and filters, RMS and peak, onsets, quality, ECG."""
    q = c.quality
    lines = [f"{c.spec.name} ({c.spec.label}, {c.rate_hz:g} Hz, {c.filter_note})",
             f"  RMS {c.rms_uv:.1f} µV, envelope peak {c.envelope_peak_uv:.1f} µV"]
    if c.no_signal:
        lines.append(f"  onsets: none ({c.no_signal})")
    else:
        if not c.rest.reliable:
            lines.append(f"  rest: not reliable (no stationary quiet stretch found): onsets at {BURST_FRACTION:.0%} of "
                         "the way from the envelope's floor to its bursts")
        onsets = ", ".join(f"{t:.2f}" for t in c.onsets_s[:12]) + (" ..." if len(c.onsets_s) > 12 else "")
        lines.append(f"  {len(c.onsets_s)} onsets, {len(c.offsets_s)} offsets (s): {onsets or '-'}")
    lines.append(f"  quality: {q.get('grade', '?')}" + "".join(f"; {m}" for m in q.get("flag_messages", [])))
    if c.ecg["contaminated"]:
        lines.append(f"  ECG contamination detected (~{c.ecg['heart_rate_bpm']} bpm): low edge raised to {c.ecg.get('highpass_hz') or ECG_HIGHPASS_HZ:g} Hz")
    return lines


def _pair_lines(p: dict, name_sling: bool = False) -> list[str]:
    """A pair: co-contraction index at its shared level, overlap, onset latency, cross-correlation
    (`name_sling`: headed by the sling it is, when the file holds both)."""
    sling = f" ({Sling(p['sling']).name_text.lower()}: {Sling(p['sling']).muscles_text})" if name_sling and p.get("sling") else ""
    lines = ["", f"{p['b']} after {p['a']}{sling}:"]
    if p.get("reason"):
        return lines + [f"  no co-activation figures: {p['reason']}"]
    lat = p["median_onset_latency_ms"]
    unit = "%MVC" if p["cci_basis"] == CciBasis.MVC else "% of each muscle's peak level"
    cci_text = "- (neither muscle active)" if p["cci"] is None else (
        f"{p['cci']} at a shared level of {p['coactivation_level_pct']} {unit}")
    lines.append(f"  co-contraction index {cci_text}, overlap {p['overlap_fraction']}")
    if lat is not None:
        n = len(p["onset_latency_ms"])
        lines.append(f"  onset latency median {lat:+.0f} ms over {n} burst{'s' if n != 1 else ''}")
    else:
        lines.append("  onset latency: no matched bursts")
    lines.append(f"  cross-correlation peak {p['xcorr_peak']} at {p['xcorr_lag_ms']:+.0f} ms")
    return lines


def _rep_line(r: dict) -> str:
    """A rep: drill and number, time, the partner's timing, levels, CCI, verdict."""
    partner = "lat" if r["lead"] == "glute" else "glute"
    if r.get("partner_already_on"):
        lat = f"{partner} already on"
    else:
        lat = "glute -" if r["onset_latency_ms"] is None else f"glute {r['onset_latency_ms']:+.0f} ms"
    pct = r["mean_pct_mvc"]
    level = f"lat {pct['lat']:.0f} %MVC, glute {pct['glute']:.0f} %MVC" if pct["lat"] is not None else (
        f"lat {r['mean_uv']['lat']:.0f} µV, glute {r['mean_uv']['glute']:.0f} µV")
    verdict = "hit" if r["hit"] else f"miss: {r['cue']}"
    cci = "-" if r["cci"] is None else f"{r['cci']:.2f}"
    sling = f" ({r['sling']} sling)" if r.get("sling") else ""
    return (f"  {r['drill']}{sling} #{r['index'] + 1} {r['start_s']:.1f}-{r['end_s']:.1f} s: {lat}, {level}, "
            f"CCI {cci}; {verdict}")
