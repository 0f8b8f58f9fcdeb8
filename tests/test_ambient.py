"""Generative ambient: loops land on exact samples for hours, seeds vary only what they should,
any block size gives the same bytes, effects do what they say inside the engine, presets sound
balanced and never fall silent, and an hour streams in constant memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from fractions import Fraction

import numpy as np
import pytest
import soundfile as sf

import groovebox as gb
from groovebox.errors import ParameterError, SoundscapeError, UnknownNameError
from groovebox.model.options import RenderOptions
from groovebox.renderer.engine import Engine
from groovebox.renderer.loops import LoopSource
from groovebox.renderer.plan import plan as render_plan
from groovebox.renderer.program import Program
from groovebox.renderer.sequencer import NoteBuffer
from groovebox.renderer.soundscape import build_program, plan_soundscape

render = gb.render
SR = 48000
CEILING = 10.0 ** (-0.3 / 20.0)


def _db(x: float) -> float:
    return 20.0 * np.log10(max(x, 1e-12))


def _rms_db(x: np.ndarray) -> float:
    return _db(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))))


# --- model: bad input is one clear line ------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "error", "text"),
    [
        (lambda: gb.Loop("F4", 0), SoundscapeError, "period"),
        (lambda: gb.Loop("F4", -3.5), SoundscapeError, "period"),
        (lambda: gb.Loop("H4", 19.7), SoundscapeError, "'H4'"),
        (lambda: gb.Loop(["C4", "E#x"], 4.0), SoundscapeError, "'E#x'"),
        (lambda: gb.Loop("F4", 4.0, -1.0), SoundscapeError, "start"),
        (lambda: gb.Loop("F4", 4.0, skip=1.0), SoundscapeError, "skip"),
        (lambda: gb.Loop("F4", 4.0, velocity=1.5), SoundscapeError, "velocity"),
        (lambda: gb.Loop("F4", 4.0, envelope={"attack_s": 99.0}), ParameterError, "patch.attack_s"),
        (lambda: gb.Loop([(0, "C4", 1.0), (1, "D4")], 4.0), SoundscapeError, "phrase item 2"),
        (lambda: gb.Effect("reverb", decay_s=500.0), ParameterError, "reverb.decay_s"),
        (lambda: gb.Effect("tape_delay", feedback=120.0), ParameterError, "tape_delay.feedback"),
        (lambda: gb.Effect("reverbb"), UnknownNameError, "did you mean 'reverb'"),
        (lambda: gb.Instrument("choir_ah", vowel=9.0), ParameterError, "patch.vowel"),
        (lambda: gb.Soundscape([gb.Loop("F4", 4.0, sends={"hall": 0.0})]), UnknownNameError, "bus 'hall'"),
        (lambda: gb.Soundscape([gb.Loop("F4", 4.0, instrument="choir_oh")]), UnknownNameError, "did you mean"),
        (lambda: gb.Soundscape([gb.Loop("F4", 4.0, unit="beats")]), SoundscapeError, "bpm"),
        (lambda: gb.Soundscape([gb.Loop("F4", 4.0)], evolve=[gb.LFO("F4", "cutof_hz", 1.0, 60.0)]),
         UnknownNameError, "did you mean 'cutoff_hz'"),
        (lambda: gb.Soundscape([gb.Loop("F4", 4.0)], evolve=[gb.LFO("G4", "gain_db", 1.0, 60.0)]),
         UnknownNameError, "evolution target 'G4'"),
        (lambda: gb.ambient.preset("airport"), UnknownNameError, "did you mean 'airports'"),
    ],
)
def test_bad_settings_fail_with_one_clear_line(make, error, text):
    with pytest.raises(error) as info:
        make()
    message = str(info.value)
    assert text in message and "\n" not in message


@pytest.mark.parametrize(("name", "midi"), [("F4", 65), ("Ab4", 68), ("C#5", 73), ("Bb3", 58), ("C-1", 0), (60, 60)])
def test_note_names(name, midi):
    assert gb.Loop(name, 10.0).pitches == (midi,)


def test_loop_names_are_unique_tracks():
    scape = gb.Soundscape([gb.Loop("F4", 3.0), gb.Loop("F4", 4.0), gb.Loop("C5", 5.0, name="F4-2")])
    assert scape.loop_names == ("F4", "F4-3", "F4-2")
    assert scape.with_seed(5).loop_names == scape.loop_names
    with pytest.raises(SoundscapeError, match="two loops are named 'bell'"):
        gb.Soundscape([gb.Loop("F4", 3.0, name="bell"), gb.Loop("G4", 4.0, name="bell")])


# --- exact time ------------------------------------------------------------------------------
HOUR_LOOPS = [
    # (loop, sample rate, seconds per unit)
    (gb.Loop("F4", 19.7, 4.0), 48000, Fraction(1)),
    (gb.Loop("A4", 0.1234567, 0.0000123), 44100, Fraction(1)),
    (gb.Loop([(0, "C4", 0.2), ("1/3", "E4", 0.2), (1.25, ["G4", "B4"], 0.4)], 3.0, 1.5, unit="beats", bpm=72.5),
     96000, Fraction(60) / Fraction("72.5")),
]


@pytest.mark.parametrize(("loop", "sr", "unit"), HOUR_LOOPS)
def test_every_event_of_an_hour_lands_on_its_exact_sample(loop, sr, unit):
    src = LoopSource.build([loop], sample_rate=sr, seed=0)
    hour = 3600 * sr
    # Windows of irregular sizes, the way blocks of a long render ask.
    edges = np.unique(np.concatenate([[0, hour], np.random.default_rng(1).integers(0, hour, 40)]))
    buf = NoteBuffer(200_000)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        src.query_notes(int(a), int(b), buf)
    got = buf.sample[: buf.n]
    expected = []
    hits = [(h.offset, len(h.pitches)) for h in loop.variants[0]]
    k = 0
    while True:
        base = loop.exact_start + k * loop.exact_period
        frames = [round((base + off) * unit * sr) for off, n in hits for _ in range(n)]
        if min(frames) >= hour:
            break
        expected += [f for f in frames if f < hour]
        k += 1
    assert len(got) == len(expected) > 150
    assert np.array_equal(got, np.array(expected))
    # The last event sits where the formula says, even after thousands of periods.
    assert got[-1] == expected[-1] and got[-1] > hour - round(float(loop.exact_period * unit) * sr) - sr


def test_window_queries_do_not_depend_on_how_time_is_cut():
    loops = [gb.Loop("F4", 7.3, 0.4, skip=0.3, velocity_drift=0.8, timbre_drift=0.5),
             gb.Loop(None, 5.9, 1.1, choose=["C4", ["E4", "G4"], "B4"], velocity_drift=0.5)]
    src = LoopSource.build(loops, sample_rate=SR, seed=9, patch_count=[5, 1], patch_first=[0, 5])
    span = 600 * SR

    def collect(edges):
        buf = NoteBuffer(10_000)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            src.query_notes(int(a), int(b), buf)
        n = buf.n
        # The engine plays a block's notes sorted by sample (stably: ties stay in loop order).
        order = np.argsort(buf.sample[:n], kind="stable")
        return [getattr(buf, f)[:n][order] for f in ("sample", "track", "patch", "vel", "pitch", "dur", "seed")]

    one = collect([0, span])
    cuts = np.unique(np.concatenate([[0, span], np.random.default_rng(2).integers(0, span, 3000)]))
    many = collect(cuts)
    for a, b in zip(one, many, strict=True):
        assert np.array_equal(a, b)
    assert len(set(one[2])) > 2  # timbre rows do drift


# --- a soundscape with everything in it ------------------------------------------------------
def everything(seed: int = 0) -> gb.Soundscape:
    """Loops (note, chord, phrase, choice, texture), reverb and delay buses, a master chain,
    evolution on faders, sends, patches and effects, and a polymetric drum pattern, all busy
    within two seconds."""
    beat = gb.Pattern.from_grid({"kick": "x...", "rim": "..x", "shaker": "xx.x."}, bpm=200)
    loops = [
        gb.Loop("F4", 0.37, 0.0, instrument="choir_ah", duration=0.2, sends={"hall": -3.0},
                velocity_drift=0.6, timbre_drift=0.5),
        gb.Loop(["C4", "E4", "G4"], 0.53, 0.05, instrument="warm_pad", duration=0.3,
                envelope={"attack_s": 0.05, "release_s": 0.2}, sends={"echo": -2.0}),
        gb.Loop([(0, "A4", 0.05), (0.25, "C5", 0.05, 0.6)], 1.5, 0.1, unit="beats", instrument="pluck",
                sends={"hall": -6.0, "echo": -6.0}, skip=0.3),
        gb.Loop(None, 0.29, 0.02, choose=["D5", "E5", ["F5", "A5"]], instrument="fm_bell", duration=0.1,
                pan=0.4, sends={"hall": 0.0}),
        gb.Loop(None, 1.1, 0.0, instrument="rain", duration=0.8, envelope={"attack_s": 0.2, "release_s": 0.3}),
    ]
    return gb.Soundscape(
        loops, bpm=180, seed=seed,
        buses={"hall": gb.Effect("reverb", decay_s=1.5, size=60.0),
               "echo": [gb.Effect("tape_delay", time_beats=0.5, feedback=60.0), gb.Effect("chorus")]},
        master=[gb.Effect("eq", low_db=-2.0), gb.Effect("compressor", threshold_db=-24.0)],
        evolve=[gb.LFO("C4+E4+G4", "cutoff_hz", 1.0, 0.7), gb.Walk("F4", "gain_db", 6.0, step_s=0.3),
                gb.LFO("hall", "send", 6.0, 0.9), gb.Walk("echo", "feedback", 20.0, step_s=0.4),
                gb.LFO("F4", "pan", 0.8, 0.5), gb.LFO("master", "compressor.threshold_db", 6.0, 1.3)],
        drums=[gb.Drums(beat, kit="808", gain_db=-6.0, sends={"hall": -12.0}, start=0.1)],
    )


def _render_blocks(scape, block: int, seconds: float, sr: int) -> np.ndarray:
    plan = plan_soundscape(scape, RenderOptions(sample_rate=sr, seconds=seconds, fade_s=0))
    eng = Engine(sr, max_block=max(block, 64), **plan.engine_options)
    eng.load(plan.program)
    out = np.empty((plan.frames, 2), np.float32)
    for a in range(0, plan.frames, block):
        eng.render_block(min(block, plan.frames - a), out[a : a + block])
    return out


def test_any_block_size_gives_identical_samples():
    sr = 16000  # block size 1 means one engine call per sample: keep it affordable
    ref = _render_blocks(everything(), 8193, 2.5, sr)
    assert np.isfinite(ref).all() and _rms_db(ref) > -40.0
    for block in (1, 64, 65, 256):
        got = _render_blocks(everything(), block, 2.5, sr)
        assert np.array_equal(got, ref), block


def test_same_seed_same_bytes_other_seed_other_variation_same_structure(tmp_path):
    a = render(everything(3), seconds=3, path=tmp_path / "a.wav")
    b = render(everything(3), seconds=3, path=tmp_path / "b.wav")
    c = render(everything(4), seconds=3, path=tmp_path / "c.wav")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    # Structure: every event of either seed sits on its loop's grid, and loops without skips
    # or choices play the same onsets and pitches.
    notes = {}
    for seed in (3, 4):
        src = build_program(everything(seed), SR).sources[0]
        buf = NoteBuffer(4096)
        src.query_notes(0, 30 * SR, buf)
        notes[seed] = {f: getattr(buf, f)[: buf.n].copy() for f in ("sample", "track", "pitch", "vel", "seed")}
    for track in (0, 1, 4):
        s3, s4 = (notes[s]["track"] == track for s in (3, 4))
        assert np.array_equal(notes[3]["sample"][s3], notes[4]["sample"][s4])
        assert np.array_equal(notes[3]["pitch"][s3], notes[4]["pitch"][s4])
    assert not np.array_equal(notes[3]["vel"], notes[4]["vel"])  # velocity drift differs
    for seed in (3, 4):  # the skipping loop's onsets are a subset of its grid
        grid = {round((Fraction("0.1") + k * Fraction("1.5") + off) * Fraction(60, 180) * SR)
                for k in range(80) for off in (0, Fraction("0.25"))}
        assert set(notes[seed]["sample"][notes[seed]["track"] == 2].tolist()) <= grid


def test_a_soundscape_is_a_plain_program_any_engine_can_play():
    prog = build_program(everything(), SR)
    assert isinstance(prog, Program)
    assert [t.name for t in prog.tracks][:5] == ["F4", "C4+E4+G4", "phrase", "choose", "rain"]
    assert [t.name for t in prog.tracks][5:] == ["drums.kick", "drums.rim", "drums.shaker"]
    assert all(t.stereo for t in prog.tracks[:5]) and not any(t.stereo for t in prog.tracks[5:])
    eng = Engine(SR, n_voices=96)
    eng.load(prog)
    assert np.isfinite(eng.render_block(4096)).all()
    # The real-time player asks for a plan without a length: the soundscape's own.
    plan = render_plan(everything(), RenderOptions(sample_rate=SR))
    assert plan.frames == round(everything().length_s * SR) and plan.keep_partial and not plan.tail


# --- effects inside the engine ---------------------------------------------------------------
def _burst_scape(bus: gb.Effect, gain_db: float = -12.0) -> gb.Soundscape:
    """One short organ burst at 0.1 s into a bus."""
    click = gb.Instrument("organ", attack_s=0.001, release_s=0.004, drawbars="008000000")
    loop = gb.Loop("A4", 1000.0, 0.1, instrument=click, duration=0.008, gain_db=gain_db, sends={"fx": 0.0})
    return gb.Soundscape([loop], buses={"fx": bus})


def _schroeder_t20(x: np.ndarray, sr: int) -> float:
    energy = np.sum(np.square(x, dtype=np.float64), axis=1)
    edc = np.cumsum(energy[::-1])[::-1]
    edc_db = 10.0 * np.log10(edc / edc[0] + 1e-300)
    t5, t25 = (np.argmax(edc_db < -db) for db in (5, 25))
    return 3.0 * (t25 - t5) / sr


@pytest.mark.parametrize("decay_s", [1.0, 4.0])
def test_reverb_bus_rt60_matches_its_setting(decay_s):
    scape = _burst_scape(gb.Effect("reverb", decay_s=decay_s, predelay_s=0.0, damping_hz=None, modulation=0.0))
    out = render(scape, seconds=0.2 + 1.3 * decay_s, fade_s=0).samples
    tail = out[round(0.16 * SR) :]  # after the dry burst: the reverb alone
    assert abs(_schroeder_t20(tail, SR) - decay_s) < 0.2 * decay_s


@pytest.mark.parametrize("feedback", [35.0, 70.0])
def test_delay_bus_repeats_at_its_time_with_its_feedback(feedback):
    time_s = 0.25
    d = round(time_s * SR)
    scape = _burst_scape(gb.Effect("tape_delay", time_s=time_s, feedback=feedback, wow_depth=0.0,
                                   flutter_depth=0.0, lowcut_hz=None, highcut_hz=None, mix=100.0))
    out = render(scape, seconds=1.5, fade_s=0).samples[:, 0].astype(np.float64)
    t0 = round(0.1 * SR)
    dry = out[t0 : t0 + round(0.02 * SR)]
    pad = 100
    for k in range(1, 5):
        seg = out[t0 + k * d - pad : t0 + k * d + len(dry) + pad]
        corr = np.correlate(seg, dry, mode="valid")
        assert int(np.argmax(corr)) == pad  # on the sample
        ratio = corr[pad] / float(np.dot(dry, dry))
        assert ratio == pytest.approx((feedback / 100.0) ** (k - 1), rel=2e-3)


def test_limiter_holds_the_ceiling_of_a_loud_soundscape():
    loud = gb.Soundscape([gb.Loop(["C3", "G3", "C4", "E4", "G4"], 0.5, 0.0, instrument="organ", gain_db=12.0,
                                  duration=0.4)], fade_out_s=0)
    plan = plan_soundscape(loud, RenderOptions(sample_rate=SR, seconds=2.0))
    plan.engine_options = {**plan.engine_options, "limiter": False}
    raw = render(plan).samples
    assert np.abs(raw).max() > 2.0  # it would clip without the limiter
    limited = render(loud, seconds=2.0).samples
    assert np.abs(limited).max() <= CEILING + 1e-6


# --- presets -----------------------------------------------------------------------------------
FIRST_ONSET_S = {"airports": 3.1, "discreet": 0.5, "phase": 0.0, "drift": 0.0, "chillwave": 0.0}


@pytest.mark.parametrize("name", gb.ambient.names())
def test_preset_is_balanced_and_never_falls_silent(name):
    seconds = 40.0
    plan = plan_soundscape(gb.ambient.preset(name, seed=1), RenderOptions(sample_rate=SR, seconds=seconds, fade_s=0))
    plan.engine_options = {**plan.engine_options, "limiter": False}
    x = render(plan).samples
    assert np.isfinite(x).all()
    # Headroom: the limiter has nothing to do at default settings (no pumping).
    assert _db(float(np.abs(x).max())) < -2.0
    assert -28.0 < _rms_db(x) < -15.0
    # No silence the preset does not intend: every second after the first onset is audible.
    start = round((FIRST_ONSET_S[name] + 1.0) * SR)
    for a in range(start, len(x) - SR, SR):
        assert _rms_db(x[a : a + SR]) > -50.0, (name, a / SR)
    # Both channels carry sound; no DC.
    assert abs(_rms_db(x[:, 0]) - _rms_db(x[:, 1])) < 3.0
    assert abs(float(x.mean())) < 1e-3


FIXED_FORM = [n for n in gb.ambient.names() if not gb.ambient.PRESETS[n].generated]


@pytest.mark.parametrize("name", FIXED_FORM)
def test_a_seed_changes_the_variation_never_the_structure(name):
    a, b = gb.ambient.preset(name, seed=0), gb.ambient.preset(name, seed=11)
    assert [(lp.name, lp.exact_period, lp.exact_start, lp.variants, lp.instrument) for lp in a.loops] == [
        (lp.name, lp.exact_period, lp.exact_start, lp.variants, lp.instrument) for lp in b.loops
    ]
    assert a.buses == b.buses and a.master == b.master and a.evolve == b.evolve and a.drums == b.drums
    x = render(a, seconds=8, fade_s=0).samples
    y = render(b, seconds=8, fade_s=0).samples
    assert not np.array_equal(x, y)


def test_airports_models_the_seven_loops():
    scape = gb.ambient.preset("airports")
    spec = [(lp.name, float(lp.period), float(lp.start)) for lp in scape.loops]
    assert spec == [("F4", 19.7, 4.0), ("Ab4", 17.8, 8.1), ("C5", 21.3, 5.6), ("Db5", 18.5, 12.6),
                    ("Eb5", 20.0, 9.2), ("F5", 20.0, 14.1), ("Ab5", 17.7, 3.1)]
    assert [lp.pitches for lp in scape.loops] == [(65,), (68,), (72,), (73,), (75,), (77,), (80,)]
    src = build_program(scape, SR).sources[0]
    for i, (_, period, start) in enumerate(spec):
        assert src.onset(i, 0) == round(start * SR)
        assert src.onset(i, 150) == round((Fraction(str(start)) + 150 * Fraction(str(period))) * SR)


def test_chillwave_plays_its_generated_form_over_drums_that_come_and_go():
    from groovebox.generators.ambient import CHILLWAVE_DRUM_CYCLES, chillwave_form

    form = chillwave_form(0)
    prog = form.progression()
    scape = gb.ambient.preset("chillwave")
    pads = scape.loops[0]
    first_chord = {p for h in pads.variants[0] if h.offset == 0 for p in h.pitches}
    assert {p % 12 for p in first_chord} == set(prog.chords[0].pitch_classes)
    assert float(pads.period) == float(prog.length_beats) == 16 * 32 and pads.unit == "beats"
    # The form strings three progressions (two major, one in the relative minor) together.
    assert set(form.sections) == {"A", "B", "C"} and form.sections[0] == "A"
    assert len({form.progressions[x].figures for x in "ABC"}) == 3
    # The bass rests where the energy is lowest; the arpeggio plays in some sections only.
    section = 32
    bass = scape.loops[1].variants[0]
    quiet = {i for i, e in enumerate(form.energy) if e == 1}
    assert quiet and all(int(h.offset // section) not in quiet for h in bass)
    arp = {int(h.offset // section) for h in scape.loops[2].variants[0]}
    assert arp == {i for i, on in enumerate(form.arp) if on} and 0 < len(arp) < 16
    # The groove is the library's, each part on its own cycle of 4-bar units, some of them rests.
    drums = scape.drums[0].pattern
    assert drums.id == "hip-hop/lo-fi-chillhop"
    for t in drums.tracks:
        units = CHILLWAVE_DRUM_CYCLES[t.instrument]
        assert len(t.steps) == units * 64
        playing = [any(s.is_hit for s in t.steps[u * 64 : (u + 1) * 64]) for u in range(units)]
        assert playing == list(form.drum_masks[t.instrument]) and not playing[0] and any(playing)


def test_chillwave_form_comes_from_its_seed():
    a, again, b = (gb.ambient.preset("chillwave", seed=s) for s in (0, 0, 11))
    assert a == again
    assert a.loops[0].variants != b.loops[0].variants or a.drums != b.drums
    x = render(a, seconds=8, fade_s=0).samples
    assert np.array_equal(x, render(again, seconds=8, fade_s=0).samples)


def test_a_render_ends_with_a_musical_fade():
    audio = render(gb.ambient.preset("phase"), seconds=20, fade_s=4.0)
    x = audio.samples
    before = _rms_db(x[-round(6.0 * SR) : -round(4.0 * SR)])
    mid = _rms_db(x[-round(2.2 * SR) : -round(1.8 * SR)])
    last = np.abs(x[-round(0.05 * SR) :]).max()
    assert before > -30.0 and before - 9.0 < mid < before - 3.0 and last < 2e-4


# --- plots -------------------------------------------------------------------------------------
def test_loop_timeline_draws_each_loop_on_its_row_at_its_onsets():
    import matplotlib

    matplotlib.use("Agg")
    scape = gb.ambient.preset("airports")
    fig = gb.viz.loop_timeline(scape, minutes=2)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[::-1][0].startswith("F4") and len(labels) == 7
    # The solid bars of the F4 row start at its onsets.
    bars = [c for c in ax.collections if c.get_alpha() == 0.85]
    f4 = sorted(p.vertices[:, 0].min() for p in bars[0].get_paths())
    assert np.allclose(f4, scape.loops[0].onsets(120.0), atol=1e-3)


# --- an hour ---------------------------------------------------------------------------------
_CHILD = textwrap.dedent("""
    import json, resource, sys
    import groovebox as gb
    gb.render(gb.ambient.preset("airports"), minutes=float(sys.argv[1]), path=sys.argv[2])
    print(json.dumps({"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
""")


def _render_in_child(minutes: float, path) -> int:
    r = subprocess.run([sys.executable, "-c", _CHILD, str(minutes), str(path)], capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])["rss_kb"]


@pytest.mark.slow
def test_an_hour_streams_in_constant_memory_and_never_falls_silent(tmp_path):
    short = _render_in_child(1, tmp_path / "one.wav")
    hour_path = tmp_path / "hour.wav"
    long = _render_in_child(60, hour_path)
    assert long <= 1.1 * short, (short, long)
    info = sf.info(str(hour_path))
    assert info.frames == 3600 * SR
    window = 30 * SR
    levels = []
    for block in sf.blocks(str(hour_path), blocksize=window, dtype="float32"):
        assert np.isfinite(block).all() and np.abs(block).max() <= CEILING + 1e-4
        levels.append(_rms_db(block))
    # Every 30 s of the hour is audible (the last one holds the fade-out).
    assert min(levels[:-1]) > -32.0, levels
    assert len(levels) == 120


# --- evolution does what it says ---------------------------------------------------------------
def test_lfo_on_gain_moves_the_level_by_its_depth():
    tone = gb.Instrument("organ", attack_s=0.01, release_s=0.05)
    loop = gb.Loop("A3", 10.0, 0.0, instrument=tone, duration=9.9, gain_db=-24.0)
    scape = gb.Soundscape([loop], evolve=[gb.LFO("A3", "gain_db", 6.0, period_s=4.0)])
    x = render(scape, seconds=4.0, fade_s=0).samples

    def level(t):
        a = round(t * SR)
        return _rms_db(x[a - 2400 : a + 2400])

    # sin peaks at 1 s (+6 dB) and dips at 3 s (-6 dB); at 2 s it is back at the base level.
    assert level(1.0) - level(2.0) == pytest.approx(6.0, abs=0.3)
    assert level(2.0) - level(3.0) == pytest.approx(6.0, abs=0.3)


def test_lfo_on_cutoff_opens_and_closes_a_pad():
    pad = gb.Instrument("warm_pad", attack_s=0.05, lfo_depth=0.0, filter_env_oct=0.0, cutoff_hz=800.0)
    loop = gb.Loop(["C3", "G3", "C4"], 20.0, 0.0, instrument=pad, duration=19.0)
    scape = gb.Soundscape([loop], evolve=[gb.LFO("C3+G3+C4", "cutoff_hz", 1.5, period_s=8.0)])
    x = render(scape, seconds=8.0, fade_s=0).samples.mean(axis=1)

    def centroid(t):
        a = round(t * SR)
        spec = np.abs(np.fft.rfft(x[a : a + 8192] * np.hanning(8192)))
        f = np.fft.rfftfreq(8192, 1.0 / SR)
        return float((spec * f).sum() / spec.sum())

    # Open (2 s: +1.5 octaves) is clearly brighter than closed (6 s: -1.5 octaves).
    assert centroid(1.5) > 1.8 * centroid(5.5)


def test_walk_on_an_effect_parameter_reaches_the_effect():
    burst = gb.Instrument("organ", attack_s=0.001, release_s=0.004, drawbars="008000000")
    loops = [gb.Loop("A4", 0.5, 0.05, instrument=burst, duration=0.008, gain_db=-12.0, sends={"fx": 0.0})]
    fixed = gb.Soundscape(loops, buses={"fx": gb.Effect("tape_delay", time_s=0.1, feedback=50.0)})
    moving = gb.Soundscape(loops, buses={"fx": gb.Effect("tape_delay", time_s=0.1, feedback=50.0)},
                           evolve=[gb.Walk("fx", "feedback", 40.0, step_s=0.5)])
    a = render(fixed, seconds=3.0, fade_s=0).samples
    b = render(moving, seconds=3.0, fade_s=0).samples
    assert np.abs(a - b).max() > 1e-3  # the echoes' feedback differs once the walk moves
    # The first burst and its first echo do not depend on the feedback.
    assert np.array_equal(a[: round(0.2 * SR)], b[: round(0.2 * SR)])
