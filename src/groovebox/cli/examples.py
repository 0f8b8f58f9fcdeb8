"""Examples at the end of every command's ``--help``, kept together so they read as one guide.

Each is a command line a user can paste, with what it does after ``#``; :func:`attach` adds
them (as an ``examples:`` epilog, lines kept as written) to the commands that have none.
"""

from __future__ import annotations

import argparse

from groovebox.cli.text import Help, examples

__all__ = ["EXAMPLES", "attach"]

EXAMPLES: dict[str, tuple[str, ...]] = {
    "render": (
        "groovebox render breaks/funky-drummer -o beat.wav   # 4 bars, rings out",
        "groovebox render breaks/amen-break -o amen.wav --bars 8 --kit 909 --swing 58",
        "groovebox render my-groove.toml -o loop.flac --seconds 30 --humanize 4",
        "groovebox render funk/cissy-strut -o cissy.mid    # GM drums for a DAW",
        "groovebox render rock/straight-eighths -o raw.wav --loudness off",
    ),
    "show": (
        "groovebox show breaks/funky-drummer",
        "groovebox show my-patterns/funk/my-groove.toml",
    ),
    "list": (
        "groovebox list --genre funk",
        "groovebox list --bpm 90-110 --search clyde",
        "groovebox list | grep shuffle",
    ),
    "genres": ("groovebox genres",),
    "kits": (
        "groovebox kits",
        "groovebox render breaks/amen-break -o amen.wav --kit ~/samples/dusty-kit",
    ),
    "instruments": (
        "groovebox instruments",
        "groovebox progression \"I V vi IV\" --instrument strings -o strings.wav",
    ),
    "play": (
        "groovebox play breaks/funky-drummer --kit 909  # +/- tempo, 1..0 mute, q quit",
        "groovebox play drift                  # an ambient preset, until q or Ctrl-C",
        "groovebox play funk/cissy-strut --seconds 8 --device jack --blocksize 256",
    ),
    "song": (
        "groovebox new song --template house -o my-song.toml",
        "groovebox song my-song.toml -o my-song.wav --stems stems/",
        "groovebox song my-song.toml --show",
    ),
    "studio": (
        "groovebox studio                        # the grid in your browser, a new pattern",
        "groovebox studio breaks/funky-drummer --audio browser",
    ),
    "album": (
        "groovebox album my-ep/album.toml        # every track, album loudness, tags, cover",
        "groovebox album status my-ep/album.toml",
        "groovebox album set-status my-ep/album.toml 2 finished",
    ),
    "dataset": (
        "groovebox dataset datasets/drums-10k.toml -o /data/drums-10k --workers 2",
        "groovebox dataset spec.toml -o out/ds --scheduler tcp://127.0.0.1:8786",
    ),
    "new album": (
        "groovebox new album --guidelines chill --tracks 6 --seed 1 -o my-ep",
        "groovebox new album --guidelines night-drive --minutes 20 --title 'Late' -o late",
    ),
    "new": (
        "groovebox new pattern my-groove        # my-patterns/mine/my-groove.toml",
        "groovebox new pattern late-night --genre funk --from funk/cissy-strut",
        "groovebox new song --template house -o my-song.toml",
        "groovebox new album --guidelines chill --tracks 6 -o my-ep",
    ),
    "new pattern": (
        "groovebox new pattern my-groove",
        "groovebox new pattern late-night --genre funk --from funk/cissy-strut",
        "GROOVEBOX_PATTERNS=my-patterns groovebox play mine/my-groove",
    ),
    "new song": (
        "groovebox new song --template house --seed 3 -o my-song.toml",
        "groovebox new song --template chillwave --title 'Night Bus'",
    ),
    "import": (
        "groovebox import groove.mid --out my-patterns/",
        "groovebox import song.h2song --out my-patterns/   # one TOML per pattern",
        "groovebox import played.mid --keep-timing --grid auto",
    ),
    "progression": (
        "groovebox progression \"I V vi IV\" --key C --drums soul/motown-backbeat --bass",
        "groovebox progression \"I V vi IV\" --key C --arp -o song.wav",
        "groovebox progression \"ii7 V7 Imaj7\" --key Bb --instrument keys -o ii-v-i.mid",
        "groovebox progression \"Am7 D9 Gmaj7\"    # prints the chords and their key",
    ),
    "generate": (
        "groovebox generate progression --style jazz --bars 8 --key F --seed 3",
    ),
    "generate progression": (
        "groovebox generate progression --style jazz --bars 8 --key F --seed 3",
        "groovebox generate progression --style pop --bars 8 --melody -o pop.musicxml",
    ),
    "ambient": (
        "groovebox ambient airports -o airports.wav --minutes 60 --seed 7",
        "groovebox ambient drift -o drift.flac --seconds 90",
    ),
    "presets": ("groovebox presets",),
    "meter": (
        "groovebox meter out/*.wav",
        "groovebox meter mix.wav --json",
    ),
    "demo": (
        "groovebox demo                  # render the showcase to out/ and play it",
        "groovebox demo --no-play --out /tmp/demo",
    ),
    "warmup": (
        "groovebox warmup           # drum patterns: render and play start at once",
        "groovebox warmup --all     # everything (about half a minute on 2 cores)",
    ),
}


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def attach(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """Give every subcommand of ``parser`` (and theirs) its examples, unless it has an epilog."""
    for name, sub in _subparsers(parser):
        key = f"{prefix}{name}"
        if not sub.epilog and key in EXAMPLES:
            sub.epilog = examples(*EXAMPLES[key])
            sub.formatter_class = Help
        attach(sub, key + " ")
