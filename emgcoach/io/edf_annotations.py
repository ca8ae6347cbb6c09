"""EDF+ annotation texts: a marker as text, the text cut into pieces edflib can write, and back.

See io/edf.py for the format as a whole. A marker's text is its JSON (io/marker_text.py, as in XDF):
'{"kind": "rep", "n": 1}'. A text longer than ANNOTATION_MAX_CHARS bytes goes on in further annotations
at the same onset that start with CONTINUATION; the reader joins them back.

Files written before the JSON text (emgcoach up to issue 15) carry '<kind> <key=value ...> <free text>':
a string value as itself, any other value as compact JSON, '%', spaces and control characters
percent-escaped, a note's plain 'text' as free words. `annotation_marker` still reads them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from emgcoach.io.marker_text import TEXT_START, marker_from_json
from emgcoach.types import MARKER_KINDS, Marker

ANNOTATION_MAX_CHARS = 40  # edflib's limit for one annotation text
CONTINUATION = "+"  # an annotation that goes on with the previous marker's text (same onset)
MAX_DURATION_S = 1e9  # edflib keeps durations as 64-bit counts of 0.1 ms: about 9e14 s, so well inside


# ----------------------------------------------------------------------------------------------- writing


def annotation_duration(payload: dict[str, Any]) -> float:
    """The annotation's duration in s: payload['duration_s'] when it is a positive number edflib can write
    (below MAX_DURATION_S), else -1 (none). The text keeps duration_s whatever it is."""
    dur = payload.get("duration_s", -1)
    try:
        dur = float(dur)
    except (TypeError, ValueError):
        return -1.0
    return dur if math.isfinite(dur) and 0 < dur < MAX_DURATION_S else -1.0


def _cut(text: str, limit: int) -> int:
    """Characters of `text` that fit in `limit` UTF-8 bytes."""
    n = 0
    used = 0
    for ch in text:
        used += len(ch.encode("utf-8"))
        if used > limit:
            break
        n += 1
    return n


def annotation_pieces(text: str) -> list[str]:
    """`text` in annotations of at most ANNOTATION_MAX_CHARS bytes (edflib's limit). The first is the text's
    start; each further one starts with CONTINUATION and carries the next part, cut before a space when
    one is in reach (so the piece after begins with that space) and anywhere else otherwise. The reader
    joins the pieces back by plain concatenation, so nothing is lost."""
    pieces: list[str] = []
    limit = ANNOTATION_MAX_CHARS
    while text:
        n = _cut(text, limit)
        if n < len(text):
            space = text.rfind(" ", 1, n + 1)
            if space > 0:
                n = space
        pieces.append(("" if not pieces else CONTINUATION) + text[:n])
        text = text[n:]
        limit = ANNOTATION_MAX_CHARS - len(CONTINUATION)
    return pieces


# ----------------------------------------------------------------------------------------------- reading


def _value_from_text(text: str) -> Any:
    raw = unquote(text)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON (a plain string), or nested too deep to be ours
        return raw


def join_pieces(onsets: Iterable[float], durations: Iterable[float], texts: Iterable[str]) -> list[tuple[float, float, str]]:
    """Annotations (onset s, duration s, text) with their continuations (CONTINUATION + text, same onset,
    right after; written by `annotation_pieces`) joined back into one text each."""
    out: list[tuple[float, float, str]] = []
    can_continue = False
    for onset, dur, text in zip(onsets, durations, texts):
        onset, text = float(onset), str(text)
        if not math.isfinite(onset):
            can_continue = False
            continue
        if (can_continue and text.startswith(CONTINUATION) and abs(onset - out[-1][0]) < 5e-5):
            out[-1] = (out[-1][0], out[-1][1], out[-1][2] + text[len(CONTINUATION):])
            continue
        out.append((onset, float(dur), text))
        can_continue = _is_ours(text)  # only our markers go on
    return out


def _is_ours(text: str) -> bool:
    """Whether an annotation starts one of our markers: its JSON, or (older files) its kind and a space."""
    if text.startswith(TEXT_START):
        return True
    first = text.strip().split(maxsplit=1)
    return bool(first) and first[0] in MARKER_KINDS


def annotation_marker(onset: float, duration: float, text: str, t0: float) -> Marker:
    """The marker of one (joined) annotation at t0 + onset (s): ours from its JSON, or from its kind and
    key=value words (older files); any other tool's as a 'note' with its text. The annotation's duration
    (s) becomes duration_s when the text has none."""
    marker = marker_from_json(t0 + float(onset), text) or _legacy_marker(t0 + float(onset), text)
    if "duration_s" not in marker.payload and duration is not None and math.isfinite(duration) and duration > 0:
        return replace(marker, payload={**marker.payload, "duration_s": float(duration)})
    return marker


def _legacy_marker(time_s: float, text: str) -> Marker:
    """The marker of a '<kind> <key=value ...> <free text>' annotation, or a 'note' with any other text."""
    words = text.strip().split()
    payload: dict[str, Any] = {}
    if words and words[0] in MARKER_KINDS:
        kind = words[0]
        rest = words[1:]
        free = []
        for w in rest:
            if "=" in w and not w.startswith("="):
                k, v = w.split("=", 1)
                payload[unquote(k)] = _value_from_text(v)
            else:
                free.append(w)
        if free:
            payload["text"] = " ".join(free)
    else:
        kind = "note"
        payload["text"] = text.strip()
    return Marker(time_s=time_s, kind=kind, payload=payload)
