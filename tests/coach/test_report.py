"""The report renders: a one-page PDF whose first page, drawn to pixels, shows the plot with shaded reps
and the table; and an HTML page with the same content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "pulldown.xdf"
    r = run_cli("simulate", "--drill", "straight_arm_pulldown_glute", "--rate", "1000", "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_report_cli_writes_one_page_pdf_and_html_with_the_reps(session: Path, tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    store = tmp_path / "h.sqlite3"
    r = run_cli("report", str(session), "--person", "P07", "--notes", "Cue worked from rep 6", "--save", "--store",
                str(store), "-o", str(tmp_path / "rep"))
    assert r.returncode == 0, r.stderr
    assert "9 of 10 reps on target" in r.stdout and "saved as session 1 of P07" in r.stdout
    pdf = pdfium.PdfDocument(str(tmp_path / "rep.pdf"))
    assert len(pdf) == 1
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    for expected in ("Straight-arm pulldown with glute squeeze", "Client P07", "9 of 10 reps on target",
                     "Glute late: squeeze as you start the pull", "Cue worked from rep 6", "calibrated"):
        assert expected in text, expected
    img = np.asarray(page.render(scale=1.0).to_pil().convert("RGB")).astype(int)
    h = img.shape[0]
    plot = img[int(0.12 * h) : int(0.45 * h)]
    green = (np.abs(plot - [208, 231, 209]).sum(axis=2) < 40).sum()  # the hit reps' shading (green, alpha .25)
    amber = (np.abs(plot - [255, 233, 201]).sum(axis=2) < 40).sum()  # the missed rep's shading
    assert green > 8 * amber > 0  # nine green bands and one amber band of about the same width
    html = (tmp_path / "rep.html").read_text()
    assert html.count('<tr class="hit">') == 9 and html.count('<tr class="miss">') == 1 and "<svg" in html


def test_report_from_history_and_missing_reps(session: Path, tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite3"
    run = run_cli
    assert run("report", str(session), "--person", "P08", "--save", "--store", str(store), "-o", str(tmp_path / "a")).returncode == 0
    r = run("report", "1", "--store", str(store), "-o", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "b.pdf").exists()
    r = run("history", "P08", "--store", str(store))
    assert "straight_arm_pulldown_glute" in r.stdout and "90 % on target" in r.stdout
    assert ", MDF lat " in r.stdout and " glute " in r.stdout.split("MDF")[1]  # each muscle's MDF slope, kept
    r = run("report", str(ROOT / "recordings" / "bird_dog_sim.xdf"), "--drill", "no_such", "-o", str(tmp_path / "c"))
    assert r.returncode == 2 and "unknown drill 'no_such'" in r.stderr and "Traceback" not in r.stderr


def test_report_row_says_which_muscle_was_already_on_instead_of_a_latency() -> None:
    from emgcoach.coach.report import HEADER, _row
    from emgcoach.coach.scoring import RepScore

    def rep(lead: str, latency: float | None, already_on: bool) -> RepScore:
        return RepScore(drill="d", index=0, start_s=10.0, end_s=14.0, lead=lead, lat_onset_s=None, glute_onset_s=None,
                        onset_latency_ms=latency, peak_pct_mvc={"lat": 20.0, "glute": 30.0}, mean_pct_mvc={"lat": 15.0, "glute": 25.0},
                        peak_uv={"lat": 50.0, "glute": 40.0}, mean_uv={"lat": 40.0, "glute": 30.0}, cci=0.7, time_in_target=0.9,
                        calibrated=True, hit=True, partner_already_on=already_on, overlap=1.0)

    col = HEADER.index("glute lag ms")
    assert _row(rep("lat", None, True))[col] == "glute already on"
    assert _row(rep("glute", None, True))[col] == "lat already on"
    assert _row(rep("lat", 80.0, False))[col] == "+80" and _row(rep("lat", None, False))[col] == "-"
