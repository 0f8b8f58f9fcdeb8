"""``album.toml`` and guideline files: read, write, and edit the production notes in place.

The format is documented in ``songs/README.md`` (Albums). :func:`load` reads an album file
into an :class:`~groovebox.model.album.Album`, :func:`load_guidelines` a guidelines file (the
``[guidelines]`` table's fields at the top level), :func:`dumps` writes a new album file (with
comments that say what each field does), and :func:`set_status` changes one track's status
in an existing file without touching anything else: comments, order and spacing stay as the
user left them (tomlkit edits the document, not a re-dump of it).

>>> a = loads('''
... title = "Tide Tables"
... [[tracks]]
... song = "01.toml"
... status = "Needs Work"
... feedback = ["the hats are too loud"]
... ''')
>>> a.title, a.tracks[0].notes.status, a.tracks[0].notes.feedback
('Tide Tables', 'needs-work', ('the hats are too loud',))
>>> loads(dumps(a)) == a
True
"""

from __future__ import annotations

import os
from pathlib import Path

from groovebox.formats import tomltext
from groovebox.formats.atomic import write_atomic
from groovebox.formats.files import read_regular
from groovebox.formats.song_toml import field_lines, toml_value
from groovebox.model.album import (
    Album,
    AlbumError,
    AlbumTrack,
    Guidelines,
    Notes,
    status_word,
    unknown_name,
)

__all__ = ["GUIDELINE_KEYS", "dumps", "find_track", "guidelines_from_table", "load", "load_guidelines", "loads",
           "loads_guidelines", "save", "set_status"]

MAX_BYTES = 1 << 20
GUIDELINE_KEYS = ("name", "genre", "description", "mood", "themes", "drums", "drum_patterns", "kits", "harmony",
                  "pads", "drones", "leads", "elements", "brightness", "bpm", "modes")
ALBUM_KEYS = ("title", "artist", "year", "genre", "seed", "minutes", "gap_s", "crossfade_s", "tail_s", "formats",
              "gapless", "sample_rate", "loudness_lufs", "ceiling_dbtp", "guidelines", "tracks")
TRACK_KEYS = ("song", "template", "seed", "title", "status", "feedback", "ideas", "changes")


def _only(d: dict, keys, where: str, what: str) -> None:
    for k in d:
        if k not in keys:
            raise unknown_name(what, k, keys, f"{where}{k}")


def guidelines_from_table(d, where: str = "guidelines.") -> Guidelines:
    """A :class:`Guidelines` from a TOML table (the ``[guidelines]`` of an album, or a file)."""
    if not isinstance(d, dict):
        raise AlbumError(f"expected a table, got {d!r}", field=where.rstrip("."))
    _only(d, GUIDELINE_KEYS, where, "guidelines field")
    try:
        return Guidelines(**d)
    except AlbumError as err:
        # Guidelines name their fields 'guidelines.x'; a guidelines file has them at the top.
        f = err.field
        if f and where != "guidelines." and f.startswith("guidelines."):
            f = where + f[len("guidelines."):]
        raise AlbumError(err.message, field=f) from None


def _track(i: int, d) -> AlbumTrack:
    where = f"tracks.{i}"
    if not isinstance(d, dict):
        raise AlbumError("expected a [[tracks]] table", field=where)
    _only(d, TRACK_KEYS, f"{where}.", "track field")
    try:
        notes = Notes(**{k: d[k] for k in ("status", "feedback", "ideas", "changes") if k in d})
        return AlbumTrack(song=d.get("song"), template=d.get("template"), seed=d.get("seed", 0),
                          title=d.get("title", ""), notes=notes)
    except AlbumError as err:
        raise AlbumError(err.message, field=f"{where}.{err.field}" if err.field else where) from None


def _located(text: str, path, build):
    """Run ``build(data)`` on the parsed text; an AlbumError gets the file and line."""
    path_s = None if path is None else str(path)
    # Size and nesting bounded before tomllib parses (formats.tomltext: no RecursionError).
    data = tomltext.loads(text, path_s, lambda line, col, msg: AlbumError(msg, path=path_s, line=line))
    try:
        return build(data)
    except AlbumError as err:
        if err.path is not None:
            raise
        where = field_lines(text)
        line = None
        if err.field:
            parts = err.field.split(".")
            while parts and line is None:
                line = where.get(".".join(parts))
                parts.pop()
        raise AlbumError(err.message, path=path_s, line=line or (1 if path_s else None), field=err.field) from None


def _album(data: dict, path_s: str | None) -> Album:
    _only(data, ALBUM_KEYS, "", "album field")
    if "title" not in data:
        raise AlbumError("an album needs a title", field="title")
    tracks = data.get("tracks")
    if not isinstance(tracks, list) or not tracks:
        raise AlbumError("expected [[tracks]] tables (at least one)", field="tracks")
    kw = {k: data[k] for k in ALBUM_KEYS if k in data and k not in ("guidelines", "tracks")}
    if "guidelines" in data:
        kw["guidelines"] = guidelines_from_table(data["guidelines"])
    kw["tracks"] = tuple(_track(i, t) for i, t in enumerate(tracks, 1))
    return Album(**kw, source=path_s)


def loads(text: str, path: str | os.PathLike | None = None) -> Album:
    """Read an album from TOML text; an error names the file, line and field."""
    return _located(text, path, lambda data: _album(data, None if path is None else str(path)))


def _read(path, what: str) -> str:
    p = Path(path)
    raw = read_regular(p, MAX_BYTES, what.removeprefix("an ").removeprefix("a "), AlbumError)  # regular files only
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AlbumError("not UTF-8 text", path=str(p), line=raw[: exc.start].count(b"\n") + 1) from None


def load(path: str | os.PathLike) -> Album:
    """Read an album file."""
    return loads(_read(path, "an album file"), path)


def loads_guidelines(text: str, path: str | os.PathLike | None = None) -> Guidelines:
    """Read guidelines from TOML text (the ``[guidelines]`` fields at the top level)."""
    return _located(text, path, lambda data: guidelines_from_table(data, ""))


def load_guidelines(path: str | os.PathLike) -> Guidelines:
    """Read a guidelines file."""
    return loads_guidelines(_read(path, "a guidelines file"), path)


# --- writing -------------------------------------------------------------------------------------------
def _guideline_lines(g: Guidelines) -> list[str]:
    d = Guidelines()
    out = []
    for k in GUIDELINE_KEYS:
        v = getattr(g, k)
        if k in ("name", "drums", "harmony", "leads", "bpm") or v != getattr(d, k):
            out.append(f"{k} = {toml_value(list(v) if isinstance(v, tuple) else v)}")
    return out


def dumps(album: Album) -> str:
    """The album as TOML text, commented (what :func:`loads` reads back to an equal Album)."""
    a = album
    L = ["# An album: `groovebox album album.toml -o OUT` renders it (format: songs/README.md, Albums).",
         f"title = {toml_value(a.title)}"]
    if a.artist:
        L.append(f"artist = {toml_value(a.artist)}")
    L += [f"year = {a.year}"]
    if a.genre:
        L.append(f"genre = {toml_value(a.genre)}")
    L += [f"seed = {a.seed}",
          f"minutes = {toml_value(a.minutes)}                 # target length of the whole record",
          f"gap_s = {toml_value(a.gap_s)}" + ("" if a.crossfade_s else "                    # silence between tracks "
                                              "(or crossfade_s = 3)"),
          ]
    if a.crossfade_s:
        L.append(f"crossfade_s = {toml_value(a.crossfade_s)}")
    L += [f"tail_s = {toml_value(a.tail_s)}                   # ring-out kept after each song's last bar",
          f"formats = {toml_value(list(a.formats))}   # flac, wav (24-bit), ogg, mp3",
          f"gapless = {toml_value(a.gapless)}                # also one FLAC of the whole album with a CUE sheet",
          f"sample_rate = {a.sample_rate}",
          f"loudness_lufs = {toml_value(a.loudness_lufs)}          # the album's loudness: one gain for all tracks",
          f"ceiling_dbtp = {toml_value(a.ceiling_dbtp)}",
          "",
          "[guidelines]", *_guideline_lines(a.guidelines)]
    for t in a.tracks:
        L += ["", "[[tracks]]"]
        if t.song is not None:
            L.append(f"song = {toml_value(t.song)}")
        else:
            L += [f"template = {toml_value(t.template)}", f"seed = {t.seed}"]
        if t.title:
            L.append(f"title = {toml_value(t.title)}")
        n = t.notes
        L += [f"status = {toml_value(n.status)}   # needs-work, pending or finished",
              f"feedback = {toml_value(list(n.feedback))}   # from others",
              f"ideas = {toml_value(list(n.ideas))}      # your own",
              f"changes = {toml_value(list(n.changes))}    # made so far"]
    return "\n".join(L) + "\n"


def save(album: Album, path: str | os.PathLike) -> Path:
    """Write ``album`` to ``path`` atomically."""
    return write_atomic(path, dumps(album), error=AlbumError)


def find_track(album: Album, which: str, titles=None) -> int:
    """The index of the track called ``which``: its number (1-based), its title (any case) or its
    song file's name (with or without ``.toml``). ``titles`` are the tracks' shown titles."""
    n = len(album.tracks)
    text = str(which).strip()
    if text.isdigit():
        k = int(text)
        if 1 <= k <= n:
            return k - 1
        raise AlbumError(f"track {k}: the album has tracks 1..{n}", path=album.source)
    names: dict[str, int] = {}
    for i, t in enumerate(album.tracks):
        for name in (t.title, None if titles is None else titles[i], t.song, t.song and Path(t.song).stem):
            if name:
                names.setdefault(name.lower(), i)
    if text.lower() in names:
        return names[text.lower()]
    err = unknown_name("track", text, [t for t in names if not t.endswith(".toml")])
    raise AlbumError(err.message + f" (or a number 1..{n})", path=album.source)


def set_status(path: str | os.PathLike, which: str, status: str, titles=None) -> tuple[int, str]:
    """Set one track's status in the album file at ``path``, in place.

    Only the ``status`` value changes (added after the track's last field when it had none):
    comments, order and spacing are kept. Returns ``(track index, status)``.
    """
    import tomlkit  # the layout-preserving TOML editor: only this command needs it

    word = status_word(status)
    text = _read(path, "an album file")
    album = loads(text, path)
    i = find_track(album, which, titles)
    doc = tomlkit.parse(text)
    table = doc["tracks"][i]
    if "status" in table:
        old = table["status"]
        new = tomlkit.string(word)
        new.trivia.comment_ws = old.trivia.comment_ws
        new.trivia.comment = old.trivia.comment
        table["status"] = new
    else:
        table["status"] = word
    out = tomlkit.dumps(doc)
    loads(out, path)  # what we write reads back
    write_atomic(path, out, error=AlbumError)
    return i, word
