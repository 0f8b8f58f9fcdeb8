"""``groovebox album`` and ``groovebox new album`` — make an EP from guidelines, render it, keep notes.

    groovebox new album --guidelines chill --tracks 6 --minutes 22 --seed 1 -o ep/
    groovebox album ep/album.toml -o ep/out            # FLAC + WAV, -14 LUFS album, tags, cover, CUE
    groovebox album status ep/album.toml               # the production notes as a table
    groovebox album set-status ep/album.toml 3 finished   # (album.toml in this folder if omitted)

Bad input (an unknown guideline set, more minutes than the tracks can fill, a missing song map,
a status word not in the list, an output folder that holds another album) gives one line,
exit status 2, and nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from groovebox.cli.new import add_new
from groovebox.errors import GrooveboxError

ACTIONS = ("status", "set-status")


def register(sub) -> None:
    p = sub.add_parser(
        "album", help="render an album.toml (or: album status, album set-status)",
        description="Render every track of an album (see songs/README.md, Albums) in parallel, with one "
                    "loudness for the whole record (-14 LUFS, true peak <= -1 dBTP), ReplayGain 2 tags, a cover "
                    "made from the music, tracklist.md and CUE sheets. `groovebox album status [ALBUM.toml]` "
                    "prints the production notes; `groovebox album set-status [ALBUM.toml] TRACK STATUS` "
                    "changes one (needs-work, pending, finished) keeping the file's comments and layout.",
    )  # fmt: skip
    p.add_argument("args", nargs="+", metavar="ALBUM.toml | status ... | set-status ...",
                   help="an album file to render, or an action and its arguments")
    p.add_argument("-o", "--output", metavar="DIR", help="the output folder (rendering)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core; 0: none)")
    p.add_argument("--sample-rate", type=int, default=None, help="Hz (default: the album's)")
    p.add_argument("--formats", help="comma-separated: flac,wav,ogg,mp3 (default: the album's)")
    p.add_argument("--gapless", action="store_true", default=None, help="also one FLAC of the whole album + CUE")
    p.set_defaults(func=cmd_album)
    register_new_album(sub)


def register_new_album(sub) -> None:
    p = add_new(sub, "album", help="write album.toml and a song map per track from guidelines",
                description="Plan an album from guidelines (a named set: chill, night-drive, lofi-study; or a "
                            "guidelines file): keys and tempos that follow each other well, forms that add up to the "
                            "target length, drums where the guidelines say, the lead instruments as parts, working "
                            "titles. Writes DIR/album.toml and DIR/NN-title.toml.")
    p.add_argument("--guidelines", required=True, metavar="NAME|FILE", help="chill, night-drive, lofi-study or a .toml")
    p.add_argument("--tracks", default="6", help="1..24 (default 6)")
    p.add_argument("--minutes", default="22", help="target length of the album (default 22)")
    p.add_argument("--seed", default="0", help="same guidelines and seed, same album (default 0)")
    p.add_argument("--title", help="album title (default: a working title from the seed)")
    p.add_argument("--artist", default="groovebox", help="(default groovebox)")
    p.add_argument("--year", default="2025", help="the release year for the tags (default 2025)")
    p.add_argument("--formats", default="flac,wav", help="comma-separated: flac,wav,ogg,mp3 (default flac,wav)")
    p.add_argument("--gapless", action="store_true", help="also write a gapless single-file master when rendering")
    p.add_argument("--sample-rate", type=int, default=48000, help="Hz (default 48000)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for album.toml and the song maps")
    p.set_defaults(func=cmd_new_album)


def _formats(text: str | None):
    if text is None:
        return None
    return tuple(f.strip().lower().lstrip(".") for f in text.split(",") if f.strip())


def cmd_new_album(args) -> int:
    from groovebox import checks
    from groovebox.formats.album_toml import dumps
    from groovebox.formats.atomic import write_atomic
    from groovebox.formats.song_toml import dumps as dumps_song
    from groovebox.generators.album import new_album
    from groovebox.model.album import AlbumError

    year = checks.whole(args.year, "year", 1000, 9999, error=AlbumError)
    minutes = checks.number(args.minutes, "minutes", 0.5, 288, "a length in minutes", error=AlbumError)
    album, songs = new_album(args.guidelines, tracks=args.tracks, minutes=minutes, seed=args.seed,
                             title=args.title, artist=args.artist, year=year, formats=_formats(args.formats),
                             gapless=args.gapless, sample_rate=args.sample_rate)
    out = Path(args.output)
    target = out / "album.toml"
    if target.exists():
        raise GrooveboxError(f"{target} exists; choose another folder (new album never overwrites one)")
    texts = [(out / name, dumps_song(song)) for name, song in songs]
    for path, _ in texts:
        if path.exists():
            raise GrooveboxError(f"{path} exists; choose another folder (new album never overwrites a song map)")
    # Everything into a temporary folder first, then into place: never half an album.
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".new-album.", dir=out))
    try:
        for path, text in [*texts, (target, dumps(album))]:
            write_atomic(stage / path.name, text)
        for path, _ in [*texts, (target, None)]:  # the album file last: it names the others
            os.replace(stage / path.name, path)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    total = album.total_s([s.duration_s for _, s in songs])
    print(f"wrote {target} and {len(songs)} song maps: '{album.title}', {album.guidelines.name}, "
          f"{_mmss(total)} (target {_mmss(album.target_s)})", file=sys.stderr)
    for name, s in songs:
        drums = "drums" if any(p.kind == "drums" for p in s.parts) else "no drums"
        lead = next(p.fields.get("instrument") for p in s.parts if p.kind == "lead")
        print(f"  {name}: '{s.title}', {s.key}, {s.bpm:g} bpm, {_mmss(s.duration_s)}, {drums}, lead {lead}",
              file=sys.stderr)
    return 0


def _mmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def cmd_album(args) -> int:
    first = args.args[0]
    if first in ACTIONS:
        rest = args.args[1:]
        if first == "status":
            if len(rest) > 1:
                raise GrooveboxError("usage: groovebox album status [ALBUM.toml]")
            return _status(Path(rest[0]) if rest else Path("album.toml"))
        if len(rest) not in (2, 3):
            raise GrooveboxError("usage: groovebox album set-status [ALBUM.toml] TRACK STATUS "
                                 "(STATUS: needs-work, pending, finished)")
        path = Path(rest[0]) if len(rest) == 3 else Path("album.toml")
        return _set_status(path, rest[-2], rest[-1])
    if len(args.args) > 1:
        raise GrooveboxError(f"one album file to render, got {len(args.args)} arguments (actions: "
                             f"{', '.join(ACTIONS)})")
    if not args.output:
        raise GrooveboxError("give the output folder: groovebox album ALBUM.toml -o DIR")
    from groovebox.albums import render_album

    result = render_album(first, args.output, workers=args.workers, sample_rate=args.sample_rate,
                          formats=_formats(args.formats), gapless=args.gapless,
                          log=lambda text: print(text, file=sys.stderr))
    print(f"wrote {len(result.files)} files to {result.folder}: {len(result.tracks)} tracks, "
          f"{_mmss(result.total_s)} (target {_mmss(result.target_s)}), album {result.album_lufs:.1f} LUFS, "
          f"true peak {result.album_true_peak_dbtp:.1f} dBTP, {result.wall_s:.1f} s "
          f"({result.total_s / max(result.wall_s, 1e-9):.0f}x real time)", file=sys.stderr)
    return 0


def _titles(album):
    """The titles the tracks show: the album's, else the song map's (read only for the title)."""
    from groovebox.formats import tomltext

    out = []
    base = Path(album.source).parent
    for i, t in enumerate(album.tracks, 1):
        title = t.title
        if not title and t.song:
            try:
                title = tomltext.load(base / t.song, "song map")[1].get("title", "")
            except GrooveboxError:
                title = ""
        out.append(title or (t.template and f"{t.template} #{t.seed}") or f"Track {i}")
    return out


def _status(path: Path) -> int:
    from rich.console import Console
    from rich.table import Table

    from groovebox.formats.album_toml import load

    album = load(path)
    titles = _titles(album)
    table = Table(title=f"{album.title} — production notes", title_justify="left")
    for col in ("track", "title", "status", "open feedback", "ideas", "changes"):
        table.add_column(col, overflow="fold")
    for i, (t, title) in enumerate(zip(album.tracks, titles, strict=True), 1):
        n = t.notes
        table.add_row(str(i), title, n.status, "; ".join(n.feedback) or "-", "; ".join(n.ideas) or "-",
                      "; ".join(n.changes) or "-")
    Console(width=160).print(table)
    done = sum(t.notes.status == "finished" for t in album.tracks)
    print(f"{done} of {len(album.tracks)} finished")
    return 0


def _set_status(path: Path, track: str, status: str) -> int:
    from groovebox.formats.album_toml import load, set_status

    album = load(path)
    i, word = set_status(path, track, status, titles=_titles(album))
    print(f"{path}: track {i + 1} is {word}", file=sys.stderr)
    return 0
