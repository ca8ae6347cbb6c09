"""Readers for two text formats of the field.

1. BITalino / OpenSignals / BioSPPy text:
   - "Simple Text Format": `# Simple Text Format`, `# Sampling Rate (Hz):= 1000.00`, `# Resolution:= 12`,
     `# Labels:= EMG`, then one raw ADC value per line (one column per label).
   - OpenSignals text: `# OpenSignals Text File Format`, a `# {json}` header (per device: "sampling rate",
     "resolution", "column", "label", "sensor"), `# EndOfHeader`, then columns nSeq, I1, I2, O1, O2, A1...
   Counts become µV with the BITalino EMG transfer function µV = ((ADC / 2^res) - 0.5) x 3.3 / 1009 x 1e6.
2. OpenBCI GUI raw text (`%OpenBCI Raw EEG Data`, `%Number of channels = 4`, `%Sample Rate = 200 Hz`,
   `%Board = ...`, then a header `Sample Index, EXG Channel 0, ...` and rows; values already in µV).
   Older GUI files without a named header have the sample index first and the channels after it.
   Gaps are not detected (the GUI's timestamps are per packet and jittery); times start at 0.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.csv_reader import first_lines, load_numeric_table
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import ChannelSpec, StreamInfo

BITALINO_VCC = 3.3
BITALINO_EMG_GAIN = 1009.0


def bitalino_emg_uv(adc: np.ndarray, resolution_bits: int) -> np.ndarray:
    """BITalino EMG transfer function: raw ADC counts -> µV."""
    return ((np.asarray(adc, dtype=np.float64) / 2.0**resolution_bits) - 0.5) * BITALINO_VCC / BITALINO_EMG_GAIN * 1e6


def _finish(
    path: str, kind: str, rate: float, names: list[str], values: np.ndarray, channels: Sequence[ChannelOverride] | None
) -> Recording:
    if not (np.isfinite(rate) and rate > 0):
        raise InputError(path, f"sample rate must be a positive number, not {rate!r}")
    if values.shape[0] == 0:
        raise InputError(path, "no samples")
    values = np.ascontiguousarray(values, dtype=np.float32)
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        raise InputError(path, f"{int(bad.sum())} NaN/infinite sample value(s); first at sample {r}, channel {c}")
    specs = []
    for n in names:
        muscle, side = guess_role(n)
        specs.append(ChannelSpec(name=n, muscle=muscle, side=side))
    check_override_indices(channels, len(specs), path)
    info = StreamInfo(kind=kind, name=os.path.basename(path), address=path, rate_hz=float(rate),
                      channels=apply_overrides(specs, channels, path))
    return Recording(path=path, streams=[RecordedStream(info=info, data=values, t0=0.0)], markers=[])


def _header_value(lines: list[str], key: str) -> str | None:
    for line in lines:
        m = re.match(r"#\s*" + key + r"\s*:?=\s*(.*)$", line, re.IGNORECASE)
        if m:
            return m.group(1).strip()
    return None


def read_simple_text(path: str | os.PathLike[str], channels: Sequence[ChannelOverride] | None = None) -> Recording:
    """BITalino/OpenSignals/BioSPPy text file -> Recording in µV."""
    path = str(path)
    head = first_lines(path, 200)
    if not head:
        raise InputError(path, "file is empty")
    if head[0].lower().startswith("# opensignals"):
        return _read_opensignals(path, head, channels)
    n_header = 0
    while n_header < len(head) and head[n_header].lstrip().startswith("#"):
        n_header += 1
    header = head[:n_header]
    rate_s = _header_value(header, r"Sampling Rate(?:\s*\(Hz\))?")
    res_s = _header_value(header, "Resolution")
    labels_s = _header_value(header, "Labels")
    if rate_s is None:
        raise InputError(path, "no '# Sampling Rate (Hz):= ...' header line")
    try:
        rate = float(rate_s)
    except ValueError:
        raise InputError(path, f"sampling rate {rate_s!r} is not a number") from None
    try:
        res = int(float(res_s)) if res_s is not None else 10
    except ValueError:
        raise InputError(path, f"resolution {res_s!r} is not a number") from None
    if not 1 <= res <= 32:
        raise InputError(path, f"resolution {res} bits is out of range")
    labels = [x for x in re.split(r"[\t,;]+|\s+", labels_s or "") if x] or ["EMG"]
    data = load_numeric_table(path, n_header, None)
    if data.shape[0] == 0:
        raise InputError(path, "no samples after the header")
    if data.shape[1] != len(labels):
        if len(labels) == 1 and data.shape[1] > 1:
            labels = [f"{labels[0]}{i}" for i in range(data.shape[1])]
        else:
            raise InputError(path, f"rows have {data.shape[1]} values but the header has {len(labels)} label(s)")
    if not np.all(np.isfinite(data)):
        return _finish(path, "bitalino", rate, labels, data, channels)  # reports NaN position
    return _finish(path, "bitalino", rate, labels, bitalino_emg_uv(data, res), channels)


def _read_opensignals(path: str, head: list[str], channels: Sequence[ChannelOverride] | None) -> Recording:
    n_header = 0
    meta = None
    while n_header < len(head) and head[n_header].lstrip().startswith("#"):
        line = head[n_header].lstrip()[1:].strip()
        if line.startswith("{"):
            try:
                meta = json.loads(line)
            except ValueError:
                raise InputError(path, "OpenSignals header JSON is damaged") from None
        n_header += 1
    if not isinstance(meta, dict) or not meta:
        raise InputError(path, "OpenSignals file without its JSON header line")
    dev = next(iter(meta.values()))
    if not isinstance(dev, dict):
        raise InputError(path, "OpenSignals header JSON has no device entry")
    try:
        rate = float(dev["sampling rate"])
        columns = [str(c) for c in dev["column"]]
        labels = [str(c) for c in dev.get("label", [])]
        resolution = [int(r) for r in dev.get("resolution", [])]
        sensors = [str(s) for s in dev.get("sensor", [])]
    except (KeyError, TypeError, ValueError):
        raise InputError(path, "OpenSignals header lacks 'sampling rate' or 'column'") from None
    if not labels:
        raise InputError(path, "OpenSignals header lists no analog channels")
    # pick the analog channels that carry EMG (all of them if no sensor says EMG)
    chosen = [i for i, s in enumerate(sensors) if "EMG" in s.upper()] or list(range(len(labels)))
    cols = []
    for i in chosen:
        if i >= len(labels) or labels[i] not in columns:
            raise InputError(path, f"OpenSignals header: label {labels[i] if i < len(labels) else i!r} not among columns")
        cols.append(columns.index(labels[i]))
    data = load_numeric_table(path, n_header, None)
    if data.shape[1] != len(columns):
        raise InputError(path, f"rows have {data.shape[1]} values but the header names {len(columns)} columns")
    values = data[:, cols]
    out = np.empty_like(values)
    for j, i in enumerate(chosen):
        # the resolution list runs over all columns (nSeq, I1, I2, O1, O2, A1...) or over the labels only
        if len(resolution) == len(columns):
            res = resolution[cols[j]]
        elif len(resolution) == len(labels):
            res = resolution[i]
        else:
            res = 10
        out[:, j] = bitalino_emg_uv(values[:, j], res)
    if not np.all(np.isfinite(values)):
        out = values
    return _finish(path, "bitalino", rate, [labels[i] for i in chosen], out, channels)


def read_openbci_txt(path: str | os.PathLike[str], channels: Sequence[ChannelOverride] | None = None) -> Recording:
    """OpenBCI GUI raw text file (values already in µV) -> Recording."""
    path = str(path)
    head = first_lines(path, 64)
    if not head or not head[0].startswith("%OpenBCI"):
        raise InputError(path, "not an OpenBCI GUI file (first line is not '%OpenBCI ...')")
    n_meta = 0
    while n_meta < len(head) and head[n_meta].startswith("%"):
        n_meta += 1
    meta = {}
    for line in head[:n_meta]:
        if "=" in line:
            k, v = line[1:].split("=", 1)
            meta[k.strip().lower()] = v.strip()
    rate_s = meta.get("sample rate")
    if rate_s is None:
        raise InputError(path, "no '%Sample Rate = ...' header line")
    m = re.match(r"([0-9.eE+-]+)", rate_s)
    try:
        rate = float(m.group(1)) if m else float("nan")
    except ValueError:
        rate = float("nan")
    if not (np.isfinite(rate) and rate > 0):
        raise InputError(path, f"sample rate {rate_s!r} is not a positive number")
    nch_s = meta.get("number of channels")
    try:
        nch = int(nch_s) if nch_s is not None else None
    except ValueError:
        raise InputError(path, f"number of channels {nch_s!r} is not a whole number") from None
    if n_meta >= len(head):
        raise InputError(path, "no data after the header")
    first = head[n_meta]
    cells = [c.strip() for c in first.split(",")]
    if cells and not all(_num(c) for c in cells if c):
        # named header: EXG Channel columns
        exg = [i for i, c in enumerate(cells) if re.match(r"exg channel \d+", c.lower())]
        if not exg:
            raise InputError(path, "header row has no 'EXG Channel N' columns")
        if nch is not None and nch != len(exg):
            raise InputError(path, f"header says {nch} channels but names {len(exg)} EXG columns")
        names = [cells[i] for i in exg]
        data = load_numeric_table(path, n_meta + 1, ",", usecols=exg)
    else:
        if nch is None:
            raise InputError(path, "no '%Number of channels' line and no column names")
        if len(cells) < nch + 1:
            raise InputError(path, f"rows have {len(cells)} values, too few for {nch} channels after the index")
        names = [f"EXG Channel {i}" for i in range(nch)]
        data = load_numeric_table(path, n_meta, ",", usecols=list(range(1, nch + 1)))
    board = meta.get("board", "")
    kind = "ganglion" if "ganglion" in board.lower() else "openbci"
    return _finish(path, kind, rate, names, data, channels)


def _num(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
