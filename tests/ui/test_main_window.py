"""The main window, offscreen, replaying the bundled session: plots fill, bars and gauge move with the
simulated muscles, the transport seeks, recording writes a readable XDF, settings persist."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from emgcoach.io.xdf_reader import read_xdf
from emgcoach.ui.main_window import MainWindow

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "bird_dog_sim.xdf"


@pytest.fixture
def window(qtbot, settings: QSettings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def test_replay_fills_plots_moves_bars_and_gauge(qtbot, window: MainWindow) -> None:
    # at 4x a rest of 2.5 s lasts 0.6 s: frames enough to sample it even when other work slows them
    assert window.replay.open_recording(DEMO, speed=4.0)
    seen: list[tuple[float, ...]] = []  # (replay s, gauge, lat bar, glute bar, reward) per frame

    def sample() -> bool:
        fb = window.feedback
        now = window.engine.replay_clock.now_s()
        seen.append((now, fb.gauge.value, fb.lat_bar.value, fb.glute_bar.value, fb.rewarded))
        return now > 20.0

    qtbot.waitUntil(sample, timeout=15000)
    assert window.plots.points_drawn > 0
    assert window.feedback.lat_bar.unit == "µV"
    t, cci, lat, glute, reward = (np.array(c, dtype=float) for c in zip(*seen))
    for bar in (lat, glute):  # both bars rise with each rep and fall back at rest
        bar = bar[np.isfinite(bar)]
        assert len(bar) and bar.max() > 10 * np.percentile(bar, 10)
    # the gauge: a high reading when the glute fires with the lat; none once both have rested for the
    # gauge's 2 s window (two resting noise floors are alike, not co-active)
    glute_on = glute > 0.5 * np.nanmax(glute)
    assert glute_on.any() and np.nanmedian(cci[glute_on]) > 0.7
    quiet = (lat < 0.1 * np.nanmax(lat)) & (glute < 0.1 * np.nanmax(glute))
    rested = np.array([quiet[(t > ti - 2.5) & (t <= ti)].all() for ti in t]) & (t > t[0] + 2.5)
    assert rested.sum() >= 3 and np.isnan(cci[rested]).all(), cci[rested]
    assert reward.any() and not reward.all()
    assert "Lat first, glute +" in window.feedback.onset_label.text()


def test_transport_seeks_and_pauses(qtbot, window: MainWindow) -> None:
    window.replay.open_recording(DEMO, speed=1.0)
    clock = window.engine.replay_clock
    qtbot.waitUntil(lambda: window.engine.stream_stats(0).samples > 0, timeout=5000)
    window.replay.seek(40.0)
    qtbot.waitUntil(lambda: clock.now_s() >= 40.0, timeout=3000)
    qtbot.waitUntil(lambda: window.plots.newest_t >= 40.0, timeout=3000)
    assert window.plots.newest_t < 41.5  # landed at the seek, not played through to it
    window.replay.toggle_play()
    qtbot.waitUntil(lambda: clock.paused, timeout=2000)
    n = window.engine.stream_stats(0).samples
    t0 = window.engine.clock_s()  # the scenario: 0.3 s of the session clock pass while paused; nothing arrives
    qtbot.waitUntil(lambda: window.engine.clock_s() >= t0 + 0.3, timeout=3000)
    assert window.engine.stream_stats(0).samples == n
    # a seek while paused shows the new position at once, with the plot window's lead-up to it
    window.replay.seek(25.0)  # (back: the file is 51 s long)
    qtbot.waitUntil(lambda: abs(window.plots.newest_t - 25.0) < 0.1, timeout=3000)
    x, y = window.plots._rows[0][3].xy()
    drawn = x[np.isfinite(y)]
    assert clock.paused and drawn.min() < -0.9 * window.plots.window_s  # the whole window is filled
    window.replay.toggle_play()
    qtbot.waitUntil(lambda: window.plots.newest_t > 25.5, timeout=3000)


def test_record_button_writes_a_readable_xdf(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.replay.open_recording(DEMO, speed=4.0)
    qtbot.waitUntil(lambda: window.engine.stream_stats(0).samples > 0, timeout=5000)
    path = window.recording.toggle_recording()
    assert path and window.record_action.isChecked()
    window.recording.mark("note", {"text": "good rep"})
    n0 = window.engine.stream_stats(0).samples  # every block counted after this goes into the file
    qtbot.waitUntil(lambda: window.engine.stream_stats(0).samples >= n0 + 1.5 * 4 * 2000, timeout=10000)
    assert window.recording.toggle_recording() == path and not window.record_action.isChecked()
    rec = read_xdf(path)
    assert rec.streams[0].n_samples > 2000 * 3  # ~1.5 s at 4x
    assert any(m.payload.get("text") == "good rep" for m in rec.markers)


def test_bad_file_gives_one_message_box(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: shown.append((title, text)))
    bad = tmp_path / "broken.xdf"
    bad.write_bytes(b"XDF:" + b"\x00" * 7)
    assert not window.replay.open_recording(bad)
    assert len(shown) == 1 and "broken.xdf" in shown[0][1]
    assert window.engine is None  # nothing half-opened


def test_roles_persist_between_runs(qtbot, settings: QSettings) -> None:
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.replay.open_recording(DEMO, speed=16.0)
    assert w.roles[(0, 0)] == ("latissimus_dorsi", "left")
    w.devices.refresh(w.engine, w.roles)
    combo = w.devices._boxes[0][3][0]
    combo.setCurrentIndex(1)  # lat right
    assert w.roles[(0, 0)] == ("latissimus_dorsi", "right")
    w.close()
    w2 = MainWindow(settings)
    qtbot.addWidget(w2)
    w2.replay.open_recording(DEMO, speed=16.0)
    assert w2.roles[(0, 0)] == ("latissimus_dorsi", "right")
    w2.close()


def test_quality_lights_explain_themselves(qtbot, window: MainWindow) -> None:
    window.replay.open_recording(DEMO, speed=16.0)
    qtbot.waitUntil(lambda: bool(window.engine.stream_stats(0).quality), timeout=5000)
    window.devices.refresh(window.engine, window.roles)
    light = window.devices._boxes[0][2][0]
    assert light.grade in ("good", "fair", "bad") and light.toolTip()
    # the sensor's own rate, not the 16x faster pace the replay delivers samples at
    status = window.devices._boxes[0][1].text()
    assert f"| {window.engine.info(0).rate_hz:g} Hz |" in status and "receiving" not in status, status


def test_scan_without_bluetooth_shows_one_message(qtbot, window: MainWindow, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    window.sensors.scan()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=15000)
    # the scenario: time for a second box to follow (the scan's result is polled every 200 ms); none may
    qtbot.wait(500)
    assert len(shown) == 1 and "Bluetooth" in shown[0] and "\n" not in shown[0]
    assert "Bluetooth" in window.status.text()


def _lightness(image, x: int, y: int) -> int:
    return image.pixelColor(x, y).lightness()


def test_theme_switches_window_plots_and_bars_and_persists(qtbot, window: MainWindow, settings: QSettings) -> None:
    from PySide6.QtWidgets import QApplication

    w = window
    assert w.preferences.theme.name == "dark" and w.preferences.theme_actions["dark"].isChecked()  # the default
    assert w.replay.open_recording(DEMO, speed=4.0)
    qtbot.waitUntil(lambda: w.plots.points_drawn > 0, timeout=10000)

    def looks() -> tuple[int, int, int]:
        """Lightness (0-255) of the window's background, of an empty corner of the first plot, and of
        the empty part of the lat bar, as drawn."""
        QApplication.processEvents()
        win = w.devices.grab().toImage()
        plot = w.plots.grab().toImage()
        bar = w.feedback.lat_bar.grab().toImage()
        return (_lightness(win, win.width() - 3, win.height() - 3), _lightness(plot, plot.width() - 4, 3),
                _lightness(bar, bar.width() // 2, 50))

    dark = looks()
    w.preferences.theme_actions["light"].trigger()  # View > Theme > Light
    qtbot.waitUntil(lambda: w.plots.points_drawn > 0 and w.plots._layout_key != (), timeout=5000)
    light = looks()
    assert all(d < 90 for d in dark), dark
    assert all(v > 180 for v in light), light
    again = MainWindow(settings)  # remembered
    qtbot.addWidget(again)
    assert again.preferences.theme.name == "light" and again.preferences.theme_actions["light"].isChecked()
    again.close()
    w.preferences.set_theme("dark")


def test_device_panel_follows_a_new_file(qtbot, window: MainWindow) -> None:
    """Opening another file with as many streams rebuilds the panel: its stream's name and channels,
    not the previous file's."""
    other = Path(__file__).resolve().parents[2] / "recordings" / "drills" / "prone_hip_extension.xdf"
    window.replay.open_recording(DEMO, speed=16.0)
    window.devices.refresh(window.engine, window.roles)
    first = window.devices._boxes[0][0]
    window.replay.open_recording(other, speed=16.0)
    window.devices.refresh(window.engine, window.roles)
    box = window.devices._boxes[0][0]
    assert box is not first and window.engine.info(0).name in box.title()


def test_keyboard_shortcuts_play_record_mark_and_drill(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Space play/pause, R record, M mark (the status says whether it is kept), S start/stop the drill."""
    from PySide6.QtCore import Qt

    window.replay.open_recording(DEMO, speed=4.0, follow_drills=False)
    clock = window.engine.replay_clock
    qtbot.waitUntil(lambda: window.engine.stream_stats(0).samples > 0, timeout=5000)
    window.activateWindow()
    window.plots.setFocus()
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: clock.paused, timeout=2000)
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: not clock.paused, timeout=2000)
    qtbot.keyClick(window, Qt.Key_M)
    assert "not recording" in window.status.text()
    qtbot.keyClick(window, Qt.Key_R)
    path = window.engine.recording_path
    assert path and window.record_action.isChecked()
    n0 = window.engine.stream_stats(0).samples
    qtbot.keyClick(window, Qt.Key_M)
    assert window.status.text().startswith("Marked ") and "in the recording" in window.status.text()
    # samples into the file: 3 s of the replay recorded (as 0.8 s at 4x gave)
    qtbot.waitUntil(lambda: window.engine.stream_stats(0).samples >= n0 + 3 * 2000, timeout=10000)
    qtbot.keyClick(window, Qt.Key_S)
    assert window.drills.runner is not None
    qtbot.keyClick(window, Qt.Key_S)
    assert window.drills.runner is None
    qtbot.keyClick(window, Qt.Key_R)
    assert not window.record_action.isChecked()
    assert sum(m.kind == "note" and m.payload.get("text") == "mark" for m in read_xdf(path).markers) == 1


def test_plot_window_and_layout_persist(qtbot, settings: QSettings) -> None:
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    w.preferences.window_actions["20"].trigger()  # View > Plot window > 20 s
    assert w.plots.window_s == 20.0
    w.split.setSizes([500, 456])  # a wider feedback view, for reading across the room
    sizes = w.split.sizes()
    size = w.size()
    w.close()
    w2 = MainWindow(settings)
    qtbot.addWidget(w2)
    w2.resize(size)  # (the offscreen screen is smaller than the window: restoreGeometry would shrink it)
    w2.show()
    assert w2.plots.window_s == 20.0 and w2.preferences.window_actions["20"].isChecked()
    assert w2.split.sizes() == sizes
    w2.close()
    settings.setValue("plot_window_s", "120")  # hand-edited or from an older version: held to 5-30 s
    w3 = MainWindow(settings)
    qtbot.addWidget(w3)
    assert w3.plots.window_s == 30.0
    w3.close()


def test_a_csv_without_times_asks_for_its_rate(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    """The window asks for the sample rate that `--rate` gives on the command line; cancel opens nothing."""
    from PySide6.QtWidgets import QInputDialog

    path = tmp_path / "no_times.csv"
    x = np.random.default_rng(1).standard_normal((4000, 2)) * 20.0
    np.savetxt(path, x, delimiter=",", header="lat_left,glute_right", comments="", fmt="%.4f")
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getDouble", lambda _p, _t, label, *a: (asked.append(label), (0.0, False))[1])
    assert not window.replay.open_recording(path) and window.engine is None
    assert "needs its sample rate" in window.status.text() and window.errors_shown == []
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a: (2000.0, True))
    assert window.replay.open_recording(path)
    assert window.engine.info(0).rate_hz == 2000.0 and window.replay.duration_s == pytest.approx(2.0, abs=0.01)
    assert "no_times.csv" in asked[0]


def test_a_file_too_slow_for_emg_gives_one_message_box(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    path = tmp_path / "slow.csv"
    rate = 50.0
    x = np.random.default_rng(2).standard_normal((int(20 * rate), 2)) * 20.0
    np.savetxt(path, np.column_stack([np.arange(len(x)) / rate, x]), delimiter=",",
               header="time_s,lat_left,glute_right", comments="", fmt="%.5f")
    assert not window.replay.open_recording(path) and window.engine is None
    assert len(shown) == 1 and "slow.csv" in shown[0] and "at least 100 Hz" in shown[0]


def test_the_end_of_a_replay_stops_the_bar_and_play_starts_it_again(qtbot, window: MainWindow) -> None:
    assert window.replay.open_recording(DEMO, speed=16.0)
    qtbot.waitUntil(window.replay.ended, timeout=15000)
    clock = window.engine.replay_clock
    t0 = clock.now_s()  # the scenario: the clock runs on (0.6 s at 16x); the bar must not
    qtbot.waitUntil(lambda: clock.now_s() >= t0 + 0.6 * 16, timeout=5000)
    window.tick()
    for _ in range(15):
        window.tick()
    bar = window.transport
    assert bar.position.text() == "0:51 / 0:51" and bar.play.text() == "Play"
    assert bar.slider.value() == bar.slider.maximum()
    window.replay.toggle_play()  # at the end: from the start again
    qtbot.waitUntil(lambda: not window.replay.ended() and window.engine.stream_stats(0).samples > 0, timeout=5000)
    assert window.engine.replay_clock.now_s() < 10.0
    qtbot.waitUntil(window.replay.ended, timeout=15000)
    window.replay.seek(20.0)  # after the end: the file again, from there
    qtbot.waitUntil(lambda: 20.0 <= window.plots.newest_t < 30.0, timeout=5000)


def test_a_seek_that_reaches_the_file_as_it_runs_out_still_plays_from_its_target(qtbot, window: MainWindow) -> None:
    """A seek sent while the window still thought the replay was playing, but applied by the engine after
    the file had played out (a busy machine, a 16x replay), plays from its target: it used to leave the
    replay ended with nothing played, so a set there was never coached."""
    assert window.replay.open_recording(DEMO, speed=16.0)
    qtbot.waitUntil(window.replay.ended, timeout=15000)
    window.engine.seek(20.0)  # what ReplayControl.seek sends when it sees the file still playing
    qtbot.waitUntil(lambda: 20.0 <= window.plots.newest_t < 30.0, timeout=5000)
    qtbot.waitUntil(window.replay.ended, timeout=15000)  # played on to the end from there
    qtbot.waitUntil(lambda: window.transport.position.text() == "0:51 / 0:51", timeout=3000)


def test_a_same_side_pair_is_coached_with_a_warning(qtbot, window: MainWindow) -> None:
    window.replay.open_recording(DEMO, speed=4.0)
    qtbot.waitUntil(lambda: window.engine.stream_stats(0).samples > 4000, timeout=5000)
    window.sensors.role_changed(0, 1, "gluteus_maximus", "left")  # next to the left lat
    qtbot.waitUntil(lambda: "same side" in window.feedback.mode.text(), timeout=3000)
    window.sensors.role_changed(0, 1, "gluteus_maximus", "right")
    qtbot.waitUntil(lambda: "same side" not in window.feedback.mode.text(), timeout=3000)
