"""The device panel with a sensor connected through bleak (simulated BlueZ): the sensor's state, battery
and RSSI on its panel, and "reconnecting" (not a dialog) when its link drops."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("dbus_fast")

from emgcoach.ble.devices.open_profile import PROFILE  # noqa: E402
from emgcoach.ble.link import BleSensorSource  # noqa: E402
from emgcoach.stream.engine import Engine  # noqa: E402
from emgcoach.ui.device_panel import DevicePanel  # noqa: E402
from tests.ble.fake_bluez import OpenProfileSensor  # noqa: E402


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
