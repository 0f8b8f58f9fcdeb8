"""Pitched parts <-> Standard MIDI Files (type 1), through mido.

One track per part, after a conductor track with the tempo, time signature and (optionally)
key signature. Each part gets its own channel (skipping channel 10, the drum channel) and a
program change for its instrument (:data:`GM_PROGRAMS`). Times are exact ticks when a note's
beats are a multiple of ``1 / ticks_per_beat`` (480 holds sixteenths, triplets and 1/5 beats);
other times round to the nearest tick. The file is written to a temporary name and renamed,
so a failed write never leaves a half-written file (:mod:`groovebox.formats.midi.smf` holds the
plumbing shared with the drum-pattern writer).

>>> import tempfile, pathlib
>>> from groovebox.harmony import progression
>>> from groovebox.generators import parts
>>> from groovebox.formats.midi.notes import read_midi, write_midi
>>> p = progression("I V vi IV", key="C")
>>> out = pathlib.Path(tempfile.mkdtemp()) / "song.mid"
>>> path = write_midi([parts.bass(p), parts.pad(p)], out, bpm=96)
>>> song = read_midi(out)
>>> [(part.name, len(part)) for part in song.parts], song.bpm
([('bass', 4), ('pad', 11)], 96.0)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from groovebox.errors import HarmonyError
from groovebox.formats.midi import smf
from groovebox.model.keys import parse_key
from groovebox.model.notes import Note, Part, check_parts, parse_signature

#: General MIDI program (0-based) for each tonal instrument name; unknown names get 0 (piano).
GM_PROGRAMS: dict[str, int] = {
    "piano": 0,
    "keys": 4,  # electric piano 1
    "epiano": 4,
    "bell": 14,  # tubular bells
    "bells": 14,
    "vibes": 11,
    "marimba": 12,
    "organ": 16,
    "guitar": 24,
    "bass": 38,  # synth bass 1
    "strings": 48,
    "choir": 52,
    "pluck": 46,  # orchestral harp
    "lead": 81,  # sawtooth lead
    "pad": 89,  # warm pad
    "drone": 94,  # halo pad
    # the arrangement instruments' other names (groovebox.model.arrangement.INSTRUMENTS)
    "rhodes": 4,
    "soft_piano": 0,
    "fm_bell": 14,
    "glass": 98,  # FX 3 (crystal)
    "harp": 46,
    "dark_pad": 90,  # polysynth pad
    "warm_pad": 89,
    "choir_ah": 52,
    "sine_drone": 94,
    "sub": 38,
}
_PROGRAM_NAMES = {v: k for k, v in reversed(list(GM_PROGRAMS.items()))}
_CHANNELS = tuple(c for c in range(16) if c != 9)


@dataclass(frozen=True)
class MidiNotes:
    """What :func:`read_midi` found: parts plus the conductor track's tempo and meter."""

    parts: tuple[Part, ...]
    bpm: float
    signature: str
    ticks_per_beat: int


def write_midi(
    parts: Iterable[Part] | Part,
    path: str | os.PathLike,
    bpm: float = 120.0,
    signature: str = "4/4",
    ticks_per_beat: int = 480,
    programs: dict[str, int] | None = None,
    key: str | None = None,
) -> Path:
    """Write parts to a multi-track Standard MIDI File (see :func:`midi_file`), atomically.

    Returns
    -------
    Path
    """
    mid = midi_file(parts, bpm=bpm, signature=signature, ticks_per_beat=ticks_per_beat, programs=programs, key=key)
    return smf.save(mid, Path(path), make_parents=False, error=HarmonyError)


def midi_file(
    parts: Iterable[Part] | Part,
    *,
    bpm: float = 120.0,
    signature: str = "4/4",
    ticks_per_beat: int = 480,
    programs: dict[str, int] | None = None,
    key: str | None = None,
):
    """Parts as a type-1 ``mido.MidiFile``: a conductor track, then one track per part.

    Parameters
    ----------
    parts : Part or iterable of Part
        At most 15 (one channel each).
    bpm : float
        Tempo (quarter notes per minute).
    signature : str
        Time signature.
    ticks_per_beat : int
        Resolution (pulses per quarter note).
    programs : dict, optional
        Part name -> GM program (0..127), overriding the instrument lookup.
    key : str, optional
        Key signature, e.g. ``"Bb major"`` (church modes are written as their major/minor
        signature).

    Returns
    -------
    mido.MidiFile
    """
    import mido  # ~80 ms to import: only MIDI jobs pay it

    parts = check_parts(parts)
    if len(parts) > len(_CHANNELS):
        raise HarmonyError(f"write_midi: {len(parts)} parts, at most {len(_CHANNELS)} fit")
    num, den = parse_signature(signature)
    if not (isinstance(bpm, int | float) and bpm > 0):
        raise HarmonyError(f"bpm: expected a tempo > 0, got {bpm!r}")
    mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    conductor = mido.MidiTrack(
        smf.conductor_messages(bpm, num, den, key=None if key is None else midi_key(key))
    )
    end_tick = max((smf.ticks(p.length_beats, ticks_per_beat) for p in parts), default=0)
    conductor.append(mido.MetaMessage("end_of_track", time=end_tick))
    mid.tracks.append(conductor)
    for part, channel in zip(parts, _CHANNELS, strict=False):
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=part.name, time=0))
        program = (programs or {}).get(part.name, GM_PROGRAMS.get(part.instrument, 0))
        if not 0 <= program <= 127:
            raise HarmonyError(f"program for part '{part.name}': expected 0..127, got {program}")
        track.append(mido.Message("program_change", channel=channel, program=program, time=0))
        events = []  # (tick, order, message); note-offs sort before note-ons at the same tick
        for n in part.notes:
            on = smf.ticks(n.start_beats, ticks_per_beat)
            off = max(smf.ticks(n.end_beats, ticks_per_beat), on + 1)
            vel = max(1, min(127, round(n.velocity * 127)))
            events.append(
                (
                    on,
                    1,
                    n.pitch,
                    mido.Message("note_on", channel=channel, note=n.pitch, velocity=vel),
                )
            )
            events.append(
                (
                    off,
                    0,
                    n.pitch,
                    mido.Message("note_off", channel=channel, note=n.pitch, velocity=0),
                )
            )
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        now = 0
        for tick, _, _, msg in events:
            track.append(msg.copy(time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
        mid.tracks.append(track)
    return mid


# Semitones from a mode's tonic down to the major key with the same signature.
_TO_RELATIVE_MAJOR = {
    "major": 0,
    "ionian": 0,
    "dorian": 2,
    "phrygian": 4,
    "lydian": 5,
    "mixolydian": 7,
    "locrian": 11,
    "minor": 3,
    "aeolian": 3,
}
_MAJOR_SIGNATURES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_SIGNATURES = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")


def midi_key(key: str) -> str:
    """mido's key-signature name ('Bb', 'F#m'); church modes use their relative major's
    signature (D dorian -> C, no sharps or flats)."""
    kn = parse_key(key)
    if kn.mode not in _TO_RELATIVE_MAJOR:
        raise HarmonyError(f"key {key!r}: a {kn.mode} scale has no MIDI key signature")
    if kn.mode in ("minor", "aeolian"):
        spelled = kn.tonic + "m"
        return (
            spelled
            if spelled in _MINOR_SIGNATURES + ("D#m", "A#m", "Abm")
            else _MINOR_SIGNATURES[kn.tonic_pc]
        )
    if kn.mode in ("major", "ionian") and kn.tonic in _MAJOR_SIGNATURES + ("Gb", "Cb", "C#"):
        return kn.tonic
    return _MAJOR_SIGNATURES[(kn.tonic_pc - _TO_RELATIVE_MAJOR[kn.mode]) % 12]


def read_midi(path: str | os.PathLike) -> MidiNotes:
    """Read the pitched tracks of a MIDI file back into Parts.

    Each track with notes becomes a part named after its track name, with the instrument of
    its first program change (when it is one of :data:`GM_PROGRAMS`); velocities are
    ``velocity / 127``. Tempo and time signature come from the first ones found.
    """
    mid = smf.read(path, error=HarmonyError)
    tpb = mid.ticks_per_beat
    bpm, signature = 120.0, "4/4"
    found_tempo = found_sig = False
    n_notes = 0
    parts = []
    for i, track in enumerate(mid.tracks):
        name, program = f"track{i}", None
        tick = 0
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        notes: list[Note] = []
        for msg in track:
            tick += msg.time
            if msg.type == "track_name":
                name = msg.name
            elif msg.type == "set_tempo" and not found_tempo:
                bpm, found_tempo = smf.quarter_bpm(msg.tempo, path, HarmonyError), True
            elif msg.type == "time_signature" and not found_sig:
                signature, found_sig = f"{msg.numerator}/{msg.denominator}", True
            elif msg.type == "program_change" and program is None:
                program = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                n_notes += 1
                if n_notes > smf.MAX_MIDI_NOTES:
                    raise HarmonyError(f"{path}: more than {smf.MAX_MIDI_NOTES:,} notes is over the limit for "
                                       f"one MIDI file")
                open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif msg.type in ("note_off", "note_on"):
                stack = open_notes.get((msg.channel, msg.note))
                if stack:
                    start, vel = stack.pop(0)
                    if tick > start:
                        notes.append(
                            Note(
                                Fraction(start, tpb),
                                Fraction(tick - start, tpb),
                                msg.note,
                                vel / 127,
                            )
                        )
        if notes:
            instrument = _PROGRAM_NAMES.get(program, "keys") if program is not None else "keys"
            parts.append(Part(name, tuple(notes), instrument))
    return MidiNotes(tuple(parts), bpm, signature, tpb)
