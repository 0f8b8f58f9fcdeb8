"""``groovebox ambient | presets`` — render generative ambient presets.

``presets`` reads only the preset table, so it answers at once (no Numba, no music21).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "ambient", help="render an ambient preset (airports, discreet, phase, drift, chillwave)",
        description="Render a generative ambient preset to WAV/FLAC. Long renders stream to the "
                    "file; Ctrl-C keeps what was rendered (a valid, shorter file).",
    )  # fmt: skip
    p.add_argument("preset", help="preset name (see `groovebox presets`)")
    p.add_argument("-o", "--output", required=True, help="output file; the suffix picks the format")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="length in minutes (default: the preset's)")
    length.add_argument("--seconds", type=float, help="length in seconds")
    p.add_argument("--seed", type=int, default=0, help="variation seed (the structure stays the same; chillwave generates its form from it)")
    p.add_argument("--sample-rate", type=int, default=48000, help="Hz (default 48000)")
    p.add_argument("--loudness", default="-14", metavar="LUFS|off", help="master to this loudness in LUFS, -70..0, true peak <= -1 dBTP (default -14, what streaming services play at); off: the raw mix")
    p.set_defaults(func=cmd_ambient)

    p = sub.add_parser("presets", help="list the ambient presets")
    p.set_defaults(func=cmd_presets)


def cmd_presets(args) -> int:
    from groovebox.generators.ambient import PRESETS

    width = max(len(n) for n in PRESETS)
    print(f"{'preset':<{width}}  {'default':>7}  description")
    for info in PRESETS.values():
        print(f"{info.name:<{width}}  {info.minutes:>5g} m  {info.description}")
    print(f"{len(PRESETS)} presets; render one with `groovebox ambient PRESET -o out.wav --minutes 10`")
    return 0


def _clock(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def cmd_ambient(args) -> int:
    from groovebox.errors import GrooveboxError
    from groovebox.generators.ambient import preset
    from groovebox.offline import PartialRender, render

    out = Path(args.output)
    if args.seed < 0:
        raise GrooveboxError(f"seed: expected a whole number >= 0, got {args.seed}")
    scape = preset(args.preset, seed=args.seed)
    if args.minutes is None and args.seconds is None:
        seconds = scape.length_s
    else:
        seconds = args.seconds if args.seconds is not None else args.minutes * 60.0
        if not seconds > 0:  # also catches NaN
            raise GrooveboxError(f"length: expected more than 0 {'seconds' if args.seconds is not None else 'minutes'}, "
                                 f"got {args.seconds if args.seconds is not None else args.minutes:g}")
    t0 = time.perf_counter()
    try:
        render(scape, path=out, seconds=seconds, sample_rate=args.sample_rate, loudness=args.loudness)
    except PartialRender as part:
        print(f"groovebox: interrupted; kept a valid file of {_clock(part.seconds)} "
              f"({part.seconds:.1f} s) in {part.path}", file=sys.stderr)
        return 130
    import soundfile as sf

    info = sf.info(str(out))
    wall = time.perf_counter() - t0
    print(f"wrote {out} ({_clock(info.duration)}, {info.samplerate} Hz, {info.subtype_info}, "
          f"{args.preset} seed {args.seed}) in {wall:.1f} s, {info.duration / wall:.0f}x real time")
    return 0
