"""Chords from roman numerals and chord symbols, as plain :class:`~groovebox.model.notes.Chord`.

Roman numerals follow music21's reading: case gives the quality (``V`` major, ``ii`` minor),
``o``/``°`` diminished, ``ø``/``/o`` half-diminished, ``+`` augmented; figures ``6 64 7 65 43 42
2 9 11 13 maj7 maj9`` give sevenths, extensions and inversions; ``b``/``#`` in front alter the
root against the key's own scale (``bVI`` and ``bII6`` in C, the Neapolitan ``N6``); ``/x``
makes a secondary chord (``V7/V``, ``viio7/ii``); brackets add or drop tones (``I[add9]``,
``V7[no5]``); ``It6 Ger65 Fr43 Cad64`` are the named chromatic chords. Numerals are relative to
the key's mode, so ``VII`` in A minor is G major and ``IV`` in D dorian is G major.

Chord symbols are lead-sheet names read by music21's ChordSymbol: ``Am7 D9 Gmaj7 Bbm7b5 C/E``
(flats as ``b`` or ``-``).

Every string -> chord conversion is cached, so repeated building costs a dictionary lookup.

>>> from groovebox.harmony import chord
>>> v7 = chord("V7/V", key="C")
>>> v7.pitches, v7.root_name, v7.name
((50, 54, 57, 60), 'D', 'dominant seventh chord')
>>> chord("Bbm7b5").tones
(10, 1, 4, 8)
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from groovebox.errors import HarmonyError
from groovebox.harmony.keys import (
    KEY_MODES,
    key_name,
    key_scale_pitch_classes,
    m21_key,
    parse_key,
    scale,
)
from groovebox.model.notes import Chord

_NUMERAL = r"(?:VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)"
_ACC = r"(?:bb|b|\#\#|\#|--|-)"
_FIGURES = ("maj7", "maj9", "M7", "M9", "64", "65", "43", "42", "6", "7", "9", "11", "13", "2")
_ROMAN_RE = re.compile(
    rf"""^(?P<acc>{_ACC})?(?P<numeral>{_NUMERAL})(?P<quality>o|°|ø|/o|\+)?
    (?P<figure>{"|".join(_FIGURES)})?(?P<brackets>(?:\[(?:add|no)[b\#]?\d+\])*)
    (?P<secondary>(?:/{_ACC}?{_NUMERAL})*)$""",
    re.X,
)
_ROMAN_HEAD_RE = re.compile(rf"^{_ACC}?{_NUMERAL}(?:o|°|ø|/o|\+)?")
_SPECIAL_RE = re.compile(r"^(?:N6?|It6?|Ger65|Ger|Fr43|Fr|Cad64)$")
_ROMAN_EXPECTED = "expected I..VII with optional quality/figure"
_FIGURE_EXPECTED = (
    "expected one of 6, 64, 7, 65, 43, 42, 2, 9, 11, 13, maj7, maj9, brackets like [add9] or "
    "[no5], and a secondary like /V"
)

_SYMBOL_RE = re.compile(r"^([A-G])(bb|b|##|#|--|-)?(.*?)(?:/([A-G])(bb|b|##|#|--|-)?)?$")
# Spellings music21 does not know, mapped to ones it does.
_KIND_ALIASES = {
    "maj9": "M9",
    "maj11": "M11",
    "maj13": "M13",
    "mi": "m",
    "mi7": "m7",
    "min6": "m6",
    "Δ": "maj7",
    "Δ7": "maj7",
    "ø": "ø7",
    "°": "dim",
    "°7": "o7",
    "6/9": "6add9",
    "69": "6add9",
    "2": "sus2",
    "4": "sus4",
    "m(maj7)": "mM7",
    "m(M7)": "mM7",
    "mmaj7": "mM7",
    "minmaj7": "mM7",
}
_SYMBOL_EXPECTED = (
    "expected a root A-G with optional #/b, then e.g. m, 7, maj7, m7, m7b5, dim7, sus4, add9, 6"
)

_LETTERS = "CDEFGAB"
_STEP_DEGREE = {1: 1, 3: 3, 5: 5, 7: 7, 2: 9, 4: 11, 6: 13}
_DEGREE_ORDER = {1: 0, 3: 1, 5: 2, 7: 3, 9: 4, 11: 5, 13: 6}


def _spell(m21_name: str) -> str:
    return m21_name.replace("-", "b")


def _chord_from_m21(figure: str, c, key: str | None, name: str | None = None) -> Chord:
    """Convert a music21 chord (RomanNumeral or ChordSymbol) into a plain Chord."""
    m21_pitches = sorted(c.pitches, key=lambda p: p.ps)
    if len(m21_pitches) == 0:
        raise HarmonyError(f"chord '{figure}': has no pitches")
    root = c.root()
    bass_pc = c.bass().pitchClass
    # Move the whole chord by octaves so its bass lands in octave 3 (MIDI 48..59).
    midi = [int(round(p.ps)) for p in m21_pitches]
    bass_midi = next((m for m in midi if m % 12 == bass_pc), midi[0])
    shift = 48 + (bass_midi % 12) - bass_midi
    pitches = tuple(m + shift for m in midi)
    # Chord steps from the root (2 -> 9th, 4 -> 11th, 6 -> 13th) give the stacked-thirds order.
    seen: dict[int, int] = {}
    for p in m21_pitches:
        if p.pitchClass in seen:
            continue
        # the generic interval *up* from the root, by letter names (the root may sit above
        # the other notes of an inverted chord, so an interval between the pitches won't do)
        step = (_LETTERS.index(p.step) - _LETTERS.index(root.step)) % 7 + 1
        seen[p.pitchClass] = _STEP_DEGREE[step]
    ordered = sorted(seen.items(), key=lambda kv: (_DEGREE_ORDER[kv[1]], kv[0]))
    try:
        inversion = int(c.inversion())
    except Exception:  # music21 cannot name an inversion for some non-tertian chords
        inversion = 0
    return Chord(
        figure=figure,
        pitches=pitches,
        root=root.pitchClass,
        bass=bass_pc,
        tones=tuple(pc for pc, _ in ordered),
        degrees=tuple(d for _, d in ordered),
        quality=str(c.quality),
        name=name or str(c.commonName),
        root_name=_spell(root.name),
        inversion=inversion,
        key=key,
    )


def is_roman(token: str) -> bool:
    """True when ``token`` is written as a roman numeral (grammar above)."""
    return bool(_ROMAN_RE.match(token) or _SPECIAL_RE.match(token))


def roman_error(token: str) -> str:
    """Why ``token`` is not a roman numeral, as the end of an error line."""
    head = _ROMAN_HEAD_RE.match(token)
    rest = token[head.end() :] if head else token
    if head and rest and not re.match(r"[IVXivx]", rest):
        return f"'{token}' has an unsupported figure '{rest}' ({_FIGURE_EXPECTED})"
    return f"'{token}' is not a roman numeral ({_ROMAN_EXPECTED})"


@lru_cache(maxsize=4096)
def _roman_cached(figure: str, key: str) -> Chord:
    from music21 import roman  # music21: ~0.25 s and a corpus index to import; loaded on first use

    try:
        rn = roman.RomanNumeral(figure.replace("°", "o"), m21_key(key))
    except HarmonyError:
        raise
    except Exception as exc:
        raise HarmonyError(f"'{figure}' is not a roman numeral music21 can read ({exc})") from None
    return _chord_from_m21(figure, rn, key)


def roman(figure: str, key: str = "C") -> Chord:
    """A chord from a roman numeral in a key.

    Parameters
    ----------
    figure : str
        ``"V7/V"``, ``"bVI"``, ``"ii65"``, ``"viio7/ii"``, ``"N6"``, ...
    key : str
        ``"C"``, ``"a"``, ``"F# minor"``, ``"D dorian"``, ``"Bb"``, ...

    Raises
    ------
    HarmonyError
        The figure does not follow the roman-numeral grammar, or the key is unknown.
    """
    norm_key = key_name(key)
    if parse_key(norm_key).mode not in KEY_MODES:
        m21_key(norm_key)  # raises the "scale, not a key" error
    if not is_roman(figure):
        raise HarmonyError(roman_error(figure))
    return _roman_cached(figure, norm_key)


def _normalise_symbol(token: str) -> str | None:
    m = _SYMBOL_RE.match(token)
    if not m:
        return None
    letter, acc, kind, bass_letter, bass_acc = m.groups()
    kind = _KIND_ALIASES.get(kind, kind)
    text = letter + (acc or "").replace("b", "-") + kind
    if bass_letter:
        text += "/" + bass_letter + (bass_acc or "").replace("b", "-")
    return text


def _symbol_kinds() -> list[str]:
    from music21 import (
        harmony,  # music21: ~0.25 s and a corpus index to import; loaded on first use
    )

    kinds = {abbr for _, (_, abbrs) in harmony.CHORD_TYPES.items() for abbr in abbrs}
    kinds |= set(_KIND_ALIASES) | {"add9", "m7b5", "7b9", "7#9", "7#11", "madd9", "6add9"}
    return sorted(k for k in kinds if k)


def symbol_error(token: str) -> str:
    """Why ``token`` is not a chord symbol, as the end of an error line."""
    m = _SYMBOL_RE.match(token)
    if not m:
        return f"'{token}' is not a chord symbol; {_SYMBOL_EXPECTED}"
    letter, acc, kind, *_ = m.groups()
    close = difflib.get_close_matches(kind, _symbol_kinds(), n=1, cutoff=0.5)
    hint = f" (did you mean '{letter}{acc or ''}{close[0]}'?)" if close else ""
    return f"'{token}' is not a chord symbol: unknown chord kind '{kind}'{hint}; {_SYMBOL_EXPECTED}"


@lru_cache(maxsize=4096)
def _symbol_cached(token: str) -> Chord:
    from music21 import (
        harmony,  # music21: ~0.25 s and a corpus index to import; loaded on first use
    )

    text = _normalise_symbol(token)
    if text is None:
        raise HarmonyError(symbol_error(token))
    try:
        cs = harmony.ChordSymbol(text)
    except Exception:
        raise HarmonyError(symbol_error(token)) from None
    if len({p.pitchClass for p in cs.pitches}) < 2:
        raise HarmonyError(symbol_error(token))
    name = (cs.chordKind or "").replace("-", " ") or None
    return _chord_from_m21(token, cs, None, name=name)


def chord_symbol(symbol: str) -> Chord:
    """A chord from a lead-sheet symbol (``"Am7"``, ``"D9"``, ``"Gmaj7"``, ``"C/E"``).

    Raises
    ------
    HarmonyError
        Unknown root or chord kind; the message suggests the nearest known kind.
    """
    return _symbol_cached(symbol.strip())


def chord(token: str, key: str | None = None) -> Chord:
    """A chord from a roman numeral (read in ``key``, default C major) or a chord symbol.

    A token that follows the roman-numeral grammar is a roman numeral; one starting with an
    upper-case A-G is a chord symbol; anything else is reported as a bad roman numeral.
    """
    token = token.strip()
    if is_roman(token):
        return roman(token, key or "C")
    if token[:1] in ("A", "B", "C", "D", "E", "F", "G"):
        return chord_symbol(token)
    raise HarmonyError(roman_error(token))


# -- where a chord comes from -------------------------------------------------------------

_PARALLEL = {
    "major": ("minor", "mixolydian", "dorian", "lydian", "phrygian"),
    "ionian": ("minor", "mixolydian", "dorian", "lydian", "phrygian"),
    "minor": ("major", "dorian", "phrygian"),
    "aeolian": ("major", "dorian", "phrygian"),
    "dorian": ("minor", "major", "mixolydian", "phrygian"),
    "phrygian": ("minor", "dorian", "locrian"),
    "lydian": ("major", "mixolydian", "minor"),
    "mixolydian": ("major", "dorian", "minor"),
    "locrian": ("phrygian", "minor"),
}


def chord_origin(item: Chord | str, key: str) -> str:
    """Name where a chord comes from relative to a key.

    Returns
    -------
    str
        ``"diatonic"`` (all tones in the key; a minor key owns its raised 6th and 7th),
        ``"secondary dominant of ii"``, ``"secondary leading-tone chord of ii"``,
        ``"Neapolitan"``, ``"augmented sixth"``,
        ``"borrowed from C minor"`` (a parallel mode on the same tonic), or ``"chromatic"``.

    >>> chord_origin("bVI", "C"), chord_origin("V7/ii", "C"), chord_origin("V", "a")
    ('borrowed from C minor', 'secondary dominant of ii', 'diatonic')
    """
    c = item if isinstance(item, Chord) else chord(item, key)
    pcs = c.pitch_classes
    if pcs <= key_scale_pitch_classes(key):
        return "diatonic"
    fig = c.figure
    if c.key is not None:
        m = _ROMAN_RE.match(fig)
        if m and m["secondary"]:
            target = m["secondary"][1:]
            if m["numeral"] == "V":
                return f"secondary dominant of {target}"
            if m["numeral"] == "vii":
                return f"secondary leading-tone chord of {target}"
        if fig.startswith(("It", "Ger", "Fr")):
            return "augmented sixth"
        if (fig.startswith("N") or (m and m["acc"] == "b" and m["numeral"] == "II")) and (
            c.quality == "major"
        ):
            return "Neapolitan"
    kn = parse_key(key)
    for mode in _PARALLEL.get(kn.mode, ()):
        other = f"{kn.tonic} {mode}"
        if pcs <= set(scale(other).pitch_classes):
            return f"borrowed from {other}"
    return "chromatic"


# -- lead-sheet names ---------------------------------------------------------------------

# Intervals above the root (semitones) -> chord-symbol suffix, for the chords people write.
_SUFFIXES: dict[frozenset[int], str] = {
    frozenset(s): suffix
    for s, suffix in (
        ((0, 4, 7), ""),
        ((0, 3, 7), "m"),
        ((0, 3, 6), "dim"),
        ((0, 4, 8), "aug"),
        ((0, 2, 7), "sus2"),
        ((0, 5, 7), "sus4"),
        ((0, 4, 7, 11), "maj7"),
        ((0, 4, 7, 10), "7"),
        ((0, 3, 7, 10), "m7"),
        ((0, 3, 6, 10), "m7b5"),
        ((0, 3, 6, 9), "dim7"),
        ((0, 3, 7, 11), "mM7"),
        ((0, 4, 8, 10), "7#5"),
        ((0, 4, 7, 9), "6"),
        ((0, 3, 7, 9), "m6"),
        ((0, 5, 7, 10), "7sus4"),
        ((0, 2, 4, 7), "add9"),
        ((0, 2, 3, 7), "madd9"),
        ((0, 2, 4, 7, 10), "9"),
        ((0, 2, 4, 7, 11), "maj9"),
        ((0, 2, 3, 7, 10), "m9"),
        ((0, 1, 4, 7, 10), "7b9"),
        ((0, 3, 4, 7, 10), "7#9"),
        ((0, 4, 6, 7, 10), "7#11"),
        ((0, 2, 4, 7, 9), "6add9"),
        ((0, 2, 3, 5, 7, 10), "m11"),
        ((0, 2, 4, 5, 7, 10), "11"),
        ((0, 2, 4, 5, 7, 9, 10), "13"),
    )
}
_ACCIDENTALS = {-2: "bb", -1: "b", 0: "", 1: "#", 2: "##"}
_DEGREE_STEP = {1: 0, 3: 2, 5: 4, 7: 6, 9: 1, 11: 3, 13: 5}
_NATURAL_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _spell_tone(root_name: str, degree: int, pc: int) -> str:
    """Spell chord tone ``pc`` by its chord step from the spelled root (the 3rd of F# is A#)."""
    letter = _LETTERS[(_LETTERS.index(root_name[0]) + _DEGREE_STEP.get(degree, 0)) % 7]
    diff = (pc - _NATURAL_PC[letter] + 6) % 12 - 6
    return letter + _ACCIDENTALS.get(diff, "")


def symbol(c: Chord) -> str:
    """The lead-sheet symbol of a chord: ``"Am7"``, ``"D7/F#"``, ``"Bbmaj7"``.

    Pure (no music21): the root's spelling and each tone's chord step spell the bass of an
    inverted chord. Chords without a common symbol (augmented sixths, odd alterations) are
    written as their spelled notes from the bass, e.g. ``"(Ab C F#)"``.

    >>> from groovebox.harmony import chord
    >>> [symbol(chord(f, "Eb")) for f in ("ii7", "V7/V", "IV64", "viio7")]
    ['Fm7', 'F7', 'Ab/Eb', 'Ddim7']
    """
    names = {pc: _spell_tone(c.root_name, d, pc) for pc, d in zip(c.tones, c.degrees, strict=True)}
    suffix = _SUFFIXES.get(frozenset((pc - c.root) % 12 for pc in c.tones))
    if suffix is None:
        order = [c.bass] + [pc for pc in c.tones if pc != c.bass]
        return "(" + " ".join(names[pc] for pc in order) + ")"
    text = c.root_name + suffix
    if c.bass != c.root:
        text += "/" + names.get(c.bass, c.root_name)
    return text
