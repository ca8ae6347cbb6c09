"""The sling view, rendered offscreen and read back by pixel: the line from the lat to the opposite glute
is lit (green) when both are on target together and only then, a region fills further as its level rises,
the sides follow the coached sling, and no text is clipped at 1024 x 700 or small, in both themes."""

from __future__ import annotations

import math
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.coach.placement import BodySide, Muscle
from emgcoach.ui.feedback import AMBER, GREEN, FeedbackView
from emgcoach.ui.sling_view import NO_PAIR, ON_TARGET, SlingView
from emgcoach.ui.theme import THEMES

THEME_NAMES = ("dark", "light")
LAT_BAND, GLUTE_BAND = Band(20.0, 40.0), Band(20.0)


def _fig(lat: float, glute: float, unit: str = "%MVC") -> Figures:
    both = LAT_BAND.contains(lat) and GLUTE_BAND.contains(glute)
    return Figures(unit, lat, glute, LAT_BAND, GLUTE_BAND, 0.8, both, True)


def _distance(a: QColor, b: QColor) -> int:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue()))


def _midpoint(v: SlingView) -> QPointF:
    a, b = v.line_points()
    return (a + b) / 2


def _pixel(image: QImage, at: QPointF) -> QColor:
    return image.pixelColor(round(at.x()), round(at.y()))


@pytest.fixture(params=THEME_NAMES)
def view(request, qtbot) -> SlingView:
    v = SlingView("left", THEMES[request.param])
    qtbot.addWidget(v)
    v.resize(420, 620)
    v.show()
    return v


def test_the_line_lights_when_both_are_on_target_together(view: SlingView) -> None:
    view.show_figures(_fig(30.0, 35.0), "Lat L", "Glute R")
    assert view.line_lit()
    assert _distance(_pixel(view.grab().toImage(), _midpoint(view)), GREEN) <= 10
    for lat, glute in ((30.0, 8.0), (55.0, 35.0), (5.0, 3.0)):  # the glute short, the lat over, both short
        view.show_figures(_fig(lat, glute), "Lat L", "Glute R")
        assert not view.line_lit()
        mid = _pixel(view.grab().toImage(), _midpoint(view))
        assert _distance(mid, GREEN) > 40, (lat, glute, mid.name())  # the unlit line: grey, or the body under a dash gap
    view.show_figures(None)
    assert not view.line_lit()


def test_the_line_runs_from_the_lat_to_the_opposite_glute(view: SlingView) -> None:
    lat, glute = view.line_points()
    assert lat.x() < glute.x() and lat.y() < glute.y()  # a left lat, up on the viewer's left
    assert view.region_rect(Muscle.LAT).contains(lat) and view.region_rect(Muscle.GLUTE).contains(glute)
    assert view.region_rect(Muscle.LAT).center().x() < view.width() / 2 < view.region_rect(Muscle.GLUTE).center().x()
    view.set_sling(BodySide.RIGHT)
    lat, glute = view.line_points()
    assert lat.x() > glute.x() and lat.y() < glute.y()
    view.show_figures(_fig(30.0, 35.0))
    assert _distance(_pixel(view.grab().toImage(), _midpoint(view)), GREEN) <= 10


def _fill_pixels(v: SlingView, muscle: Muscle) -> int:
    """Pixels of the fill's colours inside the muscle's region's bounds."""
    image = v.grab().toImage()
    r = v.region_rect(muscle).toAlignedRect()
    count = 0
    for y in range(r.top(), r.bottom(), 2):
        for x in range(r.left(), r.right(), 2):
            c = image.pixelColor(x, y)
            count += _distance(c, GREEN) <= 12 or _distance(c, AMBER) <= 12
    return count


def test_the_fill_grows_with_the_level(view: SlingView) -> None:
    fractions, pixels = [], []
    for level in (5.0, 15.0, 30.0, 50.0):  # the glute at 0: the line never lights, only the lat fills
        view.show_figures(_fig(level, 0.0))
        fractions.append(view.fill_fraction(Muscle.LAT))
        pixels.append(_fill_pixels(view, Muscle.LAT))
    assert fractions == sorted(fractions) and len(set(fractions)) == 4
    assert fractions[0] > 0 and fractions[-1] < 1
    assert pixels == sorted(pixels) and pixels[0] < pixels[-1], pixels
    assert view.fill_fraction(Muscle.GLUTE) == 0.0 and _fill_pixels(view, Muscle.GLUTE) < 5
    view.show_figures(_fig(float("nan"), 10.0))  # a level not known yet: nothing filled
    assert view.fill_fraction(Muscle.LAT) == 0.0 and view.fill_fraction("gluteus_maximus") > 0


def test_the_levels_are_written_with_their_units(view: SlingView) -> None:
    view.show_figures(_fig(30.0, 35.0), "Lat L", "Glute R")
    words = [text for _r, _f, text in view.texts()]
    for phrase in ("Lat L", "Glute R", "30 %MVC", "35 %MVC", "target 20–40 %MVC", "target ≥ 20 %MVC", ON_TARGET):
        assert phrase in words
    view.show_figures(_fig(30.0, 8.0, unit="µV"), "Lat L", "Glute R", warning="Glute sensor: signal lost")
    words = [text for _r, _f, text in view.texts()]
    assert "8 µV" in words and "Glute sensor: signal lost" in words and ON_TARGET not in words
    view.show_figures(None)
    assert NO_PAIR in [text for _r, _f, text in view.texts()]


def test_same_signature_as_the_bars() -> None:
    """The window swaps the two views: show_figures takes the same arguments."""
    import inspect

    assert inspect.signature(SlingView.show_figures) == inspect.signature(FeedbackView.show_figures)


@pytest.mark.parametrize("name", THEME_NAMES)
@pytest.mark.parametrize("size", [(1024, 700), (420, 620), (200, 300)])
def test_nothing_clipped(qtbot, name: str, size: tuple[int, int]) -> None:
    v = SlingView("right", THEMES[name])
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    for fig, warning in ((_fig(30.0, 35.0), ""), (_fig(888.0, 1234.0, "µV"), ""), (None, ""),
                         (_fig(30.0, 8.0), "Lat sensor: no signal for 5 s; check the electrode and its lead")):
        v.show_figures(fig, "Lat right", "Glute left", warning)
        assert v.clipped_texts() == [], (size, fig, warning)
        rect = v.rect()
        assert all(rect.contains(r.toAlignedRect()) for r, _f, _t in v.texts())


def test_the_checker_sees_a_label_that_cannot_fit(qtbot) -> None:
    v = SlingView()
    qtbot.addWidget(v)
    v.resize(160, 240)
    v.show()
    v.show_figures(_fig(30.0, 35.0), "Latissimus dorsi, left side, sensor 1", "Glute")
    assert v.clipped_texts()


def test_the_theme_colours_the_view(qtbot) -> None:
    v = SlingView(theme=THEMES["dark"])
    qtbot.addWidget(v)
    v.resize(300, 400)
    v.show()
    assert v.grab().toImage().pixelColor(1, v.height() // 2) == QColor(THEMES["dark"].window)
    v.set_theme(THEMES["light"])
    assert v.grab().toImage().pixelColor(1, v.height() // 2) == QColor(THEMES["light"].window)


def test_scale_and_fill_are_finite_for_a_huge_level(view: SlingView) -> None:
    view.show_figures(_fig(1e6, 1e6, "µV"))
    assert view.fill_fraction(Muscle.LAT) <= 1.0 and math.isfinite(view.scale[Muscle.LAT])
