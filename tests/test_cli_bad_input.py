"""Bad input on the command line: exit code 2 and one line on stderr naming the file and the problem,
never a traceback or "internal error". Each runs through `emgcoach.cli.main` in this process (tests/cli_run.py:
the command's code minus the interpreter's start-up); one bad option and the window without a display run
as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli_run import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> CliResult:
    return run_cli(*args)


def noise_csv(path: Path, rate: float | None = None, seconds: float = 4.0) -> Path:
    """Two columns of 20 µV noise; with a time column at `rate` when given."""
    n = int(seconds * (rate or 1000.0))
    x = np.random.default_rng(0).standard_normal((n, 2)) * 20.0
    cols = ["lat_left", "glute_right"]
    if rate is not None:
        x, cols = np.column_stack([np.arange(n) / rate, x]), ["time_s", *cols]
    np.savetxt(path, x, delimiter=",", header=",".join(cols), comments="", fmt="%.6f")
    return path


def assert_one_line_error(r: CliResult | subprocess.CompletedProcess, name: str, *words: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert name in lines[0], lines[0]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr and "Warning" not in r.stderr
    for w in words:
        assert w.lower() in lines[0].lower(), lines[0]
    return lines[0]


def test_a_bad_option_is_one_line_from_a_real_process_too(tmp_path: Path) -> None:
    f = noise_csv(tmp_path / "x.csv")
    r = subprocess.run([sys.executable, "-m", "emgcoach.cli", "analyze", str(f), "--rate", "40"], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert_one_line_error(r, "x.csv", "40 Hz", "at least 100 Hz")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--rate", "40"], ["40 Hz", "at least 100 Hz"]),  # was scipy's "Wn[0] must be less than Wn[1]"
        (["--rate", "1e-3"], ["0.001 Hz", "at least 100 Hz"]),  # was "nperseg=0"
        (["--rate", "-1e-3"], ["positive"]),
        (["--rate", "abc"], ["--rate abc", "not a number"]),  # was 5 lines of usage
        (["--rate", "1000", "--mains", "70"], ["--mains 70", "auto, off, 50 or 60"]),
        (["--rate", "1000", "--channel", "-1:lat:left"], ["--channel -1:lat:left", "0 or more"]),  # was "expected one argument"
    ],
    ids=["rate40", "rate1e-3", "negative", "rate-abc", "mains70", "negative-channel"],
)
def test_bad_options_name_the_file(tmp_path: Path, args: list[str], words: list[str]) -> None:
    f = noise_csv(tmp_path / "x.csv")
    line = assert_one_line_error(run("analyze", str(f), *args), "x.csv", *words)
    assert "usage" not in line


def test_a_file_whose_own_rate_is_too_low_is_refused(tmp_path: Path) -> None:
    f = noise_csv(tmp_path / "slow.csv", rate=40.0, seconds=10.0)
    assert_one_line_error(run("analyze", str(f)), "slow.csv", "sample rate 40 Hz", "at least 100 Hz")


def test_huge_csv_values_are_refused_without_a_warning(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    f.write_text("lat_left,glute_right\n1,2\n1e300,3\n4,5\n6,7\n")
    assert_one_line_error(run("analyze", str(f), "--rate", "1000"), "big.csv", "1 kV", "row 2", "lat_left")
    g = tmp_path / "bigmv.csv"  # 1e300 mV overflows when scaled to µV
    g.write_text("lat_mv\n1\n1e300\n3\n4\n")
    assert_one_line_error(run("analyze", str(g), "--rate", "1000"), "bigmv.csv", "1 kV")


def test_duplicate_times_are_shown_plainly(tmp_path: Path) -> None:
    f = tmp_path / "dup.csv"
    f.write_text("time,lat_left\n0.0,1\n0.0,2\n0.002,3\n0.003,4\n")
    line = assert_one_line_error(run("analyze", str(f)), "dup.csv", "row 2", "(0 s -> 0 s)")
    assert "np.float64" not in line


def test_simulate_refuses_a_rate_analyze_could_not_use_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "s.xdf"
    assert_one_line_error(run("simulate", "--rate", "40", "-o", str(out)), "s.xdf", "at least 100 Hz")
    assert_one_line_error(run("simulate", "--rate", "fast", "-o", str(out)), "s.xdf", "not a number")
    assert_one_line_error(run("simulate", "--duration", "nan", "-o", str(out)), "s.xdf", "--duration")
    assert list(tmp_path.iterdir()) == []


def test_usage_errors_are_one_line_and_help_still_works(tmp_path: Path) -> None:
    for args in (["analyze"], ["analyze", "x.csv", "--bogus"], ["analyze", "x.csv", "--channel"], ["nosuchcommand"]):
        r = run(*args)
        assert r.returncode == 2, args
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "--help" in lines[0], r.stderr
        assert "Traceback" not in r.stderr and "usage:" not in r.stderr
    r = run("analyze", "--help")
    assert r.returncode == 0 and "usage: emgcoach analyze" in r.stdout and "--mains" in r.stdout


@pytest.mark.parametrize(("rate", "mains"), [("100", "50"), ("120", "60")])
def test_a_mains_line_above_the_band_is_skipped_with_a_note(tmp_path: Path, rate: str, mains: str) -> None:
    """The notch cannot sit at or near Nyquist, and is not needed: the band-pass ends at 0.45 x rate, below
    the line. A site-wide --mains 50 should still analyse a 100 Hz file, saying what it did."""
    f = noise_csv(tmp_path / "low.csv")
    r = run("analyze", str(f), "--rate", rate, "--mains", mains, "--json")
    assert r.returncode == 0, r.stderr
    (note,) = r.stderr.strip().splitlines()
    assert "low.csv" in note and f"no {mains} Hz notch" in note and "Traceback" not in r.stderr
    for ch in json.loads(r.stdout)["channels"]:
        assert "notch" not in ch["filter"]


def test_a_mains_line_inside_the_band_is_notched_without_a_note(tmp_path: Path) -> None:
    f = noise_csv(tmp_path / "ok.csv")
    r = run("analyze", str(f), "--rate", "200", "--mains", "60", "--json")
    assert r.returncode == 0 and r.stderr == ""
    assert all("notch 60 Hz" in ch["filter"] for ch in json.loads(r.stdout)["channels"])


def test_two_sensors_at_different_rates_notch_only_where_the_line_is_in_band(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import emgcoach.io.open
    from emgcoach.cli import main
    from emgcoach.io.recording import RecordedStream, Recording
    from emgcoach.types import ChannelSpec, StreamInfo

    rng = np.random.default_rng(1)
    streams = [
        RecordedStream(
            info=StreamInfo("file", f"s{rate:g}", "", rate, (ChannelSpec(name, muscle, side),)),
            data=(20.0 * rng.standard_normal((int(4 * rate), 1))).astype(np.float32),
        )
        for rate, name, muscle, side in ((100.0, "lat", "latissimus_dorsi", "left"), (1000.0, "glute", "gluteus_maximus", "right"))
    ]
    path = str(tmp_path / "two.xdf")
    monkeypatch.setattr(emgcoach.io.open, "read_recording", lambda *a, **k: Recording(path=path, streams=streams, markers=[]))
    assert main(["analyze", path, "--mains", "50", "--json"]) == 0
    out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and "no 50 Hz notch at 100 Hz" in err
    lat, glute = json.loads(out)["channels"]
    assert "notch" not in lat["filter"] and "notch 50 Hz" in glute["filter"]
    assert len(json.loads(out)["pairs"]) == 1


@pytest.mark.parametrize("speed", ["0", "-2", "100", "nan"])
def test_replay_refuses_a_speed_out_of_range_before_opening_a_window(tmp_path: Path, speed: str) -> None:
    path = noise_csv(tmp_path / "x.csv", rate=1000.0)
    r = run("replay", str(path), "--speed", speed)
    assert_one_line_error(r, "x.csv", "--speed", "0.25 to 16")


def test_report_refuses_a_rate_too_low_for_emg(tmp_path: Path) -> None:
    """A 50 Hz file is not scored into reps (it would give a report of noise): one line, exit 2."""
    path = noise_csv(tmp_path / "slow.csv", rate=50.0, seconds=30.0)
    r = run("report", str(path), "--drill", "bird_dog", "-o", str(tmp_path / "rep"))
    assert_one_line_error(r, "slow.csv", "50 Hz", "at least 100 Hz")
    assert not (tmp_path / "rep.pdf").exists()


def test_a_one_row_file_with_its_rate_given_is_too_short_not_rate_less(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("time_s,lat_left,glute_right\n0.0,1.0,2.0\n")
    r = run("analyze", str(path), "--rate", "1000")
    assert_one_line_error(r, "one.csv", "at least 0.5 s")


@pytest.mark.parametrize("args", [["app"], ["replay", "recordings/bird_dog_sim.xdf"]])
def test_the_window_without_a_display_is_one_line_not_a_qt_abort(args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "emgcoach.cli", *args], capture_output=True, text=True, cwd=ROOT,
                       timeout=60, env=env)
    assert r.returncode == 2, (r.returncode, r.stderr)
    (line,) = r.stderr.strip().splitlines()
    assert "no display" in line and "analyze" in line
