"""The drill library: complete, validated on load, errors that name the drill and the field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from emgcoach.coach.drills import BUILTIN, DrillError, get_drill, load_file, load_library

GOOD = """
[[drill]]
id = "wall_press"
name = "Wall press"
purpose = "Press the straight arm into a wall while extending the opposite hip."
setup = "Stand side-on to a wall."
electrodes = "Lat on the pressing arm, glute on the other side."
reps = 5
cues = ["Press and squeeze"]
[drill.phases]
setup = 3
contract = 1
hold = 2
release = 1
rest = 2
[drill.targets]
lat_pct_mvc = [20, 40]
glute_pct_mvc_min = 20
partner_onset_ms = [-150, 150]
"""


def test_library_has_at_least_eight_sling_drills_with_phases_and_targets() -> None:
    lib = load_library(include_user=False)
    assert len(lib) >= 8
    for d in lib.values():
        assert d.lead in ("lat", "glute")
        assert [p for p, _ in d.phases] == ["contract", "hold", "release", "rest"]
        assert d.rep_s > 0 and d.reps >= 1
        assert 0 < d.targets.lat_lo < d.targets.lat_hi and d.targets.glute_min > 0
        assert d.targets.partner_onset_ms[0] < 0 < d.targets.partner_onset_ms[1]  # together, within a window
        assert "opposite" in d.electrodes.lower() or "diagonal" in d.electrodes.lower()
    assert {"bird_dog", "prone_hip_extension", "straight_arm_pulldown_glute", "single_leg_rdl_row"} <= set(lib)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("hold = 2", "hold = -2"), "drill 'wall_press': hold must be a positive number of seconds"),
        (("hold = 2", 'hold = "long"'), "drill 'wall_press': hold must be a positive number"),
        (("lat_pct_mvc = [20, 40]", "lat_pct_mvc = [40, 20]"), "drill 'wall_press': targets.lat_pct_mvc low (40) must be below high (20)"),
        (("reps = 5", "reps = 0"), "drill 'wall_press': reps must be a whole number"),
        (('cues = ["Press and squeeze"]', "cues = []"), "drill 'wall_press': cues must be a non-empty list"),
        (("glute_pct_mvc_min = 20", ""), "drill 'wall_press': targets.glute_pct_mvc_min must be a %MVC number"),
        (('name = "Wall press"', 'name = "Wall press"\nlead = "arm"'), "drill 'wall_press': lead must be one of lat, glute"),
        (("rest = 2", "rest = 2\nwarmup = 3"), "drill 'wall_press': phases.warmup is not a phase"),
        (('id = "wall_press"', 'id = "wall press"'), "id must be a name"),
        (("[drill.targets]", "[drill.corrections]\nglute_slow = 'x'\n[drill.targets]"), "drill 'wall_press': corrections.glute_slow is not a miss"),
    ],
)
def test_each_mistake_is_named_with_drill_and_field(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(GOOD.replace(*edit, 1))
    with pytest.raises(DrillError) as e:
        load_file(f)
    assert str(e.value).startswith(str(f)) and message in str(e.value)
    assert "\n" not in str(e.value)


def test_broken_toml_and_missing_file_give_one_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[[drill]\nid = ")
    with pytest.raises(DrillError, match="not valid TOML"):
        load_file(f)
    with pytest.raises(DrillError, match="file not found"):
        load_file(tmp_path / "none.toml")
    (tmp_path / "empty.toml").write_text("# nothing\n")
    with pytest.raises(DrillError, match="no \\[\\[drill\\]\\] tables"):
        load_file(tmp_path / "empty.toml")


def test_user_file_adds_and_replaces_drills(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "drills.toml"
    user.write_text(GOOD + GOOD.replace('"wall_press"', '"bird_dog"').replace('"Wall press"', '"My bird dog"'))
    monkeypatch.setattr("emgcoach.coach.drills.user_drills_path", lambda: user)
    lib = load_library()
    assert lib["wall_press"].reps == 5
    assert lib["bird_dog"].name == "My bird dog"
    assert len(lib) == len(load_library(include_user=False)) + 1


def test_unknown_drill_lists_the_ids() -> None:
    with pytest.raises(DrillError, match="unknown drill 'handstand'; drills: bird_dog"):
        get_drill("handstand", load_library(include_user=False))


def test_builtin_file_is_plain_toml() -> None:
    doc = tomllib.loads(BUILTIN.read_text())
    assert len(doc["drill"]) == len(load_file(BUILTIN))


def test_every_bundled_target_names_its_source_or_says_there_is_none() -> None:
    """Each drill's targets carry a comment for the lat, the glute and the onset window: a published
    figure with its year, or a plain 'none published' with how the number was chosen."""
    import re

    text = BUILTIN.read_text(encoding="utf-8")
    blocks = re.findall(r'id = "(\w+)".*?\[drill\.targets\]\n((?:#[^\n]*\n)+)', text, flags=re.S)
    assert [b[0] for b in blocks] == list(load_file(BUILTIN))
    for drill_id, comment in blocks:
        for part in ("# lat:", "# glute:", "# onset window"):
            assert part in comment, (drill_id, part)
        for muscle in ("lat", "glute"):
            said = re.split(r"\n# (?=\w)", comment.split(f"# {muscle}:")[1])[0]  # up to the next item
            assert re.search(r"(19|20)\d\d", said) or ("none published" in said and "chosen" in said.lower()), (drill_id, muscle, said)
