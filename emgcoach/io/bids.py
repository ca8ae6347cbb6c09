"""BIDS-EMG export and import (the EMG extension of BIDS, released in BIDS 1.11).

Layout written under `out_dir` (the dataset root):

    dataset_description.json            Name, BIDSVersion, DatasetType 'raw'
    participants.tsv                    participant_id only (pseudonymous)
    sub-<id>/[ses-<s>/]emg/
        sub-<id>[_ses-<s>]_task-<task>_emg.edf|.bdf   EDF+/BDF+ (emgcoach.io.edf.write_edf rules)
        ..._emg.json       TaskName, SamplingFrequency, PowerLineFrequency, EMGReference, EMGGround,
                           EMGPlacementScheme 'Other' + EMGPlacementSchemeDescription, RecordingType,
                           RecordingDuration, EMGChannelCount, SoftwareFilters, Manufacturer
        ..._channels.tsv   name, type, units, sampling_frequency, low_cutoff, high_cutoff, target_muscle,
                           signal_electrode, reference, status
        ..._events.tsv     onset, duration, trial_type, value (markers and gaps; onset from file start)

`name` in channels.tsv is the EDF signal label, so tools can match the two.
The subject, session and task labels must be alphanumeric (`[A-Za-z0-9]+`): a pseudonym such as '01' or
'P07', never a name. A new dataset is built in a temporary folder next to `out_dir` and renamed on
success; into an existing dataset only the new `emg/` folder is added (built under a temporary name and
renamed) and participants.tsv is replaced atomically. On any error nothing new is left behind.

Import (`read_bids_recording`, which `io.open.read_recording` calls for a folder and for an `*_emg.edf|.bdf`
with a `*_channels.tsv` beside it; `dataset_recordings` lists a dataset's recordings):
- Samples from the EDF/BDF (io.edf rules: physical dimension to µV).
- channels.tsv (same folder, same stem): rows whose `type` is not EMG (ACCEL, TRIG, MISC, ...) are left out
  of the EMG streams; `target_muscle` ('left latissimus dorsi', 'right gluteus maximus') gives the role,
  'n/a' leaves the one guessed from the label. `--channel` overrides still win.
- events.tsv: each row a marker at the file's start + onset. A `trial_type` that is a marker kind with a JSON
  object `value` (as this export writes) is that marker; any other row a `note` ({"event": trial_type,
  "value": ..., "duration_s": ..., "source": "bids"}). A row the EDF's own annotations already hold (same
  kind within 1 ms, as in this export's files) and this export's stream-gap rows are not doubled.
Sidecars inherited from higher folders (the BIDS inheritance principle) are not looked up.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.edf import read_edf, write_edf
from emgcoach.io.edf_writer import edf_label
from emgcoach.io.recording import Recording
from emgcoach.types import MARKER_KINDS, MUSCLES, Marker

Progress = Callable[[float], Any] | None
BIDS_VERSION = "1.11.0"
_LABEL = re.compile(r"^[A-Za-z0-9]+$")

MANUFACTURERS = {
    "umyo": "Ultimate Robotics (uMyo)",
    "ganglion": "OpenBCI",
    "cyton": "OpenBCI",
    "openbci": "OpenBCI",
    "bitalino": "PLUX (BITalino)",
    "simulator": "n/a (emgcoach simulator)",
}
PLACEMENT_DESCRIPTION = (
    "Bipolar surface EMG electrodes over the muscle belly, parallel to the fibres: one sensor on the "
    "latissimus dorsi (lateral back, about 4 cm below the inferior angle of the scapula) and one on the "
    "contralateral gluteus maximus (midway between the sacrum and the greater trochanter), for the "
    "posterior oblique sling."
)


def check_label(what: str, value: str) -> str:
    """Return `value` if it is a valid pseudonymous BIDS label, else raise ValueError."""
    v = str(value)
    if not _LABEL.match(v):
        hint = " (it looks like a name; use a pseudonym such as '01')" if " " in v.strip() else ""
        raise ValueError(f"BIDS {what} label must be letters and digits only, not {value!r}{hint}")
    return v


def _tsv(rows: list[list[Any]]) -> str:
    def cell(x: Any) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "n/a"
        s = f"{x:g}" if isinstance(x, float) else str(x)
        return s.replace("\t", " ").replace("\n", " ") or "n/a"

    return "".join("\t".join(cell(c) for c in row) + "\n" for row in rows)


def _muscle_text(muscle: str, side: str) -> str:
    if muscle == "other":
        return "n/a"
    words = muscle.replace("_", " ")
    return f"{side} {words}" if side in ("left", "right") else words


def _extra(recording: Recording, *keys: str) -> str | None:
    for s in recording.streams:
        for k in keys:
            v = (s.info.extra or {}).get(k)
            if v not in (None, ""):
                return str(v)
    return None


def _num(v: str | None) -> float | str:
    if v is None:
        return "n/a"
    try:
        return float(v)
    except ValueError:
        return "n/a"


def _sidecar(recording: Recording, task: str) -> dict[str, Any]:
    streams = recording.streams
    kinds = sorted({s.info.kind for s in streams})
    rates = sorted({float(s.info.rate_hz) for s in streams}, reverse=True)
    line = _num(_extra(recording, "power_line_hz", "mains_hz", "powerline_hz"))
    return {
        "TaskName": task,
        "SamplingFrequency": rates[0],
        "PowerLineFrequency": line,
        "SoftwareFilters": "n/a",
        "EMGReference": _extra(recording, "emg_reference", "reference") or "bipolar (each sensor's own electrode pair)",
        "EMGGround": _extra(recording, "emg_ground", "ground") or "n/a",
        "EMGPlacementScheme": "Other",
        "EMGPlacementSchemeDescription": _extra(recording, "placement") or PLACEMENT_DESCRIPTION,
        "EMGChannelCount": sum(s.info.n_channels for s in streams),
        "RecordingType": "continuous",
        "RecordingDuration": round(float(recording.duration_s), 6),
        "Manufacturer": "; ".join(MANUFACTURERS.get(k.lower(), k) for k in kinds) or "n/a",
    }


def _channels_rows(recording: Recording) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["name", "type", "units", "sampling_frequency", "low_cutoff", "high_cutoff", "target_muscle",
         "signal_electrode", "reference", "status"]
    ]
    used: set[str] = set()
    for s in recording.streams:
        ex = s.info.extra or {}
        for spec in s.info.channels:
            rows.append([
                edf_label(spec, used),
                "EMG",
                "uV",
                float(s.info.rate_hz),
                _num(ex.get("highpass_hz")),
                _num(ex.get("lowpass_hz")),
                _muscle_text(spec.muscle, spec.side),
                "n/a",
                "n/a",
                "good",
            ])
    return rows


def _events_rows(recording: Recording) -> list[list[Any]]:
    t_start = min(s.t0 for s in recording.streams)
    events: list[tuple[float, Any, str, str]] = []
    for si, s in enumerate(recording.streams):
        rate = float(s.info.rate_hz)
        lead = s.t0 - t_start
        for start, count in sorted(s.gaps):
            onset = lead + (start - s.first_index) / rate
            events.append((onset, count / rate, "gap", json.dumps({"stream": si, "samples": int(count)})))
    gap_onsets = [e[0] for e in events]
    for m in recording.markers:
        onset = m.time_s - t_start
        if not math.isfinite(onset) or onset < 0:
            continue
        if m.kind == "gap" and any(abs(g - onset) < 1e-3 for g in gap_onsets):
            continue
        dur = m.payload.get("duration_s") if isinstance(m.payload, dict) else None
        try:
            dur = float(dur) if dur is not None else None
        except (TypeError, ValueError):
            dur = None
        events.append((onset, dur, m.kind, json.dumps(m.payload, sort_keys=True, default=str)))
    events.sort(key=lambda e: e[0])
    rows: list[list[Any]] = [["onset", "duration", "trial_type", "value"]]
    for onset, dur, kind, value in events:
        rows.append([f"{onset:.6f}", "n/a" if dur is None else f"{dur:.6f}", kind, value])
    return rows


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _is_existing_dataset(root: Path, rel: Path) -> bool:
    """Whether `root` is a dataset to add `rel` to (False: a new dataset goes there); raises when it is
    neither a new folder nor a BIDS dataset without `rel`."""
    existing = root.exists() and any(root.iterdir()) if root.is_dir() else root.exists()
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"{root} exists and is not a folder")
    if existing and not (root / "dataset_description.json").exists():
        raise FileExistsError(f"{root} is not empty and not a BIDS dataset; choose a new folder")
    if existing and (root / rel).exists():
        raise FileExistsError(f"{root / rel} already exists; choose another subject/session")
    return existing


def _write_emg_folder(recording: Recording, emg_dir: Path, stem: str, task: str, fmt: str,
                      progress: Progress) -> Path:
    """The data file (EDF+, or BDF+ named .bdf) and its sidecars in `emg_dir`; returns the data file."""
    emg_dir.mkdir(parents=True)

    def edf_progress(f: float) -> None:
        if progress is not None:
            progress(0.95 * f)

    data_path = write_edf(recording, emg_dir / f"{stem}_emg.edf", fmt=fmt, progress=edf_progress)
    if data_path.read_bytes()[:1] == b"\xff":  # BDF: the extension must say so
        data_path = data_path.rename(data_path.with_suffix(".bdf"))
    _write_text(emg_dir / f"{stem}_emg.json", json.dumps(_sidecar(recording, task), indent=2) + "\n")
    _write_text(emg_dir / f"{stem}_channels.tsv", _tsv(_channels_rows(recording)))
    _write_text(emg_dir / f"{stem}_events.tsv", _tsv(_events_rows(recording)))
    return data_path


def _finish_new_dataset(build: Path, root: Path, subject: str, progress: Progress) -> None:
    """Give the finished `build` the dataset's own files and rename it to `root`."""
    desc = {"Name": "emgcoach recording", "BIDSVersion": BIDS_VERSION, "DatasetType": "raw",
            "GeneratedBy": [{"Name": "emgcoach"}]}
    _write_text(build / "dataset_description.json", json.dumps(desc, indent=2) + "\n")
    _write_text(build / "participants.tsv", _tsv([["participant_id"], [f"sub-{subject}"]]))
    if root.exists():
        root.rmdir()  # empty folder: replaced by the finished build
    if progress is not None:
        progress(0.99)
    os.replace(build, root)


def _participants_lines(root: Path, subject: str) -> list[str]:
    """participants.tsv of the dataset at `root` with `sub-<subject>` added (n/a in its other columns)."""
    ptsv = root / "participants.tsv"
    lines = ptsv.read_text(encoding="utf-8").splitlines() if ptsv.exists() else ["participant_id"]
    ids = {ln.split("\t", 1)[0] for ln in lines[1:]}
    if f"sub-{subject}" not in ids:
        lines.append(f"sub-{subject}" + "\t" * (lines[0].count("\t")) + ("n/a" if "\t" in lines[0] else ""))
    return lines


def _add_to_dataset(build: Path, emg_dir: Path, root: Path, rel: Path, subject: str, progress: Progress) -> None:
    """Move the new `emg_dir` into the dataset at `root` and swap in its participants.tsv, written next to
    the old one first so that a failure leaves the old one (and no temporary file) behind."""
    fd, tmp = tempfile.mkstemp(prefix=".participants.", suffix=".part", dir=str(root))
    os.close(fd)
    participants_tmp = Path(tmp)
    try:
        participants_tmp.write_text("\n".join(_participants_lines(root, subject)) + "\n", encoding="utf-8")
        if progress is not None:
            progress(0.99)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(emg_dir, root / rel)
        os.replace(participants_tmp, root / "participants.tsv")
    except BaseException:
        participants_tmp.unlink(missing_ok=True)
        raise
    shutil.rmtree(build, ignore_errors=True)


def write_bids(
    recording: Recording,
    out_dir: str | os.PathLike,
    subject: str = "01",
    session: str | None = None,
    task: str = "drill",
    progress: Progress = None,
    fmt: str = "auto",
) -> Path:
    """Write a BIDS-EMG dataset (or add this recording to one); returns the path of the EMG data file.

    Raises ValueError for a subject/session/task label that is not alphanumeric (pseudonymous ids
    only), FileExistsError when the dataset already holds this subject/session/task.
    """
    subject = check_label("subject", subject)
    task = check_label("task", task)
    if session is not None:
        session = check_label("session", session)
    if not recording.streams:
        raise ValueError("nothing to export: the recording has no streams")
    root = Path(out_dir)
    rel = Path(f"sub-{subject}") / (f"ses-{session}" if session else "") / "emg"
    stem = f"sub-{subject}" + (f"_ses-{session}" if session else "") + f"_task-{task}"
    existing = _is_existing_dataset(root, rel)
    parent = root.parent if not existing else root
    parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".part", dir=str(parent)))
    try:
        data_path = _write_emg_folder(recording, build / rel, stem, task, fmt, progress)
        if existing:
            _add_to_dataset(build, build / rel, root, rel, subject, progress)
        else:
            _finish_new_dataset(build, root, subject, progress)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    if progress is not None:
        progress(1.0)
    return root / rel / data_path.name


DATA_ENDINGS = ("_emg.edf", "_emg.bdf")
NOT_RAW = ("derivatives", "sourcedata", "code")  # folders of a dataset that hold no raw recordings


def is_bids_data_file(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a BIDS-EMG data file with its channels.tsv beside it."""
    p = Path(path)
    return p.name.lower().endswith(DATA_ENDINGS) and _sidecar_path(p, "channels.tsv").is_file()


def _sidecar_path(data: Path, what: str) -> Path:
    return data.with_name(data.name[: -len("emg.edf")] + what)


def dataset_recordings(root: str | os.PathLike[str]) -> list[Path]:
    """Every recording (`*_emg.edf`, `*_emg.bdf`) under `root`, a BIDS dataset or any folder in one, in name
    order; hidden folders and a dataset's derivatives/, sourcedata/ and code/ are not searched."""
    top = Path(root)
    found: list[Path] = []
    for folder, dirs, files in os.walk(top):
        at_top = Path(folder) == top
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (at_top and d in NOT_RAW))
        found.extend(Path(folder) / f for f in sorted(files) if f.lower().endswith(DATA_ENDINGS))
    return found


def _tsv_rows(path: Path, source: str) -> list[dict[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise InputError(str(path), "not UTF-8 text") from None
    except OSError as e:
        raise InputError(source, f"cannot read {path.name}: {e.strerror or e}") from None
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return []
    head = [h.strip() for h in lines[0].split("\t")]
    return [dict(zip(head, (c.strip() for c in ln.split("\t")))) for ln in lines[1:]]


def _target_role(text: str, label: str) -> tuple[str, str]:
    """(muscle, side) from channels.tsv's target_muscle ('left latissimus dorsi'); the label's guess for n/a."""
    words = text.strip().lower().replace("_", " ").split()
    guess = guess_role(label)
    if not words or words == ["n/a"]:
        return guess
    side = {"left": "left", "l": "left", "right": "right", "r": "right"}.get(words[0])
    rest = words[1:] if side else words
    muscle = "_".join(rest)
    if muscle not in MUSCLES:
        muscle = guess_role(" ".join(rest))[0]
    return muscle, side or guess[1]


def _apply_channels(recording: Recording, rows: list[dict[str, str]], source: str) -> None:
    """Drop non-EMG channels and set roles from channels.tsv rows, in place."""
    table = {r.get("name", ""): r for r in rows}
    streams = []
    for s in recording.streams:
        keep, specs = [], []
        for j, spec in enumerate(s.info.channels):
            row = table.get(spec.name)
            if row is not None and row.get("type", "EMG").strip().upper() != "EMG":
                continue
            keep.append(j)
            muscle, side = _target_role(row.get("target_muscle", "n/a"), spec.name) if row else (spec.muscle, spec.side)
            specs.append(replace(spec, muscle=muscle, side=side))
        if not keep:
            continue
        s.info = replace(s.info, channels=tuple(specs))
        s.data = np.ascontiguousarray(s.data[:, keep])
        s.unit_assumed = tuple(keep.index(j) for j in s.unit_assumed if j in keep)
        streams.append(s)
    if not streams:
        raise InputError(source, "channels.tsv lists no EMG channel of the data file")
    recording.streams = streams


def _event_marker(row: dict[str, str], t_start: float) -> Marker | None:
    try:
        onset = float(row.get("onset", ""))
    except ValueError:
        return None
    if not math.isfinite(onset):
        return None
    kind, value = row.get("trial_type", "n/a"), row.get("value", "n/a")
    try:
        payload = json.loads(value) if value not in ("", "n/a") else None
    except ValueError:
        payload = None
    if kind in MARKER_KINDS and isinstance(payload, dict):
        return Marker(time_s=t_start + onset, kind=kind, payload=payload)
    note: dict[str, Any] = {"event": kind if kind != "n/a" else value, "source": "bids"}
    if value not in ("", "n/a") and kind != "n/a":
        note["value"] = value
    try:
        duration = float(row.get("duration", "n/a"))
        if math.isfinite(duration):
            note["duration_s"] = duration
    except ValueError:
        pass
    return Marker(time_s=t_start + onset, kind="note", payload=note)


def _apply_events(recording: Recording, rows: list[dict[str, str]]) -> None:
    t_start = min(s.t0 for s in recording.streams)
    have = [(m.time_s, m.kind) for m in recording.markers]
    for row in rows:
        m = _event_marker(row, t_start)
        if m is None:
            continue
        if m.kind == "gap" and "stream" in m.payload:
            continue  # this export's row for a stream gap: the data file holds the gap itself
        if any(k == m.kind and abs(t - m.time_s) < 1e-3 for t, k in have):
            continue
        recording.markers.append(m)
    recording.markers.sort(key=lambda mk: mk.time_s)


def read_bids_recording(
    path: str | os.PathLike[str],
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read one BIDS-EMG recording: a data file, or a folder (a dataset or part of one) holding exactly one."""
    source = str(path)
    data = Path(path)
    if data.is_dir():
        found = dataset_recordings(data)
        if len(found) != 1:
            what = "no BIDS-EMG recording (*_emg.edf or *_emg.bdf)" if not found else (
                f"{len(found)} BIDS-EMG recordings; give one of them, or list them with io.bids.dataset_recordings")
            raise InputError(source, f"a folder holding {what}")
        data = found[0]
    recording = read_edf(data, unit=unit)
    recording.path = source
    channels_tsv, events_tsv = _sidecar_path(data, "channels.tsv"), _sidecar_path(data, "events.tsv")
    if channels_tsv.is_file():
        _apply_channels(recording, _tsv_rows(channels_tsv, source), source)
    if events_tsv.is_file():
        _apply_events(recording, _tsv_rows(events_tsv, source))
    offset = 0
    for s in recording.streams:
        s.info = replace(s.info, channels=apply_overrides(s.info.channels, channels, source, offset))
        offset += s.info.n_channels
    check_override_indices([ov for ov in channels or () if not ov.name], offset, source)
    read_as = (f"BIDS-EMG recording {data.name}" + (" with its channels.tsv" if channels_tsv.is_file() else "")
               + (" and events.tsv" if events_tsv.is_file() else ""))
    for s in recording.streams:
        s.info = replace(s.info, extra={**(s.info.extra or {}), "read_as": read_as})
    return recording


__all__ = ["write_bids", "check_label", "BIDS_VERSION", "dataset_recordings", "read_bids_recording",
           "is_bids_data_file"]
