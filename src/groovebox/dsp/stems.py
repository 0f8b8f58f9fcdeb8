"""Stems from one render: copy tapped track signals out, send them through a room, check sums.

The engine leaves each track's post-fader block in ``track_out`` (tracks, 2, frames), and in
``track_live`` whether the track sounded, when it is tapped
(:meth:`groovebox.renderer.engine.Engine.tap_tracks`); these kernels move those
planar blocks into interleaved stem arrays (stems, frames, 2), make a track's send to an
effect bus the way the engine does (the same float32 products), and measure an item's stems
and mix in one pass.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def take_tracks(track_out, track_live, tracks, m, stems, pos):
    """``stems[j, pos:pos + m]`` = track ``tracks[j]``'s tapped block, interleaved (zeros
    when the track did not sound in this block)."""
    for j in range(tracks.shape[0]):
        t = tracks[j]
        dst = stems[j]
        if track_live[t] == 0:
            for k in range(m):
                dst[pos + k, 0] = 0.0
                dst[pos + k, 1] = 0.0
            continue
        src_l = track_out[t, 0]
        src_r = track_out[t, 1]
        for k in range(m):
            dst[pos + k, 0] = src_l[k]
            dst[pos + k, 1] = src_r[k]


@njit(cache=True)
def send_block(track_out, track_live, t, level, m, out):
    """``out[:, :m]`` = track ``t``'s tapped block times the send ``level``: float32 products,
    exactly what the engine adds to an empty bus for that track (zeros when it was silent)."""
    s = np.float32(level)
    if track_live[t] == 0 or s == 0.0:
        for k in range(m):
            out[0, k] = 0.0
            out[1, k] = 0.0
        return
    for k in range(m):
        out[0, k] = s * track_out[t, 0, k]
        out[1, k] = s * track_out[t, 1, k]


@njit(cache=True)
def add_block(stem, pos, src, m):
    """``stem[pos:pos + m] += src[:, :m]`` (planar into interleaved), as the engine adds a bus
    into the master."""
    for k in range(m):
        stem[pos + k, 0] += src[0, k]
        stem[pos + k, 1] += src[1, k]


CHUNK = 4096  # samples per pass of the sum check (the difference stays in the L1 cache)


@njit(cache=True)
def _peak_bits(x):
    """The largest ``|x|`` as float32 bits (sign cleared): an integer max that vectorises; above
    0x7F800000 means a NaN was there, 0x7F800000 an infinity."""
    xi = x.view(np.int32)
    best = np.int32(0)
    for i in range(xi.shape[0]):
        v = xi[i] & np.int32(0x7FFFFFFF)
        if v > best:
            best = v
    return best


@njit(cache=True)
def stem_peaks(mix, stems, n, peaks):
    """Peaks of the first ``n`` samples of flat float32 arrays: ``peaks[j]`` of ``stems[j]``,
    ``peaks[-2]`` of ``mix`` and ``peaks[-1]`` of ``mix`` minus every stem (float32, stem by
    stem: how far the stems are from adding up to the mix). A NaN anywhere makes its peak NaN.
    ``peaks`` (float64) has ``len(stems) + 2`` entries."""
    ns = stems.shape[0]
    bits = np.zeros(ns + 2, np.int32)
    for j in range(ns):
        bits[j] = _peak_bits(stems[j, :n])
    bits[ns] = _peak_bits(mix[:n])
    rest = np.empty(CHUNK, np.float32)
    for a in range(0, n, CHUNK):
        w = min(CHUNK, n - a)
        r = rest[:w]
        r[:] = mix[a : a + w]
        for j in range(ns):
            s = stems[j, a : a + w]
            for i in range(w):
                r[i] -= s[i]
        bits[ns + 1] = max(bits[ns + 1], _peak_bits(r))
    f = bits.view(np.float32)
    for j in range(ns + 2):
        peaks[j] = np.nan if bits[j] > np.int32(0x7F800000) else f[j]
