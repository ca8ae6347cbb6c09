"""Feedback figures: the same session reads the same whether levels are shown in %MVC or in µV."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.coach.live_feedback import PCT_TARGETS, Band, figures, pct_band_in_uv
from emgcoach.dsp.normalise import MvcNormaliser

RATE = 1000.0
REST = np.array([6.0, 4.0])  # µV, lat and glute
MVC = np.array([220.0, 130.0])


def _envelopes(lat_pct: float, glute_pct: float) -> np.ndarray:
    """Two seconds of µV envelopes holding the given %MVC levels (with a little ripple)."""
    t = np.arange(int(2 * RATE)) / RATE
    pct = np.column_stack([np.full_like(t, lat_pct), np.full_like(t, glute_pct)]) * (1 + 0.02 * np.sin(2 * np.pi * 3 * t))[:, None]
    return REST + pct / 100.0 * (MVC - REST)


def test_pct_band_in_uv() -> None:
    band = pct_band_in_uv(Band(20.0, 40.0), 6.0, 220.0)
    assert band.lo == pytest.approx(6.0 + 0.2 * 214.0) and band.hi == pytest.approx(6.0 + 0.4 * 214.0)
    assert pct_band_in_uv(Band(20.0), 4.0, 130.0).hi == float("inf")


@pytest.mark.parametrize(("lat_pct", "glute_pct"), [(30.0, 25.0), (30.0, 12.0), (55.0, 30.0), (8.0, 5.0), (21.0, 20.5)])
def test_microvolts_through_the_calibration_agree_with_pct(lat_pct: float, glute_pct: float) -> None:
    uv = _envelopes(lat_pct, glute_pct)
    pct = MvcNormaliser(MVC, REST).process(uv)
    in_pct = figures(pct[:, 0], pct[:, 1], RATE, calibrated=True)
    in_uv = figures(uv[:, 0], uv[:, 1], RATE, calibrated=False, calibration_uv=((REST[0], MVC[0]), (REST[1], MVC[1])))
    assert in_pct.unit == "%MVC" and in_uv.unit == "µV" and in_pct.calibrated and in_uv.calibrated
    assert in_uv.both_on_target == in_pct.both_on_target
    assert in_uv.lat_band.contains(in_uv.lat) == PCT_TARGETS["latissimus_dorsi"].contains(in_pct.lat)
    assert in_uv.lat == pytest.approx(REST[0] + in_pct.lat / 100 * (MVC[0] - REST[0]), rel=1e-9)
    assert in_uv.cci == pytest.approx(in_pct.cci, rel=1e-9, nan_ok=True)  # one gauge, whatever the unit


def test_uncalibrated_targets_are_multiples_of_rest() -> None:
    uv = _envelopes(30.0, 30.0)
    fig = figures(uv[:, 0], uv[:, 1], RATE, calibrated=False, rest_uv=(6.0, 4.0))
    assert not fig.calibrated and fig.lat_band.lo == 30.0 and fig.glute_band.lo == 20.0


def _session(lat_pct: np.ndarray, glute_pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """µV and %MVC envelopes (lat, glute columns) for per-sample %MVC profiles, with 3 % noise."""
    rng = np.random.default_rng(7)
    pct = np.column_stack([lat_pct, glute_pct]) * (1 + 0.03 * rng.standard_normal((len(lat_pct), 2)))
    pct = np.clip(pct, 0.0, None)
    return REST + pct / 100.0 * (MVC - REST), pct


@pytest.mark.parametrize("unit", ["pct", "uv_calibrated", "uv_rest"])
def test_gauge_reads_co_activation_not_two_resting_noise_floors(unit: str) -> None:
    """At rest the gauge has no reading (two quiet noise floors are alike, not co-active); both muscles
    working together reads high; the lat alone reads low, in every unit."""
    n = int(2 * RATE)
    cases = {"rest": (np.full(n, 0.5), np.full(n, 0.5)), "together": (np.full(n, 30.0), np.full(n, 25.0)),
             "lat alone": (np.full(n, 30.0), np.full(n, 0.5))}
    got = {}
    for name, (lat, glute) in cases.items():
        uv, pct = _session(lat, glute)
        if unit == "pct":
            fig = figures(pct[:, 0], pct[:, 1], RATE, calibrated=True)
        elif unit == "uv_calibrated":
            fig = figures(uv[:, 0], uv[:, 1], RATE, calibrated=False,
                          calibration_uv=((REST[0], MVC[0]), (REST[1], MVC[1])))
        else:  # no calibration: resting and reference (peak dynamic) levels measured
            ref = (float(REST[0] + 0.4 * (MVC[0] - REST[0])), float(REST[1] + 0.4 * (MVC[1] - REST[1])))
            fig = figures(uv[:, 0], uv[:, 1], RATE, calibrated=False, rest_uv=(float(REST[0]), float(REST[1])),
                          reference_uv=ref)
        got[name] = fig.cci
    assert np.isnan(got["rest"]), got
    assert got["together"] > 0.8 and got["lat alone"] < 0.2, got
    if unit == "uv_rest":  # without rest and reference levels there is no telling rest from work: no reading
        uv, _ = _session(*cases["together"])
        assert np.isnan(figures(uv[:, 0], uv[:, 1], RATE, calibrated=False).cci)
        assert np.isnan(figures(uv[:, 0], uv[:, 1], RATE, calibrated=False, rest_uv=(float(REST[0]), float(REST[1]))).cci)


def test_the_gauge_is_gain_free_and_agrees_with_analyze_and_rep_scores() -> None:
    """Uncalibrated, one sensor at 5x the gain reads the same CCI and shared level; and the figure is the
    one `dsp.coactivation.coactivation` gives on the same normalised envelopes (what analyze uses)."""
    from emgcoach.coach.live_feedback import rest_and_reference
    from emgcoach.dsp.coactivation import coactivation, normalised

    n = int(32 * RATE)
    t = np.arange(n) / RATE
    lat_pct = np.where((t % 4.0) < 2.0, 30.0, 0.5)
    glute_pct = np.where(((t - 0.1) % 4.0) < 2.0, 22.0, 0.5)
    uv, _ = _session(lat_pct, glute_pct)
    levels = [rest_and_reference(uv[: int(30 * RATE), c], RATE) for c in range(2)]
    rest, ref = (levels[0][0], levels[1][0]), (levels[0][1], levels[1][1])
    window = slice(int(29.5 * RATE), int(31.5 * RATE))
    fig = figures(uv[window, 0], uv[window, 1], RATE, calibrated=False, rest_uv=rest, reference_uv=ref)
    assert fig.cci_basis == "reference" and 0.5 < fig.cci < 1.0 and fig.cci_level_pct > 30.0
    loud = uv[:, 1] * 5.0
    g = rest_and_reference(loud[: int(30 * RATE)], RATE)
    fig5 = figures(uv[window, 0], loud[window], RATE, calibrated=False, rest_uv=(rest[0], g[0]), reference_uv=(ref[0], g[1]))
    assert abs(fig5.cci - fig.cci) < 0.02 and fig5.cci_level_pct == pytest.approx(fig.cci_level_pct, abs=1.0)
    a, b = normalised(uv[window, 0], rest[0], ref[0]), normalised(uv[window, 1], rest[1], ref[1])
    index, shared = coactivation(a, b, (a > 5.0) | (b > 5.0))
    assert fig.cci == pytest.approx(index) and fig.cci_level_pct == pytest.approx(shared)
