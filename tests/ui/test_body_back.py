"""The drawn body agrees with the placement facts: sides as seen from behind, each site inside its muscle's
region and the silhouette, the glute site half-way from S2 to the trochanter, the lat site 4 cm below the
inferior angle, and the landmark lines at the angles `coach.placement` gives the electrode pairs."""

from __future__ import annotations

import math
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QPointF, QRectF

from emgcoach.coach.placement import GLUTE_FIBRE_DEG, LAT_FIBRE_DEG, BodySide, Landmark, Muscle, fibre_angle_deg
from emgcoach.ui import body_back as bb

SIDES = (BodySide.LEFT, BodySide.RIGHT)


def test_seen_from_behind_the_persons_left_is_on_the_viewers_left() -> None:
    for lm in Landmark:
        left, right = bb.landmark(lm, BodySide.LEFT), bb.landmark(lm, BodySide.RIGHT)
        assert left.y() == right.y()
        assert left.x() == -right.x()
        assert left.x() < 0 or lm.midline
    for m in Muscle:
        assert bb.region(m, BodySide.LEFT).boundingRect().center().x() < 0
        assert bb.region(m, BodySide.RIGHT).boundingRect().center().x() > 0
        assert bb.site(m, BodySide.LEFT).x() < 0 < bb.site(m, BodySide.RIGHT).x()


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("muscle", list(Muscle))
def test_sites_and_electrodes_lie_on_their_muscle(muscle: Muscle, side: BodySide) -> None:
    region, body = bb.region(muscle, side), bb.silhouette()
    assert region.contains(bb.site(muscle, side))
    for e in bb.electrodes(muscle, side):
        assert region.contains(e) and body.contains(e)
    a, b = bb.electrodes(muscle, side)
    assert math.hypot(a.x() - b.x(), a.y() - b.y()) == pytest.approx(bb.mm(20.0))
    assert bb.line_angle_deg(a, b) == pytest.approx(fibre_angle_deg(muscle, side))
    assert body.contains(bb.reference(muscle, side))


def test_sites_by_their_rules() -> None:
    s2, gt = bb.landmark(Landmark.S2), bb.landmark(Landmark.GREATER_TROCHANTER, BodySide.RIGHT)
    g = bb.site(Muscle.GLUTE, BodySide.RIGHT)
    assert (g.x(), g.y()) == pytest.approx(((s2.x() + gt.x()) / 2, (s2.y() + gt.y()) / 2))
    angle, lat = bb.landmark(Landmark.INFERIOR_ANGLE, BodySide.LEFT), bb.site(Muscle.LAT, BodySide.LEFT)
    assert lat.x() == angle.x()
    assert (lat.y() - angle.y()) * bb.STATURE_MM == pytest.approx(40.0)  # 4 cm below, y runs down
    assert bb.reference(Muscle.LAT, BodySide.RIGHT) == bb.landmark(Landmark.C7)
    assert bb.reference(Muscle.GLUTE, BodySide.LEFT) == bb.landmark(Landmark.ILIAC_CREST, BodySide.LEFT)


def test_landmark_lines_run_at_the_angles_the_pairs_are_drawn_at() -> None:
    """The angles in coach.placement were worked out on this body's proportions; if the drawing moves a
    landmark, the angles must follow (within 5 degrees)."""
    r = BodySide.RIGHT
    paf = bb.landmark(Landmark.POSTERIOR_AXILLARY_FOLD, r)
    for start in (bb.landmark(Landmark.L3), bb.site(Muscle.LAT, r)):
        assert bb.line_angle_deg(start, paf) == pytest.approx(LAT_FIBRE_DEG, abs=5.0)
    glute = bb.line_angle_deg(bb.landmark(Landmark.PSIS, r), bb.landmark(Landmark.MID_POSTERIOR_THIGH, r))
    assert glute == pytest.approx(180.0 - GLUTE_FIBRE_DEG, abs=5.0)  # down and out: past the vertical
    assert glute == pytest.approx(fibre_angle_deg(Muscle.GLUTE, r), abs=5.0)


def test_the_body_has_its_parts_and_fits_its_box() -> None:
    body = bb.silhouette()
    box = bb.box()
    assert box.contains(body.boundingRect())
    for x, y, part in ((0.0, 0.06, "head"), (0.0, 0.15, "neck"), (0.12, 0.2, "shoulder"), (0.16, 0.45, "arm"),
                       (0.0, 0.3, "trunk"), (0.06, 0.47, "pelvis"), (0.05, 0.8, "leg"), (-0.05, 0.8, "leg")):
        assert body.contains(QPointF(x, y)), part
    assert not body.contains(QPointF(0.0, 0.8))  # between the legs
    assert not body.contains(QPointF(0.125, 0.40))  # between the arm and the waist
    # the lat reaches from the spine to the armpit, the glute from the sacrum to the trochanter
    lat = bb.region(Muscle.LAT, BodySide.RIGHT).boundingRect()
    assert lat.left() < 0.01 and lat.right() > 0.105 and lat.top() < 0.245
    glute = bb.region(Muscle.GLUTE, BodySide.RIGHT).boundingRect()
    assert glute.left() < 0.01 and glute.right() >= bb.landmark(Landmark.GREATER_TROCHANTER).x()
    assert bb.fascia().contains(QPointF(0.0, 0.4))


def test_frame_fits_the_box_keeping_proportions() -> None:
    rect = QRectF(10, 20, 300, 500)
    t = bb.frame(rect, 0.7)
    mapped = t.mapRect(bb.box(0.7))
    assert rect.adjusted(-0.01, -0.01, 0.01, 0.01).contains(mapped)
    assert t.m11() == pytest.approx(t.m22())
    assert mapped.width() == pytest.approx(300) or mapped.height() == pytest.approx(500)
    assert t.map(QPointF(0, 0)).x() == pytest.approx(rect.center().x())  # the midline down the middle
