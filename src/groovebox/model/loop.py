"""Loops as values: one event every period, from a start, with seeded variation.

A :class:`Loop` sounds one *event* (a note, a chord, a short phrase or a texture) every
``period`` from a ``start`` offset, through its own instrument, level, pan and envelope, with
seeded variation (skipped events, a choice of pitches, slowly drifting velocity and tone
colour). Loops of differing lengths drift in and out of phase inside a
:class:`~groovebox.model.soundscape.Soundscape`.

Time is exact until the last moment: periods, starts and phrase offsets are read as the decimal
numbers they were written as (``19.7`` is 197/10 s), and the k-th event of a loop lands on
sample ``round((start + k * period) * sample_rate)`` computed from k, so nothing drifts over
hours. ``unit="beats"`` measures a loop in beats of its own ``bpm`` or the soundscape's.

These are plain immutable values: nothing here renders (``groovebox.renderer.loops`` turns loops
into note events). Settings are checked when a value is made, with one line naming the loop
and field.

>>> import groovebox as gb
>>> loop = gb.Loop("F4", period=19.7, start=4.0, instrument="choir_ah")
>>> loop.name, loop.pitches
('F4', (65,))
>>> [round(t, 1) for t in loop.onsets(60.0)]
[4.0, 23.7, 43.4]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from fractions import Fraction
from typing import Any

from groovebox import checks
from groovebox.errors import SoundscapeError, UnknownNameError
from groovebox.model.frozen import FrozenMap
from groovebox.model.patch import Instrument, make_patch
from groovebox.model.pattern import BPM_RANGE

__all__ = ["Hit", "Loop", "check_sends", "midi_to_hz", "note_name", "note_number"]

NoteLike = str | int
ENVELOPE_FIELDS = ("attack_s", "decay_s", "sustain", "release_s")
UNITS = ("s", "beats")
MAX_PERIOD_S = 24 * 3600.0

# --- note names ------------------------------------------------------------------------------
_NOTE_RE = re.compile(r"^\s*([A-Ga-g])([#b\u266f\u266d]{0,2})(-?\d{1,2})\s*$")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_NAMES_SHARP = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def note_number(note: NoteLike, where: str = "note") -> int:
    """MIDI note number of a note name (``"F4"``, ``"Ab4"``, ``"C#5"``; C4 = 60) or a MIDI number.

    Raises
    ------
    SoundscapeError
        For anything else, e.g. ``note 'H4': expected a note name like C4, F#3 or Bb5 ...``.
    """
    if isinstance(note, bool):
        raise SoundscapeError(f"{where} {note!r}: expected a note name like C4, F#3 or Bb5, or a MIDI number 0..127")
    if isinstance(note, int) or (hasattr(note, "__index__") and not isinstance(note, str)):
        n = int(note)
        if not 0 <= n <= 127:
            raise SoundscapeError(f"{where} {n}: MIDI note numbers are 0..127")
        return n
    if isinstance(note, str):
        m = _NOTE_RE.match(note)
        if m:
            letter, acc, octave = m.groups()
            pc = _LETTER_PC[letter.upper()]
            pc += sum(1 if a in "#\u266f" else -1 for a in acc)
            n = 12 * (int(octave) + 1) + pc
            if 0 <= n <= 127:
                return n
            raise SoundscapeError(f"{where} '{note}': outside the MIDI range C-1..G9")
    raise SoundscapeError(
        f"{where} {note!r}: expected a note name like C4, F#3 or Bb5 (letter A-G, optional # or b, "
        f"octave number) or a MIDI number 0..127"
    )


def note_name(number: int) -> str:
    """A readable name for a MIDI note number (60 -> ``"C4"``; flats for black keys but F#, C#)."""
    return f"{_NAMES_SHARP[number % 12]}{number // 12 - 1}"


def midi_to_hz(number: float) -> float:
    """Equal-tempered frequency of a MIDI note number (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((number - 69.0) / 12.0)


# --- checks ---------------------------------------------------------------------------------

def _number(value: Any, where: str, lo: float, hi: float, expected: str) -> float:
    return checks.number(value, where, lo, hi, expected, error=SoundscapeError)


def _exact(value: Any, where: str, what: str) -> Fraction:
    return checks.exact(value, where, what, error=SoundscapeError)


def check_sends(sends: Mapping[str, float] | None, where: str) -> FrozenMap:
    """Send levels by bus name (dB, -60..12; None leaves a bus out) as a FrozenMap."""
    if sends is None:
        return FrozenMap()
    if not isinstance(sends, Mapping):
        raise SoundscapeError(f"{where}: sends: expected a mapping of bus name to level in dB, got {sends!r}")
    out = {}
    for bus, level in sends.items():
        if not isinstance(bus, str) or not bus:
            raise SoundscapeError(f"{where}: sends: bus names are non-empty strings, got {bus!r}")
        if level is None:
            continue
        out[bus] = _number(level, f"{where}: send to '{bus}'", -60.0, 12.0, "a level of -60..12 dB")
    return FrozenMap(out)


# --- loops -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hit:
    """One note of a loop's event, in the loop's unit (seconds or beats).

    ``pitches`` is empty for a texture (unpitched) hit; a chord has several pitches.
    """

    offset: Fraction
    pitches: tuple[int, ...]
    duration: float
    velocity: float = 1.0


def _spelled(note: NoteLike) -> str:
    """A note as the user wrote it (names keep their spelling, Db stays Db)."""
    n = note_number(note)
    return note.strip() if isinstance(note, str) else note_name(n)


def _is_notelike(x: Any) -> bool:
    return isinstance(x, str) or (isinstance(x, int) and not isinstance(x, bool))


def _chord(notes: Any, where: str) -> tuple[int, ...]:
    if notes is None:
        return ()
    if _is_notelike(notes):
        return (note_number(notes, where),)
    if isinstance(notes, Sequence) and notes and all(_is_notelike(n) for n in notes):
        return tuple(note_number(n, where) for n in notes)
    raise SoundscapeError(
        f"{where} {notes!r}: expected a note name like 'F4', a MIDI number, or a chord (a list of them)"
    )


@dataclass(frozen=True)
class Loop:
    """An event that repeats every ``period`` from ``start``.

    Parameters
    ----------
    notes : str, int, list, or None
        What each event plays: a note (``"F4"``, ``65``), a chord (``["C4", "E4", "G4"]``), a
        phrase (a list of ``(offset, notes, duration)`` or ``(offset, notes, duration,
        velocity)`` tuples, offsets and durations in the loop's unit, ``notes`` a note or a
        chord), or None for a texture instrument (rain, wind, ocean, hiss).
    period : float
        Time between events, > 0, in seconds (or beats with ``unit="beats"``).
    start : float
        Time of the first event, >= 0.
    instrument : str or Instrument
        A tonal preset or voice kind (``"choir_ah"``, ``"warm_pad"``, ``"pad"``...), the name of
        one of the soundscape's instruments, or an :class:`Instrument`.
    duration : float, optional
        Time from an event's onset to its note-off (the release follows), for notes and chords;
        default half the period.
    velocity : float
        0..1.
    gain_db, pan : float
        The loop's mixer track: level (-60..12 dB) and balance (-1 left .. 1 right).
    envelope : mapping, optional
        Overrides of ``attack_s``, ``decay_s``, ``sustain``, ``release_s``.
    sends : mapping, optional
        Bus name -> send level in dB (post-fader), e.g. ``{"reverb": -6}``.
    skip : float
        Probability 0..1 that an event is left out (seeded).
    choose : list, optional
        Alternatives (notes or chords); each event plays one of them, picked by the seed,
        instead of ``notes``.
    velocity_drift : float
        0..1: how far the velocity wanders, slowly, from event to event (0.5 = +-25 %).
    timbre_drift : float
        0..1: how far the tone colour (brightness, filter cutoff, FM index, vowel) wanders.
    unit : {"s", "beats"}
        What ``period``, ``start``, ``duration`` and phrase offsets are measured in.
    bpm : float, optional
        The loop's own tempo for ``unit="beats"`` (default: the soundscape's).
    name : str
        Track name (default: from the notes); unique in a soundscape.
    """

    notes: Any
    period: float
    start: float = 0.0
    _: KW_ONLY
    instrument: str | Instrument = "soft_piano"
    duration: float | None = None
    velocity: float = 0.8
    gain_db: float = 0.0
    pan: float = 0.0
    envelope: Mapping[str, float] | None = None
    sends: Mapping[str, float] | None = None
    skip: float = 0.0
    choose: Sequence | None = None
    velocity_drift: float = 0.0
    timbre_drift: float = 0.0
    unit: str = "s"
    bpm: float | None = None
    name: str = ""
    _variants: tuple[tuple[Hit, ...], ...] = field(default=(), init=False, repr=False, compare=False)
    _period: Fraction = field(default=Fraction(0), init=False, repr=False, compare=False)
    _start: Fraction = field(default=Fraction(0), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        label = self.name or self._default_name()
        where = f"loop '{label}'"
        if not isinstance(self.name, str):
            raise SoundscapeError(f"{where}: name: expected a string, got {self.name!r}")
        if self.unit not in UNITS:
            raise SoundscapeError(f"{where}: unit: expected 's' or 'beats', got {self.unit!r}")
        unit_text = "seconds" if self.unit == "s" else "beats"
        period = _exact(self.period, f"{where}: period", f"a number of {unit_text} > 0")
        if not 0 < period <= MAX_PERIOD_S:
            raise SoundscapeError(
                f"{where}: period: expected a number of {unit_text} > 0 (and at most {MAX_PERIOD_S:g}), got {self.period!r}"
            )
        start = _exact(self.start, f"{where}: start", f"a number of {unit_text} >= 0")
        if not 0 <= start <= MAX_PERIOD_S:
            raise SoundscapeError(f"{where}: start: expected a number of {unit_text} in 0..{MAX_PERIOD_S:g}, got {self.start!r}")
        if self.bpm is not None:
            object.__setattr__(self, "bpm", _number(self.bpm, f"{where}: bpm", *BPM_RANGE, f"{BPM_RANGE[0]:g}..{BPM_RANGE[1]:g} bpm"))
            if self.unit != "beats":
                raise SoundscapeError(f"{where}: bpm is only used with unit='beats'")
        velocity = _number(self.velocity, f"{where}: velocity", 0.0, 1.0, "0..1")
        _number(self.gain_db, f"{where}: gain_db", -60.0, 12.0, "-60..12 dB")
        _number(self.pan, f"{where}: pan", -1.0, 1.0, "-1 (left) .. 1 (right)")
        _number(self.skip, f"{where}: skip", 0.0, 1.0, "a probability 0..1")
        _number(self.velocity_drift, f"{where}: velocity_drift", 0.0, 1.0, "0..1")
        _number(self.timbre_drift, f"{where}: timbre_drift", 0.0, 1.0, "0..1")
        if self.skip >= 1.0:
            raise SoundscapeError(f"{where}: skip: 1 would leave out every event; expected less than 1")
        # Instrument: an Instrument, or a name the soundscape resolves (checked there).
        if not isinstance(self.instrument, Instrument | str):
            raise SoundscapeError(f"{where}: instrument: expected a preset name or an Instrument, got {self.instrument!r}")
        if self.envelope is not None:
            if not isinstance(self.envelope, Mapping):
                raise SoundscapeError(f"{where}: envelope: expected a mapping like {{'attack_s': 2.0}}")
            env = {}
            for key, value in self.envelope.items():
                if key not in ENVELOPE_FIELDS:
                    raise UnknownNameError("envelope field", str(key), ENVELOPE_FIELDS)
                make_patch("pad", **{key: value})  # ParameterError naming patch.<key>
                env[key] = float(value)
            object.__setattr__(self, "envelope", FrozenMap(env))
        object.__setattr__(self, "sends", check_sends(self.sends, where))
        duration = None
        if self.duration is not None:
            duration = _number(self.duration, f"{where}: duration", 1e-3, MAX_PERIOD_S, f"{unit_text} > 0")
        default_dur = float(period) / 2.0 if duration is None else duration
        variants = self._parse_variants(where, default_dur, velocity)
        object.__setattr__(self, "_variants", variants)
        object.__setattr__(self, "_period", period)
        object.__setattr__(self, "_start", start)
        if not self.name:
            object.__setattr__(self, "name", label)

    def _default_name(self) -> str:
        try:
            if self.choose is not None:
                return "choose"
            if self.notes is None:
                return self.instrument if isinstance(self.instrument, str) else self.instrument.preset
            if _is_notelike(self.notes):
                return _spelled(self.notes)
            if isinstance(self.notes, Sequence) and self.notes and all(_is_notelike(n) for n in self.notes):
                return "+".join(_spelled(n) for n in self.notes)
            return "phrase"
        except SoundscapeError:
            return str(self.notes)

    def _parse_variants(self, where: str, default_dur: float, velocity: float) -> tuple[tuple[Hit, ...], ...]:
        if self.choose is not None:
            if self.notes is not None:
                raise SoundscapeError(f"{where}: give notes or choose, not both")
            if isinstance(self.choose, str) or not isinstance(self.choose, Sequence) or not self.choose:
                raise SoundscapeError(f"{where}: choose: expected a list of notes or chords to pick from")
            return tuple(
                (Hit(Fraction(0), _chord(alt, f"{where}: choose"), default_dur),) for alt in self.choose
            )
        notes = self.notes
        if notes is None or _is_notelike(notes) or (
            isinstance(notes, Sequence) and notes and all(_is_notelike(n) for n in notes)
        ):
            return ((Hit(Fraction(0), _chord(notes, f"{where}: note"), default_dur),),)
        if isinstance(notes, Sequence) and notes and all(isinstance(h, Sequence) and not isinstance(h, str) for h in notes):
            hits = []
            for i, item in enumerate(notes, 1):
                w = f"{where}: phrase item {i}"
                if len(item) not in (3, 4):
                    raise SoundscapeError(f"{w}: expected (offset, notes, duration) or (offset, notes, duration, velocity), got {tuple(item)!r}")
                offset = _exact(item[0], f"{w}: offset", "a number >= 0")
                if offset < 0 or offset > MAX_PERIOD_S:
                    raise SoundscapeError(f"{w}: offset: expected a number >= 0, got {item[0]!r}")
                dur = _number(item[2], f"{w}: duration", 1e-3, MAX_PERIOD_S, "a length > 0")
                vel = _number(item[3], f"{w}: velocity", 0.0, 1.0, "0..1") if len(item) == 4 else 1.0
                hits.append(Hit(offset, _chord(item[1], f"{w}: note"), dur, vel))
            return (tuple(hits),)
        raise SoundscapeError(
            f"{where}: notes: expected a note ('F4'), a chord (['C4', 'E4']), a phrase "
            f"([(offset, notes, duration), ...]) or None for a texture, got {notes!r}"
        )

    # -- derived values -------------------------------------------------------------------------
    @property
    def variants(self) -> tuple[tuple[Hit, ...], ...]:
        """The event's possible contents: one tuple of hits, or one per ``choose`` alternative."""
        return self._variants

    @property
    def pitches(self) -> tuple[int, ...]:
        """Every MIDI pitch the loop can play, ascending."""
        return tuple(sorted({p for v in self._variants for h in v for p in h.pitches}))

    @property
    def is_texture(self) -> bool:
        """The loop plays no pitches (a texture instrument)."""
        return not self.pitches

    def seconds_per_unit(self, bpm: float | None = None) -> Fraction:
        """Seconds in one unit of this loop: 1, or 60 / bpm for ``unit="beats"`` (exact)."""
        if self.unit == "s":
            return Fraction(1)
        tempo = self.bpm if self.bpm is not None else bpm
        if tempo is None:
            raise SoundscapeError(f"loop '{self.name}': unit='beats' needs a tempo (the loop's bpm or the soundscape's)")
        return Fraction(60) / Fraction(repr(float(tempo)))

    def period_s(self, bpm: float | None = None) -> float:
        """The period in seconds."""
        return float(self._period * self.seconds_per_unit(bpm))

    def start_s(self, bpm: float | None = None) -> float:
        """The first onset in seconds."""
        return float(self._start * self.seconds_per_unit(bpm))

    @property
    def exact_period(self) -> Fraction:
        """The period as written, exactly, in the loop's unit."""
        return self._period

    @property
    def exact_start(self) -> Fraction:
        """The start as written, exactly, in the loop's unit."""
        return self._start

    def onsets(self, until_s: float, bpm: float | None = None) -> list[float]:
        """Event onsets in seconds before ``until_s`` (every event, before any skipping)."""
        u = self.seconds_per_unit(bpm)
        out = []
        k = 0
        while True:
            t = float((self._start + k * self._period) * u)
            if t >= until_s:
                return out
            out.append(t)
            k += 1
