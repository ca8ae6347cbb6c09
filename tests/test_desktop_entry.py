"""`emgcoach install-desktop-entry`: the menu entry, icons and metainfo land in the user's data folder,
the entry starts the launcher that installed it, and `--remove` takes away exactly those files."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emgcoach import desktop_entry
from emgcoach.errors import EmgcoachError
from emgcoach.resources import APP_ID, ICON_SIZES, icon_png, icon_svg, metainfo_file


def read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


@pytest.fixture
def launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A running `emgcoach` launcher in a folder with a space in its name."""
    path = tmp_path / "my tools" / "bin" / "emgcoach"
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    monkeypatch.setattr(sys, "argv", [str(path), "install-desktop-entry"])
    return path


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def test_install_puts_the_entry_icons_and_metainfo_in_the_users_menu(launcher: Path, data_home: Path) -> None:
    written = desktop_entry.install()
    assert written == desktop_entry.targets(data_home) and all(p.is_file() for p in written)
    entry = read_entry(data_home / "applications" / f"{APP_ID}.desktop")
    assert entry["Exec"] == f'"{launcher}" app'  # quoted: the path has a space
    assert entry["TryExec"] == str(launcher) and entry["Icon"] == APP_ID and entry["Type"] == "Application"
    assert entry["Categories"].split(";")[:2] == ["Science", "MedicalSoftware"]
    for n in ICON_SIZES:
        assert (data_home / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png").read_bytes() == icon_png(n).read_bytes()
    assert (data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").read_bytes() == icon_svg().read_bytes()
    assert (data_home / "metainfo" / f"{APP_ID}.metainfo.xml").read_bytes() == metainfo_file().read_bytes()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_the_installed_entry_is_valid(launcher: Path, data_home: Path) -> None:
    (entry, *_) = desktop_entry.install()
    r = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "error" not in r.stdout, r.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_the_metainfo_is_valid(tmp_path: Path) -> None:
    path = tmp_path / f"{APP_ID}.metainfo.xml"
    path.write_bytes(metainfo_file().read_bytes())
    r = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_remove_deletes_exactly_what_install_wrote(launcher: Path, data_home: Path) -> None:
    other = data_home / "applications" / "someone-else.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\n")
    written = desktop_entry.install(data_home)
    assert desktop_entry.remove(data_home) == written
    assert not any(p.exists() for p in written) and other.is_file()
    assert desktop_entry.remove(data_home) == []  # nothing left to remove


def test_the_entry_starts_a_frozen_bundle_by_its_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = tmp_path / "dist" / "emgcoach" / "emgcoach"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    (entry, *_) = desktop_entry.install(tmp_path / "share")
    assert read_entry(entry)["Exec"] == f"{exe} app"


def test_without_a_launcher_the_entry_runs_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["-c"])
    monkeypatch.setattr(desktop_entry.shutil, "which", lambda name: None)
    assert desktop_entry.launcher_command() == [str(Path(sys.executable).absolute()), "-m", "emgcoach"]


def test_exec_quoting_follows_the_desktop_entry_spec() -> None:
    assert desktop_entry.exec_line(["/opt/emgcoach/emgcoach", "app"]) == "/opt/emgcoach/emgcoach app"
    # quoted for the space; ", `, $ and \ escaped inside quotes; then every \ doubled and % doubled as a string value
    assert desktop_entry.exec_line(['/a b/$x"y\\z', "100%"]) == '"/a b/\\\\$x\\\\"y\\\\\\\\z" 100%%'


def test_elsewhere_than_linux_one_line_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    for step in (desktop_entry.install, desktop_entry.remove):
        with pytest.raises(EmgcoachError) as e:
            step(tmp_path)
        assert "Linux" in str(e.value) and "\n" not in str(e.value)
    assert not any(tmp_path.iterdir())


def test_a_relative_xdg_data_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop_entry.data_home() == tmp_path / ".local" / "share"
