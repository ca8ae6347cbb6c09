"""Random bytes never make a decoder raise anything but DecodeError; stream decoders never raise."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emgcoach.ble.devices.base import DecodedPacket, DecodeError
from emgcoach.ble.devices.bitalino import BitalinoDecoder, encode_frame
from emgcoach.ble.devices.ganglion import Ganglion2Decoder, Ganglion3Decoder
from emgcoach.ble.devices.myoware import MyoWareTextDecoder
from emgcoach.ble.devices.npg import NpgDecoder
from emgcoach.ble.devices.open_profile import OpenProfileDecoder
from emgcoach.ble.devices.umyo import UmyoAdvertTracker, UmyoDecoder, decode_umyo_advert

FUZZ = settings(max_examples=200, deadline=None)
PACKET_DECODERS = [UmyoDecoder, Ganglion2Decoder, Ganglion3Decoder, NpgDecoder, OpenProfileDecoder]
payloads = st.lists(st.binary(max_size=80), max_size=20)
# payloads near the interesting lengths
shaped = st.lists(
    st.sampled_from([7, 19, 20, 26, 27, 36, 52, 53, 60, 61, 70, 12, 16]).flatmap(
        lambda n: st.binary(min_size=n, max_size=n)
    ),
    max_size=20,
)


def check(p: DecodedPacket):
    assert isinstance(p, DecodedPacket)
    assert p.samples.dtype == np.float32 and p.samples.ndim == 2
    assert p.lost_before >= 0
    if p.kind == "emg":
        assert np.all(np.isfinite(p.samples))


def run_packet_decoder(dec, chunks):
    for c in chunks:
        try:
            out = dec.decode(c)
        except DecodeError:
            continue
        for p in out:
            check(p)
    assert dec.lost_samples >= 0


@FUZZ
@given(payloads, shaped)
def test_packet_decoders_only_raise_decode_error(a, b):
    for cls in PACKET_DECODERS:
        run_packet_decoder(cls(), a + b)


@FUZZ
@given(st.lists(st.binary(max_size=40), max_size=30), st.integers(1, 6))
def test_bitalino_never_raises(chunks, n_ch):
    d = BitalinoDecoder(n_ch)
    for c in chunks:
        for p in d.decode(c):
            check(p)


@FUZZ
@given(st.lists(st.binary(max_size=40), max_size=30), st.sampled_from(["uart", "value"]))
def test_myoware_never_raises(chunks, mode):
    d = MyoWareTextDecoder(mode)
    for c in chunks:
        for p in d.decode(c):
            check(p)


@FUZZ
@given(st.lists(st.text(alphabet="0123456789.,-\n\r ", max_size=30), max_size=20))
def test_myoware_near_valid_text(chunks):
    d = MyoWareTextDecoder("uart")
    for c in chunks:
        for p in d.decode(c.encode()):
            check(p)


@FUZZ
@given(st.data())
def test_bitalino_any_split_same_result(data):
    n_ch = data.draw(st.integers(1, 6))
    n = data.draw(st.integers(1, 40))
    vals = data.draw(st.lists(st.lists(st.integers(0, 1023), min_size=n_ch, max_size=n_ch), min_size=n, max_size=n))
    vals = [[v if i < 4 else v & 0x3F for i, v in enumerate(row)] for row in vals]
    stream = b"".join(encode_frame(row, k % 16) for k, row in enumerate(vals))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    d = BitalinoDecoder(n_ch)
    out = []
    prev = 0
    for c in cuts + [len(stream)]:
        out += d.decode(stream[prev:c])
        prev = c
    adc = np.concatenate([p.extra["adc"] for p in out])
    np.testing.assert_array_equal(adc, np.array(vals))
    assert d.lost_samples == 0 and d.bad_packets == 0


@FUZZ
@given(st.data())
def test_myoware_any_split_same_result(data):
    rows = data.draw(st.lists(st.tuples(st.integers(0, 4095), st.integers(-2048, 2047)), min_size=1, max_size=30))
    text = "".join(f"{e:.2f},{r:.2f}\n" for e, r in rows).encode()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=10)))
    d = MyoWareTextDecoder("uart")
    out = []
    prev = 0
    for c in cuts + [len(text)]:
        out += d.decode(text[prev:c])
        prev = c
    env = np.concatenate([p.extra["env_counts"] for p in out])
    np.testing.assert_array_equal(env, [e for e, _ in rows])
    assert d.bad_packets == 0


@FUZZ
@given(st.dictionaries(st.integers(0, 0xFFFF), st.binary(max_size=20), max_size=5),
       st.dictionaries(st.integers(0, 0xFFFF), st.binary(max_size=20), max_size=5))
def test_umyo_advert_never_raises(md, prev):
    decode_umyo_advert(md, prev)
    decode_umyo_advert(md, None)
    t = UmyoAdvertTracker()
    t.update(prev)
    t.update(md)
