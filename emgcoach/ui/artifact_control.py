"""Marking artifacts in a replayed recording, and taking marks off again: a drag across the plots
selects a stretch (`ui.time_selection`), Mark artifact (X, or the plots' right-click menu) saves it in the
recording's sidecar (`io.artifacts`) and shades it; Remove artifact mark (Shift+X, or a right click on a
shaded stretch) deletes a mark from the sidecar and its shading. Analysis, reports and `analyze` read
the sidecar, and a set coached in the replay is told of every change (`DrillControl.marks_changed`), so
they all leave out exactly what is shaded. The work is done in io/; this wires the plots, a
menu and the status line to it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from emgcoach.coach.history_policy import is_bundled_recording
from emgcoach.io.artifacts import (
    Artifact,
    add_artifact,
    make_artifact,
    read_artifacts,
    spans,
    write_artifacts,
)

if TYPE_CHECKING:
    from emgcoach.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

HINT = "Drag across the signal to select a stretch; X marks it as an artifact, right-click for more"


def stretch(t0: float, t1: float) -> str:
    return f"{t0:.1f}-{t1:.1f} s"


class ArtifactControl:
    """The replayed file's artifact marks: shown shaded on the plots, added from the plots' selection,
    removed from the plots' menu or File menu. `menu` is the plots' right-click menu last shown."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.path: str | None = None  # the replayed file whose marks are shown
        self.spans: list[tuple[float, float]] = []  # its marks (session s), as analysis reads them
        self.menu: QMenu | None = None
        selection = window.plots.selection
        selection.on_change = self._selection_changed
        selection.on_context = self.context_menu

    def show_marks(self, path: str | None) -> None:
        """Shade the marks saved beside `path` and let a stretch be selected (none when not replaying)."""
        self.path = path
        plots = self.window.plots
        plots.selection.enable(path is not None, HINT)
        plots.end_selection()
        marks, warning = read_artifacts(path) if path else ([], "")
        self.spans = spans(marks)
        plots.set_artifacts(self.spans)
        self.window.drills.marks_changed(self.spans)  # a set under way sorts its reps again
        if warning:
            self.window.status.setText(warning)

    def mark_selection(self) -> None:
        """Save the stretch selected on the plots as an artifact of the replayed file; without one, put
        up a stretch to drag over the artifact (then Mark artifact again saves it)."""
        w = self.window
        if self.path is None:
            w.status.setText("Artifacts are marked on a replayed recording: open one first (Ctrl+O)")
            return
        if is_bundled_recording(self.path):  # its folder is the installed package's (or a frozen app's temp)
            w.status.setText("The bundled sessions are kept as shipped: mark artifacts on a recording of your own "
                             "(Ctrl+O)")
            return
        chosen = w.plots.selection_s()
        if chosen is None:
            w.plots.begin_selection()
            w.status.setText("Drag across the signal (or the yellow stretch's edges) over the artifact, "
                             "then Mark artifact again (X)")
            return
        marks, _ = read_artifacts(self.path)
        try:
            write_artifacts(self.path, add_artifact(marks, make_artifact(*chosen, note="marked in replay")))
        except (ValueError, OSError) as e:
            w.status.setText(f"Artifact not saved: {e}")
            return
        w.plots.end_selection()
        self.show_marks(self.path)  # shaded as the file holds them (to the 0.1 ms it keeps), as analysis reads them
        w.status.setText(f"Artifact {stretch(*chosen)} saved beside {self.path}: analysis leaves it out")

    def remove_marks(self) -> None:
        """Remove the marks the selected stretch touches; without a selection, the one mark in view."""
        w = self.window
        if self.path is None:
            w.status.setText("Artifact marks belong to a replayed recording: open one first (Ctrl+O)")
            return
        marks, _ = read_artifacts(self.path)
        chosen = w.plots.selection_s()
        if chosen is None:
            now = w.plots.now_t
            chosen = (now - w.plots.window_s, now)
        targets = [m for m in marks if m.overlaps(*chosen)]
        if not targets:
            w.status.setText("No artifact mark here: select across one (drag), or right-click a shaded stretch")
        elif len(targets) > 1 and w.plots.selection_s() is None:
            w.status.setText(f"{len(targets)} artifact marks in view: select across the ones to remove (drag), "
                             "or right-click one")
        else:
            self.remove(targets)

    def remove(self, targets: list[Artifact]) -> None:
        """Delete these marks from the replayed file's sidecar and their shading."""
        w = self.window
        if self.path is None:
            return
        marks, _ = read_artifacts(self.path)
        gone = {(m.start_s, m.end_s) for m in targets}
        try:
            write_artifacts(self.path, [m for m in marks if (m.start_s, m.end_s) not in gone])
        except OSError as e:
            logger.exception("artifact marks of %s not written", self.path)
            w.status.setText(f"Artifact mark not removed: {e}")
            return
        w.plots.end_selection()
        self.show_marks(self.path)
        what = ", ".join(stretch(m.start_s, m.end_s) for m in targets)
        w.status.setText(f"Artifact mark {what} removed from {self.path}: analysis counts it again")

    def context_menu(self, t_s: float, screen_pos: QPoint) -> QMenu:
        """The plots' right-click menu at session time `t_s`: mark the selection, remove the mark there."""
        menu = QMenu(self.window)
        chosen = self.window.plots.selection_s()
        if chosen is not None:
            menu.addAction(f"Mark {stretch(*chosen)} as artifact (X)", self.mark_selection)
        marks, _ = read_artifacts(self.path) if self.path else ([], "")
        for m in marks:
            if m.start_s <= t_s <= m.end_s:
                menu.addAction(f"Remove artifact mark {stretch(m.start_s, m.end_s)}",
                               lambda m=m: self.remove([m]))
        if menu.isEmpty():
            menu.addAction("Drag across the signal to select a stretch to mark").setEnabled(False)
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = menu
        menu.popup(screen_pos)
        return menu

    def _selection_changed(self) -> None:
        chosen = self.window.plots.selection_s()
        if chosen is not None:
            self.window.status.setText(f"Selected {stretch(*chosen)}: X marks it as an artifact "
                                       "(right-click: more)")
