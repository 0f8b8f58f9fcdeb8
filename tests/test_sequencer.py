"""The sequencer: every hit on its exact sample, for any window, with swing, lanes and seeds."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from groovebox import Pattern, Track
from groovebox.model.options import RenderOptions
from groovebox.renderer import sequencer
from groovebox.renderer.sequencer import EventBuffer, PatternProgram

SR = 48000


def exact_sample(step: int, bpm, spb: int, sr: int = SR, offset_steps=Fraction(0)) -> int:
    """round((step + offset) * step_s * sr) computed with fractions, half up."""
    step_s = Fraction(60) / (Fraction(bpm).limit_denominator(100) * spb)
    x = (step + offset_steps) * step_s * sr
    return int(x + Fraction(1, 2)) // 1 if x >= 0 else -int(-x + Fraction(1, 2))


@pytest.mark.parametrize("bpm", [120, 93.7, 174, 61.25])
def test_straight_hits_land_on_round_n_step_s_sr(bpm):
    p = Pattern.from_grid({"kick": "x.x. x..x"}, bpm=bpm)
    ev = sequencer.events(p, steps=64)
    steps = [s for s in range(64) if "x.x.x..x"[s % 8] == "x"]
    assert ev["sample"].tolist() == [exact_sample(s, bpm, 4) for s in steps]
    assert ev["step"].tolist() == steps


def test_no_drift_after_an_hour():
    bpm = 93.7
    p = Pattern.from_grid({"kick": "x"}, bpm=bpm)
    prog = PatternProgram.build(p, RenderOptions(sample_rate=SR))
    buf = EventBuffer(64)
    for step in (10**5, 3 * 10**5 + 7):  # ~ 1 hour and ~3 hours in
        s = exact_sample(step, bpm, 4)
        buf.n = 0
        prog.query(s - 100, s + 100, buf)
        assert buf.sample[: buf.n].tolist() == [s]
        assert buf.step[: buf.n].tolist() == [step]


@pytest.mark.parametrize("swing", [54, 58, 66, 75])
def test_swing_delays_every_second_sixteenth(swing):
    p = Pattern.from_grid({"closed_hat": "xxxx"}, bpm=100, swing=swing)
    ev = sequencer.events(p, steps=8)
    delay = Fraction(swing - 50, 50)  # of a step
    want = [exact_sample(s, 100, 4, offset_steps=delay if s % 2 else 0) for s in range(8)]
    assert ev["sample"].tolist() == want


def test_swing_is_ignored_on_triplet_grids():
    p = Pattern.from_grid({"ride": "xxx"}, bpm=100, swing=66, steps_per_beat=3)
    ev = sequencer.events(p, steps=6)
    assert ev["sample"].tolist() == [exact_sample(s, 100, 3) for s in range(6)]


def test_nudge_moves_by_percent_of_a_step():
    t = Track.from_grid("snare", "....x...", nudge={5: -10})
    p = Pattern(name="n", tracks=(t,), bpm=120, swing=50)
    ev = sequencer.events(p, steps=8)
    assert ev["sample"].tolist() == [exact_sample(4, 120, 4, offset_steps=Fraction(-1, 10))]


def test_ratchet_divides_the_step_and_flam_leads_by_20_ms():
    t = Track.from_grid("snare", "x...", ratchet="3...", flam="f...")
    p = Pattern(name="r", tracks=(t,), bpm=120)
    ev = sequencer.events(p, steps=4)
    step = exact_sample(1, 120, 4)
    hits = [exact_sample(0, 120, 4, offset_steps=Fraction(j, 3)) for j in range(3)]
    assert ev["sample"].tolist() == [-960, *hits]  # grace note 20 ms before step 0
    assert hits[1] == step // 3
    assert ev["velocity"][0] < ev["velocity"][1]


def test_accent_and_ghost_velocities():
    p = Pattern.from_grid({"snare": "Xxo."})
    ev = sequencer.events(p, steps=4)
    assert ev["velocity"].tolist() == pytest.approx([1.0, 0.8, 0.35])


def test_polymeter_tracks_loop_on_their_own_length():
    p = Pattern.from_grid({"kick": "x...", "cowbell": "x.."})
    ev = sequencer.events(p, steps=12)
    cow = ev[ev["instrument"] == "cowbell"]["step"].tolist()
    kick = ev[ev["instrument"] == "kick"]["step"].tolist()
    assert cow == [0, 3, 6, 9] and kick == [0, 4, 8]


def test_windows_of_any_size_give_the_same_events():
    t = Track.from_grid("closed_hat", "xxxx xxxx", ratchet="..3. .2..", chance="5... ..7.", flam="...f ....")
    p = Pattern(name="w", tracks=(t, Track.from_grid("kick", "x..x..x.")), bpm=137, swing=61)
    prog = PatternProgram.build(p, RenderOptions(sample_rate=SR, seed=5, humanize_ms=4, humanize_velocity=0.1))
    total = 3 * SR
    whole = EventBuffer(4096)
    prog.query(0, total, whole)
    ref = sorted(zip(whole.sample[: whole.n].tolist(), whole.instr[: whole.n].tolist(),
                     whole.vel[: whole.n].tolist(), strict=True))
    for block in (1, 64, 65, 256, 8193):
        buf = EventBuffer(4096)
        for start in range(0, total, block):
            prog.query(start, min(start + block, total), buf)
        got = sorted(zip(buf.sample[: buf.n].tolist(), buf.instr[: buf.n].tolist(),
                         buf.vel[: buf.n].tolist(), strict=True))
        assert got == ref, block


def test_probability_is_seeded():
    t = Track.from_grid("closed_hat", "x" * 16, chance="5" * 16)
    p = Pattern(name="c", tracks=(t,))
    a = sequencer.events(p, steps=256, seed=1)
    b = sequencer.events(p, steps=256, seed=1)
    c = sequencer.events(p, steps=256, seed=2)
    assert np.array_equal(a, b)
    assert a["step"].tolist() != c["step"].tolist()
    assert 96 < len(a) < 160  # about half of 256


def test_humanize_is_seeded_and_bounded():
    p = Pattern.from_grid({"kick": "x..."}, bpm=120)
    plain = sequencer.events(p, steps=64)
    h1 = sequencer.events(p, steps=64, seed=3, humanize_ms=5)
    h2 = sequencer.events(p, steps=64, seed=3, humanize_ms=5)
    assert np.array_equal(h1, h2)
    shift = h1["sample"] - plain["sample"]
    assert np.any(shift != 0) and np.all(np.abs(shift) <= 3 * 5e-3 * SR + 1)
    assert 1.0 * SR * 1e-3 < np.std(shift) < 10 * SR * 1e-3


def test_bpm_override_and_bad_values():
    p = Pattern.from_grid({"kick": "x..."}, bpm=120)
    assert sequencer.events(p, steps=8, bpm=60)["sample"].tolist() == [0, 48000]
    from groovebox import GrooveboxError

    for bad in (0, -5, 1000, float("nan")):
        with pytest.raises(GrooveboxError, match="bpm"):
            sequencer.events(p, steps=8, bpm=bad)
    with pytest.raises(GrooveboxError, match="swing"):
        sequencer.events(p, steps=8, swing=80)


def _hits(sources, start: int, stop: int) -> list[tuple[int, int]]:
    """(sample, step) of every hit the sources give in [start, stop), in onset order."""
    buf = EventBuffer(4096)
    for src in sources:
        src.query(start, stop, buf)
    return sorted(zip(buf.sample[: buf.n].tolist(), buf.step[: buf.n].tolist(), strict=True))


@pytest.mark.parametrize("swing", [50, 62])
def test_retimed_keeps_earlier_hits_and_counts_the_new_tempo_from_the_step(swing):
    p = Pattern.from_grid({"clave": "x.xx x.x. xxx. x..x"}, bpm=120, swing=swing)
    old = PatternProgram.build(p, RenderOptions(sample_rate=SR))
    at = 21  # an odd step: swung, in the second bar
    new = old.retimed(at, bpm=97.3)
    assert new.anchor_step == at and new.anchor_sample == exact_sample(at, 120, 4)
    got = _hits([old.until(at), new], 0, 10 * SR)
    grid = "x.xxx.x.xxx.x..x"
    swing_steps = Fraction(swing - 50, 50)
    want = []
    for g in range(200):
        if grid[g % 16] != "x":
            continue
        off = swing_steps if g % 2 else Fraction(0)
        if g < at:
            s = exact_sample(g, 120, 4, offset_steps=off)
        else:  # counted in the new tempo from where step `at` starts in the old one
            s = new.anchor_sample + exact_sample(g - at, 97.3, 4, offset_steps=off)
        if s < 10 * SR:
            want.append((s, g))
    assert got == want
    # The old tempo's hits before the step are exactly the unchanged program's.
    assert [h for h in got if h[1] < at] == [h for h in _hits([old], 0, 10 * SR) if h[1] < at]


def test_retimed_swing_and_pattern_start_at_a_sample():
    p = Pattern.from_grid({"rim": "xxxx"}, bpm=100, swing=50)
    old = PatternProgram.build(p, RenderOptions(sample_rate=SR), start_sample=12345)
    new = old.retimed(8, swing=66)
    assert new.bpm == 100 and new.anchor_sample == 12345 + exact_sample(8, 100, 4)
    got = _hits([old.until(8), new], 0, 5 * SR)
    assert got[:8] == [(12345 + exact_sample(g, 100, 4), g) for g in range(8)]
    assert got[8:11] == [(new.anchor_sample + exact_sample(g - 8, 100, 4, offset_steps=Fraction(16 * (g % 2), 50)), g)
                         for g in (8, 9, 10)]


def test_next_step_finds_the_first_step_or_bar_line_at_or_after_a_sample():
    p = Pattern.from_grid({"kick": "x..."}, bpm=93.7)
    prog = PatternProgram.build(p, RenderOptions(sample_rate=SR)).retimed(5, bpm=131)
    for sample in (0, prog.anchor_sample, prog.anchor_sample + 1, 3 * SR + 17, 9 * SR):
        g = prog.next_step(sample)
        assert g >= 5 and prog.step_to_sample(g) >= sample
        assert g == 5 or prog.step_to_sample(g - 1) < sample
        bar = prog.next_step(sample, 16)
        assert bar % 16 == 0 and prog.step_to_sample(bar) >= sample and bar >= 5
        assert bar - 16 < 5 or prog.step_to_sample(bar - 16) < sample


def test_until_bounds_every_hit_by_end_sample():
    p = Pattern.from_grid({"snare": Track.from_grid("snare", "x..x", nudge={3: 50}, ratchet="...4")},
                          bpm=140, swing=75)
    prog = PatternProgram.build(p, RenderOptions(sample_rate=SR, humanize_ms=5)).until(12)
    hits = _hits([prog], -SR, 10 * SR)
    assert max(h[1] for h in hits) == 11
    assert max(h[0] for h in hits) < prog.end_sample
    assert min(h[0] for h in hits) >= -prog.lead_samples
