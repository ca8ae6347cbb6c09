"""A Bluetooth sensor is 'connecting' in the engine (and so on the device panel) until its first
notification arrives, then 'streaming'; never 'running' (which the panel shows as streaming) before
any data. Through the real bleak BlueZ backend against the simulated BlueZ (tests/ble/fake_bluez.py)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

pytest.importorskip("dbus_fast")
pytest.importorskip("bleak")
pytest.importorskip("bleak_retry_connector")

from emgcoach.ble.devices.open_profile import PROFILE
from emgcoach.ble.link import BleSensorSource
from emgcoach.stream.engine import Engine
from tests.ble.fake_bluez import FakeBlueZThread, OpenProfileSensor
from tests.waiting import wait_for


class HeldSensor(OpenProfileSensor):
    """An open-profile sensor that, once started, holds its notifications until `release` is set (a
    sensor that connects and is set up but whose data has not begun to flow)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    async def _stream(self) -> None:
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        await super()._stream()




def test_a_sensor_is_connecting_until_its_first_notification(private_system_bus: str) -> None:
    sensor = HeldSensor()
    runner = FakeBlueZThread(private_system_bus, sensors=[sensor]).start()
    try:
        with Engine() as engine:
            i = engine.add_source(BleSensorSource(sensor.address, PROFILE, clock=engine.clock_s))
            assert engine.stream_stats(i).state == "connecting"
            # connected, set up and started, but no notification yet: still connecting
            wait_for(lambda: sensor.streaming, timeout=15.0)
            time.sleep(0.3)
            assert sensor.packets == []
            stats = engine.stream_stats(i)
            assert stats.state == "connecting" and stats.samples == 0
            states = [e.payload["state"] for e in engine.drain_events() if e.kind == "state"]
            assert states == ["connecting"]
            # the first notifications arrive: streaming
            sensor.release.set()
            wait_for(lambda: engine.stream_stats(i).samples > 0, timeout=15.0)
            assert engine.stream_stats(i).state == "streaming"
            states = [e.payload["state"] for e in engine.drain_events() if e.kind == "state"]
            assert states == ["streaming"]
    finally:
        runner.stop()


def test_files_and_simulators_still_start_running() -> None:
    from emgcoach.stream.sim.scenario import bird_dog_scenario
    from emgcoach.stream.sim.source import SimulatorSource

    with Engine() as engine:
        i = engine.add_source(SimulatorSource(bird_dog_scenario(reps=1), rate_hz=2000.0, realtime=True))
        wait_for(lambda: engine.stream_stats(i).samples > 0, timeout=5.0)
        assert engine.stream_stats(i).state == "running"
        states = [e.payload["state"] for e in engine.drain_events() if e.kind == "state"]
        assert states[0] == "running"
