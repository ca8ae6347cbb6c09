"""Fixtures for the BLE tests: a private D-Bus "system" bus and a simulated BlueZ on it
(see tests/ble/fake_bluez.py), so the real bleak BlueZ backend runs without Bluetooth hardware."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest


def _require_fake_bluez_stack() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the simulated BlueZ needs Linux (bleak's BlueZ backend)")
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed")
    pytest.importorskip("dbus_fast")
    pytest.importorskip("bleak")
    pytest.importorskip("bleak_retry_connector")


@pytest.fixture
def private_system_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A dbus-daemon of the test's own; DBUS_SYSTEM_BUS_ADDRESS points at it. Yields its address."""
    _require_fake_bluez_stack()
    from tests.ble.fake_bluez import PrivateSystemBus

    bus = PrivateSystemBus()
    address = bus.start()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
    # bleak-retry-connector remembers a failed D-Bus connection for the whole process: forget it
    import bleak_retry_connector.bleak_manager as brc_manager

    if hasattr(brc_manager, "_reset_dbus_socket_cache"):
        brc_manager._reset_dbus_socket_cache()
    try:
        yield address
    finally:
        bus.stop()


@pytest.fixture
def fake_bluez(private_system_bus: str) -> Iterator[Any]:
    """A simulated BlueZ with one open-profile sensor (``OpenProfileSensor``, AA:BB:CC:DD:EE:01) on the
    private bus, running in its own thread. Yields the ``FakeBlueZThread``: ``.sensor()`` is the
    simulated sensor, ``.drop(address)`` / ``await .adrop(address)`` drop its link."""
    from tests.ble.fake_bluez import FakeBlueZThread, OpenProfileSensor

    runner = FakeBlueZThread(private_system_bus, sensors=[OpenProfileSensor()]).start()
    try:
        yield runner
    finally:
        runner.stop()
