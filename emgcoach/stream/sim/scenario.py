"""Scripted sessions for the simulator: bursts per channel, levels, and the markers a drill runner logs.

A `Scenario` is data only (frozen); `activation_at` in `sim.signal` turns it into ground-truth activation
and `sim.session.simulate` / `sim.source.SimulatorSource` into samples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from emgcoach.types import ChannelSpec, Marker

__all__ = ["Burst", "Scenario", "bird_dog_scenario", "default_levels_uv", "lat_glute_channels", "scripted_scenario"]

# Default (rest µV RMS, full-activation µV RMS) per muscle.
_LEVELS_UV: dict[str, tuple[float, float]] = {
    "latissimus_dorsi": (4.0, 250.0),
    "gluteus_maximus": (3.0, 150.0),
}
_DEFAULT_LEVELS_UV = (3.0, 200.0)


def default_levels_uv(spec: ChannelSpec) -> tuple[float, float]:
    """(rest, full-activation) level in µV RMS for a channel's muscle: lat 4/250, glute max 3/150, else 3/200."""
    return _LEVELS_UV.get(spec.muscle, _DEFAULT_LEVELS_UV)



@dataclass(frozen=True)
class Burst:
    """One activation burst: starts rising at `start_s`, back at rest at `start_s + duration_s`.

    level: activation in 0..1 (fraction of the channel's full-activation level) during the hold.
    The ground-truth onset is `start_s` and the offset `start_s + duration_s` (activation is exactly 0
    outside that interval and rises/falls with raised-cosine ramps inside it).
    """

    start_s: float
    duration_s: float
    level: float = 1.0

    def __post_init__(self) -> None:
        if not (self.duration_s > 0 and math.isfinite(self.duration_s) and math.isfinite(self.start_s)):
            raise ValueError(f"burst needs a finite start and a positive duration, got {self}")
        if not 0.0 <= self.level <= 1.0:
            raise ValueError(f"burst level must be in 0..1, got {self.level}")

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class Scenario:
    """A scripted session: channels, their bursts, levels, and the markers a drill runner would log.

    bursts[c] are channel c's bursts; rest_uv[c] / peak_uv[c] its rest and full-activation levels in
    µV RMS (empty tuples: `default_levels_uv` per muscle). markers are on the session clock (s).
    """

    name: str
    duration_s: float
    channels: tuple[ChannelSpec, ...]
    bursts: tuple[tuple[Burst, ...], ...]
    markers: tuple[Marker, ...] = ()
    rest_uv: tuple[float, ...] = ()
    peak_uv: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.channels)
        if n == 0:
            raise ValueError("scenario has no channels")
        if not (self.duration_s > 0 and math.isfinite(self.duration_s)):
            raise ValueError(f"scenario duration must be positive, got {self.duration_s}")
        if len(self.bursts) != n:
            raise ValueError(f"need one burst list per channel ({n}), got {len(self.bursts)}")
        object.__setattr__(self, "bursts", tuple(tuple(sorted(b, key=lambda x: x.start_s)) for b in self.bursts))
        rest = self.rest_uv or tuple(default_levels_uv(c)[0] for c in self.channels)
        peak = self.peak_uv or tuple(default_levels_uv(c)[1] for c in self.channels)
        if len(rest) != n or len(peak) != n:
            raise ValueError("rest_uv and peak_uv need one value per channel")
        object.__setattr__(self, "rest_uv", tuple(float(v) for v in rest))
        object.__setattr__(self, "peak_uv", tuple(float(v) for v in peak))
        object.__setattr__(self, "markers", tuple(sorted(self.markers, key=lambda m: m.time_s)))

    @property
    def n_channels(self) -> int:
        return len(self.channels)


def scripted_scenario(
    bursts: Sequence[Sequence[Burst | tuple[float, float] | tuple[float, float, float]]]
    | Mapping[int, Sequence[Burst | tuple[float, float] | tuple[float, float, float]]],
    channels: Sequence[ChannelSpec] | None = None,
    duration_s: float | None = None,
    name: str = "scripted",
    markers: Sequence[Marker] = (),
    rest_uv: Sequence[float] = (),
    peak_uv: Sequence[float] = (),
    tail_s: float = 2.0,
) -> Scenario:
    """A scenario from per-channel burst lists (Burst or (start_s, duration_s[, level]) tuples).

    bursts: a sequence (one list per channel) or a mapping channel index -> list. channels default to
    left lat + right glute max when there are two, else generic 'ch<i>'. duration_s defaults to the last
    burst's end + tail_s (at least tail_s).
    """
    if isinstance(bursts, Mapping):
        n = (max(bursts) + 1) if bursts else (len(channels) if channels else 1)
        if channels is not None:
            n = max(n, len(channels))
        per = [list(bursts.get(c, ())) for c in range(n)]
    else:
        per = [list(b) for b in bursts]
    if channels is None:
        if len(per) == 2:
            channels = (
                ChannelSpec("lat_L", "latissimus_dorsi", "left"),
                ChannelSpec("glute_R", "gluteus_maximus", "right"),
            )
        else:
            channels = tuple(ChannelSpec(f"ch{i}") for i in range(len(per)))
    channels = tuple(channels)
    while len(per) < len(channels):
        per.append([])
    parsed = tuple(tuple(b if isinstance(b, Burst) else Burst(*b) for b in lst) for lst in per)
    if duration_s is None:
        end = max((b.end_s for lst in parsed for b in lst), default=0.0)
        duration_s = end + tail_s if end > 0 else max(tail_s, 1.0)
    return Scenario(
        name=name,
        duration_s=float(duration_s),
        channels=channels,
        bursts=parsed,
        markers=tuple(markers),
        rest_uv=tuple(rest_uv),
        peak_uv=tuple(peak_uv),
    )


def lat_glute_channels(lat_side: str = "left") -> tuple[ChannelSpec, ChannelSpec]:
    """The coached pair: latissimus dorsi on `lat_side` ('lat_L' / 'lat_R'), gluteus maximus opposite."""
    if lat_side not in ("left", "right"):
        raise ValueError("lat_side must be 'left' or 'right'")
    glute_side = "right" if lat_side == "left" else "left"
    return (
        ChannelSpec(f"lat_{lat_side[0].upper()}", "latissimus_dorsi", lat_side),
        ChannelSpec(f"glute_{glute_side[0].upper()}", "gluteus_maximus", glute_side),
    )


def bird_dog_scenario(
    reps: int = 8,
    hold_s: float = 3.0,
    rest_s: float = 3.0,
    glute_latency_ms: float = 80.0,
    lead_in_s: float = 3.0,
    lat_side: str = "left",
    seed: int = 0,
    latency_jitter_ms: float = 0.0,
    lat_level: float = 1.0,
    glute_level: float = 1.0,
) -> Scenario:
    """Bird dog: lat on `lat_side` (channel 0) and the contralateral glute max (channel 1).

    Timeline: `lead_in_s` of rest; then rep i (0-based) starts at lead_in_s + i * (hold_s + rest_s): the
    lat bursts at the rep start, the glute `latency` ms later, both hold, and both release together at
    rep start + hold_s (so the glute's burst is shorter by the latency); then rest_s of rest. latency =
    glute_latency_ms + N(0, latency_jitter_ms) per rep, drawn from `seed` (deterministic), kept >= 0 and
    shorter than the hold. Duration: lead_in_s + reps * (hold_s + rest_s).

    Markers: `drill_start` at lead_in_s (payload: drill, reps, hold_s, rest_s, lat_channel, glute_channel),
    one `rep` per rep at the lat onset (payload: index, lat_onset_s, glute_onset_s, latency_ms, offset_s),
    `drill_end` at the last release.
    """
    channels = lat_glute_channels(lat_side)
    if reps < 0 or hold_s <= 0 or rest_s < 0 or lead_in_s < 0:
        raise ValueError("bird_dog_scenario: need reps >= 0, hold_s > 0, rest_s >= 0, lead_in_s >= 0")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xB1D]))
    jitter = rng.standard_normal(reps) * latency_jitter_ms if latency_jitter_ms > 0 else np.zeros(reps)
    lat_b: list[Burst] = []
    glute_b: list[Burst] = []
    markers: list[Marker] = [
        Marker(
            float(lead_in_s),
            "drill_start",
            {"drill": "bird_dog", "reps": int(reps), "hold_s": float(hold_s), "rest_s": float(rest_s),
             "lat_channel": 0, "glute_channel": 1},
        )
    ]
    end = float(lead_in_s)
    for i in range(reps):
        t_rep = float(lead_in_s + i * (hold_s + rest_s))
        lat_ms = float(np.clip(glute_latency_ms + jitter[i], 0.0, 0.9 * hold_s * 1000.0))
        lat, glute, marker = _bird_dog_rep(i, t_rep, hold_s, lat_ms, lat_level, glute_level)
        lat_b.append(lat)
        glute_b.append(glute)
        markers.append(marker)
        end = t_rep + hold_s
    markers.append(Marker(end, "drill_end", {"drill": "bird_dog", "reps": int(reps)}))
    return Scenario(
        name="bird_dog",
        duration_s=float(lead_in_s + reps * (hold_s + rest_s)) or 1.0,
        channels=channels,
        bursts=(tuple(lat_b), tuple(glute_b)),
        markers=tuple(markers),
    )


def _bird_dog_rep(
    i: int, t_rep: float, hold_s: float, lat_ms: float, lat_level: float, glute_level: float
) -> tuple[Burst, Burst, Marker]:
    """Rep i of a bird dog: the lat's burst, the glute's (starting lat_ms later, ending with the lat's) and
    the `rep` marker carrying both onsets."""
    t_glute = t_rep + lat_ms / 1000.0
    t_off = t_rep + hold_s
    marker = Marker(
        t_rep,
        "rep",
        {"index": i, "lat_onset_s": t_rep, "glute_onset_s": t_glute, "latency_ms": lat_ms, "offset_s": t_off},
    )
    return Burst(t_rep, hold_s, lat_level), Burst(t_glute, t_off - t_glute, glute_level), marker
