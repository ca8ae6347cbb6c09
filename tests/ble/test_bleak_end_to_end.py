"""End to end through the real bleak BlueZ backend (and bleak-retry-connector) against a simulated BlueZ
on a private D-Bus (tests/ble/fake_bluez.py): scanning, connecting and setting up an open-profile
sensor, notifications decoded to µV, battery, and reconnection after the link drops."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest

pytest.importorskip("dbus_fast")
pytest.importorskip("bleak")
pytest.importorskip("bleak_retry_connector")

from emgcoach.ble.devices.open_profile import CONTROL_UUID, PROFILE
from emgcoach.ble.link import BleSensorSource, scan
from emgcoach.types import Block, Marker
from tests.ble.fake_bluez import OpenProfileSensor

ADDRESS = OpenProfileSensor.address
NOTIFY_MODES = ("StartNotify", "AcquireNotify")


@pytest.fixture(params=NOTIFY_MODES)
def notify_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """bleak subscribes with StartNotify by default (since 3.0.2); "AcquireNotify" makes every
    start_notify of the project's code use AcquireNotify (bleak's ``use_start_notify=False``)."""
    if request.param == "AcquireNotify":
        from bleak import BleakClient

        original = BleakClient.start_notify

        async def start_notify_acquired(self: Any, char: Any, callback: Any, **kwargs: Any) -> None:
            kwargs.setdefault("bluez", {"use_start_notify": False})
            await original(self, char, callback, **kwargs)

        monkeypatch.setattr(BleakClient, "start_notify", start_notify_acquired)
    return request.param


def _samples(blocks: list[Block]) -> int:
    return sum(b.n_samples for b in blocks)


def test_scan_finds_the_simulated_sensor(fake_bluez: Any) -> None:
    found = asyncio.run(asyncio.wait_for(scan(1.0), 15))
    assert [(s.address, s.name, s.kind, s.rssi) for s in found] == [(ADDRESS, "EMGC-sim", "open", -58)]


def test_connect_stream_and_battery(fake_bluez: Any, notify_mode: str) -> None:
    sensor: OpenProfileSensor = fake_bluez.sensor()
    source = BleSensorSource(ADDRESS, PROFILE)
    blocks: list[Block] = []
    markers: list[Marker] = []

    async def run() -> None:
        async with asyncio.timeout(15):
            async for item in source.blocks():  # close() ends it, as the engine does
                if isinstance(item, Block):
                    blocks.append(item)
                    if _samples(blocks) >= 300 and not source._closing:
                        await source.close()
                else:
                    markers.append(item)

    asyncio.run(run())

    # set-up: notifications subscribed the requested way, then b"start" written to the control point
    assert sensor.subscriptions == [(notify_mode, PROFILE.notify_uuids[0])]
    assert [(u, d) for _, u, d in sensor.writes] == [(CONTROL_UUID, b"start"), (CONTROL_UUID, b"stop")]
    assert source.battery_pct == 87 and source.rssi_dbm == -58  # the sensor's battery; its advertisement's RSSI
    assert [(m.kind, m.payload.get("state")) for m in markers] == [("state", "streaming")]
    # the decoded samples are the sensor's, in µV, at their true indices, nothing lost or shifted
    assert blocks[0].first_index == 0
    assert all(b.first_index == a.end_index and b.lost == 0 for a, b in zip(blocks, blocks[1:]))
    assert all(b.n_samples == 20 and b.n_channels == 1 and b.rate_hz == 1000 for b in blocks)
    data = np.concatenate([b.data[:, 0] for b in blocks])
    np.testing.assert_array_equal(data, OpenProfileSensor.expected_uv(np.arange(data.size)))
    assert source.assembler.lost_samples == 0 and source.decoder.lost_samples == 0
    # after close() the sensor is disconnected and has stopped
    assert source.state == "closed"
    assert not sensor.connected and not sensor.streaming


def test_drop_reconnects_and_counts_the_gap(fake_bluez: Any, notify_mode: str) -> None:
    sensor: OpenProfileSensor = fake_bluez.sensor()
    source = BleSensorSource(ADDRESS, PROFILE)
    before: list[Block] = []
    after: list[Block] = []
    markers: list[Marker] = []
    dropped_at: list[float] = []

    async def run() -> None:
        async with asyncio.timeout(20):
            async for item in source.blocks():
                if isinstance(item, Marker):
                    markers.append(item)
                    continue
                (after if dropped_at else before).append(item)
                if not dropped_at and _samples(before) >= 200:
                    dropped_at.append(time.monotonic())
                    await fake_bluez.adrop(ADDRESS)
                if _samples(after) >= 200 and not source._closing:
                    await source.close()
        await asyncio.sleep(0.3)  # let the bus see the closed connections
        connections.append(await fake_bluez.acall(fake_bluez.fake.client_connections()))

    connections: list[int] = []
    asyncio.run(run())

    # the source said what happened: streaming, gap + reconnecting, streaming again
    kinds = [(m.kind, m.payload.get("state")) for m in markers]
    assert kinds == [("state", "streaming"), ("gap", None), ("state", "reconnecting"), ("state", "streaming")]
    assert source.reconnects == 1 and sensor.connect_count == 2
    assert [d for _, _, d in sensor.writes] == [b"start", b"start", b"stop"]
    assert len(sensor.subscriptions) == 2
    # streaming resumed after the drop; the first block after it starts later, by the samples missed
    first = after[0]
    gap = first.first_index - before[-1].end_index
    assert gap > 0 and first.lost == gap
    assert source.assembler.lost_samples == gap
    assert all(b.first_index == a.end_index and b.lost == 0 for a, b in zip(after, after[1:]))
    # the gap is the time the sensor was away (drop -> streaming again), within scheduling slack
    away_ms = (sensor.starts[1] - sensor.packets[0][1] - _samples(before) / 1000) * 1000
    assert 0.5 * away_ms - 100 < gap < 1.5 * away_ms + 100, (gap, away_ms)
    # data not shifted: before the drop, sample i is the sensor's i; after it the sensor restarted its
    # count at b"start", and its samples follow one another from the new first index
    data_before = np.concatenate([b.data[:, 0] for b in before])
    np.testing.assert_array_equal(data_before, OpenProfileSensor.expected_uv(np.arange(data_before.size)))
    data_after = np.concatenate([b.data[:, 0] for b in after])
    np.testing.assert_array_equal(data_after, OpenProfileSensor.expected_uv(np.arange(data_after.size)))
    assert source.state == "closed" and not sensor.connected
    # every client's D-Bus connection was released (the dropped one too): only bleak's manager is left
    assert connections == [1]


@pytest.mark.slow
def test_record_cli_records_the_sensor_until_ctrl_c(fake_bluez: Any, tmp_path) -> None:
    """`emgcoach record` in its own process, through the same simulated BlueZ: a live status line, and
    on Ctrl-C (SIGINT) a cleanly closed XDF holding the sensor's samples and its muscle."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from emgcoach.io.open import read_recording

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "rec.xdf"
    proc = subprocess.Popen(
        [sys.executable, "-m", "emgcoach.cli", "record", "--sensor", f"{ADDRESS}:lat:left", "-o", str(out)],
        cwd=root, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 20_000):
        time.sleep(0.2)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "streaming" in err and "battery 87 %" in err and f"saved {out}" in err and "Traceback" not in err
    rec = read_recording(out)
    (stream,) = rec.streams
    assert stream.info.kind == "open" and stream.info.channels[0].muscle == "latissimus_dorsi"
    assert stream.n_samples > 1000  # more than a second at 1 kHz


def test_a_first_connection_lost_during_set_up_is_retried(fake_bluez: Any) -> None:
    """The link dies while notifications are being set up (BlueZ answers 'Not connected'): the source
    disconnects, tries again and streams, instead of giving up with a wrong 'BlueZ is not running'."""
    sensor: OpenProfileSensor = fake_bluez.sensor()
    sensor.refuse_subscriptions = 2
    source = BleSensorSource(ADDRESS, PROFILE)
    blocks: list[Block] = []

    async def run() -> None:
        async with asyncio.timeout(20):
            async for item in source.blocks():
                if isinstance(item, Block):
                    blocks.append(item)
                    if _samples(blocks) >= 200 and not source._closing:
                        await source.close()

    asyncio.run(run())
    assert sensor.refuse_subscriptions == 0 and sensor.connect_count == 3
    assert source.reconnects == 0 and blocks[0].first_index == 0 and _samples(blocks) >= 200
    assert all(b.lost == 0 for b in blocks)


def test_link_errors_are_not_reported_as_bluetooth_missing() -> None:
    from emgcoach.ble.link import explain_bluetooth_error

    class DBusError(Exception):  # the shape of dbus-fast's error text
        pass

    assert "BlueZ is not running" in explain_bluetooth_error(
        DBusError("org.freedesktop.DBus.Error.ServiceUnknown: The name org.bluez was not provided by any .service files"))
    for text in ("org.bluez.Error.Failed: Not connected", "org.bluez.Error.NotPermitted: Notify acquired"):
        assert "not running" not in explain_bluetooth_error(DBusError(text))


def test_a_umyo_streams_from_its_subscription(private_system_bus: str) -> None:
    """A uMyo needs no start command: subscribing starts its stream. Its samples arrive as sent, in µV,
    at the indices its tsrc gives (the simulated uMyo that benchmarks/app_session.py streams)."""
    from emgcoach.ble.devices.umyo import MIDSCALE, UV_PER_COUNT
    from emgcoach.ble.devices.umyo import PROFILE as UMYO
    from tests.ble.fake_bluez import FakeBlueZThread, UmyoSensor

    runner = FakeBlueZThread(private_system_bus, sensors=[UmyoSensor()]).start()
    try:
        source = BleSensorSource(UmyoSensor.address, UMYO)
        blocks: list[Block] = []

        async def run() -> None:
            async with asyncio.timeout(15):
                async for item in source.blocks():
                    if isinstance(item, Block):
                        blocks.append(item)
                        if _samples(blocks) >= 240 and not source._closing:
                            await source.close()

        asyncio.run(run())
    finally:
        runner.stop()
    assert blocks[0].first_index == 0 and all(b.lost == 0 for b in blocks)
    got = np.concatenate([b.data[:, 0] for b in blocks])
    n = np.arange(len(got))
    want = (UmyoSensor().counts(n) - MIDSCALE) * UV_PER_COUNT
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert all(b.n_samples == 24 for b in blocks)
