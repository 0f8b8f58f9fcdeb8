"""Drum patterns out as Standard MIDI Files on the General MIDI drum map (channel 10), via mido.

:func:`write_pattern_midi` plays the pattern through the sequencer and writes its events as
notes. The file's resolution is the sequencer's own: 600 ticks per step, so
``ticks_per_beat = 600 * steps_per_beat`` per quarter note (scaled for other beat lengths) and
every step, swing offset, nudge and ratchet lands on an exact tick. Flam grace notes and
humanize offsets, which the sequencer places in samples, are converted from their sample times.
Tempo and time signature go in meta messages; notes last half a step (never overlapping the
next hit of the same note), so the file drops into a DAW's drum rack as it sounds. Reading
drum MIDI back into patterns is :mod:`groovebox.formats.midi_drums`.

>>> import tempfile, pathlib
>>> import groovebox as gb
>>> beat = gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... X..o"}, bpm=96, swing=58)
>>> write_pattern_midi(beat, pathlib.Path(tempfile.mkdtemp()) / "beat.mid").suffix
'.mid'
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path

from groovebox.errors import GrooveboxError
from groovebox.formats import smf
from groovebox.formats.drum_grid import quarters_per_beat
from groovebox.model.instruments import GM_NOTES
from groovebox.model.pattern import Pattern
from groovebox.sequencer import TICKS_PER_STEP, events, samples_per_tick

EVENT_SAMPLE_RATE = 48000  # flams and humanize are placed in samples; this rate converts them
NOTE_LENGTH_STEPS = Fraction(1, 2)


def midi_resolution(pattern: Pattern) -> tuple[int, Fraction]:
    """(ticks per quarter note, MIDI ticks per sequencer tick) for exporting ``pattern``.

    The resolution is the sequencer's own whenever the header can hold it (always, except
    steps finer than about 1/50 of a quarter note), so the scale is 1 and ticks are exact.
    """
    seq_per_quarter = Fraction(TICKS_PER_STEP * pattern.steps_per_beat) / quarters_per_beat(*pattern.signature)
    if seq_per_quarter.denominator == 1 and seq_per_quarter <= smf.MAX_TICKS_PER_BEAT:
        return int(seq_per_quarter), Fraction(1)
    return 960, Fraction(960) / seq_per_quarter


def write_pattern_midi(
    pattern: Pattern,
    path: str | os.PathLike,
    *,
    bars: float | None = None,
    steps: int | None = None,
    bpm: float | None = None,
    swing: float | None = None,
    seed: int = 0,
    humanize_ms: float = 0.0,
    humanize_velocity: float = 0.0,
    mute: tuple[str, ...] = (),
) -> Path:
    """Write ``pattern`` as a type-0 Standard MIDI File on the GM drum map, channel 10.

    Parameters
    ----------
    pattern : Pattern
    path : path-like
        Output file (missing folders are made); written atomically.
    bars : float, optional
        Length in bars (default: the pattern once, rounded up to whole bars).
    steps : int, optional
        Length in steps instead of bars.
    bpm, swing, seed, humanize_ms, humanize_velocity
        As for rendering; the same seed gives the same notes as the same audio render.
    mute : tuple of str
        Instruments to leave out.

    Returns
    -------
    Path
    """
    import mido

    if steps is None:
        n_bars = Fraction(math.ceil(pattern.bars)) if bars is None else Fraction(bars).limit_denominator(64)
        if n_bars <= 0:
            raise GrooveboxError(f"bars: expected more than 0, got {bars!r}")
        steps = max(1, math.ceil(n_bars * pattern.steps_per_bar))
    unknown = set(mute) - set(pattern.instruments)
    if unknown:
        from groovebox.errors import UnknownNameError

        raise UnknownNameError("track to mute", sorted(unknown)[0], pattern.instruments)
    ev = events(pattern, steps=int(steps), bpm=bpm, swing=swing, seed=seed, humanize_ms=humanize_ms,
                humanize_velocity=humanize_velocity, sample_rate=EVENT_SAMPLE_RATE)
    tempo_bpm = pattern.bpm if bpm is None else float(bpm)
    num, den = samples_per_tick(tempo_bpm, pattern.steps_per_beat, EVENT_SAMPLE_RATE)
    ppq, scale = midi_resolution(pattern)

    def grid_sample(tick: int) -> int:  # where the sequencer puts `tick` before flams/humanize
        q, r = divmod(tick, den)
        return q * num + (2 * r * num + den) // (2 * den)

    notes: dict[tuple[int, int], int] = {}  # (tick, key) -> velocity
    for e in ev:
        if e["instrument"] in mute:
            continue
        offset_ticks = Fraction(int(e["sample"]) - grid_sample(int(e["tick"]))) * den / num
        # A file cannot start before tick 0: an early first hit (humanize) plays at 0, and a flam
        # grace note there merges into its hit (the louder one is kept below).
        tick = max(0, round((int(e["tick"]) + offset_ticks) * scale))
        key = GM_NOTES[str(e["instrument"])]
        vel = max(1, min(127, round(float(e["velocity"]) * 127)))
        notes[(tick, key)] = max(vel, notes.get((tick, key), 0))
    length = max(1, round(NOTE_LENGTH_STEPS * TICKS_PER_STEP * scale))
    end_tick = round(int(steps) * TICKS_PER_STEP * scale)
    by_key: dict[int, list[int]] = {}
    for tick, key in sorted(notes):
        by_key.setdefault(key, []).append(tick)
    messages = []  # (tick, order, key, message): note-offs sort before note-ons at a tick
    for key, ticks in by_key.items():
        for i, tick in enumerate(ticks):
            off = tick + length
            if i + 1 < len(ticks):
                off = min(off, ticks[i + 1])
            off = max(off, tick + 1)
            messages.append((tick, 1, key, mido.Message("note_on", channel=smf.DRUM_CHANNEL, note=key,
                                                        velocity=notes[(tick, key)])))
            messages.append((off, 0, key, mido.Message("note_off", channel=smf.DRUM_CHANNEL, note=key,
                                                       velocity=0)))
    messages.sort(key=lambda m: (m[0], m[1], m[2]))
    qpb = quarters_per_beat(*pattern.signature)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=pattern.name, time=0))
    track.extend(smf.conductor_messages(tempo_bpm * float(qpb), *pattern.signature))
    now = 0
    for tick, _, _, msg in messages:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    mid = mido.MidiFile(type=0, ticks_per_beat=ppq)
    mid.tracks.append(track)
    return smf.save(mid, path, error=GrooveboxError)
