"""Parts from a progression (bass, arpeggio, pad, melody) and the Note/Part model values."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from groovebox.errors import HarmonyError
from groovebox.generators import parts
from groovebox.generators.progressions import generate_progression
from groovebox.harmony import progression, scale
from groovebox.model.notes import Note, Part, strong_beats

POP = progression("I V vi IV", key="C")
JAZZ = generate_progression("jazz", bars=8, key="Bb", seed=5)
BALLAD = generate_progression("minor_ballad", bars=8, key="e", seed=2)
PROGRESSIONS = [
    POP,
    JAZZ,
    BALLAD,
    progression("Am7 D9 Gmaj7 Cmaj7", bars_per_chord=[1, 1, 2, 1]),
    progression("C/E F G7/B C Bbmaj7 A7 Dm7 G7", bars_per_chord=0.5),  # two beats a chord
]


def sounding(part: Part, t: Fraction) -> list[Note]:
    return [n for n in part if n.start_beats <= t < n.end_beats]


# -- bass ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prog", PROGRESSIONS)
def test_bass_roots_hold_the_chords_bass_note(prog):
    b = parts.bass(prog, "roots", low=36, high=60)
    assert len(b) == len(prog.chords)
    for n, (start, dur, c) in zip(b, prog.spans(), strict=True):
        assert (n.start_beats, n.duration_beats) == (start, dur)
        assert n.pitch % 12 == c.bass and 36 <= n.pitch < 48


def test_bass_root_fifth_alternates_on_half_notes():
    b = parts.bass(POP, "root_fifth")
    assert [n.start_beats for n in b] == [Fraction(2 * k) for k in range(8)]
    for k, n in enumerate(b):
        c = POP.chord_at(n.start_beats)
        assert n.pitch % 12 == (c.bass if k % 2 == 0 else c.tone(5))
    # the fifth sits a fifth above the root
    assert all(b.pitches[k + 1] - b.pitches[k] == 7 for k in range(0, 8, 2))


@pytest.mark.parametrize("prog", PROGRESSIONS)
def test_walking_bass_walks_one_note_per_beat_to_the_next_root(prog):
    b = parts.bass(prog, "walking", low=36, high=60, seed=3)
    assert [n.start_beats for n in b] == [Fraction(k) for k in range(int(prog.length_beats))]
    assert all(36 <= p <= 60 for p in b.pitches)
    sc = scale(prog.key)
    starts = set(prog.starts_beats)
    for i, n in enumerate(b):
        c = prog.chord_at(n.start_beats)
        if n.start_beats in starts:
            assert n.pitch % 12 == c.bass  # each chord begins on its bass note
        if i + 1 < len(b) and b.notes[i + 1].start_beats in starts:
            nxt = b.notes[i + 1].pitch  # the approach: a half step, a scale step or a fifth away
            assert abs(nxt - n.pitch) in (1, 7) or (abs(nxt - n.pitch) == 2 and n.pitch in sc)
        assert i == 0 or n.pitch != b.notes[i - 1].pitch or n.start_beats in starts
    assert b == parts.bass(prog, "walking", low=36, high=60, seed=3)
    assert b != parts.bass(prog, "walking", low=36, high=60, seed=4)


def test_bass_locked_to_the_kick():
    kick = [0, 6, 10]  # a 16-step bar
    b = parts.bass(POP, "kick", kick_steps=kick, steps_per_beat=4)
    onsets = [n.start_beats for n in b]
    expected = sorted({Fraction(bar * 16 + s, 4) for bar in range(4) for s in kick})
    assert onsets == expected  # chord changes fall on kicks here, so nothing is added
    for n, nxt in zip(b.notes, [*onsets[1:], POP.length_beats], strict=True):
        assert n.end_beats == nxt  # held until the next kick
        assert n.pitch % 12 == POP.chord_at(n.start_beats).bass
    # a kick pattern that misses a chord change still gets a note on the change
    half = progression("I V", key="C", bars_per_chord=Fraction(1, 2))
    b2 = parts.bass(half, "kick", kick_steps=[0])
    assert [n.start_beats for n in b2] == [0, 2]


# -- arpeggio -----------------------------------------------------------------------------


@pytest.mark.parametrize("direction", parts.ARP_DIRECTIONS)
@pytest.mark.parametrize("rate", [2, 3, 4])
def test_arpeggio_notes_are_chord_tones_on_the_grid_in_range(direction, rate):
    a = parts.arpeggio(JAZZ, direction, rate=rate, low=55, octaves=2, seed=9)
    step = Fraction(1, rate)
    assert len(a) == JAZZ.length_beats * rate
    for n in a:
        start = JAZZ.starts_beats[JAZZ.chord_index_at(n.start_beats)]
        assert ((n.start_beats - start) / step).denominator == 1
        assert n.pitch % 12 in JAZZ.chord_at(n.start_beats).pitch_classes
        assert 55 <= n.pitch < 55 + 24
        assert n.duration_beats == step


def test_arpeggio_directions():
    up = parts.arpeggio(POP, "up", rate=4, low=60, octaves=1)
    first_chord = [n.pitch for n in up if n.start_beats < 4]
    assert first_chord[:3] == [60, 64, 67] and first_chord[3] == 60
    down = parts.arpeggio(POP, "down", rate=4, low=60, octaves=1)
    assert [n.pitch for n in down][:3] == [67, 64, 60]
    ud = parts.arpeggio(POP, "updown", rate=4, low=60, octaves=2).pitches
    assert ud[:8] == (60, 64, 67, 72, 76, 79, 76, 72)
    assert all(x != y for x, y in zip(ud, ud[1:], strict=False))
    r1 = parts.arpeggio(POP, "random", rate=4, seed=1)
    assert r1 == parts.arpeggio(POP, "random", rate=4, seed=1)
    assert r1 != parts.arpeggio(POP, "random", rate=4, seed=2)
    assert all(x != y for x, y in zip(r1.pitches, r1.pitches[1:], strict=False))


# -- pad ----------------------------------------------------------------------------------


@pytest.mark.parametrize("voicing", ["close", "open", "drop2"])
@pytest.mark.parametrize("prog", PROGRESSIONS)
def test_pad_sounds_each_chord_voice_led_in_range(voicing, prog):
    pad = parts.pad(prog, voicing, low=48, high=84, n_voices=4)
    for start, _dur, c in prog.spans():
        notes = sounding(pad, start)
        assert len(notes) == 4
        assert {n.pitch % 12 for n in notes} <= c.pitch_classes
        assert all(48 <= n.pitch <= 84 for n in notes)
    assert max(n.end_beats for n in pad) == prog.length_beats


def test_pad_ties_common_tones():
    tied = parts.pad(POP, "close", low=55, high=79)
    struck = parts.pad(POP, "close", low=55, high=79, tie=False)
    assert len(struck) == 16
    assert len(tied) < 16  # G stays from I to V, C from vi to IV...
    # a tied note spans several chords but never a chord that lacks it
    for n in tied:
        for start, _d, c in POP.spans():
            if n.start_beats <= start < n.end_beats:
                assert n.pitch % 12 in c.pitch_classes


# -- melody -------------------------------------------------------------------------------


@pytest.mark.parametrize("prog", PROGRESSIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_melody_chord_tones_on_strong_beats_scale_tones_between(prog, seed):
    m = parts.melody(prog, seed=seed, low=60, high=84)
    bar = prog.beats_per_bar
    strong = set(strong_beats(prog.signature))
    sc = set(scale(prog.key).pitch_classes)
    chord_starts = set(prog.starts_beats)
    onsets = {n.start_beats for n in m}
    for k in range(int(prog.bars)):  # every strong beat has a note
        for s in strong:
            assert k * bar + s in onsets
    for n in m:
        assert 60 <= n.pitch <= 84
        assert (n.start_beats * 2).denominator == 1  # eighth-note grid
        c = prog.chord_at(n.start_beats)
        if n.start_beats % bar in strong or n.start_beats in chord_starts:
            assert n.pitch % 12 in c.pitch_classes, (n, c.figure)
        else:
            assert n.pitch % 12 in sc | c.pitch_classes
    # legato: each note lasts until the next, the last until the end
    for a, b in zip(m.notes, m.notes[1:], strict=False):
        assert a.end_beats == b.start_beats
    assert m.notes[-1].end_beats == prog.length_beats


def test_melody_contour_rises_to_a_peak_and_falls_to_the_tonic():
    prog = generate_progression("pop", bars=8, key="G", seed=1)  # ends V-I
    for seed in range(5):
        m = parts.melody(prog, seed=seed, phrase_bars=8)
        pitches = m.pitches
        assert pitches[-1] % 12 == scale("G").tonic_pc
        peak = max(range(len(pitches)), key=lambda i: pitches[i])
        assert 0 < peak < len(pitches) - 1
        n = len(pitches)
        first, last = np.mean(pitches[: n // 4]), np.mean(pitches[-(n // 4) :])
        assert pitches[peak] - first >= 5 and pitches[peak] - last >= 5


def test_melody_is_seeded():
    a = parts.melody(JAZZ, seed=7)
    assert a == parts.melody(JAZZ, seed=7)
    assert a != parts.melody(JAZZ, seed=8)


def test_melody_can_use_another_scale_for_passing_tones():
    prog = progression("i iv i v", key="a")
    m = parts.melody(prog, seed=3, scale="A minor pentatonic")
    penta = set(scale("A minor pentatonic").pitch_classes)
    for n in m:
        assert n.pitch % 12 in penta | prog.chord_at(n.start_beats).pitch_classes


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parts.bass(POP, "slap"), "bass style 'slap'"),
        (lambda: parts.bass(POP, "kick"), "kick_steps is required"),
        (lambda: parts.bass(POP, "kick", kick_steps=[0, 16]), "kick_steps: step 16 is outside"),
        (lambda: parts.bass(POP, "roots", low=40, high=45), "bass range 40..45"),
        (lambda: parts.arpeggio(POP, "sideways"), "arpeggio direction 'sideways'"),
        (lambda: parts.arpeggio(POP, rate=0), "rate: expected notes per beat > 0"),
        (lambda: parts.melody(POP, velocity=1.5), "velocity: expected 0..1"),
        (lambda: parts.melody(POP, density=2), "density: expected 0..1"),
    ],
)
def test_part_errors(call, message):
    with pytest.raises(HarmonyError) as info:
        call()
    assert message in str(info.value) and "\n" not in str(info.value)


# -- the model values -------------------------------------------------------------------


def test_to_arrays_is_exact_and_gapless_over_long_odd_tempo_sequences():
    # 3000 triplet eighths at 97.3 bpm: float accumulation would drift; exact rounding tiles.
    step = Fraction(1, 3)
    notes = tuple(Note(k * step, step, 60 + k % 12, 0.5) for k in range(3000))
    part = Part("trip", notes, "keys")
    start, dur, pitch, vel = part.to_arrays(bpm=97.3, sample_rate=44100)
    assert start.dtype == np.int64 and dur.dtype == np.int64
    assert pitch.dtype == np.float64 and vel.dtype == np.float32
    assert np.all(start[1:] == start[:-1] + dur[:-1])  # no gap, no overlap
    k = 2999
    exact = Fraction(k, 3) * 60 * 44100 / Fraction(97.3)
    assert start[k] == round(exact)
    # and the total length is the exact end frame, not a sum of rounded steps
    assert start[-1] + dur[-1] == round(Fraction(3000, 3) * 60 * 44100 / Fraction(97.3))


def test_to_arrays_frames_for_simple_values():
    part = Part("p", (Note(0, 1, 60, 1.0), Note(Fraction(3, 2), Fraction(1, 2), 67, 0.25)))
    start, dur, pitch, vel = part.to_arrays(120, 48000)
    assert start.tolist() == [0, 36000] and dur.tolist() == [24000, 12000]
    assert pitch.tolist() == [60.0, 67.0] and vel.tolist() == [1.0, 0.25]


def test_notes_coerce_beats_and_validate():
    n = Note(0.1, "3/2", 60)
    assert n.start_beats == Fraction(1, 10) and n.duration_beats == Fraction(3, 2)
    with pytest.raises(HarmonyError, match="pitch 128 is outside MIDI 0..127"):
        Note(0, 1, 128)
    with pytest.raises(HarmonyError, match="duration_beats must be > 0"):
        Note(0, 0, 60)
    with pytest.raises(HarmonyError, match="velocity 2 is outside 0..1"):
        Note(0, 1, 60, 2)
    p = Part("x", (Note(2, 1, 64), Note(0, 1, 60)))
    assert p.pitches == (60, 64) and all(n.part == "x" for n in p)
    with pytest.raises(HarmonyError, match="at or after length_beats"):
        Part("x", (Note(4, 1, 60),), length_beats=4)
