"""`--unit` on analyze, export and replay, the one-line warning for columns that look like mV or V, and the
bundled UCI lower-limb recordings through `analyze` (each command through `emgcoach.cli.main`, tests/cli_run.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from emgcoach.io.open import read_recording
from tests.cli_run import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[1]
RATE = 1000.0
UCI = ROOT / "recordings" / "uci_lower_limb"


def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
    return run_cli(*args, env=env)


def emg_uv(seconds: float = 20.0, seed: int = 0) -> np.ndarray:
    """Two columns of EMG-like noise in µV: 5 µV RMS at rest, 200 and 150 µV bursts of 1 s every 4 s."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    amp = np.full((n, 2), 5.0)
    for a in range(2000, n - 1000, 4000):
        amp[a : a + 1000] = (200.0, 150.0)
    return rng.standard_normal((n, 2)) * amp


def write_csv(path: Path, x: np.ndarray, names: tuple[str, str] = ("lat_left", "glute_right")) -> Path:
    t = np.arange(len(x)) / RATE
    np.savetxt(path, np.column_stack([t, x]), delimiter=",", header=",".join(("time_s", *names)), comments="",
               fmt="%.9g")
    return path


def rms_of(stdout: str) -> list[float]:
    return [c["rms_uv"] for c in json.loads(stdout)["channels"]]


def test_a_csv_in_mv_without_a_unit_gives_one_warning_line(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "mv.csv", emg_uv() / 1e3)
    r = run("analyze", str(f), "--json")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"emgcoach: warning: {f}: channels 'lat_left', 'glute_right' look like mV (RMS ")
    assert lines[0].endswith("with bursts): if so, pass --unit mV")
    assert max(rms_of(r.stdout)) < 0.5  # analysed as given, in "µV"


def test_with_unit_mv_no_warning_and_the_rms_is_in_uv(tmp_path: Path) -> None:
    x = emg_uv()
    as_uv = run("analyze", str(write_csv(tmp_path / "uv.csv", x)), "--json")
    as_mv = run("analyze", str(write_csv(tmp_path / "mv.csv", x / 1e3)), "--json", "--unit", "mV")
    assert as_uv.returncode == as_mv.returncode == 0, as_mv.stderr
    assert as_uv.stderr == "" and as_mv.stderr == ""
    expected = rms_of(as_uv.stdout)
    assert 50.0 < expected[0] < 150.0  # µV figures: bursts of 200 µV a quarter of the time
    np.testing.assert_allclose(rms_of(as_mv.stdout), expected, rtol=1e-3)


def test_volts_are_named_as_such(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "v.csv", emg_uv() / 1e6)
    r = run("analyze", str(f))
    assert r.returncode == 0
    (line,) = r.stderr.strip().splitlines()
    assert "look like V (RMS" in line and line.endswith("pass --unit V")
    assert run("analyze", str(f), "--unit", "V").stderr == ""


def test_a_stated_unit_wins_over_the_option(tmp_path: Path) -> None:
    x = emg_uv()
    f = write_csv(tmp_path / "stated.csv", x / 1e3, names=("lat_left (mV)", "glute_right (mV)"))
    r = run("analyze", str(f), "--json", "--unit", "V")
    assert r.returncode == 0 and r.stderr == ""
    np.testing.assert_allclose(rms_of(r.stdout), rms_of(run("analyze", str(write_csv(tmp_path / "uv.csv", x)), "--json").stdout),
                               rtol=1e-3)
    assert "a unit the file states wins" in " ".join(run("analyze", "--help").stdout.split())


def test_a_real_uv_recording_gives_no_warning(tmp_path: Path) -> None:
    """BioSPPy's real EMG (bundled), in µV, written to a CSV whose header names no unit."""
    rec = read_recording(ROOT / "recordings" / "biosppy" / "emg_1.txt")
    x = rec.streams[0].data[:, 0].astype(np.float64)
    f = tmp_path / "real_uv.csv"
    np.savetxt(f, np.column_stack([np.arange(len(x)) / rec.streams[0].info.rate_hz, x]), delimiter=",",
               header="time_s,emg", comments="", fmt="%.6f")
    r = run("analyze", str(f))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "emg (" in r.stdout and "onsets" in r.stdout


def test_export_takes_the_unit_and_warns_without_it(tmp_path: Path) -> None:
    x = emg_uv(5.0)
    f = write_csv(tmp_path / "mv.csv", x / 1e3)
    plain = run("export", str(f), "--to", "csv", str(tmp_path / "plain.csv"))
    assert plain.returncode == 0 and "looks like mV" not in plain.stderr and "look like mV" in plain.stderr
    r = run("export", str(f), "--to", "csv", str(tmp_path / "out.csv"), "--unit", "mV")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    back = read_recording(tmp_path / "out.csv")
    np.testing.assert_allclose(back.streams[0].data, x, atol=0.01)


def test_replay_prints_the_warning_before_opening_the_window(tmp_path: Path) -> None:
    """Without a display the window cannot open (exit 2, one line saying so); the unit check has run first."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    f = write_csv(tmp_path / "mv.csv", emg_uv() / 1e3)
    r = run("replay", str(f), env=env)
    assert r.returncode == 2
    warning, no_display = r.stderr.strip().splitlines()
    assert "look like mV" in warning and warning.endswith("--unit mV")
    assert "no display" in no_display
    quiet = run("replay", str(f), "--unit", "mV", env=env)
    assert quiet.returncode == 2 and len(quiet.stderr.strip().splitlines()) == 1 and "no display" in quiet.stderr


@pytest.mark.parametrize("command", ["analyze", "export", "replay"])
def test_a_bad_unit_is_one_line(tmp_path: Path, command: str) -> None:
    f = write_csv(tmp_path / "s.csv", emg_uv(2.0))
    extra = ["--to", "csv", str(tmp_path / "o.csv")] if command == "export" else []
    r = run(command, str(f), *extra, "--unit", "kV")
    assert r.returncode == 2
    assert r.stderr.strip() == f"emgcoach: {f}: --unit kV: give uV, mV or V"
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("name", ["5Nmar.txt", "5Npie.txt"])
def test_analyze_the_bundled_uci_recordings(name: str) -> None:
    path = UCI / name
    r = run("analyze", str(path), "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # the header states mV: nothing to warn about
    out = json.loads(r.stdout)
    chans = out["channels"]
    assert [c["muscle"] for c in chans] == ["rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"]
    assert [c["name"] for c in chans] == ["RF", "BF", "VM", "ST"]
    for c in chans:
        assert c["rate_hz"] == 1000.0 and c["side"] == "none"
        assert c["onsets_s"], f"{name}: no onsets in {c['name']}"
        assert 2.0 < c["rms_uv"] < 100.0  # µV, converted from the file's mV
    assert len(out["pairs"]) == 6
    text = run("analyze", str(path))
    assert text.returncode == 0
    assert text.stdout.startswith(f"{path}: ") and "4 channel(s)" in text.stdout
    for muscle in ("rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"):
        assert f"({muscle}, 1000 Hz" in text.stdout
    assert "FX" not in text.stdout  # the goniometer is not analysed as EMG
