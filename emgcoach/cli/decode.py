"""`emgcoach decode --device KIND FILE`: a packet capture decoded into CSV samples (µV) on stdout."""

from __future__ import annotations

import argparse
import sys

from emgcoach.errors import EmgcoachError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    de = subparsers.add_parser("decode", help="decode a packet capture (hex per line) into CSV samples")
    de.add_argument("--device", required=True, help="device kind: umyo, ganglion, bitalino, npg, myoware_value, myoware_uart, open_profile")
    de.add_argument("--firmware", help="Ganglion firmware text (e.g. 3.1.2); without it, firmware 2")
    de.add_argument("--stream", help="in an XDF capture of several sensors, the sensor's stream name")
    de.add_argument("file", help="capture: an XDF recorded with --capture-packets, or text with one hex notification per line, optionally after its arrival time in s")
    de.set_defaults(func=cmd_decode)


def cmd_decode(args: argparse.Namespace) -> int:
    """A CSV row per sample (index, time in s, each channel in µV) on stdout; the capture's counts on stderr."""
    from emgcoach.ble.capture import decode_capture
    from emgcoach.ble.devices.registry import profile_for

    try:
        profile = profile_for(args.device)
    except KeyError as e:
        raise EmgcoachError(str(e.args[0])) from None
    options = {"firmware": args.firmware} if args.firmware is not None else {}
    rows, summary = decode_capture(args.file, profile, stream=args.stream, **options)
    out = sys.stdout
    header = None  # from the first row: an open-profile sensor's packets say how many channels it has
    for index, t, values in rows:
        if header is None:
            header = _header(len(values))
            out.write(header)
        out.write(f"{index},{t:.6f}," + ",".join(f"{v:.3f}" for v in values) + "\n")
    if header is None:
        out.write(_header(profile.n_channels))
    print(f"{args.file}: {summary.notifications} notifications, {summary.samples} samples, "
          f"{summary.lost_samples} samples lost, {summary.bad_packets} bad packets", file=sys.stderr)
    return 0


def _header(n_channels: int) -> str:
    """The CSV's first line for `n_channels` channels."""
    return "index,time_s," + ",".join(f"ch{i + 1}_uv" for i in range(n_channels)) + "\n"
