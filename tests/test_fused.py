"""Fused multiply-adds in the voices: ``fma`` rounds once, and the fused sine the FM voices use is
as exact as the plain one (its error is what keeps a bell's harmonics clean: below -160 dB)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from groovebox.dsp.fused import fma
from groovebox.dsp.oscillators import sin_2pi, sin_2pi_fused


@njit(cache=True)
def _fma_of(a, b, c):
    return fma(a, b, c)


@njit(cache=True)
def _sines(phase, plain, fused):
    for i in range(phase.shape[0]):
        plain[i] = sin_2pi(phase[i])
        fused[i] = sin_2pi_fused(phase[i])


def test_fma_rounds_once():
    # 0.1 * 10 is 1 + 2**-54 before rounding: a multiply then an add loses it, a fused one keeps it.
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert _fma_of(0.1, 10.0, -1.0) == 2.0**-54
    assert _fma_of(3, 2, np.float32(1.5)) == 7.5  # integers and float32 are taken as float64


def test_fused_sine_is_as_exact_as_the_plain_one():
    rng = np.random.default_rng(3)
    # phases as the FM loop makes them: n * dt + modulation, up to hours of samples
    phase = np.concatenate([rng.uniform(-2.0, 2.0, 100_000), rng.uniform(0.0, 3e6, 100_000),
                            np.arange(-4.0, 4.0, 1.0 / 1024)])
    plain = np.zeros_like(phase)
    fused = np.zeros_like(phase)
    _sines(phase, plain, fused)
    exact = np.array([math.sin(2.0 * math.pi * (p - math.floor(p))) for p in phase])
    assert np.abs(plain - exact).max() < 4e-9
    assert np.abs(fused - exact).max() < 4e-9
    assert np.abs(fused - plain).max() < 1e-15  # rounding apart (-300 dB)
