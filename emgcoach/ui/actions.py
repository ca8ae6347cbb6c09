"""The window's commands as one table (as napari declares its actions): text, shortcut, tooltip, where
each shows (menu, toolbar) and what it calls (on the window's controller for it, or the window).
`build_actions` makes the QActions and sets each as `window.<name>_action`; the Help menu's list of
shortcuts is read from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar


@dataclass(frozen=True)
class ActionSpec:
    """One command: `name` (the window gets `<name>_action`), its text, what it calls (given the
    window), shortcut, tooltip, the menu it sits in ('' none), whether the toolbar shows it, checkable,
    enabled at start, and a separator before it in its menu."""

    name: str
    text: str
    run: Callable[[Any], object]
    shortcut: str | None = None
    tip: str = ""
    menu: str = ""
    toolbar: bool = False
    checkable: bool = False
    enabled: bool = True
    separator: bool = False


FILE, HELP = "&File", "&Help"

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "Open recording...", lambda w: w.replay.open_dialog(), "Ctrl+O", menu=FILE, toolbar=True),
    ActionSpec("sim", "Simulated sensors", lambda w: w.sensors.add_simulated_sensors(), "Ctrl+N", menu=FILE,
               toolbar=True),
    # one's own sensors, with the other sources of a signal
    ActionSpec("connect", "Connect my sensors...", lambda w: w.guide.connect_sensors(), None,
               "Step by step: find a sensor, say where it sits, check its signal, then calibrate", menu=FILE),
    ActionSpec("quick_connect", "Quick connect a sensor...", lambda w: w.sensors.scan(), None,
               "Scan, pick a sensor and stream it (the first as lat left, the next as glute right)", menu=FILE),
    ActionSpec("sim_both", "Simulated sensors, both slings", lambda w: w.sensors.add_simulated_sensors(True),
               "Ctrl+Shift+N", "A simulated client wearing four sensors: both lats and both glutes, the two "
               "slings side by side and compared rep by rep", menu=FILE),
    ActionSpec("record", "Record", lambda w: w.recording.toggle_recording(), "R", "Start / stop recording to XDF",
               menu=FILE, toolbar=True, checkable=True),
    ActionSpec("mark", "Mark", lambda w: w.recording.mark("note", {"text": "mark"}), "M", "Put a mark in the recording",
               menu=FILE, toolbar=True),
    ActionSpec("artifact", "Mark artifact", lambda w: w.artifacts.mark_selection(), "X",
               "In a replay: drag across the plots over a cough or cable tug, then X saves that stretch as an "
               "artifact (analysis leaves it out)", menu=FILE),
    ActionSpec("unmark_artifact", "Remove artifact mark", lambda w: w.artifacts.remove_marks(), "Shift+X",
               "In a replay: remove the artifact mark the selection touches, or the one in view (or right-click "
               "a shaded stretch)", menu=FILE),
    ActionSpec("play", "Play / pause", lambda w: w.replay.toggle_play(), "Space", menu=FILE),
    ActionSpec("drill", "Start / stop drill", lambda w: w.drills.toggle_drill(), "S",
               "Start or stop a set of the chosen drill", menu=FILE),
    ActionSpec("report", "Report on the last set...", lambda w: w.drills.open_report(), "Ctrl+P",
               "Write a report of the last set, with notes, where you choose", menu=FILE, enabled=False),
    ActionSpec("lsl_in", "Add LSL EMG streams", lambda w: w.sensors.add_lsl_streams(), None,
               "Stream every EMG-type LSL stream on the network", menu=FILE, separator=True),
    ActionSpec("lsl_out", "Publish over LSL (network)", lambda w: w.sensors.toggle_lsl_outlet(), None,
               "Publish raw and envelope streams for lab tools; off by default, it opens network sockets",
               menu=FILE, checkable=True),
    ActionSpec("welcome", "Welcome...", lambda w: w.guide.show_welcome(), None,
               "The three ways in: the demo session, simulated sensors, your own sensors", menu=HELP),
    ActionSpec("placement", "Electrode placement...", lambda w: w.guide.show_placement(), None,
               "Where the electrodes go on the lat and the opposite glute, and skin preparation", menu=HELP),
    ActionSpec("shortcuts", "Keyboard shortcuts", lambda w: w.show_shortcuts(), "F1", "Every shortcut of the window",
               menu=HELP),
    ActionSpec("about", "About emgcoach", lambda w: w.show_about(), None, "Version, and where your data are kept",
               menu=HELP),
)


def make_action(window: QMainWindow, spec: ActionSpec) -> QAction:
    """The QAction of one spec, added to the window (so its shortcut works without a menu)."""
    a = QAction(spec.text, window)
    if spec.shortcut:
        a.setShortcut(QKeySequence(spec.shortcut))
    tip = spec.tip or spec.text
    a.setToolTip(f"{tip} ({spec.shortcut})" if spec.shortcut else tip)
    a.setCheckable(spec.checkable)
    a.setEnabled(spec.enabled)
    a.triggered.connect(lambda _checked=False, run=spec.run: run(window))
    window.addAction(a)
    return a


def build_actions(window: QMainWindow, toolbar: QToolBar, menus: dict[str, QMenu],
                  specs: tuple[ActionSpec, ...] = ACTIONS) -> dict[str, QAction]:
    """Every spec's action, placed in its menu and the toolbar, and set as `window.<name>_action`."""
    made = {}
    for spec in specs:
        a = make_action(window, spec)
        setattr(window, f"{spec.name}_action", a)
        if spec.menu:
            if spec.separator:
                menus[spec.menu].addSeparator()
            menus[spec.menu].addAction(a)
        if spec.toolbar:
            toolbar.addAction(a)
        made[spec.name] = a
    return made
