"""EDF+ annotation texts: a marker as text, the text cut into pieces edflib can write, and back.

See io/edf.py for the format as a whole. A marker is one text '<kind> <key=value ...> <free text>': a
string value as itself, any other value (numbers, lists, nested objects, strings that look like numbers)
as compact JSON, with '%', spaces and control characters percent-escaped; a note's plain 'text' as free
words. A text longer than ANNOTATION_MAX_CHARS bytes goes on in further annotations at the same onset
that start with CONTINUATION; the reader joins them back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from emgcoach.types import MARKER_KINDS, Marker

ANNOTATION_MAX_CHARS = 40  # edflib's limit for one annotation text
CONTINUATION = "+"  # an annotation that goes on with the previous marker's text (same onset)


# ----------------------------------------------------------------------------------------------- writing


def _escape(text: str, extra: str = "") -> str:
    """Percent-escape '%', spaces, control characters (and `extra`) so a value is one word of the text."""
    out = []
    for ch in text:
        if ch == "%" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch in extra:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out)


def _value_text(v: Any) -> str:
    """A payload value as one word: a plain string as itself, anything else (and a string that would read
    back as another type) as compact JSON; spaces and '%' percent-escaped."""
    if isinstance(v, str):
        try:
            json.loads(v)
        except ValueError:
            return _escape(v)
    return _escape(json.dumps(v, separators=(",", ":"), ensure_ascii=False, default=str))


def _plain_words(v: Any) -> bool:
    """Whether a 'text' value can be written as free words (and read back as the same string)."""
    return (isinstance(v, str) and bool(v) and v == " ".join(v.split())
            and not any("=" in w or "%" in w for w in v.split()))


def annotation_duration(payload: dict[str, Any]) -> float:
    """The annotation's duration in s: payload['duration_s'] when it is a positive number, else -1 (none)."""
    dur = payload.get("duration_s", -1)
    try:
        dur = float(dur)
    except (TypeError, ValueError):
        return -1.0
    return dur if math.isfinite(dur) and dur > 0 else -1.0


def payload_text(kind: str, payload: dict[str, Any]) -> str:
    """The whole marker as one text: '<kind> <key=value ...> <free text>' (see `annotation_pieces`).
    duration_s stays in the text too: the annotation's own duration keeps only 0.1 ms."""
    parts = [kind]
    free = ""
    for k, v in payload.items():
        if k == "text" and _plain_words(v):
            free = v
            continue
        parts.append(f"{_escape(str(k), '=')}={_value_text(v)}")
    if free:
        parts.append(free)
    return " ".join(parts)


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
    pieces = []
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
    except ValueError:
        return raw


def join_pieces(onsets: Sequence[float], durations: Sequence[float], texts: Sequence[str]) -> list[tuple[float, float, str]]:
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
        first = text.strip().split(maxsplit=1)
        can_continue = bool(first) and first[0] in MARKER_KINDS  # only our markers go on
    return out


def annotation_marker(onset: float, duration: float, text: str, t0: float) -> Marker:
    """The marker of one (joined) annotation: ours by its kind and key=value words, any other tool's as a
    'note' with its text; time t0 + onset (s), duration_s from the annotation when the text has none."""
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
    if "duration_s" not in payload and duration is not None and math.isfinite(duration) and duration > 0:
        payload["duration_s"] = float(duration)
    return Marker(time_s=t0 + float(onset), kind=kind, payload=payload)
