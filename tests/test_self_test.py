"""`emgcoach --self-test` (the bundle's smoke test), run as the bundle runs it: a fresh process with no
display and no Qt platform set. It must force the offscreen platform itself, replay the demo, see a frame
drawn, and print one line; a recording that cannot open fails it with one line, not a stuck message box."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def self_test(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    code = f"import sys; from pathlib import Path; from emgcoach.ui.self_test import run_self_test; sys.exit(run_self_test({', '.join(args)}))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_the_self_test_draws_the_demo_offscreen() -> None:
    r = self_test("seconds=1.5")
    assert r.returncode == 0, r.stdout + r.stderr
    (line,) = r.stdout.splitlines()
    assert line.startswith("emgcoach self-test: ok: replayed the demo for 1.5 s") and "offscreen" in line


def test_a_recording_that_cannot_open_fails_it_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xdf"
    bad.write_text("not a recording")
    r = self_test(f"recording=Path({str(bad)!r})")
    assert r.returncode == 1
    (line,) = r.stdout.splitlines()
    assert line.startswith("emgcoach self-test: FAILED: the recording did not open:") and "not an XDF file" in line
