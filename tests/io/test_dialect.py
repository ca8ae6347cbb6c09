"""Delimited text in any common dialect (issue 16): comma, semicolon or tab, decimal point or comma, with or
without a time column or header, after an export's preamble; detected by io.dialect and said in one line."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io.dialect import Dialect, detect_dialect
from emgcoach.io.open import read_recording
from tests.cli_run import run_cli

_TMP = tempfile.mkdtemp(prefix="emgcoach-dialect-")


def write_table(path: str, values: np.ndarray, sep: str, dec: str, names: list[str] | None,
                preamble: list[str] = (), times: np.ndarray | None = None, time_name: str = "Time") -> None:
    """A table as a spreadsheet would save it: `sep` between cells, `dec` as the decimal mark."""
    def num(x: float) -> str:
        text = repr(float(x))
        return text.replace(".", ",") if dec == "," else text

    rows = list(preamble)
    if names is not None:
        rows.append(sep.join(([time_name] if times is not None else []) + names))
    for k, row in enumerate(values):
        cells = ([num(times[k])] if times is not None else []) + [num(v) for v in row]
        rows.append(sep.join(cells))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(rows) + "\r\n")


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("dec", [".", ","])
@pytest.mark.parametrize("with_time", [True, False])
def test_every_dialect_reads_the_same_microvolts(tmp_path, sep, dec, with_time):
    if sep == dec:
        pytest.skip("a comma cannot be both")
    rng = np.random.default_rng(7)
    x = np.round(rng.normal(0, 50, (300, 3)), 3)
    t = np.arange(300) / 2000.0 + 12.5 if with_time else None  # a clock that does not start at 0
    p = str(tmp_path / "t.csv")
    write_table(p, x, sep, dec, ["lat_left", "glute_right", "EMG 3"], times=t)
    rec = read_recording(p, rate_hz=None if with_time else 2000.0)
    s = rec.streams[0]
    assert s.info.rate_hz == 2000.0
    np.testing.assert_allclose(s.data, x, atol=1e-4)
    assert [c.name for c in s.info.channels] == ["lat_left", "glute_right", "EMG 3"]
    assert s.info.channels[0].muscle == "latissimus_dorsi" and s.info.channels[1].side == "right"
    sep_name = {",": "','", ";": "';'", "\t": "tab"}[sep]
    decimal = "comma" if dec == "," else "point"
    time_part = "time column 'Time'" if with_time else "no time column"
    assert s.info.extra["read_as"] == f"{sep_name}-separated, decimal {decimal}, {time_part}"


def test_european_file_of_the_issue(tmp_path):
    """The issue's file: ';' and decimal commas gave "could not convert string '0,000'"; now 1 mV of sine
    in a '(mV)' column reads 1000 µV amplitude (707 µV RMS)."""
    t = np.arange(2000) / 1000.0
    x = np.sin(2 * np.pi * 50 * t)[:, None]  # mV
    p = str(tmp_path / "eu.csv")
    write_table(p, x, ";", ",", ["Lat L (mV)"], times=t, time_name="Zeit")
    with open(p, encoding="utf-8") as f:
        assert f.readlines()[1].startswith("0,0;0,0")
    s = read_recording(p, rate_hz=1000.0).streams[0]
    assert [c.name for c in s.info.channels] == ["Zeit", "Lat L"]
    assert np.sqrt(np.mean(s.data[:, 1].astype(float) ** 2)) == pytest.approx(707.1, abs=0.5)
    assert s.info.channels[1].muscle == "latissimus_dorsi" and s.info.channels[1].side == "left"
    assert s.info.extra["read_as"] == "';'-separated, decimal comma, no time column"  # 'Zeit' is no time name


def test_preamble_lines_are_skipped_and_counted(tmp_path):
    """An export's metadata lines above the header (as MR3 and lab software write them) are skipped."""
    p = str(tmp_path / "pre.csv")
    write_table(p, np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), ";", ",", ["a", "b"],
                preamble=["Record name;Trial 3", "Date;12.03.2024", "Rate;1000 Hz"], times=np.array([0, 0.001, 0.002]))
    s = read_recording(p).streams[0]
    np.testing.assert_array_equal(s.data, [[1, 2], [3, 4], [5, 6]])
    assert s.info.extra["read_as"].endswith("time column 'Time', 3 preamble line(s) skipped")


def test_headerless_and_trailing_separator(tmp_path):
    p = str(tmp_path / "bare.txt")
    with open(p, "w") as f:
        f.write("1,5;2,5;\n3,5;4,5;\n5,5;6,5;\n")
    s = read_recording(p, rate_hz=500.0).streams[0]
    np.testing.assert_array_equal(s.data, [[1.5, 2.5], [3.5, 4.5], [5.5, 6.5]])
    assert s.info.extra["read_as"] == "';'-separated, decimal comma, no time column, no header row"


def test_detector_decisions():
    d = detect_dialect(["x,y", "1,2", "3,4"])
    assert (d.separator, d.decimal, d.header_line, d.data_line) == (",", ".", 0, 1)
    d = detect_dialect(["x;y", "1;2", "3;4"])  # integers: either mark reads them; the point wins
    assert (d.separator, d.decimal) == (";", ".")
    d = detect_dialect(["x\ty", "1,25\t2", "3\t4,5"])
    assert (d.separator, d.decimal) == ("\t", ",")
    d = detect_dialect(["# comment", "", "1 2 3", "4 5 6"])
    assert (d.separator, d.header_line, d.data_line) == (" ", None, 2)
    assert detect_dialect(["a,b", "x,y"]) is None
    assert detect_dialect([]) is None
    assert Dialect(";", ",", 0, 1).number("-1,5e3") == -1500.0 and Dialect(";", ",", 0, 1).number("1.5") == 1.5


def test_analyze_says_how_it_read_the_file(tmp_path):

    rng = np.random.default_rng(1)
    t = np.arange(4000) / 1000.0
    x = rng.normal(0, 20, (4000, 2))
    p = str(tmp_path / "eu.csv")
    write_table(p, np.round(x, 3), ";", ",", ["lat_left", "glute_right"], times=t)
    r = run_cli("analyze", p)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "read as ';'-separated, decimal comma, time column 'Time'"


@st.composite
def tables(draw):
    sep, dec = draw(st.sampled_from([(",", "."), (";", "."), (";", ","), ("\t", "."), ("\t", ",")]))
    n_rows = draw(st.integers(2, 30))
    n_cols = draw(st.integers(1, 5))
    values = draw(st.lists(st.lists(st.floats(-1e5, 1e5, allow_nan=False, width=32), min_size=n_cols, max_size=n_cols),
                           min_size=n_rows, max_size=n_rows))
    header = draw(st.booleans())
    return sep, dec, np.array(values, dtype=np.float64), header


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_any_dialect_round_trips(case):
    """Whatever the dialect, values come back exactly (a one-column file has no separator to show)."""
    sep, dec, values, header = case
    if values.shape[1] == 1 and dec == "," and not header:
        header = True  # `0,5` alone is two columns to any reader; a header says it is one
    p = os.path.join(_TMP, "rt.csv")
    names = [f"EMG{k}" for k in range(values.shape[1])] if header else None
    write_table(p, values, sep, dec, names)
    s = read_recording(p, rate_hz=1000.0).streams[0]
    np.testing.assert_allclose(s.data, values.astype(np.float32), rtol=1e-6, atol=1e-3)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet="0123456789,;.\t -eE#ab\"\n", max_size=30), min_size=1, max_size=12))
def test_random_text_is_read_or_refused_in_one_line(lines):
    p = os.path.join(_TMP, "fuzz.csv")
    with open(p, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    try:
        rec = read_recording(p, rate_hz=1000.0)
    except InputError as e:
        assert str(e).startswith(p) and "\n" not in str(e)
        return
    for s in rec.streams:
        assert s.data.dtype == np.float32 and np.all(np.isfinite(s.data))
