"""An arrangement: a progression, the parts played over it, and optionally a drum pattern.

A plain immutable value like :class:`~groovebox.model.notes.Progression`: no music21, numba,
audio or files. :func:`groovebox.generators.arrange.arrange` builds one from a progression
(composition time, where music21 may be used); :mod:`groovebox.renderer.arrangement` turns it into an
engine program (plain numpy arrays) and renders or exports it; ``gb.render(arrangement)`` works
like rendering a pattern.

Time: the progression's beats are quarter notes at ``progression.bpm``. A drum pattern plays on
the same timeline from beat 0: its own beat (the signature's denominator note, or the dotted
note in compound meters, as in the pattern library) is converted, so a 12/8 shuffle under a
12/8 progression lines up bar for bar.

>>> from groovebox.harmony import progression
>>> from groovebox.generators import parts
>>> from groovebox.model.arrangement import Arrangement
>>> p = progression("I V vi IV", key="C", bpm=100)
>>> arr = Arrangement(p, (parts.pad(p, name="chords"), parts.bass(p)))
>>> arr.part_names, arr.length_beats, arr.mixes()[1]
(('chords', 'bass'), Fraction(16, 1), Mix(gain_db=-6.0, pan=0.0, reverb=0.05))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

from groovebox.errors import GrooveboxError, HarmonyError, UnknownNameError
from groovebox.model.notes import Part, Progression
from groovebox.model.pattern import Pattern

__all__ = [
    "INSTRUMENTS",
    "Arrangement",
    "Instrument",
    "Mix",
    "default_mix",
    "instrument",
    "pattern_beat_quarters",
]


@dataclass(frozen=True, slots=True)
class Instrument:
    """How a part's instrument name is played: a tonal preset, changes to it, a level trim.

    Parameters
    ----------
    preset : str
        A :data:`groovebox.model.patch.PRESETS` name.
    fields : tuple of (str, float)
        Patch fields changed from the preset (``attack_s``, ``release_s``, ...).
    trim_db : float
        Level correction so instruments sit at a similar loudness.
    sustains : bool
        True when a held note keeps sounding (pads, organ, choir): chord parts then hold
        common tones across chords; struck instruments (keys, bells, plucks) strike again.
    """

    preset: str
    fields: tuple[tuple[str, float], ...] = ()
    trim_db: float = 0.0
    sustains: bool = False


_PAD_FAST = (("attack_s", 0.35), ("decay_s", 2.0), ("sustain", 0.85), ("release_s", 1.5))

#: Instrument names a part may use, mapped to tonal voices. Preset names work as well.
INSTRUMENTS: dict[str, Instrument] = {
    # a quicker pad than the ambient preset, so chords of a bar or two bloom in time
    "pad": Instrument("warm_pad", _PAD_FAST, 5.0, True),
    "dark_pad": Instrument("dark_pad", (("attack_s", 0.6), ("release_s", 2.0)), 5.5, True),
    "strings": Instrument("warm_pad", (("attack_s", 0.2), ("cutoff_hz", 1600.0), ("sustain", 0.9),
                                       ("release_s", 1.0), ("voices", 5.0)), 4.0, True),  # fmt: skip
    "keys": Instrument("rhodes", (), 2.5),
    "epiano": Instrument("rhodes", (), 2.5),
    "rhodes": Instrument("rhodes", (), 2.5),
    "piano": Instrument("soft_piano", (), 7.5),
    "soft_piano": Instrument("soft_piano", (), 7.5),
    "bell": Instrument("fm_bell", (), 1.5),
    "fm_bell": Instrument("fm_bell", (), 1.5),
    "glass": Instrument("glass", (), -0.5),
    "pluck": Instrument("pluck", (), 5.0),
    "harp": Instrument("pluck", (("brightness", 0.45), ("decay_s", 5.0)), 4.0),
    "organ": Instrument("organ", (), -1.0, True),
    "choir": Instrument("choir_ah", (("attack_s", 0.4), ("release_s", 1.2)), 3.5, True),
    "choir_ah": Instrument("choir_ah", (), 3.5, True),
    "drone": Instrument("sine_drone", (("attack_s", 1.5), ("release_s", 3.0)), 2.0, True),
    "sine_drone": Instrument("sine_drone", (), 2.0, True),
    "bass": Instrument("sub", (("brightness", 0.55), ("release_s", 0.08)), -6.0, True),
    "sub": Instrument("sub", (), -9.0, True),
    "warm_pad": Instrument("warm_pad", (), 7.0, True),
    # the other General MIDI names parts read from MIDI files carry (formats.midi_notes)
    "lead": Instrument("warm_pad", (("attack_s", 0.01), ("decay_s", 1.0), ("sustain", 0.8), ("release_s", 0.15),
                                    ("voices", 3.0), ("detune_cents", 8.0), ("cutoff_hz", 2500.0),
                                    ("filter_env_oct", 1.0), ("vibrato_hz", 5.5), ("vibrato_cents", 8.0)),
                       -1.0, True),  # fmt: skip
    "guitar": Instrument("pluck", (("brightness", 0.5), ("position", 0.12)), 5.0),
    "marimba": Instrument("pluck", (("brightness", 0.25), ("decay_s", 1.2), ("position", 0.3)), 6.0),
    "vibes": Instrument("fm_bell", (("fm_ratio", 4.0), ("fm_index", 1.2), ("decay_s", 4.0)), 1.5),
    "bells": Instrument("fm_bell", (), 1.5),
}


def instrument(name: str) -> Instrument:
    """The :class:`Instrument` for a name, or an UnknownNameError suggesting close names."""
    found = INSTRUMENTS.get(name) if isinstance(name, str) else None
    if found is None:
        raise UnknownNameError("instrument", str(name), INSTRUMENTS, hint="see `groovebox instruments`")
    return found


@dataclass(frozen=True, slots=True)
class Mix:
    """Mixer settings of one part: fader in dB, balance -1..1, reverb send level 0..1."""

    gain_db: float = 0.0
    pan: float = 0.0
    reverb: float = 0.0

    def __post_init__(self):
        for name, lo, hi in (("gain_db", -60.0, 12.0), ("pan", -1.0, 1.0), ("reverb", 0.0, 1.0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not (math.isfinite(v) and lo <= v <= hi):
                raise GrooveboxError(f"mix {name}: expected a number in {lo:g}..{hi:g}, got {v!r}")


# Part roles (by part name) -> where they sit: bass dry and centred, chords wide and wet, the
# arpeggio a little right, the melody a little left and in front.
_ROLE_MIX = {
    "bass": Mix(-6.0, 0.0, 0.05),
    "chords": Mix(-12.0, 0.0, 0.3),
    "pad": Mix(-12.0, 0.0, 0.3),
    "arp": Mix(-12.0, 0.35, 0.3),
    "melody": Mix(-9.0, -0.2, 0.22),
}


def default_mix(part: Part) -> Mix:
    """Mix settings for a part from its role (its name: bass, chords/pad, arp, melody)."""
    return _ROLE_MIX.get(part.name, Mix(-10.0, 0.0, 0.2))


def pattern_beat_quarters(pattern: Pattern) -> Fraction:
    """Quarter notes in one beat of a drum pattern (the dotted note in 6/8, 9/8, 12/8)."""
    num, den = pattern.signature
    compound = den >= 8 and num % 3 == 0 and num > 3
    return Fraction(4, den) * (3 if compound else 1)


@dataclass(frozen=True)
class Arrangement:
    """A progression, the parts played over it and an optional drum pattern, ready to render.

    Parameters
    ----------
    progression : Progression
        The chords; its ``bpm`` (quarter notes per minute) is the tempo of everything.
    parts : tuple of Part
        Pitched parts (unique names); each plays its ``instrument`` (:data:`INSTRUMENTS`).
    drums : Pattern, optional
        A drum pattern looped from beat 0 for the progression's length; its bar must last as
        long as the progression's (same meter).
    kit : str, optional
        Drum kit (default: the pattern's suggested kit, else 808).
    swing : float, optional
        Drum swing percent (default: the pattern's). Parts built by ``arrange`` are swung to
        match.
    seed : int
        Seed of the drums' probability steps and of each note's voice.
    mix : tuple of Mix
        One per part, or empty for :func:`default_mix`.
    drums_gain_db : float
        Fader of the whole drum kit.
    drums_reverb : float
        Send of the drum tracks to the shared reverb (0..1).
    reverb_s : float
        Decay time (RT60) of the shared reverb in seconds; 0 for none.
    ending : bool
        The drums end with one hit on the downbeat after the progression (the pattern's first
        step) while the last chord rings.
    name : str
        A title (MIDI/MusicXML, render label).
    """

    progression: Progression
    parts: tuple[Part, ...]
    drums: Pattern | None = None
    kit: str | None = None
    swing: float | None = None
    seed: int = 0
    mix: tuple[Mix, ...] = ()
    drums_gain_db: float = 0.0
    drums_reverb: float = 0.06
    reverb_s: float = 2.2
    ending: bool = True
    name: str = ""
    _length: Fraction = field(default=Fraction(0), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.progression, Progression):
            raise HarmonyError(f"arrangement: expected a Progression, got {type(self.progression).__name__}")
        parts = (self.parts,) if isinstance(self.parts, Part) else tuple(self.parts)
        names = set()
        for p in parts:
            if not isinstance(p, Part):
                raise HarmonyError(f"arrangement: parts must be Part values, got {type(p).__name__}")
            if p.name in names:
                raise HarmonyError(f"arrangement: two parts are named '{p.name}'; part names must differ")
            names.add(p.name)
            instrument(p.instrument)
        object.__setattr__(self, "parts", parts)
        mix = tuple(self.mix)
        if mix and len(mix) != len(parts):
            raise GrooveboxError(f"arrangement: {len(mix)} mix settings for {len(parts)} parts")
        object.__setattr__(self, "mix", mix)
        if self.drums is not None:
            if not isinstance(self.drums, Pattern):
                raise GrooveboxError(f"arrangement drums: expected a Pattern, got {type(self.drums).__name__}")
            _ = self.drum_steps_per_quarter  # checks the meter
        if not (isinstance(self.reverb_s, int | float) and (self.reverb_s == 0 or 0.1 <= self.reverb_s <= 30)):
            raise GrooveboxError(f"reverb_s: expected 0 (no reverb) or 0.1..30 s, got {self.reverb_s!r}")
        Mix(self.drums_gain_db, 0.0, self.drums_reverb)  # range checks
        length = max([self.progression.length_beats, *(p.length_beats for p in parts)])
        object.__setattr__(self, "_length", length)

    # -- derived values -------------------------------------------------------------------
    @property
    def bpm(self) -> float:
        """Tempo in quarter notes per minute (the progression's)."""
        return self.progression.bpm

    @property
    def key(self) -> str:
        return self.progression.key

    @property
    def signature(self) -> str:
        return self.progression.signature

    @property
    def length_beats(self) -> Fraction:
        """The progression's length, or longer when a part rings on past it."""
        return self._length

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    def part(self, name: str) -> Part:
        """The part called ``name``."""
        for p in self.parts:
            if p.name == name:
                return p
        raise UnknownNameError("part", name, self.part_names)

    def mixes(self) -> tuple[Mix, ...]:
        """The mix of every part (the given ones, else each part's default)."""
        return self.mix or tuple(default_mix(p) for p in self.parts)

    @property
    def drum_steps_per_quarter(self) -> Fraction:
        """Drum steps per quarter note (raises when the pattern's bar differs from the progression's)."""
        if self.drums is None:
            raise GrooveboxError("arrangement has no drums")
        q = pattern_beat_quarters(self.drums)
        bar_q = self.drums.beats_per_bar * q
        if bar_q != self.progression.beats_per_bar:
            num, den = self.drums.signature
            raise GrooveboxError(
                f"drums '{self.drums.id or self.drums.name}' are in {num}/{den} but the progression is in "
                f"{self.progression.signature}; build the progression with signature='{num}/{den}'"
            )
        return Fraction(self.drums.steps_per_beat) / q

    @property
    def drum_bpm(self) -> float:
        """The drum pattern's tempo in its own beats per minute."""
        if self.drums is None:
            raise GrooveboxError("arrangement has no drums")
        return float(Fraction(self.bpm).limit_denominator(10**6) / pattern_beat_quarters(self.drums))

    @property
    def drum_swing(self) -> float:
        """Swing percent the drums play with."""
        if self.drums is None:
            return 50.0
        return float(self.drums.swing if self.swing is None else self.swing)

    @property
    def drum_steps(self) -> int:
        """Drum steps covering the progression (the ending hit not counted)."""
        return math.ceil(self.progression.length_beats * self.drum_steps_per_quarter)

    def replace(self, **changes) -> Arrangement:
        """A copy with some fields changed."""
        return replace(self, **changes)
