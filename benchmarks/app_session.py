"""The whole app, measured as a user runs it (issue 17): two Bluetooth sensors through bleak and D-Bus,
the window drawing, a recording and a drill set running.

What runs: the tests' simulated BlueZ (tests/ble/fake_bluez.py: a private dbus-daemon and a fake
bluetoothd) in a child process, with two sensors streaming at their real packet rates: an open-profile
sensor at 2 kHz (20 samples a notification, 100 notifications/s; the lat) and a uMyo on its GATT raw
stream (~1150 Hz, 24 samples a notification, ~48/s; the glute), both carrying band-limited EMG with a
contraction every 5 s. This process is the app: the real bleak BlueZ backend connects both sensors
through the window's own connect path (`SensorControl.connect_sensor`), then records (R) and runs a
bird-dog set (restarted when it ends), for `--seconds` of measurement after a warm-up. The window is a
real one when a display is there (DISPLAY: e.g. `Xvfb :99 -screen 0 1024x700x24 -nolisten tcp &` and
DISPLAY=:99), offscreen otherwise.

Phases, in this order, in one run:
1. startup: `--startup-probe` children (twice: the second has a warm cache) open the window as
   `emgcoach app` does; time from spawning the child to the window's first frame on screen;
2. headless: the same session without the window (engine + BLE + recorder + drill set), so the cost of
   drawing is a ratio;
3. window: the session as above;
4. extras (skip with `--no-extras`): the app idle with the two simulated sensors (the in-process
   simulated client, no BLE), and replaying a 1 kHz recording (4 thigh muscles, uci_lower_limb).

Printed per phase: CPU per thread (Qt main, the engine's asyncio thread, which runs bleak's D-Bus side
and the DSP, split by timing `Engine._on_block`; the recorder; Qt's own threads) and for the whole
process, in % of one core; frames per second (the plots' paints); the delay from a notification leaving
the fake adapter (its time.monotonic(), CLOCK_MONOTONIC, shared by every process on the machine) to
the end of the paint of the first frame that shows all its samples (median, p95, max), and to the
engine's processed block; memory (RSS, peak). Its last line is exactly
`app_session: cpu_pct=<whole process, % of one core> latency_p95_ms=<float> window_s=<float>`
(the window phase; window_s is the warm start).

Run: `DISPLAY=:99 .venv/bin/python benchmarks/app_session.py [--seconds 30] [--no-extras] [--json F]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the simulated BlueZ lives with the tests
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # app_meters beside this file
from app_meters import BlockClock, Meter, Timed, delays_ms, process_cpu_s, spread  # noqa: E402

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

LAT_ADDRESS, LAT_NAME = "AA:BB:CC:DD:EE:11", "EMGC-lat"
GLUTE_ADDRESS, GLUTE_NAME = "AA:BB:CC:DD:EE:12", "uMyo-glute"
REPLAY_FILE = Path("/work/shared/data/uci_lower_limb/3Amar.txt")
WARMUP_S = 3.0


# ----------------------------------------------------------------------------------------------- sensors


def emg_loop(rate_hz: float, seed: int, lag_s: float, seconds: float = 60.0) -> np.ndarray:
    """`seconds` of surface EMG in µV (looped by the sensors): 20-450 Hz noise, 3 µV RMS at rest and
    80 µV during a 3 s contraction every 5 s (starting `lag_s` into each 5 s)."""
    from scipy import signal

    n = int(seconds * rate_hz)
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, [20.0, min(450.0, 0.45 * rate_hz)], "bandpass", fs=rate_hz, output="sos")
    x = signal.sosfilt(sos, rng.standard_normal(n))
    x /= np.sqrt(np.mean(x**2))
    phase = (np.arange(n) / rate_hz - lag_s) % 5.0
    effort = np.clip(np.minimum(phase / 0.3, (3.0 - phase) / 0.3), 0.0, 1.0)
    return x * (3.0 + 77.0 * effort)


def bench_sensors() -> list[Any]:
    """The two simulated sensors, each logging (first sample index, time.monotonic()) of every
    notification it sends in `sent`."""
    from emgcoach.ble.devices.umyo import MIDSCALE, UV_PER_COUNT
    from tests.ble.fake_bluez import OpenProfileSensor, UmyoSensor

    class LatSensor(OpenProfileSensor):
        rate_hz = 2000
        loop = emg_loop(2000.0, 1, 0.0)

        def __init__(self) -> None:
            super().__init__(LAT_ADDRESS, LAT_NAME)

        def counts(self, n: Any) -> np.ndarray:
            uv = self.loop[np.asarray(n) % len(self.loop)]
            return np.clip(np.round(uv / self.uv_per_count), -32768, 32767).astype(np.int16)

    class GluteSensor(UmyoSensor):
        loop = emg_loop(1150.0, 2, 0.08)  # the glute follows the lat by 80 ms

        def __init__(self) -> None:
            super().__init__(GLUTE_ADDRESS, GLUTE_NAME)

        def counts(self, n: Any) -> np.ndarray:
            uv = self.loop[np.asarray(n) % len(self.loop)]
            return MIDSCALE + np.round(uv / UV_PER_COUNT).astype(np.int64)

    return [LatSensor(), GluteSensor()]


def serve_fake(bus_address: str) -> None:
    """The child process: the simulated BlueZ on `bus_address` until stdin closes. `log PATH` on stdin:
    write (and forget) what each sensor sent since the last one to PATH (npz by address)."""
    from tests.ble.fake_bluez import FakeBlueZThread

    sensors = bench_sensors()
    runner = FakeBlueZThread(bus_address, sensors=sensors).start()

    async def take() -> dict[str, np.ndarray]:
        out = {}
        for s in sensors:
            log, s.packets[:] = list(s.packets), []  # (first sample, time it left, delivered) per notification
            out[s.address] = np.array([(k, t) for k, t, ok in log if ok], dtype=np.float64).reshape(-1, 2)
        return out

    print("ready", flush=True)
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "log":
            np.savez(arg, **{k.replace(":", "_"): v for k, v in runner.call(take()).items()})
            print("ok", flush=True)
    runner.stop()


class FakeSensors:
    """The private bus (this process points bleak at it) and the simulated BlueZ in a child process."""

    def __init__(self, tmp: Path) -> None:
        from tests.ble.fake_bluez import PrivateSystemBus

        self.tmp = tmp
        self.bus = PrivateSystemBus()
        address = self.bus.start()
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve-fake", address], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the simulated BlueZ did not start")

    def take_log(self) -> dict[str, np.ndarray]:
        """(first sample index, send time) of every notification since the last call, by address."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        path = self.tmp / "sent.npz"
        self.proc.stdin.write(f"log {path}\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()
        with np.load(path) as z:
            return {k.replace("_", ":"): z[k] for k in z.files}

    def cpu_s(self) -> float:
        """CPU seconds of the child (the fake bluetoothd) plus the dbus-daemon."""
        pids = [self.proc.pid] + ([self.bus.proc.pid] if self.bus.proc is not None else [])
        return sum(process_cpu_s(str(p)) for p in pids)

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(15)
        self.bus.stop()


# ----------------------------------------------------------------------------------------------- measuring


SAMPLES = {LAT_ADDRESS: 20, GLUTE_ADDRESS: 24}


# ----------------------------------------------------------------------------------------------- phases


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str, pump: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        if pump is not None:
            pump()
        time.sleep(0.01)


def streaming(engine: Any, n: int, live: bool = True) -> bool:
    """`n` streams with samples (and, `live`, their links streaming)."""
    return engine is not None and engine.n_streams >= n and all(
        (not live or engine.stream_stats(s).state == "streaming") and engine.stream_stats(s).samples > 0
        for s in range(n))


def headless_phase(seconds: float, fake: FakeSensors, tmp: Path) -> dict[str, Any]:
    """Engine + BLE + recorder + drill set, no window (the main thread drains the set at 20 Hz)."""
    from datetime import datetime

    from emgcoach.ble.sensor_setup import add_sensor
    from emgcoach.coach.drills import load_library
    from emgcoach.session.drill_set import DrillSet
    from emgcoach.stream.engine import Engine

    on_block = Timed(Engine, "_on_block")
    engine = Engine(buffer_s=30.0).start()
    add_sensor(engine, LAT_ADDRESS, "open", "latissimus_dorsi", "left", name=LAT_NAME)
    add_sensor(engine, GLUTE_ADDRESS, "umyo", "gluteus_maximus", "right", name=GLUTE_NAME)
    wait_for(lambda: streaming(engine, 2), 30, "both sensors streaming")
    blocks = BlockClock(engine)
    engine.subscribe(blocks)
    engine.start_recording(tmp / "headless.xdf")
    drill = load_library(include_user=False)["bird_dog"]

    def new_set() -> DrillSet:
        return DrillSet(engine, drill, (0, 0), (1, 0), None, ("left", "right"), engine.session_time_s(), "bench",
                        datetime.now().isoformat(timespec="seconds"))

    ds = new_set()
    meter = Meter()
    sets = 0
    t_end = time.monotonic() + WARMUP_S + seconds
    while time.monotonic() < t_end:
        if time.monotonic() >= t_end - seconds and not hasattr(meter, "t0"):
            fake.take_log()
            blocks.seen.clear()
            meter.start(fake, {"engine: processing blocks (DSP, rings, recorder feed, drill set)": on_block})
        ds.drain()
        if ds.done:
            ds.stop()
            ds, sets = new_set(), sets + 1
        time.sleep(0.05)
    result = meter.stop()
    sent = fake.take_log()
    result["to_block_ms"] = spread(delays_ms(sent, blocks.seen, SAMPLES, meter.t0 + seconds - 0.5))
    result["sets_finished"] = sets
    ds.stop()
    engine.stop_recording()
    engine.stop()
    on_block.restore()
    return result


class FrameClock:
    """Wraps the plots' paintEvent: per frame, when its paint ended and which sample index (per stream
    address) it showed; and counts the main window's frames."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.frames: list[tuple[float, dict[str, int]]] = []
        self.paint_cpu_s = 0.0  # CPU time in the plots' paintEvent
        view = window.plots.layout_widget
        orig = type(view).paintEvent
        frames = self.frames

        def paint(ev: Any) -> None:
            shown = {}
            engine = window.engine
            if engine is not None:
                for s, v in list(window.plots._shown.items()):
                    if s < engine.n_streams:
                        shown[engine.info(s).address] = v[0]
            t = time.thread_time()
            orig(view, ev)
            self.paint_cpu_s += time.thread_time() - t
            frames.append((time.monotonic(), shown))

        view.paintEvent = paint

    def seen(self, since: float) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        for t, shown in self.frames:
            if t >= since:
                for address, end in shown.items():
                    out.setdefault(address, []).append((end, t))
        return out


def run_qt(app: Any, seconds: float) -> None:
    """Run the Qt event loop for `seconds` (the real loop: timers, paints, input)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def make_window(tmp: Path, name: str) -> Any:
    from PySide6.QtCore import QSettings

    from emgcoach.ui.main_window import MainWindow

    settings = QSettings(str(tmp / f"{name}.ini"), QSettings.Format.IniFormat)
    settings.setValue("welcome_seen", True)  # a returning user
    settings.setValue("store_path", str(tmp / f"{name}.sqlite3"))
    settings.setValue("recordings_dir", str(tmp / "recordings"))
    w = MainWindow(settings)
    w.show()
    return w


def measure_window(app: Any, w: Any, seconds: float, fake: FakeSensors | None, keep_going: Callable[[], None],
                   timers: dict[str, Timed]) -> tuple[dict[str, Any], FrameClock]:
    from PySide6.QtCore import QTimer

    clock = FrameClock(w)
    nudge = QTimer()
    nudge.timeout.connect(keep_going)
    nudge.start(500)
    run_qt(app, WARMUP_S)
    if fake is not None:
        fake.take_log()
    meter = Meter()
    ticks0 = w.frames
    meter.start(fake, timers)
    paint0 = clock.paint_cpu_s
    run_qt(app, seconds)
    result = meter.stop()
    result["timed_pct"]["Qt: painting the plots (their paintEvent)"] = 100 * (clock.paint_cpu_s - paint0) / result["wall_s"]
    nudge.stop()
    painted = [t for t, _ in clock.frames if t >= meter.t0]
    result["fps"] = len(painted) / result["wall_s"]
    result["ticks_per_s"] = (w.frames - ticks0) / result["wall_s"]
    result["t0"] = meter.t0
    return result, clock


def window_phase(app: Any, seconds: float, fake: FakeSensors, tmp: Path) -> dict[str, Any]:
    """The window, both sensors connected through SensorControl.connect_sensor, recording, a drill set."""
    from emgcoach.ble.link import FoundSensor
    from emgcoach.stream.engine import Engine
    from emgcoach.ui.live_cues import LiveCues
    from emgcoach.ui.main_window import MainWindow
    from emgcoach.ui.plots import SignalPlots

    timers = {"Qt: MainWindow.tick (plots' data, feedback, events)": Timed(MainWindow, "tick"),
              "Qt: tick's SignalPlots.refresh (the plots' data)": Timed(SignalPlots, "refresh"),
              "Qt: tick's LiveCues.update (the feedback figures, 20 Hz)": Timed(LiveCues, "update"),
              "engine: processing blocks (DSP, rings, recorder feed, drill set)": Timed(Engine, "_on_block")}
    w = make_window(tmp, "window")
    w.sensors.connect_sensor(FoundSensor(LAT_ADDRESS, LAT_NAME, "open", -58))
    w.sensors.connect_sensor(FoundSensor(GLUTE_ADDRESS, GLUTE_NAME, "umyo", -61))
    wait_for(lambda: streaming(w.engine, 2), 30, "both sensors streaming", app.processEvents)
    blocks = BlockClock(w.engine)
    w.engine.subscribe(blocks)
    if not w.recording.toggle_recording():
        raise RuntimeError(f"recording did not start: {w.status.text()}")
    if not w.drills.start_drill():
        raise RuntimeError(f"the drill set did not start: {w.status.text()}")
    sets = [0]

    def keep_drilling() -> None:  # a set that ended is followed by the next, as a coach would
        if w.drills.runner is None:
            sets[0] += 1
            w.drills.start_drill()

    blocks.seen.clear()
    result, clock = measure_window(app, w, seconds, fake, keep_drilling, timers)
    sent = fake.take_log()
    until = result.pop("t0") + seconds - 0.5
    result["to_block_ms"] = spread(delays_ms(sent, blocks.seen, SAMPLES, until))
    result["to_screen_ms"] = spread(delays_ms(sent, clock.seen(until - seconds), SAMPLES, until))
    result["sets_finished"] = sets[0]
    result["window_size"] = f"{w.width()}x{w.height()}"
    w.drills.stop_drill()
    w.recording.toggle_recording()
    w.close()
    for t in timers.values():
        t.restore()
    return result


def idle_sim_phase(app: Any, seconds: float, tmp: Path) -> dict[str, Any]:
    """The window with the two simulated sensors (in-process simulated client), nothing else running."""
    w = make_window(tmp, "idle")
    w.sensors.add_simulated_sensors()
    wait_for(lambda: streaming(w.engine, 1, live=False), 10, "the simulated client", app.processEvents)
    result, _ = measure_window(app, w, seconds, None, lambda: None, {})
    result.pop("t0")
    w.close()
    return result


def replay_phase(app: Any, seconds: float, tmp: Path) -> dict[str, Any] | None:
    """The window replaying a 1 kHz recording (4 channels) at real speed."""
    if not REPLAY_FILE.exists():
        return None
    w = make_window(tmp, "replay")
    if not w.replay.open_recording(REPLAY_FILE):
        raise RuntimeError(f"cannot replay {REPLAY_FILE}: {w.errors_shown}")
    wait_for(lambda: streaming(w.engine, 1, live=False), 10, "the replay", app.processEvents)
    result, _ = measure_window(app, w, seconds, None, lambda: None, {})
    result.pop("t0")
    w.close()
    return result


def startup_probe() -> None:
    """The child that opens the window as `emgcoach app` does and prints when its first frame was painted
    (time.monotonic()) and the import time."""
    t_start = time.monotonic()
    from PySide6.QtCore import QEvent, QObject, QTimer

    from emgcoach.ui.application import application
    from emgcoach.ui.main_window import MainWindow  # noqa: F401  (timed as part of the imports)

    t_imported = time.monotonic()
    app = application()
    painted: list[float] = []

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
            if ev.type() == QEvent.Type.Paint and not painted:
                painted.append(time.monotonic())
                QTimer.singleShot(0, done)  # after this paint and the flush to the screen
            return False

    def done() -> None:
        print(json.dumps({"start": t_start, "imported": t_imported, "painted": time.monotonic()}), flush=True)
        app.quit()

    with tempfile.TemporaryDirectory() as tmp:
        w = make_window(Path(tmp), "startup")
        w.installEventFilter(FirstPaint(w))
        app.exec()


def startup_phase() -> dict[str, Any]:
    """Two starts of the window in a fresh process: the first warms the caches (disk, numba's, and
    Python's bytecode, kept in a temporary folder: an installed app has its .pyc files, whatever
    PYTHONDONTWRITEBYTECODE says here), the second starts warm."""
    runs = []
    pycache = tempfile.TemporaryDirectory(prefix="app-session-pyc-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache.name
    for _ in range(2):
        t0 = time.monotonic()
        out = subprocess.run([sys.executable, __file__, "--startup-probe"], capture_output=True, text=True,
                             cwd=str(ROOT), timeout=120, env=env)
        if out.returncode != 0:
            raise RuntimeError(f"startup probe failed: {out.stderr[-2000:]}")
        probe = json.loads(out.stdout.strip().splitlines()[-1])
        runs.append({"window_s": probe["painted"] - t0, "interpreter_s": probe["start"] - t0,
                     "imports_s": probe["imported"] - probe["start"]})
    pycache.cleanup()
    return {"cold": runs[0], "warm": runs[1]}


def report(name: str, r: dict[str, Any] | None) -> None:
    if r is None:
        print(f"\n== {name}: skipped")
        return
    print(f"\n== {name} ({r['wall_s']:.1f} s measured)")
    print(f"  whole process: {r['cpu_pct']:.1f} % of one core; RSS {r['rss_mb']:.0f} MB (peak {r['peak_rss_mb']:.0f} MB)")
    for thread, pct in r["threads_pct"].items():
        if pct >= 0.05:
            print(f"    {pct:5.1f} %  {thread}")
    for what, pct in r["timed_pct"].items():
        print(f"    of which {pct:5.1f} %  {what}")
    if "fps" in r:
        size = f", window {r['window_size']}" if "window_size" in r else ""
        print(f"  frames: {r['fps']:.1f} painted/s, {r['ticks_per_s']:.1f} timer ticks/s{size}")
    for key, label in (("to_block_ms", "notification -> processed block"), ("to_screen_ms", "notification -> on screen")):
        if key in r:
            d = r[key]
            print(f"  {label}: median {d['median']:.1f} ms, p95 {d['p95']:.1f} ms, max {d['max']:.1f} ms ({d['n']} notifications)")
    if r.get("fake_bluez_and_dbus_pct"):
        print(f"  (outside the app: the fake bluetoothd and dbus-daemon {r['fake_bluez_and_dbus_pct']:.1f} %)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="measured time per BLE phase (default 30)")
    ap.add_argument("--extra-seconds", type=float, default=12.0, help="measured time per extra phase (default 12)")
    ap.add_argument("--no-extras", action="store_true", help="skip the idle-simulation and replay phases")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--only", choices=("headless", "window"), help="run this phase alone (for profiling)")
    ap.add_argument("--serve-fake", help=argparse.SUPPRESS)
    ap.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_fake:
        return serve_fake(args.serve_fake)
    if args.startup_probe:
        return startup_probe()
    results: dict[str, Any] = {"display": os.environ.get("QT_QPA_PLATFORM") or f"X {os.environ.get('DISPLAY')}"}
    if args.only is None:
        results["startup"] = startup_phase()
    import emgcoach.dsp.compiled  # noqa: F401  (numba's cache, as the app loads it before any engine)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fake = FakeSensors(tmp)
        try:
            if args.only in (None, "headless"):
                results["headless"] = headless_phase(args.seconds, fake, tmp)
            from emgcoach.ui.application import application

            app = application()
            if args.only in (None, "window"):
                results["window"] = window_phase(app, args.seconds, fake, tmp)
            if not args.no_extras and args.only is None:
                results["idle_simulated"] = idle_sim_phase(app, args.extra_seconds, tmp)
                results["replay_1khz"] = replay_phase(app, args.extra_seconds, tmp)
        finally:
            fake.stop()
    print(f"display: {results['display']}")
    if args.only is not None:
        report(args.only, results[args.only])
        return
    s = results["startup"]
    print(f"startup to the first drawn window: warm {s['warm']['window_s']:.2f} s (imports {s['warm']['imports_s']:.2f} s), "
          f"cold {s['cold']['window_s']:.2f} s")
    for key, name in (("headless", "BLE + engine + recording + drill set, no window"),
                      ("window", "the window, BLE, recording and a drill set"),
                      ("idle_simulated", "the window idle with two simulated sensors"),
                      ("replay_1khz", f"the window replaying {REPLAY_FILE.name} (1 kHz, 4 channels)")):
        if key in results:
            report(name, results[key])
    win, head = results["window"], results["headless"]
    print(f"\ncost of drawing: {win['cpu_pct'] / max(head['cpu_pct'], 1e-9):.2f}x the session without the window")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print(f"app_session: cpu_pct={win['cpu_pct']:.1f} latency_p95_ms={win['to_screen_ms']['p95']:.1f} "
          f"window_s={s['warm']['window_s']:.2f}")


if __name__ == "__main__":
    main()
