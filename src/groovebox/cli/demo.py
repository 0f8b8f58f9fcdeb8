"""``groovebox demo`` — the showcase behind `make demo`: render classics, play them if we can."""

from __future__ import annotations

import time
from pathlib import Path

# (pattern, kit, bars): a tour of feels — straight, swung, shuffled, half-time, latin, polymeter.
SHOWCASE = (
    ("breaks/funky-drummer", "808", 4),
    ("hip-hop/boom-bap", "lofi", 4),
    ("house/chicago-house", "909", 4),
    ("trap/trap", "808", 4),
    ("brazilian/bossa-nova", "acoustic", 4),
    ("blues/slow-blues-12-8", "acoustic", 2),
    ("polymeter/three-over-four", "909", 4),
)
DEMO_LUFS = -14.0  # every file mastered to the same loudness (streaming level), so they sit together
AMBIENT_SECONDS = 45.0  # an excerpt of Music-for-Airports-style loops
PROGRESSION = ("vi IV I V", "G", "soul/motown-backbeat")  # chords, key, groove


def register(sub) -> None:
    p = sub.add_parser("demo", help="render (and play, if there is a sound card) a showcase")
    p.add_argument("--out", default="out", help="folder for the rendered files (default: out)")
    p.add_argument("--no-play", action="store_true", help="only render, even with a sound card")
    p.add_argument("--seconds", type=float, metavar="S",
                   help="play each pattern for at most S seconds (default: its bars)")
    p.set_defaults(func=cmd_demo)


def output_device():
    """The default output device, or None when there is no way to play sound."""
    from groovebox.errors import GrooveboxError
    from groovebox.io.realtime import find_device

    try:
        return find_device()
    except GrooveboxError:  # no PortAudio library, no device, no server: all mean "cannot play"
        return None


def _extras(out: Path):
    """(label, path, render, play source) of the ambient and the progression showcases."""
    from groovebox.generators import ambient
    from groovebox.generators.arrange import arrange
    from groovebox.harmony import progression

    scape = ambient.preset("airports", seed=1)
    chords, key, groove = PROGRESSION
    band = arrange(progression(chords, key=key, bars_per_chord=2), bass="kick", arp="updown", drums=groove)
    return (
        (f"airports (Eno-style loops), {AMBIENT_SECONDS:g} s", out / "ambient--airports.wav",
         dict(seconds=AMBIENT_SECONDS), scape),
        (f"'{chords}' in {key} over {groove}, with bass and arpeggio", out / "progression--vi-IV-I-V.wav",
         {}, band),
    )


def cmd_demo(args) -> int:
    from groovebox.library import load
    from groovebox.live import play
    from groovebox.offline import render

    out = Path(args.out)
    device = None if args.no_play else output_device()
    print(f"groovebox demo: rendering {len(SHOWCASE)} classic patterns, an ambient piece and a "
          f"chord progression to {out}/")
    made = []
    for pattern_id, kit, bars in SHOWCASE:
        path = out / f"{pattern_id.replace('/', '--')}--{kit}.wav"
        t0 = time.perf_counter()
        render(pattern_id, path=path, bars=bars, kit=kit, loudness=DEMO_LUFS)
        print(f"  {path}  ({pattern_id}, {kit} kit, {bars} bars, {time.perf_counter() - t0:.2f} s)")
        made.append(path)
    extras = _extras(out)
    for label, path, length, source in extras:
        t0 = time.perf_counter()
        render(source, path=path, loudness=DEMO_LUFS, **length)
        print(f"  {path}  ({label}, {time.perf_counter() - t0:.2f} s)")
        made.append(path)
    if device is not None:
        # Through the live player: the same engine, straight to the sound card.
        print(f"playing on {device} (Ctrl-C to stop)")
        for pattern_id, kit, bars in SHOWCASE:
            pattern = load(pattern_id)
            seconds = float(bars * pattern.steps_per_bar * pattern.step_s)
            if args.seconds is not None:
                seconds = min(seconds, args.seconds)
            print(f"  ▶ {pattern_id} ({kit} kit)")
            player = play(pattern, kit=kit, device=device.index, blocking=True, seconds=seconds)
            print(f"    {player.summary()}")
        for label, _, length, source in extras:
            seconds = length.get("seconds", 60.0)
            if args.seconds is not None:
                seconds = min(seconds, args.seconds)
            print(f"  ▶ {label}")
            player = play(source, device=device.index, blocking=True, seconds=seconds)
            print(f"    {player.summary()}")
    else:
        print("no audio device here, so nothing was played; open the files above in any player")
    print(f"done: {len(made)} files in {out.resolve()}")
    return 0
