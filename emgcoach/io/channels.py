"""Channel role overrides (`--channel 0:lat:left`) and role guessing from channel names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from emgcoach.errors import InputError
from emgcoach.types import MUSCLES, SIDES, ChannelSpec

MUSCLE_ALIASES = {
    "lat": "latissimus_dorsi",
    "lats": "latissimus_dorsi",
    "latissimus": "latissimus_dorsi",
    "glute": "gluteus_maximus",
    "glutes": "gluteus_maximus",
    "glute_max": "gluteus_maximus",
    "gmax": "gluteus_maximus",
    "glute_med": "gluteus_medius",
    "gmed": "gluteus_medius",
    "erector": "erector_spinae",
    "oblique": "external_oblique",
    "hamstring": "biceps_femoris",
}
SIDE_ALIASES = {"l": "left", "r": "right", "n": "none", "-": "none"}


@dataclass(frozen=True)
class ChannelOverride:
    """Role of one channel given by the user: `index` counts channels across all EMG streams, from 0."""

    index: int
    muscle: str
    side: str


def _muscle(word: str) -> str | None:
    w = word.strip().lower()
    if w in MUSCLES:
        return w
    return MUSCLE_ALIASES.get(w)


def _side(word: str) -> str | None:
    w = word.strip().lower()
    if w in SIDES:
        return w
    return SIDE_ALIASES.get(w)


def parse_channel_option(text: str) -> ChannelOverride:
    """Parse 'INDEX:MUSCLE:SIDE', e.g. '0:latissimus_dorsi:left' or '1:glute:r'.

    Raises ValueError with one clear line on bad syntax.
    """
    parts = str(text).split(":")
    if len(parts) != 3:
        raise ValueError(f"channel option {text!r}: expected INDEX:MUSCLE:SIDE, e.g. 0:lat:left")
    idx_s, muscle_s, side_s = parts
    try:
        index = int(idx_s.strip())
    except ValueError:
        raise ValueError(f"channel option {text!r}: index {idx_s!r} is not a whole number") from None
    if index < 0:
        raise ValueError(f"channel option {text!r}: index must be 0 or more")
    muscle = _muscle(muscle_s)
    if muscle is None:
        raise ValueError(
            f"channel option {text!r}: unknown muscle {muscle_s!r} "
            f"(one of {', '.join(MUSCLES)} or lat/glute)"
        )
    side = _side(side_s)
    if side is None:
        raise ValueError(f"channel option {text!r}: side must be left/right/none (or l/r), not {side_s!r}")
    return ChannelOverride(index=index, muscle=muscle, side=side)


_TOKEN = re.compile(r"[a-z]+")


def guess_role(name: str) -> tuple[str, str]:
    """Guess (muscle, side) from a channel name such as 'lat_left', 'Glute R' or 'EMG1' -> ('other', 'none')."""
    low = name.lower()
    tokens = _TOKEN.findall(low)
    muscle = "other"
    if "lat" in tokens or "latissimus" in low or "lats" in tokens:
        muscle = "latissimus_dorsi"
    elif "medius" in low or "gmed" in tokens or ("glute" in low and "med" in tokens):
        muscle = "gluteus_medius"
    elif "glute" in low or "gmax" in tokens:
        muscle = "gluteus_maximus"
    elif "erector" in low:
        muscle = "erector_spinae"
    elif "oblique" in low:
        muscle = "external_oblique"
    elif "biceps_femoris" in low or "hamstring" in low:
        muscle = "biceps_femoris"
    side = "none"
    if "left" in tokens or "l" in tokens:
        side = "left"
    elif "right" in tokens or "r" in tokens:
        side = "right"
    return muscle, side


def apply_overrides(
    specs: Sequence[ChannelSpec], overrides: Sequence[ChannelOverride] | None, source: str, offset: int = 0
) -> tuple[ChannelSpec, ...]:
    """Apply the overrides whose index falls in [offset, offset+len(specs)) to `specs`."""
    out = list(specs)
    for ov in overrides or ():
        i = ov.index - offset
        if 0 <= i < len(out):
            out[i] = replace(out[i], muscle=ov.muscle, side=ov.side)
    return tuple(out)


def check_override_indices(overrides: Sequence[ChannelOverride] | None, n_channels: int, source: str) -> None:
    """Refuse overrides naming a channel the file does not have."""
    for ov in overrides or ():
        if not 0 <= ov.index < n_channels:
            raise InputError(
                source,
                f"channel override {ov.index}:{ov.muscle}:{ov.side} names channel {ov.index}, "
                f"but the file has {n_channels} EMG channel(s) (0..{n_channels - 1})",
            )
