"""`emgcoach history PERSON`: a client's progress per drill over their sessions."""

from __future__ import annotations

import argparse
import json

from emgcoach.cli.common import STORE_HELP, open_store
from emgcoach.errors import EmgcoachError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    hi = subparsers.add_parser("history", help="a person's progress per drill over sessions")
    hi.add_argument("person", help="the pseudonym")
    hi.add_argument("--json", action="store_true", help="print JSON")
    hi.add_argument("--store", help=STORE_HELP)
    hi.set_defaults(func=cmd_history)


def _session_line(r: dict) -> str:
    """One session of a drill: reps (and whether it was stopped early), % on target, glute level, glute onset (ms),
    and each muscle's median-frequency slope over the set (%/rep) when its reps have one."""
    lvl = "-" if r["glute_mean"] is None else f"{r['glute_mean']:.0f} {r['unit']}"
    lat = "-" if r["median_latency_ms"] is None else f"{r['median_latency_ms']:+.0f} ms"
    cut = "" if r["complete"] else " (stopped early" + (f", of {r['planned_reps']} planned)" if r["planned_reps"] else ")")
    slopes = [f"{m} {v:+.1f}" for m, v in r["mdf_slope_pct_per_rep"].items() if v is not None]
    mdf = f", MDF {' '.join(slopes)} %/rep" + (" (fatigue)" if r["fatigue"] else "") if slopes else ""
    return (f"  {r['started']}  session {r['session']}: {r['reps']} reps{cut}, {100 * r['hit_rate']:.0f} % on target, "
            f"glute {lvl}, glute onset {lat}{mdf}")


def cmd_history(args: argparse.Namespace) -> int:
    """Each drill the person did, a line per session; or all of it as JSON."""
    with open_store(args.store) as store:
        sessions = store.sessions(args.person)
        if not sessions:
            raise EmgcoachError(f"{store.path}: no sessions of {args.person!r}")
        drills = sorted({d for s in sessions for d in s.drills})
        progress = {d: store.progress(args.person, d) for d in drills}
    if args.json:
        print(json.dumps({"person": args.person, "progress": progress}))
        return 0
    for d, rows in progress.items():
        print(d)
        for r in rows:
            print(_session_line(r))
    return 0
