"""Engine speed (issue 2): W1 realtime factor, file writing, JIT/cache time, memory, block cost.

W1: 10 minutes at 48 kHz stereo, kick on 1 and 3, snare on 2 and 4, closed hat on every 16th,
120 BPM, default kit. Run with `make bench` (or pytest benchmarks/bench_engine.py -s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

import groovebox as gb
from groovebox.model.options import RenderOptions
from groovebox.renderer.engine import Engine
from groovebox.renderer.pattern import pattern_program

SR = 48000
W1_SECONDS = 600
W1 = gb.Pattern.from_grid(
    {"kick": "x... .... x... ....", "snare": ".... x... .... x...", "closed_hat": "xxxx xxxx xxxx xxxx"},
    bpm=120, name="W1",
)
BLOCK = 16384  # the offline renderer's block (render.BLOCK_FRAMES)


def _w1_to_memory():
    eng = Engine(SR, max_block=BLOCK)
    eng.load(pattern_program(W1, RenderOptions(sample_rate=SR)))
    out = np.empty((BLOCK, 2), np.float32)
    n = W1_SECONDS * SR
    for _ in range(0, n, BLOCK):
        eng.render_block(BLOCK, out)
    return out


def test_w1_synthesis_into_memory(benchmark, report):
    _w1_to_memory()  # compile / load the cache first: JIT time is reported separately
    benchmark.pedantic(_w1_to_memory, rounds=5, iterations=1)
    report(benchmark, realtime_factor=W1_SECONDS / benchmark.stats["mean"],
           best_realtime_factor=W1_SECONDS / benchmark.stats["min"], wall_s=benchmark.stats["mean"])


def test_w1_with_24bit_wav_on_ram_disk(benchmark, report):
    folder = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    target = folder / f"groovebox-w1-{os.getpid()}.wav"

    def run():
        gb.render(W1, seconds=W1_SECONDS, path=target, block_frames=BLOCK)

    run()
    try:
        benchmark.pedantic(run, rounds=5, iterations=1)
        size_mb = target.stat().st_size / 1e6
    finally:
        target.unlink(missing_ok=True)
    report(benchmark, realtime_factor=W1_SECONDS / benchmark.stats["mean"],
           best_realtime_factor=W1_SECONDS / benchmark.stats["min"], file_mb=size_mb, folder=str(folder))


_STARTUP = textwrap.dedent("""
    import json, time
    t0 = time.perf_counter()
    import groovebox as gb
    from groovebox.renderer.engine import Engine
    t1 = time.perf_counter()
    p = gb.Pattern.from_grid({"kick": "x...", "snare": "..x.", "closed_hat": "xxxx"}, bpm=120)
    eng = Engine(48000)
    eng.load(pattern_program(p, RenderOptions(sample_rate=48000)))
    t2 = time.perf_counter()
    eng.render_block(256)
    t3 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "kit_s": t2 - t1, "first_block_s": t3 - t2, "total_s": t3 - t0}))
""")


def _startup(cache_dir: str | None) -> dict:
    env = dict(os.environ)
    if cache_dir:
        env["NUMBA_CACHE_DIR"] = cache_dir
    r = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_jit_compile_and_cache_load_time(benchmark, report):
    with tempfile.TemporaryDirectory() as cache:
        cold = _startup(cache)  # empty cache: everything compiles
        warm = benchmark.pedantic(_startup, args=(cache,), rounds=3, iterations=1)
    report(benchmark, cold_total_s=cold["total_s"], cold_kit_s=cold["kit_s"], cold_first_block_s=cold["first_block_s"],
           warm_total_s=warm["total_s"], warm_kit_s=warm["kit_s"], warm_first_block_s=warm["first_block_s"],
           import_s=warm["import_s"])


_MEMORY = textwrap.dedent("""
    import resource, sys, json
    import groovebox as gb
    p = gb.Pattern.from_grid({"kick": "x... .... x... ....", "snare": ".... x... .... x...",
                              "closed_hat": "xxxx xxxx xxxx xxxx"}, bpm=120)
    gb.render(p, seconds=float(sys.argv[1]), path=sys.argv[2])
    print(json.dumps({"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def test_peak_memory_one_vs_sixty_minutes(benchmark, report):
    folder = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())

    def peak(minutes):
        target = folder / f"groovebox-mem-{os.getpid()}.flac"
        try:
            r = subprocess.run([sys.executable, "-c", _MEMORY, str(minutes * 60), str(target)],
                               capture_output=True, text=True, check=True)
        finally:
            target.unlink(missing_ok=True)
        return json.loads(r.stdout.strip().splitlines()[-1])["peak_rss_mib"]

    peak(0.05)  # a cold Numba cache compiles in the child; its memory is not the render's
    one = peak(1)
    sixty = benchmark.pedantic(peak, args=(60,), rounds=1, iterations=1)
    report(benchmark, peak_rss_1min_mib=one, peak_rss_60min_mib=sixty, ratio=sixty / one)


def test_block_cost_256_frames_32_voices(benchmark, report):
    # 32 crashes ring at once (cymbals are polyphonic): two steps of 16-hit ratchets.
    crash = gb.Track.from_grid("crash", "xx.. .... .... ....", ratchet={1: 16, 2: 16})
    p = gb.Pattern(name="32 voices", tracks=(crash,), bpm=30)
    eng = Engine(SR, n_voices=64)
    eng.load(pattern_program(p, RenderOptions(sample_rate=SR, kit="909")))
    out = np.empty((256, 2), np.float32)
    step = int(60 / 30 / 4 * SR)
    eng.render_block(2 * step + 512, np.empty((2 * step + 512, 2), np.float32))  # all 32 started
    assert eng.active_voices >= 32, eng.active_voices
    import time

    times = []

    def block():
        t0 = time.perf_counter_ns()
        eng.render_block(256, out)
        times.append(time.perf_counter_ns() - t0)

    benchmark.pedantic(block, rounds=400, iterations=1, warmup_rounds=20)
    voices = eng.active_voices
    t = np.array(times[20:]) / 1e6
    report(benchmark, mean_ms=float(t.mean()), p99_ms=float(np.percentile(t, 99)),
           budget_ms=256 / SR * 1e3, voices_at_end=voices)
