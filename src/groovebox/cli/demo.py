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


def register(sub) -> None:
    p = sub.add_parser("demo", help="render (and play, if there is a sound card) a showcase")
    p.add_argument("--out", default="out", help="folder for the rendered files (default: out)")
    p.add_argument("--no-play", action="store_true", help="only render, even with a sound card")
    p.set_defaults(func=cmd_demo)


def output_device() -> str | None:
    """Name of the default output device, or None when there is no way to play sound."""
    try:
        import sounddevice as sd

        dev = sd.query_devices(kind="output")
    except Exception:  # no PortAudio library, no device, no server: all mean "cannot play"
        return None
    return dev["name"] if dev and dev.get("max_output_channels", 0) > 0 else None


def cmd_demo(args) -> int:
    from ..render import render

    out = Path(args.out)
    device = None if args.no_play else output_device()
    print(f"groovebox demo: rendering {len(SHOWCASE)} classic patterns to {out}/")
    made = []
    for pattern_id, kit, bars in SHOWCASE:
        path = out / f"{pattern_id.replace('/', '--')}--{kit}.wav"
        t0 = time.perf_counter()
        render(pattern_id, path=path, bars=bars, kit=kit)
        print(f"  {path}  ({pattern_id}, {kit} kit, {bars} bars, {time.perf_counter() - t0:.2f} s)")
        made.append(path)
    if device:
        import sounddevice as sd
        import soundfile as sf

        print(f"playing on '{device}' (Ctrl-C to stop)")
        for path in made:
            data, sr = sf.read(str(path), dtype="float32")
            print(f"  ▶ {path.name}")
            sd.play(data, sr, blocking=True)
    else:
        print("no audio device here, so nothing was played; open the files above in any player")
    print(f"done: {len(made)} files in {out.resolve()}")
    return 0
