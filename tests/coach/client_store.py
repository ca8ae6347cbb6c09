"""A history with two clients and their files, for the client-records tests (coach, CLI and the history view).

P07 has two sessions: one recorded (its recording, the report `emgcoach report` writes beside it, and a
report named as the Report dialog names it, all in the recordings folder), one whose recording is gone;
a calibration; notes holding NOTE. P08 has a session of its own recording. Beside them lie files that are no one's or someone else's: a report of 'P070' (whose
label begins with P07's), and the user's own notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emgcoach.coach.calibration import Calibration, MuscleCalibration
from emgcoach.coach.store import Store
from tests.coach.test_store import rep

NOTE = "zebra-crossing-knee-0xC0FFEE"  # a note no other string in the database holds


@dataclass(frozen=True)
class ClientStore:
    db: Path
    recordings: Path  # where the recordings and reports are
    p07_recording: Path
    p07_reports: tuple[Path, Path]  # beside the recording (NAME-report.pdf) and the dialog's name (.html)
    p07_missing: Path
    p08_recording: Path
    foreign: tuple[Path, ...]  # files in the same folder that are not P07's


def make_client_store(root: Path) -> ClientStore:
    """The history `root`/history.sqlite3 and the recordings folder `root`/recs."""
    recs = root / "recs"
    recs.mkdir(parents=True)
    p07, p08 = recs / "session-20261104-100000.xdf", recs / "session-20261105-090000.xdf"
    p07.write_bytes(b"P07 recording " * 500)
    p08.write_bytes(b"P08 recording " * 500)
    beside = recs / "session-20261104-100000-report.pdf"
    beside.write_bytes(b"%PDF P07 report")
    dialog = recs / "P07_bird_dog_20261104-0952-report.html"
    dialog.write_text("<p>P07's set</p>")
    foreign = (recs / "P070_bird_dog_20261104-0952-report.html", recs / "my-own-notes.txt")
    foreign[0].write_text("<p>P070's set</p>")
    foreign[1].write_text("the user's own file")
    missing = recs / "session-20261110-100000.xdf"
    db = root / "history.sqlite3"
    cal = Calibration("P07", "2026-11-04T09:40:00",
                      (MuscleCalibration("lat", "left", 3, 1, 4, 1.5, 200, (180, 200, 190)),
                       MuscleCalibration("glute", "right", 2, 1, 3, 1.0, 150, (150, 140, 120))))
    with Store(db) as s:
        cid = s.save_calibration(cal)
        s.save_session("P07", "2026-11-04T10:00:00", [rep(i) for i in range(8)], str(p07), cid, notes=NOTE)
        s.save_session("P07", "2026-11-10T10:00:00", [rep(i, hit=i % 2 == 0) for i in range(5)]
                       + [rep(0, "prone_hip_extension")], str(missing), complete=False, planned_reps=8)
        s.save_session("P08", "2026-11-05T09:00:00", [rep(i) for i in range(4)], str(p08))
        s.save_session("P070", "2026-11-04T10:00:00", [rep(0)])
    return ClientStore(db, recs, p07, (beside, dialog), missing, p08, foreign)
