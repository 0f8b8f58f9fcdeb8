"""Filter kernels: a topology-preserving state-variable filter and one-pole smoothers.

The SVF is the trapezoidal ("zero-delay feedback") form: stable under fast modulation and
exact in its cutoff, which is what drum and synth voices need. State is two floats per
filter in a caller-owned array.
"""

import math

import numpy as np
from numba import njit

from groovebox.dsp.shaping import DENORMAL_FLOOR, flush

LOWPASS, BANDPASS, HIGHPASS, NOTCH, PEAK = 0, 1, 2, 3, 4


@njit(cache=True)
def svf_coefficients(cutoff_hz, q, sample_rate):
    """Return (a1, a2, a3, k) for :func:`svf_tick` at ``cutoff_hz`` with quality ``q``."""
    nyq_guard = 0.49 * sample_rate
    fc = min(max(cutoff_hz, 1.0), nyq_guard)
    g = math.tan(math.pi * fc / sample_rate)
    k = 1.0 / max(q, 1e-3)
    a1 = 1.0 / (1.0 + g * (g + k))
    a2 = g * a1
    a3 = g * a2
    return a1, a2, a3, k


@njit(cache=True, inline="always")
def svf_tick(x, state, a1, a2, a3, k, mode):
    """Filter one sample; ``state`` is a float64 array of two integrator states."""
    ic1 = state[0]
    ic2 = state[1]
    v3 = x - ic2
    v1 = a1 * ic1 + a2 * v3
    v2 = ic2 + a2 * ic1 + a3 * v3
    ic1 = 2.0 * v1 - ic1
    ic2 = 2.0 * v2 - ic2
    # Flush denormals: decaying states otherwise slow every later sample by 100x.
    if abs(ic1) < 1e-20:
        ic1 = 0.0
    if abs(ic2) < 1e-20:
        ic2 = 0.0
    state[0] = ic1
    state[1] = ic2
    return svf_output(x, v1, v2, k, mode)


@njit(cache=True, inline="always")
def svf_output(x, v1, v2, k, mode):
    """The output of mode ``mode`` from one :func:`svf_tick` step's input and v1, v2."""
    if mode == LOWPASS:
        return v2
    if mode == BANDPASS:
        return v1
    if mode == HIGHPASS:
        return x - k * v1 - v2
    if mode == NOTCH:
        return x - k * v1
    return x - k * v1 - 2.0 * v2  # PEAK


@njit(cache=True)
def svf_stereo(left, right, start, stop, state, z, a1, a2, a3, k, mode):
    """:func:`svf_tick` on ``left[start:stop]`` and ``right[start:stop]`` in place, with the
    integrators of the left channel at ``state[z:z + 2]`` and the right at ``state[z + 2:z + 4]``.

    The same samples as calling :func:`svf_tick` per sample, a third faster: the memory lives
    in variables, and the denormal flush, which sat on the recursion's chain of dependent
    operations, is off it: the inner loop runs without it and leaves, to flush, after any
    sample whose memory fell under the floor (flushing a value above it changes nothing).
    """
    l1 = state[z]
    l2 = state[z + 1]
    r1 = state[z + 2]
    r2 = state[z + 3]
    i = start
    while i < stop:
        while i < stop:
            x = np.float64(left[i])
            v3 = x - l2
            v1 = a1 * l1 + a2 * v3
            v2 = l2 + a2 * l1 + a3 * v3
            l1 = 2.0 * v1 - l1
            l2 = 2.0 * v2 - l2
            left[i] = svf_output(x, v1, v2, k, mode)
            x = np.float64(right[i])
            v3 = x - r2
            v1 = a1 * r1 + a2 * v3
            v2 = r2 + a2 * r1 + a3 * v3
            r1 = 2.0 * v1 - r1
            r2 = 2.0 * v2 - r2
            right[i] = svf_output(x, v1, v2, k, mode)
            i += 1
            if min(min(abs(l1), abs(l2)), min(abs(r1), abs(r2))) < DENORMAL_FLOOR:
                break
        l1 = flush(l1)
        l2 = flush(l2)
        r1 = flush(r1)
        r2 = flush(r2)
    state[z] = l1
    state[z + 1] = l2
    state[z + 2] = r1
    state[z + 3] = r2


@njit(cache=True)
def svf_process(x, out, state, cutoff_hz, q, sample_rate, mode):
    """Filter ``x`` into ``out`` (may be the same array) at a fixed cutoff.

    Parameters
    ----------
    x, out : ndarray, shape (n,)
        Input and output samples (float32 or float64).
    state : ndarray, shape (2,), float64
        Filter memory, carried between calls.
    cutoff_hz, q : float
        Cutoff (or centre) frequency in Hz and quality factor (0.707 = Butterworth).
    sample_rate : float
        Samples per second.
    mode : int
        One of LOWPASS, BANDPASS, HIGHPASS, NOTCH, PEAK.
    """
    a1, a2, a3, k = svf_coefficients(cutoff_hz, q, sample_rate)
    for i in range(x.shape[0]):
        out[i] = svf_tick(x[i], state, a1, a2, a3, k, mode)


@njit(cache=True)
def onepole_coefficient(time_s, sample_rate):
    """Smoothing coefficient so a one-pole reaches 1 - 1/e of a step in ``time_s`` seconds."""
    if time_s <= 0.0:
        return 1.0
    return 1.0 - math.exp(-1.0 / (time_s * sample_rate))


@njit(cache=True)
def onepole_lowpass_coefficient(cutoff_hz, sample_rate):
    """Coefficient of a one-pole low-pass with -3 dB at ``cutoff_hz``."""
    return 1.0 - math.exp(-2.0 * math.pi * min(cutoff_hz, 0.49 * sample_rate) / sample_rate)


@njit(cache=True)
def onepole_lowpass(x, out, state, coeff):
    """y += coeff * (x - y); ``state`` is a float64 array of one value."""
    y = state[0]
    for i in range(x.shape[0]):
        y += coeff * (x[i] - y)
        out[i] = y
    if abs(y) < 1e-20:
        y = 0.0
    state[0] = y


@njit(cache=True)
def onepole_highpass(x, out, state, coeff):
    """x minus its one-pole low-pass; ``state`` is a float64 array of one value."""
    y = state[0]
    for i in range(x.shape[0]):
        y += coeff * (x[i] - y)
        out[i] = x[i] - y
    if abs(y) < 1e-20:
        y = 0.0
    state[0] = y
