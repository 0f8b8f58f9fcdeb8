"""``groovebox render | show | list | genres | kits`` — the pattern commands.

``list``, ``genres`` and ``show`` never import Numba or music21, so they answer at once.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from groovebox.cli import seed_arg
from groovebox.cli.new import add_new
from groovebox.cli.text import plural
from groovebox.errors import GrooveboxError

_USER_GENRE = "mine"  # formats.pattern_toml.USER_GENRE (not imported here: `list` must stay light)
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

_TEMPLATE = """\
# A drum pattern to edit; play it with `groovebox play {ref}`.
# Only [tracks] is required: every line above it shows its default or can go.
name = "{name}"
genre = "{genre}"
bpm = 100
signature = "4/4"      # beats per bar / note value (6/8, 12/8: beats of three eighths)
steps_per_beat = 4     # 4: sixteenths, 3: triplet eighths
swing = 50             # 50 straight .. 66 a triplet shuffle (MPC percent)
# description = "what it is, its era, what to listen for"
# kit = "909"          # suggested kit: 808, 909, lofi, acoustic, or a sample folder

# . rest  x hit  X accent  o ghost; spaces and | are only for the eye. One line per
# instrument: kick snare rim clap closed_hat pedal_hat open_hat crash ride low_tom mid_tom
# high_tom cowbell clave shaker tambourine conga_low conga_high ... (patterns/README.md)
[tracks]
kick       = "x... .... x.x. ...."
snare      = ".... X... .... X..o"
closed_hat = "x.x. x.x. x.x. x.x."
"""


def _float_range(text: str) -> tuple[float, float]:
    try:
        if "-" in text.strip("-"):
            lo, hi = text.split("-", 1)
            return float(lo), float(hi)
        v = float(text)
        return v, v
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a tempo range like 90-110, got {text!r}") from None


def add_render_options(p: argparse.ArgumentParser) -> None:
    """Options shared by commands that render a pattern (render, play)."""
    p.add_argument("--bpm", type=float, help="tempo (default: the pattern's)")
    p.add_argument("--kit", help="kit name (see `groovebox kits`) or a sample-kit folder")
    p.add_argument("--swing", type=float, help="swing percent, 50 (straight) .. 75")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed for probability steps and humanize")
    p.add_argument("--humanize", type=float, default=0.0, metavar="MS",
                   help="random timing spread in ms (seeded)")
    p.add_argument("--mute", default="", metavar="INSTR,...", help="instruments to mute")


def register(sub) -> None:
    p = sub.add_parser("render", help="render a pattern to WAV/FLAC/OGG or MIDI",
                       description="Render a pattern (library id or .toml file) to an audio file, or "
                                   "to a Standard MIDI File (-o x.mid: GM drums on channel 10, "
                                   "one loop of the pattern by default).")
    p.add_argument("pattern", help="library id (genre/slug) or path to a .toml file")
    p.add_argument("-o", "--output", required=True, help="output file; the suffix picks the format")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--bars", type=float, help="bars to render (default 4, then it rings out)")
    length.add_argument("--seconds", type=float, help="seconds to render (cut with a short fade)")
    add_render_options(p)
    p.add_argument("--sample-rate", type=int, default=48000, help="Hz (default 48000)")
    p.add_argument("--no-tail", action="store_true", help="stop exactly at the last bar")
    p.add_argument("--loudness", default="-14", metavar="LUFS|off", help="master to this loudness in LUFS, -70..0, true peak <= -1 dBTP (default -14, what streaming services play at); off: the raw mix")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("show", help="show a pattern's grid")
    p.add_argument("pattern", help="library id (genre/slug) or path to a .toml file")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("list", help="list the pattern library")
    p.add_argument("--genre", help="only this genre")
    p.add_argument("--bpm", type=_float_range, metavar="LO-HI", help="tempo range, e.g. 90-110")
    p.add_argument("--search", metavar="TEXT", help="words to find in name, description, tags")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("genres", help="genres in the library with pattern counts")
    p.set_defaults(func=cmd_genres)

    p = sub.add_parser("kits", help="list the drum kits")
    p.set_defaults(func=cmd_kits)

    p = add_new(sub, "pattern", help="write a drum pattern file to edit",
                description="Write a pattern file to edit: a simple backbeat with every field shown "
                            "(only [tracks] is required), or a copy of a library pattern (--from). "
                            "It goes to FOLDER/GENRE/NAME.toml, where FOLDER is the first folder of "
                            "GROOVEBOX_PATTERNS (else ./my-patterns), so it is listed and played by "
                            "its id GENRE/NAME.")
    p.add_argument("name", metavar="NAME", help="file name: letters, digits, - and _ (my-groove)")
    p.add_argument("--genre", help=f"genre (folder) to file it under (default: --from's, else {_USER_GENRE})")
    p.add_argument("--from", dest="source", metavar="ID", help="start from this pattern (library id or file)")
    p.add_argument("--dir", metavar="FOLDER", help="patterns folder (default: GROOVEBOX_PATTERNS' first, "
                                                   "else my-patterns)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_new_pattern)


def _console(stderr: bool = False):
    from rich.console import Console

    from groovebox.cli.text import width

    # Prose wraps at the terminal's width (80 columns in a pipe); grids and tables are laid out
    # to fit it.
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width())


def _mute_list(text: str) -> tuple[str, ...]:
    return tuple(m.strip() for m in text.split(",") if m.strip())


def cmd_render(args) -> int:
    # Heavy modules (the engine and its Numba kernels, mido) load inside commands, so `list`,
    # `genres` and `show` answer without them (importing numba alone costs ~0.3 s).
    from groovebox.exporter import MIDI_SUFFIXES, check_path, export

    out = check_path(args.output)  # before anything compiles
    midi = out.suffix.lower() in MIDI_SUFFIXES
    if not midi:  # a first run compiles the kernels of its parts side by side
        from groovebox.offline import loudness_target
        from groovebox.warmup import master_task, pattern_task, prepare

        tasks = [pattern_task(args.pattern, args.kit)]
        if loudness_target(args.loudness) is not None:
            tasks.append(master_task(out.suffix.lower() == ".wav"))
        prepare(tasks)
    t0 = time.perf_counter()
    export(
        args.pattern, out, bars=args.bars, seconds=args.seconds, bpm=args.bpm, kit=args.kit,
        swing=args.swing, seed=args.seed, humanize_ms=args.humanize, mute=_mute_list(args.mute),
        sample_rate=args.sample_rate, tail=not args.no_tail, loudness=None if midi else args.loudness,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    if midi:
        import mido

        mid = mido.MidiFile(str(out))
        n_notes = sum(1 for m in mid.tracks[0] if m.type == "note_on")
        print(f"wrote {out} ({n_notes} notes, {mid.length:.2f} s, {mid.ticks_per_beat} ticks per quarter, "
              f"GM drums on channel 10)")
        return 0
    import soundfile as sf

    info = sf.info(str(out))
    print(f"wrote {out} ({info.duration:.2f} s, {info.samplerate} Hz, {info.subtype_info}) "
          f"in {wall:.2f} s")
    return 0


# Rich styles for grid characters: accents stand out, ghosts recede.
_STYLE = {"X": "bold red", "x": "bold white", "o": "dim cyan", ".": "grey37"}
_SHOW = {"X": "X", "x": "x", "o": "o", ".": "·"}


def cmd_show(args) -> int:
    from rich.text import Text

    from groovebox.library import load

    p = load(args.pattern)
    con = _console()
    head = Text()
    head.append(p.name, style="bold")
    head.append(f"  {p.id or p.path or ''}", style="dim")
    con.print(head)
    num, den = p.signature
    con.print(f"{p.genre} · {p.bpm:g} bpm · {num}/{den} · {p.steps_per_beat} steps per beat · "
              f"swing {p.swing:g} · {p.length_steps} steps ({float(p.bars):g} bar{'' if p.bars == 1 else 's'})"
              + (f" · kit {p.kit}" if p.kit else ""))
    if p.variation_of:
        con.print(f"variation of {p.variation_of}", style="dim")
    con.print(p.description, style="italic")
    if p.record:
        con.print(f"record: {p.record}", style="dim")
    if p.source:
        con.print(f"transcription: {p.source}", style="dim")
    con.print()
    _print_grid(con, p)
    con.print()
    con.print("X accent  x hit  o ghost  · rest" + ("  underlined: chance/ratchet/flam/nudge" if _has_marks(p) else ""),
              style="dim")
    for t in p.tracks:
        details = []
        for i, s in enumerate(t.steps):
            bits = []
            if s.is_hit and s.chance_pct < 100:
                bits.append(f"{s.chance_pct:g}%")
            if s.ratchet > 1:
                bits.append(f"x{s.ratchet}")
            if s.flam:
                bits.append("flam")
            if s.nudge_pct:
                bits.append(f"nudge {s.nudge_pct:+g}%")
            if bits:
                details.append(f"{i + 1}: {' '.join(bits)}")
        if details:
            con.print(f"  {t.instrument}: " + ", ".join(details), style="dim")
    return 0


def _print_grid(con, p) -> None:
    """The pattern's rows, whole bars per line: as many bars as fit the terminal (80 columns in
    a pipe), then the next bars below, each group under its own ruler."""
    from rich.text import Text

    from groovebox.cli.text import width as term_width

    name_w = max(len(t.instrument) for t in p.tracks)
    spb, bar = p.steps_per_beat, p.steps_per_bar
    beats = -(-bar // spb)
    bar_w = bar + beats  # its steps, a space between beats and the bar line
    per_line = max(1, (term_width() - name_w - 2 + 1) // bar_w)
    n_bars = -(-p.length_steps // bar)
    for first in range(0, n_bars, per_line):
        a, b = first * bar, min(p.length_steps, (first + per_line) * bar)
        if first:
            con.print()
        ruler = Text(" " * (name_w + 2))
        for i in range(a, b):
            if i > a and i % spb == 0:
                ruler.append(" ")
            if i % bar == 0:
                ruler.append(str(i // bar + 1)[-1], style="bold")
            elif i % spb == 0:
                ruler.append("'", style="dim")
            else:
                ruler.append(" ")
        ruler.rstrip()
        con.print(ruler)
        for t in p.tracks:
            line = Text(t.instrument.ljust(name_w) + "  ")
            for i in range(a, min(b, len(t))):
                s = t.steps[i]
                if i > a and i % spb == 0:
                    line.append("|" if i % bar == 0 else " ", style="grey37")
                style = _STYLE[s.hit]
                if s.is_hit and (s.chance_pct < 100 or s.ratchet > 1 or s.flam or s.nudge_pct):
                    style += " underline"
                line.append(_SHOW[s.hit], style=style)
            if a < len(t) <= b and len(t) < p.length_steps:
                line.append(f"  ({len(t)}-step loop)", style="dim")
            con.print(line)


def _has_marks(p) -> bool:
    return any(s.is_hit and (s.chance_pct < 100 or s.ratchet > 1 or s.flam or s.nudge_pct)
               for t in p.tracks for s in t.steps)


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset(),
           shrink: int | None = None) -> None:
    """Print an aligned table (plain text; a bold header on a terminal).

    Rich's Table measures every cell through its layout engine, which costs ~0.3 s for the
    whole library; `list` must answer at once, so this one just pads columns. On a terminal the
    ``shrink`` column is cut with an ellipsis to fit the width; in a pipe rows stay whole.
    """
    import shutil

    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    tty = sys.stdout.isatty()
    if tty and shrink is not None:
        room = shutil.get_terminal_size((120, 24)).columns - (sum(widths) - widths[shrink]) - 2 * (len(widths) - 1)
        widths[shrink] = max(len(headers[shrink]), min(widths[shrink], room))

    def line(cells: list[str]) -> str:
        out = []
        for i, c in enumerate(cells):
            if len(c) > widths[i]:
                c = c[: widths[i] - 1] + "\u2026"
            out.append(c.rjust(widths[i]) if i in right else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    head = line(headers)
    print(f"\033[1m{head}\033[0m" if tty else head)
    for r in rows:
        print(line(r))


def cmd_list(args) -> int:
    from groovebox import library

    errors: list[GrooveboxError] = []
    found = library.search(genre=args.genre, bpm_range=args.bpm, text=args.search, errors=errors)
    for err in errors:
        print(f"groovebox: skipped {err}", file=sys.stderr)
    if args.genre and not found and args.genre.lower() not in {g.lower() for g in library.genres()}:
        from groovebox.errors import UnknownNameError

        raise UnknownNameError("genre", args.genre, library.genres(), hint="see `groovebox genres`")
    rows = [[p.id or "", p.name, f"{p.bpm:g}", f"{p.signature[0]}/{p.signature[1]}", f"{p.swing:g}",
             f"{float(p.bars):g}"] for p in found]
    _table(["id", "name", "bpm", "sig", "swing", "bars"], rows, right={2, 4, 5}, shrink=1)
    print(plural(len(found), "pattern"))
    return 0


def cmd_genres(args) -> int:
    from groovebox import library

    errors: list[GrooveboxError] = []
    counts = library.genres(errors=errors)
    for err in errors:
        print(f"groovebox: skipped {err}", file=sys.stderr)
    _table(["genre", "patterns"], [[g, str(n)] for g, n in counts.items()], right={1})
    print(f"{plural(sum(counts.values()), 'pattern')} in {plural(len(counts), 'genre')}")
    return 0


def cmd_kits(args) -> int:
    from rich.table import Table

    from groovebox.model.kit import BUILTIN_KITS

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("kit")
    table.add_column("description")
    for name, kit in BUILTIN_KITS.items():
        table.add_row(name, getattr(kit, "description", ""))
    con = _console()
    con.print(table)
    con.print("--kit PATH also takes a folder of samples (kick.wav, snare_1.wav, ...) or a Hydrogen "
              "drumkit (see the README)", style="dim")
    return 0


def cmd_new_pattern(args) -> int:
    from groovebox import library
    from groovebox.formats import pattern_toml
    from groovebox.formats.atomic import write_atomic

    for what, value in (("NAME", args.name), ("--genre", args.genre)):
        if value is not None and not _SLUG.fullmatch(value):
            raise GrooveboxError(f"{what}: expected a name like my-groove (letters, digits, - and _), got {value!r}")
    base = library.load(args.source) if args.source else None
    genre = args.genre or (base.genre if base is not None and _SLUG.fullmatch(base.genre) else _USER_GENRE)
    env = [p for p in os.environ.get(library.ENV_VAR, "").split(os.pathsep) if p]
    folder = Path(args.dir if args.dir else env[0] if env else "my-patterns").expanduser()
    path = folder / genre / f"{args.name}.toml"
    if path.exists() and not args.force:
        raise GrooveboxError(f"{path} exists; use --force to overwrite it, or choose another NAME")
    title = " ".join(w[:1].upper() + w[1:] for w in re.split(r"[-_]+", args.name) if w)
    ref = f"{genre}/{args.name}" if folder.resolve() in {Path(p).expanduser().resolve() for p in env} else path
    if base is None:
        text = _TEMPLATE.format(ref=ref, name=title, genre=genre)
    else:
        copy = base.replace(name=title, genre=genre, variation_of=None, record=None, source=None,
                            description=f"Started from {base.id or base.path}. {base.description}".strip())
        text = (f"# Started from {base.id or base.path}; play it with `groovebox play {ref}`.\n"
                "# Grids: . rest  x hit  X accent  o ghost (lanes and fields: patterns/README.md)\n"
                + pattern_toml.dumps(copy))
    pattern_toml.loads(text, path)  # what we write must load
    write_atomic(path, text)
    print(f"wrote {path}")
    if isinstance(ref, str):
        print(f"play it: groovebox play {ref}   render it: groovebox render {ref} -o {args.name}.wav")
    else:
        print(f"play it: groovebox play {path}")
        print(f"to use its id {genre}/{args.name} too: export {library.ENV_VAR}={folder}")
    return 0
