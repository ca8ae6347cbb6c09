"""emgcoach's identity on a desktop, shipped inside the package: its application id, its icon (`icons/`:
the SVG and PNGs rendered from it by `make icons`), its freedesktop menu entry and AppStream metainfo
(`desktop/`).

Read through importlib.resources, so they are found in a checkout, a wheel or a frozen bundle alike. No
Qt here: `ui/icon.py` makes the window's icon from these, `desktop_entry.py` installs them in a menu.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

APP_ID = "io.github.emgcoach.emgcoach"  # reverse-DNS: the .desktop file's name, the icon's, the Wayland app id
ICON_SIZES = (16, 32, 48, 64, 128, 256)  # the PNGs beside the SVG, in px


def icon_png(size: int) -> Traversable:
    """The icon rendered at `size` x `size` px (one of ICON_SIZES)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon: the sizes are {', '.join(map(str, ICON_SIZES))}")
    return resources.files(__name__) / "icons" / f"emgcoach-{size}.png"


def icon_svg() -> Traversable:
    """The icon as drawn: the SVG every PNG is rendered from."""
    return resources.files(__name__) / "icons" / "emgcoach.svg"


def desktop_file() -> Traversable:
    """The freedesktop menu entry as shipped (its Exec is the plain command; installing points it at
    the launcher that runs)."""
    return resources.files(__name__) / "desktop" / f"{APP_ID}.desktop"


def metainfo_file() -> Traversable:
    """The AppStream metainfo: what software centres show about the app."""
    return resources.files(__name__) / "desktop" / f"{APP_ID}.metainfo.xml"
