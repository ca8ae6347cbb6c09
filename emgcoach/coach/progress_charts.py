"""The progress report's charts: per drill, one small chart per figure over the sessions (hit rate %,
glute level %MVC or µV, glute onset after the lat ms, glute median-frequency slope %/rep), each session's
value (with ±1 SD bars where the figure has one) and the least-squares trend line with its slope written
above. Drawn with matplotlib (Agg) on any figure: the HTML page's own, or a PDF page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from emgcoach.coach.progress import DrillProgress, Series, trend_text

if TYPE_CHECKING:  # matplotlib loads on the first chart drawn, not on import
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COLOURS = {"hit_rate": "#43a047", "glute": "#d81b60", "latency": "#1e88e5", "fatigue": "#6d4c41"}
TREND_COLOUR = "#222222"
EMPTY = {"fatigue": "no median frequencies in the history yet", "latency": "no onset latencies timed"}


def new_figure(width_in: float, height_in: float) -> Figure:
    """A matplotlib Figure on the Agg canvas (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=100)


def _x_values(drill: DrillProgress, s: Series) -> list:
    """What the chart's x axis shows: the session dates when the trend is per week, else session numbers."""
    if drill.per == "week":
        first = drill.sessions[0].started
        return [first + timedelta(weeks=x) for x in s.x]
    return list(s.x)


def draw_series(ax: Axes, drill: DrillProgress, s: Series, font_pt: float = 7.0) -> None:
    """One figure's chart on `ax`: points (±1 SD bars), the trend line, title with unit and trend."""
    colour = COLOURS.get(s.key, "#555555")
    lines = [f"{s.title} ({s.unit})", trend_text(s)] + ([f"({s.left_out})"] if s.left_out and s.y else [])
    ax.set_title("\n".join(lines), fontsize=font_pt, loc="left")
    ax.tick_params(labelsize=font_pt - 1)
    ax.spines[["top", "right"]].set_visible(False)
    if not s.y:
        ax.text(0.5, 0.5, EMPTY.get(s.key, "no values"), transform=ax.transAxes, ha="center", va="center",
                fontsize=font_pt, color="#777777")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    xs = _x_values(drill, s)
    many = len(xs) > 40  # small markers so 250 sessions stay apart
    size = 2.0 if many else 3.5
    if s.sd is not None:
        sd = [0.0 if v != v else v for v in s.sd]  # a session of one rep has no SD: no bar
        ax.errorbar(xs, s.y, yerr=sd, fmt="o", ms=size, color=colour, ecolor=colour, elinewidth=0.5,
                    alpha=0.85, capsize=0)
    else:
        ax.plot(xs, s.y, "o", ms=size, color=colour, alpha=0.85)
    if s.trend is not None:
        ends = [min(s.x), max(s.x)]
        fit = [s.trend.intercept + s.trend.slope * x for x in ends]
        line_x = [xs[s.x.index(e)] for e in ends]
        ax.plot(line_x, fit, "--", color=TREND_COLOUR, lw=1.0)
    if s.key == "hit_rate":
        ax.set_ylim(-5, 105)
    elif s.key == "glute":  # from zero, so that a small change looks small
        ax.set_ylim(0, None)
    if s.key in ("latency", "fatigue"):
        ax.axhline(0.0, color="#bbbbbb", lw=0.6, zorder=0)
    _x_axis(ax, drill, font_pt)


def _x_axis(ax: Axes, drill: DrillProgress, font_pt: float) -> None:
    """Dates (a few, short) when the trend is per week, else whole session numbers."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import MaxNLocator

    if drill.per == "week":
        locator = AutoDateLocator(minticks=2, maxticks=5)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.xaxis.get_offset_text().set_fontsize(font_pt - 1)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.set_xlabel("session", fontsize=font_pt - 1, labelpad=1)


def add_drill_charts(fig: Figure, drill: DrillProgress, rect: tuple[float, float, float, float],
                     font_pt: float = 7.0) -> None:
    """The drill's four charts in a 2 x 2 grid inside `rect` (left, bottom, width, height as fractions
    of `fig`): each cell keeps room above its axes for a three-line title and below for its dates."""
    fig_w_pt, fig_h_pt = fig.get_figwidth() * 72.0, fig.get_figheight() * 72.0
    left, bottom, width, height = rect
    cell_w, cell_h = width / 2, height / 2
    title, below = 3.6 * font_pt * 1.2 / fig_h_pt, 3.2 * font_pt / fig_h_pt
    axis_left, gap = 5.0 * font_pt / fig_w_pt, 2.0 * font_pt / fig_w_pt  # the y tick labels; between the columns
    for k, s in enumerate(drill.series()):
        col, row = k % 2, k // 2
        x0 = left + col * cell_w + axis_left
        y0 = bottom + (1 - row) * cell_h + below
        ax = fig.add_axes((x0, y0, cell_w - axis_left - gap, cell_h - title - below))
        draw_series(ax, drill, s, font_pt)


def drill_svg(drill: DrillProgress, width_in: float = 7.2, height_in: float = 4.6) -> str:
    """The drill's four charts as one inline SVG element (for the self-contained HTML page)."""
    import io

    fig = new_figure(width_in, height_in)
    add_drill_charts(fig, drill, (0.0, 0.0, 1.0, 1.0), font_pt=8.0)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]
