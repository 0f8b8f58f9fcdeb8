"""Speed of the ambient kernels (tonal voices and effects), without the engine around them.

W2-like workload: 7 loops of FM tones (attack 4 s, release 6 s) with periods 17.8, 20.1, 31.8,
19.6, 24.6, 16.2 and 21.0 s, rendered in 512-frame blocks into one stereo reverb, 60 s of
audio at 48 kHz. The engine-level target for W2 is >= 600x real time; the kernels aim at
>= 900x so the engine's own work fits in the rest.

Run with pytest-benchmark (``pytest benchmarks/bench_ambient_kernels.py``) or directly
(``python benchmarks/bench_ambient_kernels.py``) for a table of per-voice and per-effect costs.
Compile time is measured separately from render time.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from groovebox.dsp import effects as E
from groovebox.dsp import tonal as T
from groovebox.model import patch as PT
from groovebox.renderer import effects as RE

SR = 48000.0
BLOCK = 512
PERIODS_S = (17.8, 20.1, 31.8, 19.6, 24.6, 16.2, 21.0)
# An Ab-major-ish set of pitches, one per loop (F3 Ab3 C4 Db4 Eb4 F4 Ab4).
PITCHES_HZ = (174.61, 207.65, 261.63, 277.18, 311.13, 349.23, 415.30)
NOTE_S = 4.0  # note-off after the attack; the 6 s release follows
MAX_VOICES = 16


def w2_patch() -> np.ndarray:
    return PT.make_patch(
        T.BELL,
        attack_s=4.0,
        decay_s=30.0,
        sustain=0.7,
        release_s=6.0,
        fm_ratio=2.0,
        fm_index=1.6,
        fm_decay_s=8.0,
        fm_sustain=0.4,
        gain_db=-9.0,
    )


def w2_events(duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Note-on samples (sorted) and pitches of the seven loops."""
    starts = []
    for i, (period, pitch) in enumerate(zip(PERIODS_S, PITCHES_HZ, strict=True)):
        t = 1.3 * i  # loops enter one after another, as tape loops started by hand
        while t < duration_s:
            starts.append((int(round(t * SR)), pitch))
            t += period
    starts.sort()
    return (
        np.array([s for s, _ in starts], dtype=np.int64),
        np.array([p for _, p in starts], dtype=np.float64),
    )


@njit(cache=True)
def render_loops(starts, pitches, n_frames, kind, patch, note_frames, sr, reverb, out):
    """Render scheduled notes block by block into the reverb; returns the peak voice count."""
    states = np.zeros((MAX_VOICES, T.STATE_SIZE))
    active = np.zeros(MAX_VOICES, dtype=np.bool_)
    first = np.zeros(MAX_VOICES, dtype=np.int64)
    left = np.zeros(BLOCK, dtype=np.float32)
    right = np.zeros(BLOCK, dtype=np.float32)
    ev = 0
    most = 0
    for b0 in range(0, n_frames, BLOCK):
        m = min(BLOCK, n_frames - b0)
        left[:] = 0.0
        right[:] = 0.0
        while ev < starts.shape[0] and starts[ev] < b0 + m:
            for v in range(MAX_VOICES):
                if not active[v]:
                    T.tonal_start(kind, states[v], patch, pitches[ev], 0.8, note_frames, sr, ev)
                    active[v] = True
                    first[v] = starts[ev] - b0
                    break
            ev += 1
        sounding = 0
        for v in range(MAX_VOICES):
            if active[v]:
                sounding += 1
                alive = T.tonal_render(kind, states[v], patch, left, right, first[v], m, sr)
                first[v] = 0
                if alive == 0:
                    active[v] = False
        most = max(most, sounding)
        E.reverb_process(left, right, 0, m, reverb)
        out[b0 : b0 + m, 0] = left[:m]
        out[b0 : b0 + m, 1] = right[:m]
    return most


def w2_inputs(duration_s: float = 60.0) -> tuple:
    """Arguments of :func:`render_loops` for the W2-like workload (fresh reverb, output)."""
    starts, pitches = w2_events(duration_s)
    n = int(duration_s * SR)
    reverb = RE.make_effect("reverb", SR, decay_s=8.0, size=85.0, mix=35.0)
    out = np.zeros((n, 2), dtype=np.float32)
    out[:] = 0.0  # touch the pages now, not while timing
    return (starts, pitches, n, T.BELL, w2_patch(), int(NOTE_S * SR), SR, reverb, out)


def run_w2(duration_s: float = 60.0) -> tuple[float, int, np.ndarray]:
    """Render the W2-like workload; returns (seconds taken, peak voices, audio)."""
    args = w2_inputs(duration_s)
    t0 = time.perf_counter()
    most = render_loops(*args)
    return time.perf_counter() - t0, most, args[-1]


def _compile() -> float:
    t0 = time.perf_counter()
    run_w2(1.0)
    return time.perf_counter() - t0


def test_w2_fm_loops_into_reverb(benchmark):
    compile_s = _compile()
    duration_s = 60.0
    most = benchmark.pedantic(
        render_loops, setup=lambda: (w2_inputs(duration_s), {}), rounds=3, iterations=1
    )
    benchmark.extra_info["compile_s"] = round(compile_s, 2)
    benchmark.extra_info["realtime_factor"] = round(duration_s / benchmark.stats["min"], 1)
    benchmark.extra_info["peak_voices"] = most


@njit(cache=True)
def _voice_loop(kind, patch, n_frames, sr):
    state = np.zeros(T.STATE_SIZE)
    left = np.zeros(BLOCK, dtype=np.float32)
    right = np.zeros(BLOCK, dtype=np.float32)
    T.tonal_start(kind, state, patch, 220.0, 0.8, n_frames, sr, 1)
    for b0 in range(0, n_frames, BLOCK):
        T.tonal_render(kind, state, patch, left, right, 0, min(BLOCK, n_frames - b0), sr)


@njit(cache=True)
def _effect_loop(state, n_frames):
    left = np.zeros(BLOCK, dtype=np.float32)
    right = np.zeros(BLOCK, dtype=np.float32)
    left[0] = 1.0
    for b0 in range(0, n_frames, BLOCK):
        E.effect_process(left, right, 0, min(BLOCK, n_frames - b0), state)


def voice_ns_per_frame(name: str, seconds: float = 5.0) -> float:
    kind, patch = PT.preset(name)
    patch[T.P_SUSTAIN] = 1.0  # keep the voice sounding for the whole run
    n = int(seconds * SR)
    _voice_loop(kind, patch, 1024, SR)
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        _voice_loop(kind, patch, n, SR)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e9


def effect_ns_per_frame(name: str, seconds: float = 5.0) -> float:
    n = int(seconds * SR)
    best = 1e9
    for _ in range(3):
        state = RE.make_effect(name, SR)
        _effect_loop(state, 1024)
        t0 = time.perf_counter()
        _effect_loop(state, n)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e9


def test_reverb_cost(benchmark):
    state = RE.make_effect("reverb", SR)
    n = int(10 * SR)
    _effect_loop(state, 1024)
    benchmark.pedantic(_effect_loop, args=(state, n), rounds=3, iterations=1)
    benchmark.extra_info["ns_per_frame"] = round(benchmark.stats["min"] / n * 1e9, 2)


def test_fm_voice_cost(benchmark):
    kind, patch = PT.preset("fm_bell")
    patch[T.P_SUSTAIN] = 1.0
    n = int(10 * SR)
    _voice_loop(kind, patch, 1024, SR)
    benchmark.pedantic(_voice_loop, args=(kind, patch, n, SR), rounds=3, iterations=1)
    benchmark.extra_info["ns_per_frame"] = round(benchmark.stats["min"] / n * 1e9, 2)


if __name__ == "__main__":
    print(f"compile (first run, includes cache load): {_compile():.2f} s")
    best = min(run_w2(60.0)[0] for _ in range(3))
    _, most, _ = run_w2(60.0)
    print(f"W2-like, 60 s of audio: {best * 1e3:.0f} ms = {60.0 / best:.0f}x real time "
          f"(peak {most} voices + reverb, {best / (60.0 * SR) * 1e9:.1f} ns/frame)")
    print("voice costs (ns per stereo frame, one voice):")
    for name in PT.PRESETS:
        print(f"  {name:12s} {voice_ns_per_frame(name):6.2f}")
    print("effect costs (ns per stereo frame):")
    for name in E.EFFECT_NAMES:
        print(f"  {name:12s} {effect_ns_per_frame(name):6.2f}")
