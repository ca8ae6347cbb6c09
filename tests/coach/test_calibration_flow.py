"""The wizard's course without a display: position before the countdown, Ready, a shortenable rest,
a note per effort, the summary, and a redo of one muscle."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.coach.calibration import protocol
from emgcoach.coach.calibration_flow import CalibrationFlow, Stage

RATE = 1000.0
LAT = ("latissimus_dorsi", "left")
GLUTE = ("gluteus_maximus", "right")


class Client:
    """Feeds the flow's session an envelope: 3 µV at rest, `level` µV on the muscle being pushed."""

    def __init__(self, flow: CalibrationFlow) -> None:
        self.flow, self.t = flow, 0.0
        self.rng = np.random.default_rng(1)
        self.level = {LAT: 200.0, GLUTE: 120.0}

    def run(self, seconds: float) -> None:
        end = self.t + seconds
        while self.t < end - 1e-9:
            s = self.flow.session
            env = 3.0 + 0.3 * self.rng.standard_normal((50, 2))
            if s is not None:
                _, step, _ = s.step_at(self.t)
                if step is not None and step.kind == "mvc":
                    col = 0 if (step.muscle, step.side) == LAT else 1
                    env[:, col] += self.level[(step.muscle, step.side)]
                s.feed(0, self.t, RATE, env, env)
            self.t += 50 / RATE
            self.flow.prompt(self.t)


def _flow() -> tuple[CalibrationFlow, Client]:
    steps = protocol([LAT, GLUTE], rest_s=3.0, efforts=2, effort_s=2.0, recover_s=20.0)
    flow = CalibrationFlow("P01", {LAT: (0, 0), GLUTE: (0, 1)}, steps)
    return flow, Client(flow)


def test_position_first_then_ready_then_countdown_then_push() -> None:
    flow, client = _flow()
    p = flow.prompt(0.0)
    assert p.stage is Stage.INTRO and p.can_start and not p.can_ready
    flow.start(0.0)
    client.run(1.0)
    assert flow.prompt(client.t).headline.startswith("Rest")
    client.run(2.5)  # the quiet rest is over: the first effort's position, and no countdown yet
    p = flow.prompt(client.t)
    assert p.stage is Stage.PREPARE and p.can_ready and "Lie face down, arm by your side" in p.instruction
    assert p.step.kind == "mvc" and p.step.muscle == LAT[0]
    client.run(10.0)  # however long it takes to get into position
    assert flow.prompt(client.t).stage is Stage.PREPARE
    flow.ready(client.t)
    p = flow.prompt(client.t)
    assert p.stage is Stage.LEAD_IN and p.headline == "Push in 3" and "arm by your side" in p.instruction
    client.run(3.05)
    p = flow.prompt(client.t)
    assert p.stage is Stage.STEP and p.step.kind == "mvc" and p.headline.startswith("PUSH")
    client.run(2.0)
    p = flow.prompt(client.t)
    # the 20 s rest, the next effort's position already on screen, the effort's level and the rest's
    assert p.step.kind == "recover" and p.can_shorten and "Next: Effort 2 of 2" in p.instruction
    assert p.note.startswith("Latissimus left effort 1: 20") and p.note.endswith("x rest)")
    before = p.progress
    client.run(5.0)
    assert flow.prompt(client.t).progress > before  # moves while resting
    flow.shorten(client.t)
    assert flow.prompt(client.t).stage is Stage.PREPARE


def _through(flow: CalibrationFlow, client: Client) -> None:
    """Ready as soon as asked, rests shortened after 1 s, until the summary."""
    for _ in range(200):
        p = flow.prompt(client.t)
        if p.stage is Stage.SUMMARY:
            return
        if p.can_ready:
            flow.ready(client.t)
        elif p.can_shorten and p.step.duration_s - p.left_s > 1.0:
            flow.shorten(client.t)
        client.run(0.5)
    raise AssertionError("never reached the summary")


def test_summary_after_the_last_effort_without_a_final_rest_and_a_redo_of_one_muscle() -> None:
    flow, client = _flow()
    client.level[GLUTE] = 2.0  # the glute electrode is off: its efforts barely show
    flow.start(0.0)
    _through(flow, client)
    p = flow.prompt(client.t)
    assert p.stage is Stage.SUMMARY and not p.summary.ok and p.headline == "Calibration not usable"
    lat, glute = p.summary.muscles
    assert lat.mvc_uv == pytest.approx(203.0, abs=1.0) and glute.weak_efforts == (1, 2)
    # no 20 s rest after the last effort: the quiet 3 s, 4 lead-ins and efforts of 3 + 2 s, 3 rests cut
    # after 1-1.5 s, and the 0.5 s steps of this loop (a final rest would add 20 s)
    assert client.t < 3 + 4 * (2 + 3) + 3 * 1.5 + 4
    client.level[GLUTE] = 120.0  # electrode pressed back on: redo the glute only
    flow.redo(client.t, GLUTE)
    p = flow.prompt(client.t)
    assert p.stage is Stage.PREPARE and p.step.muscle == GLUTE[0] and "knee bent" in p.instruction
    _through(flow, client)
    p = flow.prompt(client.t)
    assert p.summary.ok and p.summary.warnings() == []
    assert p.summary.calibration.get(*GLUTE).mvc_uv == pytest.approx(123.0, abs=1.0)
    assert p.summary.calibration.get(*LAT).mvc_uv == pytest.approx(203.0, abs=1.0)  # kept


def test_hands_free_runs_the_steps_back_to_back() -> None:
    steps = protocol([LAT, GLUTE], rest_s=3.0, efforts=1, effort_s=2.0, recover_s=1.0)
    flow = CalibrationFlow("P01", {LAT: (0, 0), GLUTE: (0, 1)}, steps, paced=False)
    client = Client(flow)
    flow.start(0.0)
    client.run(3.5)
    p = flow.prompt(client.t)
    assert p.stage is Stage.STEP and p.step.kind == "mvc" and not p.can_ready and not p.can_shorten
    client.run(6.0)
    assert flow.prompt(client.t).summary.ok
