"""The demo: the app replaying the bundled bird-dog session, or, where no window can be shown, that
session's analysis as `emgcoach analyze` prints it.

`emgcoach demo` (and `make demo`, `python -m emgcoach.demo`) run `run_demo`. The session ships inside the
package (`emgcoach.data.demo_recording`), so this works from a wheel or the frozen bundle as well as from
a checkout.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from emgcoach.data import demo_recording

HEADLESS_PLATFORMS = ("offscreen", "minimal")  # Qt platforms that draw where nobody sees it


def window_problem() -> str | None:
    """Why the demo's window cannot be shown here, in one line; None when it can."""
    if importlib.util.find_spec("PySide6") is None or importlib.util.find_spec("pyqtgraph") is None:
        return "the desktop app needs PySide6 and pyqtgraph (pip install 'emgcoach[gui]')"
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in HEADLESS_PLATFORMS:
        # a window there would replay for nobody and never close
        return f"Qt is set to draw offscreen (QT_QPA_PLATFORM={platform})"
    from emgcoach.ui.display_check import display_problem

    problem = display_problem()
    return None if problem is None else problem.message


def run_demo(speed: float = 1.0) -> int:
    """Open the app replaying the demo session at `speed` when a window can be shown; otherwise print
    the session's analysis (one line on stderr says why). Returns the exit code."""
    demo = demo_recording()
    problem = window_problem()
    if problem is None:
        from emgcoach.ui.app import run

        return run(replay=str(demo), speed=speed)
    print(f"emgcoach: {problem}: printing the demo session's analysis instead", file=sys.stderr)
    # the analyze command itself, so the text is exactly what `emgcoach analyze DEMO` prints
    from emgcoach.cli import main

    return main(["analyze", str(demo)])


if __name__ == "__main__":
    sys.exit(run_demo())
