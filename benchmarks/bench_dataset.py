"""Data set rendering: items per second and x real time per core, scaling over Dask workers.

Every item is a 4-bar loop at 48 kHz with everything a data set holds: the mix, one stem per
instrument (24-bit WAV), labels (JSON and CSV), MIDI, each file hashed and written atomically.
Rows:

- one core, in process: each item as a Dask task runs it (``DatasetTask.run``: render, check,
  encode, hash, write), into a fresh folder each round;
- the same with the mix alone (no stems), to show what the stems cost;
- a LocalCluster of 1 and of 2 workers on the same items (render time from the moment the
  cluster is up; the client and the scheduler share the two cores with the workers), with the
  CPU seconds the cluster's processes used;
- cluster start-up alone.

Other jobs on a shared machine slow the wall clock (each row reports the load average); the
CPU-second figures are the ones to compare. The 10,000-item run (datasets/drums-10k.toml) is
not a benchmark row: its command and figures are in the README's Performance section.

Run: make bench, or .venv/bin/python -m pytest benchmarks/bench_dataset.py --benchmark-only -s
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from groovebox.batch.dataset import DatasetTask, make_dataset
from groovebox.batch.plan import plan_items
from groovebox.batch.spec import parse_spec

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


def _load() -> float:
    return os.getloadavg()[0]


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("stems", [True, False], ids=["mix+stems", "mix-only"])
def test_items_per_core(benchmark, report, request, stems):
    items = plan_items(_spec(48, stems))
    top = Path(tempfile.mkdtemp())
    request.addfinalizer(lambda: shutil.rmtree(top, ignore_errors=True))
    for it in items[:3]:  # kit tables and kernels: built before timing
        DatasetTask(str(top / "warm"), it).run()

    cpu, folders = [], []

    def run():
        root = top / f"round{len(folders)}"  # a fresh folder: nothing to replace
        folders.append(root)
        c0 = time.process_time()
        records = [DatasetTask(str(root), it).run() for it in items]
        cpu.append(time.process_time() - c0)
        assert not [r for r in records if "error" in r]
        return sum(r["frames"] for r in records)

    frames = benchmark.pedantic(run, rounds=3, iterations=1)
    seconds = benchmark.stats.stats.mean
    cpu_s = min(cpu)  # the round least disturbed by other jobs
    audio_s = frames / 48000
    # Wall time suffers when other jobs share the cores; CPU time is what one core costs.
    report(benchmark, items_per_s=len(items) / seconds, items_per_cpu_s=len(items) / cpu_s,
           x_real_time_wall=audio_s / seconds, x_real_time_per_cpu_second=audio_s / cpu_s,
           cpu_ms_per_item=1e3 * cpu_s / len(items), audio_s_per_item=audio_s / len(items),
           mb_per_item=_bytes(folders[0]) / len(items) / 1e6, load_average=_load())


@pytest.fixture(scope="module")
def scaling():
    out = {}
    spec = _spec(320)
    for workers in (1, 2):
        folder = tempfile.mkdtemp()
        try:
            # The cluster's processes are reaped when it closes: their CPU time is the children's.
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = make_dataset(spec, folder, workers=workers, progress=False)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            out[workers] = (result, cpu, _load())
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_local_cluster(benchmark, report, scaling, workers):
    r, cpu, load = benchmark.pedantic(lambda: scaling[workers], rounds=1, iterations=1)
    report(benchmark, workers=workers, items=r.rendered, render_s=r.render_s, startup_s=r.startup_s,
           x_real_time=r.audio_s / r.render_s, items_per_s=r.rendered / r.render_s,
           speedup_over_1=scaling[1][0].render_s / r.render_s, cluster_cpu_s=cpu,
           x_real_time_per_cluster_cpu_second=r.audio_s / cpu, load_average=load)


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
    report(benchmark, startup_s=up, load_average=_load())
