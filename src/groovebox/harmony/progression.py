"""Read a written chord progression: roman numerals or chord symbols, told apart per token.

>>> from groovebox.harmony import progression
>>> p = progression("I V vi IV", key="C", bpm=96)
>>> [c.pitches for c in p.chords]
[(48, 52, 55), (55, 59, 62), (57, 60, 64), (53, 57, 60)]
>>> p.length_beats, p.key
(Fraction(16, 1), 'C major')
>>> progression("Am7 D9 Gmaj7").key       # chord symbols: the key is detected
'G major'
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache

from groovebox.checks import shown
from groovebox.errors import GrooveboxTypeError, HarmonyError
from groovebox.harmony.chords import chord_symbol, is_roman, roman, roman_error
from groovebox.harmony.keys import KEY_MODES, key_name, parse_key
from groovebox.model.notes import MAX_CHORDS, BeatsLike, Chord, Progression, beats, parse_signature

_EMPTY = 'no chords (expected roman numerals like "I V vi IV" or chord symbols like "Am7 D9 Gmaj7")'
_SYMBOL_START = ("A", "B", "C", "D", "E", "F", "G")


def tokenize(text: str | Sequence[str]) -> tuple[str, ...]:
    """Split a progression on whitespace and commas (a sequence of tokens passes through).

    At most :data:`MAX_CHORDS` tokens; more is one line naming the limit, said before any
    chord is read.
    """
    if isinstance(text, str):
        tokens = tuple(text.replace(",", " ").split())
    else:
        try:
            tokens = tuple(str(t).strip() for t in itertools.islice(text, MAX_CHORDS + 1))
        except TypeError:
            raise GrooveboxTypeError(f"progression: expected chords as text (\"I V vi IV\") or a list of "
                                     f"chord strings, got {shown(text)}") from None
    if len(tokens) > MAX_CHORDS:
        count = f"{len(tokens):,}" if isinstance(text, str) else f"more than {MAX_CHORDS:,}"
        raise HarmonyError(f"progression: {count} chords is over the limit of {MAX_CHORDS:,} chords "
                           f"per progression")
    return tokens


@lru_cache(maxsize=256)
def _detect_key(chords: tuple[Chord, ...]) -> str:
    """The key of a chord-symbol progression.

    music21's Krumhansl-Schmuckler key finding over the chords' pitches (one bar each), with
    near ties (correlation within 0.1) broken towards the key whose tonic triad opens the
    progression, or closes it when the last move is a falling fifth (a V-I cadence).
    """
    # music21: ~0.25 s and a corpus index to import; loaded on first use
    from music21 import note as m21note
    from music21 import stream  # music21: ~0.25 s and a corpus index to import; loaded on first use

    # Key finding reads only how long each pitch class sounds, so twelve notes carrying those
    # totals give the same answer as one music21 chord per bar, without building (and
    # respelling) a chord object per bar: 10,000 chords took over 4 minutes that way.
    weights = [0] * 12
    for c in chords:
        for p in c.pitches:
            weights[p % 12] += 4
    s = stream.Stream()
    for pc, quarters in enumerate(weights):
        if quarters:
            s.append(m21note.Note(60 + pc, quarterLength=quarters))
    best = s.analyze("key")
    near = [
        k
        for k in [best, *best.alternateInterpretations]
        if k.correlationCoefficient >= best.correlationCoefficient - 0.1
    ]
    cadence = len(chords) >= 2 and (chords[-2].root - chords[-1].root) % 12 == 7
    pick = best
    for c in (chords[-1], chords[0]) if cadence else (chords[0], chords[-1]):
        found = [k for k in near if k.tonic.pitchClass == c.root and k.mode == c.quality]
        if found:
            pick = found[0]
            break
    return key_name(pick.tonic.name.replace("-", "b") + " " + pick.mode)


def progression(
    text: str | Sequence[str],
    key: str | None = None,
    bpm: float = 120.0,
    bars_per_chord: BeatsLike | Sequence[BeatsLike] = 1,
    signature: str = "4/4",
) -> Progression:
    """Build a :class:`~groovebox.model.notes.Progression` from written chords.

    Parameters
    ----------
    text : str or sequence of str
        Roman numerals (``"ii7 V7 Imaj7"``) or chord symbols (``"Am7 D9 Gmaj7"``), separated by
        spaces or commas; the two kinds may be mixed.
    key : str, optional
        ``"C"``, ``"a"``, ``"F# minor"``, ``"D dorian"``, ``"Bb"``, ... Roman numerals are read in
        it (default C major). With chord symbols only and no key, the key is detected.
    bpm : float
        Tempo stored with the progression.
    bars_per_chord : number or sequence of numbers
        Bars each chord lasts (``0.5`` = half a bar); one value for all or one per chord.
    signature : str
        Time signature; a bar of ``"4/4"`` is 4 beats, of ``"6/8"`` 3 beats.

    Raises
    ------
    HarmonyError
        One line naming the token and its 1-based position, e.g.
        ``progression "I V vi IX": token 4 'IX' is not a roman numeral (expected ...)``.
    """
    tokens = tokenize(text)
    written = text if isinstance(text, str) else " ".join(tokens)
    where = f'progression "{written if len(written) <= 80 else written[:77] + "..."}"'
    if not tokens:
        raise HarmonyError(f"{where}: {_EMPTY}")
    try:
        norm_key = key_name(key) if key is not None else None
    except HarmonyError as exc:
        raise HarmonyError(f"{where}: {exc}") from None
    has_roman = any(is_roman(t) for t in tokens)
    if has_roman and norm_key is not None and parse_key(norm_key).mode not in KEY_MODES:
        raise HarmonyError(
            f"{where}: key '{key}' is a {parse_key(norm_key).mode} scale, not a key; roman "
            f"numerals need major, minor or a church mode ({', '.join(KEY_MODES[2:])})"
        )
    chords: list[Chord] = []
    for i, token in enumerate(tokens, 1):
        try:
            if is_roman(token):
                chords.append(roman(token, norm_key or "C"))
            elif token[:1] in _SYMBOL_START:
                chords.append(chord_symbol(token))
            else:
                raise HarmonyError(roman_error(token))
        except HarmonyError as exc:
            raise HarmonyError(f"{where}: token {i} {exc}") from None
    if norm_key is None:
        norm_key = "C major" if has_roman else _detect_key(tuple(chords))
    try:
        num, den = parse_signature(signature)
    except HarmonyError as exc:
        raise HarmonyError(f"{where}: {exc}") from None
    bar = Fraction(4 * num, den)
    if isinstance(bars_per_chord, str) or not isinstance(bars_per_chord, Sequence):
        per_chord = [bars_per_chord] * len(chords)
    else:
        per_chord = list(bars_per_chord)
        if len(per_chord) != len(chords):
            raise HarmonyError(
                f"{where}: bars_per_chord has {len(per_chord)} values for {len(chords)} chords"
            )
    durations = []
    for i, b in enumerate(per_chord, 1):
        bars = beats(b, f"{where}: bars_per_chord")
        if bars <= 0:
            raise HarmonyError(f"{where}: bars_per_chord for chord {i} must be > 0, got {b!r}")
        durations.append(bars * bar)
    return Progression(norm_key, tuple(chords), tuple(durations), bpm, signature)
