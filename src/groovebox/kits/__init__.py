"""Drum kits as playable one-shot tables: synthesized kits, sample folders, Hydrogen drumkits.

:func:`kit_tables` is the front door: give it a kit name (``"808"``), a
:class:`~groovebox.model.kit.Kit`, ready :class:`~groovebox.kits.tables.KitTables` or the path
of a sample kit, and it returns the tables the engine plays. The modules behind it:

- :mod:`groovebox.kits.tables` -- the flat table layout the engine kernel reads (``pack``);
- :mod:`groovebox.kits.synth` -- drum synthesis recipes: a voice's knobs -> one-shot tables;
- :mod:`groovebox.kits.samples` -- folders of samples and Hydrogen drumkits -> tables;
- :mod:`groovebox.kits.arena` -- one growing table store for live kit changes.
"""

from __future__ import annotations

import os

from groovebox.kits.samples import is_kit_path, load_sample_kit
from groovebox.kits.synth import synth_tables
from groovebox.kits.tables import KitTables, pack
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.kit import BUILTIN_KITS, Kit, get_kit

__all__ = ["BUILTIN_KITS", "KitTables", "get_kit", "kit_tables", "pack", "placement"]


def kit_tables(kit, sample_rate: int, instruments: tuple[str, ...] | None = None) -> KitTables:
    """Tables for a kit given by name (``"808"``), a Kit value, ready KitTables, or the path of
    a sample kit (a folder of samples or a Hydrogen drumkit; see :mod:`groovebox.kits.samples`)."""
    if isinstance(kit, KitTables):
        return kit
    if isinstance(kit, (str, os.PathLike)) and not (isinstance(kit, str) and kit in BUILTIN_KITS):
        if is_kit_path(kit):
            return load_sample_kit(kit, sample_rate, instruments)
    if isinstance(kit, str):
        kit = get_kit(kit)
    return synth_tables(kit, sample_rate, instruments)


def placement(kit) -> tuple[dict[str, float], object]:
    """A kit's stereo placement (instrument -> pan) and room, without building its tables:
    from a kit name, a Kit or KitTables; sample-kit paths are centred and dry."""
    if isinstance(kit, KitTables):
        pans = {} if kit.pan is None else dict(zip(INSTRUMENTS, map(float, kit.pan), strict=True))
        return pans, kit.room
    if isinstance(kit, str) and kit in BUILTIN_KITS:
        kit = BUILTIN_KITS[kit]
    if isinstance(kit, Kit):
        return {name: voice.pan for name, voice in kit.voices.items()}, kit.room
    return {}, None
