"""EDF+/BDF+ export and EDF/EDF+/BDF/BDF+ reading (through pyedflib).

Writing (`write_edf`)
---------------------
* One EDF signal per channel, across all streams, in stream order. Label 'EMG lat L' style (<= 16 chars,
  unique), transducer 'surface EMG electrode', physical dimension 'uV'.
* Physical range: symmetric, +-ceil(1.05 * max|x|) in whole µV (at least 1 µV), so the 8-character header
  field holds it exactly and the quantisation step is known: step = 2*pmax / (2^16-1) for EDF,
  2*pmax / (2^24-1) for BDF. Samples are converted to digital values here, rounded to nearest, so the
  written error is at most step/2. Non-finite samples are written as 0.
* fmt='auto' rule: BDF when any stream says StreamInfo.extra['resolution_bits'] > 16, or when the EDF
  step for some channel's range would exceed 0.05 µV (i.e. max|x| above ~1560 µV); EDF otherwise.
* Data-record duration: the shortest duration D (string of <= 8 chars, 0.001..60 s) for which every stream's
  rate * D is a whole number (1 s for integer rates; 10 s for e.g. 1150.3 Hz). When no such D exists
  (e.g. 1150.37 Hz), D is the candidate among 1, 2, 5, 10, 20, 30, 60 s that makes the rate written
  (round(rate*D)/D) closest to the true rate; the relative error is then below 1/(2*rate*D) (< 8e-6
  at 1 kHz, D=60 s).
* Time: the file starts at the earliest stream t0 (the session-clock value is kept in the recording
  field as 't0=<s>' and read back into RecordedStream.t0). A stream starting later is preceded by zeros
  and a 'gap' annotation. Gaps (RecordedStream.gaps) are written as zeros at their true position with a
  'gap' annotation of the gap's duration, so no sample is shifted. The last data record is padded with
  zeros (at most one record); that padding is not annotated.
* Markers become EDF+ annotations: onset in s from the file start (0.1 ms resolution), duration from
  payload['duration_s'] if present else -1 (none), text '<kind> <key=value ...> <free text>': a string
  value as itself, any other value (numbers, lists, nested objects, strings that look like numbers) as
  compact JSON, with '%', spaces and control characters percent-escaped; a note's plain 'text' as free
  words. A text longer than 40 bytes (the EDF+ writer's limit) goes on in further annotations at the same
  onset that start with '+' (cut before a space where one is in reach); the reader joins them back, so
  every marker and its whole payload round-trip. Markers before the file start cannot be stored in EDF+
  and are dropped.
* Patient and recording fields are pseudonymous: patient 'X X X X', equipment 'emgcoach <device kinds>'.
* The file is written under a temporary name next to the target and renamed on success; on any error
  (including one raised by `progress`) the temporary file is removed and the target is left untouched.

Reading (`read_edf`)
--------------------
One RecordedStream per sample rate (in order of first appearance); roles from labels or overrides;
'uV'/'µV'/'mV'/'V'/'nV' converted to µV (signals with other dimensions, e.g. accelerometers, are skipped,
an empty dimension is taken as µV, or as the reader's `unit`); annotations become Markers (continuations
joined, values decoded; other tools' annotations become 'note' markers with their text). Every problem is an InputError naming
the file.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import unit_scale
from emgcoach.types import MARKER_KINDS, ChannelSpec, Marker, StreamInfo

try:  # the readers' engineer owns channels.py; fall back to duck typing if it is missing
    from emgcoach.io.channels import guess_role as _guess_role
except ImportError:  # pragma: no cover
    _guess_role = None

Progress = Callable[[float], Any] | None

# symmetric digital ranges (one code short of the format's full range) so that 0 µV is exactly code 0:
# gaps written as zeros read back as exact zeros.
EDF_DIGITAL = (-32767, 32767)
BDF_DIGITAL = (-8388607, 8388607)
EDF_MAX_STEP_UV = 0.05  # auto rule: use BDF when the EDF step would be coarser than this
ANNOTATION_MAX_CHARS = 40  # edflib's limit for one annotation text
CONTINUATION = "+"  # an annotation that goes on with the previous marker's text (same onset)
TRANSDUCER = "surface EMG electrode"

_MUSCLE_ABBR = {
    "latissimus_dorsi": "lat",
    "gluteus_maximus": "glute",
    "gluteus_medius": "gmed",
    "erector_spinae": "erector",
    "external_oblique": "oblique",
    "biceps_femoris": "hamstring",
}


# ----------------------------------------------------------------------------------------------- writing


def _progress(progress: Progress, fraction: float) -> None:
    if progress is not None:
        progress(float(min(1.0, max(0.0, fraction))))


def _timeline(stream: RecordedStream) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Samples placed at their absolute positions (from first_index), zeros over gaps.

    Returns (data of shape (n_total, n_channels) float32, gaps as (offset from first_index, count)).
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


def _record_duration(rates: Sequence[float]) -> float:
    """Data-record duration in s; see the module docstring for the rule."""
    fracs = [Fraction(float(r)).limit_denominator(1_000_000) for r in rates]
    # shortest D = p/q with every r*D integral: D must be a multiple of 1/gcd over r of ... use LCM of
    # denominators of 1/r-grid: D = k * L where L = lcm(den) / gcd(num*(lcm/den)).
    lcm_den = 1
    for f in fracs:
        lcm_den = lcm_den * f.denominator // math.gcd(lcm_den, f.denominator)
    g = 0
    for f in fracs:
        g = math.gcd(g, f.numerator * (lcm_den // f.denominator))
    if g:
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

    def worst(d: float) -> float:
        return max(abs(round(r * d) / d - r) / r for r in rates)

    return min((1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0), key=lambda d: (worst(d), d))


def _edf_label(spec: ChannelSpec, used: set[str]) -> str:
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


def _escape(text: str, extra: str = "") -> str:
    """Percent-escape '%', spaces, control characters (and `extra`) so a value is one word of the text."""
    out = []
    for ch in text:
        if ch == "%" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch in extra:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out)


def _value_text(v: Any) -> str:
    """A payload value as one word: a plain string as itself, anything else (and a string that would read
    back as another type) as compact JSON; spaces and '%' percent-escaped."""
    if isinstance(v, str):
        try:
            json.loads(v)
        except ValueError:
            return _escape(v)
    return _escape(json.dumps(v, separators=(",", ":"), ensure_ascii=False, default=str))


def _value_from_text(text: str) -> Any:
    raw = unquote(text)
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _plain_words(v: Any) -> bool:
    """Whether a 'text' value can be written as free words (and read back as the same string)."""
    return (isinstance(v, str) and bool(v) and v == " ".join(v.split())
            and not any("=" in w or "%" in w for w in v.split()))


def _annotation_duration(payload: dict[str, Any]) -> float:
    dur = payload.get("duration_s", -1)
    try:
        dur = float(dur)
    except (TypeError, ValueError):
        return -1.0
    return dur if math.isfinite(dur) and dur > 0 else -1.0


def _payload_text(kind: str, payload: dict[str, Any]) -> str:
    """The whole marker as one text: '<kind> <key=value ...> <free text>' (see `_annotation_pieces`).
    duration_s stays in the text too: the annotation's own duration keeps only 0.1 ms."""
    parts = [kind]
    free = ""
    for k, v in payload.items():
        if k == "text" and _plain_words(v):
            free = v
            continue
        parts.append(f"{_escape(str(k), '=')}={_value_text(v)}")
    if free:
        parts.append(free)
    return " ".join(parts)


def _cut(text: str, limit: int) -> int:
    """Characters of `text` that fit in `limit` UTF-8 bytes."""
    n = 0
    used = 0
    for ch in text:
        used += len(ch.encode("utf-8"))
        if used > limit:
            break
        n += 1
    return n


def _annotation_pieces(text: str) -> list[str]:
    """`text` in annotations of at most ANNOTATION_MAX_CHARS bytes (edflib's limit). The first is the text's
    start; each further one starts with CONTINUATION and carries the next part, cut before a space when
    one is in reach (so the piece after begins with that space) and anywhere else otherwise. The reader
    joins the pieces back by plain concatenation, so nothing is lost."""
    pieces = []
    limit = ANNOTATION_MAX_CHARS
    while text:
        n = _cut(text, limit)
        if n < len(text):
            space = text.rfind(" ", 1, n + 1)
            if space > 0:
                n = space
        pieces.append(("" if not pieces else CONTINUATION) + text[:n])
        text = text[n:]
        limit = ANNOTATION_MAX_CHARS - len(CONTINUATION)
    return pieces


def choose_format(recording: Recording) -> str:
    """'bdf' or 'edf' by the fmt='auto' rule of the module docstring."""
    for s in recording.streams:
        try:
            if int(str((s.info.extra or {}).get("resolution_bits", "0"))) > 16:
                return "bdf"
        except ValueError:
            pass
        pmax = _phys_max(np.asarray(s.data))
        if 2.0 * pmax / (EDF_DIGITAL[1] - EDF_DIGITAL[0]) > EDF_MAX_STEP_UV:
            return "bdf"
    return "edf"


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


def write_edf(recording: Recording, out_path: str | os.PathLike, fmt: str = "auto", progress: Progress = None) -> Path:
    """Export `recording` as EDF+ (fmt='edf') or BDF+ (fmt='bdf'); 'auto' picks by the rule above.

    Returns the path written. Raises ValueError for an unknown fmt or an empty recording; any error
    leaves no file behind.
    """
    import pyedflib

    out = Path(out_path)
    if fmt not in ("auto", "edf", "bdf"):
        raise ValueError(f"EDF export format must be 'auto', 'edf' or 'bdf', not {fmt!r}")
    streams = [s for s in recording.streams if s.info.n_channels > 0]
    if not streams:
        raise ValueError("nothing to export: the recording has no streams")
    if fmt == "auto":
        fmt = choose_format(recording)
    ftype = pyedflib.FILETYPE_BDFPLUS if fmt == "bdf" else pyedflib.FILETYPE_EDFPLUS
    dmin, dmax = BDF_DIGITAL if fmt == "bdf" else EDF_DIGITAL

    t_start = min(s.t0 for s in streams)
    rates = [float(s.info.rate_hz) for s in streams]
    rec_dur = _record_duration(rates)
    spr = [int(round(r * rec_dur)) for r in rates]

    # per-stream timelines with zeros over gaps and leading offsets
    timelines: list[np.ndarray] = []
    gap_annots: list[tuple[float, float, str]] = []
    for si, s in enumerate(streams):
        tl, gaps = _timeline(s)
        lead = int(round((s.t0 - t_start) * s.info.rate_hz))
        if lead > 0:
            tl = np.concatenate([np.zeros((lead, tl.shape[1]), np.float32), tl])
            gap_annots.append((0.0, lead / s.info.rate_hz, f"gap stream={si} start"))
        for off, n in gaps:
            onset = (lead + off) / s.info.rate_hz
            gap_annots.append((onset, n / s.info.rate_hz, f"gap stream={si} n={n}"))
        timelines.append(tl)
    n_records = max(math.ceil(tl.shape[0] / k) for tl, k in zip(timelines, spr))
    n_records = max(n_records, 1)

    # signal headers
    headers = []
    used: set[str] = set()
    scale: list[tuple[float, float]] = []  # (pmin, step) per signal
    for s, tl in zip(streams, timelines):
        pre = _prefilter(s.info)
        for ci, spec in enumerate(s.info.channels):
            pmax = _phys_max(np.asarray(s.data)[:, ci] if np.asarray(s.data).ndim == 2 else np.asarray(s.data))
            headers.append(
                {
                    "label": _edf_label(spec, used),
                    "dimension": "uV",
                    "sample_frequency": float(s.info.rate_hz),
                    "physical_max": pmax,
                    "physical_min": -pmax,
                    "digital_max": dmax,
                    "digital_min": dmin,
                    "transducer": TRANSDUCER,
                    "prefilter": pre,
                }
            )
            scale.append((-pmax, 2.0 * pmax / (dmax - dmin)))

    # annotations: gaps first, then markers (skipping 'gap' markers already covered by a stream gap)
    annots = list(gap_annots)
    for m in recording.markers:
        onset = m.time_s - t_start
        if onset < 0 or not math.isfinite(onset):
            continue
        if m.kind == "gap" and any(abs(a[0] - onset) < 1e-3 for a in gap_annots):
            continue
        payload = dict(m.payload) if isinstance(m.payload, dict) else {}
        dur = _annotation_duration(payload)
        for piece in _annotation_pieces(_payload_text(m.kind, payload)):  # in order: edflib keeps it
            annots.append((onset, dur, piece))
    n_ann_signals = min(64, max(1, math.ceil((len(annots) + 1) / n_records) + 1))

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=str(out.parent))
    os.close(fd)
    tmp = Path(tmp_name)
    writer = None
    try:
        _progress(progress, 0.0)
        writer = pyedflib.EdfWriter(str(tmp), len(headers), file_type=ftype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if rec_dur != 1.0:
                writer.setDatarecordDuration(rec_dur)
            writer.setSignalHeaders(headers)
            writer.setPatientCode("X")
            writer.setPatientName("X")
            kinds = sorted({s.info.kind for s in streams})
            writer.setEquipment(("emgcoach " + "+".join(kinds))[:30].replace(" ", "_"))
            writer.setRecordingAdditional(f"t0={t_start:.6f}")
            started = datetime.fromisoformat(recording.started_at) if recording.started_at else None
            if started is not None and 1985 <= started.year <= 2084:  # the session's date, not the export's
                writer.setStartdatetime(started)  # (EDF's two-digit years span 1985-2084)
            writer.set_number_of_annotation_signals(n_ann_signals)
        for onset, dur, text in annots:
            writer.writeAnnotation(onset, dur, text)

        # digital conversion per signal, then one data record at a time
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
        every = max(1, n_records // 100)
        for r in range(n_records):
            buf = np.ascontiguousarray(np.concatenate([d[r] for d in digital]), dtype=np.int32)
            if writer.blockWriteDigitalSamples(buf) < 0:
                raise OSError(f"cannot write data record {r} to {out}")
            if r % every == 0:
                _progress(progress, 0.98 * (r + 1) / n_records)
        writer.close()
        writer = None
        os.replace(tmp, out)
        _progress(progress, 1.0)
    except BaseException:
        if writer is not None:
            try:
                writer.close()
            except Exception:
                pass
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return out


# ----------------------------------------------------------------------------------------------- reading

_UNIT_TO_UV = {"uv": 1.0, "µv": 1.0, "μv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3, "": 1.0}
_T0 = re.compile(r"t0=(-?\d+(?:\.\d+)?)")


def _role(label: str) -> tuple[str, str]:
    if _guess_role is not None:
        return _guess_role(label)
    low = label.lower()  # pragma: no cover - only without channels.py
    toks = re.findall(r"[a-z]+", low)
    muscle = "latissimus_dorsi" if ("lat" in toks or "latissimus" in low) else (
        "gluteus_maximus" if "glute" in low else "other")
    side = "left" if ("left" in toks or "l" in toks) else ("right" if ("right" in toks or "r" in toks) else "none")
    return muscle, side


def _parse_annotation(onset: float, duration: float, text: str, t0: float) -> Marker:
    words = text.strip().split()
    payload: dict[str, Any] = {}
    if words and words[0] in MARKER_KINDS:
        kind = words[0]
        rest = words[1:]
        free = []
        for w in rest:
            if "=" in w and not w.startswith("="):
                k, v = w.split("=", 1)
                payload[unquote(k)] = _value_from_text(v)
            else:
                free.append(w)
        if free:
            payload["text"] = " ".join(free)
    else:
        kind = "note"
        payload["text"] = text.strip()
    if "duration_s" not in payload and duration is not None and math.isfinite(duration) and duration > 0:
        payload["duration_s"] = float(duration)
    return Marker(time_s=t0 + float(onset), kind=kind, payload=payload)


def _join_pieces(onsets: Sequence[float], durations: Sequence[float], texts: Sequence[str]) -> list[tuple[float, float, str]]:
    """Annotations with their continuations (CONTINUATION + text, same onset, right after; written by
    `_annotation_pieces`) joined back into one text each."""
    out: list[tuple[float, float, str]] = []
    can_continue = False
    for onset, dur, text in zip(onsets, durations, texts):
        onset, text = float(onset), str(text)
        if not math.isfinite(onset):
            can_continue = False
            continue
        if (can_continue and text.startswith(CONTINUATION) and abs(onset - out[-1][0]) < 5e-5):
            out[-1] = (out[-1][0], out[-1][1], out[-1][2] + text[len(CONTINUATION):])
            continue
        out.append((onset, float(dur), text))
        first = text.strip().split(maxsplit=1)
        can_continue = bool(first) and first[0] in MARKER_KINDS  # only our markers go on
    return out


def read_edf(path: str | os.PathLike, channels: Sequence[Any] | None = None, unit: str | None = None) -> Recording:
    """Read EDF, EDF+, BDF or BDF+ into a Recording (see module docstring). InputError on any problem.

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
        raise InputError(path, f"not a readable EDF/BDF file: {msg}") from None


def _header_int(path: str, raw: bytes, what: str) -> int:
    text = raw.decode("ascii", "replace").strip()
    try:
        return int(text)
    except ValueError:
        raise InputError(path, f"damaged EDF/BDF header: {what} is {text!r}, not a whole number") from None


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
    with open(path, "rb") as f:
        f.seek(256 + ns * 216)
        spr_field = f.read(ns * 8)
    spr = [_header_int(path, spr_field[i * 8 : (i + 1) * 8], f"samples per record of signal {i}") for i in range(ns)]
    if any(k < 0 for k in spr):
        raise InputError(path, "damaged EDF/BDF header: negative samples per record")
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


def _read_edf(path: str, channels: Sequence[Any] | None, unit: str | None = None) -> Recording:
    import pyedflib

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

    _check_header(path, head, size)
    reader = pyedflib.EdfReader(path)
    try:
        n_sig = reader.signals_in_file
        if n_sig <= 0:
            raise InputError(path, "the file holds no signals")
        is_bdf = head.startswith(b"\xff")
        recording_field = ""
        try:
            recording_field = reader.getRecordingAdditional() or ""
        except Exception:
            pass
        m = _T0.search(recording_field)
        t0 = float(m.group(1)) if m else 0.0
        if not math.isfinite(t0):
            t0 = 0.0

        n_samples = reader.getNSamples()
        groups: dict[float, list[int]] = {}
        skipped = []
        for i in range(n_sig):
            rate = float(reader.getSampleFrequency(i))
            if not (rate > 0 and math.isfinite(rate)):
                raise InputError(path, f"signal {i} ({reader.getLabel(i).strip()!r}) has sample rate {rate}")
            dim = reader.getPhysicalDimension(i).strip().lower().replace("\u00b5", "µ")
            if dim not in _UNIT_TO_UV:
                skipped.append(reader.getLabel(i).strip())
                continue
            groups.setdefault(round(rate, 6), []).append(i)
        if not groups:
            raise InputError(path, f"no EMG (voltage) signals; found only {', '.join(skipped) or 'none'}")

        streams: list[RecordedStream] = []
        offset = 0
        all_n = sum(len(v) for v in groups.values())
        if channels:
            from emgcoach.io.channels import check_override_indices

            check_override_indices(channels, all_n, path)
        for rate, idxs in groups.items():
            n = int(min(n_samples[i] for i in idxs))
            data = np.empty((n, len(idxs)), dtype=np.float32)
            specs = []
            prefilters = set()
            assumed = []
            for j, i in enumerate(idxs):
                label = reader.getLabel(i).strip() or f"ch{i}"
                dim = reader.getPhysicalDimension(i).strip().lower().replace("\u00b5", "µ")
                x = reader.readSignal(i, 0, n)
                if x.shape[0] != n:
                    raise InputError(path, f"signal {label!r} is shorter than its header says (file truncated?)")
                if not dim and unit is None:
                    assumed.append(j)
                data[:, j] = (x * (_UNIT_TO_UV[dim] if dim else unit_scale(unit))).astype(np.float32)
                muscle, side = _role(label)
                specs.append(ChannelSpec(name=label, muscle=muscle, side=side, unit="uV"))
                pf = reader.getPrefilter(i).strip()
                if pf:
                    prefilters.add(pf)
            specs_t = tuple(specs)
            for ov in channels or ():
                k = int(ov.index) - offset
                if 0 <= k < len(specs_t):
                    sp = specs_t[k]
                    specs_t = specs_t[:k] + (ChannelSpec(sp.name, ov.muscle, ov.side, sp.unit, sp.placement),) + specs_t[k + 1 :]
            offset += len(idxs)
            extra = {"format": "bdf" if is_bdf else "edf", "resolution_bits": "24" if is_bdf else "16"}
            if len(prefilters) == 1:
                extra["prefilter"] = prefilters.pop()
            info = StreamInfo(
                kind="file",
                name=f"{os.path.basename(path)} @{rate:g}Hz",
                address=path,
                rate_hz=float(rate),
                channels=specs_t,
                extra=extra,
            )
            streams.append(RecordedStream(info=info, data=data, t0=t0, first_index=0, unit_assumed=tuple(assumed)))

        markers: list[Marker] = []
        try:
            onsets, durations, texts = reader.readAnnotations()
        except Exception:
            onsets, durations, texts = [], [], []
        for onset, dur, text in _join_pieces(onsets, durations, texts):
            markers.append(_parse_annotation(onset, dur, text, t0))
        markers.sort(key=lambda mk: mk.time_s)
        try:
            started_at = reader.getStartdatetime().isoformat(timespec="seconds")
        except (ValueError, OSError):  # an unreadable start date: the samples still count
            started_at = None
        return Recording(path=path, streams=streams, markers=markers, started_at=started_at)
    finally:
        reader.close()
