"""Amplitude units: the `unit` option of the readers (`--unit uV|mV|V`) and the check for columns whose
values look like mV or V although the file does not say so.

Rule: a column whose file states its unit (a CSV header `lat (mV)`, an XDF `<unit>`, an EDF physical
dimension, a DataLOG `engineering units:`) is read in that unit whatever `unit` says; `unit` applies to
the columns that state none, which are otherwise taken as µV. Those columns are listed per stream in
`RecordedStream.unit_assumed` when no `unit` was given, and `unit_warnings` looks at them.
"""

from __future__ import annotations

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.recording import Recording

UNITS: dict[str, float] = {"uV": 1.0, "mV": 1e3, "V": 1e6}  # factor to µV
_SPELLINGS = {"uv": "uV", "µv": "uV", "μv": "uV", "microvolts": "uV", "mv": "mV", "millivolts": "mV", "v": "V", "volts": "V"}

# A surface-EMG column in µV has an RMS of a few µV even at rest (electrode and amplifier noise are
# 1-5 µV RMS), so an RMS below this, if the column still has bursts, is most likely mV or V written as
# numbers: 5 µV of noise is 0.005 in mV, a 500 µV burst 0.5.
SUSPECT_RMS = 0.5
BURST_RATIO = 4.0  # loud 100-ms windows (95th percentile) over quiet ones (10th): EMG bursts are 10-100x rest
WINDOW_S = 0.1
BASELINE_S = 0.2  # moving mean removed first: an ADC offset or drift is not a burst
MIN_SAMPLES = 10  # windows; fewer is too little to tell rest from bursts


def parse_unit(text: str) -> str:
    """'uV', 'mV' or 'V' from a user's spelling (uv, µV, mV, v, millivolts, ...); ValueError otherwise."""
    unit = _SPELLINGS.get(str(text).strip().lower())
    if unit is None:
        raise ValueError(f"unit {text!r}: give uV, mV or V")
    return unit


def unit_scale(unit: str | None) -> float:
    """Factor from `unit` ('uV', 'mV', 'V', or any spelling parse_unit takes) to µV; 1 for None."""
    return 1.0 if unit is None else UNITS[parse_unit(unit)]


# Voltage units as files state them (C3D, vendor CSVs, DataLOG), lower-cased, and their factor to µV.
VOLT_UNITS = {"v": 1e6, "volt": 1e6, "volts": 1e6, "mv": 1e3, "uv": 1.0, "µv": 1.0, "μv": 1.0}


def is_volt_unit(stated: str) -> bool:
    """Whether a unit a file states for a channel ('' when it states none) can be EMG's."""
    u = stated.strip().lower()
    return not u or u in VOLT_UNITS


def stated_scale(path: str, name: str, stated: str, unit: str | None) -> tuple[float, bool]:
    """The factor to µV of channel `name`, whose file states `stated` ('' for none), and whether it was
    assumed (no unit stated, none given): the stated unit wins, else `unit` (--unit), else µV.
    InputError naming the file when the stated unit is no voltage."""
    u = stated.strip().lower()
    if u and u not in VOLT_UNITS:
        raise InputError(path, f"channel {name!r} is in {stated!r}, not a voltage: it cannot be EMG")
    return (VOLT_UNITS[u] if u else unit_scale(unit)), (not u and unit is None)


def likely_unit(x: np.ndarray, rate_hz: float) -> tuple[str, float] | None:
    """('mV' or 'V', RMS) when a column read as µV has an RMS below SUSPECT_RMS yet has bursts, else None.

    x: the column's samples as read (taken to be µV); rate_hz: its sample rate. The RMS is about a 0.2-s
    moving mean. 'V' when even as mV the RMS would be under half a µV. A column flat or near zero in any
    unit (RMS below 0.05 µV as volts: a dead channel) gives None, as does one shorter than a second.
    """
    x = np.asarray(x, dtype=np.float64)
    win = max(1, int(round(WINDOW_S * rate_hz)))
    if len(x) < max(rate_hz, MIN_SAMPLES * win) or not np.all(np.isfinite(x)):
        return None
    base = max(1, int(round(BASELINE_S * rate_hz)))
    c = np.concatenate([[0.0], np.cumsum(x)])
    half = base // 2
    lo = np.clip(np.arange(len(x)) - half, 0, len(x))
    hi = np.clip(np.arange(len(x)) + half + 1, 0, len(x))
    hp = x - (c[hi] - c[lo]) / (hi - lo)
    rms = float(np.sqrt(np.mean(hp**2)))
    if not (rms < SUSPECT_RMS) or rms * UNITS["V"] < 0.05:
        return None
    n = len(hp) // win
    windows = np.sqrt(np.mean(hp[: n * win].reshape(n, win) ** 2, axis=1))
    quiet, loud = np.percentile(windows, [10, 95])
    if not (loud > 0 and loud >= BURST_RATIO * quiet):
        return None
    return ("mV" if rms * UNITS["mV"] >= SUSPECT_RMS else "V"), rms


def unit_warnings(recording: Recording) -> list[str]:
    """One line per likely unit, naming the file, the channels, their RMS and the option to pass, e.g.
    `FILE: channel 'lat' looks like mV (RMS 0.03 with bursts): if so, pass --unit mV`.

    Only channels in `RecordedStream.unit_assumed` are looked at (the file stated no unit and the
    caller gave none); [] when nothing looks wrong.
    """
    found: dict[str, list[tuple[str, float]]] = {}
    for stream in recording.streams:
        for ch in stream.unit_assumed:
            guess = likely_unit(stream.data[:, ch], stream.info.rate_hz)
            if guess is not None:
                found.setdefault(guess[0], []).append((stream.info.channels[ch].name, guess[1]))
    lines = []
    for unit, chans in found.items():
        names = ", ".join(repr(name) for name, _ in chans)
        rms = ", ".join(f"{r:.2g}" for _, r in chans)
        what = f"channel {names} looks" if len(chans) == 1 else f"channels {names} look"
        lines.append(f"{recording.path}: {what} like {unit} (RMS {rms} with bursts): if so, pass --unit {unit}")
    return lines
