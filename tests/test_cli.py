"""The `emgcoach` command as a user runs it: real files, exit codes and output. Commands run through
`emgcoach.cli.main` in this process (tests/cli_run.py); starting it as a process (`python -m emgcoach`,
no arguments without a display, a real-time simulator killed) runs real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from tests.cli_run import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[1]
RATE = 1000.0


def run(*args: str, cwd: Path = ROOT) -> CliResult:
    return run_cli(*args, cwd=cwd)


def bursts_csv(path: Path, latency_ms: float = 100.0, with_time: bool = True) -> list[float]:
    """Two columns of EMG-like noise, lat bursts and glute bursts `latency_ms` later; returns lat onsets."""
    rng = np.random.default_rng(3)
    n = int(30 * RATE)
    sos = signal.butter(4, [20, 450], "bandpass", fs=RATE, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal((n, 2)), axis=0)
    noise /= noise.std(axis=0)
    onsets = [3.0 + 5.0 * k for k in range(5)]
    amp = np.full((n, 2), 5.0)
    for t in onsets:
        a = int(t * RATE)
        b = int((t + latency_ms / 1000) * RATE)
        amp[a : a + int(2 * RATE), 0] = 200.0
        amp[b : b + int(2 * RATE), 1] = 150.0
    x = noise * amp
    cols = ["lat_left", "glute_right"]
    if with_time:
        x = np.column_stack([np.arange(n) / RATE, x])
        cols = ["time_s", *cols]
    np.savetxt(path, x, delimiter=",", header=",".join(cols), comments="", fmt="%.6f")
    return onsets


def test_analyze_csv_json_reports_channels_onsets_and_pair(tmp_path: Path) -> None:
    f = tmp_path / "session.csv"
    onsets = bursts_csv(f, latency_ms=100.0)
    r = run("analyze", str(f), "--json", "--channel", "0:lat:left", "--channel", "1:glute:right")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["file"].endswith("session.csv")
    assert out["duration_s"] == pytest.approx(30.0, abs=0.01)
    lat, glute = out["channels"]
    assert (lat["muscle"], lat["side"], glute["muscle"], glute["side"]) == (
        "latissimus_dorsi", "left", "gluteus_maximus", "right")
    assert lat["rate_hz"] == pytest.approx(RATE)
    for key in ("name", "rms_uv", "envelope_peak_uv", "onsets_s", "offsets_s", "quality"):
        assert key in lat
    # every burst found, each within 30 ms of the truth
    assert len(lat["onsets_s"]) == len(onsets)
    assert np.max(np.abs(np.array(lat["onsets_s"]) - onsets)) < 0.030
    (pair,) = out["pairs"]
    assert (pair["a"], pair["b"]) == (lat["name"], glute["name"])
    assert len(pair["onset_latency_ms"]) == 5
    assert np.median(pair["onset_latency_ms"]) == pytest.approx(100.0, abs=15.0)
    assert 0.5 < pair["cci"] <= 1.0
    assert pair["xcorr_lag_ms"] == pytest.approx(100.0, abs=30.0)


def test_analyze_text_output_is_readable(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    bursts_csv(f, with_time=False)
    r = run("analyze", str(f), "--rate", "1000")
    assert r.returncode == 0, r.stderr
    assert "onset latency median" in r.stdout
    assert "co-contraction index" in r.stdout


@pytest.mark.parametrize(
    "content, problem",
    [
        (None, "not found"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "format"),
        (b"time_s,a,b\n0,1,nan\n0.001,2,3\n0.002,1,1\n", "NaN"),
    ],
    ids=["missing", "zero-length", "wrong-kind", "nan"],
)
def test_bad_files_give_one_line_and_exit_2(tmp_path: Path, content: bytes | None, problem: str) -> None:
    f = tmp_path / "bad.csv"
    if content is not None:
        f.write_bytes(content)
    r = run("analyze", str(f))
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "bad.csv" in lines[0]
    assert problem.lower() in lines[0].lower()
    assert "Traceback" not in r.stderr


def test_bad_channel_option_is_one_line(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    bursts_csv(f)
    r = run("analyze", str(f), "--channel", "zero:lat")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "--channel" in r.stderr


DEMO = ROOT / "recordings" / "bird_dog_sim.xdf"


def test_export_edf_reads_back_with_roles_and_markers(tmp_path: Path) -> None:
    import pyedflib

    out = tmp_path / "s.edf"
    r = run("export", str(DEMO), "--to", "edf", str(out))
    assert r.returncode == 0, r.stderr
    with pyedflib.EdfReader(str(out)) as f:
        assert f.signals_in_file == 2
        assert f.getSampleFrequency(0) == 2000
        onsets, _, texts = f.readAnnotations()
        assert sum(t.startswith('{"kind": "rep"') for t in texts) == 8
        assert f.getSignalLabels() == ["EMG lat L", "EMG glute R"]


def test_export_bids_refuses_a_real_looking_name_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bids"
    r = run("export", str(DEMO), "--to", "bids", str(out), "--subject", "Jane Doe")
    assert r.returncode == 2 and "pseudonym" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()
    r = run("export", str(DEMO), "--to", "bids", str(out), "--subject", "P01")
    assert r.returncode == 0, r.stderr
    assert (out / "sub-P01" / "emg" / "sub-P01_task-drill_channels.tsv").exists()


def test_export_of_a_bad_file_leaves_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xdf"
    bad.write_bytes(b"XDF:" + bytes(10))
    out = tmp_path / "out.edf"
    r = run("export", str(bad), "--to", "edf", str(out))
    assert r.returncode == 2 and "bad.xdf" in r.stderr
    assert list(tmp_path.iterdir()) == [bad]


def test_progress_bar_draws_on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from emgcoach.cli.export import ProgressBar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = ProgressBar("export edf", width=10)
    for f in (0.0, 0.5, 0.5, 1.0):
        bar(f)
    err = capsys.readouterr().err
    assert "[#####.....]  50%" in err and err.endswith("100%\n")
    assert err.count(" 50%") == 1  # unchanged fractions are not redrawn


def test_simulate_writes_a_session_whose_analysis_matches_its_truth(tmp_path: Path) -> None:
    out = tmp_path / "sim.xdf"
    r = run("simulate", "--duration", "40", "--no-calibration", "--seed", "3", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "bird_dog, 4 reps" in r.stdout
    from emgcoach.io.open import read_recording

    rec = read_recording(out)
    truth = [m.payload["latency_ms"] for m in rec.markers if m.kind == "rep"]
    assert len(truth) == 4
    a = json.loads(run("analyze", str(out), "--json").stdout)
    (pair,) = a["pairs"]
    assert np.abs(np.array(pair["onset_latency_ms"]) - truth).max() < 15.0


def test_simulate_realtime_killed_leaves_a_loadable_file(tmp_path: Path) -> None:
    import signal as sig
    import time

    from emgcoach.errors import InputError
    from emgcoach.io.open import read_recording

    def recorded_s() -> float:  # the seconds of EMG in the file as it stands (InputError before the first)
        rec = read_recording(out)
        return rec.streams[0].n_samples / rec.streams[0].info.rate_hz

    out = tmp_path / "live.xdf"
    proc = subprocess.Popen([sys.executable, "-m", "emgcoach.cli", "simulate", "--realtime", "-o", str(out)], cwd=ROOT)
    deadline = time.monotonic() + 60.0
    had = None
    while had is None:  # from its first samples on: its start-up (imports, the file's headers, the DSP's
        # compiled loops) takes seconds longer on a busy machine, and is not recording
        assert proc.poll() is None and time.monotonic() < deadline, "the simulator never recorded a sample"
        try:
            had = recorded_s()
        except (InputError, FileNotFoundError):
            time.sleep(0.05)
    started = time.monotonic()
    time.sleep(2.5)  # the scenario: it records for a while, then dies
    ran = time.monotonic() - started
    proc.send_signal(sig.SIGKILL)
    proc.wait(timeout=10)
    rec = read_recording(out)
    seconds = recorded_s()
    # it recorded in real time for `ran` s since its first samples were read: at most the last second may
    # be missing
    assert had + ran - 1.0 < seconds <= had + ran + 1.1, (had, ran, seconds)
    assert rec.streams[0].gaps == []  # what is there is continuous: nothing shifted or half-written


def test_simulate_refuses_unknown_drill_and_wrong_suffix(tmp_path: Path) -> None:
    r = run("simulate", "--drill", "handstand", "-o", str(tmp_path / "x.xdf"))
    assert r.returncode == 2 and "unknown drill" in r.stderr
    r = run("simulate", "-o", str(tmp_path / "x.csv"))
    assert r.returncode == 2 and "XDF" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_arguments_without_a_display_prints_help_and_says_why() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # no window can be shown
    r = subprocess.run([sys.executable, "-m", "emgcoach.cli"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert r.returncode == 0 and "analyze" in r.stdout and "no display found" in r.stdout


def test_has_display_follows_the_session(monkeypatch) -> None:
    from emgcoach.cli.app import has_display

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert has_display()
    monkeypatch.delenv("DISPLAY")
    assert not has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert has_display()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not has_display()


def test_a_rest_only_recording_has_no_co_contraction_index(tmp_path: Path) -> None:
    """Two quiet channels look alike, but nothing co-contracts: CCI is null, not the ~0.6 that the
    noise floors' overlap would give."""
    f = tmp_path / "rest.csv"
    rate = 1000.0
    x = np.random.default_rng(3).standard_normal((int(20 * rate), 2)) * 3.0
    np.savetxt(f, np.column_stack([np.arange(len(x)) / rate, x]), delimiter=",",
               header="time_s,lat_left,glute_right", comments="", fmt="%.5f")
    r = run("analyze", str(f), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert all(c["onsets_s"] == [] for c in out["channels"])
    assert out["pairs"][0]["cci"] is None
    text = run("analyze", str(f))
    assert text.returncode == 0 and "co-contraction index None" not in text.stdout
    assert "co-contraction index - (neither muscle active)" in text.stdout


def test_python_m_emgcoach_is_the_command() -> None:
    r = subprocess.run([sys.executable, "-m", "emgcoach", "--version"], capture_output=True, text=True, cwd=ROOT,
                       timeout=60)
    from emgcoach import __version__

    assert r.returncode == 0 and r.stdout.strip() == f"emgcoach {__version__}"


def test_every_command_module_adds_its_own_parser() -> None:
    """emgcoach/cli/ holds one module per command, each registered once (a new one not forgotten), and
    `--help` lists them in the order it always has."""
    import pkgutil

    import emgcoach.cli as cli

    helpers = {"common", "parsing", "__main__"}
    modules = {m.name for m in pkgutil.iter_modules(cli.__path__)} - helpers
    assert {c.__name__.rsplit(".", 1)[1] for c in cli.COMMANDS} == modules and len(cli.COMMANDS) == len(modules)
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == ["demo", "analyze", "export", "app", "replay", "report", "scan", "record", "decode",
                                 "drills", "history", "store", "simulate", "install-desktop-entry"]
