"""`emgcoach report SESSION`: a one-page HTML + PDF report of a recording's (or a history session's) reps,
optionally filed in the client's history (--save). `emgcoach report --person LABEL` without a SESSION: the
client's progress report over their sessions in the history (`coach/progress_report.py`)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from emgcoach.cli.common import STORE_HELP, open_store, stderr_note
from emgcoach.errors import EmgcoachError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    rp = subparsers.add_parser("report", help="write a one-page HTML + PDF report of a session's reps, or (--person "
                               "without SESSION) a client's progress report over their sessions")
    rp.add_argument("session", nargs="?", help="a recording with drill markers, or a session number from the history; "
                    "leave it out for the progress report of --person")
    rp.add_argument("-o", "--output", help="output path without suffix (default: beside the recording, NAME-report; "
                    "a progress report: LABEL-progress here; OUT.html or OUT.pdf writes both too)")
    rp.add_argument("--person", help="the client's pseudonym (e.g. P07), never a name; alone: their progress report")
    rp.add_argument("--notes", default="", help="notes to print on the report")
    rp.add_argument("--drill", help="drill done, for recordings without drill markers; a progress report: only this "
                    "drill (id or name)")
    rp.add_argument("--from", dest="date_from", metavar="DATE", help="progress report: sessions from DATE "
                    "(YYYY-MM-DD, included)")
    rp.add_argument("--to", dest="date_to", metavar="DATE", help="progress report: sessions up to DATE (included)")
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
    """Write the report (its two paths and a summary line on stdout), then with --save file its reps; with
    --person and no SESSION, the progress report."""
    if args.session is None:
        return _progress(args)
    if args.date_from or args.date_to:
        raise EmgcoachError("--from and --to are for a progress report: leave out SESSION (report --person LABEL)")
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
            if not person:  # a store is opened only to save, and --save without --person was refused above
                raise RuntimeError("report: a store opened to save a set with no person")
            filed = file_recording(store, person, recording_path, data.started_at or "", scored, notes or "")
            if filed.already:
                print(f"not saved again: session {filed.session_id} of {person} in {store.path} is this recording's set already")
                return 0
            print(f"saved as session {filed.session_id} of {person} in {store.path}")
    finally:
        if store is not None:
            store.close()
    return 0


def _date(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EmgcoachError(f"{option} {text}: give a date as YYYY-MM-DD") from None


def _progress(args: argparse.Namespace) -> int:
    """The progress report of --person over their sessions (2 to 250; the latest 250 of more, said on
    stderr): OUT.html and OUT.pdf, their paths and one line on what they hold on stdout."""
    from emgcoach.coach.progress_report import default_out, write_progress_report

    if not args.person:
        raise EmgcoachError("give a SESSION (a recording, or a session number from the history), or --person LABEL "
                            "for the client's progress report")
    for option, used in (("--notes", args.notes), ("--save", args.save), ("--rescore", args.rescore)):
        if used:
            raise EmgcoachError(f"{option} is for a session's report, not a progress report (which shows each "
                                "session's own notes)")
    date_from, date_to = _date("--from", args.date_from), _date("--to", args.date_to)
    if date_from and date_to and date_from > date_to:
        raise EmgcoachError(f"--from {date_from} is after --to {date_to}")
    out = Path(args.output) if args.output else default_out(args.person)
    with open_store(args.store) as store:
        html_path, pdf_path, report = write_progress_report(store, args.person, out, args.drill, date_from, date_to)
    if report.left_out:
        stderr_note(f"{report.left_out + len(report.sessions)} sessions in range: the latest {len(report.sessions)} "
                    "are reported (at most 250 in one report)")
    drills = ", ".join(f"{d.name} ({len(d.sessions)})" for d in report.drills)
    print(f"{html_path}\n{pdf_path}\n{report.person}: {len(report.sessions)} sessions from {report.first:%Y-%m-%d} "
          f"to {report.last:%Y-%m-%d}; {drills}")
    return 0
