"""Rectification, linear envelope and moving RMS: levels a user reads off the screen, streaming contract."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgcoach.dsp.base import Stage
from emgcoach.dsp.envelope import LinearEnvelope, MovingRMS, Rectify
from tests.dsp.conftest import RATE, feed_chunked, simulated_emg, sine


def test_rectify() -> None:
    x = np.array([[-3.0, 2.0], [0.0, -0.5]])
    np.testing.assert_array_equal(Rectify().process(x), [[3.0, 2.0], [0.0, 0.5]])
    assert Rectify().process(np.array([-1.0, 1.0])).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("amplitude", [5.0, 100.0, 1000.0])
def test_linear_envelope_of_rectified_sine(amplitude: float) -> None:
    x = np.abs(sine(80.0, amplitude, 4.0))
    env = LinearEnvelope(RATE).process(x)
    tail = env[-int(RATE) :]
    assert tail.mean() == pytest.approx(2 * amplitude / np.pi, rel=0.01)
    assert tail.std() / tail.mean() < 0.01  # 160 Hz ripple suppressed by a 6 Hz low-pass


def test_linear_envelope_of_emg_reads_mean_rectified_level() -> None:
    x = simulated_emg(np.full(int(10 * RATE), 100.0), seed=3)
    env = LinearEnvelope(RATE).process(np.abs(x))[int(RATE) :]
    assert env.mean() == pytest.approx(100.0 * np.sqrt(2 / np.pi), rel=0.03)


@pytest.mark.parametrize("window_s", [0.05, 0.1, 0.25])
@pytest.mark.parametrize("amplitude", [10.0, 300.0])
def test_moving_rms_of_sine(window_s: float, amplitude: float) -> None:
    x = sine(80.0, amplitude, 2.0)
    rms = MovingRMS(RATE, window_s=window_s)
    assert rms.window == round(window_s * RATE)
    y = feed_chunked(rms, x, [20])
    np.testing.assert_allclose(y[int(0.5 * RATE) :], amplitude / np.sqrt(2), rtol=0.01)


def test_moving_rms_exact_window_and_start() -> None:
    x = np.array([3.0, 4.0, 0.0, 0.0, 1.0])
    y = MovingRMS(1.0, window_s=2.0).process(x)
    np.testing.assert_allclose(y, np.sqrt([9 / 2, 25 / 2, 16 / 2, 0.0, 1 / 2]))
    assert MovingRMS(RATE, window_s=1e-6).window == 1
    np.testing.assert_allclose(MovingRMS(RATE, window_s=1e-6).process(x), np.abs(x))


def test_moving_rms_never_negative_and_no_drift() -> None:
    # a long loud stretch then near silence: the result returns to the small level without float residue
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(200_000) * 2000.0, rng.standard_normal(20_000) * 0.5])
    y = feed_chunked(MovingRMS(RATE, 0.1), x, [20, 7, 300])
    assert np.all(y >= 0)
    assert y[-1] == pytest.approx(np.sqrt(np.mean(x[-200:] ** 2)), rel=1e-6)
    whole = MovingRMS(RATE, 0.1).process(x)  # one call over 220 000 samples
    np.testing.assert_allclose(whole, y, rtol=1e-6)
    direct = np.sqrt(np.convolve(x**2, np.ones(200))[: len(x)] / 200)
    np.testing.assert_allclose(whole, direct, rtol=1e-6)


# ---- streaming contract ----------------------------------------------------------------------------

FACTORIES = {
    "rectify": Rectify,
    "linear": lambda: LinearEnvelope(RATE),
    "linear_4th": lambda: LinearEnvelope(RATE, cutoff_hz=10.0, order=4),
    "rms_100ms": lambda: MovingRMS(RATE, 0.1),
    "rms_50ms": lambda: MovingRMS(RATE, 0.05),
    "rms_250ms": lambda: MovingRMS(RATE, 0.25),
}
SIGNAL = simulated_emg(np.tile([[20.0, 80.0, 200.0, 5.0]], (3000, 1)), seed=11)
RECTIFIED = np.abs(SIGNAL)


@pytest.mark.parametrize("name", sorted(FACTORIES))
@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 300), min_size=1, max_size=20))
def test_chunk_invariance(name: str, sizes: list[int]) -> None:
    x = SIGNAL if name.startswith(("rms", "rectify")) else RECTIFIED
    whole = FACTORIES[name]().process(x)
    chunked = feed_chunked(FACTORIES[name](), x, sizes)
    np.testing.assert_allclose(chunked, whole, rtol=1e-4, atol=1e-9 * np.abs(whole).max())


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_contract_shapes_zero_length_and_reset(name: str) -> None:
    stage = FACTORIES[name]()
    assert isinstance(stage, Stage)
    assert stage.process(np.zeros((0, 4))).shape == (0, 4)
    first = stage.process(RECTIFIED)
    assert first.shape == RECTIFIED.shape and first.dtype == np.float64
    stage.reset()
    np.testing.assert_array_equal(stage.process(RECTIFIED[:500]), first[:500])
    stage.reset()
    one = stage.process(RECTIFIED[:, 2])
    assert one.shape == (3000,)
    np.testing.assert_allclose(one, first[:, 2], rtol=1e-12, atol=1e-12)
    assert stage.process(np.zeros(0)).shape == (0,)


@pytest.mark.parametrize("name", ["linear", "rms_100ms"])
def test_stateful_stages_carry_state_and_check_channels(name: str) -> None:
    stage = FACTORIES[name]()
    first = stage.process(RECTIFIED[:500])
    assert not np.allclose(stage.process(RECTIFIED[:500]), first)
    with pytest.raises(ValueError):
        stage.process(RECTIFIED[:10, :2])
