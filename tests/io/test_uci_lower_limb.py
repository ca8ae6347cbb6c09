"""The UCI "EMG dataset in Lower Limb" as real data: all six files of ../shared/data/uci_lower_limb (beside
the repository; skipped when absent) and the two bundled in recordings/uci_lower_limb (always) read as
they are, with the sample counts, RMS figures and knee angle ranges that the data set's README lists,
and analysed like any recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgcoach.analysis import analyze
from emgcoach.io.datalog import goniometer_trace
from emgcoach.io.open import detect_format, read_recording
from emgcoach.io.units import unit_warnings

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "uci_lower_limb"
BUNDLED = ROOT / "recordings" / "uci_lower_limb"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} not present (the shared data folder beside the repository)")

MUSCLES = ["rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"]
# file: (EMG samples, goniometer samples); 5N's goniometer: 50 Hz values interpolated to 1000/s
COUNTS = {
    "3Amar.txt": (43_665, 43_665),
    "3Apie.txt": (22_124, 22_124),
    "3Asen.txt": (38_971, 38_971),
    "5Nmar.txt": (6_563, 329 * 20),
    "5Npie.txt": (15_260, 763 * 20),
    "5Nsen.txt": (13_480, 674 * 20),
}
# the data README's table: EMG RMS in µV (RF, BF, VM, ST) and the knee angle range in degrees
README_RMS_UV = {
    "3Amar.txt": (8.9, 19.2, 151.6, 25.9),
    "3Apie.txt": (8.4, 24.5, 8.2, 20.5),
    "3Asen.txt": (8.2, 3.1, 6.5, 3.3),
}
README_KNEE_DEG = {"3Amar.txt": (1.3, 59.7), "3Apie.txt": (-0.8, 97.8), "3Asen.txt": (9.9, 88.5)}


@needs_shared
@pytest.mark.parametrize("name", sorted(COUNTS))
def test_every_file_reads_with_its_counts_roles_and_units(name: str) -> None:
    path = SHARED / name
    assert detect_format(str(path)) == "datalog"
    rec = read_recording(path)
    (emg,) = rec.streams
    assert emg.info.rate_hz == 1000.0
    assert [c.muscle for c in emg.info.channels] == MUSCLES
    assert {c.side for c in emg.info.channels} == {"none"}
    n_emg, n_knee = COUNTS[name]
    assert emg.n_samples == n_emg and rec.duration_s == pytest.approx(n_emg / 1000.0)
    t, knee = goniometer_trace(rec)
    assert len(knee) == n_knee and t[-1] == pytest.approx((n_knee - 1) / 1000.0)
    # mV in the file, µV here: surface EMG of a few to a few hundred µV, 0.75 µV steps
    rms = np.sqrt(np.mean(emg.data.astype(np.float64) ** 2, axis=0))
    assert np.all((rms > 2.0) & (rms < 200.0)), rms
    assert unit_warnings(rec) == []  # the header states mV


@needs_shared
@pytest.mark.parametrize("name", sorted(README_RMS_UV))
def test_rms_and_knee_range_match_the_data_readme(name: str) -> None:
    """The README's RMS is of the unfiltered signal about its mean (its offset removed): the plain RMS
    differs in the first decimal for 3Amar's and 3Apie's RF (9.0 and 8.5 µV), the band-passed RMS that
    `analyze` prints is lower (3Amar VM: about 107 µV, the README 151.6: slow movement artefact)."""
    rec = read_recording(SHARED / name)
    x = rec.streams[0].data.astype(np.float64)
    about_mean = np.std(x, axis=0)
    np.testing.assert_allclose(about_mean, README_RMS_UV[name], atol=0.05 + 1e-9)
    lo, hi = README_KNEE_DEG[name]
    _, knee = goniometer_trace(rec)
    assert knee.min() == pytest.approx(lo, abs=1e-4) and knee.max() == pytest.approx(hi, abs=1e-4)
    if name == "3Amar.txt":
        plain = np.sqrt(np.mean(x**2, axis=0))
        assert round(float(plain[0]), 1) == 9.0  # not the README's 8.9: its RMS is about the mean
        vm = analyze(rec).channels[2]
        assert 90.0 < vm.rms_uv < 120.0


@needs_shared
@pytest.mark.parametrize("name", sorted(COUNTS))
def test_analysis_finds_onsets_in_all_four_muscles_and_leaves_the_goniometer_out(name: str) -> None:
    result = analyze(read_recording(SHARED / name))
    assert [c.spec.muscle for c in result.channels] == MUSCLES
    for c in result.channels:
        assert c.onsets_s, f"{name}: no onset in {c.spec.name}"
        assert all(0.0 <= t <= result.duration_s for t in c.onsets_s)
    assert len(result.pairs) == 6  # every pair of the four muscles: no sling roles here


@pytest.mark.parametrize("name", ["5Nmar.txt", "5Npie.txt"])
def test_bundled_files_read_and_are_the_shared_ones(name: str) -> None:
    path = BUNDLED / name
    rec = read_recording(path)
    assert rec.streams[0].n_samples == COUNTS[name][0]
    assert len(goniometer_trace(rec)[1]) == COUNTS[name][1]
    assert (BUNDLED / "LICENSE").read_text().count("CC BY 4.0") >= 1
    if SHARED.is_dir():
        assert path.read_bytes() == (SHARED / name).read_bytes()


def test_standing_knee_flexions_show_in_the_hamstring_before_the_knee_bends() -> None:
    """5Npie (standing knee flexion, bundled): the knee bends five times past 80 degrees; a hamstring
    (biceps femoris or semitendinosus) has an onset in the second before each bend crosses 20 degrees (0.2-0.6 s before, in this file)."""
    rec = read_recording(BUNDLED / "5Npie.txt")
    t, knee = goniometer_trace(rec)
    rising = np.nonzero((knee[1:] >= 20.0) & (knee[:-1] < 20.0))[0] + 1
    assert len(rising) == 5 and all(knee[r : r + 3000].max() > 80.0 for r in rising)
    result = analyze(rec)
    hamstrings = sorted(t_on for c in result.channels if c.spec.muscle in ("biceps_femoris", "semitendinosus")
                        for t_on in c.onsets_s)
    for r in rising:
        assert any(t[r] - 1.0 <= t_on <= t[r] for t_on in hamstrings), f"no hamstring onset before the bend at {t[r]:.2f} s"
