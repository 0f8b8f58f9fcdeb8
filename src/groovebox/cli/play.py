"""``groovebox play`` — hear a pattern now and play with it: tempo, tap, swing, mute, solo,
kit, next/previous pattern on the bar line, with the grid and a moving playhead. A song map
plays from its first bar, showing the section and bar; keys jump to the next or previous
section on the bar line and loop the current one.

Without a terminal (scripts, CI) it plays for ``--seconds`` (or until Ctrl-C) and prints the
summary line.
"""

from __future__ import annotations

import os
import queue
import select
import sys
import threading
import time

from groovebox.errors import GrooveboxError

HELP_KEYS = ("+/- tempo ±1   >/< ±10   t tap   ]/[ swing ±1   1-9,0 mute row   shift+digit solo   "
             "u unmute all   k/K kit   n/p next/previous pattern   q quit")
KEYS = {
    "+": ("bpm", 1), "=": ("bpm", 1), "-": ("bpm", -1), "_": ("bpm", -1),
    "\x1b[A": ("bpm", 1), "\x1b[B": ("bpm", -1),
    ">": ("bpm", 10), ".": ("bpm", 10), "<": ("bpm", -10), ",": ("bpm", -10),
    "\x1b[5~": ("bpm", 10), "\x1b[6~": ("bpm", -10),
    "t": ("tap", 0), "T": ("tap", 0),
    "]": ("swing", 1), "[": ("swing", -1),
    "u": ("clear", 0), "U": ("clear", 0),
    "k": ("kit", 1), "K": ("kit", -1),
    "n": ("pattern", 1), "\x1b[C": ("pattern", 1), "p": ("pattern", -1), "\x1b[D": ("pattern", -1),
    "l": ("loop", 0), "L": ("loop", 0),
    "q": ("quit", 0), "Q": ("quit", 0), "\x1b": ("quit", 0), "\x03": ("quit", 0),
}
SONG_HELP_KEYS = "n/→ next section   p/← previous section (on the bar line)   l loop the section   q quit"
for _i, _c in enumerate("1234567890"):
    KEYS[_c] = ("mute", _i)
for _i, _c in enumerate("!@#$%^&*()"):
    KEYS[_c] = ("solo", _i)


def register(sub) -> None:
    from groovebox.cli.patterns import add_render_options

    p = sub.add_parser(
        "play", help="play a pattern, a song map or an ambient preset on the sound card, with live keys",
        description="Play a pattern (library id or .toml file), a song map (see songs/README.md) or "
                    "an ambient preset (see `groovebox presets`) through the sound card. For patterns, "
                    "in a terminal, keys change it live: " + HELP_KEYS + ". For songs: "
                    + SONG_HELP_KEYS + ".",
    )  # fmt: skip
    p.add_argument("pattern", metavar="PATTERN|SONG|PRESET",
                   help="library id (genre/slug), path to a pattern or song map .toml file, or an ambient "
                        "preset name")
    add_render_options(p)
    p.add_argument("--solo", default="", metavar="INSTR,...", help="instruments to hear alone")
    p.add_argument("--seconds", type=float, help="stop after this many seconds (default: until q or Ctrl-C)")
    p.add_argument("--device", help="output device number or (part of its) name; default: the system's")
    p.add_argument("--blocksize", type=int, help="frames per audio callback, 16..16384 (default: the device's)")
    p.add_argument("--latency", help="low, high, or seconds (default: the device's)")
    p.add_argument("--sample-rate", type=int, help="Hz (default: the device's)")
    p.add_argument("--no-keys", action="store_true", help="no live keys or grid, even in a terminal")
    p.add_argument("--watch", action="store_true",
                   help="re-read the pattern file whenever it is saved and switch to it on the next bar "
                        "line (a version with an error is reported and the last good one keeps playing)")
    p.add_argument("-v", "--verbose", action="store_true", help="print device, latency and start-up time")
    p.set_defaults(func=cmd_play)


def _names(text: str) -> tuple[str, ...]:
    return tuple(m.strip() for m in text.split(",") if m.strip())


def _process_start_time() -> float:
    """Epoch seconds when this process started (Linux /proc; else now)."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return time.time() - (uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.time()


def _preload_portaudio() -> None:
    try:
        import sounddevice  # noqa: F401  (PortAudio's start-up: ~75 ms, mostly in C)
    except Exception:  # no PortAudio: opening the stream says so, on the main thread
        pass


def cmd_play(args) -> int:
    # PortAudio starts on its own thread while Numba and the engine load on this one (its device
    # scan runs in C without the GIL): the first callback comes ~60 ms sooner.
    threading.Thread(target=_preload_portaudio, name="groovebox-portaudio", daemon=True).start()
    from groovebox.formats.song_toml import is_song_map
    from groovebox.live.player import STOP_FADE_S, Player

    if args.seconds is not None and not (0 < args.seconds <= 24 * 3600):
        raise GrooveboxError(f"seconds: {args.seconds!r} is out of range; expected more than 0 and at most 86400")
    song = is_song_map(args.pattern)
    if song:
        for flag, value in (("--bpm", args.bpm), ("--swing", args.swing), ("--kit", args.kit),
                            ("--humanize", args.humanize or None), ("--seed", args.seed or None),
                            ("--watch", args.watch or None)):
            if value is not None:
                raise GrooveboxError(f"{flag}: a song's tempo, kits, swing and seed are in its song map "
                                     f"({args.pattern})" if flag != "--watch" else
                                     f"--watch follows pattern files; {args.pattern} is a song map")
    watch_path = _watch_path(args.pattern) if args.watch else None
    interactive = not args.no_keys and sys.stdin.isatty() and sys.stdout.isatty()
    ui = (_SongUi() if song else _Ui()) if interactive else None
    say = ui.message if ui else (lambda m: print(f"groovebox: {m}", file=sys.stderr, flush=True))
    options = {} if song else dict(bpm=args.bpm, swing=args.swing, kit=args.kit, seed=args.seed,
                                   humanize_ms=args.humanize)
    player = Player(
        args.pattern, mute=_names(args.mute), solo=_names(args.solo), device=args.device,
        blocksize=args.blocksize, latency=args.latency, sample_rate=args.sample_rate,
        on_message=say, **options,
    )  # fmt: skip
    status = 0
    watcher = None
    try:
        player.start()
        if watch_path is not None:
            from groovebox.live.watch import watch_player  # watchfiles: an optional extra

            watcher = watch_player(player, watch_path, say)
            say(f"watching {watch_path}: save it to hear the new version from the next bar line")
        if args.verbose:
            stream = player._stream
            print(f"playing {args.pattern} on {player.device}, {player.sample_rate} Hz, blocksize "
                  f"{stream.blocksize or 'variable'}, output latency {stream.latency * 1000:.1f} ms")
        if ui is not None:
            ui.run(player, args)
        else:
            player.wait(None if args.seconds is None else max(0.0, args.seconds - STOP_FADE_S))
    except KeyboardInterrupt:
        status = 130
    finally:
        if watcher is not None:
            watcher.stop()
        line = player.stop()
    if args.verbose and player.deck.first_callback_time is not None:
        print(f"first callback {player.deck.first_callback_time - _process_start_time():.2f} s after start")
    print(line)
    return status


def next_line(queued: tuple[str, float] | None, position_s: float, playing_id: str | None) -> str | None:
    """The line that counts down to a queued pattern switch, or None once it has happened
    (or when nothing is queued).

    >>> next_line(("funk/cissy-strut", 12.0), 10.25, "breaks/funky-drummer")
    'next: funk/cissy-strut in 1.8 s (on the bar line)'
    >>> next_line(("funk/cissy-strut", 12.0), 12.01, "funk/cissy-strut") is None
    True
    """
    if queued is None:
        return None
    target, at_s = queued
    left = at_s - position_s
    if left <= 0.0 or playing_id == target:
        return None
    return f"next: {target} in {left:.1f} s (on the bar line)"


def _watch_path(ref: str):
    """The file behind a pattern argument, for --watch: a .toml file or a library id's file."""
    from pathlib import Path

    from groovebox import library

    path = Path(ref).expanduser()
    if ref.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise GrooveboxError(f"{ref}: no such file to watch")
        return path
    if "/" not in ref:
        raise GrooveboxError(f"--watch needs a pattern file or a library id, not '{ref}'")
    return library.pattern_path(ref.strip().strip("/"))


class _Ui:
    """Live keys and the grid with a playhead (rich Live); the terminal is restored on exit."""

    def __init__(self):
        self.actions: queue.Queue = queue.Queue()
        self.note = ""
        self.note_until = 0.0
        self.queued: tuple[str, float] | None = None  # (pattern id, seconds into the play) of a switch
        self.taps: list[float] = []
        self._stop = threading.Event()

    def message(self, text: str) -> None:
        self.note = text
        self.note_until = time.monotonic() + 4.0

    # -- keys -----------------------------------------------------------------------------------
    def _read_keys(self, fd: int) -> None:
        pending = ""
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                if pending:
                    self._emit(pending)
                    pending = ""
                continue
            data = os.read(fd, 64).decode("utf-8", "replace")
            if not data:
                break
            pending += data
            while pending:
                if pending.startswith("\x1b") and len(pending) > 1:
                    seq = next((k for k in KEYS if k.startswith("\x1b[") and pending.startswith(k)), None)
                    if seq is None and len(pending) < 4 and pending.startswith("\x1b["):
                        break  # an escape sequence still arriving
                    key = seq or pending[:2]
                elif pending == "\x1b":
                    break  # Esc alone, or the start of a sequence: decided on the next poll
                else:
                    key = pending[0]
                self._emit(key)
                pending = pending[len(key):]

    def _emit(self, key: str) -> None:
        if key in KEYS:
            self.actions.put(KEYS[key])

    # -- actions --------------------------------------------------------------------------------
    def _apply(self, player, action, value, genre_ids, kits) -> bool:
        try:
            if action == "quit":
                return False
            if action == "bpm":
                player.set(bpm=player.bpm + value)
            elif action == "swing":
                player.set(swing=player.swing + value)
            elif action == "tap":
                now = time.monotonic()
                self.taps = [t for t in self.taps if now - t < 2.0][-3:] + [now]
                if len(self.taps) >= 2:
                    beat_s = (self.taps[-1] - self.taps[0]) / (len(self.taps) - 1)
                    player.set(bpm=round(60.0 / beat_s, 1))
                    self.message(f"tap tempo {player.bpm:g} bpm")
            elif action in ("mute", "solo"):
                tracks = player.pattern.tracks
                if value >= len(tracks):
                    return True
                name = tracks[value].instrument
                current = set(player.muted if action == "mute" else player.soloed)
                current ^= {name}
                player.set(**{action: sorted(current)})
            elif action == "clear":
                player.set(mute=[], solo=[])
            elif action == "kit":
                name = player.kit if isinstance(player.kit, str) else kits[0]
                i = kits.index(name) if name in kits else -1
                player.set(kit=kits[(i + value) % len(kits)])
                self.message(f"kit {player.kit}")
            elif action == "loop":
                self.message("l loops a song's section; this is a pattern (it loops already)")
            elif action == "pattern":
                ids = genre_ids(player.pattern)
                if not ids:
                    self.message("next/previous work for library patterns only")
                    return True
                pid = player.pattern.id
                i = ids.index(pid) if pid in ids else -1
                target = ids[(i + value) % len(ids)]
                at = player.queue(target)
                self.queued = (target, at / player.sample_rate)
        except GrooveboxError as exc:
            self.message(str(exc))
        return True

    # -- screen ---------------------------------------------------------------------------------
    def _render(self, player):
        from rich.console import Group
        from rich.text import Text

        now = player.now()
        pattern, step = now if now else (player.pattern, 0)
        head = Text()
        head.append(f" {pattern.name}", style="bold")
        head.append(f"  {pattern.id or ''}", style="dim")
        nxt = player.pattern
        if nxt is not pattern:
            head.append(f"  → {nxt.id or nxt.name} at the bar line", style="yellow")
        info = Text(f" ▶ {player.bpm:g} bpm   swing {player.swing:g}   kit {player.kit}   "
                    f"bar {step // pattern.steps_per_bar + 1}   {player.position_s:6.1f} s", style="cyan")
        rows = [head, info, Text()]
        width = max(len(t.instrument) for t in pattern.tracks)
        spb = pattern.steps_per_beat
        muted, soloed = player.muted, player.soloed
        for i, t in enumerate(pattern.tracks):
            silent = t.instrument in muted or (soloed and t.instrument not in soloed)
            key = "1234567890"[i] if i < 10 else " "
            line = Text(f" {key} {t.instrument.ljust(width)}  ", style="dim" if silent else "")
            here = step % len(t)
            for j, s in enumerate(t.steps):
                if j and j % spb == 0:
                    line.append(" ")
                style = {"X": "bold red", "x": "bold white", "o": "cyan", ".": "grey37"}[s.hit]
                if silent:
                    style = "grey23"
                if j == here:
                    style += " reverse"
                line.append({"X": "X", "x": "x", "o": "o", ".": "·"}[s.hit], style=style)
            if t.instrument in soloed:
                line.append("  solo", style="yellow")
            elif t.instrument in muted:
                line.append("  muted", style="dim")
            rows.append(line)
        rows.append(Text())
        deck = player.deck  # plain counters: no percentile sort holding the GIL 20 times a second
        mean_ms = deck.sum_ns / deck.blocks / 1e6 if deck.blocks else 0.0
        rows.append(Text(f" {deck.underruns} underruns   callback mean {mean_ms:.2f} ms"
                         f"   max {deck.max_ns / 1e6:.2f} ms", style="dim"))
        rows.append(Text(" " + HELP_KEYS, style="dim"))
        line = next_line(self.queued, player.position_s, pattern.id)
        if line is None:
            self.queued = None  # switched: the line goes
        if line is not None:
            rows.append(Text(" " + line, style="yellow"))
        elif self.note and time.monotonic() < self.note_until:
            rows.append(Text(" " + self.note, style="yellow"))
        return Group(*rows)

    def run(self, player, args) -> None:
        import termios
        import tty

        from rich.console import Console
        from rich.live import Live

        from groovebox.library import search
        from groovebox.live.player import STOP_FADE_S
        from groovebox.model.kit import BUILTIN_KITS

        kits = list(BUILTIN_KITS)
        cache: dict[str, list[str]] = {}

        def genre_ids(pattern) -> list[str]:
            if not pattern.id:
                return []
            if pattern.genre not in cache:
                cache[pattern.genre] = sorted(p.id for p in search(genre=pattern.genre) if p.id)
            return cache[pattern.genre]

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        reader = threading.Thread(target=self._read_keys, args=(fd,), name="groovebox-keys", daemon=True)
        try:
            tty.setcbreak(fd)  # keys arrive one by one; Ctrl-C still interrupts
            reader.start()
            end = None if args.seconds is None else args.seconds - STOP_FADE_S
            with Live(self._render(player), console=Console(), auto_refresh=False, transient=False) as live:
                running = True
                while running and not player.deck.finished:
                    if end is not None and player.position_s >= end:
                        break
                    try:
                        action, value = self.actions.get(timeout=0.05)
                        running = self._apply(player, action, value, genre_ids, kits)
                        while running and not self.actions.empty():
                            running = self._apply(player, *self.actions.get_nowait(), genre_ids, kits)
                    except queue.Empty:
                        pass
                    live.update(self._render(player), refresh=True)
        finally:
            self._stop.set()
            if reader.is_alive():
                reader.join(1.0)
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class _SongUi(_Ui):
    """A song's live keys: next/previous section on the bar line, loop the section; the screen
    shows the section and bar, the form with the section playing, and a pending jump."""

    def _apply(self, player, action, value, genre_ids, kits) -> bool:
        try:
            if action == "quit":
                return False
            if action == "pattern":
                at = player.jump(value)
                target = player.next_position()
                wait_s = max(0.0, at / player.sample_rate - player.position_s)
                name = f"'{target.name}' " if target is not None else ""
                self.message(f"{'next' if value > 0 else 'back'}: {name}(on the bar line, in {wait_s:.1f} s)")
            elif action == "loop":
                on = player.loop()
                self.message("looping the section" if on else "loop off: the song goes on")
            else:
                self.message("keys for songs: " + SONG_HELP_KEYS)
        except GrooveboxError as exc:
            self.message(str(exc))
        return True

    def _render(self, player):
        from rich.console import Group
        from rich.text import Text

        song = player.song
        pos = player.position()
        nxt = player.next_position()
        head = Text()
        head.append(f" {song.title or 'song'}", style="bold")
        head.append(f"  {song.key}, {song.bpm:g} bpm" + (f", {song.template}" if song.template else ""), style="dim")
        total = song.duration_s
        t = player.position_s
        info = Text(f" ▶ {pos.name}   bar {pos.bar}/{pos.bars}   song bar {pos.song_bar}/{song.bars}   "
                    f"{int(t // 60)}:{t % 60:04.1f} / {int(total // 60)}:{total % 60:04.1f}", style="cyan")
        if pos.looping:
            info.append("   ⟲ loop", style="bold yellow")
        if pos.ended:
            info.append("   (ringing out)", style="dim")
        rows = [head, info]
        rows.append(Text(f"   → {nxt.name} at the bar line", style="yellow") if nxt is not None else Text())
        form = Text(" ")
        for i, s in enumerate(song.sections):
            style = "reverse bold" if i == pos.section else ("yellow" if nxt and i == nxt.section else "dim")
            form.append(f" {s.name} ", style=style)
        rows += [form, Text()]
        deck = player.deck
        mean_ms = deck.sum_ns / deck.blocks / 1e6 if deck.blocks else 0.0
        rows.append(Text(f" {deck.underruns} underruns   callback mean {mean_ms:.2f} ms"
                         f"   max {deck.max_ns / 1e6:.2f} ms", style="dim"))
        rows.append(Text(" " + SONG_HELP_KEYS, style="dim"))
        if self.note and time.monotonic() < self.note_until:
            rows.append(Text(" " + self.note, style="yellow"))
        return Group(*rows)
