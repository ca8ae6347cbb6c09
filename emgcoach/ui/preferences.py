"""The main window's remembered choices of how it shows and sounds (the Feedback and View menus): the
audio cue and what its tone follows, the feedback's units, the theme and the plots' time window. Each
choice is kept in the window's QSettings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from emgcoach.ui.audio_cue import FOLLOW
from emgcoach.ui.theme import DEFAULT_THEME, THEME_LABELS, THEMES, apply_palette, theme_named

if TYPE_CHECKING:
    from emgcoach.ui.main_window import MainWindow

PLOT_WINDOWS_S = (5.0, 10.0, 20.0, 30.0)
UNITS = {"pct": "%MVC when calibrated", "uv": "µV (targets carried over from the calibration)"}


class Preferences:
    """The window's display and sound choices; `units` ('pct' or 'uv') and `theme` are the ones in force.
    The theme is applied on creation; `make_menus` adds the audio cue action and the two menus."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.settings
        units = str(self.settings.value("units", "pct"))
        self.units = units if units in UNITS else "pct"
        self.theme = theme_named(self.settings.value("theme", DEFAULT_THEME))
        self._apply_theme()

    def make_menus(self, bar: QToolBar) -> None:
        """The audio cue's action (toolbar, Feedback menu, the feedback view's button; shortcut A), the
        Feedback menu (tone follows, units) and the View menu (theme, plot window), in the menu bar now."""
        w = self.window
        # the audio cue: off by default, one click on (toolbar, Feedback menu or the feedback view's button)
        self.audio_action = QAction("Audio cue", w)
        self.audio_action.setCheckable(True)
        self.audio_action.setShortcut(QKeySequence("A"))
        self.audio_action.setToolTip("A tone whose pitch follows activation and a chime when both muscles are on "
                                     "target, for when you cannot watch the screen (A)")
        # pressed means sounding: a click turns the cue on or off, and the button shows whether it plays
        self.audio_action.triggered.connect(lambda _checked=False: self._toggle_audio_cue(not w.audio_cue.enabled))
        w.audio_cue.state_changed.connect(self._show_audio_state)
        w.addAction(self.audio_action)
        bar.addAction(self.audio_action)
        if w.feedback.audio_button is not None:  # None only in a feedback view without controls (not the window's)
            w.feedback.audio_button.setDefaultAction(self.audio_action)
        fmenu = w.menuBar().addMenu("F&eedback")
        fmenu.addAction(self.audio_action)
        follow = {key: text[0].upper() + text[1:] for key, text in FOLLOW.items()}
        self.audio_follow_actions = self.choice_menu(fmenu, "Tone follows", follow, w.audio_cue.follow,
                                                      self._set_audio_follow)
        self.units_actions = self.choice_menu(fmenu, "Levels in", UNITS, self.units, self.set_units)
        vmenu = self.view_menu = w.menuBar().addMenu("&View")
        self.theme_actions = self.choice_menu(vmenu, "Theme", THEME_LABELS, self.theme.name, self.set_theme)
        windows = {f"{s:g}": f"{s:g} s" for s in PLOT_WINDOWS_S}
        self.window_actions = self.choice_menu(vmenu, "Plot window", windows, f"{w.plots.window_s:g}",
                                                lambda key: self.set_plot_window(float(key)))

    def restore_audio_cue(self) -> None:
        """Sound the audio cue if it was on when the app last closed."""
        if self.settings.value("audio_cue", False, type=bool):
            self._toggle_audio_cue(True)

    def choice_menu(
        self, menu: QMenu, title: str, options: dict[str, str], current: str, choose: Callable[[str], None]
    ) -> dict[str, QAction]:
        """A submenu of exclusive, checkable choices (key -> label); `choose(key)` when one is picked."""
        sub = menu.addMenu(title)
        group = QActionGroup(self.window)
        actions: dict[str, QAction] = {}
        for key, label in options.items():
            a = actions[key] = sub.addAction(label)
            a.setCheckable(True)
            a.setChecked(key == current)
            a.triggered.connect(lambda _=False, k=key: choose(k))
            group.addAction(a)
        return actions

    def set_plot_window(self, seconds: float) -> None:
        """Show the last `seconds` of signal in the plots (5-30 s); remembered."""
        plots = self.window.plots
        plots.set_window(seconds)
        self.settings.setValue("plot_window_s", plots.window_s)
        action = self.window_actions.get(f"{plots.window_s:g}")
        if action is not None:
            action.setChecked(True)

    def set_units(self, units: str) -> None:
        """Show the feedback levels in %MVC when calibrated ('pct') or always in µV ('uv'); remembered."""
        if units not in UNITS:
            raise ValueError(f"units must be one of {sorted(UNITS)}, got {units!r}")
        self.units = units
        self.settings.setValue("units", units)
        self.units_actions[units].setChecked(True)

    def _toggle_audio_cue(self, on: bool) -> None:
        self.settings.setValue("audio_cue", on)
        self.window.audio_cue.set_enabled(on)
        self._show_audio_state()

    def _show_audio_state(self) -> None:
        """The audio cue's button is pressed only while the cue sounds; on but without an output (it
        starts when one appears), it says so."""
        cue = self.window.audio_cue
        playing = cue.enabled and cue.playing
        if self.audio_action.isChecked() != playing:
            self.audio_action.setChecked(playing)  # (nothing listens to toggled: no loop)
        waiting = cue.enabled and not playing
        text = "Audio cue (no output)" if waiting else "Audio cue"
        if self.audio_action.text() != text:
            self.audio_action.setText(text)

    def _set_audio_follow(self, follow: str) -> None:
        self.window.audio_cue.set_follow(follow)
        self.settings.setValue("audio_cue_follow", follow)

    def set_theme(self, name: str) -> None:
        """Switch to the 'dark' or 'light' theme: window, plots and feedback view; remembered."""
        if name not in THEMES:
            raise ValueError(f"theme must be one of {sorted(THEMES)}, got {name!r}")
        self.theme = THEMES[name]
        self.settings.setValue("theme", name)
        self.theme_actions[name].setChecked(True)
        self._apply_theme()

    def _apply_theme(self) -> None:
        apply_palette(self.theme)
        # plots made later (the history view's) take these
        pg.setConfigOptions(background=self.theme.plot_background, foreground=self.theme.plot_foreground)
        self.window.plots.set_theme(self.theme)
        self.window.display.out.set_theme(self.theme)
        self.window.guide.set_theme(self.theme)
