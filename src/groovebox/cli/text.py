"""Terminal text for the commands: counts with the right plural, the width to fit, wrapped
columns, and help epilogs with examples.

>>> plural(1, "pattern"), plural(273, "pattern"), plural(2, "bus", "buses")
('1 pattern', '273 patterns', '2 buses')
>>> wrap_cells(["808", "Roland TR-808: boomy kick, snappy snare"], [5, 20])
['808    Roland TR-808: boomy', '       kick, snappy snare']
"""

from __future__ import annotations

import argparse
import shutil
import textwrap

__all__ = ["Help", "examples", "plural", "width", "wrap_cells"]


def plural(n: int | float, singular: str, plural_form: str | None = None) -> str:
    """``n`` and the noun, singular for exactly one."""
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{n:g} {word}" if isinstance(n, float) else f"{n} {word}"


def width(default: int = 80) -> int:
    """Columns to fit: the terminal's (or ``COLUMNS``), 80 in a pipe."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def wrap_cells(cells: list[str], widths: list[int], gap: int = 2) -> list[str]:
    """One table row as lines: each cell wrapped to its column width, columns ``gap`` apart."""
    cols = [textwrap.wrap(c, w) or [""] for c, w in zip(cells, widths, strict=True)]
    lines = []
    for i in range(max(len(c) for c in cols)):
        parts = [(c[i] if i < len(c) else "").ljust(w) for c, w in zip(cols, widths, strict=True)]
        lines.append((" " * gap).join(parts).rstrip())
    return lines


class Help(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal as usual; an ``examples:`` epilog keeps its lines."""

    def _fill_text(self, text, width, indent):
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def examples(*lines: str) -> str:
    """An ``examples:`` epilog from ``"command  # what it does"`` lines."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)
