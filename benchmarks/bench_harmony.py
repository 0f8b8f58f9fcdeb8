"""Harmony build speed: a 64-bar progression with bass, arpeggio, pad and melody.

Reported separately, because they are paid at different times:

- ``music21 import``: a cold ``import music21`` (the roman/key/harmony modules groovebox uses)
  in a fresh interpreter, paid once per process the first time harmony is used;
- ``first build``: the first build in a fresh interpreter right after that import (music21
  also warms its own internal caches here);
- ``build, cold caches``: generating the progression and the four parts with every chord and
  key cache emptied first (music21 parses each roman numeral once), after music21 is imported;
- ``build, warm``: the same with caches filled, i.e. rebuilding in a session;
- ``to_arrays``: turning all four parts into sample-accurate arrays for the engine;
- ``arrange``: the same four parts built through ``gb.arrange`` (the ring-out and the
  instrument checks included), caches warm and cold;
- ``render``: that arrangement rendered to memory at 48 kHz (engine program built inside the
  timing; Numba compiled beforehand), reported as a realtime factor (audio seconds per wall
  second), with and without a drum pattern under it.

Target: build after music21's import < 100 ms.

The two subprocess measurements appear in pytest-benchmark's table as the whole child process
(interpreter start included); the figure itself is stored in each row's ``extra_info`` and is
what the printed report shows.

    PYTHONPATH=src python -m pytest benchmarks/bench_harmony.py --benchmark-only
    PYTHONPATH=src python benchmarks/bench_harmony.py      # a quick printed report
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import groovebox as gb
from groovebox.generators import parts
from groovebox.generators.arrange import arrange
from groovebox.generators.progressions import generate_progression
from groovebox.harmony import clear_caches

BARS = 64
SAMPLE_RATE = 48000
_IMPORT_SNIPPET = (
    "import time; t = time.perf_counter(); "
    "import music21.roman, music21.key, music21.harmony, music21.interval; "
    "print(time.perf_counter() - t)"
)


def build(seed: int = 1):
    """The measured work: a 64-bar jazz progression and four parts over it."""
    prog = generate_progression("jazz", bars=BARS, key="Bb", seed=seed)
    return prog, (
        parts.bass(prog, "walking", seed=seed),
        parts.arpeggio(prog, "updown", rate=4),
        parts.pad(prog, "drop2"),
        parts.melody(prog, seed=seed),
    )


def arrangement(seed: int = 1, drums: str | None = None):
    """The same 64 bars and four parts, as an Arrangement ready to render."""
    prog = generate_progression("jazz", bars=BARS, key="Bb", seed=seed)
    return arrange(prog, chords="pad", voicing="drop2", bass="walking", arp="updown", arp_rate=4,
                   melody=True, drums=drums, seed=seed)  # fmt: skip


def render_seconds(arr) -> tuple[float, float]:
    """(audio seconds, wall seconds) of rendering ``arr`` to memory."""
    t = time.perf_counter()
    audio = gb.render(arr, sample_rate=SAMPLE_RATE)
    return audio.duration_s, time.perf_counter() - t


def _compile_engine():
    gb.render(arrangement_short(), sample_rate=SAMPLE_RATE)


def arrangement_short():
    prog = generate_progression("jazz", bars=2, key="Bb", seed=1)
    return arrange(prog, bass="walking", arp="updown", melody=True, drums="rock/straight-eighths")


def to_arrays(prog, ps):
    return [p.to_arrays(prog.bpm, SAMPLE_RATE) for p in ps]


def music21_import_seconds() -> float:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_SNIPPET], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def first_build_seconds() -> float:
    """The first build in a fresh interpreter, timed after music21 is imported."""
    code = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import music21.roman, music21.key, music21.harmony, music21.interval\n"
        "from bench_harmony import build\n"
        "t = time.perf_counter(); build(); print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _warm_import():
    import music21.harmony  # noqa: F401  (import cost is reported separately)
    import music21.roman  # noqa: F401


def test_music21_import_cold(benchmark):
    seconds = benchmark.pedantic(music21_import_seconds, rounds=3, iterations=1)
    benchmark.extra_info["music21_import_s"] = seconds


def test_first_build_in_fresh_process(benchmark):
    seconds = benchmark.pedantic(first_build_seconds, rounds=3, iterations=1)
    benchmark.extra_info["first_build_s"] = seconds


def test_build_64_bars_cold_caches(benchmark):
    _warm_import()
    prog, ps = benchmark.pedantic(build, setup=clear_caches, rounds=5, iterations=1)
    benchmark.extra_info["notes"] = sum(len(p) for p in ps)
    assert prog.bars == BARS


def test_build_64_bars_warm(benchmark):
    _warm_import()
    build()
    prog, ps = benchmark(build)
    benchmark.extra_info["notes"] = sum(len(p) for p in ps)


def test_to_arrays_64_bars(benchmark):
    prog, ps = build()
    arrays = benchmark(to_arrays, prog, ps)
    assert len(arrays) == 4


def test_arrange_64_bars_cold_caches(benchmark):
    _warm_import()
    arr = benchmark.pedantic(arrangement, setup=clear_caches, rounds=5, iterations=1)
    benchmark.extra_info["notes"] = sum(len(p) for p in arr.parts)


def test_arrange_64_bars_warm(benchmark):
    _warm_import()
    arrangement()
    benchmark(arrangement)


def test_render_64_bar_arrangement(benchmark, report):
    arr = arrangement()
    _compile_engine()
    audio_s, wall = benchmark.pedantic(render_seconds, args=(arr,), rounds=3, iterations=1)
    report(benchmark, audio_s=audio_s, realtime_factor=audio_s / benchmark.stats["min"])


def test_render_64_bar_arrangement_with_drums(benchmark, report):
    arr = arrangement(drums="rock/straight-eighths")
    _compile_engine()
    audio_s, wall = benchmark.pedantic(render_seconds, args=(arr,), rounds=3, iterations=1)
    report(benchmark, audio_s=audio_s, realtime_factor=audio_s / benchmark.stats["min"])


def _best_ms(fn, setup=None, rounds=5) -> float:
    best = float("inf")
    for _ in range(rounds):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


if __name__ == "__main__":
    print(f"music21 import, cold subprocess: {music21_import_seconds() * 1000:.0f} ms")
    _warm_import()
    prog, ps = build()
    n_notes = sum(len(p) for p in ps)
    print(f"64 bars, {len(prog.chords)} chords, {n_notes} notes in 4 parts")
    print(f"first build in a fresh process: {first_build_seconds() * 1000:.1f} ms")
    print(f"build, cold caches (best of 5): {_best_ms(build, setup=clear_caches):.1f} ms")
    print(f"build, warm (best of 5):        {_best_ms(build):.1f} ms")
    print(f"to_arrays, 4 parts (best of 5): {_best_ms(lambda: to_arrays(prog, ps)):.1f} ms")
    print(f"arrange, cold caches (best of 5): {_best_ms(arrangement, setup=clear_caches):.1f} ms")
    print(f"arrange, warm (best of 5):        {_best_ms(arrangement):.1f} ms")
    t = time.perf_counter()
    _compile_engine()
    print(f"engine first render (Numba compile or cache load): {time.perf_counter() - t:.2f} s")
    for drums in (None, "rock/straight-eighths"):
        arr = arrangement(drums=drums)
        best = min(render_seconds(arr)[1] for _ in range(3))
        audio_s = render_seconds(arr)[0]
        label = "with drums" if drums else "no drums  "
        print(f"render 64 bars {label}: {audio_s:.1f} s of audio in {best:.3f} s = {audio_s / best:.0f}x realtime")
