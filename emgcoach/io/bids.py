"""BIDS-EMG export (the EMG extension of BIDS, released in BIDS 1.11).

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
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emgcoach.io.edf import _edf_label, write_edf
from emgcoach.io.recording import Recording

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
                _edf_label(spec, used),
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

    existing = root.exists() and any(root.iterdir()) if root.is_dir() else root.exists()
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"{root} exists and is not a folder")
    if existing and not (root / "dataset_description.json").exists():
        raise FileExistsError(f"{root} is not empty and not a BIDS dataset; choose a new folder")
    if existing and (root / rel).exists():
        raise FileExistsError(f"{root / rel} already exists; choose another subject/session")

    parent = root.parent if not existing else root
    parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".part", dir=str(parent)))
    participants_tmp: Path | None = None
    try:
        emg_dir = build / rel
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

        if not existing:
            desc = {"Name": "emgcoach recording", "BIDSVersion": BIDS_VERSION, "DatasetType": "raw",
                    "GeneratedBy": [{"Name": "emgcoach"}]}
            _write_text(build / "dataset_description.json", json.dumps(desc, indent=2) + "\n")
            _write_text(build / "participants.tsv", _tsv([["participant_id"], [f"sub-{subject}"]]))
            if root.exists():
                root.rmdir()  # empty folder: replaced by the finished build
            if progress is not None:
                progress(0.99)
            os.replace(build, root)
            final = root / rel / data_path.name
        else:
            # new participants.tsv next to the old one, then move the emg folder and swap the table in
            ptsv = root / "participants.tsv"
            lines = ptsv.read_text(encoding="utf-8").splitlines() if ptsv.exists() else ["participant_id"]
            ids = {ln.split("\t", 1)[0] for ln in lines[1:]}
            if f"sub-{subject}" not in ids:
                lines.append(f"sub-{subject}" + "\t" * (lines[0].count("\t")) + ("n/a" if "\t" in lines[0] else ""))
            fd, tmp = tempfile.mkstemp(prefix=".participants.", suffix=".part", dir=str(root))
            os.close(fd)
            participants_tmp = Path(tmp)
            participants_tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            if progress is not None:
                progress(0.99)
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(emg_dir, root / rel)
            os.replace(participants_tmp, ptsv)
            participants_tmp = None
            shutil.rmtree(build, ignore_errors=True)
            final = root / rel / data_path.name
        if progress is not None:
            progress(1.0)
        return final
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        if participants_tmp is not None:
            try:
                participants_tmp.unlink()
            except FileNotFoundError:
                pass
        raise


__all__ = ["write_bids", "check_label", "BIDS_VERSION"]
