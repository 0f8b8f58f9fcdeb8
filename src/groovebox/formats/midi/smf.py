"""Standard MIDI File plumbing shared by the note and drum writers and readers (through mido).

Tempo and meter meta messages, beats <-> ticks, atomic saving and reading with one-line errors.
Both :mod:`groovebox.formats.midi.notes` (tonal parts) and :mod:`groovebox.formats.midi.drums`
(drum patterns on channel 10) build on these; only a whole drum file is also encoded by hand
(:func:`groovebox.formats.midi.drums.drum_midi_bytes`, byte-identical to mido's, for speed).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from groovebox.errors import GrooveboxError
from groovebox.formats.atomic import write_atomic
from groovebox.formats.files import read_regular

MAX_TICKS_PER_BEAT = 0x7FFF  # the SMF header's division field holds 15 bits
# A MIDI file is read whole into mido's message objects (~65 bytes of memory per byte of file),
# so its size bounds the import (docs/limits.md). A whole song's drum track is ~50 KiB.
MAX_MIDI_BYTES = 1 << 20
MAX_MIDI_NOTES = 100_000  # notes read from one file (a 1 MiB file holds at most ~260,000)
DRUM_CHANNEL = 9  # General MIDI channel 10, counted from 0 as mido does


def ticks(beats: Fraction | int, ticks_per_beat: int) -> int:
    """Quarter-note beats -> ticks, rounded to the nearest tick (exact when representable)."""
    return round(Fraction(beats) * ticks_per_beat)


def clocks_per_click(numerator: int, denominator: int) -> int:
    """MIDI clocks (24 per quarter) per metronome click: the dotted beat in 6/8, 9/8, 12/8."""
    if denominator >= 8 and numerator % 3 == 0 and numerator > 3:
        return 24 * 3 * 4 // denominator
    return 24 * 4 // denominator


def conductor_messages(quarter_bpm: float, numerator: int, denominator: int, key: str | None = None):
    """The tempo, time-signature (and key-signature) meta messages that open a file, at tick 0.

    Parameters
    ----------
    quarter_bpm : float
        Quarter notes per minute (MIDI tempo is always per quarter note).
    """
    import mido  # mido: ~0.08 s to import; only MIDI jobs pay it

    out = [
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(quarter_bpm), time=0),
        mido.MetaMessage(
            "time_signature", numerator=numerator, denominator=denominator,
            clocks_per_click=clocks_per_click(numerator, denominator),
            notated_32nd_notes_per_beat=8, time=0,
        ),
    ]  # fmt: skip
    if key is not None:
        out.append(mido.MetaMessage("key_signature", key=key, time=0))
    return out


def save(mid, path: str | os.PathLike, *, make_parents: bool = True,
         error: type[GrooveboxError] = GrooveboxError) -> Path:
    """Save a ``mido.MidiFile`` atomically (temp file + rename)."""
    return write_atomic(path, lambda fh: mid.save(file=fh), make_parents=make_parents, error=error)


def read(path: str | os.PathLike, *, error: type[GrooveboxError] = GrooveboxError):
    """Open a MIDI file with mido, turning every way it can fail into one line.

    Raises
    ------
    error
        Missing, unreadable, not MIDI, truncated or corrupt: ``<path>: not a readable MIDI
        file (<reason>)``.
    """
    import mido  # mido: ~0.08 s to import; only MIDI jobs pay it

    path = Path(path)
    data = read_regular(path, MAX_MIDI_BYTES, "MIDI file", error)
    try:
        mid = mido.MidiFile(file=io.BytesIO(data))
    except EOFError:
        raise error(f"{path}: not a readable MIDI file (it ends early: truncated?)") from None
    except Exception as exc:  # mido's parser raises many kinds (KeySignatureError, struct.error...)
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise error(f"{path}: not a readable MIDI file ({reason if len(reason) <= 120 else reason[:117] + '...'})") from None
    ppq = mid.ticks_per_beat
    if not isinstance(ppq, int) or ppq <= 0 or ppq > MAX_TICKS_PER_BEAT:
        raise error(f"{path}: MIDI files timed in SMPTE frames are not supported")
    return mid


def quarter_bpm(tempo: int, path, error: type[GrooveboxError] = GrooveboxError) -> float:
    """Quarter notes per minute of a ``set_tempo`` (microseconds per quarter note), rounded to
    6 decimals; a tempo of 0 is no tempo (one line, not a division by zero)."""
    if not isinstance(tempo, int) or tempo <= 0:
        raise error(f"{path}: set_tempo of {tempo!r} microseconds per quarter note is not a tempo")
    return round(60_000_000 / tempo, 6)


@dataclass(frozen=True)
class Meter:
    """The first tempo and time signature of a file (defaults 120 bpm, 4/4 when absent)."""

    quarter_bpm: float = 120.0
    numerator: int = 4
    denominator: int = 4
    has_tempo: bool = False
    has_signature: bool = False


def first_meter(mid, path="MIDI file", error: type[GrooveboxError] = GrooveboxError) -> Meter:
    """Tempo and time signature from the first ``set_tempo`` / ``time_signature`` messages."""
    bpm = num = den = None
    for track in mid.tracks:
        for msg in track:
            if msg.type == "set_tempo" and bpm is None:
                bpm = quarter_bpm(msg.tempo, path, error)
            elif msg.type == "time_signature" and num is None:
                num, den = msg.numerator, msg.denominator
    return Meter(bpm or 120.0, num or 4, den or 4, bpm is not None, num is not None)
