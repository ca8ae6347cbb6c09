r"""The per-channel signal chain, configured from a plain dataclass.

raw µV -> [mains notches ->] band-pass (one SOS cascade) -> rectify -> linear envelope (6 Hz)
                                                    \-> moving RMS
                                                    \-> low-lag Bayesian envelope
One `Pipeline` serves all channels of one stream that share a configuration (vectorised across channels).
Offline analysis runs the very same object over the whole file in one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emgcoach.dsp.base import as_2d
from emgcoach.dsp.envelope import LinearEnvelope, MovingRMS
from emgcoach.dsp.filters import BandPass, Notch, NotchedBandPass, SosFilter
from emgcoach.dsp.lowlag import BayesEnvelope


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of the chain. Frequencies in Hz, windows in s.

    mains_hz: 50 or 60 to notch that line and its harmonics (all below 0.95 x Nyquist); None for no
    notch. (Detecting it is the caller's job: `dsp.filters.detect_mains_hz` on the first seconds of signal.)
    notch_settle_s: start-up phase of the notch (`dsp.filters.NotchedBandPass`): for this long after a
    start or reset the hum is fitted and subtracted instead of notched, so the notch does not ring; the
    filtered output is 0 while the fit has too few samples (its unknowns plus a quarter: 25 ms at 2 kHz).
    ecg_highpass_hz: when set (e.g. 30), the band-pass low edge is raised to it to suppress ECG on
    trunk muscles such as the left latissimus dorsi.
    """

    band_low_hz: float = 20.0
    band_high_hz: float = 450.0
    band_order: int = 4
    mains_hz: float | None = None
    notch_harmonics: bool = True
    notch_settle_s: float = 0.5
    ecg_highpass_hz: float | None = None
    envelope_cutoff_hz: float = 6.0
    onset_cutoff_hz: float = 20.0
    rms_window_s: float = 0.1
    lowlag: bool = True
    lowlag_max_uv: float = 2000.0


@dataclass
class PipelineOutput:
    """Outputs for one chunk, each (n_samples, n_channels) float64 in µV."""

    filtered: np.ndarray
    envelope: np.ndarray
    onset_envelope: np.ndarray
    rms: np.ndarray
    lowlag: np.ndarray | None = None


@dataclass
class Pipeline:
    """Streaming chain for the channels of one stream at `rate_hz`; chunk-invariant like its stages."""

    rate_hz: float
    config: PipelineConfig = field(default_factory=PipelineConfig)

    def __post_init__(self) -> None:
        cfg = self.config
        low = max(cfg.band_low_hz, cfg.ecg_highpass_hz or 0.0)
        band = BandPass(self.rate_hz, low_hz=low, high_hz=cfg.band_high_hz, order=cfg.band_order)
        self.band_hz: tuple[float, float] = (band.low_hz, band.high_hz)
        self.notch_hz: tuple[float, ...] = ()
        self._front: SosFilter | NotchedBandPass
        if cfg.mains_hz:
            # every harmonic below 0.95 x Nyquist, not only those inside the band: the band-pass alone
            # lets 500 Hz through at -6.8 dB (2 kHz, 50 Hz mains); see `Notch` for the limit
            notch = Notch(self.rate_hz, mains_hz=cfg.mains_hz, harmonics=cfg.notch_harmonics)
            self.notch_hz = tuple(notch.frequencies_hz)
            self._front = NotchedBandPass(self.rate_hz, band, notch, settle_s=cfg.notch_settle_s)
        else:
            self._front = SosFilter(band.sos)
        self._envelope = LinearEnvelope(self.rate_hz, cutoff_hz=cfg.envelope_cutoff_hz)
        self._onset_envelope = LinearEnvelope(self.rate_hz, cutoff_hz=min(cfg.onset_cutoff_hz, 0.4 * self.rate_hz))
        self._rms = MovingRMS(self.rate_hz, window_s=cfg.rms_window_s)
        self._lowlag = BayesEnvelope(self.rate_hz, max_uv=cfg.lowlag_max_uv) if cfg.lowlag else None

    def process(self, x: np.ndarray) -> PipelineOutput:
        """Run one chunk of raw µV (n_samples, n_channels) through the chain."""
        a, _ = as_2d(x)
        filtered = self._front.process(a)
        rectified = np.abs(filtered)  # the Rectify stage, inlined: it is stateless and this is the hot path
        return PipelineOutput(
            filtered=filtered,
            envelope=self._envelope.process(rectified),
            onset_envelope=self._onset_envelope.process(rectified),
            rms=self._rms.process(filtered),
            lowlag=self._lowlag.process(rectified) if self._lowlag is not None else None,
        )

    def reset(self) -> None:
        """Forget all filter state (e.g. after a long gap)."""
        for stage in (self._front, self._envelope, self._onset_envelope, self._rms, self._lowlag):
            if stage is not None:
                stage.reset()
