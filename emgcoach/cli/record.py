"""`emgcoach record --sensor ADDRESS:MUSCLE:SIDE -o OUT.xdf`: Bluetooth sensors recorded headless until
Ctrl-C, a status line per second on stderr. The sensors are set up as the window sets them up
(`ble.sensor_setup`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from emgcoach.errors import EmgcoachError

if TYPE_CHECKING:
    from emgcoach.stream.engine import Engine

STATUS_WIDTH = 200  # characters of the status line: it is redrawn in place, so it must not wrap


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    rc = subparsers.add_parser("record", help="record Bluetooth sensors to XDF, headless, until Ctrl-C")
    rc.add_argument("--sensor", action="append", required=True, metavar="ADDRESS:MUSCLE:SIDE",
                    help="a sensor (its MAC, or on macOS its UUID) and the muscle its first channel is on, "
                    "e.g. C4:64:E3:12:34:56:lat:left (repeatable)")
    rc.add_argument("--kind", help="device kind, if all sensors are of one kind (skips the identifying scan)")
    rc.add_argument("-o", "--output", required=True, help="output file (.xdf)")
    rc.add_argument("--capture-packets", action="store_true", help="also store every notification's bytes and arrival time (for `emgcoach decode`)")
    rc.set_defaults(func=cmd_record)


def cmd_record(args: argparse.Namespace) -> int:
    """Connect every --sensor, record them to args.output until Ctrl-C, and say where the file is."""
    from emgcoach.ble.sensor_setup import add_sensor, parse_sensor_option, resolve_kind, scan_kinds
    from emgcoach.stream.engine import Engine

    wanted = [parse_sensor_option(opt) for opt in args.sensor]
    kinds = scan_kinds() if args.kind is None else {}
    engine = Engine(buffer_s=30.0).start()
    try:
        for sensor in wanted:
            add_sensor(engine, sensor.address, resolve_kind(sensor.address, kinds, args.kind), sensor.muscle,
                       sensor.side, capture=args.capture_packets, channel_name=sensor.channel_name)
        engine.start_recording(args.output)
        print(f"recording to {args.output}; Ctrl-C to stop", file=sys.stderr)
        _show_status(engine)
    except KeyboardInterrupt:
        pass
    finally:
        path = engine.stop_recording() if engine.recording_path else None
        engine.stop()
        if path:
            print(f"\nsaved {path}", file=sys.stderr)
    return 0


def _show_status(engine: Engine) -> None:
    """Every second, redraw one line on stderr with each stream's health, until Ctrl-C; a sensor's error
    (an engine event) ends the recording as an EmgcoachError."""
    import time

    from emgcoach.ble.sensor_setup import stream_status

    while True:
        time.sleep(1.0)
        for ev in engine.drain_events():
            if ev.kind == "error":
                raise EmgcoachError(ev.payload.get("message", "sensor error"))
        line = " | ".join(stream_status(engine.stream_stats(s)) for s in range(engine.n_streams))
        sys.stderr.write("\r" + line[:STATUS_WIDTH])
        sys.stderr.flush()
