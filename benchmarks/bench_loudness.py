"""Loudness meter and file mastering speed (issue 10): x real time, stereo 48 kHz.

The meter (K-weighting, gating, LRA and 4x true peak) must run >= 2000x real time. Two signals:
a groovebox render (what it meters in practice: the true-peak filter skips stretches that cannot
beat the running peak) and white noise (the worst case: every sample is filtered). The master
pass (one gain plus the true-peak limiter) is reported on the render pushed to -14 LUFS and on
the same render pushed 8 dB further (the limiter working hard). Run with `make bench` or
`pytest benchmarks/bench_loudness.py -s`.
"""

from __future__ import annotations

import numpy as np
import pytest

import groovebox as gb
from groovebox.dsp.loudness import Meter, measure
from groovebox.dsp.truepeak import Master

SR = 48000
SECONDS = 60
BLOCK = 16384  # the offline renderer's block


@pytest.fixture(scope="module")
def groove():
    """One minute of a groovebox render: funky drummer on the 808 kit, looped."""
    x = gb.render("breaks/funky-drummer", bars=8, kit="808").samples
    return np.ascontiguousarray(np.tile(x, (SECONDS * SR // x.shape[0] + 1, 1))[: SECONDS * SR])


@pytest.fixture(scope="module")
def noise():
    rng = np.random.default_rng(0)
    return (0.1 * rng.standard_normal((SECONDS * SR, 2))).astype(np.float32)


def _meter(x):
    m = Meter(SR, 2)
    for start in range(0, x.shape[0], BLOCK):
        m.feed(x[start : start + BLOCK])
    return m.result()


@pytest.mark.parametrize("signal", ["groove", "noise"])
def test_meter_realtime_factor(benchmark, report, request, signal):
    x = request.getfixturevalue(signal)
    _meter(x[: SR * 5])  # compile / load the kernel cache first
    benchmark.pedantic(_meter, args=(x,), rounds=7, iterations=1)
    report(benchmark, realtime_factor=SECONDS / benchmark.stats["mean"],
           best_realtime_factor=SECONDS / benchmark.stats["min"])


def _master(x, gain_db):
    stage = Master(SR, 2, gain_db=gain_db)
    for start in range(0, x.shape[0], BLOCK):
        stage.process(x[start : start + BLOCK])
    stage.flush()
    return stage.max_reduction_db


@pytest.mark.parametrize("push_db", [0.0, 8.0])
def test_master_pass_realtime_factor(benchmark, report, groove, push_db):
    gain_db = measure(groove, SR).gain_db_to(-14.0) + push_db
    _master(groove[: SR * 5], gain_db)
    reduction = benchmark.pedantic(_master, args=(groove, gain_db), rounds=5, iterations=1)
    report(benchmark, realtime_factor=SECONDS / benchmark.stats["mean"],
           best_realtime_factor=SECONDS / benchmark.stats["min"], max_reduction_db=reduction)
