"""Rest baseline estimates and %MVC normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.dsp.normalise import MvcNormaliser, estimate_rest, rest_from_segment

RATE = 1000.0


def test_estimate_rest_finds_the_quiet_part_per_channel() -> None:
    rng = np.random.default_rng(0)
    n = int(20 * RATE)
    a = 50 + 5 * rng.standard_normal(n)
    a[int(12 * RATE) : int(16 * RATE)] = 4 + 0.5 * rng.standard_normal(int(4 * RATE))  # rest on ch 0
    b = 3 + 0.3 * rng.standard_normal(n)
    b[: int(5 * RATE)] = 80  # contraction first on ch 1
    rest = estimate_rest(np.column_stack([a, b]), RATE)
    np.testing.assert_allclose(rest.mean_uv, [4.0, 3.0], rtol=0.05)
    np.testing.assert_allclose(rest.sd_uv, [0.5, 0.3], rtol=0.2)
    np.testing.assert_allclose(rest.threshold_uv(3.0), rest.mean_uv + 3 * rest.sd_uv)


def test_rest_from_segment() -> None:
    r = rest_from_segment(np.array([1.0, 2.0, 3.0]))
    assert r.mean_uv[0] == pytest.approx(2.0) and r.sd_uv[0] == pytest.approx(np.std([1, 2, 3]))


def test_mvc_normaliser_maps_rest_to_0_and_mvc_to_100() -> None:
    n = MvcNormaliser(mvc_uv=[200.0, 100.0], rest_uv=[5.0, 4.0])
    y = n.process(np.array([[5.0, 4.0], [200.0, 100.0], [102.5, 52.0], [1.0, 1.0]]))
    np.testing.assert_allclose(y, [[0, 0], [100, 100], [50, 50], [0, 0]])
    with pytest.raises(ValueError):
        MvcNormaliser(mvc_uv=3.0, rest_uv=5.0)


def test_estimate_rest_on_a_real_envelope_shape_and_1d() -> None:
    rng = np.random.default_rng(1)
    n = int(10 * RATE)
    env = 6.0 + 0.8 * rng.standard_normal(n)
    env[int(3 * RATE) : int(6 * RATE)] += 100.0  # a contraction
    rest = estimate_rest(env, RATE, window_s=0.5)
    assert rest.mean_uv.shape == (1,) and rest.mean_uv[0] == pytest.approx(6.0, abs=0.3)
    assert rest.sd_uv[0] == pytest.approx(0.8, rel=0.2)
    with pytest.raises(ValueError):
        estimate_rest(np.zeros((0, 2)), RATE)
    with pytest.raises(ValueError):
        rest_from_segment(np.zeros(0))


def test_rest_from_segment_per_channel() -> None:
    seg = np.column_stack([np.full(100, 3.0), np.arange(100.0)])
    r = rest_from_segment(seg)
    np.testing.assert_allclose(r.mean_uv, [3.0, 49.5])
    np.testing.assert_allclose(r.sd_uv, [0.0, np.std(np.arange(100.0))])


def test_mvc_normaliser_is_stateless_shape_keeping_and_broadcasts_scalars() -> None:
    n = MvcNormaliser(mvc_uv=110.0, rest_uv=10.0)
    x = np.linspace(0, 300, 1000)
    y = n.process(x)
    assert y.shape == x.shape and y.min() == 0.0 and y.max() == pytest.approx(290.0)
    np.testing.assert_allclose(np.concatenate([n.process(x[:333]), n.process(x[333:])]), y)
    assert n.process(np.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(ValueError):
        MvcNormaliser(mvc_uv=[100.0, 5.0], rest_uv=5.0)  # equal on channel 1
