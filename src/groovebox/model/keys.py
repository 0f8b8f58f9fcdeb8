"""Key and scale names as plain values: parsing ``"F# minor"``, ``"Bb"``, ``"a"``, ``"D dorian"``.

Only the names: which pitches a scale holds, and everything music21 knows, is in
:mod:`groovebox.harmony`. File formats (a MIDI key signature) and the model use these without
music21.

>>> parse_key("f# minor"), parse_key("Bb").name, parse_key("a").name
(KeyName(tonic='F#', mode='minor'), 'Bb major', 'A minor')
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from groovebox.errors import HarmonyError

__all__ = ["KEY_MODES", "SCALE_MODES", "KeyName", "key_name", "parse_key"]

#: Modes a key can be in (what music21's ``key.Key`` accepts); roman numerals need one of these.
KEY_MODES: tuple[str, ...] = (
    "major",
    "minor",
    "ionian",
    "dorian",
    "phrygian",
    "lydian",
    "mixolydian",
    "aeolian",
    "locrian",
)

#: Further scales that are not keys: usable for melodies and arpeggios, not roman numerals.
SCALE_MODES: tuple[str, ...] = (
    "harmonic minor",
    "melodic minor",
    "major pentatonic",
    "minor pentatonic",
    "blues",
    "whole tone",
    "chromatic",
    "octatonic",
)

_MODE_ALIASES = {
    "maj": "major",
    "min": "minor",
    "m": "minor",
    "pentatonic": "major pentatonic",
    "wholetone": "whole tone",
    "whole-tone": "whole tone",
    "diminished": "octatonic",
}

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY_RE = re.compile(r"^([A-Ga-g])(##|#|bb|b|--|-)?(?:(m)(?![a-z])|\s+(.+?))?$")
_EXPECTED = (
    "expected a tonic A-G with optional #/b and a mode (major, minor, dorian, ...), "
    "e.g. 'C', 'a', 'F# minor', 'D dorian', 'Bb'"
)


@dataclass(frozen=True, slots=True)
class KeyName:
    """A parsed key or scale name (no pitches yet)."""

    tonic: str  # spelled with # and b
    mode: str

    @property
    def name(self) -> str:
        return f"{self.tonic} {self.mode}"

    @property
    def m21_tonic(self) -> str:
        """Tonic in music21's spelling (``b`` flats become ``-``)."""
        return self.tonic[0] + self.tonic[1:].replace("b", "-")

    @property
    def tonic_pc(self) -> int:
        acc = self.tonic[1:]
        return (_LETTER_PC[self.tonic[0]] + acc.count("#") - acc.count("b")) % 12


@lru_cache(maxsize=512)
def parse_key(text: str) -> KeyName:
    """Read a key or scale name; raise :class:`HarmonyError` naming what is wrong.

    """
    if not isinstance(text, str):
        raise HarmonyError(f"key {text!r}: {_EXPECTED}")
    m = _KEY_RE.match(text.strip())
    if not m:
        raise HarmonyError(f"unknown key {text!r}: {_EXPECTED}")
    letter, acc, m_suffix, mode_text = m.groups()
    acc = (acc or "").replace("-", "b")
    if m_suffix:
        mode = "minor"
    elif mode_text:
        mode = " ".join(mode_text.lower().split())
        mode = _MODE_ALIASES.get(mode, mode)
        if mode not in KEY_MODES and mode not in SCALE_MODES:
            known = KEY_MODES + SCALE_MODES
            close = difflib.get_close_matches(mode, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            raise HarmonyError(f"key {text!r}: unknown mode '{mode_text}'{hint}")
    else:
        mode = "major" if letter.isupper() else "minor"
    return KeyName(letter.upper() + acc, mode)


def key_name(text: str) -> str:
    """Normalise a key to ``"<Tonic> <mode>"`` (``"bb"`` -> ``"Bb minor"``)."""
    return parse_key(text).name


