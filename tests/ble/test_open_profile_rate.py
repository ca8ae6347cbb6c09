"""An open-profile sensor streams at the rate its packets say, not the profile's default 1000 Hz: through
the real bleak backend on the simulated BlueZ, the engine's stream, its blocks' times, its band-pass, the
recording's header and the sensors panel all run at the sensor's 2000 Hz (or 500 Hz); a sensor that
changes its rate mid-stream is stopped with one line naming it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("dbus_fast")
pytest.importorskip("bleak")

from emgcoach.ble.sensor_setup import add_sensor
from emgcoach.stream.engine import Engine, ProcessedBlock
from tests.ble.fake_bluez import FakeBlueZThread, OpenProfileSensor

ADDRESS = OpenProfileSensor.address
AMPLITUDE = 8000  # counts of each tone; x 0.5 µV/count = 4000 µV
NOISE = 200  # counts rms


class ToneSensor(OpenProfileSensor):
    """An open-profile sensor at `rate_hz` whose one channel is the sum of two tones of AMPLITUDE counts
    (sample n at n / rate_hz s) over a broadband noise of NOISE counts rms (as resting EMG is: without it,
    the pure tones' spectrum would look like mains hum and switch the notch on); with `switch_at` set, its packets declare `switch_to` Hz from that sample on."""

    def __init__(self, rate_hz: int, tones_hz: tuple[float, float], switch_at: int | None = None,
                 switch_to: int = 1000) -> None:
        super().__init__()
        self.rate_hz, self.tones_hz = rate_hz, tones_hz
        self.samples_per_packet = max(10, rate_hz // 100)  # 100 packets a second
        self.switch_at, self.switch_to = switch_at, switch_to

    def counts(self, n: np.ndarray | int) -> np.ndarray:  # type: ignore[override]  # an instance's tones
        n = np.asarray(n)
        if self.switch_at is not None and n[0] >= self.switch_at:
            self.rate_hz = self.switch_to  # the stream loop encodes this packet with it
        f1, f2 = (f / self.rate_hz for f in self.tones_hz)  # cycles per sample
        noise = np.random.default_rng(int(n[0])).normal(0.0, NOISE, len(n))  # the same at each index, every run
        return np.round(AMPLITUDE * (np.sin(2 * np.pi * f1 * n) + np.sin(2 * np.pi * f2 * n)) + noise).astype(np.int64)


def _fake(bus: str, sensor: OpenProfileSensor) -> Iterator[FakeBlueZThread]:
    runner = FakeBlueZThread(bus, sensors=[sensor]).start()
    try:
        yield runner
    finally:
        runner.stop()


def _tone_amplitude_uv(blocks: list[ProcessedBlock], rate_hz: float, tone_hz: float, skip_s: float = 1.0) -> float:
    """Amplitude (µV) of `tone_hz` in the band-passed signal of `blocks`, past the filter's first `skip_s`,
    by correlating with the tone at each sample's index (a sample lost in transit does not shift it)."""
    index = np.concatenate([b.first_index + np.arange(len(b.filtered)) for b in blocks])
    filtered = np.concatenate([b.filtered[:, 0] for b in blocks])
    keep = index >= skip_s * rate_hz
    phase = np.exp(-2j * np.pi * tone_hz / rate_hz * index[keep])
    return float(2 * abs(np.mean(filtered[keep] * phase)))


def _stream(bus: str, sensor: ToneSensor, tmp_path: Any, seconds: float) -> tuple[Engine, list[ProcessedBlock], str]:
    """Add the sensor as `emgcoach record` and the window do (`add_sensor`), start recording at once (before
    its first packet), and collect `seconds` of its processed blocks; returns the stopped engine."""
    blocks: list[ProcessedBlock] = []
    engine = Engine(buffer_s=10.0).start()
    engine.subscribe(blocks.append)
    try:
        add_sensor(engine, ADDRESS, "open", "latissimus_dorsi", "left")
        engine.start_recording(tmp_path / "r.xdf")
        deadline = time.monotonic() + 20 + seconds
        while time.monotonic() < deadline and engine.stream_stats(0).samples < seconds * sensor.rate_hz:
            time.sleep(0.05)
        path = engine.stop_recording()
    finally:
        engine.stop()
    assert path is not None
    return engine, list(blocks), path


@pytest.mark.parametrize(("rate", "tones", "gains"), [
    # at 2000 Hz: 30 Hz passes the 20-450 Hz band and 600 Hz does not; a filter run at 1000 Hz would see
    # them at 15 and 300 Hz (gains 0.30 and 1.00)
    (2000, (30.0, 600.0), (0.987, 0.134)),
    # at 500 Hz: 110 Hz passes and 15 Hz is cut to 0.29; at 1000 Hz the filter would pass 15 Hz (0.98)
    (500, (110.0, 15.0), (1.0, 0.29)),
])
def test_the_stream_runs_at_the_rate_the_packets_say(private_system_bus: str, tmp_path: Any, rate: int,
                                                     tones: tuple[float, float], gains: tuple[float, float]) -> None:
    import pyxdf

    sensor = ToneSensor(rate, tones)
    for _ in _fake(private_system_bus, sensor):
        engine, blocks, path = _stream(private_system_bus, sensor, tmp_path, 3.0)
    info = engine.info(0)
    assert info.rate_hz == rate and engine.buffers(0).rate_hz == rate
    assert [c.name for c in info.channels] == ["ch1"] and info.channels[0].muscle == "latissimus_dorsi"
    assert engine.stream_stats(0).samples >= 3 * rate
    assert engine.stream_stats(0).mains_hz is None  # no notch: the band-pass alone shapes the tones
    assert all(b.rate_hz == rate for b in blocks)
    # time: 1 s per `rate` samples (the sensor's clock, seen through its arrivals)
    first, last = blocks[0], blocks[-1]
    seconds_per_sample = (last.t0 - first.t0) / (last.first_index - first.first_index)
    assert seconds_per_sample == pytest.approx(1 / rate, rel=0.03)
    # the band-pass at the sensor's rate: each tone at the gain a 20-450 Hz band-pass gives it there
    for tone, gain in zip(tones, gains):
        assert _tone_amplitude_uv(blocks, rate, tone) == pytest.approx(gain * AMPLITUDE * 0.5, rel=0.05, abs=40)
    # the recording: its header says the sensor's rate, and its samples span 1 s per `rate` of them
    streams, _ = pyxdf.load_xdf(path, synchronize_clocks=False, dejitter_timestamps=False)
    emg = [s for s in streams if s["info"]["type"][0] == "EMG"]
    assert len(emg) == 1
    assert float(emg[0]["info"]["nominal_srate"][0]) == rate
    stamps = emg[0]["time_stamps"]
    assert len(stamps) >= 2 * rate
    assert (stamps[-1] - stamps[0]) / (len(stamps) - 1) == pytest.approx(1 / rate, rel=0.03)


def test_a_rate_changed_mid_stream_stops_the_stream_with_one_line(private_system_bus: str, tmp_path: Any) -> None:
    sensor = ToneSensor(2000, (30.0, 600.0), switch_at=2000, switch_to=1000)
    for runner in _fake(private_system_bus, sensor):
        engine = Engine(buffer_s=5.0).start()
        try:
            add_sensor(engine, ADDRESS, "open", "latissimus_dorsi", "left")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and engine.stream_stats(0).state != "error":
                time.sleep(0.05)
            stats = engine.stream_stats(0)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and runner.sensor().connected:
                time.sleep(0.05)
            released = not runner.sensor().connected
        finally:
            engine.stop()
    assert stats.state == "error", stats
    assert "\n" not in stats.message
    assert ADDRESS in stats.message and "1000 Hz" in stats.message and "2000 Hz" in stats.message
    assert "fixed per stream" in stats.message
    assert 1500 <= stats.samples <= 2000  # the first second at 2000 Hz, nothing at the changed rate
    assert released  # the link is let go, not left streaming into nothing
    assert engine.info(0).rate_hz == 2000


def test_the_window_connects_it_at_its_rate(qtbot: Any, private_system_bus: str, tmp_path: Any) -> None:
    """The window's Connect (`connect_sensor`): the sensors panel says 2000 Hz, with no 'receiving' note."""
    pytest.importorskip("PySide6")
    from PySide6.QtCore import QSettings

    from emgcoach.ble.link import FoundSensor
    from emgcoach.ui.main_window import MainWindow

    for _ in _fake(private_system_bus, ToneSensor(2000, (30.0, 600.0))):
        settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
        settings.setValue("store_path", str(tmp_path / "history.sqlite3"))
        settings.setValue("welcome_seen", True)
        w = MainWindow(settings)
        qtbot.addWidget(w)
        w.sensors.connect_sensor(FoundSensor(ADDRESS, "EMGC-sim", "open", -58))
        qtbot.waitUntil(lambda: w.engine is not None and w.engine.stream_stats(0).samples > 4000, timeout=20000)

        def line() -> str:
            w.devices.refresh(w.engine, w.roles)
            return w.devices._boxes[0][1].text()

        # the nominal rate, with no "(receiving .../s)" note: a loaded machine may jitter the measured
        # rate past 5 % now and then, so the line is given a few seconds to show it once
        try:
            qtbot.waitUntil(lambda: line().startswith("streaming | 2000 Hz | "), timeout=10000)
        finally:
            text = line()
            w.close()
    assert text.startswith("streaming | 2000 Hz"), text


def test_record_cli_records_it_at_its_rate(private_system_bus: str, tmp_path: Any) -> None:
    """`emgcoach record --sensor` in its own process: the file's header says 2000 Hz (its status line
    shows the measured rate, ~2000 Hz, with or without the header right)."""
    import os
    import re
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import pyxdf

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "rec.xdf"
    for _ in _fake(private_system_bus, ToneSensor(2000, (30.0, 600.0))):
        proc = subprocess.Popen(
            [sys.executable, "-m", "emgcoach.cli", "record", "--sensor", f"{ADDRESS}:lat:left", "--kind", "open",
             "-o", str(out)],
            cwd=root, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 40_000):
            time.sleep(0.2)
        time.sleep(2.5)  # two status lines at the measured rate
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    measured = [float(r) for r in re.findall(r"streaming (\d+) Hz", err)]  # the status line's measured rate
    assert measured and abs(float(np.median(measured)) - 2000) < 100, err  # (one may jitter on a loaded machine)
    streams, _ = pyxdf.load_xdf(str(out), synchronize_clocks=False, dejitter_timestamps=False)
    (emg,) = [s for s in streams if s["info"]["type"][0] == "EMG"]
    assert float(emg["info"]["nominal_srate"][0]) == 2000
    assert emg["info"]["desc"][0]["channels"][0]["channel"][0]["label"][0] == "latissimus_dorsi_left"
