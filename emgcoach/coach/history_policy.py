"""Whether a set goes into a client's history: the history holds only what the client did.

The window asks `history_decision` when a set ends and does what it says; the reason is the status
line's words. No Qt: the rules are tested without a display (`tests/coach/test_history_policy.py`).

- A live set (sensors on the client) that ran to its end is saved.
- A live set cut short (stopped with S, the app quit, another session opened) holds reps the client did:
  saved, marked incomplete (the history shows it as stopped after N reps).
- A replayed set is a look at something already recorded: not saved, unless the user asked for replayed
  sets to be saved (the "Save replayed sets to the client's history" setting), and then only whole
  (a replayed set cut short by a seek, a stop, quitting or the file's end is not saved) and only once
  (the window checks the history for the same set first: `Store.saved_from`).
- A bundled recording (the demo inside the package, or under the project's `recordings/`: test
  sessions, nobody's data) is never saved, whatever the setting.
- A set without reps, or without a client pseudonym, is not saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import emgcoach
from emgcoach.data import demo_recording

# the bundled demo and test sessions: the demo's folder inside the package (wherever it is installed), and
# the project's recordings/ folder (beside the package, in a checkout or an editable install)
BUNDLED_DIRS: tuple[Path, ...] = (
    demo_recording().resolve().parent,
    Path(emgcoach.__file__).resolve().parent.parent / "recordings",
)


class SetEnd(StrEnum):
    """How a set ended."""

    COMPLETE = "complete"  # it ran through all its reps (or its time)
    STOPPED = "stopped"  # the user stopped it (S), or opened another session
    QUIT = "quit"  # the app was closed during it
    SEEK = "seek"  # a replay moved away from it
    FILE_ENDED = "file_ended"  # the replayed file ran out during it


class HistoryAction(StrEnum):
    """What to do with a set that ended."""

    SAVE = "save"
    SAVE_INCOMPLETE = "save_incomplete"  # saved, marked as cut short
    SKIP = "skip"


@dataclass(frozen=True)
class HistoryDecision:
    """What to do with the set, and why in a few words for the status line ('' when it is saved)."""

    action: HistoryAction
    reason: str = ""

    @property
    def saves(self) -> bool:
        return self.action is not HistoryAction.SKIP

    @property
    def complete(self) -> bool:
        return self.action is HistoryAction.SAVE


def is_bundled_recording(path: str | Path | None, bundled_dirs: tuple[Path, ...] = BUNDLED_DIRS) -> bool:
    """Whether `path` is one of the bundled recordings (inside `bundled_dirs`, links resolved)."""
    if path is None:
        return False
    try:
        p = Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return any(p.is_relative_to(d) for d in bundled_dirs)


def history_decision(
    *,
    person: str,
    n_reps: int,
    ended: SetEnd,
    replay: bool,
    save_replays: bool = False,
    bundled: bool = False,
) -> HistoryDecision:
    """Whether a set that ended goes into `person`'s history (see the module docstring).

    n_reps: reps scored; ended: how the set ended; replay: the set was coached on a replayed file;
    save_replays: the user's setting to save replayed sets; bundled: that file is a bundled recording."""
    skip = HistoryAction.SKIP
    if n_reps == 0:
        return HistoryDecision(skip, "no reps")
    if not person:
        return HistoryDecision(skip, "no client pseudonym, not saved")
    if replay:
        if bundled:
            return HistoryDecision(skip, "a bundled recording, never saved to a client's history")
        if ended is not SetEnd.COMPLETE:  # a part of a set already recorded whole: never a set of its own
            return HistoryDecision(skip, f"replayed set {_cut(ended)}, not saved")
        if not save_replays:
            return HistoryDecision(skip, "a replay, not saved (File > Save replayed sets to the client's history)")
        return HistoryDecision(HistoryAction.SAVE)
    if ended is SetEnd.COMPLETE:
        return HistoryDecision(HistoryAction.SAVE)
    return HistoryDecision(HistoryAction.SAVE_INCOMPLETE, f"set {_cut(ended)}, saved as incomplete")


def _cut(ended: SetEnd) -> str:
    return {
        SetEnd.STOPPED: "stopped early",
        SetEnd.QUIT: "cut short by quitting",
        SetEnd.SEEK: "cut short by the seek",
        SetEnd.FILE_ENDED: "cut short by the file's end",
        SetEnd.COMPLETE: "complete",
    }[ended]
