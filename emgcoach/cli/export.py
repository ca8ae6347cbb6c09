"""`emgcoach export FILE --to edf|bdf|csv|bids OUTPUT`: a recording in another format, with a progress bar."""

from __future__ import annotations

import argparse
import sys

from emgcoach.cli.common import UNIT_HELP, channel_options, rate_option, unit_option, warn_units
from emgcoach.errors import EmgcoachError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    e = subparsers.add_parser("export", help="export a recording to EDF+, BDF+, CSV or a BIDS-EMG folder")
    e.add_argument("file", help="recording to export (any format analyze reads)")
    e.add_argument("--to", required=True, choices=("edf", "bdf", "csv", "bids"), help="target format")
    e.add_argument("output", help="output file (edf/bdf/csv) or dataset folder (bids)")
    e.add_argument("--subject", default="01", help="pseudonymous BIDS subject id (letters and digits)")
    e.add_argument("--task", default="drill", help="BIDS task label (default drill)")
    e.add_argument("--rate", help="sample rate in Hz for files that do not state it (CSV, DataLOG)")
    e.add_argument("--channel", action="append", metavar="INDEX:MUSCLE:SIDE", help="name a column (repeatable)")
    e.add_argument("--unit", metavar="uV|mV|V", help=UNIT_HELP)
    e.set_defaults(func=cmd_export)


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width = label, width
        self.enabled = sys.stderr.isatty()
        self._shown = -1

    def __call__(self, fraction: float) -> None:
        """Draw `fraction` (0-1) done, unless that whole percent is drawn already."""
        if not self.enabled:
            return
        pct = int(round(100 * min(max(fraction, 0.0), 1.0)))
        if pct == self._shown:
            return
        self._shown = pct
        done = pct * self.width // 100
        sys.stderr.write(f"\r{self.label} [{'#' * done}{'.' * (self.width - done)}] {pct:3d}%")
        if pct == 100:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _bids_labels(args: argparse.Namespace) -> dict[str, str]:
    """--subject and --task, checked, for a BIDS export; EmgcoachError when given for another format."""
    from emgcoach.io.bids import check_label

    if args.to == "bids":
        try:
            return {"subject": check_label("subject", args.subject), "task": check_label("task", args.task)}
        except ValueError as e:
            raise EmgcoachError(str(e)) from None
    if args.subject != "01" or args.task != "drill":
        raise EmgcoachError("--subject and --task apply to --to bids only")
    return {}


def cmd_export(args: argparse.Namespace) -> int:
    """Read args.file and write it as args.to at args.output; one line saying what was written."""
    from emgcoach.io.export import export
    from emgcoach.io.open import read_recording

    options = _bids_labels(args)
    rate = rate_option(args.file, args.rate)
    unit = unit_option(args.file, args.unit)
    recording = read_recording(args.file, rate_hz=rate, channels=channel_options(args.channel, args.file), unit=unit)
    warn_units(recording)
    try:
        written = export(recording, args.to, args.output, progress=ProgressBar(f"export {args.to}"), **options)
    except (OSError, ValueError) as e:
        raise EmgcoachError(f"{args.output}: cannot export: {e}") from None
    print(f"{written}: {args.to} export of {args.file} ({recording.duration_s:.1f} s)")
    return 0
