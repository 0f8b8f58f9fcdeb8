"""Many renders on Dask: ``render_many(items, workers=..., scheduler=...)``.

An *item* is any picklable object with a ``run()`` method that does one piece of work (renders
and writes one data set item, one song of an album...) and returns a small picklable result.
The items go to Dask (:mod:`dask.distributed`) in chunks of several items per task, because a
task costs about 2 ms of scheduling: a chunk of 10-60 short renders makes that negligible while
leaving enough tasks to keep every worker busy until the end.

- ``workers=N`` starts a :class:`distributed.LocalCluster` of N single-threaded worker
  *processes* (spawned, so the task function and the items' classes live in importable
  modules), bound to 127.0.0.1 with no dashboard, and closes it afterwards (about 1-2 s to
  start: reported through ``on_cluster``).
- ``scheduler="tcp://host:8786"`` uses a running cluster (``dask scheduler`` and
  ``dask worker`` processes, on this machine or many; see ``datasets/README.md``).
- ``workers=0`` runs the items here, one after the other, without Dask (for debugging).

Before any worker starts, ``warm`` (if given) runs in this process: rendering one small item
compiles the Numba kernels into their on-disk cache, so workers load them instead of each
compiling them again. ``setup`` (if given) then runs in every worker as the cluster comes up,
so its imports and kernel loading count as start-up rather than as the first task's time.

Dask is imported inside the functions that use it (about 0.8 s to import), so importing
``groovebox.batch`` stays cheap.
"""

from __future__ import annotations

import logging
import math
import os
import time
import traceback
from collections.abc import Callable, Sequence

from groovebox import checks
from groovebox.errors import GrooveboxError, RenderError

__all__ = ["Batch", "BatchError", "connect_timeout_s", "render_many", "run_chunk"]

MAX_CHUNK = 64
TASKS_PER_WORKER = 8  # chunks per worker: enough for an even finish, few enough to amortize overhead
CONNECT_TIMEOUT_S = 10.0


def connect_timeout_s() -> float:
    """How long to wait for a scheduler (``GROOVEBOX_DASK_TIMEOUT`` seconds, default 10)."""
    text = os.environ.get("GROOVEBOX_DASK_TIMEOUT", "")
    return checks.positive(text, "GROOVEBOX_DASK_TIMEOUT", 3600.0, "seconds") if text else CONNECT_TIMEOUT_S


class BatchError(RenderError):
    """An item failed with an error (not a check it reports itself); the run stopped."""


def run_chunk(items: Sequence) -> list[tuple]:
    """Run items one after the other (this is the Dask task).

    Returns ``[(True, result), ...]``; at the first exception the rest is skipped and
    ``(False, message, kind)`` ends the list, so the results before it still count. Messages
    travel as strings: every GrooveboxError pickles that way, whatever its constructor takes.
    """
    out: list[tuple] = []
    for item in items:
        try:
            out.append((True, item.run()))
        except GrooveboxError as exc:
            out.append((False, str(exc), type(exc).__name__))
            break
        except Exception as exc:  # a bug: keep the traceback's last line and where it was
            where = traceback.extract_tb(exc.__traceback__)[-1]
            out.append((False, f"{type(exc).__name__}: {exc} ({os.path.basename(where.filename)}:{where.lineno})",
                        type(exc).__name__))
            break
    return out


def _chunks(n_items: int, n_workers: int, chunk_size: int | None) -> list[range]:
    if chunk_size is None:
        chunk_size = max(1, min(MAX_CHUNK, math.ceil(n_items / (max(1, n_workers) * TASKS_PER_WORKER))))
    return [range(a, min(a + chunk_size, n_items)) for a in range(0, n_items, chunk_size)]


def render_many(
    items: Sequence,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    on_done: Callable[[int, object], None] | None = None,
    warm: Callable[[], object] | None = None,
    on_cluster: Callable[[int, float], None] | None = None,
    setup: Callable[[], object] | None = None,
) -> list:
    """Run every item's ``run()`` on Dask; the results in item order.

    Parameters
    ----------
    items : sequence
        Picklable objects with a ``run()`` method (their class in an importable module).
    workers : int, optional
        Worker processes of a local cluster (default: one per core); 0 runs here, no Dask.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://10.0.0.5:8786``); ``workers`` is then
        ignored.
    chunk_size : int, optional
        Items per task (default: about 8 tasks per worker, at most 64 items each).
    on_done : callable, optional
        ``on_done(index, result)`` in this process as each item finishes (in completion order).
    warm : callable, optional
        Run here before any worker starts (compile the Numba kernels into the cache).
    on_cluster : callable, optional
        ``on_cluster(n_workers, startup_s)`` once the cluster is up.
    setup : callable, optional
        Run once in every worker as the cluster comes up, before any task (a picklable
        function: import the modules, load the kernels from the cache); its time counts as
        start-up, not rendering. Workers that join later skip it.

    Raises
    ------
    BatchError
        An item raised; the message names the item and the error. Items finished before it
        were passed to ``on_done``; the others were cancelled.
    GrooveboxError
        The scheduler cannot be reached (one line with its address), or has no workers.
    """
    with Batch(workers=workers, scheduler=scheduler, warm=warm, on_cluster=on_cluster, setup=setup) as batch:
        return batch.run(items, chunk_size=chunk_size, on_done=on_done)


class Batch:
    """Several rounds of items on one cluster, started once (an album renders its tracks, then
    masters them, then encodes them: three rounds, one cluster start-up).

    ``with Batch(workers=2) as batch: first = batch.run(items); then = batch.run(more)``. The
    parameters are :func:`render_many`'s; ``warm`` runs on entering, the cluster starts with the
    first round that has items and closes on leaving.
    """

    def __init__(self, *, workers: int | None = None, scheduler: str | None = None,
                 warm: Callable[[], object] | None = None,
                 on_cluster: Callable[[int, float], None] | None = None,
                 setup: Callable[[], object] | None = None):
        if scheduler is None:
            workers = (os.cpu_count() or 1) if workers is None else checks.whole(workers, "workers", 0, 1024)
        self.workers = workers
        self.scheduler = scheduler
        self.warm = warm
        self.on_cluster = on_cluster
        self.setup = setup
        self._cluster = None  # the _client context, once started
        self._client = None
        self.n_workers = 0

    def __enter__(self) -> Batch:
        if self.warm is not None:
            self.warm()
        return self

    def __exit__(self, *exc) -> None:
        if self._cluster is not None:
            cluster, self._cluster, self._client = self._cluster, None, None
            cluster.__exit__(*exc)

    @property
    def local(self) -> bool:
        """True when items run in this process (``workers=0``), without Dask."""
        return self.scheduler is None and self.workers == 0

    def _start(self) -> None:
        if self._client is not None or self.local:
            return
        cluster = _client(self.workers, self.scheduler)
        self._client, self.n_workers, startup_s = cluster.__enter__()
        self._cluster = cluster
        if self.setup is not None:
            t = time.perf_counter()
            try:
                self._client.run(self.setup)
            except Exception as exc:
                raise BatchError(f"worker set-up failed: {type(exc).__name__}: {exc}") from None
            startup_s += time.perf_counter() - t
        if self.on_cluster is not None:
            self.on_cluster(self.n_workers, startup_s)

    def run(self, items: Sequence, *, chunk_size: int | None = None,
            on_done: Callable[[int, object], None] | None = None) -> list:
        """Run every item's ``run()``; the results in item order (see :func:`render_many`)."""
        items = list(items)
        results: list = [None] * len(items)

        def done(index: int, result) -> None:
            results[index] = result
            if on_done is not None:
                on_done(index, result)

        if not items:
            return results
        if self.local:
            if self.on_cluster is not None and self.n_workers == 0:
                self.on_cluster(0, 0.0)
            _collect(run_chunk(items), range(len(items)), items, done)
            return results
        self._start()
        _run_on(self._client, items, _chunks(len(items), self.n_workers, chunk_size), done)
        return results


def _collect(out: list[tuple], chunk: range, items: Sequence, done) -> None:
    for k, entry in enumerate(out):
        if entry[0]:
            done(chunk[k], entry[1])
        else:
            raise BatchError(f"{_name(items[chunk[k]])}: {entry[1]}")


def _name(item) -> str:
    return str(getattr(item, "name", None) or f"item {getattr(item, 'index', '?')}")


def _run_on(client, items: Sequence, chunks: list[range], done) -> None:
    from distributed import as_completed  # dask: see the module docstring

    futures = {}
    for chunk in chunks:
        fut = client.submit(run_chunk, [items[i] for i in chunk], pure=False)
        futures[fut] = chunk
    try:
        for fut in as_completed(list(futures), loop=client.loop):
            try:
                out = fut.result()
            except Exception as exc:  # a worker died or the task could not run at all
                raise BatchError(f"{_name(items[futures[fut][0]])}: the task failed on its worker: "
                                 f"{type(exc).__name__}: {exc}") from None
            _collect(out, futures[fut], items, done)
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


class _client:
    """A Dask client on a new LocalCluster (closed at exit) or on a running scheduler."""

    def __init__(self, workers: int | None, scheduler: str | None):
        self.workers = workers
        self.scheduler = scheduler
        self.cluster = None
        self.client = None

    def __enter__(self):
        from distributed import Client, LocalCluster  # dask: see the module docstring

        start = time.perf_counter()
        if self.scheduler is not None:
            address = _address(self.scheduler)
            timeout = connect_timeout_s()
            try:
                self.client = Client(address, timeout=f"{timeout}s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise GrooveboxError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                                     f"({type(exc).__name__})") from None
            try:
                self.client.wait_for_workers(1, timeout=timeout)
            except (TimeoutError, OSError):
                self.client.close()
                raise GrooveboxError(f"the Dask scheduler at {address} has no workers (waited {timeout:g} s); "
                                     "start some with `dask worker " + address + "`") from None
            n_workers = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        else:
            self.cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                # Loopback only, no dashboard. The scheduler's small HTTP server (health and
                # metrics) runs even without a dashboard, at 127.0.0.1:8787 unless told
                # otherwise: a free loopback port instead, so runs never collide.
                host="127.0.0.1", dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                # Only Dask's critical logs: a failed item comes back as our own one-line error,
                # and a worker's heartbeat racing the scheduler's shutdown logged a traceback.
                silence_logs=logging.CRITICAL,
                memory_limit=0,  # renders are small; Dask's memory pausing would only stall them
            )  # fmt: skip
            self.client = Client(self.cluster, set_as_default=False)
            n_workers = self.workers
        return self.client, n_workers, time.perf_counter() - start

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _address(text: str) -> str:
    text = str(text).strip()
    if not text:
        raise GrooveboxError("scheduler: expected an address like tcp://10.0.0.5:8786, got ''")
    return text if "://" in text else f"tcp://{text}"
