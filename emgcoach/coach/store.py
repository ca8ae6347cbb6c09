"""The session store: people (pseudonymous labels), calibrations, sessions, drills and scored reps, in one
SQLite file in the user's data folder, readable and writable by its owner only.

Every write is one transaction: a crash mid-write leaves the store as it was before that write. The
schema is versioned (PRAGMA user_version) and migrated forward on open, one step per transaction.
Levels are stored in the unit they were scored in (%MVC, or µV without calibration), times in s from
the recording's start, latencies in ms.
"""

from __future__ import annotations

import json
import re
import sqlite3
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from emgcoach.coach.calibration import Calibration
from emgcoach.coach.fatigue import MUSCLES, mdf_trend
from emgcoach.coach.scoring import RepScore
from emgcoach.errors import EmgcoachError
from emgcoach.io.private import make_private

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE people (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
    CREATE TABLE calibrations (
        id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES people(id),
        created TEXT NOT NULL, data TEXT NOT NULL);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES people(id), started TEXT NOT NULL,
        recording TEXT, calibration_id INTEGER REFERENCES calibrations(id));
    CREATE TABLE session_drills (
        id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        drill TEXT NOT NULL);
    CREATE TABLE reps (
        id INTEGER PRIMARY KEY, session_drill_id INTEGER NOT NULL REFERENCES session_drills(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL, start_s REAL NOT NULL, end_s REAL NOT NULL, latency_ms REAL, cci REAL,
        lat_peak REAL, glute_peak REAL, lat_mean REAL, glute_mean REAL, hit INTEGER NOT NULL);
    CREATE INDEX sessions_person ON sessions(person_id, started);
    """,
    # 2: session notes; per rep the corrective cue, time in target and the unit of its levels
    """
    ALTER TABLE sessions ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    ALTER TABLE reps ADD COLUMN cue TEXT NOT NULL DEFAULT '';
    ALTER TABLE reps ADD COLUMN time_in_target REAL;
    ALTER TABLE reps ADD COLUMN unit TEXT NOT NULL DEFAULT '%MVC';
    """,
    # 3: a set cut short (stopped, the app quit) is kept marked incomplete, with the reps it planned
    """
    ALTER TABLE session_drills ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE session_drills ADD COLUMN planned_reps INTEGER;
    """,
    # 4: per rep each muscle's median frequency (Hz), so progress can show fatigue by session; NULL for
    # reps saved before (and for a muscle with none: too short, not on)
    """
    ALTER TABLE reps ADD COLUMN lat_mdf_hz REAL;
    ALTER TABLE reps ADD COLUMN glute_mdf_hz REAL;
    """,
    # 5: a both-slings set's rep says which sling worked it ('left' or 'right', coach.slings.Sling); NULL
    # for a one-sling set's reps and for reps saved before
    """
    ALTER TABLE reps ADD COLUMN sling TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


class StoreError(EmgcoachError):
    """The store cannot be opened or a request makes no sense (one line, names the file)."""


def check_label(label: str | None) -> str:
    """`label` if it is a pseudonym the store takes ('P07', 'client-3': letters, digits, - and _, at most
    32), else StoreError: names are refused, the store holds health data."""
    if not LABEL.match(label or ""):
        raise StoreError(f"person label {label!r}: use a pseudonym of letters, digits, - and _ (at most 32), not a name")
    return str(label)


SAME_SET_S = 0.05  # a set whose first rep starts within 50 ms of a stored one from the same file is that one


def default_path() -> Path:
    """emgcoach.sqlite3 in the user's data folder (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("emgcoach", appauthor=False)) / "emgcoach.sqlite3"


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Apply the migrations after the file's version, up to `upto`; each in its own transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"store schema version {version} is newer than this emgcoach ({SCHEMA_VERSION}): update emgcoach")
    for v in range(version, upto):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in MIGRATIONS[v].split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {v + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn.execute("PRAGMA user_version").fetchone()[0]


@dataclass(frozen=True)
class SessionRow:
    """One session in a person's history."""

    id: int
    person: str
    started: str
    recording: str | None
    notes: str
    drills: tuple[str, ...]
    reps: int
    hits: int
    complete: bool = True  # False: a set of it was cut short (stopped early, the app quit)


class Store:
    """The history database. `Store()` opens (creating) the default file; pass a path for another."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            make_private(self.path)  # before SQLite writes a byte of health data
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = DELETE")
            migrate(self.conn)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not a usable emgcoach store ({e})") from None
        except OSError as e:
            raise StoreError(f"{self.path}: cannot open the store ({e.strerror or e})") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writes, one transaction each

    def _tx(self) -> _Transaction:
        return _Transaction(self.conn)

    def person(self, label: str) -> int:
        """The id of the person with this pseudonymous label, created if new. Labels are codes such as
        'P07' or 'client-3' (letters, digits, - and _), never names: the store holds health data."""
        check_label(label)
        with self._tx():
            row = self.conn.execute("SELECT id FROM people WHERE label = ?", (label,)).fetchone()
            if row:
                return int(row[0])
            cur = self.conn.execute("INSERT INTO people (label, created) VALUES (?, ?)", (label, _now()))
            return _inserted_id(cur)

    def save_calibration(self, cal: Calibration) -> int:
        pid = self.person(cal.person)
        with self._tx():
            cur = self.conn.execute(
                "INSERT INTO calibrations (person_id, created, data) VALUES (?, ?, ?)",
                (pid, cal.created, json.dumps(cal.to_dict())),
            )
            return _inserted_id(cur)

    def save_session(
        self,
        person: str,
        started: str,
        reps: Iterable[RepScore],
        recording: str | None = None,
        calibration_id: int | None = None,
        notes: str = "",
        complete: bool = True,
        planned_reps: int | None = None,
    ) -> int:
        """A session with its drills and reps, all or nothing; returns its id. `complete` False marks its
        set as cut short (stopped early, the app quit) after the reps it has, of `planned_reps`."""
        with self._tx():
            pid = self.person(person)
            cur = self.conn.execute(
                "INSERT INTO sessions (person_id, started, recording, calibration_id, notes) VALUES (?, ?, ?, ?, ?)",
                (pid, started, recording, calibration_id, notes),
            )
            sid = _inserted_id(cur)
            drill_ids: dict[str, int] = {}
            for r in reps:
                if r.drill not in drill_ids:
                    c = self.conn.execute("INSERT INTO session_drills (session_id, drill, complete, planned_reps)"
                                          " VALUES (?, ?, ?, ?)", (sid, r.drill, int(complete), planned_reps))
                    drill_ids[r.drill] = _inserted_id(c)
                unit = "%MVC" if r.calibrated else "µV"
                peak = r.peak_pct_mvc if r.calibrated else r.peak_uv
                mean = r.mean_pct_mvc if r.calibrated else r.mean_uv
                mdf = r.median_freq_hz
                self.conn.execute(
                    "INSERT INTO reps (session_drill_id, idx, start_s, end_s, latency_ms, cci, lat_peak, glute_peak,"
                    " lat_mean, glute_mean, hit, cue, time_in_target, unit, lat_mdf_hz, glute_mdf_hz, sling)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (drill_ids[r.drill], r.index, r.start_s, r.end_s, _ms(r.onset_latency_ms), _f(r.cci), _f(peak["lat"]),
                     _f(peak["glute"]), _f(mean["lat"]), _f(mean["glute"]), int(r.hit), r.cue, r.time_in_target, unit,
                     _f(mdf.get("lat")), _f(mdf.get("glute")), None if r.sling is None else str(r.sling)),
                )
            return sid

    def set_notes(self, session_id: int, notes: str) -> None:
        with self._tx():
            self.conn.execute("UPDATE sessions SET notes = ? WHERE id = ?", (notes, session_id))

    # ------------------------------------------------------------------ reads

    def people(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT label FROM people ORDER BY label")]

    def latest_calibration(self, person: str, day: date | None = None) -> tuple[int, Calibration] | None:
        """The person's newest calibration if it was made on `day` (default today): reusable that day only."""
        row = self.conn.execute(
            "SELECT c.id, c.data FROM calibrations c JOIN people p ON p.id = c.person_id WHERE p.label = ?"
            " ORDER BY c.created DESC, c.id DESC LIMIT 1",
            (person,),
        ).fetchone()
        if row is None:
            return None
        cal = Calibration.from_dict(json.loads(row["data"]))
        return (int(row["id"]), cal) if cal.valid_on(day) else None

    def _session_rows(self, where: str, params: tuple) -> list[SessionRow]:
        rows = self.conn.execute(
            "SELECT s.id, p.label, s.started, s.recording, s.notes,"
            " (SELECT group_concat(drill, ',') FROM session_drills d WHERE d.session_id = s.id) AS drills,"
            " (SELECT count(*) FROM reps r JOIN session_drills d ON d.id = r.session_drill_id WHERE d.session_id = s.id) AS n,"
            " (SELECT coalesce(sum(hit), 0) FROM reps r JOIN session_drills d ON d.id = r.session_drill_id WHERE d.session_id = s.id) AS hits,"
            " (SELECT coalesce(min(complete), 1) FROM session_drills d WHERE d.session_id = s.id) AS complete"
            f" FROM sessions s JOIN people p ON p.id = s.person_id WHERE {where} ORDER BY s.started, s.id",
            params,
        ).fetchall()
        return [SessionRow(r["id"], r["label"], r["started"], r["recording"], r["notes"],
                           tuple(r["drills"].split(",")) if r["drills"] else (), r["n"], r["hits"], bool(r["complete"]))
                for r in rows]

    def sessions(self, person: str) -> list[SessionRow]:
        """A person's sessions, oldest first."""
        return self._session_rows("p.label = ?", (person,))

    def _reps(self, where: str, params: tuple) -> list[dict]:
        rows = self.conn.execute(
            "SELECT d.session_id, d.drill, d.complete, d.planned_reps, r.* FROM reps r"
            " JOIN session_drills d ON d.id = r.session_drill_id"
            f" JOIN sessions s ON s.id = d.session_id JOIN people p ON p.id = s.person_id WHERE {where}"
            " ORDER BY d.session_id, d.id, r.idx",
            params,
        ).fetchall()
        return [dict(r) for r in rows]

    def session(self, session_id: int) -> tuple[SessionRow, list[dict]]:
        """One session and its reps (dicts with the reps table's columns plus 'drill', and its set's
        'complete' and 'planned_reps')."""
        found = self._session_rows("s.id = ?", (session_id,))
        if not found:
            raise StoreError(f"{self.path}: no session {session_id}")
        return found[0], self._reps("s.id = ?", (session_id,))

    def saved_from(self, person: str, recording: str | Path, reps: Iterable[RepScore]) -> int | None:
        """The id of a session of `person` already saved from this recording (paths compared resolved)
        with these reps: for every drill among `reps`, a stored rep of that drill starting within 50 ms
        of the drill's first rep here. None when there is none (or `reps` is empty)."""
        firsts: dict[str, float] = {}
        for r in reps:
            firsts.setdefault(r.drill, r.start_s)
            firsts[r.drill] = min(firsts[r.drill], r.start_s)
        if not firsts:
            return None
        target = _resolved(recording)
        for row in self.sessions(person):
            if not row.recording or _resolved(row.recording) != target or not set(firsts) <= set(row.drills):
                continue
            _, stored = self.session(row.id)
            if all(any(s["drill"] == d and abs(s["start_s"] - t) < SAME_SET_S for s in stored) for d, t in firsts.items()):
                return row.id
        return None

    def progress(self, person: str, drill: str) -> list[dict]:
        """Per session of `drill`, oldest first: started, reps, hit rate, mean glute and lat level (unit),
        median glute onset latency (ms), whether the set ran to its end ('complete'; with 'planned_reps'
        when known), and per muscle the slope of its median frequency over the set's reps
        ('mdf_slope_pct_per_rep', %/rep; None without two reps with one) and whether it fell fast enough
        to flag fatigue ('fatigue': the muscles flagged, `coach.fatigue`)."""
        by_session: dict[int, list[dict]] = {}
        for r in self._reps("p.label = ? AND d.drill = ?", (person, drill)):
            by_session.setdefault(r["session_id"], []).append(r)
        out = []
        for s in self.sessions(person):
            reps = by_session.get(s.id)
            if not reps:
                continue
            lat = [r["latency_ms"] for r in reps if r["latency_ms"] is not None]
            glute = [r["glute_mean"] for r in reps if r["glute_mean"] is not None]
            lat_lvl = [r["lat_mean"] for r in reps if r["lat_mean"] is not None]
            out.append({
                "session": s.id,
                "started": s.started,
                "reps": len(reps),
                "hit_rate": sum(r["hit"] for r in reps) / len(reps),
                "glute_mean": sum(glute) / len(glute) if glute else None,
                "lat_mean": sum(lat_lvl) / len(lat_lvl) if lat_lvl else None,
                "unit": reps[0]["unit"],
                "median_latency_ms": float(statistics.median(lat)) if lat else None,
                "complete": all(bool(r["complete"]) for r in reps),
                "planned_reps": reps[0]["planned_reps"],
                **_fatigue_by_session(reps),
            })
        return out

    # ------------------------------------------------------------------ a client's records (coach/client_records.py)

    def person_records(self, person: str) -> dict[str, list[dict]]:
        """Every row the store holds about `person`, per table ('people', 'calibrations', 'sessions',
        'session_drills', 'reps'), every column as stored (SELECT *: columns a later migration adds come
        too), oldest first; read in one transaction. All lists empty for a label the store does not know."""
        joins = {
            "people": "SELECT p.* FROM people p WHERE p.label = ?",
            "calibrations": "SELECT c.* FROM calibrations c JOIN people p ON p.id = c.person_id WHERE p.label = ?"
                            " ORDER BY c.created, c.id",
            "sessions": "SELECT s.* FROM sessions s JOIN people p ON p.id = s.person_id WHERE p.label = ?"
                        " ORDER BY s.started, s.id",
            "session_drills": "SELECT d.* FROM session_drills d JOIN sessions s ON s.id = d.session_id"
                              " JOIN people p ON p.id = s.person_id WHERE p.label = ? ORDER BY s.started, s.id, d.id",
            "reps": "SELECT r.* FROM reps r JOIN session_drills d ON d.id = r.session_drill_id"
                    " JOIN sessions s ON s.id = d.session_id JOIN people p ON p.id = s.person_id WHERE p.label = ?"
                    " ORDER BY s.started, s.id, d.id, r.idx",
        }
        with self._tx():  # one snapshot: a session saved meanwhile is in all tables or none
            return {table: [dict(r) for r in self.conn.execute(sql, (person,))] for table, sql in joins.items()}

    def erase_person(self, person: str) -> dict[str, int]:
        """Delete `person` and every row of theirs (reps, sets, sessions, calibrations, the person) in one
        transaction, the deleted content overwritten with zeros (secure_delete); then VACUUM. Rows deleted
        per table, and 'vacuumed' 1 or 0 (another connection kept it from running; the zeros stand)."""
        pid = self.conn.execute("SELECT id FROM people WHERE label = ?", (person,)).fetchone()
        if pid is None:
            raise StoreError(f"{self.path}: no client {person!r}")
        steps = (  # children first: sessions refer to calibrations without ON DELETE CASCADE
            ("reps", "DELETE FROM reps WHERE session_drill_id IN (SELECT d.id FROM session_drills d"
                     " JOIN sessions s ON s.id = d.session_id WHERE s.person_id = ?)"),
            ("session_drills", "DELETE FROM session_drills WHERE session_id IN (SELECT id FROM sessions WHERE person_id = ?)"),
            ("sessions", "DELETE FROM sessions WHERE person_id = ?"),
            ("calibrations", "DELETE FROM calibrations WHERE person_id = ?"),
            ("people", "DELETE FROM people WHERE id = ?"),
        )
        self.conn.execute("PRAGMA secure_delete = ON")  # a free page keeps no health data, VACUUM or not
        try:
            with self._tx():
                counts = {table: self.conn.execute(sql, (pid[0],)).rowcount for table, sql in steps}
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: could not erase {person!r}, nothing was erased ({e})") from None
        try:
            self.conn.execute("VACUUM")  # no free page, no stale copy in the file
            counts["vacuumed"] = 1
        except sqlite3.OperationalError:  # the caller says so: the rows are gone either way
            counts["vacuumed"] = 0
        return counts


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; nests (inner ones join the outer)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = not conn.in_transaction

    def __enter__(self) -> None:
        if self.outer:
            self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        if self.outer:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _fatigue_by_session(reps: list[dict]) -> dict:
    """A session's MDF slope per muscle (%/rep) and the muscles whose fall flags fatigue, from its stored
    reps' median frequencies (NULL in reps saved before they were kept)."""
    trends = {m: mdf_trend([r["idx"] for r in reps], [r[f"{m}_mdf_hz"] for r in reps]) for m in MUSCLES}
    return {"mdf_slope_pct_per_rep": {m: None if t is None else round(t.slope_pct_per_rep, 2) for m, t in trends.items()},
            "fatigue": [m for m, t in trends.items() if t is not None and t.falling_fast()]}


def _inserted_id(cur: sqlite3.Cursor) -> int:
    """The id of the row the INSERT just run on `cur` made (sqlite3 has None only before any INSERT)."""
    if cur.lastrowid is None:
        raise RuntimeError("the store's INSERT reported no row id")
    return cur.lastrowid


def _resolved(path: str | Path) -> str:
    try:
        return str(Path(path).expanduser().resolve())
    except (OSError, RuntimeError, ValueError):
        return str(path)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _ms(x: float | None) -> float | None:
    """A latency to the µs, as `analyze` and the report show it (RepScore.to_dict keeps 3 decimals), so the
    history's medians round as theirs do (86.5, not 86.50000000000001)."""
    return None if x is None or x != x else round(float(x), 3)


def _f(x: float | None) -> float | None:
    return None if x is None or x != x else float(x)
