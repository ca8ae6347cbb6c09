"""Put emgcoach in the user's application menu on a Linux desktop, or take it out again
(`emgcoach install-desktop-entry [--remove]`).

`install` writes the freedesktop menu entry, the icon at every size and the AppStream metainfo under the
user's data folder (XDG_DATA_HOME, else ~/.local/share): `applications/`, `icons/hicolor/<N>x<N>/apps/`
and `icons/hicolor/scalable/apps/`, `metainfo/`. The entry's Exec is the absolute path of the launcher
that is running, so the menu starts this very install (a pipx or uv tool venv, a frozen bundle) whatever
PATH the desktop session has. `remove` deletes exactly those files. Desktops watch these folders: the
entry shows up without logging out.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from emgcoach.errors import EmgcoachError
from emgcoach.resources import APP_ID, ICON_SIZES, desktop_file, icon_png, icon_svg, metainfo_file

logger = logging.getLogger(__name__)

LAUNCHER = "emgcoach"
# characters that make an Exec argument need quoting (the Desktop Entry spec, "The Exec key")
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def _check_platform() -> None:
    """Desktop entries are a freedesktop.org (Linux, BSD) thing: one line elsewhere."""
    if not (sys.platform.startswith("linux") or "bsd" in sys.platform):
        raise EmgcoachError("install-desktop-entry: menu entries are for Linux desktops; on Windows and macOS "
                            "start emgcoach from its desktop bundle, or run `emgcoach app`")


def data_home() -> Path:
    """The user's data folder: XDG_DATA_HOME when it is an absolute path (the spec ignores others), else
    ~/.local/share."""
    env = os.environ.get("XDG_DATA_HOME", "")
    return Path(env) if env and os.path.isabs(env) else Path.home() / ".local" / "share"


def targets(prefix: Path) -> list[Path]:
    """Every file `install` writes under `prefix` (a data folder such as ~/.local/share)."""
    icons = prefix / "icons" / "hicolor"
    return [
        prefix / "applications" / f"{APP_ID}.desktop",
        *(icons / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES),
        icons / "scalable" / "apps" / f"{APP_ID}.svg",
        prefix / "metainfo" / f"{APP_ID}.metainfo.xml",
    ]


def launcher_command() -> list[str]:
    """The command that starts this emgcoach, as absolute as it can be found: the frozen bundle's
    executable, the `emgcoach` launcher that is running (links resolved), the one on PATH, else this
    Python running the package."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.stem == LAUNCHER and argv0.is_file():
        return [str(argv0.resolve())]
    found = shutil.which(LAUNCHER)
    if found:
        return [str(Path(found).resolve())]
    logger.info("no %s launcher found (argv[0] %r, none on PATH): the entry runs %s -m emgcoach",
                LAUNCHER, sys.argv[0] if sys.argv else "", sys.executable)
    return [str(Path(sys.executable).absolute()), "-m", "emgcoach"]


def exec_line(command: list[str]) -> str:
    """`command` as the value of a desktop entry's Exec key: each argument quoted where the spec asks,
    then the string escapes every value gets (a backslash doubled, a % doubled)."""
    quoted = []
    for arg in command:
        if any(c in _EXEC_RESERVED for c in arg):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        quoted.append(arg)
    return " ".join(quoted).replace("\\", "\\\\").replace("%", "%%")


def desktop_entry_text(command: list[str]) -> str:
    """The shipped menu entry with Exec (and TryExec, which hides the entry if the launcher goes away)
    pointing at `command`."""
    lines = []
    for line in desktop_file().read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            lines.append("TryExec=" + command[0].replace("\\", "\\\\"))  # a plain string value: no quoting
            line = "Exec=" + exec_line([*command, "app"])
        lines.append(line)
    return "\n".join(lines) + "\n"


def install(prefix: Path | None = None) -> list[Path]:
    """Install the menu entry, icons and metainfo under `prefix` (default: the user's data folder);
    returns the files written. Raises EmgcoachError (one line) off Linux or when a file cannot be
    written."""
    _check_platform()
    prefix = data_home() if prefix is None else Path(prefix)
    contents: list[bytes] = [
        desktop_entry_text(launcher_command()).encode("utf-8"),
        *(icon_png(n).read_bytes() for n in ICON_SIZES),
        icon_svg().read_bytes(),
        metainfo_file().read_bytes(),
    ]
    written = []
    for path, data in zip(targets(prefix), contents, strict=True):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as e:
            raise EmgcoachError(f"install-desktop-entry: cannot write {path}: {e.strerror or e}") from e
        written.append(path)
    logger.info("desktop entry installed under %s", prefix)
    return written


def remove(prefix: Path | None = None) -> list[Path]:
    """Delete what `install` wrote under `prefix` (default: the user's data folder); returns the files
    deleted (none when it was not installed there)."""
    _check_platform()
    prefix = data_home() if prefix is None else Path(prefix)
    removed = []
    for path in targets(prefix):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as e:
            raise EmgcoachError(f"install-desktop-entry --remove: cannot delete {path}: {e.strerror or e}") from e
        removed.append(path)
    return removed
