"""Fuzz the DataLOG reader: damaged exports give InputError naming the file (one line) or a well-formed
Recording; generated well-formed exports read back exactly, goniometer included."""

from __future__ import annotations

import os
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io.datalog import goniometer_trace
from emgcoach.io.open import read_recording

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_TMP = tempfile.mkdtemp(prefix="emgcoach-fuzz-datalog-")

# a 5Nmar-like seed: EMG columns shorter than the extrapolated goniometer's, then a row of empty cells
SEED = (
    "File Name: 5Nmar.log\n"
    "Channel 1: 'RF', 6 values, engineering units: mV, no filters.\n"
    "Channel 2: 'EMG Semitendinoso', 6 values, engineering units: mV, no filters.\n"
    "Channel 3: 'FX', 2 values, engineering units: deg, no filters, extrapolated from 50 to 200 samples per second.\n"
    "\n"
    + "".join(f"{0.001 * k:.4f}\t{-0.002 * k:.4f}\t{30 + k / 10:.1f}\n" for k in range(6))
    + "\t\t30.6\n\t\t30.7\n\t\t\n"
).encode()


def _check(content: bytes) -> None:
    path = os.path.join(_TMP, "fuzz.txt")
    with open(path, "wb") as f:
        f.write(content)
    try:
        rec = read_recording(path)
    except InputError as e:
        assert str(e).startswith(path + ": ") and "\n" not in str(e)
        return
    for s in [*rec.streams, *rec.references]:  # anything accepted is well-formed
        assert s.data.dtype == np.float32 and s.data.ndim == 2 and s.n_samples > 0
        assert np.all(np.isfinite(s.data)) and s.info.rate_hz > 0


def test_the_seed_reads() -> None:
    path = os.path.join(_TMP, "seed.txt")
    with open(path, "wb") as f:
        f.write(SEED)
    rec = read_recording(path)
    assert rec.streams[0].n_samples == 6 and rec.streams[0].info.rate_hz == 200.0
    assert len(goniometer_trace(rec)[1]) == 8


@st.composite
def mutated(draw):
    data = bytearray(SEED)
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
            data[i] = draw(st.sampled_from([0, ord("\t"), ord("\n"), ord("\r"), ord("'"), ord(","), ord("9"), 0xE9]))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=9))
        else:
            del data[i : i + draw(st.integers(1, 16))]
    return bytes(data)


@SETTINGS
@given(mutated())
def test_mutated_exports(content: bytes) -> None:
    _check(content)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_after_the_header_start(content: bytes) -> None:
    _check(b"File Name: x.log\n" + content)


@st.composite
def exports(draw):
    """A well-formed export: 1-6 EMG columns in one unit, an optional longer goniometer column."""
    n_ch = draw(st.integers(1, 6))
    n = draw(st.integers(1, 60))
    unit, scale = draw(st.sampled_from([("mV", 1e3), ("uV", 1.0), ("V", 1e6)]))
    values = draw(st.lists(st.integers(-9999, 9999), min_size=n * n_ch, max_size=n * n_ch))
    emg = np.array(values, dtype=float).reshape(n, n_ch) / 10_000
    extra = draw(st.integers(0, 20)) if draw(st.booleans()) else None
    lines = ["File Name: gen.log"]
    lines += [f"Channel {j + 1}: 'C{j}', {n} values, engineering units: {unit}, no filters." for j in range(n_ch)]
    angle = None
    if extra is not None:
        angle = np.arange(n + extra) / 10.0
        lines.append(f"Channel {n_ch + 1}: 'FX', {n + extra} values, engineering units: deg, no filters.")
    lines.append("")
    for i in range(n if angle is None else len(angle)):
        cells = [f"{v:.4f}" for v in emg[i]] if i < n else [""] * n_ch
        lines.append("\t".join(cells + ([] if angle is None else [f"{angle[i]:.1f}"])))
    lines.append("\t" * (n_ch - (angle is None)))
    return "\n".join(lines) + "\n", emg * scale, angle


@SETTINGS
@given(exports())
def test_generated_exports_read_back(case) -> None:
    text, emg_uv, angle = case
    path = os.path.join(_TMP, "gen.txt")
    with open(path, "w") as f:
        f.write(text)
    rec = read_recording(path)
    np.testing.assert_allclose(rec.streams[0].data, emg_uv, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(emg_uv).max()))
    if angle is None:
        assert rec.references == []
    else:
        np.testing.assert_allclose(goniometer_trace(rec)[1], angle, atol=1e-5)
