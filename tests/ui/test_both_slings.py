"""Both slings in the window (issue 14, point 6): with the simulated client wearing four sensors the
feedback column shows four bars and two gauges side by side, the sling view draws both slings, the two
slings' last reps are compared live, and the client screen shows the same; two sensors show one sling."""

from __future__ import annotations

import math
import re

import pytest

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.ui.feedback import FeedbackStyle, FeedbackView
from emgcoach.ui.feedback_sink import FeedbackFanout
from emgcoach.ui.main_window import MainWindow
from emgcoach.ui.sensor_control import SIM_RIGHT_GLUTE_EFFORT

# Robinson's index of the simulated glutes: the right sling's meets 75 % of what the left's does
TRUE_SI = 100 * (SIM_RIGHT_GLUTE_EFFORT - 1) / (0.5 * (SIM_RIGHT_GLUTE_EFFORT + 1))


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


def shown_bars(view: FeedbackView) -> list[tuple[str, float]]:
    """(title, value) of each bar on show in the feedback column."""
    bars = [view.lat_bar, view.glute_bar, *view.other.bars()]
    return [(b.title, b.value) for b in bars if b.isVisibleTo(view)]


def test_four_sensors_show_four_bars_and_the_symmetry(qtbot, window: MainWindow) -> None:
    window.sensors.add_simulated_sensors(both_slings=True)
    engine = window.engine
    assert engine.n_streams == 2 and sum(engine.info(s).n_channels for s in range(2)) == 4
    qtbot.waitUntil(lambda: len(shown_bars(window.feedback)) == 4, timeout=10000)
    assert [t for t, _ in shown_bars(window.feedback)] == ["Lat left", "Glute right", "Lat right", "Glute left"]
    assert not window.feedback.other.gauge.isHidden()
    qtbot.waitUntil(lambda: all(math.isfinite(v) and v > 0 for _, v in shown_bars(window.feedback)), timeout=10000)
    # free reps alternate between the slings: after one of each, their glutes are compared
    qtbot.waitUntil(lambda: "SI" in window.feedback.other.symmetry.text(), timeout=20000)
    si = float(re.search(r"SI ([+-]\d+) %", window.feedback.other.symmetry.text()).group(1))
    assert si == pytest.approx(TRUE_SI, abs=12.0)  # -29 %: the left glute, the right sling's, works less
    assert "works less" in window.feedback.other.symmetry.text()


def test_the_sling_view_draws_both_slings(qtbot, window: MainWindow) -> None:
    window.display.set_style(FeedbackStyle.SLING)
    window.sensors.add_simulated_sensors(both_slings=True)
    view = window.feedback.alternative
    assert view is not None
    qtbot.waitUntil(lambda: view.other is not None, timeout=10000)
    # each sling's muscles fill in turn as the client's free reps alternate
    qtbot.waitUntil(lambda: view.fill_fraction("gluteus_maximus", 1) > 0.1, timeout=15000)
    qtbot.waitUntil(lambda: view.fill_fraction("gluteus_maximus", 0) > 0.1, timeout=15000)
    a, b = view.line_points(0), view.line_points(1)
    assert a[0].x() < a[1].x() and b[0].x() > b[1].x()  # left lat to right glute; right lat to left glute
    titles = [t for _, _, t in view.texts()]
    assert {"Lat left", "Glute right", "Lat right", "Glute left"} <= set(titles)


def test_two_sensors_show_one_sling(qtbot, window: MainWindow) -> None:
    window.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: math.isfinite(window.feedback.lat_bar.value), timeout=10000)
    assert len(shown_bars(window.feedback)) == 2 and window.feedback.other.isHidden()
    assert window.feedback.alternative is not None and window.feedback.alternative.other is None


def test_the_client_screen_gets_the_other_sling(qtbot) -> None:
    from emgcoach.ui.client_screen import ClientScreen

    column, client = FeedbackView(), ClientScreen()
    qtbot.addWidget(column)
    qtbot.addWidget(client)
    fanout = FeedbackFanout(column)
    fig = Figures("%MVC", 14.0, 24.0, Band(5, 25), Band(20), 0.7, True, calibrated=True)
    fanout.show_other_sling(fig, "Lat right", "Glute left", "Glute symmetry, last reps: SI -29 %")
    fanout.add(client)  # opened later: brought up to date
    for view in (column, client.view):
        assert not view.other.isHidden()
        assert [b.title for b in view.other.bars()] == ["Lat right", "Glute left"]
        assert view.other.glute_bar.value == 24.0 and view.other.symmetry.text().endswith("SI -29 %")
    fanout.show_other_sling(None)
    assert column.other.isHidden() and client.view.other.isHidden()


def test_the_two_slings_bars_line_up_with_the_symmetry_line_under_both(qtbot) -> None:
    """The coached sling's bars and the other sling's are the same height at the same place in the column
    (compared side by side, a shorter pair would read as lower levels); the symmetry line spans both."""
    column = FeedbackView()
    qtbot.addWidget(column)
    column.resize(520, 820)
    column.show()
    qtbot.waitExposed(column)
    fig = Figures("%MVC", 14.0, 24.0, Band(5, 25), Band(20), 0.7, True, calibrated=True)
    column.show_other_sling(fig, "Lat right", "Glute left", "Glutes, last reps: SI -29 %: the left glute works less")

    def place(w) -> tuple[int, int]:
        top = w.mapTo(column, w.rect().topLeft()).y()
        return top, w.height()

    qtbot.waitUntil(lambda: place(column.other.lat_bar) == place(column.lat_bar), timeout=3000)
    assert place(column.other.glute_bar) == place(column.glute_bar) and column.lat_bar.height() > 200
    line = column.other.symmetry
    assert not line.isHidden() and line.width() > 0.9 * column.width()
    assert line.mapTo(column, line.rect().topLeft()).y() > column.gauge.mapTo(column, column.gauge.rect().bottomLeft()).y()
    column.show_other_sling(None)
    assert line.isHidden() and column.other.isHidden()


def test_a_both_slings_drill_needs_four_sensors_and_the_client_alternates(qtbot, window: MainWindow) -> None:
    """Two sensors: the alternating drill says it needs four and does not start. Four: it starts, and the
    simulated client works the slings in turn, the left sling's muscles on its reps only."""
    window.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: window.engine.stream_stats(0).samples > 2000, timeout=10000)
    window.drill_panel.select("alternating_bird_dog")
    assert not window.drills.start_drill()
    assert window.status.text().startswith("This drill works both slings: it needs four sensors")
    assert "right lat + left glute" in window.status.text()
    window.sensors.add_simulated_sensors(both_slings=True)
    qtbot.waitUntil(lambda: window.engine.stream_stats(1).samples > 2000, timeout=10000)
    window.drill_panel.select("alternating_bird_dog")
    assert window.drills.start_drill()
    runner = window.drills.runner
    assert runner is not None
    start = window.engine.session_time_s()
    contract0 = start + runner.drill.setup_s + 0.5  # rep 1 (the left sling's), in its contract phase
    qtbot.waitUntil(lambda: window.engine.session_time_s() > contract0, timeout=15000)
    qtbot.waitUntil(lambda: window.sensors.sim_cue not in (None, (0.0, 0.0)), timeout=5000)
    assert window.sensors.sim_cue_right == (0.0, 0.0)  # the right sling rests on the left's rep
    contract1 = contract0 + runner.drill.rep_s
    qtbot.waitUntil(lambda: window.engine.session_time_s() > contract1, timeout=15000)
    qtbot.waitUntil(lambda: window.sensors.sim_cue_right not in (None, (0.0, 0.0)), timeout=5000)
    assert window.sensors.sim_cue == (0.0, 0.0)
    window.drills.stop_drill()


def test_the_connect_wizard_suggests_the_other_sling_after_one() -> None:
    from emgcoach.ui.connect_wizard import next_role

    lat, glute = "latissimus_dorsi", "gluteus_maximus"
    assert next_role([]) == (lat, "left")
    assert next_role([(lat, "left")]) == (glute, "right")
    assert next_role([(lat, "left"), (glute, "right")]) == (lat, "right")  # the third sensor: the other sling
    assert next_role([(lat, "left"), (glute, "right"), (lat, "right")]) == (glute, "left")


def test_four_sensors_calibrate_all_four_muscles(qtbot, window: MainWindow) -> None:
    window.drill_panel.person.setText("P11")
    window.sensors.add_simulated_sensors(both_slings=True)
    qtbot.waitUntil(lambda: window.engine.stream_stats(1).samples > 2000, timeout=10000)
    wizard = window.calibrator.open_calibration()
    assert wizard is not None
    muscles = {(s.muscle, s.side) for s in wizard.steps if s.kind == "mvc"}
    assert muscles == {("latissimus_dorsi", "left"), ("gluteus_maximus", "right"),
                       ("latissimus_dorsi", "right"), ("gluteus_maximus", "left")}
    wizard.reject()
