"""Pairs on demand (issue 16, point 2): a file of many channels without lat/glute roles prints its channels
only, and the pairs asked for with `--pairs all` or `--pairs A:B,...`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from tests.cli_run import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[1]
RATE = 1000.0
NAMES = [f"EMG{k}" for k in range(1, 14)]  # 13 channels, no role in any name


def run(*args: str) -> CliResult:
    return run_cli(*args)


@pytest.fixture(scope="module")
def thirteen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """13 columns of band-limited noise, 10 s at 1 kHz; each channel bursts at 2, 5 and 8 s, channel k
    10*k ms after EMG1."""
    rng = np.random.default_rng(16)
    n = int(10 * RATE)
    sos = signal.butter(4, [20, 450], "bandpass", fs=RATE, output="sos")
    x = signal.sosfilt(sos, rng.standard_normal((n, 13)), axis=0)
    x /= x.std(axis=0)
    amp = np.full((n, 13), 5.0)
    for k in range(13):
        for t in (2.0, 5.0, 8.0):
            a = int((t + 0.01 * k) * RATE)
            amp[a : a + int(1.0 * RATE), k] = 150.0
    path = tmp_path_factory.mktemp("pairs") / "thirteen.csv"
    data = np.column_stack([np.arange(n) / RATE, x * amp])
    np.savetxt(path, data, delimiter=",", header=",".join(["time", *NAMES]), comments="", fmt="%.5f")
    return path


def test_thirteen_channels_print_channels_only(thirteen: Path) -> None:
    r = run("analyze", str(thirteen))
    assert r.returncode == 0, r.stderr
    assert " after " not in r.stdout  # no pair lines
    assert "13 channels and no lat + opposite glute roles: no pairs compared (78 possible)" in r.stdout
    for name in NAMES:
        assert f"\n{name} (" in r.stdout
    out = json.loads(run("analyze", str(thirteen), "--json").stdout)
    assert len(out["channels"]) == 13 and out["pairs"] == []
    assert "--pairs all" in out["pairs_note"]


def test_pairs_all_gives_all_78(thirteen: Path) -> None:
    r = run("analyze", str(thirteen), "--json", "--pairs", "all")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["pairs"]) == 78 and "pairs_note" not in out
    assert {(p["a"], p["b"]) for p in out["pairs"]} == {(a, b) for i, a in enumerate(NAMES) for b in NAMES[i + 1:]}


def test_pairs_by_name(thirteen: Path) -> None:
    r = run("analyze", str(thirteen), "--json", "--pairs", "EMG1:EMG4,emg13:EMG2")
    assert r.returncode == 0, r.stderr
    pairs = json.loads(r.stdout)["pairs"]
    assert [(p["a"], p["b"]) for p in pairs] == [("EMG1", "EMG4"), ("EMG13", "EMG2")]
    # EMG4 bursts 30 ms after EMG1 on each of the three bursts; EMG2 110 ms before EMG13
    assert pairs[0]["median_onset_latency_ms"] == pytest.approx(30, abs=10)
    assert len(pairs[0]["onset_latency_ms"]) == 3
    assert pairs[1]["median_onset_latency_ms"] == pytest.approx(-110, abs=10)
    text = run("analyze", str(thirteen), "--pairs", "EMG1:EMG4").stdout
    assert "EMG4 after EMG1:" in text and "no pairs compared" not in text


def test_unknown_pair_is_one_line(thirteen: Path) -> None:
    r = run("analyze", str(thirteen), "--pairs", "EMG1:Biceps")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and str(thirteen) in r.stderr and "'EMG1:Biceps'" in r.stderr
    assert "Traceback" not in r.stderr


def test_asked_pairs_parsing() -> None:
    from emgcoach.analysis import asked_pairs

    assert asked_pairs("all", ["a", "b", "c", "d"]) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert asked_pairs("Ch:1:b", ["Ch:1", "b"]) == [(0, 1)]  # a name holding ':'
    with pytest.raises(ValueError, match="itself"):
        asked_pairs("a:a", ["a", "b"])
