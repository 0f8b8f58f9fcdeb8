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
"""

from groovebox.harmony.chords import chord, chord_origin, chord_symbol, is_roman, roman
from groovebox.harmony.keys import KEY_MODES, SCALE_MODES, Scale, key_name, parse_key, scale
from groovebox.harmony.progression import progression, tokenize
from groovebox.harmony.voicing import (
    VOICINGS,
    total_motion,
    voice,
    voice_lead,
    voicing_candidates,
)

__all__ = [
    "KEY_MODES",
    "SCALE_MODES",
    "VOICINGS",
    "Scale",
    "chord",
    "chord_origin",
    "chord_symbol",
    "is_roman",
    "key_name",
    "parse_key",
    "progression",
    "roman",
    "scale",
    "tokenize",
    "total_motion",
    "voice",
    "voice_lead",
    "voicing_candidates",
]
