"""MIDI and MusicXML export of parts, checked by re-reading with mido and music21 themselves."""

from __future__ import annotations

from fractions import Fraction

import mido
import pytest

from groovebox.errors import HarmonyError
from groovebox.formats.midi.notes import GM_PROGRAMS, read_midi, write_midi
from groovebox.generators import parts
from groovebox.generators.progressions import generate_progression
from groovebox.harmony.musicxml import read_musicxml, write_musicxml


def song(seed: int = 3):
    prog = generate_progression("pop", bars=8, key="F", seed=seed, bpm=96)
    return prog, [
        parts.bass(prog, "walking", seed=seed),
        parts.arpeggio(prog, "updown", rate=3, gate=Fraction(1, 2)),  # triplets, staccato
        parts.pad(prog, "drop2"),
        parts.melody(prog, seed=seed),
    ]


def note_set(part):
    return sorted((n.start_beats, n.duration_beats, n.pitch) for n in part)


def mido_notes(track, tpb):
    """(start, duration, pitch, velocity) from raw note messages, pairing on/off by pitch."""
    tick, opened, out = 0, {}, []
    for msg in track:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            opened.setdefault(msg.note, []).append((tick, msg.velocity))
        elif msg.type in ("note_off", "note_on"):
            start, vel = opened[msg.note].pop(0)
            out.append((Fraction(start, tpb), Fraction(tick - start, tpb), msg.note, vel))
    return sorted(out)


def test_midi_reimports_with_the_same_notes(tmp_path):
    prog, ps = song()
    path = write_midi(ps, tmp_path / "song.mid", bpm=96, signature="4/4", key=prog.key)
    mid = mido.MidiFile(path)
    assert mid.type == 1 and len(mid.tracks) == 1 + len(ps)
    meta = {m.type: m for m in mid.tracks[0] if m.is_meta}
    assert mido.tempo2bpm(meta["set_tempo"].tempo) == pytest.approx(96)
    assert (meta["time_signature"].numerator, meta["time_signature"].denominator) == (4, 4)
    assert meta["key_signature"].key == "F"
    channels = set()
    for part, track in zip(ps, mid.tracks[1:], strict=True):
        names = [m.name for m in track if m.type == "track_name"]
        programs = [m.program for m in track if m.type == "program_change"]
        assert names == [part.name]
        assert programs == [GM_PROGRAMS[part.instrument]]
        got = mido_notes(track, mid.ticks_per_beat)
        want = sorted(
            (n.start_beats, n.duration_beats, n.pitch, round(n.velocity * 127)) for n in part
        )
        assert got == want
        channels |= {m.channel for m in track if m.type == "note_on"}
    assert len(channels) == len(ps) and 9 not in channels  # own channels, drum channel left free
    back = read_midi(path)
    assert back.bpm == 96 and back.signature == "4/4"
    assert [p.name for p in back.parts] == [p.name for p in ps]
    for a, b in zip(ps, back.parts, strict=True):
        assert note_set(a) == note_set(b)
        assert b.instrument == a.instrument


def test_midi_bytes_are_reproducible_and_writes_are_atomic(tmp_path):
    _, ps = song(5)
    a = write_midi(ps, tmp_path / "a.mid", bpm=110).read_bytes()
    b = write_midi(song(5)[1], tmp_path / "b.mid", bpm=110).read_bytes()
    assert a == b
    assert a != write_midi(song(6)[1], tmp_path / "c.mid", bpm=110).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.mid",
        "b.mid",
        "c.mid",
    ]  # no temp files
    with pytest.raises(HarmonyError, match="does not exist"):
        write_midi(ps, tmp_path / "missing" / "x.mid")


def test_musicxml_reimports_with_the_same_notes(tmp_path):
    from music21 import converter, meter, tempo

    prog, ps = song()
    path = write_musicxml(ps, tmp_path / "song.musicxml", bpm=96, key=prog.key, title="Test")
    assert [p.name for p in tmp_path.iterdir()] == ["song.musicxml"]
    score = converter.parse(str(path))  # what MuseScore would read
    assert score.metadata.bestTitle == "Test"
    assert [p.partName for p in score.parts] == [p.name for p in ps]
    first = score.parts[0]
    assert first.recurse().getElementsByClass(tempo.MetronomeMark)[0].number == 96
    assert first.recurse().getElementsByClass(meter.TimeSignature)[0].ratioString == "4/4"
    assert first.recurse().getElementsByClass("KeySignature")[0].sharps == -1  # F major
    for part, sp in zip(ps, score.parts, strict=True):
        has_voices = any(m.hasVoices() for m in sp.getElementsByClass("Measure"))
        lines = sp.voicesToParts().parts if has_voices else [sp]
        got = sorted(
            (Fraction(el.offset), Fraction(el.quarterLength), p.midi)
            for line in lines
            for el in line.stripTies().flatten().notes
            for p in el.pitches
        )
        assert got == note_set(part), part.name
    for a, b in zip(ps, read_musicxml(path), strict=True):
        assert (a.name, note_set(a)) == (b.name, note_set(b))


def test_musicxml_snaps_off_grid_times_to_thirty_seconds_and_sextuplets(tmp_path):
    from groovebox.model.notes import Note, Part

    odd = Part("odd", (Note(Fraction(1, 7), Fraction(13, 7), 60), Note(2, 2, 64)))
    (back,) = read_musicxml(write_musicxml(odd, tmp_path / "odd.musicxml"))
    starts = [n.start_beats for n in back]
    assert all((s * 8).denominator == 1 or (s * 6).denominator == 1 for s in starts)
    assert note_set(back)[-1] == (2, 2, 64)
