"""Knee movements from a goniometer trace, and the onset-vs-movement reference on the real UCI files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from emgcoach.dsp.movement import movement_onsets, onset_leads_ms

ROOT = Path(__file__).resolve().parents[2]


def _angle(starts: list[float], rate: float = 1000.0, duration: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """Knee flexion from 5 to 95 degrees over 0.8 s (half-cosine) at each start, held 2 s, back over 0.8 s."""
    t = np.arange(int(duration * rate)) / rate
    a = np.full_like(t, 5.0)
    for s in starts:
        up = (t >= s) & (t < s + 0.8)
        a[up] = 5.0 + 45.0 * (1 - np.cos(np.pi * (t[up] - s) / 0.8))
        a[(t >= s + 0.8) & (t < s + 2.8)] = 95.0
        down = (t >= s + 2.8) & (t < s + 3.6)
        a[down] = 5.0 + 45.0 * (1 + np.cos(np.pi * (t[down] - s - 2.8) / 0.8))
    return t, a + np.random.default_rng(0).normal(0, 0.3, len(t))


def test_movement_onsets_are_where_the_angle_leaves_its_plateau() -> None:
    t, a = _angle([1.0, 6.0, 11.0])
    up = movement_onsets(t, a, +1)
    # 5 % of the 90 degree range (4.5 degrees) is reached 0.115 s into the half-cosine rise
    np.testing.assert_allclose(up, [1.115, 6.115, 11.115], atol=0.03)
    down = movement_onsets(t, a, -1)  # the returns, from the upper plateau
    np.testing.assert_allclose(down, [3.915, 8.915, 13.915], atol=0.03)
    assert movement_onsets(t, np.full_like(t, 30.0)) == []


def test_onset_leads_pair_each_movement_with_the_last_onset_before_it() -> None:
    assert onset_leads_ms([0.5, 0.9, 5.0], [1.0, 3.0, 5.1]) == pytest.approx([100.0, 100.0])


def _bench():
    spec = importlib.util.spec_from_file_location("onset_reference", ROOT / "benchmarks" / "onset_reference.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_hamstring_onsets_lead_every_knee_bend_of_the_bundled_recording() -> None:
    bench = _bench()
    rows = bench.rows(ROOT / "recordings" / "uci_lower_limb")
    ham = [r for r in rows if r["file"] == "5Npie.txt"]
    assert {r["muscle"] for r in ham} == {"biceps_femoris", "semitendinosus"}
    for r in ham:
        n, median, sd = r["app"]
        assert r["movements"] == 5 and n == 5  # an onset before each of the five bends
        assert 50.0 < median < 400.0  # the muscle fires before the knee moves
        # the bounded trace-back spreads the lead no more than the unbounded one did
        assert sd <= r["back_200ms"][2] + 1.0


def test_the_trace_back_moves_no_onset_more_than_50_ms_on_real_muscles() -> None:
    shifts = _bench().shifts_ms(ROOT / "recordings" / "uci_lower_limb")
    assert len(shifts["app"]) > 10
    assert shifts["app"].max() <= 50.0 and shifts["app"].min() >= 0.0
    assert shifts["back_200ms"].max() > 50.0  # what the unbounded trace-back did on the same bursts
