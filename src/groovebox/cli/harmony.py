"""``groovebox progression`` and ``groovebox generate progression`` — chords as sound and files.

    groovebox progression "I V vi IV" --key C --bass --arp --drums pop/four-on-the-floor -o song.wav
    groovebox generate progression --style jazz --bars 8 --key Bb --seed 3 -o ii-v.mid

Without ``-o`` the chords are printed (roman numerals and chord symbols); with it, the output's
suffix picks the format: .wav/.flac (audio), .mid (one track per part, drums on channel 10 when
the drum-MIDI exporter is present), .musicxml/.xml (a score). Bad chords, keys or options give
one line naming the token and its position, exit status 2, and no file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from groovebox.cli import seed_arg
from groovebox.cli.text import plural
from groovebox.errors import GrooveboxError

BASS_CHOICES = ("auto", "roots", "root_fifth", "root-fifth", "walking", "kick")
ARP_CHOICES = ("up", "down", "updown", "random")


def _generate_subparsers(sub):
    """The subcommands of ``groovebox generate``, shared with other modules that add generators."""
    parser = sub.choices.get("generate")
    if parser is None:
        parser = sub.add_parser("generate", help="generate music (progression, ...)",
                                description="Generate music from a style and a seed.")
        action = parser.add_subparsers(dest="what", metavar="WHAT", parser_class=type(parser))
        parser.set_defaults(func=lambda args: _missing_what(parser))
        return action
    # another module registered `generate` first: add to its subcommands
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _missing_what(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add_arrangement_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", help="key: C, a, 'F# minor', 'D dorian', Bb, ... (music21 spelling)")
    p.add_argument("--bpm", type=float,
                   help="tempo (default: the drum pattern's, else 120 or the style's); with --drums in the pattern's beat")
    p.add_argument("--bars-per-chord", type=str, metavar="N", help="bars each chord lasts (0.5 = half a bar)")
    p.add_argument("--signature", help="time signature, e.g. 3/4 (default: the drum pattern's, else 4/4)")
    p.add_argument("--instrument", default="pad",
                   help="instrument of the chords: pad, keys, piano, organ, bell, glass, pluck, choir, "
                        "strings, drone, ... (default pad)")
    p.add_argument("--voicing", default="close", choices=("close", "open", "drop2"), help="chord voicing")
    p.add_argument("--drums", metavar="PATTERN", help="drum pattern (library id or .toml) under the chords")
    p.add_argument("--kit", help="drum kit (default: the pattern's)")
    p.add_argument("--swing", type=float, help="drum swing percent (default: the pattern's)")
    p.add_argument("--bass", nargs="?", const="auto", choices=BASS_CHOICES, metavar="MODE",
                   help="add a bass: roots, root_fifth, walking or kick (locked to the drums' kick); "
                        "alone: kick with drums, else roots")
    p.add_argument("--arp", nargs="?", const="up", choices=ARP_CHOICES, metavar="DIRECTION",
                   help="add an arpeggio: up, down, updown or random (alone: up)")
    p.add_argument("--melody", action="store_true", help="add a seeded melody")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed for melody, walking bass, drums (default 0)")
    p.add_argument("--sample-rate", type=int, default=48000, help="Hz for audio output (default 48000)")
    p.add_argument("--loudness", default="-14", metavar="LUFS|off", help="master to this loudness in LUFS, -70..0, true peak <= -1 dBTP (default -14, what streaming services play at); off: the raw mix")
    p.add_argument("-o", "--output", help="write .wav/.flac/.mid/.musicxml (default: print the chords)")


def register(sub) -> None:
    p = sub.add_parser(
        "progression", help="play or export a written chord progression",
        description="Arrange roman numerals ('I V vi IV') or chord symbols ('Am7 D9 Gmaj7') and "
                    "render them to audio, MIDI or MusicXML.",
    )  # fmt: skip
    p.add_argument("chords", help="roman numerals or chord symbols, separated by spaces or commas")
    _add_arrangement_options(p)
    p.set_defaults(func=cmd_progression)

    gen = _generate_subparsers(sub)
    g = gen.add_parser(
        "progression", help="generate a chord progression in a style",
        description="Generate a seeded chord progression (Markov chain over roman numerals) and "
                    "print, render or export it.",
    )  # fmt: skip
    g.add_argument("--style", default="pop", help="pop, jazz, modal, minor_ballad, ambient, bach (default pop)")
    g.add_argument("--bars", type=int, default=8, help="length in bars (default 8)")
    g.add_argument("--cadence", default="true",
                   help="true (the style's), false, authentic, plagal or half (default true)")
    _add_arrangement_options(g)
    g.set_defaults(func=cmd_generate_progression)


# -- shared steps ----------------------------------------------------------------------------


def _check_output(args) -> Path | None:
    """Fail on an unwritable suffix before any work."""
    if not args.output:
        return None
    from groovebox.exporter import MIDI_SUFFIXES, MUSICXML_SUFFIXES
    from groovebox.formats.audio import FORMATS

    out = Path(args.output)
    known = (*FORMATS, *MIDI_SUFFIXES, *MUSICXML_SUFFIXES)
    if out.suffix.lower() not in known:
        raise GrooveboxError(f"{out}: cannot write '{out.suffix or 'no suffix'}' files; use one of {', '.join(known)}")
    return out


def _drums(args):
    if not args.drums:
        return None
    from groovebox.library import load

    return load(args.drums)


def _tempo_and_meter(args, drums, default_bpm: float | None) -> tuple[float | None, str]:
    """Quarter-note tempo and signature: given, else the drum pattern's, else the default."""
    signature = args.signature
    if drums is not None:
        from groovebox.model.arrangement import pattern_beat_quarters

        q = pattern_beat_quarters(drums)
        if signature is None:
            signature = f"{drums.signature[0]}/{drums.signature[1]}"
        bpm = (args.bpm if args.bpm is not None else drums.bpm) * q
        return float(bpm), signature
    return (args.bpm if args.bpm is not None else default_bpm), signature or "4/4"


def _bars_per_chord(text: str | None):
    if text is None:
        return None
    from fractions import Fraction

    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise GrooveboxError(f"--bars-per-chord: expected a number of bars like 1, 2 or 0.5, got {text!r}") from None
    if value <= 0:
        raise GrooveboxError(f"--bars-per-chord: expected more than 0 bars, got {text!r}")
    return value


def _arrange_and_write(args, progression, drums, out: Path | None) -> int:
    from groovebox.generators.arrange import arrange

    bass = None if args.bass is None else args.bass.replace("-", "_")
    arr = arrange(progression, chords=args.instrument, voicing=args.voicing, bass=bass, arp=args.arp,
                  melody=args.melody, drums=drums, kit=args.kit, swing=args.swing, seed=args.seed)  # fmt: skip
    guessed = None
    if getattr(args, "key", None) is None:  # say where the key came from
        guessed = "picked by the seed" if hasattr(args, "style") else "heard in the chords"
    _print_chords(arr, guessed)
    if out is None:
        return 0
    from groovebox.exporter import MIDI_SUFFIXES, MUSICXML_SUFFIXES, export

    t0 = time.perf_counter()
    audio = out.suffix.lower() not in (*MIDI_SUFFIXES, *MUSICXML_SUFFIXES)
    export(arr, out, sample_rate=args.sample_rate, loudness=args.loudness if audio else None)
    wall = time.perf_counter() - t0
    suffix = out.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        tracks = ", ".join(arr.part_names)
        if arr.drums is not None:
            tracks += ", drums (channel 10)"
        print(f"wrote {out} ({tracks}) in {wall:.2f} s")
    elif suffix in (".musicxml", ".xml"):
        print(f"wrote {out} (score: {', '.join(arr.part_names)}) in {wall:.2f} s")
    else:
        import soundfile as sf

        info = sf.info(str(out))
        print(f"wrote {out} ({info.duration:.2f} s, {info.samplerate} Hz, {info.subtype_info}) in {wall:.2f} s")
    return 0


def _print_chords(arr, key_guessed: str | None = None) -> None:
    from groovebox.harmony.chords import is_roman, symbol

    prog = arr.progression
    bar = prog.beats_per_bar
    # the tempo as --bpm takes it: in the drum pattern's beat when there are drums
    bpm = round(arr.drum_bpm, 2) if arr.drums is not None else prog.bpm
    key = str(prog.key) if key_guessed is None else f"{prog.key} ({key_guessed}; --key sets it)"
    head = (f"{key} · {prog.signature} · {bpm:g} bpm · {plural(len(prog), 'chord')}, "
            f"{plural(float(prog.bars), 'bar')}")
    if arr.drums is not None:
        head += f" · drums {arr.drums.id or arr.drums.name}"
    print(head)
    print(f"{'bar':>6}  {'roman':<10} chord")
    for start, _dur, c in prog.spans():
        pos = start / bar
        where = f"{int(pos) + 1}" if pos.denominator == 1 else f"{int(pos) + 1}+{float(pos % 1 * bar):g}"
        roman = c.figure if is_roman(c.figure) else "-"
        print(f"{where:>6}  {roman:<10} {symbol(c)}")


# -- commands --------------------------------------------------------------------------------


def cmd_progression(args) -> int:
    from groovebox.harmony import progression

    out = _check_output(args)
    drums = _drums(args)
    bpm, signature = _tempo_and_meter(args, drums, 120.0)
    per = _bars_per_chord(args.bars_per_chord)
    prog = progression(args.chords, key=args.key, bpm=bpm, bars_per_chord=1 if per is None else per,
                       signature=signature)  # fmt: skip
    return _arrange_and_write(args, prog, drums, out)


def cmd_generate_progression(args) -> int:
    from groovebox.generators.progressions import generate_progression

    out = _check_output(args)
    drums = _drums(args)
    bpm, signature = _tempo_and_meter(args, drums, None)
    cadence = {"true": True, "false": False, "none": False}.get(args.cadence.lower(), args.cadence.lower())
    prog = generate_progression(args.style, bars=args.bars, key=args.key, seed=args.seed, cadence=cadence,
                                bars_per_chord=_bars_per_chord(args.bars_per_chord), bpm=bpm,
                                signature=signature)  # fmt: skip
    return _arrange_and_write(args, prog, drums, out)
