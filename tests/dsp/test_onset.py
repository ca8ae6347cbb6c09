"""Onset/offset detection against simulated bursts with known truth, streaming and offline.

Signals are built here with scipy only: white noise band-passed 20-450 Hz at 2 kHz, 20 bursts at random
times with a 5 ms rise, contraction RMS 10 dB over rest RMS. Onset envelope = |x| then a causal 20 Hz
2nd-order Butterworth low-pass (`OnsetEnvelope`), so the test runs the streaming (causal) path.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from emgcoach.dsp.normalise import estimate_rest
from emgcoach.dsp.onset import (
    TKEO,
    OnsetDetector,
    OnsetEnvelope,
    TkeoEnvelope,
    ONSET_ENVELOPE_DELAY_S,
    TkeoOnsetDetector,
    detect_onsets,
    detect_onsets_tkeo,
    onset_defaults,
    tkeo_baseline,
)

RATE = 2000.0
REST_UV = 10.0
SNR_DB = 10.0
BAND = signal.butter(4, [20.0, 450.0], "bandpass", fs=RATE, output="sos")


def emg_noise(amp_uv: np.ndarray, seed: int) -> np.ndarray:
    """Unit-RMS white noise band-passed 20-450 Hz, times the RMS amplitude per sample (µV)."""
    rng = np.random.default_rng(seed)
    pad = int(RATE)
    w = signal.sosfilt(BAND, rng.standard_normal(len(amp_uv) + pad))[pad:]
    return w / w.std() * amp_uv


def bursts(seed: int, n_bursts: int = 20, snr_db: float = SNR_DB):
    """Bursts at random times, 5 ms rise, contraction RMS `snr_db` above rest; returns (x, onsets, offsets)."""
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
    return emg_noise(amp, seed + 100), starts, starts + durations


def band_passed(x: np.ndarray) -> np.ndarray:
    """What the pipeline's front end does: causal 20-450 Hz band-pass."""
    return signal.sosfilt(BAND, x, axis=0)


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


MEASURED: dict[str, list[float]] = {"threshold": [], "tkeo": []}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_threshold_detector_median_error_within_15_ms_at_10_db(seed: int) -> None:
    x, onsets, offsets = bursts(seed)
    env = OnsetEnvelope(RATE).process(band_passed(x))
    rest = estimate_rest(env, RATE)
    events = detect_onsets(env, RATE, rest.mean_uv, rest.sd_uv)
    on = [e.time_s for e in events if e.kind == "onset"]
    off = [e.time_s for e in events if e.kind == "offset"]
    err = match(on, onsets)
    assert not np.isnan(err).any(), "a burst was missed"
    assert len(on) == len(onsets), "false onsets during rest"
    assert len(off) == len(offsets)
    med = float(np.median(np.abs(err)) * 1000)
    MEASURED["threshold"].append(med)
    print(f"threshold detector seed {seed}: median |onset error| {med:.1f} ms")
    assert med <= 15.0
    assert np.median(np.abs(match(off, offsets))) * 1000 <= 60.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tkeo_detector_median_error_within_15_ms_at_10_db(seed: int) -> None:
    x, onsets, _ = bursts(seed)
    filtered = band_passed(x)
    on = [e.time_s for e in detect_onsets_tkeo(filtered, RATE) if e.kind == "onset"]
    err = match(on, onsets)
    assert not np.isnan(err).any(), "a burst was missed"
    assert len(on) == len(onsets), "false onsets during rest"
    med = float(np.median(np.abs(err)) * 1000)
    print(f"TKEO detector seed {seed}: median |onset error| {med:.1f} ms")
    assert med <= 15.0


def test_tkeo_detector_streams_with_a_rest_segment_baseline() -> None:
    x, onsets, _ = bursts(5)
    filtered = band_passed(x)
    rest_seg = filtered[int(0.2 * RATE) : int(2.0 * RATE)]  # before the first burst
    det = TkeoOnsetDetector.from_rest(rest_seg, RATE)
    events = []
    for i in range(0, len(filtered), 20):  # 10 ms chunks
        events += det.process(filtered[i : i + 20], i)
    on = [e.time_s for e in events if e.kind == "onset"]
    err = match(on, onsets)
    assert not np.isnan(err).any() and len(on) == len(onsets)
    assert np.median(np.abs(err)) * 1000 <= 15.0


X, _, _ = bursts(4, n_bursts=4)
XF = band_passed(X)
ENV = OnsetEnvelope(RATE).process(XF)
ENV2 = np.column_stack([ENV, ENV[::-1]])  # two channels with different timing
REST = estimate_rest(ENV2, RATE)
WHOLE = OnsetDetector(RATE, REST.mean_uv, REST.sd_uv).process(ENV2, 0)
XF2 = np.column_stack([XF, XF[::-1]])
TK_REST = tkeo_baseline(XF2, RATE)
TK_WHOLE = TkeoOnsetDetector(RATE, *TK_REST).process(XF2, 0)


def feed(det, x: np.ndarray, sizes: list[int]) -> list:
    events, i, k = [], 0, 0
    while i < len(x):
        size = sizes[k % len(sizes)]
        events += det.process(x[i : i + size], i)
        i, k = i + size, k + 1
    return events


def key(e):
    return (e.index, e.channel)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 3000), min_size=1, max_size=20))
def test_any_chunking_gives_the_same_events(sizes: list[int]) -> None:
    events = feed(OnsetDetector(RATE, REST.mean_uv, REST.sd_uv), ENV2, sizes)
    assert sorted(events, key=key) == sorted(WHOLE, key=key)
    assert len(WHOLE) == 16  # 4 bursts x (onset, offset) x 2 channels


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 3000), min_size=1, max_size=20))
def test_tkeo_detector_any_chunking_gives_the_same_events(sizes: list[int]) -> None:
    events = feed(TkeoOnsetDetector(RATE, *TK_REST), XF2, sizes)
    assert sorted(events, key=key) == sorted(TK_WHOLE, key=key)
    assert len(TK_WHOLE) == 16


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 700), min_size=1, max_size=12).filter(any))
def test_tkeo_and_envelopes_are_chunk_invariant(sizes: list[int]) -> None:
    x = XF2[:4000]
    for make in (TKEO, lambda: TkeoEnvelope(RATE), lambda: OnsetEnvelope(RATE)):
        whole = make().process(x)
        stage, out, i, k = make(), [], 0, 0
        while i < len(x):
            size = sizes[k % len(sizes)]
            out.append(stage.process(x[i : i + size]))
            i, k = i + size, k + 1
        np.testing.assert_allclose(np.concatenate(out), whole, rtol=1e-9, atol=1e-9)


def test_short_blips_are_not_onsets() -> None:
    env = np.zeros(4000)
    env[1000:1070] = 10.0  # 35 ms above threshold: shorter than min_on 40 ms
    env[2000:2090] = 10.0  # 45 ms: an onset, then an offset
    events = detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0)
    assert [(e.kind, e.index) for e in events] == [("onset", 2000), ("offset", 2090)]
    assert events[0].time_s == pytest.approx(1.0)
    # by default events are moved earlier by the 20 Hz onset envelope's group delay
    lag = int(round(ONSET_ENVELOPE_DELAY_S * RATE))
    assert [e.index for e in detect_onsets(env, RATE, 0.0, 1.0)] == [2000 - lag, 2090 - lag]


def test_short_dips_do_not_end_a_contraction_and_t0_delay_apply() -> None:
    env = np.zeros(4000)
    env[1000:3000] = 10.0
    env[2000:2080] = 0.0  # 40 ms dip: shorter than min_off 50 ms
    det = OnsetDetector(RATE, 0.0, 1.0, t0=100.0, delay_s=0.005)
    events = det.process(env, 0)
    assert [(e.kind, e.index) for e in events] == [("onset", 990), ("offset", 2990)]
    assert events[0].time_s == pytest.approx(100.0 + 990 / RATE)
    assert det.active is not None and not det.active[0]


def test_set_baseline_keeps_state() -> None:
    det = OnsetDetector(RATE, 0.0, 1.0)
    det.process(np.full(100, 10.0), 0)
    assert det.active[0]
    det.set_baseline(5.0, 1.0)  # threshold 8: still above, no new onset
    assert det.process(np.full(100, 10.0), 100) == []
    # the offset is held until no onset could still be timed within min_off of it, then given
    events = det.process(np.full(200, 7.0), 200) + det.process(np.full(200, 7.0), 400)
    assert [e.kind for e in events] == ["offset"]


def test_lost_samples_do_not_join_runs() -> None:
    det = OnsetDetector(RATE, 0.0, 1.0, delay_s=0.0)
    assert det.process(np.full(60, 10.0), 0) == []  # 30 ms above: pending
    # the next chunk comes after a gap: the pending run restarts instead of spanning the gap
    assert det.process(np.full(60, 10.0), 1000) == []
    assert [e.index for e in det.process(np.full(60, 10.0), 1060)] == [1000]


def test_tkeo_is_streaming_and_one_sample_late() -> None:
    x = np.random.default_rng(0).standard_normal((500, 2))
    ref = x[1:-1] ** 2 - x[:-2] * x[2:]  # psi at input indices 1 .. n-2
    t = TKEO()
    y = np.concatenate([t.process(x[:7]), t.process(x[7:300]), t.process(x[300:])])
    assert y.shape == x.shape
    np.testing.assert_allclose(y[2:], ref, rtol=1e-12)  # output m = psi[m - 1]
    assert y[0].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(y[1], x[0] ** 2)  # x[-1] taken as 0
    assert TKEO().process(x[:0]).shape == (0, 2)
    assert TKEO().process(x[:, 0]).shape == (500,)


def test_onset_envelope_is_rectify_then_20_hz_butterworth() -> None:
    x = XF2[:6000]
    sos = signal.butter(2, 20.0, fs=RATE, output="sos")
    np.testing.assert_allclose(OnsetEnvelope(RATE).process(x), signal.sosfilt(sos, np.abs(x), axis=0), rtol=1e-9, atol=1e-9)
    assert OnsetEnvelope(RATE).group_delay_s == pytest.approx(np.sqrt(2) / (2 * np.pi * 20.0))


def test_hysteresis_dips_between_the_thresholds_do_not_end_a_contraction() -> None:
    env = np.zeros(6000)
    env[1000:5000] = 10.0
    env[2000:2400] = 2.5  # 200 ms below the onset threshold (3) but above the offset threshold (2)
    env[3000:3200] = 1.5  # 100 ms below the offset threshold: the contraction ends
    events = detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0)
    assert [(e.kind, e.index) for e in events] == [("onset", 1000), ("offset", 3000), ("onset", 3200), ("offset", 5000)]
    det = OnsetDetector(RATE, 0.0, 1.0)
    assert (det.k, det.k_off, det.min_on, det.min_off) == (3.0, 2.0, 80, 100)


def test_onsets_are_traced_back_to_the_foot_of_the_rise() -> None:
    # rest 0 +- 1 (SD); a slow linear rise from index 1000 reaching the threshold 3 at 1300, then 10
    env = np.zeros(3000)
    env[1000:1300] = np.linspace(0.0, 3.0, 300, endpoint=False)
    env[1300:2500] = 10.0
    plain = detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0, start_k=None)
    assert plain[0].index == 1300  # Hodges & Bui: the first sample above threshold
    traced = detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0)
    # peak 10 above the mean: level = max(0.5, 0.05 x 10) = 0.5 SD, last at or below it at index 1050,
    # 125 ms back: further than the trace-back may move an onset (50 ms), so it stays at the crossing
    assert traced[0].index == 1300
    assert traced[1].index == 2500  # the fall is a step: the offset is its first sample
    # a quicker rise (40 ms from its foot to the threshold) is traced back to its foot
    env[1000:1300] = 0.0
    env[1220:1300] = np.linspace(0.0, 3.0, 80, endpoint=False)
    assert detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0)[0].index == 1234
    # a strong contraction: the start level is the threshold itself (constant fraction capped at k)
    env[1220:1300] = 0.0
    env[1300:2500] = 1000.0
    assert detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0)[0].index == 1300


def test_narrow_band_rates_get_stricter_defaults() -> None:
    assert onset_defaults(2000.0) == onset_defaults(500.0) == {"k": 3.0, "k_off": 2.0, "min_on_s": 0.04, "min_off_s": 0.05}
    assert onset_defaults(200.0) == {"k": 3.5, "k_off": 2.0, "min_on_s": 0.05, "min_off_s": 0.1}
    det = OnsetDetector(200.0, 1.0, 0.5)
    assert (det.min_on, det.min_off, det.delay) == (10, 20, 2)
    np.testing.assert_allclose(det.threshold_uv, [2.75])
    np.testing.assert_allclose(det.off_threshold_uv, [2.0])


def test_a_restarted_sample_count_still_finds_onsets() -> None:
    det = OnsetDetector(RATE, 0.0, 1.0, delay_s=0.0)
    seg = np.r_[np.zeros(500), np.full(500, 10.0), np.zeros(500)]
    first = [(e.kind, e.index) for e in det.process(seg, 5000)]
    assert first == [("onset", 5500), ("offset", 6000)]
    # the source restarts counting at 0 (the engine marks a gap): the next burst is still found
    assert [(e.kind, e.index) for e in det.process(seg, 0)] == [("onset", 500), ("offset", 1000)]


def test_a_dip_shorter_than_the_minimum_off_time_once_timed_is_merged() -> None:
    # a burst drops to rest for 30 ms, then a 35 ms ramp brings it back: the envelope stays below the
    # offset threshold for 53 ms (> min_off, 50 ms), but the new onset is traced back to the ramp's foot,
    # 36 ms after the offset: one burst with a dip, not two bursts
    env = np.zeros(4000)
    env[1000:2000] = 10.0
    env[2060:2130] = np.linspace(0.0, 3.0, 70, endpoint=False)
    env[2130:3000] = 10.0
    events = detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0)
    assert [(e.kind, e.index) for e in events] == [("onset", 1000), ("offset", 3000)]
    # streamed in 10 ms chunks: the same single burst
    det = OnsetDetector(RATE, 0.0, 1.0, delay_s=0.0)
    streamed = [e for i in range(0, 4000, 20) for e in det.process(env[i : i + 20], i)] + det.flush()
    assert [(e.kind, e.index) for e in streamed] == [("onset", 1000), ("offset", 3000)]
    # a longer pause (100 ms at rest before the ramp) is two bursts
    env[2000:2130] = 0.0
    env[2200:2270] = np.linspace(0.0, 3.0, 70, endpoint=False)
    env[2270:3000] = 10.0
    kinds = [e.kind for e in detect_onsets(env, RATE, 0.0, 1.0, delay_s=0.0)]
    assert kinds == ["onset", "offset", "onset", "offset"]
