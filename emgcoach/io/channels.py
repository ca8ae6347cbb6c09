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
    """Role of one channel given by the user: `index` counts channels across all EMG streams, from 0; or,
    when `name` is set (`--channel LABEL=MUSCLE:SIDE`), the channel of that name (case-insensitive), which
    a reader that picks EMG channels by label (C3D, Nexus CSV) then takes as EMG; index is -1 then."""

    index: int
    muscle: str
    side: str
    name: str = ""


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

    'LABEL=MUSCLE:SIDE' names the channel by its label instead, e.g. 'Voltage.3=lat:left'.
    Raises ValueError with one clear line on bad syntax.
    """
    if "=" in str(text):
        label, _, role = str(text).rpartition("=")
        if not label.strip():
            raise ValueError(f"channel option {text!r}: expected LABEL=MUSCLE:SIDE, e.g. Voltage.3=lat:left")
        by_index = parse_channel_option(f"0:{role}") if role.count(":") == 1 else None
        if by_index is None:
            raise ValueError(f"channel option {text!r}: expected LABEL=MUSCLE:SIDE, e.g. Voltage.3=lat:left")
        return ChannelOverride(index=-1, muscle=by_index.muscle, side=by_index.side, name=label.strip())
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
    elif "medius" in low or "gmed" in tokens or (("glute" in low or "glut" in tokens) and "med" in tokens):
        muscle = "gluteus_medius"
    elif "glute" in low or "gmax" in tokens or "glut" in tokens or "gluteus" in tokens:
        muscle = "gluteus_maximus"
    elif "erector" in low:
        muscle = "erector_spinae"
    elif "oblique" in low:
        muscle = "external_oblique"
    elif "biceps_femoris" in low or "hamstring" in low:
        muscle = "biceps_femoris"
    side = "none"
    if "left" in tokens or "l" in tokens or "lt" in tokens:
        side = "left"
    elif "right" in tokens or "r" in tokens or "rt" in tokens:
        side = "right"
    return muscle, side


def apply_overrides(
    specs: Sequence[ChannelSpec], overrides: Sequence[ChannelOverride] | None, source: str, offset: int = 0
) -> tuple[ChannelSpec, ...]:
    """Apply the overrides whose index falls in [offset, offset+len(specs)) to `specs`, and those that name
    a channel to the spec of that name."""
    out = list(specs)
    for ov in overrides or ():
        if ov.name:
            for k, spec in enumerate(out):
                if spec.name.lower() == ov.name.lower():
                    out[k] = replace(spec, muscle=ov.muscle, side=ov.side)
            continue
        i = ov.index - offset
        if 0 <= i < len(out):
            out[i] = replace(out[i], muscle=ov.muscle, side=ov.side)
    return tuple(out)


def check_override_indices(overrides: Sequence[ChannelOverride] | None, n_channels: int, source: str) -> None:
    """Refuse overrides naming a channel index the file does not have (names: `check_override_names`)."""
    for ov in overrides or ():
        if ov.name:
            continue
        if not 0 <= ov.index < n_channels:
            raise InputError(
                source,
                f"channel override {ov.index}:{ov.muscle}:{ov.side} names channel {ov.index}, "
                f"but the file has {n_channels} EMG channel(s) (0..{n_channels - 1})",
            )


def check_override_names(overrides: Sequence[ChannelOverride] | None, names: Sequence[str], source: str) -> None:
    """Refuse `--channel LABEL=...` overrides whose label is no channel of the recording."""
    have = {n.lower() for n in names}
    for ov in overrides or ():
        if ov.name and ov.name.lower() not in have:
            listed = ", ".join(list(names)[:20]) + (" ..." if len(names) > 20 else "")
            raise InputError(source, f"--channel {ov.name}={ov.muscle}:{ov.side}: no channel named {ov.name!r} ({listed})")
