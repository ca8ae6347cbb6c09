"""The replay transport's seek bar: a click on the groove seeks there, keys step, a drag seeks once on
release."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt

from emgcoach.ui.transport import TransportBar


@pytest.fixture
def bar(qtbot):
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
    assert s.value() == pytest.approx(0.75 * s.maximum(), abs=0.035 * s.maximum())  # where the click was, not a page step


def test_keys_step_and_seek(qtbot, bar: TransportBar) -> None:
    s = bar.slider
    s.setFocus()
    qtbot.keyClick(s, Qt.Key_End)
    assert bar.seeks[-1] == pytest.approx(120.0)
    qtbot.keyClick(s, Qt.Key_PageDown)
    assert bar.seeks[-1] == pytest.approx(110.0)  # 10 s back
    qtbot.keyClick(s, Qt.Key_Home)
    assert bar.seeks[-1] == 0.0 and len(bar.seeks) == 3
    for _ in range(10):  # ten presses move ten seconds, whatever the file's length (not 0.1 % each)
        qtbot.keyClick(s, Qt.Key_Right)
    assert bar.seeks[-1] == pytest.approx(10.0)
    bar.set_duration(3600.0)  # an hour's recording: still a second a press
    bar.show_position(600.0, paused=True)
    qtbot.keyClick(s, Qt.Key_Left)
    assert bar.seeks[-1] == pytest.approx(599.0)


def test_nothing_replayed_says_so(qtbot, bar: TransportBar) -> None:
    bar.show_position(30.0, paused=False)
    assert bar.position.text() == "0:30 / 2:00"
    bar.set_duration(0.0)
    assert bar.position.text() == "no replay" and not bar.isEnabled()


def test_a_drag_seeks_once_on_release(qtbot, bar: TransportBar) -> None:
    s = bar.slider
    s.setSliderDown(True)  # as a press on the handle does (emits sliderPressed)
    for v in (100, 200, 300):
        s.setSliderPosition(v)
    assert bar.seeks == []  # not while dragging
    s.setSliderDown(False)  # emits sliderReleased
    assert bar.seeks == [pytest.approx(30.0)]  # tick 300: 30.0 s
