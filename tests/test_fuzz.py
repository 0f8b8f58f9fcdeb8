"""The short fuzz pass of ``make test`` (about a minute): mutated valid files for every reader
in tests/fuzz/readers.py must read, or fail with one GrooveboxError line, within their time and
memory bounds. ``make fuzz FUZZ_MINUTES=30`` runs the long pass."""

from __future__ import annotations

import warnings

import pytest

from tests.fuzz import READERS, run

# Cases per reader in the short pass: folder readers decode and resample audio per case.
EXAMPLES = {"sample_folder": 40, "kit_toml": 40, "hydrogen_drumkit": 25}


@pytest.mark.parametrize("name", sorted(READERS))
def test_mutated_files_read_or_fail_with_one_line_within_bounds(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a kit lacking instruments warns; that is no failure
        counts = run(READERS[name], EXAMPLES.get(name, 60))
    assert counts["ok"] + counts["error"] > 0
