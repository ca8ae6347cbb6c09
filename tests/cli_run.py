"""Running an `emgcoach` command in the test's own process, as `subprocess.run` would report it.

`emgcoach.cli.main` is the code the `emgcoach` script and `python -m emgcoach.cli` run: it parses the
arguments, runs the command and turns every failure into its exit code and one line on stderr. Running
it here instead of in a new interpreter skips only the start-up (about a second of imports each, most of
the CLI tests' CPU); what starting a process adds is tested apart (tests/test_cli.py's `python -m`
tests, the bad-input file's real process, the killed simulator, the CLI recorder stopped by Ctrl-C).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CliResult:
    """What `subprocess.run(..., capture_output=True, text=True)` gives: exit code, stdout, stderr."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    """os.environ replaced by `env` for the block (None: left alone)."""
    if env is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _warnings_to_stderr() -> Iterator[None]:
    """Python's warnings shown on stderr as a fresh interpreter shows them (pytest would otherwise record
    them out of sight, and a warning seen by an earlier test would not be shown again)."""

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: object = None, line: str | None = None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.simplefilter("ignore", category)  # the interpreter's own defaults, ahead of the above
        warnings.showwarning = show
        yield


def run_cli(*args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> CliResult:
    """`emgcoach *args` run from `cwd` with environment `env` (default: this process's)."""
    from emgcoach.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (_environment(env), contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          _warnings_to_stderr()):
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse's usage errors and --help/--version, as the process would exit
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if isinstance(e.code, str):
                print(e.code, file=err)
    return CliResult(tuple(args), code, out.getvalue(), err.getvalue())
