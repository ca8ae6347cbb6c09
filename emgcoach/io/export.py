"""`export`: one door to every export format (EDF+, BDF+, CSV, BIDS-EMG), used by the CLI.

`progress` is an optional callable(done_fraction: float in [0, 1]) called as the export proceeds; an
exception it raises aborts the export and, like any other error, leaves no partial output behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emgcoach.io.recording import Recording

FORMATS = ("edf", "bdf", "csv", "bids")


def export(
    recording: Recording,
    fmt: str,
    out: str | os.PathLike,
    progress: Callable[[float], Any] | None = None,
    **options: Any,
) -> Path:
    """Export `recording` to `out` in `fmt` ('edf', 'bdf', 'csv' or 'bids'); returns the main file written.

    'edf'/'bdf': the EDF+/BDF+ file. 'csv': the (first) data CSV. 'bids': `out` is the dataset root and
    the return value is the EMG data file inside it; options subject=, session=, task= are passed on.
    A file name without the format's extension gets it ('out' -> 'out.edf', 'out.v2' -> 'out.v2.edf'; CSV:
    only a name without any extension); an .edf name for BDF (or .bdf for EDF) is refused. The returned
    path is the one written. Raises ValueError for an unknown format or a mismatched extension.
    """
    f = str(fmt).lower().lstrip(".")
    if options and f not in ("bids", "bids-emg"):
        raise ValueError(f"export to {fmt!r} takes no options ({', '.join(sorted(options))})")
    if f in ("edf", "edf+", "bdf", "bdf+", "csv"):
        out = with_extension(out, f.rstrip("+"))
    if f in ("edf", "edf+", "bdf", "bdf+"):
        from emgcoach.io.edf import write_edf

        return write_edf(recording, out, fmt=f.rstrip("+"), progress=progress)
    if f == "csv":
        from emgcoach.io.csv_export import write_csv

        return write_csv(recording, out, progress=progress)
    if f in ("bids", "bids-emg"):
        from emgcoach.io.bids import write_bids

        return write_bids(recording, out, progress=progress, **options)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def with_extension(out: str | os.PathLike, fmt: str) -> Path:
    """`out` with the extension of `fmt` ('edf', 'bdf' or 'csv') as `export` writes it (see there)."""
    path = Path(out)
    suffix = path.suffix.lower()
    if fmt == "csv":
        return path if suffix else path.with_name(path.name + ".csv")
    if suffix == f".{fmt}":
        return path
    if suffix in (".edf", ".bdf"):
        raise ValueError(f"a {suffix} name for a {fmt.upper()}+ file: name it .{fmt} or export with --to {suffix[1:]}")
    return path.with_name(path.name + f".{fmt}")
