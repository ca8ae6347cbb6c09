"""Both posterior oblique slings at once: which channels make each sling, and how the two compare.

The posterior oblique sling joins a latissimus dorsi to the opposite gluteus maximus through the
thoracolumbar fascia (Vleeming A et al. 1995, Spine 20(7):753-758; Mooney V et al. 2001, Spine
26(19):2190-2196, who recorded the lat with the contralateral glute in walking). A body has two: the left
lat with the right glute, and the right lat with the left glute. The literature describes the sling as
"the latissimus dorsi and the contralateral gluteus maximus" without a fixed left/right name for each;
here a sling is named by the side of its lat, the muscle a drill's reach starts from and the one the
app has always named first (`Sling.LEFT` = left lat + right glute, `Sling.RIGHT` = right lat + left
glute), the same rule as `set_sling(lat_side)` in the feedback views.

Symmetry. The two slings are compared rep by rep with the symmetry index of Robinson RO, Herzog W,
Nigg BM (1987) Use of force platform variables to quantify the effects of chiropractic manipulation on
gait symmetry, J Manipulative Physiol Ther 10(4):172-176:

    SI = (X_R - X_L) / (0.5 (X_R + X_L)) x 100 %

X_R and X_L the right and left sling's figure (0: perfect symmetry; positive: the right sling's is the
larger; +-200 % at most, when one side is 0). It is the index most used for left-right differences in
gait and EMG (one of the nine equations reviewed by Bishop C, Read P, Chavda S, Turner A (2016)
Asymmetries of the lower limb: the calculation conundrum in strength training and conditioning,
Strength Cond J 38(6):27-32, who note that it gives the same magnitude whichever side is larger). It
needs two positive quantities of one kind: the app applies it to the levels it scores each rep on (the
glute's and the lat's mean %MVC, or µV without calibration). The lat-glute onset latency is signed (a
glute may fire before its lat) and often near zero, where a ratio to the mean is meaningless, so its
left-right difference is given in ms instead (right minus left).

A rep of one sling is paired with the same-numbered rep of the other (the k-th left rep with the k-th
right rep, in time order): in an alternating drill (left, right, left, ...) that is one cycle, in a
drill done with both slings together the two halves of one rep.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

K = TypeVar("K")
# the channel roles' strings (`types.MUSCLES`, `coach.live_feedback.LAT`/`GLUTE`; a test holds them equal),
# not imported: the drill library names slings, and live_feedback imports it
LAT = "latissimus_dorsi"
GLUTE = "gluteus_maximus"


class Sling(StrEnum):
    """One posterior oblique sling, named by the side of its lat (module docstring). The strings are
    stored in files (`analyze --json`, drills files)."""

    LEFT = "left"  # left latissimus dorsi + right gluteus maximus
    RIGHT = "right"  # right latissimus dorsi + left gluteus maximus

    @property
    def lat_side(self) -> str:
        return str(self.value)

    @property
    def glute_side(self) -> str:
        return "right" if self is Sling.LEFT else "left"

    @property
    def name_text(self) -> str:
        """'Left sling' or 'Right sling'."""
        return f"{self.value.capitalize()} sling"

    @property
    def muscles_text(self) -> str:
        """'left lat + right glute' (or the reverse)."""
        return f"{self.lat_side} lat + {self.glute_side} glute"

    @classmethod
    def of(cls, muscle: str, side: str) -> Sling | None:
        """The sling a lat or glute on `side` belongs to (None for another muscle or no side)."""
        if side not in ("left", "right") or muscle not in (LAT, GLUTE):
            return None
        return cls(side) if muscle == LAT else cls("right" if side == "left" else "left")


SLINGS = tuple(Sling)


def find_slings(roles: Mapping[K, tuple[str, str]]) -> dict[Sling, tuple[K, K]]:
    """Each sling whose lat and glute both have a channel among `roles` (key -> (muscle, side)): its
    (lat key, glute key), the first of each in the mapping's order, LEFT before RIGHT."""
    out: dict[Sling, tuple[K, K]] = {}
    for sling in SLINGS:
        lat = next((k for k, r in roles.items() if tuple(r) == (LAT, sling.lat_side)), None)
        glute = next((k for k, r in roles.items() if tuple(r) == (GLUTE, sling.glute_side)), None)
        if lat is not None and glute is not None:
            out[sling] = (lat, glute)
    return out


def symmetry_index(left: float | None, right: float | None) -> float | None:
    """Robinson et al. (1987)'s symmetry index of a right and a left figure, in %: (R - L) / (0.5 (R + L))
    x 100 (module docstring). None when either is missing or not finite, or both are 0 (nothing to
    compare); a negative figure (a level below rest) counts as 0."""
    if left is None or right is None or not (math.isfinite(left) and math.isfinite(right)):
        return None
    lv, rv = max(left, 0.0), max(right, 0.0)
    if lv + rv <= 0.0:
        return None
    return 100.0 * (rv - lv) / (0.5 * (rv + lv))


@dataclass(frozen=True)
class RepLevels:
    """What one sling's rep is compared on: its time (s), its lat's and glute's mean level (%MVC when
    `calibrated`, else µV) and its glute's onset after its lat's (ms; None when not timed)."""

    start_s: float
    lat: float | None
    glute: float | None
    latency_ms: float | None
    calibrated: bool


@dataclass(frozen=True)
class RepSymmetry:
    """One pair of reps (the k-th of each sling): the symmetry index of each level (%, Robinson 1987)
    and the right-minus-left onset latency (ms)."""

    index: int
    left_start_s: float
    right_start_s: float
    glute_si_pct: float | None
    lat_si_pct: float | None
    latency_diff_ms: float | None
    unit: str  # '%MVC' or 'µV': what the indexed levels were

    def to_dict(self) -> dict:
        return {"index": self.index, "left_start_s": _r(self.left_start_s, 3), "right_start_s": _r(self.right_start_s, 3),
                "glute_si_pct": _r(self.glute_si_pct), "lat_si_pct": _r(self.lat_si_pct),
                "latency_diff_ms": _r(self.latency_diff_ms), "levels_in": self.unit}


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def rep_symmetry(left: Iterable[RepLevels], right: Iterable[RepLevels]) -> list[RepSymmetry]:
    """The k-th left rep against the k-th right rep (each in time order), as many pairs as the shorter
    side has reps. Levels are compared in %MVC when both reps are calibrated, else in µV."""
    ls = sorted(left, key=lambda r: r.start_s)
    rs = sorted(right, key=lambda r: r.start_s)
    out = []
    for k, (a, b) in enumerate(zip(ls, rs)):
        lat_diff = None if a.latency_ms is None or b.latency_ms is None else b.latency_ms - a.latency_ms
        out.append(RepSymmetry(k, a.start_s, b.start_s, symmetry_index(a.glute, b.glute), symmetry_index(a.lat, b.lat),
                               lat_diff, "%MVC" if a.calibrated and b.calibrated else "µV"))
    return out


@dataclass(frozen=True)
class SymmetrySummary:
    """The reps' symmetry over a set or a file: each pair, and the mean of each index (None: no pairs)."""

    reps: tuple[RepSymmetry, ...]

    @staticmethod
    def _mean(values: Iterable[float | None]) -> float | None:
        xs = [v for v in values if v is not None]
        return sum(xs) / len(xs) if xs else None

    @property
    def glute_si_pct(self) -> float | None:
        return self._mean(r.glute_si_pct for r in self.reps)

    @property
    def lat_si_pct(self) -> float | None:
        return self._mean(r.lat_si_pct for r in self.reps)

    @property
    def latency_diff_ms(self) -> float | None:
        return self._mean(r.latency_diff_ms for r in self.reps)

    def to_dict(self) -> dict:
        return {"formula": SI_FORMULA, "source": SI_SOURCE, "pairs": len(self.reps),
                "mean_glute_si_pct": _r(self.glute_si_pct), "mean_lat_si_pct": _r(self.lat_si_pct),
                "mean_latency_diff_ms": _r(self.latency_diff_ms), "reps": [r.to_dict() for r in self.reps]}

    def text(self) -> str:
        """One line: 'glute SI -28 %, lat SI +3 %, glute onset right - left +5 ms (right vs left sling,
        Robinson et al. 1987), over 4 rep pairs; the right sling's glute (the left glute) works less'."""
        if not self.reps:
            return "no rep of one sling to pair with a rep of the other"
        parts = [f"{name} SI {v:+.0f} %" for name, v in (("glute", self.glute_si_pct), ("lat", self.lat_si_pct))
                 if v is not None]
        if self.latency_diff_ms is not None:
            parts.append(f"glute onset right - left {self.latency_diff_ms:+.0f} ms")
        n = len(self.reps)
        return (f"{', '.join(parts) or 'no levels to compare'} (right vs left sling, {SI_SHORT}), over {n} rep "
                f"pair{'s' if n != 1 else ''}; {symmetry_words(self.glute_si_pct)}")


SI_FORMULA = "SI = (R - L) / (0.5 (R + L)) x 100 %"
SI_SHORT = "Robinson et al. 1987"
SI_SOURCE = ("Robinson RO, Herzog W, Nigg BM (1987) J Manipulative Physiol Ther 10(4):172-176; R and L the right "
             "and left sling's figure (sling named by its lat's side)")
# Between-side differences of surface EMG amplitude within about 10-15 % are common in healthy people;
# above 15 % is the usual threshold for a clinically notable asymmetry in the strength-and-conditioning
# literature reviewed by Bishop et al. (2016). A guide, not a norm.
NOTABLE_SI_PCT = 15.0


def symmetry_words(si_pct: float | None) -> str:
    """The glute SI in plain words: which sling's glute works less, when by more than NOTABLE_SI_PCT."""
    if si_pct is None:
        return "glute symmetry not measured"
    if abs(si_pct) <= NOTABLE_SI_PCT:
        return f"glutes even (within {NOTABLE_SI_PCT:g} %)"
    weaker = Sling.LEFT if si_pct > 0 else Sling.RIGHT
    return f"the {weaker.name_text.lower()}'s glute (the {weaker.glute_side} glute) works less"


def symmetry_short(si_pct: float) -> str:
    """The glute SI in a few words for a one-line display: 'the left glute works less', or 'glutes even'
    within NOTABLE_SI_PCT."""
    if abs(si_pct) <= NOTABLE_SI_PCT:
        return "glutes even"
    weaker = Sling.LEFT if si_pct > 0 else Sling.RIGHT  # the sling whose glute works less
    return f"the {weaker.glute_side} glute works less"


def missing_slings(slings_named: tuple[Sling, ...], found: Iterable[Sling]) -> str:
    """Why a drill naming `slings_named` cannot be done with the slings `found` (lat and opposite glute
    both assigned), in one line; '' when it can (a drill naming none needs one sling, any)."""
    have = set(found)
    lacking = [s for s in slings_named if s not in have]
    if not lacking:
        return ""
    return (f"This drill works both slings: it needs four sensors, both lats and both glutes "
            f"({'; '.join(f'the {s.name_text.lower()}, {s.muscles_text}' for s in lacking)} not assigned)")
