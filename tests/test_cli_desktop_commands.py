"""The desktop-facing commands from the command line: `emgcoach demo`, `install-desktop-entry [--remove]`
and `--self-test`."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from emgcoach.cli import main


def test_demo_command_without_a_window_prints_the_analysis(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main(["demo"]) == 0
    shown = capsys.readouterr()
    assert "7 of 8 reps on target" in shown.out
    assert len(shown.err.splitlines()) == 1


def test_demo_command_refuses_a_speed_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--speed", "40"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--speed 40" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="menu entries are for Linux desktops")
def test_install_desktop_entry_then_remove(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["install-desktop-entry"]) == 0
    written = [Path(line.split(" ", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    assert written and all(p.is_file() and tmp_path in p.parents for p in written)
    entry = next(p for p in written if p.suffix == ".desktop")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(entry)
    assert parser["Desktop Entry"]["Icon"] and "emgcoach" in parser["Desktop Entry"]["Exec"]
    assert main(["install-desktop-entry", "--remove"]) == 0
    removed = [Path(line.split(" ", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    assert sorted(removed) == sorted(written) and not any(p.exists() for p in written)
    assert main(["install-desktop-entry", "--remove"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_self_test_option_draws_a_frame_and_exits_0() -> None:
    run = subprocess.run([sys.executable, "-m", "emgcoach", "--self-test"], capture_output=True, text=True,
                         timeout=180, cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr
    assert "self-test: ok" in run.stdout
