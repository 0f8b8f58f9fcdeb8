"""Start-up figures for the README: whole-process times of the commands a user types first.

- ``groovebox render PATTERN --bars 8 -o x.wav`` warm (the kernel cache filled), wall and CPU
  time, medians of ``--rounds`` runs;
- ``groovebox play PATTERN`` to its first audio callback, warm (needs a JACK server: run under
  ``tests/jack_server.sh``; skipped without one);
- the first-ever 8-bar render on an empty kernel cache (a fresh ``NUMBA_CACHE_DIR``, which also
  holds the synthesized drum tables): wall and CPU time of the whole process and its workers;
- ``airports`` for 60 minutes, whole process.

``--tree DIR`` runs another checkout's ``src`` (e.g. the code before a change) with this
interpreter, for before/after tables. Numbers from a busy machine are noisy: the CPU times
move less than the wall times.

Run: ``python benchmarks/startup_report.py [--rounds 5] [--tree DIR] [--skip-airports]``
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall s, CPU s of the process and its children, stdout) of running ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), r.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tree", help="a checkout whose src to run instead of the installed groovebox")
    ap.add_argument("--skip-airports", action="store_true")
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--pattern", default="breaks/funky-drummer")
    ap.add_argument("render_options", nargs="*", help="extra options for render (e.g. --loudness off)")
    args = ap.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs it: Python's own bytecode cache on
    if args.tree:
        env["PYTHONPATH"] = str(Path(args.tree) / "src")
    gb = [sys.executable, "-m", "groovebox"]
    ram = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    out = ram / f"groovebox-startup-{os.getpid()}.wav"
    render = [*gb, "render", args.pattern, "--bars", "8", "-o", str(out), *args.render_options]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    try:
        run(render, env)  # fill the caches
        times = [run(render, env)[:2] for _ in range(args.rounds)]
        print(f"render --bars 8, warm: {statistics.median(t[0] for t in times):.2f} s wall, "
              f"{statistics.median(t[1] for t in times):.2f} s CPU (medians of {args.rounds})")
        if os.environ.get("JACK_DEFAULT_SERVER"):
            play = [*gb, "play", args.pattern, "--seconds", "1", "--device", "jack", "--verbose", "--no-keys"]
            firsts = []
            for _ in range(args.rounds + 1):
                m = re.search(r"first callback (\d+\.\d+) s", run(play, env)[2])
                firsts.append(float(m.group(1)))
            print(f"play, first callback, warm: {statistics.median(firsts[1:]):.2f} s (median of {args.rounds})")
        else:
            print("play: no JACK server (run under tests/jack_server.sh)")
        if not args.skip_cold:
            with tempfile.TemporaryDirectory() as cache:
                wall, cpu, _ = run(render, {**env, "NUMBA_CACHE_DIR": cache})
            print(f"render --bars 8, first run (empty kernel cache): {wall:.1f} s wall, {cpu:.1f} s CPU")
        if not args.skip_airports:
            air = [*gb, "ambient", "airports", "--minutes", "60", "-o", str(out), *args.render_options]
            run([*gb, "ambient", "airports", "--seconds", "5", "-o", str(out), *args.render_options], env)
            wall, cpu, _ = run(air, env)
            print(f"airports 60 min: {wall:.1f} s wall ({3600 / wall:.0f}x), {cpu:.1f} s CPU ({3600 / cpu:.0f}x)")
    finally:
        out.unlink(missing_ok=True)
        shutil.rmtree(ram / "groovebox-startup-cache", ignore_errors=True)


if __name__ == "__main__":
    main()
