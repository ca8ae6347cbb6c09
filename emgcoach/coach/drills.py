"""The drill library: `drills.toml` beside this module, plus the user's own drills file if there is one.

Every drill is validated on load; a mistake gives one `DrillError` naming the file, the drill and the
field. Times are in s, levels in %MVC, latencies in ms.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from emgcoach.errors import EmgcoachError

BUILTIN = Path(__file__).with_name("drills.toml")
PHASES = ("contract", "hold", "release", "rest")  # one rep, in order; "setup" comes once before the first
LEADS = ("lat", "glute")
MISSES = ("glute_missing", "glute_late", "glute_low", "lat_low", "lat_high")
DEFAULT_CORRECTIONS = {
    "glute_missing": "No glute: squeeze the opposite buttock as you start the pull",
    "glute_late": "Glute late: squeeze as you start the pull",
    "glute_low": "Glute too quiet: squeeze harder through the whole hold",
    "lat_low": "Lat too quiet: press the arm down and back, long and straight",
    "lat_high": "Lat working too hard: ease off the arm and let the glute do its share",
}


class DrillError(EmgcoachError):
    """A drills file that cannot be used: names the file, the drill and the field."""


@dataclass(frozen=True)
class Targets:
    """What a good rep reaches: lat within [lat_lo, lat_hi] %MVC, glute at least glute_min %MVC, and the
    glute's onset no later than max_glute_latency_ms after the lat's."""

    lat_lo: float
    lat_hi: float
    glute_min: float
    max_glute_latency_ms: float


@dataclass(frozen=True)
class Drill:
    """One drill of the library (phases in s, targets in %MVC and ms)."""

    id: str
    name: str
    purpose: str
    setup: str
    electrodes: str
    lead: str
    reps: int
    cues: tuple[str, ...]
    setup_s: float
    phases: tuple[tuple[str, float], ...]  # (phase, seconds) of one rep, in PHASES order
    targets: Targets
    corrections: tuple[tuple[str, str], ...]

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
        """The one-line cue for a missed target (see MISSES)."""
        return dict(self.corrections).get(miss, DEFAULT_CORRECTIONS[miss])


def _need(cond: bool, where: str, field: str, what: str) -> None:
    if not cond:
        raise DrillError(f"{where}: {field} {what}")


def _text(d: dict, key: str, where: str) -> str:
    v = d.get(key)
    _need(isinstance(v, str) and v.strip() != "", where, key, "must be a non-empty string")
    return v.strip()


def _seconds(d: dict, key: str, where: str, allow_zero: bool = False) -> float:
    v = d.get(key)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and (v > 0 or (allow_zero and v == 0))
    _need(ok, where, key, "must be a positive number of seconds" + (" (or 0)" if allow_zero else ""))
    _need(v <= 600, where, key, f"is {v} s: more than 10 minutes for one phase")
    return float(v)


def _pct(v: object, where: str, key: str) -> float:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 200
    _need(ok, where, key, "must be a %MVC number between 0 and 200")
    return float(v)


def parse_drill(d: object, where: str) -> Drill:
    """One [[drill]] table -> Drill; `where` names the file (and is extended with the drill's id)."""
    _need(isinstance(d, dict), where, "[[drill]]", "must be a table")
    assert isinstance(d, dict)
    drill_id = d.get("id")
    _need(isinstance(drill_id, str) and drill_id.isidentifier(), where, "id", "must be a name of letters, digits and _")
    where = f"{where}: drill {drill_id!r}"
    unknown = set(d) - {"id", "name", "purpose", "setup", "electrodes", "lead", "reps", "cues", "phases", "targets", "corrections"}
    _need(not unknown, where, ", ".join(sorted(unknown)), "is not a drill field")
    lead = d.get("lead", "lat")
    _need(lead in LEADS, where, "lead", f"must be one of {', '.join(LEADS)}")
    reps = d.get("reps")
    _need(isinstance(reps, int) and not isinstance(reps, bool) and 1 <= reps <= 100, where, "reps", "must be a whole number 1-100")
    cues = d.get("cues", [])
    _need(isinstance(cues, list) and cues and all(isinstance(c, str) and c.strip() for c in cues), where, "cues", "must be a non-empty list of strings")
    phases = d.get("phases")
    _need(isinstance(phases, dict), where, "phases", "must be a table of seconds (setup, contract, hold, release, rest)")
    extra = set(phases) - {"setup", *PHASES}
    _need(not extra, where, "phases." + ", phases.".join(sorted(extra)), "is not a phase (setup, contract, hold, release, rest)")
    rep_phases = tuple((p, _seconds(phases, p, where, allow_zero=p in ("release", "rest"))) for p in PHASES)
    targets = d.get("targets")
    _need(isinstance(targets, dict), where, "targets", "must be a table")
    lat = targets.get("lat_pct_mvc")
    _need(isinstance(lat, list) and len(lat) == 2, where, "targets.lat_pct_mvc", "must be [low, high] in %MVC")
    lat_lo, lat_hi = _pct(lat[0], where, "targets.lat_pct_mvc"), _pct(lat[1], where, "targets.lat_pct_mvc")
    _need(lat_lo < lat_hi, where, "targets.lat_pct_mvc", f"low ({lat_lo:g}) must be below high ({lat_hi:g})")
    glute_min = _pct(targets.get("glute_pct_mvc_min"), where, "targets.glute_pct_mvc_min")
    lat_ms = targets.get("max_glute_latency_ms")
    ok = isinstance(lat_ms, (int, float)) and not isinstance(lat_ms, bool) and math.isfinite(lat_ms) and -1000 <= lat_ms <= 2000
    _need(ok, where, "targets.max_glute_latency_ms", "must be a number of ms between -1000 and 2000")
    corrections = d.get("corrections", {})
    _need(isinstance(corrections, dict), where, "corrections", "must be a table")
    for k, v in corrections.items():
        _need(k in MISSES, where, f"corrections.{k}", f"is not a miss ({', '.join(MISSES)})")
        _need(isinstance(v, str) and v.strip() != "", where, f"corrections.{k}", "must be a non-empty string")
    return Drill(
        id=drill_id,
        name=_text(d, "name", where),
        purpose=_text(d, "purpose", where),
        setup=_text(d, "setup", where),
        electrodes=_text(d, "electrodes", where),
        lead=lead,
        reps=reps,
        cues=tuple(c.strip() for c in cues),
        setup_s=_seconds(phases, "setup", where, allow_zero=True) if "setup" in phases else 5.0,
        phases=rep_phases,
        targets=Targets(lat_lo, lat_hi, glute_min, float(lat_ms)),
        corrections=tuple(sorted((k, v.strip()) for k, v in corrections.items())),
    )


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
