"""Light and dark themes: the window's palette and the colours of plots and feedback drawn by hand.

A theme is chosen in View > Theme and remembered; `apply_palette` sets the application's palette (Qt's
Fusion style, so it looks the same on every platform; radio buttons made with `clear_radio` are drawn clearly),
and the plots and the feedback view take their own colours from the `Theme` they are given.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QRadioButton


@dataclass(frozen=True)
class Theme:
    """Colours as '#rrggbb' strings."""

    name: str
    window: str
    base: str
    text: str
    button: str
    highlight: str
    plot_background: str
    plot_foreground: str
    raw: str  # raw EMG trace
    envelope: str  # envelope trace
    bar_track: str  # the empty part of a feedback bar and of the CCI gauge
    disabled_text: str


THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="dark", window="#2b2b2b", base="#1e1e1e", text="#e6e6e6", button="#3a3a3a", highlight="#2f7fd0",
        plot_background="#1e1e1e", plot_foreground="#dddddd", raw="#78909c", envelope="#ffb74d",
        bar_track="#404040", disabled_text="#808080",
    ),
    "light": Theme(
        name="light", window="#efefef", base="#ffffff", text="#1a1a1a", button="#e4e4e4", highlight="#2f7fd0",
        plot_background="#ffffff", plot_foreground="#333333", raw="#7d8f99", envelope="#d9480f",
        bar_track="#d0d0d0", disabled_text="#8a8a8a",
    ),
}
THEME_LABELS = {"dark": "Dark", "light": "Light"}
DEFAULT_THEME = "dark"


def theme_named(name: object) -> Theme:
    """The theme called `name`, or the default one for an unknown name (an old or edited settings file)."""
    return THEMES.get(str(name), THEMES[DEFAULT_THEME])


def palette_for(theme: Theme) -> QPalette:
    """A complete QPalette for the theme (disabled widgets greyed)."""
    pal = QPalette()
    colours = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.window,
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.button,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.Highlight: theme.highlight,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: theme.disabled_text,
    }
    for role, colour in colours.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.disabled_text))
    return pal


def relative_luminance(colour: QColor) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0 black to 1 white)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2's contrast ratio of two colours, 1 to 21 (non-text contrast asks 3 of a control's state)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def radio_colours(pal: QPalette) -> tuple[QColor, QColor]:
    """(ring, dot) of a radio button: the ring halfway from the window to the text, the checked dot in the
    highlight colour. Fusion drew the ring in a darker window colour (1.2:1 on the dark theme's window:
    the button could not be seen) and the dot as a small grey spot."""
    text, window = pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)
    ring = QColor((text.red() + window.red()) // 2, (text.green() + window.green()) // 2,
                  (text.blue() + window.blue()) // 2)
    return ring, pal.color(QPalette.ColorRole.Highlight)


def radio_sheet(pal: QPalette) -> str:
    """A radio button's style sheet in the colours of `pal`: its indicator a 2 px ring in `radio_colours`'
    ring colour and, checked, a dot in the highlight."""
    ring, dot = (c.name() for c in radio_colours(pal))
    base = pal.color(QPalette.ColorRole.Base).name()
    off = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    return (
        "QRadioButton::indicator { width: 10px; height: 10px; border-radius: 7px; "
        f"border: 2px solid {ring}; background: {base}; }}\n"
        f"QRadioButton::indicator:checked {{ border-color: {dot}; background: qradialgradient(cx: 0.5, cy: 0.5, "
        f"radius: 0.5, fx: 0.5, fy: 0.5, stop: 0 {dot}, stop: 0.45 {dot}, stop: 0.6 {base}, stop: 1 {base}); }}\n"
        f"QRadioButton::indicator:disabled {{ border-color: {off}; }}\n"
    )


def clear_radio(button: QRadioButton) -> QRadioButton:
    """`button`, its indicator drawn by `radio_sheet` in the application's colours. A sheet of the
    button's own: an application-wide one re-polished every widget on each window's theme (which crashed
    on a pyqtgraph view being torn down), and a QProxyStyle written in Python is called for every
    primitive of every widget (the window's paint took 40 ms instead of 7)."""
    button.setStyleSheet(radio_sheet(QApplication.palette()))
    return button


def apply_palette(theme: Theme) -> None:
    """Give the running application the theme's style and palette."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):  # none yet, or one without widgets: nothing to style
        return
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(theme))
