"""Onset/offset detection against simulated bursts with known truth, streaming and offline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgcoach.dsp.normalise import estimate_rest
from emgcoach.dsp.onset import TKEO, OnsetDetector, detect_onsets, detect_onsets_tkeo
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from tests.dsp.conftest import RATE, simulated_emg

REST_UV = 10.0
SNR_DB = 10.0


def bursts(seed: int, n_bursts: int = 20, snr_db: float = SNR_DB):
    """20 bursts at random times, 5 ms rise, contraction RMS `snr_db` above rest; returns (x, onsets, offsets)."""
    rng = np.random.default_rng(seed)
    starts = 2.0 + np.cumsum(rng.uniform(2.5, 4.0, n_bursts))
    durations = rng.uniform(0.8, 1.5, n_bursts)
    n = int((starts[-1] + 3.0) * RATE)
    level = REST_UV * 10 ** (snr_db / 20)
    amp = np.full(n, REST_UV)
    rise = int(0.005 * RATE)
    for t, d in zip(starts, durations):
        a, b = int(t * RATE), int((t + d) * RATE)
        amp[a : a + rise] = np.linspace(REST_UV, level, rise)
        amp[a + rise : b] = level
    return simulated_emg(amp, seed=seed + 100), starts, starts + durations


def match(found: list[float], truth: np.ndarray, tol_s: float = 0.2) -> np.ndarray:
    """Error (s) of the detected event nearest each true one; NaN where none is within tol."""
    found_a = np.asarray(found)
    errs = []
    for t in truth:
        if len(found_a) == 0:
            errs.append(np.nan)
            continue
        j = np.argmin(np.abs(found_a - t))
        errs.append(found_a[j] - t if abs(found_a[j] - t) < tol_s else np.nan)
    return np.asarray(errs)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_threshold_detector_median_error_within_15_ms_at_10_db(seed: int) -> None:
    x, onsets, offsets = bursts(seed)
    env = Pipeline(RATE, PipelineConfig(lowlag=False)).process(x).onset_envelope[:, 0]
    rest = estimate_rest(env, RATE)
    events = detect_onsets(env, RATE, rest.mean_uv, rest.sd_uv)
    on = [e.time_s for e in events if e.kind == "onset"]
    off = [e.time_s for e in events if e.kind == "offset"]
    err = match(on, onsets)
    assert not np.isnan(err).any(), "a burst was missed"
    assert len(on) == len(onsets), "false onsets during rest"
    assert np.median(np.abs(err)) * 1000 <= 15.0
    assert np.median(np.abs(match(off, offsets))) * 1000 <= 60.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tkeo_detector_median_error_within_15_ms_at_10_db(seed: int) -> None:
    x, onsets, _ = bursts(seed)
    filtered = Pipeline(RATE, PipelineConfig(lowlag=False)).process(x).filtered
    on = [e.time_s for e in detect_onsets_tkeo(filtered, RATE) if e.kind == "onset"]
    err = match(on, onsets)
    assert not np.isnan(err).any()
    assert len(on) == len(onsets)
    assert np.median(np.abs(err)) * 1000 <= 15.0


X, _, _ = bursts(4, n_bursts=4)
ENV = Pipeline(RATE, PipelineConfig(lowlag=False)).process(X).onset_envelope
ENV2 = np.column_stack([ENV[:, 0], ENV[::-1, 0]])  # two channels with different timing
REST = estimate_rest(ENV2, RATE)
WHOLE = OnsetDetector(RATE, REST.mean_uv, REST.sd_uv).process(ENV2, 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 3000), min_size=1, max_size=20))
def test_any_chunking_gives_the_same_events(sizes: list[int]) -> None:
    det = OnsetDetector(RATE, REST.mean_uv, REST.sd_uv)
    events, i, k = [], 0, 0
    while i < len(ENV2):
        size = sizes[k % len(sizes)]
        events += det.process(ENV2[i : i + size], i)
        i, k = i + size, k + 1
    assert sorted(events, key=lambda e: (e.index, e.channel)) == sorted(WHOLE, key=lambda e: (e.index, e.channel))
    assert len(WHOLE) == 16  # 4 bursts x (onset, offset) x 2 channels


def test_short_blips_are_not_onsets() -> None:
    env = np.zeros(4000)
    env[1000:1070] = 10.0  # 35 ms above threshold: shorter than min_on 40 ms
    env[2000:2100] = 10.0  # 50 ms: an onset, then an offset
    events = detect_onsets(env, RATE, 0.0, 1.0)
    assert [(e.kind, e.index) for e in events] == [("onset", 2000), ("offset", 2100)]
    assert events[0].time_s == pytest.approx(1.0)


def test_lost_samples_do_not_join_runs() -> None:
    det = OnsetDetector(RATE, 0.0, 1.0)
    assert det.process(np.full(60, 10.0), 0) == []  # 30 ms above: pending
    # the next chunk comes after a gap: the pending run restarts instead of spanning the gap
    assert det.process(np.full(60, 10.0), 1000) == []
    assert [e.index for e in det.process(np.full(60, 10.0), 1060)] == [1000]


def test_tkeo_is_streaming_and_one_sample_late() -> None:
    x = np.random.default_rng(0).standard_normal((500, 2))
    ref = x[1:-1] ** 2 - x[:-2] * x[2:]
    t = TKEO()
    y = np.concatenate([t.process(x[:7]), t.process(x[7:300]), t.process(x[300:])])
    np.testing.assert_allclose(y[2:], ref, rtol=1e-12)
