"""A human body seen from behind, drawn by the app: the silhouette (head, neck, shoulders, arms, torso,
pelvis, legs), a few anatomical lines (spine, scapulae, iliac crests, sacrum, gluteal folds), the bony
landmarks the electrode sites are found from, and the regions of each latissimus dorsi and gluteus
maximus, as QPainterPaths.

Coordinates are normalised to the person's stature: y runs down from the top of the head (0) to the soles
(1), x runs to the viewer's right from the midline. Seen from behind the person's left is on the viewer's
left, so the person's right side has x > 0. The proportions are an adult of average build (stature
`STATURE_MM`), so the sites of `coach.placement` (4 cm, 20 mm) land where they should; `frame` fits the
box, or its top part, into a widget's rectangle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTransform

from emgcoach.coach.placement import BodySide, Landmark, Muscle, electrode_offsets_mm, site_rule
from emgcoach.ui.theme import Theme

STATURE_MM = 1700.0
HALF_WIDTH = 0.185  # the box's half width: the hands, hanging a little away from the thighs
TOP = -0.012  # the box's top, a little above the head

# The right side's landmarks (x > 0); the left side's are their mirror images. Heights as fractions of
# stature from the top of the head (anthropometric averages: C7 at 0.825 of stature above the floor, the
# inferior angle level with T7, the iliac crest at 0.59, the greater trochanter at 0.52, the PSIS level with S2).
_LANDMARKS: dict[Landmark, tuple[float, float]] = {
    Landmark.C7: (0.0, 0.175),
    Landmark.INFERIOR_ANGLE: (0.055, 0.285),
    Landmark.POSTERIOR_AXILLARY_FOLD: (0.11, 0.24),
    Landmark.L3: (0.0, 0.385),
    Landmark.ILIAC_CREST: (0.08, 0.413),
    Landmark.PSIS: (0.027, 0.445),
    Landmark.S2: (0.0, 0.447),
    Landmark.GREATER_TROCHANTER: (0.097, 0.48),
    Landmark.MID_POSTERIOR_THIGH: (0.052, 0.63),
}

# The right half of the outline, from under the head, down the outside of the leg and up its inside to
# the crotch (the left half is its mirror image).
_RIGHT_OUTLINE = [
    (0.030, 0.118), (0.033, 0.158), (0.062, 0.172), (0.100, 0.181), (0.124, 0.190), (0.128, 0.215),
    (0.113, 0.250), (0.108, 0.295), (0.098, 0.345), (0.091, 0.378), (0.095, 0.410), (0.104, 0.448),
    (0.108, 0.488), (0.101, 0.560), (0.089, 0.650), (0.077, 0.720), (0.079, 0.790), (0.067, 0.870),
    (0.051, 0.948), (0.056, 0.982), (0.036, 0.996), (0.017, 0.986), (0.021, 0.948), (0.019, 0.865),
    (0.023, 0.790), (0.019, 0.722), (0.011, 0.625), (0.0, 0.540),
]
# The right arm, hanging a little away from the trunk (so the lat can be seen up to the armpit), round
# the shoulder, down the outside to the fingertips and back up the inside to the armpit.
_RIGHT_ARM = [
    (0.098, 0.180), (0.128, 0.188), (0.145, 0.212), (0.150, 0.255), (0.154, 0.305), (0.159, 0.370),
    (0.165, 0.435), (0.164, 0.500), (0.170, 0.545), (0.160, 0.590), (0.143, 0.580), (0.137, 0.545),
    (0.141, 0.500), (0.135, 0.435), (0.127, 0.370), (0.121, 0.305), (0.115, 0.255), (0.108, 0.215),
]
# The right latissimus dorsi, a fan: from the spine at T7, its upper border over the inferior angle of the
# scapula to the tendon at the armpit, down the flank to the iliac crest, and back up the edge of its
# aponeurosis (the thoracolumbar fascia: tendon, not muscle) to the spine at T12. Each entry is a corner
# and the control point that rounds the edge leading to it (None: straight).
_RIGHT_LAT = [
    ((0.006, 0.262), None), ((0.108, 0.240), (0.060, 0.278)), ((0.114, 0.236), None),
    ((0.093, 0.405), (0.096, 0.320)), ((0.070, 0.413), None), ((0.006, 0.345), (0.035, 0.372)),
]
# Where the lat's fibres run from (along its origin: the spine, the aponeurosis' edge, the crest) to
# (the tendon at the armpit)
_LAT_ORIGIN = [(0.006, 0.262), (0.006, 0.345), (0.070, 0.413), (0.093, 0.405)]
_LAT_INSERTION = (0.114, 0.236)
# The right gluteus maximus: from the sacrum and the back of the iliac crest down and out to the
# trochanter and the top of the thigh, its lower border along the gluteal fold back to the coccyx.
_RIGHT_GLUTE = [
    ((0.012, 0.433), None), ((0.080, 0.438), (0.045, 0.420)), ((0.106, 0.500), (0.101, 0.462)),
    ((0.098, 0.566), (0.108, 0.535)), ((0.006, 0.522), (0.045, 0.562)), ((0.012, 0.433), (0.016, 0.475)),
]
# The glute's fibres run down and out (about 35 degrees below the horizontal), from the sacrum and the
# back of the crest to the iliotibial band and the gluteal tuberosity
_GLUTE_ORIGIN = [(0.024, 0.424), (0.006, 0.520)]
_GLUTE_INSERTION = [(0.110, 0.484), (0.104, 0.624)]
# The posterior layer of the thoracolumbar fascia: the diamond the sling crosses, from T12 to the sacrum
_FASCIA = [
    ((0.0, 0.338), None), ((0.066, 0.408), (0.030, 0.370)), ((0.0, 0.505), (0.030, 0.440)),
    ((-0.066, 0.408), (-0.030, 0.440)), ((0.0, 0.338), (-0.030, 0.370)),
]


def _mirror(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(-x, y) for x, y in points]


# Paths are built K times larger and scaled back: Qt flattens curves to a fixed tolerance in the path's
# own units when it unites them, which on a box one unit high would turn the head into a hexagon.
K = 1000.0
_UNSCALE = QTransform.fromScale(1.0 / K, 1.0 / K)


def _smooth(points: list[tuple[float, float]], closed: bool = True) -> QPainterPath:
    """A smooth path through the points (a Catmull-Rom spline drawn as cubic Béziers), so the outline
    needs only its turning points; in K-times body coordinates."""
    pts = [QPointF(x * K, y * K) for x, y in points]
    n = len(pts)
    path = QPainterPath(pts[0])
    last = n if closed else n - 1
    for i in range(last):
        p0 = pts[(i - 1) % n] if (closed or i > 0) else pts[i]
        p1, p2 = pts[i], pts[(i + 1) % n]
        p3 = pts[(i + 2) % n] if (closed or i + 2 < n) else p2
        # the stub lacks QPointF / float (Qt's operator/), so mypy loses the sum's type too
        path.cubicTo(p1 + (p2 - p0) / 6.0, p2 - (p3 - p1) / 6.0, p2)  # type: ignore[operator]
    if closed:
        path.closeSubpath()
    return path


def mix(a: str | QColor, b: str | QColor, t: float) -> QColor:
    """The colour t of the way from a to b (0: a, 1: b)."""
    ca, cb = QColor(a), QColor(b)
    return QColor.fromRgbF(ca.redF() + (cb.redF() - ca.redF()) * t, ca.greenF() + (cb.greenF() - ca.greenF()) * t,
                           ca.blueF() + (cb.blueF() - ca.blueF()) * t)


MUSCLE_TONE = "#c0574e"  # muscle regions: a muted red, as anatomy plates draw muscle


@dataclass(frozen=True)
class BodyColours:
    """The colours a body is drawn in, from a theme: the silhouette a shade off the window, lines between
    it and the text colour, muscles a muted red, and the highlight for what is being set up."""

    fill: QColor
    outline: QColor
    detail: QColor  # spine, scapulae, crests: fainter than the outline
    muscle: QColor
    muscle_edge: QColor
    highlight: QColor
    dim_highlight: QColor  # the sling partner: the highlight half-way to the body's fill
    text: QColor
    faint_text: QColor


def body_colours(theme: Theme) -> BodyColours:
    """The body's colours in `theme`."""
    fill = mix(theme.window, theme.text, 0.13)
    return BodyColours(
        fill=fill,
        outline=mix(theme.window, theme.text, 0.55),
        detail=mix(theme.window, theme.text, 0.33),
        muscle=mix(fill, MUSCLE_TONE, 0.30),
        muscle_edge=mix(fill, MUSCLE_TONE, 0.75),
        highlight=QColor(theme.highlight),
        dim_highlight=mix(theme.highlight, fill, 0.55),
        text=QColor(theme.text),
        faint_text=mix(theme.window, theme.text, 0.65),
    )


def _sign(side: BodySide | str) -> float:
    return 1.0 if BodySide(side) is BodySide.RIGHT else -1.0


def landmark(which: Landmark, side: BodySide | str = BodySide.RIGHT) -> QPointF:
    """A landmark in body coordinates (a midline one whatever the side)."""
    x, y = _LANDMARKS[which]
    return QPointF(0.0 if which.midline else _sign(side) * x, y)


def mm(length_mm: float) -> float:
    """A length in mm as body coordinates (a fraction of stature)."""
    return length_mm / STATURE_MM


def site(muscle: Muscle | str, side: BodySide | str) -> QPointF:
    """The centre of a sensor's electrode pair, by its muscle's rule (`coach.placement.SITES`)."""
    rule = site_rule(muscle)
    a, b = landmark(rule.from_landmark, side), landmark(rule.to_landmark, side)
    return a + (b - a) * rule.fraction + QPointF(0.0, mm(rule.below_mm))


def electrodes(muscle: Muscle | str, side: BodySide | str) -> tuple[QPointF, QPointF]:
    """The two electrodes' centres, `INTER_ELECTRODE_MM` apart along the fibre angle (y down here)."""
    c = site(muscle, side)
    (dx1, dy1), (dx2, dy2) = electrode_offsets_mm(muscle, side)
    return c + QPointF(mm(dx1), -mm(dy1)), c + QPointF(mm(dx2), -mm(dy2))


def reference(muscle: Muscle | str, side: BodySide | str) -> QPointF:
    """Where the sensor's reference electrode goes."""
    ref = site_rule(muscle).reference
    return landmark(ref.landmark, side if ref.same_side else BodySide.RIGHT)


def line_angle_deg(a: QPointF, b: QPointF) -> float:
    """The angle of the line a-b in body coordinates, degrees anticlockwise from the viewer's right
    (y up), in [0, 180): the convention of `coach.placement.fibre_angle_deg`."""
    return math.degrees(math.atan2(-(b.y() - a.y()), b.x() - a.x())) % 180.0


@lru_cache(maxsize=1)
def silhouette() -> QPainterPath:
    """The whole body's outline: head, neck and trunk with the legs, and both arms, as one path."""
    head = QPainterPath()
    head.addEllipse(QPointF(0.0, 0.066 * K), 0.052 * K, 0.068 * K)
    trunk = _smooth(_RIGHT_OUTLINE + _mirror(_RIGHT_OUTLINE[::-1])[1:])
    body = head.united(trunk)
    for side in (1, -1):
        arm = _smooth([(side * x, y) for x, y in _RIGHT_ARM])
        body = body.united(arm)
    return _UNSCALE.map(body.simplified())


@lru_cache(maxsize=1)
def details() -> QPainterPath:
    """Anatomical lines drawn faintly over the silhouette: the spine from C7 to the sacrum, the scapulae,
    the iliac crests, the sacrum and the gluteal folds."""
    path = QPainterPath(QPointF(0.0, landmark(Landmark.C7).y()))
    path.lineTo(0.0, 0.43)
    for s in (1.0, -1.0):
        angle = landmark(Landmark.INFERIOR_ANGLE, BodySide.RIGHT if s > 0 else BodySide.LEFT)
        scapula = QPainterPath(QPointF(s * 0.038, 0.196))  # the superior angle, down the medial border
        scapula.quadTo(QPointF(s * 0.040, 0.250), angle)
        scapula.quadTo(QPointF(s * 0.085, 0.240), QPointF(s * 0.108, 0.203))  # up the lateral border
        path.addPath(scapula)
        spine = QPainterPath(QPointF(s * 0.040, 0.214))  # the spine of the scapula, out to the acromion
        spine.quadTo(QPointF(s * 0.080, 0.200), QPointF(s * 0.122, 0.193))
        path.addPath(spine)
        crest = QPainterPath(QPointF(s * 0.022, 0.436))
        crest.quadTo(QPointF(s * 0.060, 0.404), QPointF(s * 0.098, 0.432))
        path.addPath(crest)
        fold = QPainterPath(QPointF(s * 0.008, 0.532))
        fold.quadTo(QPointF(s * 0.050, 0.556), QPointF(s * 0.090, 0.548))
        path.addPath(fold)
    sacrum = QPainterPath(QPointF(-0.027, 0.432))
    sacrum.quadTo(QPointF(-0.020, 0.490), QPointF(0.0, 0.518))
    sacrum.quadTo(QPointF(0.020, 0.490), QPointF(0.027, 0.432))
    path.addPath(sacrum)
    return path


def _outline(corners: list[tuple[tuple[float, float], tuple[float, float] | None]], sign: float) -> QPainterPath:
    """A closed path through the corners, each edge straight or bent through its control point."""
    (x0, y0), _ = corners[0]
    path = QPainterPath(QPointF(sign * x0, y0))
    for (x, y), ctrl in corners[1:]:
        if ctrl is None:
            path.lineTo(sign * x, y)
        else:
            path.quadTo(QPointF(sign * ctrl[0], ctrl[1]), QPointF(sign * x, y))
    path.closeSubpath()
    return path


def region(muscle: Muscle | str, side: BodySide | str) -> QPainterPath:
    """One muscle's region on one side."""
    corners = _RIGHT_LAT if Muscle(muscle) is Muscle.LAT else _RIGHT_GLUTE
    return _outline(corners, _sign(side))


def _along(points: list[tuple[float, float]], t: float) -> QPointF:
    """The point a fraction t of the way along a polyline (by segment count, which is close enough for
    spacing a few fibre lines)."""
    t = min(max(t, 0.0), 1.0) * (len(points) - 1)
    i = min(int(t), len(points) - 2)
    (x0, y0), (x1, y1) = points[i], points[i + 1]
    f = t - i
    return QPointF(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)


def fibres(muscle: Muscle | str, side: BodySide | str, count: int = 7) -> QPainterPath:
    """A few lines along the muscle's fibres (the direction its electrode pair lies in), to draw clipped
    to its region: the lat's converge on the armpit, the glute's run down and out."""
    s = _sign(side)
    path = QPainterPath()
    for i in range(count):
        t = (i + 0.5) / count
        if Muscle(muscle) is Muscle.LAT:
            a, b = _along(_LAT_ORIGIN, t), QPointF(*_LAT_INSERTION)
        else:
            a, b = _along(_GLUTE_ORIGIN, t), _along(_GLUTE_INSERTION, t)
        path.moveTo(s * a.x(), a.y())
        path.lineTo(s * b.x(), b.y())
    return path


def fascia() -> QPainterPath:
    """The thoracolumbar fascia's posterior layer, the diamond joining a lat to the opposite glute."""
    return _outline(_FASCIA, 1.0)


def box(bottom: float = 1.0) -> QRectF:
    """The part of the body box from the top of the head down to `bottom` (a fraction of stature)."""
    return QRectF(-HALF_WIDTH, TOP, 2 * HALF_WIDTH, bottom - TOP)


def frame(rect: QRectF, bottom: float = 1.0) -> QTransform:
    """Body coordinates to widget coordinates: `box(bottom)` as large as fits in `rect`, centred."""
    b = box(bottom)
    scale = min(rect.width() / b.width(), rect.height() / b.height())
    ox = rect.center().x() - b.center().x() * scale
    oy = rect.center().y() - b.center().y() * scale
    return QTransform(scale, 0.0, 0.0, scale, ox, oy)


def paint_body(p: QPainter, t: QTransform, c: BodyColours, muscles: bool = True) -> None:
    """The silhouette, its anatomical lines and (muscles) the four regions with their fibres, neutral."""
    p.setPen(QPen(c.outline, 1.4))
    p.setBrush(c.fill)
    p.drawPath(t.map(silhouette()))
    p.setPen(QPen(c.detail, 1.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(t.map(details()))
    if not muscles:
        return
    for m in Muscle:
        for s in BodySide:
            area = t.map(region(m, s))
            p.setPen(QPen(c.muscle_edge, 1.0))
            p.setBrush(c.muscle)
            p.drawPath(area)
            p.save()
            p.setClipPath(area)  # the fibres stop at the muscle's edge
            p.setPen(QPen(c.muscle_edge, 0.8))
            p.drawPath(t.map(fibres(m, s)))
            p.restore()
