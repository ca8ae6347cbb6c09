"""Live drills take their onset baseline in the task posture: postural tone does not hide the reps.

The calibration's rest is lying prone and quiet; a bird dog is done on hands and knees, where both the
lat and the glute hold some tone before any rep. The session below is the simulated calibrated bird dog
with 8 %MVC of tone added to both muscles from the set's start to its end.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from emgcoach.coach.calibration import Calibration
from emgcoach.coach.drills import load_library
from emgcoach.coach.runner import DrillRunner
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from tests.coach.conftest import RATE, calibration_of, processed

LIB = load_library(include_user=False)
TONE_PCT = 8.0


def _with_tone(cal: Calibration, start_s: float, end_s: float) -> np.ndarray:
    """The session's raw µV with band-limited noise added to both channels from start_s to end_s, sized so
    the envelope there sits at TONE_PCT %MVC (the rectified mean of noise of RMS s is s x sqrt(2/pi))."""
    p = processed("bird_dog", 1, calibration=True)
    x = p.raw.copy()
    sel = (p.times >= start_s) & (p.times < end_s)
    rng = np.random.default_rng(5)
    sos = signal.butter(4, [30.0, 300.0], "bandpass", fs=RATE, output="sos")
    for c, m in enumerate(cal.muscles):
        target_uv = m.rest_uv + TONE_PCT / 100.0 * (m.mvc_uv - m.rest_uv)
        rest_rms = m.rest_uv / np.sqrt(2 / np.pi)
        tone_rms = np.sqrt(max((target_uv / np.sqrt(2 / np.pi)) ** 2 - rest_rms**2, 0.0))
        noise = signal.sosfilt(sos, rng.standard_normal(len(x)))
        x[sel, c] += tone_rms * noise[sel] / noise.std()
    return x


def _run(x: np.ndarray, cal: Calibration, start_s: float) -> DrillRunner:
    r = DrillRunner(LIB["bird_dog"], (0, 0), (0, 1), calibration=cal, start_s=start_s)
    pipe = Pipeline(RATE, PipelineConfig(lowlag=False, mains_hz=None))
    for i in range(0, len(x), 40):
        o = pipe.process(x[i : i + 40])
        r.feed(0, i / RATE, i, RATE, o.envelope, o.onset_envelope)
    return r


def test_a_set_with_8_pct_mvc_of_postural_tone_still_counts_every_rep() -> None:
    p = processed("bird_dog", 1, calibration=True)
    cal = calibration_of(processed("bird_dog", 1, calibration=True))
    start = next(m.time_s for m in p.scenario.markers if m.kind == "drill_start")
    end = start + LIB["bird_dog"].duration_s
    x = _with_tone(cal, start, end)
    r = _run(x, cal, start)
    truth = [m.payload for m in p.scenario.markers if m.kind == "rep"]
    assert len(r.scores) == LIB["bird_dog"].reps == len(truth)
    # each rep is its own burst of the lat, with its glute; found later than without tone (up to a few
    # hundred ms), since the tone's own fluctuation raises the threshold part-way up the rise
    for s, t in zip(r.scores, truth):
        assert -0.05 <= s.start_s - t["lat_onset_s"] < 0.5
        assert s.onset_latency_ms is not None
    # the tone is measured as part of the set-up's rest, not as a contraction
    assert all("glute_missing" not in s.misses for s in r.scores)
    # the levels are still in %MVC of the calibration
    assert all(s.calibrated for s in r.scores)
