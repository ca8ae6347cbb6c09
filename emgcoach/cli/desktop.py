"""`emgcoach install-desktop-entry [--remove]`: the app in (or out of) the user's applications menu."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    d = subparsers.add_parser("install-desktop-entry",
                              help="put emgcoach in your applications menu (Linux; --remove takes it out)")
    d.add_argument("--remove", action="store_true", help="remove the menu entry, icons and metadata installed before")
    d.set_defaults(func=cmd_install_desktop_entry)


def cmd_install_desktop_entry(args: argparse.Namespace) -> int:
    """Install or remove the entry; prints each file written or removed."""
    from emgcoach.desktop_entry import install, remove

    paths = remove() if args.remove else install()
    verb = "removed" if args.remove else "installed"
    for path in paths:
        print(f"{verb} {path}")
    if not paths:
        print("nothing to remove: no emgcoach menu entry was installed" if args.remove else "nothing installed")
    return 0
