"""Parts <-> music21 scores (notation), for MusicXML export and display.

:func:`music21_score` is the one place a music21 object leaves groovebox's harmony package, on
purpose: it is what a notebook shows (``score.show()``) and what
:mod:`groovebox.harmony.musicxml` writes. Everything else here returns plain Parts.

How parts become notation: notes that start and end together become one chord; a part whose
notes overlap otherwise (a pad holding common tones across chords) is split into as few
voices as possible, each a simple line of notes and chords; times off the grid of
thirty-second notes and sixteenth-note triplets are snapped to it (music21's quantize with
divisors 8 and 6), since notation cannot show them. music21 then adds bars, ties across bar
lines and rests.

>>> from groovebox.generators import parts
>>> from groovebox.harmony import progression
>>> from groovebox.harmony.score import music21_score
>>> p = progression("I IV V I", key="G")
>>> score = music21_score([parts.pad(p), parts.bass(p)], bpm=90, key=p.key)
>>> [sp.partName for sp in score.parts]
['pad', 'bass']
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from groovebox.errors import HarmonyError
from groovebox.formats.files import open_regular
from groovebox.harmony.keys import parse_key
from groovebox.model.notes import Note, Part, parse_signature

MAX_SCORE_BYTES = 8 << 20  # a score read back: the largest groovebox writes (1,024 bars, 4 parts) is 7 MB


def music21_score(
    parts: Sequence[Part],
    bpm: float = 120.0,
    signature: str = "4/4",
    key: str | None = None,
    title: str | None = None,
    programs: Sequence[int] | None = None,
):
    """A ``music21.stream.Score`` with one staff per part.

    Parameters
    ----------
    parts : sequence of Part
    bpm : float
        Tempo mark (quarter = bpm).
    signature : str
        Time signature.
    key : str, optional
        Key signature, e.g. ``"Bb major"``.
    title : str, optional
        Score title.
    programs : sequence of int, optional
        General MIDI program (0..127) per part, naming the staff's instrument.
    """
    # music21: ~0.25 s and a corpus index to import; loaded on first use
    from music21 import chord as m21chord

    # music21: ~0.25 s and a corpus index to import; loaded on first use
    from music21 import instrument as m21instrument
    from music21 import (
        key as m21key,  # music21: ~0.25 s and a corpus index to import; loaded on first use
    )

    # music21: ~0.25 s and a corpus index to import; loaded on first use
    from music21 import metadata, meter, stream, tempo
    from music21 import (
        note as m21note,  # music21: ~0.25 s and a corpus index to import; loaded on first use
    )

    parse_signature(signature)
    score = stream.Score()
    score.metadata = metadata.Metadata(title=title or "groovebox score", composer="groovebox")
    for i, part in enumerate(parts):
        sp = stream.Part(id=f"P{i + 1}")
        sp.partName = part.name
        if programs is not None:
            inst = m21instrument.instrumentFromMidiProgram(int(programs[i]))
            inst.partName = part.name
            # Fixed ids (music21 makes random ones), so the same parts write the same bytes.
            inst.partId = sp.id
            inst.instrumentId = f"{sp.id}-I1"
            sp.insert(0, inst)
        sp.insert(0, meter.TimeSignature(signature))
        if key is not None:
            kn = parse_key(key)
            sp.insert(0, m21key.Key(kn.m21_tonic, kn.mode))
        sp.insert(0, tempo.MetronomeMark(number=bpm, referent=1.0))
        groups: dict[tuple[Fraction, Fraction], list[Note]] = {}
        for n in part.notes:
            groups.setdefault((n.start_beats, n.duration_beats), []).append(n)
        layers: list[list] = []  # [end_beats, Voice]
        for (start, dur), notes in sorted(groups.items()):
            pitches = sorted({n.pitch for n in notes})
            el = m21note.Note(pitches[0]) if len(pitches) == 1 else m21chord.Chord(pitches)
            el.quarterLength = dur
            el.volume.velocity = max(1, min(127, round(max(n.velocity for n in notes) * 127)))
            for layer in layers:
                if layer[0] <= start:
                    break
            else:
                layer = [Fraction(0), stream.Voice()]
                layers.append(layer)
            layer[1].insert(start, el)
            layer[0] = start + dur
        for layer in layers:
            layer[1].quantize((8, 6), processOffsets=True, processDurations=True, inPlace=True)
        if len(layers) == 1:
            for el in layers[0][1].elements:
                sp.insert(el.offset, el)
        else:
            for layer in layers:
                sp.insert(0, layer[1])
        score.insert(0, sp)
    return score


def parts_from_score_file(path: str) -> tuple[Part, ...]:
    """Read a MusicXML (or any music21-readable) score back into Parts.

    Voices are separated and tied notes joined again before reading, so a file written by
    :func:`groovebox.harmony.musicxml.write_musicxml` reads back to the notes it was given
    (on the thirty-second / sixteenth-triplet grid).
    """
    from music21 import (
        converter,  # music21: ~0.25 s and a corpus index to import; loaded on first use
    )

    # Regular files within the size limit only (a FIFO would block music21 forever).
    open_regular(path, MAX_SCORE_BYTES, "score file", HarmonyError).close()
    try:
        score = converter.parse(str(path))
    except Exception as exc:
        raise HarmonyError(f"{path}: music21 cannot read this score ({exc})") from None
    out = []
    for i, sp in enumerate(score.parts):
        name = sp.partName or f"part{i + 1}"
        has_voices = any(m.hasVoices() for m in sp.getElementsByClass("Measure"))
        lines = sp.voicesToParts().parts if has_voices else [sp]
        notes = []
        for line in lines:
            for el in line.stripTies().flatten().notes:
                vel = el.volume.velocity
                v = 0.8 if vel is None else vel / 127
                for p in el.pitches:
                    notes.append(
                        Note(Fraction(el.offset), Fraction(el.quarterLength), int(p.midi), v, name)
                    )
        out.append(Part(name, tuple(notes)))
    return tuple(out)
