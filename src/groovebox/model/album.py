"""Albums as values: the guidelines that frame a record, its tracks with production notes, and
where each track sits on the album's timeline.

An :class:`Album` is what an ``album.toml`` says (:mod:`groovebox.formats.album_toml`, the
format in ``songs/README.md``), checked and immutable: no audio, files or numba here.
:class:`Guidelines` are the few written rules a producer frames a record with ("Chillwave.
Relaxed but pensive. Sometimes drums, sometimes not. Lead instruments: piano, guitar...");
:mod:`groovebox.generators.album` turns them into song maps.

Time on the album: each track plays its song and then ``tail_s`` of ring-out (faded over its
last second), so a track lasts exactly ``song.duration_s + tail_s``. Tracks follow each other
after ``gap_s`` of silence, or overlap by ``crossfade_s``. The album's audio is that timeline;
track ``i``'s file holds ``[boundary[i], boundary[i+1])`` of it (a gap belongs to the track
before it, a crossfade is split at its middle), so the files played back to back are the
gapless album, sample for sample.

>>> layout([100, 200, 50], gap=10)
([0, 110, 320], [0, 110, 320, 370])
>>> layout([100, 200, 50], crossfade=20)
([0, 80, 260], [0, 90, 270, 310])
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace

from groovebox.model.arrangement import INSTRUMENTS
from groovebox.model.song import TEXTURES, SongError

__all__ = [
    "DRUMS",
    "FORMATS",
    "HARMONY",
    "STATUSES",
    "Album",
    "AlbumError",
    "AlbumTrack",
    "Guidelines",
    "Notes",
    "layout",
    "unknown_name",
    "status_word",
    "track_frames",
]

#: How often a record has drums: on every track, on some, on none.
DRUMS = ("always", "sometimes", "never")
#: How much the harmony leads: functional progressions with cadences, some, or drifting modal colour.
HARMONY = ("strong", "moderate", "loose")
#: A track's production status.
STATUSES = ("needs-work", "pending", "finished")
#: Audio files an album can be rendered to (mp3 and ogg where the installed libsndfile writes them).
FORMATS = ("flac", "wav", "ogg", "mp3")
KEY_MODES = ("major", "minor")
MAX_TRACKS = 24
TRACK_MINUTES = (1.0, 12.0)  # what one generated track may last
MAX_GAP_S = 10.0
MAX_TAIL_S = 12.0
BPM_RANGE = (40.0, 200.0)


class AlbumError(SongError):
    """An album file, guidelines file or Album value cannot be used (file, line and field when
    known): ``album.toml:14: field 'tracks.3.status': unknown status 'done'; did you mean ...``."""


def unknown_name(kind: str, name, known, field: str | None = None) -> AlbumError:
    known = sorted(set(known))
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    msg = f"unknown {kind} '{name}'"
    if close:
        msg += "; did you mean " + ", ".join(f"'{c}'" for c in close) + "?"
    elif known and len(known) <= 16:
        msg += "; expected one of " + ", ".join(known)
    return AlbumError(msg, field=field)


def _text(v, field: str, *, empty: bool = True) -> str:
    if not isinstance(v, str) or (not empty and not v.strip()) or len(v) > 400 or "\n" in v:
        raise AlbumError(f"expected {'a' if empty else 'a non-empty'} one-line text (at most 400 characters), "
                         f"got {v!r}", field=field)
    return v.strip()


def _texts(v, field: str) -> tuple[str, ...]:
    v = (v,) if isinstance(v, str) else v
    if not isinstance(v, list | tuple) or len(v) > 64:
        raise AlbumError(f"expected an array of texts, got {v!r}", field=field)
    return tuple(_text(x, f"{field}.{i}") for i, x in enumerate(v, 1))


def _names(v, field: str, known, kind: str) -> tuple[str, ...]:
    v = (v,) if isinstance(v, str) else v
    if not isinstance(v, list | tuple):
        raise AlbumError(f"expected an array of {kind} names, got {v!r}", field=field)
    out = []
    for x in v:
        if x not in known:
            raise unknown_name(kind, x, known, field)
        if x not in out:
            out.append(x)
    return tuple(out)


def _number(v, field: str, lo: float, hi: float, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not lo <= v <= hi:
        raise AlbumError(f"expected {what} in {lo:g}..{hi:g}, got {v!r}", field=field)
    return float(v)


def _whole(v, field: str, lo: int, hi: int, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise AlbumError(f"expected {what} {lo}..{hi}, got {v!r}", field=field)
    return int(v)


def status_word(value, field: str = "status") -> str:
    """A status as written (``"Needs Work"``, ``"needs_work"``, ``"finished"``) -> one of
    :data:`STATUSES`, or an AlbumError with close matches."""
    if not isinstance(value, str):
        raise AlbumError(f"expected a status ({', '.join(STATUSES)}), got {value!r}", field=field)
    word = "-".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    if word not in STATUSES:
        raise unknown_name("status", value, STATUSES, field)
    return word


@dataclass(frozen=True)
class Guidelines:
    """The written frame of a record, as values that steer generation.

    Parameters
    ----------
    name : str
        The set's name (``chill``, ``night-drive``, ``lofi-study``) or ``custom``.
    genre, description : str
        The genre tag and the guidelines as the producer wrote them.
    mood, themes : tuple of str
        Words for the songs' moods, and themes the songs are about (into each track's comment tag).
    drums : str
        ``always``, ``sometimes`` (some tracks with drums and groove, some without) or ``never``.
    drum_patterns : tuple of str
        Library pattern ids the drum tracks choose from.
    kits : tuple of str
        Drum kits to choose from ("eclectic drum hits": several).
    harmony : str
        ``strong`` (functional progressions with cadences), ``moderate`` or ``loose`` (generated,
        modal, drifting).
    pads, drones : bool
        Lush pads; atmospheric drones (long tonic-and-fifth loops).
    leads : tuple of str
        Lead instruments (arrangement instrument names: piano, guitar, vibes, lead, ...); every
        track has one as a ``lead`` part, and the album uses them all.
    elements : tuple of str
        Sound elements: textures (rain, wind, ocean, tape_hiss, vinyl).
    brightness : float
        0 dark .. 1 bright: the master's high shelf and the pads' filters.
    bpm : tuple of float
        The tempo range of the record.
    modes : tuple of str
        ``major`` and/or ``minor`` keys.
    """

    name: str = "custom"
    genre: str = ""
    description: str = ""
    mood: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    drums: str = "sometimes"
    drum_patterns: tuple[str, ...] = ("downtempo/chill-out",)
    kits: tuple[str, ...] = ("808",)
    harmony: str = "strong"
    pads: bool = True
    drones: bool = False
    leads: tuple[str, ...] = ("piano",)
    elements: tuple[str, ...] = ()
    brightness: float = 0.5
    bpm: tuple[float, float] = (70.0, 110.0)
    modes: tuple[str, ...] = KEY_MODES

    def __post_init__(self):
        s = object.__setattr__
        s(self, "name", _text(self.name, "guidelines.name", empty=False))
        for f in ("genre", "description"):
            s(self, f, _text(getattr(self, f), f"guidelines.{f}"))
        for f in ("mood", "themes"):
            s(self, f, _texts(getattr(self, f), f"guidelines.{f}"))
        if self.drums not in DRUMS:
            raise unknown_name("drums setting", self.drums, DRUMS, "guidelines.drums")
        pats = _texts(self.drum_patterns, "guidelines.drum_patterns")
        if self.drums != "never" and not pats:
            raise AlbumError(f"drums = \"{self.drums}\" needs at least one pattern id", field="guidelines.drum_patterns")
        s(self, "drum_patterns", pats)
        kits = _texts(self.kits, "guidelines.kits")
        if not kits:
            raise AlbumError("expected at least one kit name", field="guidelines.kits")
        s(self, "kits", kits)
        if self.harmony not in HARMONY:
            raise unknown_name("harmony strength", self.harmony, HARMONY, "guidelines.harmony")
        for f in ("pads", "drones"):
            if not isinstance(getattr(self, f), bool):
                raise AlbumError(f"expected true or false, got {getattr(self, f)!r}", field=f"guidelines.{f}")
        leads = _names(self.leads, "guidelines.leads", INSTRUMENTS, "lead instrument")
        if not leads:
            raise AlbumError("expected at least one lead instrument", field="guidelines.leads")
        s(self, "leads", leads)
        s(self, "elements", _names(self.elements, "guidelines.elements", TEXTURES, "sound element"))
        s(self, "brightness", _number(self.brightness, "guidelines.brightness", 0, 1, "a brightness"))
        bpm = self.bpm
        if not isinstance(bpm, list | tuple) or len(bpm) != 2:
            raise AlbumError(f"expected a tempo range [low, high], got {bpm!r}", field="guidelines.bpm")
        lo = _number(bpm[0], "guidelines.bpm", *BPM_RANGE, "a tempo in bpm")
        hi = _number(bpm[1], "guidelines.bpm", *BPM_RANGE, "a tempo in bpm")
        if hi - lo < 8:
            raise AlbumError(f"the tempo range {lo:g}..{hi:g} is too narrow: give at least 8 bpm so tracks can "
                             "differ", field="guidelines.bpm")
        s(self, "bpm", (lo, hi))
        modes = _names(self.modes, "guidelines.modes", KEY_MODES, "key mode")
        if not modes:
            raise AlbumError("expected major and/or minor", field="guidelines.modes")
        s(self, "modes", modes)


@dataclass(frozen=True)
class Notes:
    """A track's production notes: status, feedback from others, own ideas, changes made."""

    status: str = "pending"
    feedback: tuple[str, ...] = ()
    ideas: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "status", status_word(self.status))
        for f in ("feedback", "ideas", "changes"):
            object.__setattr__(self, f, _texts(getattr(self, f), f))


@dataclass(frozen=True)
class AlbumTrack:
    """One track: a song map file (relative to the album file) or a generator entry
    (``template`` and ``seed``), an optional title that replaces the song's, and its notes."""

    song: str | None = None
    template: str | None = None
    seed: int = 0
    title: str = ""
    notes: Notes = field(default_factory=Notes)

    def __post_init__(self):
        if (self.song is None) == (self.template is None):
            raise AlbumError("a track is a song map (song = \"file.toml\") or a template "
                             "(template = \"house\", seed = 3), one of the two", field="song")
        if self.song is not None:
            _text(self.song, "song", empty=False)
        if self.template is not None:
            _text(self.template, "template", empty=False)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise AlbumError(f"expected a whole number 0..2**63-1, got {self.seed!r}", field="seed")
        object.__setattr__(self, "title", _text(self.title, "title"))


@dataclass(frozen=True)
class Album:
    """An album: header, guidelines, tracks, and how it is rendered.

    Parameters
    ----------
    title, artist, genre : str
    year : int
    guidelines : Guidelines
    tracks : tuple of AlbumTrack
        1..24.
    minutes : float
        The target total length (the album timeline, gaps included).
    gap_s, crossfade_s : float
        Silence between tracks, or their overlap (one of the two; 0..10 s).
    tail_s : float
        Ring-out each track keeps after its last bar (0..12 s).
    seed : int
        The seed the album (and its cover) was made from.
    formats : tuple of str
        Audio files per track: flac, wav (24-bit), ogg, mp3.
    gapless : bool
        Also write the whole album as one FLAC with a CUE sheet.
    sample_rate : int
    loudness_lufs, ceiling_dbtp : float
        The album's loudness target (one gain for all tracks) and the true-peak ceiling.
    source : str, optional
        The file it was read from.
    """

    title: str
    tracks: tuple[AlbumTrack, ...]
    artist: str = ""
    year: int = 2025
    genre: str = ""
    guidelines: Guidelines = field(default_factory=Guidelines)
    minutes: float = 22.0
    gap_s: float = 2.0
    crossfade_s: float = 0.0
    tail_s: float = 3.0
    seed: int = 0
    formats: tuple[str, ...] = ("flac", "wav")
    gapless: bool = False
    sample_rate: int = 48000
    loudness_lufs: float = -14.0
    ceiling_dbtp: float = -1.0
    source: str | None = field(default=None, compare=False)

    def __post_init__(self):
        s = object.__setattr__
        s(self, "title", _text(self.title, "title", empty=False))
        s(self, "artist", _text(self.artist, "artist"))
        s(self, "genre", _text(self.genre, "genre"))
        s(self, "year", _whole(self.year, "year", 1000, 9999, "a year"))
        if not isinstance(self.guidelines, Guidelines):
            raise AlbumError("expected a guidelines table", field="guidelines")
        tracks = tuple(self.tracks)
        if not 1 <= len(tracks) <= MAX_TRACKS:
            raise AlbumError(f"expected 1..{MAX_TRACKS} tracks, got {len(tracks)}", field="tracks")
        s(self, "tracks", tracks)
        s(self, "minutes", _number(self.minutes, "minutes", 0.1, MAX_TRACKS * TRACK_MINUTES[1], "minutes"))
        s(self, "gap_s", _number(self.gap_s, "gap_s", 0, MAX_GAP_S, "seconds"))
        s(self, "crossfade_s", _number(self.crossfade_s, "crossfade_s", 0, MAX_GAP_S, "seconds"))
        if self.gap_s and self.crossfade_s:
            raise AlbumError("give gap_s or crossfade_s, not both", field="crossfade_s")
        s(self, "tail_s", _number(self.tail_s, "tail_s", 0, MAX_TAIL_S, "seconds"))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise AlbumError(f"expected a whole number 0..2**63-1, got {self.seed!r}", field="seed")
        formats = _names(self.formats, "formats", FORMATS, "audio format")
        if not formats:
            raise AlbumError(f"expected at least one of {', '.join(FORMATS)}", field="formats")
        s(self, "formats", formats)
        if not isinstance(self.gapless, bool):
            raise AlbumError(f"expected true or false, got {self.gapless!r}", field="gapless")
        s(self, "sample_rate", _whole(self.sample_rate, "sample_rate", 8000, 192000, "a sample rate in Hz"))
        s(self, "loudness_lufs", _number(self.loudness_lufs, "loudness_lufs", -40, -5, "LUFS"))
        s(self, "ceiling_dbtp", _number(self.ceiling_dbtp, "ceiling_dbtp", -20, 0, "dBTP"))

    def replace(self, **changes) -> Album:
        """A copy with some fields changed (checked again)."""
        return replace(self, **changes)

    @property
    def target_s(self) -> float:
        return self.minutes * 60.0

    def total_s(self, song_durations_s) -> float:
        """The album's length for songs of these durations: tracks with their tails, plus the
        gaps (or minus the crossfades)."""
        n = len(song_durations_s)
        between = self.gap_s if self.gap_s else -self.crossfade_s
        return sum(song_durations_s) + n * self.tail_s + (n - 1) * between


def track_frames(duration_s: float, tail_s: float, sample_rate: int) -> int:
    """Frames of a track: its song and its ring-out."""
    return round((duration_s + tail_s) * sample_rate)


def layout(frames, gap: int = 0, crossfade: int = 0) -> tuple[list[int], list[int]]:
    """Where tracks of ``frames`` sit on the album timeline.

    Returns ``(starts, bounds)``: track ``i`` plays from ``starts[i]``; its file holds album
    frames ``[bounds[i], bounds[i+1])`` (a gap goes with the track before it, a crossfade is
    cut at its middle); ``bounds[-1]`` is the album's length.
    """
    frames = [int(f) for f in frames]
    if gap and crossfade:
        raise AlbumError("give gap_s or crossfade_s, not both", field="crossfade_s")
    if crossfade and any(crossfade * 2 > f for f in frames):
        raise AlbumError("a crossfade longer than half a track", field="crossfade_s")
    starts, t = [], 0
    for f in frames:
        starts.append(t)
        t += f + gap - crossfade
    end = starts[-1] + frames[-1]
    bounds = [0] + [s + crossfade // 2 for s in starts[1:]] + [end]
    return starts, bounds
