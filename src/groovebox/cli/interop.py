"""``groovebox import`` — drum MIDI files and Hydrogen patterns/songs into pattern TOML.

(``groovebox render PATTERN -o x.mid``, the way out, lives with ``render`` in cli/patterns.py.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from groovebox.errors import GrooveboxError

MIDI_SUFFIXES = (".mid", ".midi", ".smf")
HYDROGEN_SUFFIXES = (".h2pattern", ".h2song")


def _grid(text: str):
    if text == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 8, 12, 16, 24, 32 or auto, got {text!r}") from None


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="turn a drum MIDI file or a Hydrogen pattern/song into pattern TOML",
        description="Import a drum MIDI file (.mid) or a Hydrogen pattern or song (.h2pattern, "
                    ".h2song) as groovebox pattern files (one per pattern; a song gives one per "
                    "pattern, named after the song). Instruments are mapped to ours; the ones "
                    "that cannot be are reported by name.",
    )  # fmt: skip
    p.add_argument("file", help="a .mid, .h2pattern or .h2song file")
    p.add_argument("--out", default=".", metavar="DIR", help="folder for the .toml files (default: here)")
    p.add_argument("--name", help="pattern name (MIDI; default: the file's track or file name)")
    p.add_argument("--genre", default="imported", help="genre written into the files (default: imported)")
    p.add_argument("--grid", type=_grid, default="auto", metavar="16|12|24|8|32|auto",
                   help="MIDI: steps per whole note (12 = triplet 8ths); auto tells 16ths from triplets")
    p.add_argument("--channel", type=int, default=10, help="MIDI: channel of the drums (default 10)")
    p.add_argument("--bars", type=int, help="MIDI: keep only the first N bars")
    p.add_argument("--bpm", type=float, help="tempo to write (default: the file's; Hydrogen patterns: 120)")
    p.add_argument("--keep-timing", action="store_true",
                   help="MIDI: keep each hit's offset from the grid as a nudge (Hydrogen always does)")
    p.add_argument("--strict", action="store_true", help="fail on unmapped instruments instead of skipping them")
    p.add_argument("--force", action="store_true", help="overwrite existing .toml files")
    p.set_defaults(func=cmd_import)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        return "midi"
    if suffix in HYDROGEN_SUFFIXES:
        return "hydrogen"
    try:
        head = path.read_bytes()[:64]
    except OSError as exc:
        raise GrooveboxError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"MThd"):
        return "midi"
    if head.lstrip().startswith(b"<"):
        return "hydrogen"
    raise GrooveboxError(f"{path}: cannot import '{suffix or 'no suffix'}' files; "
                         f"expected {', '.join(MIDI_SUFFIXES[:2] + HYDROGEN_SUFFIXES)}")


def cmd_import(args) -> int:
    from groovebox import library
    from groovebox.cli.text import plural
    from groovebox.formats import pattern_toml
    from groovebox.formats.hydrogen import slug

    src = Path(args.file)
    if not src.is_file():
        raise GrooveboxError(f"{src}: no such file")
    if args.bpm is not None and not 20 <= args.bpm * 1.0 <= 400:
        raise GrooveboxError(f"bpm: {args.bpm!r} is out of range; expected 20..400")
    if _kind(src) == "midi":
        from groovebox.formats.midi.drums import read_drum_midi

        result = read_drum_midi(src, grid=args.grid, channel=args.channel, name=args.name, bars=args.bars,
                                keep_timing=args.keep_timing, strict=args.strict)
    else:
        from groovebox.formats.hydrogen import read_hydrogen

        for flag in ("name", "bars"):
            if getattr(args, flag) is not None:
                raise GrooveboxError(f"--{flag} is for MIDI files; Hydrogen files name and size their patterns")
        result = read_hydrogen(src, bpm=args.bpm, strict=args.strict)
    out_dir = Path(args.out)
    targets: list[tuple[Path, object]] = []
    used: set[str] = set()
    for p in result.patterns:
        changes = {"genre": args.genre}
        if args.bpm is not None:
            changes["bpm"] = args.bpm
        p = p.replace(**changes)
        stem = slug(p.name)
        n = 2
        while stem in used:
            stem = f"{slug(p.name)}-{n}"
            n += 1
        used.add(stem)
        targets.append((out_dir / f"{stem}.toml", p))
    if not args.force:
        existing = [str(t) for t, _ in targets if t.exists()]
        if existing:
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise GrooveboxError(f"{existing[0]} exists{more}; use --force to overwrite")
    for note in result.notes:
        print(f"groovebox: note: {note}", file=sys.stderr)
    for path, p in targets:
        pattern_toml.dump(p, path)
    names = ", ".join(t.name for t, _ in targets[:6]) + (" ..." if len(targets) > 6 else "")
    print(f"wrote {plural(len(targets), 'pattern')} to {out_dir}: {names}")
    # Files at the top of a patterns folder are addressed by the genre they name (library.py).
    ids = ", ".join(f"{library.genre_id(p.genre)}/{t.stem}" for t, p in targets[:3]) + (" ..." if len(targets) > 3 else "")
    print(f"with {library.ENV_VAR}={out_dir} their ids are {ids} (groovebox list, show, play)")
    return 0
