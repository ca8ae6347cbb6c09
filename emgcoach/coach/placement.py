"""Where the two sensors of the posterior oblique sling go, as data with their sources (no Qt here).

The sling joins a latissimus dorsi to the OPPOSITE gluteus maximus through the thoracolumbar fascia, so a
left lat pairs with a right glute and the reverse (`sling_partner`). Each muscle has one `SiteRule`:
which landmarks the site is found from, the electrode pair's orientation (`fibre_angle_deg`, the number
the body views draw with), the reference electrode and where each statement comes from.

Sources:
- SENIAM: Hermens HJ, Freriks B, Disselhorst-Klug C, Rau G (2000) Development of recommendations for SEMG
  sensors and sensor placement procedures, J Electromyogr Kinesiol 10:361-374, and seniam.org (sensor
  pages): bipolar electrodes at most 10 mm in the fibre direction, 20 mm apart centre to centre; skin
  shaved and cleaned with alcohol left to evaporate; the gluteus maximus site and orientation below; the
  reference electrode on or around the ankle or wrist, or on the spinous process of C7.
- The lat site (SENIAM has no latissimus dorsi page): Criswell E (2011) Cram's Introduction to Surface
  Electromyography, 2nd ed.: about 4 cm below the inferior angle of the scapula, half-way between the
  spine and the side of the trunk, over the muscle belly, the pair oblique along the fibres. Its
  orientation here is the fibres' line up and out to the posterior axillary fold, as in the surface EMG
  placement table of PMC10773797 (Table II: the lat "oriented along the line between the posterior
  axillary fold and L3").
- The iliac crest as the glute's reference: the back-squat study at hindawi.com/journals/abb/2017/9084725
  (Table 1, after Gullett et al. 2009), which also words the SENIAM glute site as above.
- Light abrasion before the alcohol: the usual practice of surface EMG manuals (Konrad P (2005) The ABC
  of EMG, Noraxon), which lowers and steadies the skin impedance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from emgcoach.coach.live_feedback import GLUTE, LAT


class Muscle(StrEnum):
    """The two muscles of the sling. The values are the channel roles' strings (`types.MUSCLES`,
    `live_feedback.LAT`/`GLUTE`), so a member compares equal to the string a channel carries."""

    LAT = LAT
    GLUTE = GLUTE


class BodySide(StrEnum):
    """The person's side (`types.SIDES` without 'none'). Seen from behind, the person's left is on the
    viewer's left."""

    LEFT = "left"
    RIGHT = "right"

    def other(self) -> BodySide:
        return BodySide.RIGHT if self is BodySide.LEFT else BodySide.LEFT


class Landmark(StrEnum):
    """Bony landmarks the sites and references are found from (one per side unless `midline`)."""

    C7 = "c7"  # spinous process of the 7th cervical vertebra, the prominent one at the base of the neck
    INFERIOR_ANGLE = "inferior_angle"  # of the scapula
    POSTERIOR_AXILLARY_FOLD = "posterior_axillary_fold"
    L3 = "l3"  # spinous process of L3
    ILIAC_CREST = "iliac_crest"  # its highest point, seen from behind
    PSIS = "psis"  # posterior superior iliac spine (the dimple above the buttock)
    S2 = "s2"  # the second sacral vertebra, level with the PSIS
    GREATER_TROCHANTER = "greater_trochanter"
    MID_POSTERIOR_THIGH = "mid_posterior_thigh"  # the middle of the back of the thigh

    @property
    def midline(self) -> bool:
        return self in (Landmark.C7, Landmark.L3, Landmark.S2)


# SENIAM (Hermens et al. 2000): bipolar electrodes, centre to centre, and their size along the fibres
INTER_ELECTRODE_MM = 20.0
MAX_ELECTRODE_MM = 10.0
# The lat site lies this far below the inferior angle of the scapula (Criswell 2011)
LAT_BELOW_INFERIOR_ANGLE_MM = 40.0


@dataclass(frozen=True)
class Reference:
    """Where the reference (ground) electrode goes: on bone, away from the muscle, so it picks up the
    body's common potential and little EMG."""

    landmark: Landmark
    same_side: bool  # a landmark with sides: on the sensor's side
    where: str  # the default, in words
    why: str
    alternatives: str
    source: str


@dataclass(frozen=True)
class SiteRule:
    """One muscle's electrode site: half-way (`fraction`) along the line `from_landmark` -> `to_landmark`,
    then `below_mm` straight down; the pair along `fibre_angle_deg` (degrees from the horizontal, the
    lateral end up for the lat and down for the glute) at INTER_ELECTRODE_MM."""

    muscle: Muscle
    name: str
    from_landmark: Landmark
    to_landmark: Landmark
    fraction: float
    below_mm: float
    fibre_angle_deg: float
    rises_laterally: bool  # the pair's lateral electrode sits higher (lat) or lower (glute) than the medial
    orientation_from: Landmark  # the pair lies parallel to the line from this landmark ...
    orientation_to: Landmark  # ... to this one
    where: str  # "{side}" stands for 'left' or 'right'
    orientation: str
    reference: Reference
    source: str


# The lat's fibres at its site run up and out to the posterior axillary fold. On an adult of average build
# (stature 1.70 m) the site lies about 9 cm from the midline level with T8-T9, the fold about 17 cm out
# and 9 cm higher, and L3 10 cm below the site: the site-to-fold and L3-to-fold lines both rise about 50
# degrees from the horizontal (the drawn body, `ui.body_back`, is held to this by a test).
LAT_FIBRE_DEG = 50.0
# SENIAM orients the glute's pair along the line from the PSIS (about 4.5 cm from the midline, level with
# S2) to the middle of the back of the thigh (about 9 cm from the midline, some 32 cm lower): steep, about
# 80 degrees below the horizontal, running down and out.
GLUTE_FIBRE_DEG = 80.0

SENIAM = "SENIAM (Hermens et al. 2000, seniam.org)"

SITES: dict[Muscle, SiteRule] = {
    Muscle.LAT: SiteRule(
        muscle=Muscle.LAT,
        name="Latissimus dorsi",
        from_landmark=Landmark.INFERIOR_ANGLE,
        to_landmark=Landmark.INFERIOR_ANGLE,
        fraction=0.0,
        below_mm=LAT_BELOW_INFERIOR_ANGLE_MM,
        fibre_angle_deg=LAT_FIBRE_DEG,
        rises_laterally=True,
        orientation_from=Landmark.L3,
        orientation_to=Landmark.POSTERIOR_AXILLARY_FOLD,
        where=("About 4 cm below the inferior angle of the {side} scapula, half-way between the spine and "
               "the side of the trunk, over the muscle belly."),
        orientation=(f"Along the fibres: the oblique line running up and out towards the armpit (about "
                     f"{LAT_FIBRE_DEG:.0f}° above the horizontal)."),
        reference=Reference(
            landmark=Landmark.C7, same_side=False,
            where="on the spinous process of C7, the bony bump at the base of the neck",
            why="bone, away from the working muscles",
            alternatives="or around the wrist",
            source=SENIAM,
        ),
        source="Criswell 2011 (Cram's Introduction to Surface EMG); orientation: PMC10773797 Table II",
    ),
    Muscle.GLUTE: SiteRule(
        muscle=Muscle.GLUTE,
        name="Gluteus maximus",
        from_landmark=Landmark.S2,
        to_landmark=Landmark.GREATER_TROCHANTER,
        fraction=0.5,
        below_mm=0.0,
        fibre_angle_deg=GLUTE_FIBRE_DEG,
        rises_laterally=False,
        orientation_from=Landmark.PSIS,
        orientation_to=Landmark.MID_POSTERIOR_THIGH,
        where=("Half-way between the sacrum (S2) and the {side} greater trochanter: the most prominent "
               "part of the middle of the buttock, well above the bulge of the trochanter."),
        orientation=(f"In the direction of the line from the posterior superior iliac spine (PSIS) to the "
                     f"middle of the back of the thigh (about {GLUTE_FIBRE_DEG:.0f}° below the horizontal, "
                     f"down and out)."),
        reference=Reference(
            landmark=Landmark.ILIAC_CREST, same_side=True,
            where="on the iliac crest of the same side",
            why="bone, close to the site, no working muscle under it",
            alternatives="or around the ankle, or on C7",
            source=f"{SENIAM}; iliac crest as in Gullett et al. 2009",
        ),
        source=SENIAM,
    ),
}

SKIN_PREPARATION = (
    "Shave the site if there is hair.",
    "Abrade lightly (a fine abrasive pad or gel) to take off dead skin.",
    "Clean with alcohol and let it dry.",
    "Stick the electrodes; check the signal: quiet at rest, a clear rise when the muscle works "
    "(or the impedance, if your amplifier measures it).",
)
SKIN_PREPARATION_SOURCE = "SENIAM (shave, alcohol); Konrad 2005 (abrasion, checking)"


def site_rule(muscle: Muscle | str) -> SiteRule:
    """The site rule of a sling muscle ('latissimus_dorsi' or 'gluteus_maximus'); ValueError for another."""
    return SITES[Muscle(muscle)]


def sling_partner(muscle: Muscle | str, side: BodySide | str) -> tuple[Muscle, BodySide]:
    """The other end of the posterior oblique sling: a left lat goes with a right glute, a right glute
    with a left lat, and so on."""
    m, s = Muscle(muscle), BodySide(side)
    return (Muscle.GLUTE if m is Muscle.LAT else Muscle.LAT), s.other()


def sling_sides(lat_side: BodySide | str) -> tuple[BodySide, BodySide]:
    """(lat side, glute side) of the sling coached with the lat on `lat_side`."""
    s = BodySide(lat_side)
    return s, s.other()


def fibre_angle_deg(muscle: Muscle | str, side: BodySide | str) -> float:
    """The electrode pair's axis as drawn in a back view, in degrees anticlockwise from the viewer's
    rightward horizontal (y up), in [0, 180). Seen from behind the person's right is on the viewer's
    right, so a right lat (rising laterally, to the viewer's right) is at +50 and a left lat at 130; a
    right glute (falling laterally) at 100 and a left glute at 80."""
    rule = site_rule(muscle)
    towards_right = BodySide(side) is BodySide.RIGHT  # lateral is the viewer's right
    a = rule.fibre_angle_deg if rule.rises_laterally == towards_right else -rule.fibre_angle_deg
    return a % 180.0


def electrode_offsets_mm(muscle: Muscle | str, side: BodySide | str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two electrodes' centres relative to the site, (x, y) in mm in the back view (x to the viewer's
    right, y up), INTER_ELECTRODE_MM apart along `fibre_angle_deg`."""
    a = math.radians(fibre_angle_deg(muscle, side))
    dx, dy = math.cos(a) * INTER_ELECTRODE_MM / 2, math.sin(a) * INTER_ELECTRODE_MM / 2
    return (-dx, -dy), (dx, dy)


@dataclass(frozen=True)
class Instructions:
    """What the placement view says about one sensor, in words."""

    title: str
    where: str
    orientation: str
    distance: str
    reference: str
    partner: str
    skin: tuple[str, ...]
    sources: str


def instructions(muscle: Muscle | str, side: BodySide | str) -> Instructions:
    """The placement text for one sensor (distances in mm)."""
    rule, s = site_rule(muscle), BodySide(side)
    pm, ps = sling_partner(muscle, side)
    ref = rule.reference
    return Instructions(
        title=f"{rule.name}, {s.value} side",
        where=rule.where.format(side=s.value),
        orientation=rule.orientation,
        distance=(f"Two electrodes {INTER_ELECTRODE_MM:.0f} mm apart, centre to centre, each at most "
                  f"{MAX_ELECTRODE_MM:.0f} mm across."),
        reference=f"{ref.where[0].upper()}{ref.where[1:]} ({ref.why}); {ref.alternatives}.",
        partner=f"Its sling partner: the {ps.value} {site_rule(pm).name.lower()} (shown dimmer).",
        skin=SKIN_PREPARATION,
        sources=f"Sources: site {rule.source}; reference {ref.source}; sizes and skin {SKIN_PREPARATION_SOURCE}.",
    )
