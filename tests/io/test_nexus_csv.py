"""Vicon Nexus CSV exports (issue 16): the Devices block (a line 'Devices', the rate, device names, channel
names after 'Frame,Sub Frame', a units row), a Trajectories block after it ignored. The layout follows
Nexus 2.x exports as lab scripts parse them (e.g. 'Devices' / '1000' / ',,Kistler - Force,,,' /
'Frame,Sub Frame,Fx,Fy,Fz' / ',,N,N,N'; 'Trajectories' / '100' / marker names / 'Frame,Sub Frame,X,Y,Z' /
',,mm,mm,mm')."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from emgcoach.errors import InputError
from emgcoach.io.channels import parse_channel_option
from emgcoach.io.open import detect_format, read_recording
from tests.io.damage import damaged, edits, read_or_one_line

RATE = 1000.0


def nexus_export(path: str, emg_v: np.ndarray, first_frame: int = 101, sub_frames: int = 10,
                 emg_names=("L Lat", "R Glute"), emg_unit: str = "V", device: str = "Delsys Trigno EMG") -> None:
    """A Devices block (an EMG device and a force plate) and a Trajectories block, as Nexus writes them."""
    n = emg_v.shape[1]
    lines = ["Devices", f"{RATE:g}",
             f",,{device}" + "," * len(emg_names) + "Kistler - Force,,",
             "Frame,Sub Frame," + ",".join(emg_names) + ",Fx,Fy,Fz",
             ",," + ",".join([emg_unit] * len(emg_names)) + ",N,N,N"]
    for i in range(n):
        frame, sub = first_frame + i // sub_frames, i % sub_frames
        lines.append(f"{frame},{sub}," + ",".join(f"{v:.9g}" for v in emg_v[:, i]) + ",1.5,-2,700")
    lines += ["", "Trajectories", f"{RATE / sub_frames:g}", ",,Sub:LASI,,,Sub:RASI,,", "Frame,Sub Frame,X,Y,Z,X,Y,Z",
              ",,mm,mm,mm,mm,mm,mm"]
    lines += [f"{first_frame + k},0,1,2,3,4,5,6" for k in range(n // sub_frames)]
    with open(path, "w", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")


def test_devices_block_to_microvolts(tmp_path):
    t = np.arange(2000) / RATE
    emg = np.vstack([1e-3 * np.sin(2 * np.pi * 60 * t), 0.5e-3 * np.sin(2 * np.pi * 80 * t)])  # volts
    p = str(tmp_path / "trial01.csv")
    nexus_export(p, emg)
    assert detect_format(p) == "nexus"
    (s,) = read_recording(p).streams
    assert [(c.name, c.muscle, c.side) for c in s.info.channels] == [
        ("L Lat", "latissimus_dorsi", "left"), ("R Glute", "gluteus_maximus", "right")]
    rms2 = np.sqrt(np.mean(s.data.astype(float) ** 2, axis=0)) * np.sqrt(2)
    np.testing.assert_allclose(rms2, [1000.0, 500.0], rtol=1e-3)
    assert s.info.rate_hz == RATE and s.n_samples == 2000
    assert s.t0 == pytest.approx(1.0)  # frame 101 at 100 frames/s: 1.00 s, as in the trial's C3D
    assert s.info.extra["read_as"] == "Vicon Nexus CSV export, Devices block at 1000 Hz, 2 EMG of 5 channel(s)"


def test_millivolts_and_channel_by_label(tmp_path):
    t = np.arange(1000) / RATE
    p = str(tmp_path / "mv.csv")
    nexus_export(p, np.vstack([np.sin(2 * np.pi * 50 * t)]), emg_names=("Voltage.3",), emg_unit="mV",
                 device="Generic Analog")  # an EMG device's channels are EMG by their device's name; this one's are not
    with pytest.raises(InputError, match="no EMG channel.*--channel LABEL=MUSCLE:SIDE"):
        read_recording(p)
    s = read_recording(p, channels=[parse_channel_option("Voltage.3=glute:right")]).streams[0]
    assert s.info.channels[0].muscle == "gluteus_maximus"
    assert np.sqrt(np.mean(s.data.astype(float) ** 2)) * np.sqrt(2) == pytest.approx(1000.0, rel=1e-3)


def test_no_devices_block(tmp_path):
    p = str(tmp_path / "traj.csv")
    with open(p, "w") as f:
        f.write("Trajectories\n100\n,,Sub:LASI,,\nFrame,Sub Frame,X,Y,Z\n,,mm,mm,mm\n1,0,1,2,3\n")
    with pytest.raises(InputError, match="without a Devices block"):
        read_recording(p)


_TMP = tempfile.mkdtemp(prefix="emgcoach-nexus-")
_SEED_PATH = os.path.join(_TMP, "seed.csv")
nexus_export(_SEED_PATH, np.random.default_rng(0).normal(0, 1e-4, (2, 40)))
with open(_SEED_PATH, "rb") as _f:
    SEED = _f.read()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits(list(b",\r\n0.-eV Dx") + [0, 0xFF]))
def test_damaged_export_is_one_line(changes):
    p = os.path.join(_TMP, "fuzz.csv")
    with open(p, "wb") as f:
        f.write(damaged(SEED, changes))
    read_or_one_line(p, lambda path: read_recording(path, rate_hz=1000.0))
