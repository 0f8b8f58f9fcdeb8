"""Audio file tags with mutagen: title, artist, album, track n/N, date, genre, comment,
ReplayGain 2 and an embedded front cover, in FLAC, Ogg Vorbis (Vorbis comments) and WAV/MP3
(ID3v2.4) for album tracks (:class:`TrackTags`); a song's header (title, artist, mood, themes:
:class:`SongTags`) in every WAV, FLAC and Ogg file a song render writes (see the end).

ReplayGain 2 gains are to its reference level of -18 LUFS (``-18 - measured LUFS``), written
as ``"-4.00 dB"``; peaks are true peaks (BS.1770, 4x oversampled) as linear amplitude, which
the ReplayGain 2 specification allows. Writing the same tags to the same audio gives the same
bytes (no dates or random padding).

>>> t = TrackTags("Velvet Heron", "groovebox", "Tide Tables", 1, 6, "2025", "Chillwave", "Themes: low tide")
>>> t.vorbis()["TRACKNUMBER"], t.vorbis()["TRACKTOTAL"]
(['1'], ['6'])
"""

from __future__ import annotations

import base64
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import mutagen
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, COMM, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TRCK, TXXX
from mutagen.mp3 import MP3
from mutagen.ogg import OggPage
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from groovebox.errors import GrooveboxError, RenderError
from groovebox.generators.titles import working_title

__all__ = ["RG_REFERENCE_LUFS", "SongTags", "TrackTags", "read_song_tags", "read_tags", "rg_gain", "set_ogg_serial",
           "write_song_tags", "write_tags"]

RG_REFERENCE_LUFS = -18.0
_RG_KEYS = ("REPLAYGAIN_TRACK_GAIN", "REPLAYGAIN_TRACK_PEAK", "REPLAYGAIN_ALBUM_GAIN", "REPLAYGAIN_ALBUM_PEAK")


def rg_gain(lufs: float) -> str:
    """A ReplayGain 2 gain for audio measured at ``lufs``: ``"-4.00 dB"``."""
    return f"{RG_REFERENCE_LUFS - lufs:+.2f} dB"


@dataclass(frozen=True)
class TrackTags:
    """The tags of one album track (the ReplayGain fields as written: ``"-4.00 dB"``, ``"0.891251"``)."""

    title: str
    artist: str
    album: str
    track: int
    total: int
    date: str
    genre: str
    comment: str
    replaygain: dict = field(default_factory=dict)  # REPLAYGAIN_* -> text
    cover_png: bytes | None = None
    cover_size: tuple[int, int] = (0, 0)

    def vorbis(self) -> dict[str, list[str]]:
        """Vorbis comment fields (FLAC, Ogg)."""
        d = {"TITLE": self.title, "ARTIST": self.artist, "ALBUMARTIST": self.artist, "ALBUM": self.album,
             "TRACKNUMBER": str(self.track), "TRACKTOTAL": str(self.total), "DATE": self.date,
             "GENRE": self.genre, "COMMENT": self.comment, **{k: self.replaygain[k] for k in _RG_KEYS
                                                              if k in self.replaygain}}
        return {k: [v] for k, v in d.items() if v}


def _picture(tags: TrackTags):
    pic = Picture()
    pic.type = 3  # front cover
    pic.mime = "image/png"
    pic.desc = "Front cover"
    pic.width, pic.height = tags.cover_size
    pic.depth = 24
    pic.data = tags.cover_png
    return pic


def _id3(tags: TrackTags):
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TPE2(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TRCK(encoding=3, text=f"{tags.track}/{tags.total}"))
    id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(TCON(encoding=3, text=tags.genre))
    id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    for k in _RG_KEYS:
        if k in tags.replaygain:
            id3.add(TXXX(encoding=3, desc=k, text=tags.replaygain[k]))
    if tags.cover_png:
        id3.add(APIC(encoding=3, mime="image/png", type=3, desc="Front cover", data=tags.cover_png))
    return id3


def write_tags(path: str | os.PathLike, tags: TrackTags) -> None:
    """Replace the tags of an audio file (.flac, .ogg, .wav, .mp3) with ``tags``."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".flac", ".ogg"):
            f = FLAC(path) if suffix == ".flac" else OggVorbis(path)
            if f.tags is None:
                f.add_tags()
            f.tags.clear()
            for k, v in tags.vorbis().items():
                f.tags[k] = v
            if tags.cover_png:
                pic = _picture(tags)
                if suffix == ".flac":
                    f.clear_pictures()
                    f.add_picture(pic)
                else:
                    f.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(pic.write()).decode("ascii")]
            f.save()
        elif suffix in (".wav", ".mp3"):
            f = WAVE(path) if suffix == ".wav" else MP3(path)
            if f.tags is not None:
                f.delete()
            _id3(tags).save(path, v2_version=4) if suffix == ".mp3" else _save_wave_id3(f, tags)
        else:
            raise GrooveboxError(f"{path}: cannot tag '{suffix}' files; expected .flac, .ogg, .wav or .mp3")
    except mutagen.MutagenError as exc:
        raise GrooveboxError(f"{path}: cannot write tags: {exc}") from None


def _save_wave_id3(f, tags: TrackTags) -> None:
    f.add_tags()
    for frame in _id3(tags).values():
        f.tags.add(frame)
    f.save(v2_version=4)


def read_tags(path: str | os.PathLike) -> dict:
    """The tags of an album track as written by :func:`write_tags`, read back with mutagen:
    ``title, artist, album, track, total, date, genre, comment``, the ``REPLAYGAIN_*`` texts
    and ``cover`` (the PNG bytes, or None)."""
    path = Path(path)
    suffix = path.suffix.lower()
    f = mutagen.File(path)
    if f is None or f.tags is None:
        raise GrooveboxError(f"{path}: no tags")
    out: dict = {}
    if suffix in (".flac", ".ogg"):
        def one(k):
            v = f.tags.get(k)
            return v[0] if v else None

        out = {"title": one("TITLE"), "artist": one("ARTIST"), "album": one("ALBUM"),
               "track": int(one("TRACKNUMBER")), "total": int(one("TRACKTOTAL")), "date": one("DATE"),
               "genre": one("GENRE"), "comment": one("COMMENT")}
        out.update({k: one(k) for k in _RG_KEYS})
        if suffix == ".flac":
            pics = [p for p in f.pictures if p.type == 3]
        else:
                    pics = [Picture(base64.b64decode(b)) for b in f.tags.get("METADATA_BLOCK_PICTURE", [])]
        out["cover"] = pics[0].data if pics else None
    else:
        t = f.tags

        def text(k):
            return str(t[k].text[0]) if k in t else None

        track, _, total = (text("TRCK") or "/").partition("/")
        comm = [v for k, v in t.items() if k.startswith("COMM")]
        out = {"title": text("TIT2"), "artist": text("TPE1"), "album": text("TALB"), "track": int(track),
               "total": int(total), "date": text("TDRC"), "genre": text("TCON"),
               "comment": str(comm[0].text[0]) if comm else None}
        out.update({k: text(f"TXXX:{k}") for k in _RG_KEYS})
        apic = [v for k, v in t.items() if k.startswith("APIC")]
        out["cover"] = apic[0].data if apic else None
    return out


def set_ogg_serial(path: str | os.PathLike, serial: int) -> None:
    """Give an Ogg file's logical stream this serial number (CRCs recomputed).

    libsndfile picks a random serial for each Ogg file it writes, so two encodes of the same
    audio differ in those four bytes of every page; a serial from the album's seed makes the
    file reproducible. (Any serial is valid for a single-stream file.)
    """
    path = Path(path)
    with open(path, "rb") as fh:
        pages = []
        while True:
            try:
                pages.append(OggPage(fh))
            except EOFError:
                break
    if not pages or len({p.serial for p in pages}) != 1:
        raise GrooveboxError(f"{path}: expected one Ogg stream")
    for p in pages:
        p.serial = int(serial) & 0xFFFFFFFF
    data = b"".join(p.write() for p in pages)
    tmp = path.with_name(f".{path.name}.serial")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- a song's header in its files ------------------------------------------------------------------
# Written as the file is finished, before it is renamed into place (AudioWriter), so a tagged
# file appears whole or not at all:
# * WAV: a RIFF LIST/INFO chunk after the audio (what libsndfile, Windows and most DAWs read):
#   INAM title, IART artist, IGNR genre (the template), IKEY keywords (themes and moods), ICMT
#   "mood: ...; themes: ...", ISFT the software;
# * FLAC and Ogg: Vorbis comments TITLE, ARTIST, GENRE, COMMENT, ENCODER, and one MOOD and one
#   THEME field per word or phrase.
SOFTWARE = "groovebox"
MAX_TEXT = 1024  # characters kept of any one field


@dataclass(frozen=True)
class SongTags:
    """What a song's file says about itself; ``mood`` and ``themes`` are words or phrases.

    >>> import numpy as np, tempfile, os
    >>> from groovebox.io.wav import write_audio
    >>> path = write_audio(os.path.join(tempfile.mkdtemp(), "x.wav"), np.zeros((480, 2), np.float32), 48000,
    ...                    tags=SongTags("Velvet Heron", "groovebox", mood=("spacey",), themes=("galaxy",)))
    >>> t = read_song_tags(path)
    >>> t.title, t.mood, t.themes
    ('Velvet Heron', ('spacey',), ('galaxy',))
    """

    title: str = ""
    artist: str = ""
    mood: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    genre: str = ""
    comment: str = ""
    software: str = SOFTWARE

    @classmethod
    def of_song(cls, song, part: str | None = None) -> SongTags:
        """A song map's header as tags (``part``: a stem of it, named in the title); a song with
        no title gets its seeded working title, as its map's README promises."""
        title = song.title or working_title(song.seed)
        if part is not None:
            title = f"{title} ({part})"
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


def _info_chunk(tags: SongTags) -> bytes:
    fields = {"INAM": tags.title, "IART": tags.artist, "IGNR": tags.genre, "ICMT": tags.spelled_out(),
              "IKEY": "; ".join(_text(k) for k in tags.keywords), "ISFT": tags.software}
    body = b"INFO"
    for cid, value in fields.items():
        if not value:
            continue
        data = _text(value).encode("utf-8") + b"\0"
        body += cid.encode("ascii") + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
    return b"LIST" + struct.pack("<I", len(body)) + body


def _tag_wav_info(path: Path, tags: SongTags) -> None:
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


def _read_wav_info(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with open(path, "rb") as f:
        if f.read(4) != b"RIFF" or not f.read(4) or f.read(4) != b"WAVE":
            return out
        while True:
            head = f.read(8)
            if len(head) < 8:
                return out
            cid, size = head[:4], struct.unpack("<I", head[4:])[0]
            if cid != b"LIST":
                f.seek(size + (size % 2), os.SEEK_CUR)
                continue
            data = f.read(size)
            if size % 2:
                f.read(1)
            if data[:4] != b"INFO":
                continue
            k = 4
            while k + 8 <= len(data):
                sub, n = data[k:k + 4].decode("ascii", "replace"), struct.unpack("<I", data[k + 4:k + 8])[0]
                out[sub] = data[k + 8:k + 8 + n].split(b"\0", 1)[0].decode("utf-8", "replace")
                k += 8 + n + (n % 2)


def write_song_tags(path: str | os.PathLike, fmt: str, tags: SongTags) -> None:
    """Tag a finished audio file of format ``fmt`` (``"WAV"``, ``"FLAC"``, ``"OGG"``; the file
    may have another suffix, such as a temporary name); other formats are left as they are."""
    if not tags:
        return
    p = Path(path)
    try:
        if fmt == "WAV":
            _tag_wav_info(p, tags)
        elif fmt in ("FLAC", "OGG"):
            f = FLAC(p) if fmt == "FLAC" else OggVorbis(p)
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
    except OSError as exc:
        raise RenderError(f"cannot tag {p}: {exc.strerror or exc}") from None
    except mutagen.MutagenError as exc:
        raise RenderError(f"cannot tag {p}: {exc}") from None


def read_song_tags(path: str | os.PathLike) -> SongTags:
    """A song file's tags (WAV INFO, FLAC or Ogg Vorbis comments); empty when it has none."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".wav":
        info = _read_wav_info(p)
        comment = info.get("ICMT", "")
        mood, themes = _listed(comment, "mood"), _listed(comment, "themes")
        if not mood and not themes:
            themes = tuple(k.strip() for k in info.get("IKEY", "").split(";") if k.strip())
        return SongTags(info.get("INAM", ""), info.get("IART", ""), mood, themes, info.get("IGNR", ""), comment,
                        info.get("ISFT", ""))
    if suffix in (".flac", ".ogg"):
        t = (FLAC(p) if suffix == ".flac" else OggVorbis(p)).tags or {}

        def one(key: str) -> str:
            return (t.get(key) or [""])[0]

        return SongTags(one("TITLE"), one("ARTIST"), tuple(t.get("MOOD") or ()), tuple(t.get("THEME") or ()),
                        one("GENRE"), one("COMMENT"), one("ENCODER"))
    raise RenderError(f"{p}: song tags are read from .wav, .flac and .ogg files")


def _listed(comment: str, name: str) -> tuple[str, ...]:
    for part in comment.split(";"):
        key, _, rest = part.strip().partition(":")
        if key.strip() == name:
            return tuple(x.strip() for x in rest.split(",") if x.strip())
    return ()
