"""Per-sample helpers every kernel family uses: denormal flushing and a soft clipper."""

from numba import njit

DENORMAL_FLOOR = 1e-20  # far below audibility, far above float64's denormal range


@njit(cache=True, inline="always")
def flush(x):
    """``x``, or 0 when it is below :data:`DENORMAL_FLOOR`: decaying recursive state otherwise
    drifts into denormals, which cost ~100x per operation."""
    return 0.0 if abs(x) < DENORMAL_FLOOR else x


@njit(cache=True, inline="always")
def soft_clip(x):
    """tanh-like odd saturation bounded by 1: u(27 + u^2)/(27 + 9u^2) for |u| <= 3, +-1 beyond
    (no exp per sample)."""
    if x > 3.0:
        return 1.0
    if x < -3.0:
        return -1.0
    x2 = x * x
    return x * (27.0 + x2) / (27.0 + 9.0 * x2)
