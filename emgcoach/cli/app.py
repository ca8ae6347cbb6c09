"""`emgcoach app` (and `emgcoach` alone on a desktop): the desktop app."""

from __future__ import annotations

import argparse
import os
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    a = subparsers.add_parser("app", help="open the desktop app (sensors, replay, recording)")
    a.set_defaults(func=cmd_app)


def has_display() -> bool:
    """Whether a window can be shown: a desktop session, and Qt not told to render offscreen."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def cmd_app(args: argparse.Namespace) -> int:
    """Run the window until it is closed; its exit code."""
    from emgcoach.ui.app import run

    return run()
