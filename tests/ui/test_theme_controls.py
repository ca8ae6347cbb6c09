"""Radio buttons can be seen, and a checked one told from an unchecked one, on both
themes: their ring and checked dot have WCAG's non-text contrast (3:1) against what is around them, on
screen as in the numbers."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QRadioButton, QVBoxLayout, QWidget

from emgcoach.ui.theme import THEMES, apply_palette, clear_radio, contrast_ratio, palette_for, radio_colours


def test_contrast_ratio_is_wcags() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#767676"), QColor("#ffffff")) == pytest.approx(4.54, abs=0.01)  # WCAG's example
    assert contrast_ratio(QColor("#2b2b2b"), QColor("#2b2b2b")) == 1.0


@pytest.mark.parametrize("name", sorted(THEMES))
def test_the_ring_and_the_dot_stand_out_by_three_to_one(name: str) -> None:
    pal = palette_for(THEMES[name])
    ring, dot = radio_colours(pal)
    window, base = pal.color(QPalette.ColorRole.Window), pal.color(QPalette.ColorRole.Base)
    assert contrast_ratio(ring, window) >= 3.0 and contrast_ratio(ring, base) >= 3.0  # the button is seen
    assert contrast_ratio(dot, base) >= 3.0 and contrast_ratio(dot, window) >= 3.0  # and that it is checked
    # (Fusion's own ring, the window a shade darker, was 1.2:1 on the dark theme's window)
    assert contrast_ratio(window.darker(140), window) < 3.0


def indicator_colours(image: QImage, height: int) -> set[str]:
    """The colours in the indicator's square at the left of a radio button's picture."""
    return {image.pixelColor(x, y).name() for x in range(height) for y in range(height) if x < image.width()}


@pytest.mark.parametrize("name", sorted(THEMES))
def test_a_checked_radio_button_shows_its_dot_and_an_unchecked_one_its_ring(qtbot, name: str) -> None:
    apply_palette(THEMES[name])
    try:
        box = QWidget()
        qtbot.addWidget(box)
        lay = QVBoxLayout(box)
        on, off = clear_radio(QRadioButton("Left side")), clear_radio(QRadioButton("Right side"))
        lay.addWidget(on)
        lay.addWidget(off)
        on.setChecked(True)
        box.show()
        qtbot.waitExposed(box)
        pal = palette_for(THEMES[name])
        ring, dot = radio_colours(pal)
        window = pal.color(QPalette.ColorRole.Window)
        seen_on = indicator_colours(on.grab().toImage(), on.height())
        seen_off = indicator_colours(off.grab().toImage(), off.height())
        assert dot.name() in seen_on and dot.name() not in seen_off
        assert ring.name() in seen_off
        strongest_off = max(contrast_ratio(QColor(c), window) for c in seen_off)
        assert strongest_off >= 3.0  # the unchecked button's ring is there to be seen
    finally:
        apply_palette(THEMES["dark"])


def test_the_windows_radio_buttons_are_the_clear_ones(qtbot) -> None:
    from emgcoach.coach.placement import BodySide, Muscle
    from emgcoach.ui.placement_view import PlacementDialog

    apply_palette(THEMES["dark"])
    dialog = PlacementDialog(Muscle.LAT, BodySide.LEFT)
    qtbot.addWidget(dialog)
    ring = radio_colours(palette_for(THEMES["dark"]))[0].name()
    buttons = dialog.findChildren(QRadioButton)
    assert len(buttons) >= 4 and all(ring in b.styleSheet() for b in buttons)
