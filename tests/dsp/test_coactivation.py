"""Co-activation metrics: CCI, overlap, onset latency, cross-correlation lag, with hand-computed numbers."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import signal

from emgcoach.dsp.coactivation import (
    active_mask,
    cci,
    match_onsets,
    onset_latencies_ms,
    overlap_fraction,
    xcorr_peak,
)

# ---------------------------------------------------------------- CCI


def test_cci_identical_is_one() -> None:
    rng = np.random.default_rng(1)
    a = np.abs(rng.normal(10, 5, 5000))
    assert abs(cci(a, a) - 1.0) < 1e-9


def test_cci_disjoint_is_zero() -> None:
    a = np.zeros(1000)
    b = np.zeros(1000)
    a[100:300] = 50.0
    b[500:800] = 20.0
    assert cci(a, b) == 0.0


def test_cci_half_by_hand() -> None:
    # a = 2 everywhere, b = 2 on the first half and 0 after: common area 2*50 = 100,
    # total area 2*100 + 2*50 = 300 -> CCI = 2*100/300 = 2/3.
    a = np.full(100, 2.0)
    b = np.r_[np.full(50, 2.0), np.zeros(50)]
    assert cci(a, b) == pytest.approx(2.0 / 3.0, abs=1e-12)
    # a = 3, b = 1 everywhere: common 1 per sample, total 4 -> 2*1/4 = 0.5
    assert cci(np.full(10, 3.0), np.full(10, 1.0)) == pytest.approx(0.5, abs=1e-12)
    # two boxes overlapping over a third of their length: common 1*1, total 3+3 -> 2/6
    a = np.r_[np.ones(3), np.zeros(2)]
    b = np.r_[np.zeros(2), np.ones(3)]
    assert cci(a, b) == pytest.approx(1.0 / 3.0, abs=1e-12)


def test_cci_zero_and_negative_and_nan() -> None:
    z = np.zeros(100)
    assert cci(z, z) == 0.0
    # negatives clipped at 0: same as a disjoint pair
    a = np.r_[np.full(50, 5.0), np.full(50, -5.0)]
    b = np.r_[np.full(50, -5.0), np.full(50, 5.0)]
    assert cci(a, b) == 0.0
    # NaN samples are left out
    a = np.array([1.0, np.nan, 3.0])
    b = np.array([1.0, 7.0, 1.0])
    assert cci(a, b) == pytest.approx(2 * (1 + 1) / (2 + 4))


def test_cci_active_window() -> None:
    a = np.r_[np.full(50, 4.0), np.full(50, 1.0)]
    b = np.r_[np.full(50, 4.0), np.full(50, 3.0)]
    m = np.r_[np.zeros(50, bool), np.ones(50, bool)]
    assert cci(a, b, active=m) == pytest.approx(0.5)
    assert cci(a, b, active=~m) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        cci(a, b, active=m[:10])
    with pytest.raises(ValueError):
        cci(a, b[:10])


# no subnormals: scaling them by 1e-3 underflows, which is float arithmetic, not the index
_value = st.one_of(st.just(0.0), st.floats(1e-6, 1e4), st.floats(-10.0, -1e-6))
env = arrays(np.float64, st.integers(1, 200), elements=_value)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_cci_properties(data: st.DataObject) -> None:
    a = data.draw(env)
    b = data.draw(arrays(np.float64, a.shape, elements=_value))
    k = data.draw(st.floats(1e-3, 1e3))
    c = cci(a, b)
    assert 0.0 <= c <= 1.0
    assert c == pytest.approx(cci(b, a), abs=1e-12)
    assert cci(k * a, k * b) == pytest.approx(c, abs=1e-9)
    json.dumps(c, allow_nan=False)


# ---------------------------------------------------------------- overlap


def test_overlap_fraction() -> None:
    a = np.zeros(100, bool)
    b = np.zeros(100, bool)
    assert overlap_fraction(a, b) == 0.0
    a[10:50] = True  # 40 samples
    b[30:70] = True  # 40 samples, 20 shared; union 10..70 = 60
    assert overlap_fraction(a, b) == pytest.approx(20 / 60)
    assert overlap_fraction(a, a) == 1.0
    assert overlap_fraction(a, ~a) == 0.0


def test_active_mask() -> None:
    e = np.array([0.0, 5.0, 10.0, np.nan, 11.0])
    assert active_mask(e, 5.0).tolist() == [False, False, True, False, True]


# ---------------------------------------------------------------- onset latency


def test_onset_latency_recovers_shift() -> None:
    a = 2.0 + 6.0 * np.arange(10)
    b = a + 0.080
    lat = onset_latencies_ms(a, b)
    assert len(lat) == 10
    assert np.allclose(lat, 80.0, atol=0.5)
    # negative lag: B before A
    assert np.allclose(onset_latencies_ms(a, a - 0.040), -40.0, atol=0.5)


def test_onset_latency_unmatched_and_extra() -> None:
    a = np.array([1.0, 5.0, 9.0, 13.0])
    # no B near 5.0; an extra B far away; a B near 13 out of window (0.7 s)
    b = np.array([1.1, 9.05, 13.7, 20.0])
    m = match_onsets(a, b, max_lag_s=0.5)
    assert m.pairs == [(0, 0), (2, 1)]
    assert np.allclose(m.latencies_ms, [100.0, 50.0])
    assert m.n_unmatched_a == 2 and m.unmatched_a == [1, 3]
    assert m.unmatched_b == [2, 3]
    assert onset_latencies_ms(a, b) == m.latencies_ms
    json.dumps(m.latencies_ms, allow_nan=False)
    assert onset_latencies_ms([], [1.0]) == []
    assert onset_latencies_ms([1.0], []) == []


def test_onset_each_b_used_once_nearest() -> None:
    # Two A onsets 0.3 s apart, one B between them nearer the second: it goes to the second.
    m = match_onsets([1.0, 1.3], [1.2], max_lag_s=0.5)
    assert m.pairs == [(1, 0)]
    assert m.latencies_ms == pytest.approx([-100.0])
    # B onsets unsorted still work
    assert onset_latencies_ms([1.0, 3.0], [3.05, 1.02]) == pytest.approx([20.0, 50.0])


# ---------------------------------------------------------------- cross-correlation


def _smoothed_envelope(n: int, rate: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sos = signal.butter(2, 3.0, fs=rate, output="sos")
    return np.abs(signal.sosfiltfilt(sos, rng.standard_normal(n))) * 100.0 + 5.0


def test_xcorr_recovers_delay() -> None:
    rate = 1000.0
    n = int(60 * rate)
    shift = int(0.120 * rate)  # 120 ms
    x = _smoothed_envelope(n + shift, rate, 3)
    a = x[shift:]  # a leads
    b = x[:-shift]  # b[n] = a[n - shift]: b lags a by 120 ms
    lag_ms, r = xcorr_peak(a, b, rate)
    assert abs(lag_ms - 120.0) <= 1000.0 / rate
    assert r > 0.95
    lag_ms, r = xcorr_peak(b, a, rate)
    assert abs(lag_ms + 120.0) <= 1000.0 / rate


def test_xcorr_limits_and_degenerate() -> None:
    rate = 100.0
    x = _smoothed_envelope(3000, rate, 4)
    assert xcorr_peak(x, np.full_like(x, 3.0), rate) == (0.0, 0.0)
    lag, r = xcorr_peak(x, x, rate)
    assert abs(lag) < 1e-9 and r == pytest.approx(1.0)
    lag, r = xcorr_peak(x, -x, rate, max_lag_s=0.2)
    assert abs(lag) <= 200.0 and -1.0 <= r <= 1.0


def test_xcorr_fast_on_ten_minutes() -> None:
    rate = 2000.0
    x = _smoothed_envelope(int(600 * rate), rate, 5)
    t = time.perf_counter()
    xcorr_peak(x, np.roll(x, 100), rate)
    assert time.perf_counter() - t < 5.0


def test_the_co_activation_level_tells_apart_both_at_5_and_both_at_60_percent() -> None:
    from emgcoach.dsp.coactivation import coactivation

    on = np.ones(500, dtype=bool)
    low = coactivation(np.full(500, 5.0), np.full(500, 5.0), on)
    high = coactivation(np.full(500, 60.0), np.full(500, 60.0), on)
    assert low[0] == pytest.approx(1.0) and high[0] == pytest.approx(1.0)  # the index alone cannot tell
    assert low[1] == pytest.approx(5.0) and high[1] == pytest.approx(60.0)
    # the shared level is the smaller muscle's: 60 % with 10 % shares 10 %
    mixed = coactivation(np.full(500, 60.0), np.full(500, 10.0), on)
    assert mixed[1] == pytest.approx(10.0) and mixed[0] == pytest.approx(2 * 10 / 70)
    assert all(np.isnan(coactivation(np.ones(10), np.ones(10), np.zeros(10, dtype=bool))))


def test_normalised_envelopes_are_gain_free() -> None:
    from emgcoach.dsp.coactivation import normalised

    env = np.array([10.0, 30.0, 110.0, 5.0])
    a = normalised(env, rest_uv=10.0, reference_uv=110.0)
    np.testing.assert_allclose(a, [0.0, 20.0, 100.0, 0.0])
    np.testing.assert_allclose(normalised(5 * env, 50.0, 550.0), a)
    assert np.isnan(normalised(env, 10.0, 10.0)).all()  # no reference above rest: no figure
