"""Fatigue figures for the README: the MDF slope on simulated sets with a known spectral shift, and the
median frequency of every burst in the real recordings.

1. Simulated: `tests.fatigue_signal.fatigued_set` (the bird-dog drill, spectrum compressed by a known
   share per rep) analysed as `emgcoach analyze` does, over N seeds per shift: the true MDF slope (%/rep,
   from the spectra themselves), the measured slope's mean and SD per muscle, and how often the set is
   flagged.
2. Real: each bundled and shared real recording (BioSPPy, UCI lower limb) analysed; per channel, each
   burst's MDF over the onset detector's onset-to-offset (`coach.fatigue.burst_spectra`), first -> last,
   their median, and the slope in %/burst with r². These tasks were not fatiguing: the slopes show the
   scatter of real bursts, not fatigue.

Run from the repository: `.venv/bin/python benchmarks/fatigue.py [--seeds 10]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emgcoach.analysis import analyze  # noqa: E402
from emgcoach.coach.fatigue import burst_spectra, mdf_trend  # noqa: E402
from emgcoach.coach.session_analysis import analyze_with_reps  # noqa: E402
from emgcoach.io.open import read_recording  # noqa: E402
from tests.fatigue_signal import fatigued_set  # noqa: E402

DROPS = (0.0, 0.005, 0.01, 0.02, 0.03)
SHARED = Path("/work/shared/data")


def simulated(seeds: int) -> None:
    print("| corner shift per rep | true MDF slope %/rep | lat measured mean ± SD | glute measured mean ± SD | flagged |")
    print("| --- | --- | --- | --- | --- |")
    for drop in DROPS:
        slopes: dict[str, list[float]] = {"lat": [], "glute": []}
        flagged = 0
        truth = 0.0
        for seed in range(seeds):
            fs = fatigued_set(drop, seed=seed)
            _, scored = analyze_with_reps(fs.recording)
            fatigue = scored.sets[0].fatigue
            flagged += fatigue.flag
            for m, t in fatigue.trends.items():
                slopes[m].append(t.slope_pct_per_rep)
            truth = mdf_trend(range(8), fs.truth_hz["lat"]).slope_pct_per_rep
        cells = [f"{statistics.mean(v):+.2f} ± {statistics.stdev(v):.2f}" for v in slopes.values()]
        print(f"| {100 * drop:g} % | {truth:+.2f} | {cells[0]} | {cells[1]} | {flagged} of {seeds} |")


def real_files() -> list[Path]:
    files = [ROOT / "recordings/biosppy/emg_1.txt"]
    files += sorted((SHARED / "uci_lower_limb").glob("*.txt")) if SHARED.exists() else sorted((ROOT / "recordings/uci_lower_limb").glob("*.txt"))
    return files


def real() -> None:
    print("| file | channel (muscle) | bursts | MDF first -> last, Hz | median MDF, Hz | slope %/burst (r²) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path in real_files():
        result = analyze(read_recording(path))
        for c in result.channels:
            mdf = [s.median_hz for _, _, s in burst_spectra(c)]
            found = [m for m in mdf if m is not None]
            if len(found) < 2:
                continue
            t = mdf_trend(range(len(mdf)), mdf)
            print(f"| {path.name} | {c.spec.name} ({c.spec.muscle}) | {len(found)} | {found[0]:.0f} -> {found[-1]:.0f} | "
                  f"{statistics.median(found):.0f} | {t.slope_pct_per_rep:+.1f} ({t.r2:.2f}) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args()
    simulated(args.seeds)
    print()
    real()


if __name__ == "__main__":
    main()
