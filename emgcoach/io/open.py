"""`read_recording`: open any supported recording, chosen by its first bytes, then by its extension.

XDF ('XDF:' magic, or gzip with .xdfz/.xdf.gz), C3D (.c3d, or a first block with the C3D key), Vicon Nexus CSV
exports (a first line 'Devices', 'Trajectories', ...), Delsys Trigno CSV exports (EMGworks: a first line
'Label: ... Sampling frequency: ...'; Trigno Discover: 'Application:,Trigno Discover ...'), Noraxon MR3
CSV exports (a 'time,Activity,Marker,...' table header within the first ten lines), OpenBCI GUI text ('%OpenBCI' first line),
BIDS-EMG (a folder holding one recording, or an `*_emg.edf|.bdf` with its channels.tsv: io.bids), BITalino/OpenSignals text ('# Simple Text Format' / '# OpenSignals' first line, or '#' lines with a
sampling rate), Biometrics DataLOG text ('File Name:' then 'Channel N: ...' lines), CSV (.csv/.tsv,
or a text file whose first row is a header), EDF/EDF+/BDF/BDF+ (via pyedflib). Every problem with the
file is an InputError naming the file; anything else a reader raises on a damaged file is turned into
one, so callers only ever catch InputError.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from emgcoach.errors import InputError
from emgcoach.io.artifacts import read_artifacts, spans
from emgcoach.io.bids import is_bids_data_file, read_bids_recording
from emgcoach.io.c3d_reader import read_c3d
from emgcoach.io.channels import ChannelOverride, check_override_names
from emgcoach.io.datalog import looks_like_datalog, read_datalog
from emgcoach.io.delsys_csv import looks_like_delsys, read_delsys_csv
from emgcoach.io.edf import read_edf
from emgcoach.io.nexus_csv import looks_like_nexus, read_nexus_csv
from emgcoach.io.noraxon_csv import looks_like_noraxon, read_noraxon_csv
from emgcoach.io.csv_reader import check_rate, read_csv
from emgcoach.io.recording import Recording
from emgcoach.io.text_reader import read_openbci_txt, read_simple_text
from emgcoach.io.units import parse_unit
from emgcoach.io.xdf_reader import read_xdf


# The suffixes of the files this module reads (a folder search takes files by them): those it decides by
# extension, and the delimited-text ones it reads by content. OpenBCI, OpenSignals and DataLOG exports
# end in .txt and are told by their first line, so .txt is not here.
RECORDING_SUFFIXES: tuple[str, ...] = (".xdf", ".xdfz", ".xdf.gz", ".c3d", ".edf", ".bdf", ".csv", ".tsv")


def detect_format(path: str) -> str:
    """One of 'xdf', 'c3d', 'nexus', 'delsys', 'noraxon', 'openbci', 'simple_text', 'datalog', 'csv', 'edf'; InputError if none fits."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as e:
        raise InputError(path, f"cannot open: {e.strerror or e}") from None
    if os.path.isdir(path):
        raise InputError(path, "is a directory, not a recording")
    if st.st_size == 0:
        raise InputError(path, "file is empty (0 bytes)")
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    low = path.lower()
    ext = os.path.splitext(low)[1]
    if head.startswith(b"XDF:"):
        return "xdf"
    if head.startswith(b"\x1f\x8b") and (ext == ".xdfz" or low.endswith(".xdf.gz")):
        return "xdf"
    if ext in (".xdf", ".xdfz"):
        raise InputError(path, "not an XDF file (the first bytes are not 'XDF:')")
    if ext == ".c3d" or (len(head) >= 512 and head[0] == 2 and head[1] == 0x50):
        return "c3d"
    if ext in (".edf", ".bdf") or head.startswith(b"\xffBIOSEMI") or head.startswith(b"0       "):
        return "edf"
    first_raw = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    if looks_like_delsys(first_raw.decode("latin-1")):  # EMGworks writes the Windows code page ('°/s')
        return "delsys"
    if looks_like_datalog(first_raw.decode("latin-1")):  # before the UTF-8 test: its names may be in cp1252
        return "datalog"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not just a multi-byte character cut by the 4096-byte read
            raise InputError(path, "unknown format: binary data, not XDF, EDF or text") from None
        text = head[: e.start].decode("utf-8")
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if first.startswith("%OpenBCI"):
        return "openbci"
    if looks_like_nexus(first):
        return "nexus"
    if looks_like_noraxon(text.lstrip("\ufeff").splitlines()):
        return "noraxon"
    if first.lower().startswith(("# simple text format", "# opensignals")):
        return "simple_text"
    lines = text.lstrip("\ufeff").splitlines()
    if first.startswith("#") and any("sampling rate" in ln.lower() for ln in lines if ln.startswith("#")):
        return "simple_text"
    if ext in (".csv", ".tsv"):
        return "csv"
    if first and any(d in first for d in (",", ";", "\t")):
        return "csv"
    raise InputError(path, "unknown format (not XDF, CSV, OpenBCI or OpenSignals/BITalino text)")


def read_recording(
    path: str | os.PathLike[str],
    rate_hz: float | None = None,
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read any supported recording into a Recording (µV, session-clock seconds from the start).

    rate_hz: sample rate for files without one (CSV without a time column, DataLOG text); overrides a CSV
    time column.
    channels: muscle/side roles by channel index (across all EMG streams, from 0).
    unit: 'uV', 'mV' or 'V' (any spelling io.units.parse_unit takes) for the columns whose file states no
    unit (CSV, XDF, EDF, DataLOG); a unit the file states wins. Without it such columns are taken as µV
    and listed in RecordedStream.unit_assumed (io.units.unit_warnings checks them). OpenBCI GUI and
    OpenSignals files always state theirs (µV, ADC counts), so it does not apply to them.
    """
    path = str(path)
    check_rate(path, rate_hz)
    if unit is not None:
        try:
            unit = parse_unit(unit)
        except ValueError as e:
            raise InputError(path, str(e)) from None
    fmt = "bids" if os.path.isdir(path) else detect_format(path)
    if fmt == "edf" and is_bids_data_file(path):
        fmt = "bids"
    recording = _read(path, fmt, rate_hz, channels, unit)
    check_override_names(channels, [c.name for s in recording.streams for c in s.info.channels], path)
    marks, warning = read_artifacts(path)  # the artifacts marked on it, kept beside it (a sidecar)
    recording.excluded = spans(marks)
    recording.excluded_warning = warning
    return recording


def _read(path: str, fmt: str, rate_hz: float | None, channels: Sequence[ChannelOverride] | None,
          unit: str | None) -> Recording:
    """The reader of `fmt` on `path`, anything unforeseen it raises turned into one InputError line."""
    try:
        if fmt == "bids":
            return read_bids_recording(path, channels=channels, unit=unit)
        if fmt == "xdf":
            return read_xdf(path, channels=channels, unit=unit)
        if fmt == "c3d":
            return read_c3d(path, channels=channels, unit=unit)
        if fmt == "nexus":
            return read_nexus_csv(path, channels=channels, unit=unit)
        if fmt == "delsys":
            return read_delsys_csv(path, channels=channels, unit=unit)
        if fmt == "noraxon":
            return read_noraxon_csv(path, channels=channels, unit=unit)
        if fmt == "openbci":
            return read_openbci_txt(path, channels=channels)
        if fmt == "simple_text":
            return read_simple_text(path, channels=channels)
        if fmt == "datalog":
            return read_datalog(path, rate_hz=rate_hz, channels=channels, unit=unit)
        if fmt == "csv":
            return read_csv(path, rate_hz=rate_hz, channels=channels, unit=unit)
        return read_edf(path, channels=channels, unit=unit)
    except InputError:
        raise
    except (MemoryError, KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:  # a damaged file tripped something unforeseen: still one line, naming the file
        raise InputError(path, f"unreadable {fmt} file ({type(e).__name__}: {e})") from e
