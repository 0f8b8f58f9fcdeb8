"""Tags in audio files: title, artist, mood, themes (a song map's header) where players show them.

* WAV: a RIFF ``LIST``/``INFO`` chunk after the audio (what Windows, foobar2000, libsndfile and
  most DAWs read): ``INAM`` title, ``IART`` artist, ``IGNR`` genre, ``IKEY`` keywords (the themes
  and moods), ``ICMT`` a comment that spells them out, ``ISFT`` the software.
* FLAC and Ogg Vorbis: Vorbis comments (through mutagen): ``TITLE``, ``ARTIST``, ``GENRE``,
  ``COMMENT``, ``ENCODER``, and one ``MOOD`` and one ``THEME`` field per word or phrase.

Tags are written into the finished file before it is renamed into place (see
:class:`~groovebox.io.wav.AudioWriter`), so a tagged file appears whole or not at all.

>>> import numpy as np, tempfile, os
>>> from groovebox.io.wav import write_audio
>>> path = write_audio(os.path.join(tempfile.mkdtemp(), "x.wav"), np.zeros((480, 2), np.float32), 48000,
...                    tags=Tags("Velvet Heron", "groovebox", mood=("spacey",), themes=("galaxy",)))
>>> read_tags(path).title, read_tags(path).mood, read_tags(path).themes
('Velvet Heron', ('spacey',), ('galaxy',))
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from groovebox.errors import RenderError
from groovebox.generators.titles import working_title

__all__ = ["Tags", "read_tags", "write_tags"]

SOFTWARE = "groovebox"
MAX_TEXT = 1024  # characters kept of any one field


@dataclass(frozen=True)
class Tags:
    """What a file says about itself. ``mood`` and ``themes``: words or short phrases."""

    title: str = ""
    artist: str = ""
    mood: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    genre: str = ""
    comment: str = ""
    software: str = field(default=SOFTWARE)

    @classmethod
    def of_song(cls, song, part: str | None = None) -> Tags:
        """A song map's header as tags (``part``: a stem of it, named in the title); a song with
        no title gets its seeded working title, as its map's README promises."""
        title = song.title or working_title(song.seed)
        if part is not None:
            title = f"{title} ({part})" if title else part
        return cls(title, song.artist or "", tuple(song.mood), tuple(song.themes),
                   (song.template or "").replace("-", " "))

    @property
    def keywords(self) -> tuple[str, ...]:
        return (*self.themes, *self.mood)

    def spelled_out(self) -> str:
        """The comment: the given one, else ``mood: ...; themes: ...``."""
        if self.comment:
            return self.comment
        parts = []
        if self.mood:
            parts.append("mood: " + ", ".join(self.mood))
        if self.themes:
            parts.append("themes: " + ", ".join(self.themes))
        return "; ".join(parts)

    def __bool__(self) -> bool:
        return bool(self.title or self.artist or self.mood or self.themes or self.genre or self.comment)


def _text(s: str) -> str:
    return " ".join(str(s).split())[:MAX_TEXT]


# --- WAV: LIST/INFO -------------------------------------------------------------------------------
_INFO_IDS = {"INAM": "title", "IART": "artist", "IGNR": "genre", "ICMT": "comment", "IKEY": "keywords",
             "ISFT": "software"}


def _info_chunk(tags: Tags) -> bytes:
    fields = {"INAM": tags.title, "IART": tags.artist, "IGNR": tags.genre, "ICMT": tags.spelled_out(),
              "IKEY": "; ".join(_text(k) for k in tags.keywords), "ISFT": tags.software}
    body = b"INFO"
    for cid, value in fields.items():
        if not value:
            continue
        data = _text(value).encode("utf-8") + b"\0"
        body += cid.encode("ascii") + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
    return b"LIST" + struct.pack("<I", len(body)) + body


def _tag_wav(path: Path, tags: Tags) -> None:
    chunk = _info_chunk(tags)
    with open(path, "r+b") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise RenderError(f"{path}: not a RIFF WAVE file; cannot tag it")
        end = f.seek(0, os.SEEK_END)
        if end % 2:  # chunks start on even offsets
            f.write(b"\0")
            end += 1
        if end + len(chunk) - 8 >= 1 << 32:
            raise RenderError(f"{path}: too large for a RIFF file with tags")
        f.write(chunk)
        f.seek(4)
        f.write(struct.pack("<I", end + len(chunk) - 8))


def _read_wav(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with open(path, "rb") as f:
        if f.read(4) != b"RIFF":
            return out
        f.read(4)
        if f.read(4) != b"WAVE":
            return out
        while True:
            head = f.read(8)
            if len(head) < 8:
                return out
            cid, size = head[:4], struct.unpack("<I", head[4:])[0]
            if cid == b"LIST":
                data = f.read(size)
                if data[:4] == b"INFO":
                    k = 4
                    while k + 8 <= len(data):
                        sub, n = data[k:k + 4].decode("ascii", "replace"), struct.unpack("<I", data[k + 4:k + 8])[0]
                        out[sub] = data[k + 8:k + 8 + n].split(b"\0", 1)[0].decode("utf-8", "replace")
                        k += 8 + n + (n % 2)
                if size % 2:
                    f.read(1)
            else:
                f.seek(size + (size % 2), os.SEEK_CUR)


# --- FLAC, Ogg: Vorbis comments -------------------------------------------------------------------
def _vorbis_file(path: Path, fmt: str):
    # mutagen (~40 ms to import): only FLAC and Ogg files with tags pay it
    if fmt == "FLAC":
        from mutagen.flac import FLAC

        return FLAC(path)
    from mutagen.oggvorbis import OggVorbis

    return OggVorbis(path)


def _tag_vorbis(path: Path, fmt: str, tags: Tags) -> None:
    f = _vorbis_file(path, fmt)
    if f.tags is None:
        f.add_tags()
    for key, value in (("TITLE", tags.title), ("ARTIST", tags.artist), ("GENRE", tags.genre),
                       ("COMMENT", tags.spelled_out()), ("ENCODER", tags.software)):
        if value:
            f.tags[key] = [_text(value)]
    if tags.mood:
        f.tags["MOOD"] = [_text(m) for m in tags.mood]
    if tags.themes:
        f.tags["THEME"] = [_text(t) for t in tags.themes]
    f.save()


# --- the API ----------------------------------------------------------------------------------------
def write_tags(path: str | os.PathLike, fmt: str, tags: Tags) -> None:
    """Tag a finished audio file of format ``fmt`` (``"WAV"``, ``"FLAC"``, ``"OGG"``); other
    formats are left as they are."""
    if not tags:
        return
    p = Path(path)
    try:
        if fmt == "WAV":
            _tag_wav(p, tags)
        elif fmt in ("FLAC", "OGG"):
            _tag_vorbis(p, fmt, tags)
    except OSError as exc:
        raise RenderError(f"cannot tag {p}: {exc.strerror or exc}") from None


def read_tags(path: str | os.PathLike) -> Tags:
    """The tags of a WAV, FLAC or Ogg file (empty Tags when it has none)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".wav":
        info = _read_wav(p)
        keywords = tuple(k.strip() for k in info.get("IKEY", "").split(";") if k.strip())
        comment = info.get("ICMT", "")
        mood = _listed(comment, "mood")
        themes = _listed(comment, "themes")
        if not mood and not themes:
            themes = keywords
        return Tags(info.get("INAM", ""), info.get("IART", ""), mood, themes, info.get("IGNR", ""), comment,
                    info.get("ISFT", ""))
    if suffix in (".flac", ".ogg"):
        t = _vorbis_file(p, "FLAC" if suffix == ".flac" else "OGG").tags or {}

        def one(key: str) -> str:
            return (t.get(key) or [""])[0]

        return Tags(one("TITLE"), one("ARTIST"), tuple(t.get("MOOD") or ()), tuple(t.get("THEME") or ()),
                    one("GENRE"), one("COMMENT"), one("ENCODER"))
    raise RenderError(f"{p}: tags are read from .wav, .flac and .ogg files")


def _listed(comment: str, name: str) -> tuple[str, ...]:
    for part in comment.split(";"):
        key, _, rest = part.strip().partition(":")
        if key.strip() == name:
            return tuple(x.strip() for x in rest.split(",") if x.strip())
    return ()
