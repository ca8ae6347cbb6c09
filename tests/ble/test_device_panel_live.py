"""The device panel with a sensor connected through bleak (simulated BlueZ): the sensor's state, battery
and RSSI on its panel, and "reconnecting" (not a dialog) when its link drops."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("dbus_fast")

from emgcoach.ble.devices.open_profile import PROFILE
from emgcoach.ble.link import BleSensorSource
from emgcoach.stream.engine import Engine
from emgcoach.ui.device_panel import DevicePanel
from tests.ble.fake_bluez import OpenProfileSensor


def test_panel_shows_battery_rssi_and_reconnecting(qtbot: Any, fake_bluez: Any) -> None:
    panel = DevicePanel()
    qtbot.addWidget(panel)
    with Engine() as engine:
        engine.add_source(BleSensorSource(OpenProfileSensor.address, PROFILE, clock=engine.clock_s))
        roles: dict = {}

        def status() -> str:
            panel.refresh(engine, roles)
            return panel._boxes[0][1].text() if panel._boxes else ""

        qtbot.waitUntil(lambda: "streaming" in status() and "battery" in status(), timeout=15000)
        text = status()
        assert "battery 87 %" in text and "RSSI -58 dBm" in text, text
        fake_bluez.drop(OpenProfileSensor.address)
        seen = set()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not {"reconnecting", "streaming"} <= seen:
            qtbot.wait(20)
            word = status().split(" | ")[0]
            if word.startswith("reconnecting") or (seen and word == "streaming"):
                seen.add("reconnecting" if word.startswith("reconnecting") else "streaming")
        assert seen == {"reconnecting", "streaming"}, status()


def test_last_sensors_reconnect_with_one_click(qtbot: Any, fake_bluez: Any, tmp_path: Any) -> None:
    """The sensors of the last session are remembered (QSettings) and connected again from one button,
    with the muscle the user gave them."""
    from PySide6.QtCore import QSettings, Qt

    from emgcoach.ble.link import FoundSensor
    from emgcoach.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    settings.setValue("store_path", str(tmp_path / "history.sqlite3"))
    first = MainWindow(settings)
    qtbot.addWidget(first)
    assert not first.devices.reconnect_button.isVisibleTo(first)  # nothing remembered yet
    first.sensors.connect_sensor(FoundSensor(OpenProfileSensor.address, "EMGC-sim", "open", -58))
    qtbot.waitUntil(lambda: first.engine.stream_stats(0).samples > 200, timeout=15000)
    first.sensors.role_changed(0, 0, "gluteus_maximus", "right")  # the user makes it the glute
    first.close()
    qtbot.waitUntil(lambda: not fake_bluez.sensor().connected, timeout=10000)

    remembered = settings.value("last_sensors")
    remembered = [remembered] if isinstance(remembered, str) else list(remembered)
    settings.setValue("last_sensors", remembered + ["retired-kind|00:11:22:33:44:55|Old sensor"])  # an older version's

    again = MainWindow(settings)
    qtbot.addWidget(again)
    button = again.devices.reconnect_button
    assert button.isVisibleTo(again) and button.text() == "Reconnect EMGC-sim"
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: again.engine is not None and again.engine.n_streams == 1
                    and again.engine.stream_stats(0).samples > 200, timeout=15000)
    assert again.engine.info(0).address == OpenProfileSensor.address
    assert again.roles[(0, 0)] == ("gluteus_maximus", "right")
    assert not button.isVisibleTo(again)
    again.close()
