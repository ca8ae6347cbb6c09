"""Units: parse_unit, the mV/V look of columns read as µV, and the `unit` option of the readers (a unit the
file states wins; the option applies to the columns that state none)."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.io.open import read_recording
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import likely_unit, parse_unit, unit_scale, unit_warnings
from emgcoach.io.xdf_writer import XdfWriter
from emgcoach.types import Block, ChannelSpec, StreamInfo

RATE = 1000.0


def emg_uv(seconds: float = 10.0, seed: int = 0) -> np.ndarray:
    """EMG-like noise in µV: 5 µV RMS at rest, 200 µV bursts of 1 s every 2.5 s."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    amp = np.full(n, 5.0)
    for a in range(1000, n - 1000, 2500):
        amp[a : a + 1000] = 200.0
    return rng.standard_normal(n) * amp


@pytest.mark.parametrize("text,unit", [("uV", "uV"), ("µV", "uV"), ("UV", "uV"), ("mv", "mV"), ("V", "V"),
                                       ("volts", "V"), (" millivolts ", "mV")])
def test_parse_unit(text, unit):
    assert parse_unit(text) == unit


def test_parse_unit_refuses_others():
    for bad in ("kV", "", "nV", "counts"):
        with pytest.raises(ValueError, match="give uV, mV or V"):
            parse_unit(bad)
    assert unit_scale(None) == 1.0 and unit_scale("mV") == 1e3 and unit_scale("V") == 1e6


def test_likely_unit_tells_mv_and_v_from_uv():
    x = emg_uv()
    assert likely_unit(x, RATE) is None
    unit, rms = likely_unit(x / 1e3, RATE)
    assert unit == "mV" and rms == pytest.approx(np.std(x) / 1e3, rel=0.1)
    assert likely_unit(x / 1e6, RATE)[0] == "V"
    assert likely_unit(1.65 + x / 1e6, RATE)[0] == "V"  # an ADC's mid-rail offset is not the signal


def test_likely_unit_needs_bursts_and_a_live_channel():
    rng = np.random.default_rng(1)
    assert likely_unit(rng.standard_normal(10_000) * 0.01, RATE) is None  # small, but steady: no bursts
    assert likely_unit(np.zeros(10_000), RATE) is None  # dead
    assert likely_unit(emg_uv() / 1e10, RATE) is None  # RMS 1.3e-8: 0.013 µV even as volts, nothing
    assert likely_unit(emg_uv(0.5) / 1e3, RATE) is None  # half a second: too short to tell


def test_unit_warnings_only_look_at_assumed_columns_and_group_by_unit():
    x = emg_uv()
    data = np.column_stack([x / 1e3, x / 1e3, x / 1e6, x]).astype(np.float32)
    info = StreamInfo("file", "f", "f.csv", RATE, tuple(ChannelSpec(n) for n in ("a", "b", "c", "d")))
    rec = Recording(path="f.csv", streams=[RecordedStream(info=info, data=data, unit_assumed=(0, 1, 2, 3))])
    lines = unit_warnings(rec)
    assert len(lines) == 2
    assert lines[0].startswith("f.csv: channels 'a', 'b' look like mV (RMS ") and lines[0].endswith("pass --unit mV")
    assert lines[1].startswith("f.csv: channel 'c' looks like V (RMS ") and lines[1].endswith("pass --unit V")
    stated = Recording(path="f.csv", streams=[RecordedStream(info=info, data=data, unit_assumed=())])
    assert unit_warnings(stated) == []


def _csv(path, header: str, x: np.ndarray) -> None:
    t = np.arange(len(x)) / RATE
    np.savetxt(path, np.column_stack([t, x]), delimiter=",", header=header, comments="", fmt="%.9g")


def test_csv_unit_option_applies_to_unlabelled_columns_only(tmp_path):
    x = emg_uv()
    p = tmp_path / "mixed.csv"
    _csv(p, "time,lat (mV),glute", np.column_stack([x / 1e3, x / 1e3]))
    plain = read_recording(p)
    assert plain.streams[0].unit_assumed == (1,)
    np.testing.assert_allclose(plain.streams[0].data[:, 0], x, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(plain.streams[0].data[:, 1], x / 1e3, rtol=1e-5, atol=1e-6)
    given = read_recording(p, unit="V")  # the stated mV wins for 'lat'; V applies to 'glute'
    assert given.streams[0].unit_assumed == ()
    np.testing.assert_allclose(given.streams[0].data[:, 0], x, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(given.streams[0].data[:, 1], x * 1e3, rtol=1e-5, atol=1.0)
    assert [c.name for c in given.streams[0].info.channels] == ["lat", "glute"]


def test_xdf_unit_option_applies_to_channels_without_a_unit(tmp_path):
    """Our own XDF files say microvolts; a channel without <unit> (another tool's file) takes the option."""
    p = tmp_path / "a.xdf"
    x = emg_uv(2.0)
    with XdfWriter(p) as w:
        sid = w.add_stream(StreamInfo("simulator", "s", "", RATE, (ChannelSpec("a"),)))
        w.write_block(sid, Block(x[:, None].astype(np.float32), 0.0, RATE))
    rec = read_recording(p, unit="mV")
    np.testing.assert_allclose(rec.streams[0].data[:, 0], x.astype(np.float32), rtol=1e-6)
    assert rec.streams[0].unit_assumed == ()
    text = p.read_bytes().replace(b"<unit>microvolts</unit>", b"<unit></unit>" + b" " * 10)  # chunk length kept
    q = tmp_path / "b.xdf"
    q.write_bytes(text)
    assert read_recording(q).streams[0].unit_assumed == (0,)
    np.testing.assert_allclose(read_recording(q, unit="mV").streams[0].data[:, 0], x * 1e3, rtol=1e-5)
