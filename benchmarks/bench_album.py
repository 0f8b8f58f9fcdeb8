"""The EP end to end: `new album --guidelines chill --tracks 6 --minutes 22 --seed 1`, then the
album render (every track on both cores, album loudness, limiter, 24-bit FLAC + WAV, tags,
cover, track list, CUE) at 48 kHz. Reports wall time, x real time, the time per stage and CPU
seconds (the machine may be shared: CPU seconds per audio second is the steadier number).

    .venv/bin/python -m pytest benchmarks/bench_album.py --benchmark-only -s
"""

from __future__ import annotations

import os
import resource
import time

from groovebox.albums import render_album
from groovebox.albums.render import _warm
from groovebox.formats.album_toml import save
from groovebox.formats.song_toml import save as save_song
from groovebox.generators.album import new_album


def _cpu_s() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def test_ep_22_minutes_end_to_end(benchmark, tmp_path, report):
    album, songs = new_album("chill", tracks=6, minutes=22, seed=1)
    for name, song in songs:
        save_song(song, tmp_path / name)
    save(album, tmp_path / "album.toml")
    _warm(48000)  # kernels compiled/loaded: compile time is not render time
    runs = []

    def once():
        out = tmp_path / f"out{len(runs)}"
        c, t = _cpu_s(), time.perf_counter()
        r = render_album(tmp_path / "album.toml", out)
        runs.append((time.perf_counter() - t, _cpu_s() - c, r))

    benchmark.pedantic(once, rounds=1, iterations=1)
    wall, cpu, r = runs[-1]
    report(benchmark, audio_s=r.total_s, wall_s=wall, x_real_time=r.total_s / wall, cpu_s=cpu,
           cpu_s_per_audio_min=cpu / (r.total_s / 60), cores=os.cpu_count(), album_lufs=r.album_lufs,
           **{f"stage_{k}_s": v for k, v in r.seconds.items()})
