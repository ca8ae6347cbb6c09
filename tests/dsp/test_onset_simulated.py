"""Onset accuracy through the app's path, on the project's simulator with known truth.

Signal: `emgcoach.stream.simulator` (surface-EMG spectrum, peak ~80 Hz), one channel, 24 bursts per seed at
random times (2.5-4 s apart, 0.8-1.5 s long), contraction RMS 10 dB over rest RMS, the simulator's default
40 ms raised-cosine ramps. Ground truth: a burst's onset is the start of its rise ramp (activation leaves
exactly 0 there) and its offset the end of its fall ramp (`SimulatedSession.truth_onsets_s` / `_offsets_s`).

Path, as in the engine but for the rest level: `Pipeline` fed in 10 ms blocks (band-pass, |x|, 20 Hz
onset envelope), `OnsetDetector` with its defaults fed block by block; the rest level comes from
`estimate_rest` over the whole onset envelope (as with a calibration), not from the engine's rolling
30 s estimate that needs 3 s before its first onset. `analyze` finds its rest itself (`find_rest`);
the CLI test streams with that rest. And, as in the CLI,
`emgcoach.analysis.analyze_stream` on the recorded stream.
"""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.analysis import analyze_stream
from emgcoach.dsp.normalise import estimate_rest
from emgcoach.dsp.onset import OnsetDetector
from emgcoach.dsp.pipeline import Pipeline, PipelineConfig
from emgcoach.stream.sim.scenario import Burst, scripted_scenario
from emgcoach.stream.sim.session import SimulatedSession, simulate

REST_UV = 10.0
SNR_DB = 10.0
N_BURSTS = 24
SEEDS = (0, 1, 2, 3)


def session(rate_hz: float, seed: int) -> SimulatedSession:
    rng = np.random.default_rng(seed + 1000)
    starts = 2.0 + np.cumsum(rng.uniform(2.5, 4.0, N_BURSTS))
    durations = rng.uniform(0.8, 1.5, N_BURSTS)
    scenario = scripted_scenario(
        [[Burst(float(s), float(d)) for s, d in zip(starts, durations)]],
        duration_s=float(starts[-1] + durations[-1] + 2.5),
        rest_uv=[REST_UV],
        peak_uv=[REST_UV * 10 ** (SNR_DB / 20)],
    )
    return simulate(scenario, rate_hz, seed)  # default ramp_s = 0.04


def streamed_events(sim: SimulatedSession, rest: tuple[float, float] | None = None) -> tuple[list[float], list[float]]:
    """Onset and offset times (s) as the engine finds them: blocks of 10 ms through Pipeline, then the
    detector on the onset envelope, with `rest` (mean, SD µV) or the quietest windows' rest."""
    rate = sim.rate_hz
    x = np.asarray(sim.data, dtype=np.float64)
    pipe = Pipeline(rate, PipelineConfig(lowlag=False))
    block = max(1, int(round(0.01 * rate)))
    env = np.concatenate([pipe.process(x[i : i + block]).onset_envelope for i in range(0, len(x), block)])
    mean, sd = rest if rest is not None else (estimate_rest(env, rate).mean_uv, estimate_rest(env, rate).sd_uv)
    det = OnsetDetector(rate, mean, sd)
    events = []
    for i in range(0, len(env), block):
        events += det.process(env[i : i + block], i)
    return [e.time_s for e in events if e.kind == "onset"], [e.time_s for e in events if e.kind == "offset"]


def errors(found: list[float], truth: list[float], tol_s: float = 0.25) -> np.ndarray:
    """Signed error (s) of the detection nearest each true event; NaN when none is within tol_s."""
    f = np.asarray(found)
    out = []
    for t in truth:
        j = int(np.argmin(np.abs(f - t))) if len(f) else -1
        out.append(f[j] - t if j >= 0 and abs(f[j] - t) < tol_s else np.nan)
    return np.asarray(out)


FIGURES: dict[float, dict[str, list[float]]] = {}


@pytest.mark.parametrize("rate_hz", [2000.0, 1000.0])
def test_onset_error_within_15_ms_on_simulated_ramped_bursts(rate_hz: float) -> None:
    on_all, off_all = [], []
    for seed in SEEDS:
        sim = session(rate_hz, seed)
        on, off = streamed_events(sim)
        truth_on, truth_off = sim.truth_onsets_s[0], sim.truth_offsets_s[0]
        assert len(on) == len(truth_on) and len(off) == len(truth_off), "false, split or missed bursts"
        e_on, e_off = errors(on, truth_on), errors(off, truth_off)
        assert not np.isnan(e_on).any() and not np.isnan(e_off).any()
        med = float(np.median(np.abs(e_on)) * 1000)
        print(f"{rate_hz:.0f} Hz seed {seed}: median |onset error| {med:.1f} ms, signed {np.median(e_on) * 1000:+.1f} ms")
        assert med <= 15.0
        on_all += list(e_on)
        off_all += list(e_off)
    on_ms, off_ms = np.asarray(on_all) * 1000, np.asarray(off_all) * 1000
    print(
        f"{rate_hz:.0f} Hz pooled: onset median |error| {np.median(np.abs(on_ms)):.1f} ms (signed {np.median(on_ms):+.1f}, "
        f"90th percentile {np.percentile(np.abs(on_ms), 90):.0f}); offset median |error| {np.median(np.abs(off_ms)):.1f} ms "
        f"(signed {np.median(off_ms):+.1f})"
    )
    assert np.median(np.abs(on_ms)) <= 12.0
    assert abs(np.median(on_ms)) <= 10.0  # the envelope's lag is compensated: errors centre near 0
    assert np.median(np.abs(off_ms)) <= 15.0


def test_no_split_or_false_bursts_at_200_hz() -> None:
    pooled = []
    for seed in SEEDS:
        sim = session(200.0, seed)
        on, off = streamed_events(sim)
        assert len(on) == N_BURSTS and len(off) == N_BURSTS, f"seed {seed}: {len(on)} onsets for {N_BURSTS} bursts"
        e = errors(on, sim.truth_onsets_s[0], tol_s=0.5)
        assert not np.isnan(e).any()
        pooled += list(e)
    ms = np.abs(pooled) * 1000
    print(f"200 Hz pooled: onset median |error| {np.median(ms):.1f} ms, 90th percentile {np.percentile(ms, 90):.0f} ms")
    assert np.median(ms) <= 35.0  # the 20-90 Hz band of a 200 Hz device leaves a noisy envelope


def test_cli_analysis_finds_the_same_onsets() -> None:
    sim = session(2000.0, 7)
    (ch,) = analyze_stream(sim.stream, mains=None)
    assert ch.rest.reliable and ch.rest.source == "quiet_windows"
    on, _ = streamed_events(sim, (ch.rest.mean_uv, ch.rest.sd_uv))
    assert len(ch.onsets_s) == N_BURSTS
    np.testing.assert_allclose(ch.onsets_s, on, atol=1e-9)
    assert np.median(np.abs(errors(ch.onsets_s, sim.truth_onsets_s[0]))) * 1000 <= 15.0


@pytest.mark.parametrize(("rate_hz", "limit_ms"), [(2000.0, 15.0), (200.0, 45.0)])
def test_analyze_with_its_own_rest_times_onsets(rate_hz: float, limit_ms: float) -> None:
    """`analyze` finds rest itself (dsp/rest.py): every burst once, median error within the limit."""
    errs, found = [], 0
    for seed in SEEDS:
        sim = session(rate_hz, seed)
        (ch,) = analyze_stream(sim.stream, mains=None)
        found += len(ch.onsets_s)
        errs += list(errors(ch.onsets_s, sim.truth_onsets_s[0], tol_s=0.5))
    ms = np.abs(np.array(errs)) * 1000
    print(f"analyze at {rate_hz:.0f} Hz: {found} onsets for {N_BURSTS * len(SEEDS)} bursts, "
          f"{int(np.isnan(ms).sum())} more than 0.5 s off, median |error| {np.nanmedian(ms):.1f} ms")
    assert found == N_BURSTS * len(SEEDS) and np.isnan(ms).sum() <= 1
    assert np.nanmedian(ms) <= limit_ms
