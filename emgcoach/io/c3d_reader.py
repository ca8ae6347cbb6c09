"""Read the EMG in a C3D file (the biomechanics lab's format: Vicon Nexus, Qualisys, Motion Analysis, Noraxon
and Delsys write it) through ezc3d.

- Values: ezc3d returns analog samples in the file's physical units, (stored - ANALOG:OFFSET) x
  ANALOG:SCALE x ANALOG:GEN_SCALE (the C3D User Guide's rule for integer and float files alike; checked on
  a hand-built integer file in the tests). ANALOG:UNITS per channel converts them to µV: V x 1e6, mV x 1e3,
  uV/µV as they are. A channel with no unit is taken as µV, or as `unit` says, and listed in `unit_assumed`.
- Rate: ANALOG:RATE (the header's analog rate when that is missing). Start: the header's first frame on
  the point clock, so sample 0 sits at (first frame - 1) / POINT:RATE s, the time Nexus shows for it.
- Which channels are EMG: a label holding 'EMG' or a muscle name ('Biceps.EMG4', 'EMG1', 'L Glute Max',
  'RT TIB.ANT.'); never a force-plate or other device channel (Force.Fx, Moment.Mz, CoP, Voltage.N,
  accelerometer, gyroscope, trigger, goniometer) nor one whose unit is not a voltage (N, N.mm, deg, g);
  plus any channel named with `--channel LABEL=MUSCLE:SIDE` (io.channels), whatever its label says.
- Roles: io.channels.guess_role on the label (muscle after the device prefix).
- Events: EVENT:TIMES/LABELS/CONTEXTS become `note` markers ({"event": label, "context": ..., "source": "c3d"}).
- ezc3d runs in a child process (about 0.3 s a file): on some damaged files it crashes with SIGSEGV or
  never returns (found by the fuzz test), which becomes one InputError line here. The child's heap is
  capped (a base plus a multiple of the file's size): a damaged header can ask ezc3d for gigabytes, which
  it would otherwise go on filling, at several GB a second, until the timeout.
Every problem is an InputError naming the file.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emgcoach.errors import InputError
from emgcoach.io.channels import ChannelOverride, apply_overrides, check_override_indices, guess_role
from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.io.units import is_volt_unit, stated_scale
from emgcoach.types import ChannelSpec, Marker, StreamInfo

MUSCLE_WORDS = (
    "lat", "lats", "latissimus", "glute", "glut", "gluteus", "gmax", "gmed", "erector", "oblique", "biceps", "triceps",
    "deltoid", "delt", "trapezius", "trap", "pectoralis", "pec", "rectus", "vastus", "semitendinosus", "semiten",
    "hamstring", "hamstrings", "gastrocnemius", "gastroc", "gas", "soleus", "sol", "tibialis", "tib", "peroneus",
    "peron", "brachioradialis", "brachiorad", "flexor", "extensor", "sartorius", "adductor", "multifidus", "infraspinatus",
    "serratus", "rf", "vl", "vm", "bf", "st", "ta", "mg", "lg", "es",
)
NON_EMG_WORDS = (
    "force", "moment", "cop", "fx", "fy", "fz", "mx", "my", "mz", "cx", "cy", "cz", "tz", "voltage", "acc", "accel",
    "gyro", "mag", "trigger", "sync", "footswitch", "goniometer", "gonio", "angle", "pressure", "torque",
)
MAX_SAMPLE_UV = 1e9  # 1 kV
CHILD_TIMEOUT_S = 20.0  # parsing in the child: this plus CHILD_S_PER_MB per MB of file, then it counts as hung
CHILD_S_PER_MB = 2.0
# the child's heap cap: what it holds after start-up, plus this, plus CHILD_HEAP_PER_FILE_BYTE x the file's size
# (ezc3d held 8 bytes per byte of a 20 MB float file: 160 MB)
CHILD_HEAP_BASE_BYTES = 1 << 30
CHILD_HEAP_PER_FILE_BYTE = 32
# one BLAS thread: the child does no linear algebra, and each OpenBLAS thread's buffer counts against the cap
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _words(label: str) -> list[str]:
    return re.findall(r"[a-zµμ]+", label.lower())


def looks_like_emg(label: str, unit: str) -> bool:
    """Whether an analog channel is EMG by its label and unit (see the module docstring)."""
    if not is_volt_unit(unit):
        return False
    words = _words(label)
    if "emg" in words or any("emg" in w for w in words):
        return True
    if any(w in NON_EMG_WORDS for w in words):
        return False
    return any(w in MUSCLE_WORDS for w in words)


@dataclass
class _C3dContent:
    """What the reader needs from a C3D file, as ezc3d gave it in the child process."""

    analogs: np.ndarray  # channels x samples, physical units (float64)
    labels: list[str]
    units: list[str]
    rate_hz: float
    start_s: float
    events: list[tuple[float, str, str]]  # (s, label, context)


def _child(path: str, out: str) -> None:
    """In a child process: parse `path` with ezc3d and save what the reader needs to `out` (.npz)."""
    _cap_heap(os.path.getsize(path))
    import ezc3d

    try:
        c3d = ezc3d.c3d(path)
    except (MemoryError, RuntimeError) as e:  # ezc3d passes C++'s std::bad_alloc on as a RuntimeError
        if isinstance(e, MemoryError) or "bad_alloc" in str(e):
            raise SystemExit("its sizes ask for more memory than such a file can hold") from None
        raise
    analogs = np.asarray(c3d["data"]["analogs"], dtype=np.float64)
    n = analogs.shape[1] if analogs.ndim == 3 else 0
    meta = {"labels": _labels(c3d, n), "units": _units(c3d, n), "rate_hz": _rate_of(c3d), "start_s": _start_s(c3d),
            "events": _events_of(c3d)}
    np.savez(out, analogs=analogs[0] if n else np.zeros((0, 0)), meta=np.array(json.dumps(meta)))


def _cap_heap(file_bytes: int) -> None:
    """Limit this process's data segment (bytes) so that an allocation no file of `file_bytes` needs fails
    at once. No-op where rlimits do not exist (Windows: the timeout still ends a hung child)."""
    try:
        import resource
    except ImportError:
        return
    cap = _data_bytes_now() + CHILD_HEAP_BASE_BYTES + CHILD_HEAP_PER_FILE_BYTE * file_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


def _data_bytes_now() -> int:
    """This process's data segment now (bytes; VmData), 0 where /proc does not say."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _param(c3d: Any, group: str, name: str, default: Any = None) -> Any:
    try:
        value = c3d["parameters"][group][name]["value"]
    except KeyError:
        return default
    return value


def _labels(c3d: Any, n: int) -> list[str]:
    """ANALOG:LABELS (and LABELS2, LABELS3... when a file has more than 255 channels), padded to n."""
    labels = [str(x).strip() for x in (_param(c3d, "ANALOG", "LABELS", []) or [])]
    k = 2
    while (more := _param(c3d, "ANALOG", f"LABELS{k}")) is not None:
        labels += [str(x).strip() for x in more]
        k += 1
    labels = labels[:n] + [f"Analog {i + 1}" for i in range(len(labels), n)]
    return [lab or f"Analog {i + 1}" for i, lab in enumerate(labels)]


def _units(c3d: Any, n: int) -> list[str]:
    units = [str(x).strip() for x in (_param(c3d, "ANALOG", "UNITS", []) or [])]
    return (units + [""] * n)[:n]


def _rate_of(c3d: Any) -> float:
    """ANALOG:RATE, else the header's analog rate (NaN when neither is usable)."""
    rate = _param(c3d, "ANALOG", "RATE")
    value = float(np.ravel(rate)[0]) if rate is not None and np.size(rate) else float("nan")
    if not (math.isfinite(value) and value > 0):
        value = float(c3d["header"]["analogs"]["frame_rate"])
    return value if math.isfinite(value) and value > 0 else float("nan")


def _start_s(c3d: Any) -> float:
    """Time of the first analog sample: the first frame on the point clock (ezc3d counts frames from 0)."""
    try:
        first = int(c3d["header"]["points"]["first_frame"])
        rate = float(c3d["header"]["points"]["frame_rate"])
    except (KeyError, TypeError, ValueError):
        return 0.0
    return first / rate if rate > 0 and math.isfinite(rate) and first > 0 else 0.0


def _events_of(c3d: Any) -> list[tuple[float, str, str]]:
    times = _param(c3d, "EVENT", "TIMES")
    labels = _param(c3d, "EVENT", "LABELS") or []
    contexts = _param(c3d, "EVENT", "CONTEXTS") or []
    if times is None or not np.size(times):
        return []
    t = np.asarray(times, dtype=float)
    seconds = t[0] * 60.0 + t[1] if t.ndim == 2 and t.shape[0] == 2 else np.ravel(t)
    return [(float(s), str(labels[k]).strip() if k < len(labels) else "",
             str(contexts[k]).strip() if k < len(contexts) else "") for k, s in enumerate(seconds) if math.isfinite(float(s))]


def _markers(events: list[tuple[float, str, str]]) -> list[Marker]:
    out = [Marker(time_s=t, kind="note", payload={"event": label, "context": context, "source": "c3d"})
           for t, label, context in events]
    return sorted(out, key=lambda m: m.time_s)


def _data_start_byte(head: bytes, processor: bytes) -> int | None:
    """Where the header says the samples begin (byte offset), None when it names no block after the
    parameters. `processor`: the parameter section's processor-type byte (86: MIPS, big-endian)."""
    order = ">" if processor == b"\x56" else "<"
    (block,) = struct.unpack(order + "H", head[16:18])
    return (block - 1) * 512 if block > head[0] else None


def _open(path: str) -> _C3dContent:
    """Parse the file with ezc3d in a child process: ezc3d crashes (SIGSEGV) or loops on some damaged files,
    which must cost one line naming the file, not the process (or a batch's worker)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
            if len(head) < 512 or head[1] != 0x50 or not 2 <= head[0] <= 127:
                raise InputError(path, "not a C3D file (its first block lacks the C3D key byte 0x50)")
            f.seek((head[0] - 1) * 512 + 3)  # the parameter section's processor type
            processor = f.read(1)
        size = os.path.getsize(path)
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    data_start = _data_start_byte(head, processor)
    if data_start is not None and size < data_start:
        # ezc3d reads on past the end of a cut parameter section, for minutes or until memory runs out
        raise InputError(path, f"C3D file cut short (its parameters run to byte {data_start}, the file ends at {size})")
    with tempfile.TemporaryDirectory(prefix="emgcoach-c3d-") as tmp:
        out = os.path.join(tmp, "c3d.npz")
        code = "import sys; from emgcoach.io.c3d_reader import _child; _child(sys.argv[1], sys.argv[2])"
        try:
            proc = subprocess.run([sys.executable, "-c", code, path, out], capture_output=True, text=True,
                                  timeout=CHILD_TIMEOUT_S + size / 1e6 * CHILD_S_PER_MB, env={**os.environ, **CHILD_ENV})
        except subprocess.TimeoutExpired:
            raise InputError(path, "damaged C3D file (the C3D library did not finish reading it)") from None
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            why = lines[-1].split(":", 1)[-1].strip() if lines and proc.returncode > 0 else "the C3D library crashed on it"
            if "No module named 'ezc3d'" in proc.stderr:
                raise InputError(path, "reading C3D needs ezc3d (pip install ezc3d)")
            raise InputError(path, f"damaged C3D file ({why or 'unreadable'})")
        with np.load(out, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            analogs = z["analogs"]
    return _C3dContent(analogs, meta["labels"], meta["units"], float(meta["rate_hz"]), float(meta["start_s"]),
                       [tuple(e) for e in meta["events"]])


def read_c3d(
    path: str | os.PathLike[str],
    channels: Sequence[ChannelOverride] | None = None,
    unit: str | None = None,
) -> Recording:
    """Read a C3D file's EMG channels as one stream in µV (see the module docstring). `channels`: roles by
    index among the EMG channels, or by label (`ChannelOverride.name`, which also makes that channel EMG);
    `unit` ('uV', 'mV', 'V') applies to channels whose ANALOG:UNITS is empty."""
    path = str(path)
    content = _open(path)
    values = content.analogs  # channels x samples
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
        raise InputError(path, "C3D file holds no analog samples (no EMG)")
    n = values.shape[0]
    labels, units = content.labels, content.units
    named = {ov.name.lower() for ov in channels or () if ov.name}
    missing = named - {lab.lower() for lab in labels}
    if missing:
        raise InputError(path, f"--channel names {', '.join(repr(m) for m in sorted(missing))}, which is not an analog "
                               f"channel of this file ({', '.join(labels[:20])})")
    picked = [i for i in range(n) if labels[i].lower() in named or looks_like_emg(labels[i], units[i])]
    if not picked:
        raise InputError(path, f"no EMG channel among its {n} analog channel(s) ({', '.join(labels[:12])}"
                               f"{' ...' if n > 12 else ''}); name one with --channel LABEL=MUSCLE:SIDE")
    data, specs, assumed = _convert(path, values, labels, units, picked, unit)
    index_overrides = [ov for ov in channels or () if not ov.name]
    check_override_indices(index_overrides, len(specs), path)
    rate = content.rate_hz
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(path, "C3D file states no analog sample rate (ANALOG:RATE)")
    extra = {"read_as": f"C3D, {len(picked)} EMG of {n} analog channel(s) at {rate:g} Hz",
             "c3d_labels": ",".join(labels[i] for i in picked)}
    info = StreamInfo(kind="c3d", name=os.path.basename(path), address=path, rate_hz=rate,
                      channels=apply_overrides(specs, channels, path), extra=extra)
    stream = RecordedStream(info=info, data=data, t0=content.start_s, unit_assumed=tuple(assumed))
    return Recording(path=path, streams=[stream], markers=_markers(content.events))


def _convert(path: str, values: np.ndarray, labels: list[str], units: list[str], picked: list[int],
             unit: str | None) -> tuple[np.ndarray, list[ChannelSpec], list[int]]:
    """(samples x channels float32 in µV, specs, indices whose unit was assumed) of the picked channels."""
    data = np.empty((values.shape[1], len(picked)), dtype=np.float64)
    specs, assumed = [], []
    for j, i in enumerate(picked):
        scale, guessed = stated_scale(path, labels[i], units[i], unit)
        if guessed:
            assumed.append(j)
        data[:, j] = values[i] * scale
        muscle, side = guess_role(labels[i].split(".")[-1] if "." in labels[i] else labels[i])
        if muscle == "other":
            muscle, side2 = guess_role(labels[i])
            side = side if side != "none" else side2
        specs.append(ChannelSpec(name=labels[i], muscle=muscle, side=side))
    bad = ~np.isfinite(data)
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        raise InputError(path, f"{int(bad.sum())} NaN/infinite sample value(s); first at sample {r}, channel {specs[c].name!r}")
    if np.any(np.abs(data) > MAX_SAMPLE_UV):
        r, c = (int(x) for x in np.argwhere(np.abs(data) > MAX_SAMPLE_UV)[0])
        raise InputError(path, f"sample value {data[r, c]:.6g} µV beyond ±1 kV at sample {r}, channel {specs[c].name!r} "
                               "(damaged file or wrong unit?)")
    return data.astype(np.float32), specs, assumed
