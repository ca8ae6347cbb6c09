"""The progress report over a client's sessions in the history.

A store is filled with known reps: six weekly bird-dog sessions of P07 (saved out of date order, one not
calibrated, one rep without a latency, two with notes, one with prone hip extension too) and one session
of P08. Every expected figure is computed here from the rows inserted (statistics module), not by the
code under test, and read back from the HTML page's tables; the PDF is opened and drawn with pdfium.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import stat
import statistics
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from emgcoach.cli import main
from emgcoach.coach.progress import (
    MAX_SESSIONS,
    DrillProgress,
    ProgressError,
    SessionFigures,
    fit_trend,
    progress_report,
    stat as figure_stat,
)
from emgcoach.coach.progress_report import out_paths, write_progress_report
from emgcoach.coach.scoring import RepScore
from emgcoach.coach.store import Store

NAMES = {"bird_dog": "Bird dog", "prone_hip_extension": "Prone hip extension with opposite arm lift"}
FIRST = datetime(2025, 1, 6, 9, 30)
NOTES = {1: "Cue 'press the heel back' worked from rep 4 <b>", 4: "Sore lower back; stopped the pulldowns"}


def rep(drill: str, i: int, glute: float, latency: float | None, hit: bool, calibrated: bool) -> RepScore:
    """A rep whose glute level is `glute` in the unit it is scored in (%MVC calibrated, else µV)."""
    levels = {"lat": 12.0, "glute": glute}
    uv = {"lat": 40.0, "glute": 4 * glute if calibrated else glute}
    return RepScore(drill=drill, index=i, start_s=20.0 + 8 * i, end_s=24.0 + 8 * i, lead="lat", lat_onset_s=None,
                    glute_onset_s=None, onset_latency_ms=latency,
                    peak_pct_mvc=levels if calibrated else {"lat": None, "glute": None},
                    mean_pct_mvc=levels if calibrated else {"lat": None, "glute": None},
                    peak_uv=uv, mean_uv=uv, cci=0.6,
                    time_in_target=0.8, calibrated=calibrated, hit=hit)


def make_sessions(seed: int = 3) -> list[dict]:
    """Six weekly sessions: per rep (glute level, latency ms, hit), in the unit the session was scored in."""
    rnd = random.Random(seed)
    out = []
    for k in range(6):
        calibrated = k != 3
        reps = []
        for i in range(8):
            glute = round(20 + 2 * k + rnd.uniform(-5, 5), 3) if calibrated else round(90 + rnd.uniform(-20, 20), 3)
            latency = None if (k, i) == (2, 5) else round(rnd.uniform(-40, 160) - 10 * k, 3)
            reps.append((glute, latency, rnd.random() < 0.4 + 0.1 * k))
        out.append({"k": k, "started": FIRST + timedelta(weeks=k, minutes=7 * k), "calibrated": calibrated,
                    "reps": reps, "notes": NOTES.get(k, "")})
    return out


SESSIONS = make_sessions()


def fill(path: Path, sessions: list[dict] = SESSIONS) -> Path:
    with Store(path) as st:
        for s in sorted(sessions, key=lambda s: (s["k"] * 5) % 6):  # not in date order
            reps = [rep("bird_dog", i, g, lat, hit, s["calibrated"]) for i, (g, lat, hit) in enumerate(s["reps"])]
            if s["k"] == 2:
                reps += [rep("prone_hip_extension", i, 30.0 + i, 50.0, True, True) for i in range(4)]
            st.save_session("P07", s["started"].isoformat(timespec="seconds"), reps, notes=s["notes"])
        st.save_session("P08", "2025-02-01T10:00:00", [rep("bird_dog", 0, 25.0, 40.0, True, True)])
    return path


def expected_row(s: dict) -> list[str]:
    """The bird-dog table's row for a session, from the inserted reps."""
    glutes = [g for g, _, _ in s["reps"]]
    lats = [lat for _, lat, _ in s["reps"] if lat is not None]
    hits = sum(h for _, _, h in s["reps"])
    unit, fmt = ("%MVC", ".1f") if s["calibrated"] else ("µV", ".0f")
    level = f"{statistics.mean(glutes):{fmt}} ± {statistics.stdev(glutes):{fmt}} {unit}"
    latency = f"{statistics.mean(lats):+.0f} ± {statistics.stdev(lats):.0f}"
    return [s["started"].strftime("%Y-%m-%d %H:%M"), "8", f"{100 * hits / 8:.0f} % ({hits}/8)", level, latency, "—"]


class Tables(HTMLParser):
    """The page's drill sections (h2 -> table rows of cell texts), notes (dt, dd), and every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {}
        self.notes: list[tuple[str, str]] = []
        self.links: list[str] = []
        self._tag, self._h2, self._row, self._text = "", "", None, ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.links += [v for k, v in attrs if k in ("src", "href", "xlink:href")]
        self._tag, self._text = tag, ""
        if tag == "tr":
            self._row = []

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._h2 = self._text.strip()
            self.sections.setdefault(self._h2, [])
        elif tag == "td" and self._row is not None:
            self._row.append(self._text.strip())
        elif tag == "tr" and self._row:
            self.sections[self._h2].append(self._row)
            self._row = None
        elif tag == "dt":
            self.notes.append((self._text.strip(), ""))
        elif tag == "dd":
            self.notes[-1] = (self.notes[-1][0], self._text.strip())


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill(tmp_path_factory.mktemp("progress") / "h.sqlite3")


@pytest.fixture(scope="module")
def written(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The whole report of P07, written through the command line, under the usual umask."""
    out = tmp_path_factory.mktemp("out") / "P07-progress.pdf"
    old = os.umask(0o022)
    try:
        assert main(["report", "--person", "P07", "--store", str(store_path), "-o", str(out)]) == 0
    finally:
        os.umask(old)
    return out.with_suffix(".html"), out


def test_the_report_lists_every_session_in_date_order_with_its_figures(written: tuple[Path, Path]) -> None:
    page = Tables()
    page.feed(written[0].read_text(encoding="utf-8"))
    assert page.sections["Bird dog"] == [expected_row(s) for s in SESSIONS]  # six rows, oldest first
    (hip,) = page.sections["Prone hip extension with opposite arm lift"]
    assert hip[0] == SESSIONS[2]["started"].strftime("%Y-%m-%d %H:%M") and hip[2] == "100 % (4/4)"
    assert hip[3] == f"{statistics.mean([30, 31, 32, 33]):.1f} ± {statistics.stdev([30, 31, 32, 33]):.1f} %MVC"
    assert hip[4] == "+50 ± 0"
    html = written[0].read_text(encoding="utf-8")
    assert "Client P07 · 6 sessions from 2025-01-06 to 2025-02-10" in html and "emgcoach 0.1.0" in html
    assert "How each figure is computed" in html


def test_notes_appear_escaped_with_their_session(written: tuple[Path, Path]) -> None:
    page = Tables()
    page.feed(written[0].read_text(encoding="utf-8"))
    assert page.notes == [(f"{SESSIONS[k]['started']:%Y-%m-%d %H:%M} (Bird dog)", NOTES[k]) for k in sorted(NOTES)]
    assert "worked from rep 4 &lt;b&gt;" in written[0].read_text(encoding="utf-8")


def test_html_is_one_self_contained_file(written: tuple[Path, Path]) -> None:
    html = written[0].read_text(encoding="utf-8")
    page = Tables()
    page.feed(html)
    assert html.count("<svg") == 2  # a chart grid per drill, inline
    outside = [link for link in page.links if not link.startswith(("#", "data:"))]
    assert outside == [] and "<link" not in html and "<script" not in html and "url(http" not in html


def test_pdf_opens_draws_and_holds_the_client_and_notes(written: tuple[Path, Path]) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(written[1]))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    squeezed = re.sub(r"\s+", " ", text)
    for expected in ("Client P07", "6 sessions from 2025-01-06 to 2025-02-10", "Bird dog", expected_row(SESSIONS[4])[3],
                     "Sore lower back; stopped the pulldowns", "How each figure is computed", "page 1 of"):
        assert expected in squeezed, expected
    img = np.asarray(pdf[0].render(scale=1.0).to_pil().convert("RGB")).astype(int)
    ink = (img.sum(axis=2) < 600).mean()
    green = (img[..., 1] - np.maximum(img[..., 0], img[..., 2]) > 50).sum()  # the hit-rate chart's points
    assert ink > 0.01 and green > 20


def test_files_are_readable_by_their_owner_only(written: tuple[Path, Path]) -> None:
    assert [stat.S_IMODE(p.stat().st_mode) for p in written] == [0o600, 0o600]


def test_date_and_drill_filters(store_path: Path) -> None:
    with Store(store_path) as st:
        r = progress_report(st, "P07", date_from=date(2025, 1, 13), date_to=date(2025, 1, 27), names=NAMES)
        assert [n.started for n in r.sessions] == [s["started"] for s in SESSIONS[1:4]]
        assert [d.drill for d in r.drills] == ["bird_dog", "prone_hip_extension"]
        r = progress_report(st, "P07", drill="bird dog", names=NAMES)  # a drill by its name, any case
        assert [d.drill for d in r.drills] == ["bird_dog"] and len(r.sessions) == 6
        r = progress_report(st, "P07", drill="bird_dog", date_to=date(2025, 1, 13), names=NAMES)
        assert len(r.drills[0].sessions) == 2
        with pytest.raises(ProgressError, match="P07 has 1 session of prone_hip_extension in the history: .* at least 2"):
            progress_report(st, "P07", drill="prone_hip_extension")


def test_one_line_errors(store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def run(*args: str) -> tuple[int, str]:
        code = main(["report", *args, "--store", str(store_path), "-o", str(tmp_path / "r")])
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        return code, err

    assert run("--person", "P08") == (2, "emgcoach: P08 has 1 session in the history: a progress report needs "
                                         "at least 2\n")
    code, err = run("--person", "P99")
    assert code == 2 and "no client 'P99'" in err
    code, err = run("--person", "P07", "--from", "2025-02-05")
    assert code == 2 and "P07 has 1 session from 2025-02-05" in err
    code, err = run("--person", "P07", "--from", "1 Feb")
    assert code == 2 and "--from 1 Feb: give a date as YYYY-MM-DD" in err
    code, err = run("--person", "P07", "--drill", "squat")
    assert code == 2 and "no sessions of drill 'squat'" in err and "bird_dog" in err
    code, err = run()
    assert code == 2 and "--person LABEL" in err
    code, err = run("some.xdf", "--from", "2025-01-01")  # a session's report has no date range
    assert code == 2 and "--from and --to are for a progress report" in err
    assert not list(tmp_path.iterdir())  # nothing written by any of them


def test_the_cli_report_with_filters(store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "sub" / "P07-jan"
    assert main(["report", "--person", "P07", "--drill", "bird_dog", "--from", "2025-01-01", "--to", "2025-01-31",
                 "--store", str(store_path), "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{out}.html", f"{out}.pdf", "P07: 4 sessions from 2025-01-06 to 2025-01-27; Bird dog (4)"]
    page = Tables()
    page.feed(Path(f"{out}.html").read_text(encoding="utf-8"))
    assert list(page.sections) == ["Bird dog", "Session notes"]
    assert page.sections["Bird dog"] == [expected_row(s) for s in SESSIONS[:4]]
    assert "Range asked: from 2025-01-01 to 2025-01-31" in Path(f"{out}.html").read_text(encoding="utf-8")


def test_out_names() -> None:
    assert out_paths("a/P07") == (Path("a/P07.html"), Path("a/P07.pdf"))
    assert out_paths("P07.PDF") == (Path("P07.html"), Path("P07.pdf"))
    assert out_paths("P07.html") == (Path("P07.html"), Path("P07.pdf"))
    assert out_paths("P07.2025") == (Path("P07.2025.html"), Path("P07.2025.pdf"))


def test_over_250_sessions_the_latest_are_kept(tmp_path: Path) -> None:
    n = MAX_SESSIONS + 3
    with Store(tmp_path / "h.sqlite3") as st:
        with st._tx():  # one transaction: 253 commits would take seconds
            for k in range(n):
                st.save_session("P07", (FIRST + timedelta(days=k)).isoformat(), [rep("bird_dog", 0, 20.0, 40.0, True, True)])
        r = progress_report(st, "P07")
    assert len(r.sessions) == MAX_SESSIONS and r.left_out == 3
    assert r.first == FIRST + timedelta(days=3) and r.last == FIRST + timedelta(days=n - 1)


def test_fatigue_from_median_frequencies_when_the_history_has_them(tmp_path: Path) -> None:
    """The set's glute median frequency falling 0.5 Hz a rep from 90 Hz reads -0.56 %/rep (of the fitted
    first rep's, as coach.fatigue measures a set); a session without any reads —."""
    path = fill(tmp_path / "h.sqlite3")
    conn = sqlite3.connect(path)
    sid = conn.execute("SELECT id FROM sessions WHERE started = ?", (SESSIONS[5]["started"].isoformat(),)).fetchone()[0]
    conn.execute("UPDATE reps SET glute_mdf_hz = 90.0 - 0.5 * idx WHERE session_drill_id IN"
                 " (SELECT id FROM session_drills WHERE session_id = ?)", (sid,))
    conn.commit()
    conn.close()
    with Store(path) as st:
        html_path, _, report = write_progress_report(st, "P07", tmp_path / "r", drill="bird_dog", names=NAMES)
    slopes = [s.mdf_slope for s in report.drills[0].sessions]
    assert slopes[:5] == [None] * 5 and slopes[5] == pytest.approx(100 * -0.5 / 90.0)
    page = Tables()
    page.feed(html_path.read_text(encoding="utf-8"))
    assert [row[5] for row in page.sections["Bird dog"]] == ["—"] * 5 + ["-0.56"]


def test_figures_and_trends_from_known_values() -> None:
    assert figure_stat([1.0, 2.0, 6.0]) == figure_stat([6.0, 2.0, 1.0, float("nan")])
    assert figure_stat([4.0]).sd is None and figure_stat([]).mean is None
    t = fit_trend([0.0, 1.0, 2.0, 3.0], [10.0, 12.0, 14.0, 16.0], "week")
    assert t is not None and t.slope == pytest.approx(2.0) and t.se == pytest.approx(0.0, abs=1e-9) and t.n == 4
    assert fit_trend([1.0], [3.0], "session") is None

    def session(day: float, hits: int) -> SessionFigures:
        return SessionFigures(1, FIRST + timedelta(days=day), 8, hits, "%MVC", figure_stat([20.0]), figure_stat([50.0]),
                              None)

    weekly = DrillProgress("bird_dog", "Bird dog", (session(0, 2), session(7, 4), session(14, 6)))
    hit = weekly.series()[0]
    assert weekly.per == "week" and hit.trend.slope == pytest.approx(25.0)  # 25 points of 8 reps a week
    daily = DrillProgress("bird_dog", "Bird dog", (session(0, 2), session(1, 4), session(2, 6)))
    assert daily.per == "session" and daily.series()[0].trend.slope == pytest.approx(25.0)
    assert daily.series()[3].y == () and daily.series()[3].trend is None  # no median frequencies: no fatigue
