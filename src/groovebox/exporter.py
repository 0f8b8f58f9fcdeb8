"""``gb.export(anything, path)``: patterns, soundscapes, progressions and arrangements to files.

The suffix picks the format:

===========================  ==================================================================
``.wav .flac .ogg .aif(f)``  audio through the engine (:func:`groovebox.offline.render`:
                             streamed, atomic), for every source
``.mid .midi``               Standard MIDI: a pattern as GM drums on channel 10 at the
                             sequencer's exact ticks; an arrangement (or a bare progression)
                             as one track per part plus the drums; a soundscape as one track
                             per pitched loop, over the render length
``.musicxml .xml``           a score through music21 (progressions and arrangements)
===========================  ==================================================================

Every file is written under a temporary name and renamed, so a failure leaves nothing.

>>> import tempfile, pathlib
>>> import groovebox as gb
>>> beat = gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... X..o"}, bpm=96, swing=58)
>>> export(beat, pathlib.Path(tempfile.mkdtemp()) / "beat.mid").suffix
'.mid'
"""

from __future__ import annotations

import dataclasses
import math
import os
from fractions import Fraction
from pathlib import Path

from groovebox import library
from groovebox.errors import GrooveboxError, GrooveboxTypeError, GrooveboxValueError, HarmonyError
from groovebox.formats.audio import FORMATS
from groovebox.formats.midi import smf
from groovebox.formats.midi.drums import drum_track, write_drum_midi
from groovebox.formats.midi.notes import midi_file, midi_key
from groovebox.generators.arrange import arrange
from groovebox.generators.song import DrumClip, NoteClip, compose, part_seed
from groovebox.harmony.musicxml import write_musicxml
from groovebox.model.arrangement import Arrangement, pattern_beat_quarters
from groovebox.model.instruments import GM_NOTES
from groovebox.model.notes import Note, Part, Progression
from groovebox.model.options import RenderOptions, split_options
from groovebox.model.pattern import Pattern
from groovebox.model.song import Song
from groovebox.model.soundscape import Soundscape

__all__ = ["MIDI_SUFFIXES", "MUSICXML_SUFFIXES", "SONG_MIDI_TPB", "check_path", "export", "song_midi", "write_arrangement_midi",
           "write_song_midi"]
SONG_MIDI_TPB = 2400  # a sixteenth is 600 ticks: the drum sequencer's own step, so swing is exact

MIDI_SUFFIXES = (".mid", ".midi")
MUSICXML_SUFFIXES = (".musicxml", ".xml")
SOUNDSCAPE_MIDI_TPB = 960
_NOTE_CHUNK = 8192  # soundscape notes are gathered in windows of at most this many


def check_path(path) -> Path:
    """``path`` as a Path whose suffix :func:`export` writes, else a one-line GrooveboxError
    (checked before any work, so a typo costs nothing)."""
    if not isinstance(path, str | os.PathLike):
        raise GrooveboxTypeError(f"path: expected a file name, got {path!r}")
    path = Path(path)
    suffix = path.suffix.lower()
    known = (*FORMATS, *MIDI_SUFFIXES, *MUSICXML_SUFFIXES)
    if suffix not in known:
        raise GrooveboxValueError(f"{path}: cannot write '{suffix or 'no suffix'}' files; use one of {', '.join(known)}")
    return path


def export(source, path: str | os.PathLike, *, subtype: str | None = None, progress: bool | None = None,
           loudness: float | str | None = None, **options) -> Path:
    """Write ``source`` to ``path``; the suffix picks the format (see the module docstring).

    Parameters
    ----------
    source : Pattern, str, PathLike, Soundscape, Arrangement or Progression
        Anything ``gb.render`` takes (a library id or a pattern file for a pattern).
    path : str or PathLike
        The file to write; missing folders are made.
    subtype : str, optional
        Audio sample format (``"16"``, ``"24"``, ``"float"``).
    progress : bool, optional
        A progress bar for long audio renders.
    loudness : float or "off", optional
        Audio only: master to this loudness in LUFS (see :func:`groovebox.offline.render`).
    **options
        :class:`~groovebox.model.options.RenderOptions` fields (``bars``, ``bpm``, ``kit``,
        ``seed``...), as for ``gb.render``; a bare progression also takes ``gb.arrange``
        keywords.

    Returns
    -------
    Path
    """
    path = check_path(path)
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        from groovebox.offline import render  # the engine: Numba and its kernel caches (~0.5 s)

        return render(source, path=path, subtype=subtype, progress=progress, loudness=loudness, **options)
    if loudness is not None and str(loudness).strip().lower() != "off":
        raise GrooveboxError(f"{path}: loudness applies to audio files, not '{suffix}'")
    opts, extra = split_options(**options)
    if isinstance(source, str | os.PathLike):
        source = library.load(source)
    if isinstance(source, Progression):
        source = _arranged(source, opts, extra)
        opts = dataclasses.replace(opts, bpm=None, kit=None, swing=None, seed=None)
    elif extra:
        raise GrooveboxTypeError(f"export: unknown option '{sorted(extra)[0]}'")
    if suffix in MUSICXML_SUFFIXES:
        if not isinstance(source, Arrangement):
            raise GrooveboxValueError(f"{path}: MusicXML holds progressions and arrangements; "
                                 f"write a {type(source).__name__} as .mid or audio")
        opts.only((), "a MusicXML score")
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_musicxml(source.parts, path, bpm=source.bpm, signature=source.signature, key=source.key,
                              title=score_title(source))
    if isinstance(source, Pattern):
        from groovebox.renderer.pattern import drum_notes  # the sequencer (Numba), see above

        return write_drum_midi(drum_notes(source, opts), path)
    if isinstance(source, Song):
        opts.only((), "a song's MIDI file (tempo, meter and parts are in the song map)")
        return write_song_midi(source, path)
    if isinstance(source, Arrangement):
        opts.only((), "an arrangement's MIDI file (set parts, drums and tempo with gb.arrange)")
        return write_arrangement_midi(source, path)
    if isinstance(source, Soundscape):
        return _write_soundscape_midi(source, opts, path)
    raise GrooveboxTypeError(f"cannot export a {type(source).__name__}; expected a Pattern, a pattern id or "
                         f".toml path, a Soundscape, an Arrangement or a Progression")


def score_title(arr: Arrangement) -> str:
    """A score's title: the arrangement's name, else its chords and key (``"I V vi IV in C major"``)."""
    if arr.name:
        return arr.name
    figures = [c.figure for c in arr.progression.chords]
    return " ".join(figures[:8]) + (" ..." if len(figures) > 8 else "") + f" in {arr.progression.key}"


def _arranged(prog: Progression, opts: RenderOptions, extra: dict) -> Arrangement:
    for name in ("bpm", "kit", "swing", "seed"):
        if name in opts.given:
            extra.setdefault(name, getattr(opts, name))
    try:
        return arrange(prog, **extra)
    except GrooveboxError:
        raise
    except TypeError as exc:  # an unknown keyword: say which, in one line
        raise GrooveboxTypeError(f"export: {exc}") from None


def write_arrangement_midi(arr: Arrangement, path: str | os.PathLike) -> Path:
    """A type-1 MIDI file: one track per part and the drums (if any) on channel 10 at the drum
    sequencer's exact ticks (swing included), built in memory and written atomically."""
    path = Path(path)
    # With drums, parts may be swung: the drum sequencer's resolution (600 ticks a step) holds
    # their times exactly, as it does the drums'.
    tpb = 480
    drums = None
    if arr.drums is not None:
        # Only arrangements with drums need the sequencer (Numba); parts alone are plain numbers.
        from groovebox.renderer.pattern import drum_notes
        from groovebox.renderer.sequencer import TICKS_PER_STEP

        seq = arr.drum_steps_per_quarter * TICKS_PER_STEP
        if seq.denominator == 1 and seq <= smf.MAX_TICKS_PER_BEAT:
            tpb = int(seq)
        drum_opts = RenderOptions(bpm=arr.drum_bpm, swing=arr.drum_swing, seed=arr.seed)
        drums = drum_notes(arr.drums, drum_opts, steps=arr.drum_steps + (1 if arr.ending else 0))
        tpb = drums.ticks_per_beat
    song = midi_file(arr.parts, bpm=arr.bpm, signature=arr.signature, key=arr.key, ticks_per_beat=tpb)
    if drums is not None:
        song.tracks.append(drum_track(dataclasses.replace(drums, name=f"drums: {arr.drums.name}"), conductor=False))
    return smf.save(song, path, error=HarmonyError)


def _write_soundscape_midi(scape: Soundscape, opts: RenderOptions, path: Path) -> Path:
    """One track per pitched loop: every note the loops play over the render length, at the
    soundscape's tempo (or 60 bpm, a beat a second, when it has none)."""
    from groovebox.renderer.sequencer import NoteBuffer  # the loop sources run on Numba kernels
    from groovebox.renderer.soundscape import plan_soundscape

    the_plan = plan_soundscape(scape, opts)
    sr = opts.sample_rate
    bpm = scape.bpm or 60.0
    beats_per_frame = Fraction(bpm).limit_denominator(100) / 60 / sr
    loops = [src for src in the_plan.program.sources if hasattr(src, "query_notes")]
    buf = NoteBuffer(_NOTE_CHUNK)
    notes: dict[int, list[Note]] = {}
    window = max(1, sr)  # a second at a time keeps every window well under the buffer
    for src in loops:
        for start in range(0, the_plan.frames, window):
            buf.n = 0
            src.query_notes(start, min(start + window, the_plan.frames), buf)
            for i in range(buf.n):
                hz = float(buf.pitch[i])
                if hz <= 0:
                    continue
                pitch = round(69 + 12 * math.log2(hz / 440.0))
                if not 0 <= pitch <= 127:
                    continue
                onset = Fraction(int(buf.sample[i])) * beats_per_frame
                dur = max(Fraction(int(buf.dur[i])) * beats_per_frame, Fraction(1, 64))
                notes.setdefault(int(buf.track[i]), []).append(
                    Note(onset, dur, pitch, min(1.0, max(0.01, float(buf.vel[i])))))
    parts = []
    for i, lp in enumerate(scape.loops):
        if notes.get(i):
            ordered = sorted(notes[i], key=lambda n: (n.start_beats, n.pitch))
            parts.append(Part(lp.name, tuple(ordered), instrument="pad"))
    if not parts:
        raise GrooveboxValueError(f"soundscape '{scape.name}': no pitched notes to write (textures have no pitch)")
    length = Fraction(the_plan.frames) * beats_per_frame
    parts = [dataclasses.replace(p, length_beats=max(length, p.notes[-1].start_beats + p.notes[-1].duration_beats))
             for p in parts]
    song = midi_file(parts[:15], bpm=bpm, ticks_per_beat=SOUNDSCAPE_MIDI_TPB)
    return smf.save(song, path, error=GrooveboxError)


# --- songs --------------------------------------------------------------------------------------------
def song_midi(song: Song):
    """A song as a type-1 ``mido.MidiFile``: a conductor track (title, key, every tempo and meter
    change, a marker named after each section at its first bar) and one track per part and
    transition track, named after it; drum parts on channel 10 (General MIDI notes, hits at the
    sequencer's exact ticks, swing included), the others each on a channel of their own."""
    import mido  # MIDI files only (~80 ms to import)

    # The sequencer loads Numba: only song MIDI needs it here.
    from groovebox.renderer.sequencer import TICKS_PER_STEP, events

    score = compose(song)
    tpb = SONG_MIDI_TPB
    # quarter-note position of each section's start
    q_start = [Fraction(0)]
    for st in score.sections:
        q_start.append(q_start[-1] + st.quarters)

    def quarters(section: int, t_s: Fraction) -> Fraction:
        st = score.sections[section]
        return q_start[section] + (t_s - st.start_s) * st.bpm / 60

    conductor = mido.MidiTrack()
    meta: list[tuple[int, int, object]] = []  # (tick, order, message)
    if song.title:
        meta.append((0, 0, mido.MetaMessage("track_name", name=song.title)))
    try:
        meta.append((0, 1, mido.MetaMessage("key_signature", key=midi_key(song.key))))
    except Exception:  # a mode MIDI cannot name (dorian...): no key signature
        pass
    prev = None
    for i, st in enumerate(score.sections):
        tick = smf.ticks(q_start[i], tpb)
        if prev is None or st.bpm != prev.bpm:
            meta.append((tick, 2, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(float(st.bpm)))))
        if prev is None or st.meter != prev.meter:
            num, den = st.meter
            meta.append((tick, 3, mido.MetaMessage("time_signature", numerator=num, denominator=den,
                                                   clocks_per_click=smf.clocks_per_click(num, den),
                                                   notated_32nd_notes_per_beat=8)))
        meta.append((tick, 4, mido.MetaMessage("marker", text=st.name)))
        prev = st
    _append_abs(conductor, [(t, o, m) for t, o, m in sorted(meta, key=lambda x: (x[0], x[1]))])
    conductor.append(mido.MetaMessage("end_of_track", time=0))
    mid = mido.MidiFile(type=1, ticks_per_beat=tpb)
    mid.tracks.append(conductor)
    names = [p.name for p in song.parts] + list(score.fx_tracks)
    kinds = {p.name: p.kind for p in song.parts}
    channels = [c for c in range(16) if c != smf.DRUM_CHANNEL]
    next_channel = 0
    for name in names:
        notes: dict[tuple[int, int], tuple[int, int]] = {}  # (tick, key) -> (velocity, end tick)
        if kinds.get(name) == "drums":
            ch = smf.DRUM_CHANNEL
            for c in score.clips:
                if not isinstance(c, DrumClip) or c.part != name:
                    continue
                spq = Fraction(c.pattern.steps_per_beat) / pattern_beat_quarters(c.pattern)
                opts = RenderOptions(bpm=float(c.bpm), swing=c.swing,
                                     seed=part_seed(song.seed, c.part, c.section, c.role) % 2**62)
                q0 = quarters(c.section, c.start_s)
                for e in events(c.pattern, opts, steps=c.steps):
                    q = q0 + Fraction(int(e["tick"]), TICKS_PER_STEP) / spq
                    tick = smf.ticks(q, tpb)
                    key = GM_NOTES[str(e["instrument"])]
                    vel = max(1, min(127, round(float(e["velocity"]) * 127)))
                    end = tick + smf.ticks(Fraction(1, 2) / spq, tpb)
                    old = notes.get((tick, key))
                    notes[(tick, key)] = (max(vel, old[0]) if old else vel, end)
        else:
            ch = channels[next_channel % len(channels)]
            next_channel += 1
            for c in score.clips:
                if not isinstance(c, NoteClip) or c.part != name:
                    continue
                q0 = quarters(c.section, c.start_s) if c.role == "main" else \
                    quarters(c.section, score.sections[c.section].start_s) - (score.sections[c.section].start_s
                                                                              - c.start_s) * c.bpm / 60
                for n in c.notes.notes:
                    tick = smf.ticks(q0 + n.start_beats, tpb)
                    end = max(tick + 1, smf.ticks(q0 + n.end_beats, tpb))
                    vel = max(1, min(127, round(n.velocity * 127)))
                    notes[(tick, n.pitch)] = (vel, end)
        track = mido.MidiTrack()
        evs: list[tuple[int, int, object]] = [(0, 0, mido.MetaMessage("track_name", name=name))]
        for (tick, key), (vel, end) in notes.items():
            evs.append((tick, 2, mido.Message("note_on", channel=ch, note=key, velocity=vel)))
            evs.append((end, 1, mido.Message("note_off", channel=ch, note=key, velocity=0)))
        _append_abs(track, sorted(evs, key=lambda x: (x[0], x[1])))
        track.append(mido.MetaMessage("end_of_track", time=0))
        mid.tracks.append(track)
    return mid


def _append_abs(track, events) -> None:
    last = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - last))
        last = tick


def write_song_midi(song: Song, path: str | os.PathLike) -> Path:
    """Write :func:`song_midi` atomically."""
    return smf.save(song_midi(song), path, error=GrooveboxError)
