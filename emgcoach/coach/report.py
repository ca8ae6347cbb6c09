"""The session report: one printable page, as HTML and as PDF, for a therapist to show a client.

It holds who and when (pseudonym only), the drills, the envelopes of lat and glute over the session with
each rep shaded (green on target, amber missed) and the target band, a table of the reps (glute onset
latency ms, levels %MVC or µV, CCI, time in target, each muscle's median frequency, the cue), how many
reps hit, each set's fatigue line (its MDF slope per muscle and the verdict, `coach.fatigue`), where the
reps come from (as scored live, re-scored with today's rules, or scored now), and notes. A set that was not recorded
gets the same page from its scores alone, saying there is no trace (`write_set_report`).
Drawn with matplotlib (Agg, no display); the HTML embeds the same figure as SVG, so it is one file. The
table's long cues and headers wrap within their columns, in both.
"""

from __future__ import annotations

import html
import io
import logging
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from emgcoach.analysis import Analysis
from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import Drill, get_drill, load_library
from emgcoach.coach.fatigue import set_fatigue
from emgcoach.coach.recorded_sets import RepSource, is_verdict, on_file_clock
from emgcoach.coach.scoring import GLUTE, LAT, RepScore
from emgcoach.coach.session_analysis import SessionReps, SetSummary
from emgcoach.coach.slings import Sling
from emgcoach.io.private import private_file

if TYPE_CHECKING:  # matplotlib loads on the first figure drawn, not on import
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from emgcoach.analysis import ChannelResult
    from emgcoach.io.recording import Recording

logger = logging.getLogger(__name__)

GREEN = "#43a047"
AMBER = "#ffa726"
LAT_COLOUR = "#1e88e5"
GLUTE_COLOUR = "#d81b60"


@dataclass(frozen=True)
class ReportData:
    """Everything on the page."""

    person: str
    when: str
    recording: str | None  # None: the set was not recorded (no trace)
    analysis: Analysis | None  # the recording's analysis, for the trace; None without a recording
    scored: SessionReps
    notes: str = ""
    started_at: str | None = None  # the session's start, ISO local time to the s, for the history
    no_trace: str = "No recording of this set: no trace"  # said in the plot's place when there is none
    excluded_note: str = ""  # a set coached in a replay: the artifact marks it left reps out for (words)

    @property
    def reps(self) -> list[RepScore]:
        return self.scored.reps

    @property
    def calibrated(self) -> bool:
        return bool(self.reps) and all(r.calibrated for r in self.reps)

    @property
    def unit(self) -> str:
        """The table's unit: what the reps were scored in."""
        return "%MVC" if self.calibrated else "µV"

    @property
    def plot_in_pct(self) -> bool:
        """Whether the envelopes can be drawn in %MVC: calibrated reps and the calibration at hand (a
        recording of calibrated live verdicts may not hold the calibration: then the plot is in µV)."""
        return self.calibrated and self.scored.calibration is not None

    @property
    def source_line(self) -> str:
        """Where the reps come from, in words ('as scored live', 're-scored with today's rules', ...)."""
        return f"Reps {self.scored.source_note}"

    @property
    def excluded_line(self) -> str:
        """The stretches left out as artifacts and the reps they took out, in words ('' when none)."""
        a = self.analysis
        if self.excluded_note or a is None or not a.excluded:  # a replayed set's own, or none
            return self.excluded_note
        return excluded_words(a.excluded, a.excluded_s, len(a.excluded_reps))

    def fatigue_lines(self) -> list[str]:
        """Both slings: their symmetry first; each set's fatigue verdict with its muscles' MDF slopes (%/rep),
        one line a set."""
        symmetry = self.scored.symmetry()
        return ([f"Symmetry: {symmetry.text()}"] if symmetry is not None else []) + self.scored.fatigue_lines()

    def summary(self) -> str:
        hits = sum(r.hit for r in self.reps)
        lat = [shown_latency_ms(r.onset_latency_ms) for r in self.reps if r.onset_latency_ms is not None]
        s = f"{hits} of {len(self.reps)} reps on target"
        per = [(sl, [r for r in self.reps if r.sling is sl]) for sl in Sling if sl in self.scored.by_sling]
        if per:  # both slings: the rep column's L and R
            s += " (" + ", ".join(f"{sl.value} {sum(r.hit for r in mine)} of {len(mine)}" for sl, mine in per) + ")"
        if lat:
            s += f"; glute onset {latency_text(float(np.median(lat)))} ms after the lat (median)"
        return s


def shown_latency_ms(ms: float) -> float:
    """A latency as `analyze` shows it: RepScore.to_dict() keeps 3 decimals, and that value is what is
    rounded for print. Latencies are whole samples apart (0.5 ms at 2 kHz), so many sit on a half ms
    where the float's last bit (86.49999... or 86.50000...1) would otherwise decide the shown ms."""
    return round(float(ms), 3)


def latency_text(ms: float | None) -> str:
    """'+86' for 86.5 ms, exactly as `analyze` prints the same rep ('-' when there is none)."""
    return "-" if ms is None or not np.isfinite(ms) else f"{shown_latency_ms(ms):+.0f}"


def _channel(analysis: Analysis, muscle: str) -> ChannelResult | None:
    for c in analysis.channels:
        if c.spec.muscle == muscle:
            return c
    return None


def _figure(data: ReportData, width_in: float = 7.5, height_in: float = 3.2) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    assert data.analysis is not None
    cal = data.scored.calibration if data.plot_in_pct else None
    t_lo = min((r.start_s for r in data.reps), default=0.0) - 3.0
    t_hi = max((r.end_s for r in data.reps), default=data.analysis.duration_s) + 3.0
    for muscle, colour, label in ((LAT, LAT_COLOUR, "lat"), (GLUTE, GLUTE_COLOUR, "glute")):
        c = _channel(data.analysis, muscle)
        if c is None:
            continue
        sel = (c.times_s >= t_lo) & (c.times_s <= t_hi)
        t, e = c.times_s[sel], c.envelope_uv[sel]
        step = max(1, len(t) // 4000)
        m = cal.get(muscle, c.spec.side) if cal is not None else None
        y = np.asarray(m.pct_mvc(e)) if m is not None else e
        ax.plot(t[::step], y[::step], color=colour, lw=1.0, label=f"{label} {c.spec.side}")
    for r in data.reps:
        ax.axvspan(r.start_s, r.end_s, color=GREEN if r.hit else AMBER, alpha=0.25, lw=0)
        ax.text((r.start_s + r.end_s) / 2, 1.0, str(r.index + 1), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=7)
    for t0, t1 in data.analysis.excluded:  # artifact stretches, left out of the figures
        ax.axvspan(t0, t1, color="#9e9e9e", alpha=0.35, lw=0, hatch="//")
    if data.plot_in_pct and data.scored.drills:
        targets = data.scored.drills[0][0].targets
        ax.axhspan(targets.lat_lo, targets.lat_hi, color=LAT_COLOUR, alpha=0.07, lw=0)
        ax.axhline(targets.glute_min, color=GLUTE_COLOUR, lw=0.8, ls="--")
    ax.set_xlim(t_lo, t_hi)
    ax.set_xlabel("time in recording (s)")
    ax.set_ylabel(f"envelope ({'%MVC' if data.plot_in_pct else 'µV'})")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.06), ncol=2, fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _row(r: RepScore) -> list[str]:
    # a partner already on has no latency: say so rather than show the '-' of one that never fired
    lat = f"{'glute' if r.lead == 'lat' else 'lat'} already on" if r.partner_already_on else latency_text(r.onset_latency_ms)
    lv = r.mean_pct_mvc if r.calibrated else r.mean_uv
    fmt = (lambda v: "-" if v is None or not np.isfinite(v) else f"{v:.0f}")
    cci = "-" if r.cci is None or not np.isfinite(r.cci) else f"{r.cci:.2f}"
    mdf = f"{fmt(r.median_freq_hz.get('lat'))}/{fmt(r.median_freq_hz.get('glute'))}"
    rep = str(r.index + 1) + ("" if r.sling is None else f" {r.sling.value[0].upper()}")  # '3 L': its sling
    return [rep, f"{r.start_s:.1f}", lat, fmt(lv["lat"]), fmt(lv["glute"]), cci,
            f"{100 * r.time_in_target:.0f} %", mdf, "yes" if r.hit else "no", r.cue or "-"]


# MDF: each muscle's median frequency over its active part of the rep (Hz), lat/glute: its fall over the
# set is the fatigue line under the summary
HEADER = ["rep", "start s", "glute lag ms", "lat", "glute", "CCI", "in target", "MDF Hz lat/glute", "hit", "cue"]
HIT_COLUMN = HEADER.index("hit")
# PDF column widths (pt, of the 524 pt between the page's margins): the figures' columns just fit their
# headers wrapped onto two lines ('glute' over '%MVC'); the cue takes the rest and wraps
PDF_COLUMNS_PT = (22.0, 34.0, 46.0, 34.0, 36.0, 28.0, 38.0, 44.0, 22.0)
PDF_FONT_PT = 7.0
PDF_PAD_PT = 2.5  # inside each cell, each side
PDF_LINE = 1.25  # line height in font sizes
NOTES_LINES = 5  # lines of notes the PDF page has room for


def header_labels(unit: str) -> list[str]:
    """The table's column titles, the level columns with their unit ('glute %MVC')."""
    return [h if h not in ("lat", "glute") else f"{h} {unit}" for h in HEADER]


@lru_cache(maxsize=4096)
def text_width_pt(text: str, size_pt: float = PDF_FONT_PT, bold: bool = False) -> float:
    """Width of `text` set in matplotlib's default sans at `size_pt` (pt), as the PDF will draw it."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=size_pt, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def wrap_to_width(text: str, width_pt: float, size_pt: float = PDF_FONT_PT, bold: bool = False) -> list[str]:
    """`text` broken into lines no wider than `width_pt` (pt): at spaces, and inside a word only when the
    word alone is wider than the column. Nothing is cut."""
    lines: list[str] = []
    for word in text.split() or [""]:
        pieces = [word]
        if text_width_pt(word, size_pt, bold) > width_pt:  # split a long word where it must
            pieces, part = [], ""
            for ch in word:
                if part and text_width_pt(part + ch, size_pt, bold) > width_pt:
                    pieces.append(part)
                    part = ""
                part += ch
            pieces.append(part)
        for piece in pieces:
            candidate = f"{lines[-1]} {piece}" if lines else piece
            if lines and piece is pieces[0] and text_width_pt(candidate, size_pt, bold) <= width_pt:
                lines[-1] = candidate
            else:
                lines.append(piece)
    return lines


def write_html(data: ReportData, path: Path) -> Path:
    """The report as one self-contained HTML page (the figure inline as SVG, or the line saying there is
    no trace), sized for A4 printing. Long cues and headers wrap within their columns."""
    if data.analysis is not None:
        buf = io.StringIO()
        _figure(data).savefig(buf, format="svg")
        svg = buf.getvalue()
        trace = svg[svg.index("<svg") :]
    else:
        trace = f'<p class="notrace">{html.escape(data.no_trace)}</p>'
    drills = ", ".join(d.name for d, _, _ in data.scored.drills)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header_labels(data.unit))
    rows = "".join(
        f"<tr class=\"{'hit' if r.hit else 'miss'}\">" + "".join(f"<td>{html.escape(c)}</td>" for c in _row(r)) + "</tr>"
        for r in data.reps
    )
    notes = html.escape(data.notes) if data.notes else "-"
    recording = f"recording {Path(data.recording).name}" if data.recording else "not recorded"
    widths = "".join(f'<col style="width:{w}">' for w in ("5%", "7%", "10%", "8%", "8%", "6%", "8%", "10%", "5%", "33%"))
    fatigue = "".join(f'<div class="fatigue">{html.escape(line)}</div>' for line in data.fatigue_lines())
    if data.excluded_line:
        fatigue += f'<div class="fatigue">{html.escape(data.excluded_line)}</div>'
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>emgcoach session report: {html.escape(data.person)}</title>
<style>
@page {{ size: A4; margin: 14mm; }}
body {{ font-family: sans-serif; font-size: 10pt; color: #222; max-width: 190mm; margin: auto; }}
h1 {{ font-size: 15pt; margin: 0 0 2mm; }}
.meta {{ color: #555; margin-bottom: 3mm; }}
.summary {{ font-size: 12pt; font-weight: bold; margin: 2mm 0; }}
.fatigue {{ margin: 0 0 2mm; }}
.notrace {{ border: 1px dashed #bbb; color: #555; padding: 8mm; text-align: center; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; table-layout: fixed; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 1mm 1.5mm; text-align: left; vertical-align: top;
          white-space: normal; overflow-wrap: anywhere; }}
th {{ vertical-align: bottom; }}
tr.hit td:nth-child({HIT_COLUMN + 1}) {{ color: {GREEN}; font-weight: bold; }}
tr.miss td:nth-child({HIT_COLUMN + 1}) {{ color: #e65100; font-weight: bold; }}
svg {{ width: 100%; height: auto; }}
</style></head><body>
<h1>Posterior oblique sling session: {html.escape(drills)}</h1>
<div class="meta">Client {html.escape(data.person)} &middot; {html.escape(data.when)} &middot; {html.escape(recording)}
&middot; {html.escape(data.scored.calibration_note)} &middot; {html.escape(data.source_line)}</div>
<div class="summary">{html.escape(data.summary())}</div>
{fatigue}
{trace}
<table><colgroup>{widths}</colgroup><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<h2 style="font-size:11pt">Notes</h2><p>{notes}</p>
<p class="meta">Made by emgcoach on {datetime.now():%Y-%m-%d %H:%M}. Targets per drill are in the drill library.</p>
</body></html>
"""
    with private_file(path) as f:
        f.write(page.encode("utf-8"))
    return path


def write_pdf(data: ReportData, path: Path) -> Path:
    """The same page as a one-page A4 PDF."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.27, 11.69), dpi=100)  # A4 portrait
    drills = ", ".join(d.name for d, _, _ in data.scored.drills)
    recording = f"recording {Path(data.recording).name}" if data.recording else "not recorded"
    title = f"Posterior oblique sling session: {drills}"
    room_pt = 0.88 * fig.get_figwidth() * 72.0
    size = 13.0  # a long drill name (or several drills) is set smaller to stay within the margins
    while size > 8.0 and text_width_pt(title, size, bold=True) > room_pt:
        size -= 0.5
    fig.text(0.06, 0.965, title, fontsize=size, weight="bold", va="top")
    fig.text(0.06, 0.94, f"Client {data.person} · {data.when} · {recording}", fontsize=8.5, color="#555", va="top")
    fig.text(0.06, 0.925, f"{data.scored.calibration_note} · {data.source_line}", fontsize=8.5, color="#555", va="top")
    fig.text(0.06, 0.90, data.summary(), fontsize=11, weight="bold", va="top")
    _pdf_fatigue(fig, data, top=0.882)
    if data.excluded_line:
        fig.text(0.06, 0.545, data.excluded_line, fontsize=8, color="#555", va="top")
    if data.analysis is not None:  # the envelope plot, drawn by the same code as the HTML's
        plot = _figure(data)
        buf = io.BytesIO()
        plot.savefig(buf, format="png", dpi=200)
        buf.seek(0)
        import matplotlib.image as mpimg

        ax_img = fig.add_axes((0.04, 0.55, 0.92, 0.31))
        ax_img.imshow(mpimg.imread(buf))
        ax_img.axis("off")
    else:
        from matplotlib.patches import Rectangle

        fig.add_artist(Rectangle((0.06, 0.60), 0.88, 0.24, fill=False, ec="#bbbbbb", ls="--", lw=0.8))
        fig.text(0.5, 0.72, data.no_trace, ha="center", va="center", fontsize=11, color="#555")
    shown = _pdf_table(fig, data, top=0.535, bottom=0.15)
    if shown < len(data.reps):
        fig.text(0.06, 0.135, f"(first {shown} of {len(data.reps)} reps shown; the HTML report lists all)", fontsize=7, color="#555")
    fig.text(0.06, 0.11, "Notes", fontsize=10, weight="bold", va="top")
    lines = textwrap.wrap(data.notes, 110) or ["-"]
    if len(lines) > NOTES_LINES:  # the page has room for this many; the HTML report has them all
        lines = [*lines[: NOTES_LINES - 1], lines[NOTES_LINES - 1][:90] + " ... (all of it in the HTML report)"]
    notes = "\n".join(lines)
    fig.text(0.06, 0.09, notes, fontsize=9, va="top")
    fig.text(0.06, 0.02, f"Made by emgcoach on {datetime.now():%Y-%m-%d %H:%M}.", fontsize=7, color="#777")
    with private_file(path) as f:
        fig.savefig(f, format="pdf")
    return path


FATIGUE_LINES = 2  # sets' fatigue lines the PDF has room for under the summary (the HTML has them all)


def _pdf_fatigue(fig: Figure, data: ReportData, top: float) -> None:
    """The sets' fatigue lines under the summary, each wrapped to the page's width, at most FATIGUE_LINES."""
    room_pt = 0.88 * fig.get_figwidth() * 72.0
    lines = [part for line in data.fatigue_lines() for part in wrap_to_width(line, room_pt, size_pt=8.0)]
    symmetry = data.scored.symmetry()  # both slings: their symmetry line too, above the fatigue lines
    room = FATIGUE_LINES + (len(wrap_to_width(f"Symmetry: {symmetry.text()}", room_pt, size_pt=8.0)) if symmetry else 0)
    if len(lines) > room:
        lines = [*lines[: room - 1], "... (every set's fatigue line in the HTML report)"]
    if lines:
        fig.text(0.06, top, "\n".join(lines), fontsize=8.0, va="top", linespacing=1.3)


def _pdf_table(fig: Figure, data: ReportData, top: float, bottom: float, left: float = 0.06, right: float = 0.94) -> int:
    """Draw the reps' table on `fig` between `top` and `bottom` (figure fractions): every cell wrapped
    within its column (headers too), rows as tall as their longest cell. Returns how many reps fit."""
    page_w_pt, page_h_pt = fig.get_figwidth() * 72.0, fig.get_figheight() * 72.0
    total_pt = (right - left) * page_w_pt
    widths = [*PDF_COLUMNS_PT, total_pt - sum(PDF_COLUMNS_PT)]
    xs = np.concatenate([[0.0], np.cumsum(widths)])
    line_pt = PDF_FONT_PT * PDF_LINE

    def wrapped(cells: list[str], bold: bool) -> list[list[str]]:
        return [wrap_to_width(c, w - 2 * PDF_PAD_PT, bold=bold) for c, w in zip(cells, widths, strict=True)]

    def draw(cells: list[list[str]], y_pt: float, bold: bool, colours: dict[int, str]) -> float:
        height = max(len(c) for c in cells) * line_pt + 2 * PDF_PAD_PT
        for i, lines in enumerate(cells):
            fig.text(left + (xs[i] + PDF_PAD_PT) / page_w_pt, (y_pt - PDF_PAD_PT) / page_h_pt, "\n".join(lines),
                     fontsize=PDF_FONT_PT, va="top", ha="left", linespacing=PDF_LINE,
                     weight="bold" if bold or i in colours else "normal", color=colours.get(i, "#222222"))
        y_end = (y_pt - height) / page_h_pt
        fig.add_artist(matplotlib_line(left, right, y_end, 0.6 if bold else 0.3))
        return y_pt - height

    if not data.reps:
        return 0
    y = top * page_h_pt
    y = draw(wrapped(header_labels(data.unit), True), y, True, {})
    shown = 0
    for r in data.reps:
        cells = wrapped(_row(r), False)
        if y - (max(len(c) for c in cells) * line_pt + 2 * PDF_PAD_PT) < bottom * page_h_pt:
            break
        y = draw(cells, y, False, {HIT_COLUMN: GREEN if r.hit else "#e65100"})
        shown += 1
    return shown


def matplotlib_line(x0: float, x1: float, y: float, width: float) -> Line2D:
    """A horizontal rule across the table at figure height y."""
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], lw=width, color="#bbbbbb")


def excluded_words(stretches: list[tuple[float, float]], seconds: float, n: int, which: list[int] | None = None) -> str:
    """'Excluded as artifacts: 4.0-5.0 s (1.0 s; 1 rep not scored)', ': rep 3' added with `which` (1-based)."""
    where = ", ".join(f"{t0:.1f}-{t1:.1f} s" for t0, t1 in stretches)
    named = f": rep{'s' if len(which) > 1 else ''} {', '.join(map(str, which))}" if which else ""
    return f"Excluded as artifacts: {where} ({seconds:.1f} s; {n} rep{'s' if n != 1 else ''} not scored{named})"


def report_data(
    path: str | Path,
    person: str = "",
    notes: str = "",
    drill_id: str | None = None,
    library: dict | None = None,
    calibration: Calibration | None = None,
    rescore: bool = False,
) -> ReportData:
    """Analyse a recording and take its reps, writing nothing: each set's live verdicts when the file
    holds them, else (or with `rescore`) scored now (`session_analysis.session_reps`). EmgcoachError
    (one line) when it holds no reps."""
    from emgcoach.analysis import analyze
    from emgcoach.coach.session_analysis import apply_exclusions, session_reps
    from emgcoach.errors import EmgcoachError
    from emgcoach.io.open import read_recording

    recording = read_recording(path)
    result = analyze(recording)
    scored = session_reps(recording, result, drill_id=drill_id, library=library, calibration=calibration,
                          rescore=rescore)
    if scored is not None:  # reps across an artifact mark are not scored (listed as excluded)
        scored = apply_exclusions(result, scored, recording)
    if scored is None or not scored.reps:
        raise EmgcoachError(f"{path}: no drill reps found (name the drill with --drill)")
    return ReportData(person or "unnamed", recording_start(recording), str(path), result, scored, notes,
                      recording.started_at or _mtime(recording.path).isoformat(timespec="seconds"))


def _mtime(path: str) -> datetime:
    return datetime.fromtimestamp(Path(path).stat().st_mtime)


def recording_start(recording: Recording) -> str:
    """When the session was recorded, 'YYYY-MM-DD HH:MM' local time: the file's own start (XDF header, EDF
    start date) when it states one, else the file's modification time (which is when it ended)."""
    if recording.started_at:
        try:
            return datetime.fromisoformat(recording.started_at).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            pass
    return _mtime(recording.path).strftime("%Y-%m-%d %H:%M")


def report_recording(
    path: str | Path,
    out_base: Path,
    person: str = "",
    notes: str = "",
    drill_id: str | None = None,
    library: dict | None = None,
    calibration: Calibration | None = None,
    rescore: bool = False,
) -> tuple[Path, Path, ReportData]:
    """Analyse a recording, take its reps (as scored live where the file holds the verdicts; with
    `rescore`, scored again with today's rules) and write OUT.html and OUT.pdf; EmgcoachError (one line)
    when it cannot (no reps, unwritable folder)."""
    data = report_data(path, person, notes, drill_id, library, calibration, rescore)
    html_path, pdf_path = write_report_checked(data, out_base)
    return html_path, pdf_path, data


def write_report_checked(data: ReportData, out_base: Path) -> tuple[Path, Path]:
    """`write_report`, with an unwritable place as one line (EmgcoachError)."""
    from emgcoach.errors import EmgcoachError

    try:
        return write_report(data, out_base)
    except OSError as e:
        raise EmgcoachError(f"{out_base}: cannot write the report ({e.strerror or e})") from None


def default_report_base(recording: str | Path) -> Path:
    """NAME-report beside the recording NAME.xdf."""
    p = Path(recording).with_suffix("")
    return p.with_name(p.name + "-report")


def set_report_stem(person: str, drill_id: str, stamp: str) -> str:
    """PERSON_DRILL_STAMP, only characters safe in a file name: how the Report dialog names a set's report
    (STEM-report.pdf, or STEM-2-report.pdf beside another), and how a client's reports are found again
    (coach/client_records.py)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{person or 'unnamed'}_{drill_id}_{stamp}")


def write_report(data: ReportData, out_base: Path) -> tuple[Path, Path]:
    """Write OUT.html and OUT.pdf; returns both paths."""
    out_base.parent.mkdir(parents=True, exist_ok=True)
    return write_html(data, out_base.with_suffix(".html")), write_pdf(data, out_base.with_suffix(".pdf"))


def write_set_report(
    scores: list[RepScore],
    drill: Drill | str,
    person: str,
    notes: str,
    out_base: Path,
    calibration: Calibration | None = None,
    recording: str | Path | None = None,
    *,
    started_at: str | None = None,
    library: dict[str, Drill] | None = None,
    excluded: tuple[tuple[float, float], ...] = (),
    left_out: tuple[RepScore, ...] = (),
) -> tuple[Path, Path]:
    """The report of one set from its scores (the verdicts the app gave live), as OUT.html and OUT.pdf.

    scores: the set's reps (levels %MVC when calibrated, else µV); drill: the Drill or its id;
    calibration: the one the set was scored with (for the plot's %MVC). recording: the set's recording,
    for the envelope trace; without one (or if it cannot be read) the page says "No recording of this
    set: no trace" where the plot would be, and the table and summary stand alone. started_at: the set's
    start (ISO local time), default now. With a trace, the reps' times are put on the recording's clock
    (which starts at its first sample, not at the session's start), as its own rep markers place them.
    excluded, left_out: a replayed set's artifact stretches (session s) and the reps across them (not in
    `scores`), listed as the recording's report lists them.
    EmgcoachError (one line) for an unknown drill, no scores or an unwritable place."""
    from emgcoach.errors import EmgcoachError

    if isinstance(drill, str):
        drill = get_drill(drill, library if library is not None else load_library())
    if not scores:
        raise EmgcoachError(f"{drill.name}: the set has no reps to report")
    analysis, no_trace, shift = _trace_of(recording, scores)
    if shift:
        scores = [on_file_clock(r, r.end_s + shift) for r in scores]
    calibrated = all(r.calibrated for r in scores)
    if calibrated and calibration is not None:
        note = f"calibrated {calibration.created.replace('T', ' ')[:16]}"
    elif calibrated:
        note = "calibrated: levels in %MVC"
    else:
        note = "not calibrated: levels in µV only"
    start, end = min(r.start_s for r in scores), max(r.end_s for r in scores)
    summary = SetSummary(drill.id, start, end, RepSource.LIVE, len(scores), sum(r.hit for r in scores), drill.reps,
                         len(scores) >= drill.reps, fatigue=set_fatigue(scores))
    by_sling = {sl: [r for r in scores if r.sling is sl] for sl in drill.slings if any(r.sling is sl for r in scores)}
    scored = SessionReps(list(scores), calibration if calibrated else None, note, [(drill, start, end)],
                         RepSource.LIVE, [summary], by_sling)
    when = started_at or datetime.now().isoformat(timespec="seconds")
    try:
        shown_when = datetime.fromisoformat(when).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        shown_when = when
    if excluded and analysis is not None and not analysis.excluded:  # shaded on the trace, on its clock
        analysis.excluded = [(t0 + shift, t1 + shift) for t0, t1 in excluded]
    note = excluded_words(list(excluded), sum(t1 - t0 for t0, t1 in excluded), len(left_out),
                          [r.index + 1 for r in left_out]) if excluded else ""
    data = ReportData(person or "unnamed", shown_when, str(recording) if analysis is not None else None, analysis,
                      scored, notes, when, no_trace, note)
    return write_report_checked(data, out_base)


def _trace_of(recording: str | Path | None, scores: list[RepScore]) -> tuple[Analysis | None, str, float]:
    """The analysis of a set's recording for its trace and the shift (s) from the session's clock to the
    file's; or None and the line the page shows instead."""
    if recording is None:
        return None, "No recording of this set: no trace", 0.0
    from emgcoach.analysis import analyze
    from emgcoach.errors import EmgcoachError
    from emgcoach.io.open import read_recording

    name = Path(recording).name
    try:
        rec = read_recording(recording)
        shift = _file_shift(rec.markers, scores)
        if shift is None:
            return None, f"The recording {name} does not hold this set's reps: no trace", 0.0
        return analyze(rec), "", shift
    except (EmgcoachError, OSError) as e:
        logger.warning("report: the set's recording %s cannot be read (%s): no trace", recording, e)
        return None, f"The recording of this set cannot be read ({name}): no trace", 0.0
    except Exception:  # a file still being written may end mid-chunk: the report stands without its trace
        logger.exception("report: reading the set's recording %s", recording)
        return None, f"The recording of this set cannot be read ({name}): no trace", 0.0


def _file_shift(markers: list, scores: list[RepScore]) -> float | None:
    """File time minus session time, from the file's own verdict marker of one of these reps (stamped
    at the rep's end); None when the file holds none of them."""
    wanted = {(r.drill, r.index, round(r.end_s, 3)): r.end_s for r in scores}
    for m in markers:
        if m.kind != "rep" or not is_verdict(m.payload):
            continue
        key = (m.payload.get("drill"), m.payload.get("index"), round(float(m.payload.get("end_s", float("nan"))), 3))
        if key in wanted:
            return m.time_s - wanted[key]
    return None
