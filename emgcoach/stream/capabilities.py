"""What the engine may ask of a source or a replay clock beyond the `Source` protocol, declared here so
that the engine checks a type instead of probing attributes by name.

A source declares a capability by having its members: `BleSensorSource` (ble/link.py) is a `LinkStatus`
and an `InfoFromData`; `replay.ReplayClock` is a `ReplayClock`. Files, simulators and inlets are neither, and the engine treats
them as running from their first block with no battery or signal figures.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class LinkStatus(Protocol):
    """A live link: its connection state ('connecting' until it streams, then 'streaming', 'reconnecting',
    'closed') and the health it last read at a connection."""

    @property
    def state(self) -> str: ...

    @property
    def battery_pct(self) -> int | None: ...

    @property
    def rssi_dbm(self) -> int | None: ...


@runtime_checkable
class InfoFromData(Protocol):
    """A source whose `info` (rate, channels) may be provisional until its data says what it is (a sensor
    whose packets carry their format): `info_final` is False until then, and True at the latest when it
    yields its first Block. The engine sets such a stream's processing and recording header up from its
    info as it is at its first Block."""

    @property
    def info_final(self) -> bool: ...


class Transport(Protocol):
    """Commands of a replay's transport. Safe to call from the engine's thread (where the engine calls them)."""

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def seek(self, t_s: float) -> None: ...

    def set_speed(self, speed: float | None) -> None: ...


class ReplayClock(Transport, Protocol):
    """A replay's transport and the position the window reads from it."""

    @property
    def speed(self) -> float: ...

    @property
    def paused(self) -> bool: ...

    @property
    def seek_target_s(self) -> float:
        """Where the latest seek went (the start position if none)."""
        ...

    def now_s(self) -> float: ...
