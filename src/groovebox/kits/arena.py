"""Kit tables for live playback, at offsets that never move while a voice may read them.

A sounding voice keeps reading ``data[start : start + len]`` of the table it started on, so
swapping in another kit's :class:`~groovebox.kits.tables.KitTables` (a new ``data`` array with its
own offsets) would make every ringing hit read the wrong samples. The arena avoids that: one
preallocated float32 array holds one *region* per (kit, instrument) ever used, and every
``KitTables`` it hands out is built over that same array. Adding a kit copies its tables into
free space that no voice reads, so ringing voices keep their samples and simply ring out;
nothing fades, nothing is cut, and swapping kits in the audio thread is a reference swap.

Regions no kit uses any more are reclaimed once the voices that may read them have ended
(see :meth:`KitArena.retire`); when space runs out the array is regrown (old offsets kept).

Voice ids: the live player gives each of its pattern *banks* its own range of
``len(INSTRUMENTS)`` voice ids, so a queued pattern can use another kit than the one still
playing. Entry ``bank * N + i`` is instrument ``i`` of that bank's kit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from groovebox.errors import KitError
from groovebox.kits import kit_tables
from groovebox.kits.tables import KitTables
from groovebox.model.instruments import INSTRUMENT_INDEX, INSTRUMENTS

N_INSTRUMENTS = len(INSTRUMENTS)
# Mono instruments get a choke group of their own, shared by every bank, so a queued pattern's
# kick still cuts the previous pattern's ringing kick as it would within one pattern.
MONO_GROUP_BASE = 100


@dataclass
class _Region:
    offset: int
    length: int
    max_vel: list[float]  # per layer
    variants: list[list[tuple[int, int, float]]]  # per layer: (start in region, length, gain)
    rate: float
    choke: int  # choke group from the kit (0: none)
    poly: bool  # hits ring over each other
    span: int  # samples a voice on this region can sound (longest table / rate)
    retired_at: int = -1  # the change after which no kit uses it (-1: in use)
    retired_pos: int = -1  # the output frame where that change took effect (-1: not yet)


def kit_key(kit) -> object:
    """What identifies a kit's tables: its name, the Kit value, or the KitTables object."""
    if isinstance(kit, str):
        return ("name", kit)
    return kit


class KitArena:
    """One growing float32 array of kit tables (control thread only; see the module doc).

    Parameters
    ----------
    sample_rate : int
        Rate of every table in Hz.
    capacity : int
        Initial size in samples; untouched pages of the zeroed array cost no memory.
    """

    def __init__(self, sample_rate: int, capacity: int = 1 << 22):
        self.sample_rate = int(sample_rate)
        self.data = np.zeros(capacity, np.float32)
        self._free: list[tuple[int, int]] = [(0, capacity)]  # sorted (offset, length)
        self._regions: dict[tuple[object, str], _Region] = {}
        self.reclaimed = 0  # regions whose space was given back

    # -- tables ---------------------------------------------------------------------------------
    def tables(self, banks: list[tuple[object, tuple[str, ...]] | None], name: str = "live") -> KitTables:
        """KitTables over the arena: ``banks[b] = (kit, instruments)`` fills voice ids
        ``b * N_INSTRUMENTS + INSTRUMENT_INDEX[instrument]``; None leaves a bank silent."""
        n_ids = N_INSTRUMENTS * len(banks)
        layer_first = np.zeros(n_ids, np.int64)
        layer_count = np.zeros(n_ids, np.int64)
        rate = np.ones(n_ids, np.float64)
        choke = np.zeros(n_ids, np.int32)
        poly = np.zeros(n_ids, np.int8)
        max_vel, var_first, var_count, starts, lens, gains = [], [], [], [], [], []
        for b, bank in enumerate(banks):
            for i, instrument in enumerate(INSTRUMENTS):
                vid = b * N_INSTRUMENTS + i
                layer_first[vid] = len(max_vel)
                if bank is None or instrument not in bank[1]:
                    continue
                reg = self._region(bank[0], instrument)
                rate[vid] = reg.rate
                poly[vid] = reg.poly
                choke[vid] = reg.choke or (0 if reg.poly else MONO_GROUP_BASE + i)
                for bound, variants in zip(reg.max_vel, reg.variants, strict=True):
                    max_vel.append(bound)
                    var_first.append(len(starts))
                    var_count.append(len(variants))
                    for start, length, gain in variants:
                        starts.append(reg.offset + start)
                        lens.append(length)
                        gains.append(gain)
                layer_count[vid] = len(max_vel) - layer_first[vid]
        return KitTables(
            name=name, sample_rate=self.sample_rate, data=self.data,
            layer_first=layer_first, layer_count=layer_count,
            layer_max_vel=np.array(max_vel, np.float64), var_first=np.array(var_first, np.int64),
            var_count=np.array(var_count, np.int64), var_start=np.array(starts, np.int64),
            var_len=np.array(lens, np.int64), var_gain=np.array(gains, np.float32),
            rate=rate, choke=choke, poly=poly,
        )  # fmt: skip

    def prepare(self, kit, instruments: tuple[str, ...]) -> None:
        """Build the regions of ``kit``'s ``instruments`` now (synthesizing or loading them, and
        copying them into free space), without making tables: a later :meth:`tables` for them
        only looks them up."""
        for instrument in instruments:
            if instrument in INSTRUMENT_INDEX:
                self._region(kit, instrument)

    def regions_of(self, banks: list[tuple[object, tuple[str, ...]] | None]) -> set[tuple[object, str]]:
        """Region keys that ``tables(banks)`` reads."""
        return {(kit_key(b[0]), instr) for b in banks if b is not None for instr in b[1]}

    # -- lifetime -------------------------------------------------------------------------------
    def retire(self, in_use: set[tuple[object, str]], change: int) -> None:
        """Mark every region outside ``in_use`` as unused from change number ``change`` on."""
        for key, reg in self._regions.items():
            if key in in_use:
                reg.retired_at = reg.retired_pos = -1
            elif reg.retired_at < 0:
                reg.retired_at = change

    def applied(self, change: int, position: int) -> None:
        """Change number ``change`` took effect at output frame ``position``."""
        for reg in self._regions.values():
            if reg.retired_at == change:
                reg.retired_pos = position

    def reclaim(self, position: int, margin: int) -> int:
        """Give back the space of retired regions no voice can still read: those whose
        retiring change took effect more than their longest sound plus ``margin`` frames
        before output frame ``position``. Returns the number of regions freed."""
        freed = 0
        for key, reg in list(self._regions.items()):
            if reg.retired_pos >= 0 and position > reg.retired_pos + reg.span + margin:
                del self._regions[key]
                self._give_back(reg.offset, reg.length)
                freed += 1
        self.reclaimed += freed
        return freed

    @property
    def used(self) -> int:
        """Samples held by regions."""
        return sum(r.length for r in self._regions.values())

    # -- space ----------------------------------------------------------------------------------
    def _region(self, kit, instrument: str) -> _Region:
        key = (kit_key(kit), instrument)
        reg = self._regions.get(key)
        if reg is not None:
            return reg
        piece = kit_tables(kit, self.sample_rate, (instrument,))
        if piece.sample_rate != self.sample_rate:
            raise KitError(f"kit '{piece.name}' has tables at {piece.sample_rate} Hz; playback runs at "
                           f"{self.sample_rate} Hz")
        i = INSTRUMENT_INDEX[instrument]
        lf, lc = int(piece.layer_first[i]), int(piece.layer_count[i])
        used = [(int(piece.var_start[v]), int(piece.var_len[v]), float(piece.var_gain[v]))
                for k in range(lf, lf + lc)
                for v in range(piece.var_first[k], piece.var_first[k] + piece.var_count[k])]
        length = sum(n for _, n, _ in used)
        offset = self._allocate(max(length, 1))
        max_vel, variants, pos = [], [], 0
        for k in range(lf, lf + lc):
            max_vel.append(float(piece.layer_max_vel[k]))
            layer = []
            for v in range(piece.var_first[k], piece.var_first[k] + piece.var_count[k]):
                s, n = int(piece.var_start[v]), int(piece.var_len[v])
                # Free space no voice reads: writing it while the audio thread plays is safe.
                self.data[offset + pos : offset + pos + n] = piece.data[s : s + n]
                layer.append((pos, n, float(piece.var_gain[v])))
                pos += n
            variants.append(layer)
        rate = float(piece.rate[i])
        longest = max((n for _, n, _ in used), default=0)
        reg = _Region(offset, max(length, 1), max_vel, variants, rate, int(piece.choke[i]), bool(piece.poly[i]),
                      int(np.ceil(longest / max(rate, 1e-3))))
        self._regions[key] = reg
        return reg

    def _allocate(self, n: int) -> int:
        for k, (off, length) in enumerate(self._free):
            if length >= n:
                if length == n:
                    del self._free[k]
                else:
                    self._free[k] = (off + n, length - n)
                return off
        self._grow(n)
        return self._allocate(n)

    def _grow(self, n: int) -> None:
        # A new, larger array with every region at its old offset; kits built from now on use
        # it, while the engine's current kit keeps the old array alive until it is swapped out.
        old = self.data
        size = max(2 * len(old), len(old) + n)
        if size > 1 << 31:
            raise KitError("live kits need more than 8 GB of tables; stop and start playback again")
        top = max((r.offset + r.length for r in self._regions.values()), default=0)
        data = np.zeros(size, np.float32)
        data[:top] = old[:top]
        self.data = data
        self._give_back(len(old), size - len(old))

    def _give_back(self, off: int, n: int) -> None:
        free = sorted([*self._free, (off, n)])
        merged: list[tuple[int, int]] = []
        for o, m in free:
            if merged and merged[-1][0] + merged[-1][1] == o:
                merged[-1] = (merged[-1][0], merged[-1][1] + m)
            else:
                merged.append((o, m))
        self._free = merged
