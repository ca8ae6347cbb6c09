"""Delsys Trigno CSV exports (issue 16), on files written by the exports' documented layouts:

- EMGworks: as emgio's sample exports (github.com/neuromechanist/emgio, examples/trigno_sample_header.csv and
  examples/truncated_trigno_sample.csv): one 'Label: <sensor>: EMG 10 Sampling frequency: 1.259259e+003
  Number of points: N start: 0.000000e+000 Unit: V Domain Unit: s' line per channel, 'Start/Stop Trigger
  Method' lines, a blank line, then 'X[s],<channel>,X[s],<channel>,...' with each channel's own time column;
  the 148 Hz IMU columns end early, leaving empty cells (as in the truncated sample's last rows).
- Trigno Discover: as Discover 1.7 and 2.1 exports are laid out by the scripts that read or mimic them
  (rows 'Application:,Trigno Discover (2.1.0.7)', 'Date/Time:', 'Collection Length (seconds):', sensor names
  over their first column, 'sensor mode: NN', 'EMG 1 Time Series (s),EMG 1 (mV),ACC X Time Series (s),ACC X (G)',
  ',1259.2593 Hz,,148.1481 Hz', a period row ',0.000794 s,...' (2.x only), then data; an event table may
  follow to the right after an empty column).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io.channels import parse_channel_option
from emgcoach.io.delsys_csv import read_delsys_csv
from emgcoach.io.open import detect_format, read_recording
from tests.io.damage import damaged, edits, read_or_one_line

EMG_RATE, IMU_RATE = 1259.259, 148.1481


def _sine(n: int, rate: float, hz: float, amp: float) -> np.ndarray:
    return amp * np.sin(2 * np.pi * hz * np.arange(n) / rate)


def emgworks_export(path: str, sensors: dict[str, np.ndarray], rates: dict[str, float] | None = None,
                    encoding: str = "utf-8") -> None:
    """EMGworks' layout: per sensor an EMG channel (volts) and an ACC.X channel (g) at the IMU rate."""
    rates = rates or {}
    cols: list[tuple[str, float, str, np.ndarray]] = []
    for sensor, emg_v in sensors.items():
        number = sensor.split()[-1]
        rate = rates.get(sensor, EMG_RATE)
        cols.append((f"{sensor}: EMG {number}", rate, "V", emg_v))
        n_imu = int(len(emg_v) * IMU_RATE / rate)
        cols.append((f"{sensor}: ACC.X {number}", IMU_RATE, "g", np.full(n_imu, 0.98)))
        cols.append((f"{sensor}: GYRO.X {number}", IMU_RATE, "°/s", np.full(n_imu, 1.5)))
    lines = [f"Label: {name} Sampling frequency: {rate:.6e} Number of points: {len(v)} start: 0.000000e+000 "
             f"Unit: {unit} Domain Unit: s" for name, rate, unit, v in cols]
    lines += ["Start Trigger Method: None", "Stop Trigger Method: None", ""]
    lines.append(",".join(f'X[s],"{name}"' for name, _, _, _ in cols))
    for i in range(max(len(v) for _, _, _, v in cols)):
        cells = []
        for _, rate, _, v in cols:
            cells += [f"{i / rate:.7g}", f"{v[i]:.7g}"] if i < len(v) else ["", ""]
        lines.append(",".join(cells))
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")


def discover_export(path: str, sensors: dict[str, np.ndarray], rates: dict[str, float] | None = None,
                    version: str = "2.1.0.7", events: bool = False) -> None:
    """Trigno Discover's layout: per sensor EMG 1 (mV) and ACC X (G), each with its time column."""
    rates = rates or {}
    names, modes, chans, rate_row, period_row, data = [], [], [], [], [], []
    for sensor, emg_mv in sensors.items():
        rate = rates.get(sensor, EMG_RATE)
        n_imu = int(len(emg_mv) * IMU_RATE / rate)
        names += [sensor, "", "", ""]
        modes += ["sensor mode: 65", "", "", ""]
        chans += ["EMG 1 Time Series (s)", "EMG 1 (mV)", "ACC X Time Series (s)", "ACC X (G)"]
        rate_row += ["", f"{rate:.4f} Hz", "", f"{IMU_RATE:.4f} Hz"]
        period_row += ["", f"{1 / rate:.6f} s", "", f"{1 / IMU_RATE:.6f} s"]
        data.append((rate, emg_mv))
        data.append((IMU_RATE, np.full(n_imu, 0.98)))
    lines = [f"Application:,Trigno Discover ({version})", "Date/Time:,01-01-2026 10:00:00",
             f"Collection Length (seconds):,{len(next(iter(sensors.values()))) / EMG_RATE:.4f}",
             ",".join(names), ",".join(modes), ",".join(chans), ",".join(rate_row)]
    if not version.startswith("1."):
        lines.append(",".join(period_row) + (",,Type,Name,Label,Time (s)" if events else ""))
    for i in range(max(len(v) for _, v in data)):
        cells = []
        for rate, v in data:
            cells += [f"{i / rate:.7g}", f"{v[i]:.7g}"] if i < len(v) else ["", ""]
        if events and i < 2:
            cells += ["", "General", f"E{i}", "", f"{i * 0.5}"]
        lines.append(",".join(cells))
    with open(path, "w", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")


def _rms2(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(x.astype(float) ** 2, axis=0)) * np.sqrt(2)


def test_emgworks_volts_to_microvolts_imu_kept_out(tmp_path):
    n = 2500
    p = str(tmp_path / "trial.csv")
    emgworks_export(p, {"L Lat 1": _sine(n, EMG_RATE, 60, 1e-3), "R Glute 2": _sine(n, EMG_RATE, 80, 0.5e-3)},
                    encoding="cp1252")  # EMGworks writes the Windows code page: '°/s' is one byte
    assert detect_format(p) == "delsys"
    rec = read_recording(p)
    (s,) = rec.streams
    assert [(c.name, c.muscle, c.side) for c in s.info.channels] == [
        ("L Lat 1: EMG 1", "latissimus_dorsi", "left"), ("R Glute 2: EMG 2", "gluteus_maximus", "right")]
    np.testing.assert_allclose(_rms2(s.data), [1000.0, 500.0], rtol=2e-3)
    assert s.info.rate_hz == pytest.approx(1259.259, rel=1e-6) and s.n_samples == n and s.t0 == 0.0
    assert s.gaps == [] and s.unit_assumed == ()
    assert s.info.extra["read_as"].startswith("Delsys EMGworks CSV export, 2 EMG channel(s)")


def test_emgworks_sensors_at_two_rates_are_two_streams(tmp_path):
    p = str(tmp_path / "mixed.csv")
    emgworks_export(p, {"Lat L 1": _sine(2000, 1925.93, 60, 1e-3), "Glute R 2": _sine(1500, 1111.11, 60, 1e-3)},
                    rates={"Lat L 1": 1925.93, "Glute R 2": 1111.11})
    rec = read_recording(p, channels=[parse_channel_option("1:glute:right")])
    assert [s.info.rate_hz for s in rec.streams] == pytest.approx([1925.93, 1111.11])
    assert [s.n_samples for s in rec.streams] == [2000, 1500]
    assert rec.streams[1].info.channels[0].muscle == "gluteus_maximus"  # override index counts across streams


@pytest.mark.parametrize("version", ["2.1.0.7", "1.7.0"])
def test_discover_millivolts_and_names(tmp_path, version):
    n = 3000
    p = str(tmp_path / "discover.csv")
    discover_export(p, {"L LAT (81728)": _sine(n, EMG_RATE, 60, 1.0), "R GLUTE (81745)": _sine(n, EMG_RATE, 70, 0.25)},
                    version=version, events=True)
    assert detect_format(p) == "delsys"
    (s,) = read_recording(p).streams
    assert [(c.name, c.muscle, c.side) for c in s.info.channels] == [
        ("L LAT (81728): EMG 1", "latissimus_dorsi", "left"), ("R GLUTE (81745): EMG 1", "gluteus_maximus", "right")]
    np.testing.assert_allclose(_rms2(s.data), [1000.0, 250.0], rtol=2e-3)
    assert s.info.rate_hz == pytest.approx(1259.2593) and s.n_samples == n


def test_discover_no_emg_and_channel_by_label(tmp_path):
    p = str(tmp_path / "imu_only.csv")
    discover_export(p, {"Sensor 1": _sine(500, EMG_RATE, 60, 1.0)})
    text = open(p).read().replace("EMG 1 Time Series (s),EMG 1 (mV)", "Analog 1 Time Series (s),Analog 1 (V)")
    with open(p, "w") as f:
        f.write(text)
    with pytest.raises(InputError, match=r"no EMG channel among the export's 2 \(Sensor 1: Analog 1, Sensor 1: ACC X\)"):
        read_recording(p)
    s = read_recording(p, channels=[parse_channel_option("Sensor 1: Analog 1=lat:left")]).streams[0]
    assert s.info.channels[0].muscle == "latissimus_dorsi"
    assert _rms2(s.data)[0] == pytest.approx(1e6, rel=2e-3)  # volts


def test_hole_in_a_column_names_line_and_column(tmp_path):
    p = str(tmp_path / "hole.csv")
    emgworks_export(p, {"Lat 1": _sine(300, EMG_RATE, 60, 1e-3)})
    lines = open(p, newline="").read().split("\r\n")
    cells = lines[40].split(",")
    cells[1] = ""
    lines[40] = ",".join(cells)
    with open(p, "w") as f:
        f.write("\r\n".join(lines))
    with pytest.raises(InputError, match=r"line 41, column 2 \('Lat 1: EMG 1'\): an empty cell"):
        read_recording(p)


_TMP = tempfile.mkdtemp(prefix="emgcoach-delsys-")
_SEEDS = {}
for _name, _writer in (("emgworks", emgworks_export), ("discover", discover_export)):
    _SEEDS[_name] = os.path.join(_TMP, f"{_name}.csv")
    _writer(_SEEDS[_name], {"L Lat 1": np.random.default_rng(0).normal(0, 1e-4, 60),
                            "R Glute 2": np.random.default_rng(1).normal(0, 1e-4, 60)})
SEED_BYTES = {k: open(v, "rb").read() for k, v in _SEEDS.items()}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SEED_BYTES)), edits(list(b",\r\n0.-eV[]s:Hz ") + [0, 0xB0, 0xFF]))
def test_damaged_export_is_one_line(which, changes):
    p = os.path.join(_TMP, "fuzz.csv")
    with open(p, "wb") as f:
        f.write(damaged(SEED_BYTES[which], changes))
    read_or_one_line(p, read_delsys_csv, read_recording)  # the reader itself raises nothing but InputError
