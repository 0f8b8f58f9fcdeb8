"""Keys, scales and modes as plain values.

A key is written the way music21 writes it, with a few spellings people also use: upper-case
tonic for major (``"C"``, ``"Bb"``, ``"F#"``), lower-case for minor (``"a"``, ``"f#"``, ``"bb"``),
or a tonic and a mode name (``"F# minor"``, ``"D dorian"``, ``"Eb major"``, ``"Am"``). Flats may be
``b`` or music21's ``-``. Scales also take the non-key collections in :data:`SCALE_MODES`
(``"A minor pentatonic"``, ``"C harmonic minor"``, ``"E blues"``, ...).

>>> from groovebox.harmony import scale
>>> d = scale("D dorian")
>>> d.name, d.pitch_classes
('D dorian', (2, 4, 5, 7, 9, 11, 0))
>>> d.pitches(60, 72)
(60, 62, 64, 65, 67, 69, 71, 72)
>>> scale("Bb").names
('Bb', 'C', 'D', 'Eb', 'F', 'G', 'A')
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import lru_cache

from groovebox.errors import HarmonyError
from groovebox.model.keys import KEY_MODES, SCALE_MODES, KeyName, key_name, parse_key  # noqa: F401 (harmony's key API)


@dataclass(frozen=True, slots=True)
class Scale:
    """A scale or key: a tonic, a mode and its pitch classes.

    Parameters
    ----------
    tonic : str
        Spelled tonic with ``#``/``b`` accidentals, e.g. ``"F#"``, ``"Bb"``.
    mode : str
        ``"major"``, ``"minor"``, a church mode, or one of :data:`SCALE_MODES`.
    pitch_classes : tuple of int
        0..11 (C = 0), in scale order starting at the tonic.
    names : tuple of str
        The spelled note names in the same order.
    """

    tonic: str
    mode: str
    pitch_classes: tuple[int, ...]
    names: tuple[str, ...]
    _grid: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pcs = set(self.pitch_classes)
        object.__setattr__(self, "_grid", tuple(p for p in range(128) if p % 12 in pcs))

    @property
    def name(self) -> str:
        """``"D dorian"``: re-parses to the same scale."""
        return f"{self.tonic} {self.mode}"

    @property
    def tonic_pc(self) -> int:
        """Pitch class of the tonic."""
        return self.pitch_classes[0]

    @property
    def is_key(self) -> bool:
        """True for major, minor and the church modes (roman numerals work in them)."""
        return self.mode in KEY_MODES

    def __contains__(self, pitch: int) -> bool:
        return pitch % 12 in self.pitch_classes

    def pitches(self, low: int = 0, high: int = 127) -> tuple[int, ...]:
        """Every MIDI note of the scale from ``low`` to ``high`` inclusive."""
        lo = bisect.bisect_left(self._grid, low)
        hi = bisect.bisect_right(self._grid, high)
        return self._grid[lo:hi]

    def degree(self, pitch: int) -> int | None:
        """0-based scale degree of a MIDI note (0 = tonic), or None if not in the scale."""
        try:
            return self.pitch_classes.index(pitch % 12)
        except ValueError:
            return None

    def nearest(self, pitch: int) -> int:
        """The scale note closest to ``pitch`` (the lower one on a tie)."""
        i = bisect.bisect_left(self._grid, pitch)
        if i < len(self._grid) and self._grid[i] == pitch:
            return pitch
        below = self._grid[i - 1] if i > 0 else None
        above = self._grid[i] if i < len(self._grid) else None
        if below is None:
            return above  # type: ignore[return-value]
        if above is None or pitch - below <= above - pitch:
            return below
        return above

    def step(self, pitch: int, steps: int) -> int:
        """Move ``steps`` scale steps from ``pitch`` (snapped to the scale first)."""
        i = bisect.bisect_left(self._grid, self.nearest(pitch)) + steps
        if not 0 <= i < len(self._grid):
            raise HarmonyError(f"scale {self.name}: {steps} steps from {pitch} leaves MIDI 0..127")
        return self._grid[i]


@lru_cache(maxsize=128)
def m21_key(text: str):
    """The music21 ``key.Key`` for a key name (internal: music21 objects stay in harmony)."""
    kn = parse_key(text)
    if kn.mode not in KEY_MODES:
        raise HarmonyError(
            f"key {text!r}: '{kn.mode}' is a scale, not a key; roman numerals need "
            f"major, minor or a church mode ({', '.join(KEY_MODES[2:])})"
        )
    from music21 import (
        key as m21key,  # music21: ~0.25 s and a corpus index to import; loaded on first use
    )

    return m21key.Key(kn.m21_tonic, kn.mode)


def _spell(m21_name: str) -> str:
    return m21_name.replace("-", "b")


@lru_cache(maxsize=256)
def _scale_cached(tonic: str, mode: str) -> Scale:
    from music21 import (
        key as m21key,  # music21: ~0.25 s and a corpus index to import; loaded on first use
    )

    # music21: ~0.25 s and a corpus index to import; loaded on first use
    from music21 import scale as m21scale

    kn = KeyName(tonic, mode)
    m21_tonic = kn.m21_tonic
    if mode in KEY_MODES:
        pitches = m21key.Key(m21_tonic, mode).pitches[:-1]
    elif mode == "harmonic minor":
        pitches = m21scale.HarmonicMinorScale(m21_tonic).pitches[:-1]
    elif mode == "melodic minor":  # ascending form, the one jazz players mean
        pitches = m21scale.MelodicMinorScale(m21_tonic).getPitches(direction="ascending")[:-1]
    elif mode == "major pentatonic":
        major = m21key.Key(m21_tonic, "major").pitches
        pitches = [major[i] for i in (0, 1, 2, 4, 5)]
    elif mode in ("minor pentatonic", "blues"):
        minor = m21key.Key(m21_tonic, "minor").pitches
        pitches = [minor[i] for i in (0, 2, 3, 4, 6)]
        if mode == "blues":  # the flat fifth between 4 and 5
            pitches.insert(3, minor[4].transpose("-A1"))
    elif mode == "whole tone":
        pitches = m21scale.WholeToneScale(m21_tonic).pitches[:-1]
    elif mode == "chromatic":
        pitches = m21scale.ChromaticScale(m21_tonic).pitches[:-1]
    elif mode == "octatonic":  # half-whole, the dominant-diminished scale
        pitches = m21scale.OctatonicScale(m21_tonic, mode=1).pitches[:-1]
    else:  # parse_key only lets known modes through
        raise HarmonyError(f"scale '{kn.name}': unknown mode '{mode}'")
    names = tuple(_spell(p.name) for p in pitches)
    pcs = tuple(p.pitchClass for p in pitches)
    return Scale(tonic, mode, pcs, names)


def scale(text: str) -> Scale:
    """A :class:`Scale` from a key or scale name.

    Parameters
    ----------
    text : str
        ``"C"``, ``"a"``, ``"F# minor"``, ``"D dorian"``, ``"A minor pentatonic"``, ...

    Returns
    -------
    Scale
        Immutable; cached, so asking twice is free.
    """
    kn = parse_key(text)
    return _scale_cached(kn.tonic, kn.mode)


def key_scale_pitch_classes(text: str) -> frozenset[int]:
    """Pitch classes that count as "in the key" for chord analysis.

    A minor key also owns its raised sixth and seventh (melodic and harmonic minor), so V and
    vii° of a minor key are diatonic, as every harmony textbook treats them.
    """
    sc = scale(text)
    pcs = set(sc.pitch_classes)
    if sc.mode == "minor":
        pcs |= {(sc.tonic_pc + 9) % 12, (sc.tonic_pc + 11) % 12}
    return frozenset(pcs)
