"""Where the window's feedback goes: one `FeedbackSink` protocol that the feedback column
(`feedback.FeedbackView`) and the client screen (`client_screen.ClientScreen`) both satisfy, and a
`FeedbackFanout` that passes each call on to every sink added to it.

The window calls the fan-out as it calls its feedback view today, once per frame and on each event; a
sink added later (the client screen opened mid-set) is first brought up to date with what the others
show: the theme, the last frame's figures, the onset cue, the set's fatigue trend, and the phase or the
set's summary on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from emgcoach.coach.live_feedback import Figures
    from emgcoach.coach.set_summary import SetSummary
    from emgcoach.ui.feedback import FeedbackStyle
    from emgcoach.ui.theme import Theme


@runtime_checkable
class FeedbackSink(Protocol):
    """What the window tells a feedback display (see `FeedbackView` for what each shows)."""

    def show_figures(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                     warning: str = "") -> None: ...

    def show_other_sling(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                         symmetry: str = "") -> None: ...

    def show_phase(self, phase: str, remaining_s: float, rep: int, reps: int, cue: str) -> None: ...

    def show_set_summary(self, summary: SetSummary | None) -> None: ...

    def hide_phase(self) -> None: ...

    def show_onset(self, cue: str) -> None: ...

    def show_fatigue(self, text: str) -> None: ...

    def set_theme(self, theme: Theme) -> None: ...

    def set_style(self, style: FeedbackStyle) -> None: ...

    def set_sling(self, lat_side: str) -> None: ...


class FeedbackFanout:
    """A `FeedbackSink` that forwards every call to each sink added, in the order they were added.

    It keeps the last of each kind of call so that `add` can bring a new sink up to date; a sink's own
    error is not caught here (a broken display is a bug, and a frame that raises shows it)."""

    def __init__(self, *sinks: FeedbackSink) -> None:
        self.sinks: list[FeedbackSink] = []
        self._theme: Theme | None = None
        self._style: FeedbackStyle | None = None
        self._sling: str | None = None
        self._figures: tuple[Figures | None, str, str, str] | None = None
        self._other: tuple[Figures | None, str, str, str] | None = None  # four sensors: the other sling
        self._onset: str | None = None
        self._fatigue: str | None = None
        self._phase: tuple[str, float, int, int, str] | None = None  # on show, or None
        self._summary: SetSummary | None = None  # on show, or None
        for sink in sinks:
            self.add(sink)

    def add(self, sink: FeedbackSink) -> None:
        """Send `sink` the calls from now on, after what it needs to show what the others show now."""
        if any(s is sink for s in self.sinks):
            return
        if self._theme is not None:
            sink.set_theme(self._theme)
        if self._style is not None:
            sink.set_style(self._style)
        if self._sling is not None:
            sink.set_sling(self._sling)
        if self._figures is not None:
            sink.show_figures(*self._figures)
        if self._other is not None:
            sink.show_other_sling(*self._other)
        if self._onset is not None:
            sink.show_onset(self._onset)
        if self._fatigue is not None:
            sink.show_fatigue(self._fatigue)
        if self._phase is not None:
            sink.show_phase(*self._phase)
        else:  # the summary, or nothing on top: not what it showed when last fed (a countdown stopped mid-set)
            sink.show_set_summary(self._summary)
        self.sinks.append(sink)

    def remove(self, sink: FeedbackSink) -> None:
        """No more calls to `sink` (one not added is ignored)."""
        self.sinks = [s for s in self.sinks if s is not sink]

    def show_figures(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                     warning: str = "") -> None:
        self._figures = (fig, lat_label, glute_label, warning)
        for sink in self.sinks:
            sink.show_figures(fig, lat_label, glute_label, warning)

    def show_other_sling(self, fig: Figures | None, lat_label: str = "Lat", glute_label: str = "Glute",
                         symmetry: str = "") -> None:
        if fig is None and self._other is None:  # one sling, every frame: nothing to pass on
            return
        self._other = None if fig is None else (fig, lat_label, glute_label, symmetry)
        for sink in self.sinks:
            sink.show_other_sling(fig, lat_label, glute_label, symmetry)

    def show_phase(self, phase: str, remaining_s: float, rep: int, reps: int, cue: str) -> None:
        self._phase, self._summary = (phase, remaining_s, rep, reps, cue), None  # (the summary gives way)
        for sink in self.sinks:
            sink.show_phase(phase, remaining_s, rep, reps, cue)

    def show_set_summary(self, summary: SetSummary | None) -> None:
        self._phase, self._summary = None, summary
        for sink in self.sinks:
            sink.show_set_summary(summary)

    def hide_phase(self) -> None:
        self._phase = None  # (a summary on show stays)
        for sink in self.sinks:
            sink.hide_phase()

    def show_onset(self, cue: str) -> None:
        self._onset = cue
        for sink in self.sinks:
            sink.show_onset(cue)

    def show_fatigue(self, text: str) -> None:
        self._fatigue = text
        for sink in self.sinks:
            sink.show_fatigue(text)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        for sink in self.sinks:
            sink.set_theme(theme)

    def set_style(self, style: FeedbackStyle) -> None:
        self._style = style
        for sink in self.sinks:
            sink.set_style(style)

    def set_sling(self, lat_side: str) -> None:
        if lat_side == self._sling:  # asked every frame: only a change goes on
            return
        self._sling = lat_side
        for sink in self.sinks:
            sink.set_sling(lat_side)
