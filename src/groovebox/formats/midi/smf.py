"""Standard MIDI File plumbing shared by the note and drum writers and readers (through mido).

Tempo and meter meta messages, beats <-> ticks, atomic saving and reading with one-line errors.
Both :mod:`groovebox.formats.midi.notes` (tonal parts) and :mod:`groovebox.formats.midi.drums`
(drum patterns on channel 10) build on these; neither writes MIDI bytes by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from groovebox.errors import GrooveboxError
from groovebox.formats.atomic import write_atomic

MAX_TICKS_PER_BEAT = 0x7FFF  # the SMF header's division field holds 15 bits
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
    if not path.is_file():
        raise error(f"{path}: no such file")
    try:
        return mido.MidiFile(str(path))
    except EOFError:
        raise error(f"{path}: not a readable MIDI file (it ends early: truncated?)") from None
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise error(f"{path}: not a readable MIDI file ({reason})") from None


@dataclass(frozen=True)
class Meter:
    """The first tempo and time signature of a file (defaults 120 bpm, 4/4 when absent)."""

    quarter_bpm: float = 120.0
    numerator: int = 4
    denominator: int = 4
    has_tempo: bool = False
    has_signature: bool = False


def first_meter(mid) -> Meter:
    """Tempo and time signature from the first ``set_tempo`` / ``time_signature`` messages."""
    import mido  # mido: ~0.08 s to import; only MIDI jobs pay it

    bpm = num = den = None
    for track in mid.tracks:
        for msg in track:
            if msg.type == "set_tempo" and bpm is None:
                bpm = round(mido.tempo2bpm(msg.tempo), 6)
            elif msg.type == "time_signature" and num is None:
                num, den = msg.numerator, msg.denominator
    return Meter(bpm or 120.0, num or 4, den or 4, bpm is not None, num is not None)
