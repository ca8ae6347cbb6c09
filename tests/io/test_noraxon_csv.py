"""Noraxon MR3 / MR 4 CSV exports (issue 16), on files written by the export's layout as public analysis
scripts read it: a record's metadata ('type,begin_time,frequency,count,created with version,exported with
version,measurement_date,record_name' over 'record,0.00000,2000,...,Noraxon MR 4.0.22,...'), a blank line,
then the table header 'time,Activity,Marker,LT TIB.ANT. (uV),LT LAT. GASTRO (uV),...,RT GLUT. MAX. (uV),
Switch (On)' (MR3, read with pandas' skiprows=4 by those scripts: three lines above the header) or bare
names such as 'LT BICEPS FEM.' (MR 4), and rows whose Activity ('REST') and Marker ('M1') cells are text.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from emgcoach.errors import InputError
from emgcoach.io.channels import parse_channel_option
from emgcoach.io.csv_reader import read_csv
from emgcoach.io.noraxon_csv import noraxon_role, read_noraxon_csv
from emgcoach.io.open import detect_format, read_recording
from tests.io.damage import damaged, edits, read_or_one_line

RATE = 2000.0
NAMES = ("LT TIB.ANT. (uV)", "LT LAT. GASTRO (uV)", "RT GLUT. MAX. (uV)", "LT LATISSIMUS (uV)")


def mr3_export(path: str, emg_uv: np.ndarray, names=NAMES, version: str = "Noraxon MR 3.16.74",
               extra_columns: bool = True) -> None:
    n = emg_uv.shape[1]
    head = ["type,begin_time,frequency,count,created with version,exported with version,measurement_date,record_name",
            f"record,0.00000,{RATE:g},{n},{version},3.16.74,2024-05-02T10:11:12,SQUAT", "",
            "time,Activity,Marker," + ",".join(names) + (",RT Force (N),Switch (On)" if extra_columns else "")]
    rows = []
    for i in range(n):
        activity = "REST" if i == 0 else ("SQUAT" if i == n // 2 else "")
        marker = "M1" if i == 10 else ""
        cells = [f"{i / RATE:.5f}", activity, marker] + [f"{v:.3f}" for v in emg_uv[:, i]]
        rows.append(",".join(cells + (["512.0", "0"] if extra_columns else [])))
    with open(path, "w", newline="") as f:
        f.write("\r\n".join(head + rows) + "\r\n")


def test_the_dialect_reader_alone_does_not_read_it(tmp_path):
    p = str(tmp_path / "mr3.csv")
    mr3_export(p, np.zeros((4, 50)))
    with pytest.raises(InputError):
        read_csv(p, rate_hz=RATE)  # text Activity/Marker cells: the generic table reader gives up


def test_mr3_channels_roles_and_markers(tmp_path):
    t = np.arange(4000) / RATE
    emg = np.vstack([a * np.sin(2 * np.pi * 60 * t) for a in (100.0, 200.0, 300.0, 400.0)])
    p = str(tmp_path / "squat.csv")
    mr3_export(p, emg)
    assert detect_format(p) == "noraxon"
    rec = read_recording(p)
    (s,) = rec.streams
    assert [(c.name, c.muscle, c.side) for c in s.info.channels] == [
        ("LT TIB.ANT.", "other", "left"), ("LT LAT. GASTRO", "other", "left"),
        ("RT GLUT. MAX.", "gluteus_maximus", "right"), ("LT LATISSIMUS", "latissimus_dorsi", "left")]
    np.testing.assert_allclose(np.sqrt(np.mean(s.data.astype(float) ** 2, axis=0)) * np.sqrt(2),
                               [100, 200, 300, 400], rtol=1e-3)
    assert s.info.rate_hz == RATE and s.unit_assumed == () and s.t0 == 0.0
    assert [(m.time_s, m.payload) for m in rec.markers] == [
        (0.0, {"activity": "REST", "source": "noraxon"}), (0.005, {"event": "M1", "source": "noraxon"}),
        (1.0, {"activity": "SQUAT", "source": "noraxon"})]
    assert rec.started_at == "2024-05-02T10:11:12"
    assert s.info.extra["read_as"] == "Noraxon CSV export (Noraxon MR 3.16.74) at 2000 Hz, 4 EMG of 8 column(s)"


def test_mr4_bare_names_units_assumed_or_given(tmp_path):
    p = str(tmp_path / "mr4.csv")
    mr3_export(p, np.full((2, 100), 0.5), names=("LT BICEPS FEM.", "RT BICEPS FEM."), version="Noraxon MR 4.0.22")
    s = read_recording(p).streams[0]
    assert [(c.muscle, c.side) for c in s.info.channels] == [("biceps_femoris", "left"), ("biceps_femoris", "right")]
    assert s.unit_assumed == (0, 1)
    assert read_recording(p, unit="mV").streams[0].data[0, 0] == pytest.approx(500.0)


def test_force_column_by_label_is_refused_as_not_a_voltage(tmp_path):
    p = str(tmp_path / "f.csv")
    mr3_export(p, np.zeros((1, 20)), names=("RT GLUT. MAX. (mV)",))
    with pytest.raises(InputError, match=r"'RT Force \(N\)' is in 'N', not a voltage"):
        read_recording(p, channels=[parse_channel_option("RT Force=glute:right")])


@pytest.mark.parametrize("name, role", [("RT GLUT. MED.", ("gluteus_medius", "right")),
                                        ("LT LUMBAR ES", ("erector_spinae", "left")),
                                        ("RT SEMITEND.", ("semitendinosus", "right")),
                                        ("RT VLO", ("other", "right"))])
def test_noraxon_muscle_names(name, role):
    assert noraxon_role(name) == role


_TMP = tempfile.mkdtemp(prefix="emgcoach-noraxon-")
_SEED_PATH = os.path.join(_TMP, "seed.csv")
mr3_export(_SEED_PATH, np.random.default_rng(0).normal(0, 50, (2, 40)), names=NAMES[2:])
with open(_SEED_PATH, "rb") as _f:
    SEED = _f.read()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits(list(b",;\t\r\n0.-e()uV ") + [0, 0xB5, 0xFF]))
def test_damaged_export_is_one_line(changes):
    p = os.path.join(_TMP, "fuzz.csv")
    with open(p, "wb") as f:
        f.write(damaged(SEED, changes))
    read_or_one_line(p, read_noraxon_csv, read_recording)
