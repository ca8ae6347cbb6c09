"""All known sensor profiles, looked up by kind or matched against an advertisement."""

from __future__ import annotations

from typing import Mapping, Sequence

from . import bitalino, ganglion, myoware, npg, open_profile, umyo
from .base import DeviceProfile

# Order matters for advertisement matching: more specific profiles first.
PROFILES: list[DeviceProfile] = [
    umyo.PROFILE,
    ganglion.PROFILE,
    bitalino.PROFILE,
    npg.PROFILE,
    myoware.VALUE_PROFILE,
    myoware.UART_PROFILE,
    open_profile.PROFILE,
]


def profile_for(kind: str) -> DeviceProfile:
    """The profile of a device kind ('umyo', 'ganglion', ...); KeyError listing the known kinds."""
    for p in PROFILES:
        if p.kind == kind:
            return p
    known = ", ".join(p.kind for p in PROFILES)
    raise KeyError(f"unknown device kind {kind!r}; known kinds: {known}")


def match_advertisement(
    name: str | None,
    service_uuids: Sequence[str] | None = None,
    manufacturer_data: Mapping[int, bytes] | None = None,
) -> DeviceProfile | None:
    """The first profile whose advertisement rules match, or None."""
    for p in PROFILES:
        if p.matches(name, service_uuids or [], manufacturer_data or {}):
            return p
    return None
