"""Every error a user can see is a :class:`GrooveboxError`.

The CLI prints ``str(error)`` on one line and exits with status 2, so each message must stand
on its own: say *where* (file, line, column, field or token) and *what was expected*.

The family also speaks Python's language: an error about a bad value (a tempo of 0, a malformed
file, an unknown name) is a :class:`ValueError` too, and one about a value of the wrong kind
(``mute=[5]``, ``path=123``) a :class:`TypeError`, so code written as ``except ValueError``
keeps working:

>>> issubclass(PatternError, ValueError), issubclass(GrooveboxTypeError, TypeError)
(True, True)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class GrooveboxError(Exception):
    """Base class of all user-facing groovebox errors (one line, no traceback needed)."""


class GrooveboxValueError(GrooveboxError, ValueError):
    """A value out of range or malformed: a number, a name, a file's contents, a limit passed."""


class GrooveboxTypeError(GrooveboxError, TypeError):
    """A value of the wrong kind: a list where a name goes, a number where a path goes."""


class GrooveboxWarning(UserWarning):
    """Something a user should know that does not stop the work (a kit with no sample for an
    instrument the pattern plays). The CLI prints these as ``groovebox: note: ...``."""


class PatternError(GrooveboxValueError):
    """A pattern file or pattern value is malformed.

    Parameters
    ----------
    message : str
        What is wrong and what was expected.
    path : str or Path, optional
        The file the pattern came from (None for patterns built in Python).
    line, column : int, optional
        1-based position in the file.
    field : str, optional
        Dotted field name, e.g. ``"tracks.snare"`` or ``"bpm"``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}{field}{self.message}"


class UnknownNameError(GrooveboxValueError):
    """A name (pattern id, kit, preset, instrument, device...) that does not exist."""

    def __init__(self, kind: str, name: str, known: Iterable[str], hint: str = ""):
        self.kind = kind
        self.name = name
        known = sorted(set(known))
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        if not close:
            # A slug without its genre ("amen-break") or a partial word should still find it.
            tail = name.split("/")[-1].lower()
            close = [k for k in known if tail and tail in k.lower()][:3]
        msg = f"unknown {kind} '{name}'"
        if close:
            msg += "; did you mean " + ", ".join(f"'{c}'" for c in close) + "?"
        elif known and len(known) <= 40:  # short enough to read in one line: list them all
            msg += "; known: " + ", ".join(known)
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class PatternErrors(PatternError):
    """Several problems in one pattern file, reported together: one line each, in file order.
    Its ``path``, ``line``, ``column``, ``field`` and ``message`` are the first problem's. At most
    :attr:`MAX_SHOWN` are listed (a file with thousands of bad lines stays a screenful)."""

    MAX_SHOWN = 20

    def __init__(self, errors):
        self.errors = tuple(sorted(errors, key=lambda e: (e.line or 0, e.column or 0)))
        first = self.errors[0]
        super().__init__(first.message, path=first.path, line=first.line, column=first.column, field=first.field)
        where = f"{first.path}: " if first.path else ""
        lines = [f"{where}{len(self.errors)} problems"] + [f"  {e}" for e in self.errors[: self.MAX_SHOWN]]
        if len(self.errors) > self.MAX_SHOWN:
            lines.append(f"  ... and {len(self.errors) - self.MAX_SHOWN} more")
        self.args = ("\n".join(lines),)

    def __str__(self) -> str:
        return self.args[0]


class RenderError(GrooveboxError):
    """Rendering or writing audio failed (bad settings, unwritable path, full disk...)."""


class KitError(GrooveboxValueError):
    """A drum kit (built-in or sample folder) cannot be used."""


class HarmonyError(GrooveboxValueError):
    """A key, scale, chord, progression, voicing or note value cannot be used.

    Messages name the offending token with its 1-based position when there is one, e.g.
    ``progression "I V vi IX": token 4 'IX' is not a roman numeral (...)``.
    """


class SoundscapeError(GrooveboxValueError):
    """A loop, soundscape or ambient setting cannot be used (bad period, note name, send...).

    Messages name the loop or field, e.g. ``loop 'F4': period: expected seconds > 0, got 0``.
    """


class ParameterError(GrooveboxValueError):
    """A synthesis or effect parameter is out of its allowed range or of the wrong kind.

    Parameters
    ----------
    name : str
        The parameter, e.g. ``"reverb.decay_s"`` or ``"patch.cutoff_hz"``.
    value : object
        What was given.
    expected : str
        The allowed range or values, e.g. ``"0.1 to 60 s"``.
    """

    def __init__(self, name: str, value: object, expected: str):
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"parameter '{name}' = {value!r} is out of range; expected {expected}")


class DeviceError(GrooveboxError):
    """An audio device cannot be used for playback (none there, busy, unsupported settings)."""
