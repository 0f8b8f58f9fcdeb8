"""Filter kernels: a topology-preserving state-variable filter and one-pole smoothers.

The SVF is the trapezoidal ("zero-delay feedback") form: stable under fast modulation and
exact in its cutoff, which is what drum and synth voices need. State is two floats per
filter in a caller-owned array.
"""

import math

from numba import njit

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
