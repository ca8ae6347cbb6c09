"""The frozen desktop bundle's entry point (PyInstaller, packaging/emgcoach.spec): the `emgcoach` command line
(`emgcoach --self-test` is the app's smoke test).

A bundle has no Python of its own to start, so two things Python would do are done here: the batch's
worker processes (multiprocessing, spawn) start through this executable, and so does the C3D reader's
child, which asks for `sys.executable -c CODE ARGS...`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def _numba_cache() -> None:
    """numba caches the compiled DSP loops beside their source by default: in a bundle installed for all
    users that folder is read-only, and compiling again costs seconds each start. The user's cache folder
    instead, set before numba is imported (NUMBA_CACHE_DIR, unless the user set it)."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        from platformdirs import user_cache_path

        os.environ["NUMBA_CACHE_DIR"] = str(user_cache_path("emgcoach") / "numba")


def _python_c(code: str, args: list[str]) -> int:
    """What `python -c CODE ARGS...` would do, for the child processes the package starts that way."""
    sys.argv = ["-c", *args]
    exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})
    return 0


def main() -> int:
    """Run the self-test, a `-c` child, or the command line; returns the exit code."""
    multiprocessing.freeze_support()  # a spawned batch worker runs its task here and exits
    _numba_cache()
    args = sys.argv[1:]
    if getattr(sys, "frozen", False) and len(args) >= 2 and args[0] == "-c":
        return _python_c(args[1], args[2:])
    from emgcoach.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
