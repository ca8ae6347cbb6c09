"""The progress report as files: one self-contained HTML page (charts inline as SVG) and an A4 PDF
(`progress_pdf.py`), with the same content: a header (client's pseudonym, dates, number of sessions, when
made and by which version), per drill its charts over the sessions with their trends and a table by
session (hit rate %, glute level mean ± SD in %MVC or µV, glute onset after the lat mean ± SD in ms, the
glute's median-frequency slope in % of the set's first rep per rep), the sessions' notes, and a footer saying how each figure is
computed. Both files are readable by their owner only.
"""

from __future__ import annotations

import html
import logging
from datetime import date, datetime
from pathlib import Path

from emgcoach.coach.progress import (
    METHODS,
    TABLE_HEADER,
    TITLE,
    DrillProgress,
    ProgressReport,
    drill_line,
    header_lines,
    progress_report,
    session_cells,
)
from emgcoach.coach.progress_charts import drill_svg
from emgcoach.coach.store import Store
from emgcoach.errors import EmgcoachError
from emgcoach.io.private import private_file

logger = logging.getLogger(__name__)

SUFFIXES = (".html", ".pdf")

CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: sans-serif; font-size: 10pt; color: #222; max-width: 190mm; margin: auto; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 12.5pt; margin: 7mm 0 1mm; }
.meta { color: #555; margin: 0.5mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #ddd; padding: 0.8mm 1.5mm; text-align: left; vertical-align: top; }
th { vertical-align: bottom; } tbody tr:nth-child(even) { background: #f6f6f6; }
svg { width: 100%; height: auto; }
dl.notes dt { font-weight: bold; margin-top: 2mm; } dl.notes dd { margin: 0 0 0 5mm; white-space: pre-wrap; }
footer { margin-top: 8mm; border-top: 1px solid #bbb; color: #444; font-size: 8.5pt; }
"""


def out_paths(out: str | Path) -> tuple[Path, Path]:
    """OUT.html and OUT.pdf for `-o OUT`: a name ending in .html or .pdf loses it (both files are
    written whichever was given); any other name keeps all of itself ('P07.2025' -> 'P07.2025.html')."""
    p = Path(out)
    stem = p.name[: -len(p.suffix)] if p.suffix.lower() in SUFFIXES else p.name
    return p.with_name(stem + ".html"), p.with_name(stem + ".pdf")


def _drill_section(d: DrillProgress) -> str:
    head = "".join(f"<th>{html.escape(h).replace(chr(10), '<br>')}</th>" for h in TABLE_HEADER)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in session_cells(s)) + "</tr>"
                   for s in d.sessions)
    return (f"<section><h2>{html.escape(d.name)}</h2><p class=\"meta\">{html.escape(drill_line(d))}</p>\n"
            f"{drill_svg(d)}\n<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>\n")


def _notes_section(report: ProgressReport) -> str:
    noted = [n for n in report.sessions if n.notes]
    if not noted:
        return "<h2>Session notes</h2><p>No session has notes.</p>\n"
    items = "".join(f"<dt>{n.started:%Y-%m-%d %H:%M} ({html.escape(', '.join(n.drills))})</dt>"
                    f"<dd>{html.escape(n.notes)}</dd>" for n in noted)
    return f"<h2>Session notes</h2><dl class=\"notes\">{items}</dl>\n"


def html_page(report: ProgressReport) -> str:
    """The whole report as one HTML document, nothing outside it (charts as inline SVG, style inline)."""
    meta = "".join(f'<p class="meta">{html.escape(line)}</p>' for line in header_lines(report))
    methods = "".join(f"<li><b>{html.escape(name)}</b>: {html.escape(text)}</li>" for name, text in METHODS)
    body = "".join(_drill_section(d) for d in report.drills)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(TITLE)}: {html.escape(report.person)}</title><style>{CSS}</style></head><body>\n"
            f"<header><h1>{html.escape(TITLE)}</h1>{meta}</header>\n{body}{_notes_section(report)}"
            f"<footer><p>How each figure is computed:</p><ul>{methods}</ul></footer>\n</body></html>\n")


def write_html(report: ProgressReport, path: Path) -> Path:
    """The HTML page at `path` (mode 0600)."""
    with private_file(path) as f:
        f.write(html_page(report).encode("utf-8"))
    return path


def write_progress(report: ProgressReport, out: str | Path) -> tuple[Path, Path]:
    """Write OUT.html and OUT.pdf (see `out_paths`), both mode 0600; an unwritable place is one line
    (EmgcoachError)."""
    from emgcoach.coach.progress_pdf import write_pdf

    html_path, pdf_path = out_paths(out)
    try:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        return write_html(report, html_path), write_pdf(report, pdf_path)
    except OSError as e:
        raise EmgcoachError(f"{html_path.with_suffix('')}: cannot write the progress report ({e.strerror or e})") from None


def write_progress_report(store: Store, person: str, out: str | Path, drill: str | None = None,
                          date_from: date | None = None, date_to: date | None = None,
                          names: dict[str, str] | None = None,
                          now: datetime | None = None) -> tuple[Path, Path, ProgressReport]:
    """Read `person`'s sessions from the history (drill and dates as `progress.progress_report` takes
    them) and write OUT.html and OUT.pdf; returns both paths and what they show. One-line errors
    (EmgcoachError) for an unknown client or drill, fewer than 2 sessions, or an unwritable place."""
    if names is None:
        names = drill_names()
    report = progress_report(store, person, drill, date_from, date_to, names, now)
    html_path, pdf_path = write_progress(report, out)
    logger.info("progress report of %s: %d sessions -> %s, %s", person, len(report.sessions), html_path, pdf_path)
    return html_path, pdf_path, report


def drill_names() -> dict[str, str]:
    """Drill id -> name from the library (the user's drills too); empty, logged, when it cannot load."""
    from emgcoach.coach.drills import load_library

    try:
        return {d.id: d.name for d in load_library().values()}
    except EmgcoachError:
        logger.exception("progress report: the drill library did not load; drills are shown by id")
        return {}


def default_out(person: str, folder: Path | None = None) -> Path:
    """PERSON-progress in `folder` (default: the current one)."""
    return (folder or Path.cwd()) / f"{person}-progress"
