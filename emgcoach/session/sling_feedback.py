"""What the feedback column shows for a lat and an opposite glute, read off a running engine without Qt:
the newest 2 s of each muscle's low-lag envelope (µV, or %MVC when calibrated and shown so) on one clock,
each muscle's rest and reference level when there is no calibration, and the figures made of them
(`coach.live_feedback.figures`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from emgcoach.coach.drills import Drill
from emgcoach.coach.live_feedback import Figures, drill_bands, figures, rest_and_reference
from emgcoach.stream.engine import Engine

Channel = tuple[int, int]  # (stream, channel)
WINDOW_S = 2.0  # the gauge's window, and what the bars read their level from
REST_HISTORY_S = 30.0  # without calibration, rest and reference come from this much envelope
REST_EVERY_S = 1.0  # ... taken again this often, in wall-clock s (a percentile over 30 s moves slowly)
LIVE_STATES = {"running", "streaming"}  # a stream whose samples keep coming (file or simulator; sensor)


def calibration_in_use(engine: Engine, lat: Channel, glute: Channel) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Each muscle's (rest, MVC) in µV when both are calibrated with an MVC above rest, else None."""
    cal_l, cal_g = engine.calibration_uv(*lat), engine.calibration_uv(*glute)
    if cal_l is None or cal_g is None:
        return None
    if not all(math.isfinite(v) for v in (*cal_l, *cal_g)) or cal_l[1] <= cal_l[0] or cal_g[1] <= cal_g[0]:
        return None
    return cal_l, cal_g


class SlingFeedback:
    """The feedback figures of one lat + glute pair, refreshed as often as the window draws them; keeps
    the uncalibrated rest and reference levels between calls."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.rest_uv = (math.nan, math.nan)
        self.reference_uv = (math.nan, math.nan)
        self._clock = clock
        self._rest_at_s = -math.inf

    def figures(self, engine: Engine, lat: Channel, glute: Channel, drill: Drill, in_pct: bool) -> Figures | None:
        """The figures now; None before both muscles have samples. `in_pct`: show %MVC when calibrated
        (else µV, with the calibrated targets carried into µV)."""
        cal = calibration_in_use(engine, lat, glute)
        pct = cal is not None and in_pct
        pair = self._newest(engine, lat, glute, pct)
        if pair is None:
            return None
        a, b, rate = pair
        now = self._clock()
        if cal is None and (now - self._rest_at_s >= REST_EVERY_S or not math.isfinite(self.rest_uv[0])):
            self.rest_uv, self.reference_uv = self._rest_levels(engine, lat, glute)
            self._rest_at_s = now
        levels = cal if cal is not None and not pct else None
        return figures(a, b, rate, pct, self.rest_uv, targets=drill_bands(drill), calibration_uv=levels,
                       reference_uv=self.reference_uv)

    @staticmethod
    def _newest(engine: Engine, lat: Channel, glute: Channel, pct: bool) -> tuple[np.ndarray, np.ndarray, float] | None:
        """The last WINDOW_S of both muscles' low-lag envelopes (a bar answers a contraction in
        milliseconds, not the 6 Hz envelope's ~80 ms), the glute's put on the lat's sample times."""
        bl, bg = engine.buffers(lat[0]), engine.buffers(glute[0])
        ring_l = bl.pct_mvc if pct else bl.lowlag
        ring_g = bg.pct_mvc if pct else bg.lowlag
        el, end_l = ring_l.latest(int(WINDOW_S * bl.rate_hz))
        # one sensor for both muscles: one read, so both channels cover the same samples (the ring is
        # being written meanwhile: two reads can differ in length)
        eg, end_g = (el, end_l) if ring_g is ring_l else ring_g.latest(int(WINDOW_S * bg.rate_hz))
        if len(el) == 0 or len(eg) == 0:
            return None
        a, b = el[:, lat[1]].astype(float), eg[:, glute[1]].astype(float)
        if lat[0] != glute[0]:  # two sensors: put the glute on the lat's sample times
            tl = bl.time_of(np.arange(end_l - len(a), end_l))
            tg = bg.time_of(np.arange(end_g - len(b), end_g))
            b = np.interp(tl, tg, b, left=np.nan, right=np.nan)
        return a, b, bl.rate_hz

    @staticmethod
    def _rest_levels(engine: Engine, lat: Channel, glute: Channel) -> tuple[tuple[float, float], tuple[float, float]]:
        """Without calibration: each muscle's rest and reference level over the last 30 s (µV)."""
        bl, bg = engine.buffers(lat[0]), engine.buffers(glute[0])
        hist_l, _ = bl.lowlag.latest(int(REST_HISTORY_S * bl.rate_hz))
        hist_g, _ = bg.lowlag.latest(int(REST_HISTORY_S * bg.rate_hz))
        (rl, fl) = rest_and_reference(hist_l[:, lat[1]], bl.rate_hz)
        (rg, fg) = rest_and_reference(hist_g[:, glute[1]], bg.rate_hz)
        return (rl, rg), (fl, fg)


def still(engine: Engine, lat: Channel, glute: Channel) -> bool:
    """Whether the bars stand still: a paused or ended replay, a sensor reconnecting or failed."""
    clock = engine.replay_clock
    return (clock is not None and clock.paused) or any(
        engine.stream_stats(s).state not in LIVE_STATES for s in {lat[0], glute[0]})
