"""A sensor that drops out mid-session: its panel says "reconnecting", its plot row stops at the moment
it went quiet while the others scroll on (one time axis), a gap stays where samples were lost, and no
dialog appears."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo
from emgcoach.ui.main_window import MainWindow

RATE = 1000.0
CHUNK = 20


class DroppingSensor:
    """A live-paced 1 kHz sensor on the session clock that goes quiet for `drop_s` after `drop_at_s`,
    says "reconnecting" meanwhile, then comes back with the samples it missed counted as lost."""

    def __init__(self, name: str, muscle: str, side: str, clock, drop_at_s: float | None = None,
                 drop_s: float = 0.0) -> None:
        self.info = StreamInfo("umyo", name, f"AA:{name}", RATE, (ChannelSpec("ch", muscle, side),))
        self.clock, self.drop_at_s, self.drop_s, self.closing = clock, drop_at_s, drop_s, False
        self.rng = np.random.default_rng(len(name))

    def _block(self, t0: float, index: int, lost: int = 0) -> Block:
        return Block((20.0 * self.rng.standard_normal((CHUNK, 1))).astype(np.float32), t0 + index / RATE,
                     RATE, index, lost)

    async def blocks(self):
        t0, i, dropped = self.clock(), 0, False
        while not self.closing:
            now = self.clock()
            if self.drop_at_s is not None and not dropped and now - t0 > self.drop_at_s:
                dropped = True
                yield Marker(now, "state", {"state": "reconnecting", "message": "link lost"})
                await asyncio.sleep(self.drop_s)
                missed = int((self.clock() - t0) * RATE) - i
                i += missed
                yield Marker(self.clock(), "state", {"state": "streaming"})
                yield self._block(t0, i, missed)
                i += CHUNK
                continue
            ahead = t0 + (i + CHUNK) / RATE - now
            if ahead > 0:
                await asyncio.sleep(ahead)
                continue
            yield self._block(t0, i)
            i += CHUNK

    async def close(self) -> None:
        self.closing = True


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch):
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: boxes.append(text))
    s = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    s.setValue("welcome_seen", True)
    w = MainWindow(s)
    qtbot.addWidget(w)
    w.show()
    w.boxes = boxes
    yield w
    w.close()


def _right_edge_s(w: MainWindow, row: int) -> float:
    """Where the row's newest drawn sample sits on the shared axis (s before now)."""
    item = w.plots._rows[row][3]
    x, _ = item.xy()
    return float(np.nanmax(x)) + item.pos().x()


def test_one_of_two_sensors_drops(qtbot, window: MainWindow) -> None:
    e = window.new_engine()
    e.add_source(DroppingSensor("lat", "latissimus_dorsi", "left", e.clock_s))
    e.add_source(DroppingSensor("glute", "gluteus_maximus", "right", e.clock_s, drop_at_s=1.5, drop_s=2.5))
    window.sensors.load_roles(e)
    qtbot.waitUntil(lambda: e.stream_stats(1).state == "reconnecting", timeout=5000)
    dropped_at = e.stream_stats(1).last_t_s
    # the scenario: 1.5 s into the drop (it lasts 2.5 s), on the session clock the sensors stamp their samples by
    qtbot.waitUntil(lambda: e.clock_s() >= dropped_at + 1.5, timeout=5000)
    window.devices.refresh(e, window.roles)
    assert "reconnecting" in window.devices._boxes[1][1].text()
    assert abs(_right_edge_s(window, 0)) < 0.1  # the lat scrolls on
    assert -2.2 < _right_edge_s(window, 1) < -1.0  # the glute stopped when it dropped, 1.5 s ago
    qtbot.waitUntil(lambda: e.stream_stats(1).state in ("running", "streaming") and e.stream_stats(1).lost > 0,
                    timeout=5000)
    qtbot.waitUntil(lambda: abs(_right_edge_s(window, 1)) < 0.1, timeout=3000)  # the plot draws its return
    assert abs(_right_edge_s(window, 1)) < 0.1  # back at now
    _, y = window.plots._rows[1][3].xy()
    assert np.isnan(y).sum() >= 2  # the lost stretch stays a gap
    assert window.boxes == []  # no dialog


def test_a_lone_sensor_dropping_leaves_its_gap_growing(qtbot, window: MainWindow) -> None:
    e = window.new_engine()
    e.add_source(DroppingSensor("lat", "latissimus_dorsi", "left", e.clock_s, drop_at_s=1.0, drop_s=3.0))
    window.sensors.load_roles(e)
    qtbot.waitUntil(lambda: e.stream_stats(0).state == "reconnecting", timeout=5000)
    dropped_at = e.stream_stats(0).last_t_s
    # the scenario: 1.5 s into the drop (it lasts 3 s), on the session clock the sensor stamps its samples by
    qtbot.waitUntil(lambda: e.clock_s() >= dropped_at + 1.5, timeout=5000)
    assert -2.0 < _right_edge_s(window, 0) < -1.0  # the axis follows the session clock
    assert window.boxes == []
