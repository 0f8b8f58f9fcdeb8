"""Number checks shared by every layer: one wording, one set of rules.

Every user-facing number (a tempo, a length, a seed, a sample rate, a knob) passes through
one of these before any work starts, so a bad value fails with one line that says where it was
and what was expected, in the same words everywhere:

- wrong kind: ``<where>: expected <what>, got <value>``
- out of range: ``<where>: <value> is out of range; expected <what>``

``error`` is the :class:`~groovebox.errors.GrooveboxError` subclass to raise (or a factory
taking the message, for errors that carry a field or a file). Booleans are never numbers.

>>> number("120.5", "bpm", 20, 300, "a tempo in 20..300 bpm")
120.5
>>> number(0, "bars", 0, 10, "more than 0 bars", open_low=True)
Traceback (most recent call last):
...
groovebox.errors.GrooveboxError: bars: 0 is out of range; expected more than 0 bars
"""

from __future__ import annotations

import hashlib
import math
import numbers
from collections.abc import Callable
from fractions import Fraction

from groovebox.errors import GrooveboxError

__all__ = ["SAMPLE_RATE_RANGE", "SEED_MAX", "exact", "number", "positive", "sample_rate", "seed", "whole"]

SAMPLE_RATE_RANGE = (8000, 384000)
SEED_MAX = 2**63 - 1  # seeds are 64-bit in the kernels; bigger ones are hashed down (see seed())

ErrorFactory = type[GrooveboxError] | Callable[[str], GrooveboxError]


def _fail(error: ErrorFactory, where: str, message: str) -> GrooveboxError:
    return error(f"{where}: {message}" if where else message)


def number(value, where: str, lo: float, hi: float, expected: str, *, error: ErrorFactory = GrooveboxError,
           open_low: bool = False, strings: bool = True, describe: Callable[[object], str] = repr) -> float:
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
        raise _fail(error, where, f"expected {expected}, got {describe(value)}")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise _fail(error, where, f"expected {expected}, got {describe(value)}") from None
    if not (math.isfinite(v) and (lo < v if open_low else lo <= v) and v <= hi):
        raise _fail(error, where, f"{value!r} is out of range; expected {expected}")
    return v


def positive(value, where: str, hi: float, unit: str, *, error: ErrorFactory = GrooveboxError) -> float:
    """A length or duration: a number more than 0 and at most ``hi`` ``unit``."""
    return number(value, where, 0.0, hi, f"more than 0 and at most {hi:g} {unit}", error=error, open_low=True)


def whole(value, where: str, lo: int, hi: int, expected: str | None = None, *,
          error: ErrorFactory = GrooveboxError) -> int:
    """``value`` as an int in ``[lo, hi]``: ints, or floats and strings holding a whole number."""
    expected = expected or f"a whole number in {lo}..{hi}"
    if isinstance(value, bool):
        raise _fail(error, where, f"expected {expected}, got {value!r}")
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        f = number(value, where, -math.inf, math.inf, expected, error=error)
        if f != int(f):
            raise _fail(error, where, f"expected {expected}, got {value!r}")
        v = int(f)
    if not lo <= v <= hi:
        raise _fail(error, where, f"{value!r} is out of range; expected {expected}")
    return v


def sample_rate(value, *, error: ErrorFactory = GrooveboxError) -> int:
    """A sample rate: a whole number of Hz in 8000..384000."""
    lo, hi = SAMPLE_RATE_RANGE
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise error(f"sample rate: expected a whole number of Hz in {lo}..{hi}, got {value!r}")
    return int(value)


def seed(value, where: str = "seed", *, error: ErrorFactory = GrooveboxError) -> int:
    """A seed as a non-negative 63-bit int.

    Any whole number a user types is accepted: 0..2**63-1 is used as given; anything else
    (negative, or too big for the kernels' 64-bit arithmetic) is hashed down with SHA-256, so
    every integer names a distinct, reproducible stream and nothing overflows.
    """
    if isinstance(value, bool):
        raise _fail(error, where, f"expected a whole number, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text, 0) if text[:2].lower() in ("0x", "0b", "0o") else int(text)
        except ValueError:
            raise _fail(error, where, f"expected a whole number, got {text!r}") from None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, numbers.Integral):
        raise _fail(error, where, f"expected a whole number, got {value!r}")
    v = int(value)
    if 0 <= v <= SEED_MAX:
        return v
    digest = hashlib.sha256(str(v).encode()).digest()
    return int.from_bytes(digest[:8], "little") & SEED_MAX


def exact(value, where: str, what: str, *, error: ErrorFactory = GrooveboxError) -> Fraction:
    """A number as the exact Fraction of what it was written as: ``19.7`` is 197/10 (floats by
    their shortest repr), ``"1/3"`` is 1/3; ints and Fractions as they are."""
    if isinstance(value, bool):
        raise _fail(error, where, f"expected {what}, got {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise _fail(error, where, f"expected {what}, got {value!r}") from None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        raise _fail(error, where, f"expected {what}, got {value!r}") from None
    if not math.isfinite(f):
        raise _fail(error, where, f"expected {what}, got {value!r}")
    return Fraction(repr(f))
