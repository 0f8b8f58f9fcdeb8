"""Soak test (``make soak``, not in CI): live playback for minutes on a JACK dummy server with a
live change every 100 ms (tempo, swing, mute, solo, kit, next pattern on the bar line).

Prints progress each minute and a final line with underruns (target: 0 at 1024-frame blocks,
at most 1 at 256), late changes, callback mean/p99/max, the slowest control call and memory.

    tests/jack_server.sh -p 256 -- python benchmarks/soak_realtime.py --minutes 10 --blocksize 256
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import groovebox as gb  # noqa: E402
from groovebox import library  # noqa: E402
from groovebox.kits import kit_tables  # noqa: E402
from groovebox.model.kit import BUILTIN_KITS  # noqa: E402

TARGET = {1024: 0, 256: 1}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--blocksize", type=int, default=1024)
    ap.add_argument("--change-ms", type=float, default=100.0)
    ap.add_argument("--genre", default="funk")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline-minutes", type=float, default=0.0,
                    help="first run a stream whose callback only writes zeros this long: the "
                         "underruns the machine and server cause by themselves")
    args = ap.parse_args()

    with contextlib.ExitStack() as stack:
        if not os.environ.get("JACK_DEFAULT_SERVER"):
            from tests.conftest import jack_server

            if stack.enter_context(jack_server(args.blocksize)) is None:
                print("soak: no JACK server (jackd missing or would not start)")
                return 2
        return soak(args)


def soak(args) -> int:
    import sounddevice as sd

    apis = [a for a in sd.query_hostapis() if "JACK" in a["name"] and a["devices"]]
    if not apis:
        print("soak: PortAudio lists no JACK device")
        return 2
    device = apis[0]["devices"][0]
    if args.baseline_minutes > 0:
        baseline(device, args)
    ids = sorted(p.id for p in library.search(genre=args.genre))
    patterns = [library.load(i) for i in ids]
    kits = list(BUILTIN_KITS)
    # Live use keeps kits warm: synthesize every kit's voices for these patterns up front.
    instruments = tuple(sorted({i for p in patterns for i in p.instruments}))
    t0 = time.perf_counter()
    for k in kits:
        kit_tables(k, 48000, instruments)
    print(f"soak: {len(ids)} {args.genre} patterns, {len(kits)} kits warmed in {time.perf_counter() - t0:.1f} s; "
          f"{args.minutes:g} min at {args.blocksize}-frame blocks, a change every {args.change_ms:g} ms")
    rng = random.Random(args.seed)
    notes: list[str] = []
    player = gb.play(ids[0], device=device, blocksize=args.blocksize, on_message=notes.append)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    counts: dict[str, int] = {}
    slowest = (0.0, "")
    current = 0
    end = time.perf_counter() + args.minutes * 60
    next_report = time.perf_counter() + 60
    next_change = time.perf_counter()
    try:
        while time.perf_counter() < end:
            now = time.perf_counter()
            if now < next_change:
                time.sleep(min(next_change - now, 0.02))
                continue
            next_change += args.change_ms / 1000
            pattern = player.pattern
            names = [t.instrument for t in pattern.tracks]
            action = rng.choices(["tempo", "swing", "mute", "solo", "kit", "queue", "clear"],
                                 weights=[30, 15, 20, 10, 10, 10, 5])[0]
            t = time.perf_counter()
            try:
                if action == "tempo":
                    player.set(bpm=min(170.0, max(70.0, player.bpm + rng.choice([-10, -1, 1, 10]))))
                elif action == "swing":
                    player.set(swing=min(70.0, max(50.0, player.swing + rng.choice([-2, 2]))))
                elif action == "mute":
                    player.set(mute=sorted(set(player.muted) ^ {rng.choice(names)}))
                elif action == "solo":
                    player.set(solo=sorted(set(player.soloed) ^ {rng.choice(names)}))
                elif action == "kit":
                    player.set(kit=rng.choice(kits))
                elif action == "queue":
                    current = (current + rng.choice([1, -1])) % len(ids)
                    player.queue(ids[current])
                else:
                    player.set(mute=[], solo=[])
            except gb.GrooveboxError as exc:
                notes.append(str(exc))
            dt = time.perf_counter() - t
            if dt > slowest[0]:
                slowest = (dt, action)
            counts[action] = counts.get(action, 0) + 1
            if now >= next_report:
                next_report += 60
                s = player.stats()
                print(f"  {player.position_s / 60:5.1f} min: {s['underruns']} underruns, {s['late_changes']} late, "
                      f"callback mean {s['callback_mean_ms']:.3f} ms max {s['callback_max_ms']:.2f} ms, "
                      f"{sum(counts.values())} changes", flush=True)
    finally:
        line = player.stop()
    s = player.stats()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = player.deck.timing_ns[: min(player.deck.blocks, len(player.deck.timing_ns))] / 1e6
    print(line)
    print(f"soak: blocksize {args.blocksize}: {s['underruns']} underruns (target <= {TARGET.get(args.blocksize, 0)}), "
          f"{s['late_changes']} late changes, callback mean {s['callback_mean_ms']:.3f} ms, "
          f"p99 {np.percentile(times, 99):.3f} ms, max {s['callback_max_ms']:.2f} ms; "
          f"{sum(counts.values())} changes {dict(sorted(counts.items()))}; slowest control call "
          f"{slowest[0] * 1000:.1f} ms ({slowest[1]}); peak RSS {rss0 / 1024:.0f} -> {rss1 / 1024:.0f} MiB; "
          f"kit arena {player.arena.used * 4 / 2**20:.0f} MiB, {player.arena.reclaimed} regions reclaimed; "
          f"{len(notes)} notices")
    met = s["underruns"] <= TARGET.get(args.blocksize, 0)
    print("soak: target met" if met else "soak: TARGET MISSED")
    return 0


def baseline(device: int, args) -> None:
    import sounddevice as sd

    counts = [0, 0]

    def zeros(outdata, frames, time_info, status):
        counts[0] += 1
        if status.output_underflow:
            counts[1] += 1
        outdata.fill(0.0)

    with sd.OutputStream(samplerate=48000, channels=2, dtype="float32", blocksize=args.blocksize,
                         callback=zeros, device=device):
        time.sleep(args.baseline_minutes * 60)
    print(f"soak: baseline {args.baseline_minutes:g} min, a callback that only writes zeros: {counts[0]} blocks, "
          f"{counts[1]} underruns", flush=True)


if __name__ == "__main__":
    sys.exit(main())
