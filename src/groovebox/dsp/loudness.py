"""Streaming loudness meter: ITU-R BS.1770-4 and EBU R 128 (Tech 3341 / Tech 3342).

Measures, over blocks of any size, with a result that does not depend on how the audio was cut:

- **integrated loudness** (LUFS): K-weighted mean square over 400 ms gating blocks that overlap
  by 75 %, gated at -70 LUFS (absolute) and 10 LU below the absolute-gated level (relative);
- **momentary** (400 ms) and **short-term** (3 s) loudness, evaluated every 100 ms (maxima);
- **loudness range** (LU, EBU Tech 3342): the 10th to 95th percentile of the short-term values
  that pass a -70 LUFS absolute and a -20 LU relative gate;
- **true peak** (dBTP): 4x oversampling with the 48-tap polyphase FIR of BS.1770-4 Annex 2.

How it streams. The K-weighted, channel-weighted energy is summed per 100 ms sub-block
(sub-block ``k`` covers samples ``k*fs//10`` up to ``(k+1)*fs//10``, so rates that are not a
multiple of 10 Hz work too). A 400 ms gating block is four consecutive sub-blocks and a 3 s
short-term window thirty, so the meter keeps the last thirty sub-block sums and appends one
float64 per 100 ms to each of two histories (gating blocks and short-term values): 160 bytes a
second, about 0.6 MB per hour of audio. The gates need every block of the programme, and
storing them keeps the result exact (no histogram rounding) while memory stays small.

The K-weighting filters are derived for any sample rate from the 48 kHz coefficients that
BS.1770-4 tabulates (Tables 1 and 2): each table biquad is read as a bilinear-transformed
analogue section (shelf: centre frequency, Q and two gains; high-pass: corner and Q) and then
re-discretised at the new rate with the bilinear transform pre-warped at that frequency. At
48 kHz this reproduces the tables.

Channel weights follow BS.1770-4 for up to five channels in the order L, R, C, Ls, Rs (1.0 for
the front channels, 1.41 for the surrounds; no LFE). A mono signal is one channel: a 0 dBFS
997 Hz sine in it measures -3.01 LUFS.

Everything numeric runs in ``@njit(cache=True)`` kernels (names starting with ``_``) behind the
validated :class:`Meter` and :func:`measure`. Importing this module compiles nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from groovebox import checks
from groovebox.errors import GrooveboxError

# BS.1770-4 Table 1 (pre-filter, a high shelf) and Table 2 (RLB high-pass) at 48 kHz:
# (b0, b1, b2, a1, a2) with a0 = 1.
_SHELF_48K = (1.53512485958697, -2.69169618940638, 1.19839281085285,
              -1.69065929318241, 0.73248077421585)
_HIGHPASS_48K = (1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621)

# BS.1770-4 Annex 2: the order-48, 4-phase FIR interpolator for 4x oversampling, one row per
# phase, 12 taps each (a published table, transcribed).
TRUE_PEAK_FIR = np.array([
    [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
     0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
     0.0148925781250, -0.0083007812500],
    [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
     0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
     0.0330810546875, -0.0189208984375],
    [-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125,
     0.7797851562500, 0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000,
     0.0292968750000, -0.0291748046875],
    [-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750,
     0.9721679687500, 0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125,
     0.0109863281250, 0.0017089843750],
])
TP_TAPS = 12
TP_HIST = TP_TAPS - 1
# No phase output can exceed the largest |input| in its support by more than this factor, so a
# stretch whose sample peak times TP_GAIN_BOUND is below the running true peak needs no filtering.
TP_GAIN_BOUND = float(np.abs(TRUE_PEAK_FIR).sum(axis=1).max())
# Half sums and half differences of mirrored taps of phases 0 and 1 (see _fir_peak).
_EVEN = ((TRUE_PEAK_FIR[:2, :6] + TRUE_PEAK_FIR[:2, :5:-1]) / 2).astype(np.float32)
_ODD = ((TRUE_PEAK_FIR[:2, :6] - TRUE_PEAK_FIR[:2, :5:-1]) / 2).astype(np.float32)
_TP_CHUNK = 1024

LOUDNESS_OFFSET_DB = -0.691  # BS.1770-4 eq. 2: a 997 Hz sine at 0 dBFS in one channel is -3.01
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
LRA_LOW_PERCENTILE, LRA_HIGH_PERCENTILE = 10.0, 95.0
SUBBLOCKS_PER_S = 10  # 100 ms hop for gating blocks, momentary and short-term values
MOMENTARY_SUBBLOCKS = 4  # 400 ms
SHORT_TERM_SUBBLOCKS = 30  # 3 s
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L, R, C, Ls, Rs

# istate layout
_I_POS, _I_SUB, _I_SUBLEN, _I_NBLK, _I_NST, _I_RATE = range(6)


def _analogue_section(b0, b1, b2, a1, a2, sample_rate):
    """Read a bilinear biquad as (f0_hz, q, gain_hi, gain_band, b_rest): with K = tan(pi f0/fs),
    a0 = 1 + K/Q + K^2, the denominator is (1, 2(K^2-1)/a0, (1-K/Q+K^2)/a0) and the numerator
    (Vh + Vb K/Q + K^2, 2(K^2 - Vh), Vh - Vb K/Q + K^2)/a0 for a shelf."""
    k2 = (1.0 + a1 + a2) / (1.0 - a1 + a2)
    k = math.sqrt(k2)
    a0 = 4.0 / (1.0 - a1 + a2)
    k_over_q = (1.0 - a2) * a0 / 2.0
    f0 = sample_rate * math.atan(k) / math.pi
    q = k / k_over_q
    vh = k2 - b1 * a0 / 2.0
    vb = (b0 - b2) * a0 / 2.0 / k_over_q
    return f0, q, vh, vb


def k_weighting_coefficients(sample_rate: int) -> np.ndarray:
    """K-weighting biquads for ``sample_rate``.

    Parameters
    ----------
    sample_rate : int
        Hz, 8000..384000.

    Returns
    -------
    ndarray float64, shape (2, 5)
        ``(b0, b1, b2, a1, a2)`` of the shelf (row 0) and the high-pass (row 1), a0 = 1. At
        48 kHz these are BS.1770-4 Tables 1 and 2.
    """
    fs = check_sample_rate(sample_rate)
    out = np.zeros((2, 5))
    f0, q, vh, vb = _analogue_section(*_SHELF_48K, 48000.0)
    k = math.tan(math.pi * f0 / fs)
    a0 = 1.0 + k / q + k * k
    out[0] = ((vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
              2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0)
    f0, q, _, _ = _analogue_section(*_HIGHPASS_48K, 48000.0)
    # The table's numerator (1, -2, 1) is a unity-gain bilinear high-pass times a0 at 48 kHz
    # (+0.04 dB); keep that gain, not the numerator, so the curve stays the same at any rate.
    gain = 4.0 / (1.0 - _HIGHPASS_48K[3] + _HIGHPASS_48K[4])
    k = math.tan(math.pi * f0 / fs)
    a0 = 1.0 + k / q + k * k
    g = gain / a0
    out[1] = (g, -2.0 * g, g, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0)
    return out


# -- kernels -----------------------------------------------------------------------------------
# FMA contraction and NaN-free max reductions (inputs are checked finite) let these loops run
# faster or vectorise; no reassociation, so every value is computed the same way wherever a
# block boundary falls.
_FAST = {"contract", "nnan", "ninf", "nsz"}


@njit(cache=True, fastmath=_FAST)
def _kweight_energy(x, c, start, m, coef, zi, acc, buf, boff):
    """Add the squares of K-weighted x[start:start+m, c] to acc[c], advancing zi[c]; also copy
    the samples to buf[c, boff:boff+m] for the true-peak filter. Direct form I, so each output
    waits on one multiply-add of the previous one. One running sum per channel, added to in
    sample order, so where blocks split makes no difference to the total."""
    b0, b1, b2, a1, a2 = coef[0, 0], coef[0, 1], coef[0, 2], coef[0, 3], coef[0, 4]
    c1, c2 = coef[1, 3], coef[1, 4]
    x1, x2, y1, y2, w1, w2 = zi[c, 0], zi[c, 1], zi[c, 2], zi[c, 3], zi[c, 4], zi[c, 5]
    s = acc[c]
    for i in range(m):
        u = x[start + i, c]
        buf[c, boff + i] = u
        u = float(u)
        y = b0 * u + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1
        w = y - 2.0 * y1 + y2 - c2 * w2 - c1 * w1  # high-pass numerator is (1, -2, 1)
        x2, x1, y2, y1, w2, w1 = x1, u, y1, y, w1, w
        s += w * w
    zi[c, 0], zi[c, 1], zi[c, 2], zi[c, 3], zi[c, 4], zi[c, 5] = x1, x2, y1, y2, w1, w2
    acc[c] = s


@njit(cache=True, fastmath=_FAST)
def _kweight_energy2(x, start, m, coef, zi, acc, buf, boff):
    """:func:`_kweight_energy` for both channels of a stereo block at once: two independent
    recursions overlap in the CPU."""
    b0, b1, b2, a1, a2 = coef[0, 0], coef[0, 1], coef[0, 2], coef[0, 3], coef[0, 4]
    c1, c2 = coef[1, 3], coef[1, 4]
    ax1, ax2, ay1, ay2, aw1, aw2 = zi[0, 0], zi[0, 1], zi[0, 2], zi[0, 3], zi[0, 4], zi[0, 5]
    bx1, bx2, by1, by2, bw1, bw2 = zi[1, 0], zi[1, 1], zi[1, 2], zi[1, 3], zi[1, 4], zi[1, 5]
    acc_a = acc[0]
    acc_b = acc[1]
    for i in range(m):
        u = x[start + i, 0]
        v = x[start + i, 1]
        buf[0, boff + i] = u
        buf[1, boff + i] = v
        u = float(u)
        v = float(v)
        ya = b0 * u + b1 * ax1 + b2 * ax2 - a2 * ay2 - a1 * ay1
        yb = b0 * v + b1 * bx1 + b2 * bx2 - a2 * by2 - a1 * by1
        wa = ya - 2.0 * ay1 + ay2 - c2 * aw2 - c1 * aw1
        wb = yb - 2.0 * by1 + by2 - c2 * bw2 - c1 * bw1
        ax2, ax1, ay2, ay1, aw2, aw1 = ax1, u, ay1, ya, aw1, wa
        bx2, bx1, by2, by1, bw2, bw1 = bx1, v, by1, yb, bw1, wb
        acc_a += wa * wa
        acc_b += wb * wb
    zi[0, 0], zi[0, 1], zi[0, 2], zi[0, 3], zi[0, 4], zi[0, 5] = ax1, ax2, ay1, ay2, aw1, aw2
    zi[1, 0], zi[1, 1], zi[1, 2], zi[1, 3], zi[1, 4], zi[1, 5] = bx1, bx2, by1, by2, bw1, bw2
    acc[0] = acc_a
    acc[1] = acc_b


@njit(cache=True)
def _end_subblock(acc, weights, ring_e, ring_n, istate, blocks, shorts):
    """Close the 100 ms sub-block just filled (channel sums ``acc``, BS.1770 ``weights``):
    append a gating-block energy (from the 4th sub-block on) and a short-term energy (from the
    30th on), start the next sub-block."""
    k = istate[_I_SUB]
    sublen = istate[_I_SUBLEN]
    slot = k % SHORT_TERM_SUBBLOCKS
    e = 0.0
    for c in range(acc.shape[0]):
        e += weights[c] * acc[c]
        acc[c] = 0.0
    ring_e[slot] = e
    ring_n[slot] = sublen
    k += 1
    if k >= MOMENTARY_SUBBLOCKS:
        e = 0.0
        cnt = 0
        for j in range(k - MOMENTARY_SUBBLOCKS, k):
            e += ring_e[j % SHORT_TERM_SUBBLOCKS]
            cnt += ring_n[j % SHORT_TERM_SUBBLOCKS]
        blocks[istate[_I_NBLK]] = e / cnt
        istate[_I_NBLK] += 1
    if k >= SHORT_TERM_SUBBLOCKS:
        e = 0.0
        cnt = 0
        for j in range(SHORT_TERM_SUBBLOCKS):
            e += ring_e[j]
            cnt += ring_n[j]
        shorts[istate[_I_NST]] = e / cnt
        istate[_I_NST] += 1
    rate = istate[_I_RATE]
    istate[_I_SUB] = k
    istate[_I_SUBLEN] = ((k + 1) * rate) // SUBBLOCKS_PER_S - (k * rate) // SUBBLOCKS_PER_S
    istate[_I_POS] = 0


@njit(cache=True, fastmath=_FAST)
def _fir_peak(row, m, acc):
    """Largest |phase output| of the Annex 2 interpolator for inputs row[TP_HIST : TP_HIST+m]
    (row[:TP_HIST] is the history before them); ``acc`` (>= m) is scratch.

    The table is symmetric (phase 3 is phase 0 reversed, phase 2 is phase 1 reversed), so with
    s_k = x[i-k] + x[i-11+k] and d_k = x[i-k] - x[i-11+k] (k < 6), phases 0 and 3 are A + B
    and A - B for A = sum e_k s_k, B = sum o_k d_k (e, o: half sums and differences of mirrored
    taps), and max(|A + B|, |A - B|) = |A| + |B|: 24 multiply-adds a sample instead of 48.
    The twelve shifted views let the loop over samples vectorise.
    """
    x0, x1, x2, x3 = row[11:11 + m], row[10:10 + m], row[9:9 + m], row[8:8 + m]
    x4, x5, x6, x7 = row[7:7 + m], row[6:6 + m], row[5:5 + m], row[4:4 + m]
    x8, x9, x10, x11 = row[3:3 + m], row[2:2 + m], row[1:1 + m], row[0:m]
    e0, e1, e2, e3, e4, e5 = _EVEN[0, 0], _EVEN[0, 1], _EVEN[0, 2], _EVEN[0, 3], _EVEN[0, 4], _EVEN[0, 5]
    o0, o1, o2, o3, o4, o5 = _ODD[0, 0], _ODD[0, 1], _ODD[0, 2], _ODD[0, 3], _ODD[0, 4], _ODD[0, 5]
    f0, f1, f2, f3, f4, f5 = _EVEN[1, 0], _EVEN[1, 1], _EVEN[1, 2], _EVEN[1, 3], _EVEN[1, 4], _EVEN[1, 5]
    q0, q1, q2, q3, q4, q5 = _ODD[1, 0], _ODD[1, 1], _ODD[1, 2], _ODD[1, 3], _ODD[1, 4], _ODD[1, 5]
    for i in range(m):
        s0, d0 = x0[i] + x11[i], x0[i] - x11[i]
        s1, d1 = x1[i] + x10[i], x1[i] - x10[i]
        s2, d2 = x2[i] + x9[i], x2[i] - x9[i]
        s3, d3 = x3[i] + x8[i], x3[i] - x8[i]
        s4, d4 = x4[i] + x7[i], x4[i] - x7[i]
        s5, d5 = x5[i] + x6[i], x5[i] - x6[i]
        a = e0 * s0 + e1 * s1 + e2 * s2 + e3 * s3 + e4 * s4 + e5 * s5
        b = o0 * d0 + o1 * d1 + o2 * d2 + o3 * d3 + o4 * d4 + o5 * d5
        c = f0 * s0 + f1 * s1 + f2 * s2 + f3 * s3 + f4 * s4 + f5 * s5
        d = q0 * d0 + q1 * d1 + q2 * d2 + q3 * d3 + q4 * d4 + q5 * d5
        acc[i] = max(abs(a) + abs(b), abs(c) + abs(d))
    top = np.float32(0.0)
    for i in range(m):
        top = max(top, acc[i])
    return top


@njit(cache=True, fastmath=_FAST)
def _chunk_peak(row, m, top):
    """Per-channel true-peak maximum after the chunk row[TP_HIST : TP_HIST+m]. The sample peak
    counts too (the waveform passes through its samples; the Annex 2 phases fall between
    them). When the chunk's sample peak times TP_GAIN_BOUND cannot beat ``top`` the filter is
    skipped: the answer is the same as filtering, whatever the block sizes."""
    pk = np.float32(0.0)
    for i in range(TP_HIST + m):
        pk = max(pk, abs(row[i]))
    top = max(top, pk)
    if pk * TP_GAIN_BOUND > top:
        top = max(top, _fir_peak(row, m, row[TP_HIST + m:]))
    return top


@njit(cache=True)
def _meter_feed(x, coef, weights, zi, acc, ring_e, ring_n, istate, blocks, shorts, hist, buf, peak):
    """Feed ``x`` (frames, channels) to the meter.

    Works in chunks of up to ``(buf.shape[1] - TP_HIST) // 2`` frames: the K-weighting pass
    (split at 100 ms sub-block ends, see :func:`_end_subblock`) also copies each channel into
    ``buf[c, TP_HIST:]`` behind its history ``hist[c]``, then the true-peak pass reads it (the
    second half of each ``buf`` row is the filter's scratch). The caller guarantees room for
    ``x.shape[0] // (rate // 10) + 1`` more values in ``blocks`` and ``shorts``.
    """
    n = x.shape[0]
    nch = x.shape[1]
    chunk = (buf.shape[1] - TP_HIST) // 2
    done = 0
    while done < n:
        m = min(n - done, chunk)
        for c in range(nch):
            for j in range(TP_HIST):
                buf[c, j] = hist[c, j]
        j = 0
        while j < m:
            seg = min(m - j, istate[_I_SUBLEN] - istate[_I_POS])
            if nch == 2:
                _kweight_energy2(x, done + j, seg, coef, zi, acc, buf, TP_HIST + j)
            else:
                for c in range(nch):
                    _kweight_energy(x, c, done + j, seg, coef, zi, acc, buf, TP_HIST + j)
            istate[_I_POS] += seg
            j += seg
            if istate[_I_POS] == istate[_I_SUBLEN]:
                _end_subblock(acc, weights, ring_e, ring_n, istate, blocks, shorts)
        for c in range(nch):
            row = buf[c]
            peak[c] = _chunk_peak(row, m, peak[c])
            for j in range(TP_HIST):
                hist[c, j] = row[m + j]
        done += m


@njit(cache=True)
def _true_peak_tail(hist, peak):
    """Per-channel true peak including the interpolated points after the last sample (the
    input followed by silence); leaves the state alone."""
    nch = hist.shape[0]
    out = peak.copy()
    buf = np.zeros(2 * TP_HIST + 1, np.float32)
    acc = np.zeros(TP_HIST, np.float32)
    for c in range(nch):
        for j in range(TP_HIST):
            buf[j] = hist[c, j]
        for j in range(TP_HIST, buf.shape[0]):
            buf[j] = 0.0
        t = _fir_peak(buf, TP_HIST, acc)
        if t > out[c]:
            out[c] = t
    return out


@njit(cache=True)
def _passes(e, gate, strict):
    return e > gate if strict else e >= gate


@njit(cache=True)
def _gated_mean(energies, n, relative_lu, strict):
    """(mean, relative gate) of energies[:n] over the values above the absolute gate and
    ``relative_lu`` below the absolute-gated mean. ``strict``: '>' as BS.1770-4 eq. 7, else
    '>=' as the Tech 3342 reference code. The mean is 0 when nothing passes. Gates compare
    energies, not logs: l > g  <=>  e > 10^((g + 0.691) / 10)."""
    gate_a = 10.0 ** ((ABSOLUTE_GATE_LUFS - LOUDNESS_OFFSET_DB) / 10.0)
    s = 0.0
    cnt = 0
    for j in range(n):
        if _passes(energies[j], gate_a, strict):
            s += energies[j]
            cnt += 1
    if cnt == 0:
        return 0.0, gate_a
    gate_r = s / cnt * 10.0 ** (relative_lu / 10.0)
    s = 0.0
    cnt = 0
    for j in range(n):
        e = energies[j]
        if _passes(e, gate_r, strict) and _passes(e, gate_a, strict):
            s += e
            cnt += 1
    if cnt == 0:
        return 0.0, gate_r
    return s / cnt, gate_r


@njit(cache=True)
def _loudness_range(shorts, n):
    """EBU Tech 3342 loudness range (LU) of the short-term energies shorts[:n]: nearest-rank
    10th and 95th percentiles (as the reference MATLAB code) of the values passing the gates.
    0.0 when none pass."""
    _, gate_r = _gated_mean(shorts, n, LRA_RELATIVE_GATE_LU, False)
    gate_a = 10.0 ** ((ABSOLUTE_GATE_LUFS - LOUDNESS_OFFSET_DB) / 10.0)
    kept = np.empty(n)
    cnt = 0
    for j in range(n):
        e = shorts[j]
        if e >= gate_r and e >= gate_a:
            kept[cnt] = e
            cnt += 1
    if cnt == 0:
        return 0.0
    v = np.sort(kept[:cnt])
    lo = v[int(math.floor((cnt - 1) * LRA_LOW_PERCENTILE / 100.0 + 0.5))]
    hi = v[int(math.floor((cnt - 1) * LRA_HIGH_PERCENTILE / 100.0 + 0.5))]
    return 10.0 * math.log10(hi / lo)


# -- public values and wrappers ------------------------------------------------------------------
def _lufs(energy: float) -> float:
    """Loudness of a mean-square energy; -inf for 0 (never a division by zero)."""
    return LOUDNESS_OFFSET_DB + 10.0 * math.log10(energy) if energy > 0.0 else -math.inf


def _dbtp(peak: float) -> float:
    return 20.0 * math.log10(peak) if peak > 0.0 else -math.inf


@dataclass(frozen=True)
class Loudness:
    """What a loudness meter read.

    Attributes
    ----------
    integrated_lufs : float
        Gated programme loudness. ``-inf`` when no 400 ms block passes the -70 LUFS gate
        (silence, too quiet, or shorter than 400 ms): nothing to normalise.
    lra_lu : float
        Loudness range (EBU Tech 3342); 0.0 when no 3 s window passes the gates (shorter
        than 3 s, or silent).
    max_momentary_lufs : float
        Largest 400 ms loudness (``-inf`` when shorter than 400 ms or silent).
    max_short_term_lufs : float
        Largest 3 s loudness (``-inf`` when shorter than 3 s or silent).
    true_peak_dbtp : float
        Largest 4x-oversampled sample magnitude over all channels, dB re full scale
        (``-inf`` for digital silence).
    """

    integrated_lufs: float
    lra_lu: float
    max_momentary_lufs: float
    max_short_term_lufs: float
    true_peak_dbtp: float

    @property
    def measurable(self) -> bool:
        """True when the integrated loudness is finite (something passed the gates)."""
        return math.isfinite(self.integrated_lufs)

    def gain_db_to(self, target_lufs: float) -> float:
        """Gain (dB) that brings this programme to ``target_lufs``.

        Raises
        ------
        GrooveboxError
            When the integrated loudness is -inf (there is no finite gain for silence).
        """
        if not self.measurable:
            raise GrooveboxError(
                "integrated loudness is -inf: the audio is silent or below the -70 LUFS gate")
        return float(target_lufs) - self.integrated_lufs

    def as_dict(self) -> dict:
        """The fields as a dict, with ``-inf`` as ``None`` (JSON has no infinity)."""
        return {k: (v if math.isfinite(v) else None) for k, v in self.__dict__.items()}


def check_sample_rate(sample_rate) -> int:
    """``sample_rate`` as an int in 8000..384000 Hz, or a one-line GrooveboxError."""
    return checks.sample_rate(sample_rate)


def check_channels(channels) -> int:
    """``channels`` as an int in 1..5 (L, R, C, Ls, Rs), or a one-line GrooveboxError."""
    if isinstance(channels, bool) or not isinstance(channels, int | np.integer) \
            or not 1 <= channels <= len(CHANNEL_WEIGHTS):
        raise GrooveboxError(f"channels: expected 1..{len(CHANNEL_WEIGHTS)} "
                             f"(L, R, C, Ls, Rs), got {channels!r}")
    return int(channels)


def as_frames(samples, channels: int, what: str = "samples") -> np.ndarray:
    """``samples`` as a (frames, channels) float32/float64 array, or a GrooveboxError.

    A 1-D array is one channel. Integer PCM is not accepted (scale it to [-1, 1] first).
    NaN and infinity are refused: they have no loudness.
    """
    x = np.asarray(samples)
    if x.dtype not in (np.float32, np.float64):
        if x.dtype.kind in "iub":
            raise GrooveboxError(f"{what}: expected float samples in [-1, 1], got {x.dtype} "
                                 f"(divide integer PCM by its full scale first)")
        raise GrooveboxError(f"{what}: expected an array of float samples, got {x.dtype}")
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != channels:
        raise GrooveboxError(f"{what}: expected shape (frames, {channels}), got {np.shape(samples)}")
    if x.shape[0] and not (np.isfinite(x.max()) and np.isfinite(x.min())):
        raise GrooveboxError(f"{what}: contains NaN or infinite values")
    return np.ascontiguousarray(x)


class Meter:
    """A streaming BS.1770-4 / EBU R 128 loudness and true-peak meter.

    Feed it blocks of any size; :meth:`result` reads the whole programme so far. Feeding a
    signal in one call or in pieces of any sizes gives the same result.

    Parameters
    ----------
    sample_rate : int
        Hz, 8000..384000.
    channels : int
        1..5, in the order L, R, C, Ls, Rs (1 = mono).

    Notes
    -----
    Memory grows by 160 bytes per second of audio (one gating-block and one short-term value
    per 100 ms; about 0.6 MB per hour); everything else is fixed.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(48000 * 5) / 48000
    >>> tone = np.repeat((10 ** (-23 / 20) * np.sin(2 * np.pi * 1000 * t))[:, None], 2, axis=1)
    >>> m = Meter(48000, 2)
    >>> for block in np.array_split(tone, 7):
    ...     m.feed(block)
    >>> round(m.result().integrated_lufs, 1)
    -23.0
    """

    def __init__(self, sample_rate: int = 48000, channels: int = 2):
        self.sample_rate = check_sample_rate(sample_rate)
        self.channels = check_channels(channels)
        coef = k_weighting_coefficients(self.sample_rate)
        # the kernels take the high-pass numerator as (1, -2, 1): fold its gain into the shelf's
        coef[0, :3] *= coef[1, 0]
        coef[1, :3] /= coef[1, 0]
        self._coef = coef
        self._weights = np.array(CHANNEL_WEIGHTS[: self.channels])
        self._zi = np.zeros((self.channels, 6))
        self._acc = np.zeros(self.channels)
        self._ring_e = np.zeros(SHORT_TERM_SUBBLOCKS)
        self._ring_n = np.zeros(SHORT_TERM_SUBBLOCKS, np.int64)
        self._istate = np.zeros(6, np.int64)
        self._istate[_I_RATE] = self.sample_rate
        self._istate[_I_SUBLEN] = self.sample_rate // SUBBLOCKS_PER_S
        self._blocks = np.zeros(64)
        self._shorts = np.zeros(64)
        self._hist = np.zeros((self.channels, TP_HIST), np.float32)
        self._buf = np.zeros((self.channels, TP_HIST + 2 * _TP_CHUNK), np.float32)
        self._peak = np.zeros(self.channels, np.float32)
        self.frames = 0

    def feed(self, block) -> None:
        """Measure the next ``block`` of samples.

        Parameters
        ----------
        block : array_like float32 or float64, shape (frames, channels) or (frames,) for mono
            Samples at full scale 1.0.

        Raises
        ------
        GrooveboxError
            For a block of the wrong shape or type, or with NaN/Inf (the meter is unchanged).
        """
        x = as_frames(block, self.channels, "block")
        n = x.shape[0]
        if n == 0:
            return
        need = int(self._istate[_I_NBLK]) + n // (self.sample_rate // SUBBLOCKS_PER_S) + 2
        if need > self._blocks.shape[0]:
            size = max(need, 2 * self._blocks.shape[0])
            self._blocks = np.concatenate([self._blocks, np.zeros(size - self._blocks.shape[0])])
            self._shorts = np.concatenate([self._shorts, np.zeros(size - self._shorts.shape[0])])
        _meter_feed(x, self._coef, self._weights, self._zi, self._acc, self._ring_e, self._ring_n,
                    self._istate, self._blocks, self._shorts, self._hist, self._buf, self._peak)
        self.frames += n

    @property
    def duration_s(self) -> float:
        """Seconds measured so far."""
        return self.frames / self.sample_rate

    def result(self) -> Loudness:
        """The programme's loudness so far (the meter keeps running)."""
        nb = int(self._istate[_I_NBLK])
        ns = int(self._istate[_I_NST])
        blocks = self._blocks[:nb]
        shorts = self._shorts[:ns]
        mean, _ = _gated_mean(self._blocks, nb, RELATIVE_GATE_LU, True)
        peak = float(_true_peak_tail(self._hist, self._peak).max())
        return Loudness(
            integrated_lufs=_lufs(mean),
            lra_lu=float(_loudness_range(self._shorts, ns)) if ns else 0.0,
            max_momentary_lufs=_lufs(float(blocks.max())) if nb else -math.inf,
            max_short_term_lufs=_lufs(float(shorts.max())) if ns else -math.inf,
            true_peak_dbtp=_dbtp(peak),
        )

    def momentary_lufs(self) -> np.ndarray:
        """Every momentary (400 ms) loudness so far, one per 100 ms, in LUFS (-inf for silence)."""
        with np.errstate(divide="ignore"):
            return LOUDNESS_OFFSET_DB + 10.0 * np.log10(self._blocks[: int(self._istate[_I_NBLK])])

    def short_term_lufs(self) -> np.ndarray:
        """Every short-term (3 s) loudness so far, one per 100 ms, in LUFS (-inf for silence)."""
        with np.errstate(divide="ignore"):
            return LOUDNESS_OFFSET_DB + 10.0 * np.log10(self._shorts[: int(self._istate[_I_NST])])


def measure(samples, sample_rate: int = 48000) -> Loudness:
    """Loudness, loudness range and true peak of a whole signal in memory.

    Parameters
    ----------
    samples : array_like float, shape (frames, channels) or (frames,)
        1..5 channels (L, R, C, Ls, Rs), full scale 1.0.
    sample_rate : int
        Hz.

    Returns
    -------
    Loudness
    """
    x = np.asarray(samples)
    channels = 1 if x.ndim == 1 else (x.shape[1] if x.ndim == 2 else 0)
    if channels == 0:
        raise GrooveboxError(f"samples: expected shape (frames, channels) or (frames,), got {x.shape}")
    meter = Meter(sample_rate, check_channels(channels))
    meter.feed(x)
    return meter.result()
