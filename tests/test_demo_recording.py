"""The bundled demo session analyses to its own ground truth (the simulator's rep markers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emgcoach.analysis import analyze
from emgcoach.io.open import read_recording

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "bird_dog_sim.xdf"


def test_demo_onsets_and_latencies_match_the_recorded_truth() -> None:
    rec = read_recording(DEMO)
    reps = [m.payload for m in rec.markers if m.kind == "rep"]
    assert len(reps) == 8
    result = analyze(rec)
    lat, glute = result.channels
    assert (lat.spec.muscle, lat.spec.side, glute.spec.muscle, glute.spec.side) == (
        "latissimus_dorsi", "left", "gluteus_maximus", "right")
    lat_err = np.array(lat.onsets_s) - [r["lat_onset_s"] for r in reps]
    glute_err = np.array(glute.onsets_s) - [r["glute_onset_s"] for r in reps]
    # onsets come late by the simulator's 40 ms raised-cosine rise reaching threshold: median <= 15 ms
    assert np.median(np.abs(lat_err)) <= 0.015 and np.median(np.abs(glute_err)) <= 0.015
    assert np.abs(np.concatenate([lat_err, glute_err])).max() < 0.025
    (pair,) = result.pairs
    latency_err = np.array(pair["onset_latency_ms"]) - [r["latency_ms"] for r in reps]
    assert np.abs(latency_err).max() < 15.0
