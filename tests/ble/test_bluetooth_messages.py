"""Bluetooth missing or off is said in one line with what to do on the system the app runs on: BlueZ
commands on Linux only, System Settings on macOS, Settings / Device Manager on Windows."""

from __future__ import annotations

import pytest

from emgcoach.ble.link import explain_bluetooth_error

BleakError = pytest.importorskip("bleak.exc").BleakError


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_bluetooth_off_says_how_to_turn_it_on_here(platform: str) -> None:
    words = {"linux": "Bluetooth device is not powered", "darwin": "Bluetooth device is turned off",
             "win32": "The device is not ready for use"}[platform]
    line = explain_bluetooth_error(BleakError(words), platform)
    assert line.startswith("Bluetooth is off; turn it on")
    assert ("bluetoothctl" in line) == (platform == "linux")
    assert ("System Settings" in line) == (platform == "darwin")
    assert ("Settings > Bluetooth & devices" in line) == (platform == "win32")


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_no_bluez_advice_off_linux(platform: str) -> None:
    for e in (BleakError("No Bluetooth adapters found."), FileNotFoundError("no such file")):
        line = explain_bluetooth_error(e, platform)
        assert "systemctl" not in line and "D-Bus" not in line and "bluetoothctl" not in line


def test_macos_permission_is_named() -> None:
    line = explain_bluetooth_error(BleakError("BLE is not authorized - check macOS privacy settings"), "darwin")
    assert "Privacy & Security > Bluetooth" in line


def test_linux_keeps_its_bluez_and_dbus_advice() -> None:
    assert "sudo systemctl start bluetooth" in explain_bluetooth_error(
        BleakError("org.freedesktop.DBus.Error.ServiceUnknown: The name org.bluez was not provided"), "linux")
    assert "system D-Bus" in explain_bluetooth_error(FileNotFoundError(2, "No such file or directory"), "linux")
    assert "adapter" in explain_bluetooth_error(BleakError("No Bluetooth adapters found."), "win32")
