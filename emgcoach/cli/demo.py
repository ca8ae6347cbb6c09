"""`emgcoach demo`: the app replaying the bundled session, or its analysis where no window can open."""

from __future__ import annotations

import argparse

def add_parser(subparsers: argparse._SubParsersAction) -> None:
    d = subparsers.add_parser("demo", help="open the app on the bundled demo session (without a screen: its analysis)")
    d.add_argument("--speed", type=float, default=1.0, help="replay speed, 0.25-16 (default 1)")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """The demo's exit code (the window's, or the analysis's)."""
    from emgcoach.demo import run_demo
    from emgcoach.errors import EmgcoachError

    if not 0.25 <= args.speed <= 16.0:  # NaN fails too
        raise EmgcoachError(f"demo: --speed {args.speed:g}: give a replay speed from 0.25 to 16")
    return run_demo(speed=args.speed)
