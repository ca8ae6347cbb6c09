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
