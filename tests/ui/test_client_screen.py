"""The client screen: fed from one fan-out with the feedback column, no controls, text read from 3 m at
the screen's physical size, nothing clipped on a 1024 x 700 window or full HD, a window on one screen
and full screen on the other of two, the theme followed, closing it said."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QFontMetricsF, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.coach.set_summary import SetSummary
from emgcoach.ui.client_screen import (
    MIN_ARCMIN,
    PREFERRED_ARCMIN,
    ClientScreen,
    Placement,
    char_height_mm,
    choose_screen,
    px_per_mm,
    text_sizes,
)
from emgcoach.ui.feedback import FeedbackView
from emgcoach.ui.feedback_sink import FeedbackFanout, FeedbackSink
from emgcoach.ui.theme import THEMES
from tests.ui.clipping import clipped_text

ROOT = Path(__file__).resolve().parents[2]
ON_TARGET = Figures("%MVC", 31.0, 26.0, Band(20.0, 40.0), Band(20.0), 0.72, True, calibrated=True, cci_level_pct=28.0)
WIDEST = Figures("µV", 1234.0, 12.0, Band(50.0, 300.0), Band(40.0), 0.05, False)  # four-digit µV, a low index
SIZES = [(1024, 700), (1920, 1080)]


@pytest.fixture
def client(qtbot) -> ClientScreen:
    c = ClientScreen()
    qtbot.addWidget(c)
    return c


def _show(qtbot, c: ClientScreen, size: tuple[int, int]) -> None:
    c.resize(*size)
    c.show()
    qtbot.waitExposed(c)
    qtbot.waitUntil(lambda: (c.width(), c.height()) == size and c.view.sizes is not None)
    qtbot.wait(20)  # layout requests are posted events: let them run (the sizes are set; this is no poll)


def _threshold_mm() -> float:
    return char_height_mm(MIN_ARCMIN, 3.0)


# ------------------------------------------------------------------ the figure itself


def test_16_minutes_of_arc_at_3_m_is_14_mm() -> None:
    """ISO 9241-3's least character height, 16', at 3 m (NUREG-0700: H = 6.283 D MA / 21600)."""
    assert char_height_mm(16.0, 3.0) == pytest.approx(6.283 * 3000 * 16 / 21600, rel=1e-3)
    assert 13.9 < _threshold_mm() < 14.0
    assert char_height_mm(16.0, 6.0) == pytest.approx(2 * _threshold_mm(), rel=1e-6)


# ------------------------------------------------------------------ one feed, two views


def test_a_fanout_feeds_the_feedback_column_and_the_client_screen_alike(qtbot, client: ClientScreen) -> None:
    column = FeedbackView()
    qtbot.addWidget(column)
    out = FeedbackFanout(column, client)
    assert isinstance(column, FeedbackSink) and isinstance(client, FeedbackSink) and isinstance(out, FeedbackSink)
    out.show_figures(ON_TARGET, "Lat left", "Glute right")
    out.show_phase("hold", 2.4, 2, 10, "Keep the hips level")
    out.show_onset("Lat first, glute +80 ms")
    a, b = column, client.view
    for bar_a, bar_b in ((a.lat_bar, b.lat_bar), (a.glute_bar, b.glute_bar)):
        assert bar_a.value_text() == bar_b.value_text() and bar_a.band == bar_b.band and bar_a.title == bar_b.title
    assert a.lat_bar.value_text() == "31 %MVC" and a.glute_bar.value_text() == "26 %MVC"
    assert a.gauge.value == b.gauge.value == 0.72
    assert a.banner.countdown.text == b.banner.countdown.text == "3"
    assert a.banner.rep.text() == "Rep 3 of 10" and b.banner.rep.text() == "Rep 3/10"  # (short: one row)
    assert a.onset_label.text() == b.onset_label.text() == "Lat first, glute +80 ms"
    assert a.reward.text() == b.reward.text() == "Both on target!"
    out.show_figures(WIDEST, "Lat left", "Glute right")
    assert b.lat_bar.value_text() == a.lat_bar.value_text() == "1234 µV" and b.reward.text() == ""
    out.hide_phase()
    assert a.banner.isHidden() and b.banner.isHidden()


def test_a_sink_added_later_is_brought_up_to_date_and_one_removed_hears_no_more(qtbot, client: ClientScreen) -> None:
    column = FeedbackView()
    qtbot.addWidget(column)
    out = FeedbackFanout(column)
    out.set_theme(THEMES["light"])
    out.show_figures(ON_TARGET, "Lat left", "Glute right")
    out.show_onset("Glute first, lat +40 ms")
    out.show_phase("contract", 0.6, 0, 8, "Reach")
    out.add(client)  # the client screen opened mid-set
    v = client.view
    assert v.lat_bar.value_text() == "31 %MVC" and v.lat_bar.track == QColor(THEMES["light"].bar_track)
    assert v.onset_label.text() == "Glute first, lat +40 ms" and v.banner.countdown.text == "1"
    summary = SetSummary("Bird dog", 8, 8, 7, 60.0, 8, "", 0)
    out.show_set_summary(summary)
    late = ClientScreen()
    qtbot.addWidget(late)
    out.add(late)  # after the set: its score, not the last phase
    assert late.view.summary.score.text() == "7 of 8 reps on target" and late.view.banner.isHidden()
    out.remove(client)
    out.show_onset("waiting for a rep")
    assert v.onset_label.text() == "Glute first, lat +40 ms" and column.onset_label.text() == "Onset order: waiting for a rep"
    out.add(late)  # twice is once
    assert sum(s is late for s in out.sinks) == 1


def test_a_countdown_left_on_a_closed_client_screen_is_gone_when_it_opens_again(qtbot, client: ClientScreen) -> None:
    out = FeedbackFanout(client)
    _show(qtbot, client, SIZES[0])
    out.show_phase("hold", 2.0, 1, 8, "")
    assert client.view.banner.isVisible()
    client.close()
    out.remove(client)  # as the window does on `closed`
    out.hide_phase()  # the set ends while it is closed
    out.add(client)
    _show(qtbot, client, SIZES[0])
    assert not client.view.banner.isVisible()
    out.show_phase("hold", 2.0, 1, 8, "")
    client.close()  # fed while closed (never removed): hide_phase still takes the countdown away
    out.hide_phase()
    _show(qtbot, client, SIZES[0])
    assert not client.view.banner.isVisible()


# ------------------------------------------------------------------ for the client only


def test_the_client_screen_has_no_controls_and_no_mode_line(client: ClientScreen) -> None:
    column = FeedbackView()
    assert column.findChildren(QAbstractButton)  # (the column has one: the check below can fail)
    column.deleteLater()
    assert client.findChildren(QAbstractButton) == []
    assert client.view.mode is None and client.view.audio_button is None
    client.show_figures(ON_TARGET, "Lat left", "Glute left",
                        "Lat and glute on the same side: the sling pairs a lat with the opposite glute")
    assert not any("same side" in lab.text() for lab in client.findChildren(QLabel))  # the therapist's warning
    assert client.windowTitle() == "emgcoach — client screen"


def test_a_set_summary_is_one_line_on_the_client_screen(qtbot, client: ClientScreen) -> None:
    client.show_set_summary(SetSummary("Bird dog", 6, 8, 5, 80.0, 6, "Glute late: press the leg back", 4, stopped=True))
    _show(qtbot, client, SIZES[0])
    s = client.view.summary
    assert s.score.isVisible() and s.score.text() == "5 of 6 reps on target"  # no '(8 planned)'
    assert not (s.title.isVisible() or s.latency.isVisible() or s.cue.isVisible())


# ------------------------------------------------------------------ read from 3 m


@pytest.mark.parametrize("size", SIZES)
def test_countdown_and_onset_cue_read_from_3_m_at_the_screens_physical_size(qtbot, client: ClientScreen,
                                                                           size: tuple[int, int]) -> None:
    client.show_figures(ON_TARGET, "Lat left", "Glute right")
    client.show_phase("hold", 2.4, 2, 10, "")
    client.show_onset("Lat first, glute +80 ms")
    _show(qtbot, client, size)
    screen = client.screen()
    per_mm = screen.physicalDotsPerInchY() / 25.4  # measured here from the screen, not from the module
    assert per_mm == pytest.approx(px_per_mm(screen))
    countdown = client.view.banner.countdown
    digits_mm = QFontMetrics(countdown.digit_font).tightBoundingRect("0123456789").height() / per_mm
    onset = client.view.onset_label
    onset_mm = QFontMetricsF(onset.font()).tightBoundingRect("LH").height() / per_mm  # a capital's ink
    assert countdown.isVisible() and onset.isVisible()
    assert digits_mm >= _threshold_mm() and onset_mm >= _threshold_mm() * 0.99, (digits_mm, onset_mm)
    # everything the client acts on: phase, rep, onset cue, reward, countdown
    heights = client.view.texts_mm(per_mm)
    assert {"3", "Hold", "Rep 3/10", "Lat first, glute +80 ms", "Both on target!"} <= set(heights)
    small = {t: round(mm, 1) for t, mm in heights.items() if mm < _threshold_mm()}
    assert small == {}
    # and nothing so big the preferred 22' is passed
    assert max(heights.values()) <= char_height_mm(PREFERRED_ARCMIN, 3.0) * DIGITS_MARGIN


DIGITS_MARGIN = 1.3  # the countdown's digits are a quarter taller than the words


def test_text_grows_with_the_window_and_gives_way_on_a_screen_too_small(client: ClientScreen) -> None:
    font = client.view.font()
    per_mm = 100 / 25.4
    small, tall = text_sizes(per_mm, 700, font), text_sizes(per_mm, 2000, font)
    assert tall.text_px > small.text_px and not small.squeezed
    huge = text_sizes(per_mm, 10000, font)
    assert huge.text_px <= text_sizes(per_mm * PREFERRED_ARCMIN / MIN_ARCMIN, 700, font).text_px + 1  # 22' at most
    squeezed = text_sizes(per_mm, 700, font, screen_h=400)
    assert squeezed.squeezed and squeezed.text_px < small.text_px
    far = text_sizes(per_mm, 700, font, distance_m=4.0)
    assert far.text_px > small.text_px  # further away, larger


def test_a_screen_misreporting_its_size_falls_back_to_its_logical_dpi(caplog: pytest.LogCaptureFixture) -> None:
    class NoSize:  # an EDID with no physical size: 0 mm, infinite DPI
        def physicalDotsPerInchY(self) -> float:
            return float("inf")

        def logicalDotsPerInchY(self) -> float:
            return 96.0

        def name(self) -> str:
            return "projector"

    with caplog.at_level(logging.WARNING, logger="emgcoach.ui.client_screen"):
        assert px_per_mm(NoSize()) == pytest.approx(96 / 25.4)  # type: ignore[arg-type]
    assert "projector" in caplog.text


# ------------------------------------------------------------------ fits


@pytest.mark.parametrize("size", SIZES)
def test_nothing_is_clipped_at_1024_x_700_or_full_hd(qtbot, client: ClientScreen, size: tuple[int, int]) -> None:
    client.show_figures(WIDEST, "Lat right", "Glute right")  # the widest titles and values
    client.show_phase("contract", 9.5, 9, 10, "Reach the arm long and press the leg back as one movement")
    client.show_onset("Lat first, glute +150 ms: glute late")  # the longest cue: two lines
    _show(qtbot, client, size)
    assert (client.width(), client.height()) == size  # the content's minimum did not push the window out
    v = client.view
    assert v.banner.rep.text() == "Rep 10/10" and v.banner.phase.text() == "Contract"
    assert v.banner.height() < 1.5 * v.banner.countdown.height()  # one row: the rep did not wrap
    for painted in (v.lat_bar, v.glute_bar, v.gauge):
        assert painted.clipped_texts() == []
    problems = clipped_text(client)
    assert problems == [], "\n".join(problems)
    assert v.lat_bar.height() - 2 * v.lat_bar._rows()[0] >= 0.15 * size[1]  # a bar, not a sliver
    client.show_figures(ON_TARGET, "Lat right", "Glute right")
    client.show_set_summary(SetSummary("Bird dog", 10, 10, 9, 60.0, 10, "Glute late: press the leg back", 1))
    client.show_onset("Onset order: waiting for a rep")
    qtbot.wait(20)  # posted layout requests
    problems = clipped_text(client)
    assert problems == [], "\n".join(problems)
    assert (client.width(), client.height()) == size


# ------------------------------------------------------------------ where it goes


def test_choose_screen_takes_another_screen_the_largest() -> None:
    laptop, tv, monitor = (0, 0, 1280, 800), (1280, 0, 1920, 1080), (-1920, 0, 1680, 1050)
    assert choose_screen([laptop], 0) is None
    assert choose_screen([laptop, tv], 0) == 1
    assert choose_screen([laptop, tv], 1) == 0
    assert choose_screen([laptop, monitor, tv], 0) == 2  # the television over the monitor
    assert choose_screen([laptop, monitor, tv], 2) == 1
    assert choose_screen([laptop, tv, tv], 0) == 1  # the first of equals
    with pytest.raises(ValueError):
        choose_screen([laptop], 1)


def test_with_one_screen_it_is_a_large_window_not_full_screen(qtbot, client: ClientScreen) -> None:
    assert len(QGuiApplication.screens()) == 1  # the offscreen platform's one screen
    main = QWidget()
    qtbot.addWidget(main)
    main.show()
    placement = client.show_on_best_screen(main)
    assert placement is Placement.WINDOW and "one screen" in placement.message
    qtbot.waitExposed(client)
    assert client.isVisible() and not client.isFullScreen()
    avail = client.screen().availableGeometry()
    assert client.width() >= 0.8 * avail.width() - 1 and client.height() >= 0.8 * avail.height() - 1


def test_with_two_screens_it_goes_full_screen_on_the_one_without_the_main_window(tmp_path: Path) -> None:
    """A process of its own: the offscreen platform given two screens (its `configfile`)."""
    config = tmp_path / "screens.json"
    screen = {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [
        {"name": "laptop", "x": 0, "y": 0, "width": 1280, "height": 800, **screen},
        {"name": "tv", "x": 1280, "y": 0, "width": 1920, "height": 1080, **screen}]}))
    script = """
import json
from PySide6.QtWidgets import QApplication, QWidget
from emgcoach.ui.client_screen import ClientScreen
app = QApplication([])
out = {"screens": [s.name() for s in app.screens()]}
main = QWidget(); main.resize(800, 600); main.show()
client = ClientScreen()
for main_at in (0, 1300):  # the main window on the laptop, then moved to the television
    main.move(main_at, 50)
    app.processEvents()
    client.close()
    placement = client.show_on_best_screen(main)
    for _ in range(20):
        app.processEvents()
    g = client.geometry()
    out[main.screen().name()] = [str(placement), client.screen().name(), client.isFullScreen(),
                                 [g.x(), g.y(), g.width(), g.height()]]
print(json.dumps(out))
"""
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["screens"] == ["laptop", "tv"]
    assert got["laptop"] == ["full screen", "tv", True, [1280, 0, 1920, 1080]]
    assert got["tv"] == ["full screen", "laptop", True, [0, 0, 1280, 800]]


def test_f11_toggles_full_screen_and_escape_leaves_it(qtbot, client: ClientScreen) -> None:
    _show(qtbot, client, SIZES[0])
    qtbot.keyClick(client, Qt.Key_Escape)
    assert not client.isFullScreen()  # Esc never fills a screen
    qtbot.keyClick(client, Qt.Key_F11)
    qtbot.waitUntil(client.isFullScreen)
    qtbot.keyClick(client, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not client.isFullScreen())
    qtbot.keyClick(client, Qt.Key_F11)
    qtbot.waitUntil(client.isFullScreen)
    qtbot.keyClick(client, Qt.Key_F11)
    qtbot.waitUntil(lambda: not client.isFullScreen())


# ------------------------------------------------------------------ theme, closing


def test_a_theme_switch_changes_the_bars_track_as_drawn(qtbot, client: ClientScreen) -> None:
    client.show_figures(Figures("%MVC", 5.0, 5.0, Band(20.0, 40.0), Band(20.0), 0.5, False), "Lat left", "Glute right")
    _show(qtbot, client, SIZES[0])

    def track_pixel() -> QColor:
        bar = client.view.lat_bar
        top = bar._rows()[0]
        return bar.grab().toImage().pixelColor(bar.width() // 2, int(top) + 4)  # the empty top of the bar

    for name in ("dark", "light", "dark"):
        client.set_theme(THEMES[name])  # (the text follows the application's palette, not tested here)
        qtbot.waitUntil(lambda n=name: track_pixel().name() == THEMES[n].bar_track)
    assert THEMES["dark"].bar_track != THEMES["light"].bar_track


def test_closing_hides_it_and_says_so_once(qtbot, client: ClientScreen) -> None:
    _show(qtbot, client, SIZES[0])
    with qtbot.waitSignal(client.closed, timeout=1000):
        client.close()
    assert not client.isVisible()
    with qtbot.assertNotEmitted(client.closed):
        client.close()  # already closed: no second word
    client.show_figures(ON_TARGET, "Lat left", "Glute right")  # kept, and fed while hidden
    _show(qtbot, client, SIZES[0])
    assert client.view.lat_bar.value_text() == "31 %MVC"
    assert not client.testAttribute(Qt.WA_QuitOnClose)  # it never keeps the app running alone


def test_the_fatigue_trend_is_the_therapists_and_goes_through_the_fanout(qtbot, client: ClientScreen) -> None:
    """`show_fatigue`: the column shows the set's MDF trend after a rep, amber when flagged, nothing
    when empty; the client screen never shows it; a sink added later is given the last one."""
    column = FeedbackView()
    qtbot.addWidget(column)
    out = FeedbackFanout(column, client)
    assert column.fatigue is not None and column.fatigue.isHidden() and client.view.fatigue is None
    out.show_fatigue("MDF lat −0.3 · glute −0.8 %/rep (4 reps)")
    assert column.fatigue.text() == "MDF lat −0.3 · glute −0.8 %/rep (4 reps)" and not column.fatigue.isHidden()
    assert column.fatigue.styleSheet() == ""
    out.show_fatigue("MDF lat −0.3 · glute −2.1 %/rep (6 reps): fatigue?")
    assert "color" in column.fatigue.styleSheet()
    late = FeedbackView()
    qtbot.addWidget(late)
    out.add(late)
    assert late.fatigue.text().endswith("fatigue?")
    out.show_fatigue("")  # a new set
    assert column.fatigue.isHidden() and late.fatigue.isHidden()


@pytest.mark.parametrize("size", SIZES)
def test_the_sling_view_reads_from_3_m_with_nothing_clipped(qtbot, client: ClientScreen, size: tuple[int, int]) -> None:
    """View > Feedback view > Sling on the client screen: the names and levels at the size read from 3 m
    (they were drawn at the feedback column's point sizes), beside a body still large, nothing clipped."""
    from emgcoach.ui.feedback import FeedbackStyle

    client.set_style(FeedbackStyle.SLING)
    client.show_figures(WIDEST, "Lat right", "Glute left")  # four-digit µV
    client.show_onset("Lat first, glute +150 ms: glute late")
    _show(qtbot, client, size)
    assert (client.width(), client.height()) == size
    sling = client.view.alternative
    assert client.view.levels.currentWidget() is sling
    assert sling.clipped_texts() == []
    per_mm = px_per_mm(client.screen())
    read = {text: QFontMetricsF(font).capHeight() / per_mm for _rect, font, text in sling.texts()}
    assert {"Lat right", "Glute left", "1234 µV", "12 µV"} == set(read)  # (the targets: dashed on the muscles)
    for text in ("1234 µV", "12 µV"):
        assert read[text] >= _threshold_mm() * 0.99, (text, round(read[text], 1), round(_threshold_mm(), 1))
    # the words beside the body, each level with its muscle: the body keeps the height (it was a thumbnail
    # under a row of words as tall as itself)
    assert sling._body_rect().height() >= 0.6 * sling.height()
    words = {text: rect for rect, _font, text in sling.texts()}
    body = sling._body_rect()
    assert words["1234 µV"].right() <= body.left() and words["12 µV"].left() >= body.right()
    assert words["Lat right"].top() < words["Glute left"].top()
    problems = clipped_text(client)
    assert problems == [], "\n".join(problems)
