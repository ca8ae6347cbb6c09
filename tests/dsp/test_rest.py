"""Rest found in stationary quiet stretches, or said to be absent; the burst level needs no rest."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.dsp.rest import burst_levels, find_rest, noise_envelope_cv, stretch_rest

RATE = 1000.0


def _onset_envelope(raw: np.ndarray, rate: float = RATE) -> np.ndarray:
    return Pipeline(rate, PipelineConfig(lowlag=False)).process(raw[:, None]).onset_envelope[:, 0]


def _noise(n: int, seed: int) -> np.ndarray:
    sos = signal.butter(4, [20.0, 450.0], "bandpass", fs=RATE, output="sos")
    x = signal.sosfilt(sos, np.random.default_rng(seed).standard_normal(n + 1000))[1000:]
    return x / x.std()


def test_noise_through_the_chain_fluctuates_less_at_higher_rates() -> None:
    # a wider band gives the rectified signal more independent samples per 20 Hz envelope time constant
    assert noise_envelope_cv(2000.0, 20.0) < noise_envelope_cv(1000.0, 20.0) < noise_envelope_cv(200.0, 20.0)
    assert 0.1 < noise_envelope_cv(1000.0, 20.0) < 0.25


def test_rest_between_bursts_of_walking_is_found_and_close_to_the_truth() -> None:
    n = int(20 * RATE)
    t = np.arange(n) / RATE
    on = (t % 1.0) < 0.67  # 0.33 s of rest per stride
    raw = _noise(n, 1) * np.where(on, 100.0, 5.0)
    r = find_rest(_onset_envelope(raw), RATE)
    assert r.reliable and r.seconds >= 0.4
    assert r.mean_uv == pytest.approx(5.0 * np.sqrt(2 / np.pi), rel=0.15)  # rectified mean of 5 µV RMS
    assert r.sd_uv < 0.5 * r.mean_uv


def test_a_muscle_with_no_stationary_quiet_stretch_has_no_reliable_rest() -> None:
    n = int(20 * RATE)
    t = np.arange(n) / RATE
    # bursts whose pauses (0.12 s) are shorter than a rest window: the muscle is never still for long
    raw = _noise(n, 2) * np.where((t % 1.0) < 0.88, 100.0, 5.0)
    r = find_rest(_onset_envelope(raw), RATE)
    assert not r.reliable
    levels = burst_levels(_onset_envelope(raw), RATE)
    assert levels.floor_uv < levels.threshold_uv(0.1) < levels.burst_uv


def test_a_steady_contraction_above_unsteady_quieter_stretches_is_not_rest() -> None:
    n = int(20 * RATE)
    t = np.arange(n) / RATE
    # quiet dips of 0.15 s (too short for a stationary window) below a steady 40 µV hold
    dip = (t % 2.0) < 0.15
    raw = _noise(n, 3) * np.where(dip, 4.0, 40.0)
    r = find_rest(_onset_envelope(raw), RATE)
    assert not r.reliable


def test_a_set_up_with_a_burst_in_it_rests_on_its_quiet_part_on_the_slow_envelope_too() -> None:
    # a set-up of 5 s: the client holds the muscle on for its first 3 s, then rests 2 s at 5 µV RMS.
    # The 6 Hz envelope rings below zero as the burst ends; those dips are not the quietest rest
    n = int(5 * RATE)
    t = np.arange(n) / RATE
    raw = _noise(n, 4) * np.where(t < 3.0, 200.0, 5.0)
    env = Pipeline(RATE, PipelineConfig(lowlag=False)).process(raw[:, None]).envelope[:, 0]
    assert env.min() < 0  # the ringing this is about
    mean, sd = stretch_rest(env, RATE, 6.0)
    assert mean == pytest.approx(5.0 * np.sqrt(2 / np.pi), rel=0.25)  # not the stretch's mean (~ 100 µV)
    assert sd < mean
