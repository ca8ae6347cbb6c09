"""Whether Qt can open a window here, found out before Qt starts.

Qt aborts the process (SIGABRT, a core dump) when its platform plugin cannot load, and the message it
prints names the plugin, not the missing system library. This module finds the library and the package
that installs it, or the unreachable display, and says so in one line.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# A shared library the X11 platform plugin (libqxcb.so) loads -> (Debian/Ubuntu package, Fedora package).
SYSTEM_PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
}

# Platforms that need no display server.
HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "minimalegl"}

_MISSING_IN_LDD = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_MISSING_IN_DLERROR = re.compile(r"(\S+?\.so[.\d]*): cannot open shared object file")


@dataclass(frozen=True)
class DisplayProblem:
    """Why no window can be opened: `message` is one line for the user."""

    message: str


def install_advice(missing: list[str]) -> str:
    """The commands that install the system packages providing `missing` libraries (file names such
    as libxcb-cursor.so.0); a Qt library missing means a damaged PySide6, reinstalled with pip."""
    qt = [lib for lib in missing if lib.startswith("libQt6") or lib.startswith("libicu")]
    system = [lib for lib in missing if lib not in qt]
    parts = []
    known = [SYSTEM_PACKAGES[lib] for lib in system if lib in SYSTEM_PACKAGES]
    if known:
        debian = " ".join(dict.fromkeys(p[0] for p in known))
        fedora = " ".join(dict.fromkeys(p[1] for p in known))
        parts.append(f"Debian/Ubuntu: sudo apt install {debian}; Fedora: sudo dnf install {fedora}")
    unknown = [lib for lib in system if lib not in SYSTEM_PACKAGES]
    if unknown:
        parts.append(f"install the package that provides {', '.join(unknown)}")
    if qt:
        parts.append("PySide6 is damaged: pip install --force-reinstall PySide6-Essentials "
                     "(or reinstall emgcoach)")
    return "; ".join(parts)


def requested_platforms(env: dict[str, str] | os._Environ = os.environ) -> list[str]:
    """The Qt platform plugins Qt will try, in order (QT_QPA_PLATFORM, else Qt's own default for
    the session: Wayland first under a Wayland session, then X11)."""
    asked = env.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return [p.split(":", 1)[0] for p in asked.split(";") if p]
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
        return ["wayland", "xcb"]
    return ["xcb"]


def plugin_dirs(env: dict[str, str] | os._Environ = os.environ) -> list[Path]:
    """Where Qt looks for platform plugins: QT_QPA_PLATFORM_PLUGIN_PATH, QT_PLUGIN_PATH's
    platforms/, then PySide6's own."""
    dirs = [Path(p) for p in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    dirs += [Path(p) / "platforms" for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    try:
        import PySide6  # the package only: no Qt library is loaded by this

        dirs.append(Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms")
    except ImportError:
        pass
    return dirs


def find_plugin(name: str, env: dict[str, str] | os._Environ = os.environ) -> Path | None:
    """The platform plugin file Qt would load for `name` ('xcb' -> libqxcb.so), or None."""
    files = {"xcb": ["libqxcb.so"], "wayland": ["libqwayland-generic.so", "libqwayland.so"]}[name]
    for folder in plugin_dirs(env):
        for file in files:
            if (folder / file).is_file():
                return folder / file
    return None


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries `plugin` needs that the dynamic loader cannot find (ldd when present;
    otherwise the first one the loader names when asked to load it)."""
    ldd = shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10).stdout
            return list(dict.fromkeys(_MISSING_IN_LDD.findall(out)))
        except (OSError, subprocess.SubprocessError):
            logger.exception("ldd %s failed; asking the loader instead", plugin)
    try:
        ctypes.CDLL(str(plugin))
    except OSError as e:
        found = _MISSING_IN_DLERROR.findall(str(e))
        return found[:1] or [f"(a library {plugin.name} needs: {e})"]
    return []


def x11_reachable(display: str) -> bool:
    """Whether the X server `display` (e.g. ':0') accepts a connection."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return conn is not None and xcb.xcb_connection_has_error(conn) == 0
    finally:
        if conn is not None:
            xcb.xcb_disconnect(conn)


def wayland_reachable(env: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether the Wayland compositor's socket exists."""
    name = env.get("WAYLAND_DISPLAY", "")
    if not name:
        return False
    path = Path(name) if os.path.isabs(name) else Path(env.get("XDG_RUNTIME_DIR", "/nonexistent")) / name
    return path.exists()


def _xcb_problem(env: dict[str, str] | os._Environ) -> DisplayProblem | None:
    display = env.get("DISPLAY", "")
    if not display:
        return DisplayProblem("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set)")
    plugin = find_plugin("xcb", env)
    if plugin is None:
        return DisplayProblem("Qt's X11 platform plugin (libqxcb.so) is not installed: "
                              "pip install --force-reinstall PySide6-Essentials")
    missing = missing_libraries(plugin)
    if missing:
        return DisplayProblem(f"cannot open a window: missing {', '.join(missing)} ({install_advice(missing)})")
    if not x11_reachable(display):
        return DisplayProblem(f"cannot reach the display {display} (is the desktop session running, "
                              "and DISPLAY right?)")
    return None


def _wayland_ok(env: dict[str, str] | os._Environ) -> bool:
    plugin = find_plugin("wayland", env)
    return plugin is not None and wayland_reachable(env) and not missing_libraries(plugin)


def display_problem(env: dict[str, str] | os._Environ | None = None,
                    platform: str = sys.platform) -> DisplayProblem | None:
    """None when Qt can open a window here; otherwise why not, in one line. Windows and macOS always
    can; on Linux the platform Qt will pick is checked: its plugin's libraries, then its display."""
    env = os.environ if env is None else env
    if not (platform.startswith("linux") or "bsd" in platform):
        return None
    wanted = requested_platforms(env)
    if any(p in HEADLESS_PLATFORMS for p in wanted):
        return None
    if "wayland" in wanted and _wayland_ok(env):
        return None
    if "xcb" in wanted:
        return _xcb_problem(env)
    return DisplayProblem(f"cannot use the Qt platform {';'.join(wanted)} here (QT_QPA_PLATFORM)")
