"""Drum MIDI in and out: Standard MIDI Files on the General MIDI drum map (channel 10), via mido.

**Export** writes :class:`DrumNotes` (hits already placed on ticks) as a mido track, as the
bytes of a file or as a file (:func:`drum_track`, :func:`drum_midi_bytes`,
:func:`write_drum_midi`); where the hits fall is the sequencer's business
(:func:`groovebox.renderer.pattern.drum_notes`), and ``gb.export(pattern, "x.mid")`` joins the two.
A whole drum file is encoded here directly, byte for byte what mido writes for the same track
(the tests compare the two), because a data set writes thousands of them and mido spends about
10 ms per file on its message objects.

**Import** (:func:`read_drum_midi`) reads the notes of channel 10 (or another), maps GM notes
to instruments (:data:`~groovebox.model.instruments.NOTE_TO_INSTRUMENT`; unmapped notes are
reported by number and name), and builds a grid pattern with
:func:`groovebox.formats.drum_grid.build_pattern` (grid, swing, flams, ratchets, accents).

>>> import tempfile, pathlib
>>> import groovebox as gb
>>> from groovebox.formats.midi.drums import read_drum_midi
>>> beat = gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... X..o"}, bpm=96, swing=58)
>>> out = gb.export(beat, pathlib.Path(tempfile.mkdtemp()) / "beat.mid")
>>> back = read_drum_midi(out).patterns[0]
>>> [t.grid for t in back.tracks], back.bpm, back.swing
(['x...x...', '....X..o'], 96.0, 58.0)
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from groovebox.errors import RenderError
from groovebox.formats.atomic import write_atomic
from groovebox.formats.drum_grid import (
    GRIDS,
    MAX_IMPORT_HITS,
    DrumImportError,
    Hit,
    Imported,
    build_pattern,
)
from groovebox.formats.midi import smf
from groovebox.model.instruments import NOTE_TO_INSTRUMENT
from groovebox.model.pattern import DENOMINATORS, MAX_STEPS

TICKS_PER_STEP = 600  # the sequencer's (groovebox.renderer.sequencer.TICKS_PER_STEP)

#: General MIDI percussion key names (GM level 1, keys 35..81, plus GM2's 27..34 and 82..87),
#: used to report notes that have no instrument here.
GM_PERCUSSION_NAMES: dict[int, str] = {
    27: "High Q", 28: "Slap", 29: "Scratch Push", 30: "Scratch Pull", 31: "Sticks",
    32: "Square Click", 33: "Metronome Click", 34: "Metronome Bell",
    35: "Acoustic Bass Drum", 36: "Bass Drum 1", 37: "Side Stick", 38: "Acoustic Snare",
    39: "Hand Clap", 40: "Electric Snare", 41: "Low Floor Tom", 42: "Closed Hi-Hat",
    43: "High Floor Tom", 44: "Pedal Hi-Hat", 45: "Low Tom", 46: "Open Hi-Hat",
    47: "Low-Mid Tom", 48: "Hi-Mid Tom", 49: "Crash Cymbal 1", 50: "High Tom",
    51: "Ride Cymbal 1", 52: "Chinese Cymbal", 53: "Ride Bell", 54: "Tambourine",
    55: "Splash Cymbal", 56: "Cowbell", 57: "Crash Cymbal 2", 58: "Vibraslap",
    59: "Ride Cymbal 2", 60: "Hi Bongo", 61: "Low Bongo", 62: "Mute Hi Conga",
    63: "Open Hi Conga", 64: "Low Conga", 65: "High Timbale", 66: "Low Timbale",
    67: "High Agogo", 68: "Low Agogo", 69: "Cabasa", 70: "Maracas", 71: "Short Whistle",
    72: "Long Whistle", 73: "Short Guiro", 74: "Long Guiro", 75: "Claves",
    76: "Hi Wood Block", 77: "Low Wood Block", 78: "Mute Cuica", 79: "Open Cuica",
    80: "Mute Triangle", 81: "Open Triangle", 82: "Shaker", 83: "Jingle Bell",
    84: "Belltree", 85: "Castanets", 86: "Mute Surdo", 87: "Open Surdo",
}  # fmt: skip


def read_drum_midi(
    path: str | os.PathLike,
    *,
    grid: int | str = "auto",
    channel: int = 10,
    name: str | None = None,
    bars: int | None = None,
    keep_timing: bool = False,
    strict: bool = False,
) -> Imported:
    """A drum pattern from a MIDI file.

    Parameters
    ----------
    path : path-like
    grid : int or "auto"
        Steps per whole note (8, 12, 16, 24, 32) or ``"auto"`` (see :mod:`.drum_grid`).
    channel : int
        MIDI channel of the drums, 1..16 (10 = General MIDI drums).
    name : str, optional
        Pattern name (default: the file's track name, else its file name).
    bars : int, optional
        Keep only the first ``bars`` bars.
    keep_timing : bool
        Keep each hit's offset from the grid as a nudge.
    strict : bool
        Unmapped notes are an error instead of a note.

    Returns
    -------
    Imported
        One pattern, plus notes such as ``unmapped notes skipped: 58 Vibraslap (2)``.

    Raises
    ------
    DrumImportError
        Unreadable or truncated file (one line), no notes on the channel, no mappable notes.
    """
    path = Path(path)
    if not (isinstance(channel, int) and 1 <= channel <= 16):
        raise DrumImportError(f"channel: expected 1..16, got {channel!r}")
    if bars is not None and (isinstance(bars, bool) or not isinstance(bars, int) or bars < 1):
        raise DrumImportError(f"bars: expected a whole number >= 1, got {bars!r}")
    mid = smf.read(path, error=DrumImportError)
    if mid.type == 2:
        raise DrumImportError(f"{path}: type 2 MIDI files (independent sequences) are not supported")
    meter = smf.first_meter(mid, path, DrumImportError)
    ppq = mid.ticks_per_beat
    # Only hits a pattern can hold are kept: the first `bars` bars (and one more, which the grid
    # may still round into), or without `bars` the longest pattern there is (MAX_STEPS eighth
    # notes). Hits after that are only counted, so a whole song read with --bars 4 costs its
    # first bars, not its length.
    num, den = meter.numerator, meter.denominator
    bar_q = Fraction(4 * num, den) if den in DENOMINATORS and 1 <= num <= 32 else Fraction(4)
    window_ticks = (bars + 1) * bar_q * ppq if bars is not None else MAX_STEPS * Fraction(4, GRIDS[0]) * ppq
    ch = channel - 1
    hits: list[Hit] = []
    past = 0  # mapped hits after the window
    unmapped: dict[int, int] = {}
    other_channels: dict[int, int] = {}
    end_tick = 0
    track_name = None
    n_notes = 0
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "track_name" and track_name is None and msg.name.strip():
                track_name = msg.name.strip()
            if msg.type != "note_on" or msg.velocity == 0:
                continue
            n_notes += 1
            if n_notes > smf.MAX_MIDI_NOTES:
                raise DrumImportError(f"{path}: more than {smf.MAX_MIDI_NOTES:,} notes is over the limit for one "
                                      f"MIDI file")
            if msg.channel != ch:
                other_channels[msg.channel + 1] = other_channels.get(msg.channel + 1, 0) + 1
                continue
            instrument = NOTE_TO_INSTRUMENT.get(msg.note)
            if instrument is None:
                unmapped[msg.note] = unmapped.get(msg.note, 0) + 1
                continue
            if tick >= window_ticks:
                past += 1
            elif len(hits) <= MAX_IMPORT_HITS:  # one more than allowed: build_pattern says so
                hits.append(Hit(Fraction(tick, ppq), instrument, msg.velocity / 127.0))
        end_tick = max(end_tick, tick)
    if past and bars is None:
        raise DrumImportError(
            f"{path}: hits run on past {float(window_ticks / ppq):g} quarter notes; a pattern holds at most "
            f"{MAX_STEPS} steps (keep fewer bars with --bars)"
        )
    notes: list[str] = []
    if unmapped:
        listing = ", ".join(f"{n} {GM_PERCUSSION_NAMES.get(n, '(no GM drum)')} ({c})"
                            for n, c in sorted(unmapped.items()))
        if strict or not hits:
            what = "no drum notes we can map" if not hits else "notes with no instrument here"
            raise DrumImportError(f"{path}: {what} on channel {channel}: {listing}")
        notes.append(f"unmapped notes skipped: {listing}")
    if not hits:
        if other_channels:
            chans = ", ".join(f"{c} ({n} notes)" for c, n in sorted(other_channels.items()))
            raise DrumImportError(f"{path}: no drum notes on channel {channel}; notes are on channel {chans} "
                                  f"(read one as drums with --channel)")
        raise DrumImportError(f"{path}: no drum notes (no notes at all on channel {channel})")
    if not meter.has_tempo:
        notes.append("no tempo in the file; assumed 120 bpm")
    generic = track_name is None or re.fullmatch(r"(midi|drums?|track\s*\d*|untitled.*|sequence.*)", track_name,
                                                  re.IGNORECASE)
    title = name or (path.stem if generic else track_name)
    pattern = build_pattern(
        hits, name=title, quarter_bpm=meter.quarter_bpm, signature=(meter.numerator, meter.denominator),
        grid=grid, bars=bars, dropped=past, end_quarters=Fraction(end_tick, ppq), keep_timing=keep_timing,
        description=f"Imported from the MIDI file {path.name}.", tags=("imported", "midi"), notes=notes,
    )  # fmt: skip
    return Imported([pattern], notes)


# --- writing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DrumNotes:
    """Drum hits placed on MIDI ticks: what one drum track holds.

    ``notes`` maps (tick, GM key) to a velocity 1..127 (one note per key and tick: a flam grace
    note that lands on its hit merges into it); ``length_ticks`` is where the track ends (a
    whole number of bars, so the file loops cleanly); notes last ``note_ticks`` or until the
    next hit of the same key.
    """

    name: str
    ticks_per_beat: int
    notes: dict
    note_ticks: int
    length_ticks: int
    quarter_bpm: float
    signature: tuple[int, int]


def _note_events(drums: DrumNotes) -> list[tuple[int, int, int, int]]:
    """(tick, order, key, velocity) of every note-on (order 1) and note-off (order 0, velocity
    0), sorted: note-offs before note-ons at a tick, then by key."""
    by_key: dict[int, list[int]] = {}
    for tick, key in sorted(drums.notes):
        by_key.setdefault(key, []).append(tick)
    events = []
    for key, ticks in by_key.items():
        for i, tick in enumerate(ticks):
            off = tick + drums.note_ticks
            if i + 1 < len(ticks):
                off = min(off, ticks[i + 1])
            off = max(off, tick + 1)
            events.append((tick, 1, key, drums.notes[(tick, key)]))
            events.append((off, 0, key, 0))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return events


def drum_track(drums: DrumNotes, *, conductor: bool = True):
    """The hits as one mido track on channel 10 (with tempo and meter when ``conductor``)."""
    import mido  # ~80 ms to import: only MIDI jobs pay it

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=drums.name, time=0))
    if conductor:
        track.extend(smf.conductor_messages(drums.quarter_bpm, *drums.signature))
    now = 0
    for tick, order, key, velocity in _note_events(drums):
        kind = "note_on" if order else "note_off"
        track.append(mido.Message(kind, channel=smf.DRUM_CHANNEL, note=key, velocity=velocity, time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, drums.length_ticks - now)))
    return track


def _varint(value: int) -> bytes:
    """A MIDI variable-length quantity (7 bits a byte, high bit set on all but the last)."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _meta(kind: int, data: bytes) -> bytes:
    return bytes((0xFF, kind)) + _varint(len(data)) + data


def drum_midi_bytes(drums: DrumNotes) -> bytes:
    """``drums`` as a whole type-0 Standard MIDI File (GM drum map, channel 10), in memory.

    Byte for byte what mido writes for a type-0 ``MidiFile`` holding ``drum_track(drums)``,
    running status included (the tests compare the two); encoded here because a data set writes
    thousands of these and mido spends about 10 ms per file building and checking its message
    objects. The track name is latin-1 text, as mido writes it (other characters become ``?``).
    """
    num, den = drums.signature
    name = drums.name.encode("latin-1", "replace")
    tempo = int(round(60 * 1e6 / drums.quarter_bpm))  # microseconds per quarter, as mido.bpm2tempo
    data = bytearray()
    data += b"\x00" + _meta(0x03, name)
    data += b"\x00" + _meta(0x51, tempo.to_bytes(3, "big"))
    data += b"\x00" + _meta(0x58, bytes((num, den.bit_length() - 1, smf.clocks_per_click(num, den), 8)))
    on, off = 0x90 | smf.DRUM_CHANNEL, 0x80 | smf.DRUM_CHANNEL
    status = None
    now = 0
    for tick, order, key, velocity in _note_events(drums):
        data += _varint(tick - now)
        byte = on if order else off
        if byte != status:  # running status: a repeated status byte is left out
            data.append(byte)
            status = byte
        data.append(key)
        data.append(velocity)
        now = tick
    data += _varint(max(0, drums.length_ticks - now)) + _meta(0x2F, b"")
    return (b"MThd" + struct.pack(">LHHH", 6, 0, 1, drums.ticks_per_beat)
            + b"MTrk" + struct.pack(">L", len(data)) + bytes(data))


def write_drum_midi(drums: DrumNotes, path: str | os.PathLike) -> Path:
    """Write ``drums`` as a type-0 Standard MIDI File (GM drum map, channel 10), atomically."""
    return write_atomic(path, drum_midi_bytes(drums), error=RenderError)
