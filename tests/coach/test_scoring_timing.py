"""Rep timing judged both ways, as a therapist would try it: a glute that fires first is early, one that
is already on is scored on level and overlap (never 'missing'), one that never fires is missing; a
glute-led drill is the mirror image. Synthetic envelopes with known onsets, so every verdict is exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emgcoach.coach.calibration import MuscleCalibration
from emgcoach.coach.drills import DrillError, Lead, Miss, load_file, load_library
from emgcoach.coach.scoring import GLUTE, LAT, MuscleTrace, score_rep

LIB = load_library(include_user=False)
RATE = 1000.0
REST_UV, REST_SD_UV = 3.0, 0.3
MVC_UV = 200.0
LEAD_ON, LEAD_OFF = 10.0, 14.0  # the lead's burst; the rep runs from its onset to its offset


def _burst_env(t: np.ndarray, on: float | None, off: float, level_pct: float, seed: int) -> np.ndarray:
    """Rest noise, plus a burst at level_pct %MVC from `on` to `off` (40 ms raised-cosine ramps)."""
    rng = np.random.default_rng(seed)
    env = REST_UV + REST_SD_UV * rng.standard_normal(len(t))
    if on is None:
        return env
    amp = level_pct / 100.0 * (MVC_UV - REST_UV)
    rise = np.clip((t - on) / 0.04, 0, 1)
    fall = np.clip((off - t) / 0.04, 0, 1)
    return env + amp * 0.5 * (1 - np.cos(np.pi * np.minimum(rise, fall)))


def _cal(muscle: str, side: str) -> MuscleCalibration:
    return MuscleCalibration(muscle, side, REST_UV, REST_SD_UV, REST_UV, REST_SD_UV, MVC_UV, (MVC_UV,))


def _trace(muscle: str, on: float | None, off: float, level_pct: float, calibrated: bool, seed: int,
           extra: list[tuple[float, float]] = ()) -> MuscleTrace:
    t = np.arange(0.0, 20.0, 1.0 / RATE)
    env = _burst_env(t, on, off, level_pct, seed)
    onsets, offsets = ([on], [off]) if on is not None else ([], [])
    for b_on, b_off in extra:  # other bursts (blips) of this muscle
        env = np.maximum(env, _burst_env(t, b_on, b_off, level_pct, seed + 7))
        onsets.append(b_on)
        offsets.append(b_off)
    order = np.argsort(onsets)
    side = "left" if muscle == LAT else "right"
    return MuscleTrace(t, env, [onsets[i] for i in order], _cal(muscle, side) if calibrated else None,
                       REST_UV, REST_SD_UV, sorted(offsets))


def score(drill_id: str, partner_ms: float | None, calibrated: bool = True, partner_pct: float = 35.0,
          lead_pct: float | None = None, partner_off: float = LEAD_OFF, blips: list[tuple[float, float]] = ()):
    """One rep of `drill_id`: the lead on at LEAD_ON, the partner `partner_ms` ms after it (None: never)."""
    d = LIB[drill_id]
    t = d.targets
    if lead_pct is None:  # the lead in the middle of its band (the lat), or well above its minimum (the glute)
        lead_pct = (t.lat_lo + t.lat_hi) / 2 if d.lead == Lead.LAT else t.glute_min + 15
    partner_on = None if partner_ms is None else LEAD_ON + partner_ms / 1000.0
    lead = _trace(LAT if d.lead == Lead.LAT else GLUTE, LEAD_ON, LEAD_OFF, lead_pct, calibrated, 1)
    partner = _trace(GLUTE if d.lead == Lead.LAT else LAT, partner_on, partner_off, partner_pct, calibrated, 2, list(blips))
    lat, glute = (lead, partner) if d.lead == Lead.LAT else (partner, lead)
    return score_rep(d, 0, LEAD_ON, LEAD_OFF, lat, glute)


# ------------------------------------------------------------------ lat-led: the bird dog


def test_glute_300_ms_before_the_lat_is_early_with_its_cue() -> None:
    s = score("bird_dog", -300.0)
    assert not s.hit and s.misses[0] == Miss.GLUTE_EARLY == "glute_early"
    assert s.cue == LIB["bird_dog"].correction("glute_early") and "early" in s.cue.lower()
    assert s.onset_latency_ms == pytest.approx(-300.0) and s.glute_onset_s == pytest.approx(LEAD_ON - 0.3)
    assert not s.partner_already_on


def test_glute_on_from_a_second_before_is_already_on_not_missing() -> None:
    s = score("bird_dog", -1000.0)
    assert s.partner_already_on
    assert s.onset_latency_ms is None and s.glute_onset_s is None and s.lat_onset_s == LEAD_ON
    assert s.hit and s.misses == ()  # level in target, on through the rep: nothing to correct
    assert s.overlap > 0.95 and s.mean_pct_mvc["glute"] == pytest.approx(35.0, abs=1.0)
    # scored on level: the same glute held on too quietly misses on its level, still not "missing"
    quiet = score("bird_dog", -1000.0, partner_pct=10.0)
    assert quiet.partner_already_on and quiet.misses == (Miss.GLUTE_LOW,)


def test_glute_already_on_but_gone_early_in_the_rep_is_judged_on_overlap_without_calibration() -> None:
    held = score("bird_dog", -1000.0, calibrated=False)
    assert held.partner_already_on and held.hit and held.overlap > 0.95
    gone = score("bird_dog", -1000.0, calibrated=False, partner_off=LEAD_ON + 0.5)
    assert gone.partner_already_on and gone.overlap < 0.2 and gone.misses == (Miss.GLUTE_LOW,)
    assert Miss.GLUTE_MISSING not in gone.misses


def test_glute_that_never_fires_is_missing_and_nothing_else_about_it() -> None:
    s = score("bird_dog", None)
    assert s.misses[0] == Miss.GLUTE_MISSING and Miss.GLUTE_LOW not in s.misses
    assert s.cue == LIB["bird_dog"].correction("glute_missing") and s.onset_latency_ms is None
    assert not s.partner_already_on
    assert score("bird_dog", None, calibrated=False).misses == (Miss.GLUTE_MISSING,)


def test_glute_80_ms_after_the_lat_hits() -> None:
    s = score("bird_dog", 80.0)
    assert s.hit and s.misses == () and s.cue == ""
    assert s.onset_latency_ms == pytest.approx(80.0) and not s.partner_already_on
    assert score("bird_dog", 80.0, calibrated=False).hit


def test_glute_300_ms_late_is_late_with_its_cue() -> None:
    s = score("bird_dog", 300.0)
    assert s.misses[0] == Miss.GLUTE_LATE and s.cue == LIB["bird_dog"].correction("glute_late")
    assert s.onset_latency_ms == pytest.approx(300.0)


@pytest.mark.parametrize(("ms", "miss"), [(-160.0, Miss.GLUTE_EARLY), (-140.0, None), (0.0, None), (140.0, None), (160.0, Miss.GLUTE_LATE)])
def test_window_edges_of_every_lat_led_drill(ms: float, miss: Miss | None) -> None:
    """In the bundled lat-led drills a glute more than 150 ms before the lat is early; the latest edge is
    each drill's own."""
    for d in LIB.values():
        if d.lead != Lead.LAT:
            continue
        assert d.targets.partner_onset_ms[0] == -150.0
        latest = d.targets.partner_onset_ms[1]
        want = miss if ms <= latest or miss is not None else Miss.GLUTE_LATE
        s = score(d.id, ms)
        assert (s.misses[0] if s.misses else None) == want, (d.id, ms, s.misses)


def test_a_blip_that_ended_before_the_lat_does_not_time_the_rep() -> None:
    """A twitch of the glute 600 ms before the lat, off again before the lat starts, then a proper onset
    80 ms after the lat: the rep is timed on the onset that goes with it."""
    s = score("bird_dog", 80.0, blips=[(LEAD_ON - 0.6, LEAD_ON - 0.45)])
    assert s.hit and s.onset_latency_ms == pytest.approx(80.0)
    # ...whereas a glute that fired 400 ms early and stopped before the lat did fire early
    s = score("bird_dog", None, blips=[(LEAD_ON - 0.4, LEAD_ON - 0.1)])
    assert s.misses[0] == Miss.GLUTE_EARLY


def test_already_on_without_the_detectors_offsets_uses_the_envelope() -> None:
    """Traces without offsets (None: unknown) still tell a held glute from a silent one."""
    d = LIB["bird_dog"]
    t = np.arange(0.0, 20.0, 1.0 / RATE)
    lat = MuscleTrace(t, _burst_env(t, LEAD_ON, LEAD_OFF, 15.0, 1), [LEAD_ON])
    held = MuscleTrace(t, _burst_env(t, LEAD_ON - 1.0, LEAD_OFF, 35.0, 2), [LEAD_ON - 1.0])
    silent = MuscleTrace(t, _burst_env(t, None, LEAD_OFF, 0.0, 2), [])
    s = score_rep(d, 0, LEAD_ON, LEAD_OFF, lat, held)
    assert s.partner_already_on and s.hit  # rest level estimated from the envelope itself
    assert score_rep(d, 0, LEAD_ON, LEAD_OFF, lat, silent).misses == (Miss.GLUTE_MISSING,)


@pytest.mark.parametrize(("partner_ms", "early"), [(-300.0, True), (-1000.0, False)])
def test_a_partner_onset_the_detector_never_reported_is_read_off_the_envelope(partner_ms: float, early: bool) -> None:
    """A trace with no onset for the glute's burst (its onsets cover only part of the envelope): if its
    envelope rose within reach of the window it is timed from that (early), else it is already on."""
    d = LIB["bird_dog"]
    t = np.arange(0.0, 20.0, 1.0 / RATE)
    lat = MuscleTrace(t, _burst_env(t, LEAD_ON, LEAD_OFF, 15.0, 1), [LEAD_ON], None, REST_UV, REST_SD_UV, [LEAD_OFF])
    glute = MuscleTrace(t, _burst_env(t, LEAD_ON + partner_ms / 1000, LEAD_OFF, 35.0, 2), [], None, REST_UV, REST_SD_UV, [LEAD_OFF])
    s = score_rep(d, 0, LEAD_ON, LEAD_OFF, lat, glute)
    if early:
        assert s.misses == (Miss.GLUTE_EARLY,) and s.onset_latency_ms == pytest.approx(partner_ms, abs=30.0)
    else:
        assert s.partner_already_on and s.hit


def test_a_held_glute_whose_envelope_dips_stays_already_on_while_the_detector_holds_it_on() -> None:
    """The detector (with its hysteresis) keeps a weak held glute on through a brief dip of the envelope
    400 ms before the lat; the dip is not a new onset, so the glute is already on, not early."""
    d = LIB["bird_dog"]
    t = np.arange(0.0, 20.0, 1.0 / RATE)
    lat = MuscleTrace(t, _burst_env(t, LEAD_ON, LEAD_OFF, 15.0, 1), [LEAD_ON], None, REST_UV, REST_SD_UV, [LEAD_OFF])
    env = _burst_env(t, LEAD_ON - 1.0, LEAD_OFF, 35.0, 2)
    env[(t > LEAD_ON - 0.42) & (t < LEAD_ON - 0.4)] = REST_UV
    glute = MuscleTrace(t, env, [LEAD_ON - 1.0], None, REST_UV, REST_SD_UV, [LEAD_OFF])
    s = score_rep(d, 0, LEAD_ON, LEAD_OFF, lat, glute)
    assert s.partner_already_on and s.hit


# ------------------------------------------------------------------ glute-led: the bridge, mirrored


def test_glute_led_drill_judges_the_lat_against_the_glute() -> None:
    d = LIB["bridge_pullover_press"]
    assert d.lead == Lead.GLUTE and d.targets.partner_onset_ms == (-150.0, 150.0)
    on_time = score(d.id, 80.0)  # lat 80 ms after the glute
    assert on_time.hit and on_time.onset_latency_ms == pytest.approx(-80.0)  # glute minus lat, as always
    early = score(d.id, -300.0)  # the lat 300 ms before the glute
    assert early.misses[0] == Miss.LAT_EARLY and early.onset_latency_ms == pytest.approx(300.0)
    assert early.cue == d.correction("lat_early")
    late = score(d.id, 300.0)
    assert late.misses[0] == Miss.LAT_LATE and late.onset_latency_ms == pytest.approx(-300.0)
    missing = score(d.id, None)
    assert missing.misses[0] == Miss.LAT_MISSING and Miss.LAT_LOW not in missing.misses
    held = score(d.id, -1000.0)
    assert held.partner_already_on and held.hit and held.onset_latency_ms is None
    assert not any(m.startswith("glute_") for s in (early, late, missing) for m in s.misses)


def test_window_in_glute_minus_lat_terms_whatever_the_lead() -> None:
    assert LIB["bird_dog"].targets.glute_latency_ms == (-150.0, 150.0)
    assert LIB["half_kneeling_pulldown"].targets.glute_latency_ms == (-150.0, 100.0)
    assert LIB["bridge_pullover_press"].targets.glute_latency_ms == (-150.0, 150.0)


# ------------------------------------------------------------------ drill files


OLD_STYLE = """
[[drill]]
id = "wall_press"
name = "Wall press"
purpose = "Press the straight arm into a wall while extending the opposite hip."
setup = "Stand side-on to a wall."
electrodes = "Lat on the pressing arm, glute on the other side."
lead = "LEAD"
reps = 5
cues = ["Press and squeeze"]
[drill.phases]
contract = 1
hold = 2
release = 1
rest = 2
[drill.targets]
lat_pct_mvc = [20, 40]
glute_pct_mvc_min = 20
max_glute_latency_ms = MAX
"""


@pytest.mark.parametrize(("lead", "x", "window"), [
    ("lat", 150, (-150.0, 150.0)), ("lat", 100, (-150.0, 100.0)), ("lat", -200, (-350.0, -200.0)),
    ("glute", 200, (-200.0, 150.0)), ("glute", -200, (200.0, 350.0)),
])
def test_older_files_with_max_glute_latency_still_load(tmp_path: Path, lead: str, x: int, window: tuple[float, float]) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(OLD_STYLE.replace("LEAD", lead).replace("MAX", str(x)))
    t = load_file(f)["wall_press"].targets
    assert t.partner_onset_ms == window
    assert t.max_glute_latency_ms == x  # the old meaning is kept: the glute no later than X ms after the lat


def test_both_forms_or_a_bad_window_are_refused_in_one_line(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    both = OLD_STYLE.replace("LEAD", "lat").replace("MAX", "150") + "partner_onset_ms = [-150, 150]\n"
    for text, message in [
        (both, "give one of them"),
        (OLD_STYLE.replace("LEAD", "lat").replace("max_glute_latency_ms = MAX", "partner_onset_ms = [100, -100]"), "earliest (100) must be below latest (-100)"),
        (OLD_STYLE.replace("LEAD", "lat").replace("max_glute_latency_ms = MAX", "partner_onset_ms = 150"), "targets.partner_onset_ms must be [earliest, latest]"),
        (OLD_STYLE.replace("LEAD", "lat").replace("max_glute_latency_ms = MAX", ""), "targets.partner_onset_ms must be [earliest, latest]"),
        (OLD_STYLE.replace("LEAD", "lat").replace("max_glute_latency_ms = MAX", "partner_onset = [-1, 1]"), "targets.partner_onset is not a target"),
    ]:
        f.write_text(text)
        with pytest.raises(DrillError) as e:
            load_file(f)
        assert message in str(e.value) and "drill 'wall_press'" in str(e.value) and "\n" not in str(e.value)


def test_cues_agree_with_the_lead_and_every_timing_miss_has_a_cue() -> None:
    """Each drill's first cue names the lead's action before (or with) the partner's, never 'X, then lead'."""
    half = LIB["half_kneeling_pulldown"]
    assert half.lead == Lead.LAT and not half.cues[0].lower().startswith("squeeze")
    bridge = LIB["bridge_pullover_press"]
    assert bridge.lead == Lead.GLUTE and bridge.cues[0].lower().startswith("squeeze the glutes")
    for d in LIB.values():
        partner = d.lead.partner
        for miss in (Miss.missing(partner), Miss.early(partner), Miss.late(partner)):
            assert d.correction(miss)
