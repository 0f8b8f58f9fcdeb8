"""Mixer kernels: gather engine tracks into strips, automation lanes, faders, sends, a swept filter.

Everything here is a function of absolute sample positions and caller-owned state, so a mix
rendered in blocks of any size is the same mix. Buffers are ``(2, n)`` float32 (left, right);
lanes are breakpoints (sample, value, shape) evaluated per sample.

Lane shapes: ``LINEAR``; ``EXP`` (geometric between two positive values: even octaves for a
cutoff; an ease-in x**2 otherwise); ``SMOOTH`` (smoothstep); ``STEP`` (hold, then jump at the
next point). Before the first point a lane holds its first value, after the last its last; at a
point's own sample the value is exactly that point's value.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from groovebox.dsp.filters import LOWPASS, svf_coefficients, svf_stereo

LINEAR, EXP, SMOOTH, STEP = 0, 1, 2, 3
SHAPES = {"linear": LINEAR, "exp": EXP, "smooth": SMOOTH, "step": STEP}
SWEEP_CHUNK = 32  # the swept filter takes a new cutoff every 32 samples of the timeline
SWEEP_Q = 0.9
SWEEP_OPEN_HZ = 20000.0  # a cutoff at the top of the range (or at 0.45 of the rate) is open


@njit(cache=True, inline="always")
def _lane_value(s, j, times, values, shapes):
    """The lane's value at sample ``s``, ``j`` the last point at or before it (-1: none)."""
    n = times.shape[0]
    if j < 0:
        return values[0]
    if j >= n - 1:
        return values[n - 1]
    t0 = times[j]
    t1 = times[j + 1]
    v0 = values[j]
    v1 = values[j + 1]
    shape = shapes[j]
    if shape == STEP or t1 <= t0:
        return v0
    x = (s - t0) / (t1 - t0)
    if shape == EXP:
        if v0 > 0.0 and v1 > 0.0:
            return v0 * math.exp(math.log(v1 / v0) * x)
        return v0 + (v1 - v0) * x * x
    if shape == SMOOTH:
        return v0 + (v1 - v0) * (x * x * (3.0 - 2.0 * x))
    return v0 + (v1 - v0) * x


@njit(cache=True)
def lane_fill(pos, m, times, values, shapes, out):
    """Write the lane's value at samples ``pos .. pos + m - 1`` into ``out[:m]``."""
    n = times.shape[0]
    j = np.searchsorted(times, pos, side="right") - 1
    for k in range(m):
        s = pos + k
        while j + 1 < n and times[j + 1] <= s:
            j += 1
        out[k] = _lane_value(s, j, times, values, shapes)


@njit(cache=True)
def lane_at(s, times, values, shapes):
    """The lane's value at sample ``s`` (what :func:`lane_fill` writes there)."""
    return _lane_value(s, np.searchsorted(times, s, side="right") - 1, times, values, shapes)


@njit(cache=True)
def gather(track_buf, track_used, slots, gain_l, gain_r, stereo, out, m, consume):
    """Sum engine tracks ``slots`` (each with its own left/right gain) into ``out`` (2, m).

    With ``consume`` the tracks' buffers are zeroed and their used flags cleared (the engine's
    mixing stage does that for tracks it mixes); without, they are only read (a sidechain key).
    Returns how many of the tracks played (0: ``out`` is silence).
    """
    ol = out[0]
    orr = out[1]
    for k in range(m):
        ol[k] = 0.0
        orr[k] = 0.0
    played = 0
    for i in range(slots.shape[0]):
        t = slots[i]
        if track_used[t] == 0:
            continue
        played += 1
        b0 = track_buf[t, 0]
        b1 = track_buf[t, 1]
        gl = np.float32(gain_l[i])
        gr = np.float32(gain_r[i])
        if stereo[i] != 0:
            for k in range(m):
                ol[k] += gl * b0[k]
                orr[k] += gr * b1[k]
        else:
            for k in range(m):
                x = b0[k]
                ol[k] += gl * x
                orr[k] += gr * x
        if consume:
            for k in range(m):
                b0[k] = 0.0
                b1[k] = 0.0
            track_used[t] = 0
    return played


@njit(cache=True)
def swept_lowpass(buf, m, pos, cutoff, state, sample_rate):
    """Low-pass ``buf`` (2, m) in place with a per-sample cutoff lane ``cutoff[:m]``, taking a
    new cutoff at every multiple of SWEEP_CHUNK samples of the timeline. ``state``: 5 floats
    (two integrators per channel, the current chunk's cutoff). A cutoff at or above
    SWEEP_OPEN_HZ (or 0.45 of the sample rate) passes the signal untouched (and empties the
    filter's memory)."""
    left = buf[0]
    right = buf[1]
    open_hz = min(0.45 * sample_rate, SWEEP_OPEN_HZ)
    k = 0
    while k < m:
        off = (pos + k) % SWEEP_CHUNK
        n = min(m - k, SWEEP_CHUNK - off)
        if off == 0:
            state[4] = cutoff[k]
        fc = state[4]  # the lane's value where this chunk began (maybe in the block before)
        if fc >= open_hz:
            state[0] = 0.0
            state[1] = 0.0
            state[2] = 0.0
            state[3] = 0.0
        else:
            a1, a2, a3, kk = svf_coefficients(fc, SWEEP_Q, sample_rate)
            svf_stereo(left, right, k, k + n, state, 0, a1, a2, a3, kk, LOWPASS)
        k += n


@njit(cache=True)
def sweep_at_rest(state):
    """The swept filter's memory is empty: silence in gives silence out."""
    return state[0] == 0.0 and state[1] == 0.0 and state[2] == 0.0 and state[3] == 0.0


@njit(cache=True)
def nonzero_span(buf, m):
    """(first, last) sample of ``buf[:, :m]`` that is not zero, or (-1, -1)."""
    first = -1
    for k in range(m):
        if buf[0, k] != 0.0 or buf[1, k] != 0.0:
            first = k
            break
    if first < 0:
        return -1, -1
    last = first
    for k in range(m - 1, first, -1):
        if buf[0, k] != 0.0 or buf[1, k] != 0.0:
            last = k
            break
    return first, last


@njit(cache=True)
def zero_range(buf, start, stop):
    for c in range(buf.shape[0]):
        for k in range(start, stop):
            buf[c, k] = 0.0


@njit(cache=True)
def fader(buf, m, gain, pan, gain_lane, pan_lane, mute_lane, use_gain, use_pan, use_mute):
    """Scale ``buf`` (2, m) in place by a fader (dB) and a constant-power balance (-1..1).

    ``gain``/``pan`` are the static values; with ``use_gain``/``use_pan`` the lanes' per-sample
    values replace them; with ``use_mute`` the mute lane (0..1) multiplies the gain.
    """
    left = buf[0]
    right = buf[1]
    if not use_gain and not use_pan and not use_mute:
        a = (pan + 1.0) * math.pi / 4.0
        g = 10.0 ** (gain / 20.0) * math.sqrt(2.0)
        gl = np.float32(g * math.cos(a))
        gr = np.float32(g * math.sin(a))
        for k in range(m):
            left[k] *= gl
            right[k] *= gr
        return
    g_static = 10.0 ** (gain / 20.0) * math.sqrt(2.0)
    a_static = (pan + 1.0) * math.pi / 4.0
    c_static = math.cos(a_static)
    s_static = math.sin(a_static)
    for k in range(m):
        g = 10.0 ** (gain_lane[k] / 20.0) * math.sqrt(2.0) if use_gain else g_static
        if use_mute:
            g *= mute_lane[k]
        if use_pan:
            a = (pan_lane[k] + 1.0) * math.pi / 4.0
            c = math.cos(a)
            s = math.sin(a)
        else:
            c = c_static
            s = s_static
        left[k] *= np.float32(g * c)
        right[k] *= np.float32(g * s)


@njit(cache=True)
def add_into(dest, src, m, level, lane, use_lane):
    """``dest[:, :m] += level * src[:, :m]`` (or the lane's per-sample level)."""
    dl = dest[0]
    dr = dest[1]
    sl = src[0]
    sr = src[1]
    if use_lane:
        for k in range(m):
            g = np.float32(lane[k])
            dl[k] += g * sl[k]
            dr[k] += g * sr[k]
    elif level == 1.0:
        for k in range(m):
            dl[k] += sl[k]
            dr[k] += sr[k]
    else:
        g = np.float32(level)
        for k in range(m):
            dl[k] += g * sl[k]
            dr[k] += g * sr[k]


@njit(cache=True)
def glide_gain(buf, m, state, target, coeff):
    """Scale ``buf`` (2, m) by a gain gliding one pole toward ``target`` sample by sample
    (``state[0]``: the gain; it snaps to the target within 1e-6)."""
    g = state[0]
    left = buf[0]
    right = buf[1]
    for k in range(m):
        g += (target - g) * coeff
        if abs(g - target) < 1e-6:
            g = target
        left[k] *= np.float32(g)
        right[k] *= np.float32(g)
    state[0] = g


@njit(cache=True)
def zero(buf, m):
    for c in range(buf.shape[0]):
        for k in range(m):
            buf[c, k] = 0.0
