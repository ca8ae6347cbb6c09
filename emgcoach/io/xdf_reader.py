"""Read XDF files (ours and LabRecorder's) into a Recording.

The chunks are parsed by `xdf_chunks` (our own parser: vectorised, and it keeps what a cut file holds).

Time origin (decision): all times in the returned Recording (stream t0, per-sample timestamps, marker
times) are seconds from the first sample of the earliest EMG stream in the file, so that onsets and
markers read as "s from start" whatever clock the file was recorded on (LabRecorder files carry LSL
clock times of hours or days). The offset removed is kept in the stream's `extra["xdf_time_origin"]`.

Clock offsets (tag 4 chunks) are applied as a least-squares line offset(t) fitted over the file, which
equals pyxdf's synchronize_clocks on well-behaved files; ours are all zero, so nothing changes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.csv_reader import gaps_from_times
from emgcoach.io.marker_text import marker_from_json
from emgcoach.io.recording import RecordedStream, Recording, local_time_iso
from emgcoach.io.units import unit_scale
from emgcoach.io.xdf_chunks import XdfFile, XdfStream, parse_xdf, xml_text
from emgcoach.types import ChannelSpec, Marker, StreamInfo

UNIT_SCALE = {
    "microvolts": 1.0, "microvolt": 1.0, "uv": 1.0, "µv": 1.0, "μv": 1.0,
    "millivolts": 1e3, "millivolt": 1e3, "mv": 1e3,
    "volts": 1e6, "volt": 1e6, "v": 1e6,
    "nanovolts": 1e-3, "nanovolt": 1e-3, "nv": 1e-3,
}  # fmt: skip


def _clock_correct(s: XdfStream, ts: np.ndarray) -> np.ndarray:
    """Add the clock offset (line fitted to the ClockOffset chunks) to the stream's timestamps."""
    if not s.clock_times or not any(v != 0.0 for v in s.clock_values) or not len(ts):
        return ts
    t = np.asarray(s.clock_times)
    v = np.asarray(s.clock_values)
    if len(t) >= 2 and np.ptp(t) > 0:
        b, a = np.polyfit(t - t[0], v, 1)
        return ts + (a + b * (ts - t[0]))
    return ts + float(np.median(v))


def _channel_specs(s: XdfStream, unit: str | None = None) -> tuple[tuple[ChannelSpec, ...], np.ndarray, tuple[int, ...]]:
    """ChannelSpecs from the header desc, per-channel factors to µV, and the channels without a <unit>
    (read in `unit`; listed as assumed µV when `unit` is None)."""
    chans = s.header.findall("./desc/channels/channel")
    specs = []
    scale = np.ones(s.n_channels, dtype=np.float64)
    assumed = []
    for i in range(s.n_channels):
        el = chans[i] if i < len(chans) else None
        label = xml_text(el, "label") or xml_text(el, "name") or f"ch{i}"
        stated = xml_text(el, "unit").strip().lower()
        if not stated and unit is None:
            assumed.append(i)
        scale[i] = UNIT_SCALE.get(stated, 1.0) if stated else unit_scale(unit)
        g_muscle, g_side = guess_role(label)
        muscle = xml_text(el, "muscle") or g_muscle
        side = xml_text(el, "side") or g_side
        if side not in ("left", "right", "none"):
            side = "none"
        specs.append(ChannelSpec(name=label, muscle=muscle, side=side, unit="uV", placement=xml_text(el, "placement")))
    return tuple(specs), scale, tuple(assumed)


def _marker_fromxml_text(t: float, text: str, stream_name: str) -> Marker:
    """Our marker's JSON text (io/marker_text.py) as that marker; any other string as a 'note' with it."""
    marker = marker_from_json(t, text)
    if marker is not None:
        return marker
    payload: dict[str, Any] = {"text": text}
    if stream_name and stream_name != "emgcoach-markers":
        payload["stream"] = stream_name
    return Marker(time_s=t, kind="note", payload=payload)


def check_finite(path: str, data: np.ndarray, what: str = "") -> None:
    """Refuse NaN/inf samples with their count and first position."""
    bad = ~np.isfinite(data)
    if bad.any():
        n = int(bad.sum())
        row, col = (int(x) for x in np.argwhere(bad)[0])
        raise InputError(
            path, f"{n} NaN/infinite sample value(s){what}; first at sample {row}, channel {col}"
        )


def _emg_streams(xf: XdfFile, path: str) -> list[XdfStream]:
    """The EMG streams with samples: those typed EMG, else every numeric stream with a rate."""
    numeric = [s for s in xf.streams.values() if s.fmt != "string"]
    emg = [s for s in numeric if "emg" in s.type.lower()]
    if not emg:
        emg = [s for s in numeric if s.srate > 0]
    emg = [s for s in emg if s.stamps]
    if not emg:
        names = ", ".join(f"{s.name or '?'} ({s.type or 'no type'})" for s in xf.streams.values()) or "none"
        cut = " (file cut short before any samples)" if xf.truncated else ""
        raise InputError(path, f"no EMG stream with samples{cut}; streams found: {names}")
    return emg


@dataclass
class _Prepared:
    """One EMG stream's samples read and checked: timestamps (s, file clock), data (µV), roles, rate (Hz)."""

    stream: XdfStream
    ts: np.ndarray
    data: np.ndarray
    specs: tuple[ChannelSpec, ...]
    rate: float
    assumed: tuple[int, ...]


def _prepare(s: XdfStream, path: str, unit: str | None) -> _Prepared:
    """Clock-corrected timestamps and float32 µV samples of `s`; the rate measured when the header's is 0."""
    ts = _clock_correct(s, s.time_stamps())
    data = s.time_series()
    specs, scale, assumed = _channel_specs(s, unit)
    data = data.astype(np.float64) * scale if np.any(scale != 1.0) else data
    data = np.ascontiguousarray(data, dtype=np.float32)
    check_finite(path, data, f" in stream {s.name!r}")
    if not np.all(np.isfinite(ts)):
        raise InputError(path, f"stream {s.name!r}: NaN/infinite timestamps")
    rate = s.srate
    if rate <= 0:
        d = np.diff(ts)
        d = d[d > 0]
        rate = float(1.0 / np.median(d)) if len(d) else 0.0
        if not (rate > 0 and np.isfinite(rate)):
            raise InputError(path, f"stream {s.name!r}: sample rate is 0 and cannot be measured")
    return _Prepared(s, ts, data, specs, rate, assumed)


def _recorded_stream(p: _Prepared, specs: tuple[ChannelSpec, ...], origin: float, path: str) -> RecordedStream:
    """A prepared stream with times from `origin` (s on the file clock) and its header's device and extras."""
    s = p.stream
    kind = xml_text(s.header, "desc/device/kind") or "xdf"
    address = xml_text(s.header, "desc/device/address") or xml_text(s.header, "source_id")
    extra = {
        "xdf_stream_id": str(s.stream_id),
        "xdf_type": s.type,
        "xdf_time_origin": repr(origin),
    }
    for item in s.header.findall("./desc/extra/item"):
        k = xml_text(item, "key")
        if k:
            extra.setdefault(k, xml_text(item, "value"))
    info = StreamInfo(kind=kind, name=s.name or f"stream{s.stream_id}", address=address, rate_hz=p.rate,
                      channels=specs, extra=extra)
    rel = p.ts - origin
    return RecordedStream(info=info, data=p.data, t0=float(rel[0]), first_index=0,
                          gaps=gaps_from_times(p.ts, p.rate, path), timestamps=rel, unit_assumed=p.assumed)


def _markers(xf: XdfFile, origin: float) -> list[Marker]:
    """Every string stream's samples as markers, times from `origin` (s on the file clock), in time order."""
    markers: list[Marker] = []
    for s in xf.streams.values():
        if s.fmt != "string":
            continue
        ts = _clock_correct(s, s.time_stamps())
        for t, row in zip(ts, s.time_series(), strict=False):
            if np.isfinite(t):
                markers.append(_marker_fromxml_text(float(t) - origin, row[0] if row else "", s.name))
    markers.sort(key=lambda m: m.time_s)
    return markers


def read_xdf(
    path: str | os.PathLike[str], channels: Sequence[ChannelOverride] | None = None, unit: str | None = None
) -> Recording:
    """Read an XDF file: EMG streams (µV, gaps from timestamps) and marker streams. Channels with a
    <unit> are converted from it; `unit` ('uV', 'mV', 'V'; µV when None) is that of channels without."""
    path = str(path)
    xf = parse_xdf(path)
    emg = _emg_streams(xf, path)
    check_override_indices(channels, sum(s.n_channels for s in emg), path)
    prepared = [_prepare(s, path, unit) for s in emg]
    origin = min(float(p.ts[0]) for p in prepared)
    streams: list[RecordedStream] = []
    offset = 0
    for p in prepared:
        specs = apply_overrides(p.specs, channels, path, offset)
        offset += len(specs)
        streams.append(_recorded_stream(p, specs, origin, path))
    started_at = local_time_iso(xml_text(xf.file_header, "datetime")) if xf.file_header is not None else None
    return Recording(path=path, streams=streams, markers=_markers(xf, origin), started_at=started_at)
