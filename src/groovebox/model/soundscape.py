"""Soundscapes as values: loops, instruments, effect buses, slow evolution and drums.

A :class:`Soundscape` holds loops whose periods differ, so they overlap in ever-new ways and the
piece never repeats, plus the effect buses they send to, a master chain, slow evolution
(:class:`LFO`, :class:`Walk`) and optional drum patterns (:class:`Drums`). It is a plain
immutable value, checked when made (one line naming the soundscape, loop or field);
:func:`groovebox.renderer.soundscape.build_program` compiles it into an engine program.

>>> import groovebox as gb
>>> scape = gb.Soundscape([gb.Loop("F4", 19.7), gb.Loop("Ab4", 17.8)], name="two")
>>> scape.loop_names
('F4', 'Ab4')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from fractions import Fraction
from typing import Any

from groovebox import checks
from groovebox.errors import SoundscapeError, UnknownNameError
from groovebox.model.effect import EFFECT_PARAMS, Effect
from groovebox.model.frozen import FrozenMap
from groovebox.model.loop import UNITS, Loop, check_sends
from groovebox.model.patch import KIND_NAMES, PATCH_FIELDS, PRESETS, TEXTURES, Instrument
from groovebox.model.pattern import BPM_RANGE, Pattern

__all__ = ["LFO", "Drums", "Soundscape", "Walk"]

MAX_LOOPS = 40
MAX_BUSES = 8  # the engine's effect buses (groovebox.renderer.engine.MAX_BUSES)
# Patch fields evolution may not move: they shape a voice when it starts (number of unison
# voices, drawbar registration), so moving them under a sounding voice is meaningless.
FIXED_FIELDS = frozenset({"voices", "drawbars"})


def _number(value: Any, where: str, lo: float, hi: float, expected: str) -> float:
    return checks.number(value, where, lo, hi, expected, error=SoundscapeError)


def _exact(value: Any, where: str, what: str) -> Fraction:
    return checks.exact(value, where, what, error=SoundscapeError)


# --- evolution -------------------------------------------------------------------------------
def _evolution_fields(obj, what: str) -> None:
    where = f"{what} {obj.target}.{obj.param}"
    if not isinstance(obj.target, str) or not obj.target:
        raise SoundscapeError(f"{what}: target: expected a loop, bus or 'master' name, got {obj.target!r}")
    if not isinstance(obj.param, str) or not obj.param:
        raise SoundscapeError(f"{where}: param: expected a parameter name, got {obj.param!r}")
    object.__setattr__(obj, "depth", _number(obj.depth, f"{where}: depth", -1e4, 1e4, "a finite number"))


@dataclass(frozen=True)
class LFO:
    """A slow sine on a parameter: ``value = base + depth * sin(2 pi (t / period_s + phase))``.

    ``target`` is a loop name, a bus name or ``"master"``. Parameters: on a loop ``gain_db``,
    ``pan``, ``send:<bus>`` (dB) or a patch field (``cutoff_hz``, ``detune_cents``,
    ``brightness``, ``vowel``, ``fm_index``...); on a bus ``send`` (every send into it, dB, so
    the reverb's share of the mix) or an effect parameter (``feedback``, ``decay_s``,
    ``reverb.mix``); on ``master`` an effect parameter of the master chain. ``depth`` is in the
    parameter's unit, except frequencies (``..._hz``), which move by ``depth`` octaves.
    """

    target: str
    param: str
    depth: float
    period_s: float
    phase: float = 0.0

    def __post_init__(self) -> None:
        _evolution_fields(self, "LFO")
        where = f"LFO {self.target}.{self.param}"
        object.__setattr__(self, "period_s", _number(self.period_s, f"{where}: period_s", 0.05, 1e6, "seconds > 0"))
        object.__setattr__(self, "phase", _number(self.phase, f"{where}: phase", -1e6, 1e6, "a number of cycles"))


@dataclass(frozen=True)
class Walk:
    """A seeded random walk on a parameter: ``value = base + depth * w(t)``.

    ``w`` wanders smoothly within -1..1, changing direction about every ``step_s`` seconds
    (smooth noise of three octaves from counter hashes of the seed, so it is the same for any
    block size). Targets, parameters and units as for :class:`LFO`.
    """

    target: str
    param: str
    depth: float
    step_s: float = 30.0

    def __post_init__(self) -> None:
        _evolution_fields(self, "Walk")
        where = f"Walk {self.target}.{self.param}"
        object.__setattr__(self, "step_s", _number(self.step_s, f"{where}: step_s", 0.05, 1e6, "seconds > 0"))


# --- drums -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Drums:
    """A drum pattern playing in a soundscape (tracks of different lengths make polymeter).

    Parameters
    ----------
    pattern : Pattern
        The pattern (``gb.load("downtempo/ambient-pulse")`` or ``Pattern.from_grid``).
    kit : str, optional
        Kit name (default: the pattern's, else 808). All drum parts of a soundscape share it.
    gain_db : float
        Added to every track's own level.
    sends : mapping, optional
        Bus name -> send level in dB, for every drum track.
    start : float
        When step 0 lands, in seconds (or beats with ``unit="beats"``).
    swing, humanize_ms : float, optional
        As for pattern renders; the tempo is the soundscape's ``bpm`` (else the pattern's).
    name : str
        Prefix of the drum track names (``"drums.kick"``...).
    """

    pattern: Pattern
    kit: str | None = None
    gain_db: float = 0.0
    sends: Mapping[str, float] | None = None
    start: float = 0.0
    unit: str = "s"
    swing: float | None = None
    humanize_ms: float = 0.0
    name: str = "drums"

    def __post_init__(self) -> None:
        where = f"drums '{self.name}'"
        if not isinstance(self.pattern, Pattern):
            raise SoundscapeError(f"{where}: pattern: expected a Pattern (load one with gb.load('genre/slug')), got {type(self.pattern).__name__}")
        if self.kit is not None and not isinstance(self.kit, str):
            raise SoundscapeError(f"{where}: kit: expected a kit name, got {self.kit!r}")
        if self.unit not in UNITS:
            raise SoundscapeError(f"{where}: unit: expected 's' or 'beats', got {self.unit!r}")
        _number(self.gain_db, f"{where}: gain_db", -60.0, 12.0, "-60..12 dB")
        start = _exact(self.start, f"{where}: start", "a time >= 0")
        if start < 0:
            raise SoundscapeError(f"{where}: start: expected a time >= 0, got {self.start!r}")
        _number(self.humanize_ms, f"{where}: humanize_ms", 0.0, 50.0, "0..50 ms")
        object.__setattr__(self, "sends", check_sends(self.sends, where))


# --- soundscape ------------------------------------------------------------------------------
Evolution = LFO | Walk


@dataclass(frozen=True)
class Soundscape:
    """Loops, instruments, effect buses, a master chain, slow evolution and optional drums.

    Parameters
    ----------
    loops : sequence of Loop
    name, description : str
        Shown by ``groovebox presets`` and used as the render label.
    bpm : float, optional
        Tempo for loops in beats, tempo-synced delays and drum patterns.
    instruments : mapping, optional
        Name -> :class:`Instrument`, for loops that name an instrument.
    buses : mapping, optional
        Bus name -> an :class:`Effect` or a chain (list) of them; loops and drums send to buses
        by name, and the bus outputs join the master.
    master : sequence of Effect
        The chain on the master before the limiter.
    evolve : sequence of LFO or Walk
        Slow changes over time.
    drums : sequence of Drums
    seed : int
        Seeds every variation (skips, choices, drifts, walks); never the structure.
    length_s : float
        Default render length when none is given.
    fade_out_s : float
        The fade at the end of a render (at most a quarter of the render).
    """

    loops: Sequence[Loop] = ()
    _: KW_ONLY
    name: str = "soundscape"
    description: str = ""
    bpm: float | None = None
    instruments: Mapping[str, Instrument] | None = None
    buses: Mapping[str, Effect | Sequence[Effect]] | None = None
    master: Sequence[Effect] = ()
    evolve: Sequence[Evolution] = ()
    drums: Sequence[Drums] = ()
    seed: int = 0
    length_s: float = 300.0
    fade_out_s: float = 8.0

    def __post_init__(self) -> None:
        where = f"soundscape '{self.name}'"
        loops = (self.loops,) if isinstance(self.loops, Loop) else tuple(self.loops)
        drums = (self.drums,) if isinstance(self.drums, Drums) else tuple(self.drums)
        evolve = (self.evolve,) if isinstance(self.evolve, LFO | Walk) else tuple(self.evolve)
        master = (self.master,) if isinstance(self.master, Effect) else tuple(self.master)
        for x in loops:
            if not isinstance(x, Loop):
                raise SoundscapeError(f"{where}: loops: expected Loop values, got {type(x).__name__}")
        for x in drums:
            if not isinstance(x, Drums):
                raise SoundscapeError(f"{where}: drums: expected Drums values, got {type(x).__name__}")
        for x in evolve:
            if not isinstance(x, LFO | Walk):
                raise SoundscapeError(f"{where}: evolve: expected LFO or Walk values, got {type(x).__name__}")
        for x in master:
            if not isinstance(x, Effect):
                raise SoundscapeError(f"{where}: master: expected Effect values, got {type(x).__name__}")
        if not loops and not drums:
            raise SoundscapeError(f"{where}: no loops and no drums; expected at least one loop")
        if len(loops) > MAX_LOOPS:
            raise SoundscapeError(f"{where}: {len(loops)} loops; at most {MAX_LOOPS}")
        if self.bpm is not None:
            object.__setattr__(self, "bpm", _number(self.bpm, f"{where}: bpm", *BPM_RANGE, f"{BPM_RANGE[0]:g}..{BPM_RANGE[1]:g} bpm"))
        object.__setattr__(self, "seed", checks.seed(self.seed, f"{where}: seed", error=SoundscapeError))
        object.__setattr__(self, "length_s", _number(self.length_s, f"{where}: length_s", 0.01, 24 * 3600.0, "seconds > 0"))
        object.__setattr__(self, "fade_out_s", _number(self.fade_out_s, f"{where}: fade_out_s", 0.0, 600.0, "0..600 s"))

        # Instruments and buses.
        instruments = dict(self.instruments or {})
        for name, inst in instruments.items():
            if not isinstance(inst, Instrument):
                raise SoundscapeError(f"{where}: instrument '{name}': expected an Instrument, got {inst!r}")
        buses: dict[str, tuple[Effect, ...]] = {}
        for name, chain in (self.buses or {}).items():
            chain = (chain,) if isinstance(chain, Effect) else tuple(chain)
            if not chain or not all(isinstance(e, Effect) for e in chain):
                raise SoundscapeError(f"{where}: bus '{name}': expected an Effect or a list of Effects")
            if name == "master":
                raise SoundscapeError(f"{where}: bus 'master': the name is taken by the master chain")
            buses[name] = chain
        if len(buses) > MAX_BUSES:
            raise SoundscapeError(f"{where}: {len(buses)} buses; the engine has {MAX_BUSES}")
        for chain in [*buses.values(), master]:
            for e in chain:
                if "time_beats" in e.params and self.bpm is None:
                    raise SoundscapeError(f"{where}: tape_delay.time_beats needs the soundscape's bpm")

        # Loops: unique names, instruments that exist, sends to buses that exist.
        # Names given by the user must be unique; default names (from the notes) get -2, -3...
        explicit = [lp.name for lp in loops if lp.name != lp._default_name()]
        for name in explicit:
            if explicit.count(name) > 1:
                raise SoundscapeError(f"{where}: two loops are named '{name}'; loop names must be unique")
        seen = set(explicit)
        named: list[Loop] = []
        for lp in loops:
            if lp.name == lp._default_name():
                name, n = lp.name, 1
                while name in seen:
                    n += 1
                    name = f"{lp.name}-{n}"
                if name != lp.name:
                    lp = replace(lp, name=name)
                seen.add(name)
            inst = lp.instrument
            if isinstance(inst, str) and inst not in instruments and inst not in PRESETS and inst not in KIND_NAMES:
                raise UnknownNameError("instrument", inst, [*instruments, *PRESETS, *KIND_NAMES],
                                       hint=f"loop '{lp.name}'")
            for bus in lp.sends:
                if bus not in buses:
                    raise UnknownNameError("bus", bus, buses, hint=f"loop '{lp.name}' sends to it")
            if lp.unit == "beats" and lp.bpm is None and self.bpm is None:
                raise SoundscapeError(f"{where}: loop '{lp.name}' counts in beats but neither it nor the soundscape has a bpm")
            # (Textures ignore pitch, so a pitched event on a texture is harmless.)
            if lp.is_texture and self._kind_of(lp, instruments) not in TEXTURES:
                raise SoundscapeError(f"{where}: loop '{lp.name}': notes=None is for texture instruments (rain, wind, ocean, hiss)")
            named.append(lp)
        drum_names = set()
        kits = {d.kit or d.pattern.kit or "808" for d in drums}
        if len(kits) > 1:
            raise SoundscapeError(f"{where}: drum parts play one kit; got {', '.join(sorted(kits))}")
        for d in drums:
            if d.name in drum_names or d.name in seen:
                raise SoundscapeError(f"{where}: two parts are named '{d.name}'; names must be unique")
            drum_names.add(d.name)
            for bus in d.sends:
                if bus not in buses:
                    raise UnknownNameError("bus", bus, buses, hint=f"drums '{d.name}' send to it")
        object.__setattr__(self, "loops", tuple(named))
        object.__setattr__(self, "drums", drums)
        object.__setattr__(self, "evolve", evolve)
        object.__setattr__(self, "master", master)
        object.__setattr__(self, "instruments", FrozenMap(instruments))
        object.__setattr__(self, "buses", FrozenMap(buses))
        for ev in evolve:
            self._check_evolution(ev)

    @staticmethod
    def _kind_of(lp: Loop, instruments) -> int:
        inst = lp.instrument
        if isinstance(inst, str):
            inst = instruments[inst] if inst in instruments else Instrument(inst)
        return PRESETS[inst.preset][0] if inst.preset in PRESETS else KIND_NAMES.index(inst.preset)

    def instrument_of(self, loop: Loop) -> Instrument:
        """The loop's :class:`Instrument` with its envelope overrides applied."""
        inst = loop.instrument
        if isinstance(inst, str):
            inst = self.instruments[inst] if inst in self.instruments else Instrument(inst)
        if loop.envelope:
            inst = inst.with_fields(**dict(loop.envelope))
        return inst

    def _check_evolution(self, ev: Evolution) -> None:
        what = type(ev).__name__
        where = f"{what} {ev.target}.{ev.param}"
        loops = {lp.name: lp for lp in self.loops}
        if ev.target in loops:
            p = ev.param
            if p in ("gain_db", "pan"):
                return
            if p.startswith("send:"):
                bus = p[5:]
                if bus not in loops[ev.target].sends:
                    raise SoundscapeError(f"{where}: loop '{ev.target}' does not send to '{bus}' (its sends: {', '.join(loops[ev.target].sends) or 'none'})")
                return
            if p in PATCH_FIELDS and p not in FIXED_FIELDS:
                return
            known = ["gain_db", "pan", *(f"send:{b}" for b in loops[ev.target].sends),
                     *(f for f in PATCH_FIELDS if f not in FIXED_FIELDS)]
            raise UnknownNameError("loop parameter", p, known, hint=where)
        if ev.target in self.buses or ev.target == "master":
            chain = self.master if ev.target == "master" else self.buses[ev.target]
            if ev.param == "send" and ev.target != "master":
                return
            kind, _, param = ev.param.rpartition(".")
            candidates = [e for e in chain if (not kind or e.kind == kind) and param in EFFECT_PARAMS[e.kind]]
            if not candidates:
                known = [*(("send",) if ev.target != "master" else ()),
                         *(f"{e.kind}.{q}" for e in chain for q in EFFECT_PARAMS[e.kind])]
                raise UnknownNameError(f"parameter of '{ev.target}'", ev.param, known, hint=where)
            if param in ("mode", "ping_pong", "max_time_s"):
                raise SoundscapeError(f"{where}: '{param}' is a setting, not a number to evolve")
            return
        targets = [*loops, *self.buses, "master"]
        raise UnknownNameError("evolution target", ev.target, targets, hint=f"{what} {ev.param}")

    # -- convenience ----------------------------------------------------------------------------
    def with_seed(self, seed: int) -> Soundscape:
        """The same soundscape with another seed (same structure, other variation)."""
        return replace(self, seed=seed)

    @property
    def loop_names(self) -> tuple[str, ...]:
        return tuple(lp.name for lp in self.loops)
