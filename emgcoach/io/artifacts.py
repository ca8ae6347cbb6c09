"""Artifacts marked on a recording: stretches of the session clock (a cough, a cable tug, a repositioned
sensor) that analysis leaves out, so they count as no rep and skew no level.

XDF files are append-only, so the marks live beside the recording in a sidecar file,
`<recording>.artifacts.json`: a JSON list of {"start_s", "end_s", "note", "marked_at"} (session s; ISO
8601 local time), written readable by its owner only. A damaged sidecar costs its marks, never the
recording: `read_artifacts` returns what it could read and one line saying what was wrong.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from emgcoach.io.private import private_file

SUFFIX = ".artifacts.json"


@dataclass(frozen=True)
class Artifact:
    """One excluded stretch, start_s < end_s (session s), with an optional note and when it was marked."""

    start_s: float
    end_s: float
    note: str = ""
    marked_at: str = ""

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 4), "end_s": round(self.end_s, 4), "note": self.note,
                "marked_at": self.marked_at}

    def overlaps(self, t0: float, t1: float) -> bool:
        """Whether [t0, t1] (s) shares any time with this stretch."""
        return overlaps_any(t0, t1, [(self.start_s, self.end_s)])


def overlaps_any(t0: float, t1: float, stretches: Iterable[tuple[float, float]]) -> bool:
    """Whether [t0, t1] (s) shares any time with one of the (start, end) stretches (s): the one rule by
    which a rep is left out as an artifact (`analyze`, its reports, a set coached in a replay)."""
    return any(t0 < b and t1 > a for a, b in stretches)


def sidecar_path(recording_path: str | os.PathLike[str]) -> str:
    """Where the artifacts of the recording at `recording_path` are kept."""
    return os.fspath(recording_path) + SUFFIX


def now_iso() -> str:
    return datetime.now().isoformat(timespec="seconds")


def make_artifact(start_s: float, end_s: float, note: str = "", marked_at: str | None = None) -> Artifact:
    """An Artifact from its two ends (either order); ValueError with one line when they are not two
    finite, different times."""
    if not (math.isfinite(start_s) and math.isfinite(end_s)):
        raise ValueError(f"{start_s:g}:{end_s:g}: give two finite times in seconds")
    lo, hi = sorted((float(start_s), float(end_s)))
    if hi <= lo:
        raise ValueError(f"{start_s:g}:{end_s:g}: an excluded stretch needs an end after its start")
    return Artifact(lo, hi, note, now_iso() if marked_at is None else marked_at)


def merged(artifacts: Iterable[Artifact]) -> list[Artifact]:
    """The stretches in time order, overlapping or touching ones merged into one (their notes joined,
    the earliest mark's time kept)."""
    out: list[Artifact] = []
    for a in sorted(artifacts, key=lambda a: (a.start_s, a.end_s)):
        if out and a.start_s <= out[-1].end_s:
            last = out[-1]
            notes = "; ".join(n for n in dict.fromkeys((last.note, a.note)) if n)
            marked = min((m for m in (last.marked_at, a.marked_at) if m), default="")
            out[-1] = Artifact(last.start_s, max(last.end_s, a.end_s), notes, marked)
        else:
            out.append(a)
    return out


def add_artifact(artifacts: Iterable[Artifact], new: Artifact) -> list[Artifact]:
    """`artifacts` with `new` marked, merged."""
    return merged([*artifacts, new])


def remove_artifact(artifacts: Iterable[Artifact], start_s: float, end_s: float) -> list[Artifact]:
    """`artifacts` with [start_s, end_s] no longer excluded: stretches inside it go, ones across its
    edges are cut back to them."""
    lo, hi = sorted((start_s, end_s))
    out: list[Artifact] = []
    for a in merged(artifacts):
        if not a.overlaps(lo, hi):
            out.append(a)
            continue
        if a.start_s < lo:
            out.append(Artifact(a.start_s, lo, a.note, a.marked_at))
        if a.end_s > hi:
            out.append(Artifact(hi, a.end_s, a.note, a.marked_at))
    return out


def spans(artifacts: Iterable[Artifact]) -> list[tuple[float, float]]:
    return [(a.start_s, a.end_s) for a in merged(artifacts)]


def parse_artifacts(text: str) -> tuple[list[Artifact], str]:
    """The artifacts in a sidecar's text, merged, and '' or what was wrong with it (then the entries
    that could be read are kept)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        return [], f"not JSON ({str(e)[:80]})"
    if not isinstance(data, list):
        return [], "not a JSON list of {start_s, end_s}"
    out: list[Artifact] = []
    bad = 0
    for item in data:
        try:
            if not isinstance(item, dict):
                raise ValueError
            start, end = item["start_s"], item["end_s"]
            if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int | float) \
                    or not isinstance(end, int | float):
                raise ValueError
            note, marked = item.get("note", ""), item.get("marked_at", "")
            out.append(make_artifact(float(start), float(end), note if isinstance(note, str) else "",
                                     marked if isinstance(marked, str) else ""))
        except (KeyError, ValueError, TypeError, OverflowError):
            bad += 1
    problem = f"{bad} entr{'y' if bad == 1 else 'ies'} without a valid start_s < end_s skipped" if bad else ""
    return merged(out), problem


def read_artifacts(recording_path: str | os.PathLike[str]) -> tuple[list[Artifact], str]:
    """The artifacts marked on the recording at `recording_path` (none without a sidecar), and '' or a
    one-line warning naming the sidecar when it is damaged or unreadable (its readable entries kept)."""
    path = sidecar_path(recording_path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return [], ""
    except OSError as e:
        return [], f"{path}: artifact marks not read ({e.strerror or e}): none excluded"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [], f"{path}: artifact marks not read (not UTF-8 text): none excluded"
    found, problem = parse_artifacts(text)
    return found, f"{path}: damaged artifact marks: {problem}" if problem else ""


def write_artifacts(recording_path: str | os.PathLike[str], artifacts: Iterable[Artifact]) -> str:
    """Save the marks beside the recording (owner-only; the file removed when there are none). Returns
    the sidecar's path; OSError as writing raises it."""
    path = sidecar_path(recording_path)
    marks = merged(artifacts)
    if not marks:
        if os.path.exists(path):
            os.remove(path)
        return path
    tmp = path + ".tmp"
    with private_file(tmp) as f:
        f.write(json.dumps([a.to_dict() for a in marks], indent=1).encode("utf-8"))
    os.replace(tmp, path)
    return path


def parse_exclude(text: str) -> Artifact:
    """`--exclude START:END` (s) as an Artifact; ValueError with one line naming the option."""
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError("give START:END in seconds, e.g. 12.5:14")
        start, end = float(parts[0]), float(parts[1])
        return make_artifact(start, end, "--exclude")
    except ValueError as e:
        msg = str(e) if "START" in str(e) or "stretch" in str(e) or "finite" in str(e) else "give START:END in seconds, e.g. 12.5:14"
        raise ValueError(f"--exclude {text!r}: {msg}") from None
