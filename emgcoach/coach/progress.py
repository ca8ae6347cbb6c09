"""A client's progress over their sessions: per drill, by session, the figures a progress report shows.

Per session and drill (the drill's reps in that session):
- hit rate: reps on target / reps (0-1; shown in %);
- glute level: mean and SD over the reps of each rep's mean glute level, in %MVC when the session was
  calibrated, else µV (the unit is kept per session: the two are never averaged together);
- onset latency: the glute's onset minus the lat's per rep (ms, positive: the glute after the lat), mean
  and SD over the reps where both onsets were timed;
- fatigue: the slope of the glute's median frequency (Hz) over the set's rep numbers (Hz per rep), when the
  history holds median frequencies (`rep_median_freq_hz`), else None.
Across sessions, each figure's least-squares trend: slope per week when the drill's sessions span at least
`WEEK_SPAN_DAYS` days, else per session.

The report covers 2 to `MAX_SESSIONS` sessions: fewer is a ProgressError; more in the range asked uses the
latest `MAX_SESSIONS` and says how many were left out (`ProgressReport.left_out`). Qt-free and
matplotlib-free: `progress_report.py` renders it.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from emgcoach import __version__
from emgcoach.coach.fatigue import mdf_trend
from emgcoach.coach.store import SessionRow, Store
from emgcoach.errors import EmgcoachError

logger = logging.getLogger(__name__)

MIN_SESSIONS = 2
MAX_SESSIONS = 250  # BioTrace+'s trend reports' ceiling; the latest ones are kept beyond it
WEEK_SPAN_DAYS = 7.0  # a drill's sessions spanning a week or more trend per week, else per session
MIN_MDF_REPS = 3  # a median-frequency slope needs this many reps that have one

# The store's reps carry a median frequency (Hz) per muscle since its schema 4; NULL (or a row from an
# older copy of the table) means "not measured".
MDF_COLUMNS: dict[str, tuple[str, ...]] = {"glute": ("glute_mdf_hz",), "lat": ("lat_mdf_hz",)}


Pair = tuple[float | None, float | None]  # a session's value and SD (None: none)

# A rep as `Store.session` gives it: one row of sqlite values, whose types are the store's schema's (an
# INTEGER column gives an int), not declared in Python: Any, as the store's own rows are.
RepRow = Mapping[str, Any]


class ProgressError(EmgcoachError):
    """No progress report can be made (unknown client, fewer than 2 sessions, bad drill): one line."""


@dataclass(frozen=True)
class Stat:
    """Mean and SD (n - 1; None below 2 values) of `n` values, in the figure's unit."""

    mean: float | None
    sd: float | None
    n: int


def stat(values: Sequence[float]) -> Stat:
    """Mean and sample SD (n - 1) of the finite values; None where there are too few."""
    v = np.array([x for x in values if x is not None and math.isfinite(x)], float)
    if len(v) == 0:
        return Stat(None, None, 0)
    return Stat(float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else None, len(v))


def rep_median_freq_hz(rep: Mapping[str, object], muscle: str = "glute") -> float | None:
    """The rep's median frequency (Hz) of `muscle` ('glute' or 'lat') when the history holds one, else
    None (a store from before the fatigue columns, or a rep not measured)."""
    for key in MDF_COLUMNS[muscle]:
        value = rep.get(key)
        if isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
    return None


def mdf_slope_pct_per_rep(reps: Sequence[RepRow], muscle: str = "glute") -> float | None:
    """The slope of `muscle`'s median frequency over the set's rep numbers, in % of the fitted first
    rep's per rep (negative: the spectrum moving down, as with fatigue), as `coach.fatigue` measures a
    set and the history and report show it. None with fewer than MIN_MDF_REPS reps holding one."""
    numbers = [int(r["idx"]) for r in reps]
    mdf = [rep_median_freq_hz(r, muscle) for r in reps]
    if sum(v is not None for v in mdf) < MIN_MDF_REPS:
        return None
    trend = mdf_trend(numbers, mdf)
    return None if trend is None or not math.isfinite(trend.slope_pct_per_rep) else trend.slope_pct_per_rep


@dataclass(frozen=True)
class SessionFigures:
    """One drill in one session: its reps' figures (levels in `unit`, latency in ms)."""

    session_id: int
    started: datetime
    reps: int
    hits: int
    unit: str  # "%MVC" (calibrated) or "µV": the glute level's unit in this session
    glute: Stat
    latency: Stat
    mdf_slope: float | None  # Hz per rep (glute), None when not measured
    complete: bool = True
    planned_reps: int | None = None

    @property
    def hit_rate(self) -> float:
        """Reps on target / reps (0-1)."""
        return self.hits / self.reps if self.reps else float("nan")


def session_figures(session_id: int, started: datetime, reps: Sequence[RepRow]) -> SessionFigures:
    """The figures of one drill's reps in one session (rows as `Store.session` gives them). Levels are
    taken in the unit most of the reps have (one session is one calibration state; this only guards)."""
    units = Counter(str(r.get("unit") or "%MVC") for r in reps)
    unit = units.most_common(1)[0][0] if units else "%MVC"
    glute = [r["glute_mean"] for r in reps if r.get("glute_mean") is not None and str(r.get("unit") or "%MVC") == unit]
    latency = [r["latency_ms"] for r in reps if r.get("latency_ms") is not None]
    return SessionFigures(
        session_id, started, len(reps), sum(int(bool(r["hit"])) for r in reps), unit, stat(glute), stat(latency),
        mdf_slope_pct_per_rep(reps), all(bool(r.get("complete", 1)) for r in reps),
        next((int(r["planned_reps"]) for r in reps if r.get("planned_reps")), None))


@dataclass(frozen=True)
class Trend:
    """A least-squares line y = intercept + slope * x over `n` sessions; x in weeks since the drill's
    first session (per 'week') or the session's number from 1 (per 'session'). `se`: the slope's
    standard error (None below 3 points)."""

    slope: float
    intercept: float
    per: str
    n: int
    se: float | None


def fit_trend(x: Sequence[float], y: Sequence[float], per: str) -> Trend | None:
    """The trend through the points (None with fewer than 2 or all at one x)."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    if len(xa) < 2 or np.ptp(xa) == 0:
        return None
    slope, intercept = np.polyfit(xa, ya, 1)
    se = None
    if len(xa) > 2:  # residual variance over the spread of x
        resid = ya - (intercept + slope * xa)
        se = float(math.sqrt(float(resid @ resid) / (len(xa) - 2) / float(((xa - xa.mean()) ** 2).sum())))
    return Trend(float(slope), float(intercept), per, len(xa), se)


@dataclass(frozen=True)
class Series:
    """One figure over a drill's sessions, for a chart: `x` (the sessions' trend x), `y` and `sd` (None:
    no SD for this figure) in `unit`, the session indexes used, and why others are missing (`left_out`)."""

    key: str  # "hit_rate", "glute", "latency", "fatigue"
    title: str
    unit: str
    index: tuple[int, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    sd: tuple[float, ...] | None
    trend: Trend | None
    left_out: str = ""

    @property
    def trend_sessions_text(self) -> str:
        """'3 sessions with a value'."""
        n = len(self.y)
        return f"{n} session{'s' * (n != 1)} with a value"


@dataclass(frozen=True)
class DrillProgress:
    """One drill's sessions, oldest first, and its figures as series over them."""

    drill: str
    name: str
    sessions: tuple[SessionFigures, ...]
    per: str = field(init=False)  # "week" or "session": what the trends' slopes are per

    def __post_init__(self) -> None:
        span = (self.sessions[-1].started - self.sessions[0].started).total_seconds() / 86400 if self.sessions else 0
        object.__setattr__(self, "per", "week" if span >= WEEK_SPAN_DAYS else "session")

    def x(self, i: int) -> float:
        """Session i's trend x: weeks since the first session, or its number from 1."""
        if self.per == "week":
            return (self.sessions[i].started - self.sessions[0].started).total_seconds() / (7 * 86400)
        return float(i + 1)

    @property
    def level_unit(self) -> str:
        """The unit the glute level's chart and trend use: that of most sessions (ties: the latest's)."""
        counts = Counter(s.unit for s in self.sessions if s.glute.mean is not None)
        if not counts:
            return self.sessions[-1].unit
        top = max(counts.values())
        return next(s.unit for s in reversed(self.sessions) if counts.get(s.unit) == top)

    def series(self) -> list[Series]:
        """Hit rate (%), glute level (mean and SD, level_unit), glute onset (mean and SD, ms), fatigue (%/rep)."""
        unit = self.level_unit
        return [
            self._series("hit_rate", "Reps on target", "%", lambda s: (100 * s.hit_rate, None)),
            self._series("glute", "Glute level", unit,
                         lambda s: (s.glute.mean, s.glute.sd) if s.unit == unit else (None, None),
                         unit_kept=unit),
            self._series("latency", "Glute onset after the lat", "ms", lambda s: (s.latency.mean, s.latency.sd)),
            self._series("fatigue", "Glute median-frequency slope", "%/rep", lambda s: (s.mdf_slope, None)),
        ]

    def _series(self, key: str, title: str, unit: str, value: Callable[[SessionFigures], Pair],
                unit_kept: str | None = None) -> Series:
        idx, ys, sds = [], [], []
        for i, s in enumerate(self.sessions):
            y, sd = value(s)
            if y is not None and math.isfinite(y):
                idx.append(i)
                ys.append(float(y))
                sds.append(float("nan") if sd is None else float(sd))
        xs = [self.x(i) for i in idx]
        other = sum(s.unit != unit_kept for s in self.sessions) if unit_kept is not None else 0
        parts = [f"{other} in {'µV' if unit_kept == '%MVC' else '%MVC'} not shown"] if other else []
        if len(self.sessions) - len(idx) - other:
            parts.append(f"{len(self.sessions) - len(idx) - other} without a value")
        left_out = "; ".join(parts)
        has_sd = key in ("glute", "latency")
        return Series(key, title, unit, tuple(idx), tuple(xs), tuple(ys), tuple(sds) if has_sd else None,
                      fit_trend(xs, ys, self.per), left_out)


def number_text(v: float | None, signed: bool = False) -> str:
    """A figure to three significant digits ('—' for none), with its sign when `signed`."""
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:+.3g}" if signed else f"{v:.3g}"


def trend_text(s: Series) -> str:
    """The series' trend in words: 'trend +1.03 %MVC per week (SE 0.14, 12 sessions)', the SE to the
    slope's decimals; a hit rate's slope in percentage points; 'no trend' below 2 sessions with a value."""
    if s.trend is None:
        return f"no trend ({s.trend_sessions_text})"
    unit = "points" if s.unit == "%" else s.unit
    se = ""
    if s.trend.se is not None:
        slope = abs(s.trend.slope)
        decimals = max(0, 2 - math.floor(math.log10(slope))) if slope > 0 else 3
        se = f"SE {s.trend.se:.{decimals}f}" if round(s.trend.se, decimals) > 0 else f"SE {s.trend.se:.1g}"
        se += ", "
    return f"trend {number_text(s.trend.slope, signed=True)} {unit} per {s.trend.per} ({se}{s.trend.n} sessions)"


@dataclass(frozen=True)
class SessionNote:
    """A session in the report with its notes (may be empty) and the names of its drills."""

    session_id: int
    started: datetime
    drills: tuple[str, ...]
    notes: str


@dataclass(frozen=True)
class ProgressReport:
    """What the progress report shows: the client, the range asked, the drills with their sessions."""

    person: str
    drills: tuple[DrillProgress, ...]
    sessions: tuple[SessionNote, ...]
    date_from: date | None
    date_to: date | None
    generated: datetime
    version: str = __version__
    left_out: int = 0  # sessions in the range before the latest MAX_SESSIONS, not shown
    drill_asked: str | None = None

    @property
    def first(self) -> datetime:
        """When the report's first session started (local time)."""
        return self.sessions[0].started

    @property
    def last(self) -> datetime:
        """When the report's last session started (local time)."""
        return self.sessions[-1].started


def parse_started(text: str) -> datetime | None:
    """A session's start as stored (ISO local time); None, logged, for one that does not parse."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        logger.warning("progress: session start %r is not an ISO time: session left out", text)
        return None


def resolve_drill(person: str, asked: str, done: Sequence[str], names: Mapping[str, str]) -> str:
    """The drill id `asked` means among `person`'s drills `done`: an id, or a drill's name (any case).
    ProgressError naming what they did when it is none of them."""
    if asked in done:
        return asked
    by_name = {names.get(d, d).casefold(): d for d in done}
    if asked.casefold() in by_name:
        return by_name[asked.casefold()]
    did = ", ".join(sorted(done)) or "none"
    raise ProgressError(f"{person} has no sessions of drill {asked!r} in the history (their drills: {did})")


def _in_range(rows: Sequence[SessionRow], date_from: date | None, date_to: date | None,
              drill: str | None) -> list[tuple[SessionRow, datetime]]:
    """The sessions started within [date_from, date_to] (whole days, both included) that hold `drill`
    (any drill when None), oldest first."""
    out = []
    for row in rows:
        if not row.reps:  # a session filed without reps has no figures to show
            continue
        started = parse_started(row.started)
        if started is None or (drill is not None and drill not in row.drills):
            continue
        if (date_from is None or started.date() >= date_from) and (date_to is None or started.date() <= date_to):
            out.append((row, started))
    out.sort(key=lambda rs: (rs[1], rs[0].id))
    return out


def _range_words(date_from: date | None, date_to: date | None, drill: str | None) -> str:
    """' of bird_dog from 2025-01-01 to 2025-02-01', as much as was asked."""
    words = f" of {drill}" if drill else ""
    words += f" from {date_from.isoformat()}" if date_from else ""
    return words + (f" to {date_to.isoformat()}" if date_to else "")


def progress_report(store: Store, person: str, drill: str | None = None, date_from: date | None = None,
                    date_to: date | None = None, names: Mapping[str, str] | None = None,
                    now: datetime | None = None) -> ProgressReport:
    """The progress of `person` over their sessions in the range (dates inclusive) and drill (an id or a
    name; all drills when None), read from the history. `names` maps drill ids to the names shown.
    ProgressError (one line) for an unknown client or drill, or fewer than MIN_SESSIONS sessions; over
    MAX_SESSIONS, the latest are kept and `left_out` counts the rest."""
    names = dict(names or {})
    if person not in store.people():
        raise ProgressError(f"no client {person!r} in the history {store.path}")
    rows = store.sessions(person)
    drill_id = resolve_drill(person, drill, sorted({d for r in rows for d in r.drills}), names) if drill else None
    chosen = _in_range(rows, date_from, date_to, drill_id)
    if len(chosen) < MIN_SESSIONS:
        raise ProgressError(f"{person} has {len(chosen)} session{'s' * (len(chosen) != 1)}"
                            f"{_range_words(date_from, date_to, drill_id)} in the history: a progress report "
                            f"needs at least {MIN_SESSIONS}")
    left_out = max(0, len(chosen) - MAX_SESSIONS)
    if left_out:
        logger.info("progress: %s has %d sessions in range; the latest %d are reported", person, len(chosen), MAX_SESSIONS)
        chosen = chosen[-MAX_SESSIONS:]
    by_drill: dict[str, list[SessionFigures]] = {}
    for row, started in chosen:
        _, reps = store.session(row.id)
        for d in dict.fromkeys(r["drill"] for r in reps):  # the session's drills in the order done
            if drill_id is None or d == drill_id:
                by_drill.setdefault(d, []).append(session_figures(row.id, started, [r for r in reps if r["drill"] == d]))
    drills = tuple(DrillProgress(d, names.get(d, d), tuple(s)) for d, s in sorted(by_drill.items()))
    notes = tuple(SessionNote(row.id, started, tuple(names.get(d, d) for d in row.drills), row.notes.strip())
                  for row, started in chosen)
    return ProgressReport(person, drills, notes, date_from, date_to, now or datetime.now(), __version__, left_out,
                          drill_id)


# ---------------------------------------------------------------------- the words both renderings share

TITLE = "Progress report: posterior oblique sling"
# two lines each: the name, then what the figure is and its unit
TABLE_HEADER = ("date\n", "reps\n", "on target\n", "glute level\nmean ± SD", "glute onset, ms\nmean ± SD",
                "fatigue\n%/rep")

METHODS: tuple[tuple[str, str], ...] = (
    ("Reps on target", "the drill's reps in the session that met all its targets (the verdicts as scored, "
     "live or from the recording's report) over its reps, in %."),
    ("Glute level", "each rep's mean glute level over the middle 60 % of the rep, averaged over the "
     "session's reps, ± SD across those reps (n-1); in %MVC when the session was calibrated, else in µV, "
     "stated per session. µV depend on the electrodes and the skin: the chart and its trend use the unit "
     "most sessions have, and say how many in the other were left out."),
    ("Glute onset", "the glute's onset minus the lat's in each rep (ms; positive: the glute after the lat), "
     "mean ± SD over the reps where both onsets were timed (a muscle already on at the start has none)."),
    ("Fatigue", "least-squares slope of the glute's median frequency (Hz) over the set's rep numbers, in Hz "
     "per rep (negative: the spectrum moving down, as with fatigue); from 3 reps with a median frequency, "
     "'—' where the history holds none."),
    ("Trend", f"least-squares line through the session values (each session counts once, whatever its reps); "
     f"its slope per week from the session dates when the drill's sessions span {WEEK_SPAN_DAYS:.0f} days "
     "or more, else per session, with its standard error (SE). Hit-rate slopes are in percentage points."),
)


def _level_text(s: SessionFigures) -> str:
    if s.glute.mean is None:
        return "—"
    fmt = ".1f" if s.unit == "%MVC" else ".0f"
    sd = f" ± {s.glute.sd:{fmt}}" if s.glute.sd is not None else ""
    return f"{s.glute.mean:{fmt}}{sd} {s.unit}"


def session_cells(s: SessionFigures) -> list[str]:
    """A session's row of the drill's table, as TABLE_HEADER orders it."""
    reps = str(s.reps) if s.complete else f"{s.reps} (stopped" + (f", of {s.planned_reps})" if s.planned_reps else ")")
    latency = "—" if s.latency.mean is None else f"{s.latency.mean:+.0f}" + (
        f" ± {s.latency.sd:.0f}" if s.latency.sd is not None else "")
    fatigue = "—" if s.mdf_slope is None else f"{s.mdf_slope:+.2f}"
    return [s.started.strftime("%Y-%m-%d %H:%M"), reps, f"{100 * s.hit_rate:.0f} % ({s.hits}/{s.reps})",
            _level_text(s), latency, fatigue]


def header_lines(report: ProgressReport) -> list[str]:
    """The lines under the title: client, sessions and dates, what was asked, when and by what made."""
    n = len(report.sessions)
    drills = ", ".join(d.name for d in report.drills)
    lines = [f"Client {report.person} · {n} sessions from {report.first:%Y-%m-%d} to {report.last:%Y-%m-%d} · "
             f"{'drill' if len(report.drills) == 1 else 'drills'}: {drills}"]
    asked = _range_words(report.date_from, report.date_to, None).strip()
    if asked or report.left_out:
        said = f"Range asked: {asked}" if asked else "All sessions asked"
        if report.left_out:
            said += (f"; the latest {n} of {n + report.left_out} sessions are shown (a report holds at most "
                     f"{MAX_SESSIONS})")
        lines.append(said)
    lines.append(f"Generated {report.generated:%Y-%m-%d %H:%M} by emgcoach {report.version}")
    return lines


def drill_line(d: DrillProgress) -> str:
    """A drill's sessions in one line: how many, from when to when, first and last hit rate."""
    first, last = d.sessions[0], d.sessions[-1]
    return (f"{len(d.sessions)} sessions from {first.started:%Y-%m-%d} to {last.started:%Y-%m-%d}; reps on target "
            f"{100 * first.hit_rate:.0f} % in the first, {100 * last.hit_rate:.0f} % in the last; trends per {d.per}")
