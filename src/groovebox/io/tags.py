"""Audio file tags with mutagen: title, artist, album, track n/N, date, genre, comment,
ReplayGain 2 and an embedded front cover, in FLAC, Ogg Vorbis (Vorbis comments) and WAV/MP3
(ID3v2.4).

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
from dataclasses import dataclass, field
from pathlib import Path

import mutagen
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, COMM, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TRCK, TXXX
from mutagen.mp3 import MP3
from mutagen.ogg import OggPage
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from groovebox.errors import GrooveboxError

__all__ = ["RG_REFERENCE_LUFS", "TrackTags", "read_tags", "rg_gain", "set_ogg_serial", "write_tags"]

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
