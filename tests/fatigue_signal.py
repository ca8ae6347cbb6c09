"""A coached set whose EMG spectrum shifts down by a known share per rep, with the true MDF of every rep.

The simulator's signal model (`stream/sim/signal.py`) has one fixed spectrum, so the set is made here
from its parts: the scripted drill (`drill_scenario`: bursts, levels, phase and drill markers), and in
rep k noise shaped by the same surface-EMG model (Shwedyk et al. 1977: |H(f)|² ∝ fh⁴ f² / ((f² + fl²)
(f² + fh²)²)) with both corners scaled by (1 - drop)^k. Scaling the corners compresses the spectrum's
shape along the frequency axis by that factor, as a slowing conduction velocity does; the chain's
band-pass (not scaled) trims it, so each rep's true MDF is computed from |H_k|² |H_band|² inside the
band, and the true slope by the same regression the app runs on those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from emgcoach.dsp.filters import BandPass
from emgcoach.dsp.spectral_fatigue import median_frequency
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.stream.sim.scenario import Scenario
from emgcoach.stream.sim.signal import activation_at
from emgcoach.stream.simulated_session import drill_scenario
from emgcoach.types import StreamInfo

RATE = 1000.0
MUSCLES = {"latissimus_dorsi": "lat", "gluteus_maximus": "glute"}


def shaping_sos(rate_hz: float, scale: float) -> np.ndarray:
    """The simulator's surface-EMG shaping filter with both corners (80 and 140 Hz) times `scale`."""
    wl, wh = 2 * np.pi * 80.0 * scale, 2 * np.pi * 140.0 * scale
    z, p, k = signal.bilinear_zpk([0.0], [-wl, -wh, -wh], wh**2, rate_hz)
    return signal.zpk2sos(z, p, k)


def shaped_noise(rng: np.random.Generator, n: int, rate_hz: float, scale: float) -> np.ndarray:
    """n samples of unit-RMS noise with the scaled spectrum (the filter warmed up on 0.5 s first)."""
    pad = int(0.5 * rate_hz)
    y = signal.sosfilt(shaping_sos(rate_hz, scale), rng.standard_normal(n + pad))[pad:]
    return y / y.std()


def true_mdf(rate_hz: float, scale: float) -> float:
    """The MDF (Hz) of the scaled spectrum after the chain's 20-450 Hz band-pass, inside that band."""
    band = BandPass(rate_hz)
    f, h = signal.sosfreqz(shaping_sos(rate_hz, scale), worN=50_000, fs=rate_hz)
    _, g = signal.sosfreqz(band.sos, worN=50_000, fs=rate_hz)
    keep = (f >= band.low_hz) & (f <= band.high_hz)
    return median_frequency(f[keep], (np.abs(h) ** 2 * np.abs(g) ** 2)[keep])


@dataclass(frozen=True)
class FatiguedSet:
    """The recording (lat + glute, µV, drill markers), its scenario, and the true MDF of each rep per
    muscle ('lat', 'glute'; Hz)."""

    recording: Recording
    scenario: Scenario
    truth_hz: dict[str, list[float]]


def fatigued_set(drop_per_rep: float, drill: str = "bird_dog", seed: int = 0, rate_hz: float = RATE) -> FatiguedSet:
    """A set of `drill` (no calibration block: its bursts are its reps) whose spectrum shrinks by
    `drop_per_rep` (0.02: 2 %) per rep; rest between reps has the first rep's spectrum."""
    sc = drill_scenario(drill, seed=seed, calibration=False)
    n = int(sc.duration_s * rate_hz)
    act = activation_at(sc, np.arange(n) / rate_hz)
    rng = np.random.default_rng(seed)
    x = np.zeros((n, len(sc.channels)))
    truth: dict[str, list[float]] = {}
    for c, spec in enumerate(sc.channels):
        noise = shaped_noise(rng, n, rate_hz, 1.0)
        scales = [(1.0 - drop_per_rep) ** k for k in range(len(sc.bursts[c]))]
        for b, scale in zip(sc.bursts[c], scales):
            i0, i1 = int(b.start_s * rate_hz), min(n, int((b.start_s + b.duration_s) * rate_hz) + 1)
            noise[i0:i1] = shaped_noise(rng, i1 - i0, rate_hz, scale)
        x[:, c] = (sc.rest_uv[c] + (sc.peak_uv[c] - sc.rest_uv[c]) * act[:, c]) * noise
        truth[MUSCLES[spec.muscle]] = [true_mdf(rate_hz, s) for s in scales]
    info = StreamInfo("file", f"fatigued {drill}", "", rate_hz, tuple(sc.channels))
    markers = [m for m in sc.markers if m.kind != "rep"]  # the drill's own markers; its reps scored now
    rec = Recording(f"fatigued-{drill}.xdf", [RecordedStream(info, x.astype(np.float32))], markers)
    return FatiguedSet(rec, sc, truth)
