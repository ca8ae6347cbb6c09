"""CSV and BIDS-EMG exports and the `export` dispatcher."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pyedflib
import pytest

from emgcoach.io.bids import write_bids
from emgcoach.io.csv_export import write_csv, write_csv_files
from emgcoach.io.export import export
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import ChannelSpec, Marker, StreamInfo
from tests.io.test_edf import GAP_AT, GAP_N, N, RATE, T0, make_recording


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


# ------------------------------------------------------------------------------------------------ CSV


def test_csv_round_trip_float32(tmp_path):
    rec = make_recording()
    out = write_csv(rec, tmp_path / "rec.csv")
    assert out == tmp_path / "rec.csv"
    with open(out) as f:
        header = f.readline().strip().split(",")
    assert header == ["time_s", "lat_left", "glute_right"]
    arr = np.loadtxt(out, delimiter=",", skiprows=1)
    assert arr.shape == (N, 3)
    np.testing.assert_array_equal(arr[:, 1:].astype(np.float32), rec.streams[0].data)  # exact at float32
    # times: gap skipped, samples not shifted
    assert arr[0, 0] == pytest.approx(T0)
    assert arr[GAP_AT - 1, 0] == pytest.approx(T0 + (GAP_AT - 1) / RATE, abs=1e-6)
    assert arr[GAP_AT, 0] == pytest.approx(T0 + (GAP_AT + GAP_N) / RATE, abs=1e-6)
    markers = list(csv.DictReader(open(tmp_path / "rec_markers.csv")))
    assert [m["kind"] for m in markers] == ["drill_start", "rep", "note", "drill_end"]
    assert json.loads(markers[0]["payload_json"]) == {"drill": "bird_dog"}
    assert float(markers[1]["time_s"]) == pytest.approx(T0 + 2.5005)


def test_csv_several_rates_one_file_per_stream(tmp_path):
    rec = make_recording()
    rec.markers = []
    rec.streams.append(
        RecordedStream(
            StreamInfo("umyo", "slow", "", 1000.0, (ChannelSpec("g2", "gluteus_maximus", "left"),)),
            np.arange(100, dtype=np.float32)[:, None],
            t0=T0,
        )
    )
    files = write_csv_files(rec, tmp_path / "m.csv")
    assert [f.name for f in files] == ["m_s0.csv", "m_s1.csv"]
    assert sorted(os.listdir(tmp_path)) == ["m_s0.csv", "m_s1.csv"]
    arr = np.loadtxt(files[1], delimiter=",", skiprows=1)
    assert arr.shape == (100, 2) and arr[1, 0] == pytest.approx(T0 + 0.001)


def test_csv_no_partial_file_on_failure(tmp_path):
    def boom(f):
        if f > 0.5:
            raise KeyboardInterrupt  # even a Ctrl-C leaves nothing behind

    with pytest.raises(KeyboardInterrupt):
        write_csv(make_recording(), tmp_path / "x.csv", progress=boom)
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------------------------- BIDS


def test_bids_layout_columns_and_keys(tmp_path):
    root = tmp_path / "ds"
    data = write_bids(make_recording(), root, subject="P07", session="1", task="drill")
    emg = root / "sub-P07" / "ses-1" / "emg"
    stem = "sub-P07_ses-1_task-drill"
    assert data == emg / f"{stem}_emg.edf"
    assert sorted(os.listdir(emg)) == sorted(
        [f"{stem}_emg.edf", f"{stem}_emg.json", f"{stem}_channels.tsv", f"{stem}_events.tsv"]
    )
    desc = json.loads((root / "dataset_description.json").read_text())
    assert desc["DatasetType"] == "raw" and desc["BIDSVersion"] and desc["Name"]
    parts = read_tsv(root / "participants.tsv")
    assert parts == [{"participant_id": "sub-P07"}]

    side = json.loads((emg / f"{stem}_emg.json").read_text())
    for key in ("TaskName", "SamplingFrequency", "PowerLineFrequency", "EMGReference", "EMGGround",
                "EMGPlacementScheme", "EMGPlacementSchemeDescription", "RecordingDuration",
                "EMGChannelCount", "SoftwareFilters", "Manufacturer"):
        assert key in side, key
    assert side["TaskName"] == "drill"
    assert side["SamplingFrequency"] == RATE
    assert side["EMGChannelCount"] == 2
    assert side["EMGPlacementScheme"] == "Other"
    assert "latissimus dorsi" in side["EMGPlacementSchemeDescription"]
    assert "gluteus maximus" in side["EMGPlacementSchemeDescription"]
    assert side["PowerLineFrequency"] == "n/a"
    assert side["RecordingDuration"] == pytest.approx((N + GAP_N) / RATE)
    assert "uMyo" in side["Manufacturer"]

    chans = read_tsv(emg / f"{stem}_channels.tsv")
    assert list(chans[0].keys())[:3] == ["name", "type", "units"]
    assert {"target_muscle", "sampling_frequency", "status", "reference", "signal_electrode"} <= set(chans[0])
    assert [c["name"] for c in chans] == ["EMG lat L", "EMG glute R"]
    assert [c["target_muscle"] for c in chans] == ["left latissimus dorsi", "right gluteus maximus"]
    assert all(c["type"] == "EMG" and c["units"] == "uV" for c in chans)
    with pyedflib.EdfReader(str(data)) as r:  # channels.tsv names match the data file
        assert r.getSignalLabels() == [c["name"] for c in chans]

    events = read_tsv(emg / f"{stem}_events.tsv")
    assert list(events[0].keys()) == ["onset", "duration", "trial_type", "value"]
    kinds = [e["trial_type"] for e in events]
    assert kinds == ["drill_start", "rep", "gap", "note", "drill_end"]
    gap = events[2]
    assert float(gap["onset"]) == pytest.approx(GAP_AT / RATE)
    assert float(gap["duration"]) == pytest.approx(GAP_N / RATE)
    assert float(events[1]["onset"]) == pytest.approx(2.5005)
    assert events[1]["duration"] == "n/a"
    assert not [p for p in os.listdir(tmp_path) if p != "ds"]  # no temp folder left


def test_bids_second_subject_added(tmp_path):
    root = tmp_path / "ds"
    write_bids(make_recording(), root, subject="01")
    write_bids(make_recording(), root, subject="02", task="rest")
    assert [p["participant_id"] for p in read_tsv(root / "participants.tsv")] == ["sub-01", "sub-02"]
    assert (root / "sub-02" / "emg" / "sub-02_task-rest_emg.edf").exists()
    with pytest.raises(FileExistsError):
        write_bids(make_recording(), root, subject="02")
    assert not [p for p in os.listdir(root) if p.startswith(".")]


@pytest.mark.parametrize("bad", ["John Smith", "jane.doe", "sub-01", "", "01 ", "Émile"])
def test_bids_pseudonymous_id_enforced(tmp_path, bad):
    with pytest.raises(ValueError):
        write_bids(make_recording(), tmp_path / "ds", subject=bad)
    assert os.listdir(tmp_path) == []


def test_bids_no_partial_folder_on_failure(tmp_path):
    def boom(f):
        if f > 0.2:
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        write_bids(make_recording(), tmp_path / "ds", progress=boom)
    assert os.listdir(tmp_path) == []


def test_bids_bdf_for_high_resolution(tmp_path):
    data = write_bids(make_recording(amp_lat=5000.0), tmp_path / "ds")
    assert data.suffix == ".bdf" and data.exists()


# ------------------------------------------------------------------------------------------ dispatcher


@pytest.mark.parametrize("fmt", ["edf", "bdf", "csv", "bids"])
def test_export_dispatcher(tmp_path, fmt):
    seen = []
    out = tmp_path / ("out" if fmt == "bids" else f"out.{fmt}")
    path = export(make_recording(), fmt, out, progress=seen.append)
    assert path.exists()
    assert seen and seen[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)


def test_export_unknown_format(tmp_path):
    with pytest.raises(ValueError):
        export(make_recording(), "mat", tmp_path / "x.mat")


def test_export_target_is_a_directory(tmp_path):
    """The final rename fails (even as root): the temporary file is removed, the folder untouched."""
    (tmp_path / "x.edf").mkdir()
    with pytest.raises(OSError):
        export(make_recording(), "edf", tmp_path / "x.edf")
    assert os.listdir(tmp_path) == ["x.edf"] and os.listdir(tmp_path / "x.edf") == []


def test_export_unwritable_target(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as root: permissions not enforced")
        with pytest.raises(OSError):
            export(make_recording(), "edf", ro / "x.edf")
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o700)


def test_export_two_streams_to_every_format(tmp_path):
    """Two 2-channel streams export to all four formats. (Export speed: benchmarks/recording.py.)"""
    n = 5 * 2000
    rng = np.random.default_rng(0)
    streams = []
    for k, sides in enumerate((("left", "right"), ("right", "left"))):
        chans = (ChannelSpec(f"lat{k}", "latissimus_dorsi", sides[0]), ChannelSpec(f"glute{k}", "gluteus_maximus", sides[1]))
        info = StreamInfo("umyo", f"s{k}", "", 2000.0, chans)
        streams.append(RecordedStream(info, rng.normal(0, 100, (n, 2)).astype(np.float32), t0=0.0))
    rec = Recording("two", streams, [Marker(i * 1.0, "rep", {"n": i}) for i in range(4)])
    for fmt in ("edf", "bdf", "csv", "bids"):
        out = export(rec, fmt, tmp_path / (f"two_{fmt}" if fmt == "bids" else f"two.{fmt}"))
        assert out.exists() and out.stat().st_size > 0