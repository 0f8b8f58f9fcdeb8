"""Chord symbols written from chords: they read back (music21's ChordSymbol) as the same chord."""

from __future__ import annotations

import pytest

from groovebox.harmony import chord, chord_symbol, symbol

FIGURES = ("I", "ii", "iii", "IV", "V", "vi", "viio", "I6", "IV64", "V7", "ii7", "Imaj7", "V65", "V43",
           "V42", "viio7", "viiø7", "V7/V", "V7/ii", "bVI", "bVII", "iv", "N6", "V9", "Cad64", "III+")  # fmt: skip
KEYS = ("C", "Eb", "F#", "a", "c#", "bb", "D dorian")


@pytest.mark.parametrize("key", KEYS)
def test_symbols_of_roman_numerals_read_back_as_the_same_chord(key):
    for fig in FIGURES:
        c = chord(fig, key)
        text = symbol(c)
        if text.startswith("("):  # no common symbol: spelled notes, bass first
            assert len(text[1:-1].split()) == len(c.tones)
            continue
        back = chord_symbol(text)
        assert (back.pitch_classes, back.bass) == (c.pitch_classes, c.bass), (key, fig, text)


def test_symbols_spell_by_chord_step():
    assert [symbol(chord(f, "F#")) for f in ("I", "V7/V", "V65", "IV64")] == ["F#", "G#7", "C#7/E#", "B/F#"]
    assert [symbol(chord(f, "Eb")) for f in ("ii7", "bVI", "viiø7", "V+")] == ["Fm7", "Cb", "Dm7b5", "Bbaug"]
    assert symbol(chord("It6", "C")) == "(Ab F# C)"
    assert [symbol(chord_symbol(s)) for s in ("Am7", "D9", "Gmaj7", "C/E", "Bbm7b5", "F#dim7")] == [
        "Am7", "D9", "Gmaj7", "C/E", "Bbm7b5", "F#dim7"]  # fmt: skip
