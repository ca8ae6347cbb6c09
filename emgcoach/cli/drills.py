"""`emgcoach drills`: the drill library (with a drills file of one's own checked and included)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    dr = subparsers.add_parser("drills", help="list the drill library (and check a drills file)")
    dr.add_argument("--file", help="a drills TOML file to check and include")
    dr.set_defaults(func=cmd_drills)


def cmd_drills(args: argparse.Namespace) -> int:
    """Each drill in two lines (reps, targets in %MVC, timing, lead), then where one's own drills go."""
    from emgcoach.coach.drills import BUILTIN, load_library, user_drills_path

    lib = load_library(extra=args.file)
    for d in lib.values():
        t = d.targets
        print(f"{d.id:34s} {d.name}")
        print(f"{'':34s} {d.reps} reps of {d.rep_s:g} s; lat {t.lat_lo:g}-{t.lat_hi:g} %MVC, glute >= {t.glute_min:g} %MVC, "
              f"{t.timing_text()}; lead: {d.lead}")
    print(f"\n{len(lib)} drills. Your own drills go in {user_drills_path()} (same form as {BUILTIN}).")
    return 0
