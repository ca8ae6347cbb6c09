"""BIDS-EMG import (issue 16), the inverse of io/bids.py's export: our own datasets read back, and a dataset
laid out by the BIDS 1.11 EMG extension as another tool writes it (bids-specification
src/modality-specific-files/electromyography.md: `sub-<label>/[ses-<label>/]emg/sub-<label>[_ses-<label>]_task-<label>_emg.edf`
beside `_channels.tsv` (name, type, units; optional target_muscle, status) and `_events.tsv` (onset,
duration, trial_type, value); non-EMG rows such as ACCEL and TRIG; 'n/a' for missing values), its EDF
written with pyedflib, without any emgcoach annotations.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pyedflib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io.bids import dataset_recordings, write_bids
from emgcoach.io.channels import parse_channel_option
from emgcoach.io.open import read_recording
from tests.io.damage import damaged
from tests.io.test_edf import make_recording

RATE = 1000


def other_tools_dataset(root: Path, subjects=("01",)) -> list[Path]:
    """Per subject: an EDF with two EMG channels (uV) and an accelerometer (g), its sidecars, as the spec says."""
    (root).mkdir(parents=True, exist_ok=True)
    (root / "dataset_description.json").write_text(json.dumps({"Name": "x", "BIDSVersion": "1.11.0"}))
    (root / "participants.tsv").write_text("participant_id\n" + "".join(f"sub-{s}\n" for s in subjects))
    (root / "derivatives" / "sub-01" / "emg").mkdir(parents=True)
    (root / "derivatives" / "sub-01" / "emg" / "sub-01_task-x_emg.edf").write_bytes(b"not raw")
    out = []
    t = np.arange(5 * RATE) / RATE
    for s in subjects:
        emg = root / f"sub-{s}" / "emg"
        emg.mkdir(parents=True)
        stem = emg / f"sub-{s}_task-squat"
        path = str(stem) + "_emg.edf"
        w = pyedflib.EdfWriter(path, 3, file_type=pyedflib.FILETYPE_EDFPLUS)
        sigs = [300 * np.sin(2 * np.pi * 60 * t), 150 * np.sin(2 * np.pi * 80 * t), np.full_like(t, 0.98)]
        for k, (label, dim) in enumerate([("Ch1", "uV"), ("Ch2", "uV"), ("AccZ", "g")]):
            w.setSignalHeader(k, {"label": label, "dimension": dim, "sample_frequency": RATE,
                                  "physical_min": -1000.0, "physical_max": 1000.0,
                                  "digital_min": -32768, "digital_max": 32767})
        w.writeSamples(sigs)
        w.close()
        Path(str(stem) + "_channels.tsv").write_text(
            "name\ttype\tunits\ttarget_muscle\tstatus\n"
            "Ch1\tEMG\tuV\tleft latissimus dorsi\tgood\n"
            "Ch2\tEMG\tuV\tright gluteus maximus\tgood\n"
            "AccZ\tACCEL\tg\tn/a\tgood\n")
        Path(str(stem) + "_events.tsv").write_text(
            "onset\tduration\ttrial_type\tvalue\n1.5\t2.0\tsquat\t1\n3.25\tn/a\tn/a\tstop\n")
        out.append(Path(path))
    return out


def test_folder_of_another_tools_dataset(tmp_path):
    (data,) = other_tools_dataset(tmp_path / "ds")
    assert dataset_recordings(tmp_path / "ds") == [data]  # derivatives/ is not raw data
    for path in (tmp_path / "ds", data.parent, data):  # the dataset, its emg/ folder, or the file
        rec = read_recording(path)
        (s,) = rec.streams
        assert [(c.name, c.muscle, c.side) for c in s.info.channels] == [
            ("Ch1", "latissimus_dorsi", "left"), ("Ch2", "gluteus_maximus", "right")]  # ACCEL left out
        rms2 = np.sqrt(np.mean(s.data.astype(float) ** 2, axis=0)) * np.sqrt(2)
        np.testing.assert_allclose(rms2, [300, 150], rtol=1e-2)
        assert [(m.time_s, m.kind, m.payload) for m in rec.markers] == [
            (1.5, "note", {"event": "squat", "value": "1", "duration_s": 2.0, "source": "bids"}),
            (3.25, "note", {"event": "stop", "source": "bids"})]
        assert s.info.extra["read_as"] == "BIDS-EMG recording sub-01_task-squat_emg.edf with its channels.tsv and events.tsv"


def test_our_export_read_back_roles_and_markers_not_doubled(tmp_path):
    rec = make_recording()
    data = write_bids(rec, tmp_path / "ds", subject="P07", session="1", task="drill")
    back = read_recording(tmp_path / "ds")
    assert [(c.muscle, c.side) for s in back.streams for c in s.info.channels] == [
        (c.muscle, c.side) for s in rec.streams for c in s.info.channels]
    assert [m.kind for m in back.markers] == [m.kind for m in read_recording(data.with_suffix(".edf")).markers]
    assert [m.kind for m in back.markers if m.kind != "gap"] == [m.kind for m in rec.markers if m.kind != "gap"]
    assert np.allclose([m.time_s for m in back.markers if m.kind != "gap"],
                       [m.time_s for m in rec.markers if m.kind != "gap"], atol=1e-3)


def test_dataset_of_several_and_overrides(tmp_path):
    files = other_tools_dataset(tmp_path / "ds", subjects=("01", "02"))
    assert dataset_recordings(tmp_path / "ds") == files
    with pytest.raises(InputError, match="2 BIDS-EMG recordings; give one of them"):
        read_recording(tmp_path / "ds")
    rec = read_recording(files[1], channels=[parse_channel_option("0:glute:left")])
    assert rec.streams[0].info.channels[0].muscle == "gluteus_maximus"


def test_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no BIDS-EMG recording"):
        read_recording(tmp_path)


_TMP = Path(tempfile.mkdtemp(prefix="emgcoach-bids-"))
(_SEED_DATA,) = other_tools_dataset(_TMP / "seed")
_SIDECARS = {name: (_SEED_DATA.parent / name).read_bytes()
             for name in ("sub-01_task-squat_channels.tsv", "sub-01_task-squat_events.tsv")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_SIDECARS)),
       st.lists(st.tuples(st.integers(0, 10**4), st.sampled_from(["cut", "set", "insert"]),
                          st.sampled_from(list(b"\t\n.-n/aEMG{}\"") + [0, 0xFF])), min_size=1, max_size=4))
def test_damaged_sidecars_are_one_line(name, edits):
    data = damaged(_SIDECARS[name], edits)
    target = _SEED_DATA.parent / name
    target.write_bytes(data)
    try:
        for path in (_TMP / "seed", _SEED_DATA):
            try:
                rec = read_recording(path)
            except InputError as e:
                assert "\n" not in str(e) and str(e).startswith((str(path), str(target)))  # the file at fault
                continue
            for s in rec.streams:
                assert s.data.dtype == np.float32 and s.info.n_channels > 0
            assert all(np.isfinite(m.time_s) for m in rec.markers)
    finally:
        target.write_bytes(_SIDECARS[name])
