"""Library and sample-kit speed (issue 3).

- ``groovebox list`` over the whole library, as a user runs it: wall time of a fresh process
  (target < 0.5 s). Also `genres` and `show`, which share the path.
- W1 (benchmarks/bench_engine.py: 10 minutes at 48 kHz, kick 1+3, snare 2+4, closed hat on
  16ths, 120 bpm) played on a *sample kit*: 808 hits rendered by the synth, written as 24-bit
  WAVs into a temporary folder, loaded with ``--kit PATH`` semantics. Realtime factor of the
  render alone (target >= 2000x), kit loading reported separately (cold: read + resample;
  warm: from the sample cache).

Run: PYTHONPATH=src python -m pytest benchmarks/bench_library.py --benchmark-only -s
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import soundfile as sf

import groovebox as gb
from groovebox.kits.samples import clear_cache, load_sample_kit
from groovebox.kits.synth import n_variants, render_hit
from groovebox.model.kit import get_kit
from groovebox.model.options import RenderOptions
from groovebox.renderer.engine import Engine
from groovebox.renderer.pattern import pattern_program

SR = 48000
W1_SECONDS = 600
BLOCK = 8192
W1 = gb.Pattern.from_grid(
    {"kick": "x... .... x... ....", "snare": ".... x... .... x...", "closed_hat": "xxxx xxxx xxxx xxxx"},
    bpm=120, name="W1",
)


def _cli_wall(*args: str) -> float:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "groovebox", *args], capture_output=True, text=True,
                       env=dict(os.environ))
    wall = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    return wall


def test_list_wall_time(benchmark, report):
    _cli_wall("list")  # warm the OS file cache and the bytecode cache
    benchmark.pedantic(_cli_wall, args=("list",), rounds=7, iterations=1)
    python_alone = min(_python_start() for _ in range(5))
    genres = min(_cli_wall("genres") for _ in range(3))
    show = min(_cli_wall("show", "breaks/amen-break") for _ in range(3))
    report(benchmark, list_mean_s=benchmark.stats["mean"], list_min_s=benchmark.stats["min"],
           genres_min_s=genres, show_min_s=show, bare_python_s=python_alone, target_s=0.5)


def _python_start() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


def make_808_folder(folder) -> None:
    """kick/snare/closed_hat as WAV files (three velocity layers, all noise variants) rendered
    by the 808 synth at 48 kHz."""
    kit = get_kit("808")
    for instrument in ("kick", "snare", "closed_hat"):
        for layer, velocity in enumerate((0.35, 0.8, 1.0), start=1):
            for v in range(n_variants(kit, instrument)):
                hit = render_hit(kit, instrument, velocity, v, SR)
                sf.write(str(folder / f"{instrument}_{layer}_rr{v + 1}.wav"), hit, SR, subtype="PCM_24")


def _w1(tables) -> None:
    eng = Engine(SR, max_block=BLOCK)
    eng.load(pattern_program(W1, RenderOptions(sample_rate=SR, kit=tables)))
    out = np.empty((BLOCK, 2), np.float32)
    for _ in range(0, W1_SECONDS * SR, BLOCK):
        eng.render_block(BLOCK, out)


def test_w1_on_a_sample_kit(benchmark, report, tmp_path):
    make_808_folder(tmp_path)
    clear_cache()
    t0 = time.perf_counter()
    tables = load_sample_kit(tmp_path, SR, W1.instruments)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_sample_kit(tmp_path, SR, W1.instruments)
    warm = time.perf_counter() - t0
    _w1(tables)  # JIT / cache load first
    benchmark.pedantic(_w1, args=(tables,), rounds=3, iterations=1)
    report(benchmark, realtime_factor=W1_SECONDS / benchmark.stats["mean"],
           best_realtime_factor=W1_SECONDS / benchmark.stats["min"], wall_s=benchmark.stats["mean"],
           kit_load_cold_s=cold, kit_load_warm_s=warm, kit_mb=tables.nbytes / 1e6)


def test_hydrogen_kit_load(benchmark, report):
    """GMRockKit (90 samples at 44.1 kHz, resampled to 48 kHz), when installed."""
    import pytest

    path = "/usr/share/hydrogen/data/drumkits/GMRockKit"
    if not os.path.isdir(path):
        pytest.skip("hydrogen-data is not installed")

    def cold():
        clear_cache()
        return load_sample_kit(path, SR)

    tables = benchmark.pedantic(cold, rounds=3, iterations=1)
    report(benchmark, cold_load_s=benchmark.stats["mean"], kit_mb=tables.nbytes / 1e6)
