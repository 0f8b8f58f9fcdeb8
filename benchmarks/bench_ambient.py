"""Speed of generative ambient through the whole engine (loops, voices, buses, limiter).

W2: 10 minutes, 7 loops of FM tones (attack 4 s, release 6 s) with periods 17.8, 20.1, 31.8,
19.6, 24.6, 16.2 and 21.0 s, all into one stereo reverb bus, rendered by ``Engine.render_block``
in 8192-frame blocks into a reused buffer (render alone: no file, one core). Target >= 600x
real time. Compile (cache load) time is measured separately.

``airports``, 60 minutes, rendered to a 24-bit WAV in a fresh process (as ``groovebox ambient
airports --minutes 60`` does): realtime factor and peak memory (RSS), with a 1-minute render's
peak memory for comparison.

Run: ``pytest benchmarks/bench_ambient.py --benchmark-only -s`` (or ``python
benchmarks/bench_ambient.py`` for the numbers alone).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

import groovebox as gb
from groovebox.renderer.engine import Engine
from groovebox.renderer.soundscape import N_VOICES, build_program

SR = 48000
BLOCK = 8192
W2_MINUTES = 10.0
W2_PERIODS_S = (17.8, 20.1, 31.8, 19.6, 24.6, 16.2, 21.0)
W2_NOTES = ("F3", "Ab3", "C4", "Db4", "Eb4", "F4", "Ab4")


def w2_scape() -> gb.Soundscape:
    tone = gb.Instrument("bell", attack_s=4.0, decay_s=30.0, sustain=0.7, release_s=6.0, fm_ratio=2.0,
                         fm_index=1.6, fm_decay_s=8.0, fm_sustain=0.4, gain_db=-9.0)
    loops = [gb.Loop(note, period, 1.3 * i, instrument=tone, duration=4.0, sends={"reverb": 0.0})
             for i, (note, period) in enumerate(zip(W2_NOTES, W2_PERIODS_S, strict=True))]
    return gb.Soundscape(loops, name="W2", buses={"reverb": gb.Effect("reverb", decay_s=8.0, size=85.0)})


def w2_engine() -> Engine:
    eng = Engine(SR, max_block=BLOCK, n_voices=N_VOICES)
    eng.load(build_program(w2_scape(), SR))
    return eng


def render_w2(eng: Engine, out: np.ndarray, minutes: float = W2_MINUTES) -> None:
    n = round(minutes * 60 * SR)
    done = 0
    while done < n:
        m = min(BLOCK, n - done)
        eng.render_block(m, out)
        done += m


def _compile_s() -> float:
    t0 = time.perf_counter()
    render_w2(w2_engine(), np.zeros((BLOCK, 2), np.float32), minutes=0.05)
    return time.perf_counter() - t0


def test_w2_engine(benchmark, report):
    compile_s = _compile_s()
    out = np.zeros((BLOCK, 2), np.float32)
    benchmark.pedantic(render_w2, setup=lambda: ((w2_engine(), out), {}), rounds=3, iterations=1)
    report(benchmark, realtime_factor=round(W2_MINUTES * 60 / benchmark.stats["min"], 1),
           compile_s=round(compile_s, 2))


_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import groovebox as gb
    gb.render(gb.ambient.preset("airports"), seconds=1, path=sys.argv[2])  # load kernels first
    t0 = time.perf_counter()
    gb.render(gb.ambient.preset("airports"), minutes=float(sys.argv[1]), path=sys.argv[2])
    wall = time.perf_counter() - t0
    print(json.dumps({"wall_s": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def airports_in_child(minutes: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        r = subprocess.run([sys.executable, "-c", _CHILD, str(minutes), str(Path(folder) / "a.wav")],
                           capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_airports_hour(benchmark, report):
    airports_in_child(0.05)  # a cold Numba cache compiles in the child; its memory is not the render's
    short = airports_in_child(1.0)
    result = benchmark.pedantic(airports_in_child, args=(60.0,), rounds=1, iterations=1)
    report(benchmark, realtime_factor=round(3600.0 / result["wall_s"], 1),
           peak_rss_mb=round(result["rss_mb"], 1), peak_rss_1min_mb=round(short["rss_mb"], 1))


if __name__ == "__main__":
    print(f"compile (cache load): {_compile_s():.2f} s")
    out = np.zeros((BLOCK, 2), np.float32)
    times = []
    for _ in range(3):
        eng = w2_engine()
        t0 = time.perf_counter()
        render_w2(eng, out)
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(f"W2: {W2_MINUTES:g} min in {best:.3f} s = {W2_MINUTES * 60 / best:.0f}x real time")
    one = airports_in_child(1.0)
    hour = airports_in_child(60.0)
    print(f"airports 60 min: {hour['wall_s']:.1f} s = {3600 / hour['wall_s']:.0f}x real time, "
          f"peak RSS {hour['rss_mb']:.1f} MB (1 min: {one['rss_mb']:.1f} MB)")
