"""The client screen: the feedback alone in a window of its own, for the client to read from across the
room while the therapist keeps the controls on the main window.

It shows the bars with their target bands, the co-activation gauge, the onset-order cue, the phase with
its countdown and the rep, the reward, and at a set's end its score; no buttons, no mode line. Full
screen on a second monitor when there is one; with one screen, a large window the therapist can drag.

How big the text is. The client reads it at `VIEWING_DISTANCE_M` (3 m). ISO 9241-3 (now 9241-303)
asks for characters (the height of an unaccented capital) of at least 16 minutes of arc and prefers 20
to 22 for most tasks; where reading is incidental to the task, smaller characters may be used (quoted
in IBM's "Healthy computing" guide, http://www.pc.ibm.com/ww/healthycomputing/vdc-crf.html; NUREG-0700
rev. 2, 1.3.1-4, gives the same 16 and 20-22). At 3 m, 16' is 14.0 mm. The screen's physical
resolution (`QScreen.physicalDotsPerInch`, logical pixels per physical inch) turns mm into pixels, so
the text is as big on a 24" monitor as on a 55" television. What the client acts on (the countdown,
the phase, the rep, the onset-order cue, the reward, the set's score) never goes below 16'; it grows
toward 22' as the window grows. Labels of what a graphic already shows (the bars' titles and values,
the CCI figure) are as large as their column allows from that size down to 10' (the same guide: "as
small as 10 minutes of arc are usable providing there is sufficient contrast"), so a 1024 x 700
window holds it all unclipped. On the client screen the rep reads 'Rep 10/10' (one row with the
countdown and the phase at 16'), and the phase's instruction, the set's latency and its cue to work on
are left to the therapist: a sentence at 16' would take the bars' room.

Wiring it into the main window (after the controllers' split): the window feeds one
`feedback_sink.FeedbackFanout` where it fed `self.feedback`, and a checkable "Client screen" action
opens and closes this window::

    self.feedback_out = FeedbackFanout(self.feedback)      # every self.feedback.show_...() call goes here
    self.client_screen = ClientScreen()                     # no parent: not held above the main window
    self.client_screen.closed.connect(lambda: self.client_action.setChecked(False))
    self.client_screen.closed.connect(lambda: self.feedback_out.remove(self.client_screen))

    def _toggle_client_screen(self, on: bool) -> None:     # the action's toggled(bool)
        if on:
            self.feedback_out.add(self.client_screen)      # brought up to date: theme, figures, phase ...
            self.status.setText(self.client_screen.show_on_best_screen(self).message)
        else:
            self.client_screen.close()                     # hides it; emits closed

`set_theme` goes through the fan-out too, so the client screen follows View > Theme; the main window's
closeEvent need not close it (it does not keep the application running: WA_QuitOnClose is off).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontMetricsF, QGuiApplication, QKeyEvent, QResizeEvent, QScreen, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from emgcoach.ui.feedback import FeedbackStyle, FeedbackView, pixel_font
from emgcoach.ui.sling_view import SlingView

if TYPE_CHECKING:
    from emgcoach.coach.live_feedback import Figures
    from emgcoach.coach.set_summary import SetSummary
    from emgcoach.ui.theme import Theme

logger = logging.getLogger(__name__)

VIEWING_DISTANCE_M = 3.0
MIN_ARCMIN = 16.0  # ISO 9241-3: the least character height
PREFERRED_ARCMIN = 22.0  # ISO 9241-3: 20-22 preferred; text grows to this when the window has room
INCIDENTAL_ARCMIN = 10.0  # labels of a graphic, where reading is incidental: the least "usable"
DIGITS_OVER_TEXT = 1.25  # the countdown's digits, the figure most looked at, a quarter taller than the words
# The window's height in lines of text at the size it uses: phase row, onset cue (2), reward, the bars'
# title and value rows, and the bars themselves at least half the window. A window taller than that
# many 16' lines gets larger text (to 22'); a smaller one keeps 16' and its bars give way. (10 lines
# looked right on paper, but at 1920 x 1080 the words took two thirds of the screen from the bars.)
LINES_PER_WINDOW = 12.0
# The least the layout takes, in lines of its text: the phase row (digits 1.25 tall), the onset cue (2),
# the reward, the bars' rows, their 60 px of bar, margins and spacing; measured at 16' on a 100 dpi
# screen (DejaVu Sans), 592 px or 6.7 lines. A screen shorter than this many lines of 16' cannot show
# the client screen whole at 16' (a 1024 x 700 laptop can: 660 px less a title bar).
LEAST_LINES = 7.0
PLAUSIBLE_DPI = (15.0, 600.0)  # physical pixels per inch outside this are a screen misreporting its size


def char_height_mm(arcmin: float, distance_m: float = VIEWING_DISTANCE_M) -> float:
    """The height (mm) of a character that subtends `arcmin` minutes of arc at `distance_m`."""
    return 2.0 * distance_m * 1000.0 * math.tan(math.radians(arcmin / 60.0) / 2.0)


def px_per_mm(screen: QScreen | None) -> float:
    """Logical pixels per physical mm on `screen`: from its physical size, or (a screen that reports none,
    or an implausible one) from its logical DPI, logged; 96 DPI without a screen."""
    if screen is None:
        return 96.0 / 25.4
    dpi = screen.physicalDotsPerInchY()
    if not (math.isfinite(dpi) and PLAUSIBLE_DPI[0] <= dpi <= PLAUSIBLE_DPI[1]):
        logger.warning("screen %r reports %.0f physical DPI; sizing the client screen's text from its logical %.0f DPI",
                       screen.name(), dpi, screen.logicalDotsPerInchY())
        dpi = screen.logicalDotsPerInchY()
    return dpi / 25.4


def cap_ratio(base: QFont, bold: bool = True) -> float:
    """A font's capital height over its pixel size (about 0.73 for DejaVu Sans, 0.70 for Segoe UI)."""
    return QFontMetricsF(pixel_font(base, 100, bold)).capHeight() / 100.0


@dataclass(frozen=True)
class TextSizes:
    """The client screen's text sizes, as font pixel sizes (`text_px` for what the client acts on,
    `smallest_px` the least a graphic's label may shrink to) and the countdown's digit height (px);
    `squeezed` when the screen is too small for MIN_ARCMIN and the text is smaller."""

    text_px: int
    smallest_px: int
    digits_px: int
    squeezed: bool = False


def text_sizes(px_mm: float, window_h: int, base: QFont, distance_m: float = VIEWING_DISTANCE_M,
               screen_h: int | None = None) -> TextSizes:
    """Text sizes for a window `window_h` px tall on a screen of `px_mm` logical px per mm, read from
    `distance_m`: capitals of MIN_ARCMIN at least, toward PREFERRED_ARCMIN as the window's height allows.
    A screen too small (`screen_h` px) for LEAST_LINES lines of the least size gets what fits (and
    `squeezed`): text it cannot show whole would help nobody."""
    ratio = cap_ratio(base)
    line_over_px = QFontMetricsF(pixel_font(base, 100)).lineSpacing() / 100.0

    def px_for(arcmin: float) -> float:
        return char_height_mm(arcmin, distance_m) * px_mm / ratio

    least, most = px_for(MIN_ARCMIN), px_for(PREFERRED_ARCMIN)
    room = window_h / LINES_PER_WINDOW / line_over_px  # the font size at which the window holds its lines
    text = min(max(room, least), most)
    squeezed = screen_h is not None and screen_h / LEAST_LINES / line_over_px < least
    if squeezed:
        assert screen_h is not None
        text = screen_h / LEAST_LINES / line_over_px
    smallest = min(text, px_for(INCIDENTAL_ARCMIN))
    return TextSizes(math.ceil(text), math.ceil(smallest), math.ceil(text * ratio * DIGITS_OVER_TEXT), squeezed)


class Placement(StrEnum):
    """Where `show_on_best_screen` put the client screen."""

    FULL_SCREEN = "full screen"  # on a screen other than the main window's
    WINDOW = "window"  # one screen only: a window the therapist can drag

    @property
    def message(self) -> str:
        """One line for the main window's status bar."""
        if self is Placement.FULL_SCREEN:
            return "Client screen: full screen on the second screen (Esc: a window; F11: full screen again)"
        return "Client screen: one screen only, shown as a window: drag it where the client can see it (F11: full screen)"


def choose_screen(geometries: Sequence[tuple[int, int, int, int]], main_index: int) -> int | None:
    """Which screen (index into `geometries`, each x, y, width, height in px) takes the client screen
    when the main window is on `main_index`: the largest other one (a television over a laptop's own
    panel; the first of equals), or None when there is no other."""
    if not 0 <= main_index < len(geometries):
        raise ValueError(f"main window's screen {main_index} is not one of {len(geometries)} screens")
    others = [i for i in range(len(geometries)) if i != main_index]
    if not others:
        return None
    return max(others, key=lambda i: (geometries[i][2] * geometries[i][3], -i))


class ClientFeedbackView(FeedbackView):
    """The feedback view without the therapist's controls, laid out for a wide screen: the phase row
    across the top, the two bars and the gauge side by side, the onset cue (two lines kept for it, so
    the bars do not jump as it changes) and the reward across the bottom. Text sizes come from
    `set_sizes`; at a set's end its score takes the phase row (the title, latency and cue lines are the
    therapist's, on the main window)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, controls=False, one_row_banner=True)
        self.sizes: TextSizes | None = None
        self.reward.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def _lay_out(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.setSpacing(8)
        lay.addWidget(self.banner)
        lay.addWidget(self.summary)
        middle = QHBoxLayout()
        middle.setSpacing(16)
        middle.addWidget(self.lat_bar, 1)
        middle.addWidget(self.glute_bar, 1)
        middle.addWidget(self.gauge, 1)
        middle.addWidget(self.other, 3)  # four sensors: the other sling's bars and gauge in the same row
        middle.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._levels_stack(middle), 1)
        lay.addWidget(self.onset_label)
        lay.addWidget(self.reward)

    def set_sizes(self, sizes: TextSizes) -> None:
        """Size every text: words at `sizes.text_px`, the countdown's digits `sizes.digits_px` tall, the
        bars' and the gauge's labels from `text_px` down to `smallest_px` as their columns allow."""
        if sizes == self.sizes:
            return
        self.sizes = sizes
        base = self.font()
        for label, bold in ((self.banner.phase, True), (self.banner.rep, False), (self.summary.score, True),
                            (self.onset_label, True), (self.reward, True)):
            label.setFont(pixel_font(base, sizes.text_px, bold))
        self.banner.countdown.set_digit_px(sizes.digits_px)
        line = math.ceil(QFontMetricsF(pixel_font(base, sizes.text_px)).lineSpacing())
        self.onset_label.setFixedHeight(2 * line)  # the longest cues ('...: glute late') take two lines
        self.reward.setFixedHeight(line)  # held when empty: the bars keep their height as it comes and goes
        for bar in (self.lat_bar, self.glute_bar, *self.other.bars()):
            bar.set_text_px(sizes.text_px, sizes.smallest_px)
        for gauge in (self.gauge, self.other.gauge):
            gauge.set_text_px(sizes.text_px, sizes.smallest_px)
        self.other.symmetry.setFont(pixel_font(base, sizes.smallest_px, False))
        if self.alternative is not None:
            self.alternative.set_text_px(sizes.text_px, sizes.smallest_px)

    def set_alternative(self, view: SlingView) -> None:
        """The sling view, its words sized as the bars' are (they were the feedback column's, too small
        to read from across the room)."""
        super().set_alternative(view)
        if self.sizes is not None:
            view.set_text_px(self.sizes.text_px, self.sizes.smallest_px)

    def show_figures(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                     warning: str = "") -> None:
        # one size for both bars' labels: each fits its neighbour's title too
        self.lat_bar.fit_also, self.glute_bar.fit_also = (glute_label,), (lat_label,)
        super().show_figures(fig, lat_label, glute_label, warning)

    def show_phase(self, phase: str, remaining_s: float, rep: int, reps: int, cue: str) -> None:
        super().show_phase(phase, remaining_s, rep, reps, cue)
        # 'Rep 10/10': with '10 Contract' and 'Rep 10 of 10' one row was wider than a 1024 px window
        # at 16' (DejaVu Sans), and the rep wrapped onto a second line taken from the bars
        text = f"Rep {rep + 1}/{reps}" if 0 <= rep < reps else ""
        if self.banner.rep.text() != text:
            self.banner.rep.setText(text)

    def show_set_summary(self, summary: SetSummary | None) -> None:
        super().show_set_summary(summary)
        for label in (self.summary.title, self.summary.latency, self.summary.cue):
            label.setVisible(False)
        if summary is not None:  # one line: '(8 planned)' is the therapist's
            self.summary.score.setText(summary.score_line(planned=False))

    def texts_mm(self, px_mm: float) -> dict[str, float]:
        """The capital height (mm) of each text the client acts on that is on show, by its text (the
        countdown's by its digits), at `px_mm` px per mm."""
        out: dict[str, float] = {}
        countdown = self.banner.countdown
        if countdown.isVisible() and countdown.text:
            out[countdown.text] = countdown.digit_height_px() / px_mm
        for label in (self.banner.phase, self.banner.rep, self.summary.score, self.onset_label, self.reward):
            if label.isVisible() and label.text():
                out[label.text()] = QFontMetricsF(label.font()).capHeight() / px_mm
        return out


class ClientScreen(QWidget):
    """The client's window: a `ClientFeedbackView` with its text sized for `distance_m` on the screen it
    is on (again on a resize or a move to another screen). The same feed calls as `FeedbackView` (it is a
    `feedback_sink.FeedbackSink`). F11 toggles full screen, Esc leaves it, F10 closes it (as in the main
    window); closing hides the window and emits `closed`."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None, distance_m: float = VIEWING_DISTANCE_M) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.distance_m = distance_m
        self.setWindowTitle("emgcoach — client screen")
        # closing the main window ends the app, this one open or not
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.view = ClientFeedbackView()
        self.view.set_alternative(SlingView(status_line=False))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        self._watched_screen = False
        self._resize_sizes()

    # ------------------------------------------------------------------ the feed (FeedbackSink)

    def show_figures(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                     warning: str = "") -> None:
        """One frame of feedback (`warning` is the therapist's: not shown here)."""
        self.view.show_figures(fig, lat_label, glute_label, warning)

    def show_other_sling(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                         symmetry: str = "") -> None:
        """Four sensors: the other sling's levels beside the coached one's, and the symmetry line."""
        self.view.show_other_sling(fig, lat_label, glute_label, symmetry)

    def show_phase(self, phase: str, remaining_s: float, rep: int, reps: int, cue: str) -> None:
        """A set under way: the phase, its countdown (s) and the rep (`cue` is the therapist's to give)."""
        self.view.show_phase(phase, remaining_s, rep, reps, cue)

    def show_set_summary(self, summary: SetSummary | None) -> None:
        """The set just ended: its score on top (None: nothing there)."""
        self.view.show_set_summary(summary)

    def hide_phase(self) -> None:
        """No set runs: the countdown goes."""
        self.view.hide_phase()

    def show_onset(self, cue: str) -> None:
        """The last rep's onset order, or a state such as 'waiting for a rep'."""
        self.view.show_onset(cue)

    def show_fatigue(self, text: str) -> None:
        """The set's median-frequency trend: the therapist's to read, not shown to the client."""
        self.view.show_fatigue(text)  # (a view without controls shows none)

    def set_theme(self, theme: Theme) -> None:
        """The bars' and gauge's tracks in the theme's colour (the rest follows the application's palette)."""
        self.view.set_theme(theme)

    def set_style(self, style: FeedbackStyle) -> None:
        """Bars and gauge, or the sling view."""
        self.view.set_style(style)

    def set_sling(self, lat_side: str) -> None:
        """The sling coached, by its lat's side (for the sling view)."""
        self.view.set_sling(lat_side)

    # ------------------------------------------------------------------ sizes

    def px_per_mm(self) -> float:
        """Logical px per physical mm on the screen the window is on."""
        return px_per_mm(self.screen())

    def _resize_sizes(self) -> None:
        screen = self.screen()
        screen_h = screen.availableGeometry().height() if screen is not None else None
        sizes = text_sizes(self.px_per_mm(), self.height(), self.view.font(), self.distance_m, screen_h)
        if sizes.squeezed and (self.view.sizes is None or not self.view.sizes.squeezed):
            logger.warning("a %s px tall screen cannot show the client screen whole at %.0f' from %.1f m: "
                           "text smaller", screen_h, MIN_ARCMIN, self.distance_m)
        self.view.set_sizes(sizes)

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        self._resize_sizes()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        handle = self.windowHandle()
        if handle is not None and not self._watched_screen:  # a move to another screen: its mm, its pixels
            handle.screenChanged.connect(lambda _screen: self._resize_sizes())
            self._watched_screen = True
        self._resize_sizes()

    # ------------------------------------------------------------------ where it goes

    def show_on_best_screen(self, main: QWidget | None = None) -> Placement:
        """Show the window: full screen on a screen that is not `main`'s (the largest other), or, with one
        screen, as a large normal window on it (80 % of it, at least what the content needs)."""
        screens = QGuiApplication.screens()
        here = main.screen() if main is not None else QGuiApplication.primaryScreen()
        main_index = next((i for i, s in enumerate(screens) if s is here or s == here), 0)
        target = choose_screen([_xywh(s) for s in screens], main_index) if screens else None
        if target is None:
            screen = screens[main_index] if screens else None
            if self.isFullScreen():
                self.showNormal()
            if screen is not None:
                avail = screen.availableGeometry()
                want = self.minimumSizeHint().expandedTo(avail.size() * 0.8)
                self.resize(want)
                self.move(avail.center() - self.rect().center())
            self.show()
            self.raise_()
            logger.info("client screen: one screen, shown as a %dx%d window", self.width(), self.height())
            return Placement.WINDOW
        screen = screens[target]
        self.setScreen(screen)
        self.setGeometry(screen.geometry())  # on that screen before it goes full screen, so it stays there
        self.showFullScreen()
        self.raise_()
        logger.info("client screen: full screen on %r", screen.name())
        return Placement.FULL_SCREEN

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F11:
            if self.isFullScreen():
                self.showNormal()
            else:
                self.showFullScreen()
        elif event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()  # Esc only ever leaves full screen: a stray press never fills a screen
        elif event.key() == Qt.Key.Key_F10:  # the window's View > Client screen key: this window has the focus once open
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        was_open = self.isVisible()
        super().closeEvent(event)  # accepted: the window hides, it is kept for the next time
        if was_open:
            self.closed.emit()


def _xywh(screen: QScreen) -> tuple[int, int, int, int]:
    g = screen.geometry()
    return g.x(), g.y(), g.width(), g.height()
