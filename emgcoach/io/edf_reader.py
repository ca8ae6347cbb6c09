"""EDF/EDF+/BDF/BDF+ reading (`read_edf`) through pyedflib; the rules are in io/edf.py's docstring.

One step per function: the file and its header are checked first (clear messages, and edflib's own size
complaint would go to stdout), then the voltage signals are grouped by rate into streams, then the
annotations become markers.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.channels import check_override_indices, guess_role
from emgcoach.io.edf_annotations import annotation_marker, join_pieces
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import unit_scale
from emgcoach.types import ChannelSpec, Marker, StreamInfo

if TYPE_CHECKING:
    import pyedflib

logger = logging.getLogger(__name__)

_UNIT_TO_UV = {"uv": 1.0, "µv": 1.0, "μv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3, "": 1.0}
_T0 = re.compile(r"t0=(-?\d+(?:\.\d+)?)")


def read_edf(path: str | os.PathLike, channels: Sequence[Any] | None = None, unit: str | None = None) -> Recording:
    """Read EDF, EDF+, BDF or BDF+ into a Recording in µV (see io/edf.py). InputError on any problem.

    `channels`: optional role overrides, objects with .index/.muscle/.side (index counts EMG channels
    across the returned streams, from 0).
    `unit`: 'uV', 'mV' or 'V', the unit of signals with an empty physical dimension (µV when None);
    a stated dimension wins.
    """
    path = str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyedflib warns on undecodable header text; we read on
            return _read_edf(path, channels, unit)
    except InputError:
        raise
    except MemoryError:
        raise InputError(path, "not a readable EDF/BDF file (header asks for more memory than available)") from None
    except Exception as e:  # pyedflib's OSError and anything a damaged file provokes
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        msg = msg.removeprefix(f"{path}: ")  # pyedflib names the file too: once is enough
        raise InputError(path, f"not a readable EDF/BDF file: {msg}") from None


# ----------------------------------------------------------------------------------------------- checks


def _check_file(path: str) -> tuple[bytes, int]:
    """(the 256-byte main header, the file size in bytes) of a file that starts like EDF or BDF."""
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    if os.path.isdir(path):
        raise InputError(path, "is a directory, not an EDF/BDF file")
    size = os.path.getsize(path)
    if size == 0:
        raise InputError(path, "file is empty (0 bytes)")
    if size < 256:
        raise InputError(path, f"not an EDF/BDF file: {size} bytes, shorter than the 256-byte header")
    with open(path, "rb") as f:
        head = f.read(256)
    if not (head.startswith(b"0       ") or head.startswith(b"\xffBIOSEMI")):
        raise InputError(path, "not an EDF/BDF file (the header does not start with '0' or 0xFF'BIOSEMI')")
    return head, size


def _header_int(path: str, raw: bytes, what: str) -> int:
    text = raw.decode("ascii", "replace").strip()
    try:
        return int(text)
    except ValueError:
        raise InputError(path, f"damaged EDF/BDF header: {what} is {text!r}, not a whole number") from None


def _samples_per_record(path: str, ns: int) -> list[int]:
    with open(path, "rb") as f:
        f.seek(256 + ns * 216)
        spr_field = f.read(ns * 8)
    spr = [_header_int(path, spr_field[i * 8 : (i + 1) * 8], f"samples per record of signal {i}") for i in range(ns)]
    if any(k < 0 for k in spr):
        raise InputError(path, "damaged EDF/BDF header: negative samples per record")
    return spr


def _check_header(path: str, head: bytes, size: int) -> None:
    """Check header size, signal count and file size before edflib sees the file (clear messages, and
    edflib's own size complaint would be printed to stdout)."""
    header_bytes = _header_int(path, head[184:192], "the header size")
    n_records = _header_int(path, head[236:244], "the number of data records")
    ns = _header_int(path, head[252:256], "the number of signals")
    if ns < 1 or ns > 4096:
        raise InputError(path, f"damaged EDF/BDF header: {ns} signals")
    if header_bytes != 256 * (ns + 1):
        raise InputError(path, f"damaged EDF/BDF header: header size {header_bytes} does not fit {ns} signals")
    if size < header_bytes:
        raise InputError(path, f"file truncated: {size} bytes, shorter than its {header_bytes}-byte header")
    spr = _samples_per_record(path, ns)
    if n_records < 0:  # -1: recording not closed properly; let edflib decide
        return
    width = 3 if head.startswith(b"\xff") else 2
    expected = header_bytes + n_records * sum(spr) * width
    if size < expected:
        raise InputError(
            path,
            f"file truncated: {size} bytes, but the header announces {n_records} data records ({expected} bytes)",
        )
    if size > expected:
        raise InputError(path, f"damaged file: {size - expected} bytes more than the header announces")


# ----------------------------------------------------------------------------------------------- signals


def _dimension(reader: pyedflib.EdfReader, i: int) -> str:
    return reader.getPhysicalDimension(i).strip().lower().replace("\u00b5", "µ")


def _recording_t0(reader: pyedflib.EdfReader) -> float:
    """The session-clock time of the file start that our export keeps as 't0=<s>' (0 when absent)."""
    try:
        recording_field = reader.getRecordingAdditional() or ""
    except Exception:  # a damaged recording field: the samples still count
        logger.debug("unreadable EDF recording field", exc_info=True)
        recording_field = ""
    m = _T0.search(recording_field)
    t0 = float(m.group(1)) if m else 0.0
    return t0 if math.isfinite(t0) else 0.0


def _voltage_groups(reader: pyedflib.EdfReader, path: str) -> dict[float, list[int]]:
    """Indices of the voltage signals by sample rate (Hz), in order of first appearance."""
    groups: dict[float, list[int]] = {}
    skipped = []
    for i in range(reader.signals_in_file):
        rate = float(reader.getSampleFrequency(i))
        if not (rate > 0 and math.isfinite(rate)):
            raise InputError(path, f"signal {i} ({reader.getLabel(i).strip()!r}) has sample rate {rate}")
        if _dimension(reader, i) not in _UNIT_TO_UV:
            skipped.append(reader.getLabel(i).strip())
            continue
        groups.setdefault(round(rate, 6), []).append(i)
    if not groups:
        raise InputError(path, f"no EMG (voltage) signals; found only {', '.join(skipped) or 'none'}")
    return groups


def _overridden(specs: tuple[ChannelSpec, ...], channels: Sequence[Any] | None, offset: int) -> tuple[ChannelSpec, ...]:
    """`specs` with the roles of the overrides whose index falls on them (counted from `offset`)."""
    for ov in channels or ():
        k = int(ov.index) - offset
        if 0 <= k < len(specs):
            sp = specs[k]
            specs = specs[:k] + (ChannelSpec(sp.name, ov.muscle, ov.side, sp.unit, sp.placement),) + specs[k + 1 :]
    return specs


def _group_stream(reader: pyedflib.EdfReader, path: str, rate: float, idxs: list[int], unit: str | None,
                  t0: float, is_bdf: bool) -> RecordedStream:
    """One stream of the signals `idxs` (all at `rate` Hz), in µV, cut to the shortest of them."""
    counts = reader.getNSamples()
    n = int(min(counts[i] for i in idxs))
    data = np.empty((n, len(idxs)), dtype=np.float32)
    specs = []
    prefilters = set()
    assumed = []
    for j, i in enumerate(idxs):
        label = reader.getLabel(i).strip() or f"ch{i}"
        dim = _dimension(reader, i)
        x = reader.readSignal(i, 0, n)
        if x.shape[0] != n:
            raise InputError(path, f"signal {label!r} is shorter than its header says (file truncated?)")
        if not dim and unit is None:
            assumed.append(j)
        data[:, j] = (x * (_UNIT_TO_UV[dim] if dim else unit_scale(unit))).astype(np.float32)
        muscle, side = guess_role(label)
        specs.append(ChannelSpec(name=label, muscle=muscle, side=side, unit="uV"))
        pf = reader.getPrefilter(i).strip()
        if pf:
            prefilters.add(pf)
    extra = {"format": "bdf" if is_bdf else "edf", "resolution_bits": "24" if is_bdf else "16"}
    if len(prefilters) == 1:
        extra["prefilter"] = prefilters.pop()
    info = StreamInfo(kind="file", name=f"{os.path.basename(path)} @{rate:g}Hz", address=path, rate_hz=float(rate),
                      channels=tuple(specs), extra=extra)
    return RecordedStream(info=info, data=data, t0=t0, first_index=0, unit_assumed=tuple(assumed))


def _streams(reader: pyedflib.EdfReader, path: str, channels: Sequence[Any] | None, unit: str | None,
             t0: float, is_bdf: bool) -> list[RecordedStream]:
    """One stream per sample rate, roles overridden by `channels` (indices across the streams)."""
    groups = _voltage_groups(reader, path)
    if channels:
        check_override_indices(channels, sum(len(v) for v in groups.values()), path)
    streams: list[RecordedStream] = []
    offset = 0
    for rate, idxs in groups.items():
        s = _group_stream(reader, path, rate, idxs, unit, t0, is_bdf)
        s.info = replace(s.info, channels=_overridden(s.info.channels, channels, offset))
        offset += len(idxs)
        streams.append(s)
    return streams


# ----------------------------------------------------------------------------------------------- markers


def _markers(reader: pyedflib.EdfReader, path: str, t0: float) -> list[Marker]:
    """The annotations as markers on the session clock (t0 + onset s), in time order."""
    try:
        onsets, durations, texts = reader.readAnnotations()
    except Exception:  # damaged annotations: the samples still count
        logger.warning("%s: annotations unreadable; read without markers", path, exc_info=True)
        return []
    markers = [annotation_marker(onset, dur, text, t0) for onset, dur, text in join_pieces(onsets, durations, texts)]
    markers.sort(key=lambda mk: mk.time_s)
    return markers


def _started_at(reader: pyedflib.EdfReader, path: str) -> str | None:
    try:
        return reader.getStartdatetime().isoformat(timespec="seconds")
    except (ValueError, OSError):  # an unreadable start date: the samples still count
        logger.info("%s: unreadable start date", path)
        return None


def _read_edf(path: str, channels: Sequence[Any] | None, unit: str | None = None) -> Recording:
    import pyedflib

    head, size = _check_file(path)
    _check_header(path, head, size)
    reader = pyedflib.EdfReader(path)
    try:
        if reader.signals_in_file <= 0:
            raise InputError(path, "the file holds no signals")
        t0 = _recording_t0(reader)
        streams = _streams(reader, path, channels, unit, t0, is_bdf=head.startswith(b"\xff"))
        return Recording(path=path, streams=streams, markers=_markers(reader, path, t0),
                         started_at=_started_at(reader, path))
    finally:
        reader.close()
