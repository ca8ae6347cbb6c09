"""The simulator's signal: shaped surface-EMG noise, raised-cosine ramps, activation, the chunked generator.

Model, per channel c and sample n (t = n / rate_hz, session clock starting at 0):

    x_c[n] = amplitude_c(t) * s_c[n]  + mains(t) + wander_c(t) + motion_c(t) + ecg_c(t)     (µV)
    amplitude_c(t) = rest_uv[c] + (peak_uv[c] - rest_uv[c]) * activation_c(t)

s_c is Gaussian white noise shaped to a surface-EMG power spectrum (`ShapedNoise`) and scaled to unit RMS.
The shaping filter (`emg_shaping_sos`) is the Shwedyk et al. (1977) model |H(f)|^2 ∝ fh^4 f^2 / ((f^2 +
fl^2)(f^2 + fh^2)^2) with fl = 80 Hz, fh = 140 Hz (digitised by the bilinear transform), in series with
the amplifier's 2nd-order 20 Hz high-pass and, where the rate allows, a 2nd-order 450 Hz low-pass: at 2 kHz
the response peaks at 80 Hz (a flat top, so a measured Welch peak lands anywhere in about 70-95 Hz) and
the median frequency is about 110 Hz, typical of surface EMG. activation_c(t) in 0..1 is the maximum over
the channel's bursts of level x a raised-cosine ramp (`raised_cosine`) up, hold, and down. The artefacts
are in `sim.artefacts`; `SimulatedClient` uses the same noise, ramp and band-power fraction.

Determinism: every random quantity comes from its own child of `numpy.random.SeedSequence(seed)` (noise,
mains phases, wander, motion, ECG, packet loss), so switching an artefact on never changes the EMG noise,
and packet loss only removes samples. `Generator` makes the signal sequentially in fixed chunks of `CHUNK`
samples, carrying the shaping filter's state, so it does not depend on the caller's block size; it holds
about one chunk (CHUNK x channels float64, 64 kB for 2 channels).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

from emgcoach.stream.sim.artefacts import Ecg, Motion, PacketLoss, Sines
from emgcoach.stream.sim.scenario import Scenario

__all__ = [
    "CHUNK",
    "Chunk",
    "Generator",
    "ShapedNoise",
    "SimOptions",
    "activation_at",
    "band_power_fraction",
    "emg_shaping_sos",
    "raised_cosine",
]

CHUNK = 4096  # internal generation chunk in samples; fixed so output never depends on the caller's blocks


def emg_shaping_sos(rate_hz: float) -> np.ndarray:
    """Second-order sections of the surface-EMG shaping filter at `rate_hz` (unnormalised gain)."""
    fl, fh = 80.0, 140.0
    wl, wh = 2 * np.pi * fl, 2 * np.pi * fh
    z, p, k = scipy.signal.bilinear_zpk([0.0], [-wl, -wh, -wh], wh**2, rate_hz)
    parts = [scipy.signal.zpk2sos(z, p, k)]
    nyq = rate_hz / 2.0
    if 20.0 < 0.8 * nyq:
        parts.append(scipy.signal.butter(2, 20.0, "highpass", fs=rate_hz, output="sos"))
    if 450.0 < 0.9 * nyq:
        parts.append(scipy.signal.butter(2, 450.0, "lowpass", fs=rate_hz, output="sos"))
    return np.vstack(parts)


class ShapedNoise:
    """Gaussian noise through `emg_shaping_sos`, the filter's state carried from call to call.

    The filter is warmed up on noise first (0.2 s, at least 64 samples), so the first samples have full
    variance. `next` returns the filter's raw output; divide by `gain` (the RMS of its impulse response)
    for unit RMS.
    """

    def __init__(self, rng: np.random.Generator, rate_hz: float, n_channels: int) -> None:
        self.rng = rng
        self.n_channels = n_channels
        self.sos = emg_shaping_sos(rate_hz)
        imp = np.zeros(int(rate_hz) + 1)
        imp[0] = 1.0
        self.gain = float(np.sqrt(np.sum(scipy.signal.sosfilt(self.sos, imp) ** 2)))
        warm = rng.standard_normal((max(64, int(0.2 * rate_hz)), n_channels))
        zi = np.zeros((self.sos.shape[0], 2, n_channels))
        _, self.zi = scipy.signal.sosfilt(self.sos, warm, axis=0, zi=zi)

    def next(self, n: int, draw: int | None = None) -> np.ndarray:
        """The next n samples (n x channels, float64). draw: rows of noise drawn (>= n, the rest unused),
        so a caller drawing a fixed size per step keeps its random stream whatever n is."""
        noise = self.rng.standard_normal((n if draw is None else draw, self.n_channels))[:n]
        shaped, self.zi = scipy.signal.sosfilt(self.sos, noise, axis=0, zi=self.zi)
        return shaped


def raised_cosine(u: np.ndarray) -> np.ndarray:
    """The ramp shape: 0 at u = 0, 1 at u = 1 (u already clipped to 0..1)."""
    return 0.5 * (1.0 - np.cos(np.pi * u))


def band_power_fraction(sos: np.ndarray, band_sos: np.ndarray, rate_hz: float) -> float:
    """Fraction of the power of white noise shaped by `sos` that the band-pass `band_sos` lets through."""
    _, h = scipy.signal.sosfreqz(sos, worN=8192, fs=rate_hz)
    _, g = scipy.signal.sosfreqz(band_sos, worN=8192, fs=rate_hz)
    p = np.abs(h) ** 2
    return float(np.sum(p * np.abs(g) ** 2) / np.sum(p))


def activation_at(scenario: Scenario, t: np.ndarray, ramp_s: float = 0.04) -> np.ndarray:
    """Ground-truth activation (len(t) x ch) in 0..1 at increasing times t (s): per channel the maximum
    over its bursts of level x raised-cosine rise over ramp_s / hold / raised-cosine fall over ramp_s
    (ramps shortened to half the burst for short bursts); exactly 0 outside (start_s, end_s)."""
    t = np.asarray(t, dtype=np.float64)
    out = np.zeros((t.size, scenario.n_channels))
    if t.size == 0:
        return out
    t_lo, t_hi = float(t[0]), float(t[-1])
    for c, bursts in enumerate(scenario.bursts):
        if not bursts:
            continue
        starts = np.fromiter((b.start_s for b in bursts), float, len(bursts))
        max_dur = max(b.duration_s for b in bursts)
        lo = int(np.searchsorted(starts, t_lo - max_dur, side="left"))
        hi = int(np.searchsorted(starts, t_hi, side="right"))
        for b in bursts[lo:hi]:
            if b.end_s <= t_lo or b.start_s >= t_hi:
                continue
            i0 = int(np.searchsorted(t, b.start_s, side="right"))
            i1 = int(np.searchsorted(t, b.end_s, side="left"))
            if i1 <= i0:
                continue
            tt = t[i0:i1]
            ramp = min(ramp_s, b.duration_s / 2.0)
            a = np.ones(tt.size)
            if ramp > 0:
                up = np.clip((tt - b.start_s) / ramp, 0.0, 1.0)
                down = np.clip((b.end_s - tt) / ramp, 0.0, 1.0)
                a = raised_cosine(np.minimum(up, down))
            np.maximum(out[i0:i1, c], b.level * a, out=out[i0:i1, c])
    return out


@dataclass(frozen=True)
class SimOptions:
    """Artefacts and shaping; everything is off by default except the 40 ms activation ramps.

    ramp_s: raised-cosine rise/fall time of each burst (s).
    mains_uv / mains_hz / mains_harmonics: hum of amplitude mains_uv (µV peak) at mains_hz, plus harmonics
        k = 2..mains_harmonics at mains_uv / k (those below Nyquist), random phase per channel.
    wander_uv: baseline wander, a sum of 3 sinusoids at 0.05-0.8 Hz with total RMS wander_uv (µV).
    motion_rate_hz / motion_uv: motion spikes as a Poisson process of motion_rate_hz events per second per
        channel, each an alpha-function transient (t/tau) exp(1 - t/tau), tau 20-80 ms, peak
        motion_uv x U(0.5, 1.5) of random sign.
    ecg_uv / heart_rate_bpm / ecg_channels: QRS-T complexes of R-peak ecg_uv (µV) at heart_rate_bpm (3 %
        beat-to-beat jitter) added to ecg_channels (None: the left latissimus dorsi channels, else every
        latissimus dorsi channel; the left lat sits over the heart's field).
    packet_loss / packet_samples: each packet of packet_samples samples is lost with probability
        packet_loss; lost samples are removed and reported as gaps (never shifted).
    clip_uv: the amplifier's range: the output is clipped to ±clip_uv (None: no clipping).
    """

    ramp_s: float = 0.04
    mains_uv: float = 0.0
    mains_hz: float = 50.0
    mains_harmonics: int = 3
    wander_uv: float = 0.0
    motion_rate_hz: float = 0.0
    motion_uv: float = 500.0
    ecg_uv: float = 0.0
    heart_rate_bpm: float = 70.0
    ecg_channels: tuple[int, ...] | None = None
    packet_loss: float = 0.0
    packet_samples: int = 20
    clip_uv: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.packet_loss < 1.0:
            raise ValueError("packet_loss must be in [0, 1)")
        if self.packet_samples < 1:
            raise ValueError("packet_samples must be >= 1")
        if self.ramp_s < 0:
            raise ValueError("ramp_s must be >= 0")
        if self.clip_uv is not None and not self.clip_uv > 0:
            raise ValueError("clip_uv must be positive or None")
        if self.ecg_channels is not None:
            object.__setattr__(self, "ecg_channels", tuple(int(c) for c in self.ecg_channels))


@dataclass
class Chunk:
    start: int  # absolute index of the first sample
    data: np.ndarray  # float64 (m, ch) µV, lost samples included
    lost: np.ndarray  # bool (m,)


class Generator:
    """Sequential chunk generator: same seed, same samples, whatever the caller's block size."""

    def __init__(self, scenario: Scenario, rate_hz: float, seed: int, opts: SimOptions) -> None:
        if not (rate_hz > 0 and math.isfinite(rate_hz)):
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        self.sc = scenario
        self.rate = float(rate_hz)
        self.opts = opts
        self.nch = scenario.n_channels
        self.n_total = int(round(scenario.duration_s * self.rate))
        ss = np.random.SeedSequence(int(seed))
        r_noise, r_mains, r_wander, r_motion, r_ecg, r_loss = (np.random.default_rng(s) for s in ss.spawn(6))
        self.rest = np.array(scenario.rest_uv, dtype=np.float64)
        self.peak = np.array(scenario.peak_uv, dtype=np.float64)
        self.noise = ShapedNoise(r_noise, self.rate, self.nch)
        self.artefacts = (
            Sines.mains(opts.mains_uv, opts.mains_hz, opts.mains_harmonics, self.rate, self.nch, r_mains),
            Sines.wander(opts.wander_uv, self.nch, r_wander),
            Motion(opts.motion_rate_hz, opts.motion_uv, scenario.duration_s, self.nch, r_motion),
            Ecg.for_scenario(opts.ecg_uv, opts.heart_rate_bpm, opts.ecg_channels, scenario, r_ecg),
        )
        self.loss = PacketLoss(opts.packet_loss, opts.packet_samples, r_loss)

    def chunks(self) -> Iterator[Chunk]:
        o = self.opts
        for i0 in range(0, self.n_total, CHUNK):
            i1 = min(self.n_total, i0 + CHUNK)
            m = i1 - i0
            t = np.arange(i0, i1, dtype=np.float64) / self.rate
            shaped = self.noise.next(m, draw=CHUNK)  # fixed draw size per chunk
            act = activation_at(self.sc, t, o.ramp_s)
            x = (self.rest + (self.peak - self.rest) * act) * (shaped / self.noise.gain)
            for artefact in self.artefacts:
                artefact.add(x, t)
            if o.clip_uv is not None:
                np.clip(x, -o.clip_uv, o.clip_uv, out=x)
            yield Chunk(i0, x, self.loss.mask(i0, i1))
