"""Browsing the library stays light: `list`, `genres` and `show` load no Numba and no music21."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from groovebox import library

_PROBE = """
import contextlib, io, json, sys
from groovebox.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    status = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("numba", "music21", "llvmlite", "sounddevice", "matplotlib"))
print(json.dumps({"status": status, "heavy": heavy, "lines": len(out.getvalue().splitlines())}))
"""


@pytest.mark.parametrize("args", [["list"], ["list", "--genre", "funk"], ["list", "--search", "amen"],
                                  ["genres"], ["show", "breaks/amen-break"]])
def test_browsing_imports_nothing_heavy(args):
    r = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["status"] == 0 and got["lines"] > 2
    assert got["heavy"] == [], f"`groovebox {' '.join(args)}` imported {got['heavy']}"


def test_list_rows_are_aligned_and_complete(cli):
    r = cli("list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    header, rows, footer = lines[0], lines[1:-1], lines[-1]
    assert header.split() == ["id", "name", "bpm", "sig", "swing", "bars"]
    assert [row.split()[0] for row in rows] == library.pattern_ids()
    assert footer == f"{len(rows)} patterns"
    # Columns line up: every row has its bpm ending where the header's "bpm" ends.
    bpm_end = header.index("bpm") + 3
    for row, pid in zip(rows, library.pattern_ids(), strict=True):
        assert row[:bpm_end].rstrip().endswith(f"{library.load(pid).bpm:g}"), row


def test_genres_counts_add_up(cli):
    r = cli("genres")
    lines = r.stdout.splitlines()
    counts = {line.split()[0]: int(line.split()[1]) for line in lines[1:-1]}
    assert counts == library.genres()
    assert lines[-1] == f"{sum(counts.values())} patterns in {len(counts)} genres"
