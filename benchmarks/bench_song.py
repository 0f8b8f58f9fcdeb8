"""Songs: render speed of every template (render alone: composing and kernel loading excluded),
and the 3-minute reference song (house: drums, bass, chords, pad, lead, two sends, master) with
its peak memory over a render, which must stay flat.

    make bench            # or: .venv/bin/python -m pytest benchmarks/bench_song.py --benchmark-only -s
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

import groovebox as gb
from groovebox.generators.templates import TEMPLATES
from groovebox.model.options import RenderOptions
from groovebox.renderer.engine import Engine
from groovebox.renderer.song import plan_song

SR = 48000
BLOCK = 16384


def _engine(song):
    plan = plan_song(song, RenderOptions(sample_rate=SR))
    eng = Engine(SR, max_block=BLOCK, **plan.engine_options)
    eng.load(plan.program)
    return plan, eng


def _render(plan, eng):
    eng.reset()
    for i in range(0, plan.frames, BLOCK):
        eng.render_block(min(BLOCK, plan.frames - i))


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_speed(benchmark, name):
    plan, eng = _engine(gb.new_song(name, seed=1))
    _render(plan, eng)  # kernels loaded and warm
    benchmark.pedantic(_render, args=(plan, eng), rounds=1, iterations=1)
    secs = plan.frames / SR
    print(f"\n{name}: {secs:.0f} s of audio at {secs / benchmark.stats['mean']:.0f}x real time (render alone)")


def test_reference_song_memory_is_flat():
    plan, eng = _engine(gb.new_song("house", seed=1))
    _render(plan, eng)
    eng.reset()
    tracemalloc.start()
    peaks = []
    t = time.perf_counter()
    for i in range(0, plan.frames, BLOCK):
        eng.render_block(min(BLOCK, plan.frames - i))
        if (i // BLOCK) % 100 == 99:
            peaks.append(tracemalloc.get_traced_memory()[1])
    wall = time.perf_counter() - t
    tracemalloc.stop()
    print(f"\nhouse (3 min): peak traced memory {[p // 1024 for p in peaks]} KiB; {plan.frames / SR / wall:.0f}x")
    assert max(peaks) - min(peaks) < 1 << 20
