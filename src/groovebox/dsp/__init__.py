"""Numba kernels: small ``@njit(cache=True)`` functions over preallocated arrays.

Rules for everything in this package: no allocation in per-sample or per-block kernels, state
lives in arrays the caller owns (so a kernel called on blocks of any size produces the same
samples), and nothing here imports groovebox modules other than :mod:`groovebox.errors`.
"""

from groovebox.dsp import jit as _jit

_jit.install()  # groovebox's cached kernels load without setting up Numba's compiler
