"""The progress report as an A4 PDF, drawn with matplotlib (Agg, no display): pages filled top to bottom
(`Pages`), each with a footer naming the client and the page. The header, then per drill its four charts
and its table by session (the header row again on each page it runs onto), the sessions' notes, and how
each figure is computed. Text is wrapped to the page's measure with the session report's own metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emgcoach.coach.progress import METHODS, TABLE_HEADER, TITLE, DrillProgress, ProgressReport, drill_line, header_lines, session_cells
from emgcoach.coach.progress_charts import add_drill_charts, new_figure
from emgcoach.coach.report import text_width_pt, wrap_to_width
from emgcoach.io.private import private_file

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PAGE_W_PT, PAGE_H_PT = 595.3, 841.9  # A4
MARGIN_PT = 42.0
TOP_PT, BOTTOM_PT = PAGE_H_PT - 40.0, 52.0  # the text block; the footer sits below BOTTOM_PT
WIDTH_PT = PAGE_W_PT - 2 * MARGIN_PT
BODY_PT, SMALL_PT, TABLE_PT = 9.0, 7.5, 7.5
LINE = 1.3  # line height in font sizes
CHARTS_PT = 330.0  # the 2 x 2 charts of a drill
COLUMNS_PT = (80.0, 72.0, 78.0, 104.0, 92.0, 60.0)  # of WIDTH_PT, in TABLE_HEADER's order
GREY = "#555555"


class Pages:
    """A4 figures filled from the top: `room(h)` moves to a new page unless `h` pt fit above the
    bottom margin; `y` is the top of what is drawn next (pt from the page's foot)."""

    def __init__(self) -> None:
        self.figs: list[Figure] = []
        self.y = 0.0
        self.new_page()

    @property
    def fig(self) -> Figure:
        """The page being filled."""
        return self.figs[-1]

    def new_page(self) -> None:
        """A blank A4 page, the cursor at its top."""
        self.figs.append(new_figure(PAGE_W_PT / 72.0, PAGE_H_PT / 72.0))
        self.y = TOP_PT

    def room(self, height_pt: float) -> bool:
        """Start a new page unless `height_pt` fits on this one; True when a new page was started."""
        if self.y - height_pt >= BOTTOM_PT or self.y == TOP_PT:
            return False
        self.new_page()
        return True

    def text(self, x_pt: float, text: str, size: float = BODY_PT, bold: bool = False, colour: str = "#222222",
             advance: bool = True) -> None:
        """One line at the cursor, `x_pt` from the left margin; moves the cursor down a line unless told not to."""
        self.fig.text((MARGIN_PT + x_pt) / PAGE_W_PT, self.y / PAGE_H_PT, text, fontsize=size, va="top",
                      weight="bold" if bold else "normal", color=colour)
        if advance:
            self.y -= size * LINE

    def paragraph(self, text: str, size: float = BODY_PT, bold: bool = False, colour: str = "#222222",
                  indent_pt: float = 0.0) -> None:
        """`text` wrapped to the measure, line by line, onto as many pages as it takes."""
        for line in wrap_to_width(text, WIDTH_PT - indent_pt, size, bold):
            self.room(size * LINE)
            self.text(indent_pt, line, size, bold, colour)

    def save(self, path: Path, footer: str) -> Path:
        """Every page with its footer ('FOOTER · page i of n'), into one PDF at `path` (mode 0600)."""
        from matplotlib.backends.backend_pdf import PdfPages

        n = len(self.figs)
        with private_file(path) as f, PdfPages(f) as pdf:
            for i, fig in enumerate(self.figs, 1):
                fig.text(MARGIN_PT / PAGE_W_PT, 30.0 / PAGE_H_PT, footer, fontsize=6.5, color="#777777", va="top")
                fig.text(1 - MARGIN_PT / PAGE_W_PT, 30.0 / PAGE_H_PT, f"page {i} of {n}", fontsize=6.5,
                         color="#777777", va="top", ha="right")
                pdf.savefig(fig)
        return path


def _table_row(pages: Pages, cells: list[str], bold: bool = False, shade: bool = False) -> None:
    """One row of a drill's table at the cursor: one line per cell, each within its column."""
    from matplotlib.patches import Rectangle

    height = TABLE_PT * LINE
    if shade:  # every other row tinted, for the eye to follow a row across
        pages.fig.add_artist(Rectangle((MARGIN_PT / PAGE_W_PT, (pages.y - height + 1.5) / PAGE_H_PT),
                                       WIDTH_PT / PAGE_W_PT, height / PAGE_H_PT, color="#f0f0f0", lw=0, zorder=0))
    # on a common baseline: aligned by their tops, cells would sit as high as their own glyphs reach
    # (a row's date and its '(5/8)' a fraction of a point apart)
    baseline = (pages.y - 0.75 * height) / PAGE_H_PT
    x = 2.0
    for cell, width in zip(cells, COLUMNS_PT, strict=True):
        pages.fig.text((MARGIN_PT + x) / PAGE_W_PT, baseline, cell, fontsize=TABLE_PT, va="baseline",
                       weight="bold" if bold else "normal", color="#222222")
        x += width
    pages.y -= height


def _header(pages: Pages) -> None:
    """The table's two header lines (a name, then what and in which unit), each a row of its own so that
    one-line names sit on the first line of all."""
    names, units = zip(*(h.split("\n") for h in TABLE_HEADER), strict=True)
    _table_row(pages, list(names), bold=True)
    _table_row(pages, list(units), bold=True)


def _table(pages: Pages, d: DrillProgress) -> None:
    """The drill's sessions, a row each; the header again at the top of each page it runs onto."""
    pages.room(4 * TABLE_PT * LINE)
    _header(pages)
    for i, s in enumerate(d.sessions):
        if pages.room(TABLE_PT * LINE):
            pages.text(0, f"{d.name} (continued)", SMALL_PT, colour=GREY)
            _header(pages)
        _table_row(pages, session_cells(s), shade=i % 2 == 1)


def _drill(pages: Pages, d: DrillProgress) -> None:
    """A drill's title, its line, its four charts and its table."""
    if pages.y != TOP_PT:
        pages.y -= 10.0
    pages.room(24.0 + CHARTS_PT)
    pages.text(0, d.name, 12.0, bold=True)
    pages.paragraph(drill_line(d), SMALL_PT, colour=GREY)
    bottom = pages.y - CHARTS_PT
    add_drill_charts(pages.fig, d, (MARGIN_PT / PAGE_W_PT, bottom / PAGE_H_PT, WIDTH_PT / PAGE_W_PT,
                                    CHARTS_PT / PAGE_H_PT), font_pt=7.0)
    pages.y = bottom - 6.0
    _table(pages, d)


def _notes(pages: Pages, report: ProgressReport) -> None:
    pages.y -= 10.0
    pages.room(3 * BODY_PT * LINE)
    pages.text(0, "Session notes", 12.0, bold=True)
    noted = [n for n in report.sessions if n.notes]
    if not noted:
        pages.paragraph("No session has notes.")
    for n in noted:
        lines = [ln for part in n.notes.splitlines() for ln in wrap_to_width(part, WIDTH_PT - 12.0, BODY_PT)]
        # a note kept on one page when it fits one; a long one at least not with its date alone at the foot
        pages.y -= 3.0  # a little air between notes, for the eye to find each date
        pages.room(min(len(lines) + 1, 6) * BODY_PT * LINE)
        pages.text(0, f"{n.started:%Y-%m-%d %H:%M} ({', '.join(n.drills)})", BODY_PT, bold=True)
        for line in lines:
            pages.room(BODY_PT * LINE)
            pages.text(12.0, line, BODY_PT)


def _methods(pages: Pages) -> None:
    """How each figure is computed, kept together at the foot of the report: each figure's name in bold
    and its method run on after it."""
    blocks = []
    for name, text in METHODS:
        label = f"{name}: "
        indent = text_width_pt(label, SMALL_PT, bold=True)
        first, *rest = wrap_to_width(text, WIDTH_PT - indent, SMALL_PT)
        rest = wrap_to_width(" ".join(rest), WIDTH_PT, SMALL_PT) if rest else []
        blocks.append((label, indent, first, rest))
    pages.y -= 10.0
    pages.room(10.0 * LINE + sum(1 + len(b[3]) for b in blocks) * SMALL_PT * LINE)
    pages.text(0, "How each figure is computed", 10.0, bold=True)
    for label, indent, first, rest in blocks:
        pages.text(0, label, SMALL_PT, bold=True, colour="#333333", advance=False)
        pages.text(indent, first, SMALL_PT, colour="#333333")
        for line in rest:
            pages.text(0, line, SMALL_PT, colour="#333333")


def write_pdf(report: ProgressReport, path: Path) -> Path:
    """The report as an A4 PDF at `path` (mode 0600): as many pages as its sessions and notes take."""
    pages = Pages()
    pages.text(0, TITLE, 15.0, bold=True)
    pages.y -= 2.0
    for line in header_lines(report):
        pages.paragraph(line, BODY_PT, colour=GREY)
    for d in report.drills:
        _drill(pages, d)
    _notes(pages, report)
    _methods(pages)
    footer = f"emgcoach {report.version} progress report · client {report.person} · generated {report.generated:%Y-%m-%d %H:%M}"
    return pages.save(path, footer)
