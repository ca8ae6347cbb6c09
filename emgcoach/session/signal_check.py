"""A sensor's signal check before calibration: a few seconds of quiet rest, then a small contraction.

The rest shows what the electrodes pick up with the muscle off (no signal, clipping, mains hum, noise);
the contraction shows the muscle rising above that. The verdict is a grade (the quality light's good,
fair, bad) and one sentence saying what to do, in the words of `dsp.quality`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from emgcoach.dsp.quality import FLAG_MESSAGES, SNR_FAIR_DB, QualityReport, assess_quality
from emgcoach.stream.engine import Engine
from emgcoach.stream.ringbuffer import RingBuffer

Channel = tuple[int, int]  # (stream, channel)

# A small contraction (10-20 %MVC) of a well-placed sensor stands 15-25 dB above rest; below
# SNR_FAIR_DB it barely shows, which is what a misplaced electrode or a muscle not yet found looks like.
ADVICE = {
    "good": "Good signal: quiet at rest, and the muscle clearly rises above it.",
    "quiet_rest": "Quiet at rest. Now the contraction: the muscle should rise clearly above it.",
    "low_snr": "The muscle barely rises above rest: check the site on the placement view, press the sensor "
               "on, and contract a little harder.",
    "no_contraction": "No contraction seen: contract the muscle gently during the check, then check again.",
}


class CheckStage(StrEnum):
    """Where a signal check is: resting, contracting, or finished."""

    REST = "rest"
    CONTRACT = "contract"
    DONE = "done"


@dataclass(frozen=True)
class SignalVerdict:
    """The outcome of a check: `grade` 'good', 'fair' or 'bad'; `advice` one sentence; the resting
    noise (band-passed RMS, µV) and the contraction's rise over it (dB, NaN when not measured)."""

    grade: str
    advice: str
    rest_noise_uv: float
    snr_db: float

    @property
    def passed(self) -> bool:
        """Good enough to calibrate on (a fair signal passes with its advice shown)."""
        return self.grade != "bad"


def verdict(rest: QualityReport, contraction: QualityReport | None) -> SignalVerdict:
    """Grade a rest stretch's report and a contraction stretch's report (None: not done yet)."""
    noise = rest.noise_rms_uv
    # a rest is meant to have no contraction in it: its own low SNR says nothing
    rest_flags = [f for f in rest.flags if f not in ("low_snr", "no_rest")]
    rest_grade = "bad" if {"flatline", "clipping", "mains"} & set(rest_flags) else "fair" if rest_flags else "good"
    rest_advice = FLAG_MESSAGES[rest_flags[0]] if rest_flags else ADVICE["good"]
    if rest_grade == "bad" or contraction is None:  # (no rise seen yet: a clean rest is not called good all through)
        return SignalVerdict(rest_grade, rest_advice if rest_flags else ADVICE["quiet_rest"], noise, math.nan)
    rise = contraction.with_rest_noise(noise)
    snr = rise.snr_db
    if "flatline" in contraction.flags or "clipping" in contraction.flags:
        flag = next(f for f in ("flatline", "clipping") if f in contraction.flags)
        return SignalVerdict("bad", FLAG_MESSAGES[flag], noise, snr)
    if not math.isfinite(snr) or snr < 1.0:
        return SignalVerdict("fair", ADVICE["no_contraction"], noise, snr)
    if snr < SNR_FAIR_DB:
        return SignalVerdict("fair", ADVICE["low_snr"], noise, snr)
    if rest_grade == "fair":
        return SignalVerdict("fair", rest_advice, noise, snr)
    return SignalVerdict("good", ADVICE["good"], noise, snr)


class SignalCheck:
    """Checks one channel of a running engine: `rest_s` of rest, then `contract_s` of a small
    contraction, each counted in samples received from when its stage began (s)."""

    def __init__(self, engine: Engine, channel: Channel, rest_s: float = 3.0, contract_s: float = 3.0) -> None:
        self.engine = engine
        self.channel = channel
        self.durations_s = {CheckStage.REST: float(rest_s), CheckStage.CONTRACT: float(contract_s)}
        self.stage = CheckStage.REST
        self.rest_report: QualityReport | None = None
        self.result: SignalVerdict | None = None
        self._start = self._ring().end_index

    def _ring(self) -> RingBuffer:
        return self.engine.buffers(self.channel[0]).raw

    def _needed(self) -> int:
        rate = self.engine.buffers(self.channel[0]).rate_hz
        return max(1, int(round(self.durations_s[self.stage] * rate)))

    def restart(self, stage: CheckStage = CheckStage.REST) -> None:
        """Begin `stage` again from now (a contraction keeps the rest already measured)."""
        self.stage = stage
        self.result = None if stage == CheckStage.REST else self.result
        self._start = self._ring().end_index

    def progress(self) -> float:
        """The share of the current stage done (0-1; 1 when the check is finished)."""
        if self.stage == CheckStage.DONE:
            return 1.0
        return min(1.0, (self._ring().end_index - self._start) / self._needed())

    def _stretch(self) -> np.ndarray:
        ring = self._ring()
        start = max(self._start, ring.start_index)
        data, _ = ring.since(start, self._needed())
        return np.asarray(data[:, self.channel[1]], dtype=float)

    def update(self) -> CheckStage:
        """Take the finished stage's stretch when enough samples have arrived; returns the stage now.
        After the rest a verdict on it alone is ready (`result`); after the contraction, the final one."""
        if self.stage == CheckStage.DONE or self.progress() < 1.0:
            return self.stage
        rate = self.engine.buffers(self.channel[0]).rate_hz
        report = assess_quality(self._stretch()[:, None], rate)[0]
        if self.stage == CheckStage.REST:
            self.rest_report = report
            self.result = verdict(report, None)
            self.stage = CheckStage.CONTRACT if self.result.passed else CheckStage.DONE
        else:
            assert self.rest_report is not None
            self.result = verdict(self.rest_report, report)
            self.stage = CheckStage.DONE
        self._start = self._ring().end_index
        return self.stage
