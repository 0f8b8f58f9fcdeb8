"""Harmony: scales, keys, chords, progressions and voicings, with music21 as the theory source.

This package is the only code in groovebox that imports music21, and it does so inside the
functions that need it, so ``import groovebox.harmony`` is cheap. Nothing music21 leaves it:
results are plain immutable values (:class:`Scale`, :class:`~groovebox.model.notes.Chord`,
:class:`~groovebox.model.notes.Progression`, tuples of MIDI numbers), and every string -> chord
conversion is cached.

>>> import groovebox.harmony as h
>>> h.scale("D dorian").names
('D', 'E', 'F', 'G', 'A', 'B', 'C')
>>> [c.figure for c in h.progression("ii7 V7 Imaj7", key="Bb").chords]
['ii7', 'V7', 'Imaj7']
>>> h.chord("Am7").pitches
(57, 60, 64, 67)
>>> [h.symbol(c) for c in h.progression("i VI III VII", key="a").chords]
['Am', 'F', 'C', 'G']
"""

import sys

from groovebox.harmony import chords, keys
from groovebox.harmony.chords import chord, chord_origin, chord_symbol, is_roman, roman, symbol
from groovebox.harmony.keys import KEY_MODES, SCALE_MODES, Scale, key_name, parse_key, scale
from groovebox.harmony.progression import progression, tokenize
from groovebox.harmony.voicing import (
    VOICINGS,
    total_motion,
    voice,
    voice_lead,
    voicing_candidates,
)


def clear_caches() -> None:
    """Forget every cached key, scale and chord (for benchmarks of first-time building)."""
    # the submodule, not the function of the same name exported above
    _progression = sys.modules["groovebox.harmony.progression"]
    for fn in (
        chords._roman_cached,
        chords._symbol_cached,
        keys.parse_key,
        keys.m21_key,
        keys._scale_cached,
        _progression._detect_key,
    ):
        fn.cache_clear()


__all__ = [
    "KEY_MODES",
    "SCALE_MODES",
    "VOICINGS",
    "Scale",
    "chord",
    "chord_origin",
    "chord_symbol",
    "clear_caches",
    "is_roman",
    "key_name",
    "parse_key",
    "progression",
    "roman",
    "scale",
    "symbol",
    "tokenize",
    "total_motion",
    "voice",
    "voice_lead",
    "voicing_candidates",
]
