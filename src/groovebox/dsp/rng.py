"""Deterministic random numbers for kernels.

Two kinds: a *counter-based* hash (the same inputs always give the same number, so a
probability step decides the same way whatever block it falls in) and a small *stream*
generator (xorshift64*) for noise sources, whose state lives in the caller's array.
"""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_STAR = np.uint64(0x2545F4914F6CDD1D)
_INV_2_53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def mix64(x):
    """splitmix64 finaliser: a well-mixed uint64 from any uint64."""
    z = np.uint64(x) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def hash_unit(seed, a, b, c):
    """Uniform float in [0, 1) determined only by four integers (seed, and three counters)."""
    h = mix64(np.uint64(seed))
    h = mix64(h ^ np.uint64(a))
    h = mix64(h ^ np.uint64(b))
    h = mix64(h ^ np.uint64(c))
    return float(h >> np.uint64(11)) * _INV_2_53


@njit(cache=True)
def hash_normal(seed, a, b, c):
    """Standard normal deviate determined by four integers (Box-Muller on two hashes)."""
    u1 = hash_unit(seed, a, b, c)
    u2 = hash_unit(seed ^ 0x5DEECE66D, a, b, c)
    if u1 < 1e-300:
        u1 = 1e-300
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def seed_state(seed):
    """A non-zero xorshift state from any integer seed."""
    s = mix64(np.uint64(seed))
    if s == np.uint64(0):
        s = _GOLDEN
    return s


@njit(cache=True, inline="always")
def next_state(s):
    """Advance an xorshift64* state."""
    s ^= s >> np.uint64(12)
    s ^= s << np.uint64(25)
    s ^= s >> np.uint64(27)
    return s


@njit(cache=True, inline="always")
def state_to_bipolar(s):
    """Map a state to a float in [-1, 1)."""
    return float((np.uint64(s) * _STAR) >> np.uint64(11)) * (2.0 * _INV_2_53) - 1.0


@njit(cache=True)
def white_noise(out, state):
    """Fill ``out`` (float array, any shape 1-D) with white noise in [-1, 1).

    ``state`` is a uint64 array of length >= 1 that carries the generator between calls.
    """
    s = np.uint64(state[0])
    for i in range(out.shape[0]):
        s = next_state(s)
        out[i] = state_to_bipolar(s)
    state[0] = s
