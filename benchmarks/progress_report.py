"""Progress report benchmark: a client's 250 sessions rendered as HTML + PDF, against a one-set report.

A temporary history holds 250 sessions of one client over about two years (two or three a week), each a
set of 8 reps of one of two drills in turn: the glute level rising and the onset latency falling over the
months with rep-to-rep scatter, hits growing likelier, one session in ten not calibrated (µV), notes on
one in six, and each rep's glute median frequency falling through its set (the fatigue column, added as
the fatigue work names it when the schema does not have it yet). Timed, in this process:
(a) the progress report: reading the history, then the HTML page, then the PDF, each and in all;
(b) the reference: one set's one-page report from its 8 scores (`coach.report.write_set_report`, no trace),
    the report the app writes after every set; (a) is printed as a ratio of it;
(c) `emgcoach report --person ... -o OUT` as a new process, start-up and imports included.
An untimed round first (imports, fonts, caches: what (c) pays once), then rounds alternating (b) and (a),
so a load that comes and goes falls on both; the medians are printed.

Run: `make bench` (or `.venv/bin/python benchmarks/progress_report.py [--sessions 250] [--repeat 3]`).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from emgcoach.coach.progress import MAX_SESSIONS, progress_report
from emgcoach.coach.progress_pdf import write_pdf
from emgcoach.coach.progress_report import drill_names, write_html
from emgcoach.coach.report import write_set_report
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.store import Store

from batch import machine  # benchmarks/batch.py, beside this script

DRILLS = ("bird_dog", "bridge_pullover_press")
TARGET_S = 10.0


def rep(drill: str, i: int, glute: float, latency: float, hit: bool, calibrated: bool) -> RepScore:
    """A scored rep: glute level in %MVC (calibrated) or µV, latency ms."""
    pct = {"lat": 14.0, "glute": glute} if calibrated else {"lat": None, "glute": None}
    uv = {"lat": 45.0, "glute": glute * (1.0 if not calibrated else 4.0)}
    return RepScore(drill=drill, index=i, start_s=30.0 + 9 * i, end_s=34.5 + 9 * i, lead="lat", lat_onset_s=None,
                    glute_onset_s=None, onset_latency_ms=round(latency, 3), peak_pct_mvc=pct, mean_pct_mvc=pct,
                    peak_uv=uv, mean_uv=uv, cci=0.6, time_in_target=0.7, calibrated=calibrated, hit=hit)


def make_history(path: Path, n: int, seed: int = 11) -> None:
    """n sessions of client P07 as described above."""
    rnd = random.Random(seed)
    day = datetime(2024, 3, 4, 9, 0)
    with Store(path) as st, st._tx():  # one transaction: set-up, not measured
        for k in range(n):
            day += timedelta(days=rnd.choice((2, 2, 3, 4)))
            when = day + timedelta(minutes=rnd.randint(0, 9 * 60))  # a session between 9:00 and 18:00
            progress = k / max(n - 1, 1)
            calibrated = k % 10 != 4
            reps = []
            for i in range(8):
                level = 18 + 14 * progress + rnd.gauss(0, 3.5) if calibrated else 95 + rnd.gauss(0, 18)
                latency = 110 - 90 * progress + rnd.gauss(0, 35)
                reps.append(rep(DRILLS[k % 2], i, round(level, 3), latency, rnd.random() < 0.35 + 0.55 * progress, calibrated))
            notes = f"Session {k + 1}: cue 'press the heel back' from rep {rnd.randint(2, 6)}; client rated effort 6/10." if k % 6 == 0 else ""
            st.save_session("P07", when.isoformat(timespec="seconds"), reps, notes=notes)
    conn = sqlite3.connect(path)
    if "glute_median_freq" not in {r[1] for r in conn.execute("PRAGMA table_info(reps)")}:
        conn.execute("ALTER TABLE reps ADD COLUMN glute_median_freq REAL")
    # median frequency falling through each set (fatigue), by a different amount each session
    conn.execute("UPDATE reps SET glute_median_freq = 95.0 - (0.2 + (id % 13) * 0.05) * idx")
    conn.commit()
    conn.close()


def timed_progress(store: Store, out: Path, names: dict[str, str]) -> tuple[float, float, float, int]:
    """Seconds to read the history, write the HTML, write the PDF; and the PDF's pages."""
    import pypdfium2 as pdfium

    t0 = time.perf_counter()
    report = progress_report(store, "P07", names=names)
    t1 = time.perf_counter()
    write_html(report, out.with_suffix(".html"))
    t2 = time.perf_counter()
    write_pdf(report, out.with_suffix(".pdf"))
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(pdfium.PdfDocument(str(out.with_suffix(".pdf"))))


def timed_reference(out: Path) -> float:
    """Seconds for one set's report (8 scores, no trace), HTML + PDF."""
    scores = [rep("bird_dog", i, 25.0 + i, 60.0 + 5 * i, i % 3 != 0, True) for i in range(8)]
    t0 = time.perf_counter()
    write_set_report(scores, "bird_dog", "P07", "Reference set", out, started_at="2025-05-01T10:00:00")
    return time.perf_counter() - t0


def timed_command(store_path: Path, out: Path) -> float:
    """Seconds for `emgcoach report --person P07` as a new process."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "emgcoach.cli", "report", "--person", "P07", "--store", str(store_path),
                           "-o", str(out)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"the command failed ({proc.returncode}): {proc.stderr.strip()}")
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=MAX_SESSIONS, help=f"sessions in the history (default {MAX_SESSIONS})")
    p.add_argument("--repeat", type=int, default=5, help="rounds of (reference, progress report); medians printed")
    a = p.parse_args()
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f} (other work shows here)")
    names = drill_names()
    with tempfile.TemporaryDirectory(prefix="emgcoach-progress-") as tmp:
        db = Path(tmp) / "history.sqlite3"
        make_history(db, a.sessions)
        print(f"history: {a.sessions} sessions x 8 reps of P07, {db.stat().st_size / 1e6:.1f} MB")
        refs, totals = [], []
        with Store(db) as store:
            timed_reference(Path(tmp) / "warm-set")  # warm-up, not counted
            timed_progress(store, Path(tmp) / "warm-progress", names)
            for r in range(a.repeat):
                refs.append(timed_reference(Path(tmp) / f"set{r}"))
                read_s, html_s, pdf_s, pages = timed_progress(store, Path(tmp) / f"progress{r}", names)
                totals.append(read_s + html_s + pdf_s)
                print(f"round {r + 1}: one-set report {refs[-1]:.2f} s; progress report {totals[-1]:.2f} s (history "
                      f"{read_s:.2f} s, HTML {html_s:.2f} s, PDF {pdf_s:.2f} s, {pages} pages)")
        ref, total = statistics.median(refs), statistics.median(totals)
        print(f"progress report of {a.sessions} sessions, HTML + PDF: {total:.2f} s (median of {a.repeat}); "
              f"{total / ref:.1f}x the one-set report's {ref:.2f} s; target {TARGET_S:.0f} s: "
              f"{'met' if total < TARGET_S else 'NOT met'}")
        cmd = timed_command(db, Path(tmp) / "cli")
        print(f"the command as a new process (start-up and imports included): {cmd:.2f} s")


if __name__ == "__main__":
    main()
