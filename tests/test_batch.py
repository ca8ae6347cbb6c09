"""`emgcoach analyze PATH... --table OUT.csv [--jobs N] [--dask ADDRESS]`: what a user of a batch sees.

One small corpus (simulated sessions, a CSV export, a real OpenSignals recording, a broken file, files
that are no recordings) is analysed once per way of running it; the tables must be byte for byte the same.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pytest

from emgcoach.cli import main
from emgcoach.io.export import export
from emgcoach.io.open import read_recording
from emgcoach.stream.simulated_session import record_simulation

REPO = Path(__file__).resolve().parents[1]
GOOD = ["corpus/a.xdf", "corpus/b.xdf", "corpus/sub/b_export.csv", "corpus/sub/emg_1.txt"]
BROKEN = "corpus/broken.xdf"
FILES = ["corpus/a.xdf", "corpus/b.xdf", BROKEN, "corpus/sub/b_export.csv", "corpus/sub/emg_1.txt"]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    table: str


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder to analyse: two simulated bird-dog sessions (2 reps and 1 rep, 500 Hz), the second one
    exported to CSV (with its markers file beside it), the bundled OpenSignals recording (one channel, no
    roles), an XDF that is not one, and a note and a hidden file that are no recordings."""
    root = tmp_path_factory.mktemp("batch")
    c = root / "corpus"
    (c / "sub").mkdir(parents=True)
    record_simulation(c / "a.xdf", duration_s=24, rate_hz=500, seed=1, calibration=False)
    record_simulation(c / "b.xdf", duration_s=16, rate_hz=500, seed=2, calibration=False)
    export(read_recording(c / "b.xdf"), "csv", c / "sub" / "b_export.csv")
    shutil.copy(REPO / "recordings" / "biosppy" / "emg_1.txt", c / "sub" / "emg_1.txt")
    (c / BROKEN.split("/")[-1]).write_bytes(b"not a recording at all")
    (c / "notes.txt").write_text("Session notes, week 3\n", encoding="utf-8")
    (c / ".scratch.xdf").write_bytes(b"XDF:")
    assert (c / "sub" / "b_export_markers.csv").exists()
    return root


def _run(root: Path, name: str, *options: str) -> Run:
    """`emgcoach analyze corpus --table NAME.csv OPTIONS` in `root`, its output captured."""
    table = root / f"{name}.csv"
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["analyze", "corpus", "--table", table.name, *options])
    finally:
        os.chdir(cwd)
    return Run(code, out.getvalue(), err.getvalue(), table.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def jobs1(corpus: Path) -> Run:
    return _run(corpus, "jobs1", "--jobs", "1")


def _rows(run: Run) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run.table)))


def test_a_broken_file_is_a_row_with_its_error_exit_2_and_the_count_last(jobs1: Run) -> None:
    assert jobs1.code == 2
    last = jobs1.err.strip().splitlines()[-1]
    assert last == "emgcoach: 1 of 5 files failed (their rows in jobs1.csv say why)"
    assert f"emgcoach: {BROKEN}: not an XDF file" in jobs1.err
    files = [r for r in _rows(jobs1) if r["kind"] == "file"]
    assert [r["file"] for r in files] == FILES  # notes.txt, the hidden file and the markers file are no recordings
    errors = {r["file"]: r["error"] for r in files}
    assert errors.pop(BROKEN) == "not an XDF file (the first bytes are not 'XDF:')"
    assert set(errors.values()) == {""}
    assert [r["kind"] for r in _rows(jobs1) if r["file"] == BROKEN] == ["file"]
    assert jobs1.out.strip() == f"jobs1.csv: {len(_rows(jobs1))} rows from 5 files"
    assert "\r" not in jobs1.err  # no progress bar when stderr is not a terminal


def test_rows_per_file_channel_pair_and_rep_hold_analyzes_figures(jobs1: Run, corpus: Path, capsys) -> None:
    """Each file's rows say what `emgcoach analyze FILE --json` says of it."""
    rows = _rows(jobs1)
    cwd = os.getcwd()
    os.chdir(corpus)
    try:
        for name in GOOD:
            assert main(["analyze", name, "--json"]) == 0
            report = json.loads(capsys.readouterr().out)
            mine = [r for r in rows if r["file"] == name]
            by_kind = {k: [r for r in mine if r["kind"] == k] for k in ("file", "channel", "pair", "rep")}
            assert len(by_kind["file"]) == 1 and float(by_kind["file"][0]["duration_s"]) == report["duration_s"]
            assert [(r["name"], float(r["rms_uv"]), int(r["onsets"])) for r in by_kind["channel"]] == [
                (c["name"], c["rms_uv"], len(c["onsets_s"])) for c in report["channels"]]
            assert [(r["name"], float(r["cci"])) for r in by_kind["pair"]] == [
                (f"{p['a']}:{p['b']}", p["cci"]) for p in report["pairs"]]
            reps = report.get("reps") or []
            assert [(r["hit"], float(r["latency_ms"])) for r in by_kind["rep"]] == [
                ("true" if p["hit"] else "false", p["onset_latency_ms"]) for p in reps]
    finally:
        os.chdir(cwd)
    counts = {name: [r["kind"] for r in rows if r["file"] == name].count("rep") for name in GOOD}
    assert counts == {"corpus/a.xdf": 2, "corpus/b.xdf": 1, "corpus/sub/b_export.csv": 1, "corpus/sub/emg_1.txt": 0}
    emg = [r for r in rows if r["file"] == "corpus/sub/emg_1.txt"]
    assert [r["kind"] for r in emg] == ["file", "channel"]  # one channel, no roles: no pair, no reps


def test_two_processes_give_the_same_table(jobs1: Run, corpus: Path) -> None:
    jobs2 = _run(corpus, "jobs2", "--jobs", "2")
    assert jobs2.code == 2
    assert jobs2.table == jobs1.table
    assert jobs2.err.strip().splitlines()[-1] == "emgcoach: 1 of 5 files failed (their rows in jobs2.csv say why)"


def test_a_dask_cluster_gives_the_same_table(jobs1: Run, corpus: Path) -> None:
    distributed = pytest.importorskip("distributed")
    # two workers as threads of this process, reached over TCP on the loopback as a real scheduler is
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        run = _run(corpus, "dask", "--dask", cluster.scheduler_address)
    assert run.code == 2
    assert run.table == jobs1.table
    assert run.err.strip().splitlines()[-1] == "emgcoach: 1 of 5 files failed (their rows in dask.csv say why)"


def test_without_table_the_csv_goes_to_stdout(corpus: Path, capsys) -> None:
    cwd = os.getcwd()
    os.chdir(corpus)
    try:
        code = main(["analyze", "corpus/a.xdf", "corpus/sub/emg_1.txt", "--jobs", "1"])
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [(r["file"], r["kind"]) for r in rows] == [
        ("corpus/a.xdf", "file"), ("corpus/a.xdf", "channel"), ("corpus/a.xdf", "channel"), ("corpus/a.xdf", "pair"),
        ("corpus/a.xdf", "rep"), ("corpus/a.xdf", "rep"), ("corpus/sub/emg_1.txt", "file"),
        ("corpus/sub/emg_1.txt", "channel")]
    assert captured.err == ""


def test_one_file_without_batch_options_prints_its_report_as_before(corpus: Path, capsys) -> None:
    assert main(["analyze", str(corpus / "corpus" / "a.xdf")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{corpus / 'corpus' / 'a.xdf'}: 24.0 s, 2 channel(s)")
    assert "2 of 2 reps on target" in out or "of 2 reps on target" in out


@pytest.mark.parametrize(("options", "message"), [
    (["--jobs", "0"], "emgcoach: --jobs 0: give 1 or more processes"),
    (["--json"], "emgcoach: --json applies to one file: a batch writes a table (--table OUT.csv)"),
    (["--unit", "furlong"], "--unit furlong: give uV, mV or V"),
])
def test_bad_batch_options_are_one_line_before_any_file_is_read(corpus: Path, capsys, options, message) -> None:
    assert main(["analyze", str(corpus / "corpus"), str(corpus / "corpus"), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_an_unreachable_cluster_is_one_line(corpus: Path, capsys, monkeypatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("emgcoach.batch.DASK_CONNECT_TIMEOUT_S", 1.0)
    assert main(["analyze", str(corpus / "corpus" / "a.xdf"), "--dask", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("emgcoach: --dask tcp://127.0.0.1:9: cannot reach the scheduler") and "\n" not in err


def test_the_progress_bar_shows_on_a_terminal(corpus: Path) -> None:
    """stderr on a terminal (a pseudo-terminal here): tqdm's bar, counting files, ends at 2/2."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 rows, 100 columns
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "emgcoach.cli", "analyze", "corpus/a.xdf", "corpus/b.xdf", "--jobs", "1",
             "--table", "bar.csv"],
            cwd=corpus, stdout=subprocess.PIPE, stderr=follower, timeout=120, check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
    bar = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "analyze: 100%" in bar and "2/2" in bar
    assert proc.stdout.decode().strip() == "bar.csv: 11 rows from 2 files"
