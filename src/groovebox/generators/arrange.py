"""Arrange a progression: chords, bass, arpeggio and melody parts over an optional drum pattern.

This is composition time: the parts come from :mod:`groovebox.generators.parts` (music21 may be
used while building them, through :mod:`groovebox.harmony`). The result is an
:class:`~groovebox.model.arrangement.Arrangement`, a plain value the engine renders without
music21 (``gb.render(arrangement)``) and the exporters write to MIDI or MusicXML.

>>> import groovebox as gb
>>> p = gb.progression("I V vi IV", key="C", bpm=96)
>>> arr = gb.arrange(p, bass="root_fifth", arp=True)
>>> arr.part_names
('chords', 'bass', 'arp')
>>> [n.pitch for n in arr.part("bass")][:4]
[36, 43, 43, 50]
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from groovebox import checks
from groovebox.errors import GrooveboxTypeError, GrooveboxValueError, HarmonyError
from groovebox.generators import parts as _parts
from groovebox.library import load
from groovebox.model.arrangement import Arrangement, instrument, pattern_beat_quarters
from groovebox.model.notes import Note, Part, Progression
from groovebox.model.pattern import SWING_RANGE, Pattern

__all__ = ["BASS_MODES", "arrange", "swing_part"]

#: Bass modes: the styles of :func:`groovebox.generators.parts.bass`.
BASS_MODES = _parts.BASS_STYLES
_BASS_ALIASES = {"root-fifth": "root_fifth", "rootfifth": "root_fifth", "root": "roots", "walk": "walking"}


def _bass_mode(bass, drums: Pattern | None) -> str | None:
    if bass is None or bass is False:
        return None
    if bass is True or bass == "auto":
        return "kick" if drums is not None and "kick" in drums.instruments else "roots"
    mode = _BASS_ALIASES.get(str(bass).lower(), str(bass).lower())
    if mode not in BASS_MODES:
        raise HarmonyError(f"bass mode '{bass}': expected one of {', '.join(BASS_MODES)}")
    return mode


def _arp_direction(arp) -> str | None:
    if arp is None or arp is False:
        return None
    if arp is True:
        return "up"
    if arp not in _parts.ARP_DIRECTIONS:
        raise HarmonyError(f"arpeggio direction '{arp}': expected one of {', '.join(_parts.ARP_DIRECTIONS)}")
    return arp


def swing_part(part: Part, drums: Pattern, swing: float | None = None) -> Part:
    """Move a part's onsets and ends on every second drum step of a pair late, as the drum
    sequencer swings them.

    Parameters
    ----------
    part : Part
    drums : Pattern
        The drum pattern setting the grid (swing needs an even number of steps per beat).
    swing : float, optional
        MPC-style percent, 50 straight .. 75 (default: the pattern's).

    Returns
    -------
    Part
        Notes off the grid or on even steps stay; a note whose end is swung still ends where
        the next swung note starts (legato stays legato).
    """
    swing = drums.swing if swing is None else swing
    lo, hi = SWING_RANGE
    if isinstance(swing, bool) or not isinstance(swing, int | float) or not lo <= swing <= hi:
        raise GrooveboxValueError(f"swing: {swing!r} is out of range; expected {lo:g}..{hi:g} (50 = straight)")
    # The sequencer's rule (groovebox.renderer.sequencer): 600 ticks a step, odd steps late by this many.
    ticks = round((swing - 50.0) / 50.0 * 600) if drums.steps_per_beat % 2 == 0 else 0
    if ticks == 0:
        return part
    spq = Fraction(drums.steps_per_beat) / pattern_beat_quarters(drums)
    shift = Fraction(ticks, 600) / spq

    def moved(t: Fraction) -> Fraction:
        step = t * spq
        return t + shift if step.denominator == 1 and step.numerator % 2 == 1 else t

    notes = []
    for n in part.notes:
        start, end = moved(n.start_beats), moved(n.end_beats)
        notes.append(Note(start, end - start, n.pitch, n.velocity, n.part))
    length = max(part.length_beats, max((n.end_beats for n in notes), default=Fraction(0)))
    return Part(part.name, tuple(notes), part.instrument, length)


def _ring(part: Part, end: Fraction, ring: Fraction) -> Part:
    """Hold the notes still sounding at ``end`` for ``ring`` beats more."""
    notes = tuple(replace(n, duration_beats=n.duration_beats + ring) if n.end_beats == end else n for n in part.notes)
    return Part(part.name, notes, part.instrument, end + ring)


def arrange(
    progression: Progression,
    *,
    chords: str | None = "pad",
    voicing: str = "close",
    bass: bool | str | None = None,
    arp: bool | str | None = None,
    melody: bool = False,
    drums: Pattern | str | None = None,
    kit: str | None = None,
    swing: float | None = None,
    bpm: float | None = None,
    seed: int = 0,
    ending: bool = True,
    ring_bars: float = 1,
    arp_rate: float = 2,
    arp_octaves: int = 2,
    bass_instrument: str = "bass",
    arp_instrument: str = "pluck",
    melody_instrument: str = "keys",
    reverb_s: float = 2.2,
    name: str = "",
) -> Arrangement:
    """Parts for a progression, ready to render or export.

    Parameters
    ----------
    progression : Progression
        From :func:`groovebox.harmony.progression` or
        :func:`groovebox.generators.progressions.generate_progression`.
    chords : str or None
        Instrument of the chord part ("pad", "keys", "piano", "organ", "bell", "pluck",
        "choir", ... see :data:`~groovebox.model.arrangement.INSTRUMENTS`); None for no chords.
        Sustaining instruments hold common tones across chords; struck ones strike each chord.
    voicing : {"close", "open", "drop2"}
        Chord voicing (voice-led with the least motion).
    bass : bool or str or None
        A bass part: ``"roots"``, ``"root_fifth"``, ``"walking"`` or ``"kick"`` (one note on
        every kick of the drum pattern); True picks ``"kick"`` with drums that have a kick,
        else ``"roots"``.
    arp : bool or str or None
        An arpeggio: ``"up"``, ``"down"``, ``"updown"`` or ``"random"`` (True: up).
    melody : bool
        A seeded melody.
    drums : Pattern or str, optional
        A drum pattern or library id (``"rock/straight-eighths"``) looped under the parts.
    kit, swing
        Drum kit and swing (defaults: the pattern's). With swing, the parts' notes on the
        swung steps move with the drums.
    bpm : float, optional
        Tempo in quarter notes per minute (default: the progression's).
    seed : int
        Seed for the walking bass, random arpeggio, melody, drum probabilities and voices.
    ending : bool
        End musically: the last chord and bass note ring ``ring_bars`` bars past the end and
        the drums end on one downbeat hit.
    arp_rate : number
        Arpeggio notes per beat (2 = eighths, 4 = sixteenths).
    arp_octaves : int
        Arpeggio range in octaves.
    bass_instrument, arp_instrument, melody_instrument : str
        Instruments of those parts.
    reverb_s : float
        Decay time of the shared reverb (0 for none).
    name : str
        Title.

    Returns
    -------
    Arrangement
    """
    if not isinstance(progression, Progression):
        raise HarmonyError(
            f"arrange: expected a Progression (gb.progression(...) or gb.generate_progression(...)), "
            f"got {type(progression).__name__}"
        )
    seed = checks.seed(seed)
    if isinstance(drums, str):
        drums = load(drums)
    if drums is not None and not isinstance(drums, Pattern):
        raise GrooveboxTypeError(f"drums: expected a Pattern or a library id, got {type(drums).__name__}")
    if bpm is not None:
        progression = progression.with_tempo(bpm)
    for inst in (chords, bass_instrument, arp_instrument, melody_instrument):
        if inst is not None:
            instrument(inst)
    bass_mode = _bass_mode(bass, drums)
    direction = _arp_direction(arp)
    # Check the meter before building anything (raises when the drums' bar differs).
    probe = Arrangement(progression, (), drums=drums, kit=kit, swing=swing)
    spq = probe.drum_steps_per_quarter if drums is not None else None

    built: list[Part] = []
    if chords is not None:
        built.append(_parts.pad(progression, voicing, tie=instrument(chords).sustains, name="chords", instrument=chords))
    if bass_mode is not None:
        kw = {}
        if bass_mode == "kick":
            if drums is None:
                raise HarmonyError("bass mode 'kick' locks the bass to a drum pattern's kick; give drums")
            if "kick" not in drums.instruments:
                raise HarmonyError(f"bass mode 'kick': drums '{drums.id or drums.name}' have no kick track")
            if spq.denominator != 1:
                raise HarmonyError(f"bass mode 'kick': drums '{drums.id or drums.name}' do not divide a quarter note into whole steps")
            kick = drums.track("kick")
            kw = dict(kick_steps=[i for i, s in enumerate(kick.steps) if s.is_hit], steps_per_beat=int(spq), pattern_steps=len(kick))
        built.append(_parts.bass(progression, bass_mode, seed=seed, instrument=bass_instrument, **kw))
    if direction is not None:
        built.append(_parts.arpeggio(progression, direction, rate=arp_rate, octaves=arp_octaves, seed=seed + 1, instrument=arp_instrument))
    if melody:
        built.append(_parts.melody(progression, seed=seed + 2, instrument=melody_instrument))

    end = progression.length_beats
    if ending and ring_bars:
        ring = Fraction(ring_bars).limit_denominator(64) * progression.beats_per_bar
        if ring < 0:
            raise HarmonyError(f"ring_bars: expected >= 0, got {ring_bars!r}")
        built = [_ring(p, end, ring) if p.name in ("chords", "bass") else p for p in built]
    if drums is not None:
        built = [swing_part(p, drums, probe.drum_swing) for p in built]
    return Arrangement(progression, tuple(built), drums=drums, kit=kit, swing=swing, seed=seed,
                       ending=ending, reverb_s=reverb_s, name=name)
