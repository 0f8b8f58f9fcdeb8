"""Arrangements and progressions as sound: engine programs and render plans.

:func:`program` turns an :class:`~groovebox.model.arrangement.Arrangement` into an engine
:class:`~groovebox.renderer.engine.Program`: each part becomes a :class:`~groovebox.renderer.sequencer.NoteProgram`
(plain numpy arrays of frames, Hz and velocities) on its own stereo track playing its tonal
instrument, the drum pattern (if any) a :class:`~groovebox.renderer.sequencer.PatternProgram` on the
same timeline, and every track sends to one shared reverb bus. Nothing here imports music21:
by the time an arrangement exists its harmony is numbers.

``gb.render(arrangement)`` and ``gb.render(progression)`` are planned here (see
:func:`groovebox.renderer.plan.plan`). The render ends naturally: the last chord rings
(``arrange(..., ending=True)`` holds it a bar), then the voices' releases and the reverb fade
out, and the file stops when they have died away (about 60 dB down).

>>> import groovebox as gb
>>> arr = gb.arrange(gb.progression("ii7 V7 Imaj7", key="Bb", bpm=100), bass=True)
>>> audio = gb.render(arr, sample_rate=24000)
>>> round(audio.duration_s, 1) > 4 * 2.4 + 3.0      # 3 bars + the ring bar, then the tail
True
"""

from __future__ import annotations

import dataclasses
import inspect
from fractions import Fraction

import numpy as np

from groovebox.errors import GrooveboxError, UnknownNameError
from groovebox.generators.arrange import arrange
from groovebox.kits import kit_tables, pack
from groovebox.model.arrangement import Arrangement, instrument
from groovebox.model.notes import Part, Progression
from groovebox.model.options import RenderOptions
from groovebox.model.patch import PATCH_FIELDS, PATCH_SIZE, make_patch, preset
from groovebox.renderer.effects import make_effect
from groovebox.renderer.pattern import room_bus
from groovebox.renderer.program import Program, RenderPlan, TrackSettings
from groovebox.renderer.sequencer import (
    TICKS_PER_STEP,
    NoteProgram,
    PatternProgram,
    samples_per_tick,
)

__all__ = ["frames_per_quarter", "instrument_patch", "plan_arrangement", "plan_progression", "program",
           "ring_out_s"]

N_VOICES = 128  # pads with long releases under arpeggios need more than the engine's default
MAX_RING_OUT_S = 10.0
_GAIN_DB = PATCH_FIELDS.index("gain_db")
_RELEASE_S = PATCH_FIELDS.index("release_s")


def instrument_patch(name: str) -> tuple[int, np.ndarray]:
    """(voice kind, patch row) for an instrument name of :data:`~groovebox.model.arrangement.INSTRUMENTS`."""

    inst = instrument(name)
    kind, patch = preset(inst.preset)
    if inst.fields:
        patch = make_patch(kind, **{**dict(zip(PATCH_FIELDS, patch, strict=True)), **dict(inst.fields)})
    patch[_GAIN_DB] += inst.trim_db
    return kind, patch


def frames_per_quarter(arr: Arrangement, sample_rate: int) -> Fraction:
    """Exact frames per quarter note, the same tempo grid the drum sequencer uses."""

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
        drum_options = RenderOptions(bpm=arr.drum_bpm, swing=arr.drum_swing, seed=arr.seed, sample_rate=sample_rate)
        sources.append(PatternProgram.build(pat, drum_options, end_step=steps))
        kit = kit_tables(arr.kit or pat.kit or "808", sample_rate, pat.instruments)
        # The kit's own room is one more bus after the shared reverb; only the drums send to it.
        room, room_send = room_bus(kit, sample_rate)
        buses += room
        tracks += [TrackSettings(t.instrument, t.gain_db + arr.drums_gain_db, kit.pan_of(t.instrument, t.pan),
                                 sends=(*send(arr.drums_reverb), *room_send))
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

    release = max((instrument_patch(p.instrument)[1][_RELEASE_S] for p in arr.parts if p.notes), default=0.0)
    ring = min(release, MAX_RING_OUT_S)
    if arr.drums is not None:
        ring = max(ring, 1.0)  # the drums' ending hit
    return ring + arr.reverb_s + 0.05


ARRANGEMENT_OPTIONS = ("bars", "seconds", "tail")


def plan_arrangement(arr: Arrangement, options: RenderOptions | None = None) -> RenderPlan:
    """Plan a render of an arrangement.

    ``options.bars`` or ``options.seconds`` render only that much (cut with a short fade); by
    default the whole arrangement, and with ``tail`` (the default) its releases and reverb ring
    out after the last bar. Tempo, kit and parts are set with ``gb.arrange``.
    """
    o = options if options is not None else RenderOptions()
    o.only(ARRANGEMENT_OPTIONS, "an arrangement (set parts, drums and tempo with gb.arrange)")
    sample_rate = o.sample_rate
    prog, frames = program(arr, sample_rate)
    label = arr.name or f"{arr.key} progression"
    engine = {"n_voices": N_VOICES}
    if o.seconds is not None:
        return RenderPlan(prog, round(o.seconds * sample_rate), False, engine_options=engine, label=label)
    if o.bars is not None:
        b = Fraction(o.bars).limit_denominator(64)
        n = _frame(b * arr.progression.beats_per_bar, frames_per_quarter(arr, sample_rate))
        return RenderPlan(prog, n, False, engine_options=engine, label=label)
    if o.tail:
        frames += round(ring_out_s(arr, sample_rate) * sample_rate)
    # The reverb never reaches exact silence, so the ring-out is a fixed length that ends about
    # 60 dB down (with the render's short end fade) rather than "until silent".
    return RenderPlan(prog, frames, False, engine_options=engine, label=label)


def plan_progression(prog: Progression, options: RenderOptions | None = None, **arrange_options) -> RenderPlan:
    """Plan a render of a bare progression: :func:`~groovebox.generators.arrange.arrange` with
    its defaults (a pad playing the chords) or the given ``arrange`` keywords; the options' tempo,
    kit, swing and seed go to ``arrange`` too."""
    o = options if options is not None else RenderOptions()
    known = inspect.signature(arrange).parameters
    for name in arrange_options:
        if name not in known or name == "progression":
            raise UnknownNameError("render option for a progression", name,
                                   [*RenderOptions.__dataclass_fields__, *(k for k in known if k != "progression")])
    for name in ("bpm", "kit", "swing", "seed"):
        if name in o.given:
            arrange_options.setdefault(name, getattr(o, name))
    arr = arrange(prog, **arrange_options)
    return plan_arrangement(arr, dataclasses.replace(o, bpm=None, kit=None, swing=None, seed=None))
