"""Every pattern in the library, one test per file so a failure names it.

Each pattern must parse, survive a write/read round trip unchanged, have a description, suggest
only a kit that exists, be a variation of a pattern that exists, and render (2 bars at its own
tempo, on its own kit, at 22050 Hz to keep the suite quick) to audio that is finite and not
silent.

Golden snapshots: ``tests/golden/<genre>/<slug>.txt`` holds each pattern's event list (sample,
step, instrument, velocity for 2 bars at 48 kHz, seed 0, the pattern's own tempo and swing).
An accidental edit to a pattern changes its events and fails here, and the diff of the
snapshot shows what moved in review. After an intended edit, regenerate the snapshots with

    GROOVEBOX_UPDATE_GOLDEN=1 PYTHONPATH=$PWD/src python -m pytest tests/test_library.py -q

and commit the changed ``.txt`` files with the pattern.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import groovebox as gb
from groovebox import library
from groovebox.formats import pattern_toml
from groovebox.model.kit import BUILTIN_KITS

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("GROOVEBOX_UPDATE_GOLDEN") == "1"
IDS = library.pattern_ids()
RENDER_RATE = 22050


def test_the_library_is_the_size_the_issue_asks_for():
    genres = {pid.split("/")[0] for pid in IDS}
    assert len(IDS) >= 200 and len(genres) >= 20, (len(IDS), len(genres))


@pytest.fixture(scope="module")
def builtin_library(tmp_path_factory):
    """Only the shipped library, whatever GROOVEBOX_PATTERNS says in the environment."""
    old = os.environ.pop(library.ENV_VAR, None)
    library.clear_cache()
    yield
    if old is not None:
        os.environ[library.ENV_VAR] = old
    library.clear_cache()


def golden_text(pattern) -> str:
    ev = gb.events(pattern, bars=2, seed=0, sample_rate=48000)
    head = (f"# {pattern.id}: 2 bars at 48000 Hz, seed 0, {pattern.bpm:g} bpm, swing {pattern.swing:g}\n"
            "# sample step instrument velocity\n")
    rows = [f"{int(e['sample'])} {int(e['step'])} {e['instrument']} {float(e['velocity']):.4f}" for e in ev]
    return head + "\n".join(rows) + "\n"


@pytest.mark.parametrize("pattern_id", IDS)
def test_pattern(pattern_id, builtin_library):
    path = library.pattern_path(pattern_id)
    p = pattern_toml.load(path, pattern_id=pattern_id)

    assert p.description.strip(), "no description"
    assert pattern_toml.loads(pattern_toml.dumps(p)) == p, "changes in a write/read round trip"
    if p.kit is not None:
        assert p.kit in BUILTIN_KITS, f"kit {p.kit!r} is not a built-in kit ({', '.join(BUILTIN_KITS)})"
    if p.variation_of is not None:
        assert p.variation_of in IDS, f"variation_of {p.variation_of!r} is not in the library"
        assert p.variation_of != pattern_id

    audio = gb.render(p, bars=2, sample_rate=RENDER_RATE, tail=False)
    x = audio.samples
    assert np.isfinite(x).all(), "NaN or Inf in the render"
    assert float(np.max(np.abs(x))) > 1e-3, "renders silence"

    golden = GOLDEN / f"{pattern_id}.txt"
    text = golden_text(p)
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"no snapshot {golden.relative_to(GOLDEN.parent)}; run with GROOVEBOX_UPDATE_GOLDEN=1"
    assert golden.read_text() == text, (
        f"{pattern_id}: its events changed (see `git diff` after GROOVEBOX_UPDATE_GOLDEN=1 if intended)"
    )


def test_no_stale_snapshots():
    stale = sorted(p.relative_to(GOLDEN).with_suffix("").as_posix() for p in GOLDEN.rglob("*.txt")
                   if p.relative_to(GOLDEN).with_suffix("").as_posix() not in IDS)
    if UPDATE:
        for s in stale:
            (GOLDEN / f"{s}.txt").unlink()
        stale = []
    assert not stale, f"snapshots of patterns no longer in the library: {stale}"


def test_the_library_index_counts_what_is_there(builtin_library):
    """patterns/LIBRARY.md's index (patterns per genre and the total) matches the files."""
    import re

    text = (library.builtin_root() / "LIBRARY.md").read_text()
    rows = {g: int(n) for g, n in re.findall(r"^\| `([\w-]+)` \| (\d+) \|", text, re.MULTILINE)}
    counts: dict[str, int] = {}
    for pid in IDS:
        counts[pid.split("/")[0]] = counts.get(pid.split("/")[0], 0) + 1
    assert rows == counts
    total, n_genres = map(int, re.search(r"(\d+) patterns in (\d+) genres", text).groups())
    assert (total, n_genres) == (len(IDS), len(counts))
