"""`emgcoach analyze PATH...`: one recording's figures as text or JSON, or a batch of files as one table."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from emgcoach.cli.common import (
    UNIT_HELP,
    channel_options,
    check_rate_option,
    mains_option,
    rate_option,
    stderr_note,
    unit_option,
    warn_units,
)
from emgcoach.errors import EmgcoachError
from emgcoach.types import MIN_EMG_RATE_HZ

if TYPE_CHECKING:
    from emgcoach.analysis import Analysis
    from emgcoach.io.artifacts import Artifact
    from emgcoach.coach.session_analysis import SessionReps


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    a = subparsers.add_parser("analyze", help="run the signal chain over a recording and print its figures")
    a.add_argument("paths", nargs="+", metavar="PATH", help="recording: XDF, CSV, OpenBCI GUI text, OpenSignals text; "
                   "several files or folders (searched recursively) make a batch with one summary table")
    a.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    a.add_argument("--rate", help=f"sample rate in Hz for files that do not state it (CSV, DataLOG); at least {MIN_EMG_RATE_HZ:g}")
    a.add_argument(
        "--channel",
        action="append",
        metavar="INDEX:MUSCLE:SIDE",
        help="name a column, e.g. 0:lat:left 1:glute:right (repeatable)",
    )
    a.add_argument("--mains", default="auto", help="mains notch: auto (detect), off, 50 or 60 (skipped, with a note, "
                   "when the line lies above the band at a low rate)")
    a.add_argument("--drill", help="score reps of this drill over the whole file (files with drill markers need no help)")
    a.add_argument("--rescore", action="store_true", help="score every set again with today's rules instead of "
                   "showing the verdicts the app gave live (the file's rep markers)")
    a.add_argument("--unit", metavar="uV|mV|V", help=UNIT_HELP)
    a.add_argument("--pairs", metavar="all|A:B,...", help="muscle pairs to compare: all, or channel names A:B,C:D "
                   "(default: lat with the opposite glute; every pair of up to 4 channels without those roles)")
    a.add_argument("--exclude", action="append", metavar="START:END", help="leave this stretch (s from the "
                   "recording's start) out as an artifact: no rep, level or onset in it counts (repeatable; "
                   "added to the marks saved beside the recording, PATH.artifacts.json)")
    a.add_argument("--table", metavar="OUT.csv", help="batch: write the summary table here (default: CSV on stdout)")
    a.add_argument("--jobs", type=int, metavar="N", help="batch: analyse on N processes (default: all cores)")
    a.add_argument("--dask", metavar="ADDRESS", help="batch: run on this Dask scheduler, e.g. tcp://host:8786 "
                   "(pip install 'emgcoach[cluster]'; workers read the files by path)")
    a.set_defaults(func=cmd_analyze_paths)


def analyze_file(args: argparse.Namespace, note: Callable[[str], None] = stderr_note) -> tuple[Analysis, SessionReps | None]:
    """`analyze`'s work on one file (args.file, with its options as given): read, check, analyse, score
    its reps. Warnings and notes go to `note` (default stderr); a problem with the file is an InputError."""
    from emgcoach.analysis import check_rates, notch_per_stream
    from emgcoach.coach.session_analysis import analyze_with_reps
    from emgcoach.io.artifacts import Artifact, spans
    from emgcoach.io.open import read_recording

    rate = rate_option(args.file, args.rate)
    mains = mains_option(args.file, args.mains)
    unit = unit_option(args.file, args.unit)
    if rate is not None:
        check_rate_option(args.file, rate)
    recording = read_recording(args.file, rate_hz=rate, channels=channel_options(args.channel, args.file), unit=unit)
    check_rates(recording)  # each stream's own rate, and the length
    warn_units(recording, note)
    if recording.excluded_warning:
        note(f"warning: {recording.excluded_warning}")
    excluded = exclude_option(getattr(args, "exclude", None))
    if excluded:
        recording.excluded = spans([Artifact(a, b) for a, b in recording.excluded] + excluded)
    # streams at different rates, where only some can take the notch, get a setting each
    settings, notes = notch_per_stream(recording, mains)
    for line in notes:
        note(f"note: {line}")
    return analyze_with_reps(recording, settings, pairs=args.pairs, drill_id=args.drill, rescore=args.rescore)


def exclude_option(values: list[str] | None) -> list[Artifact]:
    """The stretches `--exclude START:END` names; a bad one is a one-line EmgcoachError naming the option."""
    from emgcoach.io.artifacts import parse_exclude

    out = []
    for v in values or []:
        try:
            out.append(parse_exclude(v))
        except ValueError as e:
            raise EmgcoachError(str(e)) from None
    return out


def cmd_analyze(args: argparse.Namespace) -> int:
    """One file's figures on stdout: text, or one JSON object with --json."""
    from emgcoach.analysis_text import format_text
    from emgcoach.coach.session_analysis import analysis_dict

    result, scored = analyze_file(args)
    if args.json:
        print(json.dumps(analysis_dict(result, scored), allow_nan=False))
    else:
        text = format_text(result, scored.source_note if scored is not None else "")
        fatigue = scored.fatigue_lines() if scored is not None else []
        if fatigue:
            text += "\nFatigue (median frequency over each set's reps):\n" + "\n".join(f"  {line}" for line in fatigue)
        print(text)
    return 0


def cmd_analyze_paths(args: argparse.Namespace) -> int:
    """One file, no batch option: `cmd_analyze`. Else a batch (`batch_cli.run_batch`), its options
    checked once here so that a typo is one usage error rather than a failed row per file."""
    batch = args.table is not None or args.jobs is not None or args.dask is not None
    if len(args.paths) == 1 and not batch and not Path(args.paths[0]).is_dir():
        args.file = args.paths[0]
        return cmd_analyze(args)
    from emgcoach.batch import AnalyzeOptions, default_jobs
    from emgcoach.batch_cli import run_batch

    if args.json:
        raise EmgcoachError("--json applies to one file: a batch writes a table (--table OUT.csv)")
    if args.jobs is not None and args.jobs < 1:
        raise EmgcoachError(f"--jobs {args.jobs}: give 1 or more processes")
    if args.jobs is not None and args.dask is not None:
        raise EmgcoachError("--jobs and --dask: give one (the cluster has its own workers)")
    if args.exclude:
        raise EmgcoachError("--exclude applies to one file: mark a batch's files in their PATH.artifacts.json")
    first = args.paths[0]
    rate = rate_option(first, args.rate)
    if rate is not None:
        check_rate_option(first, rate)
    mains_option(first, args.mains)
    unit_option(first, args.unit)
    channel_options(args.channel, first)
    options = AnalyzeOptions(rate=args.rate, channel=tuple(args.channel or ()), mains=args.mains, drill=args.drill,
                             rescore=args.rescore, unit=args.unit, pairs=args.pairs)
    return run_batch(args.paths, options, args.jobs or default_jobs(), args.dask, args.table)
