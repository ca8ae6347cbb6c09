"""The two slings compared live, rep by rep, for the feedback column with four sensors: each sling's
rep is found in its own feedback figures (its lat above the floor of its target band: the rep's lead is
on, for MIN_REP_FRAMES frames at least, and its glute up to half its band's floor at some point: the
sling worked, not the lat alone, as in a calibration's lat effort), its glute's and lat's mean level
over that stretch kept, and the latest rep of each sling compared
with Robinson et al. (1987)'s symmetry index (`coach.slings.symmetry_index`), right against left.

The figures are those the bars show (`session.sling_feedback`: %MVC when calibrated, else µV), so the
index compares what the client sees. Levels in µV of two different sensors compare the electrodes as
much as the muscles: the line says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from emgcoach.coach.live_feedback import Figures
from emgcoach.coach.slings import Sling, symmetry_index, symmetry_short

MIN_REP_FRAMES = 10  # frames (at the window's 60 Hz, about 0.17 s) of lat on: shorter is a twitch, not a rep
GLUTE_PART = 0.5  # the glute took part in a rep when it reached this share of its band's floor


@dataclass
class _Rep:
    """One sling's rep in progress: the sums of its levels over its frames."""

    frames: int = 0
    lat: float = 0.0
    glute: float = 0.0
    glute_took_part: bool = False


@dataclass
class LiveSymmetry:
    """Each sling's last rep (mean lat and glute level while its lat was on) and the index between them."""

    last: dict[Sling, tuple[float, float, str]] = field(default_factory=dict)  # (lat, glute, unit)
    _open: dict[Sling, _Rep] = field(default_factory=dict)

    def frame(self, sling: Sling, fig: Figures | None) -> None:
        """One frame of `sling`'s figures: a rep goes on while its lat is at or above its band's floor
        and is kept when the lat drops below it."""
        on = fig is not None and math.isfinite(fig.lat) and math.isfinite(fig.lat_band.lo) and fig.lat >= fig.lat_band.lo
        rep = self._open.get(sling)
        if on and fig is not None:
            rep = self._open.setdefault(sling, _Rep())
            rep.frames += 1
            rep.lat += fig.lat
            rep.glute += fig.glute if math.isfinite(fig.glute) else 0.0
            rep.glute_took_part |= bool(fig.glute >= GLUTE_PART * fig.glute_band.lo)
        elif rep is not None:
            del self._open[sling]
            if rep.frames >= MIN_REP_FRAMES and rep.glute_took_part and fig is not None:
                self.last[sling] = (rep.lat / rep.frames, rep.glute / rep.frames, fig.unit)

    def glute_si_pct(self) -> float | None:
        """The glutes' index over the latest rep of each sling (%, right vs left), None before both."""
        if set(self.last) != set(Sling) or self.last[Sling.LEFT][2] != self.last[Sling.RIGHT][2]:
            return None
        return symmetry_index(self.last[Sling.LEFT][1], self.last[Sling.RIGHT][1])

    def text(self) -> str:
        """The line under the other sling's levels: '' before a rep of each sling."""
        si = self.glute_si_pct()
        if si is None:
            return "" if not self.last else "Symmetry: waiting for a rep of each sling"
        unit = self.last[Sling.LEFT][2]
        note = "" if unit == "%MVC" else " (µV: calibrate to compare the muscles, not the electrodes)"
        return f"Glutes, last reps: SI {si:+.0f} %: {symmetry_short(si)}{note}"
