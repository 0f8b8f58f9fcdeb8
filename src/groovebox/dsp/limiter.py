"""Look-ahead brick-wall limiter for the master bus.

Gain computer: the gain each sample needs (``ceiling / |x|`` or 1) goes through a sliding
minimum over the look-ahead window, an exponential release, then a moving average over the same
window; the signal is delayed by window - 1 samples. Because the moving average only ever
averages gains that are already low enough for the peak they precede, the output never exceeds
the ceiling (a final clamp catches floating-point rounding). When nothing needs limiting the
kernel is a delay line, so a quiet mix costs almost nothing.

It is a safety, not a loudness tool: at default levels no library pattern on any kit reaches the
ceiling (raw peaks at most -0.7 dBFS), so it does nothing. When a track is pushed into it (a
kick at +12 dB), the short release (15 ms) lets the gain come back as soon as the peak has
passed, so the hats between kicks are not pumped (80 ms ducked them audibly). Mastered file
renders get their peak control from :mod:`groovebox.dsp.truepeak` instead.

State layout (caller-owned, see :func:`limiter_state`):
``fstate`` float64: [0] ceiling (linear), [1] release coefficient, [2] held-and-released
gain, [3] running sum of the averaging window; ``istate`` int64: [0] window length L,
[1] delay write index, [2] average index, [3] deque head, [4] deque size, [5] sample counter,
[6] samples since the gain was last below 1, [7] enabled flag, [8] the ceiling's float32
bit pattern.
"""

import math

import numpy as np
from numba import njit

F_CEIL, F_REL, F_HELD, F_SUM = 0, 1, 2, 3
I_L, I_DW, I_AW, I_QHEAD, I_QSIZE, I_T, I_UNITY, I_ON, I_CEIL_BITS = 0, 1, 2, 3, 4, 5, 6, 7, 8


def limiter_state(sample_rate: int, ceiling_db: float = -0.3, lookahead_s: float = 0.0015,
                  release_s: float = 0.015, enabled: bool = True):
    """Allocate limiter state: (fstate, istate, delay (2, L-1), window (L,), q_idx (L+1,), q_val (L+1,)).

    With ``enabled=False`` the limiter is a pass-through with no delay (it still replaces
    NaN/Inf by silence).
    """
    L = max(2, int(round(lookahead_s * sample_rate))) if enabled else 1
    fstate = np.zeros(4, np.float64)
    fstate[F_CEIL] = 10.0 ** (ceiling_db / 20.0)
    fstate[F_REL] = 1.0 - math.exp(-1.0 / (release_s * sample_rate))
    fstate[F_HELD] = 1.0
    fstate[F_SUM] = float(L)
    istate = np.zeros(9, np.int64)
    istate[I_L] = L
    istate[I_UNITY] = 1 << 40
    istate[I_ON] = 1 if enabled else 0
    # float32 bit pattern of the ceiling (the output is float32)
    istate[I_CEIL_BITS] = int(np.array([fstate[F_CEIL]], np.float32).view(np.int32)[0])
    delay = np.zeros((2, max(L - 1, 1)), np.float32)
    window = np.ones(L, np.float64)
    q_idx = np.zeros(L + 1, np.int64)
    q_val = np.zeros(L + 1, np.float64)
    return fstate, istate, delay, window, q_idx, q_val


def latency_frames(istate) -> int:
    """Delay the limiter adds, in frames."""
    return int(istate[I_L] - 1) if istate[I_ON] else 0


@njit(cache=True)
def limit(mix_l, mix_r, n, out, out_offset, write_out, fstate, istate, delay, window, q_idx, q_val):
    """Limit ``n`` frames of ``mix_l/mix_r`` into ``out[out_offset : out_offset + n, :]``.

    Parameters
    ----------
    mix_l, mix_r : ndarray float32, shape (>= n,)
        The master mix; NaN/Inf samples are replaced by 0 in place.
    out : ndarray float32, shape (frames, 2)
        Destination, written only when ``write_out`` is true (priming the delay line at start
        pushes samples in without output).
    """
    ceil = fstate[F_CEIL]
    # Peak of the new block from the float bits with the sign cleared: an integer max that
    # vectorises, and NaN/Inf show up as exponent-all-ones values.
    li = mix_l.view(np.int32)
    ri = mix_r.view(np.int32)
    top = np.int32(0)
    for i in range(n):
        a = li[i] & np.int32(0x7FFFFFFF)
        b = ri[i] & np.int32(0x7FFFFFFF)
        if a > top:
            top = a
        if b > top:
            top = b
    if top >= np.int32(0x7F800000):
        for i in range(n):
            if not abs(mix_l[i]) < 1e30:
                mix_l[i] = 0.0
            if not abs(mix_r[i]) < 1e30:
                mix_r[i] = 0.0
        top = np.int32(0x7F800000)  # take the careful path this block
    if istate[I_ON] == 0:
        if write_out:
            for i in range(n):
                out[out_offset + i, 0] = mix_l[i]
                out[out_offset + i, 1] = mix_r[i]
        return
    L = istate[I_L]
    D = L - 1
    dw = istate[I_DW]
    t = istate[I_T]
    # Positive floats order like their bit patterns, so compare peak and ceiling as integers.
    if top <= istate[I_CEIL_BITS] and istate[I_UNITY] >= 2 * L:
        # At rest and nothing to limit: a pure delay line, copied in runs.
        if n >= D:
            if write_out:
                for k in range(D):
                    j = dw + k
                    if j >= D:
                        j -= D
                    out[out_offset + k, 0] = delay[0, j]
                    out[out_offset + k, 1] = delay[1, j]
                for i in range(n - D):
                    out[out_offset + D + i, 0] = mix_l[i]
                    out[out_offset + D + i, 1] = mix_r[i]
            for k in range(D):
                delay[0, k] = mix_l[n - D + k]
                delay[1, k] = mix_r[n - D + k]
            dw = 0
        else:
            for i in range(n):
                if write_out:
                    out[out_offset + i, 0] = delay[0, dw]
                    out[out_offset + i, 1] = delay[1, dw]
                delay[0, dw] = mix_l[i]
                delay[1, dw] = mix_r[i]
                dw += 1
                if dw == D:
                    dw = 0
        istate[I_DW] = dw
        istate[I_T] = t + n
        istate[I_UNITY] += n
        # The min-deque holds only stale unit gains now; forget them.
        istate[I_QSIZE] = 0
        return
    rel = fstate[F_REL]
    held = fstate[F_HELD]
    wsum = fstate[F_SUM]
    aw = istate[I_AW]
    qh = istate[I_QHEAD]
    qs = istate[I_QSIZE]
    qn = q_idx.shape[0]
    unity = istate[I_UNITY]
    for i in range(n):
        xl = mix_l[i]
        xr = mix_r[i]
        a = max(abs(xl), abs(xr))
        need = ceil / a if a > ceil else 1.0
        # sliding minimum of `need` over the last L samples (monotonic deque; ring of qn)
        back = qh + qs - 1
        if back >= qn:
            back -= qn
        while qs > 0 and q_val[back] >= need:
            qs -= 1
            back -= 1
            if back < 0:
                back += qn
        back += 1
        if back >= qn:
            back -= qn
        q_idx[back] = t
        q_val[back] = need
        qs += 1
        while q_idx[qh] <= t - L:
            qh += 1
            if qh == qn:
                qh = 0
            qs -= 1
        m = q_val[qh]
        if m < held:
            held = m
        else:
            held += (m - held) * rel
            if held > 0.999999:
                held = 1.0
        wsum += held - window[aw]
        window[aw] = held
        aw += 1
        if aw == L:
            aw = 0
            # re-sum once per window so rounding never accumulates
            s = 0.0
            for k in range(L):
                s += window[k]
            wsum = s
        g = wsum / L
        if g > 1.0:
            g = 1.0
        if held < 1.0 or g < 1.0:
            unity = 0
        else:
            unity += 1
        yl = delay[0, dw] * g
        yr = delay[1, dw] * g
        delay[0, dw] = xl
        delay[1, dw] = xr
        dw += 1
        if dw == D:
            dw = 0
        if write_out:
            if yl > ceil:
                yl = ceil
            elif yl < -ceil:
                yl = -ceil
            if yr > ceil:
                yr = ceil
            elif yr < -ceil:
                yr = -ceil
            out[out_offset + i, 0] = yl
            out[out_offset + i, 1] = yr
        t += 1
    fstate[F_HELD] = held
    fstate[F_SUM] = wsum
    istate[I_AW] = aw
    istate[I_DW] = dw
    istate[I_QHEAD] = qh
    istate[I_QSIZE] = qs
    istate[I_T] = t
    istate[I_UNITY] = unity
