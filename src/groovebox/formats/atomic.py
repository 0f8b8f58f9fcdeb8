"""Write a file under a temporary name in its folder and rename it into place.

A failed or interrupted write never leaves a half-written file where the output should be:
the reader sees the old file (or none) until the new one is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from groovebox.errors import GrooveboxError


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
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise error(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
