"""Clock alignment of two simulated BLE sensors (+-100 ppm crystals, 7.5-50 ms connection intervals,
radio retries, 2 % packet loss) over 30 minutes: the worst relative timing error of the live estimate,
checked every 10 s, with alignment and with timing by index alone (the reference).

Run: `.venv/bin/python benchmarks/clock_alignment.py [--minutes 30]`.
"""

from __future__ import annotations

import argparse
import time

from emgcoach.stream.ble_delivery import two_sensor_run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    args = ap.parse_args()
    for seed in (1, 2, 3):
        t0 = time.perf_counter()
        run = two_sensor_run(seed, 60 * args.minutes)
        cost = time.perf_counter() - t0
        ref = two_sensor_run(seed, 60 * args.minutes, aligned=False)
        print(f"seed {seed}: aligned worst {1000 * run.worst_s:.2f} ms (index only: {1000 * ref.worst_s:.0f} ms); "
              f"fitted drift {run.drift_a_ppm:+.1f} / {run.drift_b_ppm:+.1f} ppm (true +100 / -100); "
              f"{cost:.1f} s for {2 * 60 * args.minutes * 100:.0f} packets")


if __name__ == "__main__":
    main()
