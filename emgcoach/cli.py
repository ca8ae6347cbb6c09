"""The `emgcoach` command: the developer's and the lab's door (analyze, simulate, ...).

Every user-facing failure is one line on stderr and exit code 2; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from emgcoach import __version__
from emgcoach.errors import EmgcoachError

EXIT_USAGE = 2


def _channel_options(values: list[str] | None):
    from emgcoach.io.channels import parse_channel_option

    out = []
    for v in values or []:
        try:
            out.append(parse_channel_option(v))
        except ValueError as e:
            raise EmgcoachError(f"--channel {v}: {e}") from None
    return out or None


def _mains(value: str) -> float | None | str:
    if value == "auto":
        return "auto"
    if value == "off":
        return None
    if value in ("50", "60"):
        return float(value)
    raise argparse.ArgumentTypeError("mains must be auto, off, 50 or 60")


def cmd_analyze(args: argparse.Namespace) -> int:
    from emgcoach.analysis import analyze, format_text
    from emgcoach.dsp.pipeline import PipelineConfig
    from emgcoach.io.open import read_recording

    recording = read_recording(args.file, rate_hz=args.rate, channels=_channel_options(args.channel))
    result = analyze(recording, PipelineConfig(), mains=args.mains)
    from emgcoach.coach.session_analysis import session_reps

    scored = session_reps(recording, result, drill_id=args.drill)
    if scored is not None:
        result.reps, result.calibration = scored.to_list(), scored.calibration_note
    if args.json:
        print(json.dumps(result.to_dict(), allow_nan=False))
    else:
        print(format_text(result))
    return 0


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width = label, width
        self.enabled = sys.stderr.isatty()
        self._shown = -1

    def __call__(self, fraction: float) -> None:
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


def cmd_export(args: argparse.Namespace) -> int:
    from emgcoach.io.bids import check_label
    from emgcoach.io.export import export
    from emgcoach.io.open import read_recording

    options = {}
    if args.to == "bids":
        try:
            options = {"subject": check_label("subject", args.subject), "task": check_label("task", args.task)}
        except ValueError as e:
            raise EmgcoachError(str(e)) from None
    elif args.subject != "01" or args.task != "drill":
        raise EmgcoachError("--subject and --task apply to --to bids only")
    recording = read_recording(args.file, rate_hz=args.rate, channels=_channel_options(args.channel))
    try:
        written = export(recording, args.to, args.output, progress=ProgressBar(f"export {args.to}"), **options)
    except (OSError, ValueError) as e:
        raise EmgcoachError(f"{args.output}: cannot export: {e}") from None
    print(f"{written}: {args.to} export of {args.file} ({recording.duration_s:.1f} s)")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from emgcoach.stream.simulated_session import record_simulation

    summary = record_simulation(
        Path(args.output),
        drill=args.drill,
        duration_s=args.duration,
        rate_hz=args.rate,
        seed=args.seed,
        realtime=args.realtime,
        calibration=not args.no_calibration,
    )
    print(summary)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from emgcoach.ui.app import run

    if not Path(args.file).exists():
        raise EmgcoachError(f"{args.file}: file not found")
    return run(replay=args.file, speed=args.speed)


def has_display() -> bool:
    """Whether a window can be shown: a desktop session, and Qt not told to render offscreen."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def cmd_app(args: argparse.Namespace) -> int:
    from emgcoach.ui.app import run

    return run()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="emgcoach",
        description="Surface-EMG biofeedback for the lat + opposite glute (posterior oblique sling).",
    )
    p.add_argument("--version", action="version", version=f"emgcoach {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("analyze", help="run the signal chain over a recording and print its figures")
    a.add_argument("file", help="recording: XDF, CSV, OpenBCI GUI text, OpenSignals text")
    a.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    a.add_argument("--rate", type=float, help="sample rate in Hz for files that do not state it (CSV)")
    a.add_argument(
        "--channel",
        action="append",
        metavar="INDEX:MUSCLE:SIDE",
        help="name a column, e.g. 0:lat:left 1:glute:right (repeatable)",
    )
    a.add_argument("--mains", type=_mains, default="auto", help="mains notch: auto (detect), off, 50 or 60")
    a.add_argument("--drill", help="score reps of this drill over the whole file (files with drill markers need no help)")
    a.set_defaults(func=cmd_analyze)

    e = sub.add_parser("export", help="export a recording to EDF+, BDF+, CSV or a BIDS-EMG folder")
    e.add_argument("file", help="recording to export (any format analyze reads)")
    e.add_argument("--to", required=True, choices=("edf", "bdf", "csv", "bids"), help="target format")
    e.add_argument("output", help="output file (edf/bdf/csv) or dataset folder (bids)")
    e.add_argument("--subject", default="01", help="pseudonymous BIDS subject id (letters and digits)")
    e.add_argument("--task", default="drill", help="BIDS task label (default drill)")
    e.add_argument("--rate", type=float, help="sample rate in Hz for files that do not state it (CSV)")
    e.add_argument("--channel", action="append", metavar="INDEX:MUSCLE:SIDE", help="name a column (repeatable)")
    e.set_defaults(func=cmd_export)

    a = sub.add_parser("app", help="open the desktop app (sensors, replay, recording)")
    a.set_defaults(func=cmd_app)

    r = sub.add_parser("replay", help="open the desktop app replaying a recording")
    r.add_argument("file", help="recording to replay (XDF, EDF/BDF, CSV, ...)")
    r.add_argument("--speed", type=float, default=1.0, help="replay speed, 0.25-16 (default 1)")
    r.set_defaults(func=cmd_replay)

    s = sub.add_parser("simulate", help="write a simulated session (lat + opposite glute) with ground truth")
    s.add_argument("-o", "--output", required=True, help="output file (.xdf)")
    s.add_argument("--drill", default="bird_dog", help="drill id from the library (default bird_dog; `emgcoach drills` lists them)")
    s.add_argument("--no-calibration", action="store_true", help="leave out the rest + MVC calibration block (49 s)")
    s.add_argument("--duration", type=float, default=None, help="length in s (default: the drill's own)")
    s.add_argument("--rate", type=float, default=2000.0, help="sample rate in Hz (default 2000)")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same session)")
    s.add_argument("--realtime", action="store_true", help="pace like a live sensor (for crash tests)")
    s.set_defaults(func=cmd_simulate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if has_display():
            return cmd_app(args)
        parser.print_help()
        print("\n(no display found, so the desktop app was not opened: `emgcoach app` opens it on a desktop)")
        return 0
    try:
        return int(args.func(args) or 0)
    except EmgcoachError as e:
        if args.debug:
            raise
        print(f"emgcoach: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("emgcoach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug, not bad input: still one line, with how to see more
        if args.debug:
            raise
        print(f"emgcoach: internal error: {type(e).__name__}: {e} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
