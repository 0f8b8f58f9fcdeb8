"""How groovebox's kernels come out of Numba's cache, and how a first run says it is compiling.

Every kernel is ``@njit(cache=True)``: Numba compiles it on its first call and keeps the machine
code in its cache (``__pycache__`` next to the sources, or ``NUMBA_CACHE_DIR``); later
processes load it from there.

Loading without the compiler
    Before Numba loads anything from its cache it sets up its whole compiler: it imports some
    250 typing and lowering registries, about 0.4 s of every process's start-up, although a
    cached kernel needs only its machine code and Numba's small runtime. :func:`install` (run
    when :mod:`groovebox.dsp` is imported) makes *groovebox's* kernels load with the runtime
    alone. A kernel that is not in the cache still compiles with everything set up (Numba
    prepares it for every compile), and other packages' functions are left as they are.

Knowing what will compile
    A :class:`Group` names a set of kernels that one kind of work calls (drum synthesis, drum
    voices, a reverb, WAV packing...) and about how long they take to compile on a first run.
    :func:`need` is told which groups a job is about to use; the first time one of them is not
    in the cache it prints ``compiling sound kernels, first run only, ~N s`` on stderr before
    anything compiles, and on a terminal a progress line follows the kernels as they finish.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from dataclasses import dataclass

import numba.core.caching as _caching
from numba.core import event as _event
from numba.core.runtime import nrt as _nrt

__all__ = ["Group", "cached", "cold", "finish", "install", "mark_noticed", "need", "notice_stream"]

_PREFIX = "groovebox."
_full_load_overload = _caching.Cache.load_overload


def _load_overload(self, sig, target_context):
    """Numba's ``Cache.load_overload`` for groovebox's kernels, without the registry set-up."""
    py_func = getattr(self, "_py_func", None)
    if not getattr(py_func, "__module__", "").startswith(_PREFIX):
        return _full_load_overload(self, sig, target_context)
    try:
        # The runtime (reference counting, array allocation) is all cached machine code calls.
        _nrt.rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)
    except Exception:  # Numba's internals moved: take its own way, which always works
        return _full_load_overload(self, sig, target_context)


def install() -> None:
    """Load groovebox's cached kernels without setting up Numba's compiler (idempotent)."""
    _caching.Cache.load_overload = _load_overload


def cached(kernel) -> bool:
    """Whether Numba's cache holds machine code of ``kernel`` (a dispatcher) for its current
    source, without loading it."""
    try:
        return bool(kernel._cache._cache_file._load_index())
    except Exception:  # no cache (caching off) or an unreadable index: it will compile
        return False


@dataclass(frozen=True, eq=False)
class Group:
    """Kernels one kind of work calls from Python, and their first-run compile time.

    Parameters
    ----------
    label : str
        What they do, for the progress line (``"drum voices"``).
    kernels : tuple
        The dispatchers called from Python (their callees compile with them).
    compile_s : float
        About how long they take to compile together on one core of the CI machine class.
    """

    label: str
    kernels: tuple
    compile_s: float


def cold(groups) -> list[Group]:
    """The groups with at least one kernel not in the cache."""
    return [g for g in dict.fromkeys(groups) if not all(cached(k) for k in g.kernels)]


# --- the first-run notice ----------------------------------------------------------------------
_stream = None  # where notices go; None: sys.stderr at the time of writing


def notice_stream(stream) -> None:
    """Send first-run notices to ``stream`` (None: stderr; False: nowhere)."""
    global _stream
    _stream = stream


class _Progress(_event.Listener):
    """The first-run notice and progress line, driven by Numba's compile events."""

    def __init__(self):
        self.lock = threading.RLock()
        self.seen: set[Group] = set()  # groups already looked at
        self.waiting: list[Group] = []  # cold groups not yet announced
        self.pending: dict[int, Group] = {}  # kernel id -> its group, until it has compiled
        self.total = 0
        self.done = 0
        self.last = ""  # label of the group whose kernel finished last
        self.estimate_s = 0.0
        self.started = 0.0  # 0: no batch running
        self.line = False
        self.noticed = False
        self.depth = 0  # compiles under way (a kernel compiles its callees inside its own)
        self.warned: dict[str, bool] = {}  # kernels no group declared, already announced
        self.registered = False
        self.ticker: threading.Event | None = None

    def register(self):
        if not self.registered:
            _event.register("numba:compile", self)
            atexit.register(finish)
            self.registered = True

    # numba.core.event.Listener: every compile, nested ones included
    def on_start(self, event):
        self.depth += 1
        disp = event.data.get("dispatcher")
        if not getattr(getattr(disp, "py_func", None), "__module__", "").startswith(_PREFIX):
            return
        with self.lock:
            if self.waiting:
                self.announce()
            elif self.depth == 1 and id(disp) not in self.pending and not self.warned.get(disp.py_func.__name__):
                # A kernel called from Python that no group declared
                self.warned[disp.py_func.__name__] = True
                what = "sound kernels, first run only" if not self.noticed else "more sound kernels"
                self.noticed = True
                self.write(f"compiling {what} ({disp.py_func.__name__})\n")

    def on_end(self, event):
        self.depth -= 1
        with self.lock:
            group = self.pending.pop(id(event.data.get("dispatcher")), None)
            if group is None:
                return
            self.done += 1
            self.last = group.label
            if self.done >= self.total and not self.waiting:
                self.summary()
            else:
                self.draw()

    def announce(self):
        todo, self.waiting = self.waiting, []
        seconds = max(1, round(sum(g.compile_s for g in todo)))
        what = ", ".join(dict.fromkeys(g.label for g in todo))
        if self.started == 0.0:
            self.started = time.monotonic()
            self.estimate_s = 0.0
        self.estimate_s += seconds
        if not self.noticed:
            self.noticed = True
            self.write(f"compiling sound kernels, first run only, ~{seconds} s ({what})\n")
        else:
            self.write(f"compiling more sound kernels, ~{seconds} s ({what})\n")
        self.start_ticker()

    def write(self, text: str):
        stream = _out()
        if stream is None:
            return
        if self.line:
            stream.write("\r\033[K")
            self.line = False
        stream.write(text)
        stream.flush()

    def draw(self):
        stream = _out()
        if stream is None or not _isatty(stream) or self.started == 0.0:
            return
        elapsed = time.monotonic() - self.started
        done = f", {self.last} done" if self.last else ""
        stream.write(f"\r\033[Kcompiling sound kernels: {self.done} of {self.total}{done}, "
                     f"{elapsed:.0f} s of ~{self.estimate_s:.0f} s")
        stream.flush()
        self.line = True

    def start_ticker(self):
        stream = _out()
        if self.ticker is not None or stream is None or not _isatty(stream):
            return
        stop = self.ticker = threading.Event()

        def tick():
            while not stop.wait(0.5):
                with self.lock:
                    self.draw()

        threading.Thread(target=tick, name="groovebox-compile-progress", daemon=True).start()

    def summary(self):
        """Stop the ticker, clear its line and say how long compiling took (once per batch)."""
        if self.ticker is not None:
            self.ticker.set()
            self.ticker = None
        if self.started == 0.0:
            return
        self.write(f"compiled sound kernels in {time.monotonic() - self.started:.0f} s; "
                   "later runs load them from the cache\n")
        self.started = 0.0


_progress = _Progress()


def _out():
    if _stream is False:
        return None
    return sys.stderr if _stream is None else _stream


def _isatty(stream) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def need(*groups: Group) -> None:
    """Say that a job is about to call these groups' kernels. Those not in the cache are
    announced on stderr when the first of them starts compiling (``compiling sound kernels,
    first run only, ~N s``, with every group declared by then), and followed on a terminal."""
    p = _progress
    with p.lock:
        fresh = [g for g in groups if g not in p.seen]
        if not fresh:
            return
        p.seen.update(fresh)
        for g in cold(fresh):
            kernels = [k for k in g.kernels if not cached(k) and id(k) not in p.pending]
            if kernels:
                p.waiting.append(g)
                p.pending.update((id(k), g) for k in kernels)
                p.total += len(kernels)
        p.register()


def mark_noticed() -> None:
    """Say the first-run notice has been given (a parallel warm-up gave it)."""
    with _progress.lock:
        _progress.noticed = True


def finish() -> None:
    """End the progress display of a job that compiled (the CLI calls it when a command ends;
    it also runs at exit)."""
    with _progress.lock:
        _progress.summary()
