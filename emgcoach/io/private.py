"""Files that hold health data are readable by their owner only (mode 0600): recordings, reports, the
history database. One opener for all of them, which also makes an existing file private when it is
written over (O_CREAT's mode applies only to a file it creates)."""

from __future__ import annotations

import os
from typing import BinaryIO

PRIVATE = 0o600


def open_private(path: str | os.PathLike[str], truncate: bool = True) -> int:
    """A file descriptor of `path` open for writing, created with mode 0600, truncated unless told not to,
    and set to 0600 if it existed with another mode. OSError as os.open raises it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else 0)
    fd = os.open(path, flags, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
    except (OSError, AttributeError):  # no Unix modes here (FAT, some shares; Windows): write it anyway
        pass
    return fd


def private_file(path: str | os.PathLike[str]) -> BinaryIO:
    """`path` opened for writing (binary), created or truncated, readable by its owner only."""
    return os.fdopen(open_private(path), "wb")


def make_private(path: str | os.PathLike[str]) -> None:
    """Create `path` empty if it does not exist, and make it readable by its owner only, before anything
    else (SQLite, say) writes a byte into it."""
    os.close(open_private(path, truncate=False))
