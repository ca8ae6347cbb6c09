"""What several commands share: their file options read the same way (each problem one InputError line
naming the file), notes and warnings on stderr, and the history store."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from emgcoach.errors import InputError
from emgcoach.types import MIN_EMG_RATE_HZ

if TYPE_CHECKING:
    from emgcoach.coach.store import Store
    from emgcoach.io.channels import ChannelOverride
    from emgcoach.io.recording import Recording

UNIT_HELP = ("unit of the columns the file does not label (CSV, XDF, EDF, DataLOG), default uV; a unit the file "
             "states wins (a CSV header 'lat (mV)', an XDF <unit>, an EDF dimension)")
STORE_HELP = "history database (default: emgcoach.sqlite3 in your data folder)"


def channel_options(values: list[str] | None, path: str) -> list[ChannelOverride] | None:
    """--channel INDEX:MUSCLE:SIDE (repeatable) as roles (None when none given); InputError naming `path` if one is bad."""
    from emgcoach.io.channels import parse_channel_option

    out = []
    for v in values or []:
        try:
            out.append(parse_channel_option(v))
        except ValueError as e:
            problem = re.sub(r"^channel option '.*?': ", "", str(e))
            raise InputError(path, f"--channel {v}: {problem}") from None
    return out or None


def rate_option(path: str, text: str | None) -> float | None:
    """--rate as a positive, finite number of Hz (None when not given); InputError naming `path` if not."""
    if text is None:
        return None
    try:
        rate = float(text)
    except ValueError:
        raise InputError(path, f"--rate {text}: not a number (give the sample rate in Hz, e.g. --rate 1000)") from None
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(path, f"--rate {text}: the sample rate must be a positive number of Hz")
    return rate


def check_rate_option(path: str, rate: float) -> None:
    """A `--rate` (Hz) below what EMG analysis needs: InputError (a file's own rate: analysis.check_rates)."""
    if rate < MIN_EMG_RATE_HZ:
        raise InputError(
            path,
            f"--rate {rate:g} Hz is too low: EMG analysis needs at least {MIN_EMG_RATE_HZ:g} Hz "
            "(its band runs from 20 Hz up to 0.45 x rate)",
        )


def unit_option(path: str, text: str | None) -> str | None:
    """--unit as 'uV', 'mV' or 'V' (None when not given); InputError naming `path` if not one of them."""
    if text is None:
        return None
    from emgcoach.io.units import parse_unit

    try:
        return parse_unit(text)
    except ValueError:
        raise InputError(path, f"--unit {text}: give uV, mV or V") from None


def mains_option(path: str, text: str) -> float | None | Literal["auto"]:
    """--mains as "auto", None (off) or 50.0/60.0 Hz; InputError naming `path` if not one of them."""
    value = text.strip().lower()
    if value == "auto":
        return "auto"
    if value == "off":
        return None
    if value in ("50", "60"):
        return float(value)
    raise InputError(path, f"--mains {text}: give auto, off, 50 or 60 (Hz)")


def stderr_note(text: str) -> None:
    """A warning or note for the user: one line on stderr, `emgcoach: TEXT`."""
    print(f"emgcoach: {text}", file=sys.stderr)


def warn_units(recording: Recording, note: Callable[[str], None] = stderr_note) -> None:
    """One line (`note`, default stderr) per likely unit of the columns read as µV without a stated unit (io.units)."""
    from emgcoach.io.units import unit_warnings

    for line in unit_warnings(recording):
        note(f"warning: {line}")


def open_store(path: str | None) -> Store:
    """The history at `path` (None: the default database); an unusable one is a one-line StoreError."""
    from emgcoach.coach.store import Store

    return Store(path)
