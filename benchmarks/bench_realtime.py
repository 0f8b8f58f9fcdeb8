"""Real-time playback speed (issue 4): callback cost per 256-frame block with ~32 voices
sounding, and the time from `groovebox play` to the first callback (warm and cold Numba cache).

The callback cost is measured inside a real stream on a JACK dummy server when one is up
(`make bench` starts one with 256-frame periods), else by calling render_block directly, and the
report says which. Run: `make bench`, or
`tests/jack_server.sh -p 256 -- python -m pytest benchmarks/bench_realtime.py --benchmark-only -s`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

import groovebox as gb
from groovebox.model.options import RenderOptions
from groovebox.renderer.pattern import pattern_program

SR = 48000
BLOCK = 256
# A ride on every 16th rings for ~3.7 s: with kick, snare and hats about 32 voices sound at once.
BUSY = gb.Pattern.from_grid(
    {"ride": "xxxx xxxx xxxx xxxx", "kick": "x... x... x... x...", "snare": ".... x... .... x...",
     "closed_hat": "x.x. x.x. x.x. x.x."},
    bpm=132, name="busy",
)  # fmt: skip
SECONDS = 8.0


def _jack_device() -> int | None:
    if not os.environ.get("JACK_DEFAULT_SERVER"):
        return None
    import sounddevice as sd

    apis = [a for a in sd.query_hostapis() if "JACK" in a["name"] and a["devices"]]
    return apis[0]["devices"][0] if apis else None


def _in_stream(device: int) -> dict:
    from groovebox.live import Player

    player = Player(BUSY, kit="909", device=device, blocksize=BLOCK)
    voices = []
    with player:
        time.sleep(4.0)  # let the rides pile up
        deck = player.deck
        b0 = deck.blocks
        end = time.perf_counter() + SECONDS
        while time.perf_counter() < end:
            voices.append(player.engine.active_voices)
            time.sleep(0.05)
        b1 = deck.blocks
        ring = deck.timing_ns
        times = np.array([ring[i & (len(ring) - 1)] for i in range(b0, b1)]) / 1e6
        underruns = deck.underruns
    return {"mean_ms": float(times.mean()),
            "p99_ms": float(np.percentile(times, 99)), "max_ms": float(times.max()), "blocks": int(b1 - b0),
            "voices_mean": float(np.mean(voices)), "underruns": int(underruns), "where": "JACK dummy stream"}


def _direct() -> dict:
    from groovebox.renderer.engine import Engine

    eng = Engine(SR)
    eng.load(pattern_program(BUSY, RenderOptions(sample_rate=SR, kit="909")))
    out = np.zeros((BLOCK, 2), np.float32)
    for _ in range(round(4.0 * SR / BLOCK)):
        eng.render_block(BLOCK, out)
    n = round(SECONDS * SR / BLOCK)
    times = np.zeros(n)
    voices = np.zeros(n)
    for i in range(n):
        t0 = time.perf_counter_ns()
        eng.render_block(BLOCK, out)
        times[i] = (time.perf_counter_ns() - t0) / 1e6
        voices[i] = eng.active_voices
    return {"mean_ms": float(times.mean()), "p99_ms": float(np.percentile(times, 99)), "max_ms": float(times.max()),
            "blocks": n, "voices_mean": float(voices.mean()), "underruns": -1,
            "where": "render_block called directly (no JACK server)"}


def test_callback_cost_256_frames_32_voices(benchmark, report):
    device = _jack_device()
    result = benchmark.pedantic(lambda: _in_stream(device) if device is not None else _direct(), rounds=1,
                                iterations=1)
    report(benchmark, **result, target_mean_ms=0.27)


def _first_callback_s(env: dict) -> float:
    r = subprocess.run([sys.executable, "-m", "groovebox", "play", "rock/straight-eighths", "--seconds", "0.5",
                        "--verbose", "--blocksize", str(BLOCK)], capture_output=True, text=True, env=env,
                       timeout=900)
    m = re.search(r"first callback (\d+\.\d+) s after start", r.stdout)
    assert r.returncode == 0 and m, r.stdout + r.stderr
    return float(m.group(1))


def test_start_to_first_callback(benchmark, report):
    if _jack_device() is None:
        import pytest

        pytest.skip("needs an output device (run under tests/jack_server.sh)")
    env = dict(os.environ)
    _first_callback_s(env)  # warm the Numba cache
    warm = benchmark.pedantic(lambda: [_first_callback_s(env) for _ in range(3)], rounds=1, iterations=1)
    with tempfile.TemporaryDirectory() as cache:
        cold = _first_callback_s({**env, "NUMBA_CACHE_DIR": cache})  # everything compiles
    report(benchmark, warm_mean_s=float(np.mean(warm)), warm_best_s=float(np.min(warm)), cold_s=cold,
           target_warm_s=2.0)
