"""The session report: one printable page, as HTML and as PDF, for a therapist to show a client.

It holds who and when (pseudonym only), the drills, the envelopes of lat and glute over the session with
each rep shaded (green on target, amber missed) and the target band, a table of the reps (glute onset
latency ms, levels %MVC or µV, CCI, time in target, the cue), how many reps hit, and notes.
Drawn with matplotlib (Agg, no display); the HTML embeds the same figure as SVG, so it is one file.
"""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from emgcoach.analysis import Analysis
from emgcoach.coach.scoring import GLUTE, LAT, RepScore
from emgcoach.coach.session_analysis import SessionReps

GREEN = "#43a047"
AMBER = "#ffa726"
LAT_COLOUR = "#1e88e5"
GLUTE_COLOUR = "#d81b60"


@dataclass(frozen=True)
class ReportData:
    """Everything on the page."""

    person: str
    when: str
    recording: str
    analysis: Analysis
    scored: SessionReps
    notes: str = ""
    started_at: str | None = None  # the session's start, ISO local time to the s, for the history

    @property
    def reps(self) -> list[RepScore]:
        return self.scored.reps

    @property
    def calibrated(self) -> bool:
        return bool(self.reps) and all(r.calibrated for r in self.reps)

    @property
    def unit(self) -> str:
        return "%MVC" if self.calibrated else "µV"

    def summary(self) -> str:
        hits = sum(r.hit for r in self.reps)
        lat = [shown_latency_ms(r.onset_latency_ms) for r in self.reps if r.onset_latency_ms is not None]
        s = f"{hits} of {len(self.reps)} reps on target"
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


def _channel(data: ReportData, muscle: str):  # noqa: ANN202
    for c in data.analysis.channels:
        if c.spec.muscle == muscle:
            return c
    return None


def _figure(data: ReportData, width_in: float = 7.5, height_in: float = 3.2):  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    cal = data.scored.calibration
    t_lo = min((r.start_s for r in data.reps), default=0.0) - 3.0
    t_hi = max((r.end_s for r in data.reps), default=data.analysis.duration_s) + 3.0
    for muscle, colour, label in ((LAT, LAT_COLOUR, "lat"), (GLUTE, GLUTE_COLOUR, "glute")):
        c = _channel(data, muscle)
        if c is None:
            continue
        sel = (c.times_s >= t_lo) & (c.times_s <= t_hi)
        t, e = c.times_s[sel], c.envelope_uv[sel]
        step = max(1, len(t) // 4000)
        m = cal.get(muscle, c.spec.side) if cal is not None and data.calibrated else None
        y = m.pct_mvc(e) if m is not None else e
        ax.plot(t[::step], y[::step], color=colour, lw=1.0, label=f"{label} {c.spec.side}")
    for r in data.reps:
        ax.axvspan(r.start_s, r.end_s, color=GREEN if r.hit else AMBER, alpha=0.25, lw=0)
        ax.text((r.start_s + r.end_s) / 2, 1.0, str(r.index + 1), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=7)
    if data.calibrated and data.scored.drills:
        t = data.scored.drills[0][0].targets
        ax.axhspan(t.lat_lo, t.lat_hi, color=LAT_COLOUR, alpha=0.07, lw=0)
        ax.axhline(t.glute_min, color=GLUTE_COLOUR, lw=0.8, ls="--")
    ax.set_xlim(t_lo, t_hi)
    ax.set_xlabel("time in recording (s)")
    ax.set_ylabel(f"envelope ({data.unit})")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.06), ncol=2, fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _row(r: RepScore) -> list[str]:
    # a partner already on has no latency: say so rather than show the '-' of one that never fired
    lat = f"{'glute' if r.lead == 'lat' else 'lat'} already on" if r.partner_already_on else latency_text(r.onset_latency_ms)
    lv = r.mean_pct_mvc if r.calibrated else r.mean_uv
    fmt = (lambda v: "-" if v is None or not np.isfinite(v) else f"{v:.0f}")  # noqa: E731
    return [str(r.index + 1), f"{r.start_s:.1f}", lat, fmt(lv["lat"]), fmt(lv["glute"]), f"{r.cci:.2f}",
            f"{100 * r.time_in_target:.0f} %", "yes" if r.hit else "no", r.cue or "-"]


HEADER = ["rep", "start s", "glute lag ms", "lat", "glute", "CCI", "in target", "hit", "cue"]


def write_html(data: ReportData, path: Path) -> Path:
    """The report as one self-contained HTML page (the figure inline as SVG), sized for A4 printing."""
    buf = io.StringIO()
    _figure(data).savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    drills = ", ".join(d.name for d, _, _ in data.scored.drills)
    head = "".join(f"<th>{html.escape(h if h not in ('lat', 'glute') else f'{h} {data.unit}')}</th>" for h in HEADER)
    rows = "".join(
        f"<tr class=\"{'hit' if r.hit else 'miss'}\">" + "".join(f"<td>{html.escape(c)}</td>" for c in _row(r)) + "</tr>"
        for r in data.reps
    )
    notes = html.escape(data.notes) if data.notes else "-"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>emgcoach session report: {html.escape(data.person)}</title>
<style>
@page {{ size: A4; margin: 14mm; }}
body {{ font-family: sans-serif; font-size: 10pt; color: #222; max-width: 190mm; margin: auto; }}
h1 {{ font-size: 15pt; margin: 0 0 2mm; }}
.meta {{ color: #555; margin-bottom: 3mm; }}
.summary {{ font-size: 12pt; font-weight: bold; margin: 2mm 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 1mm 1.5mm; text-align: left; }}
tr.hit td:nth-child(8) {{ color: {GREEN}; font-weight: bold; }}
tr.miss td:nth-child(8) {{ color: #e65100; font-weight: bold; }}
svg {{ width: 100%; height: auto; }}
</style></head><body>
<h1>Posterior oblique sling session: {html.escape(drills)}</h1>
<div class="meta">Client {html.escape(data.person)} &middot; {html.escape(data.when)} &middot; recording {html.escape(Path(data.recording).name)}
&middot; {html.escape(data.scored.calibration_note)}</div>
<div class="summary">{html.escape(data.summary())}</div>
{svg}
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
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
    fig.text(0.06, 0.965, f"Posterior oblique sling session: {drills}", fontsize=13, weight="bold", va="top")
    fig.text(0.06, 0.94, f"Client {data.person} · {data.when} · recording {Path(data.recording).name}", fontsize=8.5, color="#555", va="top")
    fig.text(0.06, 0.925, data.scored.calibration_note, fontsize=8.5, color="#555", va="top")
    fig.text(0.06, 0.90, data.summary(), fontsize=11, weight="bold", va="top")
    # the envelope plot, drawn by the same code as the HTML's
    plot = _figure(data)
    buf = io.BytesIO()
    plot.savefig(buf, format="png", dpi=200)
    buf.seek(0)
    import matplotlib.image as mpimg

    ax_img = fig.add_axes((0.04, 0.55, 0.92, 0.33))
    ax_img.imshow(mpimg.imread(buf))
    ax_img.axis("off")
    ax = fig.add_axes((0.06, 0.14, 0.88, 0.39))
    ax.axis("off")
    cells = [_row(r) for r in data.reps[:30]]
    cells = [c[:8] + [c[8][:48]] for c in cells]
    header = [h if h not in ("lat", "glute") else f"{h} {data.unit}" for h in HEADER]
    if cells:
        table = ax.table(cellText=cells, colLabels=header, loc="upper left", cellLoc="left",
                         colWidths=[0.05, 0.08, 0.12, 0.08, 0.08, 0.06, 0.08, 0.05, 0.40])
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        table.scale(1.0, 1.15)
        for (row, col), cell in table.get_celld().items():
            cell.set_linewidth(0.3)
            if row > 0 and col == 7:
                cell.get_text().set_color(GREEN if cells[row - 1][7] == "yes" else "#e65100")
    if len(data.reps) > 30:
        fig.text(0.06, 0.135, f"(first 30 of {len(data.reps)} reps shown; the HTML report lists all)", fontsize=7, color="#555")
    fig.text(0.06, 0.11, "Notes", fontsize=10, weight="bold", va="top")
    fig.text(0.06, 0.09, data.notes or "-", fontsize=9, va="top", wrap=True)
    fig.text(0.06, 0.02, f"Made by emgcoach on {datetime.now():%Y-%m-%d %H:%M}.", fontsize=7, color="#777")
    with private_file(path) as f:
        fig.savefig(f, format="pdf")
    return path


def private_file(path: Path):  # noqa: ANN201
    """`path` opened for writing (binary), created or truncated with mode 0600: the report is health data,
    readable by its owner only, like the recordings, exports and the history."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing report written over: private too
    except (OSError, AttributeError):  # no Unix modes (FAT, some shares; Windows)
        pass
    return os.fdopen(fd, "wb")


def report_data(
    path: str | Path,
    person: str = "",
    notes: str = "",
    drill_id: str | None = None,
    library: dict | None = None,
    calibration: object | None = None,
) -> ReportData:
    """Analyse a recording and score its reps, writing nothing; EmgcoachError (one line) when it holds no reps."""
    from emgcoach.analysis import analyze
    from emgcoach.coach.session_analysis import session_reps
    from emgcoach.errors import EmgcoachError
    from emgcoach.io.open import read_recording

    recording = read_recording(path)
    result = analyze(recording)
    scored = session_reps(recording, result, drill_id=drill_id, library=library, calibration=calibration)  # type: ignore[arg-type]
    if scored is None or not scored.reps:
        raise EmgcoachError(f"{path}: no drill reps found (name the drill with --drill)")
    return ReportData(person or "unnamed", recording_start(recording), str(path), result, scored, notes,
                      recording.started_at or _mtime(recording.path).isoformat(timespec="seconds"))


def _mtime(path: str) -> datetime:
    return datetime.fromtimestamp(Path(path).stat().st_mtime)


def recording_start(recording) -> str:  # noqa: ANN001
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
    calibration: object | None = None,
) -> tuple[Path, Path, ReportData]:
    """Analyse a recording, score its reps and write OUT.html and OUT.pdf; EmgcoachError (one line)
    when it cannot (no reps, unwritable folder)."""
    data = report_data(path, person, notes, drill_id, library, calibration)
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


def write_report(data: ReportData, out_base: Path) -> tuple[Path, Path]:
    """Write OUT.html and OUT.pdf; returns both paths."""
    out_base.parent.mkdir(parents=True, exist_ok=True)
    return write_html(data, out_base.with_suffix(".html")), write_pdf(data, out_base.with_suffix(".pdf"))
