"""``groovebox song`` and ``groovebox new song`` — render a song map, show its arrangement.

    groovebox new song --template lo-fi-hip-hop --seed 4 -o study.toml
    groovebox song study.toml -o study.wav --stems stems/
    groovebox song study.toml -o study.mid
    groovebox song study.toml --show

Bad input (an unknown part, pattern, section or instrument, a section of 0 bars, automation
out of range or outside the song, a meter the sequencer cannot place, an unknown template)
gives one line naming the file, line and field, exit status 2, and no file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from groovebox.cli.new import add_new
from groovebox.errors import GrooveboxError

SUFFIXES = (".wav", ".flac", ".mid", ".midi")


def register(sub) -> None:
    p = sub.add_parser(
        "song", help="render a song map to audio (with stems) or MIDI, or show its arrangement",
        description="Render a song map (see songs/README.md) mastered to -14 LUFS (true peak <= -1 dBTP): "
                    ".wav or .flac, or a multi-track .mid; --stems DIR also writes every track and bus "
                    "and the pre-master mix; --show prints the arrangement.",
    )  # fmt: skip
    p.add_argument("song", metavar="SONG.toml", help="a song map")
    p.add_argument("-o", "--output", help="write .wav, .flac or .mid")
    p.add_argument("--stems", metavar="DIR", help="also write stems (24-bit WAV, same length) and mix.wav here")
    p.add_argument("--show", action="store_true", help="print the arrangement: sections as columns, parts as rows")
    p.add_argument("--sample-rate", type=int, default=48000, help="Hz (default 48000)")
    p.add_argument("--progress", action="store_true", default=None, help="a progress bar (default: on a terminal)")
    p.set_defaults(func=cmd_song)
    register_new_song(sub)


def register_new_song(sub) -> None:
    from groovebox.generators.templates import (
        template_names,  # the template table: only `new song` needs it
    )

    p = add_new(sub, "song", help="write a complete song map from a template",
                description="Write a complete, working song map from a template (" + ", ".join(template_names())
                + "), with a seeded working title. Edit it, then `groovebox song FILE -o song.wav`.")
    p.add_argument("--template", default="pop", help="one of " + ", ".join(template_names()) + " (default pop)")
    p.add_argument("--seed", default="0", help="seed for the title, fills, melodies (default 0)")
    p.add_argument("--title", help="title (default: a working title from the seed)")
    p.add_argument("-o", "--output", help="file to write (default: print to stdout)")
    p.set_defaults(func=cmd_new_song)


def cmd_new_song(args) -> int:
    from groovebox.formats.song_toml import dumps, save
    from groovebox.generators.templates import new_song

    song = new_song(args.template, seed=args.seed, title=args.title)
    if args.output:
        out = Path(args.output)
        if out.suffix.lower() != ".toml":
            raise GrooveboxError(f"{out}: a song map is a .toml file")
        save(song, out)
        print(f"wrote {out}: '{song.title}', {song.template}, {len(song.sections)} sections, {song.bars} bars, "
              f"{_mmss(song.duration_s)}", file=sys.stderr)
    else:
        sys.stdout.write(dumps(song))
    return 0


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def cmd_song(args) -> int:
    from groovebox.formats.song_toml import load

    song = load(args.song)
    if not args.output and not args.show:
        raise GrooveboxError("nothing to do: give -o FILE (.wav, .flac, .mid) and/or --show")
    if args.stems and not args.output:
        raise GrooveboxError("--stems goes with -o FILE.wav or .flac (stems come from the same render)")
    if args.output:
        out = Path(args.output)
        suffix = out.suffix.lower()
        if suffix not in SUFFIXES:
            raise GrooveboxError(f"{out}: cannot write '{suffix or 'no suffix'}' files; use one of {', '.join(SUFFIXES)}")
        if args.stems and suffix in (".mid", ".midi"):
            raise GrooveboxError("--stems goes with audio output (.wav, .flac), not MIDI")
    if args.show:
        from groovebox.viz import arrangement_text

        print(arrangement_text(song))
    if not args.output:
        return 0
    from groovebox.exporter import export

    kw = {} if suffix in (".mid", ".midi") else {"sample_rate": args.sample_rate, "progress": args.progress}
    if args.stems:
        kw["stems"] = args.stems
    path = export(song, out, **kw)
    print(f"wrote {path}" + (f" and stems in {args.stems}" if args.stems else ""), file=sys.stderr)
    return 0
