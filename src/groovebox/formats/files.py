"""Reading a user's file safely: regular files only, and never more than a known size.

Every reader opens its input through :func:`open_regular` (or :func:`read_regular`), so

- a FIFO, a device, a socket or a folder given where a file goes is one line, never a read
  that blocks forever (``mkfifo kick.wav``) or streams without end (``/dev/zero``);
- a file larger than the format's limit (see ``docs/limits.md``) is one line naming the limit,
  said before a byte of it is parsed;
- the check cannot be raced: the file is opened without blocking and checked on the open
  descriptor (``fstat``), so swapping the path for a FIFO after a ``stat`` gains nothing.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> os.mkfifo(os.path.join(d, "kick.wav"))
>>> read_regular(os.path.join(d, "kick.wav"), 1024, "sample")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
groovebox.errors.GrooveboxValueError: .../kick.wav: not a regular file (a FIFO); expected a sample
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from groovebox.errors import GrooveboxError, GrooveboxValueError

__all__ = ["file_kind", "open_regular", "read_regular", "size_text"]

_KINDS = (
    (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
)  # fmt: skip



def _a(what: str) -> str:
    """``what`` with its article: "a song map", "an album file"."""
    return ("an " if what[:1].lower() in "aeiou" else "a ") + what

def file_kind(mode: int) -> str:
    """What a non-regular ``st_mode`` is, in words (``"a FIFO"``)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def size_text(n_bytes: int) -> str:
    """``1536`` -> ``"1.5 KiB"``: sizes in messages and the limits table."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.4g} {unit}"
    return f"{n_bytes} bytes"


def open_regular(path: str | os.PathLike, max_bytes: int, what: str,
                 error: type[GrooveboxError] = GrooveboxValueError) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file of at most ``max_bytes`` bytes.

    Parameters
    ----------
    path : path-like
    max_bytes : int
        The format's size limit.
    what : str
        What the file should be, for messages (``"MIDI file"``, ``"sample"``).
    error : GrooveboxError subclass
        Raised, with one line naming the file, for a missing, unreadable, non-regular or too
        large file.

    Returns
    -------
    file object
        Binary, positioned at the start; the caller closes it.
    """
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: not a regular file (a folder); expected {_a(what)}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: not a regular file ({file_kind(st.st_mode)}); expected {_a(what)}")
        if st.st_size > max_bytes:
            raise error(f"{path}: {size_text(st.st_size)} is over the limit of {size_text(max_bytes)} "
                        f"for {_a(what)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike, max_bytes: int, what: str,
                 error: type[GrooveboxError] = GrooveboxValueError) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes (see :func:`open_regular`).

    A file that grows past the limit while it is read is refused too.
    """
    with open_regular(path, max_bytes, what, error) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise error(f"{path}: more than {size_text(max_bytes)}, the limit for {_a(what)}")
    return data
