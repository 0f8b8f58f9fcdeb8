"""Running one fuzz case: on disk, within bounds, and judged.

A case passes when its reader returns normally or raises a :class:`GrooveboxError` whose
message is one line, in at most the reader's time and memory bounds (time by the wall clock,
with an alarm so a blocking read cannot hang the run; memory as the peak of Python and numpy
allocations, by :mod:`tracemalloc`). Anything else (another exception, a traceback-worthy
crash, a hang, a blow-up) fails and Hypothesis shrinks it to a small input.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

from groovebox.errors import GrooveboxError, PatternErrors

from .mutate import Case


class CaseTimeout(Exception):
    """A case ran past its reader's time bound (raised by the alarm)."""


@contextmanager
def materialized(case: Case):
    """The case as files in a fresh temporary folder; yields the folder (removed afterwards)."""
    root = Path(tempfile.mkdtemp(prefix="groovebox-fuzz-"))
    try:
        for name, data in case.files:
            (root / name).write_bytes(data)
        for name, kind in case.special:
            target = root / name
            if target.exists() or target.is_symlink():
                target.unlink()
            if kind == "fifo":
                os.mkfifo(target)
            elif kind == "dir":
                target.mkdir()
            elif kind == "dangling":
                target.symlink_to(root / "nowhere" / name)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _alarm(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):
        raise CaseTimeout(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(reader, case: Case) -> str:
    """Run ``reader`` on ``case``; return ``"ok"`` or ``"error"`` (a proper GrooveboxError),
    or raise AssertionError saying what went wrong."""
    with materialized(case) as root:
        target = root if reader.folder else root / case.files[0][0]
        if reader.before is not None:
            reader.before()
        tracemalloc.start()
        # The bound is on the work a case costs: CPU seconds, which other jobs on the machine do
        # not stretch (wall time did: a case at 11.6 s under load ran in well under 1 s alone).
        start = time.process_time()
        outcome = "ok"
        try:
            with _alarm(reader.max_seconds * 3):  # the alarm is a backstop; the bound is checked below
                reader.read(target)
        except GrooveboxError as exc:
            message = str(exc)
            if isinstance(exc, PatternErrors):  # every problem in a file at once: a line each, a screenful at most
                assert all("\n" not in str(e) for e in exc.errors), f"{reader.name}: not one line each: {message[:500]!r}"
                assert message.count("\n") <= PatternErrors.MAX_SHOWN + 1, f"{reader.name}: {message[:500]!r}"
            else:
                assert message and "\n" not in message, f"{reader.name}: not one line: {message[:500]!r}"
            assert "Traceback" not in message, message[:500]
            outcome = "error"
        except CaseTimeout as exc:
            raise AssertionError(f"{reader.name}: {exc} (bound {reader.max_seconds:g} s)") from None
        finally:
            elapsed = time.process_time() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert elapsed <= reader.max_seconds, f"{reader.name}: {elapsed:.2f} CPU s (bound {reader.max_seconds:g} s)"
        assert peak <= reader.max_bytes, (f"{reader.name}: peak {peak / 2**20:.1f} MiB "
                                          f"(bound {reader.max_bytes / 2**20:.0f} MiB)")
        return outcome
