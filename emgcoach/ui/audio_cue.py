"""The optional audio cue, for users who cannot watch the screen: a tone whose pitch follows activation
and a chime as both muscles come onto target together (the moment the feedback view shows "Both on
target!"). Off until the user turns it on.

`AudioCue` is fed the feedback view's `Figures` on the window's feedback timer; it plays through Qt
Multimedia's `QAudioSink` in pull mode from `ToneDevice`, which renders `audio_synth.CueSynth` on
demand. Qt Multimedia is imported only when the cue is turned on, so the app runs without it; without
an audio output the cue says so in one line (`message`) and starts by itself when one appears.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QIODevice, QObject, QTimer, Signal

from emgcoach.coach.live_feedback import Band, Figures
from emgcoach.ui.audio_synth import FADE_S, CueSynth

if TYPE_CHECKING:  # Qt Multimedia loads when the cue is first turned on (it may be missing)
    from PySide6.QtMultimedia import QAudioSink, QMediaDevices

FOLLOW = {"both": "mean of lat and glute", "lat": "lat", "glute": "glute"}  # what the tone follows
FULL_SCALE_PCT_MVC = 50.0  # calibrated: this %MVC and above sound at the top pitch (targets are 20-40)
REARM_S = 0.25  # the chime rings again only after both were off target together at least this long
BUFFER_S = 0.06  # the sink's buffer: how far the sound lags the bars, at most
_BYTES = {"int16": 2, "int32": 4, "float": 4, "uint8": 1}


def muscle_activation(level: float, band: Band, unit: str) -> float:
    """One muscle's activation for the tone, 0..1 (not clipped here): %MVC / 50 when calibrated; in µV,
    half the level over the target band's lower edge (so the edge sits at 0.5, mid-pitch); NaN when
    there is no level or no band yet (uncalibrated, before the resting level is known)."""
    if not math.isfinite(level):
        return math.nan
    if unit == "%MVC":
        return level / FULL_SCALE_PCT_MVC
    if not math.isfinite(band.lo) or band.lo <= 0:
        return math.nan
    return 0.5 * level / band.lo


def cue_activation(fig: Figures, follow: str = "both") -> float:
    """The activation the tone follows (0..1): the lat's, the glute's, or ("both") the mean of the two
    (of whichever are known); NaN if none is."""
    if fig.calibrated:  # the same pitch whether the view shows %MVC or µV
        lat = muscle_activation(fig.lat_pct, fig.lat_band, "%MVC")
        glute = muscle_activation(fig.glute_pct, fig.glute_band, "%MVC")
    else:
        lat = muscle_activation(fig.lat, fig.lat_band, fig.unit)
        glute = muscle_activation(fig.glute, fig.glute_band, fig.unit)
    if follow == "lat":
        return lat
    if follow == "glute":
        return glute
    known = [a for a in (lat, glute) if math.isfinite(a)]
    return sum(known) / len(known) if known else math.nan


class RewardChime:
    """Decides when the chime rings: as both muscles come onto target together, once; not again while
    they stay there, nor after a dip off target shorter than `rearm_s` (a flicker at a band's edge)."""

    def __init__(self, rearm_s: float = REARM_S) -> None:
        self.rearm_s = rearm_s
        self._on = False
        self._off_since = -math.inf  # when both last stopped being on target (s)

    def update(self, on_target: bool, now_s: float) -> bool:
        """Feed whether both are on target at time `now_s` (s, monotonic); True when the chime should ring."""
        ring = on_target and not self._on and now_s - self._off_since >= self.rearm_s  # else a flicker
        if not on_target and self._on:
            self._off_since = now_s
        self._on = on_target
        return ring

    def reset(self) -> None:
        self._on = False
        self._off_since = -math.inf


class ToneDevice(QIODevice):
    """A read-only, endless QIODevice that renders `synth` into PCM on each read: `sample_format` one of
    'int16', 'int32', 'float' (32-bit) or 'uint8', little-endian, `channels` interleaved copies."""

    def __init__(self, synth: CueSynth, sample_format: str = "int16", channels: int = 1,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]  # the stub lacks QIODevice(None); Qt takes a null parent
        if sample_format not in _BYTES:
            raise ValueError(f"unsupported sample format {sample_format!r}")
        self.synth = synth
        self.sample_format = sample_format
        self.channels = max(1, int(channels))
        self.bytes_per_frame = _BYTES[sample_format] * self.channels
        self.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Unbuffered)  # no read-ahead: no lag

    def encode(self, x: np.ndarray) -> bytes:
        """float samples in [-1, 1] (frames) -> this device's PCM bytes."""
        if self.channels > 1:
            x = np.repeat(x[:, None], self.channels, axis=1).ravel()
        if self.sample_format == "int16":
            return np.round(x * 32767.0).astype("<i2").tobytes()
        if self.sample_format == "int32":
            return np.round(x.astype(np.float64) * 2147483647.0).astype("<i4").tobytes()
        if self.sample_format == "float":
            return x.astype("<f4").tobytes()
        return np.round(x * 127.0 + 128.0).astype(np.uint8).tobytes()

    def readData(self, maxlen: int) -> bytes:  # Qt's name
        """The next whole frames that fit in `maxlen` bytes."""
        return self.encode(self.synth.render(int(maxlen) // self.bytes_per_frame))

    def writeData(self, _data: bytes | bytearray | memoryview, _len: int, /) -> int:  # read-only
        return -1

    def bytesAvailable(self) -> int:
        return (1 << 20) + super().bytesAvailable()  # endless: always something to read

    def isSequential(self) -> bool:
        return True


class AudioCue(QObject):
    """The cue's state and its sound output. `set_enabled(True)` opens the default audio output (one
    `message` line says what happened); `update(figures)` on each feedback frame moves the tone and rings
    the chime; `close()` releases the output."""

    message = Signal(str)
    state_changed = Signal()  # on/off, or the output came or went: see `enabled` and `playing`

    def __init__(self, parent: QObject | None = None, follow: str = "both") -> None:
        super().__init__(parent)
        self.enabled = False
        self.follow = follow if follow in FOLLOW else "both"
        self.synth: CueSynth | None = None
        self.device: ToneDevice | None = None
        self.sink: QAudioSink | None = None  # while playing
        self.chime_gate = RewardChime()
        self.last_message = ""
        self._media_devices: QMediaDevices | None = None  # to start when an output appears
        self._output_id = b""  # the output the sink plays on
        self._sink_error_said = False

    # ------------------------------------------------------------------ on / off

    def set_enabled(self, on: bool) -> str:
        """Turn the cue on or off; returns (and emits) the one-line status. On without an audio output
        stays on (the user's choice) and starts when an output appears."""
        if on == self.enabled and (not on or self.sink is not None):
            return self.last_message
        self.enabled = on
        if not on:
            self.chime_gate.reset()
            if self.synth is not None:
                self.synth.silence()
            QTimer.singleShot(int(1000 * (FADE_S + 3 * BUFFER_S)), self._stop_if_off)  # let it fade first
            return self._say("Audio cue off")
        return self._say(self._open_output())

    def set_follow(self, follow: str) -> None:
        """What the tone follows: 'both' (mean), 'lat' or 'glute'."""
        if follow in FOLLOW:
            self.follow = follow

    def _open_output(self) -> str:
        self.synth = self.synth or CueSynth()  # the cue's state runs even without an output
        try:
            from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices
        except ImportError as e:  # Addons missing, or a system library (libpulse) missing
            return f"Audio cue unavailable: Qt Multimedia cannot load ({e})"
        if self._media_devices is None:
            self._media_devices = QMediaDevices(self)
            self._media_devices.audioOutputsChanged.connect(self._outputs_changed)
        out = QMediaDevices.defaultAudioOutput()
        if out.isNull():
            return "Audio cue on, but no audio output device found: it starts when speakers or headphones are connected"
        preferred = out.preferredFormat()
        fmt = QAudioFormat()
        fmt.setSampleRate(preferred.sampleRate() if preferred.sampleRate() > 0 else 48000)
        fmt.setChannelCount(max(1, min(2, preferred.channelCount())))
        names = {QAudioFormat.SampleFormat.Int16: "int16", QAudioFormat.SampleFormat.Int32: "int32",
                 QAudioFormat.SampleFormat.Float: "float", QAudioFormat.SampleFormat.UInt8: "uint8"}
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not out.isFormatSupported(fmt) and preferred.sampleFormat() in names:
            fmt.setSampleFormat(preferred.sampleFormat())
        self._stop_sink()
        self.synth = CueSynth(fmt.sampleRate())
        self.device = ToneDevice(self.synth, names[fmt.sampleFormat()], fmt.channelCount(), self)
        sink = QAudioSink(out, fmt, self)
        sink.setBufferSize(int(BUFFER_S * fmt.sampleRate()) * self.device.bytes_per_frame)
        sink.stateChanged.connect(self._sink_state)
        self._sink_error_said = False
        sink.start(self.device)
        if sink.error() != QAudio.Error.NoError:
            error = sink.error().name
            sink.stop()
            sink.deleteLater()
            return f"Audio cue on, but {out.description()} cannot play ({error})"
        self.sink = sink
        self._output_id = bytes(out.id().data())
        return (f"Audio cue on ({out.description()}): pitch follows the {FOLLOW[self.follow]}; "
                "a chime when both are on target")

    def _outputs_changed(self) -> None:
        """An output appeared or vanished, or the default changed: follow the default output."""
        from PySide6.QtMultimedia import QMediaDevices

        if not self.enabled:
            return
        out = QMediaDevices.defaultAudioOutput()
        if self.sink is not None and not out.isNull() and bytes(out.id().data()) == self._output_id:
            return  # still playing on the default: nothing to do (a restart would click)
        if out.isNull():
            self._stop_sink()
        text = self._open_output()
        if text != self.last_message:
            self._say(text)

    def _sink_state(self, _state: object) -> None:
        from PySide6.QtMultimedia import QAudio

        sink = self.sink
        if sink is None or sink.error() in (QAudio.Error.NoError, QAudio.Error.UnderrunError):
            return
        if not self._sink_error_said:  # one line, not one per state change
            self._sink_error_said = True
            self._say(f"Audio cue: the audio output stopped ({sink.error().name})")

    def _stop_if_off(self) -> None:
        if not self.enabled:
            self._stop_sink()

    def _stop_sink(self) -> None:
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.stateChanged.disconnect(self._sink_state)
            sink.stop()
            sink.deleteLater()
        if self.device is not None:
            self.device.close()
            self.device.deleteLater()
            self.device = None

    def close(self) -> None:
        """Release the audio output now (the window is closing)."""
        self.enabled = False
        self._stop_sink()

    @property
    def playing(self) -> bool:
        """Whether the cue has an audio output to sound on (it is silent at rest even so)."""
        return self.sink is not None

    def _say(self, text: str) -> str:
        self.last_message = text
        self.message.emit(text)
        self.state_changed.emit()
        return text

    # ------------------------------------------------------------------ per feedback frame

    def update(self, fig: Figures | None, now_s: float | None = None) -> None:
        """Follow one frame of feedback (None: nothing to follow, e.g. paused: the tone fades out).
        `now_s`: monotonic time in s (default: now)."""
        synth = self.synth
        if not self.enabled or synth is None:
            return
        now = time.monotonic() if now_s is None else now_s
        if fig is None:
            synth.silence()
            self.chime_gate.update(False, now)
            return
        synth.set_activation(cue_activation(fig, self.follow))
        if self.chime_gate.update(fig.both_on_target, now):
            synth.ring()
