"""Where the feedback is shown: the feedback column, and the client screen when it is open, both fed
through one `FeedbackFanout` (`window.feedback_out`); and how the levels are drawn there, as bars with
the gauge or as the sling view (View > Feedback view, remembered)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from emgcoach.ui.client_screen import ClientScreen
from emgcoach.ui.feedback import FeedbackStyle
from emgcoach.ui.feedback_sink import FeedbackFanout
from emgcoach.ui.sling_view import SlingView

if TYPE_CHECKING:
    from emgcoach.ui.main_window import MainWindow

STYLES: dict[str, str] = {FeedbackStyle.BARS: "Bars and gauge", FeedbackStyle.SLING: "Sling (body from behind)"}


class FeedbackDisplay:
    """The window's feedback outputs. `out` is what the window feeds; the client screen joins it while open."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.settings
        window.feedback.set_alternative(SlingView(status_line=False))
        self.out = FeedbackFanout(window.feedback)
        self.client: ClientScreen | None = None
        self.style_actions: dict[str, QAction] = {}
        style = str(self.settings.value("feedback_style", FeedbackStyle.BARS))
        self.style = FeedbackStyle(style) if style in STYLES else FeedbackStyle.BARS
        self.out.set_style(self.style)

    def make_menu(self, view_menu: QMenu) -> None:
        """View > Feedback view (bars or sling) and View > Client screen (F10)."""
        self.style_actions = self.window.preferences.choice_menu(view_menu, "Feedback view", dict(STYLES),
                                                                  str(self.style), self.set_style)
        self.client_action = QAction("Client screen", self.window)
        self.client_action.setCheckable(True)
        self.client_action.setShortcut(QKeySequence("F10"))
        self.client_action.setToolTip("The feedback alone in its own window for the client: full screen on a "
                                      "second monitor when there is one (F10)")
        self.client_action.triggered.connect(self.show_client_screen)
        self.window.addAction(self.client_action)
        view_menu.addAction(self.client_action)

    def set_style(self, style: str) -> None:
        """Draw the levels as bars with the gauge ('bars') or on the body from behind ('sling'); remembered."""
        self.style = FeedbackStyle(style)
        self.settings.setValue("feedback_style", str(self.style))
        self.out.set_style(self.style)
        if str(self.style) in self.style_actions:
            self.style_actions[str(self.style)].setChecked(True)

    def show_client_screen(self, on: bool = True) -> None:
        """Open the client screen (on the other monitor when there is one) or close it; the status line
        says where it went."""
        if not on:
            if self.client is not None:
                self.client.close()
            return
        if self.client is None:
            self.client = ClientScreen()
            self.client.closed.connect(self._client_closed)
        self.out.add(self.client)
        placement = self.client.show_on_best_screen(self.window)
        self.client_action.setChecked(True)
        self.window.status.setText(placement.message)

    def _client_closed(self) -> None:
        if self.client is not None:
            self.out.remove(self.client)
        self.client_action.setChecked(False)
        if self.window.status.text().startswith("Client screen:"):  # where it went no longer holds
            self.window.status.setText("Client screen closed (F10 opens it again)")

    def close(self) -> None:
        """The window closes: so does the client screen."""
        if self.client is not None:
            self.client.closed.disconnect(self._client_closed)
            self.client.close()
            self.client.deleteLater()
            self.client = None
