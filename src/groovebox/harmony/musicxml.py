"""Pitched parts <-> MusicXML scores, written and read through music21 (MuseScore opens them).

The score is built by :func:`groovebox.harmony.score.music21_score` (harmony is the package
that talks to music21): one staff per part, with tempo, time signature, key signature and
instrument; chords where notes start and end together, voices where they overlap otherwise,
times snapped to thirty-seconds and sixteenth-note triplets. The file is written to a
temporary name and renamed.

>>> import tempfile, pathlib
>>> from groovebox.harmony import progression
>>> from groovebox.generators import parts
>>> from groovebox.harmony.musicxml import read_musicxml, write_musicxml
>>> p = progression("ii7 V7 Imaj7", key="Bb")
>>> out = pathlib.Path(tempfile.mkdtemp()) / "song.musicxml"
>>> _ = write_musicxml([parts.pad(p), parts.bass(p)], out, bpm=100, key=p.key, title="ii-V-I")
>>> [(part.name, len(part)) for part in read_musicxml(out)]
[('pad', 8), ('bass', 3)]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from groovebox.errors import HarmonyError
from groovebox.formats.atomic import write_atomic
from groovebox.formats.midi.notes import GM_PROGRAMS
from groovebox.harmony.score import music21_score, parts_from_score_file
from groovebox.model.notes import Part, check_parts


def write_musicxml(
    parts: Iterable[Part] | Part,
    path: str | os.PathLike,
    bpm: float = 120.0,
    signature: str = "4/4",
    key: str | None = None,
    title: str | None = None,
) -> Path:
    """Write parts as a MusicXML score.

    Parameters
    ----------
    parts : Part or iterable of Part
    path : path-like
        Output file (``.musicxml`` or ``.xml``); its folder must exist.
    bpm : float
        Tempo mark.
    signature : str
        Time signature.
    key : str, optional
        Key signature, e.g. ``progression.key``.
    title : str, optional
        Title shown on the score.

    Returns
    -------
    Path
    """
    parts = check_parts(parts)
    path = Path(path)
    if not path.parent.exists():
        raise HarmonyError(f"{path}: folder {path.parent} does not exist")
    programs = [GM_PROGRAMS.get(p.instrument, 0) for p in parts]
    score = music21_score(parts, bpm, signature, key, title, programs)
    # music21: ~0.25 s and a corpus index to import; loaded on first use
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    xml = GeneralObjectExporter(score).parse()
    # music21 stamps today's date into <encoding-date>: drop it, so a file depends only on
    # what it holds (the same parts and seed give the same bytes on any day).
    xml = re.sub(rb"\s*<encoding-date>[^<]*</encoding-date>", b"", xml, count=1)
    return write_atomic(path, xml, make_parents=False, error=HarmonyError)


def read_musicxml(path: str | os.PathLike) -> tuple[Part, ...]:
    """Read a MusicXML score back into one Part per staff (ties joined, voices merged)."""
    return parts_from_score_file(str(path))
