"""EDF+/BDF+ export and reading: values within the quantisation step, annotations, gaps, roles, errors."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime

import numpy as np
import pyedflib
import pytest

from emgcoach.errors import InputError
from emgcoach.io.edf import choose_format, read_edf, write_edf
from emgcoach.io.edf_writer import _record_duration
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import ChannelSpec, Marker, StreamInfo

RATE = 2000.0
N = 20_000  # 10 s
GAP_AT, GAP_N = 6000, 400  # absolute index 6000 (3.0 s), 0.2 s lost
T0 = 50.0


def make_recording(amp_lat: float = 300.0, extra: dict | None = None) -> Recording:
    rng = np.random.default_rng(1)
    t = np.arange(N) / RATE
    lat = amp_lat * np.sin(2 * np.pi * 60 * t) + rng.normal(0, 15, N)
    glute = 120 * np.sin(2 * np.pi * 95 * t + 0.3) + rng.normal(0, 10, N)
    data = np.stack([lat, glute], axis=1).astype(np.float32)
    info = StreamInfo(
        kind="umyo",
        name="pair",
        address="",
        rate_hz=RATE,
        channels=(
            ChannelSpec("lat_left", "latissimus_dorsi", "left"),
            ChannelSpec("glute_right", "gluteus_maximus", "right"),
        ),
        extra=extra or {},
    )
    stream = RecordedStream(info=info, data=data, t0=T0, first_index=0, gaps=[(GAP_AT, GAP_N)])
    markers = [
        Marker(T0 + 1.0, "drill_start", {"drill": "bird_dog"}),
        Marker(T0 + 2.5005, "rep", {"n": 1}),
        Marker(T0 + 7.25, "note", {"text": "cue: brace"}),
        Marker(T0 + 9.0, "drill_end", {}),
    ]
    return Recording(path="made-in-test", streams=[stream], markers=markers)


def expected_timeline(rec: Recording) -> np.ndarray:
    s = rec.streams[0]
    full = np.zeros((s.n_samples + GAP_N, 2), np.float32)
    full[:GAP_AT] = s.data[:GAP_AT]
    full[GAP_AT + GAP_N :] = s.data[GAP_AT:]
    return full


@pytest.mark.parametrize("fmt,bits", [("edf", 16), ("bdf", 24)])
def test_export_values_annotations_gap(tmp_path, fmt, bits):
    rec = make_recording()
    out = write_edf(rec, tmp_path / f"x.{fmt}", fmt=fmt)
    assert out.exists()
    exp = expected_timeline(rec)
    with pyedflib.EdfReader(str(out)) as r:
        assert r.signals_in_file == 2
        assert r.getSignalLabels() == ["EMG lat L", "EMG glute R"]
        assert r.getTransducer(0) == "surface EMG electrode"
        assert r.getPhysicalDimension(0) == "uV"
        assert r.getPrefilter(0) == ""  # raw data: no prefilter claimed
        assert r.getSampleFrequency(0) == RATE
        assert r.getDigitalMaximum(0) == 2 ** (bits - 1) - 1
        assert r.getDigitalMinimum(0) == -(2 ** (bits - 1) - 1)  # symmetric: 0 uV is code 0
        for ch in range(2):
            x = r.readSignal(ch)
            pmax, pmin = r.getPhysicalMaximum(ch), r.getPhysicalMinimum(ch)
            assert pmax == -pmin and pmax > np.abs(exp[:, ch]).max()
            step = (pmax - pmin) / (2**bits - 1)
            n = exp.shape[0]
            err = np.abs(x[:n] - exp[:, ch])
            assert err.max() <= step, (err.max(), step)
            assert err.max() <= 0.5 * step * 1.001  # we round to nearest
            # the gap: zeros at exactly the lost positions, samples after it not shifted
            np.testing.assert_array_equal(r.readSignal(ch, digital=True)[GAP_AT : GAP_AT + GAP_N], 0)
            assert np.abs(x[GAP_AT : GAP_AT + GAP_N]).max() < 1e-9
            assert abs(x[GAP_AT + GAP_N] - exp[GAP_AT + GAP_N, ch]) <= step
            assert abs(x[GAP_AT - 1] - exp[GAP_AT - 1, ch]) <= step
        onsets, durations, texts = r.readAnnotations()
    ann = list(zip(onsets, durations, texts))
    gaps = [a for a in ann if a[2].startswith('{"kind": "gap"')]
    assert len(gaps) == 1
    assert json.loads(gaps[0][2]) == {"kind": "gap", "stream": 0, "n": GAP_N}
    assert abs(gaps[0][0] - GAP_AT / RATE) < 1e-3
    assert abs(gaps[0][1] - GAP_N / RATE) < 1e-3
    for m in rec.markers:
        hits = [a for a in ann if a[2].startswith(f'{{"kind": "{m.kind}"')]
        assert hits, m.kind
        assert abs(hits[0][0] - (m.time_s - T0)) <= 1e-3
    assert '{"kind": "note", "text": "cue: brace"}' in texts
    i = list(texts).index('{"kind": "drill_start", "drill":')  # 44 bytes: cut before a space, goes on with "+"
    assert texts[i + 1] == '+ "bird_dog"}' and onsets[i + 1] == onsets[i]


def test_measured_quantisation_error_vs_step(tmp_path):
    """Print measured error / step for the report (pytest -s shows it)."""
    rec = make_recording()
    exp = expected_timeline(rec)
    for fmt, bits in (("edf", 16), ("bdf", 24)):
        out = write_edf(rec, tmp_path / f"q.{fmt}", fmt=fmt)
        with pyedflib.EdfReader(str(out)) as r:
            x = r.readSignal(0)[: exp.shape[0]]
            step = (r.getPhysicalMaximum(0) - r.getPhysicalMinimum(0)) / (2**bits - 1)
        err = float(np.abs(x - exp[:, 0]).max())
        print(f"{fmt}: step {step:.3g} uV, max error {err:.3g} uV ({err / step:.3f} step)")
        assert err <= 0.5 * step * 1.001


def test_read_edf_round_trip_roles_times_markers(tmp_path):
    rec = make_recording()
    out = write_edf(rec, tmp_path / "rt.edf", fmt="edf")
    back = read_edf(out)
    assert len(back.streams) == 1
    s = back.streams[0]
    assert s.info.rate_hz == RATE
    assert [(c.muscle, c.side) for c in s.info.channels] == [
        ("latissimus_dorsi", "left"),
        ("gluteus_maximus", "right"),
    ]
    assert s.t0 == pytest.approx(T0)
    assert s.data.dtype == np.float32
    assert s.data.shape[0] >= N + GAP_N
    kinds = [m.kind for m in back.markers]
    for k in ("drill_start", "rep", "note", "drill_end", "gap"):
        assert k in kinds
    rep = next(m for m in back.markers if m.kind == "rep")
    assert rep.time_s == pytest.approx(T0 + 2.5005, abs=1e-3)
    assert rep.payload == {"n": 1}
    gap = next(m for m in back.markers if m.kind == "gap")
    assert gap.time_s == pytest.approx(T0 + GAP_AT / RATE, abs=1e-3)
    assert gap.payload["duration_s"] == pytest.approx(GAP_N / RATE)
    note = next(m for m in back.markers if m.kind == "note")
    assert note.payload["text"] == "cue: brace"


def test_read_edf_overrides(tmp_path):
    from emgcoach.io.channels import ChannelOverride

    out = write_edf(make_recording(), tmp_path / "ov.edf", fmt="edf")
    back = read_edf(out, channels=[ChannelOverride(1, "gluteus_medius", "left")])
    assert (back.streams[0].info.channels[1].muscle, back.streams[0].info.channels[1].side) == (
        "gluteus_medius",
        "left",
    )
    with pytest.raises(InputError) as ei:
        read_edf(out, channels=[ChannelOverride(5, "gluteus_medius", "left")])
    assert "ov.edf" in str(ei.value)


def test_read_foreign_units_and_labels(tmp_path):
    path = tmp_path / "foreign.edf"
    w = pyedflib.EdfWriter(str(path), 2, pyedflib.FILETYPE_EDF)
    hdr = dict(dimension="mV", sample_frequency=1000, physical_max=5.0, physical_min=-5.0,
               digital_max=32767, digital_min=-32768, transducer="", prefilter="")
    w.setSignalHeaders([dict(hdr, label="Latissimus right"), dict(hdr, label="Gluteus left")])
    x = np.linspace(-1, 1, 3000)
    w.writeSamples([x, -x])
    w.close()
    back = read_edf(path)
    s = back.streams[0]
    assert [(c.muscle, c.side) for c in s.info.channels] == [
        ("latissimus_dorsi", "right"),
        ("gluteus_maximus", "left"),
    ]
    np.testing.assert_allclose(s.data[:, 0], x * 1000.0, atol=10 / 65535 * 1000 * 1.01)  # mV -> µV



@pytest.mark.parametrize("dims", [("", ""), ("uV", ""), ("", "uV"), ("mV", "")])
def test_empty_dimension_is_uv_or_the_unit_given(tmp_path, dims):
    """A signal with an empty physical dimension is µV (listed as assumed), or in the `unit` given; a
    stated dimension wins. (The reader once overwrote `unit` with the last signal's dimension, so any
    file with an empty one was unreadable.)"""
    path = tmp_path / "dims.edf"
    w = pyedflib.EdfWriter(str(path), 2, pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label=f"EMG{i}", dimension=d, sample_frequency=100, physical_max=100.0,
                             physical_min=-100.0, digital_max=32767, digital_min=-32768, transducer="", prefilter="")
                        for i, d in enumerate(dims)])
    w.writeSamples([np.full(200, 50.0), np.full(200, 50.0)])
    w.close()
    stated = {"uV": 1.0, "mV": 1e3}
    plain = read_edf(path).streams[0]
    assert plain.data[0].tolist() == pytest.approx([50.0 * stated.get(d, 1.0) for d in dims], rel=1e-3)
    assert plain.unit_assumed == tuple(i for i, d in enumerate(dims) if not d)
    in_mv = read_edf(path, unit="mV").streams[0]
    assert in_mv.data[0].tolist() == pytest.approx([50.0 * stated.get(d, 1e3) for d in dims], rel=1e-3)
    assert in_mv.unit_assumed == ()

def test_mixed_rates_export_and_read(tmp_path):
    rec = make_recording()
    t = np.arange(10_000) / 1000.0
    slow = RecordedStream(
        info=StreamInfo("umyo", "slow", "", 1000.0, (ChannelSpec("g", "gluteus_maximus", "left"),)),
        data=(50 * np.sin(2 * np.pi * 40 * t)).astype(np.float32)[:, None],
        t0=T0 + 0.5,  # starts 0.5 s later: leading zeros + gap annotation
    )
    rec.streams.append(slow)
    out = write_edf(rec, tmp_path / "mixed.bdf", fmt="bdf")
    with pyedflib.EdfReader(str(out)) as r:
        assert list(r.getSampleFrequencies()) == [2000.0, 2000.0, 1000.0]
        y = r.readSignal(2)
        step = (r.getPhysicalMaximum(2) - r.getPhysicalMinimum(2)) / (2**24 - 1)
        assert np.abs(y[:500]).max() < 1e-9
        assert np.abs(y[500 : 500 + 10_000] - slow.data[:, 0]).max() <= step
    back = read_edf(out)
    assert [s.info.rate_hz for s in back.streams] == [2000.0, 1000.0]
    assert back.streams[1].info.channels[0].muscle == "gluteus_maximus"


def test_fractional_rate_record_duration(tmp_path):
    assert _record_duration([2000.0]) == 1.0
    assert _record_duration([2000.0, 1000.0]) == 1.0
    assert _record_duration([1150.3]) == 10.0  # exact: 11503 samples per 10 s record
    d = _record_duration([1150.37])  # no exact short duration: closest written rate
    assert abs(round(1150.37 * d) / d - 1150.37) / 1150.37 < 1e-5
    n = 11503
    rec = Recording(
        "frac",
        [RecordedStream(StreamInfo("umyo", "u", "", 1150.3, (ChannelSpec("lat L", "latissimus_dorsi", "left"),)),
                        np.ones((n, 1), np.float32) * 10)],
    )
    out = write_edf(rec, tmp_path / "frac.edf")
    with pyedflib.EdfReader(str(out)) as r:
        assert r.getSampleFrequency(0) == pytest.approx(1150.3)
        assert r.datarecord_duration == pytest.approx(10.0)


def test_auto_format_rule(tmp_path):
    assert choose_format(make_recording(amp_lat=300.0)) == "edf"  # step 0.0x µV <= 0.05
    assert choose_format(make_recording(amp_lat=3000.0)) == "bdf"  # EDF step would exceed 0.05 µV
    assert choose_format(make_recording(extra={"resolution_bits": "24"})) == "bdf"
    out = write_edf(make_recording(amp_lat=3000.0), tmp_path / "auto.edf")
    assert out.read_bytes()[:8] == b"\xffBIOSEMI"


def test_prefilter_when_filtered(tmp_path):
    rec = make_recording(extra={"highpass_hz": "20", "lowpass_hz": "450"})
    out = write_edf(rec, tmp_path / "f.edf", fmt="edf")
    with pyedflib.EdfReader(str(out)) as r:
        assert r.getPrefilter(0) == "HP:20Hz LP:450Hz"
        assert r.getPatientName() in ("X", "")
        assert "lat" not in r.getPatientCode().lower()


def test_no_partial_file_on_failure(tmp_path):
    rec = make_recording()
    target = tmp_path / "fail.edf"

    def boom(frac: float) -> None:
        if frac > 0.3:
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        write_edf(rec, target, fmt="edf", progress=boom)
    assert os.listdir(tmp_path) == []
    # an existing target survives a failed overwrite untouched
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        write_edf(rec, target, fmt="bdf", progress=boom)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["fail.edf"]


def test_progress_reaches_one(tmp_path):
    seen = []
    write_edf(make_recording(), tmp_path / "p.edf", progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


@pytest.mark.parametrize("case", ["missing", "empty", "random", "truncated", "text", "directory"])
def test_bad_files_raise_input_error_naming_file(tmp_path, case):
    good = write_edf(make_recording(), tmp_path / "good.edf", fmt="edf")
    path = tmp_path / f"bad_{case}.edf"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "random":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    elif case == "truncated":
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif case == "text":
        path.write_text("time,a\n0,1\n" * 100)
    elif case == "directory":
        path.mkdir()
    with pytest.raises(InputError) as ei:
        read_edf(path)
    assert str(path) in str(ei.value)
    assert "\n" not in str(ei.value)


def test_zero_rate_is_input_error(tmp_path):
    good = write_edf(make_recording(), tmp_path / "good.edf", fmt="edf")
    raw = bytearray(good.read_bytes())
    ns = int(raw[252:256].decode())
    # samples-per-record field of signal 0 lives after 256 + ns*(16+80+8+8+8+8+8+80) bytes
    off = 256 + ns * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80)
    raw[off : off + 8] = b"0       "
    bad = tmp_path / "zero.edf"
    bad.write_bytes(bytes(raw))
    with pytest.raises(InputError) as ei:
        read_edf(bad)
    assert "zero.edf" in str(ei.value)


def test_session_date_survives_export_and_read(tmp_path):
    """An EDF+ export carries the session's start date (from the XDF header), not the export's, and the
    reader gives it back; without one, the export's date is stored."""
    rec = dataclasses.replace(make_recording(), started_at="2026-03-14T09:26:53")
    back = read_edf(write_edf(rec, tmp_path / "dated.edf", fmt="edf"))
    assert back.started_at == "2026-03-14T09:26:53"
    undated = read_edf(write_edf(make_recording(), tmp_path / "undated.edf", fmt="bdf"))
    assert abs((datetime.now() - datetime.fromisoformat(undated.started_at)).total_seconds()) < 60


@pytest.mark.parametrize("fmt,sha256", [
    ("edf", "a9ca3008818ff59be60253f9ea2e10fa71f6d52bda5f4607d999e10580c4b04c"),
    ("bdf", "68cb9eac19b3d2a95863f6cb15cf4d5fbdda3e2924101fb59c65c0b237f27c06"),
])
def test_export_bytes_unchanged(tmp_path, fmt, sha256):
    """The bytes of an export without markers or gaps (header, scaling, records, the time-keeping
    annotations) are those written at da372b8, before edf.py was split. Whole-µV samples and a fixed start
    date make them the same on every machine; a new pyedflib that lays out the header differently would
    change them too (then check the difference and take the new digest)."""
    import hashlib

    n = 5000
    ramp = ((np.arange(n) * 37) % 2001 - 1000).astype(np.float32)
    a = StreamInfo("umyo", "pair", "", 1000.0, (ChannelSpec("lat_left", "latissimus_dorsi", "left"),
                   ChannelSpec("glute_right", "gluteus_maximus", "right")), extra={"highpass_hz": "20"})
    b = StreamInfo("ganglion", "slow", "", 200.0, (ChannelSpec("Erector R", "erector_spinae", "right"),))
    rec = Recording("fixed", [RecordedStream(a, np.stack([ramp, -ramp / 4], axis=1), t0=12.5),
                              RecordedStream(b, ramp[: n // 5, None] * 3, t0=12.5)], [], started_at="2025-06-07T08:09:10")
    out = write_edf(rec, tmp_path / f"fixed.{fmt}", fmt=fmt)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha256
