"""The drill library: `drills.toml` beside this module, plus the user's own drills file if there is one.

Every drill is validated on load; a mistake gives one `DrillError` naming the file, the drill and the
field. Times are in s, levels in %MVC, latencies in ms.

Timing. A drill's `lead` muscle defines the rep (its onset to its offset); the other muscle is the
*partner*. `targets.partner_onset_ms = [earliest, latest]` is the window for the partner's onset
relative to the lead's, in ms (negative: before the lead). A lat-led drill's window is the glute's onset
relative to the lat's, a glute-led drill's the lat's relative to the glute's. A partner onset outside it
misses with `<partner>_early` or `<partner>_late` (`glute_early`/`glute_late` in a lat-led drill,
`lat_early`/`lat_late` in a glute-led one), so a miss always names the muscle that came too soon or too
late against the one that leads. The stored onset latency stays glute onset minus lat onset whatever the
lead (`Targets.glute_latency_ms` gives the window in those terms).

Older drill files give `max_glute_latency_ms = X` instead: the latest the glute may fire after the lat,
with no bound the other way. It still loads and is read as the window that keeps X and adds the default
150 ms the other way: a lat-led drill gets `partner_onset_ms = [min(-150, X - 150), X]` (the glute at
most 150 ms before the lat), a glute-led drill `[-X, max(150, 150 - X)]` (the lat no earlier than X ms
before the glute, at most 150 ms after it).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from emgcoach.coach.slings import Sling
from emgcoach.errors import EmgcoachError

BUILTIN = Path(__file__).with_name("drills.toml")
PHASES = ("contract", "hold", "release", "rest")  # one rep, in order; "setup" comes once before the first


class Lead(StrEnum):
    """The muscle whose onset starts a rep (strings as in drills files and rep markers)."""

    LAT = "lat"
    GLUTE = "glute"

    @property
    def partner(self) -> Lead:
        """The other muscle, whose onset is judged against this one's."""
        return Lead.GLUTE if self is Lead.LAT else Lead.LAT


LEADS = tuple(m.value for m in Lead)


class Miss(StrEnum):
    """A target a rep missed. The strings are stored in recordings (rep markers) and the history, so they
    never change. `<partner>_missing`: the partner stayed off through the rep; `<partner>_early` /
    `<partner>_late`: its onset fell before / after the drill's window; `*_low` / `lat_high`: a level
    outside its target (or, without calibration, a partner active for less than half the rep)."""

    GLUTE_MISSING = "glute_missing"
    GLUTE_EARLY = "glute_early"
    GLUTE_LATE = "glute_late"
    GLUTE_LOW = "glute_low"
    LAT_MISSING = "lat_missing"
    LAT_EARLY = "lat_early"
    LAT_LATE = "lat_late"
    LAT_LOW = "lat_low"
    LAT_HIGH = "lat_high"

    @classmethod
    def missing(cls, muscle: str) -> Miss:
        return cls(f"{muscle}_missing")

    @classmethod
    def early(cls, muscle: str) -> Miss:
        return cls(f"{muscle}_early")

    @classmethod
    def late(cls, muscle: str) -> Miss:
        return cls(f"{muscle}_late")

    @classmethod
    def low(cls, muscle: str) -> Miss:
        return cls(f"{muscle}_low")


MISSES = tuple(m.value for m in Miss)
# The glute_* timing cues are for lat-led drills and the lat_* ones for glute-led drills (a miss names the
# partner), so each can say what to do in that order.
DEFAULT_CORRECTIONS = {
    Miss.GLUTE_MISSING: "No glute: squeeze the opposite buttock as the arm starts to work",
    Miss.GLUTE_EARLY: "Glute early: start with the arm and squeeze the glute as it moves, not before",
    Miss.GLUTE_LATE: "Glute late: squeeze as you start the pull",
    Miss.GLUTE_LOW: "Glute too quiet: squeeze harder through the whole hold",
    Miss.LAT_MISSING: "No lat: press the arm down and back as the glutes start to work",
    Miss.LAT_EARLY: "Lat early: squeeze the glutes to start, then press the arm",
    Miss.LAT_LATE: "Lat late: press the arm as the glutes start, not after",
    Miss.LAT_LOW: "Lat too quiet: press the arm down and back, long and straight",
    Miss.LAT_HIGH: "Lat working too hard: ease off the arm and let the glute do its share",
}
DEFAULT_EARLY_MS = 150.0  # how far before the lead an old-style drill file lets the partner fire


class DrillError(EmgcoachError):
    """A drills file that cannot be used: names the file, the drill and the field."""


@dataclass(frozen=True)
class Targets:
    """What a good rep reaches: lat within [lat_lo, lat_hi] %MVC, glute at least glute_min %MVC, and the
    partner's onset (the muscle that is not `lead`) within partner_onset_ms = (earliest, latest) ms of
    the lead's onset (negative: before it)."""

    lat_lo: float
    lat_hi: float
    glute_min: float
    partner_onset_ms: tuple[float, float]
    lead: Lead = Lead.LAT

    @property
    def glute_latency_ms(self) -> tuple[float, float]:
        """The window as glute onset minus lat onset (ms, positive: glute after lat), whatever the lead."""
        lo, hi = self.partner_onset_ms
        return (lo, hi) if self.lead == Lead.LAT else (-hi, -lo)

    @property
    def max_glute_latency_ms(self) -> float:
        """The latest the glute may fire after the lat (ms): the window's upper end in glute-lat terms."""
        return self.glute_latency_ms[1]

    def timing_text(self) -> str:
        """The window in words, e.g. 'glute onset from 150 ms before to 150 ms after the lat's'."""
        lo, hi = self.partner_onset_ms
        partner = self.lead.partner
        return f"{partner} onset from {_ms_words(lo)} to {_ms_words(hi)} the {self.lead}'s"


def _ms_words(ms: float) -> str:
    return f"{-ms:g} ms before" if ms < 0 else f"{ms:g} ms after"


@dataclass(frozen=True)
class Drill:
    """One drill of the library (phases in s, targets in %MVC and ms)."""

    id: str
    name: str
    purpose: str
    setup: str
    electrodes: str
    lead: Lead
    reps: int
    cues: tuple[str, ...]
    setup_s: float
    phases: tuple[tuple[str, float], ...]  # (phase, seconds) of one rep, in PHASES order
    targets: Targets
    corrections: tuple[tuple[str, str], ...]
    slings: tuple[Sling, ...] = ()  # both slings named: the reps alternate between them in this order; () one sling

    @property
    def both_slings(self) -> bool:
        """Whether the drill works both posterior oblique slings (four sensors), rep by rep in turn."""
        return len(self.slings) == 2

    @property
    def rep_s(self) -> float:
        """Seconds from one rep's start to the next's."""
        return sum(s for _, s in self.phases)

    @property
    def duration_s(self) -> float:
        """Seconds for the whole set, set-up included."""
        return self.setup_s + self.reps * self.rep_s

    def phase_s(self, phase: str) -> float:
        return dict(self.phases)[phase]

    def correction(self, miss: str) -> str:
        """The one-line cue for a missed target (a `Miss` or its string)."""
        return dict(self.corrections).get(Miss(miss), DEFAULT_CORRECTIONS[Miss(miss)])


def _invalid(where: str, field: str, what: str) -> DrillError:
    """The error for a field of a drill file that fails its check (raised by the check itself, so that what
    follows knows the field's type)."""
    return DrillError(f"{where}: {field} {what}")


def _text(d: dict, key: str, where: str) -> str:
    v = d.get(key)
    if not (isinstance(v, str) and v.strip() != ""):
        raise _invalid(where, key, "must be a non-empty string")
    return v.strip()


def _seconds(d: dict, key: str, where: str, allow_zero: bool = False) -> float:
    v = d.get(key)
    if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            and (v > 0 or (allow_zero and v == 0))):
        raise _invalid(where, key, "must be a positive number of seconds" + (" (or 0)" if allow_zero else ""))
    if v > 600:
        raise _invalid(where, key, f"is {v} s: more than 10 minutes for one phase")
    return float(v)


def _pct(v: object, where: str, key: str) -> float:
    if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 200):
        raise _invalid(where, key, "must be a %MVC number between 0 and 200")
    return float(v)


def _ms(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and -2000 <= v <= 2000


def _onset_window(targets: dict, lead: Lead, where: str) -> tuple[float, float]:
    """(earliest, latest) ms of the partner's onset after the lead's, from `partner_onset_ms` or an older
    file's `max_glute_latency_ms` (see the module docstring for how that is read)."""
    new, old = targets.get("partner_onset_ms"), targets.get("max_glute_latency_ms")
    if new is not None and old is not None:
        raise _invalid(where, "targets.max_glute_latency_ms", "is the older form of partner_onset_ms: give one of them")
    if new is None and old is not None:
        if not _ms(old):
            raise _invalid(where, "targets.max_glute_latency_ms", "must be a number of ms between -2000 and 2000")
        x = float(old)
        return (min(-DEFAULT_EARLY_MS, x - DEFAULT_EARLY_MS), x) if lead == Lead.LAT else (-x, max(DEFAULT_EARLY_MS, DEFAULT_EARLY_MS - x))
    field = "targets.partner_onset_ms"
    if not (isinstance(new, list) and len(new) == 2 and all(_ms(v) for v in new)):
        raise _invalid(where, field, f"must be [earliest, latest]: the {lead.partner}'s onset in ms after the {lead}'s "
                                     "(negative: before), each within +-2000")
    lo, hi = float(new[0]), float(new[1])
    if lo >= hi:
        raise _invalid(where, field, f"earliest ({lo:g}) must be below latest ({hi:g})")
    return lo, hi


def _phases_table(d: dict, where: str) -> dict:
    """The drill's [phases] table, checked: seconds of setup and of each rep phase."""
    phases = d.get("phases")
    if not isinstance(phases, dict):
        raise _invalid(where, "phases", "must be a table of seconds (setup, contract, hold, release, rest)")
    extra = set(phases) - {"setup", *PHASES}
    if extra:
        raise _invalid(where, "phases." + ", phases.".join(sorted(extra)), "is not a phase (setup, contract, hold, release, rest)")
    return phases


def _targets(d: dict, lead: Lead, where: str) -> Targets:
    """The drill's [targets]: the lat's band and the glute's minimum (%MVC), the partner's onset window."""
    targets = d.get("targets")
    if not isinstance(targets, dict):
        raise _invalid(where, "targets", "must be a table")
    odd = set(targets) - {"lat_pct_mvc", "glute_pct_mvc_min", "partner_onset_ms", "max_glute_latency_ms"}
    if odd:
        raise _invalid(where, "targets." + ", targets.".join(sorted(odd)), "is not a target (lat_pct_mvc, glute_pct_mvc_min, partner_onset_ms)")
    lat = targets.get("lat_pct_mvc")
    if not (isinstance(lat, list) and len(lat) == 2):
        raise _invalid(where, "targets.lat_pct_mvc", "must be [low, high] in %MVC")
    lat_lo, lat_hi = _pct(lat[0], where, "targets.lat_pct_mvc"), _pct(lat[1], where, "targets.lat_pct_mvc")
    if lat_lo >= lat_hi:
        raise _invalid(where, "targets.lat_pct_mvc", f"low ({lat_lo:g}) must be below high ({lat_hi:g})")
    glute_min = _pct(targets.get("glute_pct_mvc_min"), where, "targets.glute_pct_mvc_min")
    return Targets(lat_lo, lat_hi, glute_min, _onset_window(targets, lead, where), lead)


def _corrections(d: dict, where: str) -> tuple[tuple[Miss, str], ...]:
    """The drill's own cue per miss ([corrections]), sorted by miss."""
    corrections = d.get("corrections", {})
    if not isinstance(corrections, dict):
        raise _invalid(where, "corrections", "must be a table")
    for k, v in corrections.items():
        if k not in MISSES:
            raise _invalid(where, f"corrections.{k}", f"is not a miss ({', '.join(MISSES)})")
        if not (isinstance(v, str) and v.strip() != ""):
            raise _invalid(where, f"corrections.{k}", "must be a non-empty string")
    return tuple(sorted((Miss(k), v.strip()) for k, v in corrections.items()))


def parse_drill(d: object, where: str) -> Drill:
    """One [[drill]] table -> Drill; `where` names the file (and is extended with the drill's id)."""
    if not isinstance(d, dict):
        raise _invalid(where, "[[drill]]", "must be a table")
    drill_id = d.get("id")
    if not (isinstance(drill_id, str) and drill_id.isidentifier()):
        raise _invalid(where, "id", "must be a name of letters, digits and _")
    where = f"{where}: drill {drill_id!r}"
    unknown = set(d) - {"id", "name", "purpose", "setup", "electrodes", "lead", "reps", "cues", "phases", "targets",
                        "corrections", "slings"}
    if unknown:
        raise _invalid(where, ", ".join(sorted(unknown)), "is not a drill field")
    lead = d.get("lead", "lat")
    if lead not in LEADS:
        raise _invalid(where, "lead", f"must be one of {', '.join(LEADS)}")
    reps = d.get("reps")
    if not (isinstance(reps, int) and not isinstance(reps, bool) and 1 <= reps <= 100):
        raise _invalid(where, "reps", "must be a whole number 1-100")
    cues = d.get("cues", [])
    if not (isinstance(cues, list) and cues and all(isinstance(c, str) and c.strip() for c in cues)):
        raise _invalid(where, "cues", "must be a non-empty list of strings")
    phases = _phases_table(d, where)
    rep_phases = tuple((p, _seconds(phases, p, where, allow_zero=p in ("release", "rest"))) for p in PHASES)
    targets = _targets(d, Lead(lead), where)
    corrections = _corrections(d, where)
    return Drill(
        id=drill_id,
        name=_text(d, "name", where),
        purpose=_text(d, "purpose", where),
        setup=_text(d, "setup", where),
        electrodes=_text(d, "electrodes", where),
        lead=Lead(lead),
        reps=reps,
        cues=tuple(c.strip() for c in cues),
        setup_s=_seconds(phases, "setup", where, allow_zero=True) if "setup" in phases else 5.0,
        phases=rep_phases,
        targets=targets,
        corrections=corrections,
        slings=_slings(d, where),
    )


def _slings(d: dict, where: str) -> tuple[Sling, ...]:
    """The drill's `slings`: absent (one sling, the one the user wears), or both, in the order the reps
    take them (["left", "right"]: the first rep on the left sling, the next on the right, ...)."""
    v = d.get("slings")
    if v is None:
        return ()
    names = [str(s) for s in Sling]
    if not (isinstance(v, list) and sorted(map(str, v)) == sorted(names) and all(isinstance(x, str) for x in v)):
        raise _invalid(where, "slings", f"must name both slings in the order the reps take them: {names} or "
                                        f"{names[::-1]} (leave it out for a one-sling drill)")
    return tuple(Sling(x) for x in v)


def load_file(path: str | Path) -> dict[str, Drill]:
    """The drills of one TOML file, by id, in file order."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DrillError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DrillError(f"{path}: cannot read ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise DrillError(f"{path}: not valid TOML ({e})") from None
    items = doc.get("drill")
    if not isinstance(items, list) or not items:
        raise DrillError(f"{path}: no [[drill]] tables")
    out: dict[str, Drill] = {}
    for d in items:
        drill = parse_drill(d, str(path))
        if drill.id in out:
            raise DrillError(f"{path}: drill {drill.id!r}: id is used twice")
        out[drill.id] = drill
    return out


def user_drills_path() -> Path:
    """Where the user's own drills live: drills.toml in the user's config folder."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("emgcoach", appauthor=False)) / "drills.toml"


def load_library(extra: str | Path | None = None, include_user: bool = True) -> dict[str, Drill]:
    """The built-in drills, then the user's file (if present), then `extra`; later ids replace earlier."""
    drills = load_file(BUILTIN)
    user = user_drills_path()
    if include_user and user.exists():
        drills.update(load_file(user))
    if extra is not None:
        drills.update(load_file(extra))
    return drills


def get_drill(drill_id: str, library: dict[str, Drill] | None = None) -> Drill:
    """One drill by id, or a DrillError listing the ids there are."""
    library = library if library is not None else load_library()
    if drill_id not in library:
        raise DrillError(f"unknown drill {drill_id!r}; drills: {', '.join(library)}")
    return library[drill_id]
