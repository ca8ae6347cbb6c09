"""Fuzz: random bytes and damaged valid files make read_recording raise InputError or succeed, nothing else."""

from __future__ import annotations

import io
import os
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io.open import read_recording
from emgcoach.io.xdf_writer import XdfWriter
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_TMP = tempfile.mkdtemp(prefix="emgcoach-fuzz-")


def _xdf_bytes() -> bytes:
    path = os.path.join(_TMP, "seed.xdf")
    info = StreamInfo("umyo", "u", "AA", 500.0, (ChannelSpec("lat_l", "latissimus_dorsi", "left"),
                                                  ChannelSpec("glute_r", "gluteus_maximus", "right")))
    with XdfWriter(path) as w:
        sid = w.add_stream(info)
        mid = w.add_marker_stream()
        for k in range(6):
            w.write_block(sid, Block(np.full((5, 2), k, np.float32), t0=k * 0.01, rate_hz=500.0, first_index=5 * k))
            w.write_marker(Marker(k * 0.01, "rep", {"n": k}), mid)
    with open(path, "rb") as f:
        return f.read()


def _csv_bytes() -> bytes:
    out = io.StringIO()
    out.write("time,lat_left,glute_right\n")
    for k in range(20):
        out.write(f"{k / 1000:.3f},{k * 1.5:.2f},{-k:.2f}\n")
    return out.getvalue().encode()


SEEDS = {
    ".xdf": _xdf_bytes(),
    ".csv": _csv_bytes(),
    ".txt": b"# Simple Text Format\n# Sampling Rate (Hz):= 1000.00\n# Resolution:= 12\n# Labels:= EMG\n"
    + b"".join(b"%d\n" % (2000 + k) for k in range(20)),
    ".openbci.txt": b"%OpenBCI Raw EEG Data\n%Number of channels = 2\n%Sample Rate = 200 Hz\n"
    b"%Board = OpenBCI_GUI$BoardGanglionBLE\nSample Index, EXG Channel 0, EXG Channel 1, Timestamp\n"
    + b"".join(b"%d, %d.5, -%d.25, 17000000%02d.5\n" % (k, k, k, k) for k in range(20)),
}


def _check(content: bytes, suffix: str, rate=None) -> None:
    path = os.path.join(_TMP, "fuzz" + suffix)
    with open(path, "wb") as f:
        f.write(content)
    try:
        rec = read_recording(path, rate_hz=rate)
    except InputError as e:
        assert str(e).startswith(path) and "\n" not in str(e)
        return
    for s in rec.streams:  # anything accepted is well-formed
        assert s.data.dtype == np.float32 and s.data.ndim == 2
        assert np.all(np.isfinite(s.data))
        assert s.info.rate_hz > 0


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from([".xdf", ".csv", ".txt", ".bin", ".xdfz"]))
def test_random_bytes(content, suffix):
    _check(content, suffix, rate=1000.0)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_after_xdf_magic(content):
    _check(b"XDF:" + content, ".xdf")


@st.composite
def mutated(draw):
    suffix = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[suffix])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "flip", "set", "insert", "delete"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "cut":
            del data[i:]
        elif op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[i] = draw(st.sampled_from([0, 1, 4, 8, 0xFF, ord(","), ord("\n"), ord("n")]))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=9))
        else:
            del data[i : i + draw(st.integers(1, 16))]
    return bytes(data), suffix


@SETTINGS
@given(mutated())
def test_mutated_valid_files(case):
    content, suffix = case
    _check(content, suffix)


@settings(max_examples=100, deadline=None)
@given(st.integers(4, len(SEEDS[".xdf"])))
def test_every_xdf_truncation_loads_a_prefix(n):
    path = os.path.join(_TMP, "cut.xdf")
    with open(path, "wb") as f:
        f.write(SEEDS[".xdf"][:n])
    try:
        rec = read_recording(path)
    except InputError as e:
        assert "no EMG stream" in str(e) or "XDF" in str(e)
        return
    d = rec.streams[0].data
    expect = np.repeat(np.arange(6, dtype=np.float32), 5)[: len(d)]
    assert np.array_equal(d[:, 0], expect)
