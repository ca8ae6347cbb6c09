"""The window's ways in and out for a new user, as wired in the main window: the welcome view on a first
run (and from Help), the electrode placement view from the sensors panel, the drill panel and Help, the
client screen (View > Client screen, F10) fed with the feedback column, and View > Feedback view (bars or
the sling view, in both places, remembered)."""

from __future__ import annotations

import math
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from emgcoach.coach.placement import BodySide, Muscle
from emgcoach.ui.main_window import MainWindow
from emgcoach.ui.welcome import SEEN_KEY, WelcomeChoice

LAT_LEFT = (Muscle.LAT, BodySide.LEFT)
FRAMES_PER_FEEDBACK = 3  # the window feeds the feedback column every 3rd frame


def menu_action(window: MainWindow, *path: str) -> QAction:
    """The action a user reaches through the menu bar by these titles (ampersands and dots ignored)."""

    def plain(text: str) -> str:
        return text.replace("&", "").rstrip(".")

    actions = window.menuBar().actions()
    for k, title in enumerate(path):
        action = next((a for a in actions if plain(a.text()) == plain(title)), None)
        assert action is not None, f"no {title!r} in {[a.text() for a in actions]}"
        if k == len(path) - 1:
            return action
        menu: QMenu = action.menu()
        assert menu is not None, f"{title!r} is not a menu"
        actions = menu.actions()
    raise AssertionError("empty menu path")


def _frames_later(qtbot, window: MainWindow, n: int = 5) -> None:
    """Wait until the window's frame timer has run `n` more times: zero-time timers posted before have fired."""
    start = window.frames
    qtbot.waitUntil(lambda: window.frames >= start + n, timeout=3000)


def _welcome_shown(window: MainWindow) -> bool:
    return window.guide.welcome is not None and window.guide.welcome.isVisible()


def _streaming(window: MainWindow) -> bool:
    e = window.engine
    return e is not None and e.n_streams > 0 and all(e.stream_stats(s).samples > 0 for s in range(e.n_streams))


def _simulated(qtbot, window: MainWindow) -> None:
    window.sensors.add_simulated_sensors()
    qtbot.waitUntil(lambda: _streaming(window) and window.sensors.sling() is not None, timeout=5000)


# ------------------------------------------------------------------ first run


@pytest.fixture
def first_run(settings: QSettings) -> QSettings:
    settings.remove(SEEN_KEY)
    return settings


def test_a_first_run_welcomes_and_the_demo_button_replays_the_bundled_session(qtbot, first_run, make_window) -> None:
    from emgcoach.data import demo_recording

    w = make_window()
    qtbot.waitUntil(lambda: _welcome_shown(w), timeout=3000)
    welcome = w.guide.welcome
    assert welcome.parent() is w and w.isVisible()  # over the window, not instead of it
    assert w.engine is None  # nothing runs until the user says what they want
    qtbot.mouseClick(welcome.buttons[WelcomeChoice.DEMO], Qt.LeftButton)
    qtbot.waitUntil(lambda: not welcome.isVisible(), timeout=2000)
    assert w.replay.replaying is not None
    assert w.replay.replaying[0] == str(demo_recording().resolve())
    qtbot.waitUntil(lambda: _streaming(w), timeout=5000)
    assert first_run.value(SEEN_KEY, False, type=bool)

    again = make_window()  # the next start on the same settings
    _frames_later(qtbot, again)
    assert again.guide.welcome is None


def test_a_first_run_started_on_a_file_replays_it_without_the_welcome_over_it(qtbot, first_run, make_window) -> None:
    """`emgcoach replay FILE` (or `make demo`) on a new machine: the file plays, uncovered; the welcome
    waits for a start with nothing to do."""
    from emgcoach.data import demo_recording

    w = make_window()
    assert w.replay.open_recording(demo_recording(), speed=4.0)  # as ui/app.py does, right after show()
    qtbot.waitUntil(lambda: _streaming(w), timeout=5000)
    _frames_later(qtbot, w)
    assert w.guide.welcome is None and not first_run.value(SEEN_KEY, False, type=bool)
    again = make_window()  # started with nothing: welcomed
    qtbot.waitUntil(lambda: _welcome_shown(again), timeout=3000)


def test_the_simulated_sensors_button_streams_the_simulated_client(qtbot, first_run, make_window) -> None:
    w = make_window()
    qtbot.waitUntil(lambda: _welcome_shown(w), timeout=3000)
    qtbot.mouseClick(w.guide.welcome.buttons[WelcomeChoice.SIMULATE], Qt.LeftButton)
    qtbot.waitUntil(lambda: _streaming(w), timeout=5000)
    assert w.sensors.simulating and w.replay.replaying is None
    assert sorted(w.roles.values()) == [("gluteus_maximus", "right"), ("latissimus_dorsi", "left")]
    assert not w.guide.welcome.isVisible()
    again = make_window()
    _frames_later(qtbot, again)
    assert again.guide.welcome is None


def test_closing_the_welcome_view_is_an_answer_too(qtbot, first_run, make_window) -> None:
    w = make_window()
    qtbot.waitUntil(lambda: _welcome_shown(w), timeout=3000)
    w.guide.welcome.reject()  # Esc or the title bar's close
    assert w.engine is None and first_run.value(SEEN_KEY, False, type=bool)


def test_help_welcome_shows_it_again(qtbot, make_window) -> None:
    w = make_window()  # the welcome view was answered before (the fixture's settings say so)
    _frames_later(qtbot, w)
    assert w.guide.welcome is None
    menu_action(w, "Help", "Welcome").trigger()
    qtbot.waitUntil(lambda: _welcome_shown(w), timeout=2000)
    qtbot.mouseClick(w.guide.welcome.buttons[WelcomeChoice.SIMULATE], Qt.LeftButton)
    qtbot.waitUntil(lambda: _streaming(w) and w.sensors.simulating, timeout=5000)


# ------------------------------------------------------------------ electrode placement


def _placement_lit(window: MainWindow) -> tuple[Muscle, BodySide] | None:
    p = window.guide.placement
    return p.view.lit_site() if p is not None and p.isVisible() else None


@pytest.mark.parametrize("where", ["sensors panel", "drill panel", "help"])
def test_placement_opens_on_the_sling_lat_from_the_panels_and_help(qtbot, make_window, where: str) -> None:
    w = make_window()
    _simulated(qtbot, w)
    if where == "sensors panel":
        qtbot.mouseClick(w.devices.placement_button, Qt.LeftButton)
    elif where == "drill panel":
        qtbot.mouseClick(w.drill_panel.placement_link, Qt.LeftButton)
    else:
        menu_action(w, "Help", "Electrode placement").trigger()
    qtbot.waitUntil(lambda: _placement_lit(w) is not None, timeout=2000)
    assert _placement_lit(w) == LAT_LEFT
    assert w.guide.placement.view.partner() == (Muscle.GLUTE, BodySide.RIGHT)
    checked = {b.property("member") for g in (w.guide.placement.muscle_buttons, w.guide.placement.side_buttons)
               for b in g.buttons() if b.isChecked()}
    assert checked == {"latissimus_dorsi", "left"}  # the chooser says what is lit


def test_placement_shows_the_slings_lat_whichever_channel_comes_first(qtbot, make_window) -> None:
    """A glute set up on the first channel does not make the placement view open on the glute: the view
    opens on the lat of the sling coached (here a right lat, with its left glute)."""
    w = make_window()
    _simulated(qtbot, w)
    first, second = sorted(w.roles)
    w.sensors.role_changed(*first, "gluteus_maximus", "left")
    w.sensors.role_changed(*second, "latissimus_dorsi", "right")
    qtbot.mouseClick(w.devices.placement_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: _placement_lit(w) is not None, timeout=2000)
    assert _placement_lit(w) == (Muscle.LAT, BodySide.RIGHT)


def test_placement_without_sensors_shows_the_left_lat_and_a_second_call_reuses_the_dialog(qtbot, make_window) -> None:
    w = make_window()
    qtbot.mouseClick(w.devices.placement_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: _placement_lit(w) is not None, timeout=2000)
    assert _placement_lit(w) == LAT_LEFT
    dialog = w.guide.placement
    w.guide.show_placement("gluteus_maximus", "right")
    assert w.guide.placement is dialog and _placement_lit(w) == (Muscle.GLUTE, BodySide.RIGHT)


# ------------------------------------------------------------------ client screen and feedback view


def _client_open(window: MainWindow) -> bool:
    return window.display.client is not None and window.display.client.isVisible()


def _bars(view) -> tuple[float, float]:
    return view.lat_bar.value, view.glute_bar.value


def test_view_client_screen_opens_it_fed_like_the_column_and_closing_unchecks_it(qtbot, make_window) -> None:
    w = make_window()
    _simulated(qtbot, w)
    action = menu_action(w, "View", "Client screen")
    assert action is w.display.client_action and action.isCheckable() and not action.isChecked()
    action.trigger()
    qtbot.waitUntil(lambda: _client_open(w), timeout=2000)
    client = w.display.client
    assert action.isChecked()
    assert w.status.text().startswith("Client screen:") and "window" in w.status.text()  # where it went
    assert client in w.display.out.sinks
    # the same figures reach both: every frame's bars are equal in the column and on the client screen
    qtbot.waitUntil(lambda: all(math.isfinite(v) and v > 0 for v in _bars(w.feedback)), timeout=5000)
    for _ in range(3):
        _frames_later(qtbot, w, FRAMES_PER_FEEDBACK)
        assert _bars(client.view) == _bars(w.feedback)
        assert client.view.onset_label.text() == w.feedback.onset_label.text()
    client.close()
    qtbot.waitUntil(lambda: not action.isChecked(), timeout=2000)
    assert client not in w.display.out.sinks
    assert w.status.text() == "Client screen closed (F10 opens it again)"  # not still where it went
    action.trigger()  # and opens again
    qtbot.waitUntil(lambda: _client_open(w) and action.isChecked(), timeout=2000)
    assert w.display.client is client



def test_f10_toggles_the_client_screen(qtbot, make_window) -> None:
    w = make_window()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    qtbot.keyClick(w, Qt.Key_F10)
    qtbot.waitUntil(lambda: _client_open(w) and w.display.client_action.isChecked(), timeout=2000)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    qtbot.keyClick(w, Qt.Key_F10)
    qtbot.waitUntil(lambda: not _client_open(w) and not w.display.client_action.isChecked(), timeout=2000)


def test_f10_from_the_client_screen_closes_it(qtbot, make_window) -> None:
    """The client screen takes the focus when it opens: F10 there closes it as it does in the window."""
    w = make_window()
    w.display.client_action.trigger()
    qtbot.waitUntil(lambda: _client_open(w), timeout=2000)
    client = w.display.client
    client.activateWindow()
    qtbot.waitUntil(client.isActiveWindow, timeout=2000)
    qtbot.keyClick(client, Qt.Key_F10)
    qtbot.waitUntil(lambda: not _client_open(w) and not w.display.client_action.isChecked(), timeout=2000)


def test_the_sling_view_shows_in_the_column_and_on_the_client_screen_and_is_remembered(qtbot, make_window,
                                                                                      settings: QSettings) -> None:
    w = make_window()
    assert w.feedback.levels.currentWidget() is not w.feedback.alternative  # bars by default
    sling_action = menu_action(w, "View", "Feedback view", "Sling (body from behind)")
    bars_action = menu_action(w, "View", "Feedback view", "Bars and gauge")
    assert bars_action.isChecked() and not sling_action.isChecked()
    sling_action.trigger()
    assert sling_action.isChecked() and not bars_action.isChecked()
    assert w.feedback.levels.currentWidget() is w.feedback.alternative
    assert settings.value("feedback_style") == "sling"
    w.display.client_action.trigger()  # opened after the choice: it follows it too
    qtbot.waitUntil(lambda: _client_open(w), timeout=2000)
    client_view = w.display.client.view
    assert client_view.levels.currentWidget() is client_view.alternative
    _simulated(qtbot, w)
    column, client = w.feedback.alternative, client_view.alternative
    # the simulated client does bird-dog reps: the lat fills during each contraction, in both views
    qtbot.waitUntil(lambda: column.fill_fraction(Muscle.LAT) > 0.2 and client.fill_fraction(Muscle.LAT) > 0.2,
                    timeout=15000)
    assert column.fig is not None and client.fig is not None
    assert column.labels[Muscle.LAT] == client.labels[Muscle.LAT] == "Lat left"

    again = make_window()
    assert again.feedback.levels.currentWidget() is again.feedback.alternative
    assert menu_action(again, "View", "Feedback view", "Sling (body from behind)").isChecked()
    menu_action(again, "View", "Feedback view", "Bars and gauge").trigger()
    assert again.feedback.levels.currentWidget() is not again.feedback.alternative
    assert settings.value("feedback_style") == "bars"


# ------------------------------------------------------------------ the connect wizard's wiring (no Bluetooth:
# tests/ble/test_connect_wizard.py runs it end to end on a simulated BlueZ)

FOUND = ("AA:BB:CC:DD:EE:44", "EMGC-test", "open", -50)


def test_a_sensor_connected_during_a_simulation_gets_a_session_of_its_own(qtbot, make_window) -> None:
    from emgcoach.ble.link import FoundSensor

    w = make_window()
    _simulated(qtbot, w)
    simulated = w.engine
    engine, channel = w.guide.connect(FoundSensor(*FOUND), "latissimus_dorsi", "left")
    assert engine is w.engine and engine is not simulated and not w.sensors.simulating
    assert engine.n_streams == 1 and engine.info(0).address == FOUND[0] and channel == (0, 0)
    assert w.roles == {(0, 0): ("latissimus_dorsi", "left")}  # no simulated lat beside it


def test_back_and_next_through_the_check_page_connects_the_sensor_once(qtbot, make_window, monkeypatch) -> None:
    """Going Back from the signal check to change the muscle, then on again, keeps one stream for the
    sensor (with the new role) and one line for it in the wizard."""
    from PySide6.QtWidgets import QWizard

    from emgcoach.ble.link import FoundSensor
    from emgcoach.ui.connect_wizard import ConnectWizard

    w = make_window()
    monkeypatch.setattr(w.guide, "find_sensors", lambda: [FoundSensor(*FOUND)])
    menu_action(w, "File", "Connect my sensors").trigger()
    wizard = w.guide.wizard
    qtbot.waitUntil(lambda: wizard.currentPage().list.count() == 1, timeout=3000)
    next_button, back_button = wizard.button(QWizard.NextButton), wizard.button(QWizard.BackButton)
    for _ in range(3):  # scan -> role -> placement -> check
        qtbot.mouseClick(next_button, Qt.LeftButton)
    assert wizard.currentId() == ConnectWizard.CHECK
    assert w.engine.n_streams == 1 and w.roles[(0, 0)] == ("latissimus_dorsi", "left")
    qtbot.mouseClick(back_button, Qt.LeftButton)
    qtbot.mouseClick(back_button, Qt.LeftButton)
    role = wizard.currentPage()
    assert wizard.currentId() == ConnectWizard.ROLE
    role.muscle_buttons["gluteus_maximus"].setChecked(True)
    role.side_buttons["right"].setChecked(True)
    qtbot.mouseClick(next_button, Qt.LeftButton)
    assert wizard.currentPage().view.lit_site() == (Muscle.GLUTE, BodySide.RIGHT)
    qtbot.mouseClick(next_button, Qt.LeftButton)
    assert wizard.currentId() == ConnectWizard.CHECK
    assert w.engine.n_streams == 1 and w.roles == {(0, 0): ("gluteus_maximus", "right")}
    assert [f.address for f in wizard.connected] == [FOUND[0]]
    assert wizard.roles == {FOUND[0]: ("gluteus_maximus", "right")}


def test_in_the_sling_view_both_on_target_is_said_once(qtbot, make_window) -> None:
    """The sling view inside the feedback column and the client screen leaves 'Both on target!' to their
    reward line (it said it a second time under the body)."""
    from emgcoach.coach.live_feedback import Band, Figures

    w = make_window(feedback_style="sling")
    w.display.client_action.trigger()
    qtbot.waitUntil(lambda: _client_open(w), timeout=2000)
    both = Figures("%MVC", 30.0, 35.0, Band(20.0, 40.0), Band(20.0), 0.8, True, True)
    w.display.out.show_figures(both, "Lat left", "Glute right")
    for view in (w.feedback, w.display.client.view):
        assert view.levels.currentWidget() is view.alternative and view.alternative.line_lit()
        said = [view.reward.text()] + [text for _rect, _font, text in view.alternative.texts()]
        assert said.count("Both on target!") == 1, said


def test_calibrate_at_the_wizards_end_asks_for_the_clients_pseudonym_when_there_is_none(qtbot, make_window,
                                                                                        monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    asked: list[str] = []

    def answer(_parent, title: str, label: str, *args, **kwargs) -> tuple[str, bool]:
        asked.append(label)
        return ("P09", True)

    monkeypatch.setattr(QInputDialog, "getText", answer)
    w = make_window()
    _simulated(qtbot, w)
    wizard = w.guide.connect_sensors()
    wizard.calibrate_requested.emit()  # (the wizard's Calibrate with a complete sling)
    assert len(asked) == 1 and "pseudonym" in asked[0]
    qtbot.waitUntil(lambda: w.calibrator.wizard is not None and w.calibrator.wizard.isVisible(), timeout=2000)
    assert w.person() == "P09" and w.calibrator.wizard.person == "P09"


def test_no_pseudonym_given_says_what_to_do_and_opens_nothing(qtbot, make_window, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    w = make_window()
    _simulated(qtbot, w)
    w.guide.connect_sensors().calibrate_requested.emit()
    assert w.calibrator.wizard is None
    assert "pseudonym" in w.status.text()


def test_without_bluetooth_the_scan_page_says_so_in_one_line(qtbot, make_window, monkeypatch) -> None:
    """File > Connect my sensors, next to the other sources, on a machine without Bluetooth: the scan
    page says why in one sentence, lists nothing, and lets the user scan again (no box, no crash)."""
    from PySide6.QtWidgets import QWizard

    from emgcoach.ble.link import BluetoothUnavailable

    def no_bluetooth() -> list:
        raise BluetoothUnavailable("no Bluetooth: the system D-Bus is not running here (is this a container?); "
                                   "run on a machine with Bluetooth")

    w = make_window()
    monkeypatch.setattr(w.guide, "find_sensors", no_bluetooth)
    file_action = menu_action(w, "File")
    file_menu = file_action.menu()
    entries = [a.text() for a in file_menu.actions()]
    assert entries.index("Connect my sensors...") == entries.index("Simulated sensors") + 1
    menu_action(w, "File", "Connect my sensors").trigger()
    page = w.guide.wizard.currentPage()
    qtbot.waitUntil(lambda: page.scan_button.isEnabled(), timeout=3000)
    assert page.status.text().startswith("No Bluetooth: the system D-Bus is not running")
    assert "\n" not in page.status.text() and page.list.count() == 0
    assert not w.guide.wizard.button(QWizard.NextButton).isEnabled()


def test_the_placement_view_and_the_wizards_placement_page_follow_the_theme(qtbot, make_window) -> None:
    """In the light theme the wizard's placement page was drawn dark (its own default), and an open
    placement view kept the theme it opened with."""
    from emgcoach.ui.connect_wizard import ConnectWizard
    from emgcoach.ui.theme import THEMES

    w = make_window(theme="light")
    assert w.preferences.theme is THEMES["light"]
    wizard = w.guide.connect_sensors()
    page_view = wizard.page(ConnectWizard.PLACE).view
    placement = w.guide.show_placement()
    assert page_view.theme is THEMES["light"] and placement.view.theme is THEMES["light"]
    menu_action(w, "View", "Theme", "Dark").trigger()
    assert page_view.theme is THEMES["dark"] and placement.view.theme is THEMES["dark"]
