"""The `emgcoach` command: the developer's and the lab's door (analyze, simulate, ...).

One module per command, each with `add_parser(subparsers)` and its `cmd_*` function; what several share
is in `common.py`, the parser's own rules in `parsing.py`. Every user-facing failure is one line on
stderr and exit code 2; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from emgcoach import __version__
from emgcoach.cli import (
    analyze,
    app,
    decode,
    demo,
    desktop,
    drills,
    export,
    history,
    record,
    replay,
    report,
    scan,
    simulate,
    store,
)
from emgcoach.cli.parsing import EXIT_USAGE, CliParser, option_values_may_look_negative
from emgcoach.errors import EmgcoachError

COMMANDS = (demo, analyze, export, app, replay, report, scan, record, decode, drills, history, store,
            simulate, desktop)  # --help's order


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the global options and every command's subparser."""
    p = CliParser(
        prog="emgcoach",
        description="Surface-EMG biofeedback for the lat + opposite glute (posterior oblique sling).",
    )
    p.add_argument("--version", action="version", version=f"emgcoach {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    p.add_argument("--self-test", action="store_true",
                   help="open the window offscreen, replay the demo a few seconds, check a frame was drawn; exit 0 if so")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in `argv` (default: the process's arguments); its exit code: 0, 1 for a bug
    (one line), 2 for bad input or usage (one line), 130 when interrupted."""
    parser = build_parser()
    args = parser.parse_args(option_values_may_look_negative(sys.argv[1:] if argv is None else list(argv)))
    if args.self_test:
        from emgcoach.ui.self_test import run_self_test

        return run_self_test()
    if args.command is None:
        if app.has_display():
            return app.cmd_app(args)
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
