"""Which files a batch analyses: the paths given, and the recordings found in the folders given.

A file named on the command line is always taken (a missing or unreadable one becomes an error row). In a
folder, searched recursively in name order, a file is taken when its name ends in a suffix that
`io.open.detect_format` reads by extension (`detected_suffixes`). Text formats recognised by their first line
(OpenBCI GUI, OpenSignals, DataLOG: `.txt`) are taken only when `detect_format` recognises them by it, so
a `notes.txt` beside the recordings is no failed file (delimited text saved as `.txt` is taken when named).
Hidden files and folders, and the sidecar tables of a BIDS dataset (`*_channels.tsv`, `*_events.tsv`, ...),
are not recordings and are skipped; a BIDS dataset's root (it holds `dataset_description.json`) gives its
raw recordings only, not its derivatives/ or sourcedata/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from emgcoach.errors import InputError

# Suffixes of formats recognised by content: taken from a folder only when detection says so.
CONTENT_SUFFIXES: tuple[str, ...] = (".txt",)
# What detect_format calls any text with a delimiter in its first line: a `.txt` found in a folder must be
# one of the text formats known by their header, or a `notes.txt` holding "Hello, world" would be read.
GENERIC_FORMATS: frozenset[str] = frozenset({"csv"})
# BIDS tables that sit beside the recordings (BIDS 1.11, EMG extension), and csv_export's markers file.
SIDECAR_ENDINGS: tuple[str, ...] = ("_channels.tsv", "_events.tsv", "_scans.tsv", "_electrodes.tsv",
                                    "_sessions.tsv", "_markers.csv")
SIDECAR_NAMES: tuple[str, ...] = ("participants.tsv", "samples.tsv")
BIDS_DESCRIPTION = "dataset_description.json"  # a folder holding it is a BIDS dataset's root


@dataclass(frozen=True)
class FoundFile:
    """One file of a batch: `label` as the table shows it (the path as given, or the folder given joined
    with the path inside it) and `path`, absolute, for the worker that reads it (a Dask worker may run
    in another folder)."""

    label: str
    path: str


def detected_suffixes() -> tuple[str, ...]:
    """The suffixes of the formats `io.open` reads (a reader added there joins folder searches)."""
    from emgcoach.io.open import RECORDING_SUFFIXES

    return RECORDING_SUFFIXES


def _has_suffix(name: str, suffixes: tuple[str, ...]) -> bool:
    low = name.lower()
    return any(low.endswith(s) for s in suffixes)


def _is_sidecar(name: str) -> bool:
    low = name.lower()
    return low in SIDECAR_NAMES or low.endswith(SIDECAR_ENDINGS)


def is_recording_name(path: Path) -> bool:
    """Whether a file met in a folder is taken: a known suffix, not a BIDS sidecar, not hidden, and for
    a content-recognised suffix (.txt) a first line that `detect_format` recognises."""
    from emgcoach.io.open import detect_format

    name = path.name
    if name.startswith(".") or _is_sidecar(name):
        return False
    if _has_suffix(name, detected_suffixes()):
        return True
    if not _has_suffix(name, CONTENT_SUFFIXES):
        return False
    try:
        return detect_format(str(path)) not in GENERIC_FORMATS
    except InputError:
        return False


def _walk(folder: Path) -> list[Path]:
    """Files under `folder`, recursively, in name order; hidden folders are not entered."""
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(root) / f for f in sorted(files))
    return out


def find_recordings(paths: list[str]) -> list[FoundFile]:
    """The files of a batch, in the order given (each folder's recordings in name order), each once.
    A path that is not a folder is taken as it is, existing or not: reading it reports what is wrong."""
    found: list[FoundFile] = []
    seen: set[str] = set()

    def add(label: str, path: Path) -> None:
        absolute = str(path.absolute())
        if absolute not in seen:
            seen.add(absolute)
            found.append(FoundFile(label=label, path=absolute))

    for given in paths:
        p = Path(given)
        if p.is_dir() and (p / BIDS_DESCRIPTION).is_file():  # a BIDS dataset: its raw recordings only
            from emgcoach.io.bids import dataset_recordings

            for f in dataset_recordings(p):
                add(str(f), f)
        elif p.is_dir():
            for f in _walk(p):
                if is_recording_name(f):
                    add(str(f), f)
        else:
            add(given, p)
    return found
