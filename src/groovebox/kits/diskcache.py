"""Synthesized drum tables kept on disk, next to Numba's kernel cache.

A synthesized hit is a pure function of its voice's settings, the sample rate and the synthesis
code. So the tables of each (voice, instrument, sample rate) are written to disk the first time
they are built, and a later drum render reads a few hundred kilobytes instead of loading and
running the synthesis kernels (a quarter of a second for a pattern with hats). The key hashes
the voice, the instrument, the rate, the velocity layers, and the source of every module that
shapes the sound (:func:`sound_modules`) plus the NumPy and Numba versions, so an edit never
serves old tables.

Where: ``$NUMBA_CACHE_DIR/groovebox-tables`` when that is set (a fresh Numba cache is a fresh
table cache too), else ``__pycache__/tables`` in this package like Numba's own cache, else
(a read-only install) ``~/.cache/groovebox/tables``. ``make clean-cache`` empties it. Any error
reading or writing the cache only means building the tables again.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from functools import cache
from pathlib import Path

import numba
import numpy as np

__all__ = ["cache_dir", "exists", "key", "load", "save", "sound_modules"]

_PACKAGE = Path(__file__).resolve().parent.parent  # src/groovebox
# Where the code that decides how a synthesized hit sounds starts; the modules they take names
# from (kernels, constants' owners) are followed, so an edit to any of them is a new key, and an
# edit elsewhere (a reverb, a tonal voice) keeps the tables.
_SOUND_ROOTS = ("groovebox.kits.synth", "groovebox.kits.tables", "groovebox.dsp.drums", "groovebox.model.kit",
                "groovebox.model.instruments")


def cache_dir() -> Path | None:
    """The folder for table files (created on demand), or None when none is writable."""
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    candidates = [Path(numba_dir) / "groovebox-tables"] if numba_dir else [
        _PACKAGE / "kits" / "__pycache__" / "tables",
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "groovebox" / "tables",
    ]
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    return None


def sound_modules() -> list[str]:
    """The modules whose source keys the tables: the roots and, transitively, every groovebox
    module (but this one and the kernel-loading one) they take a function, kernel or class from."""
    todo, seen = list(_SOUND_ROOTS), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for value in vars(importlib.import_module(name)).values():
            owner = getattr(getattr(value, "py_func", value), "__module__", None)
            if (isinstance(owner, str) and owner.startswith("groovebox.") and owner not in seen
                    and owner not in (__name__, "groovebox.dsp.jit")):
                todo.append(owner)
    return sorted(seen)


@cache
def _code_hash() -> str:
    h = hashlib.sha256(f"{np.__version__} {numba.__version__}".encode())
    for name in sound_modules():
        h.update(name.encode())
        h.update(Path(importlib.import_module(name).__file__).read_bytes())
    return h.hexdigest()


def key(*parts) -> str:
    """A file key for the tables that ``parts`` (reprs of everything they depend on) define."""
    h = hashlib.sha256(_code_hash().encode())
    h.update(repr(parts).encode())
    return h.hexdigest()[:32]


def exists(name: str) -> bool:
    """Whether tables are saved under ``name``."""
    folder = cache_dir()
    return folder is not None and (folder / f"{name}.npz").is_file()


def load(name: str) -> list[list[np.ndarray]] | None:
    """Tables saved under ``name``: per velocity layer, the list of variant tables; or None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with np.load(folder / f"{name}.npz") as z:
            shape = z["shape"]
            return [[z[f"t{i}_{j}"] for j in range(int(n))] for i, n in enumerate(shape)]
    except (OSError, KeyError, ValueError):
        return None


def save(name: str, layers: list[list[np.ndarray]]) -> None:
    """Keep ``layers`` under ``name`` (atomically: a reader never sees half a file)."""
    folder = cache_dir()
    if folder is None:
        return
    arrays = {f"t{i}_{j}": t for i, tables in enumerate(layers) for j, t in enumerate(tables)}
    arrays["shape"] = np.array([len(tables) for tables in layers], np.int64)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, folder / f"{name}.npz")
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
