"""Before Qt starts, the app says in one line why it cannot open a window (never Qt's abort)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emgcoach.data import demo_recording
from emgcoach.ui.display_check import display_problem, find_plugin, install_advice, missing_libraries

ROOT = Path(__file__).resolve().parents[2]
DEMO = demo_recording()
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 platform plugin checks")


def _desktop_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "DISPLAY")}
    env.update(extra)
    return env


def _replay(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import sys; from emgcoach.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "replay", str(DEMO)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _plugin_without_its_qt_libraries(tmp_path: Path) -> Path:
    """A copy of Qt's X11 plugin whose Qt libraries ($ORIGIN/../../lib) are not beside it."""
    plugin = find_plugin("xcb", {})
    if plugin is None:
        pytest.skip("PySide6's X11 plugin is not installed")
    folder = tmp_path / "plugins" / "platforms"
    folder.mkdir(parents=True)
    shutil.copy(plugin, folder / plugin.name)
    return folder


def _one_line_exit_2(run: subprocess.CompletedProcess) -> str:
    """The one line a refused start printed (exit 2, no core dump, no traceback)."""
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


@linux_only
def test_an_unreachable_display_is_one_line_and_exit_2() -> None:
    line = _one_line_exit_2(_replay(_desktop_env(DISPLAY=":87")))
    assert "cannot reach the display :87" in line and "bird_dog.xdf" in line


@linux_only
def test_no_display_at_all_is_one_line_and_exit_2() -> None:
    assert "DISPLAY and WAYLAND_DISPLAY are not set" in _one_line_exit_2(_replay(_desktop_env()))


@linux_only
def test_hidden_plugin_libraries_are_named_before_qt_would_abort(tmp_path: Path) -> None:
    folder = _plugin_without_its_qt_libraries(tmp_path)
    env = _desktop_env(DISPLAY=":87", QT_QPA_PLATFORM_PLUGIN_PATH=str(folder))
    # Qt itself, given this plugin, aborts: the set-up really hides what the plugin needs.
    bare = subprocess.run([sys.executable, "-c", "from PySide6.QtWidgets import QApplication; QApplication([])"],
                          env={**env, "QT_QPA_PLATFORM": "xcb"}, capture_output=True, text=True, timeout=60)
    assert bare.returncode < 0 or bare.returncode == 134, bare.stderr
    line = _one_line_exit_2(_replay(env))
    assert "missing libQt6XcbQpa.so.6" in line
    assert "pip install --force-reinstall PySide6-Essentials" in line


@linux_only
def test_missing_libraries_lists_what_the_loader_cannot_find(tmp_path: Path) -> None:
    folder = _plugin_without_its_qt_libraries(tmp_path)
    missing = missing_libraries(folder / "libqxcb.so")
    assert "libQt6XcbQpa.so.6" in missing
    assert "libQt6Core.so.6" in missing
    assert missing_libraries(find_plugin("xcb", {})) == []  # the installed plugin: complete here


def test_advice_names_the_packages_for_debian_and_fedora() -> None:
    advice = install_advice(["libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libxcb-shape.so.0"])
    assert "Debian/Ubuntu: sudo apt install libxcb-cursor0 libxkbcommon-x11-0 libxcb-shape0" in advice
    assert "Fedora: sudo dnf install xcb-util-cursor libxkbcommon-x11 libxcb" in advice
    assert "provides libfoo.so.3" in install_advice(["libfoo.so.3"])


def test_platforms_that_need_no_display_pass_and_other_systems_are_not_checked() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None
    assert display_problem({}, "darwin") is None
    problem = display_problem({}, "linux")
    assert problem is not None and "DISPLAY and WAYLAND_DISPLAY are not set" in problem.message


@linux_only
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_a_running_x_server_with_the_libraries_present_passes(tmp_path: Path) -> None:
    server = subprocess.Popen(["Xvfb", ":94", "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        env = _desktop_env(DISPLAY=":94")
        deadline = time.monotonic() + 20
        problem = display_problem(env, "linux")
        while problem is not None and time.monotonic() < deadline:  # until the server accepts connections
            time.sleep(0.1)
            problem = display_problem(env, "linux")
        assert problem is None, problem.message
    finally:
        server.terminate()
        server.wait(10)
