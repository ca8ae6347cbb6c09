"""read_recording: format detection and one-line InputErrors naming the file."""

from __future__ import annotations

import numpy as np
import pytest

from emgcoach.errors import InputError
from emgcoach.io.open import detect_format, read_recording
from emgcoach.io.xdf_writer import XdfWriter
from emgcoach.types import Block, ChannelSpec, StreamInfo


def test_detects_each_format(tmp_path):
    x = tmp_path / "rec.bin"  # extension does not matter for XDF: magic does
    with XdfWriter(x) as w:
        sid = w.add_stream(StreamInfo("simulator", "s", "", 100.0, (ChannelSpec("a"),)))
        w.write_block(sid, Block(np.zeros((10, 1), np.float32), 0.0, 100.0))
    assert detect_format(str(x)) == "xdf" and read_recording(x).streams[0].n_samples == 10
    c = tmp_path / "data.dat"
    c.write_text("t,a\n0,1\n0.01,2\n")
    assert detect_format(str(c)) == "csv" and read_recording(c).streams[0].info.rate_hz == 100.0
    o = tmp_path / "o.txt"
    o.write_text("%OpenBCI Raw EEG Data\n%Number of channels = 1\n%Sample Rate = 200 Hz\n0, 1.0\n")
    assert detect_format(str(o)) == "openbci"
    b = tmp_path / "b.txt"
    b.write_text("# Simple Text Format\n# Sampling Rate (Hz):= 1000.00\n# Resolution:= 12\n# Labels:= EMG\n2048\n")
    assert detect_format(str(b)) == "simple_text"


@pytest.mark.parametrize(
    "name,content,match",
    [
        ("missing.csv", None, "file not found"),
        ("empty.csv", b"", "empty"),
        ("x.xdf", b"XDG:\x01\x02", "not an XDF file"),
        ("blob.bin", bytes(range(256)) * 4, "unknown format"),
        ("words.txt", b"hello world\n", "unknown format"),
        ("r.edf", b"0       " + b" " * 248, "damaged EDF/BDF header"),
        ("r.bdf", b"\xffBIOSEMI" + b" " * 248, "damaged EDF/BDF header"),
    ],
)
def test_bad_files_name_the_file(tmp_path, name, content, match):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError, match=match) as ei:
        read_recording(p)
    msg = str(ei.value)
    assert msg.startswith(str(p)) and "\n" not in msg


def test_directory(tmp_path):
    with pytest.raises(InputError, match="directory"):
        read_recording(tmp_path)


def test_rate_zero_refused(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("a\n1\n")
    with pytest.raises(InputError, match="a.csv: sample rate must be a positive"):
        read_recording(p, rate_hz=0)
