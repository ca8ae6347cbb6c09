"""`emgcoach replay FILE`: the desktop app replaying a recording."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from emgcoach.cli.common import UNIT_HELP, unit_option, warn_units
from emgcoach.errors import EmgcoachError, InputError

logger = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    r = subparsers.add_parser("replay", help="open the desktop app replaying a recording")
    r.add_argument("file", help="recording to replay (XDF, EDF/BDF, CSV, ...)")
    r.add_argument("--speed", type=float, default=1.0, help="replay speed, 0.25-16 (default 1)")
    r.add_argument("--unit", metavar="uV|mV|V", help=UNIT_HELP)
    r.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    """Check the file and the speed, warn about its units on the terminal, and run the window on it."""
    from emgcoach.io.open import read_recording
    from emgcoach.ui.app import run

    if not Path(args.file).exists():
        raise EmgcoachError(f"{args.file}: file not found")
    if not 0.25 <= args.speed <= 16.0:  # NaN fails too
        raise InputError(args.file, f"--speed {args.speed:g}: give a replay speed from 0.25 to 16")
    unit = unit_option(args.file, args.unit)
    try:  # read here too, for the unit check on the terminal; the window reads it again to replay it
        warn_units(read_recording(args.file, unit=unit))
    except InputError as e:  # the window asks for a missing rate, and its message box reports anything else
        logger.debug("%s: no unit check before the replay: %s", args.file, e)
    return run(replay=args.file, speed=args.speed, unit=unit)
