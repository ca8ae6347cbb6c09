"""Band-pass, high-pass, notch and mains detection: gains a user would notice, streaming contract."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from emgcoach.dsp.base import Stage
from emgcoach.dsp.filters import BandPass, HighPass, LowPass, Notch, SosFilter, combine, detect_mains_hz
from tests.dsp.conftest import RATE, feed_chunked, gain_db, simulated_emg


def freqz_db(sos: np.ndarray, f_hz: float, rate_hz: float = RATE) -> float:
    _, h = signal.sosfreqz(sos, worN=[f_hz], fs=rate_hz)
    return float(20 * np.log10(abs(h[0])))


# ---- band-pass -------------------------------------------------------------------------------------


def test_bandpass_attenuates_5hz_and_passes_100hz() -> None:
    bp = BandPass(RATE)
    assert (bp.low_hz, bp.high_hz) == (20.0, 450.0)
    assert freqz_db(bp.sos, 5.0) <= -20.0
    assert abs(freqz_db(bp.sos, 100.0)) < 1.0
    assert gain_db(BandPass(RATE), 5.0, seconds=8.0) <= -20.0
    assert abs(gain_db(BandPass(RATE), 100.0)) < 1.0
    assert gain_db(BandPass(RATE), 900.0) <= -20.0


@pytest.mark.parametrize(("rate", "edges"), [(200.0, (20.0, 90.0)), (1000.0, (20.0, 450.0)), (500.0, (20.0, 225.0))])
def test_bandpass_caps_upper_edge(rate: float, edges: tuple[float, float]) -> None:
    bp = BandPass(rate)
    assert (bp.low_hz, bp.high_hz) == pytest.approx(edges)
    assert freqz_db(bp.sos, bp.high_hz, rate) == pytest.approx(-3.01, abs=0.1)


def test_bandpass_empty_band_raises() -> None:
    with pytest.raises(ValueError):
        BandPass(40.0)  # upper edge capped at 18 Hz < 20 Hz
    with pytest.raises(ValueError):
        BandPass(RATE, low_hz=300.0, high_hz=200.0)


def test_highpass_and_lowpass_edges() -> None:
    hp = HighPass(RATE, 30.0)
    assert freqz_db(hp.sos, 30.0) == pytest.approx(-3.01, abs=0.1)
    assert freqz_db(hp.sos, 10.0) < -30.0
    lp = LowPass(RATE, 10.0)
    assert freqz_db(lp.sos, 10.0) == pytest.approx(-3.01, abs=0.1)
    with pytest.raises(ValueError):
        HighPass(RATE, 1500.0)


# ---- notch -----------------------------------------------------------------------------------------


def test_notch_50hz_with_harmonics() -> None:
    notch = Notch(RATE, 50.0)
    assert notch.frequencies_hz[:3] == (50.0, 100.0, 150.0)
    assert max(notch.frequencies_hz) < 0.95 * RATE / 2
    assert notch.sos.shape == (len(notch.frequencies_hz), 6)
    assert freqz_db(notch.sos, 50.0) <= -20.0
    assert freqz_db(notch.sos, 150.0) <= -20.0
    assert freqz_db(notch.sos, 80.0) > -1.0
    assert gain_db(Notch(RATE, 50.0), 50.0) <= -20.0
    assert gain_db(Notch(RATE, 50.0), 150.0) <= -20.0
    assert gain_db(Notch(RATE, 50.0), 80.0) > -1.0


def test_notch_fundamental_only_and_60hz() -> None:
    n50 = Notch(RATE, 50.0, harmonics=False)
    assert n50.frequencies_hz == (50.0,)
    assert freqz_db(n50.sos, 150.0) > -1.0
    n60 = Notch(RATE, 60.0)
    assert n60.frequencies_hz[:2] == (60.0, 120.0)
    assert freqz_db(n60.sos, 60.0) <= -20.0
    assert freqz_db(n60.sos, 180.0) <= -20.0
    assert Notch(200.0, 50.0).frequencies_hz == (50.0,)  # 100 Hz is the Nyquist frequency
    with pytest.raises(ValueError):
        Notch(100.0, 50.0)


def test_combined_bandpass_notch_is_one_cascade() -> None:
    bp, notch = BandPass(RATE), Notch(RATE, 50.0)
    both = bp.then(notch)
    assert both.sos.shape[0] == bp.n_sections + notch.n_sections
    assert np.array_equal(combine(bp, notch).sos, both.sos)
    x = simulated_emg(np.full(3000, 50.0)) + 30 * np.sin(2 * np.pi * 50 * np.arange(3000) / RATE)
    y1 = Notch(RATE, 50.0).process(BandPass(RATE).process(x))
    np.testing.assert_allclose(both.process(x), y1, rtol=1e-9, atol=1e-9)


# ---- mains detection -------------------------------------------------------------------------------


def _hum(mains: float, n: int, rate: float = RATE, harmonics: bool = True) -> np.ndarray:
    t = np.arange(n) / rate
    h = 20 * np.sin(2 * np.pi * mains * t + 0.3)
    if harmonics:
        h += 8 * np.sin(2 * np.pi * 3 * mains * t) + 4 * np.sin(2 * np.pi * 5 * mains * t)
    return h


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detect_mains(seed: int) -> None:
    n = int(2 * RATE)
    noise = simulated_emg(np.full(n, 30.0), seed=seed)
    assert detect_mains_hz(noise + _hum(50.0, n), RATE) == 50.0
    assert detect_mains_hz(noise + _hum(50.0, n, harmonics=False), RATE) == 50.0
    assert detect_mains_hz(noise + _hum(60.0, n), RATE) == 60.0
    assert detect_mains_hz(noise, RATE) is None
    two_ch = np.column_stack([noise, simulated_emg(np.full(n, 30.0), seed=seed + 10) + _hum(60.0, n)])
    assert detect_mains_hz(two_ch, RATE) == 60.0
    assert detect_mains_hz(noise[: int(RATE) // 2], RATE) is None  # too short to tell


def test_detect_mains_at_low_rate() -> None:
    rate = 250.0
    n = int(3 * rate)
    noise = simulated_emg(np.full(n, 30.0), rate_hz=rate, seed=3)
    assert detect_mains_hz(noise + _hum(50.0, n, rate, harmonics=False), rate) == 50.0
    assert detect_mains_hz(noise, rate) is None


# ---- streaming contract ----------------------------------------------------------------------------

FACTORIES = {
    "bandpass": lambda: BandPass(RATE),
    "bandpass_200": lambda: BandPass(200.0),
    "highpass": lambda: HighPass(RATE, 30.0),
    "lowpass": lambda: LowPass(RATE, 6.0),
    "notch": lambda: Notch(RATE, 50.0),
    "front": lambda: BandPass(RATE).then(Notch(RATE, 60.0)),
}
SIGNAL = simulated_emg(np.tile([[20.0, 80.0, 200.0, 5.0]], (3000, 1)), seed=7) + 50.0  # with DC offset


@pytest.mark.parametrize("name", sorted(FACTORIES))
@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 300), min_size=1, max_size=20))
def test_chunk_invariance(name: str, sizes: list[int]) -> None:
    whole = FACTORIES[name]().process(SIGNAL)
    chunked = feed_chunked(FACTORIES[name](), SIGNAL, sizes)
    np.testing.assert_allclose(chunked, whole, rtol=1e-4, atol=1e-9 * np.abs(whole).max())


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_contract_shapes_zero_length_and_reset(name: str) -> None:
    stage = FACTORIES[name]()
    assert isinstance(stage, Stage)
    assert stage.process(np.zeros((0, 4))).shape == (0, 4)
    first = stage.process(SIGNAL)
    assert first.shape == SIGNAL.shape and first.dtype == np.float64
    assert not np.allclose(stage.process(SIGNAL[:500]), first[:500])  # state carried over
    stage.reset()
    np.testing.assert_array_equal(stage.process(SIGNAL[:500]), first[:500])
    with pytest.raises(ValueError):
        stage.process(SIGNAL[:10, :2])  # channel count changed without reset
    stage.reset()
    one = stage.process(SIGNAL[:, 1])
    assert one.shape == (3000,)
    np.testing.assert_allclose(one, first[:, 1], rtol=1e-12, atol=1e-12)
    assert stage.process(np.zeros(0)).shape == (0,)


def test_sosfilter_validates_and_normalises() -> None:
    with pytest.raises(ValueError):
        SosFilter(np.zeros((2, 5)))
    sos = signal.butter(2, 0.2, output="sos")
    scaled = SosFilter(sos * 2.0)  # a0 == 2: rows are normalised
    x = np.random.default_rng(1).standard_normal(200)
    ref, _ = signal.sosfilt(sos, x, zi=signal.sosfilt_zi(sos) * x[0])  # filters start in steady state
    np.testing.assert_allclose(scaled.process(x), ref, rtol=1e-12, atol=1e-12)


def test_matches_scipy_sosfilt() -> None:
    bp = BandPass(RATE)
    zi = signal.sosfilt_zi(bp.sos)[:, :, None] * SIGNAL[0]
    ref, _ = signal.sosfilt(bp.sos, SIGNAL, axis=0, zi=zi)
    np.testing.assert_allclose(bp.process(SIGNAL), ref, rtol=1e-12, atol=1e-9)


def test_notch_with_all_harmonics_keeps_the_emg_power() -> None:
    """Constant-width notches: 50 Hz and its 8 harmonics up to 450 Hz remove under 5 % of EMG RMS."""
    x = simulated_emg(np.full(int(10 * RATE), 100.0), seed=5)
    y = Notch(RATE, 50.0, max_hz=450.0).process(x)
    half = len(x) // 2
    kept = np.sqrt(np.mean(y[half:] ** 2)) / np.sqrt(np.mean(x[half:] ** 2))
    assert kept > 0.95


def test_dc_offset_at_the_start_does_not_ring() -> None:
    """Raw data sitting at -530 µV (uMyo's DC) gives no start-up burst out of the band-pass."""
    x = -530.0 + simulated_emg(np.full(int(2 * RATE), 5.0), seed=3)
    y = BandPass(RATE).process(x)
    assert np.abs(y[:200]).max() < 30.0  # a zero-state filter rings at hundreds of µV here
