"""EDF+/BDF+ export (`write_edf`) through pyedflib; the rules are in io/edf.py's docstring.

One step per function: the plan (`_plan`: format, record duration, timelines with their gaps, signal
headers and scaling, annotations) is made before any file exists, so a recording that cannot be written
leaves nothing behind; `_write_plan` then writes it under a temporary name and renames it.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emgcoach.io.edf_annotations import annotation_duration, annotation_pieces
from emgcoach.io.marker_text import marker_to_json
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import ChannelSpec, Marker, StreamInfo

if TYPE_CHECKING:
    import pyedflib

logger = logging.getLogger(__name__)

Progress = Callable[[float], Any] | None
Annotation = tuple[float, float, str]  # onset s from the file start, duration s (-1: none), text
StreamGap = tuple[float, float, dict[str, Any]]  # onset s from the file start, duration s, 'gap' payload

# symmetric digital ranges (one code short of the format's full range) so that 0 µV is exactly code 0:
# gaps written as zeros read back as exact zeros.
EDF_DIGITAL = (-32767, 32767)
BDF_DIGITAL = (-8388607, 8388607)
EDF_MAX_STEP_UV = 0.05  # auto rule: use BDF when the EDF step would be coarser than this
TRANSDUCER = "surface EMG electrode"
MAX_ANNOTATION_SIGNALS = 64  # edflib's limit

_MUSCLE_ABBR = {
    "latissimus_dorsi": "lat",
    "gluteus_maximus": "glute",
    "gluteus_medius": "gmed",
    "erector_spinae": "erector",
    "external_oblique": "oblique",
    "biceps_femoris": "hamstring",
}


def _progress(progress: Progress, fraction: float) -> None:
    if progress is not None:
        progress(float(min(1.0, max(0.0, fraction))))


# ----------------------------------------------------------------------------------------------- timing


def _timeline(stream: RecordedStream) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Samples placed at their absolute positions (from first_index), zeros over gaps.

    Returns (data of shape (n_total, n_channels) float32 µV, gaps as (offset from first_index, count)).
    """
    data = np.asarray(stream.data, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    gaps = sorted((int(i) - stream.first_index, int(n)) for i, n in stream.gaps if int(n) > 0)
    if not gaps:
        return data, []
    total = data.shape[0] + sum(n for _, n in gaps)
    out = np.zeros((total, data.shape[1]), dtype=np.float32)
    pos = 0  # row in data
    at = 0  # row in out
    placed: list[tuple[int, int]] = []
    for start, n in gaps:
        start = max(start, at)  # overlapping / out-of-order gap lists: never move samples backwards
        take = min(start - at, data.shape[0] - pos)
        out[at : at + take] = data[pos : pos + take]
        pos += take
        at += take
        if at < start:  # a gap beyond the data end: keep its stated position
            at = start
        placed.append((at, n))
        at += n
    rest = data.shape[0] - pos
    if at + rest > out.shape[0]:
        out = np.concatenate([out, np.zeros((at + rest - out.shape[0], out.shape[1]), np.float32)])
    out[at : at + rest] = data[pos:]
    return out, placed


def _exact_record_duration(rates: Sequence[float]) -> float | None:
    """The shortest duration (s, 1 ms..60 s, <= 8 characters) in which every rate gives whole samples;
    1 s when that works. None when there is none."""
    fracs = [Fraction(float(r)).limit_denominator(1_000_000) for r in rates]
    # D = p/q with every r*D integral: D is a multiple of lcm(denominators) / gcd(scaled numerators)
    lcm_den = 1
    for f in fracs:
        lcm_den = lcm_den * f.denominator // math.gcd(lcm_den, f.denominator)
    g = 0
    for f in fracs:
        g = math.gcd(g, f.numerator * (lcm_den // f.denominator))
    if not g:
        return None
    base = Fraction(lcm_den, g)  # smallest D with r*D integral for all r
    # prefer 1 s when it works (integer rates), else the smallest multiple of base >= 1 ms
    candidates = [Fraction(1)] if (Fraction(1) / base).denominator == 1 else []
    k = max(1, math.ceil(Fraction(1, 1000) / base))
    candidates.append(base * k)
    for c in candidates:
        if Fraction(1, 1000) <= c <= 60:
            s = f"{float(c):f}".rstrip("0").rstrip(".")
            if len(s) <= 8 and Fraction(s) == c:
                return float(c)
    return None


def _record_duration(rates: Sequence[float]) -> float:
    """Data-record duration in s; see the module docstring of io/edf.py for the rule."""
    exact = _exact_record_duration(rates)
    if exact is not None:
        return exact

    def worst(d: float) -> float:
        return max(abs(round(r * d) / d - r) / r for r in rates)

    return min((1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0), key=lambda d: (worst(d), d))


def _placed_timelines(streams: Sequence[RecordedStream], t_start: float) -> tuple[list[np.ndarray], list[StreamGap]]:
    """Each stream's timeline from the file start (zeros before a later start and over gaps), and a 'gap'
    for each stretch of zeros that stands for missing samples."""
    timelines: list[np.ndarray] = []
    stream_gaps: list[StreamGap] = []
    for si, s in enumerate(streams):
        tl, gaps = _timeline(s)
        lead = int(round((s.t0 - t_start) * s.info.rate_hz))
        if lead > 0:
            tl = np.concatenate([np.zeros((lead, tl.shape[1]), np.float32), tl])
            stream_gaps.append((0.0, lead / s.info.rate_hz, {"stream": si, "text": "start"}))
        for off, n in gaps:
            onset = (lead + off) / s.info.rate_hz
            stream_gaps.append((onset, n / s.info.rate_hz, {"stream": si, "n": n}))
        timelines.append(tl)
    return timelines, stream_gaps


# ----------------------------------------------------------------------------------------------- signals


def edf_label(spec: ChannelSpec, used: set[str]) -> str:
    """The EDF signal label of a channel ('EMG lat L'; <= 16 characters, unique among `used`, which it
    joins)."""
    abbr = _MUSCLE_ABBR.get(spec.muscle)
    if abbr is not None:
        label = f"EMG {abbr}" + (f" {spec.side[0].upper()}" if spec.side in ("left", "right") else "")
    else:
        name = re.sub(r"[^\x20-\x7e]", "_", spec.name).strip() or "ch"
        label = name if name.upper().startswith("EMG") else f"EMG {name}"
    label = label[:16]
    base, k = label, 2
    while label in used:
        suffix = f"#{k}"
        label = base[: 16 - len(suffix)] + suffix
        k += 1
    used.add(label)
    return label


def _prefilter(info: StreamInfo) -> str:
    """'HP:20Hz LP:450Hz' when the stream says it was filtered, '' for raw data."""
    ex = info.extra or {}
    if ex.get("prefilter"):
        return str(ex["prefilter"])[:80]
    parts = []
    for key, tag in (("highpass_hz", "HP"), ("lowpass_hz", "LP"), ("notch_hz", "N")):
        v = ex.get(key)
        if v not in (None, "", "0", "n/a"):
            parts.append(f"{tag}:{v}Hz")
    return " ".join(parts)[:80]


def _phys_max(data: np.ndarray) -> float:
    """Symmetric physical maximum in whole µV: ceil(1.05 * max|x|), at least 1."""
    if data.size == 0:
        return 1.0
    finite = np.abs(data[np.isfinite(data)])
    peak = float(finite.max()) if finite.size else 0.0
    pmax = max(1.0, math.ceil(peak * 1.05))
    if pmax > 9_999_999:
        raise ValueError(f"amplitude {peak:.3g} µV does not fit an EDF header (max 9999999 µV); are the data in µV?")
    return float(pmax)


def choose_format(recording: Recording) -> str:
    """'bdf' or 'edf' by the fmt='auto' rule of io/edf.py's docstring."""
    for s in recording.streams:
        bits = str((s.info.extra or {}).get("resolution_bits", "0"))
        try:
            if int(bits) > 16:
                return "bdf"
        except ValueError:
            logger.debug("stream %r: resolution_bits %r is not a whole number; ignored", s.info.name, bits)
        pmax = _phys_max(np.asarray(s.data))
        if 2.0 * pmax / (EDF_DIGITAL[1] - EDF_DIGITAL[0]) > EDF_MAX_STEP_UV:
            return "bdf"
    return "edf"


def _signal_headers(streams: Sequence[RecordedStream], dmin: int, dmax: int) -> tuple[list[dict[str, Any]], list[tuple[float, float]]]:
    """pyedflib signal headers, one per channel across the streams, and each signal's (physical minimum
    µV, µV per digital step)."""
    headers = []
    used: set[str] = set()
    scale: list[tuple[float, float]] = []
    for s in streams:
        pre = _prefilter(s.info)
        data = np.asarray(s.data)
        for ci, spec in enumerate(s.info.channels):
            pmax = _phys_max(data[:, ci] if data.ndim == 2 else data)
            headers.append({
                "label": edf_label(spec, used),
                "dimension": "uV",
                "sample_frequency": float(s.info.rate_hz),
                "physical_max": pmax,
                "physical_min": -pmax,
                "digital_max": dmax,
                "digital_min": dmin,
                "transducer": TRANSDUCER,
                "prefilter": pre,
            })
            scale.append((-pmax, 2.0 * pmax / (dmax - dmin)))
    return headers, scale


def _digital_signals(timelines: Sequence[np.ndarray], spr: Sequence[int], scale: Sequence[tuple[float, float]],
                     n_records: int, dmin: int, dmax: int) -> list[np.ndarray]:
    """Each signal as digital codes, shape (n_records, samples per record): rounded to nearest, clipped,
    non-finite samples and the last record's padding as 0 µV."""
    digital: list[np.ndarray] = []
    sig = 0
    for tl, k in zip(timelines, spr):
        need = n_records * k
        for ci in range(tl.shape[1]):
            x = np.zeros(need, dtype=np.float64)
            col = tl[:, ci].astype(np.float64)
            x[: col.shape[0]] = np.where(np.isfinite(col), col, 0.0)
            pmin, step = scale[sig]
            d = np.clip(np.rint((x - pmin) / step) + dmin, dmin, dmax).astype(np.int32)
            digital.append(d.reshape(n_records, k))
            sig += 1
    return digital


# ----------------------------------------------------------------------------------------------- annotations


def _pieces(marker: Marker, onset: float, duration: float) -> list[Annotation]:
    """A marker's text (its JSON, as in XDF) as annotations at `onset` s, in order: edflib keeps it."""
    return [(onset, duration, piece) for piece in annotation_pieces(marker_to_json(marker))]


def _marker_annotations(recording: Recording, t_start: float, stream_gaps: Sequence[StreamGap]) -> list[list[Annotation]]:
    """Each stream gap's annotations, then each marker's (skipping 'gap' markers a stream gap already
    covers, and markers before the file start, which EDF+ cannot hold)."""
    groups = [_pieces(Marker(t_start + onset, "gap", payload), onset, dur) for onset, dur, payload in stream_gaps]
    for m in recording.markers:
        onset = m.time_s - t_start
        if onset < 0 or not math.isfinite(onset):
            logger.info("%s marker at %.3f s is before the file start: not exported", m.kind, m.time_s)
            continue
        if m.kind == "gap" and any(abs(g[0] - onset) < 1e-3 for g in stream_gaps):
            continue
        payload = dict(m.payload) if isinstance(m.payload, dict) else {}
        groups.append(_pieces(Marker(m.time_s, m.kind, payload), onset, annotation_duration(payload)))
    return groups


def _annotations(groups: Sequence[list[Annotation]], n_records: int, out: Path) -> list[Annotation]:
    """The markers' annotations that fit: edflib writes one annotation per annotation signal of a record,
    at most MAX_ANNOTATION_SIGNALS a record, and drops the rest (cutting a marker's text short). A marker
    that does not fit whole is left out instead, with a warning."""
    capacity = n_records * MAX_ANNOTATION_SIGNALS
    kept: list[Annotation] = []
    dropped = 0
    for pieces in groups:
        if len(kept) + len(pieces) <= capacity:
            kept.extend(pieces)
        else:
            dropped += 1
    if dropped:
        logger.warning("%s: %d of %d markers left out: %d data records hold at most %d annotations",
                       out, dropped, len(groups), n_records, capacity)
    return kept


def _n_annotation_signals(n_annotations: int, n_records: int) -> int:
    """Annotation signals per data record: edflib puts one annotation in each, record after record, so
    enough for all of them and the time-keeping one (at most MAX_ANNOTATION_SIGNALS)."""
    return min(MAX_ANNOTATION_SIGNALS, max(1, math.ceil((n_annotations + 1) / n_records) + 1))


# ----------------------------------------------------------------------------------------------- the plan


@dataclass
class _EdfPlan:
    """Everything write_edf writes, worked out before the file is opened."""

    file_type: int
    rec_dur: float  # s
    headers: list[dict[str, Any]]
    digital: list[np.ndarray]  # per signal, (n_records, samples per record)
    n_records: int
    annotations: list[Annotation]
    n_annotation_signals: int
    equipment: str
    t_start: float  # session-clock s of the file start
    started: datetime | None


def _streams_to_write(recording: Recording, fmt: str) -> list[RecordedStream]:
    if fmt not in ("auto", "edf", "bdf"):
        raise ValueError(f"EDF export format must be 'auto', 'edf' or 'bdf', not {fmt!r}")
    streams = [s for s in recording.streams if s.info.n_channels > 0]
    if not streams:
        raise ValueError("nothing to export: the recording has no streams")
    return streams


def _plan(recording: Recording, fmt: str, out: Path) -> _EdfPlan:
    import pyedflib

    streams = _streams_to_write(recording, fmt)
    if fmt == "auto":
        fmt = choose_format(recording)
    dmin, dmax = BDF_DIGITAL if fmt == "bdf" else EDF_DIGITAL
    t_start = min(s.t0 for s in streams)
    rec_dur = _record_duration([float(s.info.rate_hz) for s in streams])
    spr = [int(round(float(s.info.rate_hz) * rec_dur)) for s in streams]
    timelines, stream_gaps = _placed_timelines(streams, t_start)
    n_records = max(1, max(math.ceil(tl.shape[0] / k) for tl, k in zip(timelines, spr)))
    headers, scale = _signal_headers(streams, dmin, dmax)
    annots = _annotations(_marker_annotations(recording, t_start, stream_gaps), n_records, out)
    started = datetime.fromisoformat(recording.started_at) if recording.started_at else None
    kinds = sorted({s.info.kind for s in streams})
    return _EdfPlan(
        file_type=pyedflib.FILETYPE_BDFPLUS if fmt == "bdf" else pyedflib.FILETYPE_EDFPLUS,
        rec_dur=rec_dur,
        headers=headers,
        digital=_digital_signals(timelines, spr, scale, n_records, dmin, dmax),
        n_records=n_records,
        annotations=annots,
        n_annotation_signals=_n_annotation_signals(len(annots), n_records),
        equipment=("emgcoach " + "+".join(kinds))[:30].replace(" ", "_"),
        t_start=t_start,
        started=started,
    )


# ----------------------------------------------------------------------------------------------- writing


def _open_writer(path: Path, plan: _EdfPlan) -> pyedflib.EdfWriter:
    """An EdfWriter on `path` with the header fields and annotations of `plan` set."""
    import pyedflib

    writer = pyedflib.EdfWriter(str(path), len(plan.headers), file_type=plan.file_type)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if plan.rec_dur != 1.0:
                writer.setDatarecordDuration(plan.rec_dur)
            writer.setSignalHeaders(plan.headers)
            writer.setPatientCode("X")
            writer.setPatientName("X")
            writer.setEquipment(plan.equipment)
            writer.setRecordingAdditional(f"t0={plan.t_start:.6f}")
            if plan.started is not None and 1985 <= plan.started.year <= 2084:  # the session's date, not the export's
                writer.setStartdatetime(plan.started)  # (EDF's two-digit years span 1985-2084)
            writer.set_number_of_annotation_signals(plan.n_annotation_signals)
        for onset, dur, text in plan.annotations:
            writer.writeAnnotation(onset, dur, text)
    except BaseException:
        _close_quietly(writer)
        raise
    return writer


def _write_records(writer: pyedflib.EdfWriter, plan: _EdfPlan, out: Path, progress: Progress) -> None:
    """The data records, one at a time, reporting progress up to 0.98."""
    every = max(1, plan.n_records // 100)
    for r in range(plan.n_records):
        buf = np.ascontiguousarray(np.concatenate([d[r] for d in plan.digital]), dtype=np.int32)
        if writer.blockWriteDigitalSamples(buf) < 0:
            raise OSError(f"cannot write data record {r} to {out}")
        if r % every == 0:
            _progress(progress, 0.98 * (r + 1) / plan.n_records)


def _close_quietly(writer: pyedflib.EdfWriter) -> None:
    """Close a writer whose file is being given up; the error that led here is the one that matters."""
    try:
        writer.close()
    except Exception:
        logger.exception("closing an EDF writer after a failed write")


def _write_plan(plan: _EdfPlan, out: Path, progress: Progress) -> None:
    """Write `plan` to a temporary file next to `out` and rename it to `out`; on any error (including
    one raised by `progress`) remove the temporary file and leave `out` untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=str(out.parent))
    os.close(fd)
    tmp = Path(tmp_name)
    writer = None
    try:
        _progress(progress, 0.0)
        writer = _open_writer(tmp, plan)
        _write_records(writer, plan, out, progress)
        writer.close()
        writer = None
        os.replace(tmp, out)
        _progress(progress, 1.0)
    except BaseException:
        if writer is not None:
            _close_quietly(writer)
        tmp.unlink(missing_ok=True)
        raise


def write_edf(recording: Recording, out_path: str | os.PathLike, fmt: str = "auto", progress: Progress = None) -> Path:
    """Export `recording` (µV) as EDF+ (fmt='edf') or BDF+ (fmt='bdf'); 'auto' picks by the rule in
    io/edf.py.

    Returns the path written. Raises ValueError for an unknown fmt or an empty recording; any error
    leaves no file behind.
    """
    out = Path(out_path)
    _write_plan(_plan(recording, fmt, out), out, progress)
    return out
