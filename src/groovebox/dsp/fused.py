"""Fused multiply-add for kernels: ``fma(a, b, c)`` is ``a * b + c`` rounded once.

One instruction where the CPU has it (every x86-64 since 2013, every ARM64), with half the
latency of a multiply then an add: recurrences (filters) run faster, and polynomials take fewer
instructions. Numba never fuses on its own (``a * b + c`` rounds twice, as in Python), so a kernel
that uses :func:`fma` says exactly where it rounds once: its samples are the same whatever the
block size, the vector width or the loop's remainder path. LLVM's ``llvm.fma`` is exact on every
target (in software where there is no instruction), so the samples are the same on any machine.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _fma_f64(typingctx, a, b, c):
    if not all(isinstance(t, types.Float) and t.bitwidth == 64 for t in (a, b, c)):
        return None
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d, d, d]), "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


@njit(cache=True, inline="always")
def fma(a, b, c):
    """``a * b + c`` with one rounding (float64)."""
    return _fma_f64(np.float64(a), np.float64(b), np.float64(c))
