"""TOML in, with its size and nesting bounded before :mod:`tomllib` sees it.

tomllib parses arrays and inline tables recursively, so ``tags = [[[[...]]]]`` 600 deep is a
RecursionError, and keeps every dotted key's full path, so ``a.b.c...`` 100,000 parts long
needs gigabytes. Every TOML reader (patterns, ``kit.toml``, and any spec format to come) goes
through :func:`loads` (or :func:`load`), which first scans the text once, cheaply, and refuses

- arrays and inline tables nested more than :data:`MAX_TOML_DEPTH` deep,
- keys (dotted keys, table headers) of more than :data:`MAX_TOML_KEY_PARTS` parts,

with one line naming the line and the limit; then parses; then checks the depth of what came
out without recursion (dotted keys inside nested inline tables add up). Files are read through
:func:`groovebox.formats.files.read_regular` (regular files only, at most
:data:`MAX_TOML_BYTES`).

>>> loads("tags = " + "[" * 100 + "]" * 100, "x.toml")
Traceback (most recent call last):
...
groovebox.errors.GrooveboxValueError: x.toml:1:40: arrays and inline tables nested 33 deep is over the limit of 32
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from groovebox.errors import GrooveboxError, GrooveboxValueError
from groovebox.formats.files import read_regular

__all__ = ["MAX_TOML_BYTES", "MAX_TOML_DEPTH", "MAX_TOML_KEY_PARTS", "check_text", "load", "loads"]

MAX_TOML_BYTES = 1 << 20  # a pattern of 512 steps x 40 tracks with every lane is ~100 KiB
MAX_TOML_DEPTH = 32  # arrays / inline tables inside each other (patterns use 2)
MAX_TOML_KEY_PARTS = 32  # parts of one key: a.b.c is 3 (patterns use 3: tracks.snare.chance)

_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")

# (line, column, message) -> exception: how a reader reports a problem at a place in its text
Raise = Callable[[int | None, int | None, str], GrooveboxError]


def _default_raise(where: str | None) -> Raise:
    def make(line, column, message):
        place = ""
        if where is not None:
            place = where + (f":{line}" if line else "") + (f":{column}" if line and column else "") + ": "
        return GrooveboxValueError(place + message)
    return make


def check_text(text: str, fail: Raise) -> None:
    """Scan TOML text for nesting deeper than the limits, without parsing it.

    Strings (all four kinds) and comments are skipped; ``[``/``{`` deepen, ``]``/``}`` close;
    dots count in keys only (a float's dot is in a value). Malformed text is left for the
    parser to report.
    """
    depth = 0
    stack: list[str] = []  # "[" array, "{" inline table, "h" table header
    key_mode = True  # at a line start (outside values) or after "{" / "," in an inline table
    key_parts = 1
    line, line_start = 1, 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line, line_start = line + 1, i + 1
            if not stack:
                key_mode, key_parts = True, 1
            i += 1
            continue
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "\"'":
            triple = text.startswith(c * 3, i)
            quote = c * 3 if triple else c
            j = i + len(quote)
            while j < n:
                if c == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    break
                if not triple and text[j] == "\n":
                    break  # unterminated: the parser says so
                if text[j] == "\n":
                    line, line_start = line + 1, j + 1
                j += 1
            i = j + len(quote)
            continue
        if key_mode:
            if c == ".":
                key_parts += 1
                if key_parts > MAX_TOML_KEY_PARTS:
                    raise fail(line, i - line_start + 1,
                               f"a dotted key of {key_parts} parts is over the limit of {MAX_TOML_KEY_PARTS}")
            elif c == "=":
                key_mode = False
            elif c == "[" and not stack or (c == "[" and stack[-1] == "h"):
                stack.append("h")  # a table header: [a.b] or [[a.b]]
            elif c == "]" and stack and stack[-1] == "h":
                stack.pop()
                if not stack:
                    key_parts = 1
            elif c == "}" and stack and stack[-1] == "{":  # an empty inline table: {}
                stack.pop()
                depth -= 1
                key_mode = bool(stack) and stack[-1] == "{"
            i += 1
            continue
        if c in "[{":
            depth += 1
            if depth > MAX_TOML_DEPTH:
                raise fail(line, i - line_start + 1,
                           f"arrays and inline tables nested {depth} deep is over the limit of {MAX_TOML_DEPTH}")
            stack.append(c)
            if c == "{":
                key_mode, key_parts = True, 1
        elif c in "]}":
            if stack and stack[-1] in "[{":
                stack.pop()
                depth -= 1
        elif c == "," and stack and stack[-1] == "{":
            key_mode, key_parts = True, 1
        i += 1


def _data_depth(data) -> int:
    """How deep tables and arrays nest in parsed TOML (a scalar is 0), without recursion."""
    deepest = 0
    todo = [(data, 1)]
    while todo:
        value, d = todo.pop()
        if isinstance(value, dict):
            deepest = max(deepest, d)
            todo.extend((v, d + 1) for v in value.values())
        elif isinstance(value, list):
            deepest = max(deepest, d)
            todo.extend((v, d + 1) for v in value)
    return deepest


def loads(text: str, where: str | os.PathLike | None = None, fail: Raise | None = None) -> dict:
    """Parse TOML ``text`` within the limits.

    Parameters
    ----------
    text : str
    where : str or path, optional
        The file, for messages (``path:line:column: ...``).
    fail : callable, optional
        ``fail(line, column, message)`` returns the exception to raise (a reader's own error
        class with its own placing); default: a GrooveboxValueError naming ``where``.

    Raises
    ------
    GrooveboxError
        Nested too deep (before parsing), not valid TOML (tomllib's message and position).
    """
    where = None if where is None else str(where)
    fail = fail or _default_raise(where)
    check_text(text, fail)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column, reason = _reason(exc)
        raise fail(line, column, f"not valid TOML: {reason}") from None
    except RecursionError:  # the scan above should make this impossible; never a traceback
        raise fail(None, None, f"nested too deep to read (limit {MAX_TOML_DEPTH})") from None
    depth = _data_depth(data)
    if depth > 2 * MAX_TOML_DEPTH:
        raise fail(None, None, f"tables and arrays nested {depth} deep is over the limit of {2 * MAX_TOML_DEPTH}")
    return data


def _reason(exc: tomllib.TOMLDecodeError) -> tuple[int | None, int | None, str]:
    """(line, column, message) of tomllib's error, whose text ends ``(at line 3, column 7)``."""
    text = str(exc)
    m = _POSITION.search(text)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return line, column, _POSITION.sub("", text).strip()


def load(path: str | os.PathLike, what: str = "TOML file",
         error: type[GrooveboxError] = GrooveboxValueError) -> tuple[str, dict]:
    """Read and parse a TOML file: regular files of at most :data:`MAX_TOML_BYTES`, UTF-8.

    Returns
    -------
    (text, data)
    """
    path = Path(path)
    raw = read_regular(path, MAX_TOML_BYTES, what, error)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{path}:{line}: not UTF-8 text") from None

    def fail(line, column, message):
        place = f"{path}" + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        return error(f"{place}: {message}")

    return text, loads(text, path, fail)
