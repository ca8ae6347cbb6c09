"""Sound for the audio cue, as numbers (numpy only, no Qt): a tone whose pitch follows activation and a
short chime, mixed into float samples in [-1, 1] at a given rate.

The tone is a phase-continuous sine. Its pitch glides towards the newest target with an exponential
time constant in log-frequency (so a jump of activation sounds as a quick slide, never a step), and it
fades in and out over a few milliseconds with a smoothstep curve. Both glides are closed-form per sample,
so rendering in any chunking gives the same samples as rendering whole (to float tolerance): the sound
device may ask for whatever buffer sizes it likes without clicks at buffer edges.
"""

from __future__ import annotations

import math
import threading

import numpy as np

F_LOW_HZ = 220.0  # pitch at activation 0 (A3)
F_HIGH_HZ = 880.0  # pitch at activation 1 (A5): two octaves, one octave per half of the range
TONE_LEVEL = 0.2  # peak amplitude of the tone (full scale 1.0)
CHIME_LEVEL = 0.35  # peak amplitude of the chime; tone + chime stays below full scale
GLIDE_S = 0.04  # time constant of the pitch glide, s
FADE_S = 0.02  # length of a fade in or out, s
CHIME_NOTES_HZ = (1046.5, 1568.0)  # C6 then G6, a rising fifth
CHIME_GAP_S = 0.07  # the second note starts this long after the first
CHIME_DURATION_S = 0.45


def pitch_hz(activation: float | np.ndarray) -> float | np.ndarray:
    """The tone's frequency in Hz for an activation (0..1, clipped; 0 -> 220 Hz, 0.5 -> 440, 1 -> 880):
    exponential, so equal steps of activation are equal musical intervals."""
    a = np.clip(activation, 0.0, 1.0)
    f = F_LOW_HZ * (F_HIGH_HZ / F_LOW_HZ) ** a
    return float(f) if np.ndim(f) == 0 else f


def chime(rate_hz: float, level: float = CHIME_LEVEL) -> np.ndarray:
    """The success chime: two bell-like notes (C6, then G6 70 ms later), each rising over ~3 ms and
    decaying with a 120 ms time constant, tapered to exactly 0 at its end. float64, peak `level`,
    `CHIME_DURATION_S` long at `rate_hz`."""
    n = int(round(CHIME_DURATION_S * rate_hz))
    t = np.arange(n) / rate_hz
    out = np.zeros(n)
    for i, f0 in enumerate(CHIME_NOTES_HZ):
        tt = t - i * CHIME_GAP_S
        on = tt >= 0
        env = np.where(on, (1.0 - np.exp(-np.maximum(tt, 0) / 0.003)) * np.exp(-np.maximum(tt, 0) / 0.12), 0.0)
        octave = 0.3 * np.sin(2 * np.pi * 2 * f0 * tt) * np.exp(-np.maximum(tt, 0) / 0.05)  # a brighter strike
        partials = np.sin(2 * np.pi * f0 * tt) + octave
        out += env * partials
    taper = min(n, int(0.03 * rate_hz))  # a 30 ms cosine tail to silence: no click when it ends
    out[n - taper :] *= 0.5 * (1 + np.cos(np.linspace(0, np.pi, taper)))
    out[-1] = 0.0
    return out * (level / np.abs(out).max())


def _smoothstep(g: np.ndarray) -> np.ndarray:
    return g * g * (3.0 - 2.0 * g)


class CueSynth:
    """The audio cue's sound generator: `set_activation(a)` moves the tone's pitch target (NaN fades the
    tone out), `ring()` starts the chime, `render(n)` returns the next n float32 samples in [-1, 1].

    Thread-safe: a sound device may call `render` on its own thread while the UI sets targets."""

    def __init__(
        self,
        rate_hz: float = 48000.0,
        glide_s: float = GLIDE_S,
        fade_s: float = FADE_S,
        level: float = TONE_LEVEL,
    ) -> None:
        self.rate_hz = float(rate_hz)
        self.level = level
        self._lock = threading.Lock()
        self._decay = math.exp(-1.0 / (glide_s * self.rate_hz))  # per-sample factor of the pitch glide
        self._fade_step = 1.0 / max(1.0, fade_s * self.rate_hz)  # per-sample change of the fade (0..1)
        self._phase = 0.0  # radians, of the last sample rendered
        self._log2f = self._target_log2f = math.log2(F_LOW_HZ)
        self._fade = 0.0  # 0 silent .. 1 full level (shaped by smoothstep when applied)
        self._target_fade = 0.0
        self._chime = chime(self.rate_hz)
        self._chimes: list[int] = []  # playing chimes: the next sample of each (two may overlap)
        self.chimes_rung = 0

    @property
    def frequency_hz(self) -> float:
        """The tone's current frequency (Hz), where the glide has got to."""
        return 2.0**self._log2f

    @property
    def target_hz(self) -> float:
        return 2.0**self._target_log2f

    @property
    def sounding(self) -> bool:
        """True while the tone is audible or fading, or the chime is playing."""
        return self._fade > 0.0 or self._target_fade > 0.0 or bool(self._chimes)

    def set_activation(self, activation: float) -> None:
        """Glide the tone towards `pitch_hz(activation)` (activation 0..1); NaN fades the tone out."""
        with self._lock:
            if not math.isfinite(activation):
                self._target_fade = 0.0
                return
            self._target_log2f = math.log2(pitch_hz(activation))
            if self._fade == 0.0:  # fading in from silence: start at the new pitch, not slide from an old one
                self._log2f = self._target_log2f
            self._target_fade = 1.0

    def silence(self) -> None:
        """Fade the tone out (over `fade_s`); a chime already playing finishes."""
        with self._lock:
            self._target_fade = 0.0

    def ring(self) -> None:
        """Start a chime; one still playing goes on under it (cutting it off mid-note would click). Two
        chimes and the tone stay below full scale (2 x CHIME_LEVEL + TONE_LEVEL < 1)."""
        with self._lock:
            self._chimes = self._chimes[-1:] + [0]
            self.chimes_rung += 1

    def render(self, n: int) -> np.ndarray:
        """The next `n` samples (float32, mono, in [-1, 1])."""
        with self._lock:
            if n <= 0:
                return np.zeros(0, np.float32)
            k = np.arange(1, n + 1, dtype=np.float64)
            out = np.zeros(n)
            if self._fade > 0.0 or self._target_fade > 0.0:
                d = self._decay**k
                log2f = self._target_log2f + (self._log2f - self._target_log2f) * d
                phase = self._phase + np.cumsum((2.0 * np.pi / self.rate_hz) * np.exp2(log2f))
                if self._target_fade > self._fade:
                    fade = np.minimum(self._fade + self._fade_step * k, self._target_fade)
                else:
                    fade = np.maximum(self._fade - self._fade_step * k, self._target_fade)
                out += self.level * _smoothstep(fade) * np.sin(phase)
                self._log2f = float(log2f[-1])
                self._phase = float(phase[-1] % (2.0 * np.pi))
                self._fade = float(fade[-1])
            else:  # silent: keep the pitch state moving so a later fade-in starts where it should
                self._log2f = self._target_log2f + (self._log2f - self._target_log2f) * self._decay**n
            for i, pos in enumerate(self._chimes):
                part = self._chime[pos : pos + n]
                out[: len(part)] += part
                self._chimes[i] = pos + len(part)
            self._chimes = [pos for pos in self._chimes if pos < len(self._chime)]
            return np.clip(out, -1.0, 1.0).astype(np.float32)
