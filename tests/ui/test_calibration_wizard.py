"""The calibration wizard with a simulated client who does what it asks: the test position shows before
any countdown and waits for Ready, the tested muscle's level rises on screen during the push, the rest
after it moves the progress bar and can be shortened, and the summary shows MVC and rest per muscle, to
accept or redo one muscle."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from emgcoach.coach.calibration import protocol
from emgcoach.coach.calibration_flow import Stage
from emgcoach.ui.main_window import MainWindow

LAT = ("latissimus_dorsi", "left")
GLUTE = ("gluteus_maximus", "right")


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(person="P21")


@pytest.mark.slow
def test_a_client_can_follow_the_wizard(qtbot, window: MainWindow) -> None:
    w = window
    w.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: w.engine.stream_stats(0).samples > 4000, timeout=10000)
    steps = protocol([LAT, GLUTE], rest_s=2.0, efforts=1, effort_s=2.0, recover_s=30.0)
    wizard = w.calibrator.open_calibration(steps)
    assert wizard.start_button.isVisible() and not wizard.ready_button.isVisible()
    qtbot.waitUntil(lambda: wizard.meters[LAT].value > 0, timeout=3000)  # levels show before Start
    t0 = w.engine.session_time_s()  # the scenario: the client settles, as one would before Start (1.5 s of signal)
    qtbot.waitUntil(lambda: w.engine.session_time_s() >= t0 + 1.5, timeout=5000)
    wizard.start_button.click()
    qtbot.waitUntil(lambda: wizard.ready_button.isEnabled(), timeout=10000)
    # the lat's test position, and no countdown until the client is in it
    assert wizard.headline.text() == "Get into position" and "arm by your side" in wizard.instruction.text()
    t0 = w.engine.session_time_s()  # the scenario: 0.6 s of the session pass, and no countdown starts
    qtbot.waitUntil(lambda: w.engine.session_time_s() >= t0 + 0.6, timeout=3000)
    assert wizard.prompt.stage is Stage.PREPARE and wizard.session.step_at(w.engine.session_time_s())[1] is None
    wizard.ready_button.click()
    assert wizard.headline.text().startswith("Push in") and "arm by your side" in wizard.instruction.text()
    qtbot.waitUntil(lambda: wizard.headline.text().startswith("PUSH"), timeout=6000)
    lat, glute = wizard.meters[LAT], wizard.meters[GLUTE]
    rest_lat = wizard.session.rest_level(*LAT)[0]
    qtbot.waitUntil(lambda: lat.value > 10 * rest_lat, timeout=3000)  # the push shows as it happens
    assert lat.active and not glute.active
    # the 30 s rest: the next position already on screen, the effort's figure, progress moving
    qtbot.waitUntil(lambda: wizard.shorten_button.isEnabled(), timeout=5000)
    assert "knee bent" in wizard.instruction.text() and "x rest" in wizard.note.text()
    before = wizard.progress.value()
    qtbot.waitUntil(lambda: wizard.progress.value() > before + 5, timeout=3000)
    wizard.shorten_button.click()
    assert wizard.ready_button.isEnabled() and wizard.headline.text() == "Get into position"
    wizard.ready_button.click()
    qtbot.waitUntil(lambda: wizard.summary is not None, timeout=15000)  # no rest after the last effort
    assert wizard.table.isVisible() and wizard.table.rowCount() == 2
    assert wizard.accept_button.isEnabled() and wizard.redo_buttons[GLUTE].isVisible()
    mvc_glute = float(wizard.table.item(1, 1).text())
    assert mvc_glute > 10 * float(wizard.table.item(1, 2).text().split()[0])
    # redo the glute: its position again, Ready, push; then accept
    wizard.redo_buttons[GLUTE].click()
    assert wizard.summary is None and wizard.ready_button.isEnabled() and "knee bent" in wizard.instruction.text()
    wizard.ready_button.click()
    qtbot.waitUntil(lambda: wizard.summary is not None, timeout=15000)
    assert w.calibration is None  # nothing applied before Accept
    wizard.accept_button.click()
    assert w.calibration is not None and not wizard.isVisible()
    assert "Calibrated" in w.drill_panel.calibration.text()


def test_cancel_leaves_no_calibration_and_no_subscriber(qtbot, window: MainWindow) -> None:
    w = window
    w.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: w.engine.stream_stats(0).samples > 2000, timeout=10000)
    wizard = w.calibrator.open_calibration(protocol([LAT, GLUTE], rest_s=2.0, efforts=1, effort_s=2.0, recover_s=5.0))
    wizard.start_button.click()
    qtbot.waitUntil(lambda: wizard.ready_button.isEnabled(), timeout=10000)
    wizard.cancel_button.click()
    assert not wizard.isVisible() and w.calibration is None and not wizard._subscribed
