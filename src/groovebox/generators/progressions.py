"""Seeded chord-progression generator: a Markov chain over roman numerals, in styles.

Each style is a table of transition weights between roman numerals, per key mode. The
``pop``, ``jazz``, ``modal``, ``minor_ballad`` and ``ambient`` tables are written here from
musical knowledge; ``bach`` is learned from music21's bundled Bach chorales by
``groovebox/harmony/bach_table.py`` (see that file for the method) and read from
``data/bach_chorales.json``. The corpus is never analysed at run time.

A progression is split into phrases of ``phrase_bars`` bars. With ``cadence`` set, every phrase
ends on a cadence, and the chords before it are drawn from the chain *conditioned* on reaching
that cadence (exact backward sampling), so the approach to the cadence is as idiomatic as the
table allows rather than a jump glued on at the end:

- ``"authentic"``: the fifth-degree chord to the tonic (V-I; v-i in dorian);
- ``"plagal"``: the fourth-degree chord to the tonic (IV-I);
- ``"half"``: the phrase stops on the fifth-degree chord;
- ``True``: the style's own final cadence at the end, and a half cadence at the end of every
  earlier phrase (an antecedent-consequent period) where the style has one.

Same seed, same chords: all randomness comes from ``numpy.random.default_rng(seed)``.

>>> from groovebox.generators.progressions import generate_progression
>>> p = generate_progression("pop", bars=8, key="F", seed=3)
>>> len(p.chords), p.figures[-2:]
(8, ('V', 'I'))
>>> p.figures == generate_progression("pop", bars=8, key="F", seed=3).figures
True
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np

from groovebox import checks
from groovebox.errors import HarmonyError
from groovebox.harmony.chords import roman
from groovebox.harmony.keys import key_name, parse_key
from groovebox.model.notes import (
    MAX_CHORDS,
    MAX_PROGRESSION_BARS,
    BeatsLike,
    Progression,
    beats,
    parse_signature,
)

Table = dict[str, dict[str, float]]

_DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class ModeTable:
    """Transition weights for one key mode of a style."""

    start: dict[str, float]
    transitions: Table
    cadences: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Style:
    """A progression style: tables per mode plus musical defaults."""

    name: str
    description: str
    default_key: str
    bpm: float
    bars_per_chord: Fraction
    phrase_bars: int
    final_cadence: str
    inner_cadence: str | None
    tables: dict[str, ModeTable]


_MAJOR_CADENCES = {"authentic": ("V", "I"), "plagal": ("IV", "I"), "half": ("V",)}
_MINOR_CADENCES = {"authentic": ("V", "i"), "plagal": ("iv", "i"), "half": ("V",)}

# -- pop: the four-chord loops and their relatives ----------------------------------------
_POP_MAJOR = ModeTable(
    start={"I": 6, "vi": 2, "IV": 1},
    transitions={
        "I": {"IV": 3, "V": 3, "vi": 3, "ii": 1.5, "iii": 0.5, "bVII": 0.5},
        "ii": {"V": 5, "IV": 1, "vi": 1},
        "iii": {"vi": 4, "IV": 3, "ii": 1},
        "IV": {"I": 3, "V": 3, "vi": 1.5, "ii": 1, "iv": 0.5},
        "V": {"I": 4, "vi": 3, "IV": 2},
        "vi": {"IV": 4, "ii": 2, "V": 2, "iii": 1, "I": 1},
        "bVII": {"IV": 2, "I": 3},  # mixolydian colour, borrowed
        "iv": {"I": 3, "V": 1},  # the minor iv, borrowed
    },
    cadences=_MAJOR_CADENCES,
)
_POP_MINOR = ModeTable(
    start={"i": 6, "VI": 2},
    transitions={
        "i": {"VI": 3, "VII": 2, "iv": 3, "III": 1.5, "v": 1},
        "VI": {"VII": 3, "III": 2, "iv": 1.5, "i": 2},
        "III": {"VII": 3, "VI": 2, "iv": 1},
        "VII": {"i": 3, "III": 2, "VI": 1.5},
        "iv": {"i": 2, "VII": 2, "V": 1.5, "v": 1},
        "v": {"i": 2, "VI": 2, "iv": 1},
        "V": {"i": 5, "VI": 1},
    },
    cadences=_MINOR_CADENCES,
)

# -- jazz: ii-V-I chains, turnarounds, secondary dominants -------------------------------
_JAZZ_MAJOR = ModeTable(
    start={"Imaj7": 4, "ii7": 3, "iii7": 1},
    transitions={
        "Imaj7": {"vi7": 3, "ii7": 3, "V7/ii": 2, "IVmaj7": 1.5, "iii7": 1.5},
        "ii7": {"V7": 6, "V7/V": 0.5},
        "V7": {"Imaj7": 6, "vi7": 1},
        "vi7": {"ii7": 5, "V7/V": 1.5},
        "iii7": {"vi7": 3, "V7/ii": 2},
        "V7/ii": {"ii7": 1},
        "V7/V": {"V7": 2, "ii7": 1},
        "IVmaj7": {"iii7": 2, "iv7": 1.5, "V7": 1, "ii7": 1},
        "iv7": {"Imaj7": 2, "iii7": 1},  # minor iv, borrowed
    },
    cadences={"authentic": ("V7", "Imaj7"), "plagal": ("IVmaj7", "Imaj7"), "half": ("V7",)},
)
_JAZZ_MINOR = ModeTable(
    start={"i7": 4, "iiø7": 2},
    transitions={
        "i7": {"iv7": 3, "iiø7": 3, "VImaj7": 2},
        "iv7": {"V7": 2, "iiø7": 1, "i7": 1, "VII7": 1},
        "iiø7": {"V7": 1},
        "V7": {"i7": 5, "VImaj7": 1},
        "VImaj7": {"iiø7": 3, "V7": 1, "iv7": 1},
        "VII7": {"IIImaj7": 1},
        "IIImaj7": {"VImaj7": 2, "iv7": 1, "iiø7": 1},
    },
    cadences={"authentic": ("V7", "i7"), "plagal": ("iv7", "i7"), "half": ("V7",)},
)

# -- modal: vamps that keep each mode's colour note in play -------------------------------
# Numerals are relative to the mode (music21's reading): in D dorian IV is G major (the
# dorian B natural) and VII is C major.
_MODAL = {
    "dorian": ModeTable(
        start={"i": 1},
        transitions={
            "i": {"IV": 4, "VII": 3, "v": 1.5, "III": 1.5, "ii": 1},
            "IV": {"i": 4, "VII": 1.5, "v": 1},
            "VII": {"i": 3, "IV": 2, "III": 1.5},
            "III": {"IV": 2, "VII": 2, "i": 1},
            "v": {"i": 2, "IV": 1, "VII": 1},
            "ii": {"i": 1, "III": 1},
        },
        cadences={"authentic": ("v", "i"), "plagal": ("IV", "i"), "half": ("v",)},
    ),
    "mixolydian": ModeTable(
        start={"I": 1},
        transitions={
            "I": {"VII": 4, "IV": 3, "v": 1.5, "ii": 0.5},
            "VII": {"IV": 3, "I": 3},
            "IV": {"I": 4, "VII": 1, "v": 0.5},
            "v": {"IV": 2, "I": 1, "VII": 1},
            "ii": {"VII": 1, "I": 1},
            "vi": {"VII": 1, "IV": 1},
        },
        cadences={"authentic": ("v", "I"), "plagal": ("IV", "I"), "half": ("v",)},
    ),
    "lydian": ModeTable(
        start={"I": 1},
        transitions={
            "I": {"II": 4, "vii": 1.5, "V": 1, "vi": 1},
            "II": {"I": 4, "vi": 1, "V": 1},
            "vii": {"I": 2, "II": 1},
            "V": {"I": 2, "II": 1},
            "vi": {"II": 2, "I": 1},
        },
        cadences={"authentic": ("V", "I"), "plagal": ("II", "I"), "half": ("V",)},
    ),
    "aeolian": ModeTable(
        start={"i": 1},
        transitions={
            "i": {"VI": 3, "VII": 3, "iv": 2, "v": 1},
            "VI": {"VII": 4, "i": 1, "iv": 1},
            "VII": {"i": 4, "VI": 1},
            "iv": {"VII": 2, "i": 1, "v": 1},
            "v": {"VI": 2, "i": 1},
            "III": {"VII": 1, "VI": 1},
        },
        cadences={"authentic": ("v", "i"), "plagal": ("iv", "i"), "half": ("v",)},
    ),
}

# -- minor ballad: slow minor-key harmony with a real dominant and the Neapolitan ---------
_BALLAD_MINOR = ModeTable(
    start={"i": 1},
    transitions={
        "i": {"VI": 3, "iv": 3, "III": 1, "VII": 1.5, "iiø7": 1, "V": 0.5},
        "iv": {"V": 2, "i": 2, "VII": 1, "iiø7": 1, "VI": 1, "bII6": 0.5},
        "VI": {"iv": 2, "III": 1.5, "iiø7": 2, "VII": 2, "V": 1},
        "III": {"VI": 2, "iv": 2, "VII": 1},
        "VII": {"III": 3, "i": 1.5, "VI": 1},
        "iiø7": {"V7": 3, "V": 2},
        "bII6": {"V": 2, "V7": 1},  # Neapolitan sixth
        "V": {"i": 4, "VI": 2},  # V-VI is the deceptive cadence
        "V7": {"i": 4, "VI": 1.5},
    },
    cadences=_MINOR_CADENCES,
)

# -- ambient: few, slow, sustained changes; chords often stay (self-transitions) ---------
_AMBIENT_MAJOR = ModeTable(
    start={"Imaj7": 3, "IVmaj7": 1},
    transitions={
        "Imaj7": {"Imaj7": 4, "IVmaj7": 2.5, "vi7": 1.5, "iii7": 0.5, "I[add9]": 1.5},
        "I[add9]": {"I[add9]": 3, "IVmaj7": 2, "vi7": 1},
        "IVmaj7": {"IVmaj7": 4, "Imaj7": 3, "vi7": 1, "I[add9]": 1},
        "vi7": {"vi7": 4, "IVmaj7": 2, "Imaj7": 2},
        "iii7": {"iii7": 2, "vi7": 1, "IVmaj7": 1},
    },
    cadences={"authentic": ("V", "Imaj7"), "plagal": ("IVmaj7", "Imaj7"), "half": ("V",)},
)
_AMBIENT_MINOR = ModeTable(
    start={"i7": 3, "VImaj7": 1},
    transitions={
        "i7": {"i7": 4, "VImaj7": 2.5, "iv7": 1.5, "IIImaj7": 1},
        "VImaj7": {"VImaj7": 4, "i7": 3, "IIImaj7": 1},
        "iv7": {"iv7": 3, "i7": 2, "VImaj7": 1},
        "IIImaj7": {"IIImaj7": 3, "VImaj7": 2, "i7": 1},
    },
    cadences={"authentic": ("v7", "i7"), "plagal": ("iv7", "i7"), "half": ("v7",)},
)


@lru_cache(maxsize=1)
def _bach_tables() -> dict[str, ModeTable]:
    doc = json.loads((_DATA / "bach_chorales.json").read_text(encoding="utf-8"))
    return {
        "major": ModeTable(doc["major"]["start"], doc["major"]["transitions"], _MAJOR_CADENCES),
        "minor": ModeTable(doc["minor"]["start"], doc["minor"]["transitions"], _MINOR_CADENCES),
    }


_STYLES: dict[str, Style] = {
    "pop": Style(
        "pop",
        "four-chord pop: I V vi IV and relatives",
        "C",
        110,
        Fraction(1),
        4,
        "authentic",
        "half",
        {"major": _POP_MAJOR, "minor": _POP_MINOR},
    ),
    "jazz": Style(
        "jazz",
        "ii-V-I chains with sevenths and secondary dominants",
        "F",
        140,
        Fraction(1),
        4,
        "authentic",
        "half",
        {"major": _JAZZ_MAJOR, "minor": _JAZZ_MINOR},
    ),
    "modal": Style(
        "modal",
        "modal vamps that keep the mode's colour",
        "D dorian",
        100,
        Fraction(2),
        8,
        "plagal",
        None,
        _MODAL,
    ),
    "minor_ballad": Style(
        "minor_ballad",
        "slow minor-key harmony with a real dominant",
        "d",
        70,
        Fraction(1),
        4,
        "authentic",
        "half",
        {"minor": _BALLAD_MINOR},
    ),
    "ambient": Style(
        "ambient",
        "static, slowly changing seventh chords",
        "D",
        60,
        Fraction(2),
        8,
        "plagal",
        None,
        {"major": _AMBIENT_MAJOR, "minor": _AMBIENT_MINOR},
    ),
    "bach": Style(
        "bach",
        "chorale harmony learned from music21's Bach chorales",
        "G",
        80,
        Fraction(1, 2),
        4,
        "authentic",
        "half",
        {},  # tables load lazily from JSON
    ),
}
_STYLE_ALIASES = {
    "jazz_ii_v": "jazz",
    "jazz-ii-v": "jazz",
    "ii-v": "jazz",
    "minor ballad": "minor_ballad",
    "minor-ballad": "minor_ballad",
    "ballad": "minor_ballad",
    "static": "ambient",
    "chorale": "bach",
    "chorales": "bach",
}
_MODE_FAMILY = {"ionian": "major"}
CADENCES = ("authentic", "plagal", "half")

#: Names of the style presets.
STYLES: tuple[str, ...] = tuple(_STYLES)


def style_info(style: str) -> Style:
    """The :class:`Style` preset for a name (aliases like ``"jazz-ii-V"`` accepted)."""
    name = _STYLE_ALIASES.get(style.lower(), style.lower()) if isinstance(style, str) else style
    if name not in _STYLES:
        close = difflib.get_close_matches(str(style), STYLES, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(STYLES)})"
        raise HarmonyError(f"unknown progression style {style!r}{hint}")
    s = _STYLES[name]
    if name == "bach":
        s = Style(**{**s.__dict__, "tables": _bach_tables()})
    return s


def style_table(style: str, key: str) -> ModeTable:
    """The transition table a style uses in a key (by the key's mode)."""
    s = style_info(style)
    mode = parse_key(key).mode
    mode = _MODE_FAMILY.get(mode, mode)
    if mode not in s.tables:
        raise HarmonyError(
            f"style '{s.name}' has no table for {mode} keys (it has: {', '.join(s.tables)}); "
            f"try key='{s.default_key}'"
        )
    return s.tables[mode]


def _matrix(table: ModeTable, extra: tuple[str, ...]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """States, row-stochastic transition matrix and start distribution."""
    states = list(table.transitions)
    for s in list(table.start) + list(extra):
        if s not in states:
            states.append(s)
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    w = np.zeros((n, n))
    for a, row in table.transitions.items():
        for b, weight in row.items():
            w[index[a], index[b]] = weight
    tonic = index[next(iter(table.start))]
    for i in range(n):
        if w[i].sum() == 0:  # a cadence-only chord: carry on as the tonic would
            w[i] = w[tonic]
    start = np.zeros(n)
    for s, weight in table.start.items():
        start[index[s]] = weight
    return states, w / w.sum(axis=1, keepdims=True), start / start.sum()


def _sample(
    trans: np.ndarray, start: np.ndarray, fixed: dict[int, int], n: int, rng: np.random.Generator
) -> list[int] | None:
    """Draw a chain of length n with some positions fixed, exactly conditioned (None if impossible)."""
    n_states = trans.shape[0]
    masks = np.ones((n, n_states))
    for pos, state in fixed.items():
        masks[pos] = 0.0
        masks[pos, state] = 1.0
    beta = np.ones((n, n_states))  # beta[t, s] ~ P(constraints after t are met | x_t = s)
    for t in range(n - 2, -1, -1):
        b = trans @ (masks[t + 1] * beta[t + 1])
        beta[t] = b / max(b.max(), 1e-300)
    out: list[int] = []
    p = start
    for t in range(n):
        weights = p * masks[t] * beta[t]
        total = weights.sum()
        if total <= 0:
            return None
        cdf = np.cumsum(weights / total)
        s = int(min(np.searchsorted(cdf, rng.random(), side="right"), n_states - 1))
        out.append(s)
        p = trans[s]
    return out


def generate_progression(
    style: str = "pop",
    bars: int = 8,
    key: str | None = None,
    seed: int = 0,
    cadence: bool | str = True,
    bars_per_chord: BeatsLike | None = None,
    phrase_bars: int | None = None,
    bpm: float | None = None,
    signature: str = "4/4",
) -> Progression:
    """Generate a progression from a style's Markov chain.

    Parameters
    ----------
    style : str
        One of :data:`STYLES`: ``"pop"``, ``"jazz"``, ``"modal"``, ``"minor_ballad"``,
        ``"ambient"``, ``"bach"``.
    bars : int
        Length in bars.
    key : str, optional
        Key in music21's spelling (``"F"``, ``"a"``, ``"D dorian"``); the style's default if
        None. Its mode picks the style's table (pop and jazz have major and minor tables,
        modal has dorian, mixolydian, lydian and aeolian).
    seed : int
        Seed of the numpy Generator; same seed and arguments, same chords.
    cadence : bool or {"authentic", "plagal", "half"}
        False for none; a kind for that cadence at every phrase end; True for the style's
        final cadence at the end and half cadences at earlier phrase ends.
    bars_per_chord : number, optional
        Harmonic rhythm (style default: 1 bar for pop, 2 for ambient, 1/2 for bach...).
    phrase_bars : int, optional
        Phrase length in bars (style default 4 or 8); the last phrase may be shorter.
    bpm : float, optional
        Tempo stored in the progression (style default).
    signature : str
        Time signature.

    Returns
    -------
    Progression
    """
    st = style_info(style)
    key = key_name(key if key is not None else st.default_key)
    table = style_table(st.name, key)
    if not isinstance(bars, int) or isinstance(bars, bool) or bars < 1:
        raise HarmonyError(f"bars: expected a whole number of bars >= 1, got {bars!r}")
    if bars > MAX_PROGRESSION_BARS:
        raise HarmonyError(f"bars: {bars:,} bars is over the limit of {MAX_PROGRESSION_BARS:,} bars "
                           f"per generated progression")
    per = beats(
        bars_per_chord if bars_per_chord is not None else st.bars_per_chord, "bars_per_chord"
    )
    if per <= 0 or (bars / per).denominator != 1:
        raise HarmonyError(f"bars_per_chord: {per} does not divide {bars} bars into whole chords")
    phrase = phrase_bars if phrase_bars is not None else st.phrase_bars
    if not isinstance(phrase, int) or phrase < 1 or (phrase / per).denominator != 1:
        raise HarmonyError(
            f"phrase_bars: expected a whole number of bars holding whole chords, got {phrase!r}"
        )
    if cadence not in (True, False, None) and cadence not in CADENCES:
        raise HarmonyError(
            f"cadence {cadence!r}: expected True, False or one of {', '.join(CADENCES)}"
        )

    n_chords = int(bars / per)
    if n_chords > MAX_CHORDS:
        raise HarmonyError(f"bars_per_chord: {per} makes {n_chords:,} chords, over the limit of "
                           f"{MAX_CHORDS:,} chords per progression")
    per_phrase = int(phrase / per)
    ends = list(range(per_phrase - 1, n_chords, per_phrase))
    if not ends or ends[-1] != n_chords - 1:
        ends.append(n_chords - 1)
    fixed_names: dict[int, str] = {}
    if cadence:
        for j, end in enumerate(ends):
            final = j == len(ends) - 1
            kind = (
                cadence
                if isinstance(cadence, str)
                else (st.final_cadence if final else st.inner_cadence)
            )
            if kind is None:
                continue
            chords = table.cadences[kind]
            start_pos = end - len(chords) + 1
            phrase_start = ends[j - 1] + 1 if j else 0
            chords = chords[max(0, phrase_start - start_pos) :]  # a very short phrase
            for k, fig in enumerate(chords):
                fixed_names[end - len(chords) + 1 + k] = fig

    states, trans, start = _matrix(table, tuple(fixed_names.values()))
    index = {s: i for i, s in enumerate(states)}
    fixed = {pos: index[fig] for pos, fig in fixed_names.items()}
    rng = np.random.default_rng(checks.seed(seed))
    path = _sample(trans, start, fixed, n_chords, rng)
    if path is None:  # the table cannot reach a cadence: allow any chord before it, rarely
        smooth = 0.98 * trans + 0.02 / trans.shape[0]
        path = _sample(smooth, 0.98 * start + 0.02 / len(start), fixed, n_chords, rng)
    assert path is not None  # the smoothed chain reaches every state
    num, den = parse_signature(signature)
    bar = Fraction(4 * num, den)
    chords = tuple(roman(states[s], key) for s in path)
    durations = (per * bar,) * n_chords
    return Progression(key, chords, durations, bpm if bpm is not None else st.bpm, signature)
