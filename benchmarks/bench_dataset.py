"""Data set rendering: items per second and x real time per core, scaling over Dask workers.

Every item is a 4-bar loop at 48 kHz with everything a data set holds: the mix, one stem per
instrument (24-bit WAV), labels (JSON and CSV), MIDI, each file hashed and written atomically.
Rows:

- one core, in process: render + check + encode + hash + write, per item;
- the same with the mix alone (no stems), to show what the stems cost;
- a LocalCluster of 1 and of 2 workers on the same items (render time from the moment the
  cluster is up; the client and the scheduler share the two cores with the workers);
- cluster start-up alone.

The 10,000-item run (datasets/drums-10k.toml) is not a benchmark row: it takes long; its
command and figures are in the README's Performance section.

Run: make bench, or .venv/bin/python -m pytest benchmarks/bench_dataset.py --benchmark-only -s
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from groovebox.batch.dataset import make_dataset
from groovebox.batch.item import render_item
from groovebox.batch.plan import plan_items
from groovebox.batch.spec import parse_spec
from groovebox.batch.writers import item_files, write_item

SPEC = """
seed = 7
items = {items}
bars = 4
humanize_ms = [0, 4]
humanize_velocity = [0, 0.05]
sample_rate = 48000
[patterns]
genres = ["funk", "house", "rock", "soul"]
[[kits]]
kit = "909"
[augment]
gain_db = [-9, -6]
[outputs]
stems = {stems}
"""


def _spec(items: int, stems: bool = True):
    return parse_spec(SPEC.format(items=items, stems=str(stems).lower()))


@pytest.mark.parametrize("stems", [True, False], ids=["mix+stems", "mix-only"])
def test_items_per_core(benchmark, report, request, stems):
    items = plan_items(_spec(48, stems))
    root = Path(tempfile.mkdtemp())
    request.addfinalizer(lambda: shutil.rmtree(root, ignore_errors=True))
    for it in items[:3]:  # kit tables and kernels: built before timing
        write_item(root / "warm", it.folder, item_files(render_item(it)))

    cpu = []

    def run():
        frames = 0
        c0 = time.process_time()
        for it in items:
            r = render_item(it)
            write_item(root, it.folder, item_files(r))
            frames += r.frames
        cpu.append(time.process_time() - c0)
        return frames

    frames = benchmark.pedantic(run, rounds=2, iterations=1)
    seconds = benchmark.stats.stats.mean
    cpu_s = sum(cpu) / len(cpu)
    # Wall time suffers when other jobs share the cores; CPU time is what one core costs.
    report(benchmark, items_per_s=len(items) / seconds, x_real_time_wall=frames / 48000 / seconds,
           x_real_time_per_cpu_second=frames / 48000 / cpu_s, audio_s_per_item=frames / 48000 / len(items))


@pytest.fixture(scope="module")
def scaling():
    out = {}
    spec = _spec(160)
    for workers in (1, 2):
        folder = tempfile.mkdtemp()
        try:
            out[workers] = make_dataset(spec, folder, workers=workers, progress=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_local_cluster(benchmark, report, scaling, workers):
    r = benchmark.pedantic(lambda: scaling[workers], rounds=1, iterations=1)
    report(benchmark, workers=workers, items=r.rendered, render_s=r.render_s, startup_s=r.startup_s,
           x_real_time=r.audio_s / r.render_s, items_per_s=r.rendered / r.render_s,
           speedup_over_1=scaling[1].render_s / r.render_s)


def test_cluster_startup(benchmark, report):
    from distributed import Client, LocalCluster

    def start_stop():
        t = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False}) as cluster, \
                Client(cluster) as client:
            client.wait_for_workers(2)
            up = time.perf_counter() - t
        return up

    up = benchmark.pedantic(start_stop, rounds=2, iterations=1)
    report(benchmark, startup_s=up)
