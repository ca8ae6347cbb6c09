"""The notch each stream gets (`analysis.notch_per_stream`): a 50/60 Hz notch only where the line lies inside
the band-pass; elsewhere none, and a note naming the file. Moved out of the CLI, so tested without it."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.analysis import NOTCH_MAX_FRACTION, notch_per_stream
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import ChannelSpec, StreamInfo


def _recording(*rates: float) -> Recording:
    streams = [RecordedStream(info=StreamInfo("file", f"s{r:g}", "", r, (ChannelSpec(f"c{r:g}"),)),
                              data=np.zeros((int(r), 1), np.float32), t0=0.0) for r in rates]
    return Recording(path="two.xdf", streams=streams, markers=[])


def test_a_line_above_the_band_gets_no_notch_and_a_note() -> None:
    settings, notes = notch_per_stream(_recording(100.0, 1000.0), 50.0)
    assert settings == [None, 50.0]
    (note,) = notes
    assert note == ("two.xdf: no 50 Hz notch at 100 Hz: the line lies above the band-pass, which ends at 45 Hz "
                    "(a notch needs a rate above 105.3 Hz)")


@pytest.mark.parametrize("mains", ["auto", None])
def test_auto_and_off_apply_to_every_stream_as_given(mains: object) -> None:
    assert notch_per_stream(_recording(100.0, 2000.0), mains) == ([mains, mains], [])


def test_the_limit_is_the_notch_filter_s_own() -> None:
    """dsp.filters.Notch refuses a notch at or above 0.95 x Nyquist (0.475 x rate): the policy stops there."""
    from emgcoach.dsp.filters import Notch

    assert NOTCH_MAX_FRACTION == pytest.approx(0.95 / 2)
    assert notch_per_stream(_recording(126.0), 60.0)[0] == [None]  # 0.475 x 126 = 59.85 Hz
    with pytest.raises(ValueError):
        Notch(126.0, 60.0)
    assert notch_per_stream(_recording(127.0), 60.0) == ([60.0], [])  # 60.3 Hz
    Notch(127.0, 60.0)
