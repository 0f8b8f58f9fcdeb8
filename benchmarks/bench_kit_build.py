"""How long building a whole synthesized kit takes (what the engine pays on a kit change).

A full build is every instrument x the engine's three velocity layers (0.35, 0.8, 1.0) x every
variant at 48 kHz, after JIT. Compile time (cold, fresh numba cache) is measured separately.

Run: PYTHONPATH=src python -m pytest benchmarks/bench_kit_build.py --benchmark-only
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from groovebox.kits.synth import n_variants, render_hit
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.kit import BUILTIN_KITS

SR = 48000
LAYERS = (0.35, 0.8, 1.0)
SRC = Path(__file__).resolve().parent.parent / "src"


def build_kit(kit, sample_rate=SR):
    """Render every table of ``kit``; return (n_tables, n_frames)."""
    n_tables = n_frames = 0
    for inst in INSTRUMENTS:
        for velocity in LAYERS:
            for variant in range(n_variants(kit, inst)):
                n_frames += len(render_hit(kit, inst, velocity, variant, sample_rate))
                n_tables += 1
    return n_tables, n_frames


@pytest.fixture(scope="module", autouse=True)
def jit_warm():
    build_kit(BUILTIN_KITS["lofi"], 8000)  # every kernel, compiled or loaded from cache


@pytest.mark.parametrize("kit_name", sorted(BUILTIN_KITS))
def test_build_full_kit_48k(benchmark, kit_name):
    kit = BUILTIN_KITS[kit_name]
    n_tables, n_frames = benchmark.pedantic(
        build_kit, args=(kit,), rounds=3, iterations=1, warmup_rounds=0
    )
    benchmark.extra_info.update(
        tables=n_tables,
        audio_seconds=round(n_frames / SR, 1),
        table_megabytes_float32=round(n_frames * 4 / 1e6, 1),
    )


_COLD = """
import time
t0 = time.perf_counter()
from groovebox.kits.synth import render_hit
from groovebox.model.kit import BUILTIN_KITS
for inst in ("kick", "closed_hat", "clap", "shaker"):
    render_hit(BUILTIN_KITS["lofi"], inst, 0.8, 0, 48000)
print(time.perf_counter() - t0)
"""


def test_cold_compile_seconds(benchmark):
    """Import + compile every drum kernel into an empty numba cache (once per install)."""

    def cold():
        with tempfile.TemporaryDirectory() as cache_dir:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, PYTHONPATH=str(SRC))
            t0 = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", _COLD], env=env, capture_output=True, text=True, check=True
            )
            return float(out.stdout.strip()), time.perf_counter() - t0

    compile_s, process_s = benchmark.pedantic(cold, rounds=1, iterations=1)
    benchmark.extra_info.update(compile_s=round(compile_s, 2), process_s=round(process_s, 2))
