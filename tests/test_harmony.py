"""groovebox.harmony: keys, scales, chords, progressions, voicings and its error lines."""

from __future__ import annotations

import itertools
import subprocess
import sys
from fractions import Fraction

import pytest

from groovebox.errors import GrooveboxError, HarmonyError
from groovebox.generators.progressions import generate_progression
from groovebox.harmony import (
    chord,
    chord_origin,
    chord_symbol,
    key_name,
    progression,
    roman,
    scale,
    total_motion,
    voice_lead,
    voicing_candidates,
)

NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def pcs(names: str) -> frozenset[int]:
    """'F# A C Eb' -> pitch classes, written by hand below from harmony knowledge."""
    out = set()
    for n in names.split():
        pc = NAMES[n[0]] + n[1:].count("#") - n[1:].count("b")
        out.add(pc % 12)
    return frozenset(out)


def test_importing_harmony_and_its_users_does_not_import_music21():
    code = (
        "import sys\n"
        "import groovebox.harmony, groovebox.model.notes, groovebox.generators.progressions\n"
        "import groovebox.generators.parts, groovebox.formats.midi.notes, groovebox.harmony.musicxml\n"
        "import groovebox.harmony.score\n"
        "print('music21' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# figure, key, the chord's notes written by hand
ROMAN_TABLE = [
    ("I", "C", "C E G"),
    ("ii", "C", "D F A"),
    ("iii", "C", "E G B"),
    ("IV", "C", "F A C"),
    ("V", "C", "G B D"),
    ("vi", "C", "A C E"),
    ("viio", "C", "B D F"),
    ("V7", "C", "G B D F"),
    ("Imaj7", "C", "C E G B"),
    ("viiø7", "C", "B D F A"),
    ("V65", "C", "B D F G"),
    ("I6", "C", "E G C"),
    ("I64", "C", "G C E"),
    ("V42", "C", "F G B D"),
    ("V/V", "C", "D F# A"),
    ("V7/V", "C", "D F# A C"),
    ("V7/IV", "C", "C E G Bb"),
    ("V/vi", "C", "E G# B"),
    ("viio7/ii", "C", "C# E G Bb"),
    ("viio7/V", "C", "F# A C Eb"),
    ("bVI", "C", "Ab C Eb"),
    ("bVII", "C", "Bb D F"),
    ("bIII", "C", "Eb G Bb"),
    ("iv", "C", "F Ab C"),
    ("bII6", "C", "Db F Ab"),
    ("N6", "C", "Db F Ab"),
    ("It6", "C", "Ab C F#"),
    ("Ger65", "C", "Ab C Eb F#"),
    ("Fr43", "C", "Ab C D F#"),
    ("ii7", "Bb", "C Eb G Bb"),
    ("V7", "Bb", "F A C Eb"),
    ("Imaj7", "Bb", "Bb D F A"),
    ("vi", "Eb", "C Eb G"),
    ("V7/V", "G", "A C# E G"),
    ("i", "a", "A C E"),
    ("iio", "a", "B D F"),
    ("iiø7", "a", "B D F A"),
    ("III", "a", "C E G"),
    ("iv", "a", "D F A"),
    ("v", "a", "E G B"),
    ("V", "a", "E G# B"),
    ("V7", "a", "E G# B D"),
    ("VI", "a", "F A C"),
    ("VII", "a", "G B D"),
    ("viio7", "a", "G# B D F"),
    ("I", "a", "A C# E"),
    ("bII6", "a", "Bb D F"),
    ("V7/iv", "a", "A C# E G"),
    ("i", "F# minor", "F# A C#"),
    ("V7", "F# minor", "C# E# G# B"),
    ("VI", "c#", "A C# E"),
    ("i", "D dorian", "D F A"),
    ("IV", "D dorian", "G B D"),
    ("VII", "D dorian", "C E G"),
    ("VII", "G mixolydian", "F A C"),
    ("II", "F lydian", "G B D"),
]


@pytest.mark.parametrize(("figure", "key", "notes"), ROMAN_TABLE)
def test_roman_numeral_pitch_classes_match_music21_and_theory(figure, key, notes):
    from music21 import key as m21key
    from music21 import roman as m21roman

    c = roman(figure, key)
    kn = key_name(key).split()
    theirs = m21roman.RomanNumeral(figure, m21key.Key(kn[0].replace("b", "-"), kn[1]))
    assert c.pitch_classes == frozenset(p.pitchClass for p in theirs.pitches)
    assert c.pitch_classes == pcs(notes)
    # plain values: MIDI numbers ascending from the bass, in octave 3
    assert list(c.pitches) == sorted(c.pitches)
    assert 48 <= c.pitches[0] <= 59 and c.pitches[0] % 12 == c.bass
    assert all(isinstance(p, int) for p in c.pitches)


def test_table_covers_enough_kinds_of_chord():
    assert len(ROMAN_TABLE) >= 30
    keys = {key_name(k).split()[1] for _, k, _ in ROMAN_TABLE}
    assert {"major", "minor"} <= keys


def test_inversions_put_the_right_note_in_the_bass():
    assert roman("I6", "C").bass == 4
    assert roman("I64", "C").bass == 7
    assert roman("V65", "C").bass == 11
    assert roman("V42", "C").bass == 5
    assert roman("bII6", "C").bass == 5  # Neapolitan sixth: F in the bass
    assert roman("V7", "C").root == 7 and roman("V7", "C").inversion == 0


def test_chord_tones_are_ordered_root_third_fifth_seventh():
    c = roman("V9", "C")
    assert c.tones == (7, 11, 2, 5, 9)
    assert c.degrees == (1, 3, 5, 7, 9)
    assert c.tone(7) == 5 and c.tone(11) is None
    # inversions and slash chords keep the root-based order, whatever note is in the bass
    assert roman("I6", "C").tones == (0, 4, 7)
    assert roman("V42", "C").tones == (7, 11, 2, 5)
    assert chord("C/E").tones == (0, 4, 7) and chord("C/E").degrees == (1, 3, 5)
    assert chord("Am7/G").tones == (9, 0, 4, 7)
    assert chord("Csus4").degrees == (1, 5, 11)


SYMBOLS = [
    ("Am7", "A C E G", 9),
    ("D9", "D F# A C E", 2),
    ("Gmaj7", "G B D F#", 7),
    ("Bbm7b5", "Bb Db Fb Ab", 10),
    ("F#dim7", "F# A C Eb", 6),
    ("Csus4", "C F G", 0),
    ("Cadd9", "C E G D", 0),
    ("Ebmaj9", "Eb G Bb D F", 3),
    ("C/E", "C E G", 4),
    ("Am7/G", "A C E G", 7),
    ("B-7", "Bb D F Ab", 10),
]


@pytest.mark.parametrize(("symbol", "notes", "bass"), SYMBOLS)
def test_chord_symbols(symbol, notes, bass):
    c = chord_symbol(symbol)
    assert c.pitch_classes == pcs(notes)
    assert c.bass == bass
    assert c.key is None and c.figure == symbol


def test_chord_symbols_match_music21():
    from music21 import harmony as m21harmony

    for text, m21_text in [("Am7", "Am7"), ("D9", "D9"), ("Gmaj7", "Gmaj7"), ("Bbm7", "B-m7")]:
        theirs = m21harmony.ChordSymbol(m21_text)
        assert chord(text).pitch_classes == frozenset(p.pitchClass for p in theirs.pitches)


def test_repeated_building_is_cached():
    assert roman("V7/V", "C") is roman("V7/V", "C major")
    assert chord_symbol("Am7") is chord_symbol("Am7")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("C", "C major"),
        ("a", "A minor"),
        ("F# minor", "F# minor"),
        ("D dorian", "D dorian"),
        ("Bb", "Bb major"),
        ("bb", "Bb minor"),
        ("E-", "Eb major"),
        ("Am", "A minor"),
        ("g Mixolydian", "G mixolydian"),
        ("f#", "F# minor"),
    ],
)
def test_keys_as_music21_writes_them(text, name):
    assert key_name(text) == name


def test_scales_and_modes():
    d = scale("D dorian")
    assert (d.tonic, d.mode) == ("D", "dorian")
    assert d.pitch_classes == (2, 4, 5, 7, 9, 11, 0)
    assert d.pitches(60, 72) == (60, 62, 64, 65, 67, 69, 71, 72)
    assert scale("C lydian").pitch_classes == (0, 2, 4, 6, 7, 9, 11)
    assert scale("a").pitch_classes == (9, 11, 0, 2, 4, 5, 7)
    assert scale("A minor pentatonic").pitch_classes == (9, 0, 2, 4, 7)
    assert scale("C major pentatonic").pitch_classes == (0, 2, 4, 7, 9)
    assert scale("A blues").names == ("A", "C", "D", "Eb", "E", "G")
    assert scale("C harmonic minor").pitch_classes == (0, 2, 3, 5, 7, 8, 11)
    assert scale("Eb").names == ("Eb", "F", "G", "Ab", "Bb", "C", "D")
    c = scale("C")
    assert c.step(60, 1) == 62 and c.step(64, 1) == 65 and c.step(60, -1) == 59
    assert c.nearest(61) == 60 and 61 not in c and 62 in c
    assert scale(d.name) == d


def test_progression_from_roman_numerals():
    p = progression("ii7 V7 Imaj7", key="Bb", bpm=100, bars_per_chord=[1, 1, 2])
    assert p.key == "Bb major" and p.bpm == 100
    assert p.durations_beats == (4, 4, 8)
    assert p.starts_beats == (0, 4, 8)
    assert p.chord_at(9).figure == "Imaj7"
    assert p.length_beats == 16 and p.bars == 4


def test_progression_in_minor_and_six_eight():
    p = progression("i VI III VII", key="a", signature="6/8", bars_per_chord=0.5)
    assert [c.root for c in p.chords] == [9, 5, 0, 7]
    assert p.beats_per_bar == 3 and p.durations_beats == (Fraction(3, 2),) * 4


def test_progression_from_chord_symbols_detects_the_key():
    assert progression("Am7 D9 Gmaj7").key == "G major"
    assert progression("Dm7 G7 Cmaj7").key == "C major"
    assert progression("Am Dm E7 Am").key == "A minor"
    assert progression("Am7 D9 Gmaj7", key="e").key == "E minor"


def test_chord_origin_names_borrowed_and_secondary_chords():
    assert chord_origin("vi", "C") == "diatonic"
    assert chord_origin("V", "a") == "diatonic"  # raised 7th belongs to the minor key
    assert chord_origin("bVI", "C") == "borrowed from C minor"
    assert chord_origin("iv", "C") == "borrowed from C minor"
    assert chord_origin("V7/ii", "C") == "secondary dominant of ii"
    assert chord_origin("viio7/V", "C") == "secondary leading-tone chord of V"
    assert chord_origin("bII6", "a") == "Neapolitan"
    assert chord_origin("Ger65", "C") == "augmented sixth"
    assert chord_origin("I", "a") == "borrowed from A major"  # Picardy third


# -- voicing ------------------------------------------------------------------------------

# Stated bound: I-V-vi-IV in C, four close voices within G3..G5 (55..79), moves at most 11
# semitones in total. By hand: C4 E4 G4 C5 -> B3 D4 G4 B4 (4) -> C4 E4 A4 C5 (6) ->
# C4 F4 A4 C5 (1); no cheaper path exists (checked exhaustively below).
POP_MOTION_BOUND = 11


def test_voice_leading_of_i_v_vi_iv_is_smooth_and_in_range():
    p = progression("I V vi IV", key="C")
    v = voice_lead(p.chords, "close", low=55, high=79, n_voices=4)
    assert total_motion(v) <= POP_MOTION_BOUND
    for voicing, c in zip(v, p.chords, strict=True):
        assert len(voicing) == 4
        assert all(55 <= n <= 79 for n in voicing)
        assert {n % 12 for n in voicing} == c.pitch_classes  # every chord tone present


@pytest.mark.parametrize("style", ["close", "open", "drop2"])
@pytest.mark.parametrize(
    ("text", "key"), [("I V vi IV", "C"), ("ii7 V7 Imaj7 vi7", "Bb"), ("i VI III VII", "a")]
)
def test_voice_leading_is_the_least_total_motion(style, text, key):
    p = progression(text, key=key)
    low, high = 48, 84
    v = voice_lead(p.chords, style, low, high, 4)
    cands = [voicing_candidates(c, style, low, high, 4) for c in p.chords]
    best = min(total_motion(combo) for combo in itertools.product(*cands))
    assert total_motion(v) == best
    assert all(low <= n <= high for voicing in v for n in voicing)


@pytest.mark.parametrize(
    "c", [roman("I6", "C"), roman("ii65", "F"), chord("C/E"), chord("Am7/G"), chord("Csus4")]
)
def test_inverted_chords_voice_like_their_root_position(c):
    for v in voicing_candidates(c, "close", 40, 90, n_voices=len(c.tones)):
        assert v[-1] - v[0] < 12
    assert voicing_candidates(c, "open", 48, 79) and voicing_candidates(c, "drop2", 48, 79)


def test_voicing_styles_have_their_shapes():
    c = roman("V7", "C")
    for v in voicing_candidates(c, "close", 40, 90):
        assert v[-1] - v[0] < 12  # four different tones within an octave
    for v in voicing_candidates(c, "drop2", 40, 90):
        assert v[-1] - v[0] > 12
        undone = sorted([v[0] + 12, *v[1:]])  # raise the dropped voice back up
        assert undone[-1] - undone[0] < 12
    for v in voicing_candidates(c, "open", 40, 90):
        assert v[-1] - v[0] > 12
    # a ninth chord in four voices loses its fifth first
    assert all({n % 12 for n in v} == {7, 11, 5, 9} for v in voicing_candidates(roman("V9", "C")))


def test_per_voice_ranges_are_respected():
    p = progression("I IV V I", key="C")
    ranges = [(48, 60), (52, 64), (55, 67), (60, 72)]
    v = voice_lead(p.chords, "close", 48, 72, 4, voice_ranges=ranges)
    for voicing in v:
        assert all(lo <= n <= hi for n, (lo, hi) in zip(voicing, ranges, strict=True))


# -- bad input: one line naming the token and its position -------------------------------

BAD_INPUT = [
    (
        lambda: progression("I V vi IX"),
        "progression \"I V vi IX\": token 4 'IX' is not a roman numeral "
        "(expected I..VII with optional quality/figure)",
    ),
    (lambda: progression("I V7b9 I"), "token 2 'V7b9' has an unsupported figure '7b9'"),
    (lambda: progression("I Xm7"), "token 2 'Xm7' is not a roman numeral"),
    (lambda: progression("I V", key="H"), "unknown key 'H'"),
    (lambda: progression("i iv", key="D dorien"), "unknown mode 'dorien'; did you mean 'dorian'?"),
    (lambda: progression("I IV", key="C blues"), "is a blues scale, not a key"),
    (lambda: progression(""), 'progression "": no chords'),
    (lambda: progression("  ,  "), "no chords"),
    (
        lambda: progression("Am7 D9 Gmj7"),
        "token 3 'Gmj7' is not a chord symbol: unknown chord kind 'mj7' (did you mean 'Gmaj7'?)",
    ),
    (lambda: progression("Am7 Hm7"), "token 2 'Hm7' is not a roman numeral"),
    (
        lambda: progression("Cmaj7 Fxyz"),
        "token 2 'Fxyz' is not a chord symbol: unknown chord kind 'xyz'; expected",
    ),
    (lambda: progression("I V", bars_per_chord=0), "bars_per_chord for chord 1 must be > 0"),
    (lambda: progression("I V", bars_per_chord=[1]), "bars_per_chord has 1 values for 2 chords"),
    (lambda: progression("I V", signature="4/5"), "signature '4/5'"),
    (lambda: roman("IIII", "C"), "'IIII' is not a roman numeral"),
    (lambda: scale("H major"), "unknown key 'H major'"),
    (lambda: chord_symbol("Cmaj8"), "'Cmaj8' is not a chord symbol"),
    (lambda: generate_progression("popp"), "unknown progression style 'popp'; did you mean 'pop'?"),
    (
        lambda: generate_progression("pop", key="D dorian"),
        "style 'pop' has no table for dorian keys",
    ),
    (lambda: generate_progression("pop", bars=0), "bars: expected a whole number of bars >= 1"),
    (lambda: generate_progression("pop", cadence="perfect"), "cadence 'perfect'"),
    (
        lambda: voice_lead(progression("I V").chords, "close", 60, 64),
        "chord 1 'I': no close voicing of 4 voices fits MIDI 60..64",
    ),
    (lambda: voice_lead(progression("I").chords, "spread"), "voicing 'spread'"),
]


@pytest.mark.parametrize(("call", "message"), BAD_INPUT)
def test_bad_input_gives_one_clear_line(call, message):
    with pytest.raises(HarmonyError) as info:
        call()
    text = str(info.value)
    assert isinstance(info.value, GrooveboxError)
    assert "\n" not in text
    assert message in text
