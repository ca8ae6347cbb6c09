"""The electrode placement facts, without Qt: the sling's sides, SENIAM's distances in mm, the electrode
pair's angle per muscle and side as a back view draws it, and the words the placement view shows."""

from __future__ import annotations

import math

import pytest

from emgcoach.coach.live_feedback import GLUTE, LAT
from emgcoach.coach.placement import (
    INTER_ELECTRODE_MM,
    LAT_BELOW_INFERIOR_ANGLE_MM,
    MAX_ELECTRODE_MM,
    SITES,
    BodySide,
    Landmark,
    Muscle,
    electrode_offsets_mm,
    fibre_angle_deg,
    instructions,
    site_rule,
    sling_partner,
    sling_sides,
)
from emgcoach.types import MUSCLES, SIDES


def test_muscles_and_sides_are_the_channel_roles_strings() -> None:
    assert Muscle.LAT == LAT == "latissimus_dorsi" and Muscle.GLUTE == GLUTE == "gluteus_maximus"
    assert {m.value for m in Muscle} <= set(MUSCLES) and {s.value for s in BodySide} <= set(SIDES)
    assert site_rule("gluteus_maximus") is SITES[Muscle.GLUTE]
    with pytest.raises(ValueError):
        site_rule("erector_spinae")


def test_a_left_lat_goes_with_a_right_glute_and_the_reverse() -> None:
    assert sling_partner(Muscle.LAT, BodySide.LEFT) == (Muscle.GLUTE, BodySide.RIGHT)
    assert sling_partner("latissimus_dorsi", "right") == (Muscle.GLUTE, BodySide.LEFT)
    assert sling_partner(Muscle.GLUTE, BodySide.RIGHT) == (Muscle.LAT, BodySide.LEFT)
    assert sling_partner("gluteus_maximus", "left") == (Muscle.LAT, BodySide.RIGHT)
    for m in Muscle:
        for s in BodySide:
            assert sling_partner(*sling_partner(m, s)) == (m, s)
    assert sling_sides("left") == (BodySide.LEFT, BodySide.RIGHT)
    assert sling_sides(BodySide.RIGHT) == (BodySide.RIGHT, BodySide.LEFT)


def test_seniam_sizes_in_mm() -> None:
    assert INTER_ELECTRODE_MM == 20.0  # centre to centre
    assert MAX_ELECTRODE_MM == 10.0  # along the fibres
    assert LAT_BELOW_INFERIOR_ANGLE_MM == 40.0
    for m in Muscle:
        for s in BodySide:
            (x0, y0), (x1, y1) = electrode_offsets_mm(m, s)
            assert math.hypot(x1 - x0, y1 - y0) == pytest.approx(20.0)
            assert (x0 + x1, y0 + y1) == pytest.approx((0.0, 0.0))  # the site is the pair's centre


def test_sites_are_found_from_the_sources_landmarks() -> None:
    lat, glute = SITES[Muscle.LAT], SITES[Muscle.GLUTE]
    assert lat.from_landmark == Landmark.INFERIOR_ANGLE and lat.below_mm == 40.0
    assert (glute.from_landmark, glute.to_landmark, glute.fraction) == (Landmark.S2, Landmark.GREATER_TROCHANTER, 0.5)
    assert (glute.orientation_from, glute.orientation_to) == (Landmark.PSIS, Landmark.MID_POSTERIOR_THIGH)
    assert lat.orientation_to == Landmark.POSTERIOR_AXILLARY_FOLD
    assert lat.reference.landmark == Landmark.C7 and Landmark.C7.midline
    assert glute.reference.landmark == Landmark.ILIAC_CREST and glute.reference.same_side


def test_angles_mirror_between_sides_and_run_the_fibres_way() -> None:
    for m in Muscle:
        assert fibre_angle_deg(m, "left") == pytest.approx(180.0 - fibre_angle_deg(m, "right"))
    # seen from behind the right side is on the viewer's right (x > 0), y up
    lat_r = math.radians(fibre_angle_deg(Muscle.LAT, BodySide.RIGHT))
    assert math.cos(lat_r) > 0 and math.sin(lat_r) > 0  # the lat's pair rises laterally, towards the armpit
    lat_l = math.radians(fibre_angle_deg(Muscle.LAT, BodySide.LEFT))
    assert math.cos(lat_l) < 0 and math.sin(lat_l) > 0  # lateral is the viewer's left, still rising
    (x0, y0), (x1, y1) = electrode_offsets_mm(Muscle.GLUTE, BodySide.RIGHT)
    lateral, medial = ((x0, y0), (x1, y1)) if x0 > x1 else ((x1, y1), (x0, y0))
    assert lateral[1] < medial[1]  # the glute's pair falls laterally (PSIS to the middle of the thigh)
    assert 60.0 < SITES[Muscle.GLUTE].fibre_angle_deg < 90.0


def test_instructions_name_the_side_the_distance_and_the_reference() -> None:
    i = instructions("latissimus_dorsi", "left")
    assert i.title == "Latissimus dorsi, left side"
    assert "4 cm below the inferior angle of the left scapula" in i.where
    assert "20 mm apart" in i.distance and "10 mm" in i.distance
    assert "C7" in i.reference
    assert "right gluteus maximus" in i.partner
    g = instructions(Muscle.GLUTE, BodySide.RIGHT)
    assert "right greater trochanter" in g.where and "S2" in g.where
    assert "iliac crest" in g.reference
    assert "left latissimus dorsi" in g.partner
    steps = " ".join(i.skin).lower()
    for word in ("shave", "abrade", "alcohol", "dry", "impedance"):
        assert word in steps
    assert "SENIAM" in i.sources and "SENIAM" in g.sources
