"""Render one data set item: the mix, a stem per instrument, labels and MIDI, checked.

How stems sum to the mix
------------------------
The mix is the engine's own render of the whole pattern with the master limiter *off* (a
limiter is nonlinear: limited stems would not add up to a limited mix). Headroom comes from
the item's gain instead (``augment.gain_db``, -6 dB by default), and an item whose mix or stems
reach full scale is refused, never written.

The stems come out of that same render: the engine is tapped
(:meth:`~groovebox.renderer.engine.Engine.tap_tracks`) and hands over each track's post-fader
signal block by block, the very float32 samples it adds into the mix. So a stem holds exactly
its instrument's share of the mix: its hits with the mix's choking (an open hat is cut where a
closed hat cuts it in the mix), voice allocation, fader and pan. An item with a room send
(``augment.room``) gives each stem its own share of the room too: the stem's send (the same
float32 products the engine adds to its room bus) goes through its own copy of the room
reverb. The reverb is linear and every copy starts empty, so the stems' rooms add up to the
mix's room; a stem is therefore what you would hear with that instrument soloed, room
included. The stems add up to the mix to float32 rounding (about -140 dBFS); every item checks
this (within -90 dBFS) before it is written.

Labels are the sequencer's own events (:func:`groovebox.renderer.sequencer.events`, the query
the engine makes block by block), so each label's sample is where the engine starts that hit.
A hit that humanize moves before the first sample is not played by the engine, so it has no
label either (the MIDI file, like ``gb.export``, still has it, at tick 0).
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

import numpy as np

from groovebox.batch.plan import ItemPlan, KitChoice
from groovebox.dsp import jit
from groovebox.dsp.effects import E_KIND, EFFECT_KERNELS
from groovebox.dsp.stems import add_block, send_block, stem_peaks, take_tracks
from groovebox.errors import RenderError
from groovebox.kits.samples import load_sample_kit
from groovebox.kits.synth import voice_layers
from groovebox.kits.tables import KitTables, pack
from groovebox.model.instruments import GM_NOTES, INSTRUMENTS
from groovebox.model.kit import get_kit
from groovebox.model.options import RenderOptions
from groovebox.renderer.effects import make_effect
from groovebox.renderer.engine import Engine
from groovebox.renderer.pattern import drum_notes, pattern_program
from groovebox.renderer.program import Program
from groovebox.renderer.sequencer import events

__all__ = ["ItemBuffers", "ItemCheckError", "RenderedItem", "kit_tables_for", "render_item"]

BLOCK_FRAMES = 8192
MAX_TAIL_S = 12.0  # a ring-out longer than this is cut with a fade (as in gb.render)
SILENT_DBFS = -60.0  # a mix whose peak stays below this is silent
STEM_SILENT_DBFS = -80.0  # a stem with hits whose peak stays below this is silent
CLIP_DBFS = 0.0  # a sample at or over full scale is clipped
SUM_TOLERANCE_DBFS = -90.0  # stems add up to the mix within this
ROOM_FLOOR = 1e-6  # the room tail is rendered until it is below -120 dBFS
STEMS = jit.Group("stems", (take_tracks, send_block, add_block, stem_peaks), 1.0)
ROOM = {"decay_s": 0.9, "size": 35.0, "predelay_s": 0.008, "damping_hz": 7000.0, "modulation": 0.0}


class ItemCheckError(RenderError):
    """An item failed a check (silent, clipped, stems that do not add up); it is not written."""


@dataclasses.dataclass
class RenderedItem:
    """An item's audio and labels, in memory, checked."""

    plan: ItemPlan
    mix: np.ndarray  # float32 (frames, 2)
    stems: dict[str, np.ndarray]  # instrument -> float32 (frames, 2), instruments with hits only
    hits: list[dict]  # one label per hit, by onset
    midi: object  # DrumNotes
    timeline_frames: int  # frames of the bars proper (the rest is ring-out)

    @property
    def frames(self) -> int:
        return len(self.mix)


def _db(x: float) -> str:
    return f"{20.0 * math.log10(x):.1f} dBFS" if x > 0 else "-inf dBFS"


# -- kits ------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _sample_kit(ref: str, sample_rate: int) -> KitTables:
    return load_sample_kit(ref, sample_rate)


def _shorten(table: np.ndarray, decay: float) -> np.ndarray:
    """A sampler's decay knob: the sample fades to silence at ``decay`` of its length along a
    cubic curve (no click; 1.0 leaves it as it is)."""
    n = max(2, int(round(len(table) * decay)))
    out = np.zeros_like(table)
    env = (1.0 - np.arange(n, dtype=np.float64) / n) ** 3
    m = min(n, len(table))
    out[:m] = table[:m] * env[:m].astype(np.float32)
    return out


@lru_cache(maxsize=24)
def kit_tables_for(kit: KitChoice, instruments: tuple[str, ...], sample_rate: int) -> KitTables:
    """The tables of an item's kit variant (cached per worker: items share variants).

    A synthesized kit's voices are re-synthesized with the variant's tune and decay; a sample
    kit is tuned by playback rate and shortened by :func:`_shorten`.
    """
    tune, decay = dict(kit.tune), dict(kit.decay)
    if not kit.is_sample_kit:
        base = get_kit(kit.ref)
        layers = {}
        for name in instruments:
            v = base.voices[name]
            voiced = base.with_voice(name, tune_semitones=v.tune_semitones + tune.get(name, 0.0),
                                     decay=v.decay * decay.get(name, 1.0)) if name in tune or name in decay else base
            layers[name] = voice_layers(voiced, name, sample_rate)
        return pack(kit.label, sample_rate, layers)
    tables = _sample_kit(kit.ref, sample_rate)
    data = tables.data
    if decay:
        data = data.copy()
        for name, d in decay.items():
            i = INSTRUMENTS.index(name)
            for layer in range(tables.layer_first[i], tables.layer_first[i] + tables.layer_count[i]):
                for v in range(tables.var_first[layer], tables.var_first[layer] + tables.var_count[layer]):
                    a, n = tables.var_start[v], tables.var_len[v]
                    data[a : a + n] = _shorten(data[a : a + n], d)
    rate = tables.rate.copy()
    for name, t in tune.items():
        rate[INSTRUMENTS.index(name)] *= 2.0 ** (t / 12.0)
    return dataclasses.replace(tables, data=data, rate=rate)


# -- rendering -------------------------------------------------------------------------------------
def _options(item: ItemPlan, kit=None) -> RenderOptions:
    return RenderOptions(bars=item.bars, bpm=item.bpm, swing=item.swing, seed=item.seed,
                         humanize_ms=item.humanize_ms, humanize_velocity=item.humanize_velocity,
                         sample_rate=item.sample_rate, kit=kit)


def _program(base: Program, item: ItemPlan) -> Program:
    """The item's program with its gain, pans and room send."""
    pans = dict(item.pan)
    tracks = []
    for t in base.tracks:
        pan = min(max(t.pan + pans.get(t.name, 0.0), -1.0), 1.0)
        tracks.append(dataclasses.replace(t, gain_db=t.gain_db + item.gain_db, pan=pan,
                                          sends=(item.room,) if item.room > 0 else ()))
    buses = [[make_effect("reverb", item.sample_rate, **ROOM)]] if item.room > 0 else []
    return Program(sources=base.sources, kit=base.kit, tracks=tracks, meta=base.meta, buses=buses)


def _engine(program: Program, sample_rate: int) -> Engine:
    engine = Engine(sample_rate, max_block=BLOCK_FRAMES, max_tracks=max(1, len(program.tracks)), limiter=False)
    engine.load(program)
    return engine


class ItemBuffers:
    """Float buffers for rendering items one after another, reused from item to item.

    Fresh arrays of this size (a few MB per stem) cost the kernel a page fault per 4 KiB on
    first touch, about as much as rendering the stems; reused ones are already mapped. An item
    rendered with buffers holds views into them: they are valid until the next
    :func:`render_item` with the same buffers, so write the item first (one per thread).
    """

    def __init__(self):
        self._mix = np.empty(0, np.float32)
        self._stems = np.empty(0, np.float32)

    def get(self, n_stems: int, frames: int) -> tuple[np.ndarray, np.ndarray]:
        """A (frames, 2) mix buffer and a C-contiguous (n_stems, frames, 2) stems buffer."""
        if self._mix.size < 2 * frames:
            self._mix = np.empty(2 * frames, np.float32)
        if self._stems.size < 2 * n_stems * frames:
            self._stems = np.empty(2 * n_stems * frames, np.float32)
        return (self._mix[: 2 * frames].reshape(frames, 2),
                self._stems[: 2 * n_stems * frames].reshape(n_stems, frames, 2))


class _StemTap:
    """The engine's tap (see the module doc): each stem track's block into its stem and, with a
    room, the track's send through the stem's own room reverb, added on top."""

    def __init__(self, tracks: list[int], stems: np.ndarray, item: ItemPlan):
        self.tracks = np.asarray(tracks, np.int64)
        self.stems = stems
        self.rooms = [make_effect("reverb", item.sample_rate, **ROOM) for _ in tracks] if item.room > 0 else []
        self.send = np.zeros((2, BLOCK_FRAMES), np.float32)

    def __call__(self, engine: Engine, m: int) -> None:
        pos = engine.mix_position  # the limiter is off: mix time is output time
        take_tracks(engine.track_out, engine.track_live, self.tracks, m, self.stems, pos)
        for j, room in enumerate(self.rooms):
            t = self.tracks[j]
            send_block(engine.track_out, engine.track_live, t, engine.track_send[t, 0], m, self.send)
            EFFECT_KERNELS[int(room[E_KIND])](self.send[0], self.send[1], 0, m, room)
            add_block(self.stems[j], pos, self.send, m)


def _render(program: Program, item: ItemPlan, timeline: int, stem_tracks: list[int],
            buffers: ItemBuffers | None) -> tuple[np.ndarray, np.ndarray]:
    """The mix and the stems of ``stem_tracks`` from one render: the bars, then the ring-out
    until every voice (and the room) has died away. The stems come as one (stems, frames, 2)
    buffer whose first ``len(mix)`` frames are theirs."""
    sr = item.sample_rate
    engine = _engine(program, sr)
    limit = timeline + round(MAX_TAIL_S * sr)
    # Sized for the longest ring-out; fresh pages past the end are never touched, so never mapped.
    if buffers is None:
        out = np.empty((limit, 2), np.float32)
        stems = np.empty((len(stem_tracks), limit, 2), np.float32)
    else:
        out, stems = buffers.get(len(stem_tracks), limit)
    if stem_tracks:
        jit.need(STEMS)
        engine.tap_tracks(_StemTap(stem_tracks, stems, item))
    engine.render_block(timeline, out)
    pos = timeline
    while pos < limit:
        m = min(BLOCK_FRAMES, limit - pos)
        block = engine.render_block(m, out[pos : pos + m])
        pos += m
        if engine.silent and (item.room == 0.0 or _peak(block) < ROOM_FLOOR):
            break
    else:  # still ringing at the limit: fade the last 10 ms (the stems alike, so they still add up)
        n = round(0.010 * sr)
        fade = np.linspace(1.0, 0.0, n, dtype=np.float32)[:, None]
        out[pos - n : pos] *= fade
        stems[:, pos - n : pos] *= fade
    # Trim the silence after the last sound (only the last block can hold it).
    lo = max(timeline, pos - BLOCK_FRAMES)
    nz = np.flatnonzero(np.any(out[lo:pos] != 0.0, axis=1))
    end = lo + int(nz[-1]) + 1 if len(nz) else lo
    return out[:end], stems


def _labels(item: ItemPlan, ev: np.ndarray, grid_sample) -> list[dict]:
    """One record per hit: where the engine starts it and what it is."""
    sr = item.sample_rate
    pattern = item.pattern
    # A flam's grace note comes first among its step's events (they are sorted by onset).
    seen: set[tuple[int, int]] = set()
    hits = []
    for e in ev:
        track = pattern.tracks[int(e["track"])]
        step_no = int(e["step"])
        step = track.steps[step_no % len(track)]
        key = (int(e["track"]), step_no)
        grace = bool(step.flam) and key not in seen
        seen.add(key)
        sample = int(e["sample"])
        grid = grid_sample(step_no)
        velocity = float(e["velocity"])
        hits.append({
            "sample": sample,
            "seconds": round(sample / sr, 6),
            "instrument": str(e["instrument"]),
            "gm_note": GM_NOTES[str(e["instrument"])],
            "velocity": round(velocity, 4),
            "midi_velocity": max(1, min(127, round(velocity * 127))),
            "kind": "grace" if grace else {"X": "accent", "x": "hit", "o": "ghost"}[step.hit],
            "step": step_no,
            "grid_sample": grid,
            "offset_samples": sample - grid,
            "offset_ms": round((sample - grid) * 1000.0 / sr, 3),
        })  # fmt: skip
    return hits


def render_item(item: ItemPlan, buffers: ItemBuffers | None = None) -> RenderedItem:
    """Render and check ``item`` (nothing is written here).

    With ``buffers`` the item's audio is views into them (see :class:`ItemBuffers`): valid
    until the next item rendered with the same buffers. Without, it is freshly allocated.

    Raises
    ------
    ItemCheckError
        The mix is silent or clipped, a stem with hits is silent or clipped, or the stems do
        not add up to the mix within -90 dBFS.
    """
    steps = item.bars * item.pattern.steps_per_bar
    instruments = item.pattern.instruments
    tables = kit_tables_for(item.kit, instruments, item.sample_rate)
    opts = _options(item, tables)
    base = pattern_program(item.pattern, opts, end_step=steps)
    source = base.sources[0]
    timeline = source.step_to_sample(steps)
    ev = events(item.pattern, _options(item), steps=steps)
    ev = ev[ev["sample"] >= 0]  # a first hit humanized before sample 0 is never played: no label
    hits = _labels(item, ev, source.step_to_sample)
    played = set(ev["instrument"].tolist())
    with_hits = [name for name in instruments if name in played] if "stems" in item.outputs else []
    program = _program(base, item)
    track_of = {t.name: i for i, t in enumerate(program.tracks)}
    mix, stem_buf = _render(program, item, timeline, [track_of[name] for name in with_hits], buffers)
    stems = {name: stem_buf[j, : len(mix)] for j, name in enumerate(with_hits)}
    _check(item, mix, stem_buf, with_hits)
    midi = drum_notes(item.pattern, _options(item), steps=steps) if "midi" in item.outputs else None
    return RenderedItem(item, mix, stems, hits, midi, timeline)


def _peak(x: np.ndarray) -> float:
    """Largest absolute sample (NaN if there is one); two reductions, no temporary array."""
    if not len(x):
        return 0.0
    hi, lo = float(x.max()), float(x.min())
    return max(hi, -lo) if hi == hi and lo == lo else math.nan


def _check(item: ItemPlan, mix: np.ndarray, stems: np.ndarray, names: list[str]) -> None:
    """Refuse a silent, clipped or non-finite mix or stem, and stems that do not add up
    (``stems``: the (stems, frames, 2) buffer from :func:`_render`)."""
    where = f"item {item.id} ({item.source}, kit {item.kit.label})"
    # One pass over the mix and the stems (float32: summing a handful of stems rounds at about
    # -140 dBFS).
    n = mix.size
    peaks = np.zeros(len(names) + 2)
    flat = stems.reshape(len(names), -1) if len(names) else np.zeros((0, 1), np.float32)
    stem_peaks(mix.reshape(-1), flat, n, peaks)
    peak = float(peaks[-2])
    if not math.isfinite(peak):
        raise ItemCheckError(f"{where}: the mix has NaN or infinite samples")
    if peak < 10.0 ** (SILENT_DBFS / 20.0):
        raise ItemCheckError(f"{where}: silent mix (peak {_db(peak)}, below {SILENT_DBFS:g} dBFS)")
    if peak >= 10.0 ** (CLIP_DBFS / 20.0):
        raise ItemCheckError(f"{where}: the mix clips (peak {_db(peak)}); lower augment.gain_db")
    if not names:
        return
    for name, p in zip(names, peaks[:-2].tolist(), strict=True):
        if not math.isfinite(p):
            raise ItemCheckError(f"{where}: stem '{name}' has NaN or infinite samples")
        if p < 10.0 ** (STEM_SILENT_DBFS / 20.0):
            raise ItemCheckError(f"{where}: stem '{name}' is silent (peak {_db(p)}) although it has hits")
        if p >= 10.0 ** (CLIP_DBFS / 20.0):
            raise ItemCheckError(f"{where}: stem '{name}' clips (peak {_db(p)}); lower augment.gain_db")
    err = float(peaks[-1])
    if not err <= 10.0 ** (SUM_TOLERANCE_DBFS / 20.0):
        raise ItemCheckError(f"{where}: the stems add up to the mix only within {_db(err)} "
                             f"(expected {SUM_TOLERANCE_DBFS:g} dBFS)")
