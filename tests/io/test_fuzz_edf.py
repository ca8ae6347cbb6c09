"""Fuzz read_edf: random bytes, truncations and byte mutations of a valid EDF+ raise only InputError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io.edf import read_edf, write_edf
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import ChannelSpec, Marker, StreamInfo

_DIR = Path(tempfile.mkdtemp(prefix="emgcoach-fuzz-edf-"))


def _valid_bytes(fmt: str) -> bytes:
    rng = np.random.default_rng(3)
    info = StreamInfo("umyo", "f", "", 500.0, (ChannelSpec("lat", "latissimus_dorsi", "left"),
                                               ChannelSpec("glute", "gluteus_maximus", "right")))
    rec = Recording("f", [RecordedStream(info, rng.normal(0, 50, (1500, 2)).astype(np.float32), gaps=[(700, 50)])],
                    [Marker(0.5, "rep", {"n": 1}), Marker(2.0, "note", {"text": "x"})])
    return write_edf(rec, _DIR / f"valid.{fmt}", fmt=fmt).read_bytes()


VALID = {"edf": _valid_bytes("edf"), "bdf": _valid_bytes("bdf")}
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes, name: str) -> None:
    path = _DIR / name
    path.write_bytes(data)
    try:
        read_edf(path)
    except InputError as e:
        assert str(path) in str(e)
        assert "\n" not in str(e)


def test_valid_files_read():
    for fmt, data in VALID.items():
        path = _DIR / f"ok.{fmt}"
        path.write_bytes(data)
        rec = read_edf(path)
        assert rec.streams[0].data.shape[1] == 2


@SETTINGS
@given(st.binary(min_size=0, max_size=4096))
def test_random_bytes(data):
    _check(data, "random.edf")


@SETTINGS
@given(st.binary(min_size=0, max_size=300))
def test_random_bytes_with_edf_magic(tail):
    _check(b"0       " + tail, "magic.edf")
    _check(b"\xffBIOSEMI" + tail, "magic.bdf")


@SETTINGS
@given(fmt=st.sampled_from(["edf", "bdf"]), cut=st.floats(0.0, 1.0, exclude_max=True))
def test_truncations(fmt, cut):
    data = VALID[fmt]
    _check(data[: int(len(data) * cut)], f"trunc.{fmt}")


@SETTINGS
@given(
    fmt=st.sampled_from(["edf", "bdf"]),
    edits=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
    header_only=st.booleans(),
)
def test_byte_mutations(fmt, edits, header_only):
    data = bytearray(VALID[fmt])
    header_len = int(data[184:192].decode().strip())
    span = header_len if header_only else len(data)
    for where, value in edits:
        data[int(where * span)] = value
    _check(bytes(data), f"mut.{fmt}")


@pytest.mark.parametrize("field", [(236, 8), (244, 8), (252, 4), (184, 8)])
@pytest.mark.parametrize("value", [b"-1", b"0", b"99999999", b"abc", b"1e9"])
def test_header_number_fields(field, value):
    """Records count, record duration, signal count and header size set to absurd values."""
    data = bytearray(VALID["edf"])
    at, width = field
    data[at : at + width] = value.ljust(width)[:width]
    _check(bytes(data), "field.edf")
