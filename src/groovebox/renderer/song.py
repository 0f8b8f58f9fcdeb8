"""A song as one engine program: clips on exact samples, kits, patches and its mixer.

:func:`song_program` composes a :class:`~groovebox.model.song.Song`
(:func:`groovebox.generators.song.compose`) and compiles the score:

- **time**: every clip starts on ``round(start_s * sample_rate)`` (half up, like the drum
  sequencer), ``start_s`` an exact Fraction through every earlier tempo and meter change; a
  drum clip is a :class:`~groovebox.renderer.sequencer.PatternProgram` anchored there, a note
  clip's frames are counted from there at its section's tempo. So inside a section each part's
  events are exactly those of that part rendered alone, moved to the section's first sample.
- **sources**: one engine track per drum instrument of each drum part (kits in one arena, a
  bank per part) and one stereo track per tonal part and per transition track (risers...).
- **mixer**: a :class:`~groovebox.renderer.mixer.Mixer` node per part, group and send bus,
  with the parts' inserts and sidechains and the automation lanes in samples.
- **master**: the master EQ and glue compressor on the program; the loudness stage is the
  render's (see :func:`groovebox.offline.render`): one gain to the target and a true-peak
  limiter, two passes in constant memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from groovebox.errors import GrooveboxError
from groovebox.generators.song import DrumClip, NoteClip, Score, compose, part_seed
from groovebox.kits import placement
from groovebox.kits.arena import N_INSTRUMENTS, KitArena
from groovebox.model.arrangement import INSTRUMENTS as PART_INSTRUMENTS
from groovebox.model.effect import validate_effect_params
from groovebox.model.options import RenderOptions
from groovebox.model.patch import PATCH_FIELDS, PATCH_SIZE, make_patch, preset
from groovebox.model.song import EQ, Compressor, Position, Song, Strip
from groovebox.renderer.arrangement import instrument_patch
from groovebox.renderer.effects import make_effect
from groovebox.renderer.mixer import BUS, GROUP, TRACK, LaneData, Mixer, NodeSpec
from groovebox.renderer.pattern import DEFAULT_KIT
from groovebox.renderer.program import Program, RenderPlan, TrackSettings
from groovebox.renderer.sequencer import NoteProgram, PatternProgram

__all__ = ["SONG_OPTIONS", "CompiledSong", "compile_score", "plan_song", "sample_of", "song_program"]

N_VOICES = 160
MAX_TRACKS = 96
MAX_BLOCK = 16384
SONG_OPTIONS = ("sample_rate", "seconds", "bars", "tail")
FX_STRIP = Strip(gain_db=-8.0, sends={})


def sample_of(t_s: Fraction, sample_rate: int) -> int:
    """The sample where exact time ``t_s`` lands: round half up, as the drum sequencer rounds."""
    x = Fraction(t_s) * sample_rate
    return (2 * x.numerator + x.denominator) // (2 * x.denominator)


@dataclass
class CompiledSong:
    """A song's program and what the players and tests need to know about it."""

    score: Score
    program: Program
    sample_rate: int
    section_samples: list[int]  # first sample of each section, then the end
    frames: int  # the song's end (the last bar line)
    ring_s: float  # what rings on after the last bar (releases, reverb)
    track_slots: dict  # part -> {instrument or part: engine track}

    @property
    def mixer(self) -> Mixer:
        return self.program.mixer


def _patch(instrument: str, fields) -> tuple[int, np.ndarray]:
    if instrument in PART_INSTRUMENTS:
        kind, patch = instrument_patch(instrument)
    else:
        kind, patch = preset(instrument)
    if fields:
        patch = make_patch(kind, **{**dict(zip(PATCH_FIELDS, patch, strict=True)), **dict(fields)})
    return kind, patch


def _eq_inserts(eq: EQ | None, sr: int) -> list:
    if eq is None:
        return []
    out = []
    top = 0.45 * sr
    if eq.highpass_hz is not None:
        out.append(make_effect("filter", sr, mode="highpass", cutoff_hz=min(eq.highpass_hz, top), q=0.707))
    if eq.low_db or eq.mid_db or eq.high_db:
        out.append(make_effect("eq", sr, low_hz=eq.low_hz, low_db=eq.low_db, mid_hz=min(eq.mid_hz, top),
                               mid_db=eq.mid_db, mid_q=eq.mid_q, high_hz=min(eq.high_hz, top), high_db=eq.high_db))
    if eq.lowpass_hz is not None and eq.lowpass_hz < top:
        out.append(make_effect("filter", sr, mode="lowpass", cutoff_hz=eq.lowpass_hz, q=0.707))
    return out


def _strip_inserts(song: Song, strip: Strip, sr: int, key_index, where: str) -> list:
    ins = [(st, -1) for st in _eq_inserts(strip.eq, sr)]
    comp: Compressor | None = strip.compressor
    if comp is not None:
        ins.append((make_effect("compressor", sr, **comp.params()),
                    key_index(comp.sidechain, f"{where}.compressor.sidechain") if comp.sidechain else -1))
    if strip.saturation is not None:
        s = strip.saturation
        ins.append((make_effect("saturation", sr, drive_db=s.drive_db, mix=s.mix, output_db=s.output_db), -1))
    return ins


def compile_score(score: Score, sample_rate: int = 48000, max_block: int = MAX_BLOCK) -> CompiledSong:
    """Compile a composed song for the engine at ``sample_rate``."""
    song = score.song
    sr = int(sample_rate)
    clips = score.clips
    # -- engine tracks ------------------------------------------------------------------------
    tracks: list[TrackSettings] = []
    slots: dict[str, dict[str, int]] = {}
    slot_gain: dict[int, tuple[float, float]] = {}
    drum_parts = [p for p in song.parts if p.kind == "drums"]
    kits: dict[str, str] = {}
    for p in drum_parts:
        mine = [c for c in clips if isinstance(c, DrumClip) and c.part == p.name]
        slots[p.name] = {}
        kit = p.fields["kit"] or next((c.kit for c in mine if c.kit), None) \
            or next((c.pattern.kit for c in mine if c.pattern.kit), None) or DEFAULT_KIT
        kits[p.name] = kit
        pans, _ = placement(kit)  # the kit's stereo placement; the song's mixer is its room
        for c in mine:
            for t in c.pattern.tracks:
                if t.instrument not in slots[p.name]:
                    slots[p.name][t.instrument] = len(tracks)
                    pan = t.pan if t.pan is not None else pans.get(t.instrument, 0.0)
                    ts = TrackSettings(f"{p.name}.{t.instrument}", t.gain_db, pan)
                    slot_gain[len(tracks)] = ts.gains()
                    tracks.append(ts)
    tonal_names = [p.name for p in song.parts if p.kind != "drums"] + list(score.fx_tracks)
    for name in tonal_names:
        slots[name] = {name: len(tracks)}
        slot_gain[len(tracks)] = (1.0, 1.0)
        tracks.append(TrackSettings(name, stereo=True))
    if len(tracks) > MAX_TRACKS:
        raise song.error(f"{len(tracks)} engine tracks (drum instruments and parts); at most {MAX_TRACKS}", "parts")
    # -- kits -----------------------------------------------------------------------------------
    arena = KitArena(sr)
    banks = [(kits[p.name], tuple(slots[p.name])) for p in drum_parts]
    try:
        kit = arena.tables(banks, name=song.title or "song") if banks else arena.tables([], "song")
    except GrooveboxError as exc:
        p = drum_parts[0]
        raise song.error(str(exc), f"parts.{p.name}.kit") from None
    bank_of = {p.name: b for b, p in enumerate(drum_parts)}
    # -- sources --------------------------------------------------------------------------------
    sources: list = []
    for c in clips:
        if not isinstance(c, DrumClip):
            continue
        opts = RenderOptions(bpm=float(c.bpm), swing=c.swing, seed=part_seed(song.seed, c.part, c.section, c.role)
                             % 2**62, sample_rate=sr)
        t_slots = [slots[c.part][t.instrument] for t in c.pattern.tracks]
        prog = PatternProgram.build(c.pattern, opts, track_slots=t_slots, start_sample=sample_of(c.start_s, sr),
                                    end_step=c.steps)
        prog.track_voice = (prog.track_instr + bank_of[c.part] * N_INSTRUMENTS).astype(np.int32)
        sources.append(prog)
    patch_rows: dict[tuple, int] = {}
    rows: list[np.ndarray] = []
    kinds: list[int] = []
    by_track: dict[str, list] = {}
    for c in clips:
        if isinstance(c, NoteClip):
            by_track.setdefault(c.part, []).append(c)
    ring = 0.0
    for name, mine in by_track.items():
        start, dur, hz, vel, patch = [], [], [], [], []
        for c in mine:
            key = (c.instrument, tuple(sorted(dict(c.patch_fields).items())))
            if key not in patch_rows:
                kind, row = _patch(c.instrument, c.patch_fields)
                patch_rows[key] = len(rows)
                rows.append(row)
                kinds.append(kind)
                ring = max(ring, float(row[PATCH_FIELDS.index("release_s")]))
            pidx = patch_rows[key]
            anchor = sample_of(c.start_s, sr)
            fpq = Fraction(60 * sr) / c.bpm
            for n in c.notes.notes:
                s = sample_of(n.start_beats * fpq / sr, sr)
                e = sample_of(n.end_beats * fpq / sr, sr)
                start.append(anchor + s)
                dur.append(max(1, e - s))
                hz.append(440.0 * 2.0 ** ((n.pitch - 69) / 12.0))
                vel.append(n.velocity)
                patch.append(pidx)
        k = len(start)
        base = part_seed(song.seed, name, "voices") % 2**40
        sources.append(NoteProgram(np.array(start, np.int64), np.array(dur, np.int64), np.array(hz, np.float64),
                                   np.array(vel, np.float32), np.array(patch, np.int32),
                                   np.full(k, slots[name][name], np.int32),
                                   base + np.arange(k, dtype=np.int64)))
    patches = np.array(rows, np.float64) if rows else np.zeros((1, PATCH_SIZE))
    patch_kind = np.array(kinds, np.int32) if kinds else np.zeros(1, np.int32)
    # -- mixer ----------------------------------------------------------------------------------
    names = [p.name for p in song.parts] + list(score.fx_tracks)
    node_index = {n: i for i, n in enumerate(names)}
    for g in song.groups:
        node_index[g.name] = len(node_index)
    for b in song.buses:
        node_index[b.name] = len(node_index)
    keys: list = []
    key_of: dict[str, int] = {}

    def key_index(spec: str, where: str) -> int:
        if spec in key_of:
            return key_of[spec]
        part, _, inst = spec.partition(".")
        if part not in slots:
            raise song.error(f"sidechain '{spec}': part '{part}' plays nothing", where)
        chosen = {i: s for i, s in slots[part].items() if not inst or i == inst}
        if not chosen:
            raise song.error(f"sidechain '{spec}': part '{part}' has no '{inst}' (it has "
                             f"{', '.join(slots[part])})", where)
        ss = np.array(list(chosen.values()), np.int32)
        stereo = np.array([1 if tracks[s].stereo else 0 for s in ss], np.int8)
        keys.append((ss, np.ones(len(ss)), np.ones(len(ss)), stereo))
        key_of[spec] = len(keys) - 1
        return key_of[spec]

    strips = {p.name: p.strip for p in song.parts}
    fx_send = {song.buses[0].name: 0.35} if song.buses else {}
    for fx in score.fx_tracks:
        strips[fx] = Strip(gain_db=FX_STRIP.gain_db, sends=fx_send,
                           eq=EQ(highpass_hz=200.0 if fx != "fx_riser" else 120.0))
    nodes: list[NodeSpec] = []
    for name in names:
        strip = strips[name]
        ss = np.array(list(slots.get(name, {}).values()), np.int32)
        gl = np.array([slot_gain[s][0] for s in ss])
        gr = np.array([slot_gain[s][1] for s in ss])
        stereo = np.array([1 if tracks[s].stereo else 0 for s in ss], np.int8)
        where = f"parts.{name}"
        nodes.append(NodeSpec(name, TRACK, ss, gl, gr, stereo, _strip_inserts(song, strip, sr, key_index, where),
                              strip.gain_db, strip.pan, node_index[strip.group] if strip.group else -1,
                              {node_index[b]: lv for b, lv in strip.sends.items()}))
    for g in song.groups:
        s = g.strip
        nodes.append(NodeSpec(g.name, GROUP, inserts=_strip_inserts(song, s, sr, key_index, f"mixer.groups.{g.name}"),
                              gain_db=s.gain_db, pan=s.pan,
                              sends={node_index[b]: lv for b, lv in s.sends.items()}))
    for b in song.buses:
        fx = []
        for e in b.effects:
            params = e.resolved(float(song.bpm))
            if e.kind == "tape_delay":
                params.setdefault("max_time_s", min(20.0, max(2.0, params.get("time_s", 0.5))))
            try:
                validate_effect_params(e.kind, sr, **params)
            except GrooveboxError as exc:
                raise song.error(str(exc), f"mixer.buses.{b.name}") from None
            fx.append((make_effect(e.kind, sr, **params), -1))
            if e.kind == "reverb":
                ring = max(ring, float(params.get("decay_s", 6.0)))
        fx += _strip_inserts(song, b.strip, sr, key_index, f"mixer.buses.{b.name}")
        nodes.append(NodeSpec(b.name, BUS, inserts=fx, gain_db=b.strip.gain_db, pan=b.strip.pan))
    for lane in score.lanes:
        if lane.track not in node_index:
            continue
        nd = nodes[node_index[lane.track]]
        param = lane.param
        if param.startswith("send."):
            bus = node_index[param[5:]]
            nd.sends.setdefault(bus, 0.0)
            param = f"send.{bus}"
        nd.lanes[param] = LaneData.of([sample_of(t, sr) for t in lane.times_s], lane.values, lane.curves)
    mixer = Mixer(nodes, keys, sr, max_block)
    master = []
    m = song.master
    master += _eq_inserts(m.eq, sr)
    if m.compressor is not None:
        master.append(make_effect("compressor", sr, **m.compressor.params()))
    section_samples = [sample_of(st.start_s, sr) for st in score.sections] + [sample_of(score.duration_s, sr)]
    program = Program(sources, kit, tracks, meta={"song": song, "score": score, "title": song.title},
                      patches=patches, patch_kind=patch_kind, master=master, mixer=mixer)
    return CompiledSong(score, program, sr, section_samples, section_samples[-1], min(ring, 8.0) + 0.5, slots)


def song_program(song: Song, sample_rate: int = 48000, max_block: int = MAX_BLOCK) -> CompiledSong:
    """Compose and compile ``song``."""
    return compile_score(compose(song), sample_rate, max_block)


def plan_song(song: Song, options: RenderOptions | None = None) -> RenderPlan:
    """Plan a song render: the whole song and its ring-out (or ``bars``/``seconds`` of it, cut
    with a short fade), mastered to the song's loudness target unless the master says not."""
    o = options if options is not None else RenderOptions()
    o.only(SONG_OPTIONS, "a song (its tempo, kits and seed are in the song map)")
    compiled = song_program(song, o.sample_rate)
    frames = compiled.frames
    tail_frames = round(compiled.ring_s * o.sample_rate) if o.tail else 0
    if o.seconds is not None:
        frames, tail_frames = min(frames + tail_frames, round(o.seconds * o.sample_rate)), 0
    elif o.bars is not None:
        b = Fraction(o.bars).limit_denominator(64)
        whole = int(b)
        if not 1 <= whole <= song.bars or b != whole:
            raise GrooveboxError(f"bars: expected a whole number of bars 1..{song.bars} for this song, got {o.bars!r}")
        pos = song.position_s(Position(whole + 1, Fraction(1)))
        frames, tail_frames = sample_of(pos, o.sample_rate), 0
    m = song.master
    return RenderPlan(compiled.program, frames + tail_frames, False,
                      engine_options={"n_voices": N_VOICES, "max_tracks": MAX_TRACKS, "limiter": False},
                      label=song.title or "song",
                      master_stage={"target_lufs": m.loudness_lufs if m.loudness else None,
                                    "ceiling_dbtp": m.ceiling_dbtp},
                      compiled=compiled)
