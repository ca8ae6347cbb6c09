"""Simulated drill sessions, processed once per test module: the runner and calibration tests share them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from emgcoach.coach.calibration import Calibration, calibrate_muscle
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.stream.simulated_session import drill_scenario
from emgcoach.stream.sim.scenario import Scenario
from emgcoach.stream.sim.session import simulate

RATE = 2000.0


@dataclass(frozen=True)
class Processed:
    scenario: Scenario
    raw: np.ndarray  # (n, 2) µV
    envelope: np.ndarray
    onset_envelope: np.ndarray

    @property
    def times(self) -> np.ndarray:
        return np.arange(len(self.raw)) / RATE


@lru_cache(maxsize=16)
def processed(drill: str, seed: int = 1, calibration: bool = False, partner_onset_ms: float | None = None) -> Processed:
    """A simulated session of `drill` through the pipeline (`partner_onset_ms`: see `drill_scenario`)."""
    sc = drill_scenario(drill, seed=seed, calibration=calibration, partner_onset_ms=partner_onset_ms)
    x = np.asarray(simulate(sc, rate_hz=RATE, seed=seed).stream.data, np.float64)
    out = Pipeline(RATE, PipelineConfig(lowlag=False, mains_hz=None)).process(x)
    return Processed(sc, x, out.envelope, out.onset_envelope)


def feed_runner(runner, drill: str, seed: int = 1, calibration: bool = False, chunk: int = 40,
                partner_onset_ms: float | None = None):
    """Run the live path: the pipeline chunk by chunk (as the engine does), each chunk into the runner."""
    p = processed(drill, seed, calibration, partner_onset_ms)
    pipe = Pipeline(RATE, PipelineConfig(lowlag=False, mains_hz=None))
    events = []
    for i in range(0, len(p.raw), chunk):
        o = pipe.process(p.raw[i : i + chunk])
        events += runner.feed(0, i / RATE, i, RATE, o.envelope, o.onset_envelope, o.filtered, pipe.band_hz)
    return events


def calibration_of(p: Processed) -> Calibration:
    """The calibration a wizard would make from the session's rest and MVC efforts."""
    t = p.times
    marks = [m for m in p.scenario.markers if m.kind == "calibration"]
    rest = (t >= marks[0].time_s) & (t < marks[0].payload["end_s"])
    muscles = []
    for c, spec in enumerate(p.scenario.channels):
        efforts = [p.envelope[(t >= m.time_s) & (t < m.payload["end_s"]), c] for m in marks if m.payload.get("muscle") == spec.muscle]
        muscles.append(calibrate_muscle(spec.muscle, spec.side, RATE, p.envelope[rest, c], efforts, p.onset_envelope[rest, c]))
    return Calibration("P01", "2026-11-25T09:00:00", tuple(muscles))
