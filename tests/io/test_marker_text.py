"""The one marker text (io/marker_text.py): every marker kind and payload round-trips, in XDF as in EDF+."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from emgcoach.io.marker_text import TEXT_START, marker_from_json, marker_to_json
from emgcoach.types import MARKER_KINDS, Marker
from tests.io.marker_payloads import PAYLOADS


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(MARKER_KINDS), payload=PAYLOADS)
def test_every_kind_and_payload_round_trips(kind, payload):
    text = marker_to_json(Marker(1.5, kind, payload))
    assert text.startswith(TEXT_START)
    assert text.isascii() and not {"\x00", "\x14", "\x15"} & set(text)  # EDF+'s TAL delimiters never appear
    back = marker_from_json(1.5, text)
    assert back == Marker(1.5, kind, payload)


def test_a_packets_sensor_kind_survives_beside_the_markers_kind():
    m = Marker(0.0, "packet", {"stream": "EMGC-lat", "kind": "open", "hex": "00ff"})
    text = marker_to_json(m)
    assert json.loads(text) == {"kind": "packet", "stream": "EMGC-lat", "_kind": "open", "hex": "00ff"}
    assert marker_from_json(0.0, text) == m


def test_values_json_cannot_hold_are_written_as_text():
    import numpy as np

    back = marker_from_json(0.0, marker_to_json(Marker(0.0, "rep", {"x": np.float32(0.5), "n": np.int64(3)})))
    assert back is not None and back.payload == {"x": "0.5", "n": "3"}


def test_other_texts_are_not_markers():
    for text in ("", "rep n=1", "[1, 2]", '{"kind": "nope"}', '{"kind": 1}', "{", '"rep"', "[" * 100_000):
        assert marker_from_json(0.0, text) is None
