"""report --save, exports read back, and file modes, as a user meets them on the command line.

One simulated bird-dog session with calibration (2 kHz, seed 0) is shared by the module; every command runs
through `emgcoach.cli.main` in this process (the same code path as the `emgcoach` script, minus start-up).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from emgcoach.cli import main


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "sim.xdf"
    assert main(["simulate", "-o", str(out)]) == 0  # bird dog, calibration first, 2 kHz, seed 0
    return out


@pytest.fixture(scope="module")
def analysed(sim: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["analyze", str(sim), "--json"]) == 0
    return json.loads(buf.getvalue())


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the usual default: without care, new files come out 0644
    try:
        yield
    finally:
        os.umask(old)


# --------------------------------------------------------------------------------------- 1. report --save


def test_report_save_twice_files_the_session_once(sim: Path, tmp_path: Path, capsys) -> None:
    store = tmp_path / "h.sqlite3"
    code, out, err = run(capsys, "report", str(sim), "-o", str(tmp_path / "a"), "--person", "client-09", "--save",
                         "--store", str(store))
    assert code == 0, err
    assert "saved as session 1 of client-09" in out
    # again, through another spelling of the same file: found in the history, not filed twice
    other = sim.parent / ".." / sim.parent.name / sim.name
    code, out, err = run(capsys, "report", str(other), "-o", str(tmp_path / "b"), "--person", "client-09", "--save",
                         "--store", str(store))
    assert code == 0, err
    note = [ln for ln in out.splitlines() if "session 1" in ln]
    assert len(note) == 1 and "not saved again" in note[0] and "saved as" not in out
    assert (tmp_path / "b.html").exists()  # the report itself is still written
    from emgcoach.coach.store import Store

    with Store(store) as s:
        assert len(s.sessions("client-09")) == 1
        assert len(s.session(1)[1]) == 8
    code, out, _ = run(capsys, "history", "client-09", "--store", str(store))
    assert code == 0 and out.count("session ") == 1


def test_report_save_of_a_copy_elsewhere_is_a_new_session(sim: Path, tmp_path: Path, capsys) -> None:
    """Another file (a copy) with the same reps is another recording: saved."""
    store = tmp_path / "h.sqlite3"
    copy = tmp_path / "copy.xdf"
    shutil.copy(sim, copy)
    for f in (sim, copy):
        code, out, err = run(capsys, "report", str(f), "-o", str(tmp_path / f.stem), "--person", "P1", "--save",
                             "--store", str(store))
        assert code == 0 and "saved as session" in out, err


# ------------------------------------------------------------------------------ 2. the person checked first


@pytest.mark.parametrize("save", [True, False])
def test_report_refuses_a_name_before_writing_anything(sim: Path, tmp_path: Path, capsys, save: bool) -> None:
    store = tmp_path / "h.sqlite3"
    args = ["report", str(sim), "-o", str(tmp_path / "rep2"), "--person", "Jane Doe", "--store", str(store)]
    code, out, err = run(capsys, *args, *(["--save"] if save else []))
    assert code == 2
    assert out == ""  # no summary, no paths
    assert len(err.strip().splitlines()) == 1 and "pseudonym" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no report, no store


def test_report_save_without_person_writes_nothing(sim: Path, tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "report", str(sim), "-o", str(tmp_path / "r"), "--save", "--store", str(tmp_path / "h.db"))
    assert code == 2 and "--person" in err and out == ""
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ 3. exports read back


def _reps(result: dict) -> list[tuple]:
    return [(r["drill"], r["index"], r["hit"]) for r in result["reps"]]


@pytest.mark.parametrize("fmt", ["edf", "bdf", "csv"])
def test_analyze_of_an_export_finds_the_same_reps_and_calibration(sim: Path, analysed: dict, tmp_path: Path,
                                                                   capsys, fmt: str) -> None:
    out = tmp_path / f"rt.{fmt}"
    code, _, err = run(capsys, "export", str(sim), "--to", fmt, str(out))
    assert code == 0, err
    code, text, err = run(capsys, "analyze", str(out), "--json")
    assert code == 0, err
    back = json.loads(text)
    assert analysed["calibration"].startswith("calibrated")
    assert back["calibration"] == analysed["calibration"]
    assert len(back["reps"]) == len(analysed["reps"]) == 8
    assert sum(r["hit"] for r in back["reps"]) == sum(r["hit"] for r in analysed["reps"]) == 7
    assert _reps(back) == _reps(analysed)
    sample_ms = 1000.0 / analysed["channels"][0]["rate_hz"]
    for a, b in zip(back["reps"], analysed["reps"]):
        # EDF keeps 16 bits a sample: a threshold crossing may move by one sample, no more
        assert a["onset_latency_ms"] == pytest.approx(b["onset_latency_ms"], abs=sample_ms + 1e-6)
        assert a["start_s"] == pytest.approx(b["start_s"], abs=sample_ms / 1000 + 1e-3)
        assert a["calibrated"] and a["mean_pct_mvc"]["glute"] == pytest.approx(b["mean_pct_mvc"]["glute"], abs=0.5)


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_edf_annotations_round_trip_every_marker_and_payload(tmp_path: Path, fmt: str) -> None:
    from emgcoach.io.edf import read_edf, write_edf
    from emgcoach.io.recording import RecordedStream, Recording
    from emgcoach.types import ChannelSpec, Marker, StreamInfo

    rng = np.random.default_rng(0)
    info = StreamInfo("umyo", "pair", "", 1000.0, (ChannelSpec("lat_left", "latissimus_dorsi", "left"),
                                                  ChannelSpec("glute_right", "gluteus_maximus", "right")))
    stream = RecordedStream(info, (rng.standard_normal((6000, 2)) * 20).astype(np.float32), t0=3.0)
    rep = {"drill": "bird_dog", "index": 0, "start_s": 4.0, "end_s": 5.25, "lead": "lat", "lat_onset_s": 4.0,
           "glute_onset_s": 4.0865, "onset_latency_ms": 86.5, "peak_pct_mvc": {"lat": 31.2, "glute": None},
           "mean_pct_mvc": {"lat": 25.0, "glute": 29.125}, "cci": 0.91, "calibrated": True, "hit": False,
           "misses": ["glute_late"], "cue": "Glute late: squeeze as you start the pull"}
    markers = [
        Marker(3.5, "calibration", {"step": "rest", "end_s": 4.5}),
        Marker(3.5, "calibration", {"step": "mvc", "muscle": "latissimus_dorsi", "side": "left", "effort": 1, "end_s": 4.0}),
        Marker(4.0, "drill_start", {"drill": "bird_dog", "reps": 8, "lat_channel": 0, "glute_channel": 1}),
        Marker(4.0, "phase", {"drill": "bird_dog", "phase": "setup", "rep": -1}),
        Marker(4.25, "rep", rep),
        Marker(5.0, "note", {"text": "cue: brace"}),
        Marker(5.0, "note", {"event": "seek", "to_s": 5.0, "stream": "lat + glute"}),
        Marker(5.5, "note", {"text": "a=b  100% é"}),
        Marker(6.0, "gap", {"lost": 20, "stream": "pair", "duration_s": 0.02}),
        Marker(6.5, "state", {"stream": "pair", "state": "reconnecting", "code": "1"}),
        Marker(7.0, "packet", {"stream": "pair", "kind": "umyo", "hex": "ab" * 60}),
        Marker(8.75, "drill_end", {"drill": "bird_dog", "reps": 8, "stopped": True}),
    ]
    rec = Recording("made-in-test", [stream], markers)
    back = read_edf(write_edf(rec, tmp_path / f"m.{fmt}", fmt=fmt))
    assert [(m.kind, m.payload) for m in back.markers] == [(m.kind, m.payload) for m in markers]
    for a, b in zip(back.markers, markers):
        assert a.time_s == pytest.approx(b.time_s, abs=1e-4)


def test_csv_reader_ignores_a_side_file_that_is_not_ours(tmp_path: Path) -> None:
    from emgcoach.io.csv_reader import read_csv

    t = np.arange(2000) / 1000.0
    rows = "\n".join(f"{x:.3f},{np.sin(x):.3f},{np.cos(x):.3f}" for x in t)
    (tmp_path / "x.csv").write_text("time_s,lat_left,glute_right\n" + rows + "\n")
    (tmp_path / "x_markers.csv").write_text("when,what\n1,2\n")
    assert read_csv(tmp_path / "x.csv").markers == []
    (tmp_path / "x_markers.csv").write_text('time_s,kind,payload_json\n1.5,note,"{""text"": ""hi""}"\n')
    (m,) = read_csv(tmp_path / "x.csv").markers
    assert (m.time_s, m.kind, m.payload) == (1.5, "note", {"text": "hi"})


@pytest.mark.parametrize("fmt", ["edf", "bdf", "csv"])
def test_export_without_extension_adds_it(sim: Path, tmp_path: Path, capsys, fmt: str) -> None:
    code, out, err = run(capsys, "export", str(sim), "--to", fmt, str(tmp_path / f"out_{fmt}"))
    assert code == 0, err
    assert (tmp_path / f"out_{fmt}.{fmt}").is_file() and not (tmp_path / f"out_{fmt}").exists()
    assert out.startswith(str(tmp_path / f"out_{fmt}.{fmt}"))  # the line names the file written


def test_export_refuses_the_other_formats_extension(sim: Path, tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "export", str(sim), "--to", "bdf", str(tmp_path / "x.edf"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and ".bdf" in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ 4. owner-only files


def test_recordings_and_reports_are_created_owner_only(tmp_path: Path, capsys, umask_022) -> None:
    from emgcoach.io.xdf_writer import Recorder, XdfWriter
    from emgcoach.types import ChannelSpec, StreamInfo

    with XdfWriter(tmp_path / "w.xdf"):
        pass
    info = StreamInfo("sim", "s", "", 1000.0, (ChannelSpec("lat_left", "latissimus_dorsi", "left"),))
    with Recorder(tmp_path / "r.xdf", [info]):
        pass
    old = tmp_path / "old.xdf"
    old.write_bytes(b"")
    old.chmod(0o644)
    with XdfWriter(old):  # written over: private too
        pass
    assert mode(tmp_path / "w.xdf") == mode(tmp_path / "r.xdf") == mode(old) == 0o600

    sim = tmp_path / "s.xdf"
    assert run(capsys, "simulate", "--rate", "1000", "-o", str(sim))[0] == 0
    assert mode(sim) == 0o600
    (tmp_path / "rep.html").write_text("old")
    (tmp_path / "rep.html").chmod(0o644)
    code, _, err = run(capsys, "report", str(sim), "-o", str(tmp_path / "rep"))
    assert code == 0, err
    assert mode(tmp_path / "rep.html") == mode(tmp_path / "rep.pdf") == 0o600
    code, _, err = run(capsys, "export", str(sim), "--to", "edf", str(tmp_path / "e.edf"))
    assert code == 0 and mode(tmp_path / "e.edf") == 0o600  # as the exports always were


# ------------------------------------------------------------------------------ 5. the recording's start


def test_report_header_and_history_show_the_recording_start(sim: Path, tmp_path: Path, capsys) -> None:
    from emgcoach.coach.store import Store
    from emgcoach.io.open import read_recording

    copy = tmp_path / "late.xdf"
    shutil.copy(sim, copy)
    later = time.mktime((2031, 5, 6, 7, 8, 0, 0, 0, -1))  # the file touched long after it was recorded
    os.utime(copy, (later, later))
    started = read_recording(copy).started_at
    assert started is not None
    code, out, err = run(capsys, "report", str(copy), "-o", str(tmp_path / "r"), "--person", "P2", "--save",
                         "--store", str(tmp_path / "h.db"))
    assert code == 0, err
    page = (tmp_path / "r.html").read_text()
    meta = re.search(r'<div class="meta">(.*?)</div>', page, re.S).group(1)
    assert datetime.fromisoformat(started).strftime("%Y-%m-%d %H:%M") in meta
    assert "2031-05-06" not in meta
    with Store(tmp_path / "h.db") as s:
        assert s.sessions("P2")[0].started == started


# ----------------------------------------------------------------------------- 6. one latency, everywhere


def test_report_shows_each_rep_latency_as_analyze_does(sim: Path, analysed: dict, tmp_path: Path, capsys) -> None:
    """At 2 kHz latencies are whole half-ms (86.5 ms): analyze printed the 3-decimal value (+86), the report
    the raw float 86.50000000000001 (+87). Same envelopes and onsets; only the rounding differed."""
    from emgcoach.coach.store import Store

    code, text, err = run(capsys, "analyze", str(sim))
    assert code == 0, err
    shown = re.findall(r"bird_dog #\d+ [\d.]+-[\d.]+ s: glute ([+-]\d+) ms", text)
    assert len(shown) == 8
    assert any(r["onset_latency_ms"] % 1 == 0.5 for r in analysed["reps"])  # the case in question is here
    code, _, err = run(capsys, "report", str(sim), "-o", str(tmp_path / "r"), "--person", "P3", "--save",
                       "--store", str(tmp_path / "h.db"))
    assert code == 0, err
    rows = re.findall(r'<tr class="(?:hit|miss)">(.*?)</tr>', (tmp_path / "r.html").read_text())
    cells = [re.findall(r"<td>(.*?)</td>", r) for r in rows]
    assert [c[2] for c in cells] == shown
    with Store(tmp_path / "h.db") as s:  # the history keeps the figures analyze gives
        assert [r["latency_ms"] for r in s.session(1)[1]] == [r["onset_latency_ms"] for r in analysed["reps"]]
