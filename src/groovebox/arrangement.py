"""Arrangements and progressions as sound and files: engine programs, render plans, export.

:func:`program` turns an :class:`~groovebox.model.arrangement.Arrangement` into an engine
:class:`~groovebox.engine.Program`: each part becomes a :class:`~groovebox.sequencer.NoteProgram`
(plain numpy arrays of frames, Hz and velocities) on its own stereo track playing its tonal
instrument, the drum pattern (if any) a :class:`~groovebox.sequencer.PatternProgram` on the
same timeline, and every track sends to one shared reverb bus. Nothing here imports music21:
by the time an arrangement exists its harmony is numbers.

``gb.render(arrangement)`` and ``gb.render(progression)`` are routed here (see
:func:`groovebox.offline.register_planner`). The render ends naturally: the last chord rings
(``arrange(..., ending=True)`` holds it a bar), then the voices' releases and the reverb fade
out, and the file stops when they have died away (about 60 dB down).

>>> import groovebox as gb
>>> arr = gb.arrange(gb.progression("ii7 V7 Imaj7", key="Bb", bpm=100), bass=True)
>>> audio = gb.render(arr, sample_rate=24000)
>>> round(audio.duration_s, 1) > 4 * 2.4 + 3.0      # 3 bars + the ring bar, then the tail
True
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from groovebox.errors import GrooveboxError
from groovebox.model.arrangement import Arrangement, instrument
from groovebox.model.notes import Part, Progression

# The engine, sequencer and kernels (Numba) are imported by the functions that use them, so
# exporting MIDI or MusicXML, or `gb.export` itself, costs no compilation or cache loading.

__all__ = ["export", "frames_per_quarter", "instrument_patch", "plan_arrangement",
           "plan_progression", "program", "ring_out_s"]

MIDI_SUFFIXES = (".mid", ".midi")
MUSICXML_SUFFIXES = (".musicxml", ".xml")
N_VOICES = 128  # pads with long releases under arpeggios need more than the engine's default
MAX_RING_OUT_S = 10.0


def instrument_patch(name: str) -> tuple[int, np.ndarray]:
    """(voice kind, patch row) for an instrument name of :data:`~groovebox.model.arrangement.INSTRUMENTS`."""
    from groovebox.dsp.tonal import P_GAIN_DB, PATCH_FIELDS, make_patch, preset

    inst = instrument(name)
    kind, patch = preset(inst.preset)
    if inst.fields:
        patch = make_patch(kind, **{**dict(zip(PATCH_FIELDS, patch, strict=True)), **dict(inst.fields)})
    patch[P_GAIN_DB] += inst.trim_db
    return kind, patch


def frames_per_quarter(arr: Arrangement, sample_rate: int) -> Fraction:
    """Exact frames per quarter note, the same tempo grid the drum sequencer uses."""
    from groovebox.sequencer import TICKS_PER_STEP, samples_per_tick

    if arr.drums is not None:
        num, den = samples_per_tick(arr.drum_bpm, arr.drums.steps_per_beat, sample_rate)
        return Fraction(num * TICKS_PER_STEP, den) * arr.drum_steps_per_quarter
    num, den = samples_per_tick(arr.bpm, 1, sample_rate)
    return Fraction(num * TICKS_PER_STEP, den)


def _frame(beats: Fraction, fpq: Fraction) -> int:
    # round half up, like the drum sequencer's tick -> sample conversion
    x = beats * fpq
    return (2 * x.numerator + x.denominator) // (2 * x.denominator)


def _note_program(part: Part, fpq: Fraction, patch: int, track: int, seed: int):
    from groovebox.sequencer import NoteProgram

    n = len(part.notes)
    start = np.empty(n, np.int64)
    dur = np.empty(n, np.int64)
    pitch = np.empty(n, np.float64)
    vel = np.empty(n, np.float32)
    for i, note in enumerate(part.notes):
        s = _frame(note.start_beats, fpq)
        start[i] = s
        dur[i] = max(_frame(note.end_beats, fpq) - s, 1)
        pitch[i] = note.pitch
        vel[i] = note.velocity
    hz = 440.0 * np.exp2((pitch - 69.0) / 12.0)
    seeds = np.int64(seed) * 1_000_003 + np.int64(track) * 10_007 + np.arange(n, dtype=np.int64)
    return NoteProgram(start, dur, hz, vel, np.full(n, patch, np.int32), np.full(n, track, np.int32), seeds)


def program(arr: Arrangement, sample_rate: int):
    """The engine program of an arrangement and the length of its timeline in frames.

    Drum tracks come first (mono, the pattern's gains and pans plus ``drums_gain_db``), then one
    stereo track per part; every track sends to a shared reverb bus (when ``reverb_s > 0``).

    Returns
    -------
    program : Program
    frames : int
        Frames from the start to the end of the arrangement (the progression plus any ring);
        releases and reverb continue after it (see :func:`ring_out_s`).
    """
    from groovebox.drumkit import kit_tables, pack
    from groovebox.dsp.effects import make_effect
    from groovebox.dsp.tonal import PATCH_SIZE
    from groovebox.engine import Program, TrackSettings
    from groovebox.sequencer import PatternProgram

    if not isinstance(arr, Arrangement):
        raise GrooveboxError(f"expected an Arrangement, got {type(arr).__name__}")
    fpq = frames_per_quarter(arr, sample_rate)
    buses = [[make_effect("reverb", sample_rate, decay_s=arr.reverb_s, predelay_s=0.015, damping_hz=5500.0,
                          size=60.0, mix=100.0)]] if arr.reverb_s > 0 else []  # fmt: skip
    send = (lambda level: (level,)) if buses else (lambda level: ())
    sources: list = []
    tracks: list[TrackSettings] = []
    if arr.drums is not None:
        pat = arr.drums
        steps = arr.drum_steps + (1 if arr.ending else 0)
        sources.append(PatternProgram.build(pat, sample_rate=sample_rate, bpm=arr.drum_bpm, swing=arr.drum_swing,
                                            seed=arr.seed, end_step=steps))  # fmt: skip
        kit = kit_tables(arr.kit or pat.kit or "808", sample_rate, pat.instruments)
        tracks += [TrackSettings(t.instrument, t.gain_db + arr.drums_gain_db, t.pan, sends=send(arr.drums_reverb))
                   for t in pat.tracks]  # fmt: skip
    else:
        kit = pack("none", sample_rate, {})
    patches = np.zeros((max(len(arr.parts), 1), PATCH_SIZE), np.float64)
    kinds = np.zeros(max(len(arr.parts), 1), np.int32)
    for i, (part, mix) in enumerate(zip(arr.parts, arr.mixes(), strict=True)):
        kinds[i], patches[i] = instrument_patch(part.instrument)
        slot = len(tracks)
        tracks.append(TrackSettings(part.name, mix.gain_db, mix.pan, stereo=True, sends=send(mix.reverb)))
        if part.notes:
            sources.append(_note_program(part, fpq, i, slot, arr.seed))
    frames = _frame(arr.length_beats, fpq)
    meta = {"arrangement": arr, "bpm": arr.bpm, "key": arr.key}
    return Program(sources, kit, tracks, meta=meta, patches=patches, patch_kind=kinds, buses=buses), frames


def ring_out_s(arr: Arrangement, sample_rate: int = 48000) -> float:
    """Seconds after the timeline until everything has died away: the longest release of the
    instruments, the drum sounds' length, and the reverb's decay."""
    from groovebox.dsp.tonal import P_RELEASE_S

    release = max((instrument_patch(p.instrument)[1][P_RELEASE_S] for p in arr.parts if p.notes), default=0.0)
    ring = min(release, MAX_RING_OUT_S)
    if arr.drums is not None:
        ring = max(ring, 1.0)  # the drums' ending hit
    return ring + arr.reverb_s + 0.05


def plan_arrangement(arr: Arrangement, *, sample_rate: int, bars: float | None = None,
                     seconds: float | None = None, tail: bool = True, **options):
    """Plan a render of an arrangement (``render.register_planner`` target).

    Parameters
    ----------
    bars, seconds : float, optional
        Render only this much (cut with a short fade); default the whole arrangement and its
        ring-out.
    tail : bool
        With the default length: let releases and reverb ring out after the last bar.
    """
    from groovebox.offline import RenderPlan, _positive

    if options:
        raise GrooveboxError(f"render: unknown option '{sorted(options)[0]}' for an arrangement "
                             "(set parts, drums and tempo with gb.arrange)")
    if bars is not None and seconds is not None:
        raise GrooveboxError("give bars or seconds, not both")
    prog, frames = program(arr, sample_rate)
    label = arr.name or f"{arr.key} progression"
    if seconds is not None:
        n = round(_positive("seconds", seconds, "seconds", 24 * 3600) * sample_rate)
        return RenderPlan(prog, n, False, engine_options={"n_voices": N_VOICES}, label=label)
    if bars is not None:
        b = Fraction(_positive("bars", bars, "bars", 100_000)).limit_denominator(64)
        n = _frame(b * arr.progression.beats_per_bar, frames_per_quarter(arr, sample_rate))
        return RenderPlan(prog, n, False, engine_options={"n_voices": N_VOICES}, label=label)
    if tail:
        frames += round(ring_out_s(arr, sample_rate) * sample_rate)
    # The reverb never reaches exact silence, so the ring-out is a fixed length that ends about
    # 60 dB down (with the render's short end fade) rather than "until silent".
    return RenderPlan(prog, frames, False, engine_options={"n_voices": N_VOICES}, label=label)


def plan_progression(prog: Progression, *, sample_rate: int, bars: float | None = None,
                     seconds: float | None = None, tail: bool = True, **arrange_options):
    """Plan a render of a bare progression: :func:`~groovebox.generators.arrange.arrange` with
    its defaults (a pad playing the chords) or the given ``arrange`` options."""
    from groovebox.generators.arrange import arrange

    arr = arrange(prog, **arrange_options)
    return plan_arrangement(arr, sample_rate=sample_rate, bars=bars, seconds=seconds, tail=tail)


# -- files ---------------------------------------------------------------------------------


def _as_arrangement(source) -> Arrangement:
    if isinstance(source, Arrangement):
        return source
    if isinstance(source, Progression):
        from groovebox.generators.arrange import arrange

        return arrange(source)
    raise GrooveboxError(f"cannot export a {type(source).__name__}; expected an Arrangement or a Progression")


def export(source, path: str | os.PathLike, *, sample_rate: int = 48000, subtype: str | None = None,
           progress: bool | None = None) -> Path:
    """Write an arrangement (or a progression, arranged with the defaults) to a file.

    The suffix picks the format: ``.wav .flac .ogg .aif .aiff`` render audio through the engine
    (streamed, atomic); ``.mid``/``.midi`` writes one track per part (and the drums on channel
    10); ``.musicxml``/``.xml`` writes a score through
    music21. Files are written under a temporary name and renamed, so a failure leaves nothing.

    Returns
    -------
    Path
    """
    from groovebox.io.wav import FORMATS

    path = Path(path)
    suffix = path.suffix.lower()
    known = (*FORMATS, *MIDI_SUFFIXES, *MUSICXML_SUFFIXES)
    if suffix not in known:
        raise GrooveboxError(f"{path}: cannot write '{suffix or 'no suffix'}' files; use one of {', '.join(known)}")
    arr = _as_arrangement(source)
    if suffix in FORMATS:
        from groovebox.offline import render

        return render(arr, path=path, sample_rate=sample_rate, subtype=subtype, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in MIDI_SUFFIXES:
        return write_midi(arr, path)
    from groovebox.formats.musicxml import write_musicxml

    return write_musicxml(arr.parts, path, bpm=arr.bpm, signature=arr.signature, key=arr.key,
                          title=arr.name or None)


def write_midi(arr: Arrangement, path: str | os.PathLike) -> Path:
    """A type-1 MIDI file: one track per part and the drums (if any) on channel 10 at the drum
    sequencer's exact ticks (swing included)."""
    from groovebox.formats import midi_notes

    path = Path(path)
    # With drums, parts may be swung: the drum sequencer's resolution (600 ticks a step) holds
    # their times exactly, as it does the drums'.
    tpb = 480
    if arr.drums is not None:
        seq = arr.drum_steps_per_quarter * 600
        if seq.denominator == 1 and seq <= 32767:
            tpb = int(seq)
    if arr.drums is None:
        return midi_notes.write_midi(arr.parts, path, bpm=arr.bpm, signature=arr.signature, key=arr.key,
                                     ticks_per_beat=tpb)
    import tempfile

    import mido

    from groovebox.io.midi import write_pattern_midi

    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".gb-midi-") as tmp:
        drum_file = write_pattern_midi(
            arr.drums, Path(tmp) / "drums.mid", steps=arr.drum_steps + (1 if arr.ending else 0),
            bpm=arr.drum_bpm, swing=arr.drum_swing, seed=arr.seed,
        )  # fmt: skip
        drums = mido.MidiFile(str(drum_file))
        parts_file = midi_notes.write_midi(arr.parts, Path(tmp) / "parts.mid", bpm=arr.bpm, signature=arr.signature,
                                           ticks_per_beat=drums.ticks_per_beat, key=arr.key)  # fmt: skip
        song = mido.MidiFile(str(parts_file))
    song.tracks.append(_drum_track(drums, arr.drums.name))
    from groovebox.errors import HarmonyError
    from groovebox.formats import smf

    return smf.save(song, path, error=HarmonyError)


def _drum_track(drums, name: str):
    """The drum file's notes as one track without its tempo and meter (the song has them)."""
    import mido

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=f"drums: {name}", time=0))
    now = tick = 0
    for t in drums.tracks:
        for msg in t:
            tick += msg.time
            if msg.is_meta:
                continue
            track.append(msg.copy(time=tick - now))
            now = tick
        # a type-0 drum file has one track; more would need merging by time
        break
    track.append(mido.MetaMessage("end_of_track", time=max(0, tick - now)))
    return track

