"""Every template song's render speed and peak memory, each in a fresh process, optionally beside
another checkout (the *before* column), interleaved round by round; medians.

*Render alone* is what issue 13's must-show counts: the song's engine render (voices, mixer,
master chain) on one core, after composing, planning and kernel loading, which are excluded.
*Export* (``--export``) is the whole of ``gb.export(song, "x.wav")`` as a user runs it: the
render with its loudness meter, the master stage's passes (one gain and the true-peak limiter,
again if limiting left it short of the target) and the 24-bit file. CPU time is user + system
of the process (on a shared machine it moves much less than wall time; say which load the
figures were taken at). Peak memory is the process's peak resident set (VmHWM) after its
renders.

    .venv/bin/python benchmarks/song_speed.py [--rounds 3] [--tree DIR] [--export] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import json, os, resource, sys, tempfile, time
import groovebox as gb
from groovebox.model.options import RenderOptions
from groovebox.renderer.engine import Engine
from groovebox.renderer.song import plan_song

name, export = sys.argv[1], sys.argv[2] == "1"
SR, BLOCK = 48000, 16384
song = gb.new_song(name, seed=1)

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

if export:
    folder = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    path = os.path.join(folder, "song.wav")
    gb.export(song, path)  # kernels loaded
    t = cpu()
    gb.export(song, path)
    spent = cpu() - t
    os.remove(path)
    os.rmdir(folder)
else:
    plan = plan_song(song, RenderOptions(sample_rate=SR))
    eng = Engine(SR, max_block=BLOCK, **plan.engine_options)
    eng.load(plan.program)
    def render():
        eng.reset()
        for i in range(0, plan.frames, BLOCK):
            eng.render_block(min(BLOCK, plan.frames - i))
    render()  # kernels loaded
    t = cpu()
    render()
    spent = cpu() - t
plan = plan_song(song, RenderOptions(sample_rate=SR))
with open("/proc/self/status") as f:
    hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
print(json.dumps({"cpu_s": spent, "audio_s": plan.frames / SR, "peak_mib": hwm / 1024}))
"""


def _run(tree: Path, name: str, export: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    out = subprocess.run([sys.executable, "-c", _CHILD, name, "1" if export else "0"], env=env,
                         capture_output=True, text=True, check=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(HERE.parent / "src"))
    from groovebox.generators.templates import TEMPLATES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(TEMPLATES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tree", type=Path, help="another checkout for the 'before' column")
    ap.add_argument("--export", action="store_true", help="time gb.export to WAV instead")
    args = ap.parse_args()
    trees = {"after": HERE.parent} if args.tree is None else {"before": args.tree, "after": HERE.parent}
    runs: dict = {(t, n): [] for t in trees for n in args.names}
    for _ in range(args.rounds):
        for name in args.names:
            for label, tree in trees.items():  # interleaved: a busy machine slows both alike
                runs[label, name].append(_run(tree, name, args.export))
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    what = "export" if args.export else "render alone"
    head = " | ".join(f"{t} CPU s (x real time) | {t} peak MiB" for t in trees)
    print(f"| template ({what}) | audio s | {head} |")
    print("| --- | --- |" + " --- | --- |" * len(trees))
    for name in args.names:
        cells = []
        for label in trees:
            rs = runs[label, name]
            cpu = statistics.median(r["cpu_s"] for r in rs)
            mem = statistics.median(r["peak_mib"] for r in rs)
            cells.append(f"{cpu:.2f} ({rs[0]['audio_s'] / cpu:.0f}x) | {mem:.0f}")
        print(f"| {name} | {runs['after', name][0]['audio_s']:.0f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
