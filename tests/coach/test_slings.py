"""Both slings (issue 14, point 6): the Sling vocabulary, Robinson et al.'s symmetry index with numbers,
the pairing of the k-th rep of each sling, and a drills file naming both slings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from emgcoach.coach import live_feedback
from emgcoach.coach.drills import DrillError, load_file, load_library
from emgcoach.coach.slings import (
    GLUTE,
    LAT,
    RepLevels,
    Sling,
    SymmetrySummary,
    find_slings,
    missing_slings,
    rep_symmetry,
    symmetry_index,
)
from tests.coach.test_drills import GOOD


def test_roles_strings_are_the_channels_own() -> None:
    assert (LAT, GLUTE) == (live_feedback.LAT, live_feedback.GLUTE)


def test_a_sling_is_named_by_its_lat_and_joins_the_opposite_glute() -> None:
    assert (Sling.LEFT.lat_side, Sling.LEFT.glute_side) == ("left", "right")
    assert (Sling.RIGHT.lat_side, Sling.RIGHT.glute_side) == ("right", "left")
    assert Sling.of(LAT, "left") is Sling.LEFT and Sling.of(GLUTE, "right") is Sling.LEFT
    assert Sling.of(LAT, "right") is Sling.RIGHT and Sling.of(GLUTE, "left") is Sling.RIGHT
    assert Sling.of("erector_spinae", "left") is None and Sling.of(LAT, "none") is None


def test_find_slings_pairs_each_lat_with_its_opposite_glute_whatever_the_order() -> None:
    roles = {(3, 0): (GLUTE, "left"), (0, 0): (GLUTE, "right"), (2, 0): (LAT, "right"), (1, 0): (LAT, "left")}
    assert find_slings(roles) == {Sling.LEFT: ((1, 0), (0, 0)), Sling.RIGHT: ((2, 0), (3, 0))}
    # two sensors: one sling, as the app has always coached
    assert find_slings({(0, 0): (LAT, "left"), (1, 0): (GLUTE, "right")}) == {Sling.LEFT: ((0, 0), (1, 0))}
    # a lat and a glute on the same side make no sling
    assert find_slings({(0, 0): (LAT, "left"), (1, 0): (GLUTE, "left")}) == {}


def test_symmetry_index_is_robinsons() -> None:
    # (R - L) / (0.5 (R + L)) x 100
    assert symmetry_index(left=40.0, right=30.0) == pytest.approx(-100 * 10 / 35)
    assert symmetry_index(left=30.0, right=40.0) == pytest.approx(100 * 10 / 35)
    assert symmetry_index(20.0, 20.0) == 0.0
    assert symmetry_index(0.0, 50.0) == pytest.approx(200.0)  # the bound: one side silent
    assert symmetry_index(-3.0, 50.0) == pytest.approx(200.0)  # below rest counts as none
    assert symmetry_index(0.0, 0.0) is None
    assert symmetry_index(None, 3.0) is None and symmetry_index(math.nan, 3.0) is None


def test_reps_pair_by_order_within_each_sling() -> None:
    left = [RepLevels(t, 15.0, 40.0, 60.0, True) for t in (10.0, 26.0, 42.0)]
    right = [RepLevels(t, 15.0, 30.0, 100.0, True) for t in (34.0, 18.0)]  # out of order, one fewer
    pairs = rep_symmetry(left, right)
    assert [(p.left_start_s, p.right_start_s) for p in pairs] == [(10.0, 18.0), (26.0, 34.0)]
    assert pairs[0].glute_si_pct == pytest.approx(-28.571, abs=0.01)
    assert pairs[0].lat_si_pct == 0.0 and pairs[0].latency_diff_ms == 40.0 and pairs[0].unit == "%MVC"
    summary = SymmetrySummary(tuple(pairs))
    assert summary.glute_si_pct == pytest.approx(-28.571, abs=0.01)
    assert "right sling's glute (the left glute) works less" in summary.text()
    d = summary.to_dict()
    assert d["pairs"] == 2 and d["mean_glute_si_pct"] == pytest.approx(-28.6) and "Robinson" in d["source"]
    # uncalibrated on one side: levels compared in µV, and said so
    assert rep_symmetry([RepLevels(0, 1, 2, None, False)], [RepLevels(1, 1, 2, None, True)])[0].unit == "µV"


def test_library_drill_names_both_slings() -> None:
    lib = load_library(include_user=False)
    both = [d for d in lib.values() if d.both_slings]
    assert both and both[0].slings == (Sling.LEFT, Sling.RIGHT)
    assert not lib["bird_dog"].both_slings and lib["bird_dog"].slings == ()


@pytest.mark.parametrize("value", ['["left"]', '["left", "left"]', '["left", "right", "left"]', '"both"', '["up", "down"]'])
def test_a_bad_slings_field_is_one_error_naming_it(tmp_path: Path, value: str) -> None:
    f = tmp_path / "drills.toml"
    f.write_text(GOOD.replace('reps = 5', f'reps = 5\nslings = {value}'), encoding="utf-8")
    with pytest.raises(DrillError, match=r"drill 'wall_press': slings must name both slings"):
        load_file(f)


def test_slings_order_is_kept(tmp_path: Path) -> None:
    f = tmp_path / "drills.toml"
    f.write_text(GOOD.replace('reps = 5', 'reps = 5\nslings = ["right", "left"]'), encoding="utf-8")
    assert load_file(f)["wall_press"].slings == (Sling.RIGHT, Sling.LEFT)


def test_a_both_slings_drill_needs_both_slings() -> None:
    both = (Sling.LEFT, Sling.RIGHT)
    assert missing_slings(both, [Sling.LEFT, Sling.RIGHT]) == ""
    assert missing_slings((), [Sling.LEFT]) == ""  # a one-sling drill: any one
    why = missing_slings(both, [Sling.LEFT])
    assert why.startswith("This drill works both slings: it needs four sensors") and "right lat + left glute" in why
