"""`analyze` on signals shaped like real muscles: rest found between short bursts (or its absence said),
one gain-free co-activation index with its level, and no figures for a channel without signal.

The signals are band-limited noise whose amplitude follows an activation profile, like surface EMG:
walking-like bursts (0.7 s on, 0.33 s rest per stride, raised-cosine ramps), or activity that never
returns to rest.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal

from emgcoach.analysis import analyze
from emgcoach.analysis_text import format_text
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import ChannelSpec, Marker, StreamInfo

RATE = 1000.0
REST_UV = 9.0  # RMS of the noise at rest, as a soleus at rest in walking


def emg(activation: np.ndarray, seed: int, rest_uv: float = REST_UV, gain_uv: float = 150.0) -> np.ndarray:
    """Surface-EMG-like signal: 20-450 Hz Gaussian noise scaled to rest_uv + gain_uv x activation (RMS µV)."""
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, [20.0, 450.0], "bandpass", fs=RATE, output="sos")
    x = signal.sosfilt(sos, rng.standard_normal(len(activation) + 2000))[2000:]
    x /= x.std()
    return x * (rest_uv + gain_uv * activation)


def strides(duration_s: float, on_s: float = 0.7, off_s: float = 0.33, ramp_s: float = 0.08, lag_s: float = 0.0) -> np.ndarray:
    """0-1 activation: bursts of on_s (with raised-cosine ramps) separated by off_s of rest."""
    t = np.arange(int(duration_s * RATE)) / RATE
    a = np.zeros_like(t)
    period = on_s + off_s
    for start in np.arange(0.5 + lag_s, duration_s - period, period):
        rise = (t >= start) & (t < start + ramp_s)
        a[rise] = 0.5 - 0.5 * np.cos(np.pi * (t[rise] - start) / ramp_s)
        a[(t >= start + ramp_s) & (t < start + on_s - ramp_s)] = 1.0
        fall = (t >= start + on_s - ramp_s) & (t < start + on_s)
        a[fall] = 0.5 + 0.5 * np.cos(np.pi * (t[fall] - start - on_s + ramp_s) / ramp_s)
    return a


def recording(columns: list[np.ndarray], names: list[tuple[str, str, str]], markers: list[Marker] | None = None) -> Recording:
    specs = tuple(ChannelSpec(n, m, s) for n, m, s in names)
    info = StreamInfo("file", "test", "", RATE, specs)
    return Recording("test.csv", [RecordedStream(info, np.stack(columns, axis=1).astype(np.float32))], markers or [])


SLING = [("lat_L", "latissimus_dorsi", "left"), ("glute_R", "gluteus_maximus", "right")]


def test_rest_is_found_in_the_third_of_a_second_between_walking_bursts() -> None:
    rec = recording([emg(strides(30.0), 1), emg(strides(30.0, lag_s=0.1), 2)], SLING)
    result = analyze(rec)
    for ch in result.channels:
        rest = ch.to_dict()["rest"]
        assert rest["source"] == "quiet_windows" and rest["reliable"] is True
        # the onset envelope of band-limited noise of RMS 9 µV rests at 9 x sqrt(2/pi) = 7.2 µV
        assert rest["mean_uv"] == pytest.approx(REST_UV * np.sqrt(2 / np.pi), rel=0.2)
        assert "noisy" not in ch.quality["flags"]
        # every stride's burst is found once
        assert len(ch.onsets_s) == len(np.arange(0.5, 30.0 - 1.03, 1.03))
    assert "rest: not reliable" not in format_text(result)


def test_a_muscle_that_never_rests_is_said_to_have_no_rest_and_still_gets_its_bursts() -> None:
    # bursts whose pauses (0.1 s, ramps included) are too short to hold a stationary quiet stretch
    act = strides(31.0, on_s=0.9, off_s=0.1, lag_s=-0.45)[: int(30 * RATE)]  # no rest at either end
    rec = recording([emg(act, 3), emg(strides(30.0), 4)], SLING)
    result = analyze(rec)
    lat, glute = result.channels
    assert lat.to_dict()["rest"]["reliable"] is False and lat.to_dict()["onset_method"] == "burst_fraction"
    assert glute.to_dict()["rest"]["reliable"] is True and glute.to_dict()["onset_method"] == "rest_threshold"
    text = format_text(result)
    assert sum("rest: not reliable" in line for line in text.splitlines()) == 1
    # activity is not called noise at rest
    assert not {"noisy", "low_snr"} & set(lat.quality["flags"]) and "no_rest" in lat.quality["flags"]
    # each burst found once, within 60 ms of where its activation starts
    starts = np.arange(0.05, 30.0, 1.0)
    assert len(lat.onsets_s) == len(starts)
    np.testing.assert_allclose(lat.onsets_s, starts, atol=0.06)


def test_rest_comes_from_the_calibration_or_the_set_up_when_the_file_has_them() -> None:
    act = strides(30.0)
    act[: int(8 * RATE)] = 0.0
    act[int(8 * RATE) : int(10 * RATE)] = 0.08  # 8 % of the way up: postural tone in the task posture
    cols = [emg(act, 5), emg(act, 6)]
    setup = [Marker(8.0, "phase", {"phase": "setup"}), Marker(10.0, "phase", {"phase": "contract"})]
    cal = [Marker(1.0, "calibration", {"step": "rest", "end_s": 6.0})]
    by_setup = analyze(recording(cols, SLING, setup)).channels[0].to_dict()["rest"]
    by_cal = analyze(recording(cols, SLING, cal + setup)).channels[0].to_dict()["rest"]
    assert by_setup["source"] == "setup" and by_cal["source"] == "calibration"
    assert by_setup["mean_uv"] > 1.5 * by_cal["mean_uv"]  # the tone is part of the set-up's rest


def test_one_muscle_five_times_louder_leaves_the_co_activation_index_alone() -> None:
    lat, glute = emg(strides(30.0), 7), emg(strides(30.0, lag_s=0.15), 8, gain_uv=90.0)
    before = analyze(recording([lat, glute], SLING)).pairs[0]
    after = analyze(recording([lat, 5.0 * glute], SLING)).pairs[0]
    assert before["cci_basis"] == after["cci_basis"] == "reference"
    assert 0.3 < before["cci"] < 0.95
    assert abs(after["cci"] - before["cci"]) < 0.02
    assert after["coactivation_level_pct"] == pytest.approx(before["coactivation_level_pct"], abs=1.0)


def test_a_channel_without_signal_gets_no_onsets_cci_or_latency_and_says_why() -> None:
    rec = recording([emg(strides(20.0), 11), np.zeros(int(20 * RATE))], SLING)
    d = analyze(rec).to_dict()
    dead = d["channels"][1]
    assert dead["onsets_s"] is None and dead["offsets_s"] is None and dead["no_signal"].startswith("no signal")
    pair = d["pairs"][0]
    assert pair["cci"] is None and pair["onset_latency_ms"] is None and pair["median_onset_latency_ms"] is None
    assert "glute_R: no signal" in pair["reason"]
    json.dumps(d)  # stays valid JSON
    assert "no co-activation figures" in format_text(analyze(rec))


def test_reps_are_not_scored_on_a_sensor_with_no_signal() -> None:
    # a glute electrode off the skin: 'No glute' on every rep would blame the client for the sensor
    from emgcoach.coach.session_analysis import session_reps

    rec = recording([emg(strides(20.0), 12), np.zeros(int(20 * RATE))], SLING)
    result = analyze(rec)
    scored = session_reps(rec, result, drill_id="bird_dog")
    assert scored is not None and scored.reps == []
    assert scored.sets[0].to_dict()["not_scored"] == "glute_R: no signal: electrode off or sensor not touching the skin: reps not scored"
    assert "glute_R: no signal" in scored.source_note
    result.reps, result.calibration = scored.to_list(), scored.calibration_note
    text = format_text(result, scored.source_note)
    assert "reps not scored" in text and "  no reps" in text and "No glute" not in text
    # with both sensors on, the same file's reps are scored
    alive = recording([emg(strides(20.0), 12), emg(strides(20.0, lag_s=0.1), 13)], SLING)
    assert len(session_reps(alive, analyze(alive), drill_id="bird_dog").reps) > 5
