"""Steps the window tests take in a replay, as a user at the transport would: pause, seek, play."""

from __future__ import annotations

from emgcoach.ui.main_window import MainWindow


def seek_paused(qtbot, w: MainWindow, t_s: float) -> None:
    """Pause, seek to `t_s` (session s) and wait until the clock is there: what plays next starts at t_s."""
    w.engine.pause()
    w.replay.seek(t_s)
    qtbot.waitUntil(lambda: abs(w.engine.replay_clock.now_s() - t_s) < 0.05, timeout=5000)


def play_into_set(qtbot, w: MainWindow, drill_start_s: float) -> None:
    """Play from 1 s before the recorded set, which the window then coaches by itself, until it has begun."""
    seek_paused(qtbot, w, drill_start_s - 1.0)
    w.engine.resume()
    qtbot.waitUntil(lambda: w.drills.runner is not None, timeout=5000)
