"""The onset cue breaks where a reader would: after its colon or comma, else evenly; never with its last
word ('rep', 'ms') alone on a line, at the window's smallest size (1024x700)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings
from PySide6.QtGui import QFontMetricsF

from emgcoach.ui.cue_label import two_lines
from emgcoach.ui.main_window import MainWindow


def chars(s: str) -> float:
    return 10.0 * len(s)  # every character 10 px wide


@pytest.mark.parametrize(("text", "width", "shown"), [
    ("Onset order: waiting for a rep", 400, "Onset order: waiting for a rep"),  # fits: one line
    ("Onset order: waiting for a rep", 260, "Onset order:\nwaiting for a rep"),  # not 'waiting for a / rep'
    ("Lat first, glute +80 ms: glute late", 300, "Lat first, glute +80 ms:\nglute late"),
    ("Glute first, lat +140 ms: lat late", 230, "Glute first,\nlat +140 ms: lat late"),  # the colon's is too wide
    ("Lat first, glute +80 ms", 200, "Lat first,\nglute +80 ms"),
    ("Glute first by a long way", 200, "Glute first\nby a long way"),  # no punctuation: the even break
    ("Onset order: waiting for a rep", 80, "Onset order: waiting for a rep"),  # no two lines fit: word wrap's
])
def test_a_cue_breaks_after_its_punctuation_or_evenly(text: str, width: float, shown: str) -> None:
    assert two_lines(text, chars, width) == shown


def test_the_cue_column_at_the_smallest_window_leaves_no_word_alone(qtbot, settings: QSettings) -> None:
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.resize(1024, 700)
    w.show()
    label = w.feedback.onset_label
    qtbot.waitUntil(lambda: label.width() > 0 and label.shown() != label.text(), timeout=3000)
    assert (w.width(), w.height()) == (1024, 700)
    metrics = QFontMetricsF(label.font())
    for cue in ("waiting for a rep", "Lat first, glute +80 ms", "Lat first, glute +80 ms: glute late",
                "Glute first, lat +140 ms: lat late"):
        w.feedback.show_onset(cue)
        qtbot.waitUntil(lambda: label.text().endswith(cue), timeout=1000)
        lines = label.shown().split("\n")
        assert all(metrics.horizontalAdvance(line) <= label.contentsRect().width() for line in lines), lines
        assert all(len(line.split()) > 1 for line in lines), lines  # no word alone on a line
        if label.text() == "Onset order: waiting for a rep":
            assert lines == ["Onset order:", "waiting for a rep"]
    w.close()
