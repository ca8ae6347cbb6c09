"""EDF+/BDF+ files as emgcoach wrote them before the JSON annotations (up to commit da372b8): the same
file, with each marker's annotation text '<kind> <key=value ...> <free text>'. A frozen copy of that
encoder, so the tests can make old files for any markers and check they still read to the same markers.
(Checked when it was made: these files are byte-identical to da372b8's for the same recordings.)"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from unittest import mock

from emgcoach.io import edf_writer
from emgcoach.io.recording import Recording
from emgcoach.types import Marker


def _escape(text: str, extra: str = "") -> str:
    out = []
    for ch in text:
        if ch == "%" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch in extra:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out)


def _value_text(v: Any) -> str:
    if isinstance(v, str):
        try:
            json.loads(v)
        except ValueError:
            return _escape(v)
    return _escape(json.dumps(v, separators=(",", ":"), ensure_ascii=False, default=str))


def _plain_words(v: Any) -> bool:
    return (isinstance(v, str) and bool(v) and v == " ".join(v.split())
            and not any("=" in w or "%" in w for w in v.split()))


def old_text(marker: Marker) -> str:
    """The marker's annotation text as emgcoach wrote it up to da372b8."""
    parts = [marker.kind]
    free = ""
    for k, v in marker.payload.items():
        if k == "text" and _plain_words(v):
            free = v
            continue
        parts.append(f"{_escape(str(k), '=')}={_value_text(v)}")
    if free:
        parts.append(free)
    return " ".join(parts)


def write_old_edf(recording: Recording, path: str | os.PathLike, fmt: str = "edf") -> Path:
    """`recording` written as the old writer did: today's writer with the old text in place of the JSON
    (the rest of the file, cutting into pieces and gap annotations included, did not change)."""
    with mock.patch.object(edf_writer, "marker_to_json", old_text):
        return edf_writer.write_edf(recording, path, fmt=fmt)
