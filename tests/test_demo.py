"""The demo ships inside the package and runs anywhere: a window replaying it where one can be shown,
otherwise exactly the text `emgcoach analyze` prints for it."""

from __future__ import annotations

from pathlib import Path

import pytest

import emgcoach.demo as demo
from emgcoach.cli import main
from emgcoach.data import demo_recording
from emgcoach.io.open import read_recording


def test_the_demo_session_is_in_the_package_and_reads() -> None:
    path = demo_recording()
    assert path.is_file() and path.parent.parent.name == "data" and path.parents[2].name == "emgcoach"
    rec = read_recording(path)
    kinds = {m.kind for m in rec.markers}
    assert {"calibration", "drill_start", "drill_end", "rep"} <= kinds and len(rec.streams[0].info.channels) == 2


def test_without_a_window_the_demo_prints_what_analyze_prints(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # a window here would show nobody anything
    assert demo.run_demo() == 0
    shown = capsys.readouterr()
    assert "offscreen" in shown.err and "analysis instead" in shown.err and len(shown.err.splitlines()) == 1
    assert main(["analyze", str(demo_recording())]) == 0
    assert shown.out == capsys.readouterr().out and "7 of 8 reps on target" in shown.out


def test_with_a_window_the_demo_replays_in_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import emgcoach.ui.app

    opened: list[tuple[str | None, float]] = []
    monkeypatch.setattr(demo, "window_problem", lambda: None)
    monkeypatch.setattr(emgcoach.ui.app, "run", lambda replay=None, speed=1.0, unit=None: opened.append((replay, speed)) or 0)
    assert demo.run_demo(speed=2.0) == 0
    assert opened == [(str(demo_recording()), 2.0)]


def test_why_no_window(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert "no display" in (demo.window_problem() or "")
    monkeypatch.setenv("QT_QPA_PLATFORM", "minimal")
    assert "QT_QPA_PLATFORM=minimal" in (demo.window_problem() or "")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":93")  # no X server there
    assert "cannot reach the display :93" in (demo.window_problem() or "")


def test_from_a_zip_the_demo_is_copied_out_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Imported from a zip archive the package data is no file: the readers get a copy in the user's cache."""
    import zipfile

    import platformdirs

    import emgcoach.data

    archive = tmp_path / "emgcoach.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(demo_recording(), "emgcoach/data/demo/bird_dog.xdf")
    monkeypatch.setattr(platformdirs, "user_cache_path", lambda name: tmp_path / "cache" / name)
    inside = zipfile.Path(archive, "emgcoach/data/demo/bird_dog.xdf")
    copy = emgcoach.data._extracted(inside)
    assert copy.is_file() and copy.read_bytes() == demo_recording().read_bytes() and copy.is_relative_to(tmp_path / "cache")
    assert emgcoach.data._extracted(inside) == copy
