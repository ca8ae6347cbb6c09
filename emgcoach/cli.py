"""The `emgcoach` command: the developer's and the lab's door (analyze, simulate, ...).

Every user-facing failure is one line on stderr and exit code 2; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from emgcoach import __version__
from emgcoach.errors import EmgcoachError, InputError
from emgcoach.types import MIN_EMG_RATE_HZ

if TYPE_CHECKING:
    from emgcoach.analysis import Analysis
    from emgcoach.coach.session_analysis import SessionReps
    from emgcoach.coach.store import Store
    from emgcoach.io.channels import ChannelOverride
    from emgcoach.io.recording import Recording
    from emgcoach.stream.engine import Engine

EXIT_USAGE = 2
MAX_SIMULATION_RATE_HZ = 100_000.0
VALUE_OPTIONS = ("--channel", "--sensor", "--rate", "--duration")  # values may start with '-' (-1:lat:left, -1e3)


class CliParser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2): `emgcoach analyze: PROBLEM (see emgcoach analyze --help)`."""

    def error(self, message: str) -> None:  # type: ignore[override]
        text = " ".join(str(message).split())
        self.exit(EXIT_USAGE, f"{self.prog}: {text} (see {self.prog} --help)\n")


def _option_values_may_look_negative(argv: Sequence[str]) -> list[str]:
    """`--channel -1:lat:left` -> `--channel=-1:lat:left`, so argparse takes the value as a value (and the
    channel parser can say what is wrong with it) instead of as an unknown option."""
    out: list[str] = []
    it = iter(argv)
    for tok in it:
        if tok in VALUE_OPTIONS:
            nxt = next(it, None)
            if nxt is not None and re.match(r"-[\d.]", nxt):
                out.append(f"{tok}={nxt}")
                continue
            out.append(tok)
            if nxt is not None:
                out.append(nxt)
            continue
        out.append(tok)
    return out


def _channel_options(values: list[str] | None, path: str) -> list[ChannelOverride] | None:
    from emgcoach.io.channels import parse_channel_option

    out = []
    for v in values or []:
        try:
            out.append(parse_channel_option(v))
        except ValueError as e:
            problem = re.sub(r"^channel option '.*?': ", "", str(e))
            raise InputError(path, f"--channel {v}: {problem}") from None
    return out or None


def _rate_option(path: str, text: str | None) -> float | None:
    """--rate as a positive, finite number of Hz (None when not given); InputError naming `path` if not."""
    if text is None:
        return None
    try:
        rate = float(text)
    except ValueError:
        raise InputError(path, f"--rate {text}: not a number (give the sample rate in Hz, e.g. --rate 1000)") from None
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(path, f"--rate {text}: the sample rate must be a positive number of Hz")
    return rate


UNIT_HELP = ("unit of the columns the file does not label (CSV, XDF, EDF, DataLOG), default uV; a unit the file "
             "states wins (a CSV header 'lat (mV)', an XDF <unit>, an EDF dimension)")


def _unit_option(path: str, text: str | None) -> str | None:
    """--unit as 'uV', 'mV' or 'V' (None when not given); InputError naming `path` if not one of them."""
    if text is None:
        return None
    from emgcoach.io.units import parse_unit

    try:
        return parse_unit(text)
    except ValueError:
        raise InputError(path, f"--unit {text}: give uV, mV or V") from None


def _stderr_note(text: str) -> None:
    """A warning or note for the user: one line on stderr, `emgcoach: TEXT`."""
    print(f"emgcoach: {text}", file=sys.stderr)


def _warn_units(recording: Recording, note: Callable[[str], None] = _stderr_note) -> None:
    """One line (`note`, default stderr) per likely unit of the columns read as µV without a stated unit (io.units)."""
    from emgcoach.io.units import unit_warnings

    for line in unit_warnings(recording):
        note(f"warning: {line}")


def _check_rate_option(path: str, rate: float) -> None:
    """A `--rate` below what EMG analysis needs: InputError (a file's own rate: analysis.check_rates)."""
    if rate < MIN_EMG_RATE_HZ:
        raise InputError(
            path,
            f"--rate {rate:g} Hz is too low: EMG analysis needs at least {MIN_EMG_RATE_HZ:g} Hz "
            "(its band runs from 20 Hz up to 0.45 x rate)",
        )


def _mains_option(path: str, text: str) -> float | None | str:
    value = text.strip().lower()
    if value == "auto":
        return "auto"
    if value == "off":
        return None
    if value in ("50", "60"):
        return float(value)
    raise InputError(path, f"--mains {text}: give auto, off, 50 or 60 (Hz)")


def analyze_file(args: argparse.Namespace, note: Callable[[str], None] = _stderr_note) -> tuple[Analysis, SessionReps | None]:
    """`analyze`'s work on one file (args.file, with its options as given): read, check, analyse, score
    its reps. Warnings and notes go to `note` (default stderr); a problem with the file is an InputError."""
    from emgcoach.analysis import check_rates, notch_per_stream
    from emgcoach.coach.session_analysis import analyze_with_reps
    from emgcoach.io.open import read_recording

    rate = _rate_option(args.file, args.rate)
    mains = _mains_option(args.file, args.mains)
    unit = _unit_option(args.file, args.unit)
    if rate is not None:
        _check_rate_option(args.file, rate)
    recording = read_recording(args.file, rate_hz=rate, channels=_channel_options(args.channel, args.file), unit=unit)
    check_rates(recording)  # each stream's own rate, and the length
    _warn_units(recording, note)
    # streams at different rates, where only some can take the notch, get a setting each
    settings, notes = notch_per_stream(recording, mains)
    for line in notes:
        note(f"note: {line}")
    return analyze_with_reps(recording, settings, pairs=args.pairs, drill_id=args.drill, rescore=args.rescore)


def cmd_analyze(args: argparse.Namespace) -> int:
    from emgcoach.analysis import format_text
    from emgcoach.coach.session_analysis import analysis_dict

    result, scored = analyze_file(args)
    if args.json:
        print(json.dumps(analysis_dict(result, scored), allow_nan=False))
    else:
        print(format_text(result, scored.source_note if scored is not None else ""))
    return 0


def cmd_analyze_paths(args: argparse.Namespace) -> int:
    """One file, no batch option: `cmd_analyze`. Else a batch (`batch_cli.run_batch`), its options
    checked once here so that a typo is one usage error rather than a failed row per file."""
    batch = args.table is not None or args.jobs is not None or args.dask is not None
    if len(args.paths) == 1 and not batch and not Path(args.paths[0]).is_dir():
        args.file = args.paths[0]
        return cmd_analyze(args)
    from emgcoach.batch import AnalyzeOptions, default_jobs
    from emgcoach.batch_cli import run_batch

    if args.json:
        raise EmgcoachError("--json applies to one file: a batch writes a table (--table OUT.csv)")
    if args.jobs is not None and args.jobs < 1:
        raise EmgcoachError(f"--jobs {args.jobs}: give 1 or more processes")
    if args.jobs is not None and args.dask is not None:
        raise EmgcoachError("--jobs and --dask: give one (the cluster has its own workers)")
    first = args.paths[0]
    rate = _rate_option(first, args.rate)
    if rate is not None:
        _check_rate_option(first, rate)
    _mains_option(first, args.mains)
    _unit_option(first, args.unit)
    _channel_options(args.channel, first)
    options = AnalyzeOptions(rate=args.rate, channel=tuple(args.channel or ()), mains=args.mains, drill=args.drill,
                             rescore=args.rescore, unit=args.unit, pairs=args.pairs)
    return run_batch(args.paths, options, args.jobs or default_jobs(), args.dask, args.table)


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width = label, width
        self.enabled = sys.stderr.isatty()
        self._shown = -1

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        pct = int(round(100 * min(max(fraction, 0.0), 1.0)))
        if pct == self._shown:
            return
        self._shown = pct
        done = pct * self.width // 100
        sys.stderr.write(f"\r{self.label} [{'#' * done}{'.' * (self.width - done)}] {pct:3d}%")
        if pct == 100:
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_export(args: argparse.Namespace) -> int:
    from emgcoach.io.bids import check_label
    from emgcoach.io.export import export
    from emgcoach.io.open import read_recording

    options = {}
    if args.to == "bids":
        try:
            options = {"subject": check_label("subject", args.subject), "task": check_label("task", args.task)}
        except ValueError as e:
            raise EmgcoachError(str(e)) from None
    elif args.subject != "01" or args.task != "drill":
        raise EmgcoachError("--subject and --task apply to --to bids only")
    rate = _rate_option(args.file, args.rate)
    unit = _unit_option(args.file, args.unit)
    recording = read_recording(args.file, rate_hz=rate, channels=_channel_options(args.channel, args.file), unit=unit)
    _warn_units(recording)
    try:
        written = export(recording, args.to, args.output, progress=ProgressBar(f"export {args.to}"), **options)
    except (OSError, ValueError) as e:
        raise EmgcoachError(f"{args.output}: cannot export: {e}") from None
    print(f"{written}: {args.to} export of {args.file} ({recording.duration_s:.1f} s)")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from emgcoach.stream.simulated_session import record_simulation

    rate = _rate_option(args.output, args.rate)
    assert rate is not None
    _check_rate_option(args.output, rate)  # a session that analyze could not read is no use
    if rate > MAX_SIMULATION_RATE_HZ:
        raise InputError(args.output, f"--rate {args.rate}: at most {MAX_SIMULATION_RATE_HZ:g} Hz")
    if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
        raise InputError(args.output, f"--duration {args.duration:g}: give a positive number of seconds")
    summary = record_simulation(
        Path(args.output),
        drill=args.drill,
        duration_s=args.duration,
        rate_hz=rate,
        seed=args.seed,
        realtime=args.realtime,
        calibration=not args.no_calibration,
    )
    print(summary)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from emgcoach.ui.app import run

    if not Path(args.file).exists():
        raise EmgcoachError(f"{args.file}: file not found")
    if not 0.25 <= args.speed <= 16.0:  # NaN fails too
        raise InputError(args.file, f"--speed {args.speed:g}: give a replay speed from 0.25 to 16")
    unit = _unit_option(args.file, args.unit)
    from emgcoach.io.open import read_recording

    try:  # read here too, for the unit check on the terminal; the window reads it again to replay it
        _warn_units(read_recording(args.file, unit=unit))
    except InputError:
        pass  # the window asks for a missing rate, and its message box reports anything else
    return run(replay=args.file, speed=args.speed, unit=unit)


def _store(path: str | None) -> Store:
    from emgcoach.coach.store import Store

    return Store(path)


def cmd_report(args: argparse.Namespace) -> int:
    from emgcoach.coach.report import default_report_base, report_data, write_report_checked
    from emgcoach.coach.store import check_label
    from emgcoach.session.filed_recording import file_recording

    person, notes, recording_path, session_id = args.person, args.notes, args.session, None
    if args.session.isdigit() and not Path(args.session).exists():  # a session of the history
        with _store(args.store) as store:
            info, _ = store.session(int(args.session))
        if not info.recording:
            raise EmgcoachError(f"session {args.session} has no recording to report on")
        person, recording_path, session_id = info.person, info.recording, info.id
        notes = notes or info.notes
    save = args.save and session_id is None  # a session from the history is in it already
    # everything about the person is checked before a byte is written: the report is health data too
    if save and not person:
        raise EmgcoachError("--save needs --person LABEL (a pseudonym such as P07)")
    if args.person is not None:
        check_label(args.person)
    out = Path(args.output) if args.output else default_report_base(recording_path)
    data = report_data(recording_path, person or "", notes or "", args.drill, rescore=args.rescore)
    scored = data.scored
    store = _store(args.store) if save else None  # an unusable store: one line, before any report is written
    try:
        html_path, pdf_path = write_report_checked(data, out)
        print(f"{html_path}\n{pdf_path}\n{data.summary()} ({scored.source_note}; {scored.calibration_note})")
        if store is not None:
            filed = file_recording(store, person, recording_path, data.started_at or "", scored, notes or "")
            if filed.already:
                print(f"not saved again: session {filed.session_id} of {person} in {store.path} is this recording's set already")
                return 0
            print(f"saved as session {filed.session_id} of {person} in {store.path}")
    finally:
        if store is not None:
            store.close()
    return 0


def cmd_drills(args: argparse.Namespace) -> int:
    from emgcoach.coach.drills import load_library, user_drills_path

    lib = load_library(extra=args.file)
    for d in lib.values():
        t = d.targets
        print(f"{d.id:34s} {d.name}")
        print(f"{'':34s} {d.reps} reps of {d.rep_s:g} s; lat {t.lat_lo:g}-{t.lat_hi:g} %MVC, glute >= {t.glute_min:g} %MVC, "
              f"{t.timing_text()}; lead: {d.lead}")
    print(f"\n{len(lib)} drills. Your own drills go in {user_drills_path()} (same form as {Path(__file__).parent / 'coach' / 'drills.toml'}).")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with _store(args.store) as store:
        sessions = store.sessions(args.person)
        if not sessions:
            raise EmgcoachError(f"{store.path}: no sessions of {args.person!r}")
        drills = sorted({d for s in sessions for d in s.drills})
        progress = {d: store.progress(args.person, d) for d in drills}
    if args.json:
        print(json.dumps({"person": args.person, "progress": progress}))
        return 0
    for d, rows in progress.items():
        print(d)
        for r in rows:
            lvl = "-" if r["glute_mean"] is None else f"{r['glute_mean']:.0f} {r['unit']}"
            lat = "-" if r["median_latency_ms"] is None else f"{r['median_latency_ms']:+.0f} ms"
            cut = "" if r["complete"] else " (stopped early" + (f", of {r['planned_reps']} planned)" if r["planned_reps"] else ")")
            print(f"  {r['started']}  session {r['session']}: {r['reps']} reps{cut}, {100 * r['hit_rate']:.0f} % on target, "
                  f"glute {lvl}, glute onset {lat}")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
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


def cmd_decode(args: argparse.Namespace) -> int:
    from emgcoach.ble.capture import decode_capture
    from emgcoach.ble.devices.registry import profile_for

    try:
        profile = profile_for(args.device)
    except KeyError as e:
        raise EmgcoachError(str(e.args[0])) from None
    options = {"firmware": args.firmware} if args.firmware is not None else {}
    rows, summary = decode_capture(args.file, profile, stream=args.stream, **options)
    out = sys.stdout
    out.write("index,time_s," + ",".join(f"ch{i + 1}_uv" for i in range(profile.n_channels)) + "\n")
    for index, t, values in rows:
        out.write(f"{index},{t:.6f}," + ",".join(f"{v:.3f}" for v in values) + "\n")
    print(f"{args.file}: {summary.notifications} notifications, {summary.samples} samples, "
          f"{summary.lost_samples} samples lost, {summary.bad_packets} bad packets", file=sys.stderr)
    return 0


def cmd_record(args: argparse.Namespace) -> int:
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
    (`engine` event) ends the recording as an EmgcoachError."""
    import time

    from emgcoach.ble.sensor_setup import stream_status

    while True:
        time.sleep(1.0)
        for ev in engine.drain_events():
            if ev.kind == "error":
                raise EmgcoachError(ev.payload.get("message", "sensor error"))
        line = " | ".join(stream_status(engine.stream_stats(s)) for s in range(engine.n_streams))
        sys.stderr.write("\r" + line[:200])
        sys.stderr.flush()


def has_display() -> bool:
    """Whether a window can be shown: a desktop session, and Qt not told to render offscreen."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def cmd_app(args: argparse.Namespace) -> int:
    from emgcoach.ui.app import run

    return run()


def build_parser() -> argparse.ArgumentParser:
    p = CliParser(
        prog="emgcoach",
        description="Surface-EMG biofeedback for the lat + opposite glute (posterior oblique sling).",
    )
    p.add_argument("--version", action="version", version=f"emgcoach {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("analyze", help="run the signal chain over a recording and print its figures")
    a.add_argument("paths", nargs="+", metavar="PATH", help="recording: XDF, CSV, OpenBCI GUI text, OpenSignals text; "
                   "several files or folders (searched recursively) make a batch with one summary table")
    a.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    a.add_argument("--rate", help=f"sample rate in Hz for files that do not state it (CSV, DataLOG); at least {MIN_EMG_RATE_HZ:g}")
    a.add_argument(
        "--channel",
        action="append",
        metavar="INDEX:MUSCLE:SIDE",
        help="name a column, e.g. 0:lat:left 1:glute:right (repeatable)",
    )
    a.add_argument("--mains", default="auto", help="mains notch: auto (detect), off, 50 or 60 (skipped, with a note, "
                   "when the line lies above the band at a low rate)")
    a.add_argument("--drill", help="score reps of this drill over the whole file (files with drill markers need no help)")
    a.add_argument("--rescore", action="store_true", help="score every set again with today's rules instead of "
                   "showing the verdicts the app gave live (the file's rep markers)")
    a.add_argument("--unit", metavar="uV|mV|V", help=UNIT_HELP)
    a.add_argument("--pairs", metavar="all|A:B,...", help="muscle pairs to compare: all, or channel names A:B,C:D "
                   "(default: lat with the opposite glute; every pair of up to 4 channels without those roles)")
    a.add_argument("--table", metavar="OUT.csv", help="batch: write the summary table here (default: CSV on stdout)")
    a.add_argument("--jobs", type=int, metavar="N", help="batch: analyse on N processes (default: all cores)")
    a.add_argument("--dask", metavar="ADDRESS", help="batch: run on this Dask scheduler, e.g. tcp://host:8786 "
                   "(pip install 'emgcoach[cluster]'; workers read the files by path)")
    a.set_defaults(func=cmd_analyze_paths)

    e = sub.add_parser("export", help="export a recording to EDF+, BDF+, CSV or a BIDS-EMG folder")
    e.add_argument("file", help="recording to export (any format analyze reads)")
    e.add_argument("--to", required=True, choices=("edf", "bdf", "csv", "bids"), help="target format")
    e.add_argument("output", help="output file (edf/bdf/csv) or dataset folder (bids)")
    e.add_argument("--subject", default="01", help="pseudonymous BIDS subject id (letters and digits)")
    e.add_argument("--task", default="drill", help="BIDS task label (default drill)")
    e.add_argument("--rate", help="sample rate in Hz for files that do not state it (CSV, DataLOG)")
    e.add_argument("--channel", action="append", metavar="INDEX:MUSCLE:SIDE", help="name a column (repeatable)")
    e.add_argument("--unit", metavar="uV|mV|V", help=UNIT_HELP)
    e.set_defaults(func=cmd_export)

    a = sub.add_parser("app", help="open the desktop app (sensors, replay, recording)")
    a.set_defaults(func=cmd_app)

    r = sub.add_parser("replay", help="open the desktop app replaying a recording")
    r.add_argument("file", help="recording to replay (XDF, EDF/BDF, CSV, ...)")
    r.add_argument("--speed", type=float, default=1.0, help="replay speed, 0.25-16 (default 1)")
    r.add_argument("--unit", metavar="uV|mV|V", help=UNIT_HELP)
    r.set_defaults(func=cmd_replay)

    rp = sub.add_parser("report", help="write a one-page HTML + PDF report of a session's reps")
    rp.add_argument("session", help="a recording with drill markers, or a session number from the history")
    rp.add_argument("-o", "--output", help="output path without suffix (default: beside the recording, NAME-report)")
    rp.add_argument("--person", help="the client's pseudonym (e.g. P07), never a name")
    rp.add_argument("--notes", default="", help="notes to print on the report")
    rp.add_argument("--drill", help="drill done, for recordings without drill markers")
    rp.add_argument("--rescore", action="store_true", help="score the reps again with today's rules instead of "
                    "reporting the verdicts the app gave live (the file's rep markers)")
    rp.add_argument("--save", action="store_true", help="also save the session and its reps to the history")
    rp.add_argument("--store", help="history database (default: emgcoach.sqlite3 in your data folder)")
    rp.set_defaults(func=cmd_report)

    sc = sub.add_parser("scan", help="list nearby supported Bluetooth EMG sensors")
    sc.add_argument("--timeout", type=float, default=5.0, help="seconds to listen (default 5)")
    sc.set_defaults(func=cmd_scan)

    rc = sub.add_parser("record", help="record Bluetooth sensors to XDF, headless, until Ctrl-C")
    rc.add_argument("--sensor", action="append", required=True, metavar="ADDRESS:MUSCLE:SIDE",
                    help="a sensor and the muscle its first channel is on, e.g. C4:64:E3:12:34:56:lat:left (repeatable)")
    rc.add_argument("--kind", help="device kind, if all sensors are of one kind (skips the identifying scan)")
    rc.add_argument("-o", "--output", required=True, help="output file (.xdf)")
    rc.add_argument("--capture-packets", action="store_true", help="also store every notification's bytes and arrival time (for `emgcoach decode`)")
    rc.set_defaults(func=cmd_record)

    de = sub.add_parser("decode", help="decode a packet capture (hex per line) into CSV samples")
    de.add_argument("--device", required=True, help="device kind: umyo, ganglion, bitalino, npg, myoware_value, myoware_uart, open_profile")
    de.add_argument("--firmware", help="Ganglion firmware text (e.g. 3.1.2); without it, firmware 2")
    de.add_argument("--stream", help="in an XDF capture of several sensors, the sensor's stream name")
    de.add_argument("file", help="capture: an XDF recorded with --capture-packets, or text with one hex notification per line, optionally after its arrival time in s")
    de.set_defaults(func=cmd_decode)

    dr = sub.add_parser("drills", help="list the drill library (and check a drills file)")
    dr.add_argument("--file", help="a drills TOML file to check and include")
    dr.set_defaults(func=cmd_drills)

    hi = sub.add_parser("history", help="a person's progress per drill over sessions")
    hi.add_argument("person", help="the pseudonym")
    hi.add_argument("--json", action="store_true", help="print JSON")
    hi.add_argument("--store", help="history database (default: emgcoach.sqlite3 in your data folder)")
    hi.set_defaults(func=cmd_history)

    s = sub.add_parser("simulate", help="write a simulated session (lat + opposite glute) with ground truth")
    s.add_argument("-o", "--output", required=True, help="output file (.xdf)")
    s.add_argument("--drill", default="bird_dog", help="drill id from the library (default bird_dog; `emgcoach drills` lists them)")
    s.add_argument("--no-calibration", action="store_true", help="leave out the rest + MVC calibration block (49 s)")
    s.add_argument("--duration", type=float, default=None, help="length in s (default: the drill's own)")
    s.add_argument("--rate", default="2000", help=f"sample rate in Hz, {MIN_EMG_RATE_HZ:g}-{MAX_SIMULATION_RATE_HZ:g} (default 2000)")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same session)")
    s.add_argument("--realtime", action="store_true", help="pace like a live sensor (for crash tests)")
    s.set_defaults(func=cmd_simulate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_option_values_may_look_negative(sys.argv[1:] if argv is None else list(argv)))
    if args.command is None:
        if has_display():
            return cmd_app(args)
        parser.print_help()
        print("\n(no display found, so the desktop app was not opened: `emgcoach app` opens it on a desktop)")
        return 0
    try:
        return int(args.func(args) or 0)
    except EmgcoachError as e:
        if args.debug:
            raise
        print(f"emgcoach: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("emgcoach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug, not bad input: still one line, with how to see more
        if args.debug:
            raise
        print(f"emgcoach: internal error: {type(e).__name__}: {e} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
