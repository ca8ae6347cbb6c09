"""The per-stream Pipeline: same output in any chunking, notch and ECG options doing what they say."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from tests.dsp.conftest import RATE, gain_db, simulated_emg


def _signal(seconds: float = 1.5) -> np.ndarray:
    n = int(seconds * RATE)
    amp = np.where((np.arange(n) > n // 3)[:, None], [200.0, 120.0, 60.0], [5.0, 4.0, 3.0])
    return simulated_emg(amp, seed=11)


def _run(pipe: Pipeline, x: np.ndarray, sizes: list[int]):
    outs, i, k = [], 0, 0
    while i < len(x):
        size = sizes[k % len(sizes)]
        outs.append(pipe.process(x[i : i + size]))
        i += size
        k += 1
    return {f: np.concatenate([getattr(o, f) for o in outs]) for f in ("filtered", "envelope", "onset_envelope", "rms", "lowlag")}


X = _signal()
WHOLE = _run(Pipeline(RATE, PipelineConfig(mains_hz=50.0)), X, [len(X)])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=12))
def test_any_chunking_gives_the_same_outputs(sizes: list[int]) -> None:
    chunked = _run(Pipeline(RATE, PipelineConfig(mains_hz=50.0)), X, sizes)
    for name, whole in WHOLE.items():
        np.testing.assert_allclose(chunked[name], whole, rtol=1e-4, atol=1e-6, err_msg=name)


def test_outputs_have_input_shape_and_envelope_tracks_contraction() -> None:
    n = len(X)
    for name, y in WHOLE.items():
        assert y.shape == X.shape, name
    rest, hold = slice(int(0.1 * n), n // 3 - 200), slice(n // 2, n)
    # a stronger contraction gives a proportionally larger envelope, rest stays at the µV noise floor
    ratio = WHOLE["envelope"][hold].mean(axis=0) / WHOLE["envelope"][rest].mean(axis=0)
    assert np.all(ratio > 10)
    # the RMS envelope of band-limited noise of RMS A reads about A
    np.testing.assert_allclose(WHOLE["rms"][hold].mean(axis=0), [200, 120, 60], rtol=0.1)


def test_notch_and_band_edges() -> None:
    pipe = Pipeline(RATE, PipelineConfig(mains_hz=50.0))
    assert pipe.band_hz == (20.0, 450.0)
    assert pipe.notch_hz[0] == 50.0 and 150.0 in pipe.notch_hz

    class Front:
        def __init__(self) -> None:
            self.p = Pipeline(RATE, PipelineConfig(mains_hz=50.0, lowlag=False))

        def process(self, x):
            return self.p.process(x).filtered

    assert gain_db(Front(), 50.0) < -20.0
    assert gain_db(Front(), 5.0) < -20.0
    assert abs(gain_db(Front(), 80.0)) < 1.0
    assert abs(gain_db(Front(), 125.0)) < 1.0


def test_ecg_option_raises_the_low_edge() -> None:
    pipe = Pipeline(RATE, PipelineConfig(ecg_highpass_hz=30.0))
    assert pipe.band_hz[0] == 30.0


def test_low_rate_sensor_caps_the_upper_edge() -> None:
    assert Pipeline(200.0).band_hz == (20.0, 90.0)


def test_reset_forgets_state() -> None:
    pipe = Pipeline(RATE, PipelineConfig(mains_hz=50.0))
    first = pipe.process(X).envelope
    pipe.reset()
    np.testing.assert_array_equal(pipe.process(X).envelope, first)


@pytest.mark.parametrize("lowlag", [True, False])
def test_lowlag_switch(lowlag: bool) -> None:
    out = Pipeline(RATE, PipelineConfig(lowlag=lowlag)).process(X[:100])
    assert (out.lowlag is not None) == lowlag


def test_read_only_and_float32_input_give_the_same_outputs() -> None:
    """Samples straight from a file or decoder buffer: read-only, float32 or strided arrays all work."""
    from emgcoach.dsp.onset import OnsetDetector

    ref = _run(Pipeline(RATE), X, [20])
    frozen = X.copy()
    frozen.flags.writeable = False
    for variant, rtol in ((frozen, 1e-12), (np.asfortranarray(X), 1e-12), (X.astype(np.float32), 1e-4)):
        out = _run(Pipeline(RATE), variant, [20])
        for name in ref:
            np.testing.assert_allclose(out[name], ref[name], rtol=rtol, atol=1e-6 * np.abs(ref[name]).max())
    env = ref["onset_envelope"].copy()
    events = OnsetDetector(RATE, 3.0, 1.0).process(env, 0)
    env.flags.writeable = False
    assert OnsetDetector(RATE, 3.0, 1.0).process(env, 0) == events and len(events) == 3
