"""Onset and offset detection on envelopes: threshold with minimum durations, and a TKEO-conditioned variant.

Threshold detector (after Hodges & Bui 1996): onset threshold = rest mean + k x rest SD per channel. A
muscle turns on when its envelope stays above it for at least `min_on_s`; it turns off when the envelope
stays at or below a lower offset threshold (mean + k_off x SD, hysteresis) for at least `min_off_s`.
Events are reported once confirmed (`min_on_s` / `min_off_s` after the run began) and timed retroactively.

Timing. Ground truth for a ramped burst is the start of its rise (activation leaves 0) and the end of its
fall. A causal envelope crosses a threshold late on two counts: the threshold sits part-way up the ramp,
and the low-pass lags. So (1) an onset is traced back from the threshold run to where the excursion
began, the sample after the envelope last stood at or below a start level, but never more than
`max_back_s` (50 ms): a rise slower than that keeps its threshold crossing, because on real muscles an
unbounded search (it was 200 ms) moved onsets 0-171 ms, by a different amount each burst, and that
jitter alone flips reps against 100-150 ms latency targets. An offset is traced forward from the last
drop below the onset threshold to the first sample back at that level. The start level is
constant-fraction: mean + clip(0.05 x rise / SD, 0.5, k) SDs, where rise is the envelope's peak above the
mean over the confirming run. (2) Every event is moved earlier by the envelope's group delay, by default
that of the pipeline's 20 Hz onset envelope, sqrt(2) / (2 pi 20 Hz) = 11.25 ms (`ONSET_ENVELOPE_DELAY_S`).
(3) A dip from an offset to the next onset, as timed, shorter than the minimum off-time is merged into
one burst: an offset is held back until no onset can still be timed within `min_off_s` of it
(`min_on_s + max_back_s + min_off_s` after it); `flush` gives a held offset at the end of a signal.

Measured through the app's path (`Pipeline` in 10 ms blocks, its 20 Hz onset envelope, rest from
`estimate_rest`, this detector) on the simulator's bursts (40 ms raised-cosine ramps, 10 dB SNR, 4 seeds
x 24 bursts; `tests/dsp/test_onset_simulated.py`): median |onset error| 10.3 ms at 2 kHz and at 1 kHz,
offsets 6.7 ms. Without (1) and (2) the errors were 27-33 ms, all late. On real muscles against a knee
goniometer: `benchmarks/onset_reference.py`.

Defaults by rate (`onset_defaults`): k = 3, k_off = 2, 40 ms on, 50 ms off from 400 Hz up. The minimum
on-time is 40 ms, not 25 ms: with 25 ms resting noise stayed above mean + 3 SD long enough to give one
false onset in about 9 minutes of simulated rest, 40 ms none. Below 400 Hz the band-pass keeps only
20 Hz-0.45 x rate of the EMG spectrum and the 20 Hz envelope is about twice as noisy (rest SD/mean 0.43
at 200 Hz, 0.23 at 2 kHz): k = 3.5, 50 ms on and 100 ms off, with the hysteresis, take a 200 Hz stream
from 125 extra onsets (split bursts) and 7 false ones at rest in 8 sessions to none in 16 (10 dB SNR);
its median |onset error| is ~34 ms there.

TKEO variant (Solnik et al. 2010): the Teager-Kaiser energy operator psi[n] = x[n]^2 - x[n-1] x[n+1]
on the band-passed EMG sharpens bursts against background noise; rectified and low-passed (20 Hz) it
feeds the same threshold logic. Its envelope is heavier-tailed, so its threshold defaults to k = 4 SDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

import numpy as np
import scipy  # scipy.signal loads on first use: its import (~0.9 s, with scipy.stats) would delay the window

from emgcoach.dsp.base import as_2d, restore

_Event = tuple[int, int, Literal["onset", "offset"]]  # (absolute index, channel, kind), before it is an OnsetEvent


@dataclass(frozen=True)
class OnsetEvent:
    """A muscle switching on or off: channel, 'onset'|'offset', absolute sample index, time in s."""

    channel: int
    kind: Literal["onset", "offset"]
    index: int
    time_s: float


#: Group delay at DC of the pipeline's onset envelope (2nd-order Butterworth low-pass at 20 Hz of the
#: rectified EMG): sqrt(2) / (2 pi 20 Hz) = 11.25 ms. `OnsetDetector` subtracts it by default.
ONSET_ENVELOPE_DELAY_S = float(np.sqrt(2.0) / (2.0 * np.pi * 20.0))

#: Below this rate the band-pass's upper edge (0.45 x rate) cuts most of the EMG spectrum: the rectified
#: signal fluctuates more slowly and the 20 Hz envelope is about twice as noisy at rest (SD/mean 0.43 at
#: 200 Hz against 0.23 at 2 kHz), so the detector's defaults are stricter (`onset_defaults`).
NARROW_BAND_RATE_HZ = 400.0


def onset_defaults(rate_hz: float) -> dict[str, float]:
    """The threshold detector's defaults at a sample rate: k, k_off (SDs), min_on_s, min_off_s (s).

    From 400 Hz up: k = 3, k_off = 2, 40 ms on, 50 ms off. Below (a 200 Hz Ganglion): k = 3.5, 50 ms on,
    100 ms off, because the noisier envelope otherwise gave false onsets at rest (7 in 8 simulated
    sessions of 24 bursts with k = 3, 40 ms on) and split bursts (125 extra onsets in those sessions
    with 50 ms off and no hysteresis); with these, neither in 16 sessions at 10 dB SNR.
    """
    if rate_hz >= NARROW_BAND_RATE_HZ:
        return {"k": 3.0, "k_off": 2.0, "min_on_s": 0.04, "min_off_s": 0.05}
    return {"k": 3.5, "k_off": 2.0, "min_on_s": 0.05, "min_off_s": 0.1}


class OnsetDetector:
    """Streaming threshold detector over an envelope (n_samples, n_channels) in µV (or any unit, as long
    as mean_uv and sd_uv share it).

    mean_uv, sd_uv: rest level per channel (scalar or array).
    k: onset threshold in SDs above the mean; k_off (<= k): the lower threshold that ends a contraction
        (hysteresis: dips between the two do not end it).
    min_on_s / min_off_s: how long the envelope must stay above the onset / at or below the offset
        threshold to count (s).
    k, k_off, min_on_s, min_off_s default by rate (`onset_defaults`).
    t0: session time in s of absolute sample index 0 (event time = t0 + index / rate_hz).
    delay_s: known constant lag of the envelope (s); events are moved this much earlier. Default: the
        group delay of the pipeline's 20 Hz onset envelope (`ONSET_ENVELOPE_DELAY_S`, 11.25 ms).
    start_k, start_fraction: timing (start_k None: the first sample of the run, the plain Hodges & Bui
        timing). Otherwise an onset is timed where the excursion that crossed the threshold began: the
        sample after the envelope last stood at or below the start level mean + L x SD, with
        L = min(k, max(start_k, start_fraction x (peak - mean) / SD)) and peak the envelope's maximum over
        the confirming run (searched back at most `max_back_s`, 50 ms, never before the previous event or
        a gap; without such a sample, the run's start); an offset where it ended: the first sample at or below
        that burst's start level from the last drop below the onset threshold up to the confirming
        sample (none: that drop).
    `active` (bool per channel) says which channels are currently on.
    Chunk-invariant: any chunking gives the same events (in confirmation order, which across channels
    can differ with the chunking; sort by time when that matters). A gap in `first_index` (lost
    samples) ends the run in progress, so runs never span a gap.
    """

    def __init__(
        self,
        rate_hz: float,
        mean_uv: np.ndarray | float,
        sd_uv: np.ndarray | float,
        k: float | None = None,
        min_on_s: float | None = None,
        min_off_s: float | None = None,
        t0: float = 0.0,
        delay_s: float | None = None,
        k_off: float | None = None,
        start_k: float | None = 0.5,
        max_back_s: float = 0.05,
        start_fraction: float = 0.05,
    ) -> None:
        self.rate_hz = float(rate_hz)
        d = onset_defaults(self.rate_hz)
        self.k = float(d["k"] if k is None else k)
        self.k_off = min(self.k, float(d["k_off"] if k_off is None else k_off))
        self.start_k = None if start_k is None else float(start_k)
        self.start_fraction = float(start_fraction)
        self.min_on = max(1, int(round((d["min_on_s"] if min_on_s is None else min_on_s) * self.rate_hz)))
        self.min_off = max(1, int(round((d["min_off_s"] if min_off_s is None else min_off_s) * self.rate_hz)))
        self.max_back = max(0, int(round(max_back_s * self.rate_hz))) if self.start_k is not None else 0
        self.t0 = float(t0)
        self.delay_s = ONSET_ENVELOPE_DELAY_S if delay_s is None else float(delay_s)
        self.delay = int(round(self.delay_s * self.rate_hz))
        self.set_baseline(mean_uv, sd_uv)
        from emgcoach.dsp import compiled  # numba: loaded when a stage is built, not on import

        self._kernel = compiled.threshold_runs
        self._ev_index = np.empty(0, dtype=np.int64)  # room for the events of one chunk, grown on demand
        self._ev_channel = np.empty(0, dtype=np.int64)
        self._ev_onset = np.empty(0, dtype=bool)
        self._hist_len = self.max_back + max(self.min_on, self.min_off) if self.start_k is not None else 0
        self.reset()

    def set_baseline(self, mean_uv: np.ndarray | float, sd_uv: np.ndarray | float, k: float | None = None) -> None:
        """Move the thresholds to mean + k x SD and mean + k_off x SD (µV per channel) without losing the
        on/off state (k_off stays, at most k)."""
        if k is not None:
            self.k = float(k)
            self.k_off = min(self.k_off, self.k)
        mean = np.asarray(mean_uv, float)
        sd = np.asarray(sd_uv, float)
        self.threshold_uv = np.atleast_1d(mean + self.k * sd)
        self.off_threshold_uv = np.atleast_1d(mean + self.k_off * sd)
        self.mean_uv = np.atleast_1d(mean)
        self.sd_uv = np.atleast_1d(sd)
        self._thresholds_ch: tuple[np.ndarray, ...] | None = None  # spread over the channels, made on use

    def reset(self) -> None:
        """Forget all state: every channel off, no run in progress."""
        self.active: np.ndarray | None = None  # per channel: currently on
        # two run machines share the compiled kernel: `_up` finds runs above the onset threshold lasting
        # min_on (its own off-switch is immediate), `_down` runs at or below the offset threshold lasting
        # min_off (its on-switch immediate); an onset of `_up` switches an inactive channel on, an offset
        # of `_down` an active one off. Per machine: [active, run value, run start].
        self._up: list[np.ndarray] | None = None
        self._down: list[np.ndarray] | None = None
        self._last: np.ndarray | None = None  # absolute index before which no search goes (event, gap)
        self._hist: np.ndarray | None = None  # the last _hist_len envelope samples (NaN before the stream)
        self._held: np.ndarray | None = None
        self._next_index: int | None = None

    def _init(self, n_ch: int, first_index: int) -> None:
        if self.threshold_uv.size not in (1, n_ch):
            raise ValueError(f"threshold has {self.threshold_uv.size} channels, envelope has {n_ch}")
        self.active = np.zeros(n_ch, dtype=bool)
        self._up = [np.zeros(n_ch, dtype=bool), np.zeros(n_ch, dtype=bool), np.full(n_ch, first_index, dtype=np.int64)]
        self._down = [np.zeros(n_ch, dtype=bool), np.zeros(n_ch, dtype=bool), np.full(n_ch, first_index, dtype=np.int64)]
        self._last = np.full(n_ch, first_index, dtype=np.int64)
        self._level = np.zeros(n_ch)  # per channel: the start level of the last onset (µV), for its offset
        # per channel: a timed offset (absolute index, before the delay) held back until no onset can be
        # timed within min_off of it; -1 for none. An onset that can is a dip, and the two are merged.
        self._held = np.full(n_ch, -1, dtype=np.int64)
        self._hist = np.full((self._hist_len, n_ch), np.nan)

    def _run(self, a: np.ndarray, threshold: np.ndarray, first_index: int, min_on: int, min_off: int,
             state: list[np.ndarray], want_onsets: bool) -> list[tuple[int, int, bool]]:
        count = self._kernel(
            a, threshold, first_index, min_on, min_off, state[0], state[1], state[2],
            self._ev_index, self._ev_channel, self._ev_onset,
        )
        if count == 0:
            return []
        keep = self._ev_onset[:count] == want_onsets
        return [(i, c, want_onsets) for i, c in zip(self._ev_index[:count][keep].tolist(), self._ev_channel[:count][keep].tolist())]

    def process(self, envelope: np.ndarray, first_index: int) -> list[OnsetEvent]:
        """Feed the envelope chunk whose first sample has absolute index `first_index`; return the events
        confirmed in it, ordered by index, timed as set by `start_k` and moved `delay_s` earlier."""
        a, _ = as_2d(envelope)
        n, n_ch = a.shape
        if self.active is None:
            self._init(n_ch, first_index)
        assert self._up is not None and self._down is not None
        if n == 0:
            return []
        released: list[_Event] = []
        if self._next_index is not None and first_index != self._next_index:
            released = self._close_gap(first_index)
        self._next_index = first_index + n
        # checked inline, built in a method only when needed: a 20-sample chunk should pay no extra call
        if self._thresholds_ch is None or len(self._thresholds_ch[0]) != n_ch:
            self._spread_thresholds(n_ch)
        assert self._thresholds_ch is not None
        t_on, t_off, mean, sd = self._thresholds_ch
        if len(self._ev_index) < n * n_ch + n_ch:
            self._grow_event_room(n * n_ch + n_ch)
        # candidates: runs above the onset threshold (min_on) and runs below the offset threshold (min_off)
        cands = self._run(a, t_on, first_index, self.min_on, 1, self._up, True)
        cands += self._run(a, t_off, first_index, 1, self.min_off, self._down, False)
        ext = None
        events: list[_Event] = []
        if cands:
            h = self._hist_len
            ext = np.concatenate([self._hist, a], axis=0) if h else a  # ext[j] is absolute index first_index - h + j
            events = self._switch(sorted(cands), ext, first_index - h, t_on, mean, sd)
        if self._hist_len:
            self._keep_history(a, ext)
        # a held offset is final once any onset still to come would be timed at least min_off after it:
        # a run not yet confirmed began within min_on of the end, and is traced back at most max_back
        events += released + self._release(first_index + n - self.min_on - self.max_back - self.min_off)
        return self._events(events)

    def _close_gap(self, first_index: int) -> list[_Event]:
        """Samples were lost (or the count restarted) before `first_index`: end the runs in progress, let
        no search reach back across the gap, and release the held offsets (no dip is merged across lost
        samples)."""
        assert self._up is not None and self._down is not None and self._last is not None
        for st in (self._up, self._down):
            st[1] = st[0].copy()
            st[2][:] = first_index
        self._last[:] = first_index
        return self._release(np.inf)

    def _spread_thresholds(self, n_ch: int) -> None:
        """Onset and offset thresholds, rest mean and SD (µV) as one float array each over `n_ch` channels."""
        self._thresholds_ch = tuple(
            np.array(np.broadcast_to(t, (n_ch,)), dtype=float)
            for t in (self.threshold_uv, self.off_threshold_uv, self.mean_uv, self.sd_uv)
        )

    def _grow_event_room(self, size: int) -> None:
        """Room for `size` events from the compiled kernel (a chunk's samples x channels, plus channels)."""
        self._ev_index = np.empty(size, dtype=np.int64)
        self._ev_channel = np.empty(size, dtype=np.int64)
        self._ev_onset = np.empty(size, dtype=bool)

    def _switch(self, cands: list[tuple[int, int, bool]], ext: np.ndarray, base: int, t_on: np.ndarray,
                mean: np.ndarray, sd: np.ndarray) -> list[_Event]:
        """Apply the candidate runs (index, channel, is_onset; sorted by index) that change a channel's
        state; return the events they release. ext: the kept history and this chunk, ext[j] at absolute
        index base + j; t_on, mean, sd: per channel (µV)."""
        assert self.active is not None and self._last is not None
        events: list[_Event] = []
        for idx, c, is_onset in cands:
            if is_onset == bool(self.active[c]) or idx < self._last[c]:
                continue  # an onset while on, an offset while off: not a change of state
            self.active[c] = is_onset
            lo = max(int(self._last[c]), idx - self.max_back)
            self._last[c] = idx
            at = idx
            if self.start_k is not None:
                if is_onset:
                    at = self._onset_foot(ext[:, c], base, lo, idx, c, mean[c], sd[c])
                else:
                    at = self._offset_end(ext[:, c], base, lo, idx, c, t_on[c])
            events += self._settle(c, at, is_onset)
        return events

    def _onset_foot(self, col: np.ndarray, base: int, lo: int, idx: int, c: int, mean: float, sd: float) -> int:
        """Where the excursion confirmed as an onset at `idx` began (absolute index): the sample after the
        envelope last stood at or below this burst's start level, searched back to `lo`; the level (µV) is
        kept for the burst's offset. col: channel c's envelope, col[j] at absolute index base + j."""
        assert self.start_k is not None
        rise = float(np.max(col[idx - base : idx + self.min_on - base])) - mean
        level_sd = self.start_k
        if sd > 0:
            level_sd = min(self.k, max(self.start_k, self.start_fraction * rise / sd))
        self._level[c] = level = mean + level_sd * sd
        below = np.flatnonzero(col[lo - base : idx - base] <= level)
        # no foot within the bound (a slow ramp, or a step up from a raised level): the crossing itself,
        # which is where a slow ramp's timing is least uncertain
        return lo + int(below[-1]) + 1 if len(below) else idx

    def _offset_end(self, col: np.ndarray, base: int, lo: int, idx: int, c: int, t_on: float) -> int:
        """Where the burst whose offset is confirmed at `idx` ended (absolute index): from its last drop below
        the onset threshold `t_on`, the first sample at or below the burst's start level."""
        above = np.flatnonzero(col[lo - base : idx - base] > t_on)
        drop = lo + int(above[-1]) + 1 if len(above) else idx
        end = idx + self.min_off  # the confirming sample is idx + min_off - 1
        low = np.flatnonzero(col[drop - base : end - base] <= self._level[c])
        return drop + int(low[0]) if len(low) else drop

    def _settle(self, c: int, at: int, is_onset: bool) -> list[_Event]:
        """A change of channel c's state timed at `at`: hold an offset back (a dip may follow), merge an
        onset within min_off of the held offset into one burst, else release that offset and the onset."""
        assert self._held is not None
        if not is_onset:  # (nothing is held here: the onset before released or merged it)
            self._held[c] = at
            return []
        if self._held[c] >= 0 and at - self._held[c] < self.min_off:
            self._held[c] = -1  # a dip shorter than the minimum off-time: one burst, not two
            return []
        return [*self._release(np.inf, c), (max(0, at - self.delay), c, "onset")]

    def _keep_history(self, a: np.ndarray, ext: np.ndarray | None) -> None:
        """Keep the last _hist_len envelope samples for the next chunk's searches (ext: history and chunk
        together, when this chunk made it)."""
        hist, h, n = self._hist, self._hist_len, len(a)
        assert hist is not None  # made with the detector's state, by the first chunk (_init)
        if n >= h:
            hist[:] = a[n - h :]
        elif ext is not None:
            hist[:] = ext[len(ext) - h :]
        else:
            hist[: h - n] = hist[n:]
            hist[h - n :] = a

    def flush(self) -> list[OnsetEvent]:
        """The offsets still held back to see whether a dip follows (end of the signal)."""
        return self._events(self._release(np.inf)) if self._held is not None else []

    def _release(self, before: float, channel: int | None = None) -> list[_Event]:
        """Emit the held offsets timed at or before `before` (absolute index), of one channel or all."""
        if self._held is None:
            return []
        chans = range(len(self._held)) if channel is None else (channel,)
        out: list[_Event] = []
        for c in chans:
            if 0 <= self._held[c] <= before:
                out.append((max(0, int(self._held[c]) - self.delay), c, "offset"))
                self._held[c] = -1
        return out

    def _events(self, events: list[_Event]) -> list[OnsetEvent]:
        if not events:
            return []
        events.sort()
        return [OnsetEvent(ch, kind, idx, self.t0 + idx / self.rate_hz) for idx, ch, kind in events]


class OnsetOptions(TypedDict, total=False):
    """The `OnsetDetector` arguments `detect_onsets` passes on by name (see the detector for each)."""

    k_off: float | None
    start_k: float | None
    max_back_s: float
    start_fraction: float


def detect_onsets(
    envelope: np.ndarray,
    rate_hz: float,
    mean_uv: np.ndarray | float,
    sd_uv: np.ndarray | float,
    k: float | None = None,
    min_on_s: float | None = None,
    min_off_s: float | None = None,
    t0: float = 0.0,
    delay_s: float | None = None,
    **kwargs: Unpack[OnsetOptions],
) -> list[OnsetEvent]:
    """Offline: the same `OnsetDetector` run over a whole envelope (index 0 at time t0); kwargs: k_off,
    start_k, max_back_s."""
    det = OnsetDetector(rate_hz, mean_uv, sd_uv, k, min_on_s, min_off_s, t0, delay_s, **kwargs)
    events = det.process(envelope, 0) + det.flush()
    return sorted(events, key=lambda e: (e.index, e.channel))


class _CausalLowPass:
    """Causal 2nd-order Butterworth low-pass with its state carried across chunks (zero initial state).

    One biquad run through `scipy.signal.lfilter` (about 5 µs per 20 x 4 chunk, against about 25 µs for
    `sosfilt`); at order 2 the direct form is numerically safe.
    """

    def __init__(self, rate_hz: float, cutoff_hz: float) -> None:
        self.b, self.a = scipy.signal.butter(2, min(float(cutoff_hz), 0.45 * float(rate_hz)), fs=float(rate_hz))
        self._zi: np.ndarray | None = None  # (2, channels)

    def reset(self) -> None:
        self._zi = None

    def process(self, a: np.ndarray) -> np.ndarray:
        if self._zi is None or self._zi.shape[1] != a.shape[1]:
            self._zi = np.zeros((2, a.shape[1]))
        if len(a) == 0:
            return a.copy()
        y, self._zi = scipy.signal.lfilter(self.b, self.a, a, axis=0, zi=self._zi)
        return y


class OnsetEnvelope:
    """Stage: band-passed EMG (µV) -> |x| -> causal 2nd-order Butterworth low-pass at `cutoff_hz` (µV).

    The envelope to threshold for onsets (faster than the 6 Hz display envelope). `group_delay_s` is the
    low-pass's group delay at DC, sqrt(2) / (2 pi fc) (11 ms at 20 Hz), for callers that compensate it.
    """

    def __init__(self, rate_hz: float, cutoff_hz: float = 20.0) -> None:
        self._lp = _CausalLowPass(rate_hz, cutoff_hz)
        self.group_delay_s = float(np.sqrt(2.0) / (2.0 * np.pi * cutoff_hz))

    def reset(self) -> None:
        self._lp.reset()

    def process(self, x: np.ndarray) -> np.ndarray:
        a, was_1d = as_2d(x)
        return restore(self._lp.process(np.abs(a)), was_1d)


class TKEO:
    """Stage: Teager-Kaiser energy psi[n] = x[n]^2 - x[n-1] x[n+1] (µV²), streaming with one sample of delay.

    Alignment: output sample m is psi at input index m - 1, computed once x[m] is known. The first output
    sample of a stream is 0 (no history), and at m = 1 the missing x[-1] is taken as 0. So the output has
    the input's length and lags it by exactly one sample; chunk-invariant (it keeps the last two inputs).
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._prev: np.ndarray | None = None  # the last two input samples (2, ch), zeros before the stream

    def process(self, x: np.ndarray) -> np.ndarray:
        a, was_1d = as_2d(x)
        if self._prev is None:
            self._prev = np.zeros((2, a.shape[1]))
        if len(a) == 0:
            return restore(a.copy(), was_1d)
        ext = np.concatenate([self._prev, a], axis=0)  # ext[j] is input index j - 2 relative to this chunk
        out = ext[1:-1] ** 2 - ext[:-2] * ext[2:]  # the stream's first output is 0 - 0 * x[0] = 0
        self._prev = ext[-2:].copy()
        return restore(out, was_1d)


class TkeoEnvelope:
    """Stage: band-passed EMG (µV) -> TKEO -> |.| -> causal 2nd-order Butterworth low-pass at `cutoff_hz`
    (default 20 Hz); output in µV², one sample later than the input (the operator's delay)."""

    def __init__(self, rate_hz: float, cutoff_hz: float = 20.0) -> None:
        self._tkeo = TKEO()
        self._lp = _CausalLowPass(rate_hz, cutoff_hz)

    def reset(self) -> None:
        self._tkeo.reset()
        self._lp.reset()

    def process(self, x: np.ndarray) -> np.ndarray:
        a, was_1d = as_2d(x)
        return restore(self._lp.process(np.abs(self._tkeo.process(a))), was_1d)


def tkeo_baseline(
    filtered_uv: np.ndarray, rate_hz: float, cutoff_hz: float = 20.0, quiet: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Rest (mean, SD) per channel of the TKEO envelope (µV²) of band-passed EMG (µV).

    quiet=True: the whole stretch is known rest (e.g. the calibration's rest); otherwise the quietest
    windows are used (`estimate_rest`). The envelope's first 0.1 s (filter start-up) is skipped when
    the stretch is at least 0.5 s long.
    """
    from emgcoach.dsp.normalise import estimate_rest, rest_from_segment

    env, _ = as_2d(TkeoEnvelope(rate_hz, cutoff_hz).process(filtered_uv))
    if len(env) >= int(0.5 * rate_hz):
        env = env[int(0.1 * rate_hz) :]
    base = rest_from_segment(env) if quiet else estimate_rest(env, rate_hz)
    return base.mean_uv, base.sd_uv


class TkeoOnsetDetector:
    """Streaming TKEO-conditioned onset/offset detector over band-passed EMG (µV, samples x channels).

    TKEO -> |.| -> 20 Hz low-pass (`TkeoEnvelope`), thresholded at rest mean + k x SD of that envelope
    (µV², from `tkeo_baseline` or given), with the same minimum durations and retroactive timing as
    `OnsetDetector`. Events are corrected for the operator's one-sample delay. Chunk-invariant.
    """

    def __init__(
        self,
        rate_hz: float,
        mean: np.ndarray | float,
        sd: np.ndarray | float,
        k: float = 4.0,
        min_on_s: float = 0.04,
        min_off_s: float = 0.05,
        cutoff_hz: float = 20.0,
        t0: float = 0.0,
    ) -> None:
        self.rate_hz = float(rate_hz)
        self.envelope = TkeoEnvelope(rate_hz, cutoff_hz)
        self.detector = OnsetDetector(
            rate_hz, mean, sd, k, min_on_s, min_off_s, t0, delay_s=1.0 / self.rate_hz, k_off=k, start_k=None
        )

    @classmethod
    def from_rest(
        cls, rest_filtered_uv: np.ndarray, rate_hz: float, quiet: bool = True, cutoff_hz: float = 20.0, **kwargs: float
    ) -> TkeoOnsetDetector:
        """Build with the baseline of a band-passed rest segment (quiet=True) or of the quietest windows
        of a longer stretch (quiet=False)."""
        mean, sd = tkeo_baseline(rest_filtered_uv, rate_hz, cutoff_hz, quiet=quiet)
        return cls(rate_hz, mean, sd, cutoff_hz=cutoff_hz, **kwargs)

    @property
    def active(self) -> np.ndarray | None:
        return self.detector.active

    def reset(self) -> None:
        self.envelope.reset()
        self.detector.reset()

    def process(self, filtered_uv: np.ndarray, first_index: int) -> list[OnsetEvent]:
        """Feed band-passed EMG whose first sample has absolute index `first_index`; return events."""
        return self.detector.process(self.envelope.process(filtered_uv), first_index)


def detect_onsets_tkeo(
    filtered_uv: np.ndarray,
    rate_hz: float,
    rest: tuple[np.ndarray, np.ndarray] | None = None,
    k: float = 4.0,
    min_on_s: float = 0.04,
    min_off_s: float = 0.05,
    cutoff_hz: float = 20.0,
    t0: float = 0.0,
) -> list[OnsetEvent]:
    """Offline TKEO-conditioned detection on band-passed EMG (µV). `rest` = (mean, SD) of the TKEO
    envelope at rest (µV²); estimated from the quietest windows when not given."""
    if rest is None:
        rest = tkeo_baseline(filtered_uv, rate_hz, cutoff_hz)
    det = TkeoOnsetDetector(rate_hz, rest[0], rest[1], k, min_on_s, min_off_s, cutoff_hz, t0)
    return det.process(filtered_uv, 0) + det.detector.flush()
