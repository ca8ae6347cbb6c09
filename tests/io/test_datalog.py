"""Biometrics DataLOG text exports: format, quirks (shorter EMG columns, trailing empty row), units, roles,
the goniometer kept apart from the EMG, and one-line InputErrors naming the file."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.analysis import analyze
from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride
from emgcoach.io.datalog import DATALOG_RATE_HZ, goniometer_trace, read_datalog
from emgcoach.io.export import export
from emgcoach.io.open import detect_format, read_recording
from emgcoach.stream.replay import replay_sources


def datalog_text(
    emg: np.ndarray,
    angle: np.ndarray | None = None,
    names: tuple[str, ...] = ("RF", "BF", "VM", "ST"),
    unit: str = "mV",
    angle_note: str = "no filters",
    angle_count: int | None = None,
) -> str:
    """A DataLOG export: `emg` (rows x channels, in `unit`) and an optional knee angle column (deg) that
    may run longer than the EMG (its cells then hold the angle only); ends with a row of empty cells."""
    n_emg, n_ch = emg.shape
    n_rows = max(n_emg, 0 if angle is None else len(angle))
    lines = ["File Name: test.log"]
    for j in range(n_ch):
        lines.append(f"Channel {j + 1}: '{names[j]}', {n_emg} values, engineering units: {unit}, no filters.")
    if angle is not None:
        count = len(angle) if angle_count is None else angle_count
        lines.append(f"Channel {n_ch + 1}: 'FX', {count} values, engineering units: deg, {angle_note}.")
    lines.append("")
    width = n_ch + (angle is not None)
    for i in range(n_rows):
        cells = [f"{v:.4f}" for v in emg[i]] if i < n_emg else [""] * n_ch
        if angle is not None:
            cells.append(f"{angle[i]:.1f}" if i < len(angle) else "")
        lines.append("\t".join(cells))
    lines.append("\t" * (width - 1))
    return "\n".join(lines) + "\n"


def bursts(n: int, n_ch: int = 4, seed: int = 0) -> np.ndarray:
    """EMG-like noise in mV: 5 µV at rest, 200 µV bursts of 0.5 s every 1.5 s."""
    rng = np.random.default_rng(seed)
    amp = np.full(n, 0.005)
    for a in range(500, n - 500, 1500):
        amp[a : a + 500] = 0.2
    return rng.standard_normal((n, n_ch)) * amp[:, None]


def test_reads_emg_in_uv_and_keeps_the_goniometer_apart(tmp_path):
    emg = bursts(4000)
    angle = np.linspace(0.0, 60.0, 4000)
    p = tmp_path / "walk.txt"
    p.write_text(datalog_text(emg, angle))
    assert detect_format(str(p)) == "datalog"
    rec = read_recording(p)
    (s,) = rec.streams
    assert s.info.rate_hz == DATALOG_RATE_HZ == 1000.0
    assert [c.name for c in s.info.channels] == ["RF", "BF", "VM", "ST"]
    assert [c.muscle for c in s.info.channels] == ["rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"]
    assert {c.side for c in s.info.channels} == {"none"}
    np.testing.assert_allclose(s.data, np.round(emg, 4) * 1e3, atol=1e-3)  # mV -> µV
    assert s.unit_assumed == ()  # the header states mV
    t, deg = goniometer_trace(rec)
    assert len(t) == len(deg) == 4000 and t[0] == 0.0 and t[-1] == pytest.approx(3.999)
    np.testing.assert_allclose(deg, np.round(angle, 1), atol=1e-4)
    assert rec.references[0].info.channels[0].unit == "deg"


def test_shorter_emg_columns_and_an_extrapolated_goniometer(tmp_path):
    """The 5Nmar quirk: EMG columns stop before the goniometer's, whose header counts its own 50 Hz values
    'extrapolated from 50 to 1000 samples per second'."""
    emg = bursts(3983)
    angle = np.repeat(np.arange(200, dtype=float), 20)  # 200 values at 50 Hz held for 20 rows each
    p = tmp_path / "5N.txt"
    p.write_text(datalog_text(emg, angle, angle_count=200,
                              angle_note="no filters, extrapolated from 50 to 1000 samples per second"))
    rec = read_datalog(p)
    assert rec.streams[0].n_samples == 3983 and rec.duration_s == pytest.approx(3.983)
    assert rec.streams[0].info.extra["rate_source"].startswith("header")
    t, deg = goniometer_trace(rec)
    assert len(deg) == 4000 and deg[-1] == 199.0
    assert rec.references[0].info.extra["source_rate_hz"] == "50"


def test_rate_option_overrides_the_default(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text(datalog_text(bursts(3000), np.zeros(3000)))
    rec = read_recording(p, rate_hz=2000.0)
    assert rec.streams[0].info.rate_hz == 2000.0 and rec.references[0].info.rate_hz == 2000.0
    assert rec.duration_s == pytest.approx(1.5)
    assert goniometer_trace(rec)[0][-1] == pytest.approx(2999 / 2000)


def test_spanish_names_roles_and_overrides(tmp_path):
    names = ("Recto Femoral", "Biceps Femoral", "Vasto Medial", "EMG Semitendinoso")
    p = tmp_path / "es.txt"
    p.write_text(datalog_text(bursts(2000), names=names))
    rec = read_recording(p, channels=[ChannelOverride(1, "biceps_femoris", "left")])
    specs = rec.streams[0].info.channels
    assert [c.muscle for c in specs] == ["rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"]
    assert specs[1].side == "left" and specs[0].side == "none"
    assert rec.references == []
    with pytest.raises(InputError, match="goniometer"):
        goniometer_trace(rec)


def test_accented_names_in_cp1252(tmp_path):
    text = datalog_text(bursts(2000), names=("Recto Femoral", "Bíceps Femoral", "Vasto Medial", "ST"))
    p = tmp_path / "cp.txt"
    p.write_bytes(text.encode("cp1252"))
    assert detect_format(str(p)) == "datalog"
    assert read_recording(p).streams[0].info.channels[1].name == "Bíceps Femoral"


@pytest.mark.parametrize("unit,scale", [("uV", 1.0), ("µV", 1.0), ("mV", 1e3), ("V", 1e6)])
def test_stated_units_are_converted_and_win_over_the_option(tmp_path, unit, scale):
    emg = bursts(2000) * 10
    p = tmp_path / "u.txt"
    p.write_text(datalog_text(emg, unit=unit), encoding="utf-8")
    rec = read_recording(p, unit="V")  # the header says its unit: --unit does not apply
    np.testing.assert_allclose(rec.streams[0].data, np.round(emg, 4) * scale, rtol=1e-5, atol=1e-3)


def test_an_empty_unit_takes_the_option_or_is_assumed_uv(tmp_path):
    emg = bursts(2000)
    p = tmp_path / "nounit.txt"
    p.write_text(datalog_text(emg, unit=""))
    plain = read_recording(p)
    np.testing.assert_allclose(plain.streams[0].data, np.round(emg, 4), atol=1e-6)
    assert plain.streams[0].unit_assumed == (0, 1, 2, 3)
    given = read_recording(p, unit="mV")
    np.testing.assert_allclose(given.streams[0].data, np.round(emg, 4) * 1e3, atol=1e-3)
    assert given.streams[0].unit_assumed == ()


def test_the_goniometer_is_not_analysed_exported_or_replayed_as_emg(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(datalog_text(bursts(6000), np.linspace(0, 90, 6000)))
    rec = read_recording(p)
    result = analyze(rec)
    assert [c.spec.name for c in result.channels] == ["RF", "BF", "VM", "ST"]
    assert all(c.onsets_s for c in result.channels)
    written = export(rec, "csv", str(tmp_path / "out.csv"))
    back = read_recording(written)
    assert back.streams[0].info.n_channels == 4
    np.testing.assert_allclose(back.streams[0].data, rec.streams[0].data, atol=0.01)
    _clock, sources = replay_sources(rec, speed=1.0)
    assert len(sources) == 1 and sources[0].info.n_channels == 4


def _lines(emg_rows: list[str], header: list[str] | None = None) -> str:
    header = header if header is not None else [
        "File Name: x.log",
        "Channel 1: 'RF', 3 values, engineering units: mV, no filters.",
        "Channel 2: 'FX', 3 values, engineering units: deg, no filters.",
    ]
    return "\n".join([*header, "", *emg_rows, "\t"]) + "\n"


GOOD_ROWS = ["0.01\t1.0", "0.02\t1.1", "0.03\t1.2"]


@pytest.mark.parametrize(
    "content,problem",
    [
        (_lines(GOOD_ROWS[:2]), r"column 'RF' holds 2 values, its header line says 3 \(file cut short\?\)"),
        (_lines([*GOOD_ROWS, "0.04\t1.3"]), "column 'RF' holds 4 values, its header line says 3$"),
        (_lines(["0.01\t1.0", "abc\t1.1", "0.03\t1.2"]), r"line 6, column 'RF': 'abc' is not a number"),
        (_lines(["0.01\t1.0", "nan\t1.1", "0.03\t1.2"]), "line 6, column 'RF': 'nan' is not a finite number"),
        (_lines(["0.01\t1.0", "0.02", "0.03\t1.2"]), r"line 6 has 1 cell\(s\), the header lists 2 channel\(s\)"),
        (_lines(["0.01\t1.0", "\t1.1", "0.03\t1.2"]), "column 'RF': empty cell at line 6, yet a value at line 7"),
        (_lines(GOOD_ROWS, ["File Name: x.log", "Channel 1: 'RF', three values"]), "header line 2 is not"),
        (_lines(GOOD_ROWS, ["File Name: x.log"]), "without 'Channel N: ...' header lines"),
        (_lines([], None), "without samples after its header"),
        (_lines(["1.0", "1.1", "1.2"], ["File Name: x", "Channel 2: 'FX', 3 values, engineering units: deg, x."]),
         r"no EMG \(voltage\) column; found only FX \(deg\)"),
        (_lines(["0.01\t0.1", "0.02\t0.2", "0.03\t"], [
            "File Name: x",
            "Channel 1: 'RF', 3 values, engineering units: mV, no filters.",
            "Channel 2: 'BF', 2 values, engineering units: mV, no filters.",
        ]), r"EMG columns hold different numbers of values \(RF 3, BF 2\)"),
        (_lines(GOOD_ROWS, [
            "File Name: x",
            "Channel 1: 'RF', 3 values, engineering units: mV, no filters.",
            "Channel 2: 'RF', 3 values, engineering units: deg, no filters.",
        ]), "names a channel twice"),
        (_lines(GOOD_ROWS, [
            "File Name: x",
            "Channel 1: 'RF', 3 values, engineering units: mV, no filters.",
            "Channel 2: 'FX', 1 values, engineering units: deg, no filters, extrapolated from 0 to 1000 samples per second.",
        ]), "extrapolated from 0 to 1000"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(tmp_path, content, problem):
    p = tmp_path / "bad.txt"
    p.write_text(content)
    with pytest.raises(InputError, match=problem) as ei:
        read_recording(p)
    assert str(ei.value).startswith(f"{p}: ") and "\n" not in str(ei.value)


def test_good_rows_of_the_bad_file_table_read(tmp_path):
    """The table above is built on a valid file: it reads, so each bad case fails for its own reason."""
    p = tmp_path / "good.txt"
    p.write_text(_lines(GOOD_ROWS))
    rec = read_recording(p)
    np.testing.assert_allclose(rec.streams[0].data[:, 0], [10.0, 20.0, 30.0], atol=1e-4)
    np.testing.assert_allclose(goniometer_trace(rec)[1], [1.0, 1.1, 1.2], atol=1e-6)


def test_bad_rate_and_unit(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text(_lines(GOOD_ROWS))
    with pytest.raises(InputError, match="sample rate must be a positive number"):
        read_recording(p, rate_hz=-1.0)
    with pytest.raises(InputError, match="unit 'kV': give uV, mV or V"):
        read_recording(p, unit="kV")


def test_windows_line_ends_read_the_same(tmp_path):
    text = datalog_text(bursts(2000), np.linspace(0, 30, 2100))
    unix, windows = tmp_path / "lf.txt", tmp_path / "crlf.txt"
    unix.write_bytes(text.encode())
    windows.write_bytes(text.replace("\n", "\r\n").encode())
    a, b = read_recording(unix), read_recording(windows)
    assert np.array_equal(a.streams[0].data, b.streams[0].data) and a.streams[0].n_samples == 2000
    assert np.array_equal(goniometer_trace(a)[1], goniometer_trace(b)[1])
