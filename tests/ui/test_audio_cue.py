"""The audio cue: the synthesised tone's pitch follows activation (FFT), it has no clicks at buffer edges
or pitch changes, the chime rings once as both muscles come onto target, the QIODevice hands the sink
whole frames in its format, and in the window the cue is off by default, one click turns it on, the
choice persists, and without an audio device the status bar says so in one line. When the `pulseaudio`
and `parec` programs are installed, a private PulseAudio server with a null sink checks the real
QAudioSink path end to end."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# no sound from the tests on a developer's machine, and "no audio device" the same everywhere: this
# process's Qt Multimedia finds no PulseAudio server (the end-to-end test starts its own, in a subprocess)
os.environ["PULSE_SERVER"] = "unix:/nonexistent/emgcoach-tests-no-audio"
pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from emgcoach.coach.live_feedback import PCT_TARGETS, Band, Figures
from emgcoach.ui.audio_cue import (
    FOLLOW,
    FULL_SCALE_PCT_MVC,
    AudioCue,
    RewardChime,
    ToneDevice,
    cue_activation,
    muscle_activation,
)
from emgcoach.ui.audio_synth import (
    CHIME_LEVEL,
    CHIME_NOTES_HZ,
    FADE_S,
    TONE_LEVEL,
    CueSynth,
    chime,
    pitch_hz,
)
from emgcoach.ui.main_window import MainWindow

RATE = 48000.0
DEMO = Path(__file__).resolve().parents[2] / "recordings" / "bird_dog_sim.xdf"


def dominant_hz(x: np.ndarray, rate: float) -> float:
    """Frequency of the spectrum's peak: Hann window, 8x zero padding, parabolic interpolation."""
    n = 8 * len(x)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = np.log(spec[k - 1 : k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / n


def step_bound(f_hz: float, rate: float, level: float = TONE_LEVEL) -> float:
    """The largest sample-to-sample step a clean sine of this level and frequency can make, plus what the
    fastest fade (smoothstep, slope 1.5 over FADE_S) adds, plus float32 rounding."""
    return level * (2 * math.sin(math.pi * f_hz / rate) + 1.5 / (FADE_S * rate)) + 1e-6


def calibrated(lat: float, glute: float) -> Figures:
    lb, gb = PCT_TARGETS["latissimus_dorsi"], PCT_TARGETS["gluteus_maximus"]
    return Figures("%MVC", lat, glute, lb, gb, 0.9, lb.contains(lat) and gb.contains(glute))


# ---------------------------------------------------------------------------------------- synthesis


def test_pitch_mapping_is_two_octaves_exponential() -> None:
    assert pitch_hz(0.0) == pytest.approx(220.0)
    assert pitch_hz(0.5) == pytest.approx(440.0)
    assert pitch_hz(1.0) == pytest.approx(880.0)
    assert pitch_hz(-1.0) == pytest.approx(220.0) and pitch_hz(3.0) == pytest.approx(880.0)  # clipped


def test_tone_frequency_rises_with_activation_and_matches_the_mapping() -> None:
    measured = []
    for a in (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0):
        synth = CueSynth(RATE)
        synth.set_activation(a)
        synth.render(int(0.1 * RATE))  # past the fade-in
        f = dominant_hz(synth.render(int(RATE)).astype(float), RATE)
        measured.append(f)
        assert abs(f - pitch_hz(a)) < 1.0, (a, f, pitch_hz(a))
    assert np.all(np.diff(measured) > 10.0)  # strictly rising, by clearly audible steps


def test_pitch_glides_between_targets_without_steps() -> None:
    synth = CueSynth(RATE)
    synth.set_activation(0.0)
    synth.render(4800)
    synth.set_activation(1.0)
    synth.render(int(0.01 * RATE))
    assert 230.0 < synth.frequency_hz < 500.0  # 10 ms in: on its way (time constant 40 ms), not there
    synth.render(int(0.25 * RATE))
    assert synth.frequency_hz == pytest.approx(880.0, rel=0.01)


def test_no_discontinuity_when_pitch_changes_between_buffers() -> None:
    rng = np.random.default_rng(3)
    synth = CueSynth(RATE)
    out = []
    for i in range(400):  # buffers of 37 to 2048 samples, each asking for a far pitch, with fades between
        if i % 50 == 25:
            synth.silence()
        else:
            synth.set_activation(float(i % 2))  # 220 <-> 880 Hz every buffer
        out.append(synth.render(int(rng.integers(37, 2049))))
    x = np.concatenate(out).astype(float)
    assert len(x) > 8 * RATE
    worst = float(np.abs(np.diff(x)).max())
    # no bigger step than an 880 Hz sine of the same level makes on its own: no click anywhere
    assert worst <= step_bound(880.0, RATE), worst
    assert worst > 0.5 * step_bound(880.0, RATE)  # (and it did reach the high pitch)


def test_rendering_is_chunk_invariant() -> None:
    whole, parts = CueSynth(RATE), CueSynth(RATE)
    for s in (whole, parts):
        s.set_activation(0.2)
    a = [whole.render(30000)]
    b = [parts.render(n) for n in (1, 999, 7000, 22000)]
    for s in (whole, parts):
        s.set_activation(0.8)
        s.ring()
    a.append(whole.render(30000))
    b += [parts.render(n) for n in (4096, 4096, 21808)]
    np.testing.assert_allclose(np.concatenate(a), np.concatenate(b), atol=2e-6)


def test_fade_in_and_out_start_and_end_at_silence() -> None:
    synth = CueSynth(RATE)
    assert not np.any(synth.render(1000))  # off: silence
    synth.set_activation(0.5)
    x = synth.render(int(0.1 * RATE))
    assert abs(x[0]) < 1e-4 and np.abs(x[: int(0.005 * RATE)]).max() < 0.2 * TONE_LEVEL  # fades in
    assert np.abs(x[-4800:]).max() == pytest.approx(TONE_LEVEL, rel=0.01)
    synth.silence()
    y = synth.render(int(0.1 * RATE))
    fade_n = int(FADE_S * RATE)
    assert np.abs(y[fade_n:]).max() == 0.0 and np.abs(np.diff(y)).max() <= step_bound(440.0, RATE)
    assert not synth.sounding
    synth.set_activation(math.nan)  # no activation known: stays silent
    assert not np.any(synth.render(1000))


def test_chime_is_short_bright_and_click_free() -> None:
    c = chime(RATE)
    assert c[0] == 0.0 and c[-1] == 0.0
    assert np.abs(c).max() == pytest.approx(CHIME_LEVEL)
    assert 0.3 < len(c) / RATE < 0.6
    first_note = c[: int(0.07 * RATE)]
    assert abs(dominant_hz(first_note, RATE) - CHIME_NOTES_HZ[0]) < 10.0
    synth = CueSynth(RATE)
    synth.set_activation(1.0)
    synth.render(4800)
    synth.ring()
    mixed = synth.render(int(0.6 * RATE))
    assert np.abs(mixed).max() < 1.0  # tone + chime never clip


# ---------------------------------------------------------------------------------------- cue logic


def test_activation_from_figures() -> None:
    assert cue_activation(calibrated(30.0, 20.0)) == pytest.approx(0.5)  # mean 25 %MVC of full scale 50
    assert cue_activation(calibrated(30.0, 20.0), "lat") == pytest.approx(0.6)
    assert cue_activation(calibrated(30.0, 20.0), "glute") == pytest.approx(0.4)
    assert pitch_hz(cue_activation(calibrated(30.0, 20.0))) == pytest.approx(440.0)
    # not calibrated: the band's lower edge (5 x rest) sounds at mid-pitch
    assert muscle_activation(50.0, Band(50.0), "µV") == pytest.approx(0.5)
    assert muscle_activation(100.0, Band(50.0), "µV") == pytest.approx(1.0)
    assert math.isnan(muscle_activation(50.0, Band(math.inf), "µV"))  # rest not known yet
    fig = Figures("µV", 80.0, math.nan, Band(40.0), Band(math.inf), math.nan, False)
    assert cue_activation(fig) == pytest.approx(1.0)  # the one known muscle


def test_chime_rings_once_on_entry_and_not_while_on_target() -> None:
    gate = RewardChime()
    t = np.arange(0, 6, 0.05)  # the feedback timer's 20 Hz
    on = (t >= 1.0) & (t < 3.0)  # both on target for 2 s
    on[t.searchsorted(2.0)] = False  # a one-frame flicker off (50 ms) half-way: still the same rep
    on |= t >= 4.0  # and a second rep after 1 s off
    rings = [float(ti) for ti, o in zip(t, on, strict=True) if gate.update(bool(o), float(ti))]
    assert rings == [pytest.approx(1.0), pytest.approx(4.0)]


def test_cue_follows_figures_and_rings_once(qtbot) -> None:
    cue = AudioCue()
    msg = cue.set_enabled(True)
    assert cue.enabled and cue.synth is not None and "\n" not in msg
    frames = [calibrated(10.0, 10.0)] * 20 + [calibrated(30.0, 25.0)] * 40 + [calibrated(30.0, 25.0)] * 10
    for i, fig in enumerate(frames):
        cue.update(fig, now_s=i * 0.05)
    assert cue.synth.chimes_rung == 1
    assert cue.synth.target_hz == pytest.approx(pitch_hz(27.5 / 50))
    cue.update(None, now_s=10.0)  # nothing to follow: the tone fades
    assert cue.synth._target_fade == 0.0
    cue.set_enabled(False)
    cue.update(calibrated(30.0, 25.0), now_s=11.0)  # off: ignores frames
    assert cue.synth.chimes_rung == 1
    cue.close()


# ---------------------------------------------------------------------------------------- the device


@pytest.mark.parametrize(("fmt", "channels", "width"), [("int16", 1, 2), ("int16", 2, 2), ("float", 2, 4),
                                                         ("int32", 1, 4), ("uint8", 1, 1)])
def test_read_data_returns_the_requested_bytes_in_format(qtbot, fmt: str, channels: int, width: int) -> None:
    twin = CueSynth(RATE)
    dev = ToneDevice(CueSynth(RATE), fmt, channels)
    for s in (twin, dev.synth):
        s.set_activation(0.5)
    assert dev.isOpen() and dev.isReadable() and dev.isSequential() and dev.bytesAvailable() > 0
    frame = width * channels
    assert dev.bytes_per_frame == frame
    got = bytes(dev.read(4800 * frame))
    assert len(got) == 4800 * frame
    want = twin.render(4800).astype(float)
    dtype = {"int16": "<i2", "int32": "<i4", "float": "<f4", "uint8": "u1"}[fmt]
    x = np.frombuffer(got, dtype).reshape(-1, channels).astype(float)
    scale = {"int16": 32767.0, "int32": 2147483647.0, "float": 1.0, "uint8": 127.0}[fmt]
    x = (x - 128.0) / scale if fmt == "uint8" else x / scale
    for ch in range(channels):
        np.testing.assert_allclose(x[:, ch], want, atol=1.0 / scale + 1e-6)
    assert len(bytes(dev.read(11 * frame - 1))) == 10 * frame  # whole frames only
    assert dev.write(b"\x00\x00") == -1


# ---------------------------------------------------------------------------------------- the window


# why nothing is heard offscreen: no sound card, or (without libpulse0) no Qt Multimedia at all
NO_SOUND = ("no audio output device", "Qt Multimedia cannot load")


def test_off_by_default_one_click_on_persists_and_says_no_device(qtbot, settings: QSettings, monkeypatch) -> None:
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: boxes.append(text))
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    assert not w.preferences.audio_action.isChecked() and not w.audio_cue.enabled
    assert w.feedback.audio_button.defaultAction() is w.preferences.audio_action
    qtbot.mouseClick(w.feedback.audio_button, Qt.LeftButton)  # one click, on the feedback view
    assert w.audio_cue.enabled
    status = w.status.text()
    assert any(why in status for why in NO_SOUND) and "\n" not in status
    # on, but nothing to sound on: the button is not left pressed, and it says why
    assert not w.preferences.audio_action.isChecked() and not w.feedback.audio_button.isChecked()
    assert w.preferences.audio_action.text() == "Audio cue (no output)"
    assert boxes == [] and w.errors_shown == []
    assert w.audio_cue.follow == "both" and w.preferences.audio_follow_actions["both"].isChecked()
    w.preferences.audio_follow_actions["glute"].trigger()  # Feedback > Tone follows > Glute
    assert w.audio_cue.follow == "glute" and not w.preferences.audio_follow_actions["both"].isChecked()
    w.close()

    w2 = MainWindow(settings)
    qtbot.addWidget(w2)
    assert w2.audio_cue.enabled and w2.preferences.audio_action.text() == "Audio cue (no output)"  # remembered
    assert w2.audio_cue.follow == "glute" and w2.preferences.audio_follow_actions["glute"].isChecked()
    w2.preferences.audio_action.trigger()  # the toolbar / menu action: off again, still usable
    assert not w2.audio_cue.enabled and w2.status.text() == "Audio cue off" and w2.preferences.audio_action.text() == "Audio cue"
    w2.preferences.audio_action.trigger()
    assert w2.audio_cue.enabled and any(why in w2.status.text() for why in NO_SOUND)
    w2.preferences.audio_action.trigger()
    w2.close()
    w3 = MainWindow(settings)
    qtbot.addWidget(w3)
    assert not w3.preferences.audio_action.isChecked() and not w3.audio_cue.enabled
    w3.close()
    assert boxes == []


def test_without_qt_multimedia_one_line_and_the_action_stays_usable(qtbot, settings: QSettings, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # as if it cannot be imported
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.preferences.audio_action.trigger()
    assert w.audio_cue.enabled and not w.preferences.audio_action.isChecked()  # not pressed: it cannot sound
    status = w.status.text()
    assert status.startswith("Audio cue unavailable: Qt Multimedia cannot load") and "\n" not in status
    w.preferences.audio_action.trigger()
    assert not w.audio_cue.enabled and w.status.text() == "Audio cue off"
    w.close()


def test_replay_moves_the_pitch_and_chimes_with_the_reward(qtbot, settings: QSettings) -> None:
    settings.setValue("audio_cue", True)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    assert w.audio_cue.enabled
    seen: list[tuple[float, bool, float, int]] = []  # (time, both on target, pitch target, chimes so far)
    update = w.audio_cue.update

    def spy(fig, now_s=None):
        update(fig, now_s)
        seen.append((time.monotonic(), fig is not None and fig.both_on_target, w.audio_cue.synth.target_hz,
                     w.audio_cue.synth.chimes_rung))

    w.audio_cue.update = spy
    assert w.replay.open_recording(DEMO, speed=8.0)
    qtbot.waitUntil(lambda: w.engine.replay_clock.now_s() > 40.0, timeout=20000)
    # from silence: before the first frame nothing was on target and nothing rung (a loaded machine's
    # first frame may come in a rep and ring at once)
    on = np.array([False] + [s[1] for s in seen])
    hz = np.array([s[2] for s in seen])
    rung = np.array([0] + [s[3] for s in seen])
    assert hz.max() / hz.min() > 1.5  # rests low, reps high: the pitch follows the muscles
    entries = np.flatnonzero(on[1:] & ~on[:-1]) + 1
    chimes = np.flatnonzero(np.diff(rung)) + 1
    assert 2 <= len(chimes) <= len(entries)
    assert set(chimes) <= set(entries)  # each chime on a frame where the reward has just appeared
    assert rung[-1] == len(chimes)  # one at a time
    w.replay.toggle_play()  # paused: the bars stand still and the tone fades out
    qtbot.waitUntil(lambda: w.audio_cue.synth._target_fade == 0.0, timeout=2000)
    w.close()


# ---------------------------------------------------------------------------------------- end to end

SUBPROCESS = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from emgcoach.coach.live_feedback import PCT_TARGETS, Figures
from emgcoach.ui.audio_cue import AudioCue

app = QApplication(sys.argv)
cue = AudioCue()
print(cue.set_enabled(True), flush=True)
lb, gb = PCT_TARGETS["latissimus_dorsi"], PCT_TARGETS["gluteus_maximus"]
def fig(l, g):
    return Figures("%MVC", l, g, lb, gb, 0.9, lb.contains(l) and gb.contains(g))
t0 = None
def frame():  # the feedback timer: 12.5 %MVC for 1 s, then 30 %MVC (on target) for 1 s, then off
    global t0
    if t0 is None:
        cue.update(fig(10.0, 15.0))
        if cue.sink is None or cue.sink.processedUSecs() < 80000:  # the stream has not started flowing yet
            return  # (PulseAudio takes about half a second to start it)
        t0 = time.monotonic()
    t = time.monotonic() - t0
    if t < 1.0:
        cue.update(fig(10.0, 15.0))
    elif t < 2.0:
        cue.update(fig(30.0, 30.0))
    elif cue.enabled:
        cue.set_enabled(False)
        QTimer.singleShot(600, app.quit)
timer = QTimer()
timer.timeout.connect(frame)
timer.start(50)
QTimer.singleShot(20000, app.quit)
app.exec()
"""


HOT_PLUG = r"""
import subprocess, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from emgcoach.ui.audio_cue import AudioCue

app = QApplication(sys.argv)
cue = AudioCue()
cue.message.connect(lambda m: print("MSG", m, flush=True))
cue.set_enabled(True)
QTimer.singleShot(300, lambda: subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=plugged"]))
def check():
    if cue.sink is not None and cue.sink.processedUSecs() > 0:
        print("PLAYING", flush=True)
        app.quit()
timer = QTimer()
timer.timeout.connect(check)
timer.start(50)
QTimer.singleShot(15000, app.quit)
app.exec()
"""

needs_pulseaudio = pytest.mark.skipif(not (shutil.which("pulseaudio") and shutil.which("parec")),
                                      reason="needs pulseaudio and parec (pulseaudio-utils)")


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@contextlib.contextmanager
def private_pulseaudio(sink: bool = True) -> Iterator[dict[str, str]]:
    """A PulseAudio server of our own on a private socket (with a mono 48 kHz null sink "cue", or none);
    yields the environment that points clients at it."""
    home = Path(tempfile.mkdtemp(prefix="emgc-pa-"))  # short: a unix socket path has 108 characters
    sock = home / "sock"
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(home), "PULSE_SERVER": f"unix:{sock}"}
    modules = ["-L", "module-null-sink sink_name=cue rate=48000 channels=1"] if sink else []
    server = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", *modules,
         "-L", f"module-native-protocol-unix socket={sock} auth-anonymous=1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(sock.exists, 10.0, "pulseaudio did not start")
        yield env
    finally:
        server.terminate()
        server.wait(5)
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.serial  # its click check needs the audio path fed on time: another worker's load can starve it
@needs_pulseaudio
def test_end_to_end_through_a_null_sink(tmp_path: Path) -> None:
    """The real QAudioSink in pull mode plays the cue into a private PulseAudio null sink; its monitor,
    recorded with parec, holds the tone at 311 Hz (12.5 %MVC), then the chime and the tone at 507 Hz
    (30 %MVC), then silence."""
    raw = tmp_path / "monitor.raw"
    with private_pulseaudio() as env, raw.open("wb") as out:
        rec = subprocess.Popen(["parec", "--raw", "--format=s16le", "--channels=1", "--rate=48000",
                                "--latency-msec=20", "-d", "cue.monitor"], env=env, stdout=out)
        try:
            # recording before any cue: the monitor's silence reaches the file (parec's first data can take 2 s)
            wait_for(lambda: raw.stat().st_size > 0, 15.0, "parec recorded nothing")
            run = subprocess.run([sys.executable, "-c", SUBPROCESS], env=env, capture_output=True, text=True,
                                 timeout=60)
            played = raw.stat().st_size  # then 0.3 s more of the monitor, so the cue's tail is in the file
            wait_for(lambda: raw.stat().st_size >= played + int(0.3 * RATE) * 2, 10.0, "parec stopped recording")
        finally:
            rec.terminate()
            rec.wait(5)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Audio cue on (" in run.stdout, run.stdout
    x = np.fromfile(raw, "<i2").astype(float) / 32768.0
    loud = np.flatnonzero(np.abs(x) > 0.02)
    assert len(loud) > 0, "nothing reached the sink"
    start, end = loud[0], loud[-1]
    assert 1.7 < (end - start) / RATE < 2.6  # about the 2 s the cue was on
    hop = int(0.1 * RATE)  # 100 ms frames: which pitch is where
    coarse = np.array([dominant_hz(x[i : i + hop], RATE) for i in range(start, end - hop, hop)])
    low = np.flatnonzero(np.abs(coarse - pitch_hz(12.5 / 50)) < 10)
    high = np.flatnonzero(np.abs(coarse - pitch_hz(30.0 / 50)) < 10)
    assert len(low) >= 6 and len(high) >= 6 and low.max() < high.min(), coarse.round()
    lo = x[start + (low.min() + 1) * hop : start + low.max() * hop]
    hi = x[start + (high.min() + 2) * hop : start + high.max() * hop]  # after the chime has died away
    assert abs(dominant_hz(lo, RATE) - pitch_hz(12.5 / 50)) < 2.0
    assert abs(dominant_hz(hi, RATE) - pitch_hz(30.0 / 50)) < 2.0
    mid = x[start + low.max() * hop : start + (high.min() + 3) * hop]
    spec = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    freqs = np.fft.rfftfreq(len(mid), 1 / RATE)

    def near(f: float) -> float:
        return float(spec[np.abs(freqs - f) < 15].max())

    assert near(CHIME_NOTES_HZ[0]) > 20 * near(1300.0)  # the chime's C6 is there as the reward comes
    assert np.abs(x[end + int(0.05 * RATE) :]).max(initial=0.0) < 0.02  # then quiet
    assert np.abs(np.diff(x[start:end])).max() < 0.2  # no clicks through the real path


@needs_pulseaudio
def test_cue_left_on_starts_when_an_output_appears() -> None:
    """On with no output: one line saying so; an output plugged in later: it plays there by itself."""
    with private_pulseaudio(sink=False) as env:
        run = subprocess.run([sys.executable, "-c", HOT_PLUG], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith(("MSG", "PLAYING"))]
    assert lines[0].startswith("MSG Audio cue on, but no audio output device found")
    assert lines[1].startswith("MSG Audio cue on (") and lines[-1] == "PLAYING" and len(lines) == 3, lines


def test_tone_is_the_same_whether_levels_show_in_pct_or_microvolts() -> None:
    """Feedback > Levels in changes what the bars read, not what the user hears."""
    from emgcoach.coach.live_feedback import figures
    from emgcoach.dsp.normalise import MvcNormaliser

    rest, mvc = np.array([6.0, 4.0]), np.array([220.0, 130.0])
    for lat_pct, glute_pct in ((10.0, 30.0), (25.0, 25.0), (45.0, 60.0)):
        uv = np.tile(rest + np.array([lat_pct, glute_pct]) / 100 * (mvc - rest), (2000, 1))
        pct = MvcNormaliser(mvc, rest).process(uv)
        shown_pct = figures(pct[:, 0], pct[:, 1], 1000.0, calibrated=True)
        shown_uv = figures(uv[:, 0], uv[:, 1], 1000.0, calibrated=False,
                           calibration_uv=((rest[0], mvc[0]), (rest[1], mvc[1])))
        for follow in FOLLOW:
            assert cue_activation(shown_uv, follow) == pytest.approx(cue_activation(shown_pct, follow), rel=1e-9)
        assert cue_activation(shown_pct, "lat") == pytest.approx(lat_pct / FULL_SCALE_PCT_MVC)


def test_a_second_ring_lets_the_playing_chime_finish() -> None:
    """Both came on target again while the chime still sounds: the first goes on under the second
    (restarting it mid-note would click), and the two together do not clip."""
    c = chime(RATE)
    synth = CueSynth(RATE)
    synth.set_activation(1.0)
    synth.render(4800)  # the tone at full pitch and level
    synth.ring()
    first = synth.render(int(0.1 * RATE))
    synth.ring()
    rest = synth.render(int(0.6 * RATE))
    assert synth.chimes_rung == 2
    out = np.concatenate([first, rest])
    assert np.abs(out).max() < 1.0
    lone = CueSynth(RATE)
    lone.set_activation(1.0)
    lone.render(4800)
    lone.ring()
    without_second = lone.render(len(out))
    second = np.zeros_like(out)
    second[len(first) : len(first) + len(c)] = c[: len(out) - len(first)]
    np.testing.assert_allclose(out, without_second + second, atol=1e-5)  # the first chime is whole
