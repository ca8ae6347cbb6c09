"""Synthetic surface EMG with ground truth, deterministic from a seed.

Model, per channel c and sample n (t = n / rate_hz, session clock starting at 0):

    x_c[n] = amplitude_c(t) * s_c[n]  + mains(t) + wander_c(t) + motion_c(t) + ecg_c(t)     (µV)
    amplitude_c(t) = rest_uv[c] + (peak_uv[c] - rest_uv[c]) * activation_c(t)

s_c is Gaussian white noise shaped to a surface-EMG power spectrum and scaled to unit RMS, so the RMS of
x during a full-activation hold is `peak_uv` and at rest `rest_uv` (µV RMS). The shaping filter is the
Shwedyk et al. (1977) model |H(f)|^2 ∝ fh^4 f^2 / ((f^2 + fl^2)(f^2 + fh^2)^2) with fl = 80 Hz,
fh = 140 Hz (digitised by the bilinear transform), in series with the amplifier's 2nd-order 20 Hz
high-pass and, where the rate allows, a 2nd-order 450 Hz low-pass: at 2 kHz the filter's response peaks at
80 Hz (a flat top, so a measured Welch peak lands anywhere in about 70-95 Hz) and the median frequency is
about 110 Hz, typical of surface EMG. activation_c(t) in 0..1 is the maximum over
the channel's `Burst`s of level x (raised-cosine rise over `ramp_s`, hold, raised-cosine fall over
`ramp_s`). Artefacts (mains hum, baseline wander, motion spikes, ECG, packet loss, clipping) are all off
by default (`SimOptions`).

Determinism and memory: every random quantity comes from its own child of `numpy.random.SeedSequence(seed)`
(noise, mains phases, wander, motion, ECG, packet loss), so switching an artefact on never changes the EMG
noise, and packet loss only removes samples. The signal is generated sequentially in fixed internal chunks
of `CHUNK` samples, carrying the shaping filter's state, so it does not depend on the caller's block size.
`simulate()` pre-generates the whole session as float32 (4 bytes per sample per channel: a 10-minute
2-channel 2 kHz session is 9.6 MB, 2 hours 115 MB; the activation truth is computed only when asked for).
`SimulatorSource` generates lazily and holds about one internal chunk (CHUNK x channels float64, 64 kB
for 2 channels), so a 2-hour stream needs no more memory than a 10-second one.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
from scipy import signal

from emgcoach.io.recording import RecordedStream, Recording
from emgcoach.types import Block, ChannelSpec, Marker, StreamInfo

__all__ = [
    "CHUNK",
    "Burst",
    "Scenario",
    "SimOptions",
    "SimulatedSession",
    "SimulatorSource",
    "activation_at",
    "bench_signal",
    "bird_dog_scenario",
    "default_levels_uv",
    "emg_shaping_sos",
    "scripted_scenario",
    "simulate",
]

CHUNK = 4096  # internal generation chunk in samples; fixed so output never depends on the caller's blocks

# Default (rest µV RMS, full-activation µV RMS) per muscle.
_LEVELS_UV: dict[str, tuple[float, float]] = {
    "latissimus_dorsi": (4.0, 250.0),
    "gluteus_maximus": (3.0, 150.0),
}
_DEFAULT_LEVELS_UV = (3.0, 200.0)


def default_levels_uv(spec: ChannelSpec) -> tuple[float, float]:
    """(rest, full-activation) level in µV RMS for a channel's muscle: lat 4/250, glute max 3/150, else 3/200."""
    return _LEVELS_UV.get(spec.muscle, _DEFAULT_LEVELS_UV)


# ---------------------------------------------------------------- scenario


@dataclass(frozen=True)
class Burst:
    """One activation burst: starts rising at `start_s`, back at rest at `start_s + duration_s`.

    level: activation in 0..1 (fraction of the channel's full-activation level) during the hold.
    The ground-truth onset is `start_s` and the offset `start_s + duration_s` (activation is exactly 0
    outside that interval and rises/falls with raised-cosine ramps inside it).
    """

    start_s: float
    duration_s: float
    level: float = 1.0

    def __post_init__(self) -> None:
        if not (self.duration_s > 0 and math.isfinite(self.duration_s) and math.isfinite(self.start_s)):
            raise ValueError(f"burst needs a finite start and a positive duration, got {self}")
        if not 0.0 <= self.level <= 1.0:
            raise ValueError(f"burst level must be in 0..1, got {self.level}")

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class Scenario:
    """A scripted session: channels, their bursts, levels, and the markers a drill runner would log.

    bursts[c] are channel c's bursts; rest_uv[c] / peak_uv[c] its rest and full-activation levels in
    µV RMS (empty tuples: `default_levels_uv` per muscle). markers are on the session clock (s).
    """

    name: str
    duration_s: float
    channels: tuple[ChannelSpec, ...]
    bursts: tuple[tuple[Burst, ...], ...]
    markers: tuple[Marker, ...] = ()
    rest_uv: tuple[float, ...] = ()
    peak_uv: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.channels)
        if n == 0:
            raise ValueError("scenario has no channels")
        if not (self.duration_s > 0 and math.isfinite(self.duration_s)):
            raise ValueError(f"scenario duration must be positive, got {self.duration_s}")
        if len(self.bursts) != n:
            raise ValueError(f"need one burst list per channel ({n}), got {len(self.bursts)}")
        object.__setattr__(self, "bursts", tuple(tuple(sorted(b, key=lambda x: x.start_s)) for b in self.bursts))
        rest = self.rest_uv or tuple(default_levels_uv(c)[0] for c in self.channels)
        peak = self.peak_uv or tuple(default_levels_uv(c)[1] for c in self.channels)
        if len(rest) != n or len(peak) != n:
            raise ValueError("rest_uv and peak_uv need one value per channel")
        object.__setattr__(self, "rest_uv", tuple(float(v) for v in rest))
        object.__setattr__(self, "peak_uv", tuple(float(v) for v in peak))
        object.__setattr__(self, "markers", tuple(sorted(self.markers, key=lambda m: m.time_s)))

    @property
    def n_channels(self) -> int:
        return len(self.channels)


def scripted_scenario(
    bursts: Sequence[Sequence[Burst | tuple[float, float] | tuple[float, float, float]]]
    | Mapping[int, Sequence[Burst | tuple[float, float] | tuple[float, float, float]]],
    channels: Sequence[ChannelSpec] | None = None,
    duration_s: float | None = None,
    name: str = "scripted",
    markers: Sequence[Marker] = (),
    rest_uv: Sequence[float] = (),
    peak_uv: Sequence[float] = (),
    tail_s: float = 2.0,
) -> Scenario:
    """A scenario from per-channel burst lists (Burst or (start_s, duration_s[, level]) tuples).

    bursts: a sequence (one list per channel) or a mapping channel index -> list. channels default to
    left lat + right glute max when there are two, else generic 'ch<i>'. duration_s defaults to the last
    burst's end + tail_s (at least tail_s).
    """
    if isinstance(bursts, Mapping):
        n = (max(bursts) + 1) if bursts else (len(channels) if channels else 1)
        if channels is not None:
            n = max(n, len(channels))
        per = [list(bursts.get(c, ())) for c in range(n)]
    else:
        per = [list(b) for b in bursts]
    if channels is None:
        if len(per) == 2:
            channels = (
                ChannelSpec("lat_L", "latissimus_dorsi", "left"),
                ChannelSpec("glute_R", "gluteus_maximus", "right"),
            )
        else:
            channels = tuple(ChannelSpec(f"ch{i}") for i in range(len(per)))
    channels = tuple(channels)
    while len(per) < len(channels):
        per.append([])
    parsed = tuple(tuple(b if isinstance(b, Burst) else Burst(*b) for b in lst) for lst in per)
    if duration_s is None:
        end = max((b.end_s for lst in parsed for b in lst), default=0.0)
        duration_s = end + tail_s if end > 0 else max(tail_s, 1.0)
    return Scenario(
        name=name,
        duration_s=float(duration_s),
        channels=channels,
        bursts=parsed,
        markers=tuple(markers),
        rest_uv=tuple(rest_uv),
        peak_uv=tuple(peak_uv),
    )


def bird_dog_scenario(
    reps: int = 8,
    hold_s: float = 3.0,
    rest_s: float = 3.0,
    glute_latency_ms: float = 80.0,
    lead_in_s: float = 3.0,
    lat_side: str = "left",
    seed: int = 0,
    latency_jitter_ms: float = 0.0,
    lat_level: float = 1.0,
    glute_level: float = 1.0,
) -> Scenario:
    """Bird dog: lat on `lat_side` (channel 0) and the contralateral glute max (channel 1).

    Timeline: `lead_in_s` of rest; then rep i (0-based) starts at lead_in_s + i * (hold_s + rest_s): the
    lat bursts at the rep start, the glute `latency` ms later, both hold, and both release together at
    rep start + hold_s (so the glute's burst is shorter by the latency); then rest_s of rest. latency =
    glute_latency_ms + N(0, latency_jitter_ms) per rep, drawn from `seed` (deterministic), kept >= 0 and
    shorter than the hold. Duration: lead_in_s + reps * (hold_s + rest_s).

    Markers: `drill_start` at lead_in_s (payload: drill, reps, hold_s, rest_s, lat_channel, glute_channel),
    one `rep` per rep at the lat onset (payload: index, lat_onset_s, glute_onset_s, latency_ms, offset_s),
    `drill_end` at the last release.
    """
    if lat_side not in ("left", "right"):
        raise ValueError("lat_side must be 'left' or 'right'")
    if reps < 0 or hold_s <= 0 or rest_s < 0 or lead_in_s < 0:
        raise ValueError("bird_dog_scenario: need reps >= 0, hold_s > 0, rest_s >= 0, lead_in_s >= 0")
    glute_side = "right" if lat_side == "left" else "left"
    channels = (
        ChannelSpec(f"lat_{lat_side[0].upper()}", "latissimus_dorsi", lat_side),
        ChannelSpec(f"glute_{glute_side[0].upper()}", "gluteus_maximus", glute_side),
    )
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xB1D]))
    jitter = rng.standard_normal(reps) * latency_jitter_ms if latency_jitter_ms > 0 else np.zeros(reps)
    lat_b: list[Burst] = []
    glute_b: list[Burst] = []
    markers: list[Marker] = [
        Marker(
            float(lead_in_s),
            "drill_start",
            {"drill": "bird_dog", "reps": int(reps), "hold_s": float(hold_s), "rest_s": float(rest_s),
             "lat_channel": 0, "glute_channel": 1},
        )
    ]
    end = float(lead_in_s)
    for i in range(reps):
        t_rep = float(lead_in_s + i * (hold_s + rest_s))
        lat_ms = float(np.clip(glute_latency_ms + jitter[i], 0.0, 0.9 * hold_s * 1000.0))
        t_glute = t_rep + lat_ms / 1000.0
        t_off = t_rep + hold_s
        lat_b.append(Burst(t_rep, hold_s, lat_level))
        glute_b.append(Burst(t_glute, t_off - t_glute, glute_level))
        markers.append(
            Marker(
                t_rep,
                "rep",
                {"index": i, "lat_onset_s": t_rep, "glute_onset_s": t_glute, "latency_ms": lat_ms,
                 "offset_s": t_off},
            )
        )
        end = t_off
    markers.append(Marker(end, "drill_end", {"drill": "bird_dog", "reps": int(reps)}))
    return Scenario(
        name="bird_dog",
        duration_s=float(lead_in_s + reps * (hold_s + rest_s)) or 1.0,
        channels=channels,
        bursts=(tuple(lat_b), tuple(glute_b)),
        markers=tuple(markers),
    )


# ---------------------------------------------------------------- options and generator


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


def emg_shaping_sos(rate_hz: float) -> np.ndarray:
    """Second-order sections of the surface-EMG shaping filter at `rate_hz` (unnormalised gain)."""
    fl, fh = 80.0, 140.0
    wl, wh = 2 * np.pi * fl, 2 * np.pi * fh
    z, p, k = signal.bilinear_zpk([0.0], [-wl, -wh, -wh], wh**2, rate_hz)
    parts = [signal.zpk2sos(z, p, k)]
    nyq = rate_hz / 2.0
    if 20.0 < 0.8 * nyq:
        parts.append(signal.butter(2, 20.0, "highpass", fs=rate_hz, output="sos"))
    if 450.0 < 0.9 * nyq:
        parts.append(signal.butter(2, 450.0, "lowpass", fs=rate_hz, output="sos"))
    return np.vstack(parts)


def _qrst(t: np.ndarray) -> np.ndarray:
    """One ECG complex with R peak 1 at t = 0 (t in s): Q, R, S and T waves as Gaussians."""
    return (
        -0.12 * np.exp(-0.5 * ((t + 0.025) / 0.006) ** 2)
        + 1.0 * np.exp(-0.5 * (t / 0.008) ** 2)
        - 0.25 * np.exp(-0.5 * ((t - 0.025) / 0.007) ** 2)
        + 0.20 * np.exp(-0.5 * ((t - 0.25) / 0.04) ** 2)
    )


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
                a = 0.5 * (1.0 - np.cos(np.pi * np.minimum(up, down)))
            np.maximum(out[i0:i1, c], b.level * a, out=out[i0:i1, c])
    return out


@dataclass
class _Chunk:
    start: int  # absolute index of the first sample
    data: np.ndarray  # float64 (m, ch) µV, lost samples included
    lost: np.ndarray  # bool (m,)


class _Generator:
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
        self.rng_noise = r_noise
        self.rng_loss = r_loss
        self.rest = np.array(scenario.rest_uv, dtype=np.float64)
        self.peak = np.array(scenario.peak_uv, dtype=np.float64)

        self.sos = emg_shaping_sos(self.rate)
        imp = np.zeros(int(self.rate) + 1)
        imp[0] = 1.0
        self.gain = float(np.sqrt(np.sum(signal.sosfilt(self.sos, imp) ** 2)))
        # warm the filter up on noise so the first samples have full variance
        warm = r_noise.standard_normal((max(64, int(0.2 * self.rate)), self.nch))
        zi = np.zeros((self.sos.shape[0], 2, self.nch))
        _, self.zi = signal.sosfilt(self.sos, warm, axis=0, zi=zi)

        # mains: (freq, amplitude, phase per channel)
        self.mains: list[tuple[float, float, np.ndarray]] = []
        if opts.mains_uv > 0:
            for k in range(1, max(1, opts.mains_harmonics) + 1):
                f = opts.mains_hz * k
                ph = r_mains.uniform(0, 2 * np.pi, self.nch)
                if f < self.rate / 2:
                    self.mains.append((f, opts.mains_uv / k, ph))
        self.wander: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        if opts.wander_uv > 0:
            for _ in range(3):
                f = r_wander.uniform(0.05, 0.8, self.nch)
                ph = r_wander.uniform(0, 2 * np.pi, self.nch)
                a = np.full(self.nch, opts.wander_uv * np.sqrt(2.0 / 3.0))  # 3 sines of equal amplitude: RMS = wander_uv
                self.wander.append((f, a, ph))
        # motion events per channel: sorted times, tau, signed amplitude
        self.motion: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        if opts.motion_rate_hz > 0:
            for _ in range(self.nch):
                n_ev = r_motion.poisson(opts.motion_rate_hz * scenario.duration_s)
                times = np.sort(r_motion.uniform(0, scenario.duration_s, n_ev))
                tau = r_motion.uniform(0.02, 0.08, n_ev)
                amp = opts.motion_uv * r_motion.uniform(0.5, 1.5, n_ev) * r_motion.choice([-1.0, 1.0], n_ev)
                self.motion.append((times, tau, amp))
        # ECG beats (shared heart, applied to the chosen channels)
        self.ecg_beats = np.zeros(0)
        self.ecg_gain = np.zeros(self.nch)
        if opts.ecg_uv > 0:
            chans = opts.ecg_channels
            if chans is None:
                lat = [i for i, c in enumerate(scenario.channels) if c.muscle == "latissimus_dorsi"]
                chans = tuple(i for i in lat if scenario.channels[i].side == "left") or tuple(lat)
            for c in chans:
                self.ecg_gain[c] = opts.ecg_uv
            rr = 60.0 / opts.heart_rate_bpm
            n_beats = int(scenario.duration_s / rr * 1.2) + 3
            intervals = rr * (1.0 + 0.03 * r_ecg.standard_normal(n_beats))
            self.ecg_beats = r_ecg.uniform(0, rr) + np.concatenate([[0.0], np.cumsum(intervals)[:-1]])
        self._next_packet = 0
        self._packet_lost = np.zeros(0, dtype=bool)  # decisions for packets [_pk0, _pk0 + len)
        self._pk0 = 0

    def _lost_mask(self, i0: int, i1: int) -> np.ndarray:
        if self.opts.packet_loss <= 0:
            return np.zeros(i1 - i0, dtype=bool)
        ps = self.opts.packet_samples
        p_first, p_last = i0 // ps, (i1 - 1) // ps
        # drop decisions for packets before p_first (sequential use), draw the new ones in order
        if p_first > self._pk0:
            self._packet_lost = self._packet_lost[p_first - self._pk0 :]
            self._pk0 = p_first
        need = p_last + 1 - (self._pk0 + self._packet_lost.size)
        if need > 0:
            self._packet_lost = np.concatenate([self._packet_lost, self.rng_loss.random(need) < self.opts.packet_loss])
        pk = np.arange(i0, i1) // ps - self._pk0
        return self._packet_lost[pk]

    def chunks(self) -> Iterator[_Chunk]:
        o = self.opts
        for i0 in range(0, self.n_total, CHUNK):
            i1 = min(self.n_total, i0 + CHUNK)
            m = i1 - i0
            t = np.arange(i0, i1, dtype=np.float64) / self.rate
            noise = self.rng_noise.standard_normal((CHUNK, self.nch))[:m]  # fixed draw size per chunk
            shaped, self.zi = signal.sosfilt(self.sos, noise, axis=0, zi=self.zi)
            act = activation_at(self.sc, t, self.opts.ramp_s)
            x = (self.rest + (self.peak - self.rest) * act) * (shaped / self.gain)
            for f, a, ph in self.mains:
                x += a * np.sin(2 * np.pi * f * t[:, None] + ph)
            for f, a, ph in self.wander:
                x += a * np.sin(2 * np.pi * f * t[:, None] + ph)
            for c, (times, tau, amp) in enumerate(self.motion):
                lo = int(np.searchsorted(times, t[0] - 12 * 0.08, side="left"))
                hi = int(np.searchsorted(times, t[-1], side="right"))
                for k in range(lo, hi):
                    u = (t - times[k]) / tau[k]
                    ok = (u >= 0) & (u < 12)
                    if ok.any():
                        x[ok, c] += amp[k] * u[ok] * np.exp(1.0 - u[ok])
            if self.ecg_beats.size:
                lo = int(np.searchsorted(self.ecg_beats, t[0] - 0.45, side="left"))
                hi = int(np.searchsorted(self.ecg_beats, t[-1] + 0.1, side="right"))
                e = np.zeros(m)
                for tb in self.ecg_beats[lo:hi]:
                    j0 = int(np.searchsorted(t, tb - 0.1))
                    j1 = int(np.searchsorted(t, tb + 0.45))
                    e[j0:j1] += _qrst(t[j0:j1] - tb)
                x += e[:, None] * self.ecg_gain
            if o.clip_uv is not None:
                np.clip(x, -o.clip_uv, o.clip_uv, out=x)
            yield _Chunk(i0, x, self._lost_mask(i0, i1))


def _runs(mask: np.ndarray, offset: int) -> list[tuple[int, int]]:
    """(absolute start, length) of each run of True in mask."""
    if not mask.any():
        return []
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return [(int(s) + offset, int(e - s)) for s, e in zip(starts, ends)]


def _add_gap(gaps: list[tuple[int, int]], gap: tuple[int, int]) -> None:
    if gaps and gaps[-1][0] + gaps[-1][1] == gap[0]:
        gaps[-1] = (gaps[-1][0], gaps[-1][1] + gap[1])
    else:
        gaps.append(gap)


def _stream_info(scenario: Scenario, rate_hz: float, seed: int, opts: SimOptions) -> StreamInfo:
    extra = {"scenario": scenario.name, "seed": str(int(seed))}
    extra.update({f"sim.{k}": str(v) for k, v in asdict(opts).items()})
    return StreamInfo(
        kind="simulator",
        name=f"simulator:{scenario.name}",
        address="",
        rate_hz=float(rate_hz),
        channels=tuple(scenario.channels),
        extra=extra,
    )


# ---------------------------------------------------------------- offline


@dataclass
class SimulatedSession:
    """A simulated recording plus its ground truth.

    recording: one RecordedStream (info.kind 'simulator', float32 µV, lost samples absent and listed in
        `gaps`) and the scenario's markers.
    truth_onsets_s / truth_offsets_s: per channel index, burst start / end times in s (activation leaves /
        returns to exactly 0 there).
    markers: drill_start, rep (payload index, lat_onset_s, glute_onset_s, latency_ms, offset_s), drill_end.
    activation: float32 (n_total x ch) activation 0..1 at every absolute sample index, lost ones included
        (row i is absolute index i; `kept_indices()` gives the index of each row of the stream's data).
        Computed on first access from the scenario, so it costs no memory unless used.
    """

    scenario: Scenario
    rate_hz: float
    seed: int
    options: SimOptions
    recording: Recording
    truth_onsets_s: dict[int, list[float]]
    truth_offsets_s: dict[int, list[float]]
    markers: list[Marker]
    n_total: int

    @property
    def stream(self) -> RecordedStream:
        return self.recording.streams[0]

    @property
    def data(self) -> np.ndarray:
        """The stream's float32 (n x ch) µV samples (lost ones absent)."""
        return self.stream.data

    @cached_property
    def activation(self) -> np.ndarray:
        t = np.arange(self.n_total, dtype=np.float64) / self.rate_hz
        return activation_at(self.scenario, t, self.options.ramp_s).astype(np.float32)

    def kept_indices(self) -> np.ndarray:
        """Absolute sample index of each row of `data` (int64)."""
        keep = np.ones(self.n_total, dtype=bool)
        for start, n in self.stream.gaps:
            keep[start : start + n] = False
        return np.flatnonzero(keep)


def simulate(scenario: Scenario, rate_hz: float = 2000.0, seed: int = 0, **options: object) -> SimulatedSession:
    """Generate the whole session at once. options: any `SimOptions` field (unknown names raise TypeError).

    Memory: the float32 data (4 bytes per sample per channel: 2 h, 2 channels, 2 kHz = 115 MB) plus one
    internal chunk; use `SimulatorSource` to stream long sessions in constant memory.
    """
    opts = SimOptions(**options)  # type: ignore[arg-type]
    gen = _Generator(scenario, rate_hz, seed, opts)
    n = gen.n_total
    data = np.empty((n, gen.nch), dtype=np.float32)
    gaps: list[tuple[int, int]] = []
    row = 0
    for ch in gen.chunks():
        keep = ~ch.lost
        k = int(np.count_nonzero(keep))
        data[row : row + k] = ch.data[keep] if k < keep.size else ch.data
        row += k
        for g in _runs(ch.lost, ch.start):
            _add_gap(gaps, g)
    if row < n:
        data = data[:row].copy()
    info = _stream_info(scenario, rate_hz, seed, opts)
    stream = RecordedStream(info=info, data=data, t0=0.0, first_index=0, gaps=gaps)
    markers = list(scenario.markers)
    recording = Recording(path=f"<simulator:{scenario.name} seed={int(seed)}>", streams=[stream], markers=list(markers))
    return SimulatedSession(
        scenario=scenario,
        rate_hz=float(rate_hz),
        seed=int(seed),
        options=opts,
        recording=recording,
        truth_onsets_s={c: [b.start_s for b in bl] for c, bl in enumerate(scenario.bursts)},
        truth_offsets_s={c: [b.end_s for b in bl] for c, bl in enumerate(scenario.bursts)},
        markers=markers,
        n_total=n,
    )


# ---------------------------------------------------------------- streaming


class SimulatorSource:
    """A `Source` that streams a scenario as Blocks of `block_s`, with its Markers interleaved.

    Blocks cover consecutive absolute index ranges [k*B, (k+1)*B), B = round(block_s * rate_hz); a range
    with lost packets is split so every Block holds consecutive samples, and the Block after a gap has
    `lost` set and `first_index` advanced over the gap. Block.t0 = first_index / rate_hz (session clock
    starting at 0). Concatenating the Blocks' data gives exactly `simulate()`'s data for the same arguments.

    Order: an item is released at its time, a Marker at `time_s`, a Block once its last sample exists
    (end_index / rate_hz); items are yielded in release order, a Block before a Marker released at the
    same time (so a Marker at time t comes right before the Block holding the sample at t). Markers
    after the last sample are yielded at the end. With realtime=True each item waits
    until start + release time on the event loop's clock (`asyncio.sleep(max(0, target - loop.time()))`
    against absolute targets), so pacing never drifts. (Pacing on the block's end rather than its first
    sample means a live consumer never sees a sample before its own time.)

    Each call to `blocks()` replays the session from the start; after `close()` (also from another task)
    `blocks()` stops before its next item and yields nothing more.
    """

    def __init__(
        self,
        scenario: Scenario,
        rate_hz: float = 2000.0,
        block_s: float = 0.01,
        realtime: bool = False,
        seed: int = 0,
        **options: object,
    ) -> None:
        self.scenario = scenario
        self.rate_hz = float(rate_hz)
        self.block_samples = max(1, int(round(block_s * self.rate_hz)))
        self.realtime = bool(realtime)
        self.seed = int(seed)
        self.options = SimOptions(**options)  # type: ignore[arg-type]
        self._info = _stream_info(scenario, self.rate_hz, self.seed, self.options)
        self._closed = False

    @property
    def info(self) -> StreamInfo:
        return self._info

    def _items(self) -> Iterator[tuple[float, Block | Marker]]:
        """(release time in s, item) in release order, without pacing."""
        gen = _Generator(self.scenario, self.rate_hz, self.seed, self.options)
        markers = list(self.scenario.markers)
        mi = 0
        rate = self.rate_hz
        B = self.block_samples
        pend_data: list[np.ndarray] = []
        pend_lost: list[np.ndarray] = []
        pend_n = 0
        next_start = 0  # absolute index of the next range to emit
        lost_before = 0
        chunks = gen.chunks()
        exhausted = False
        while next_start < gen.n_total:
            end = min(next_start + B, gen.n_total)
            while pend_n < end - next_start and not exhausted:
                try:
                    ch = next(chunks)
                except StopIteration:
                    exhausted = True
                    break
                pend_data.append(ch.data)
                pend_lost.append(ch.lost)
                pend_n += ch.data.shape[0]
            m = end - next_start
            if len(pend_data) == 1:
                d, lo = pend_data[0], pend_lost[0]
            else:
                d, lo = np.concatenate(pend_data), np.concatenate(pend_lost)
            rng_d, rng_l = d[:m], lo[:m]
            rest_d, rest_l = d[m:], lo[m:]
            pend_data, pend_lost = ([rest_d], [rest_l]) if rest_d.shape[0] else ([], [])
            pend_n = rest_d.shape[0]
            # split the range into runs of kept samples; count lost samples before each run
            runs: list[tuple[int, int, int]] = []
            prev = 0
            for s0, length in _runs(~rng_l, 0):
                runs.append((s0, s0 + length, s0 - prev))
                prev = s0 + length
            tail_lost = m - prev
            for s, e, lost in runs:
                first = next_start + s
                rel = (next_start + e) / rate
                while mi < len(markers) and markers[mi].time_s < rel:
                    yield markers[mi].time_s, markers[mi]
                    mi += 1
                block = Block(
                    data=rng_d[s:e].astype(np.float32),
                    t0=first / rate,
                    rate_hz=rate,
                    first_index=first,
                    lost=lost_before + lost,
                )
                lost_before = 0
                yield rel, block
            lost_before += tail_lost
            next_start = end
        while mi < len(markers):
            yield max(markers[mi].time_s, gen.n_total / rate), markers[mi]
            mi += 1

    async def blocks(self) -> AsyncIterator[Block | Marker]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for rel, item in self._items():
            if self._closed:
                return
            if self.realtime:
                delay = start + rel - loop.time()
                await asyncio.sleep(max(0.0, delay))
                if self._closed:
                    return
            elif isinstance(item, Block):
                await asyncio.sleep(0)  # let other tasks run between blocks
            yield item

    async def close(self) -> None:
        self._closed = True


# ---------------------------------------------------------------- benchmark helper


def bench_signal(duration_s: float, rate_hz: float = 2000.0, n_channels: int = 4, seed: int = 1) -> np.ndarray:
    """float32 (n x n_channels) µV of simulated EMG for benchmarks: 2 s bursts every 5 s (staggered by
    channel, 0.4-1.0 level), 20 µV of 50 Hz hum, no packet loss."""
    rng = np.random.default_rng(seed)
    bursts = []
    for c in range(n_channels):
        starts = np.arange(1.0 + 0.3 * c, max(duration_s - 2.5, 0.0), 5.0)
        bursts.append(tuple(Burst(float(s), 2.0, float(rng.uniform(0.4, 1.0))) for s in starts))
    sc = Scenario(
        name="bench",
        duration_s=float(duration_s),
        channels=tuple(ChannelSpec(f"ch{i}") for i in range(n_channels)),
        bursts=tuple(bursts),
    )
    return simulate(sc, rate_hz, seed, mains_uv=20.0).data
