"""Bayesian low-lag envelope (Sanger 2007): faster than the 6 Hz linear envelope, no more ripple."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgcoach.dsp.base import Stage
from emgcoach.dsp.envelope import LinearEnvelope, Rectify
from emgcoach.dsp.lowlag import BayesEnvelope
from emgcoach.dsp.pipeline import Pipeline
from emgcoach.stream.sim.scenario import scripted_scenario
from emgcoach.stream.sim.session import simulate
from tests.dsp.conftest import RATE, feed_chunked, simulated_emg

REST_UV, ACTIVE_UV = 10.0, 200.0  # µV RMS
T_ON, T_OFF, T_END = 3.0, 6.0, 9.0  # s


def step_emg(seed: int) -> np.ndarray:
    """Band-passed noise at 10 µV RMS, 200 µV RMS from 3 s to 6 s, 10 µV RMS again until 9 s."""
    amp = np.full(int(T_END * RATE), REST_UV)
    amp[int(T_ON * RATE) : int(T_OFF * RATE)] = ACTIVE_UV
    return simulated_emg(amp, seed=seed)


def step_figures(env: np.ndarray) -> tuple[float, float, float]:
    """(time to 90 % of the step in ms, ripple SD/mean over the last 2 s of contraction, release time in ms).

    Release time: from the end of the contraction until the envelope is within 10 % above the rest level.
    """
    on, off = int(T_ON * RATE), int(T_OFF * RATE)
    rest = env[on - int(1.5 * RATE) : on].mean()
    steady = env[off - int(2 * RATE) : off]
    level = steady.mean()
    t90 = np.argmax(env[on:] >= rest + 0.9 * (level - rest)) / RATE * 1000
    rest_after = env[-int(1.5 * RATE) :].mean()
    t_release = np.argmax(env[off:] <= 1.1 * rest_after) / RATE * 1000
    return float(t90), float(steady.std() / level), float(t_release)


SEEDS = range(8)


@pytest.fixture(scope="module")
def figures() -> dict[str, np.ndarray]:
    lin, bay = [], []
    for seed in SEEDS:
        rect = Rectify().process(step_emg(seed))
        lin.append(step_figures(feed_chunked(LinearEnvelope(RATE), rect, [20])))
        bay.append(step_figures(feed_chunked(BayesEnvelope(RATE), rect, [20])))
    return {"linear": np.array(lin), "bayes": np.array(bay)}


def test_bayes_reaches_step_sooner_than_linear_envelope(figures: dict[str, np.ndarray]) -> None:
    lin, bay = figures["linear"], figures["bayes"]
    # median over seeds: Bayes within ~10 ms, the 6 Hz linear envelope ~70 ms
    assert np.median(bay[:, 0]) < 0.5 * np.median(lin[:, 0])
    assert np.median(bay[:, 0]) <= 20.0
    assert bay[:, 0].mean() < lin[:, 0].mean()
    assert (bay[:, 0] < lin[:, 0]).sum() >= len(SEEDS) - 1  # a rare seed dips early in the simulated data


def test_bayes_ripple_no_larger_than_linear_envelope(figures: dict[str, np.ndarray]) -> None:
    lin, bay = figures["linear"], figures["bayes"]
    assert np.all(bay[:, 1] <= lin[:, 1])


def test_bayes_releases_sooner_than_linear_envelope(figures: dict[str, np.ndarray]) -> None:
    lin, bay = figures["linear"], figures["bayes"]
    assert np.median(bay[:, 2]) < 0.5 * np.median(lin[:, 2])


def test_bayes_levels_match_mean_rectified_amplitude() -> None:
    rect = np.abs(step_emg(3))
    env = BayesEnvelope(RATE).process(rect)
    drive = np.sqrt(2 / np.pi)  # mean |e| of Gaussian EMG per µV RMS
    assert env[int(4 * RATE) : int(6 * RATE)].mean() == pytest.approx(ACTIVE_UV * drive, rel=0.05)
    assert env[int(1 * RATE) : int(3 * RATE)].mean() == pytest.approx(REST_UV * drive, rel=0.05)


def test_bayes_resolves_small_and_large_levels() -> None:
    for level in (2.0, 1500.0):
        rect = np.abs(simulated_emg(np.full(int(2 * RATE), level), seed=5))
        env = BayesEnvelope(RATE, max_uv=2000.0).process(rect)
        assert env[int(RATE) :].mean() == pytest.approx(level * np.sqrt(2 / np.pi), rel=0.07)
    zeros = BayesEnvelope(RATE).process(np.zeros(400))
    assert np.all(zeros[10:] <= 1.0) and np.all(np.isfinite(zeros))
    huge = BayesEnvelope(RATE, max_uv=1000.0).process(np.full(400, 1e6))
    assert np.all(huge[10:] <= 1000.0) and huge[-1] > 900.0


def test_update_blocks_and_initial_output() -> None:
    env = BayesEnvelope(RATE, update_s=0.005)
    assert env.block == 10
    y = env.process(np.full(25, 50.0))
    assert np.all(y[:9] == 0.0)  # no estimate before the first update completes
    assert y[9] > 0 and np.all(y[9:19] == y[9]) and y[19] != y[9]  # held between updates


# ---- streaming contract ----------------------------------------------------------------------------

SIGNAL = np.abs(simulated_emg(np.tile([[20.0, 80.0, 200.0, 5.0]], (3000, 1)), seed=13))
SIGNAL[1500:, 0] *= 10.0  # a step inside the test signal


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 300), min_size=1, max_size=20))
def test_chunk_invariance(sizes: list[int]) -> None:
    whole = BayesEnvelope(RATE).process(SIGNAL)
    chunked = feed_chunked(BayesEnvelope(RATE), SIGNAL, sizes)
    np.testing.assert_allclose(chunked, whole, rtol=1e-4, atol=1e-9 * np.abs(whole).max())


def test_contract_shapes_zero_length_and_reset() -> None:
    stage = BayesEnvelope(RATE)
    assert isinstance(stage, Stage)
    assert stage.process(np.zeros((0, 4))).shape == (0, 4)
    first = stage.process(SIGNAL)
    assert first.shape == SIGNAL.shape and first.dtype == np.float64 and np.all(first >= 0)
    assert not np.allclose(stage.process(SIGNAL[:500]), first[:500])
    with pytest.raises(ValueError):
        stage.process(SIGNAL[:10, :2])
    stage.reset()
    np.testing.assert_allclose(stage.process(SIGNAL[:500]), first[:500], rtol=1e-12)
    stage.reset()
    one = stage.process(SIGNAL[:, 3])
    assert one.shape == (3000,)
    np.testing.assert_allclose(one, first[:, 3], rtol=1e-12, atol=1e-12)
    assert stage.process(np.zeros(0)).shape == (0,)


def test_other_rates() -> None:
    for rate in (200.0, 1000.0):
        amp = np.full(int(4 * rate), 100.0)
        env = BayesEnvelope(rate).process(np.abs(simulated_emg(amp, rate_hz=rate, seed=2)))
        assert env[int(rate) :].mean() == pytest.approx(100.0 * np.sqrt(2 / np.pi), rel=0.07)


# ---- the compiled recursion is Sanger's filter ------------------------------------------------------


def dense_reference(env: BayesEnvelope, rect: np.ndarray) -> np.ndarray:
    """Sanger's recursion written plainly for one channel: for each completed block, prior = T @ posterior
    with T the full transition matrix (random walk of ln x, reflecting, plus uniform jumps), times the
    block likelihood prod p(e | x) = x^-M exp(-sum e / x), normalised; output the posterior mean."""
    n_levels = env.grid_uv.size
    x = env.grid_uv
    dln = np.log(env.max_uv / env.min_uv) / (n_levels - 1)
    sd_bins = env.alpha * np.sqrt(env.update_s) / dln
    diff = np.subtract.outer(np.arange(n_levels), np.arange(n_levels))
    if sd_bins <= 1.0:
        p = 0.5 * sd_bins**2
        walk = np.where(diff == 0, 1 - 2 * p, np.where(np.abs(diff) == 1, p, 0.0))
    else:
        walk = np.exp(-0.5 * (diff / sd_bins) ** 2)
    walk /= walk.sum(axis=0, keepdims=True)
    q = -np.expm1(-env.beta * env.update_s)
    trans = (1 - q) * walk + q / n_levels
    post = np.full(n_levels, 1.0 / n_levels)
    est, out = 0.0, np.empty(len(rect))
    m = env.block
    for i in range(len(rect)):
        if (i + 1) % m == 0:
            s = min(np.abs(rect[i + 1 - m : i + 1]).sum(), m * env.max_uv)
            loglik = env.evidence * (-m * np.log(x) - s / x)
            post = (trans @ post) * np.exp(loglik - loglik.max())
            post /= post.sum()
            est = float(post @ x)
        out[i] = est
    return out


EDGES = np.abs(simulated_emg(np.r_[np.full(1000, 0.3), np.full(1000, 3000.0)], seed=4))  # both grid ends


@pytest.mark.parametrize("alpha", [0.3, 3.0])  # three-point walk (the default) and a wide Gaussian walk
@pytest.mark.parametrize("which", ["emg", "grid ends"])
def test_matches_the_plain_recursion(alpha: float, which: str) -> None:
    rect = SIGNAL[:2000, 0] if which == "emg" else EDGES
    env = BayesEnvelope(RATE, alpha=alpha)
    np.testing.assert_allclose(env.process(rect), dense_reference(BayesEnvelope(RATE, alpha=alpha), rect), rtol=1e-9)


def test_compiled_exp_is_as_accurate_as_libm() -> None:
    from emgcoach.dsp.compiled import exp_into

    x = np.concatenate([np.linspace(-708.0, 709.0, 200_001), np.random.default_rng(3).uniform(-50, 5, 10_000)])
    out, scratch, bits = np.empty_like(x), np.empty_like(x), np.empty(len(x), dtype=np.int64)
    exp_into(x, out, scratch, bits)
    assert np.max(np.abs(out / np.exp(x) - 1.0)) < 2e-15


def test_read_only_input() -> None:
    data = np.ascontiguousarray(SIGNAL[:400])
    data.flags.writeable = False  # as from a memory-mapped file or a read-only buffer
    np.testing.assert_allclose(BayesEnvelope(RATE).process(data), BayesEnvelope(RATE).process(data.copy()))


# ---- through the app's Pipeline, on the simulator's EMG spectrum and on white noise, at several rates --

PIPE_RATES = (2000.0, 1000.0, 200.0)  # the simulator / BITalino, a 1 kHz sensor, the 200 Hz Ganglion
PIPE_SEEDS = range(8)


def raw_step(spectrum: str, rate_hz: float, seed: int) -> np.ndarray:
    """Raw µV (n, 1): 10 µV RMS rest, 200 µV RMS from T_ON to T_OFF (an abrupt step), rest until T_END.

    "simulator": `emgcoach.stream.simulator` (surface-EMG spectrum peaking near 80 Hz, median ~110 Hz at
    2 kHz; successive samples strongly correlated). "white": band-passed white noise (conftest)."""
    if spectrum == "simulator":
        sc = scripted_scenario([[(T_ON, T_OFF - T_ON, 1.0)]], duration_s=T_END, rest_uv=[REST_UV], peak_uv=[ACTIVE_UV])
        return np.asarray(simulate(sc, rate_hz, seed, ramp_s=0.0).data, dtype=np.float64)
    amp = np.full(int(round(T_END * rate_hz)), REST_UV)
    amp[int(T_ON * rate_hz) : int(T_OFF * rate_hz)] = ACTIVE_UV
    return simulated_emg(amp, rate_hz=rate_hz, seed=seed)[:, None]


def pipeline_figures(env: np.ndarray, rate_hz: float) -> tuple[float, float, float, float]:
    """(time to 90 % in ms, steady ripple SD/mean over the last 2 s of contraction, release time in ms,
    rest spikes: max/mean over the last 1.5 s of rest)."""
    on, off = int(T_ON * rate_hz), int(T_OFF * rate_hz)
    rest = env[on - int(1.5 * rate_hz) : on].mean()
    steady = env[off - int(2 * rate_hz) : off]
    level = steady.mean()
    t90 = np.argmax(env[on:] >= rest + 0.9 * (level - rest)) / rate_hz * 1000
    rest_after = env[-int(1.5 * rate_hz) :]
    t_release = np.argmax(env[off:] <= 1.1 * rest_after.mean()) / rate_hz * 1000
    return float(t90), float(steady.std() / level), float(t_release), float(rest_after.max() / rest_after.mean())


@pytest.fixture(scope="module")
def pipeline_figs() -> dict[tuple[str, float], dict[str, np.ndarray]]:
    out = {}
    for spectrum in ("simulator", "white"):
        for rate in PIPE_RATES:
            lin, bay = [], []
            for seed in PIPE_SEEDS:
                res = Pipeline(rate).process(raw_step(spectrum, rate, seed))
                lin.append(pipeline_figures(res.envelope[:, 0], rate))
                bay.append(pipeline_figures(res.lowlag[:, 0], rate))
            lin_a, bay_a = np.array(lin), np.array(bay)
            out[(spectrum, rate)] = {"linear": lin_a, "bayes": bay_a}
            med_l, med_b = np.median(lin_a, axis=0), np.median(bay_a, axis=0)
            print(
                f"{spectrum} {rate:.0f} Hz, medians over {len(PIPE_SEEDS)} seeds (Bayes / 6 Hz linear): "
                f"90 % rise {med_b[0]:.1f} / {med_l[0]:.1f} ms, ripple {med_b[1]:.3f} / {med_l[1]:.3f} "
                f"(worst seed ratio {np.max(bay_a[:, 1] / lin_a[:, 1]):.2f}), release {med_b[2]:.0f} / {med_l[2]:.0f} ms, "
                f"rest max/mean {med_b[3]:.2f} / {med_l[3]:.2f}"
            )
    return out


CASES = [(s, r) for s in ("simulator", "white") for r in PIPE_RATES]


@pytest.mark.parametrize("case", CASES, ids=[f"{s}-{r:.0f}Hz" for s, r in CASES])
def test_pipeline_lowlag_rises_sooner_at_no_more_ripple(pipeline_figs, case) -> None:
    lin, bay = pipeline_figs[case]["linear"], pipeline_figs[case]["bayes"]
    assert np.median(bay[:, 0]) < 0.5 * np.median(lin[:, 0])  # 90 % of a step: at least twice as soon
    assert np.all(bay[:, 1] <= lin[:, 1])  # steady ripple no larger, on every seed
    assert np.median(bay[:, 3]) <= np.median(lin[:, 3])  # nor larger spikes at rest


def test_pipeline_lowlag_releases_no_slower_at_2_khz(pipeline_figs) -> None:
    # At 2 kHz the release (to within 10 % of rest) matches the linear envelope; at 1 kHz it is ~20 % and
    # at 200 Hz ~2.4x slower (the posterior's tail above rest drains slowly): see the printed figures.
    for spectrum in ("simulator", "white"):
        lin, bay = pipeline_figs[(spectrum, 2000.0)]["linear"], pipeline_figs[(spectrum, 2000.0)]["bayes"]
        assert np.median(bay[:, 2]) <= 1.1 * np.median(lin[:, 2])
