"""The simulator's artefacts: mains hum, baseline wander, motion spikes, ECG, packet loss.

Each draws from its own random generator when it is made (so switching one on never changes another's
draws) and adds itself to a chunk of samples in place (`add(x, t)`, x float64 (m, ch) µV at times t in s).
An artefact that is off adds nothing. `SimOptions` (in `sim.signal`) documents the parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emgcoach.stream.sim.scenario import Scenario

__all__ = ["Ecg", "Motion", "PacketLoss", "Sines"]


class Sines:
    """A sum of sinusoids (frequency, amplitude, phase per channel): mains hum or baseline wander."""

    def __init__(self, lines: Sequence[tuple[float | np.ndarray, float | np.ndarray, np.ndarray]]) -> None:
        self.lines = list(lines)

    @classmethod
    def mains(
        cls, uv: float, hz: float, harmonics: int, rate_hz: float, n_channels: int, rng: np.random.Generator
    ) -> Sines:
        """Hum of amplitude uv (µV peak) at hz, harmonics k = 2..harmonics at uv / k (below Nyquist)."""
        lines = []
        if uv > 0:
            for k in range(1, max(1, harmonics) + 1):
                f = hz * k
                ph = rng.uniform(0, 2 * np.pi, n_channels)
                if f < rate_hz / 2:
                    lines.append((f, uv / k, ph))
        return cls(lines)

    @classmethod
    def wander(cls, uv: float, n_channels: int, rng: np.random.Generator) -> Sines:
        """3 sinusoids at 0.05-0.8 Hz per channel, total RMS uv (µV)."""
        lines = []
        if uv > 0:
            for _ in range(3):
                f = rng.uniform(0.05, 0.8, n_channels)
                ph = rng.uniform(0, 2 * np.pi, n_channels)
                a = np.full(n_channels, uv * np.sqrt(2.0 / 3.0))  # 3 sines of equal amplitude: RMS = uv
                lines.append((f, a, ph))
        return cls(lines)

    def add(self, x: np.ndarray, t: np.ndarray) -> None:
        for f, a, ph in self.lines:
            x += a * np.sin(2 * np.pi * f * t[:, None] + ph)


class Motion:
    """Motion spikes per channel: Poisson event times, alpha-function transients of random tau and sign."""

    def __init__(
        self, rate_hz: float, uv: float, duration_s: float, n_channels: int, rng: np.random.Generator
    ) -> None:
        self.events: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # sorted times, tau, signed amplitude
        if rate_hz > 0:
            for _ in range(n_channels):
                n_ev = rng.poisson(rate_hz * duration_s)
                times = np.sort(rng.uniform(0, duration_s, n_ev))
                tau = rng.uniform(0.02, 0.08, n_ev)
                amp = uv * rng.uniform(0.5, 1.5, n_ev) * rng.choice([-1.0, 1.0], n_ev)
                self.events.append((times, tau, amp))

    def add(self, x: np.ndarray, t: np.ndarray) -> None:
        for c, (times, tau, amp) in enumerate(self.events):
            lo = int(np.searchsorted(times, t[0] - 12 * 0.08, side="left"))
            hi = int(np.searchsorted(times, t[-1], side="right"))
            for k in range(lo, hi):
                u = (t - times[k]) / tau[k]
                ok = (u >= 0) & (u < 12)
                if ok.any():
                    x[ok, c] += amp[k] * u[ok] * np.exp(1.0 - u[ok])


def _qrst(t: np.ndarray) -> np.ndarray:
    """One ECG complex with R peak 1 at t = 0 (t in s): Q, R, S and T waves as Gaussians."""
    return (
        -0.12 * np.exp(-0.5 * ((t + 0.025) / 0.006) ** 2)
        + 1.0 * np.exp(-0.5 * (t / 0.008) ** 2)
        - 0.25 * np.exp(-0.5 * ((t - 0.025) / 0.007) ** 2)
        + 0.20 * np.exp(-0.5 * ((t - 0.25) / 0.04) ** 2)
    )


class Ecg:
    """QRS-T complexes of one heart (3 % beat-to-beat jitter), added to some channels at a gain each."""

    def __init__(self, beats: np.ndarray, gain: np.ndarray) -> None:
        self.beats = beats  # R-peak times in s, increasing
        self.gain = gain  # µV per channel (0: no ECG on it)

    @classmethod
    def for_scenario(
        cls,
        uv: float,
        heart_rate_bpm: float,
        channels: tuple[int, ...] | None,
        scenario: Scenario,
        rng: np.random.Generator,
    ) -> Ecg:
        """R peaks of uv µV on `channels` (None: the left lats, else every lat) over the scenario."""
        gain = np.zeros(scenario.n_channels)
        if not uv > 0:
            return cls(np.zeros(0), gain)
        if channels is None:
            lat = [i for i, c in enumerate(scenario.channels) if c.muscle == "latissimus_dorsi"]
            channels = tuple(i for i in lat if scenario.channels[i].side == "left") or tuple(lat)
        for c in channels:
            gain[c] = uv
        rr = 60.0 / heart_rate_bpm
        n_beats = int(scenario.duration_s / rr * 1.2) + 3
        intervals = rr * (1.0 + 0.03 * rng.standard_normal(n_beats))
        beats = rng.uniform(0, rr) + np.concatenate([[0.0], np.cumsum(intervals)[:-1]])
        return cls(beats, gain)

    def add(self, x: np.ndarray, t: np.ndarray) -> None:
        if not self.beats.size:
            return
        lo = int(np.searchsorted(self.beats, t[0] - 0.45, side="left"))
        hi = int(np.searchsorted(self.beats, t[-1] + 0.1, side="right"))
        e = np.zeros(t.size)
        for tb in self.beats[lo:hi]:
            j0 = int(np.searchsorted(t, tb - 0.1))
            j1 = int(np.searchsorted(t, tb + 0.45))
            e[j0:j1] += _qrst(t[j0:j1] - tb)
        x += e[:, None] * self.gain


class PacketLoss:
    """Each packet of `packet_samples` samples is lost with probability `p`, decided in packet order."""

    def __init__(self, p: float, packet_samples: int, rng: np.random.Generator) -> None:
        self.p = p
        self.packet_samples = packet_samples
        self.rng = rng
        self._lost = np.zeros(0, dtype=bool)  # decisions for packets [_pk0, _pk0 + len)
        self._pk0 = 0

    def mask(self, i0: int, i1: int) -> np.ndarray:
        """Lost flags (bool) of absolute samples [i0, i1); calls must move forward (sequential use)."""
        if self.p <= 0:
            return np.zeros(i1 - i0, dtype=bool)
        ps = self.packet_samples
        p_first, p_last = i0 // ps, (i1 - 1) // ps
        # drop decisions for packets before p_first, draw the new ones in order
        if p_first > self._pk0:
            self._lost = self._lost[p_first - self._pk0 :]
            self._pk0 = p_first
        need = p_last + 1 - (self._pk0 + self._lost.size)
        if need > 0:
            self._lost = np.concatenate([self._lost, self.rng.random(need) < self.p])
        pk = np.arange(i0, i1) // ps - self._pk0
        return self._lost[pk]
