"""The pattern library: find, list and load ``genre/slug`` patterns.

Patterns are looked up, in order, in the folders of the ``GROOVEBOX_PATTERNS`` environment
variable (``os.pathsep``-separated, so users can add their own; without it, in
``~/.local/share/groovebox/patterns`` when that exists), then in the library shipped with
groovebox (``groovebox/patterns`` when installed, the repository's ``patterns/`` when run from a
checkout). An earlier folder's ``genre/slug`` hides a later one's.

>>> from groovebox import library
>>> library.load("rock/straight-eighths").genre
'rock'
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from groovebox.checks import shown
from groovebox.errors import GrooveboxError, GrooveboxTypeError, UnknownNameError
from groovebox.formats import pattern_toml, tomltext
from groovebox.model.pattern import Pattern

ENV_VAR = "GROOVEBOX_PATTERNS"


def builtin_root() -> Path:
    """The library shipped with groovebox."""
    here = Path(__file__).resolve().parent
    installed = here / "patterns"
    if installed.is_dir():
        return installed
    return here.parent.parent / "patterns"  # a source checkout: src/groovebox -> repo root


def default_user_root() -> Path:
    """Where your own patterns go when ``GROOVEBOX_PATTERNS`` is not set:
    ``$XDG_DATA_HOME/groovebox/patterns`` (``~/.local/share/groovebox/patterns``)."""
    data = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(data).expanduser() / "groovebox" / "patterns"


def user_root() -> Path:
    """The folder your own patterns are saved in (``groovebox studio``): the first folder of
    ``GROOVEBOX_PATTERNS``, else :func:`default_user_root`."""
    extra = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    return Path(extra[0]).expanduser() if extra else default_user_root()


def roots() -> list[Path]:
    """Folders searched for patterns, highest priority first: ``GROOVEBOX_PATTERNS``'s, else
    the default folder of your own patterns when it exists, then the library shipped with
    groovebox."""
    extra = [Path(p).expanduser() for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    if not extra and default_user_root().is_dir():
        extra = [default_user_root()]
    return [*extra, builtin_root()]


def _files(root: Path, *, user: bool = False) -> dict[str, Path]:
    """``id -> file`` for a folder: ``genre/slug`` from ``<genre>/<slug>.toml``. In a user folder
    a file at the top (``<slug>.toml``, as ``groovebox import`` used to write them) is addressed
    by the genre it names (else ``mine``), so the id ``list`` shows is the one its genre says."""
    if not root.is_dir():
        return {}
    found = {}
    for p in sorted(root.rglob("*.toml")):
        rel = p.relative_to(root).with_suffix("").as_posix()
        if user and "/" not in rel:
            rel = f"{_genre_of(p)}/{rel}"
        found[rel] = p
    return found


def _genre_of(path: Path) -> str:
    """The genre a pattern file names, as an id part (malformed files say so when loaded)."""
    try:
        genre = tomltext.load(path, "pattern file")[1].get("genre", pattern_toml.USER_GENRE)
    except GrooveboxError:  # unreadable, too big, too deep, not TOML: loading it will say which
        return pattern_toml.USER_GENRE
    return genre_id(str(genre))


def genre_id(genre: str) -> str:
    """A genre as the first part of an id: lower case, words joined by ``-``."""
    return "-".join(genre.lower().replace("/", " ").split()) or pattern_toml.USER_GENRE


@lru_cache(maxsize=8)
def _index(root_key: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    builtin = str(builtin_root())
    for root in reversed(root_key):
        found.update(_files(Path(root), user=root != builtin))
    return dict(sorted(found.items()))


def pattern_ids() -> list[str]:
    """Every pattern id (``genre/slug``), sorted."""
    return list(_index(tuple(map(str, roots()))))


def pattern_path(pattern_id: str) -> Path:
    """The file of a library pattern."""
    index = _index(tuple(map(str, roots())))
    if pattern_id not in index:
        raise UnknownNameError("pattern", pattern_id, index, hint="see `groovebox list`")
    return index[pattern_id]


def load(ref: str | os.PathLike) -> Pattern:
    """A pattern by library id (``"breaks/funky-drummer"``) or by path to a ``.toml`` file.

    Raises
    ------
    UnknownNameError
        No such library id (the message lists the closest ids).
    PatternError
        The file exists but is malformed (message names file, line, column, field).
    """
    if not isinstance(ref, str | os.PathLike):
        raise GrooveboxTypeError(f"pattern: expected a library id (\"funk/cissy-strut\") or a .toml path, "
                                 f"got {shown(ref)}")
    text = os.fspath(ref)
    path = Path(text).expanduser()
    if text.endswith(".toml") or path.is_file():
        return pattern_toml.load(path)  # regular files only: a FIFO or a folder is one line
    pid = text.strip().strip("/")
    return _load_id(pid, str(pattern_path(pid)))


@lru_cache(maxsize=1024)
def _load_id(pattern_id: str, path: str) -> Pattern:
    return pattern_toml.load(path, pattern_id=pattern_id)


def all_patterns(*, errors: list[GrooveboxError] | None = None) -> list[Pattern]:
    """Every pattern in the library, sorted by id.

    Malformed files are skipped and their errors appended to ``errors`` when given (so one
    broken user file does not hide the library); without ``errors`` the first one is raised.
    """
    out = []
    for pid, path in _index(tuple(map(str, roots()))).items():
        try:
            out.append(_load_id(pid, str(path)))
        except GrooveboxError as exc:
            if errors is None:
                raise
            errors.append(exc)
    return out


def search(
    *,
    genre: str | None = None,
    bpm_range: tuple[float, float] | None = None,
    text: str | None = None,
    errors: list[GrooveboxError] | None = None,
) -> list[Pattern]:
    """Patterns matching a genre (exact), a tempo range (inclusive) and words (all must match
    somewhere in id, name, genre, description or tags, case-insensitively)."""
    words = (text or "").lower().split()
    found = []
    for p in all_patterns(errors=errors):
        if genre and p.genre.lower() != genre.lower() and not (p.id or "").startswith(genre.lower() + "/"):
            continue
        if bpm_range and not bpm_range[0] <= p.bpm <= bpm_range[1]:
            continue
        hay = " ".join([p.id or "", p.name, p.genre, p.description, *p.tags]).lower()
        if any(w not in hay for w in words):
            continue
        found.append(p)
    return found


def genres(errors: list[GrooveboxError] | None = None) -> dict[str, int]:
    """Genre -> number of patterns, sorted by genre."""
    counts: dict[str, int] = {}
    for p in all_patterns(errors=errors):
        counts[p.genre] = counts.get(p.genre, 0) + 1
    return dict(sorted(counts.items()))


def clear_cache() -> None:
    """Forget cached files (after editing patterns in a running session)."""
    _index.cache_clear()
    _load_id.cache_clear()
