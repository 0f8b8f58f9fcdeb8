"""A small process pool for an album's tracks: run jobs' ``run()`` on the machine's cores.

Each job is a picklable object with a ``run()`` method (the protocol of the datasets issue's
``groovebox.batch.render_many``, which should take this over once it lands on main). Results come
back in job order and do not depend on the number of workers: every job is self-contained and
seeded. Workers are forked where the platform can (no re-import, kernels already loaded), else
spawned.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

from groovebox import checks
from groovebox.errors import GrooveboxError

__all__ = ["run_jobs"]


def _run(job):
    return job.run()


def run_jobs(jobs: Sequence, workers: int | None = None, on_done: Callable[[int, object], None] | None = None) -> list:
    """Run every job's ``run()``; the results in job order.

    Parameters
    ----------
    jobs : sequence
        Picklable objects with ``run()``.
    workers : int, optional
        Processes (default: one per core, at most one per job); 0 runs the jobs here, in order.
    on_done : callable, optional
        ``on_done(index, result)`` in this process as each job finishes.

    Raises
    ------
    GrooveboxError
        The first job's error (the others are cancelled).
    """
    jobs = list(jobs)
    n = (os.cpu_count() or 1) if workers is None else checks.whole(workers, "workers", 0, 256)
    n = min(n, len(jobs))
    results: list = [None] * len(jobs)
    if n <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            results[i] = job.run()
            if on_done is not None:
                on_done(i, results[i])
        return results
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
        futures = {pool.submit(_run, job): i for i, job in enumerate(jobs)}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for f in done:
                    exc = f.exception()
                    if exc is not None:
                        for p in pending:
                            p.cancel()
                        if isinstance(exc, GrooveboxError):
                            raise exc
                        raise GrooveboxError(f"track job {futures[f] + 1} failed: {type(exc).__name__}: {exc}") from exc
                    results[futures[f]] = f.result()
                    if on_done is not None:
                        on_done(futures[f], results[futures[f]])
        except BaseException:
            for p in pending:
                p.cancel()
            raise
    return results
