"""Median and mean frequency on signals whose spectra are known analytically, and the stretches that get
no figure (too short, flat, all zeros, NaN), with the reason."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emgcoach.dsp.filters import BandPass, Notch
from emgcoach.dsp.spectral_fatigue import (
    MIN_STRETCH_S,
    NoSpectrum,
    mean_frequency,
    median_frequency,
    stretch_spectrum,
    welch_psd,
)


def ideal_band_noise(lo: float, hi: float, rate: float, seconds: float, seed: int = 0) -> np.ndarray:
    """Gaussian noise with a flat spectrum between lo and hi Hz and none outside (FFT brick wall): MDF
    and MNF both (lo + hi) / 2."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * rate))
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1.0 / rate)
    spec[(f < lo) | (f > hi)] = 0.0
    return np.fft.irfft(spec, len(x)) * 40.0


@pytest.mark.parametrize("rate", [1000.0, 2000.0])
@pytest.mark.parametrize("f0", [35.0, 80.0, 150.0, 300.0])
def test_a_sine_has_its_own_frequency_as_median_and_mean(rate: float, f0: float) -> None:
    t = np.arange(int(1.0 * rate)) / rate
    s = stretch_spectrum(50.0 * np.sin(2 * np.pi * f0 * t + 0.3), rate)
    assert s.median_hz == pytest.approx(f0, abs=0.5) and s.mean_hz == pytest.approx(f0, abs=0.5)
    assert s.rms_uv == pytest.approx(50.0 / np.sqrt(2), rel=0.01) and s.missing is None


@pytest.mark.parametrize("rate", [1000.0, 2000.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_white_noise_band_limited_20_450_has_mdf_and_mnf_near_235(rate: float, seed: int) -> None:
    s = stretch_spectrum(ideal_band_noise(20.0, 450.0, rate, 10.0, seed), rate)
    # 10 s: about 80 Welch segments; the estimate scatters by ~1 % (3 Hz) from seed to seed
    assert s.median_hz == pytest.approx(235.0, abs=5.0)
    assert s.mean_hz == pytest.approx(235.0, abs=5.0)


@pytest.mark.parametrize("rate", [1000.0, 2000.0])
def test_white_noise_through_the_apps_band_pass_matches_the_filters_own_spectrum(rate: float) -> None:
    """Through the chain's Butterworth 20-450 Hz the spectrum is |H(f)|² (the skirts make the MDF
    234 Hz at 1 kHz and 224 Hz at 2 kHz, not 235): the estimate lands on the analytic value."""
    rng = np.random.default_rng(3)
    bp = BandPass(rate)
    y = bp.process(rng.standard_normal((int(40 * rate), 1)) * 30.0)[int(rate) :, 0]
    f, h = signal.sosfreqz(bp.sos, worN=100_000, fs=rate)
    keep = (f >= 20.0) & (f <= 450.0)
    truth_mdf, truth_mnf = median_frequency(f[keep], np.abs(h[keep]) ** 2), mean_frequency(f[keep], np.abs(h[keep]) ** 2)
    s = stretch_spectrum(y, rate)
    assert s.median_hz == pytest.approx(truth_mdf, abs=4.0) and s.mean_hz == pytest.approx(truth_mnf, abs=4.0)


def test_two_tones_median_between_mean_weighted() -> None:
    """Equal-power tones at 60 and 200 Hz: the mean is their midpoint; the median is where half the
    power lies, at the upper edge of the 60 Hz peak. One 3x stronger (9x power) at 60 Hz pulls the mean
    to (9 x 60 + 200) / 10 = 74 Hz."""
    rate = 1000.0
    t = np.arange(int(4 * rate)) / rate
    equal = stretch_spectrum(np.sin(2 * np.pi * 60 * t) + np.sin(2 * np.pi * 200 * t), rate)
    assert equal.mean_hz == pytest.approx(130.0, abs=1.0) and 60.0 < equal.median_hz < 200.0
    strong = stretch_spectrum(3 * np.sin(2 * np.pi * 60 * t) + np.sin(2 * np.pi * 200 * t), rate)
    assert strong.mean_hz == pytest.approx(74.0, abs=1.0) and strong.median_hz == pytest.approx(60.0, abs=3.0)


def test_a_halving_of_the_spectrum_halves_the_mdf() -> None:
    """The same noise low-passed at 200 and at 100 Hz (brick wall from 20): MDF 110 and 60 Hz."""
    rate = 2000.0
    a = stretch_spectrum(ideal_band_noise(20.0, 200.0, rate, 10.0, 4), rate)
    b = stretch_spectrum(ideal_band_noise(20.0, 100.0, rate, 10.0, 4), rate)
    assert a.median_hz == pytest.approx(110.0, abs=3.0) and b.median_hz == pytest.approx(60.0, abs=2.0)


def test_mains_notched_stretch_reads_as_the_unnotched_one() -> None:
    """A 50 Hz notch with its harmonics (9 lines in the band) removes 6 % of the power but moves the MDF
    by under 0.5 Hz in theory; bridged across the notches, the estimate stays within 1 Hz of the same
    noise unnotched."""
    rate = 1000.0
    x = ideal_band_noise(20.0, 450.0, rate, 30.0, 5)
    notch = Notch(rate, 50.0)
    y = notch.process(x[:, None])[int(rate) :, 0]
    plain = stretch_spectrum(x[int(rate) :], rate)
    bridged = stretch_spectrum(y, rate, notch_hz=notch.frequencies_hz)
    assert bridged.median_hz == pytest.approx(plain.median_hz, abs=1.0)
    f, p = welch_psd(y, rate, (20.0, 450.0), notch.frequencies_hz)
    near_100 = p[np.abs(f - 100.0) < 1.0]
    assert near_100.min() > 0.5 * np.median(p)  # the dip is bridged, not left as missing power


def test_short_flat_zero_and_missing_stretches_say_why() -> None:
    rate = 1000.0
    rng = np.random.default_rng(0)
    short = stretch_spectrum(rng.standard_normal(int(0.2 * rate)), rate)
    assert short.median_hz is None and short.missing is NoSpectrum.TOO_SHORT and "0.20 s" in short.note
    assert stretch_spectrum(np.zeros(1000), rate).missing is NoSpectrum.NO_SIGNAL
    assert stretch_spectrum(np.full(1000, 3.0), rate).missing is NoSpectrum.NO_SIGNAL  # a flat offset
    settling = np.concatenate([np.zeros(800), rng.standard_normal(400)])  # a notched chain settling
    assert stretch_spectrum(settling, rate).missing is NoSpectrum.NO_SIGNAL
    assert stretch_spectrum(None, rate).missing is NoSpectrum.NO_TRACE
    assert stretch_spectrum(np.full(1000, np.nan), rate).missing is NoSpectrum.TOO_SHORT


def test_nan_gaps_leave_the_longest_finite_run() -> None:
    rate = 1000.0
    t = np.arange(2000) / rate
    x = 20 * np.sin(2 * np.pi * 90 * t)
    x[300] = np.nan  # 0.3 s before it, 1.7 s after: the latter is used
    s = stretch_spectrum(x, rate)
    assert s.duration_s == pytest.approx(1.699) and s.median_hz == pytest.approx(90.0, abs=0.5)
    x[::200] = np.nan  # no run reaches the minimum
    gappy = stretch_spectrum(x, rate)
    assert gappy.missing is NoSpectrum.TOO_SHORT and "finite samples" in gappy.note
    assert MIN_STRETCH_S == 0.25
