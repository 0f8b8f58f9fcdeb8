"""Number checks shared by every layer: one wording, one set of rules.

Every user-facing number (a tempo, a length, a seed, a sample rate, a knob) passes through
one of these before any work starts, so a bad value fails with one line that says where it was
and what was expected, in the same words everywhere:

- wrong kind: ``<where>: expected <what>, got <value>``
- out of range: ``<where>: <value> is out of range; expected <what>``

``error`` is the :class:`~groovebox.errors.GrooveboxError` subclass to raise (or a factory
taking the message, for errors that carry a field or a file). Left out, a value of the wrong
kind raises :class:`~groovebox.errors.GrooveboxTypeError` (a ``TypeError`` too) and a bad value
:class:`~groovebox.errors.GrooveboxValueError` (a ``ValueError``). Booleans are never numbers.

>>> number("120.5", "bpm", 20, 300, "a tempo in 20..300 bpm")
120.5
>>> number(0, "bars", 0, 10, "more than 0 bars", open_low=True)
Traceback (most recent call last):
...
groovebox.errors.GrooveboxValueError: bars: 0 is out of range; expected more than 0 bars
>>> number([4], "bars", 0, 10, "more than 0 bars")
Traceback (most recent call last):
...
groovebox.errors.GrooveboxTypeError: bars: expected more than 0 bars, got [4]
"""

from __future__ import annotations

import hashlib
import math
import numbers
import sys
from collections.abc import Callable
from fractions import Fraction

from groovebox.errors import GrooveboxError, GrooveboxTypeError, GrooveboxValueError

__all__ = ["SAMPLE_RATE_RANGE", "SEED_MAX", "exact", "number", "positive", "sample_rate", "seed", "shown", "whole"]

SAMPLE_RATE_RANGE = (8000, 384000)
SEED_MAX = 2**63 - 1  # seeds are 64-bit in the kernels; bigger ones are hashed down (see seed())

ErrorFactory = type[GrooveboxError] | Callable[[str], GrooveboxError]


def shown(value, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut to about ``limit`` characters (a value pasted by
    mistake can be a megabyte long; the message stays one short line)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _fail(error: ErrorFactory | None, where: str, message: str, *, kind: bool = False) -> GrooveboxError:
    """The error to raise; ``kind``: the value is of the wrong kind (a TypeError by default)."""
    if error is None:
        error = GrooveboxTypeError if kind else GrooveboxValueError
    return error(f"{where}: {message}" if where else message)


def number(value, where: str, lo: float, hi: float, expected: str, *, error: ErrorFactory | None = None,
           open_low: bool = False, strings: bool = True, describe: Callable[[object], str] = shown) -> float:
    """``value`` as a finite float in ``[lo, hi]`` (``(lo, hi]`` with ``open_low``).

    Parameters
    ----------
    value : object
        What the user gave: a number, or (with ``strings``) a string holding one.
    where : str
        What the value is, as the message should name it (``"bpm"``, ``"loop 'F4': period"``);
        empty for errors that place themselves (a pattern field).
    lo, hi : float
        Bounds, inclusive (``lo`` exclusive with ``open_low``).
    expected : str
        How the allowed values read in a sentence (``"a tempo in 20..300 bpm"``).
    error : GrooveboxError subclass or callable
        What to raise.
    strings : bool
        Accept numeric strings (command-line and API values); files give typed values.
    describe : callable
        How the message shows a value of the wrong kind.

    Returns
    -------
    float
    """
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) or (strings and isinstance(value, str))):
        raise _fail(error, where, f"expected {expected}, got {describe(value)}", kind=True)
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise _fail(error, where, f"expected {expected}, got {describe(value)}") from None
    if not (math.isfinite(v) and (lo < v if open_low else lo <= v) and v <= hi):
        raise _fail(error, where, f"{shown(value)} is out of range; expected {expected}")
    return v


def positive(value, where: str, hi: float, unit: str, *, error: ErrorFactory | None = None) -> float:
    """A length or duration: a number more than 0 and at most ``hi`` ``unit``."""
    return number(value, where, 0.0, hi, f"more than 0 and at most {hi:g} {unit}", error=error, open_low=True)


def whole(value, where: str, lo: int, hi: int, expected: str | None = None, *,
          error: ErrorFactory | None = None) -> int:
    """``value`` as an int in ``[lo, hi]``: ints, or floats and strings holding a whole number."""
    expected = expected or f"a whole number in {lo}..{hi}"
    if isinstance(value, bool):
        raise _fail(error, where, f"expected {expected}, got {shown(value)}", kind=True)
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        f = number(value, where, -math.inf, math.inf, expected, error=error)
        if f != int(f):
            raise _fail(error, where, f"expected {expected}, got {shown(value)}")
        v = int(f)
    if not lo <= v <= hi:
        raise _fail(error, where, f"{shown(value)} is out of range; expected {expected}")
    return v


def sample_rate(value, *, error: ErrorFactory | None = None) -> int:
    """A sample rate: a whole number of Hz in 8000..384000."""
    lo, hi = SAMPLE_RATE_RANGE
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        kind = isinstance(value, bool) or not isinstance(value, numbers.Real)
        raise _fail(error, "", f"sample rate: expected a whole number of Hz in {lo}..{hi}, got {shown(value)}", kind=kind)
    return int(value)


def seed(value, where: str = "seed", *, error: ErrorFactory | None = None) -> int:
    """A seed as a non-negative 63-bit int.

    Any whole number a user types is accepted: 0..2**63-1 is used as given; anything else
    (negative, or too big for the kernels' 64-bit arithmetic) is hashed down with SHA-256, so
    every integer names a distinct, reproducible stream and nothing overflows.
    """
    if isinstance(value, bool):
        raise _fail(error, where, f"expected a whole number, got {shown(value)}", kind=True)
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text, 0) if text[:2].lower() in ("0x", "0b", "0o") else int(text)
        except ValueError:
            digits = text.lstrip("+-")
            if digits.isdigit():  # longer than Python reads (sys.get_int_max_str_digits)
                raise _fail(error, where, f"{len(digits):,} digits is over the limit of "
                                          f"{sys.get_int_max_str_digits():,} for a seed typed in decimal "
                                          f"(hex, 0x..., has no limit)") from None
            raise _fail(error, where, f"expected a whole number, got {shown(text)}") from None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, numbers.Integral):
        raise _fail(error, where, f"expected a whole number, got {shown(value)}", kind=not isinstance(value, numbers.Real))
    v = int(value)
    if 0 <= v <= SEED_MAX:
        return v
    try:
        text = str(v)
    except ValueError:  # more digits than Python prints (sys.get_int_max_str_digits)
        text = hex(v)
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "little") & SEED_MAX


def exact(value, where: str, what: str, *, error: ErrorFactory | None = None) -> Fraction:
    """A number as the exact Fraction of what it was written as: ``19.7`` is 197/10 (floats by
    their shortest repr), ``"1/3"`` is 1/3; ints and Fractions as they are."""
    if isinstance(value, bool):
        raise _fail(error, where, f"expected {what}, got {shown(value)}", kind=True)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise _fail(error, where, f"expected {what}, got {shown(value)}") from None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _fail(error, where, f"expected {what}, got {shown(value)}", kind=isinstance(exc, TypeError)) from None
    if not math.isfinite(f):
        raise _fail(error, where, f"expected {what}, got {shown(value)}")
    return Fraction(repr(f))
