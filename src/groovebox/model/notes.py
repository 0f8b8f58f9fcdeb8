"""Pitched musical values: notes, parts, chords and chord progressions.

Time is musical and exact: a *beat* is a quarter note and every position or length in beats is a
:class:`~fractions.Fraction`, so eighth-note triplets, dotted rhythms and long songs never
accumulate rounding error. Only :meth:`Part.to_arrays` turns beats into sample frames, once,
with ``round(beats * 60 / bpm * sample_rate)`` computed from Fractions.

These are plain immutable values: no music21, numba, audio or files here. The harmony package
builds :class:`Chord` and :class:`Progression` values; the generators build :class:`Part` values.

>>> from groovebox.model.notes import Note, Part
>>> bass = Part("bass", (Note(0, 1, 36, 0.9), Note(1, "1/2", 43, 0.7)), instrument="bass")
>>> bass.length_beats
Fraction(3, 2)
>>> start, duration, pitch, velocity = bass.to_arrays(bpm=120, sample_rate=48000)
>>> start.tolist(), duration.tolist(), pitch.tolist()
([0, 24000], [24000, 12000], [36.0, 43.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from numbers import Rational

import numpy as np

from groovebox.errors import HarmonyError

BeatsLike = Fraction | int | float | str
MAX_CHORDS = 1024  # chords in one progression (docs/limits.md)
MAX_PROGRESSION_BARS = 1024  # bars of one progression, written or generated (docs/limits.md)

__all__ = [
    "MAX_CHORDS",
    "MAX_PROGRESSION_BARS",
    "Chord",
    "Note",
    "NoteSequence",
    "Part",
    "Progression",
    "beats",
    "parse_signature",
    "strong_beats",
]


def beats(value: BeatsLike, field_name: str = "beats") -> Fraction:
    """Coerce a beat position or length to an exact Fraction.

    Floats are read through their shortest repr, so ``0.1`` becomes ``1/10`` rather than
    the binary fraction nearest to it. Strings may be ``"3/2"`` or ``"1.5"``.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise HarmonyError(f"{field_name}: expected a number of beats, got {value!r}")
    if isinstance(value, int | Rational):
        return Fraction(value)
    try:
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError
            return Fraction(repr(value))
        if isinstance(value, str):
            return Fraction(value.strip())
    except (ValueError, ZeroDivisionError):
        pass
    raise HarmonyError(
        f"{field_name}: expected a number of beats like 1, 0.5 or '3/2', got {value!r}"
    )


def parse_signature(signature: str) -> tuple[int, int]:
    """``"6/8"`` -> ``(6, 8)``; the denominator must be a power of two up to 32."""
    try:
        num_text, den_text = signature.split("/")
        num, den = int(num_text), int(den_text)
    except (AttributeError, ValueError):
        raise HarmonyError(
            f"signature {signature!r}: expected 'beats/unit' like '4/4', '3/4' or '6/8'"
        ) from None
    if not 1 <= num <= 32 or den not in (1, 2, 4, 8, 16, 32):
        raise HarmonyError(
            f"signature {signature!r}: expected 1..32 beats over a note value of 1, 2, 4, 8, 16 or 32"
        )
    return num, den


def strong_beats(signature: str) -> tuple[Fraction, ...]:
    """Offsets in beats (quarter notes) of the strong beats within one bar.

    The downbeat is always strong. Simple meters with an even count of at least four also
    stress the middle (beat 3 of 4/4); compound meters (6/8, 12/8) stress each dotted-quarter
    group that starts the second half of the bar (beat 4 of 6/8).
    """
    num, den = parse_signature(signature)
    unit = Fraction(4, den)
    if den >= 8 and num % 3 == 0 and num >= 6:
        groups = num // 3
        group = 3 * unit
        return (Fraction(0), groups // 2 * group) if groups % 2 == 0 else (Fraction(0),)
    if num % 2 == 0 and num >= 4:
        return (Fraction(0), num // 2 * unit)
    return (Fraction(0),)


@dataclass(frozen=True, slots=True)
class Note:
    """One pitched note.

    Parameters
    ----------
    start_beats : Fraction
        Onset in beats (quarter notes) from the start of its part, >= 0.
    duration_beats : Fraction
        Length in beats, > 0.
    pitch : int
        MIDI note number 0..127 (60 is middle C).
    velocity : float
        Loudness 0..1.
    part : str
        Name of the part the note belongs to (filled in by :class:`Part`).
    """

    start_beats: Fraction
    duration_beats: Fraction
    pitch: int
    velocity: float = 0.8
    part: str = ""

    def __post_init__(self) -> None:
        if type(self.start_beats) is not Fraction:
            object.__setattr__(self, "start_beats", beats(self.start_beats, "note start_beats"))
        if type(self.duration_beats) is not Fraction:
            object.__setattr__(
                self, "duration_beats", beats(self.duration_beats, "note duration_beats")
            )
        where = f"note at beat {self.start_beats}"
        if self.start_beats < 0:
            raise HarmonyError(f"{where}: start_beats must be >= 0")
        if self.duration_beats <= 0:
            raise HarmonyError(f"{where}: duration_beats must be > 0, got {self.duration_beats}")
        if isinstance(self.pitch, bool) or not isinstance(self.pitch, int | np.integer):
            raise HarmonyError(f"{where}: pitch must be an integer MIDI note, got {self.pitch!r}")
        if not 0 <= self.pitch <= 127:
            raise HarmonyError(f"{where}: pitch {self.pitch} is outside MIDI 0..127")
        if type(self.pitch) is not int:
            object.__setattr__(self, "pitch", int(self.pitch))
        if not 0.0 <= self.velocity <= 1.0:
            raise HarmonyError(f"{where}: velocity {self.velocity} is outside 0..1")

    @property
    def end_beats(self) -> Fraction:
        """Where the note stops, in beats."""
        return self.start_beats + self.duration_beats


@dataclass(frozen=True, slots=True)
class Part:
    """An immutable, time-ordered sequence of notes played by one instrument.

    Parameters
    ----------
    name : str
        Part name ("bass", "arp", "pad", "melody", ...); becomes every note's ``part``.
    notes : tuple of Note
        Sorted on construction by (start, pitch).
    instrument : str
        Name of the tonal voice that should play it ("bass", "pluck", "pad", "keys", ...).
    length_beats : Fraction, optional
        Loop/section length; defaults to the end of the last note. Must not end before the
        last onset.
    """

    name: str
    notes: tuple[Note, ...] = ()
    instrument: str = "keys"
    length_beats: Fraction | None = None

    def __post_init__(self) -> None:
        notes = tuple(self.notes)
        if any(n.part != self.name for n in notes):
            notes = tuple(n if n.part == self.name else replace(n, part=self.name) for n in notes)
        notes = tuple(sorted(notes, key=lambda n: (n.start_beats, n.pitch)))
        object.__setattr__(self, "notes", notes)
        if self.length_beats is None:
            length = max((n.end_beats for n in notes), default=Fraction(0))
        else:
            length = beats(self.length_beats, f"part '{self.name}' length_beats")
            if length < 0:
                raise HarmonyError(f"part '{self.name}': length_beats must be >= 0")
            if notes and notes[-1].start_beats >= length:
                raise HarmonyError(
                    f"part '{self.name}': a note starts at beat {notes[-1].start_beats}, "
                    f"at or after length_beats {length}"
                )
        object.__setattr__(self, "length_beats", length)

    def __len__(self) -> int:
        return len(self.notes)

    def __iter__(self) -> Iterator[Note]:
        return iter(self.notes)

    @property
    def pitches(self) -> tuple[int, ...]:
        """MIDI pitch of every note, in time order."""
        return tuple(n.pitch for n in self.notes)

    def transposed(self, semitones: int) -> Part:
        """The same part moved by a number of semitones."""
        return Part(
            self.name,
            tuple(replace(n, pitch=n.pitch + semitones) for n in self.notes),
            self.instrument,
            self.length_beats,
        )

    def to_arrays(
        self, bpm: float, sample_rate: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sample-accurate note arrays for the sequencer.

        Parameters
        ----------
        bpm : float
            Tempo in quarter-note beats per minute, > 0.
        sample_rate : int
            Frames per second, > 0.

        Returns
        -------
        start_frame : ndarray, shape (n_notes,), int64
            ``round(start_beats * 60 / bpm * sample_rate)``, evaluated exactly in Fractions
            (Python's round: ties go to the even frame).
        duration_frames : ndarray, shape (n_notes,), int64
            Rounded end frame minus rounded start frame (at least 1), so notes that touch in
            beats touch in frames, with no gap or overlap from rounding.
        pitch : ndarray, shape (n_notes,), float64
            MIDI note numbers.
        velocity : ndarray, shape (n_notes,), float32
            0..1.
        """
        frames_per_beat = _frames_per_beat(bpm, sample_rate)
        n = len(self.notes)
        start = np.empty(n, dtype=np.int64)
        duration = np.empty(n, dtype=np.int64)
        pitch = np.empty(n, dtype=np.float64)
        velocity = np.empty(n, dtype=np.float32)
        for i, note in enumerate(self.notes):
            s = round(note.start_beats * frames_per_beat)
            e = round(note.end_beats * frames_per_beat)
            start[i] = s
            duration[i] = max(e - s, 1)
            pitch[i] = note.pitch
            velocity[i] = note.velocity
        return start, duration, pitch, velocity


NoteSequence = Part
"""Alias: a :class:`Part` is a named note sequence."""


def _frames_per_beat(bpm: float, sample_rate: int) -> Fraction:
    if (
        isinstance(bpm, bool)
        or not isinstance(bpm, int | float | Fraction)
        or not (math.isfinite(bpm) and bpm > 0)
    ):
        raise HarmonyError(f"bpm: expected a tempo > 0, got {bpm!r}")
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, int | np.integer)
        or sample_rate <= 0
    ):
        raise HarmonyError(f"sample_rate: expected a positive integer, got {sample_rate!r}")
    # Fraction(float) is the float's exact binary value, so 60 / bpm carries no rounding.
    return Fraction(60) * int(sample_rate) / Fraction(bpm)


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord as plain numbers plus what it was called.

    Parameters
    ----------
    figure : str
        How it was written: a roman numeral (``"V7/V"``) or a chord symbol (``"Am7"``).
    pitches : tuple of int
        MIDI notes, ascending, in close position from the bass, the bass in octave 3
        (MIDI 48..59). A reference voicing; parts re-voice it.
    root, bass : int
        Pitch classes 0..11 (C = 0).
    tones : tuple of int
        Distinct pitch classes from the root in stacked thirds: root, 3rd, 5th, 7th, 9th...
    degrees : tuple of int
        The chord step of each tone: 1, 3, 5, 7, 9, 11 or 13 (a sus4's fourth is 11).
    quality : str
        ``"major"``, ``"minor"``, ``"diminished"``, ``"augmented"`` or ``"other"``.
    name : str
        Common name, e.g. ``"dominant seventh chord"``.
    root_name : str
        Spelled root, e.g. ``"F#"`` or ``"Bb"``.
    inversion : int
        0 root position, 1 first inversion, ...
    key : str or None
        The key a roman numeral was read in (``"C major"``); None for chord symbols.
    """

    figure: str
    pitches: tuple[int, ...]
    root: int
    bass: int
    tones: tuple[int, ...]
    degrees: tuple[int, ...]
    quality: str
    name: str
    root_name: str
    inversion: int = 0
    key: str | None = None

    @property
    def pitch_classes(self) -> frozenset[int]:
        """The set of pitch classes (0..11) in the chord."""
        return frozenset(self.tones)

    def tone(self, degree: int) -> int | None:
        """Pitch class of chord step ``degree`` (1, 3, 5, 7, ...), or None if absent."""
        for pc, d in zip(self.tones, self.degrees, strict=True):
            if d == degree:
                return pc
        return None


@dataclass(frozen=True, slots=True)
class Progression:
    """Chords with durations, in a key, at a tempo and meter.

    Parameters
    ----------
    key : str
        Normalised key name, e.g. ``"C major"``, ``"A minor"``, ``"D dorian"``.
    chords : tuple of Chord
        At least one.
    durations_beats : tuple of Fraction
        One positive length per chord, in beats (quarter notes).
    bpm : float
        Default tempo for playback and export.
    signature : str
        Time signature, e.g. ``"4/4"``.
    """

    key: str
    chords: tuple[Chord, ...]
    durations_beats: tuple[Fraction, ...]
    bpm: float = 120.0
    signature: str = "4/4"
    _starts: tuple[Fraction, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        chords = tuple(self.chords)
        if not chords:
            raise HarmonyError("progression: no chords (expected at least one)")
        if len(chords) > MAX_CHORDS:
            raise HarmonyError(f"progression: {len(chords):,} chords is over the limit of {MAX_CHORDS:,} "
                               f"chords per progression")
        durations = tuple(
            beats(d, f"chord {i} duration_beats") for i, d in enumerate(self.durations_beats, 1)
        )
        if len(durations) != len(chords):
            raise HarmonyError(
                f"progression: {len(chords)} chords but {len(durations)} durations_beats"
            )
        for i, d in enumerate(durations, 1):
            if d <= 0:
                raise HarmonyError(f"progression: chord {i} duration_beats must be > 0, got {d}")
        parse_signature(self.signature)
        _frames_per_beat(self.bpm, 1)
        starts, t = [], Fraction(0)
        for d in durations:
            starts.append(t)
            t += d
        num, den = parse_signature(self.signature)
        bars = t * den / (4 * num)
        if bars > MAX_PROGRESSION_BARS:
            raise HarmonyError(f"progression: {float(bars):,.6g} bars is over the limit of "
                               f"{MAX_PROGRESSION_BARS:,} bars per progression")
        object.__setattr__(self, "chords", chords)
        object.__setattr__(self, "durations_beats", durations)
        object.__setattr__(self, "_starts", tuple(starts))

    def __len__(self) -> int:
        return len(self.chords)

    @property
    def starts_beats(self) -> tuple[Fraction, ...]:
        """Onset of each chord in beats."""
        return self._starts

    @property
    def length_beats(self) -> Fraction:
        """Total length in beats."""
        return self._starts[-1] + self.durations_beats[-1]

    @property
    def beats_per_bar(self) -> Fraction:
        """Quarter-note beats in one bar of the signature (6/8 -> 3)."""
        num, den = parse_signature(self.signature)
        return Fraction(4 * num, den)

    @property
    def bars(self) -> Fraction:
        """Length in bars."""
        return self.length_beats / self.beats_per_bar

    @property
    def figures(self) -> tuple[str, ...]:
        """Each chord's figure as written."""
        return tuple(c.figure for c in self.chords)

    def spans(self) -> Iterator[tuple[Fraction, Fraction, Chord]]:
        """Yield ``(start_beats, duration_beats, chord)`` for each chord."""
        return zip(self._starts, self.durations_beats, self.chords, strict=True)

    def chord_index_at(self, beat: BeatsLike) -> int:
        """Index of the chord sounding at ``beat`` (the last chord past the end)."""
        b = beats(beat)
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:  # last start <= b
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= b:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def chord_at(self, beat: BeatsLike) -> Chord:
        """The chord sounding at ``beat``."""
        return self.chords[self.chord_index_at(beat)]

    def with_tempo(self, bpm: float) -> Progression:
        """The same chords at another tempo."""
        return replace(self, bpm=bpm)


def check_parts(parts: Iterable[Part] | Part) -> tuple[Part, ...]:
    """Accept one part or an iterable of parts (used by the exporters)."""
    if isinstance(parts, Part):
        return (parts,)
    out = tuple(parts)
    for p in out:
        if not isinstance(p, Part):
            raise HarmonyError(f"expected Part values, got {type(p).__name__}")
    return out
