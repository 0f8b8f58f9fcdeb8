"""Where the studio may write, and the names a browser may give.

A browser sends *names*, never paths: a save name is one word (letters, digits, ``-``, ``_``,
``.``), and the folder comes from the server: patterns go to the user's patterns folder
(:func:`groovebox.library.user_root`), exports to the output folder the studio was started
with. Anything else is refused with one line before a file is touched, and every path is
checked once more to lie inside its folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from groovebox import library
from groovebox.studio.edits import StudioError

__all__ = ["EXPORT_FORMATS", "check_name", "export_path", "pattern_file", "slug"]

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
EXPORT_FORMATS = {"wav": ".wav", "flac": ".flac", "mid": ".mid"}


def check_name(name: object, what: str = "name") -> str:
    """``name`` if it is a plain file name without a suffix; else a one-line StudioError."""
    if not isinstance(name, str) or not name:
        raise StudioError(f"{what}: expected a name, got {name!r}")
    if "/" in name or "\\" in name or name in (".", "..") or "\0" in name:
        raise StudioError(f"{what}: '{name[:60]}' is not a plain name (no folders or path separators; "
                          "files go to the patterns and output folders)")
    if not NAME.fullmatch(name) or name.endswith("."):
        raise StudioError(f"{what}: '{name[:60]}' must be 1-64 letters, digits, '-', '_' or '.', "
                          "starting with a letter or digit")
    return name


def slug(text: str) -> str:
    """``"Funky Drummer (mine)"`` -> ``"funky-drummer-mine"``: a suggested save name."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:64] or "untitled"


def _inside(path: Path, root: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise StudioError(f"refusing to write {path}: it is outside {root}")
    return path


def pattern_file(genre: str, name: str, root: Path | None = None) -> tuple[str, Path]:
    """(library id, file) for saving pattern ``name`` of ``genre`` in the user's patterns folder."""
    folder = check_name(slug(genre) if genre else "mine", "genre")
    name = check_name(name, "save name")
    root = library.user_root() if root is None else root
    return f"{folder}/{name}", _inside(root / folder / f"{name}.toml", root)


def export_path(name: str, fmt: str, out_dir: Path) -> Path:
    """The file an export named ``name`` in format ``fmt`` (wav, flac, mid) is written to."""
    if fmt not in EXPORT_FORMATS:
        raise StudioError(f"export: format: expected one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    name = check_name(name, "export name")
    return _inside(out_dir / f"{name}{EXPORT_FORMATS[fmt]}", out_dir)
