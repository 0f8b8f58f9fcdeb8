"""Write a file under a temporary name in its folder and rename it into place.

A failed or interrupted write never leaves a half-written file where the output should be:
the reader sees the old file (or none) until the new one is complete.

Signals are the hard part: Ctrl-C raises KeyboardInterrupt at whatever bytecode runs, and a
second one (or a SIGTERM) may land inside the clean-up of the first, between creating the
temporary file and remembering its name, or between closing it and renaming it. So writers
run inside :class:`deferred_signals`: SIGINT, SIGTERM and SIGHUP are only *noted* there (the
previous handler still runs, but what it raises is kept for later), the writer checks
``stop`` between blocks and finishes its file (complete, kept short, or removed), and only
then is the first interruption delivered. However many signals arrive, and whenever, the
output is the finished file, a valid shorter one, or nothing; never a ``.part``.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from groovebox.errors import GrooveboxError

_DEFERRED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class deferred_signals:  # noqa: N801 (used as a context manager, like contextlib's)
    """While inside, SIGINT/SIGTERM/SIGHUP do not raise; the first one is delivered on exit.

    Attributes
    ----------
    stop : bool
        An interruption arrived: the writer should stop at the next block and finish its file.

    Each arriving signal still goes to the handler that was there before (so a handler that
    only logs keeps working and stops nothing); if that handler raises (Python's Ctrl-C
    handler raises KeyboardInterrupt) or is the default action (terminate), that is an
    interruption, kept until :meth:`deliver`. Outside the main thread (where no signal
    handler runs) this does nothing.
    """

    def __init__(self):
        self.stop = False
        self._first: tuple[int, BaseException | None] | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> deferred_signals:
        if threading.current_thread() is threading.main_thread():
            for sig in _DEFERRED:
                handler = signal.getsignal(sig)
                if handler is signal.SIG_IGN or handler is None:
                    continue  # ignored (nohup) or installed outside Python: left alone
                self._previous[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum, frame) -> None:
        previous = self._previous.get(signum)
        if previous is signal.SIG_DFL:
            exc = None
        else:
            try:
                previous(signum, frame)
                return  # the handler did its work and asked for no stop
            except BaseException as raised:  # noqa: B036 (kept and raised again by deliver)
                exc = raised
        if self._first is None:
            self._first = (signum, exc)
        self.stop = True

    def __exit__(self, *exc_info) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def deliver(self, instead: BaseException | None = None) -> None:
        """Raise the first interruption now (``instead``, when given, in place of what its
        handler raised); for a signal whose action was to terminate, terminate. Call after
        leaving the block, with the file finished."""
        if self._first is None:
            return
        signum, exc = self._first
        if exc is None:  # the default action: die of the signal, as without us
            os.kill(os.getpid(), signum)
            exc = KeyboardInterrupt()
        raise (instead if instead is not None else exc)


def write_atomic(
    path: str | os.PathLike,
    write: Callable[[IO], object] | bytes | str,
    *,
    make_parents: bool = True,
    error: type[GrooveboxError] = GrooveboxError,
) -> Path:
    """Write ``path`` atomically.

    Parameters
    ----------
    path : path-like
        Target file.
    write : bytes, str or callable
        The content, or a function that writes it to the binary file object it is given.
    make_parents : bool
        Create missing folders (else a missing folder is an error).
    error : GrooveboxError subclass
        Raised, with one line naming the file, when the folder or file cannot be written.
    """
    path = Path(path)
    folder = path.parent
    if not folder.exists():
        if not make_parents:
            raise error(f"{path}: folder {folder} does not exist")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise error(f"cannot write {path}: {exc.strerror or exc}") from None
    with deferred_signals() as signals:  # small files: written whole, then the signal is raised
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
        except OSError as exc:
            raise error(f"cannot write {path}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                if isinstance(write, str):
                    fh.write(write.encode("utf-8"))
                elif isinstance(write, bytes):
                    fh.write(write)
                else:
                    write(fh)
            if signals.stop:
                raise KeyboardInterrupt
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise error(f"cannot write {path}: {exc.strerror or exc}") from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            if not signals.stop:
                raise
    signals.deliver()
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
