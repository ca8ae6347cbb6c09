"""C3D (issue 16): analog channels in their units converted to µV, SCALE/OFFSET/GEN_SCALE, first frame, EMG
picked by label or by --channel LABEL=..., force and voltage channels kept out; files written with ezc3d and
byte by byte after the C3D User Guide (tests/io/c3d_files.py)."""

from __future__ import annotations

import json
import os
import resource
import tempfile
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io import c3d_reader
from emgcoach.io.channels import parse_channel_option
from emgcoach.io.open import detect_format, read_recording
from tests.cli_run import run_cli
from tests.io.c3d_files import write_integer_c3d, write_with_ezc3d

RATE = 2000.0


def sine(amplitude: float, f: float = 60.0, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * f * t)


def rms_times_sqrt2(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=float) ** 2)) * np.sqrt(2))


def test_vicon_style_file_in_volts(tmp_path):
    """A 1 mV-amplitude sine stored in volts reads 1000 µV (RMS x sqrt 2); Force.Fx, Moment.Mz and Voltage.1
    stay out of the EMG; labels are kept; the first frame (201 at 100 Hz) puts sample 0 at 2.00 s; the
    C3D's events become note markers on the same clock."""
    p = str(tmp_path / "walk.c3d")
    labels = ["Biceps.EMG4", "Force.Fx", "Moment.Mz", "Voltage.1", "L Lat.EMG1"]
    values = np.vstack([sine(1e-3), sine(300.0, 5), sine(2e4, 5), sine(1.0, 3), sine(0.5e-3, 80)])
    write_with_ezc3d(p, labels, values, RATE, ["V", "N", "Nmm", "V", "V"], first_frame=201,
                     events=[("Foot Strike", 2.5), ("Foot Off", 3.25)])
    assert detect_format(p) == "c3d"
    rec = read_recording(p)
    (s,) = rec.streams
    assert [c.name for c in s.info.channels] == ["Biceps.EMG4", "L Lat.EMG1"]
    assert s.info.rate_hz == RATE and s.t0 == pytest.approx(2.0)
    assert rms_times_sqrt2(s.data[:, 0]) == pytest.approx(1000.0, rel=1e-3)
    assert rms_times_sqrt2(s.data[:, 1]) == pytest.approx(500.0, rel=1e-3)
    assert (s.info.channels[1].muscle, s.info.channels[1].side) == ("latissimus_dorsi", "left")
    assert s.unit_assumed == ()
    assert [(m.time_s, m.kind, m.payload["event"], m.payload["context"]) for m in rec.markers] == [
        (2.5, "note", "Foot Strike", "Left"), (3.25, "note", "Foot Off", "Left")]
    assert s.info.extra["read_as"] == "C3D, 2 EMG of 5 analog channel(s) at 2000 Hz"


@pytest.mark.parametrize(("unit", "amplitude"), [("V", 1e-3), ("mV", 1.0), ("uV", 1000.0), ("µV", 1000.0)])
def test_units_become_microvolts(tmp_path, unit, amplitude):
    p = str(tmp_path / "u.c3d")
    write_with_ezc3d(p, ["EMG1"], sine(amplitude)[None, :], RATE, [unit])
    s = read_recording(p).streams[0]
    assert rms_times_sqrt2(s.data[:, 0]) == pytest.approx(1000.0, rel=1e-3)


def test_scale_and_gen_scale_written_by_ezc3d(tmp_path):
    """ezc3d stores value / (SCALE x GEN_SCALE) and applies them back: 2 mV of sine under SCALE 0.25 and
    GEN_SCALE 4 still reads 2000 µV."""
    p = str(tmp_path / "s.c3d")
    write_with_ezc3d(p, ["R Glute Max.EMG2"], sine(2.0)[None, :], RATE, ["mV"], scale=[0.25], gen_scale=4.0)
    s = read_recording(p).streams[0]
    assert rms_times_sqrt2(s.data[:, 0]) == pytest.approx(2000.0, rel=1e-3)
    assert (s.info.channels[0].muscle, s.info.channels[0].side) == ("gluteus_maximus", "right")


def test_integer_file_after_the_user_guide(tmp_path):
    """An integer C3D built byte by byte: physical = (raw - OFFSET) x SCALE x GEN_SCALE, in its UNITS.
    raw 100, 200, 300 with OFFSET 100, SCALE 0.01, GEN_SCALE 0.5, in mV: 0, 0.5, 1.0 mV = 0, 500, 1000 µV.
    First frame 11 at 100 Hz: sample 0 at 0.10 s."""
    p = str(tmp_path / "int.c3d")
    raw = np.vstack([np.tile([100, 200, 300, 200], 500), np.full(2000, 12)]).astype(np.int16)
    write_integer_c3d(p, ["RT TIB.ANT.", "Force.Fz"], raw, 1000.0, ["mV", "N"], [0.01, 2.0], [100, 5], 0.5, first_frame=11)
    s = read_recording(p).streams[0]
    assert [c.name for c in s.info.channels] == ["RT TIB.ANT."]
    np.testing.assert_allclose(s.data[:4, 0], [0.0, 500.0, 1000.0, 500.0], atol=1e-3)
    assert s.info.channels[0].side == "right" and s.t0 == pytest.approx(0.1)


def test_unlabelled_unit_is_assumed_or_given(tmp_path):
    p = str(tmp_path / "nounit.c3d")
    write_with_ezc3d(p, ["EMG1", "EMG2"], np.vstack([sine(1.0), sine(2.0)]), RATE, ["", "mV"])
    s = read_recording(p).streams[0]
    assert s.unit_assumed == (0,) and rms_times_sqrt2(s.data[:, 0]) == pytest.approx(1.0, rel=1e-3)
    s = read_recording(p, unit="mV").streams[0]
    assert s.unit_assumed == () and rms_times_sqrt2(s.data[:, 0]) == pytest.approx(1000.0, rel=1e-3)
    assert rms_times_sqrt2(s.data[:, 1]) == pytest.approx(2000.0, rel=1e-3)  # a stated unit wins


def test_channel_picked_by_label(tmp_path):
    """A generic analog channel (Voltage.3) is EMG when --channel names it; a label the file lacks is refused."""
    p = str(tmp_path / "pick.c3d")
    write_with_ezc3d(p, ["Voltage.3", "Force.Fz"], np.vstack([sine(1e-3), sine(100.0, 2)]), RATE, ["V", "N"])
    with pytest.raises(InputError, match="no EMG channel among its 2 analog channel.*--channel LABEL=MUSCLE:SIDE"):
        read_recording(p)
    s = read_recording(p, channels=[parse_channel_option("voltage.3=lat:left")]).streams[0]
    assert [(c.name, c.muscle, c.side) for c in s.info.channels] == [("Voltage.3", "latissimus_dorsi", "left")]
    assert rms_times_sqrt2(s.data[:, 0]) == pytest.approx(1000.0, rel=1e-3)
    with pytest.raises(InputError, match="'nope'"):
        read_recording(p, channels=[parse_channel_option("nope=lat:left")])
    with pytest.raises(InputError, match="'Force.Fz' is in 'N', not a voltage"):
        read_recording(p, channels=[parse_channel_option("Force.Fz=glute:right")])


def test_analyze_a_c3d_with_sling_roles(tmp_path):
    """analyze on a C3D: lat and opposite glute found by their labels, the pair compared, read as C3D."""
    rng = np.random.default_rng(4)
    n = int(10 * RATE)
    x = rng.normal(0, 1, (2, n)) * 5e-6  # 5 µV of noise, in volts
    for t in (2.0, 5.0, 8.0):
        a, b = int(t * RATE), int((t + 0.08) * RATE)
        x[0, a : a + int(RATE)] *= 40
        x[1, b : b + int(RATE)] *= 30
    p = str(tmp_path / "sling.c3d")
    write_with_ezc3d(p, ["L Lat.EMG1", "R Glute.EMG2", "Force.Fz"], np.vstack([x, np.zeros(n)]), RATE, ["V", "V", "N"])
    r = run_cli("analyze", p, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [c["name"] for c in out["channels"]] == ["L Lat.EMG1", "R Glute.EMG2"]
    (pair,) = out["pairs"]
    assert pair["median_onset_latency_ms"] == pytest.approx(80, abs=15)
    assert out["read_as"].startswith("C3D, 2 EMG of 3")


_TMP = tempfile.mkdtemp(prefix="emgcoach-c3d-fuzz-")
_SEED = os.path.join(_TMP, "seed.c3d")
write_with_ezc3d(_SEED, ["EMG1", "Force.Fx"], np.vstack([sine(1e-3, seconds=0.1), sine(1.0, seconds=0.1)]), RATE, ["V", "N"])
with open(_SEED, "rb") as _f:
    SEED = _f.read()


def test_a_c3d_cut_inside_its_parameters_says_so_without_parsing(tmp_path):
    """An interrupted copy: ezc3d reads on past the end of cut parameters (for minutes, or until memory runs
    out); the header's data start beyond the file's end says the file is cut, before any child runs."""
    p = tmp_path / "cut.c3d"
    p.write_bytes(SEED[:742])
    with mock.patch.object(c3d_reader.subprocess, "run", side_effect=AssertionError("parsed")):
        with pytest.raises(InputError) as e:
            read_recording(p)
    assert str(e.value).startswith(f"{p}: C3D file cut short (") and "the file ends at 742)" in str(e.value)


def test_a_first_byte_that_points_nowhere_is_not_a_c3d(tmp_path):
    p = tmp_path / "zero.c3d"
    p.write_bytes(b"\x00\x50" + bytes(600))  # the key byte, but the parameters 'at block 0'
    with pytest.raises(InputError) as e:
        read_recording(p)
    assert str(e.value) == f"{p}: not a C3D file (its first block lacks the C3D key byte 0x50)"


def test_a_c3d_whose_sizes_ask_for_gigabytes_is_one_line_without_taking_them(tmp_path):
    """A damaged dimension count (ANALOG:SCALE's, 1 -> 7) makes ezc3d ask for more than 12 GB: without the
    child's heap cap it took 12.6 GB of RAM and 9.5 s here before failing. Now: one line, a small child."""
    at = SEED.index(b"SCALE", SEED.index(b"GEN_SCALE") + len(b"GEN_SCALE")) + len(b"SCALE") + 3
    assert SEED[at] == 1  # the byte found is that parameter's number of dimensions
    data = bytearray(SEED)
    data[at] = 7
    p = tmp_path / "greedy.c3d"
    p.write_bytes(bytes(data))
    with pytest.raises(InputError) as e:
        read_recording(p)
    assert str(e.value) == f"{p}: damaged C3D file (its sizes ask for more memory than such a file can hold)"
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1_000_000  # KB: no child took 1 GB


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.sampled_from(["cut", "flip", "set", "insert", "delete"]),
                          st.integers(0, 255)), min_size=1, max_size=4))
def test_damaged_c3d_is_one_line(edits):
    """ezc3d crashes (SIGSEGV) or hangs on some of these; the reader runs it in a child, so each is one
    InputError line naming the file."""
    data = bytearray(SEED)
    for i, op, v in edits:
        i = min(i, max(len(data) - 1, 0))
        if op == "cut":
            del data[i:]
        elif op == "flip" and data:
            data[i] ^= 1 << (v % 8)
        elif op == "set" and data:
            data[i] = v
        elif op == "insert":
            data[i:i] = bytes([v]) * (1 + v % 9)
        else:
            del data[i : i + 1 + v % 16]
    p = os.path.join(_TMP, "fuzz.c3d")
    with open(p, "wb") as f:
        f.write(data)
    try:
        # a hang ends at the timeout all the same: 3 s, not 20, of a child looping (about 1 in 400 edits)
        with mock.patch.object(c3d_reader, "CHILD_TIMEOUT_S", 3.0):
            rec = read_recording(p)
    except InputError as e:
        assert str(e).startswith(p) and "\n" not in str(e)
        return
    for s in rec.streams:
        assert s.data.dtype == np.float32 and np.all(np.isfinite(s.data)) and s.info.rate_hz > 0
