"""The live left-right comparison (issue 14, point 6): a rep of each sling found in its figures, and
Robinson's index of their glutes' levels."""

from __future__ import annotations

import pytest

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.coach.slings import Sling
from emgcoach.session.sling_symmetry import MIN_REP_FRAMES, LiveSymmetry


def fig(lat: float, glute: float, unit: str = "%MVC") -> Figures:
    return Figures(unit, lat, glute, Band(5.0, 25.0), Band(20.0), 0.5, False, calibrated=unit == "%MVC")


def rep(s: LiveSymmetry, sling: Sling, glute: float, frames: int = 60, unit: str = "%MVC") -> None:
    for _ in range(frames):
        s.frame(sling, fig(14.0, glute, unit))
    s.frame(sling, fig(1.0, 2.0, unit))  # the lat drops below its floor: the rep ends


def test_last_reps_of_each_sling_give_robinsons_index() -> None:
    s = LiveSymmetry()
    assert s.text() == "" and s.glute_si_pct() is None
    rep(s, Sling.LEFT, 32.0)
    assert s.glute_si_pct() is None and "waiting for a rep of each sling" in s.text()
    rep(s, Sling.RIGHT, 24.0)
    assert s.glute_si_pct() == pytest.approx(100 * (24 - 32) / 28)  # -28.6 %
    assert "SI -29 %" in s.text() and "the left glute works less" in s.text()  # the right sling's glute
    rep(s, Sling.RIGHT, 32.0)  # the newest rep of a sling replaces its last
    assert s.glute_si_pct() == pytest.approx(0.0)
    assert "glutes even" in s.text()


def test_a_twitch_or_the_lat_alone_is_not_a_rep_and_uv_is_said() -> None:
    s = LiveSymmetry()
    rep(s, Sling.LEFT, 30.0, frames=MIN_REP_FRAMES - 1)
    assert Sling.LEFT not in s.last
    rep(s, Sling.LEFT, 9.0)  # the glute never reached half its 20 %MVC floor: a lat effort, not the sling's rep
    assert Sling.LEFT not in s.last
    rep(s, Sling.LEFT, 30.0, unit="µV")
    rep(s, Sling.RIGHT, 30.0, unit="µV")
    assert "calibrate to compare the muscles" in s.text()
