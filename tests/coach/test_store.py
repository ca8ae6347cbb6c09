"""The session store: private file, transactions that survive a crash, migrations from older schemas."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from emgcoach.coach.calibration import Calibration, MuscleCalibration
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError, migrate

ROOT = Path(__file__).resolve().parents[2]


def rep(i: int, drill: str = "bird_dog", latency: float = 80.0, glute: float = 25.0, hit: bool = True) -> RepScore:
    return RepScore(
        drill=drill, index=i, start_s=10.0 + 8 * i, end_s=14.0 + 8 * i, lead="lat", lat_onset_s=10.0 + 8 * i,
        glute_onset_s=10.0 + 8 * i + latency / 1000, onset_latency_ms=latency,
        peak_pct_mvc={"lat": 35.0, "glute": glute + 5}, mean_pct_mvc={"lat": 30.0, "glute": glute},
        peak_uv={"lat": 70.0, "glute": 40.0}, mean_uv={"lat": 60.0, "glute": 30.0}, cci=0.8,
        time_in_target=0.9, calibrated=True, hit=hit, misses=() if hit else ("glute_late",),
        cue="" if hit else "Glute late",
    )


def test_file_is_private_and_schema_current(tmp_path: Path) -> None:
    with Store(tmp_path / "sub" / "h.sqlite3") as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    mode = stat.S_IMODE((tmp_path / "sub" / "h.sqlite3").stat().st_mode)
    assert mode == 0o600


def test_sessions_reps_and_progress_per_drill(tmp_path: Path) -> None:
    with Store(tmp_path / "h.sqlite3") as s:
        s.save_session("P01", "2026-11-01T10:00:00", [rep(i, latency=140, glute=18, hit=False) for i in range(6)])
        s.save_session("P01", "2026-11-15T10:00:00", [rep(i, latency=90, glute=24) for i in range(8)] + [rep(0, "prone_hip_extension")])
        s.save_session("P02", "2026-11-15T11:00:00", [rep(0)])
        hist = s.sessions("P01")
        assert [h.reps for h in hist] == [6, 9] and hist[1].drills == ("bird_dog", "prone_hip_extension")
        prog = s.progress("P01", "bird_dog")
        assert [p["glute_mean"] for p in prog] == [18.0, 24.0]
        assert [p["median_latency_ms"] for p in prog] == [140.0, 90.0]
        assert [p["hit_rate"] for p in prog] == [0.0, 1.0]
        info, reps = s.session(hist[0].id)
        assert reps[0]["cue"] == "Glute late" and reps[0]["unit"] == "%MVC"
        assert s.people() == ["P01", "P02"]


def test_names_are_refused_as_labels(tmp_path: Path) -> None:
    with Store(tmp_path / "h.sqlite3") as s:
        with pytest.raises(StoreError, match="pseudonym"):
            s.person("Jane Smith")
        with pytest.raises(StoreError, match="pseudonym"):
            s.person("jane@example.com")


def test_calibration_is_offered_on_its_day_only(tmp_path: Path) -> None:
    cal = Calibration("P01", "2026-11-25T09:00:00", (MuscleCalibration("latissimus_dorsi", "left", 3, 1, 4, 1.5, 200, (180, 200, 190)),))
    with Store(tmp_path / "h.sqlite3") as s:
        cid = s.save_calibration(cal)
        assert s.latest_calibration("P01", date(2026, 11, 25)) == (cid, cal)
        assert s.latest_calibration("P01", date(2026, 11, 26)) is None
        assert s.latest_calibration("P02", date(2026, 11, 25)) is None


def test_crash_in_the_middle_of_a_write_loses_only_that_write(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    with Store(db) as s:
        s.save_session("P01", "2026-11-01T10:00:00", [rep(i) for i in range(5)])
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from emgcoach.coach.store import Store
        from tests.coach.test_store import rep
        def reps():
            for i in range(1000):
                if i == 500:
                    os._exit(9)  # the process dies half-way through writing the session
                yield rep(i)
        Store({str(db)!r}).save_session("P01", "2026-11-02T10:00:00", reps())
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 9, r.stderr
    with Store(db) as s:
        hist = s.sessions("P01")
        assert [(h.started, h.reps) for h in hist] == [("2026-11-01T10:00:00", 5)]
        assert s.conn.execute("SELECT count(*) FROM reps").fetchone()[0] == 5
        s.save_session("P01", "2026-11-03T10:00:00", [rep(0)])  # and it is writable again
        assert len(s.sessions("P01")) == 2


def test_older_schema_is_migrated_with_its_data(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, upto=1) == 1  # a store written by the first release
    conn.execute("INSERT INTO people (label, created) VALUES ('P09', '2026-01-01T00:00:00')")
    conn.execute("INSERT INTO sessions (person_id, started, recording) VALUES (1, '2026-01-02T10:00:00', 'a.xdf')")
    conn.execute("INSERT INTO session_drills (session_id, drill) VALUES (1, 'bird_dog')")
    conn.execute("INSERT INTO reps (session_drill_id, idx, start_s, end_s, latency_ms, cci, lat_peak, glute_peak, lat_mean,"
                 " glute_mean, hit) VALUES (1, 0, 1.0, 4.0, 120.0, 0.7, 30, 25, 28, 22, 1)")
    conn.close()
    with Store(db) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
        (h,) = s.sessions("P09")
        assert h.notes == "" and h.recording == "a.xdf" and h.reps == 1
        _, reps = s.session(h.id)
        assert reps[0]["latency_ms"] == 120.0 and reps[0]["cue"] == "" and reps[0]["unit"] == "%MVC"
        assert reps[0]["lat_mdf_hz"] is None and reps[0]["glute_mdf_hz"] is None  # saved before MDFs were kept


def test_a_store_from_before_median_frequencies_keeps_its_reps_and_takes_new_ones(tmp_path: Path) -> None:
    """Version 3 (no MDF columns) migrated to 4: its reps read with NULL MDFs and no slope; reps saved
    after keep each muscle's MDF, and progress shows its slope per session and flags a fast fall."""
    db = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, upto=3) == 3
    conn.execute("INSERT INTO people (label, created) VALUES ('P09', '2026-01-01T00:00:00')")
    conn.execute("INSERT INTO sessions (person_id, started, recording) VALUES (1, '2026-01-02T10:00:00', 'a.xdf')")
    conn.execute("INSERT INTO session_drills (session_id, drill, complete, planned_reps) VALUES (1, 'bird_dog', 1, 8)")
    for i in range(5):
        conn.execute("INSERT INTO reps (session_drill_id, idx, start_s, end_s, latency_ms, cci, lat_peak, glute_peak,"
                     f" lat_mean, glute_mean, hit) VALUES (1, {i}, 1.0, 4.0, 120.0, 0.7, 30, 25, 28, 22, 1)")
    conn.close()
    with Store(db) as s:
        assert SCHEMA_VERSION >= 4 and s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        (old,) = s.progress("P09", "bird_dog")
        assert old["reps"] == 5 and old["mdf_slope_pct_per_rep"] == {"lat": None, "glute": None} and old["fatigue"] == []
        # a later session: glute MDF 100, 97, 94, ... Hz (-3 %/rep of 100), lat steady
        s.save_session("P09", "2026-01-09T10:00:00", [replace(rep(i), median_freq_hz={"lat": 90.0, "glute": 100.0 - 3 * i})
                                                     for i in range(6)])
        _, new = s.progress("P09", "bird_dog")
        assert new["mdf_slope_pct_per_rep"] == {"lat": 0.0, "glute": -3.0} and new["fatigue"] == ["glute"]
        _, reps = s.session(s.sessions("P09")[1].id)
        assert [r["glute_mdf_hz"] for r in reps[:2]] == [100.0, 97.0] and reps[0]["lat_mdf_hz"] == 90.0


def test_not_a_store_and_a_newer_store_give_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.sqlite3: not a usable emgcoach store"):
        Store(junk)
    newer = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this emgcoach"):
        Store(newer)


def test_a_store_from_before_both_slings_opens_and_keeps_each_reps_sling(tmp_path: Path) -> None:
    """Version 4 (no sling column) migrated to 5: its reps read with no sling; a both-slings set's reps
    saved after keep theirs ('left', 'right'), a one-sling set's none; the record of a rep round-trips."""
    from emgcoach.coach.recorded_sets import rep_from_payload
    from emgcoach.coach.slings import Sling

    db = tmp_path / "v4.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, upto=4) == 4
    conn.execute("INSERT INTO people (label, created) VALUES ('P09', '2026-01-01T00:00:00')")
    conn.execute("INSERT INTO sessions (person_id, started, recording) VALUES (1, '2026-01-02T10:00:00', 'a.xdf')")
    conn.execute("INSERT INTO session_drills (session_id, drill, complete, planned_reps) VALUES (1, 'bird_dog', 1, 8)")
    conn.execute("INSERT INTO reps (session_drill_id, idx, start_s, end_s, latency_ms, cci, lat_peak, glute_peak,"
                 " lat_mean, glute_mean, hit) VALUES (1, 0, 1.0, 4.0, 120.0, 0.7, 30, 25, 28, 22, 1)")
    conn.close()
    both = [replace(rep(i, drill="alternating_bird_dog"), sling=(Sling.LEFT, Sling.RIGHT)[i % 2]) for i in range(4)]
    with Store(db) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        (old,) = s.sessions("P09")
        assert s.session(old.id)[1][0]["sling"] is None  # saved before: no sling
        s.save_session("P09", "2026-01-09T10:00:00", both)
        s.save_session("P09", "2026-01-10T10:00:00", [rep(0)])
        rows = s.sessions("P09")
        assert [r["sling"] for r in s.session(rows[1].id)[1]] == ["left", "right", "left", "right"]
        assert s.session(rows[2].id)[1][0]["sling"] is None
    assert "sling" not in rep(0).to_dict() and both[1].to_dict()["sling"] == "right"
    assert rep_from_payload(both[1].to_dict()).sling is Sling.RIGHT and rep_from_payload(rep(0).to_dict()).sling is None
