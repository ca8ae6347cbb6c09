"""A set's report from its scores alone (no recording: 'no trace'), and a table that wraps long cues and
fits its headers, in the PDF (checked on the page's character boxes) and in the HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emgcoach.coach.report import HEADER, PDF_COLUMNS_PT, header_labels, wrap_to_width, write_set_report
from emgcoach.coach.scoring import RepScore
from emgcoach.errors import EmgcoachError

LONG_CUE = ("Glute late: squeeze the glute as soon as the arm starts to pull down, before the elbow passes the hip, "
            "and keep it on through the whole hold")


def rep(i: int, hit: bool, calibrated: bool = True) -> RepScore:
    return RepScore(
        drill="straight_arm_pulldown_glute", index=i, start_s=10.0 + 6 * i, end_s=13.0 + 6 * i, lead="lat",
        lat_onset_s=10.0 + 6 * i, glute_onset_s=10.1 + 6 * i, onset_latency_ms=100.0 + i,
        peak_pct_mvc={"lat": 40.0, "glute": 30.0} if calibrated else {"lat": None, "glute": None},
        mean_pct_mvc={"lat": 35.0, "glute": 25.0} if calibrated else {"lat": None, "glute": None},
        peak_uv={"lat": 250.0, "glute": 140.0}, mean_uv={"lat": 210.0, "glute": 120.0}, cci=0.7,
        time_in_target=0.9, calibrated=calibrated, hit=hit, misses=() if hit else ("glute_late",),
        cue="" if hit else LONG_CUE, overlap=1.0)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    scores = [rep(i, i % 3 != 1) for i in range(10)]
    out = tmp_path_factory.mktemp("set") / "set"
    return write_set_report(scores, "straight_arm_pulldown_glute", "P07", "Cue from rep 4 on.", out)


def test_a_set_without_a_recording_gets_its_scores_and_says_there_is_no_trace(report: tuple[Path, Path]) -> None:
    import pypdfium2 as pdfium

    html_path, pdf_path = report
    html = html_path.read_text()
    assert "No recording of this set: no trace" in html and "<svg" not in html and "not recorded" in html
    assert html.count('<tr class="hit">') == 7 and html.count('<tr class="miss">') == 3
    assert "7 of 10 reps on target" in html and "Reps as scored live" in html
    text = pdfium.PdfDocument(str(pdf_path))[0].get_textpage().get_text_range()
    for expected in ("Straight-arm pulldown with glute squeeze", "Client P07", "7 of 10 reps on target",
                     "No recording of this set: no trace", "Cue from rep 4 on."):
        assert expected in text, expected


def test_long_cues_wrap_whole_in_both(report: tuple[Path, Path]) -> None:
    import pypdfium2 as pdfium

    html_path, pdf_path = report
    assert html_path.read_text().count(LONG_CUE) == 3  # never cut
    assert "table-layout: fixed" in html_path.read_text() and "overflow-wrap: anywhere" in html_path.read_text()
    text = words(pdfium.PdfDocument(str(pdf_path))[0].get_textpage().get_text_range())
    assert text.count(LONG_CUE) == 3  # every word of it, over two lines


def test_pdf_headers_and_cells_stay_inside_their_columns(report: tuple[Path, Path]) -> None:
    import pypdfium2 as pdfium

    _, pdf_path = report
    page = pdfium.PdfDocument(str(pdf_path))[0]
    width_pt, _ = page.get_size()
    tp = page.get_textpage()
    left = 0.06 * width_pt
    edges = [left]
    for w in PDF_COLUMNS_PT:
        edges.append(edges[-1] + w)
    edges.append(0.94 * width_pt)
    # the header row: from the top of 'CCI' (a title only the header holds) down two lines
    cci = tp.search("CCI", match_case=True, match_whole_word=True).get_next()
    assert cci is not None
    top = tp.get_charbox(cci[0])[3]
    for col, label in enumerate(header_labels("%MVC")):
        for part in label.split():
            found = tp.search(part, match_case=True, match_whole_word=True)
            boxes = None  # the occurrence in the header row that starts in this column
            while boxes is None and (hit := found.get_next()) is not None:
                chars = [tp.get_charbox(i) for i in range(hit[0], hit[0] + hit[1])]
                if top - 20.0 <= chars[0][3] <= top + 1.0 and edges[col] - 0.5 <= chars[0][0] < edges[col + 1]:
                    boxes = chars
            assert boxes is not None, (label, part)
            assert edges[col] - 0.5 <= min(b[0] for b in boxes), (label, part)
            assert max(b[2] for b in boxes) <= edges[col + 1] + 0.5, (label, part)
    # and the cue's lines end before the page's margin
    right = max(tp.get_charbox(i)[2] for i in range(tp.count_chars()) if tp.get_text_range(i, 1).strip())
    assert right <= 0.94 * width_pt + 0.5


def test_wrapping_breaks_at_spaces_and_inside_only_overlong_words() -> None:
    lines = wrap_to_width(LONG_CUE, 150.0)
    assert len(lines) > 1 and " ".join(lines) == LONG_CUE
    assert wrap_to_width("glute %MVC", 30.0) == ["glute", "%MVC"]
    long_word = "x" * 80
    assert "".join(wrap_to_width(long_word, 40.0)) == long_word
    assert set(HEADER) <= {re.sub(r" (%MVC|µV)$", "", h) for h in header_labels("%MVC")} | set(HEADER)


def test_an_uncalibrated_set_reports_in_uv_and_bad_input_is_one_line(tmp_path: Path) -> None:
    html, _ = write_set_report([rep(0, True, calibrated=False)], "straight_arm_pulldown_glute", "P07", "", tmp_path / "uv")
    page = html.read_text()
    assert "glute µV" in page and "not calibrated" in page
    with pytest.raises(EmgcoachError, match="no reps"):
        write_set_report([], "straight_arm_pulldown_glute", "P07", "", tmp_path / "none")
    with pytest.raises(EmgcoachError, match="unknown drill"):
        write_set_report([rep(0, True)], "no_such_drill", "P07", "", tmp_path / "x")


def test_a_set_recorded_after_the_session_began_is_traced_on_the_recordings_clock(tmp_path: Path) -> None:
    # the runner's times are the session's; the recording began 19.8 s into it and reads from its own
    # first sample: the table and the shaded reps sit where the file has them, under their bursts
    from tests.coach.live_recording import write_live_set

    live = write_live_set(tmp_path / "set.xdf", record_from_s=19.8)
    html, _ = write_set_report(live.shown, "bird_dog", "P07", "", tmp_path / "rep", live.calibration, live.path)
    page = html.read_text(encoding="utf-8")
    assert "no trace" not in page and "<svg" in page
    starts = [float(x) for x in re.findall(r"<tr class=\"\w+\"><td>\d+</td><td>([0-9.]+)</td>", page)]
    assert starts == pytest.approx([round(s.start_s - 19.8, 1) for s in live.shown], abs=0.051)
    # a recording that does not hold the set's reps lends no trace, and says so
    other = Path(__file__).resolve().parents[2] / "recordings" / "bird_dog_sim.xdf"  # no verdicts in it
    html, _ = write_set_report(live.shown, "bird_dog", "P07", "", tmp_path / "rep2", live.calibration, other)
    assert "does not hold this set&#x27;s reps: no trace" in html.read_text(encoding="utf-8")


def test_a_fatigued_set_says_so_under_the_summary_with_each_reps_mdf(tmp_path: Path) -> None:
    """Glute MDF 100, 97, 94, ... Hz (-3 %/rep), lat steady: the flag sentence under the summary in both
    pages, and each rep's MDF in the table."""
    import pypdfium2 as pdfium

    from dataclasses import replace

    scores = [replace(rep(i, True), median_freq_hz={"lat": 90.0, "glute": 100.0 - 3 * i}) for i in range(8)]
    html_path, pdf_path = write_set_report(scores, "straight_arm_pulldown_glute", "P07", "", tmp_path / "f")
    html = html_path.read_text()
    assert '<div class="fatigue">straight_arm_pulldown_glute: Signs of fatigue: median frequency falling faster ' \
           "than 1 %/rep (glute 3.0 %/rep)" in html
    assert "<td>90/100</td>" in html and "<td>90/79</td>" in html and "MDF Hz lat/glute" in html
    text = words(pdfium.PdfDocument(str(pdf_path))[0].get_textpage().get_text_range())
    assert "Signs of fatigue: median frequency falling faster than 1 %/rep (glute 3.0 %/rep)" in text
    assert "90/100" in text and "90/79" in text
    steady = write_set_report([rep(i, True) for i in range(8)], "straight_arm_pulldown_glute", "P07", "", tmp_path / "s")
    assert "Fatigue not judged" in steady[0].read_text()  # scores without spectra: no verdict, said so
