"""The placement view, rendered offscreen and read back by pixel: the site being set up is drawn in the
highlight colour, the same muscle's site on the other side is not, its sling partner on the opposite side
is dimmer; choosing a right lat moves the lit site to the viewer's right. The dialog fits a 1024 x 700
screen with nothing clipped, in both themes, and at its smallest."""

from __future__ import annotations

import math
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from emgcoach.coach.placement import INTER_ELECTRODE_MM, BodySide, Muscle
from emgcoach.ui import body_back as bb
from emgcoach.ui.placement_view import PlacementDialog, PlacementView, dialog_size, open_placement
from emgcoach.ui.theme import THEMES, apply_palette
from tests.ui.clipping import clipped_text

THEME_NAMES = ("dark", "light")
L, R = BodySide.LEFT, BodySide.RIGHT


def _distance(a: QColor, b: QColor) -> int:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue()))


def _pixel(image: QImage, at: QPointF) -> QColor:
    return image.pixelColor(round(at.x()), round(at.y()))


@pytest.fixture(params=THEME_NAMES)
def view(request, qtbot) -> PlacementView:
    v = PlacementView(Muscle.LAT, L, THEMES[request.param])
    qtbot.addWidget(v)
    v.resize(864, 540)  # the view inside an 880 x 600 dialog
    v.show()
    return v


def test_the_lit_site_is_highlighted_and_the_other_sides_is_not(view: PlacementView) -> None:
    assert view.lit_site() == (Muscle.LAT, L)
    image = view.grab().toImage()
    hi, dim = view.colours.highlight, view.colours.dim_highlight
    assert _distance(_pixel(image, view.site_point(Muscle.LAT, L)), hi) <= 8
    other = _pixel(image, view.site_point(Muscle.LAT, R))
    assert _distance(other, hi) > 60, other.name()
    partner = _pixel(image, view.site_point(Muscle.GLUTE, R))  # a left lat's partner: the right glute
    assert _distance(partner, dim) <= 8 and _distance(partner, hi) > 40, partner.name()
    assert _distance(_pixel(image, view.site_point(Muscle.GLUTE, L)), hi) > 60


def test_a_right_lat_moves_the_lit_site_to_the_viewers_right(view: PlacementView) -> None:
    midline = view.to_widget(QPointF(0.0, 0.0)).x()
    left_site = view.site_point(Muscle.LAT, L)
    view.set_sensor("latissimus_dorsi", "right")
    assert view.lit_site() == (Muscle.LAT, R)
    right_site = view.site_point(Muscle.LAT, R)
    assert left_site.x() < midline < right_site.x()
    image = view.grab().toImage()
    hi = view.colours.highlight
    assert _distance(_pixel(image, right_site), hi) <= 8
    assert _distance(_pixel(image, left_site), hi) > 60
    # and the partner flips with it: now the left glute, dimmer
    assert _distance(_pixel(image, view.site_point(Muscle.GLUTE, L)), view.colours.dim_highlight) <= 8
    assert _distance(_pixel(image, view.site_point(Muscle.GLUTE, R)), hi) > 60


def test_a_glute_site_lights_too(view: PlacementView) -> None:
    view.set_sensor(Muscle.GLUTE, R)
    image = view.grab().toImage()
    assert _distance(_pixel(image, view.site_point(Muscle.GLUTE, R)), view.colours.highlight) <= 8
    assert _distance(_pixel(image, view.site_point(Muscle.LAT, L)), view.colours.dim_highlight) <= 8
    assert _distance(_pixel(image, view.site_point(Muscle.GLUTE, L)), view.colours.highlight) > 60


def test_the_pair_is_drawn_to_scale(view: PlacementView) -> None:
    a, b = (view.to_widget(e) for e in bb.electrodes(Muscle.LAT, L))
    assert math.hypot(a.x() - b.x(), a.y() - b.y()) == pytest.approx(INTER_ELECTRODE_MM * view.px_per_mm())
    # an electrode's centre is white (the pad round it is the highlight)
    image = view.grab().toImage()
    assert _distance(_pixel(image, a), QColor("#f4f4f4")) <= 40


def test_the_words_name_the_site_the_distance_the_reference_and_the_skin(view: PlacementView) -> None:
    words = " ".join(text for _r, _f, text in view.texts())
    for phrase in ("Latissimus dorsi, left side", "inferior angle", "20 mm", "C7", "Shave", "alcohol"):
        assert phrase in words
    view.set_sensor(Muscle.GLUTE, R)
    words = " ".join(text for _r, _f, text in view.texts())
    for phrase in ("Gluteus maximus, right side", "greater trochanter", "S2", "PSIS", "iliac crest"):
        assert phrase in words


@pytest.mark.parametrize("name", THEME_NAMES)
def test_the_dialog_fits_a_small_screen_with_nothing_clipped(qtbot, name: str) -> None:
    apply_palette(THEMES[name])
    dialog = open_placement(None, "gluteus_maximus", "right", THEMES[name])
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.view.lit_site() == (Muscle.GLUTE, R)
    w, h = dialog_size(dialog)
    assert (dialog.width(), dialog.height()) == (w, h) and w <= 900 and h <= 620
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700
    for size in ((w, h), (hint.width(), hint.height())):
        dialog.resize(*size)
        qtbot.wait(20)  # the resize's layout is a posted event
        for muscle, side in ((Muscle.LAT, L), (Muscle.GLUTE, R), (Muscle.LAT, R)):
            dialog.set_sensor(muscle, side)
            assert dialog.view.clipped_texts() == [], (size, muscle, side)
            assert clipped_text(dialog) == [], (size, muscle, side)
    dialog.close()


def test_the_checker_sees_words_that_do_not_fit(qtbot) -> None:
    v = PlacementView()
    qtbot.addWidget(v)
    v.setMinimumSize(0, 0)
    v.resize(300, 200)
    v.show()
    assert v.clipped_texts()


def test_the_chooser_lights_the_chosen_sensor(qtbot) -> None:
    dialog = PlacementDialog(Muscle.LAT, L)
    qtbot.addWidget(dialog)
    dialog.show()
    chosen: list[tuple[str, str]] = []
    dialog.sensor_changed.connect(lambda m, s: chosen.append((m, s)))
    glute = next(b for b in dialog.muscle_buttons.buttons() if b.text() == "Glute")
    right = next(b for b in dialog.side_buttons.buttons() if b.text() == "Right")
    glute.click()
    assert dialog.view.lit_site() == (Muscle.GLUTE, L)
    right.click()
    assert dialog.view.lit_site() == (Muscle.GLUTE, R)
    assert chosen == [("gluteus_maximus", "left"), ("gluteus_maximus", "right")]
    dialog.set_sensor(Muscle.LAT, R)  # from the window: the chooser follows
    assert next(b for b in dialog.muscle_buttons.buttons() if b.isChecked()).text() == "Lat"
    assert dialog.view.lit_site() == (Muscle.LAT, R)


def test_the_theme_changes_the_drawing(qtbot) -> None:
    v = PlacementView(theme=THEMES["dark"])
    qtbot.addWidget(v)
    v.resize(700, 480)
    v.show()
    corner = v.grab().toImage().pixelColor(2, 2)
    assert corner == QColor(THEMES["dark"].window)
    v.set_theme(THEMES["light"])
    assert v.grab().toImage().pixelColor(2, 2) == QColor(THEMES["light"].window)
