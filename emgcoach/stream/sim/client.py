"""A simulated person wearing two sensors who does what the app asks, live.

`SimulatorSource` plays a pre-scripted session; `SimulatedClient` instead asks a `cue` callable, block by
block, what the app wants right now (activation of lat and glute as fractions of MVC, or None for "no
instructions") and responds like a person: after a reaction time, with a lat-then-glute latency that
varies from rep to rep, 40 ms raised-cosine ramps and a slight wobble of the held level. So a user without
hardware can calibrate (rest is rest, an MVC effort is an effort) and run a drill set (set-up is rest, reps
come when asked), and the app's "glute late" cue shows now and then.

Signal, per channel c (0 = lat on `lat_side`, 1 = glute max on the opposite side), sample n:

    x_c[n] = (r_c + (m_c - r_c) * a_c(t) * (1 + w_c(t))) * s_c[n] * k      (µV)

s_c: Gaussian noise shaped by the simulator's surface-EMG filter (`sim.signal.ShapedNoise`: 20 Hz
high-pass, peak about 80 Hz, median about 110 Hz at 2 kHz), unit RMS. a_c in 0..1: the person's activation. w_c:
slow wobble (three sines of 0.2-1.2 Hz, about 2.5 % RMS). r_c = `rest_uv`, m_c = `mvc_uv` are *envelope*
levels: k = sqrt(pi/2) / sqrt(fraction of s's power inside the app's 20-450 Hz band-pass), so the app's
linear envelope (mean of the rectified band-passed signal, which is RMS x sqrt(2/pi) for Gaussian EMG)
reads about rest_uv at rest and rest + f x (mvc - rest) at activation f. (The raw RMS is about 1.26x
those levels.)

The person, per muscle: when its requested level changes by more than 0.02, the new level is taken on
after a reaction time of 150-300 ms (uniform) with a 40 ms raised-cosine ramp, at the requested level
x (1 +- up to 6 %). When the glute's request rises from rest together with the lat's (the lat's onset is
pending or began less than 50 ms before the glute's request), the glute starts a per-rep latency after the
lat's onset: 50-110 ms, except one rep in each run of 8 (at a random place) at 220-300 ms (late). With
`cue` returning None the person does bird-dog reps on their own: about 2 s on (lat 0.30, glute 0.35 of
MVC), about 2 s off, glute after lat by the same latency law, one rep about every 4 s.

Timing: blocks of round(block_s x rate_hz) consecutive samples; absolute indices from 0; Block.t0 =
t_origin + first_index / rate_hz, where t_origin is `clock()` when `blocks()` starts (so times are on the
caller's session clock, e.g. `Engine.clock_s`, and never drift: they are computed from the index, not
accumulated). With realtime=True (default) each block is released when its last sample exists on the
clock: `asyncio.sleep(target - clock())` against absolute targets; realtime=False yields as fast as the
consumer takes them (tests). Closing and pacing follow `stream.paced.PacedSource`. The cue is asked once per block, at the session time the block ends
(t_origin + end_index / rate_hz, i.e. now when paced); as every response is at least 150 ms away the
block it is asked after is already final. Deterministic from `seed` for a given cue(t) function.

Cost: one sosfilt over the block, a few vector operations; at 2 kHz in 10 ms blocks about 1 % of a core
(see tests/stream/test_simulated_client.py). The noise, the ramp shape and the band-power fraction are
the simulator's own (`sim.signal`); the band-pass is the app's (`dsp.filters.BandPass` defaults).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from emgcoach.dsp.filters import BandPass
from emgcoach.stream.paced import PacedSource, Release
from emgcoach.stream.sim.scenario import lat_glute_channels
from emgcoach.stream.sim.signal import ShapedNoise, band_power_fraction, raised_cosine
from emgcoach.types import Block, StreamInfo

__all__ = ["SimulatedClient", "Cue"]

Cue = Callable[[float], "tuple[float, float] | None"]

RAMP_S = 0.040  # raised-cosine ramp of every level change
REACTION_S = (0.150, 0.300)  # reaction time to a change of the cue (uniform)
LATENCY_MS = (50.0, 110.0)  # glute onset after the lat's, usual rep (uniform)
LATE_LATENCY_MS = (220.0, 300.0)  # the late rep (one in each run of LATE_EVERY)
LATE_EVERY = 8
CHANGE_EPS = 0.02  # a requested level must move this much (fraction of MVC) to be acted on
REST_EPS = 0.02  # below this a request counts as rest
LINK_S = 0.05  # glute request within this of the lat's onset (or before it): glute follows the lat
LEVEL_SPREAD = 0.03  # SD of the per-contraction level error (fraction of the level), clipped at 2 SD
WOBBLE_RMS = 0.025  # slow relative wobble of a held level
FREE_ON_S = (1.8, 2.2)  # free reps: contraction length (uniform)
FREE_OFF_S = (1.8, 2.2)  # free reps: rest between (uniform)
FREE_LEVELS = (0.30, 0.35)  # free reps: lat, glute (bird dog: lat 20-40 %MVC, glute >= 20 %MVC)
FREE_LEAD_IN_S = 1.0  # rest before the first free rep
MAX_EFFORT = 0.95  # a request this high is an MVC effort: maximal whatever `glute_effort` says


@dataclass
class _Muscle:
    """One muscle's state: the ramp in progress and the changes the person is about to make."""

    frm: float = 0.0  # level at the start of the current ramp
    to: float = 0.0  # level the current ramp ends at (and holds)
    ramp_t: float = -math.inf  # session time the current ramp starts
    req: float = 0.0  # the last requested level acted on
    last_t: float = -math.inf  # time of the latest scheduled change (changes stay in order)
    onset_t: float = -math.inf  # time of the latest scheduled rise from rest
    pending: deque = field(default_factory=deque)  # (time_s, level), increasing time

    def level_at(self, t: float | np.ndarray) -> float | np.ndarray:
        u = np.clip((np.asarray(t) - self.ramp_t) / RAMP_S, 0.0, 1.0)
        return self.frm + (self.to - self.frm) * raised_cosine(u)

    def schedule(self, t: float, level: float) -> float:
        t = max(t, self.last_t + 1e-3)
        self.pending.append((t, level))
        self.last_t = t
        return t


class _Person:
    """The state of one run of `blocks()`: noise filter, muscles, random draws, free-rep schedule."""

    def __init__(self, client: SimulatedClient) -> None:
        c = client
        self.rate = c.rate_hz
        ss = np.random.SeedSequence([int(c.seed), 0xC11E])
        r_noise, r_person, r_wobble = (np.random.default_rng(s) for s in ss.spawn(3))
        self.rng = r_person
        self.noise = ShapedNoise(r_noise, self.rate, 2)
        band = BandPass(self.rate).sos  # what the app's envelope sees
        k = math.sqrt(math.pi / 2.0) / math.sqrt(band_power_fraction(self.noise.sos, band, self.rate))
        self.scale = k / self.noise.gain  # unit-RMS shaped noise, then envelope-true
        self.rest = np.asarray(c.rest_uv, dtype=np.float64)
        self.span = np.asarray(c.mvc_uv, dtype=np.float64) - self.rest
        # wobble: 3 sines per muscle, each of amplitude WOBBLE_RMS * sqrt(2/3) (sum RMS = WOBBLE_RMS)
        self.w_f = r_wobble.uniform(0.2, 1.2, (3, 2))
        self.w_ph = r_wobble.uniform(0.0, 2 * np.pi, (3, 2))
        self.w_a = WOBBLE_RMS * math.sqrt(2.0 / 3.0)
        self.muscles = (_Muscle(), _Muscle())
        self.free = False
        self.next_free_t = math.inf
        self.reps = 0  # rises of the lat that the glute followed (each drew a latency)
        self.late_slot = -1
        self.latencies_ms: list[float] = []
        self.glute_effort = c.glute_effort
        self.lead_in_s = c.free_lead_in_s

    # ------------------------------------------------------------ random draws

    def reaction_s(self) -> float:
        return float(self.rng.uniform(*REACTION_S))

    def level(self, requested: float, glute: bool = False) -> float:
        if requested < REST_EPS:
            return 0.0
        if glute and requested < MAX_EFFORT:  # a weaker glute works less when asked for a part of its MVC
            requested *= self.glute_effort
        err = float(np.clip(self.rng.standard_normal() * LEVEL_SPREAD, -2 * LEVEL_SPREAD, 2 * LEVEL_SPREAD))
        return requested * (1.0 + err)

    def latency_s(self) -> float:
        i = self.reps % LATE_EVERY
        if i == 0:
            self.late_slot = int(self.rng.integers(LATE_EVERY))
        self.reps += 1
        lo, hi = LATE_LATENCY_MS if i == self.late_slot else LATENCY_MS
        ms = float(self.rng.uniform(lo, hi))
        self.latencies_ms.append(ms)
        return ms / 1000.0

    # ------------------------------------------------------------ the cue

    def respond(self, t: float, cue: tuple[float, float] | None) -> None:
        """React to the cue read at session time t (the end of the block just made)."""
        lat, glute = self.muscles
        if cue is None:
            if not self.free:
                self.free = True
                rt = self.reaction_s()
                for m in self.muscles:  # stop whatever was asked, then rest a moment before the first rep
                    if m.req >= REST_EPS:
                        m.schedule(t + rt, 0.0)
                    m.req = 0.0
                self.next_free_t = max(t + rt, lat.last_t, glute.last_t) + self.lead_in_s
            return
        if self.free:  # the app takes over: drop the rest of the free rep, act on the cue from here
            self.free = False
            for m in self.muscles:
                if m.pending:
                    m.pending.clear()
                    m.last_t = t
                m.req = m.to
        want = [min(1.0, max(0.0, float(v))) if math.isfinite(float(v)) else 0.0 for v in cue]
        react: float | None = None  # the reaction time to this cue, drawn when a muscle must change
        for ci, m in enumerate(self.muscles):
            new, old = want[ci], m.req
            if abs(new - old) < CHANGE_EPS:
                continue
            m.req = new
            rising = old < REST_EPS <= new
            if react is None:
                react = self.reaction_s()
            when = t + react
            if ci == 1 and rising and lat.req >= REST_EPS and lat.onset_t > t - LINK_S:
                when = lat.onset_t + self.latency_s()  # glute follows the lat's onset
            elif ci == 1:
                when += float(self.rng.uniform(0.0, 0.03))  # on its own: a little apart from the lat
            when = m.schedule(when, self.level(new, glute=ci == 1))
            if rising:
                m.onset_t = when

    def plan_free_reps(self, until: float) -> None:
        lat, glute = self.muscles
        while self.next_free_t < until:
            ts = self.next_free_t
            on = float(self.rng.uniform(*FREE_ON_S))
            off = float(self.rng.uniform(*FREE_OFF_S))
            lat.onset_t = lat.schedule(ts, self.level(FREE_LEVELS[0]))
            glute.onset_t = glute.schedule(ts + self.latency_s(), self.level(FREE_LEVELS[1], glute=True))
            lat.schedule(ts + on, 0.0)
            glute.schedule(ts + on, 0.0)
            self.next_free_t = ts + on + off

    # ------------------------------------------------------------ one block

    def render(self, t: np.ndarray) -> np.ndarray:
        """float32 (n, 2) µV for the sample times t (one block)."""
        n = t.size
        t_end = t[-1] + 1.0 / self.rate
        if self.free:
            self.plan_free_reps(t_end + 0.5)
        act = np.empty((n, 2))
        for ci, m in enumerate(self.muscles):
            pos = 0
            while m.pending and m.pending[0][0] < t_end:
                te, lvl = m.pending.popleft()
                j = int(np.searchsorted(t, te, side="left"))
                if j > pos:
                    act[pos:j, ci] = m.level_at(t[pos:j])
                    pos = j
                m.frm, m.to, m.ramp_t = float(m.level_at(te)), lvl, te
            if m.to == m.frm or t[pos:].size == 0 or t[pos] >= m.ramp_t + RAMP_S:
                act[pos:, ci] = m.to  # holding: no ramp to evaluate
            else:
                act[pos:, ci] = m.level_at(t[pos:])
        if act.any():
            w = np.sin(2 * np.pi * self.w_f[:, None, :] * t[None, :, None] + self.w_ph[:, None, :]).sum(axis=0)
            act *= 1.0 + self.w_a * w
        shaped = self.noise.next(n)
        return ((self.rest + self.span * act) * self.scale * shaped).astype(np.float32)


def _seconds_since(started: float) -> Callable[[], float]:
    """A clock reading seconds since `started` on `time.monotonic()`."""
    return lambda: time.monotonic() - started


class SimulatedClient(PacedSource):
    """A `Source`: two simulated sensors on a person who follows `cue` live (see the module docstring).

    cue(t_session_s) -> (lat, glute) activation asked for, fractions of MVC in 0..1, or None (free
        bird-dog reps). Called once per block from the event loop's thread; keep it cheap and thread-safe.
    rate_hz, block_s: sample rate and block length. seed: all randomness (deterministic per cue(t)).
    lat_side: the lat's side; the glute max is on the other. clock: the session clock (e.g.
        `Engine.clock_s`); None: seconds since `blocks()` started. mvc_uv, rest_uv: (lat, glute) envelope
        levels in µV at full activation and at rest. realtime: pace blocks on the clock (False: as fast as
        consumed). duration_s: stop after this much signal (None: endless, until `close()`).
    glute_effort: the fraction of a submaximal request the glute meets (1: all of it; an MVC effort is
        maximal whatever it is): a weaker glute, for a left-right asymmetry with two clients, one per
        sling. free_lead_in_s: rest before the first free rep (a second client's, later: the two
        slings' free reps alternate). name: the stream's name (a second client's differs, so the roles
        remembered per device tell them apart).
    latencies_ms: the glute latency drawn for each rep so far (of the current `blocks()` run).
    """

    def __init__(
        self,
        cue: Callable[[float], tuple[float, float] | None],
        rate_hz: float = 2000.0,
        block_s: float = 0.01,
        seed: int = 0,
        lat_side: str = "left",
        clock: Callable[[], float] | None = None,
        mvc_uv: tuple[float, float] = (220.0, 130.0),
        rest_uv: tuple[float, float] = (3.0, 2.0),
        realtime: bool = True,
        duration_s: float | None = None,
        glute_effort: float = 1.0,
        free_lead_in_s: float = FREE_LEAD_IN_S,
        name: str = "simulator:live",
    ) -> None:
        if not (rate_hz > 0 and math.isfinite(rate_hz)):
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        if len(mvc_uv) != 2 or len(rest_uv) != 2 or not all(0 <= r < m for r, m in zip(rest_uv, mvc_uv)):
            raise ValueError("need two levels each, with 0 <= rest_uv < mvc_uv per muscle")
        super().__init__(realtime)
        self.cue = cue
        self.rate_hz = float(rate_hz)
        self.block_samples = max(1, int(round(block_s * self.rate_hz)))
        self.seed = int(seed)
        self.lat_side = lat_side
        self.clock = clock
        self.mvc_uv = (float(mvc_uv[0]), float(mvc_uv[1]))
        self.rest_uv = (float(rest_uv[0]), float(rest_uv[1]))
        self.duration_s = duration_s
        if not 0.0 < glute_effort <= 1.0:
            raise ValueError(f"glute_effort must be in (0, 1], got {glute_effort}")
        self.glute_effort = float(glute_effort)
        self.free_lead_in_s = float(free_lead_in_s)
        self._info = StreamInfo(
            kind="simulator",
            name=name,
            address="",
            rate_hz=self.rate_hz,
            channels=lat_glute_channels(lat_side),
            extra={
                "scenario": "live",
                "seed": str(self.seed),
                "mvc_uv": ",".join(f"{v:g}" for v in self.mvc_uv),
                "rest_uv": ",".join(f"{v:g}" for v in self.rest_uv),
            },
        )
        self._person: _Person | None = None
        self._run_clock: Callable[[], float] = time.monotonic  # the clock of the current `blocks()` run

    @property
    def info(self) -> StreamInfo:
        return self._info

    @property
    def latencies_ms(self) -> list[float]:
        return list(self._person.latencies_ms) if self._person is not None else []

    def _now(self) -> float:
        return self._run_clock()

    def _releases(self) -> Iterator[Release]:
        clock = self.clock if self.clock is not None else _seconds_since(time.monotonic())
        self._run_clock = clock
        person = self._person = _Person(self)
        rate, B = self.rate_hz, self.block_samples
        t_origin = float(clock())
        n_total = None if self.duration_s is None else int(round(self.duration_s * rate))
        steps = np.arange(B, dtype=np.float64)
        first = 0
        while True:
            n = B if n_total is None else min(B, n_total - first)
            if n <= 0:
                return
            end = first + n
            # the block is made when due: the cue is asked about the present
            yield Release(t_origin + end / rate, partial(self._block, person, t_origin, first, steps[:n]))
            first = end

    def _block(self, person: _Person, t_origin: float, first: int, steps: np.ndarray) -> Block:
        """The block of samples [first, first + len(steps)), then the person's response to the cue."""
        rate = self.rate_hz
        t = t_origin + (first + steps) / rate
        data = person.render(t)
        t_end = t_origin + (first + steps.size) / rate
        person.respond(t_end, self.cue(t_end))
        return Block(data=data, t0=float(t[0]), rate_hz=rate, first_index=first)
