"""EMG onsets on real muscles against an independent reference: the knee goniometer of the UCI set.

In `../shared/data/uci_lower_limb/` four thigh muscles were recorded with a knee goniometer. In the
standing knee flexion task (`*pie.txt`) the hamstrings (biceps femoris, semitendinosus) bend the knee; in
the seated knee extension task (`*sen.txt`) the quadriceps (rectus femoris, vastus medialis) straighten
it. A prime mover's onset comes before the joint moves (the electromechanical delay, plus any build-up of
force before the limb leaves rest), so for each movement the goniometer gives (`dsp.movement`), the lead
of the muscle's last onset in the second before it is measured. The lead itself differs between people
and tasks; its spread (SD) across repetitions of one task is what onset jitter adds to.

Three detectors are run on each channel's 20 Hz onset envelope with the same rest: plain Hodges & Bui
(the first sample of the run above mean + 3 SD), the trace-back as it was (up to 200 ms back to where the
rise left mean + 0.5 SD), and the app's (`analyze`: trace-back bounded to 50 ms, dips shorter than the
minimum off-time merged, rest from stationary quiet windows). Prints one table row per file and muscle,
then every onset's trace-back shift against the plain crossing over all six files and four muscles.

Run: `.venv/bin/python benchmarks/onset_reference.py [DATA_DIR]` (default ../shared/data/uci_lower_limb).
The figures are from the data, not from this machine: no timing is involved.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from emgcoach.analysis import ChannelResult, analyze
from emgcoach.dsp.movement import movement_onsets, onset_leads_ms
from emgcoach.dsp.onset import detect_onsets
from emgcoach.io.datalog import goniometer_trace
from emgcoach.io.open import read_recording

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "uci_lower_limb"
# task -> (direction of the knee angle while the prime movers work, their muscles)
TASKS = {"pie": (+1, ("biceps_femoris", "semitendinosus")), "sen": (-1, ("rectus_femoris", "vastus_medialis"))}
VARIANTS = {"plain": {"start_k": None}, "back_200ms": {"max_back_s": 0.2}}


def variant_onsets(ch: ChannelResult, **kwargs: float | None) -> list[float]:
    """The channel's onsets (s) with the detector set up otherwise, on the same envelope and rest."""
    events = detect_onsets(ch.onset_envelope_uv, ch.rate_hz, ch.rest.mean_uv, ch.rest.sd_uv, **kwargs)
    return [float(ch.times_s[e.index]) for e in events if e.kind == "onset"]


def rows(data: Path) -> list[dict]:
    """One row per file and prime mover: movements, matched onsets, lead median and SD per detector."""
    out = []
    for path in sorted(data.glob("*.txt")):
        task = path.stem[-3:]
        if task not in TASKS:
            continue
        direction, muscles = TASKS[task]
        rec = read_recording(path)
        t, angle = goniometer_trace(rec)
        moves = movement_onsets(t, angle, direction)
        for ch in analyze(rec).channels:
            if ch.spec.muscle not in muscles:
                continue
            row = {"file": path.name, "muscle": ch.spec.muscle, "movements": len(moves),
                   "rest_reliable": ch.rest.reliable}
            for name, onsets in [("app", ch.onsets_s)] + [(n, variant_onsets(ch, **kw)) for n, kw in VARIANTS.items()]:
                leads = onset_leads_ms(onsets, moves)
                row[name] = (len(leads), float(np.median(leads)) if leads else float("nan"),
                             float(np.std(leads)) if len(leads) > 1 else float("nan"))
            out.append(row)
    return out


def shifts_ms(data: Path) -> dict[str, np.ndarray]:
    """How far each onset lies before the plain Hodges & Bui crossing of the same burst (ms), for the
    app's detector and the unbounded trace-back, over every channel of every file."""
    out: dict[str, list[float]] = {"app": [], "back_200ms": []}
    for path in sorted(data.glob("*.txt")):
        for ch in analyze(read_recording(path)).channels:
            if not ch.rest.reliable:
                continue  # the burst-level detector's crossings are not the rest threshold's
            plain = np.array(variant_onsets(ch, start_k=None))
            for name, onsets in (("app", ch.onsets_s), ("back_200ms", variant_onsets(ch, max_back_s=0.2))):
                for t in onsets:  # pair each onset with the plain crossing of its burst (the next one)
                    after = plain[(plain >= t - 1e-9) & (plain <= t + 0.25)]
                    if len(after):
                        out[name].append(float((after[0] - t) * 1000.0))
    return {k: np.array(v) for k, v in out.items()}


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    print(f"EMG onset lead before knee movement (goniometer), {data}")
    print("| file | muscle | movements | onsets matched | lead median, ms | lead SD, ms | SD plain H&B | SD trace-back 200 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    def ms(x: float) -> str:
        return f"{x:.0f}" if np.isfinite(x) else "-"  # no spread from a single matched onset

    for r in rows(data):
        n, med, sd = r["app"]
        rest = "" if r["rest_reliable"] else " (no rest found)"
        print(f"| {r['file']} | {r['muscle']}{rest} | {r['movements']} | {n} | {ms(med)} | {ms(sd)} | "
              f"{ms(r['plain'][2])} | {ms(r['back_200ms'][2])} |")
    s = shifts_ms(data)
    for name, v in s.items():
        print(f"trace-back shift vs the plain crossing, {name}: {len(v)} onsets, median {np.median(v):.0f} ms, "
              f"95th percentile {np.percentile(v, 95):.0f} ms, max {v.max():.0f} ms")


if __name__ == "__main__":
    main()
