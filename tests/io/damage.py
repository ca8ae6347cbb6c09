"""Damaging a good file the way a fuzz test does (cut, overwrite, insert or delete bytes at random
places), and what a reader must then do: read it, or say in one line naming the file what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from hypothesis import strategies as st

from emgcoach.errors import InputError
from emgcoach.io.recording import Recording

OPS = ("cut", "set", "insert", "delete")


def edits(alphabet: Iterable[int], ops: Sequence[str] = OPS, max_index: int = 10**6) -> st.SearchStrategy:
    """1-4 edits: (where, what, byte), `byte` drawn from `alphabet` (the characters the format is made of)."""
    return st.lists(st.tuples(st.integers(0, max_index), st.sampled_from(list(ops)), st.sampled_from(list(alphabet))),
                    min_size=1, max_size=4)


def damaged(seed: bytes, changes: list[tuple[int, str, int]]) -> bytes:
    """`seed` with the edits applied in turn (an index past the end wraps round)."""
    data = bytearray(seed)
    for i, op, v in changes:
        i = i % max(len(data), 1)
        if op == "cut":
            del data[i:]
        elif op == "set" and data:
            data[i] = v
        elif op == "insert":
            data[i:i] = bytes([v])
        elif op == "delete":
            del data[i : i + 1 + v % 8]
    return bytes(data)


def read_or_one_line(path: str, *readers: Callable[[str], Recording], named: str | None = None) -> None:
    """Each reader reads `path` into finite float32 samples at a positive rate, or raises InputError whose
    one line starts with `named` (default `path`); anything else fails the test."""
    for read in readers:
        try:
            rec = read(path)
        except InputError as e:
            assert str(e).startswith(named or path) and "\n" not in str(e)
            continue
        for s in rec.streams:
            assert s.data.dtype == np.float32 and np.all(np.isfinite(s.data)) and s.info.rate_hz > 0
