"""The replay transport's seek bar: a click on the groove seeks there, keys step, a drag seeks once on
release."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt  # noqa: E402

from emgcoach.ui.transport import TransportBar  # noqa: E402


@pytest.fixture
def bar(qtbot):  # noqa: ANN001, ANN201
    b = TransportBar()
    qtbot.addWidget(b)
    b.resize(800, 40)
    b.show()
    b.set_duration(120.0)
    b.seeks = []
    b.seek_requested.connect(b.seeks.append)
    return b


def test_a_click_on_the_groove_seeks_there(qtbot, bar: TransportBar) -> None:
    s = bar.slider
    at = QPoint(int(s.width() * 0.75), s.height() // 2)
    qtbot.mouseClick(s, Qt.LeftButton, pos=at)
    assert len(bar.seeks) == 1 and bar.seeks[0] == pytest.approx(90.0, abs=4.0)  # 3/4 of 2 min
    assert s.value() == pytest.approx(750, abs=35)  # the handle went where the click was, not a page step


def test_keys_step_and_seek(qtbot, bar: TransportBar) -> None:
    s = bar.slider
    s.setFocus()
    qtbot.keyClick(s, Qt.Key_End)
    assert bar.seeks[-1] == pytest.approx(120.0)
    qtbot.keyClick(s, Qt.Key_PageDown)
    assert bar.seeks[-1] == pytest.approx(114.0)  # 5 % back
    qtbot.keyClick(s, Qt.Key_Home)
    assert bar.seeks[-1] == 0.0 and len(bar.seeks) == 3


def test_a_drag_seeks_once_on_release(qtbot, bar: TransportBar) -> None:
    s = bar.slider
    s.setSliderDown(True)  # as a press on the handle does (emits sliderPressed)
    for v in (100, 200, 300):
        s.setSliderPosition(v)
    assert bar.seeks == []  # not while dragging
    s.setSliderDown(False)  # emits sliderReleased
    assert bar.seeks == [pytest.approx(36.0)]
