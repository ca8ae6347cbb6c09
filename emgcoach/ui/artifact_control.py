"""Marking artifacts in a replayed recording: the first 'Mark artifact' shows a stretch to drag over
the artifact on the plots, the second saves it in the recording's sidecar (`io.artifacts`) and shades
it. The work is done in io/; this wires the plots and the status line to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emgcoach.io.artifacts import add_artifact, make_artifact, read_artifacts, spans, write_artifacts

if TYPE_CHECKING:
    from emgcoach.ui.main_window import MainWindow


class ArtifactControl:
    """The replayed file's artifact marks: shown shaded on the plots, added from the plots' selection."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def show_marks(self, path: str | None) -> None:
        """Shade the marks saved beside `path` (none when not replaying a file)."""
        marks, warning = read_artifacts(path) if path else ([], "")
        self.window.plots.set_artifacts(spans(marks))
        if warning:
            self.window.status.setText(warning)

    def mark_selection(self) -> None:
        """First call: a stretch to drag on the plots. Second: save it as an artifact of the replayed file."""
        w = self.window
        if w.replay.replaying is None:
            w.status.setText("Artifacts are marked on a replayed recording: open one first (Ctrl+O)")
            return
        chosen = w.plots.selection_s()
        if chosen is None:
            w.plots.begin_selection()
            w.status.setText("Drag the yellow stretch over the artifact, then Mark artifact again (X)")
            return
        path = w.replay.replaying[0]
        marks, _ = read_artifacts(path)
        try:
            marks = add_artifact(marks, make_artifact(*chosen, note="marked in replay"))
            write_artifacts(path, marks)
        except (ValueError, OSError) as e:
            w.status.setText(f"Artifact not saved: {e}")
            return
        finally:
            w.plots.end_selection()
        self.show_marks(path)  # shaded as the file holds them (to the 0.1 ms it keeps), as analysis reads them
        w.status.setText(f"Artifact {chosen[0]:.1f}-{chosen[1]:.1f} s saved beside {path}: analysis leaves it out")
