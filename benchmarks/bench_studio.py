"""The studio (issue 16): how soon a click on the grid is heard, and how soon the page is up.

* click to heard (server side): a cell edit arrives (``Studio.handle``, as the page's WebSocket
  handler calls it), the player queues the new grid on the next step far enough ahead to be on
  time; measured is the handling time and the time from the click to the moment the new grid
  reaches the speakers (the landing frame minus the frame sounding at the click). On a JACK
  dummy server when one is up (``make bench`` starts one with 256-frame periods), else in
  browser mode (the pulled stream, 160 ms ahead of the listener).
* the same click through HTTP (``POST /api/op``) for the request round trip.
* start-up: ``groovebox studio --no-browser`` spawned to the first page served.

Run: `make bench`, or
`tests/jack_server.sh -p 256 -- python -m pytest benchmarks/bench_studio.py --benchmark-only -s`.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np
import pytest

import groovebox as gb

pytest.importorskip("starlette", reason="the studio extra is not installed")

from groovebox.studio.server import StudioServer  # noqa: E402
from groovebox.studio.session import Studio  # noqa: E402

SR = 48000
BEAT = gb.Pattern.from_grid({"kick": "x... .... x... ....", "snare": ".... x... .... x...",
                             "closed_hat": "x.x. x.x. x.x. x.x."}, bpm=120, name="Bench")
CLICKS = 24


def _jack_device() -> int | None:
    if not os.environ.get("JACK_DEFAULT_SERVER"):
        return None
    import sounddevice as sd

    apis = [a for a in sd.query_hostapis() if "JACK" in a["name"] and a["devices"]]
    return apis[0]["devices"][0] if apis else None


def _clicks(studio: Studio) -> dict:
    rng = random.Random(1)
    handle_ms, heard_s = [], []
    studio.handle({"op": "play"})
    player = studio.transport.player
    time.sleep(0.5)
    for _ in range(CLICKS):
        time.sleep(rng.uniform(0.15, 0.4))  # clicks land anywhere in a step
        step = rng.randrange(16)
        state = "hit" if studio.pattern.track("closed_hat").grid[step] == "." else "off"
        heard = studio.transport.heard_frame() - studio.transport.timeline().get("origin", 0)
        t0 = time.perf_counter()
        studio.handle({"op": "cell", "track": "closed_hat", "step": step, "state": state})
        handle_ms.append((time.perf_counter() - t0) * 1e3)
        heard_s.append((player.timeline[-1].anchor_sample - heard) / SR)
    stats = player.stats()
    studio.handle({"op": "stop"})
    return {"handle_mean_ms": float(np.mean(handle_ms)), "handle_max_ms": float(np.max(handle_ms)),
            "heard_mean_s": float(np.mean(heard_s)), "heard_min_s": float(np.min(heard_s)),
            "heard_max_s": float(np.max(heard_s)), "step_s": BEAT.step_s, "late_changes": stats["late_changes"],
            "underruns": stats["underruns"]}


def test_click_to_heard(benchmark, report):
    device = _jack_device()
    with tempfile.TemporaryDirectory() as tmp:
        studio = Studio(BEAT, audio="device" if device is not None else "browser", device=device, blocksize=256,
                        patterns_dir=tmp, out_dir=tmp, watch=False)
        try:
            result = benchmark.pedantic(lambda: _clicks(studio), rounds=1, iterations=1)
        finally:
            studio.close()
    where = "JACK dummy stream, 256-frame blocks" if device is not None else "browser mode (pulled stream)"
    report(benchmark, **result, where=where)


def test_click_through_http(benchmark, report):
    with tempfile.TemporaryDirectory() as tmp:
        server = StudioServer(Studio(BEAT, audio="browser", patterns_dir=tmp, out_dir=tmp, watch=False)).start()
        try:
            def click(k):
                body = json.dumps({"op": "cell", "track": "kick", "step": k % 16,
                                   "state": "hit" if k % 2 == 0 else "off"}).encode()
                req = urllib.request.Request(server.url + "api/op", data=body,
                                             headers={"Content-Type": "application/json"})
                t0 = time.perf_counter()
                with urllib.request.urlopen(req, timeout=30) as r:
                    r.read()
                return (time.perf_counter() - t0) * 1e3

            times = benchmark.pedantic(lambda: [click(k) for k in range(40)], rounds=1, iterations=1)
        finally:
            server.stop()
    report(benchmark, round_trip_mean_ms=float(np.mean(times)), round_trip_p90_ms=float(np.percentile(times, 90)))


def _start_to_first_page() -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "studio", "--no-browser", "--audio", "browser",
                             "rock/straight-eighths"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[2]
        with urllib.request.urlopen(url, timeout=60) as r:
            assert r.status == 200 and b"groovebox studio" in r.read()
        return time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(30)


def test_studio_start_to_first_page(benchmark, report):
    _start_to_first_page()  # warm caches
    times = benchmark.pedantic(lambda: [_start_to_first_page() for _ in range(3)], rounds=1, iterations=1)
    report(benchmark, mean_s=float(np.mean(times)), best_s=float(np.min(times)))
