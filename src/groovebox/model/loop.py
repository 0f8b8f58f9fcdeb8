"""Generative ambient music as values: loops of differing lengths, instruments, effects, evolution.

A :class:`Loop` sounds one *event* (a note, a chord, a short phrase or a texture) every
``period`` from a ``start`` offset, through its own instrument, level, pan and envelope, with
seeded variation (skipped events, a choice of pitches, slowly drifting velocity and tone
colour). A :class:`Soundscape` holds loops whose periods differ, so they overlap in ever-new
ways and the piece never repeats, plus the effect buses they send to, a master chain, slow
evolution (:class:`LFO`, :class:`Walk`) and optional drum patterns (:class:`Drums`).

Time is exact until the last moment: periods, starts and phrase offsets are read as the decimal
numbers they were written as (``19.7`` is 197/10 s), and the k-th event of a loop lands on
sample ``round((start + k * period) * sample_rate)`` computed from k, so nothing drifts over
hours. ``unit="beats"`` measures a loop in beats of its own ``bpm`` or the soundscape's.

These are plain immutable values: nothing here renders. ``groovebox.soundscape`` compiles a
soundscape into an engine program. Settings are checked when a value is made, with one line
naming the loop and field; instrument and effect parameters are checked by the voice and effect
modules' own validators (imported on first use, so ``import groovebox`` stays light).

>>> import groovebox as gb
>>> loop = gb.Loop("F4", period=19.7, start=4.0, instrument="choir_ah")
>>> loop.name, loop.pitches
('F4', (65,))
>>> [round(t, 1) for t in loop.onsets(60.0)]
[4.0, 23.7, 43.4]
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from fractions import Fraction
from typing import Any

from groovebox.errors import SoundscapeError, UnknownNameError
from groovebox.model.kit import FrozenMap
from groovebox.model.pattern import BPM_RANGE, Pattern

__all__ = [
    "LFO",
    "Drums",
    "Effect",
    "Hit",
    "Instrument",
    "Loop",
    "Soundscape",
    "Walk",
    "midi_to_hz",
    "note_name",
    "note_number",
]

NoteLike = str | int
ENVELOPE_FIELDS = ("attack_s", "decay_s", "sustain", "release_s")
UNITS = ("s", "beats")
MAX_PERIOD_S = 24 * 3600.0
MAX_LOOPS = 40
MAX_BUSES = 8  # engine.MAX_BUSES
# Patch fields evolution may not move: they shape a voice when it starts (number of unison
# voices, drawbar registration), so moving them under a sounding voice is meaningless.
FIXED_FIELDS = frozenset({"voices", "drawbars"})

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


# --- small checks ----------------------------------------------------------------------------
def _exact(value: Any, where: str, what: str) -> Fraction:
    """A number as an exact Fraction of what it was written as (floats by their shortest repr)."""
    if isinstance(value, bool):
        raise SoundscapeError(f"{where}: expected {what}, got {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SoundscapeError(f"{where}: expected {what}, got {value!r}")
        return Fraction(repr(value))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            pass
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise SoundscapeError(f"{where}: expected {what}, got {value!r}") from None
    return _exact(f, where, what)


def _number(value: Any, where: str, lo: float, hi: float, expected: str) -> float:
    if isinstance(value, bool):
        raise SoundscapeError(f"{where}: expected {expected}, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SoundscapeError(f"{where}: expected {expected}, got {value!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise SoundscapeError(f"{where}: {value!r} is out of range; expected {expected}")
    return v


def _sends(sends: Mapping[str, float] | None, where: str) -> FrozenMap:
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


def _tonal():
    from groovebox.dsp import tonal

    return tonal


# --- instruments -----------------------------------------------------------------------------
class Instrument:
    """A tonal voice: a named preset (or a voice kind) with some patch fields changed.

    Parameters
    ----------
    preset : str
        A tonal preset (``"choir_ah"``, ``"warm_pad"``, ``"fm_bell"``, ``"soft_piano"``,
        ``"rain"``, ... see ``groovebox.dsp.tonal.PRESETS``) or a voice kind (``"pad"``,
        ``"bell"``, ...), whose default patch is used.
    **fields : float
        Patch fields in their units (``attack_s=2.0``, ``cutoff_hz=800``, ``vowel=1.0``...).

    >>> Instrument("choir_ah", attack_s=0.3).fields["attack_s"]
    0.3
    """

    __slots__ = ("preset", "fields")

    def __init__(self, preset: str, **fields: float):
        tonal = _tonal()
        if not isinstance(preset, str) or (preset not in tonal.PRESETS and preset not in tonal.KIND_NAMES):
            raise UnknownNameError("instrument", str(preset), [*tonal.PRESETS, *tonal.KIND_NAMES])
        kind = tonal.PRESETS[preset][0] if preset in tonal.PRESETS else tonal.KIND_NAMES.index(preset)
        checked = tonal.make_patch(kind, **fields)  # ParameterError / UnknownNameError, one line
        values = {name: float(checked[tonal.PATCH_FIELDS.index(name)]) for name in fields}
        object.__setattr__(self, "preset", preset)
        object.__setattr__(self, "fields", FrozenMap(values))

    def __setattr__(self, name, value):
        raise AttributeError("Instrument is immutable")

    def __eq__(self, other):
        return isinstance(other, Instrument) and (self.preset, self.fields) == (other.preset, other.fields)

    def __hash__(self):
        return hash((self.preset, self.fields))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.fields.items())
        return f"Instrument({self.preset!r}{extra})"

    def with_fields(self, **fields: float) -> Instrument:
        """The same instrument with more fields changed."""
        return Instrument(self.preset, **{**dict(self.fields), **fields})

    def patch(self):
        """``(kind, patch)``: the voice kind (int) and its patch row (float64, PATCH_SIZE)."""
        tonal = _tonal()
        if self.preset in tonal.PRESETS:
            kind, patch = tonal.preset(self.preset)
        else:
            kind = tonal.KIND_NAMES.index(self.preset)
            patch = tonal.default_patch(kind)
        for name, value in self.fields.items():
            patch[tonal.PATCH_FIELDS.index(name)] = value
        return kind, patch

    @property
    def is_texture(self) -> bool:
        """True for unpitched textures (rain, wind, ocean, hiss)."""
        tonal = _tonal()
        kind = tonal.PRESETS[self.preset][0] if self.preset in tonal.PRESETS else tonal.KIND_NAMES.index(self.preset)
        return kind in tonal.TEXTURES


# --- effects ---------------------------------------------------------------------------------
class Effect:
    """One effect with its parameters in musical units (checked by the effect's own validator).

    Parameters
    ----------
    kind : str
        ``"reverb"``, ``"tape_delay"``, ``"chorus"``, ``"filter"``, ``"eq"``, ``"compressor"``,
        ``"saturation"``.
    **params
        The effect's parameters (see ``groovebox.dsp.effects``): seconds, Hz, dB, percent.
        A tape delay also takes ``time_beats`` (its time in beats of the soundscape's tempo)
        instead of ``time_s``.

    >>> Effect("reverb", decay_s=10.0, size=90).params["decay_s"]
    10.0
    """

    __slots__ = ("kind", "params")

    def __init__(self, kind: str, **params):
        from groovebox.dsp import effects

        name = effects.effect_kind(kind)
        check = dict(params)
        if "time_beats" in check:
            if name != "tape_delay":
                raise UnknownNameError(f"{name} parameter", "time_beats", effects.EFFECT_PARAMS[name])
            if "time_s" in check:
                raise SoundscapeError("tape_delay: give time_s or time_beats, not both")
            _number(check.pop("time_beats"), "tape_delay.time_beats", 1e-3, 64.0, "0.001 to 64 beats")
        effects.validate_effect_params(name, 48000.0, **check)  # one line naming effect.param
        object.__setattr__(self, "kind", name)
        object.__setattr__(self, "params", FrozenMap(params))

    def __setattr__(self, name, value):
        raise AttributeError("Effect is immutable")

    def __eq__(self, other):
        return isinstance(other, Effect) and (self.kind, self.params) == (other.kind, other.params)

    def __hash__(self):
        return hash((self.kind, self.params))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Effect({self.kind!r}{extra})"

    def resolved(self, bpm: float | None) -> dict:
        """Parameters for ``make_effect``: ``time_beats`` turned into ``time_s`` at ``bpm``."""
        p = dict(self.params)
        if "time_beats" in p:
            if bpm is None:
                raise SoundscapeError("tape_delay.time_beats needs a soundscape tempo (bpm)")
            p["time_s"] = float(p.pop("time_beats")) * 60.0 / bpm
        return p


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
            tonal = _tonal()
            env = {}
            for key, value in self.envelope.items():
                if key not in ENVELOPE_FIELDS:
                    raise UnknownNameError("envelope field", str(key), ENVELOPE_FIELDS)
                tonal.make_patch("pad", **{key: value})  # ParameterError naming patch.<key>
                env[key] = float(value)
            object.__setattr__(self, "envelope", FrozenMap(env))
        object.__setattr__(self, "sends", _sends(self.sends, where))
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


# --- evolution -------------------------------------------------------------------------------
def _evolution_fields(obj, what: str) -> None:
    where = f"{what} {obj.target}.{obj.param}"
    if not isinstance(obj.target, str) or not obj.target:
        raise SoundscapeError(f"{what}: target: expected a loop, bus or 'master' name, got {obj.target!r}")
    if not isinstance(obj.param, str) or not obj.param:
        raise SoundscapeError(f"{where}: param: expected a parameter name, got {obj.param!r}")
    object.__setattr__(obj, "depth", _number(obj.depth, f"{where}: depth", -1e4, 1e4, "a finite number"))


@dataclass(frozen=True)
class LFO:
    """A slow sine on a parameter: ``value = base + depth * sin(2 pi (t / period_s + phase))``.

    ``target`` is a loop name, a bus name or ``"master"``. Parameters: on a loop ``gain_db``,
    ``pan``, ``send:<bus>`` (dB) or a patch field (``cutoff_hz``, ``detune_cents``,
    ``brightness``, ``vowel``, ``fm_index``...); on a bus ``send`` (every send into it, dB, so
    the reverb's share of the mix) or an effect parameter (``feedback``, ``decay_s``,
    ``reverb.mix``); on ``master`` an effect parameter of the master chain. ``depth`` is in the
    parameter's unit, except frequencies (``..._hz``), which move by ``depth`` octaves.
    """

    target: str
    param: str
    depth: float
    period_s: float
    phase: float = 0.0

    def __post_init__(self) -> None:
        _evolution_fields(self, "LFO")
        where = f"LFO {self.target}.{self.param}"
        object.__setattr__(self, "period_s", _number(self.period_s, f"{where}: period_s", 0.05, 1e6, "seconds > 0"))
        object.__setattr__(self, "phase", _number(self.phase, f"{where}: phase", -1e6, 1e6, "a number of cycles"))


@dataclass(frozen=True)
class Walk:
    """A seeded random walk on a parameter: ``value = base + depth * w(t)``.

    ``w`` wanders smoothly within -1..1, changing direction about every ``step_s`` seconds
    (smooth noise of three octaves from counter hashes of the seed, so it is the same for any
    block size). Targets, parameters and units as for :class:`LFO`.
    """

    target: str
    param: str
    depth: float
    step_s: float = 30.0

    def __post_init__(self) -> None:
        _evolution_fields(self, "Walk")
        where = f"Walk {self.target}.{self.param}"
        object.__setattr__(self, "step_s", _number(self.step_s, f"{where}: step_s", 0.05, 1e6, "seconds > 0"))


# --- drums -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Drums:
    """A drum pattern playing in a soundscape (tracks of different lengths make polymeter).

    Parameters
    ----------
    pattern : Pattern
        The pattern (``gb.load("downtempo/ambient-pulse")`` or ``Pattern.from_grid``).
    kit : str, optional
        Kit name (default: the pattern's, else 808). All drum parts of a soundscape share it.
    gain_db : float
        Added to every track's own level.
    sends : mapping, optional
        Bus name -> send level in dB, for every drum track.
    start : float
        When step 0 lands, in seconds (or beats with ``unit="beats"``).
    swing, humanize_ms : float, optional
        As for pattern renders; the tempo is the soundscape's ``bpm`` (else the pattern's).
    name : str
        Prefix of the drum track names (``"drums.kick"``...).
    """

    pattern: Pattern
    kit: str | None = None
    gain_db: float = 0.0
    sends: Mapping[str, float] | None = None
    start: float = 0.0
    unit: str = "s"
    swing: float | None = None
    humanize_ms: float = 0.0
    name: str = "drums"

    def __post_init__(self) -> None:
        where = f"drums '{self.name}'"
        if not isinstance(self.pattern, Pattern):
            raise SoundscapeError(f"{where}: pattern: expected a Pattern (load one with gb.load('genre/slug')), got {type(self.pattern).__name__}")
        if self.kit is not None and not isinstance(self.kit, str):
            raise SoundscapeError(f"{where}: kit: expected a kit name, got {self.kit!r}")
        if self.unit not in UNITS:
            raise SoundscapeError(f"{where}: unit: expected 's' or 'beats', got {self.unit!r}")
        _number(self.gain_db, f"{where}: gain_db", -60.0, 12.0, "-60..12 dB")
        start = _exact(self.start, f"{where}: start", "a time >= 0")
        if start < 0:
            raise SoundscapeError(f"{where}: start: expected a time >= 0, got {self.start!r}")
        _number(self.humanize_ms, f"{where}: humanize_ms", 0.0, 50.0, "0..50 ms")
        object.__setattr__(self, "sends", _sends(self.sends, where))


# --- soundscape ------------------------------------------------------------------------------
Evolution = LFO | Walk


@dataclass(frozen=True)
class Soundscape:
    """Loops, instruments, effect buses, a master chain, slow evolution and optional drums.

    Parameters
    ----------
    loops : sequence of Loop
    name, description : str
        Shown by ``groovebox presets`` and used as the render label.
    bpm : float, optional
        Tempo for loops in beats, tempo-synced delays and drum patterns.
    instruments : mapping, optional
        Name -> :class:`Instrument`, for loops that name an instrument.
    buses : mapping, optional
        Bus name -> an :class:`Effect` or a chain (list) of them; loops and drums send to buses
        by name, and the bus outputs join the master.
    master : sequence of Effect
        The chain on the master before the limiter.
    evolve : sequence of LFO or Walk
        Slow changes over time.
    drums : sequence of Drums
    seed : int
        Seeds every variation (skips, choices, drifts, walks); never the structure.
    length_s : float
        Default render length when none is given.
    fade_out_s : float
        The fade at the end of a render (at most a quarter of the render).
    """

    loops: Sequence[Loop] = ()
    _: KW_ONLY
    name: str = "soundscape"
    description: str = ""
    bpm: float | None = None
    instruments: Mapping[str, Instrument] | None = None
    buses: Mapping[str, Effect | Sequence[Effect]] | None = None
    master: Sequence[Effect] = ()
    evolve: Sequence[Evolution] = ()
    drums: Sequence[Drums] = ()
    seed: int = 0
    length_s: float = 300.0
    fade_out_s: float = 8.0

    def __post_init__(self) -> None:
        where = f"soundscape '{self.name}'"
        loops = (self.loops,) if isinstance(self.loops, Loop) else tuple(self.loops)
        drums = (self.drums,) if isinstance(self.drums, Drums) else tuple(self.drums)
        evolve = (self.evolve,) if isinstance(self.evolve, LFO | Walk) else tuple(self.evolve)
        master = (self.master,) if isinstance(self.master, Effect) else tuple(self.master)
        for x in loops:
            if not isinstance(x, Loop):
                raise SoundscapeError(f"{where}: loops: expected Loop values, got {type(x).__name__}")
        for x in drums:
            if not isinstance(x, Drums):
                raise SoundscapeError(f"{where}: drums: expected Drums values, got {type(x).__name__}")
        for x in evolve:
            if not isinstance(x, LFO | Walk):
                raise SoundscapeError(f"{where}: evolve: expected LFO or Walk values, got {type(x).__name__}")
        for x in master:
            if not isinstance(x, Effect):
                raise SoundscapeError(f"{where}: master: expected Effect values, got {type(x).__name__}")
        if not loops and not drums:
            raise SoundscapeError(f"{where}: no loops and no drums; expected at least one loop")
        if len(loops) > MAX_LOOPS:
            raise SoundscapeError(f"{where}: {len(loops)} loops; at most {MAX_LOOPS}")
        if self.bpm is not None:
            object.__setattr__(self, "bpm", _number(self.bpm, f"{where}: bpm", *BPM_RANGE, f"{BPM_RANGE[0]:g}..{BPM_RANGE[1]:g} bpm"))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise SoundscapeError(f"{where}: seed: expected a whole number >= 0, got {self.seed!r}")
        object.__setattr__(self, "length_s", _number(self.length_s, f"{where}: length_s", 0.01, 24 * 3600.0, "seconds > 0"))
        object.__setattr__(self, "fade_out_s", _number(self.fade_out_s, f"{where}: fade_out_s", 0.0, 600.0, "0..600 s"))

        # Instruments and buses.
        instruments = dict(self.instruments or {})
        for name, inst in instruments.items():
            if not isinstance(inst, Instrument):
                raise SoundscapeError(f"{where}: instrument '{name}': expected an Instrument, got {inst!r}")
        buses: dict[str, tuple[Effect, ...]] = {}
        for name, chain in (self.buses or {}).items():
            chain = (chain,) if isinstance(chain, Effect) else tuple(chain)
            if not chain or not all(isinstance(e, Effect) for e in chain):
                raise SoundscapeError(f"{where}: bus '{name}': expected an Effect or a list of Effects")
            if name == "master":
                raise SoundscapeError(f"{where}: bus 'master': the name is taken by the master chain")
            buses[name] = chain
        if len(buses) > MAX_BUSES:
            raise SoundscapeError(f"{where}: {len(buses)} buses; the engine has {MAX_BUSES}")
        for chain in [*buses.values(), master]:
            for e in chain:
                if "time_beats" in e.params and self.bpm is None:
                    raise SoundscapeError(f"{where}: tape_delay.time_beats needs the soundscape's bpm")

        # Loops: unique names, instruments that exist, sends to buses that exist.
        tonal = _tonal()
        # Names given by the user must be unique; default names (from the notes) get -2, -3...
        explicit = [lp.name for lp in loops if lp.name != lp._default_name()]
        for name in explicit:
            if explicit.count(name) > 1:
                raise SoundscapeError(f"{where}: two loops are named '{name}'; loop names must be unique")
        seen = set(explicit)
        named: list[Loop] = []
        for lp in loops:
            if lp.name == lp._default_name():
                name, n = lp.name, 1
                while name in seen:
                    n += 1
                    name = f"{lp.name}-{n}"
                if name != lp.name:
                    lp = replace(lp, name=name)
                seen.add(name)
            inst = lp.instrument
            if isinstance(inst, str) and inst not in instruments and inst not in tonal.PRESETS and inst not in tonal.KIND_NAMES:
                raise UnknownNameError("instrument", inst, [*instruments, *tonal.PRESETS, *tonal.KIND_NAMES],
                                       hint=f"loop '{lp.name}'")
            for bus in lp.sends:
                if bus not in buses:
                    raise UnknownNameError("bus", bus, buses, hint=f"loop '{lp.name}' sends to it")
            if lp.unit == "beats" and lp.bpm is None and self.bpm is None:
                raise SoundscapeError(f"{where}: loop '{lp.name}' counts in beats but neither it nor the soundscape has a bpm")
            # (Textures ignore pitch, so a pitched event on a texture is harmless.)
            if lp.is_texture and self._kind_of(lp, instruments, tonal) not in tonal.TEXTURES:
                raise SoundscapeError(f"{where}: loop '{lp.name}': notes=None is for texture instruments (rain, wind, ocean, hiss)")
            named.append(lp)
        drum_names = set()
        kits = {d.kit or d.pattern.kit or "808" for d in drums}
        if len(kits) > 1:
            raise SoundscapeError(f"{where}: drum parts play one kit; got {', '.join(sorted(kits))}")
        for d in drums:
            if d.name in drum_names or d.name in seen:
                raise SoundscapeError(f"{where}: two parts are named '{d.name}'; names must be unique")
            drum_names.add(d.name)
            for bus in d.sends:
                if bus not in buses:
                    raise UnknownNameError("bus", bus, buses, hint=f"drums '{d.name}' send to it")
        object.__setattr__(self, "loops", tuple(named))
        object.__setattr__(self, "drums", drums)
        object.__setattr__(self, "evolve", evolve)
        object.__setattr__(self, "master", master)
        object.__setattr__(self, "instruments", FrozenMap(instruments))
        object.__setattr__(self, "buses", FrozenMap(buses))
        for ev in evolve:
            self._check_evolution(ev, tonal)

    @staticmethod
    def _kind_of(lp: Loop, instruments, tonal) -> int:
        inst = lp.instrument
        if isinstance(inst, str):
            inst = instruments[inst] if inst in instruments else Instrument(inst)
        return tonal.PRESETS[inst.preset][0] if inst.preset in tonal.PRESETS else tonal.KIND_NAMES.index(inst.preset)

    def instrument_of(self, loop: Loop) -> Instrument:
        """The loop's :class:`Instrument` with its envelope overrides applied."""
        inst = loop.instrument
        if isinstance(inst, str):
            inst = self.instruments[inst] if inst in self.instruments else Instrument(inst)
        if loop.envelope:
            inst = inst.with_fields(**dict(loop.envelope))
        return inst

    def _check_evolution(self, ev: Evolution, tonal) -> None:
        from groovebox.dsp import effects

        what = type(ev).__name__
        where = f"{what} {ev.target}.{ev.param}"
        loops = {lp.name: lp for lp in self.loops}
        if ev.target in loops:
            p = ev.param
            if p in ("gain_db", "pan"):
                return
            if p.startswith("send:"):
                bus = p[5:]
                if bus not in loops[ev.target].sends:
                    raise SoundscapeError(f"{where}: loop '{ev.target}' does not send to '{bus}' (its sends: {', '.join(loops[ev.target].sends) or 'none'})")
                return
            if p in tonal.PATCH_FIELDS and p not in FIXED_FIELDS:
                return
            known = ["gain_db", "pan", *(f"send:{b}" for b in loops[ev.target].sends),
                     *(f for f in tonal.PATCH_FIELDS if f not in FIXED_FIELDS)]
            raise UnknownNameError("loop parameter", p, known, hint=where)
        if ev.target in self.buses or ev.target == "master":
            chain = self.master if ev.target == "master" else self.buses[ev.target]
            if ev.param == "send" and ev.target != "master":
                return
            kind, _, param = ev.param.rpartition(".")
            candidates = [e for e in chain if (not kind or e.kind == kind) and param in effects.EFFECT_PARAMS[e.kind]]
            if not candidates:
                known = [*(("send",) if ev.target != "master" else ()),
                         *(f"{e.kind}.{q}" for e in chain for q in effects.EFFECT_PARAMS[e.kind])]
                raise UnknownNameError(f"parameter of '{ev.target}'", ev.param, known, hint=where)
            if param in ("mode", "ping_pong", "max_time_s"):
                raise SoundscapeError(f"{where}: '{param}' is a setting, not a number to evolve")
            return
        targets = [*loops, *self.buses, "master"]
        raise UnknownNameError("evolution target", ev.target, targets, hint=f"{what} {ev.param}")

    # -- convenience ----------------------------------------------------------------------------
    def with_seed(self, seed: int) -> Soundscape:
        """The same soundscape with another seed (same structure, other variation)."""
        return replace(self, seed=seed)

    @property
    def loop_names(self) -> tuple[str, ...]:
        return tuple(lp.name for lp in self.loops)

    def program(self, sample_rate: int = 48000, seed: int | None = None):
        """Compile into an engine :class:`~groovebox.engine.Program` (see ``groovebox.soundscape``)."""
        from groovebox.soundscape import build_program

        return build_program(self, sample_rate, seed=seed)
