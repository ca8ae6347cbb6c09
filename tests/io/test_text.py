"""BITalino/OpenSignals/BioSPPy text and OpenBCI GUI text readers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride
from emgcoach.io.open import read_recording
from emgcoach.io.text_reader import bitalino_emg_uv, read_openbci_txt, read_simple_text

BIOSPPY = Path(__file__).resolve().parents[2] / "recordings" / "biosppy" / "emg_1.txt"


def test_transfer_function_scaling():
    uv = bitalino_emg_uv(np.array([2048, 2049, 0, 4095]), 12)
    assert uv[0] == 0.0
    assert uv[1] - uv[0] == pytest.approx(3.3 / 1009 / 4096 * 1e6)  # ~0.80 µV per count
    assert uv[1] - uv[0] == pytest.approx(0.80, abs=0.005)
    assert uv[2] == pytest.approx(-1635.3, abs=0.1)


def test_biosppy_emg_1():
    rec = read_recording(BIOSPPY)
    (s,) = rec.streams
    assert s.n_samples == 63880 and s.info.rate_hz == 1000.0
    assert s.duration_s == pytest.approx(63.88)
    raw = np.loadtxt(BIOSPPY, comments="#")
    assert raw[0] == 2034
    assert s.data[0, 0] == pytest.approx((2034 - 2048) * 3.3 / 1009 / 4096 * 1e6, rel=1e-6)
    assert np.allclose(s.data[:, 0], bitalino_emg_uv(raw, 12), atol=1e-3)
    # baseline near 0 µV (ADC mid-scale), a few hundred µV in bursts
    assert abs(float(np.median(s.data))) < 20
    assert 100 < float(np.max(np.abs(s.data))) < 1700
    assert s.info.channels[0].name == "EMG"
    rec2 = read_simple_text(BIOSPPY, channels=[ChannelOverride(0, "gluteus_maximus", "left")])
    assert rec2.streams[0].info.channels[0].muscle == "gluteus_maximus"


def test_simple_text_two_columns_and_bad_files(tmp_path):
    p = tmp_path / "two.txt"
    p.write_text("# Simple Text Format\n# Sampling Rate (Hz):= 500.00\n# Resolution:= 10\n# Labels:= EMG1\tEMG2\n"
                 + "".join(f"{512 + k}\t{512 - k}\n" for k in range(10)))
    s = read_recording(p).streams[0]
    assert s.info.rate_hz == 500.0 and s.data.shape == (10, 2)
    assert s.data[0, 0] == 0.0 and s.data[1, 0] == pytest.approx(3.3 / 1009 / 1024 * 1e6, rel=1e-6)
    bad = {
        "norate.txt": "# Simple Text Format\n# Resolution:= 12\n1\n",
        "zerorate.txt": "# Simple Text Format\n# Sampling Rate (Hz):= 0\n# Labels:= EMG\n1\n",
        "letters.txt": "# Simple Text Format\n# Sampling Rate (Hz):= 1000\n# Labels:= EMG\n12\nab\n",
        "nosamples.txt": "# Simple Text Format\n# Sampling Rate (Hz):= 1000\n# Labels:= EMG\n",
        "cols.txt": "# Simple Text Format\n# Sampling Rate (Hz):= 1000\n# Labels:= A B C\n1 2\n",
        "nan.txt": "# Simple Text Format\n# Sampling Rate (Hz):= 1000\n# Labels:= EMG\n1\nnan\n",
    }
    for name, text in bad.items():
        f = tmp_path / name
        f.write_text(text)
        with pytest.raises(InputError) as ei:
            read_recording(f)
        assert str(ei.value).startswith(str(f)) and "\n" not in str(ei.value)


def test_opensignals_json_header(tmp_path):
    meta = {"00:07:80:4D:2E:76": {"sampling rate": 1000, "resolution": [4, 1, 1, 1, 1, 10, 10],
                                  "column": ["nSeq", "I1", "I2", "O1", "O2", "A1", "A2"],
                                  "label": ["A1", "A2"], "sensor": ["EMG", "ECG"]}}
    rows = "".join(f"{k % 16}\t0\t0\t0\t0\t{512 + k}\t300\n" for k in range(20))
    p = tmp_path / "os.txt"
    p.write_text(f"# OpenSignals Text File Format\n# {json.dumps(meta)}\n# EndOfHeader\n{rows}")
    s = read_recording(p).streams[0]
    assert s.data.shape == (20, 1)  # the EMG channel only
    assert s.data[3, 0] == pytest.approx(3 * 3.3 / 1009 / 1024 * 1e6, rel=1e-6)


OPENBCI = """%OpenBCI Raw EEG Data
%Number of channels = 4
%Sample Rate = 200 Hz
%Board = OpenBCI_GUI$BoardGanglionBLE
Sample Index, EXG Channel 0, EXG Channel 1, EXG Channel 2, EXG Channel 3, Accel Channel 0, Accel Channel 1, Accel Channel 2, Other, Timestamp, Timestamp (Formatted)
"""


def test_openbci_gui_file(tmp_path):
    p = tmp_path / "OpenBCI-RAW-2024.txt"
    x = np.random.default_rng(2).normal(0, 30, (400, 4)).round(3)
    lines = [f"{k % 200}, " + ", ".join(f"{v:.3f}" for v in x[k]) + f", 0.0, 0.0, 0.0, 0, {1700000000 + k / 200:.3f}, 2024-01-01 10:00:{k / 200:06.3f}"
             for k in range(400)]
    p.write_text(OPENBCI + "\n".join(lines) + "\n")
    rec = read_recording(p, channels=[ChannelOverride(1, "latissimus_dorsi", "left"), ChannelOverride(3, "glute", "right")])
    s = rec.streams[0]
    assert s.info.rate_hz == 200.0 and s.info.kind == "ganglion"
    assert np.allclose(s.data, x, atol=1e-3)
    assert s.info.channels[1].muscle == "latissimus_dorsi" and s.info.channels[0].muscle == "other"
    assert [c.name for c in s.info.channels] == [f"EXG Channel {i}" for i in range(4)]
    with pytest.raises(InputError, match="channel override 4"):
        read_openbci_txt(p, channels=[ChannelOverride(4, "latissimus_dorsi", "left")])


def test_openbci_old_format_and_bad(tmp_path):
    p = tmp_path / "old.txt"
    p.write_text("%OpenBCI Raw EEG Data\n%Number of channels = 2\n%Sample Rate = 250.0 Hz\n%First Column = SampleIndex\n"
                 "0, 1.5, -2.5, 0.1\n1, 2.5, -3.5, 0.1\n")
    s = read_recording(p).streams[0]
    assert s.info.rate_hz == 250.0 and s.data.tolist() == [[1.5, -2.5], [2.5, -3.5]]
    bad = {
        "count.txt": OPENBCI.replace("= 4", "= 3") + "0,1,2,3,4,0,0,0,0,0,x\n",
        "rate.txt": OPENBCI.replace("200 Hz", "zero") + "0,1,2,3,4,0,0,0,0,0,x\n",
        "nodata.txt": "%OpenBCI Raw EEG Data\n%Sample Rate = 200 Hz\n",
        "nan.txt": OPENBCI + "0,1,nan,3,4,0,0,0,0,0,x\n",
    }
    for name, text in bad.items():
        f = tmp_path / name
        f.write_text(text)
        with pytest.raises(InputError) as ei:
            read_recording(f)
        assert str(ei.value).startswith(str(f))
