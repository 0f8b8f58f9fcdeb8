"""The fuzz suite: mutated valid files for every reader (see readers.py for the registry).

``make test`` runs a short pass (tests/test_fuzz.py, about a minute); ``make fuzz`` runs
``python -m tests.fuzz --minutes N`` and reports the cases run per reader.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from .harness import check
from .mutate import file_cases, folder_cases
from .readers import READERS, Reader

__all__ = ["READERS", "Reader", "run"]

HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.large_base_example]


def strategy(reader: Reader):
    seeds = reader.seeds()
    return folder_cases(seeds) if reader.folder else file_cases(seeds, text=reader.text)


_warm: set[str] = set()


def warm(reader: Reader) -> None:
    """Read every seed once, unmeasured: the first use of a kernel in a process loads or
    compiles it (seconds), which is no property of the input."""
    if reader.name in _warm:
        return
    from .harness import materialized

    for case in reader.seeds():
        with materialized(case) as root:
            reader.read(root if reader.folder else root / case.files[0][0])
    _warm.add(reader.name)


def run(reader: Reader, examples: int, counts: dict[str, int] | None = None) -> dict[str, int]:
    """Run ``examples`` Hypothesis cases of ``reader``; a failing case raises (shrunk).
    Returns counts of outcomes (``ok``: read fine, ``error``: a proper GrooveboxError)."""
    counts = counts if counts is not None else {"ok": 0, "error": 0}
    warm(reader)

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=HEALTH,
              print_blob=True)
    @given(strategy(reader))
    def prop(case):
        outcome = check(reader, case)
        counts[outcome] = counts.get(outcome, 0) + 1

    prop()
    return counts
