"""`emgcoach scan`: the supported Bluetooth EMG sensors advertising nearby."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    sc = subparsers.add_parser("scan", help="list nearby supported Bluetooth EMG sensors")
    sc.add_argument("--timeout", type=float, default=5.0, help="seconds to listen (default 5)")
    sc.set_defaults(func=cmd_scan)


def cmd_scan(args: argparse.Namespace) -> int:
    """Listen for args.timeout s; a line per sensor seen (address, kind, name, RSSI), strongest first."""
    import asyncio

    from emgcoach.ble.link import scan

    found = asyncio.run(scan(args.timeout))
    if not found:
        print(f"no supported sensors seen in {args.timeout:g} s (are they on and advertising?)")
        return 0
    for s in found:
        rssi = "?" if s.rssi is None else f"{s.rssi} dBm"
        print(f"{s.address}  {s.kind:10s} {s.name:24s} RSSI {rssi}")
    return 0
