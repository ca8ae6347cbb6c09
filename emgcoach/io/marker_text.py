"""A marker as one JSON text, the form XDF marker samples and EDF+ annotations both carry.

The text is a JSON object whose first key is "kind" (the marker's kind) followed by the payload's keys
and values: '{"kind": "rep", "n": 1}'. A value JSON cannot hold as itself (a numpy number, a date) is
written as its str(). A payload key that would clash with the marker's own "kind" ("kind" itself, as in
a captured packet's sensor kind, and so "_kind", "__kind", ...) is written with one more leading "_"
and read back without it, so every payload key survives. The text is ASCII (json's ensure_ascii):
control characters are escapes (\\u0014), never the bytes EDF+ uses to delimit annotations.
"""

from __future__ import annotations

import json
import re
from typing import Any

from emgcoach.types import MARKER_KINDS, Marker

TEXT_START = '{"kind": '  # how every text marker_to_json writes begins
_KIND_KEY = re.compile(r"_*kind")  # payload keys written with one more "_"


def _written_key(key: Any) -> Any:
    return "_" + key if isinstance(key, str) and _KIND_KEY.fullmatch(key) else key


def _read_key(key: str) -> str:
    return key[1:] if key.startswith("_") and _KIND_KEY.fullmatch(key) else key


def marker_to_json(marker: Marker) -> str:
    """The marker as one JSON text (see the module docstring); its time is not in it."""
    d: dict[Any, Any] = {"kind": marker.kind}
    d.update((_written_key(k), v) for k, v in marker.payload.items())
    return json.dumps(d, default=str)


def marker_from_json(time_s: float, text: str) -> Marker | None:
    """The marker at `time_s` (s) that `text` holds, when it is a JSON object whose "kind" is a marker
    kind (as marker_to_json writes it); None for any other text."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's parser goes
        return None
    if not isinstance(obj, dict) or obj.get("kind") not in MARKER_KINDS:
        return None
    payload = {_read_key(k): v for k, v in obj.items() if k != "kind"}
    return Marker(time_s=time_s, kind=obj["kind"], payload=payload)
