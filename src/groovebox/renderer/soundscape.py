"""Soundscape -> engine Program, and how a soundscape renders.

:func:`build_program` compiles a :class:`~groovebox.model.loop.Soundscape` into a plain
:class:`~groovebox.renderer.engine.Program`: one stereo mixer track per loop (its gain, pan and sends),
one mono track per drum instrument, the loops' patch rows (several per loop when its tone
colour drifts), the effect buses and the master chain as effect states, a
:class:`~groovebox.renderer.loops.LoopSource` and the drum patterns as event sources, and one control
object for the slow evolution. Anything that plays a Program (``gb.render``, the real-time
player) plays a soundscape.

Evolution runs at control ticks every :func:`control_frames` frames of the mix timeline (85 ms
at 48 kHz; the engine splits blocks there, so the result is the same for any block size). A tick
computes every LFO and walk for the middle of its control period in one kernel call and writes:
track fader targets (the engine glides them), send levels, patch fields (read by new notes; a
pad also follows its cutoff, detune and vibrato while it sounds), and effect parameters through
:func:`~groovebox.renderer.effects.update_effect`. Values are functions of the tick's time only, so
nothing accumulates.

:func:`plan_soundscape` plans a render (``gb.render(scape, minutes=60, path=...)``):
it keeps what was rendered on Ctrl-C (``keep_partial``) and ends with a musical fade-out.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from groovebox import checks
from groovebox.dsp.rng import hash_unit
from groovebox.errors import SoundscapeError
from groovebox.kits import kit_tables, placement
from groovebox.kits.tables import pack
from groovebox.model.effect import EFFECT_PARAMS
from groovebox.model.options import RenderOptions
from groovebox.model.patch import PATCH_FIELDS, PATCH_RANGES, PATCH_SIZE
from groovebox.model.soundscape import LFO, Soundscape
from groovebox.renderer.effects import make_effect, update_effect
from groovebox.renderer.loops import LoopSource
from groovebox.renderer.program import Program, RenderPlan, TrackSettings
from groovebox.renderer.sequencer import PatternProgram

TIMBRE_ROWS = 5  # patch rows per loop whose tone colour drifts
N_VOICES = 96  # a soundscape's voice pool: long releases and reverb-length notes overlap

# Target kinds of the evolution kernel.
_T_GAIN, _T_PAN, _T_SEND, _T_PATCH, _T_EFFECT = 0, 1, 2, 3, 4
_WALK_FREQ = (1.0, 2.13, 4.37)
_WALK_WEIGHT = (0.6, 0.3, 0.1)


def control_frames(sample_rate: int) -> int:
    """Frames between evolution ticks: a multiple of 512 near 85 ms."""
    return 512 * max(1, round(sample_rate / 6000))


# --- timbre rows ---------------------------------------------------------------------------
def _timbre_rows(patch: np.ndarray, drift: float) -> np.ndarray:
    """Patch rows spread around ``patch`` in brightness, cutoff, FM index, vowel and strike
    position, from -drift to +drift."""
    if drift <= 0.0:
        return patch[None, :].copy()
    rows = np.repeat(patch[None, :], TIMBRE_ROWS, axis=0)
    f = PATCH_FIELDS.index
    lim = PATCH_RANGES
    for r in range(TIMBRE_ROWS):
        x = (2.0 * r / (TIMBRE_ROWS - 1) - 1.0) * drift
        row = rows[r]
        row[f("brightness")] = np.clip(row[f("brightness")] + 0.3 * x, 0.0, 1.0)
        row[f("cutoff_hz")] = np.clip(row[f("cutoff_hz")] * 2.0 ** (0.8 * x), 20.0, 20000.0)
        row[f("fm_index")] = np.clip(row[f("fm_index")] * (1.0 + 0.5 * x), 0.0, lim["fm_index"][1])
        row[f("vowel")] = np.clip(row[f("vowel")] + x, 0.0, 4.0)
        row[f("position")] = np.clip(row[f("position")] + 0.08 * x, 0.01, 0.5)
    return rows


# --- evolution -----------------------------------------------------------------------------
@njit(cache=True)
def _walk(seed, idx, x):
    """Three octaves of smooth value noise in -1..1."""
    total = 0.0
    for o in range(3):
        y = x * _WALK_FREQ[o] + 17.31 * o
        i = math.floor(y)
        f = y - i
        s = f * f * (3.0 - 2.0 * f)
        ik = np.int64(i) + 1_000_000
        a = hash_unit(seed, idx, ik, o) * 2.0 - 1.0
        b = hash_unit(seed, idx, ik + 1, o) * 2.0 - 1.0
        total += _WALK_WEIGHT[o] * (a + (b - a) * s)
    return total


@njit(cache=True)
def _evolve(
    t, seed, e_walk, e_rate, e_phase, e_depth, op_target, op_evo,
    t_kind, t_a, t_b, t_base, t_lo, t_hi, t_log, t_partner, offset, value,
    track_f, track_mute, track_send, patches,
):  # fmt: skip
    """Compute every target's value at time ``t`` (s) and write tracks, sends and patches;
    effect targets are left in ``value`` for the caller."""
    for i in range(offset.shape[0]):
        offset[i] = 0.0
    for j in range(op_target.shape[0]):
        e = op_evo[j]
        if e_walk[e]:
            u = _walk(seed, e, t * e_rate[e])
        else:
            u = math.sin(2.0 * math.pi * (t * e_rate[e] + e_phase[e]))
        offset[op_target[j]] += e_depth[e] * u
    for i in range(offset.shape[0]):
        v = t_base[i] * 2.0 ** offset[i] if t_log[i] else t_base[i] + offset[i]
        value[i] = min(max(v, t_lo[i]), t_hi[i])
    for i in range(offset.shape[0]):
        k = t_kind[i]
        if k == 0:  # fader: gain (dB) here, pan at the partner target
            tr = t_a[i]
            g = 10.0 ** (value[i] / 20.0)
            pan = value[t_partner[i]]
            angle = (pan + 1.0) * math.pi / 4.0
            if track_mute[tr] != 0:
                g = 0.0
            track_f[tr, 0] = g * math.cos(angle) * math.sqrt(2.0)
            track_f[tr, 1] = g * math.sin(angle) * math.sqrt(2.0)
        elif k == 2:
            track_send[t_a[i], t_b[i]] = 10.0 ** (value[i] / 20.0)
        elif k == 3:
            patches[t_a[i], t_b[i]] = value[i]


class Evolution:
    """The control object of a soundscape program: every tick, LFOs and walks -> parameters."""

    def __init__(self, sample_rate: int, seed: int):
        self.sample_rate = sample_rate
        self.control_frames = control_frames(sample_rate)
        self.seed = seed
        self._evos: list[tuple[bool, float, float, float]] = []  # walk, rate, phase, depth
        self._targets: list[list] = []  # kind, a, b, base, lo, hi, log, partner
        self._keys: dict[tuple, int] = {}
        self._ops: list[tuple[int, int]] = []
        self._effects: list[tuple[int, np.ndarray, str]] = []  # target, effect state, parameter

    # Building ---------------------------------------------------------------------------------
    def add_evolution(self, ev) -> int:
        walk = not isinstance(ev, LFO)
        rate = 1.0 / (ev.step_s if walk else ev.period_s)
        self._evos.append((walk, rate, 0.0 if walk else ev.phase, float(ev.depth)))
        return len(self._evos) - 1

    def target(self, key: tuple, kind: int, a: int, b: int, base: float, lo: float, hi: float,
               log: bool = False) -> int:
        if key not in self._keys:
            self._keys[key] = len(self._targets)
            self._targets.append([kind, a, b, base, lo, hi, log, -1])
        return self._keys[key]

    def fader(self, track: int, gain_db: float, pan: float) -> tuple[int, int]:
        g = self.target(("gain", track), _T_GAIN, track, 0, gain_db, -120.0, 24.0)
        p = self.target(("pan", track), _T_PAN, track, 0, pan, -1.0, 1.0)
        self._targets[g][7] = p
        return g, p

    def link(self, target: int, evo: int) -> None:
        self._ops.append((target, evo))

    def effect(self, target: int, state: np.ndarray, param: str) -> None:
        self._effects.append((target, state, param))

    def freeze(self) -> None:
        ev = self._evos or [(False, 0.0, 0.0, 0.0)]
        self.e_walk = np.array([e[0] for e in ev], np.int8)
        self.e_rate = np.array([e[1] for e in ev], np.float64)
        self.e_phase = np.array([e[2] for e in ev], np.float64)
        self.e_depth = np.array([e[3] for e in ev], np.float64)
        ops = self._ops
        self.op_target = np.array([o[0] for o in ops], np.int64)
        self.op_evo = np.array([o[1] for o in ops], np.int64)
        tg = self._targets
        self.t_kind = np.array([t[0] for t in tg], np.int64)
        self.t_a = np.array([t[1] for t in tg], np.int64)
        self.t_b = np.array([t[2] for t in tg], np.int64)
        self.t_base = np.array([t[3] for t in tg], np.float64)
        self.t_lo = np.array([t[4] for t in tg], np.float64)
        self.t_hi = np.array([t[5] for t in tg], np.float64)
        self.t_log = np.array([t[6] for t in tg], np.int8)
        self.t_partner = np.array([t[7] for t in tg], np.int64)
        self.offset = np.zeros(len(tg))
        self.value = np.zeros(len(tg))
        self._applied = [None] * len(self._effects)

    def values_at(self, frame: int, tracks: int, patches: np.ndarray) -> np.ndarray:
        """Every target's value at ``frame`` without an engine (for the initial mix)."""
        track_f = np.zeros((max(tracks, 1), 4))
        send = np.zeros((max(tracks, 1), 8))
        mute = np.zeros(max(tracks, 1), np.int8)
        self._run(frame, track_f, mute, send, patches.copy())
        return self.value.copy()

    # Running ------------------------------------------------------------------------------------
    def _run(self, frame, track_f, track_mute, track_send, patches) -> None:
        # A value holds for one control period: take it at the period's middle, so the held
        # steps are centred on the curve instead of lagging half a period behind.
        _evolve(
            (frame + 0.5 * self.control_frames) / self.sample_rate, self.seed, self.e_walk, self.e_rate, self.e_phase,
            self.e_depth, self.op_target, self.op_evo, self.t_kind, self.t_a, self.t_b,
            self.t_base, self.t_lo, self.t_hi, self.t_log, self.t_partner, self.offset,
            self.value, track_f, track_mute, track_send, patches,
        )  # fmt: skip

    def control(self, engine, frame: int) -> None:
        """Called by the engine at every control tick (absolute frame ``frame``)."""
        prog = engine.program
        self._run(frame, engine.track_f, engine.track_mute, engine.track_send, prog.patches)
        for i, (target, state, param) in enumerate(self._effects):
            v = float(self.value[target])
            last = self._applied[i]
            # Skip changes too small to hear (each update recomputes coefficients).
            if last is None or abs(v - last) > 1e-3 * max(abs(last), 1e-3):
                update_effect(state, **{param: v})
                self._applied[i] = v


# --- compiling -----------------------------------------------------------------------------
def _db(level_db: float) -> float:
    return 10.0 ** (level_db / 20.0)


def build_program(scape: Soundscape, sample_rate: int = 48000, *, seed: int | None = None) -> Program:
    """Compile ``scape`` into an engine Program at ``sample_rate`` (seed: the scape's unless
    given).

    Returns
    -------
    Program
        Tracks: one stereo track per loop (named as the loop), then one mono track per drum
        instrument (``"<drums name>.<instrument>"``); ``meta["soundscape"]`` is the scape.
    """
    sr = checks.sample_rate(sample_rate)
    seed = scape.seed if seed is None else checks.seed(seed, error=SoundscapeError)
    bus_names = list(scape.buses)
    bus_index = {b: i for i, b in enumerate(bus_names)}

    # Patches: one row per loop, or TIMBRE_ROWS when its tone colour drifts.
    rows: list[np.ndarray] = []
    kinds: list[int] = []
    patch_first, patch_count = [], []
    for lp in scape.loops:
        kind, patch = scape.instrument_of(lp).patch()
        block = _timbre_rows(patch, lp.timbre_drift)
        patch_first.append(len(rows))
        patch_count.append(len(block))
        rows.extend(block)
        kinds.extend([kind] * len(block))
    patches = np.array(rows, np.float64) if rows else np.zeros((1, PATCH_SIZE))
    patch_kind = np.array(kinds or [0], np.int32)

    def sends_of(sends) -> tuple[float, ...]:
        levels = [0.0] * len(bus_names)
        for bus, db in sends.items():
            levels[bus_index[bus]] = _db(db)
        return tuple(levels)

    tracks = [TrackSettings(lp.name, lp.gain_db, lp.pan, stereo=True, sends=sends_of(lp.sends))
              for lp in scape.loops]
    sources: list = []
    if scape.loops:
        sources.append(LoopSource.build(
            scape.loops, sample_rate=sr, seed=int(seed), bpm=scape.bpm,
            tracks=range(len(scape.loops)), patch_first=patch_first, patch_count=patch_count,
        ))  # fmt: skip

    # Drums: one mono track per pattern track, one kit for all.
    kit = pack("none", sr, {})
    if scape.drums:
        instruments: list[str] = []
        # The kit's stereo placement, not its room: a soundscape's own buses are its space.
        pans, _ = placement(scape.drums[0].kit or scape.drums[0].pattern.kit or "808")
        for d in scape.drums:
            bpm = scape.bpm if scape.bpm is not None else d.pattern.bpm
            start_s = float(d.start) * (60.0 / bpm if d.unit == "beats" else 1.0)
            slots = list(range(len(tracks), len(tracks) + len(d.pattern.tracks)))
            for t in d.pattern.tracks:
                pan = t.pan if t.pan is not None else pans.get(t.instrument, 0.0)
                tracks.append(TrackSettings(f"{d.name}.{t.instrument}", t.gain_db + d.gain_db, pan,
                                            sends=sends_of(d.sends)))
                if t.instrument not in instruments:
                    instruments.append(t.instrument)
            drum_options = RenderOptions(bpm=bpm, swing=d.swing, seed=int(seed), humanize_ms=d.humanize_ms,
                                         sample_rate=sr)
            sources.append(PatternProgram.build(d.pattern, drum_options, track_slots=slots,
                                                start_sample=round(start_s * sr)))
        first = scape.drums[0]
        kit = kit_tables(first.kit or first.pattern.kit or "808", sr, tuple(instruments))

    buses = [[make_effect(e.kind, sr, **e.resolved(scape.bpm)) for e in scape.buses[b]] for b in bus_names]
    master = [make_effect(e.kind, sr, **e.resolved(scape.bpm)) for e in scape.master]

    controls = []
    if scape.evolve:
        evo = _build_evolution(scape, sr, int(seed), tracks, patches, patch_first, patch_count, buses, master)
        # Start the faders and sends where the evolution has them at t = 0 (no glide at the start).
        value = evo.values_at(0, len(tracks), patches)
        for i, tg in enumerate(evo._targets):
            kind, a, b = tg[0], tg[1], tg[2]
            if kind == _T_GAIN:
                tracks[a].gain_db = float(value[i])
            elif kind == _T_PAN:
                tracks[a].pan = float(value[i])
            elif kind == _T_SEND:
                s = list(tracks[a].sends)
                s[b] = _db(float(value[i]))
                tracks[a].sends = tuple(s)
        controls.append(evo)

    return Program(
        sources=sources, kit=kit, tracks=tracks, meta={"soundscape": scape, "seed": int(seed)},
        patches=patches, patch_kind=patch_kind, buses=buses, master=master, controls=controls,
        control_frames=control_frames(sr),
    )  # fmt: skip


def _build_evolution(scape, sr, seed, tracks, patches, patch_first, patch_count, buses, master) -> Evolution:
    evo = Evolution(sr, seed)
    loop_index = {lp.name: i for i, lp in enumerate(scape.loops)}
    bus_names = list(scape.buses)
    for ev in scape.evolve:
        param = ev.param
        if ev.target in loop_index:
            i = loop_index[ev.target]
            lp = scape.loops[i]
            if param in ("gain_db", "pan"):
                g, p = evo.fader(i, lp.gain_db, lp.pan)
                evo.link(g if param == "gain_db" else p, evo.add_evolution(ev))
            elif param.startswith("send:"):
                b = bus_names.index(param[5:])
                t = evo.target(("send", i, b), _T_SEND, i, b, lp.sends[param[5:]], -120.0, 12.0)
                evo.link(t, evo.add_evolution(ev))
            else:
                f = PATCH_FIELDS.index(param)
                lo, hi, _ = PATCH_RANGES[param]
                log = param.endswith("_hz")
                e = evo.add_evolution(ev)
                for r in range(patch_first[i], patch_first[i] + patch_count[i]):
                    t = evo.target(("patch", r, f), _T_PATCH, r, f, float(patches[r, f]), lo, hi, log)
                    evo.link(t, e)
            continue
        if ev.target != "master" and param == "send":
            b = bus_names.index(ev.target)
            e = evo.add_evolution(ev)
            for i, tr in enumerate(tracks):
                if len(tr.sends) > b and tr.sends[b] > 0.0:
                    base = 20.0 * math.log10(tr.sends[b])
                    t = evo.target(("send", i, b), _T_SEND, i, b, base, -120.0, 12.0)
                    evo.link(t, e)
            continue
        chain = master if ev.target == "master" else buses[bus_names.index(ev.target)]
        effects = scape.master if ev.target == "master" else scape.buses[ev.target]
        kind, _, name = param.rpartition(".")
        for spec, state in zip(effects, chain, strict=True):
            if (not kind or spec.kind == kind) and name in EFFECT_PARAMS[spec.kind]:
                default, lo, hi, _ = EFFECT_PARAMS[spec.kind][name]
                base = spec.resolved(scape.bpm).get(name, default)
                if base is None:
                    raise SoundscapeError(f"{type(ev).__name__} {ev.target}.{param}: the parameter is off (None); give it a value to evolve it")
                log = name.endswith("_hz")
                if name == "time_s" and spec.kind == "tape_delay":
                    raise SoundscapeError(f"{type(ev).__name__} {ev.target}.{param}: a moving delay time jumps; evolve feedback or mix instead")
                t = evo.target(("effect", id(state), name), _T_EFFECT, 0, 0, float(base), lo, hi, log)
                evo.link(t, evo.add_evolution(ev))
                if all(x[0] != t for x in evo._effects):
                    evo.effect(t, state, name)
                break
    evo.freeze()
    return evo


# --- rendering -------------------------------------------------------------------------------
SOUNDSCAPE_OPTIONS = ("bars", "seconds", "seed", "fade_s")


def plan_soundscape(scape: Soundscape, options: RenderOptions | None = None) -> RenderPlan:
    """Plan a soundscape render: ``options.seconds`` (default: the scape's ``length_s``; ``bars``
    need the scape's tempo), ending in a fade of ``options.fade_s`` (default the scape's
    ``fade_out_s``, at most a quarter of the render).

    Long renders keep what they rendered when interrupted (Ctrl-C, SIGTERM): a valid, shorter
    file.
    """
    o = options if options is not None else RenderOptions()
    o.only(SOUNDSCAPE_OPTIONS, f"a soundscape ('{scape.name}')")
    seconds = o.seconds
    if o.bars is not None:
        if scape.bpm is None:
            raise SoundscapeError(f"soundscape '{scape.name}' has no tempo; give seconds or minutes, not bars")
        seconds = o.bars * 4 * 60.0 / scape.bpm
    if seconds is None:
        seconds = scape.length_s
    sample_rate = o.sample_rate
    program = build_program(scape, sample_rate, seed=o.seed)
    frames = max(1, round(seconds * sample_rate))
    fade = scape.fade_out_s if o.fade_s is None else o.fade_s
    fade_frames = min(round(fade * sample_rate), frames // 4)
    program.events_end = frames
    return RenderPlan(program, frames, tail=False, keep_partial=True,
                      engine_options={"n_voices": N_VOICES}, label=scape.name, fade_frames=fade_frames)
