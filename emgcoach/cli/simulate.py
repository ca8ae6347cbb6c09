"""`emgcoach simulate -o OUT.xdf`: a simulated session (lat + opposite glute) with its ground truth."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from emgcoach.cli.common import check_rate_option, rate_option
from emgcoach.errors import InputError
from emgcoach.types import MIN_EMG_RATE_HZ

MAX_SIMULATION_RATE_HZ = 100_000.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    s = subparsers.add_parser("simulate", help="write a simulated session (lat + opposite glute) with ground truth")
    s.add_argument("-o", "--output", required=True, help="output file (.xdf)")
    s.add_argument("--drill", default="bird_dog", help="drill id from the library (default bird_dog; `emgcoach drills` lists them)")
    s.add_argument("--no-calibration", action="store_true", help="leave out the rest + MVC calibration block (49 s)")
    s.add_argument("--duration", type=float, default=None, help="length in s (default: the drill's own)")
    s.add_argument("--rate", default="2000", help=f"sample rate in Hz, {MIN_EMG_RATE_HZ:g}-{MAX_SIMULATION_RATE_HZ:g} (default 2000)")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same session)")
    s.add_argument("--realtime", action="store_true", help="pace like a live sensor (for crash tests)")
    s.add_argument("--slings", choices=("one", "both"), help="one: two sensors, left lat + right glute; both: four "
                   "sensors, both lats and both glutes as four streams, the reps alternating between the slings and "
                   "the left glute working at 75 %% of the right (a left-right asymmetry). Default: as the drill "
                   "names them (both for a both-slings drill such as alternating_bird_dog, else one)")
    s.set_defaults(func=cmd_simulate)


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write the simulated session to args.output and print its summary."""
    from emgcoach.stream.simulated_session import record_simulation

    rate = rate_option(args.output, args.rate)
    assert rate is not None  # --rate has a default
    check_rate_option(args.output, rate)  # a session that analyze could not read is no use
    if rate > MAX_SIMULATION_RATE_HZ:
        raise InputError(args.output, f"--rate {args.rate}: at most {MAX_SIMULATION_RATE_HZ:g} Hz")
    if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
        raise InputError(args.output, f"--duration {args.duration:g}: give a positive number of seconds")
    summary = record_simulation(
        Path(args.output),
        drill=args.drill,
        duration_s=args.duration,
        rate_hz=rate,
        seed=args.seed,
        realtime=args.realtime,
        calibration=not args.no_calibration,
        both_slings=args.slings == "both" if args.slings else None,
    )
    print(summary)
    return 0
