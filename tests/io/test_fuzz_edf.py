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
from tests.io.damage import damaged, edits, read_or_one_line

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


# ---------------------------------------------------------------------------------- damaged annotations


def _annotation_offsets(data: bytes) -> list[int]:
    """Offsets of every byte of the annotation signals ('EDF Annotations', 'BDF Annotations'), in every data
    record."""
    ns = int(data[252:256])
    labels = [data[256 + 16 * i : 272 + 16 * i].decode().strip() for i in range(ns)]
    spr_at = 256 + ns * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80)
    spr = [int(data[spr_at + 8 * i : spr_at + 8 * (i + 1)]) for i in range(ns)]
    width = 3 if data[:1] == b"\xff" else 2
    starts = np.cumsum([0, *spr[:-1]]) * width
    record = sum(spr) * width
    return [256 * (ns + 1) + r * record + int(starts[i]) + b
            for r in range(int(data[236:244])) for i in range(ns) if labels[i] in ("EDF Annotations", "BDF Annotations")
            for b in range(spr[i] * width)]


def _annotated_bytes(fmt: str, old: bool) -> bytes:
    """A file whose annotations hold markers of every kind, long ones cut into continued pieces; in the
    JSON text or (old) the key=value text of files written before it."""
    from tests.io.old_edf import write_old_edf
    from tests.io.test_edf_annotations import EVERY_KIND, recording

    write = write_old_edf if old else write_edf
    return write(recording(EVERY_KIND, seconds=3.0, gaps=[(100, 20)]), _DIR / f"annotated.{fmt}", fmt=fmt).read_bytes()


ANNOTATED = {(fmt, old): _annotated_bytes(fmt, old) for fmt in ("edf", "bdf") for old in (False, True)}
ANNOTATION_AT = {k: _annotation_offsets(v) for k, v in ANNOTATED.items()}
TAL_BYTES = sorted(set(b'\x00\x14\x15+-.0123456789{}[]":, =%kindrepgapxyz\xc3\xa9\xff'))


def test_annotated_seeds_read_whole():
    for (fmt, old), data in ANNOTATED.items():
        path = _DIR / f"seed-{fmt}-{old}.{fmt}"
        path.write_bytes(data)
        kinds = {m.kind for m in read_edf(path).markers}
        assert len(kinds) == 11 and len(ANNOTATION_AT[fmt, old]) > 1000


@SETTINGS
@given(which=st.sampled_from(sorted(ANNOTATED)), changes=edits(TAL_BYTES, ops=("set",)), more=edits(TAL_BYTES),
       structural=st.booleans())
def test_damaged_annotations_read_or_say_so_in_one_line(which, changes, more, structural):
    """Bytes of the annotation signals overwritten (TAL delimiters, digits, JSON and key=value characters),
    or cut, inserted and deleted there: the file reads (every marker of a known kind) or raises one line
    naming it."""
    at = ANNOTATION_AT[which]
    placed = [(at[i % len(at)], op, v) for i, op, v in changes + (more if structural else [])]
    path = _DIR / f"ann-{which[0]}-{which[1]}.{which[0]}"
    path.write_bytes(damaged(ANNOTATED[which], placed))
    read_or_one_line(str(path), read_edf)
