"""`emgcoach history PERSON`: a client's progress per drill over their sessions; `--export OUT.zip` their
records, `--erase` them (coach/client_records.py, coach/client_export.py)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from emgcoach.cli.common import STORE_HELP, open_store
from emgcoach.errors import EmgcoachError

if TYPE_CHECKING:
    from emgcoach.coach.store import Store


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    hi = subparsers.add_parser("history", help="a person's progress per drill over sessions; export or erase "
                               "their records")
    hi.add_argument("person", help="the pseudonym")
    hi.add_argument("--json", action="store_true", help="print JSON")
    hi.add_argument("--store", help=STORE_HELP)
    hi.add_argument("--export", metavar="OUT.zip", help="write the client's records to a zip readable by you only: "
                    "sessions, reps, notes and calibrations as JSON and CSV, their recordings and reports, a README")
    hi.add_argument("--erase", action="store_true", help="delete the client from the history, and the files the "
                    "store owns (in its own folder); says what it deleted and what it left. Asks you to type the "
                    "label first (after --export, if given)")
    hi.add_argument("--yes", action="store_true", help="with --erase: erase without asking")
    hi.add_argument("--reports-dir", action="append", default=[], metavar="DIR",
                    help="also look for the client's reports in DIR (repeatable; the folders of their recordings "
                         "are always looked in)")
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
    """Each drill the person did, a line per session; or all of it as JSON; or export / erase their records."""
    if args.yes and not args.erase:
        raise EmgcoachError("--yes goes with --erase (it answers erase's question)")
    if args.export or args.erase:
        if args.json:
            raise EmgcoachError("--json prints the progress: leave it out with --export or --erase")
        return _records(args)
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


def _records(args: argparse.Namespace) -> int:
    """--export, then --erase: an export that fails leaves the client in the history."""
    from emgcoach.coach.client_export import export_client

    with open_store(args.store) as store:
        if args.export:
            print(export_client(store, args.person, args.export, args.reports_dir).line())
        if args.erase:
            _erase(store, args)
    return 0


def _erase(store: Store, args: argparse.Namespace) -> None:
    """What erase will do on stderr, the label typed on stdin (unless --yes), then what it did on stdout."""
    from emgcoach.coach.client_records import erase_client, owned_folder, plan_erase

    owned = owned_folder(store)
    plan = plan_erase(store, args.person, owned=owned, report_dirs=args.reports_dir)
    if not args.yes:
        for line in plan.lines():
            print(line, file=sys.stderr)
        print(f"Type the label {args.person} to erase (anything else keeps everything): ", end="", file=sys.stderr,
              flush=True)
        answer = sys.stdin.readline().strip()
        if answer != args.person:
            typed = f"typed {answer!r}" if answer else "nothing typed"
            raise EmgcoachError(f"erase of {args.person!r} not confirmed ({typed}): nothing was erased")
    for line in erase_client(store, args.person, owned=owned, report_dirs=args.reports_dir).lines():
        print(line)
