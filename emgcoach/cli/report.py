"""`emgcoach report SESSION`: a one-page HTML + PDF report of a recording's (or a history session's) reps,
optionally filed in the client's history (--save)."""

from __future__ import annotations

import argparse
from pathlib import Path

from emgcoach.cli.common import STORE_HELP, open_store
from emgcoach.errors import EmgcoachError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    rp = subparsers.add_parser("report", help="write a one-page HTML + PDF report of a session's reps")
    rp.add_argument("session", help="a recording with drill markers, or a session number from the history")
    rp.add_argument("-o", "--output", help="output path without suffix (default: beside the recording, NAME-report)")
    rp.add_argument("--person", help="the client's pseudonym (e.g. P07), never a name")
    rp.add_argument("--notes", default="", help="notes to print on the report")
    rp.add_argument("--drill", help="drill done, for recordings without drill markers")
    rp.add_argument("--rescore", action="store_true", help="score the reps again with today's rules instead of "
                    "reporting the verdicts the app gave live (the file's rep markers)")
    rp.add_argument("--save", action="store_true", help="also save the session and its reps to the history")
    rp.add_argument("--store", help=STORE_HELP)
    rp.set_defaults(func=cmd_report)


def _what_to_report(args: argparse.Namespace) -> tuple[str | None, str, str, int | None]:
    """Person, notes, recording and history session id: a session number of the history gives its own
    (the notes given win), a recording the options' (no session id)."""
    if not (args.session.isdigit() and not Path(args.session).exists()):
        return args.person, args.notes, args.session, None
    with open_store(args.store) as store:
        info, _ = store.session(int(args.session))
    if not info.recording:
        raise EmgcoachError(f"session {args.session} has no recording to report on")
    return info.person, args.notes or info.notes, info.recording, info.id


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report (its two paths and a summary line on stdout), then with --save file its reps."""
    from emgcoach.coach.report import default_report_base, report_data, write_report_checked
    from emgcoach.coach.store import check_label
    from emgcoach.session.filed_recording import file_recording

    person, notes, recording_path, session_id = _what_to_report(args)
    save = args.save and session_id is None  # a session from the history is in it already
    # everything about the person is checked before a byte is written: the report is health data too
    if save and not person:
        raise EmgcoachError("--save needs --person LABEL (a pseudonym such as P07)")
    if args.person is not None:
        check_label(args.person)
    out = Path(args.output) if args.output else default_report_base(recording_path)
    data = report_data(recording_path, person or "", notes or "", args.drill, rescore=args.rescore)
    scored = data.scored
    store = open_store(args.store) if save else None  # an unusable store: one line, before any report is written
    try:
        html_path, pdf_path = write_report_checked(data, out)
        print(f"{html_path}\n{pdf_path}\n{data.summary()} ({scored.source_note}; {scored.calibration_note})")
        if store is not None:
            filed = file_recording(store, person, recording_path, data.started_at or "", scored, notes or "")
            if filed.already:
                print(f"not saved again: session {filed.session_id} of {person} in {store.path} is this recording's set already")
                return 0
            print(f"saved as session {filed.session_id} of {person} in {store.path}")
    finally:
        if store is not None:
            store.close()
    return 0
