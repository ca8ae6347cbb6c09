"""CSV reader: time column, --rate, units, roles, bad files, speed."""

from __future__ import annotations


import numpy as np
import pytest

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride, guess_role, parse_channel_option
from emgcoach.io.csv_reader import read_csv
from emgcoach.io.open import read_recording


def write_csv(path, header, rows, fmt="%.6f", delim=","):
    with open(path, "w") as f:
        f.write(delim.join(header) + "\n")
        np.savetxt(f, rows, fmt=fmt, delimiter=delim)


def test_time_column_gives_rate_and_gaps(tmp_path):
    p = tmp_path / "a.csv"
    t = np.arange(3000) / 2000.0
    keep = np.r_[0:1000, 1010:3000]  # 10 samples lost
    x = np.column_stack([np.sin(t * 50) * 100, np.cos(t * 30) * 50])
    write_csv(p, ["time_s", "lat_left", "glute_right"], np.column_stack([t[keep] + 12.5, x[keep]]))
    rec = read_recording(p)
    (s,) = rec.streams
    assert s.info.rate_hz == 2000.0
    assert s.gaps == [(1000, 10)]
    assert s.t0 == 0.0 and abs(s.timestamps[1000] - 1010 / 2000) < 1e-9
    assert np.allclose(s.data, x[keep], atol=1e-5)
    assert s.data.dtype == np.float32
    assert [(c.muscle, c.side) for c in s.info.channels] == [("latissimus_dorsi", "left"), ("gluteus_maximus", "right")]
    assert abs(s.duration_s - 1.5) < 1e-9


def test_rate_option_without_time_column_and_mv_units(tmp_path):
    p = tmp_path / "b.csv"
    x = np.random.default_rng(0).normal(size=(500, 2))
    write_csv(p, ["EMG1_mV", "glute L (mV)"], x)
    with pytest.raises(InputError, match=r"b.csv: no time column: give its sample rate \(--rate\)"):
        read_recording(p)
    rec = read_recording(p, rate_hz=1000)
    s = rec.streams[0]
    assert s.info.rate_hz == 1000.0
    assert np.allclose(s.data, x * 1000, rtol=1e-5, atol=1e-3)
    assert [c.name for c in s.info.channels] == ["EMG1", "glute L"]
    assert s.info.channels[1].muscle == "gluteus_maximus" and s.info.channels[1].side == "left"
    rec2 = read_csv(p, rate_hz=1000, channels=[ChannelOverride(0, "latissimus_dorsi", "right")])
    assert rec2.streams[0].info.channels[0].muscle == "latissimus_dorsi"
    with pytest.raises(InputError, match="b.csv: channel override 2"):
        read_csv(p, rate_hz=1000, channels=[parse_channel_option("2:lat:l")])


def test_ms_time_column_semicolons(tmp_path):
    p = tmp_path / "c.csv"
    t = np.arange(100) * 1.0  # ms -> 1 kHz
    write_csv(p, ["timestamp_ms", "a"], np.column_stack([t, t]), delim=";")
    rec = read_recording(p)
    assert rec.streams[0].info.rate_hz == 1000.0


@pytest.mark.parametrize(
    "content,match",
    [
        ("time,a\n0,1\n0.001,nan\n0.002,3\n0.003,inf\n", r"2 NaN/infinite sample value\(s\); first at data row 2, column 'a'"),
        ("time,a\n0,1\n0.001,x\n", "bad data"),
        ("time,a,b\n0,1,2\n0.001,1\n", "bad data"),
        ("time,a\n0,1\n0,2\n", "does not increase at row 2"),
        ("time,a\n", "no data rows"),
        ("time\n0\n0.001\n", "no channel columns"),
        ("\n\n", "no header row"),
    ],
)
def test_bad_csv(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(InputError, match=match) as ei:
        read_recording(p)
    assert str(ei.value).startswith(str(p))


def test_bad_rate(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("a\n1\n2\n")
    for bad in (0, -5, float("nan")):
        with pytest.raises(InputError, match="r.csv: sample rate must be a positive number"):
            read_recording(p, rate_hz=bad)


def test_parse_channel_option():
    assert parse_channel_option("0:latissimus_dorsi:left") == ChannelOverride(0, "latissimus_dorsi", "left")
    assert parse_channel_option("1:glute:r") == ChannelOverride(1, "gluteus_maximus", "right")
    assert parse_channel_option(" 3 : LAT : L ") == ChannelOverride(3, "latissimus_dorsi", "left")
    for bad in ("0:lat", "x:lat:left", "-1:lat:left", "0:knee:left", "0:lat:up", "0:lat:left:x"):
        with pytest.raises(ValueError) as ei:
            parse_channel_option(bad)
        assert "\n" not in str(ei.value) and repr(bad) in str(ei.value)


def test_guess_role():
    assert guess_role("lat_left") == ("latissimus_dorsi", "left")
    assert guess_role("Glute R") == ("gluteus_maximus", "right")
    assert guess_role("glute_med_l") == ("gluteus_medius", "left")
    assert guess_role("EMG1") == ("other", "none")
    assert guess_role("lateral") == ("other", "none")


def test_four_channels_at_2khz_with_time_column(tmp_path):
    """A 2 kHz, 4-channel CSV with a time column: rate found, no gaps, values as written.
    (How fast a 10-minute file reads is measured in benchmarks/recording.py, not here.)"""
    p = tmp_path / "big.csv"
    n = 20 * 2000
    t = np.arange(n) / 2000.0
    x = np.random.default_rng(1).normal(0, 50, (n, 4))
    with open(p, "w") as f:
        f.write("time,lat_left,lat_right,glute_left,glute_right\n")
        np.savetxt(f, np.column_stack([t, x]), fmt=["%.4f"] + ["%.2f"] * 4, delimiter=",")
    rec = read_recording(p)
    (s,) = rec.streams
    assert s.n_samples == n and s.info.rate_hz == 2000.0 and s.gaps == []
    np.testing.assert_allclose(s.data, np.round(x, 2), atol=1e-3)
    assert [(c.muscle, c.side) for c in s.info.channels][::3] == [("latissimus_dorsi", "left"), ("gluteus_maximus", "right")]