"""Hypothesis strategies for marker payloads: anything JSON holds as itself, with the keys that need care
("kind" beside the marker's own, "text", "duration_s")."""

from __future__ import annotations

from hypothesis import strategies as st

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
KEYS = st.text(max_size=10) | st.sampled_from(["kind", "_kind", "__kind", "text", "duration_s"])
PAYLOADS = st.dictionaries(KEYS, JSON_VALUES, max_size=6)
