"""Float samples to packed little-endian PCM bytes, for the fast WAV writer.

Samples are scaled by 2**(bits-1), rounded to nearest and clipped to the integer range (the
convention libsndfile uses when it reads the file back as float); NaN becomes 0. Two simple
loops (scale into int32, then keep the low bytes) vectorise, where a byte-by-byte loop does not;
they run chunk by chunk so the int32 scratch stays in cache.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def _to_int(x, scale, q):
    xf = x.ravel()
    lo = -scale
    hi = scale - 1.0
    for i in range(xf.shape[0]):
        v = xf[i] * scale
        if v != v:
            v = 0.0
        v = min(max(v, lo), hi)
        q[i] = np.int32(np.rint(v))


CHUNK = 4096  # samples converted per pass: the int32 scratch of a pass stays in the L1 cache


@njit(cache=True)
def pack_pcm(x, width, q, out):
    """Pack ``x`` into ``out`` as ``width``-byte (2 or 3) little-endian PCM.

    Parameters
    ----------
    x : ndarray float32, shape (n_frames, channels), C-contiguous
    width : int
        Bytes per sample: 2 (16-bit) or 3 (24-bit).
    q : ndarray int32, shape (>= min(x.size, CHUNK),)
        Scratch.
    out : ndarray uint8, shape (>= width * x.size,)
        Destination bytes.
    """
    n = x.shape[0] * x.shape[1]
    xf = x.ravel()
    scale = 2.0 ** (8 * width - 1)
    for a in range(0, n, CHUNK):
        w = min(CHUNK, n - a)
        qa = q[:w]
        _to_int(xf[a : a + w], scale, qa)
        b = qa.view(np.uint8)
        o = out[width * a : width * (a + w)]
        if width == 3:
            for i in range(w):
                o[3 * i] = b[4 * i]
                o[3 * i + 1] = b[4 * i + 1]
                o[3 * i + 2] = b[4 * i + 2]
        else:
            for i in range(w):
                o[2 * i] = b[4 * i]
                o[2 * i + 1] = b[4 * i + 1]
