"""A drum pattern as an engine program and a render plan.

>>> import groovebox as gb
>>> plan = plan_pattern(gb.Pattern.from_grid({"kick": "x...x..."}, bpm=120), RenderOptions(bars=1))
>>> plan.frames, plan.tail
(96000, True)
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

from groovebox.errors import UnknownNameError
from groovebox.formats.drum_grid import quarters_per_beat
from groovebox.formats.midi.drums import DrumNotes
from groovebox.formats.midi.smf import MAX_TICKS_PER_BEAT
from groovebox.kits import KitTables, kit_tables
from groovebox.model.instruments import GM_NOTES
from groovebox.model.options import RenderOptions
from groovebox.model.pattern import Pattern
from groovebox.renderer.effects import make_effect
from groovebox.renderer.program import Program, RenderPlan, TrackSettings
from groovebox.renderer.sequencer import TICKS_PER_STEP, PatternProgram, events, samples_per_tick

__all__ = ["DEFAULT_KIT", "drum_notes", "midi_resolution", "pattern_program", "plan_pattern", "room_bus"]

DEFAULT_KIT = "808"
MIDI_EVENT_RATE = 48000  # flams and humanize are placed in samples; this rate converts them to ticks
MIDI_NOTE_STEPS = Fraction(1, 2)  # drum notes last half a step (or until the key's next hit)
PATTERN_OPTIONS = ("bars", "seconds", "bpm", "kit", "swing", "seed", "humanize_ms", "humanize_velocity",
                   "mute", "solo", "tail")


def pattern_program(pattern: Pattern, options: RenderOptions | None = None, *, end_step: int = -1) -> Program:
    """A program that plays ``pattern`` from sample 0 on ``options.kit`` (default: the pattern's
    suggested kit, else 808), with its mutes and solos.

    Raises
    ------
    UnknownNameError
        A muted or soloed instrument the pattern does not have.
    """
    o = options if options is not None else RenderOptions()
    for what, names in (("track to mute", o.mute), ("track to solo", o.solo)):
        unknown = set(names) - set(pattern.instruments)
        if unknown:
            raise UnknownNameError(what, sorted(unknown)[0], pattern.instruments)
    prog = PatternProgram.build(pattern, o, end_step=end_step)
    kit = o.kit if o.kit is not None else (pattern.kit or DEFAULT_KIT)
    tables = kit_tables(kit, o.sample_rate, pattern.instruments)
    buses, sends = room_bus(tables, o.sample_rate)
    tracks = [TrackSettings(t.instrument, t.gain_db, tables.pan_of(t.instrument, t.pan), o.muted(t.instrument),
                            sends=sends) for t in pattern.tracks]
    return Program(sources=[prog], kit=tables, tracks=tracks, meta={"pattern": pattern}, buses=buses)


def room_bus(tables: KitTables, sample_rate: int) -> tuple[list, tuple[float, ...]]:
    """The effect bus of a kit's room and the send of each drum track to it: ``([[reverb]],
    (send,))`` for a kit heard in a room, ``([], ())`` for a dry one. The bus is an ordinary
    engine bus, so the room is block-size independent like every effect."""
    room = tables.room
    if room is None:
        return [], ()
    reverb = make_effect("reverb", sample_rate, decay_s=room.decay_s, size=room.size,
                         damping_hz=room.damping_hz, predelay_s=room.predelay_s, mix=100.0)
    return [[reverb]], (10.0 ** (room.send_db / 20.0),)


def plan_pattern(pattern: Pattern, options: RenderOptions | None = None) -> RenderPlan:
    """Plan a pattern render: ``options.bars`` bars (default: 4, or the pattern's length if
    longer), ringing out after the last bar unless ``tail=False``; or ``options.seconds``
    seconds, cut with a short fade."""
    o = options if options is not None else RenderOptions()
    o.only(PATTERN_OPTIONS, "a pattern")
    if o.seconds is not None:
        end_step = -1
    else:
        bars = o.bars if o.bars is not None else max(Fraction(4), Fraction(math.ceil(pattern.bars)))
        end_step = max(1, round(Fraction(bars).limit_denominator(64) * pattern.steps_per_bar))
    program = pattern_program(pattern, o, end_step=end_step)
    tail = o.tail
    if o.seconds is not None:
        frames = round(o.seconds * o.sample_rate)
        program.events_end = frames
        tail = False
    else:
        frames = program.sources[0].step_to_sample(end_step)
    return RenderPlan(program, frames, tail, label=pattern.id or pattern.name)


def midi_resolution(pattern: Pattern) -> tuple[int, Fraction]:
    """(ticks per quarter note, MIDI ticks per sequencer tick) for exporting ``pattern``.

    The resolution is the sequencer's own whenever the header can hold it (always, except
    steps finer than about 1/50 of a quarter note), so the scale is 1 and ticks are exact.
    """
    seq_per_quarter = Fraction(TICKS_PER_STEP * pattern.steps_per_beat) / quarters_per_beat(*pattern.signature)
    if seq_per_quarter.denominator == 1 and seq_per_quarter <= MAX_TICKS_PER_BEAT:
        return int(seq_per_quarter), Fraction(1)
    return 960, Fraction(960) / seq_per_quarter


def drum_notes(pattern: Pattern, options: RenderOptions | None = None, *, steps: int | None = None) -> DrumNotes:
    """The pattern's hits on MIDI ticks, as the sequencer plays them.

    The resolution is the sequencer's own (600 ticks per step), so every step, swing offset,
    nudge and ratchet lands on an exact tick; flam grace notes and humanize offsets, which the
    sequencer places in samples, are converted from their sample times. Length: ``steps``, or
    ``options.bars`` (default: the pattern once, rounded up to whole bars); ``options.seconds``
    is turned into whole steps at the tempo. Muted tracks (and all but the soloed ones) are
    left out; the same seed gives the same notes as the same audio render.
    """
    o = options if options is not None else RenderOptions()
    o.only(PATTERN_OPTIONS, "a pattern")
    for what, names in (("track to mute", o.mute), ("track to solo", o.solo)):
        unknown = set(names) - set(pattern.instruments)
        if unknown:
            raise UnknownNameError(what, sorted(unknown)[0], pattern.instruments)
    tempo_bpm = pattern.bpm if o.bpm is None else o.bpm
    if steps is None:
        if o.seconds is not None:
            steps = max(1, math.ceil(o.seconds * tempo_bpm / 60.0 * pattern.steps_per_beat - 1e-9))
        else:
            n_bars = Fraction(math.ceil(pattern.bars)) if o.bars is None else Fraction(o.bars).limit_denominator(64)
            steps = max(1, math.ceil(n_bars * pattern.steps_per_bar))
    ev_options = dataclasses.replace(o, bars=None, seconds=None, sample_rate=MIDI_EVENT_RATE)
    ev = events(pattern, ev_options, steps=int(steps))
    num, den = samples_per_tick(tempo_bpm, pattern.steps_per_beat, MIDI_EVENT_RATE)
    ppq, scale = midi_resolution(pattern)

    def grid_sample(tick: int) -> int:  # where the sequencer puts `tick` before flams/humanize
        q, r = divmod(tick, den)
        return q * num + (2 * r * num + den) // (2 * den)

    notes: dict[tuple[int, int], int] = {}
    for e in ev:
        if o.muted(str(e["instrument"])):
            continue
        offset_ticks = Fraction(int(e["sample"]) - grid_sample(int(e["tick"]))) * den / num
        # A file cannot start before tick 0: an early first hit (humanize) plays at 0, and a flam
        # grace note there merges into its hit (the louder one is kept).
        tick = max(0, round((int(e["tick"]) + offset_ticks) * scale))
        key = GM_NOTES[str(e["instrument"])]
        vel = max(1, min(127, round(float(e["velocity"]) * 127)))
        notes[(tick, key)] = max(vel, notes.get((tick, key), 0))
    return DrumNotes(
        name=pattern.name, ticks_per_beat=ppq, notes=notes,
        note_ticks=max(1, round(MIDI_NOTE_STEPS * TICKS_PER_STEP * scale)),
        length_ticks=round(int(steps) * TICKS_PER_STEP * scale),
        quarter_bpm=tempo_bpm * float(quarters_per_beat(*pattern.signature)), signature=pattern.signature,
    )  # fmt: skip
