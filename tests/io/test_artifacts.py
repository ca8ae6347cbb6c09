"""Artifact marks kept beside a recording (`io.artifacts`): merged, removed, saved owner-only and read
back; a damaged sidecar costs its marks (with one line naming it), never the recording."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgcoach.io.artifacts import (
    Artifact,
    add_artifact,
    make_artifact,
    parse_artifacts,
    parse_exclude,
    read_artifacts,
    remove_artifact,
    sidecar_path,
    write_artifacts,
)


def test_marks_merge_when_they_overlap_and_stay_apart_otherwise() -> None:
    marks: list[Artifact] = []
    marks = add_artifact(marks, make_artifact(10.0, 12.0, "cough", "2026-01-01T10:00:00"))
    marks = add_artifact(marks, make_artifact(30.0, 31.0, "tug", "2026-01-01T10:01:00"))
    marks = add_artifact(marks, make_artifact(13.0, 11.5, "cough again", "2026-01-01T10:02:00"))  # either order
    assert [(a.start_s, a.end_s) for a in marks] == [(10.0, 13.0), (30.0, 31.0)]
    assert marks[0].note == "cough; cough again" and marks[0].marked_at == "2026-01-01T10:00:00"
    cut = remove_artifact(marks, 11.0, 12.0)
    assert [(a.start_s, a.end_s) for a in cut] == [(10.0, 11.0), (12.0, 13.0), (30.0, 31.0)]
    assert [(a.start_s, a.end_s) for a in remove_artifact(cut, 0.0, 20.0)] == [(30.0, 31.0)]


def test_sidecar_round_trip_is_owner_only_and_empty_marks_remove_it(tmp_path: Path) -> None:
    rec = tmp_path / "s.xdf"
    marks = [make_artifact(5.0, 6.5, "sensor moved"), make_artifact(20.0, 21.0)]
    path = Path(write_artifacts(rec, marks))
    assert path == Path(sidecar_path(rec)) == tmp_path / "s.xdf.artifacts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(json.loads(path.read_text())[0]) == {"start_s", "end_s", "note", "marked_at"}
    back, warning = read_artifacts(rec)
    assert (back, warning) == (marks, "")
    write_artifacts(rec, [])
    assert not path.exists() and read_artifacts(rec) == ([], "")


@pytest.mark.parametrize("text", ["{not json", "{}", '[{"start_s": 3, "end_s": 1e999}]', '[1, {"start_s": 2}]'])
def test_a_damaged_sidecar_is_one_line_naming_it(tmp_path: Path, text: str) -> None:
    rec = tmp_path / "s.xdf"
    Path(sidecar_path(rec)).write_text(text)
    marks, warning = read_artifacts(rec)
    assert marks == [] and str(sidecar_path(rec)) in warning and "\n" not in warning


def test_a_partly_damaged_sidecar_keeps_its_good_marks(tmp_path: Path) -> None:
    rec = tmp_path / "s.xdf"
    Path(sidecar_path(rec)).write_text('[{"start_s": 1, "end_s": 2}, {"start_s": "x", "end_s": 2}]')
    marks, warning = read_artifacts(rec)
    assert [(a.start_s, a.end_s) for a in marks] == [(1.0, 2.0)] and "1 entry" in warning


def test_exclude_option_parses_or_names_itself() -> None:
    a = parse_exclude("12.5:14")
    assert (a.start_s, a.end_s) == (12.5, 14.0)
    for bad in ("12", "a:b", "3:3", "1:2:3", "nan:4"):
        with pytest.raises(ValueError, match="--exclude"):
            parse_exclude(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["start_s", "end_s", "note", "marked_at", "x"]), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values.map(lambda v: json.dumps(v)), st.text(max_size=200)))
def test_fuzzed_sidecar_text_never_raises(text: str) -> None:
    marks, problem = parse_artifacts(text)
    assert isinstance(problem, str) and "\n" not in problem
    assert all(a.start_s < a.end_s for a in marks)
    assert all(x.end_s < y.start_s for x, y in zip(marks, marks[1:]))


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_fuzzed_sidecar_bytes_never_raise(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    rec = tmp_path_factory.mktemp("fz") / "r.xdf"
    Path(sidecar_path(rec)).write_bytes(data)
    marks, warning = read_artifacts(rec)
    assert isinstance(marks, list) and "\n" not in warning
