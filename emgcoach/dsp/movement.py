"""When a joint starts to move, from a goniometer's angle trace: an independent reference for EMG onsets.

A movement is an excursion from one plateau of the angle towards the other: the trace rises from below
25 % of its range (5th to 95th percentile) to above 75 % (or falls, for `direction` -1). Its onset is the
first sample after the excursion's starting extreme (the lowest point in the 2 s before the 75 % crossing)
at which the angle has moved MOVE_DEG, or 5 % of the range if that is more, away from it. Degrees in,
seconds out.
"""

from __future__ import annotations

import numpy as np

MOVE_DEG = 2.0  # a goniometer's noise and strap slip stay well below this
LOOK_BACK_S = 2.0


def movement_onsets(times_s: np.ndarray, angle_deg: np.ndarray, direction: int = 1) -> list[float]:
    """Times (s) at which each movement of the joint in `direction` (+1: the angle increases, -1: it
    decreases) begins."""
    t = np.asarray(times_s, dtype=np.float64)
    a = direction * np.asarray(angle_deg, dtype=np.float64)
    ok = np.isfinite(a)
    t, a = t[ok], a[ok]
    if len(a) < 3:
        return []
    rate = (len(t) - 1) / (t[-1] - t[0]) if t[-1] > t[0] else 1.0
    lo, hi = np.percentile(a, [5.0, 95.0])
    span = hi - lo
    if span < MOVE_DEG:
        return []
    low, high = a < lo + 0.25 * span, a > lo + 0.75 * span
    out = []
    armed = False
    for i in range(len(a)):
        if low[i]:
            armed = True
        elif armed and high[i]:
            armed = False
            s = max(0, i - int(LOOK_BACK_S * rate))
            m = s + int(np.argmin(a[s:i]))
            moved = np.flatnonzero(a[m : i + 1] > a[m] + max(MOVE_DEG, 0.05 * span))
            out.append(float(t[m + moved[0]]))
    return out


def onset_leads_ms(emg_onsets_s: list[float], movements_s: list[float], window_s: tuple[float, float] = (1.0, 0.2)) -> list[float]:
    """For each movement, how long before it (ms, positive = EMG first) the muscle's last onset came,
    looking from window_s[0] before the movement to window_s[1] after it; movements without an onset
    there get no entry."""
    on = np.sort(np.asarray(emg_onsets_s, dtype=np.float64))
    out = []
    for m in movements_s:
        cand = on[(on >= m - window_s[0]) & (on <= m + window_s[1])]
        if len(cand):
            out.append(float((m - cand[-1]) * 1000.0))
    return out
