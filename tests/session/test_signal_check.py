"""The signal check before calibration, without a display: rest, then a small contraction, graded with
the quality light's words."""

from __future__ import annotations

import time

import numpy as np

from emgcoach.dsp.quality import FLAG_MESSAGES, assess_quality
from emgcoach.session.signal_check import ADVICE, CheckStage, SignalCheck, verdict
from emgcoach.stream.engine import Engine
from emgcoach.stream.sim.client import SimulatedClient

RATE = 2000.0


def _run(check: SignalCheck, effort: list, contract: tuple[float, float], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while check.update() != CheckStage.DONE and time.monotonic() < deadline:
        effort[0] = contract if check.stage == CheckStage.CONTRACT else (0.0, 0.0)
        time.sleep(0.02)
    assert check.stage == CheckStage.DONE


def _check_on_simulated_client(contract: tuple[float, float]) -> SignalCheck:
    effort = [(0.0, 0.0)]
    with Engine() as engine:
        engine.add_source(SimulatedClient(lambda _t: effort[0], rate_hz=RATE, clock=engine.clock_s, seed=3))
        deadline = time.monotonic() + 10
        while engine.stream_stats(0).samples < 0.5 * RATE and time.monotonic() < deadline:
            time.sleep(0.02)  # past the band-pass's start-up
        check = SignalCheck(engine, (0, 1), rest_s=1.0, contract_s=1.5)  # channel 1: the glute
        _run(check, effort, contract)
    return check


def test_a_small_contraction_over_a_quiet_rest_is_good() -> None:
    check = _check_on_simulated_client((0.0, 0.15))  # 15 %MVC of the glute
    result = check.result
    assert result is not None and result.grade == "good", result
    assert result.advice == ADVICE["good"]
    assert result.rest_noise_uv < 15.0
    assert result.snr_db > 12.0


def test_no_contraction_during_the_check_is_said_so() -> None:
    check = _check_on_simulated_client((0.0, 0.0))
    result = check.result
    assert result is not None and result.grade == "fair" and result.passed
    assert result.advice in (ADVICE["no_contraction"], ADVICE["low_snr"])
    assert result.snr_db < 6.0


def _report(x: np.ndarray):
    return assess_quality(x[:, None], RATE)[0]


def test_an_electrode_off_fails_at_rest_with_what_to_do() -> None:
    rest = _report(np.zeros(int(2 * RATE)))
    result = verdict(rest, None)
    assert result.grade == "bad" and not result.passed
    assert result.advice == FLAG_MESSAGES["flatline"]


def test_mains_hum_at_rest_fails_with_the_reference_advice() -> None:
    t = np.arange(int(2 * RATE)) / RATE
    rng = np.random.default_rng(1)
    rest = _report(80.0 * np.sin(2 * np.pi * 50.0 * t) + rng.normal(0, 2.0, t.size))
    result = verdict(rest, None)
    assert result.grade == "bad"
    assert "reference electrode" in result.advice


def test_a_clipping_contraction_fails() -> None:
    rng = np.random.default_rng(2)
    rest = _report(rng.normal(0, 2.0, int(2 * RATE)))
    burst = np.clip(rng.normal(0, 400.0, int(2 * RATE)), -500.0, 500.0)
    result = verdict(rest, _report(burst))
    assert result.grade == "bad"
    assert result.advice == FLAG_MESSAGES["clipping"]


def test_a_quiet_rest_alone_does_not_claim_the_muscle_rises() -> None:
    """After the rest, before the contraction, the verdict says the rest was quiet, not that the muscle
    'clearly rises above it' (nothing has risen yet)."""
    rest = _report(np.random.default_rng(4).normal(0, 2.0, int(2 * RATE)))
    result = verdict(rest, None)
    assert result.grade == "good" and result.passed
    assert result.advice == ADVICE["quiet_rest"] and "rises above it." not in result.advice
