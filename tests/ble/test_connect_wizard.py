"""The connect wizard driven as a user drives it, end to end on the simulated BlueZ (tests/ble/fake_bluez.py)
with the real bleak backend: File > Connect my sensors, scan, pick, muscle and side, the lit electrode
site, the signal check (rest, then a contraction), the next sensor, then calibrate. And a sensor whose
signal is stuck flat: the check says so and does not let the user on."""

from __future__ import annotations

import os
import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")
pytest.importorskip("dbus_fast")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from scipy import signal

from emgcoach.coach.placement import BodySide, Muscle
from emgcoach.session.signal_check import ADVICE, CheckStage
from emgcoach.ui.connect_wizard import REST_CUE, ConnectWizard
from tests.ble.fake_bluez import FakeBlueZThread, OpenProfileSensor
from tests.ui import conftest as ui_fixtures

# the UI tests' fixtures: a window on settings of the test's own, and no modal box left waiting
settings, make_window, _modal_warnings_fail = ui_fixtures.settings, ui_fixtures.make_window, ui_fixtures._modal_warnings_fail

LAT, GLUTE = "latissimus_dorsi", "gluteus_maximus"


class EmgSensor(OpenProfileSensor):
    """An open-profile sensor on a muscle: band-limited (20-450 Hz) noise of `rest_uv` RMS while the
    muscle rests, `effort_uv` RMS while `effort` is set (the client contracting)."""

    effort = False
    rest_uv = 2.5
    effort_uv = 75.0

    def __init__(self, address: str, name: str, seed: int) -> None:
        super().__init__(address, name)
        self._rng = np.random.default_rng(seed)
        self._sos = signal.butter(4, [20.0, 450.0], "bandpass", fs=self.rate_hz, output="sos")
        self._zi = np.zeros((self._sos.shape[0], 2))
        # the filter passes this share of white noise's power: divide it out to get the RMS asked for
        self._gain = float(np.sqrt(np.mean(signal.sosfilt(self._sos, np.random.default_rng(0).standard_normal(200_000)) ** 2)))

    def counts(self, n: np.ndarray | int) -> np.ndarray:
        k = int(np.size(n))
        x, self._zi = signal.sosfilt(self._sos, self._rng.standard_normal(k), zi=self._zi)
        uv = x / self._gain * (self.effort_uv if self.effort else self.rest_uv)
        return np.clip(np.round(uv / self.uv_per_count), -32768, 32767).astype(np.int16)


class FlatSensor(OpenProfileSensor):
    """A sensor whose reading is stuck: the same count every sample, whatever the muscle does."""

    def counts(self, n: np.ndarray | int) -> np.ndarray:
        return np.full(int(np.size(n)), 37, dtype=np.int16)


LAT_SENSOR = ("AA:BB:CC:DD:EE:11", "EMGC-lat")
GLUTE_SENSOR = ("AA:BB:CC:DD:EE:22", "EMGC-glute")


@pytest.fixture
def short_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wizard's scans last 2 s, not 5 (the fake advertises every 0.1 s)."""
    import emgcoach.ui.setup_guide as setup_guide

    monkeypatch.setattr(setup_guide, "SCAN_S", 2.0)


def _sensors(private_system_bus: str, *sensors: OpenProfileSensor) -> FakeBlueZThread:
    return FakeBlueZThread(private_system_bus, sensors=list(sensors)).start()


def _open_wizard(qtbot, window) -> ConnectWizard:
    """File > Connect my sensors..., as a user finds it."""
    menus = window.menuBar().actions()
    file_menu = next(a for a in menus if a.text().replace("&", "") == "File").menu()
    entries = file_menu.actions()
    action = next(a for a in entries if a.text() == "Connect my sensors...")
    action.trigger()
    wizard = window.guide.wizard
    assert wizard is not None
    qtbot.waitUntil(wizard.isVisible, timeout=2000)
    return wizard


def _click(qtbot, wizard: ConnectWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def _pick(qtbot, wizard: ConnectWizard, address: str, expect: int) -> None:
    """Wait for the scan to list `expect` sensors, click the one at `address`, go on."""
    page = wizard.currentPage()
    assert wizard.currentId() == ConnectWizard.SCAN
    qtbot.waitUntil(lambda: page.scan_button.isEnabled() and page.list.count() == expect, timeout=20000)
    assert page.status.text() == "Pick your sensor:"
    row = next(i for i, f in enumerate(page.found) if f.address == address)
    item = page.list.item(row)
    assert address in item.text()
    qtbot.mouseClick(page.list.viewport(), Qt.LeftButton, pos=page.list.visualItemRect(item).center())
    assert page.list.currentRow() == row
    _click(qtbot, wizard, QWizard.NextButton)


def _check_signal(qtbot, wizard: ConnectWizard, sensor: EmgSensor) -> None:
    """The check page: rest first, then the contraction it asks for, then a good verdict."""
    page = wizard.currentPage()
    assert wizard.currentId() == ConnectWizard.CHECK
    assert not wizard.button(QWizard.NextButton).isEnabled()
    qtbot.waitUntil(lambda: page.check is not None, timeout=20000)  # connected and streaming
    assert page.instruction.text() == REST_CUE
    qtbot.waitUntil(lambda: page.check.stage != CheckStage.REST, timeout=10000)
    assert page.check.stage == CheckStage.CONTRACT, page.advice.text()
    assert "contraction" in page.instruction.text()
    assert page.advice.text() == ADVICE["quiet_rest"]  # the rest was quiet; nothing has risen yet
    sensor.effort = True  # the client contracts when asked
    qtbot.waitUntil(lambda: page.check.stage == CheckStage.DONE, timeout=10000)
    sensor.effort = False
    result = page.check.result
    assert result.grade == "good", result
    assert 1.0 < result.rest_noise_uv < 5.0 and result.snr_db > 20.0
    assert page.advice.text() == result.advice and page.light.grade == "good"
    qtbot.waitUntil(lambda: wizard.button(QWizard.NextButton).isEnabled(), timeout=1000)


@pytest.mark.slow
def test_two_sensors_step_by_step_then_calibrate(qtbot, private_system_bus: str, make_window, short_scans) -> None:
    lat, glute = EmgSensor(*LAT_SENSOR, seed=1), EmgSensor(*GLUTE_SENSOR, seed=2)
    bluez = _sensors(private_system_bus, lat, glute)
    w = make_window(person="P07")
    try:
        wizard = _open_wizard(qtbot, w)

        # the first sensor: the lat on the left
        _pick(qtbot, wizard, lat.address, expect=2)
        role = wizard.currentPage()
        assert wizard.currentId() == ConnectWizard.ROLE
        assert role.muscle_buttons[LAT].isChecked() and role.side_buttons["left"].isChecked()
        assert "glute on the right side" in role.note.text()
        _click(qtbot, wizard, QWizard.NextButton)
        assert wizard.currentId() == ConnectWizard.PLACE
        assert wizard.currentPage().view.lit_site() == (Muscle.LAT, BodySide.LEFT)
        _click(qtbot, wizard, QWizard.NextButton)
        _check_signal(qtbot, wizard, lat)
        assert w.status.text() == "EMGC-lat: streaming"  # no longer 'Connecting to EMGC-lat...'
        _click(qtbot, wizard, QWizard.NextButton)
        ready = wizard.currentPage()
        assert wizard.currentId() == ConnectWizard.NEXT
        assert "EMGC-lat: Latissimus dorsi (lat), left side" in ready.summary.text()
        assert "gluteus maximus on the right side" in ready.subTitle()
        assert wizard.button(QWizard.FinishButton).text() == "Finish"  # no calibration on half a sling

        # the second: the glute on the right, proposed as the first's partner
        qtbot.mouseClick(ready.another, Qt.LeftButton)
        assert wizard.currentId() == ConnectWizard.SCAN
        _pick(qtbot, wizard, glute.address, expect=1)  # the lat, connected, is no longer offered
        role = wizard.currentPage()
        assert role.muscle_buttons[GLUTE].isChecked() and role.side_buttons["right"].isChecked()
        _click(qtbot, wizard, QWizard.NextButton)
        assert wizard.currentPage().view.lit_site() == (Muscle.GLUTE, BodySide.RIGHT)
        _click(qtbot, wizard, QWizard.NextButton)
        _check_signal(qtbot, wizard, glute)
        _click(qtbot, wizard, QWizard.NextButton)
        assert "The sling is complete" in wizard.currentPage().subTitle()
        finish = wizard.button(QWizard.FinishButton)
        assert finish.text() == "Calibrate"

        with qtbot.waitSignal(wizard.calibrate_requested, timeout=2000):
            qtbot.mouseClick(finish, Qt.LeftButton)
        qtbot.waitUntil(lambda: w.calibrator.wizard is not None and w.calibrator.wizard.isVisible(), timeout=2000)
        assert not wizard.isVisible()
        engine = w.engine
        assert engine.n_streams == 2 and w.calibrator.wizard.engine is engine
        assert {engine.info(s).address for s in range(2)} == {lat.address, glute.address}
        by_address = {engine.info(s).address: w.roles[(s, 0)] for s in range(2)}
        assert by_address == {lat.address: (LAT, "left"), glute.address: (GLUTE, "right")}
        assert all(engine.stream_stats(s).state == "streaming" for s in range(2))
    finally:
        w.close()  # its engine lets the sensors go before the fake BlueZ goes
        bluez.stop()


def test_a_flat_signal_is_bad_says_no_signal_and_holds_the_user_back(qtbot, private_system_bus: str, make_window,
                                                                      short_scans) -> None:
    stuck = FlatSensor(address="AA:BB:CC:DD:EE:33", name="EMGC-stuck")
    bluez = _sensors(private_system_bus, stuck)
    w = make_window(person="P07")
    try:
        wizard = _open_wizard(qtbot, w)
        _pick(qtbot, wizard, stuck.address, expect=1)
        _click(qtbot, wizard, QWizard.NextButton)  # lat left, as proposed
        _click(qtbot, wizard, QWizard.NextButton)  # the site seen
        page = wizard.currentPage()
        assert wizard.currentId() == ConnectWizard.CHECK
        qtbot.waitUntil(lambda: page.check is not None and page.check.stage == CheckStage.DONE, timeout=20000)
        result = page.check.result
        assert result.grade == "bad" and not result.passed
        assert "No signal" in page.advice.text() and page.light.grade == "bad"
        assert not wizard.button(QWizard.NextButton).isEnabled()
        assert page.again.isEnabled()
        qtbot.mouseClick(page.again, Qt.LeftButton)  # checked again: still flat, still bad
        assert page.check.stage == CheckStage.REST and not page.again.isEnabled()
        qtbot.waitUntil(lambda: page.check.stage == CheckStage.DONE, timeout=10000)
        assert page.check.result.grade == "bad" and not wizard.button(QWizard.NextButton).isEnabled()
    finally:
        w.close()
        bluez.stop()
