"""`emgcoach store backup OUT`: a copy of the history database, consistent while the app writes to it
(coach/backup.py)."""

from __future__ import annotations

import argparse

from emgcoach.cli.common import STORE_HELP


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    st = subparsers.add_parser("store", help="the history database: back it up")
    actions = st.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = actions.add_parser("backup", help="copy the history to OUT (readable by you only), consistent while the "
                           "app runs")
    b.add_argument("out", metavar="OUT", help="the copy's file, replaced if it exists; a folder: "
                   "emgcoach-backup-YYYYMMDD-HHMMSS.sqlite3 in it")
    b.add_argument("--store", help=STORE_HELP)
    b.set_defaults(func=cmd_backup)


def cmd_backup(args: argparse.Namespace) -> int:
    """Back the history up; one line saying where and what it holds."""
    from emgcoach.coach.backup import backup_store
    from emgcoach.coach.store import default_path

    print(backup_store(args.store or default_path(), args.out).line())
    return 0
