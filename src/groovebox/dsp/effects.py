"""Stereo effects: reverb, tape delay, chorus, filter, EQ, compressor, saturation.

Each effect instance is one float64 *state array* that holds its settings (as ready-made
coefficients), its memory (filter states, LFOs) and its delay lines. Build one with
:func:`groovebox.renderer.effects.make_effect` (parameters checked against
:data:`groovebox.model.effect.EFFECT_PARAMS`, allocated once; it calls :func:`setup` here),
process audio in place with :func:`effect_process` (or the effect's own kernel), change
settings later with :func:`groovebox.renderer.effects.update_effect` (keeps the tail ringing). Kernels take ``(left, right, start, stop,
state)`` and work on ``left[start:stop]``, ``right[start:stop]`` (float32 or float64).

Block-size independence: everything that moves (LFOs, compressor gain) is updated at control
ticks every ``CTRL`` samples of the effect's own clock (the reverb: every ``RV_BLOCK``) and
interpolated in closed form in between, so processing in blocks of any size gives the same
samples as one big block. Decaying memory is flushed to zero near 1e-20 (no subnormals).

Parameters and units
--------------------
reverb       decay_s (RT60, s), size (%), damping_hz (RT60 at this frequency is half of
             decay_s; None = no damping), predelay_s, width (%), mix (% wet), modulation (%),
             diffusion (%)
tape_delay   time_s, feedback (%), wow_depth / flutter_depth (% speed deviation), wow_rate_hz,
             flutter_rate_hz, lowcut_hz / highcut_hz (feedback path; None = off), mix (%),
             ping_pong (bool), max_time_s (delay memory; default time_s)
chorus       rate_hz, depth_ms, delay_ms, mix (%)
filter       mode ("lowpass", "highpass", "bandpass", "notch", "peak"), cutoff_hz, q
eq           low_hz, low_db (shelf), mid_hz, mid_db, mid_q (peak), high_hz, high_db (shelf)
compressor   threshold_db, ratio, attack_s, release_s, makeup_db, knee_db (stereo-linked)
saturation   drive_db, mix (%), output_db
"""

from __future__ import annotations

import math
import weakref

import numpy as np
from numba import njit

from groovebox.dsp import jit
from groovebox.dsp.filters import (
    BANDPASS,
    HIGHPASS,
    LOWPASS,
    NOTCH,
    PEAK,
    svf_coefficients,
    svf_tick,
)
from groovebox.dsp.shaping import flush as _flush
from groovebox.dsp.shaping import soft_clip as _soft_clip

REVERB = 0
TAPE_DELAY = 1
CHORUS = 2
FILTER = 3
EQ = 4
COMPRESSOR = 5
SATURATION = 6
EFFECT_NAMES = ("reverb", "tape_delay", "chorus", "filter", "eq", "compressor", "saturation")

CTRL = 32  # control tick in samples

# Common header of every state array.
E_KIND = 0
E_SR = 1
E_N = 2  # samples processed: the effect's clock
E_WET = 3
E_DRY = 4

_TWO_PI = 2.0 * math.pi
_LN1000 = math.log(1000.0)


@njit(cache=True)
def _lfo_tick(state, c_slot, s_slot, rc, rs):
    """Rotate a quadrature LFO (cos, sin) one control tick; returns the new sine."""
    c = state[c_slot]
    s = state[s_slot]
    c2 = c * rc - s * rs
    s2 = c * rs + s * rc
    # Renormalise so rounding never lets the amplitude drift over hours.
    k = 1.5 - 0.5 * (c2 * c2 + s2 * s2)
    state[c_slot] = c2 * k
    state[s_slot] = s2 * k
    return s2 * k


# =====================================================================================
# Reverb: 8-line feedback delay network (orthonormal Hadamard feedback, slowly modulated
# lines, frequency-dependent loss, input pre-delay and allpass diffusion, stereo in and out).
#
# Speed: every line is at least RV_BLOCK + a few samples long, so within a block of RV_BLOCK
# samples (aligned to the effect's clock) no line reads what the same block writes. The
# network is therefore computed stage by stage over the block (read all lines, mix, write all
# lines), each stage a loop over time that Numba vectorises. Indices are uint64 so Numba
# emits no negative-index wraparound and the loops stay contiguous. Each ring is followed by
# a guard copy of its first RV_GUARD samples, so a block's reads never wrap.
# =====================================================================================
RV_LINES = 8
RV_BLOCK = 128  # control period and network block, samples
RV_GUARD = 2 * RV_BLOCK
# Line lengths (ms) at size 100%, spread over a ratio of ~2.3 and not multiples of each other.
_RV_BASE_MS = (41.3, 47.9, 55.1, 61.7, 68.9, 76.3, 85.1, 95.9)
_RV_AP_MS = (5.13, 3.71, 4.69, 3.29)  # input diffusers: two per channel
_RV_AP_PIECE = 64  # diffuser sub-block: shorter than every diffuser delay at >= 44.1 kHz
_RV_MAX_MOD_S = 0.0006  # modulation depth at 100 %
# Half the lines are modulated (read with cubic interpolation); the others are read at whole
# samples, which loses nothing at high frequencies.
_RV_MODULATED = (False, True, False, True, False, True, False, True)
# Line input patterns (rows 2 and 5 of the Hadamard matrix below, which are also the left and
# right output taps): orthogonal to each other and to all-ones, so a left input's first
# echoes come out on the left and the outputs are decorrelated.
_RV_IN_S = (1.0, 0.0, 0.0, -1.0, 0.0, 1.0, -1.0, 0.0)  # weight of (L + R)
_RV_IN_D = (0.0, 1.0, -1.0, 0.0, 1.0, 0.0, 0.0, -1.0)  # weight of (L - R)

_RV_SIDE = 5
_RV_IN = 6
_RV_OUT = 7
_RV_DEPTH = 8
_RV_PRE = 9
_RV_DIFF = 10
_RV_NLINE = 11  # ring sizes (multiples of RV_BLOCK, guard not included)
_RV_NPRE = 12
_RV_NAP = 13
_RV_NPRE_ALLOC = 14
_RV_LEN = 16  # 8 line lengths (samples; mean delay minus the modulation depth)
_RV_LFO_C = 24
_RV_LFO_S = 32
_RV_ROT_C = 40
_RV_ROT_S = 48
_RV_DA = 56  # delay at the block start
_RV_DS = 64  # its slope per sample
_RV_SPLIT = 72  # first sample of the block whose integer delay differs
_RV_K0 = 80  # integer delay before the split
_RV_K1 = 88  # and after
_RV_FIR = 96  # 8 lines x 3 taps: loss per pass g times the damping low-pass
_RV_HIST = 120  # 8 lines x 2: the last two mixed samples (the damping filter's memory)
_RV_AP_LEN = 160  # 4 diffuser delays
_RV_BUF = 168  # scratch (2 rows, then 8 rows with 2 history slots each), then rings
_RV_ROW = RV_BLOCK + 2


@njit(cache=True, inline="always")
def _u(i):
    return np.uint64(i)


@njit(cache=True, inline="always")
def _wrap(x, size):
    """x in [-size, size) into [0, size): a compare instead of an integer division."""
    return x + size if x < 0 else x


@njit(cache=True)
def _rv_control(state):
    """Start a block: advance the LFOs and lay out each line's (moving) read position."""
    for j in range(RV_LINES):
        depth = state[_RV_DEPTH] if _RV_MODULATED[j] else 0.0
        d_now = state[_RV_LEN + j] + depth * (1.0 + state[_RV_LFO_S + j])
        s_next = _lfo_tick(state, _RV_LFO_C + j, _RV_LFO_S + j, state[_RV_ROT_C + j], state[_RV_ROT_S + j])
        d_next = state[_RV_LEN + j] + depth * (1.0 + s_next)
        slope = (d_next - d_now) * (1.0 / RV_BLOCK)
        k0 = math.floor(d_now)
        split = RV_BLOCK
        k1 = k0
        # The delay moves less than one sample per block, so its integer part changes at
        # most once: find where, and read each part with a fixed pair of taps.
        if slope > 0.0:
            c = math.ceil((k0 + 1.0 - d_now) / slope)
            if c < RV_BLOCK:
                split = max(int(c), 0)
                k1 = k0 + 1.0
        elif slope < 0.0:
            c = math.floor((k0 - d_now) / slope) + 1.0
            if c < RV_BLOCK:
                split = max(int(c), 0)
                k1 = k0 - 1.0
        state[_RV_DA + j] = d_now
        state[_RV_DS + j] = slope
        state[_RV_SPLIT + j] = split
        state[_RV_K0 + j] = k0
        state[_RV_K1 + j] = k1


@njit(cache=True)
def _rv_read_pair(state, j, ring_a, ring_b, nline, w0, off, i0, i1, row_a, row_b):
    """Outputs of lines j (whole-sample read) and j + 1 (modulated, cubic read) for block
    samples [i0, i1), stored as their sum and difference (the first Hadamard stage)."""
    if i1 <= i0:
        return
    jb = j + 1
    if i0 < state[_RV_SPLIT + jb]:
        k = state[_RV_K0 + jb]
    else:
        k = state[_RV_K1 + jb]
    ki = np.int64(k)
    pa = ring_a + _wrap(w0 + (i0 - off) - np.int64(state[_RV_K0 + j]), nline)
    # f for block sample t is (d_a - k) + slope * t, the same expression however the block
    # is split into calls. pb: x[t - k - 2] for the first sample, as a ring position (the
    # guard keeps the next i1 - i0 + 3 positions contiguous).
    fb = state[_RV_DA + jb] - k
    fs = state[_RV_DS + jb]
    pb = ring_b + _wrap(w0 + (i0 - off) - ki - 2, nline)
    va = row_a + (i0 - off)
    vb = row_b + (i0 - off)
    for i in range(i1 - i0):
        ya = state[_u(pa + i)]
        f = fb + fs * (i0 + i)
        y2 = state[_u(pb + i)]
        y1 = state[_u(pb + i + 1)]
        y0 = state[_u(pb + i + 2)]
        ym1 = state[_u(pb + i + 3)]
        c1 = 0.5 * (y1 - ym1)
        c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2
        c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1)
        yb = ((c3 * f + c2) * f + c1) * f + y0
        state[_u(va + i)] = ya + yb
        state[_u(vb + i)] = ya - yb


@njit(cache=True)
def _rv_butterfly(state, ra, rb, m):
    for i in range(m):
        a = state[_u(ra + i)]
        b = state[_u(rb + i)]
        state[_u(ra + i)] = a + b
        state[_u(rb + i)] = a - b


@njit(cache=True)
def _rv_guard_copy(state, ring, size, w, m):
    """Mirror ring samples [w, w + m) into the guard after the ring."""
    if w < RV_GUARD:
        for i in range(m):
            state[_u(ring + size + w + i)] = state[_u(ring + w + i)]


@njit(cache=True)
def _rv_allpass(state, ring, size, delay, w_start, x, m, g):
    """Schroeder allpass (delay >= its sub-block) over scratch samples x[0:m] in place;
    ``w_start`` is the write position of x[0] (the block never wraps the ring)."""
    a = 0
    while a < m:
        # Sub-blocks no longer than the delay: every read is of a sample written before the
        # sub-block (so the loop vectorises, and the guard copy is up to date).
        q = min(_RV_AP_PIECE, delay, m - a)
        w = w_start + a
        r = ring + _wrap(w - delay, size)
        wp = ring + w
        xp = x + a
        for i in range(q):
            d = state[_u(r + i)]
            v = state[_u(xp + i)] - g * d
            v = 0.0 if abs(v) < 1e-20 else v
            state[_u(wp + i)] = v
            state[_u(xp + i)] = d + g * v
        _rv_guard_copy(state, ring, size, w, q)
        a += q


@njit(cache=True)
def _rv_piece(left, right, start, m, state, n, off):
    """Process m samples from left/right[start] at clock n (block offset off)."""
    nline = np.int64(state[_RV_NLINE])
    npre = np.int64(state[_RV_NPRE])
    npre_alloc = np.int64(state[_RV_NPRE_ALLOC])
    nap = np.int64(state[_RV_NAP])
    xl = _RV_BUF
    xr = xl + RV_BLOCK
    vrows = xr + RV_BLOCK + 2  # row j data at vrows + j * _RV_ROW, history just before it
    ring0 = vrows + RV_LINES * _RV_ROW
    lstride = nline + RV_GUARD
    pre_l = ring0 + RV_LINES * lstride
    pre_r = pre_l + npre_alloc + RV_GUARD
    ap0 = pre_r + npre_alloc + RV_GUARD
    astride = nap + RV_GUARD
    g_in = state[_RV_IN]
    # Ring sizes are multiples of RV_BLOCK, so a block never wraps a ring: one division each.
    w_pre = n % npre
    w_ap = n % nap
    w0 = n % nline
    # 1. input: pre-delay (write first, so a zero pre-delay reads what was just written)
    pre = np.int64(state[_RV_PRE])
    if pre == 0:
        for i in range(m):
            state[_u(xl + i)] = left[_u(start + i)]
            state[_u(xr + i)] = right[_u(start + i)]
    else:
        wp = w_pre
        for i in range(m):
            state[_u(pre_l + wp + i)] = left[_u(start + i)]
            state[_u(pre_r + wp + i)] = right[_u(start + i)]
        _rv_guard_copy(state, pre_l, npre, wp, m)
        _rv_guard_copy(state, pre_r, npre, wp, m)
        rl = pre_l + _wrap(w_pre - pre, npre)
        rr = pre_r + _wrap(w_pre - pre, npre)
        for i in range(m):
            state[_u(xl + i)] = state[_u(rl + i)]
            state[_u(xr + i)] = state[_u(rr + i)]
    # 2. diffusion
    g = state[_RV_DIFF]
    if g != 0.0:
        _rv_allpass(state, ap0, nap, np.int64(state[_RV_AP_LEN]), w_ap, xl, m, g)
        _rv_allpass(state, ap0 + astride, nap, np.int64(state[_RV_AP_LEN + 1]), w_ap, xl, m, g)
        _rv_allpass(state, ap0 + 2 * astride, nap, np.int64(state[_RV_AP_LEN + 2]), w_ap, xr, m, g)
        _rv_allpass(state, ap0 + 3 * astride, nap, np.int64(state[_RV_AP_LEN + 3]), w_ap, xr, m, g)
    # inputs to the lines: (L + R) and (L - R), scaled
    for i in range(m):
        a = state[_u(xl + i)] * g_in
        b = state[_u(xr + i)] * g_in
        state[_u(xl + i)] = a + b
        state[_u(xr + i)] = a - b
    # 3. line outputs in pairs (even lines whole-sample, odd lines modulated), stored as
    # sum and difference: the first stage of the Hadamard mixing
    e = off + m
    for j in range(0, RV_LINES, 2):
        ring_a = ring0 + j * lstride
        row_a = vrows + j * _RV_ROW
        split = np.int64(state[_RV_SPLIT + j + 1])
        args = (state, j, ring_a, ring_a + lstride, nline, w0, off)
        _rv_read_pair(*args, off, min(e, split), row_a, row_a + _RV_ROW)
        _rv_read_pair(*args, max(off, split), e, row_a, row_a + _RV_ROW)
    # 4. the rest of the Hadamard mixing in place (unnormalised; rows 2 and 5 are the outputs)
    # (pairwise loops: two rows per loop keep Numba's loops vectorised)
    for a in (0, 1, 4, 5):
        _rv_butterfly(state, vrows + a * _RV_ROW, vrows + (a + 2) * _RV_ROW, m)
    for a in range(4):
        _rv_butterfly(state, vrows + a * _RV_ROW, vrows + (a + 4) * _RV_ROW, m)
    # 5. feed back through each line's loss filter (g times the damping low-pass; the
    # Hadamard is orthonormal with 1/sqrt(8), folded into the taps), add the input, flush
    # denormals.
    for j in range(RV_LINES):
        ring = ring0 + j * lstride
        wp = ring + w0
        row = vrows + j * _RV_ROW
        state[_u(row - 2)] = state[_RV_HIST + 2 * j]
        state[_u(row - 1)] = state[_RV_HIST + 2 * j + 1]
        src = xl if _RV_IN_S[j] != 0.0 else xr
        sg = _RV_IN_S[j] + _RV_IN_D[j]
        c0 = state[_RV_FIR + 3 * j]
        c1 = state[_RV_FIR + 3 * j + 1]
        c2 = state[_RV_FIR + 3 * j + 2]
        for i in range(m):
            y = c0 * state[_u(row + i)] + c1 * state[_u(row + i - 1)] + c2 * state[_u(row + i - 2)]
            v = y + sg * state[_u(src + i)]
            state[_u(wp + i)] = 0.0 if abs(v) < 1e-20 else v
        state[_RV_HIST + 2 * j] = state[_u(row + m - 2)]
        state[_RV_HIST + 2 * j + 1] = state[_u(row + m - 1)]
        _rv_guard_copy(state, ring, nline, w0, m)
    # 6. output
    wet = state[E_WET] * state[_RV_OUT]
    dry = state[E_DRY]
    side = state[_RV_SIDE]
    ol = vrows + 2 * _RV_ROW
    orr = vrows + 5 * _RV_ROW
    for i in range(m):
        wl = state[_u(ol + i)]
        wr = state[_u(orr + i)]
        mid = 0.5 * (wl + wr)
        sd = 0.5 * (wl - wr) * side
        left[_u(start + i)] = dry * left[_u(start + i)] + wet * (mid + sd)
        right[_u(start + i)] = dry * right[_u(start + i)] + wet * (mid - sd)


@njit(cache=True)
def reverb_process(left, right, start, stop, state):
    """Reverberate ``left[start:stop]``, ``right[start:stop]`` in place (see module doc)."""
    n = np.int64(state[E_N])
    i = start
    while i < stop:
        off = n % RV_BLOCK
        if off == 0:
            _rv_control(state)
        m = min(stop - i, RV_BLOCK - off)
        _rv_piece(left, right, i, m, state, n, off)
        i += m
        n += m
    state[E_N] = n


# =====================================================================================
# Tape delay: a stereo (or ping-pong) delay whose read head wobbles (wow + flutter) and
# whose feedback passes a low cut, a high cut and a soft saturator, as on a tape echo.
# =====================================================================================
_TD_TIME = 5  # delay in samples (float)
_TD_FB = 6
_TD_LC = 7  # low-cut one-pole coefficient
_TD_HC = 8  # high-cut one-pole coefficient
_TD_LC_ON = 9
_TD_HC_ON = 10
_TD_PP = 11
_TD_MASK = 12
_TD_WOW_D = 13  # wow depth (samples)
_TD_FL_D = 14  # flutter depth (samples)
_TD_WOW = 15  # cos, sin
_TD_WOW_ROT = 17
_TD_FL = 19
_TD_FL_ROT = 21
_TD_MA = 23
_TD_MS = 24
_TD_Z = 25  # 4 filter states: low-cut L, R; high-cut L, R
_TD_BUF = 32
_TD_KNEE = 0.5  # the feedback saturator is exactly linear below this level


@njit(cache=True, inline="always")
def _hermite_read(state, base, w, delay, mask):
    """Sample at ``delay`` (>= 2) samples before write index ``w``, 4-point Hermite."""
    ip = int(delay)
    f = delay - ip
    r = w - ip
    ym1 = state[base + ((r + 1) & mask)]
    y0 = state[base + (r & mask)]
    y1 = state[base + ((r - 1) & mask)]
    y2 = state[base + ((r - 2) & mask)]
    c1 = 0.5 * (y1 - ym1)
    c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2
    c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1)
    return ((c3 * f + c2) * f + c1) * f + y0


@njit(cache=True, inline="always")
def _tape_sat(x):
    a = abs(x)
    if a <= _TD_KNEE:
        return x
    y = _TD_KNEE + (1.0 - _TD_KNEE) * _soft_clip((a - _TD_KNEE) / (1.0 - _TD_KNEE))
    return y if x > 0.0 else -y


@njit(cache=True)
def _td_control(state):
    wd = state[_TD_WOW_D]
    fd = state[_TD_FL_D]
    m_now = wd * (1.0 + state[_TD_WOW + 1]) + fd * (1.0 + state[_TD_FL + 1])
    sw = _lfo_tick(state, _TD_WOW, _TD_WOW + 1, state[_TD_WOW_ROT], state[_TD_WOW_ROT + 1])
    sf = _lfo_tick(state, _TD_FL, _TD_FL + 1, state[_TD_FL_ROT], state[_TD_FL_ROT + 1])
    m_next = wd * (1.0 + sw) + fd * (1.0 + sf)
    state[_TD_MA] = m_now
    state[_TD_MS] = (m_next - m_now) * (1.0 / CTRL)


@njit(cache=True)
def tape_delay_process(left, right, start, stop, state):
    """Tape-echo ``left[start:stop]``, ``right[start:stop]`` in place (see module doc)."""
    n = np.int64(state[E_N])
    mask = np.int64(state[_TD_MASK])
    bl = _TD_BUF
    br = _TD_BUF + mask + 1
    d0 = state[_TD_TIME]
    fb = state[_TD_FB]
    lc = state[_TD_LC]
    hc = state[_TD_HC]
    lc_on = state[_TD_LC_ON] != 0.0
    hc_on = state[_TD_HC_ON] != 0.0
    pp = state[_TD_PP] != 0.0
    wet = state[E_WET]
    dry = state[E_DRY]
    zl = state[_TD_Z]
    zr = state[_TD_Z + 1]
    hl = state[_TD_Z + 2]
    hr = state[_TD_Z + 3]
    i = start
    while i < stop:
        off = n % CTRL
        if off == 0:
            _td_control(state)
            zl = _flush(zl)
            zr = _flush(zr)
            hl = _flush(hl)
            hr = _flush(hr)
        m = min(stop - i, CTRL - off)
        ma = state[_TD_MA]
        ms = state[_TD_MS]
        for k in range(m):
            mod = ma + (off + k) * ms  # closed form: identical however the block is split
            xl = left[i + k]
            xr = right[i + k]
            w = n & mask
            delay = d0 + mod
            yl = _hermite_read(state, bl, w, delay, mask)
            yr = _hermite_read(state, br, w, delay, mask)
            fl = yl
            fr = yr
            if lc_on:
                zl += lc * (fl - zl)
                zr += lc * (fr - zr)
                fl = fl - zl
                fr = fr - zr
            if hc_on:
                hl += hc * (fl - hl)
                hr += hc * (fr - hr)
                fl = hl
                fr = hr
            # Repeats decay forever: flush before they reach the subnormal range.
            fl = _flush(_tape_sat(fl * fb))
            fr = _flush(_tape_sat(fr * fb))
            if pp:
                state[bl + w] = 0.5 * (xl + xr) + fr
                state[br + w] = fl
            else:
                state[bl + w] = xl + fl
                state[br + w] = xr + fr
            left[i + k] = dry * xl + wet * yl
            right[i + k] = dry * xr + wet * yr
            n += 1
        i += m
    state[_TD_Z] = zl
    state[_TD_Z + 1] = zr
    state[_TD_Z + 2] = hl
    state[_TD_Z + 3] = hr
    state[E_N] = n


# =====================================================================================
# Chorus: two modulated taps per channel, the four taps a quarter cycle apart.
# =====================================================================================
_CH_CENTER = 5
_CH_DEPTH = 6
_CH_MASK = 7
_CH_LFO = 8  # cos, sin
_CH_ROT = 10
_CH_MA = 12  # 4 taps
_CH_MS = 16
_CH_BUF = 24


@njit(cache=True)
def _ch_control(state):
    c = state[_CH_LFO]
    s = state[_CH_LFO + 1]
    s2 = _lfo_tick(state, _CH_LFO, _CH_LFO + 1, state[_CH_ROT], state[_CH_ROT + 1])
    c2 = state[_CH_LFO]
    center = state[_CH_CENTER]
    depth = state[_CH_DEPTH]
    now = (s, -s, c, -c)
    nxt = (s2, -s2, c2, -c2)
    for t in range(4):
        a = center + depth * now[t]
        b = center + depth * nxt[t]
        state[_CH_MA + t] = a
        state[_CH_MS + t] = (b - a) * (1.0 / CTRL)


@njit(cache=True)
def chorus_process(left, right, start, stop, state):
    """Chorus ``left[start:stop]``, ``right[start:stop]`` in place (see module doc)."""
    n = np.int64(state[E_N])
    mask = np.int64(state[_CH_MASK])
    bl = _CH_BUF
    br = _CH_BUF + mask + 1
    wet = state[E_WET] * 0.5
    dry = state[E_DRY]
    i = start
    while i < stop:
        off = n % CTRL
        if off == 0:
            _ch_control(state)
        m = min(stop - i, CTRL - off)
        a0 = state[_CH_MA]
        a1 = state[_CH_MA + 1]
        a2 = state[_CH_MA + 2]
        a3 = state[_CH_MA + 3]
        s0 = state[_CH_MS]
        s1 = state[_CH_MS + 1]
        s2 = state[_CH_MS + 2]
        s3 = state[_CH_MS + 3]
        for k in range(m):
            t = off + k  # closed form: identical however the block is split
            d0 = a0 + t * s0
            d1 = a1 + t * s1
            d2 = a2 + t * s2
            d3 = a3 + t * s3
            xl = left[i + k]
            xr = right[i + k]
            w = n & mask
            state[bl + w] = xl
            state[br + w] = xr
            yl = _hermite_read(state, bl, w, d0, mask) + _hermite_read(state, bl, w, d1, mask)
            yr = _hermite_read(state, br, w, d2, mask) + _hermite_read(state, br, w, d3, mask)
            left[i + k] = dry * xl + wet * yl
            right[i + k] = dry * xr + wet * yr
            n += 1
        i += m
    state[E_N] = n


# =====================================================================================
# Filter: the state-variable filter of dsp.filters on both channels.
# =====================================================================================
_FL_MODE = 5
_FL_COEF = 6  # a1, a2, a3, k
_FL_Z = 10  # 2 per channel


@njit(cache=True)
def filter_process(left, right, start, stop, state):
    """Filter ``left[start:stop]``, ``right[start:stop]`` in place (see module doc)."""
    mode = int(state[_FL_MODE])
    a1 = state[_FL_COEF]
    a2 = state[_FL_COEF + 1]
    a3 = state[_FL_COEF + 2]
    k = state[_FL_COEF + 3]
    zl = state[_FL_Z : _FL_Z + 2]
    zr = state[_FL_Z + 2 : _FL_Z + 4]
    for i in range(start, stop):
        left[i] = svf_tick(left[i], zl, a1, a2, a3, k, mode)
        right[i] = svf_tick(right[i], zr, a1, a2, a3, k, mode)
    state[E_N] += stop - start


# =====================================================================================
# EQ: low shelf, peak, high shelf (RBJ cookbook biquads, transposed direct form II).
# =====================================================================================
_EQ_COEF = 5  # 3 bands x (b0, b1, b2, a1, a2)
_EQ_ON = 20  # 3 flags
_EQ_Z = 24  # 3 bands x 2 channels x 2 states


@njit(cache=True)
def eq_process(left, right, start, stop, state):
    """Equalise ``left[start:stop]``, ``right[start:stop]`` in place (see module doc)."""
    for band in range(3):
        if state[_EQ_ON + band] == 0.0:
            continue
        c = _EQ_COEF + 5 * band
        b0 = state[c]
        b1 = state[c + 1]
        b2 = state[c + 2]
        a1 = state[c + 3]
        a2 = state[c + 4]
        z = _EQ_Z + 4 * band
        s1l = state[z]
        s2l = state[z + 1]
        s1r = state[z + 2]
        s2r = state[z + 3]
        for i in range(start, stop):
            x = left[i]
            y = b0 * x + s1l
            s1l = _flush(b1 * x - a1 * y + s2l)
            s2l = _flush(b2 * x - a2 * y)
            left[i] = y
            x = right[i]
            y = b0 * x + s1r
            s1r = _flush(b1 * x - a1 * y + s2r)
            s2r = _flush(b2 * x - a2 * y)
            right[i] = y
        state[z] = s1l
        state[z + 1] = s2l
        state[z + 2] = s1r
        state[z + 3] = s2r
    state[E_N] += stop - start


# =====================================================================================
# Compressor: stereo-linked peak detector, soft-knee gain computer at control ticks, gain
# interpolated linearly between ticks.
# =====================================================================================
_CP_THR = 5
_CP_RATIO = 6
_CP_ATT = 7
_CP_REL = 8
_CP_MAKEUP = 9
_CP_KNEE = 10
_CP_ENV = 11
_CP_GA = 12
_CP_GS = 13


@njit(cache=True)
def _cp_gain(state, env):
    level = 20.0 * math.log10(env + 1e-30)
    over = level - state[_CP_THR]
    knee = state[_CP_KNEE]
    slope = 1.0 / state[_CP_RATIO] - 1.0
    if 2.0 * over <= -knee:
        gr = 0.0
    elif knee > 0.0 and 2.0 * abs(over) < knee:
        x = over + 0.5 * knee
        gr = slope * x * x / (2.0 * knee)
    else:
        gr = slope * over
    return 10.0 ** (gr / 20.0)


@njit(cache=True)
def compressor_process(left, right, start, stop, state):
    """Compress ``left[start:stop]``, ``right[start:stop]`` in place (see module doc)."""
    n = np.int64(state[E_N])
    att = state[_CP_ATT]
    rel = state[_CP_REL]
    makeup = state[_CP_MAKEUP]
    env = state[_CP_ENV]
    i = start
    while i < stop:
        off = n % CTRL
        if off == 0:
            env = _flush(env)
            g_now = state[_CP_GA] + CTRL * state[_CP_GS]
            target = _cp_gain(state, env)
            state[_CP_GA] = g_now
            state[_CP_GS] = (target - g_now) * (1.0 / CTRL)
        m = min(stop - i, CTRL - off)
        ga = state[_CP_GA]
        gs = state[_CP_GS]
        for k in range(m):
            xl = left[i + k]
            xr = right[i + k]
            x = max(abs(xl), abs(xr))
            env += (att if x > env else rel) * (x - env)
            gm = (ga + (off + k) * gs) * makeup  # closed form, split-independent
            left[i + k] = xl * gm
            right[i + k] = xr * gm
            n += 1
        i += m
    state[_CP_ENV] = env
    state[E_N] = n


@njit(cache=True)
def compressor_keyed_process(left, right, key_l, key_r, start, stop, state):
    """A compressor whose detector listens to ``key_l/key_r[start:stop]`` (a sidechain, e.g. the
    kick) while its gain acts on ``left/right[start:stop]`` in place: ducking. Same state and
    parameters as :func:`compressor_process`."""
    n = np.int64(state[E_N])
    att = state[_CP_ATT]
    rel = state[_CP_REL]
    makeup = state[_CP_MAKEUP]
    env = state[_CP_ENV]
    i = start
    while i < stop:
        off = n % CTRL
        if off == 0:
            env = _flush(env)
            g_now = state[_CP_GA] + CTRL * state[_CP_GS]
            target = _cp_gain(state, env)
            state[_CP_GA] = g_now
            state[_CP_GS] = (target - g_now) * (1.0 / CTRL)
        m = min(stop - i, CTRL - off)
        ga = state[_CP_GA]
        gs = state[_CP_GS]
        for k in range(m):
            x = max(abs(key_l[i + k]), abs(key_r[i + k]))
            env += (att if x > env else rel) * (x - env)
            gm = (ga + (off + k) * gs) * makeup
            left[i + k] = left[i + k] * gm
            right[i + k] = right[i + k] * gm
            n += 1
        i += m
    state[_CP_ENV] = env
    state[E_N] = n


# =====================================================================================
# Saturation: drive into a bounded tanh-like curve, blended with the dry signal.
# =====================================================================================
_ST_DRIVE = 5
_ST_OUT = 6


@njit(cache=True)
def saturation_process(left, right, start, stop, state):
    """Saturate ``left[start:stop]``, ``right[start:stop]`` in place (see module doc)."""
    drive = state[_ST_DRIVE]
    out = state[_ST_OUT] * state[E_WET]
    dry = state[E_DRY]
    for i in range(start, stop):
        x = left[i]
        left[i] = dry * x + out * _soft_clip(x * drive)
        x = right[i]
        right[i] = dry * x + out * _soft_clip(x * drive)
    state[E_N] += stop - start


@njit(cache=True)
def effect_process(left, right, start, stop, state):
    """Run the effect whose state array is ``state`` on ``left/right[start:stop]`` in place."""
    kind = int(state[E_KIND])
    if kind == REVERB:
        reverb_process(left, right, start, stop, state)
    elif kind == TAPE_DELAY:
        tape_delay_process(left, right, start, stop, state)
    elif kind == CHORUS:
        chorus_process(left, right, start, stop, state)
    elif kind == FILTER:
        filter_process(left, right, start, stop, state)
    elif kind == EQ:
        eq_process(left, right, start, stop, state)
    elif kind == COMPRESSOR:
        compressor_process(left, right, start, stop, state)
    elif kind == SATURATION:
        saturation_process(left, right, start, stop, state)


# Each kind's kernel, indexed by kind: a caller that dispatches here in Python loads only the
# kernels of the effects it uses (calling effect_process loads all of them).
EFFECT_KERNELS = (reverb_process, tape_delay_process, chorus_process, filter_process, eq_process,
                  compressor_process, saturation_process)
# ...and as groups for the first-run notice (compile seconds on one core of the CI class).
EFFECT_GROUPS = tuple(jit.Group(name.replace("_", " "), (kernel,), s) for name, kernel, s in zip(
    EFFECT_NAMES, EFFECT_KERNELS, (2.5, 1.5, 1.0, 0.5, 0.5, 1.0, 0.3), strict=True))


# =====================================================================================
# Idle effects: what a mixer may skip without changing a sample.
# =====================================================================================
@njit(cache=True)
def effect_at_rest(state):
    """True when silence in gives silence out and leaves the state as it is, apart from the
    effect's clock (see :func:`effect_idle`): a filter or EQ whose memory is all zero (their
    decaying memory is flushed to exact zeros), a compressor whose detector is empty and
    whose gain is back at unity, a saturator. Delays, reverbs and choruses are never at rest
    here: their memory is too large to look at (a mixer sleeps them after their tail)."""
    kind = int(state[E_KIND])
    if kind == FILTER:
        for i in range(4):
            if state[_FL_Z + i] != 0.0:
                return False
        return True
    if kind == EQ:
        for i in range(12):
            if state[_EQ_Z + i] != 0.0:
                return False
        return True
    if kind == COMPRESSOR:
        return state[_CP_ENV] == 0.0 and state[_CP_GA] == 1.0 and state[_CP_GS] == 0.0
    return kind == SATURATION


@njit(cache=True)
def effect_idle(state, m):
    """Stand in for running an effect that is :func:`effect_at_rest` over ``m`` samples of
    silence: only its clock moves (a compressor's control ticks stay where they were)."""
    state[E_N] += m


TAIL_FLOOR_DB = 160.0  # an effect's tail has ended once it is this far down (24-bit floor: 144 dB)


def tail_frames(state: np.ndarray) -> int:
    """Samples after the last non-silent input sample until a reverb, tape delay or chorus
    made by :func:`setup` has fallen :data:`TAIL_FLOOR_DB` (a chorus: until its memory is
    all zeros); -1 when it may ring for ever (feedback near 100 %), or for other kinds."""
    name, sr = kind_of(state)
    p = configured(state)
    if not p:
        return -1
    if name == "reverb":
        return math.ceil((p["decay_s"] * TAIL_FLOOR_DB / 60.0 + p["predelay_s"] + 0.25) * sr)
    if name == "tape_delay":
        fb = p["feedback"] / 100.0
        if fb >= 0.95:
            return -1
        repeats = 0 if fb <= 0.0 else math.ceil(TAIL_FLOOR_DB / (-20.0 * math.log10(fb)))
        wobble = 2.0 * (p["wow_depth"] / 100.0 / (_TWO_PI * p["wow_rate_hz"])
                        + p["flutter_depth"] / 100.0 / (_TWO_PI * p["flutter_rate_hz"]))
        return math.ceil((repeats + 1) * ((p["time_s"] + wobble) * sr + 4.0))
    if name == "chorus":
        return math.ceil((p["delay_ms"] + p["depth_ms"]) * 1e-3 * sr) + 4
    return -1


# =====================================================================================
# Python level: parameters (validated, in musical units), state sizes, set-up.
# =====================================================================================
FILTER_MODE_IDS = {
    "lowpass": LOWPASS,
    "highpass": HIGHPASS,
    "bandpass": BANDPASS,
    "notch": NOTCH,
    "peak": PEAK,
}


def _pow2_at_least(n: float) -> int:
    return 1 << max(4, math.ceil(math.log2(max(n, 2.0))))


def _round_up(n: float, step: int) -> int:
    return int(math.ceil(n / step)) * step


def _reverb_min_line(sr: float) -> int:
    # Every line must be longer than a block plus the read taps and the modulation swing.
    return RV_BLOCK + 8 + int(math.ceil(2.0 * _RV_MAX_MOD_S * sr))


def _reverb_sizes(sr: float) -> tuple[int, int, int]:
    longest = max(max(_RV_BASE_MS) * 1e-3 * sr, _reverb_min_line(sr) + 16.0)
    line = _round_up(longest + 2.0 * _RV_MAX_MOD_S * sr + 8.0 + RV_BLOCK, RV_BLOCK)
    pre = _round_up(0.5 * sr + 2.0 * RV_BLOCK, RV_BLOCK)
    ap = _round_up(max(_RV_AP_MS) * 1e-3 * sr + 2.0 * RV_BLOCK, RV_BLOCK)
    return line, pre, ap


def _tape_size(sr: float, p: dict) -> int:
    t = p["time_s"] if p["max_time_s"] is None else p["max_time_s"]
    # Wow/flutter push the read head back by up to twice their amplitude.
    wob = 2.0 * (p["wow_depth"] / 100.0 / (_TWO_PI * 0.05) + p["flutter_depth"] / 100.0 / _TWO_PI)
    return _pow2_at_least(t * sr + wob * sr + 8.0)


def _state_size(name: str, sr: float, p: dict) -> int:
    if name == "reverb":
        line, pre, ap = _reverb_sizes(sr)
        scratch = 2 * RV_BLOCK + 2 + RV_LINES * _RV_ROW
        return _RV_BUF + scratch + RV_LINES * (line + RV_GUARD) + 2 * (pre + RV_GUARD) + 4 * (ap + RV_GUARD)
    if name == "tape_delay":
        return _TD_BUF + 2 * _tape_size(sr, p)
    if name == "chorus":
        return _CH_BUF + 2 * _pow2_at_least(0.052 * sr)
    return 40


def state_size(name: str, sample_rate: float, params: dict) -> int:
    """Length of the float64 state array an effect needs (delay memory included).

    ``params`` is the complete, checked parameter set of
    :func:`groovebox.model.effect.validate_effect_params` (the validated entry points are in
    :mod:`groovebox.renderer.effects`).
    """
    _known(name, params)
    return _state_size(name, float(sample_rate), params)


def setup(state: np.ndarray, name: str, sample_rate: float, params: dict, fresh: bool = True) -> None:
    """Write an effect's coefficients into ``state``: all of it when ``fresh`` (memory
    silenced), else only the parameters (memory and LFO phases kept).

    ``params`` as for :func:`state_size`; a tape delay cannot grow beyond the memory it was
    made with (``too_long`` says when a change would need more).
    """
    _known(name, params)
    sr = float(sample_rate)
    if fresh:
        need = _state_size(name, sr, params)
        if state.dtype != np.float64 or state.ndim != 1 or state.shape[0] < need:
            raise ValueError(f"effect state: a float64 array of at least {need} elements is needed")
        state[:] = 0.0
        state[E_KIND] = EFFECT_NAMES.index(name)
        state[E_SR] = sr
    _SETUP[name](state, sr, params, fresh)


def kind_of(state: np.ndarray) -> tuple[str, float]:
    """(effect name, sample rate) of a state array made by :func:`setup`."""
    return EFFECT_NAMES[int(state[E_KIND])], float(state[E_SR])


def tape_capacity_s(state: np.ndarray) -> float:
    """Seconds of delay a tape delay's memory holds (wow and flutter swing included)."""
    return (int(state[_TD_MASK]) + 1) / float(state[E_SR])


def tape_needs_s(sample_rate: float, params: dict) -> float:
    """Seconds of memory a tape delay with ``params`` needs."""
    return _tape_size(float(sample_rate), params) / float(sample_rate)


def configured(state: np.ndarray) -> dict:
    """The parameters ``state`` was last set up with (empty if unknown)."""
    current = _CURRENT.get(id(state))
    return dict(current[1]) if current is not None and current[0]() is state else {}


def _known(name: str, params: dict) -> None:
    if name not in _SETUP:
        raise ValueError(f"unknown effect {name!r}")


# Parameters each live state array was last set with, so update_effect can change a few
# (weak references: remembering never keeps an effect's memory alive).
_CURRENT: dict[int, tuple[weakref.ref, dict]] = {}


def _remember(state: np.ndarray, p: dict) -> None:
    if len(_CURRENT) > 1024:
        for key in [k for k, (ref, _) in _CURRENT.items() if ref() is None]:
            del _CURRENT[key]
    _CURRENT[id(state)] = (weakref.ref(state), dict(p))


def _rotation(rate_hz: float, sr: float) -> tuple[float, float]:
    w = _TWO_PI * rate_hz * CTRL / sr
    return math.cos(w), math.sin(w)


def _rotation_block(rate_hz: float, sr: float) -> tuple[float, float]:
    w = _TWO_PI * rate_hz * RV_BLOCK / sr
    return math.cos(w), math.sin(w)


def _setup_reverb(state: np.ndarray, sr: float, p: dict, fresh: bool) -> None:
    line, pre, ap = _reverb_sizes(sr)
    state[_RV_NLINE] = line
    state[_RV_NPRE_ALLOC] = pre
    state[_RV_NAP] = ap
    depth = p["modulation"] / 100.0 * _RV_MAX_MOD_S * sr
    state[_RV_DEPTH] = depth
    scale = 0.3 + 0.7 * p["size"] / 100.0
    lengths: list[int] = []
    for ms in _RV_BASE_MS:
        n = max(int(round(ms * 1e-3 * sr * scale)), _reverb_min_line(sr))
        n += 1 - n % 2  # odd
        while lengths and n <= lengths[-1]:
            n += 2
        lengths.append(n)
    t60 = p["decay_s"]
    g_sq_mean = 0.0
    cos_d = None if p["damping_hz"] is None else math.cos(_TWO_PI * p["damping_hz"] / sr)
    for j, n in enumerate(lengths):
        state[_RV_LEN + j] = n
        # Loss per pass for RT60 = decay_s over the mean delay (modulated lines swing over
        # n .. n + 2 depth; the damping filter adds c samples of group delay).
        mean = n + (depth if _RV_MODULATED[j] else 0.0)
        g = 10.0 ** (-3.0 * mean / (t60 * sr))
        g_sq_mean += g * g / RV_LINES
        c = 0.0
        if cos_d is not None:
            # Two-zero low-pass (1 - c + c z^-1)^2 whose loss at damping_hz equals the loss
            # per pass, so the decay there is twice as fast: RT60(damping_hz) = decay_s / 2.
            q = (1.0 - g) / (2.0 * (1.0 - cos_d))
            c = 0.5 if q >= 0.25 else 0.5 * (1.0 - math.sqrt(1.0 - 4.0 * q))
        h = g / math.sqrt(RV_LINES)  # the Hadamard's normalisation rides along
        state[_RV_FIR + 3 * j] = h * (1.0 - c) ** 2
        state[_RV_FIR + 3 * j + 1] = h * 2.0 * c * (1.0 - c)
        state[_RV_FIR + 3 * j + 2] = h * c * c
        rc, rs = _rotation_block(0.11 + 0.067 * j + 0.013 * (j * j % 5), sr)
        state[_RV_ROT_C + j] = rc
        state[_RV_ROT_S + j] = rs
        if fresh:
            ph = _TWO_PI * ((j * 0.618034) % 1.0)
            state[_RV_LFO_C + j] = math.cos(ph)
            state[_RV_LFO_S + j] = math.sin(ph)
    for k, ms in enumerate(_RV_AP_MS):
        state[_RV_AP_LEN + k] = max(2, int(round(ms * 1e-3 * sr)))
    state[_RV_PRE] = int(round(p["predelay_s"] * sr))
    # The pre-delay ring is only as long as the pre-delay needs (a smaller working set).
    state[_RV_NPRE] = min(pre, _round_up(state[_RV_PRE] + 2.0 * RV_BLOCK, RV_BLOCK))
    state[_RV_DIFF] = 0.7 * p["diffusion"] / 100.0
    # Unit impulse energy in and out: the input patterns inject 4 (g_in)^2 per channel, and a
    # network losing g^2 per pass passes 1 / (1 - g^2) of it through the outputs, which are
    # unnormalised Hadamard rows (8 lines each).
    state[_RV_IN] = 0.5
    state[_RV_OUT] = math.sqrt(max(1.0 - g_sq_mean, 1e-9)) / math.sqrt(RV_LINES)
    state[_RV_SIDE] = p["width"] / 100.0
    state[E_WET] = p["mix"] / 100.0
    state[E_DRY] = 1.0 - p["mix"] / 100.0
    _remember(state, p)


def _setup_tape_delay(state: np.ndarray, sr: float, p: dict, fresh: bool) -> None:
    if fresh:
        state[_TD_MASK] = _tape_size(sr, p) - 1
        state[_TD_WOW] = 1.0
        state[_TD_FL] = 1.0
    state[_TD_TIME] = p["time_s"] * sr
    state[_TD_FB] = p["feedback"] / 100.0
    state[_TD_LC_ON] = p["lowcut_hz"] is not None
    state[_TD_HC_ON] = p["highcut_hz"] is not None
    state[_TD_LC] = 0.0 if p["lowcut_hz"] is None else 1.0 - math.exp(-_TWO_PI * p["lowcut_hz"] / sr)
    state[_TD_HC] = 0.0 if p["highcut_hz"] is None else 1.0 - math.exp(-_TWO_PI * p["highcut_hz"] / sr)
    state[_TD_PP] = p["ping_pong"]
    # A sinusoidal delay wobble of amplitude A at f Hz changes the speed by 2 pi f A.
    state[_TD_WOW_D] = p["wow_depth"] / 100.0 / (_TWO_PI * p["wow_rate_hz"]) * sr
    state[_TD_FL_D] = p["flutter_depth"] / 100.0 / (_TWO_PI * p["flutter_rate_hz"]) * sr
    state[_TD_WOW_ROT], state[_TD_WOW_ROT + 1] = _rotation(p["wow_rate_hz"], sr)
    state[_TD_FL_ROT], state[_TD_FL_ROT + 1] = _rotation(p["flutter_rate_hz"], sr)
    state[E_WET] = p["mix"] / 100.0
    state[E_DRY] = 1.0 - p["mix"] / 100.0
    _remember(state, p)


def _setup_chorus(state: np.ndarray, sr: float, p: dict, fresh: bool) -> None:
    if fresh:
        state[_CH_MASK] = _pow2_at_least(0.052 * sr) - 1
        state[_CH_LFO] = 1.0
    state[_CH_CENTER] = p["delay_ms"] * 1e-3 * sr
    state[_CH_DEPTH] = p["depth_ms"] * 1e-3 * sr
    state[_CH_ROT], state[_CH_ROT + 1] = _rotation(p["rate_hz"], sr)
    state[E_WET] = p["mix"] / 100.0
    state[E_DRY] = 1.0 - p["mix"] / 100.0
    _remember(state, p)


def _setup_filter(state: np.ndarray, sr: float, p: dict, fresh: bool) -> None:
    state[_FL_MODE] = FILTER_MODE_IDS[p["mode"]]
    state[_FL_COEF : _FL_COEF + 4] = svf_coefficients(p["cutoff_hz"], p["q"], sr)
    _remember(state, p)


def _rbj(shape: str, f0: float, gain_db: float, q: float, sr: float) -> tuple[float, ...]:
    a = 10.0 ** (gain_db / 40.0)
    w0 = _TWO_PI * f0 / sr
    cw = math.cos(w0)
    sw = math.sin(w0)
    if shape == "peak":
        alpha = sw / (2.0 * q)
        b = (1.0 + alpha * a, -2.0 * cw, 1.0 - alpha * a)
        den = (1.0 + alpha / a, -2.0 * cw, 1.0 - alpha / a)
    else:
        alpha = sw / 2.0 * math.sqrt(2.0)  # shelf slope S = 1
        ra = 2.0 * math.sqrt(a) * alpha
        if shape == "low":
            b = (a * ((a + 1) - (a - 1) * cw + ra), 2 * a * ((a - 1) - (a + 1) * cw),
                 a * ((a + 1) - (a - 1) * cw - ra))
            den = ((a + 1) + (a - 1) * cw + ra, -2 * ((a - 1) + (a + 1) * cw),
                   (a + 1) + (a - 1) * cw - ra)
        else:
            b = (a * ((a + 1) + (a - 1) * cw + ra), -2 * a * ((a - 1) + (a + 1) * cw),
                 a * ((a + 1) + (a - 1) * cw - ra))
            den = ((a + 1) - (a - 1) * cw + ra, 2 * ((a - 1) - (a + 1) * cw),
                   (a + 1) - (a - 1) * cw - ra)
    a0 = den[0]
    return b[0] / a0, b[1] / a0, b[2] / a0, den[1] / a0, den[2] / a0


def _setup_eq(state: np.ndarray, sr: float, p: dict, fresh: bool) -> None:
    bands = (
        ("low", p["low_hz"], p["low_db"], 0.707),
        ("peak", p["mid_hz"], p["mid_db"], p["mid_q"]),
        ("high", p["high_hz"], p["high_db"], 0.707),
    )
    for i, (shape, f0, db, q) in enumerate(bands):
        state[_EQ_COEF + 5 * i : _EQ_COEF + 5 * i + 5] = _rbj(shape, f0, db, q, sr)
        # A band at 0 dB is skipped outright (bit-exact pass-through, no cost).
        state[_EQ_ON + i] = db != 0.0
    _remember(state, p)


def _setup_compressor(state: np.ndarray, sr: float, p: dict, fresh: bool) -> None:
    state[_CP_THR] = p["threshold_db"]
    state[_CP_RATIO] = p["ratio"]
    state[_CP_ATT] = 1.0 - math.exp(-1.0 / (p["attack_s"] * sr))
    state[_CP_REL] = 1.0 - math.exp(-1.0 / (p["release_s"] * sr))
    state[_CP_MAKEUP] = 10.0 ** (p["makeup_db"] / 20.0)
    state[_CP_KNEE] = p["knee_db"]
    if fresh:
        state[_CP_GA] = 1.0
    _remember(state, p)


def _setup_saturation(state: np.ndarray, sr: float, p: dict, fresh: bool) -> None:
    state[_ST_DRIVE] = 10.0 ** (p["drive_db"] / 20.0)
    state[_ST_OUT] = 10.0 ** (p["output_db"] / 20.0)
    state[E_WET] = p["mix"] / 100.0
    state[E_DRY] = 1.0 - p["mix"] / 100.0
    _remember(state, p)


_SETUP = {
    "reverb": _setup_reverb,
    "tape_delay": _setup_tape_delay,
    "chorus": _setup_chorus,
    "filter": _setup_filter,
    "eq": _setup_eq,
    "compressor": _setup_compressor,
    "saturation": _setup_saturation,
}


def process(state: np.ndarray, audio: np.ndarray, block_frames: int | None = None) -> np.ndarray:
    """Run an effect over a stereo array (notebooks, tests); returns a processed copy.

    Parameters
    ----------
    state : ndarray
        Effect state from :func:`make_effect` (advanced in place).
    audio : ndarray, shape (n, 2)
        Input frames.
    block_frames : int, optional
        Process in blocks of this many frames (the output is identical for any value).

    Returns
    -------
    ndarray, shape (n, 2), float64
    """
    x = np.asarray(audio, dtype=np.float64)
    left = np.ascontiguousarray(x[:, 0])
    right = np.ascontiguousarray(x[:, 1])
    n = left.shape[0]
    step = n if block_frames is None else max(1, int(block_frames))
    for a in range(0, n, step):
        effect_process(left, right, a, min(n, a + step), state)
    return np.stack([left, right], axis=1)
