"""The item plan: every item of a data set, decided up front from the spec and its seed.

Item ``i``'s parameters (pattern, kit and kit variant, tempo, swing, humanize, bars, gain, pans,
room send, render seed, split) are a pure function of the spec and ``(seed, i)``: each draw comes
from a generator seeded with ``[seed, i]`` (numpy's PCG64 through SeedSequence, the same on
every platform and version), so planning item 9,999 needs neither items 0..9,998 nor any
worker, and a data set rendered on one worker or a hundred gets the same items.

Splits are made by *pattern*: the selected patterns are shuffled by the seed and cut by the
split ratios, and every item of a pattern (mutated variations included) lands in its pattern's
split, so no groove leaks from train into test.

>>> from groovebox.batch.spec import parse_spec
>>> spec = parse_spec('seed = 1\\nitems = 3\\nbpm = [90, 100]\\n[patterns]\\nids = ["funk/*"]\\n')
>>> items = plan_items(spec)
>>> [i.id for i in items], plan_items(spec)[2] == items[2]
(['00000', '00001', '00002'], True)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from groovebox.batch.spec import SPLITS, DatasetSpec, KitSpec, SpecError
from groovebox.kits.samples import load_sample_kit
from groovebox.model.instruments import INSTRUMENT_INDEX, INSTRUMENTS
from groovebox.model.kit import DECAY_MAX, TUNE_RANGE_SEMITONES, get_kit
from groovebox.model.pattern import BPM_RANGE, Pattern, Step

__all__ = ["ItemPlan", "KitChoice", "kit_instruments", "plan_item", "plan_items"]

# Independent streams of the seed: each kind of draw has its own, so adding one never moves another.
_ORDER, _SPLIT, _KIT = 0x6F72, 0x7370, 0x6B74


@dataclass(frozen=True)
class KitChoice:
    """The kit an item plays: a kit of the spec, one of its jittered variants.

    ``tune`` and ``decay`` hold (instrument, value) pairs for the item's instruments: semitones
    added to the voice's tuning, and a multiplier of its decay.
    """

    ref: str
    label: str
    variant: int
    tune: tuple[tuple[str, float], ...] = ()
    decay: tuple[tuple[str, float], ...] = ()

    @property
    def is_sample_kit(self) -> bool:
        return KitSpec(self.ref, self.label).is_sample_kit


@dataclass(frozen=True)
class ItemPlan:
    """Everything needed to render one item, with nothing left to chance."""

    index: int
    id: str
    split: str
    source: str  # the library pattern (or file) the item comes from
    pattern: Pattern  # the pattern played: the source, or a mutated variation of it
    mutated: bool
    kit: KitChoice
    bars: int
    bpm: float
    swing: float
    seed: int  # render seed: probability steps and humanize
    humanize_ms: float
    humanize_velocity: float
    gain_db: float
    pan: tuple[tuple[str, float], ...]  # instrument -> pan offset (augmentation), -1..1
    room: float  # send level to the room reverb (0: dry)
    sample_rate: int
    format: str
    sample_format: str
    outputs: tuple[str, ...]  # of "mix", "stems", "labels", "midi"

    @property
    def folder(self) -> str:
        """Where the item's files go, relative to the data set folder."""
        return f"{self.split}/{self.id}"

    def params(self) -> dict:
        """The item's parameters as plain JSON values (the manifest's ``params``)."""
        return {
            "pattern": self.source,
            "mutated": self.mutated,
            "kit": self.kit.label,
            "kit_variant": self.kit.variant,
            "tune": dict(self.kit.tune),
            "decay": dict(self.kit.decay),
            "bars": self.bars,
            "bpm": self.bpm,
            "swing": self.swing,
            "seed": self.seed,
            "humanize_ms": self.humanize_ms,
            "humanize_velocity": self.humanize_velocity,
            "gain_db": self.gain_db,
            "pan_offset": dict(self.pan),
            "room": self.room,
            "sample_rate": self.sample_rate,
            "grid": {t.instrument: t.grid for t in self.pattern.tracks} if self.mutated else None,
        }


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(k) for k in key]))


def _uniform(rng: np.random.Generator, lo_hi: tuple[float, float], digits: int) -> float:
    lo, hi = lo_hi
    return round(float(lo + (hi - lo) * rng.random()), digits) if hi > lo else float(lo)


@lru_cache(maxsize=16)
def _sample_kit_instruments(ref: str, sample_rate: int) -> frozenset[str]:
    tables = load_sample_kit(ref, sample_rate)
    return frozenset(i for i, n in zip(INSTRUMENTS, tables.layer_count, strict=True) if n > 0)


def kit_instruments(kit: KitSpec, sample_rate: int) -> frozenset[str]:
    """The instruments ``kit`` has a sound for (every one, for a synthesized kit)."""
    if kit.is_sample_kit:
        return _sample_kit_instruments(kit.ref, sample_rate)
    return frozenset(INSTRUMENTS)


class _Planner:
    """What every item shares: the pattern order, the splits and which kits fit which pattern."""

    def __init__(self, spec: DatasetSpec):
        self.spec = spec
        patterns = spec.patterns
        self.order = [patterns[k] for k in _rng(spec.seed, _ORDER).permutation(len(patterns))]
        self.split_of = _split_patterns(spec)
        covers = [kit_instruments(k, spec.sample_rate) for k in spec.kits]
        self.kits_for: dict[str, list[int]] = {}
        for p in patterns:
            fits = [k for k, kit in enumerate(spec.kits) if kit.weight > 0 and set(p.instruments) <= covers[k]]
            if not fits:
                missing = sorted(set(p.instruments) - max(covers, key=lambda c: len(set(p.instruments) & c)))
                raise SpecError(f"{_where(spec)}: pattern '{p.id}' plays {', '.join(missing)}, which no kit of the "
                                "spec has a sound for; add a kit or exclude the pattern")
            self.kits_for[p.id] = fits
        self.width = max(5, len(str(spec.n_items - 1)))
        self.outputs = tuple(o for o in ("mix", "stems", "labels", "midi") if getattr(spec, o))

    def item(self, i: int) -> ItemPlan:
        spec = self.spec
        if not 0 <= i < spec.n_items:
            raise IndexError(f"item {i} is outside 0..{spec.n_items - 1}")
        source = self.order[i % len(self.order)]
        rng = _rng(spec.seed, i)
        # Fixed draw order; a new kind of draw goes at the end.
        fits = self.kits_for[source.id]
        weights = np.array([spec.kits[k].weight for k in fits], np.float64)
        pick = int(np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(), side="right"))
        k = fits[min(pick, len(fits) - 1)]
        kit_spec = spec.kits[k]
        variant = int(rng.integers(kit_spec.variants))
        bars = int(rng.integers(spec.bars[0], spec.bars[1] + 1))
        if spec.bpm is not None:
            bpm = _uniform(rng, spec.bpm, 2)
        elif spec.tempo_scale is not None:
            bpm = min(max(round(source.bpm * _uniform(rng, spec.tempo_scale, 4), 2), BPM_RANGE[0]), BPM_RANGE[1])
        else:
            bpm = float(source.bpm)
        swing = _uniform(rng, spec.swing, 1) if spec.swing is not None else float(source.swing)
        seed = int(rng.integers(0, 2**31))
        humanize_ms = _uniform(rng, spec.humanize_ms, 2)
        humanize_velocity = _uniform(rng, spec.humanize_velocity, 3)
        gain_db = _uniform(rng, spec.gain_db, 2)
        room = _uniform(rng, spec.room, 3)
        # Offsets from where the pattern (or else the kit) places each instrument.
        pan = tuple((t.instrument, round(spec.pan * (2.0 * rng.random() - 1.0), 3)) for t in source.tracks) \
            if spec.pan > 0 else ()
        pattern, mutated = source, False
        if spec.mutate > 0:
            pattern = _mutate(source, spec.mutate, rng)
            mutated = pattern != source
        return ItemPlan(
            index=i, id=f"{i:0{self.width}d}", split=self.split_of[source.id], source=source.id,
            pattern=pattern, mutated=mutated, kit=_kit_choice(spec, k, variant, pattern.instruments),
            bars=bars, bpm=bpm, swing=swing, seed=seed, humanize_ms=humanize_ms,
            humanize_velocity=humanize_velocity, gain_db=gain_db, pan=pan, room=room,
            sample_rate=spec.sample_rate, format=spec.format, sample_format=spec.sample_format,
            outputs=self.outputs,
        )  # fmt: skip


def _where(spec: DatasetSpec) -> str:
    return spec.path.rsplit("/", 1)[-1] if spec.path else "spec"


def _kit_choice(spec: DatasetSpec, k: int, variant: int, instruments: tuple[str, ...]) -> KitChoice:
    """Variant ``variant`` of kit ``k``: per instrument, a tune and a decay drawn from the kit's
    own stream, so every item that plays this variant hears the same voices."""
    kit = spec.kits[k]
    tune, decay = [], []
    base = None if kit.is_sample_kit else get_kit(kit.ref)
    for name in sorted(instruments, key=INSTRUMENT_INDEX.__getitem__):
        rng = _rng(spec.seed, _KIT, k, variant, INSTRUMENT_INDEX[name])
        t = _uniform(rng, kit.tune, 3)
        # Decay multipliers are drawn evenly in log scale: 0.5..2 is as likely short as long.
        lo, hi = math.log(kit.decay[0]), math.log(kit.decay[1])
        d = round(math.exp(lo + (hi - lo) * rng.random()), 4) if hi > lo else kit.decay[0]
        if base is not None:  # keep the jittered voice inside the kit model's bounds
            v = base.voices[name]
            t = min(max(t, TUNE_RANGE_SEMITONES[0] - v.tune_semitones), TUNE_RANGE_SEMITONES[1] - v.tune_semitones)
            d = min(d, DECAY_MAX / v.decay)
        if t != 0.0:
            tune.append((name, t))
        if d != 1.0:
            decay.append((name, d))
    return KitChoice(kit.ref, kit.label, variant, tuple(tune), tuple(decay))


def _mutate(pattern: Pattern, chance: float, rng: np.random.Generator) -> Pattern:
    """A variation of ``pattern``: each step changes with probability ``chance`` (a hit is
    dropped or changes between ghost, hit and accent; a rest becomes a ghost note or a hit).
    A variation with no hit left is the pattern itself."""
    tracks = []
    for t in pattern.tracks:
        steps = []
        for s in t.steps:
            if rng.random() >= chance:
                steps.append(s)
                continue
            roll = rng.random()
            if s.is_hit:
                hit = "." if roll < 0.5 else ("o" if roll < 0.7 else ("x" if roll < 0.85 else "X"))
                steps.append(dataclasses.replace(s, hit=hit) if hit != "." else Step())
            else:
                steps.append(Step(hit="o" if roll < 0.6 else "x"))
        tracks.append(dataclasses.replace(t, steps=tuple(steps)))
    if not any(s.is_hit for t in tracks for s in t.steps):
        return pattern
    return pattern.replace(tracks=tuple(tracks))


def _split_patterns(spec: DatasetSpec) -> dict[str, str]:
    """Pattern id -> split: the patterns shuffled by the seed and cut by the ratios (largest
    remainders; a split with a ratio above 0 gets at least one pattern when there are enough)."""
    ids = [p.id for p in spec.patterns]
    n = len(ids)
    ratios = spec.splits
    counts = [math.floor(r * n) for r in ratios]
    rest = sorted(range(3), key=lambda s: ratios[s] * n - counts[s], reverse=True)
    for s in rest[: n - sum(counts)]:
        counts[s] += 1
    for s in range(3):  # a wanted split left empty takes one from the biggest
        if ratios[s] > 0 and counts[s] == 0 and n >= sum(r > 0 for r in ratios):
            big = max(range(3), key=counts.__getitem__)
            counts[big] -= 1
            counts[s] += 1
    order = [ids[k] for k in _rng(spec.seed, _SPLIT).permutation(n)]
    out, pos = {}, 0
    for s, c in zip(SPLITS, counts, strict=True):
        for pid in order[pos : pos + c]:
            out[pid] = s
        pos += c
    return out


def plan_items(spec: DatasetSpec) -> list[ItemPlan]:
    """Every item of the data set, in order."""
    planner = _Planner(spec)
    return [planner.item(i) for i in range(spec.n_items)]


def plan_item(spec: DatasetSpec, index: int) -> ItemPlan:
    """Item ``index`` alone (the same value :func:`plan_items` gives at that position)."""
    return _Planner(spec).item(index)
