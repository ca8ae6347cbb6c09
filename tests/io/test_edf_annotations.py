"""EDF+ annotations carry the markers' JSON text (as XDF does): every kind and payload round-trips, files
with the older key=value text read to the same markers, and the annotation signals are sized to fit."""

from __future__ import annotations

import json
import logging
import math
import tempfile
from pathlib import Path

import numpy as np
import pyedflib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgcoach.io.edf import read_edf, write_edf
from emgcoach.io.edf_annotations import annotation_marker, annotation_pieces, join_pieces
from emgcoach.io.marker_text import marker_to_json
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import MARKER_KINDS, ChannelSpec, Marker, StreamInfo
from tests.io.marker_payloads import JSON_VALUES, PAYLOADS
from tests.io.old_edf import old_text, write_old_edf

_DIR = Path(tempfile.mkdtemp(prefix="emgcoach-edf-annotations-"))
LAT = (ChannelSpec("lat_left", "latissimus_dorsi", "left"),)
REP = {"drill": "bird_dog", "index": 0, "start_s": 4.0, "end_s": 5.25, "lead": "lat", "lat_onset_s": 4.0,
       "glute_onset_s": 4.0865, "onset_latency_ms": 86.5, "peak_pct_mvc": {"lat": 31.2, "glute": None},
       "mean_pct_mvc": {"lat": 25.0, "glute": 29.125}, "cci": 0.91, "calibrated": True, "hit": False,
       "misses": ["glute_late"], "cue": "Glute late: squeeze as you start the pull"}
EVERY_KIND = [  # one of each kind, payloads as the app writes them and some that need care
    Marker(10.5, "calibration", {"step": "mvc", "muscle": "latissimus_dorsi", "side": "left", "end_s": 11.0}),
    Marker(11.0, "drill_start", {"drill": "bird_dog", "reps": 8, "lat_channel": 0, "glute_channel": 1}),
    Marker(11.0, "phase", {"drill": "bird_dog", "phase": "setup", "rep": -1}),
    Marker(11.25, "rep", REP),
    Marker(12.0, "note", {"text": "cue: brace"}),
    Marker(12.0, "note", {"text": "a=b  100% é \x14\x15\x00 end", "n": "3.5", "x": [1, 2], "y": None}),
    Marker(12.5, "gap", {"lost": 20, "stream": "pair", "duration_s": 0.02}),
    Marker(13.0, "onset", {"channel": 0, "muscle": "lat"}),
    Marker(13.1, "offset", {"channel": 0}),
    Marker(13.5, "state", {"stream": "pair", "state": "reconnecting", "code": "1"}),
    Marker(14.0, "packet", {"stream": "pair", "kind": "umyo", "hex": "ab" * 60}),
    Marker(15.75, "drill_end", {}),
]


def recording(markers: list[Marker], seconds: float = 10.0, gaps: list | None = None) -> Recording:
    """One lat channel at 100 Hz from 10 s on the session clock, a second stream starting 0.5 s later."""
    info = StreamInfo("umyo", "pair", "", 100.0, LAT)
    late = StreamInfo("umyo", "late", "", 100.0, (ChannelSpec("glute_right", "gluteus_maximus", "right"),))
    n = int(seconds * 100)
    x = np.sin(np.arange(n) / 7).astype(np.float32)[:, None] * 50
    return Recording("made-in-test", [RecordedStream(info, x, t0=10.0, gaps=gaps or []),
                                      RecordedStream(late, x[50:], t0=10.5)], markers)


def texts_of(path: Path) -> list[str]:
    with pyedflib.EdfReader(str(path)) as r:
        return list(r.readAnnotations()[2])


def same_markers(back: list[Marker], markers: list[Marker]) -> None:
    assert [(m.kind, m.payload) for m in back] == [(m.kind, m.payload) for m in markers]
    assert all(abs(a.time_s - b.time_s) <= 1.5e-4 for a, b in zip(back, markers))  # EDF+ onsets: 0.1 ms


def test_every_kind_round_trips_as_its_json(tmp_path):
    assert {m.kind for m in EVERY_KIND} == set(MARKER_KINDS)
    for fmt in ("edf", "bdf"):
        path = write_edf(recording(EVERY_KIND), tmp_path / f"k.{fmt}", fmt=fmt)
        back = [m for m in read_edf(path).markers if m.time_s > 10.0]  # the later stream's start gap aside
        same_markers(back, EVERY_KIND)
        texts = texts_of(path)
        joined = "".join(t[1:] if t.startswith("+") else "\n" + t for t in texts).split("\n")[1:]
        assert joined[1:] == [marker_to_json(m) for m in EVERY_KIND]  # the XDF's text, cut into pieces
        assert all(len(t.encode()) <= 40 and t.isascii() for t in texts)
        assert json.loads(joined[0]) == {"kind": "gap", "stream": 1, "text": "start"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads=st.fixed_dictionaries({k: PAYLOADS for k in MARKER_KINDS}), fmt=st.sampled_from(["edf", "bdf"]))
def test_any_payload_of_any_kind_round_trips(payloads, fmt):
    markers = [Marker(11.0 + 0.25 * i, kind, payload) for i, (kind, payload) in enumerate(payloads.items())]
    back = read_edf(write_edf(recording(markers, seconds=30.0), _DIR / f"any.{fmt}", fmt=fmt)).markers
    same_markers([m for m in back if m.time_s > 10.0], markers)  # the later stream's start gap aside


def test_an_old_key_value_file_reads_to_the_same_markers(tmp_path):
    rec = recording(EVERY_KIND, gaps=[(300, 40)])
    old = write_old_edf(rec, tmp_path / "old.edf")
    new = write_edf(rec, tmp_path / "new.edf", fmt="edf")
    old_texts = texts_of(old)
    assert "gap stream=0 n=40" in old_texts and any(t.startswith("rep drill=bird_dog index=0 ") for t in old_texts)
    from_old, from_new = read_edf(old).markers, read_edf(new).markers
    assert [(m.time_s, m.kind, m.payload) for m in from_old] == [(m.time_s, m.kind, m.payload) for m in from_new]
    gap = next(m for m in from_old if m.kind == "gap" and m.payload.get("n") == 40)
    assert gap.payload == {"stream": 0, "n": 40, "duration_s": 0.4}
    same_markers([m for m in from_old if m.time_s > 10.0 and m is not gap], EVERY_KIND)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,7}", fullmatch=True), JSON_VALUES, max_size=5),
       kind=st.sampled_from(MARKER_KINDS))
def test_old_and_new_files_of_any_payload_read_alike(payload, kind):
    rec = recording([Marker(11.0, kind, payload)], seconds=60.0)
    old = read_edf(write_old_edf(rec, _DIR / "old-any.edf")).markers
    new = read_edf(write_edf(rec, _DIR / "new-any.edf", fmt="edf")).markers
    assert [(m.time_s, m.kind, m.payload) for m in old] == [(m.time_s, m.kind, m.payload) for m in new]


def test_annotation_signals_grow_with_the_json(tmp_path):
    """The JSON of a rep takes more 40-byte pieces than its old text did; edflib writes one piece per
    annotation signal of a record, so the file gets as many signals a record as the pieces need (the
    later stream's start gap and the time-keeping one included) and every rep reads back whole."""
    reps = [Marker(10.0 + 0.1 * i, "rep", dict(REP, index=i)) for i in range(40)]
    pieces = sum(len(annotation_pieces(marker_to_json(m))) for m in reps)
    assert pieces > sum(len(annotation_pieces(old_text(m))) for m in reps)
    path = write_edf(recording(reps, seconds=20.0), tmp_path / "reps.edf", fmt="edf")
    ns = int(path.read_bytes()[252:256])
    assert ns - 2 == -(-(pieces + 1 + 1) // 20) + 1  # 2 EMG signals; ceil((pieces + gap + 1) / records) + 1
    same_markers([m for m in read_edf(path).markers if m.kind == "rep"], reps)


def test_markers_that_do_not_fit_are_left_out_whole_with_a_warning(tmp_path, caplog):
    """2 records hold 128 annotations; 150 packets of 4 pieces each do not fit. edflib would cut the text
    of the last one that starts; instead whole markers are left out and the export says so."""
    packets = [Marker(10.0 + 0.01 * i, "packet", {"stream": "p", "kind": "umyo", "hex": "ab" * 20}) for i in range(150)]
    with caplog.at_level(logging.WARNING, logger="emgcoach.io.edf_writer"):
        path = write_edf(recording(packets, seconds=2.0), tmp_path / "many.edf", fmt="edf")
    back = [m for m in read_edf(path).markers if m.kind == "packet"]
    assert 0 < len(back) < 150 and all(m.payload == packets[0].payload for m in back)
    same_markers(back, packets[: len(back)])
    assert "markers left out" in caplog.text and "many.edf" in caplog.text


TOKENS = list('{}[]":, +=%-.0123456789abcknd_\x14\x00é') + list(MARKER_KINDS) + ['{"kind": ', "%2", "%ZZ", "[" * 3000]


TEXTS = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(annotations=st.lists(st.tuples(st.sampled_from([0.0, 0.5, 0.50001, float("nan"), float("inf"), -1.0]),
                                      st.floats(allow_nan=True, allow_infinity=True), TEXTS | st.just("+"),), max_size=8))
def test_any_annotations_give_markers(annotations):
    """Other tools' texts, damaged JSON and damaged key=value texts, continuations anywhere, odd onsets and
    durations: markers of known kinds at finite times, never an error."""
    onsets, durations, texts = zip(*annotations) if annotations else ((), (), ())
    for onset, duration, text in join_pieces(onsets, durations, texts):
        m = annotation_marker(onset, duration, text, 2.0)
        assert m.kind in MARKER_KINDS and math.isfinite(m.time_s)


def test_continuations_join_only_after_our_markers(tmp_path):
    path = tmp_path / "foreign.edf"
    w = pyedflib.EdfWriter(str(path), 1, pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label="EMG lat L", dimension="uV", sample_frequency=100, physical_max=100.0,
                             physical_min=-100.0, digital_max=32767, digital_min=-32768, transducer="", prefilter="")])
    w.set_number_of_annotation_signals(3)  # edflib: one annotation per signal and record
    w.writeSamples([np.zeros(300)])
    for onset, text in ((0.5, '{"kind": "rep", "n":'), (0.5, "+ 1}"), (1.0, "Lights off"), (1.0, "+1 dB"),
                        (1.5, "rep n=2"), (1.5, "+ free")):
        w.writeAnnotation(onset, -1, text)
    w.close()
    got = [(m.time_s, m.kind, m.payload) for m in read_edf(path).markers]
    assert got == [(0.5, "rep", {"n": 1}), (1.0, "note", {"text": "Lights off"}), (1.0, "note", {"text": "+1 dB"}),
                   (1.5, "rep", {"n": 2, "text": "free"})]


@pytest.mark.parametrize("write", [write_edf, write_old_edf])
def test_a_later_streams_start_and_a_stream_gap_read_as_gap_markers(tmp_path, write):
    back = read_edf(write(recording([], gaps=[(300, 40)]), tmp_path / "g.edf")).markers
    assert [(round(m.time_s, 4), m.kind, m.payload) for m in back] == [
        (10.0, "gap", {"stream": 1, "text": "start", "duration_s": 0.5}),
        (13.0, "gap", {"stream": 0, "n": 40, "duration_s": 0.4}),
    ]
