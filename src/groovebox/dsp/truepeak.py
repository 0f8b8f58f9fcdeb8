"""File mastering: one gain to a loudness target, then a look-ahead true-peak limiter.

Why one gain per file. Loudness normalisation only has to make a whole file play at the target
level (streaming services turn every track to about -14 LUFS anyway). A single gain, computed
from the file's integrated loudness (:mod:`groovebox.dsp.loudness`), does exactly that and
changes nothing else: the balance between a quiet intro and a loud chorus, between the kick and
the hats, stays what the mix made it. A normaliser that follows the loudness as it goes (an AGC)
would pump: it turns the hats up between kicks and down on every hit, and flattens the music's
dynamics. So the gain is fixed for the file, which needs the whole file's loudness first: two
passes, measure then apply (render twice, or read back a temporary float file).

Why a limiter after it. Raising a dynamic mix to -14 LUFS can push its peaks over full scale;
the true-peak limiter catches only those peaks, so the file stays at or below the ceiling
(default -1 dBTP, as EBU R 128 and the streaming services ask) measured with 4x oversampling.
It is transparent where it has nothing to do (a pure delay), and where it acts it does so
smoothly: a look-ahead (5 ms) lets the gain come down before the peak instead of clipping it,
and a release (50 ms) lets it back up without chopping low notes.

How the limiter works. Each sample's peak is estimated as the largest of the sample and the four
BS.1770-4 Annex 2 interpolated points after it (so inter-sample peaks count), aiming a little
under the ceiling (:data:`DETECTOR_MARGIN_DB`, 1 dB): four points per sample can miss the
top of a peak between them by a few tenths of a dB (measured: heavily limited white noise reads
0.4 dB higher through an 8x or 16x windowed-sinc interpolator than through Annex 2, and a
heavily limited acoustic drum loop 0.6 dB higher through scipy's 4x resampler). The gain each sample needs goes through a sliding minimum
over the look-ahead plus the interpolator's reach, an exponential release, then a moving average
over the look-ahead; the audio is delayed to match. The moving average only ever averages gains
that are already low enough for the samples around the peak they precede, so the gain is down
for the whole neighbourhood that sets an inter-sample peak, and the output keeps under the
ceiling. Streaming: the state lives in arrays, so blocks of any size give the same samples.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from groovebox import checks
from groovebox.dsp import jit
from groovebox.dsp.loudness import (
    METER_KERNELS,
    TP_GAIN_BOUND,
    TRUE_PEAK_FIR,
    Loudness,
    as_frames,
    check_channels,
    check_sample_rate,
    measure,
)
from groovebox.errors import GrooveboxError

DEFAULT_TARGET_LUFS = -14.0
DEFAULT_CEILING_DBTP = -1.0
TARGET_RANGE_LUFS = (-70.0, 0.0)
CEILING_RANGE_DBTP = (-20.0, 0.0)
LOOKAHEAD_S = 0.005
RELEASE_S = 0.05
DETECTOR_MARGIN_DB = 1.0
MASTER_TOLERANCE_LU = 0.1
MASTER_ITERATIONS = 4
_REACH = 6  # the interpolator's half support, in samples
_CHUNK = 512
_FIR = TRUE_PEAK_FIR.copy()

# fstate: [0] gain, [1] detector target, [2] release coefficient, [3] held gain,
#         [4] moving-average sum, [5] output clamp (the ceiling), [6] smallest gain applied
# istate: [0] L (average length), [1] W (min window), [2] delay write index, [3] average index,
#         [4] deque head, [5] deque size, [6] frames in, [7] frames at rest (gain 1, nothing
#         to limit), [8] D (delay = latency)
_F_GAIN, _F_TARGET, _F_REL, _F_HELD, _F_SUM, _F_CLAMP, _F_MIN = range(7)
_I_L, _I_W, _I_DW, _I_AW, _I_QH, _I_QS, _I_N, _I_REST, _I_D = range(9)


@njit(cache=True)
def _master(x, n, zero, out, fst, ist, buf, delay, window, q_idx, q_val):
    """Gain and limit ``n`` frames of ``x`` (frames, channels) into ``out`` (frames, channels),
    delayed by D frames: returns how many output frames were written (the first D frames of
    the stream produce none). With ``zero`` the input is taken as silence (to flush the delay)
    and ``x`` is not read.

    ``buf`` (channels, 11 + chunk) holds the gained input behind its last 11 samples for the
    interpolator; ``delay`` (channels, D) the gained input awaiting its gain; ``window`` (L,)
    the held gains being averaged; ``q_idx``/``q_val`` (W + 1,) a monotonic deque for the
    sliding minimum.
    """
    nch = buf.shape[0]
    chunk = buf.shape[1] - 11
    g = fst[_F_GAIN]
    target = fst[_F_TARGET]
    rel = fst[_F_REL]
    clamp = fst[_F_CLAMP]
    held = fst[_F_HELD]
    wsum = fst[_F_SUM]
    low = fst[_F_MIN]
    L = ist[_I_L]
    W = ist[_I_W]
    D = ist[_I_D]
    dw = ist[_I_DW]
    aw = ist[_I_AW]
    qh = ist[_I_QH]
    qs = ist[_I_QS]
    t_in = ist[_I_N]
    rest = ist[_I_REST]
    qn = q_idx.shape[0]
    written = 0
    done = 0
    while done < n:
        m = min(chunk, n - done)
        pk = 0.0
        for i in range(m):
            for c in range(nch):
                v = 0.0 if zero else g * x[done + i, c]
                buf[c, 11 + i] = v
                if abs(v) > pk:
                    pk = abs(v)
        for c in range(nch):
            for j in range(11):
                if abs(buf[c, j]) > pk:
                    pk = abs(buf[c, j])
        # No interpolated point can exceed the chunk's sample peak times TP_GAIN_BOUND.
        hot = pk * TP_GAIN_BOUND > target
        for i in range(m):
            need = 1.0
            if hot:
                e = 0.0
                for c in range(nch):
                    a = abs(buf[c, 5 + i])  # the sample 6 frames back: the points follow it
                    if a > e:
                        e = a
                    for p in range(4):
                        y = 0.0
                        for k in range(12):
                            y += _FIR[p, k] * buf[c, 11 + i - k]
                        if abs(y) > e:
                            e = abs(y)
                if e > target:
                    need = target / e
            t = t_in - 6  # the sample this need belongs to
            if need == 1.0 and held == 1.0 and rest >= W + L:
                # at rest: the deque holds only unit gains and the average is exactly 1
                qs = 0
                gain = 1.0
                rest += 1
            else:
                # sliding minimum of `need` over the last W samples (monotonic deque, ring of qn).
                # The engine's limiter (dsp.limiter.limit) runs the same steps, written out in both:
                # one shared @njit step (even inline="always") made the limiting path 30-40% slower.
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
                while q_idx[qh] <= t - W:
                    qh += 1
                    if qh == qn:
                        qh = 0
                    qs -= 1
                mn = q_val[qh]
                if mn < held:
                    held = mn
                else:
                    held += (mn - held) * rel
                    if held > 0.9999999:
                        held = 1.0
                wsum += held - window[aw]
                window[aw] = held
                aw += 1
                if aw == L:
                    aw = 0
                    s = 0.0  # re-sum once per window so rounding never accumulates
                    for k in range(L):
                        s += window[k]
                    wsum = s
                gain = min(wsum / L, 1.0)
                if need == 1.0 and held == 1.0:
                    rest += 1
                else:
                    rest = 0
            if gain < low:
                low = gain
            if t_in >= D:
                for c in range(nch):
                    y = delay[c, dw] * gain
                    out[written, c] = min(max(y, -clamp), clamp)
                written += 1
            for c in range(nch):
                delay[c, dw] = buf[c, 11 + i]
            dw += 1
            if dw == D:
                dw = 0
            t_in += 1
        for c in range(nch):
            for j in range(11):
                buf[c, j] = buf[c, m + j]
        done += m
    fst[_F_HELD] = held
    fst[_F_SUM] = wsum
    fst[_F_MIN] = low
    ist[_I_DW] = dw
    ist[_I_AW] = aw
    ist[_I_QH] = qh
    ist[_I_QS] = qs
    ist[_I_N] = t_in
    ist[_I_REST] = rest
    return written


class Master:
    """One gain for a whole file, then a look-ahead true-peak limiter, fed block by block.

    The output is delayed by :attr:`latency_frames` inside the stage but not in the stream:
    :meth:`process` returns fewer frames than it was given until the delay has filled, and
    :meth:`flush` returns the rest, so the concatenated output has exactly the input's length
    and sample t of the output is sample t of the input, gained and limited. Any block sizes
    give the same samples.

    Parameters
    ----------
    sample_rate : int
        Hz, 8000..384000.
    channels : int
        1..5.
    gain_db : float
        The one gain for the file, -90..+90 dB; see :meth:`for_loudness`.
    ceiling_dbtp : float
        Largest true peak let out, -20..0 dBTP (default -1).

    Examples
    --------
    Two passes over a long render in constant memory::

        meter = Meter(48000, 2)
        for block in render_blocks():            # pass 1: measure
            meter.feed(block)
        stage = Master.for_loudness(meter.result(), 48000, 2, target_lufs=-14.0)
        for block in render_blocks():            # pass 2: the same audio again
            writer.write(stage.process(block))
        writer.write(stage.flush())
    """

    def __init__(self, sample_rate: int = 48000, channels: int = 2, *, gain_db: float = 0.0,
                 ceiling_dbtp: float = DEFAULT_CEILING_DBTP):
        self.sample_rate = check_sample_rate(sample_rate)
        self.channels = check_channels(channels)
        jit.need(MASTER_KERNELS)  # a first run says it compiles them
        self.gain_db = checks.number(gain_db, "gain_db", -90.0, 90.0, "a gain in -90..90 dB")
        self.ceiling_dbtp = checks.number(ceiling_dbtp, "ceiling_dbtp", *CEILING_RANGE_DBTP,
                                          "a true-peak ceiling in -20..0 dBTP")
        L = max(2, round(LOOKAHEAD_S * self.sample_rate))
        W = L + 2 * _REACH
        D = L + 2 * _REACH - 1
        self._fst = np.zeros(7)
        self._fst[_F_GAIN] = 10.0 ** (self.gain_db / 20.0)
        self._fst[_F_CLAMP] = 10.0 ** (self.ceiling_dbtp / 20.0)
        self._fst[_F_TARGET] = 10.0 ** ((self.ceiling_dbtp - DETECTOR_MARGIN_DB) / 20.0)
        self._fst[_F_REL] = 1.0 - math.exp(-1.0 / (RELEASE_S * self.sample_rate))
        self._fst[_F_HELD] = 1.0
        self._fst[_F_SUM] = float(L)
        self._fst[_F_MIN] = 1.0
        self._ist = np.zeros(9, np.int64)
        self._ist[_I_L], self._ist[_I_W], self._ist[_I_D] = L, W, D
        self._buf = np.zeros((self.channels, 11 + _CHUNK))
        self._delay = np.zeros((self.channels, D))
        self._window = np.ones(L)
        self._q_idx = np.zeros(W + 1, np.int64)
        self._q_val = np.zeros(W + 1)
        self._flushed = False

    @classmethod
    def for_loudness(cls, loudness: Loudness, sample_rate: int = 48000, channels: int = 2, *,
                     target_lufs: float = DEFAULT_TARGET_LUFS,
                     ceiling_dbtp: float = DEFAULT_CEILING_DBTP) -> Master:
        """The stage that brings a programme measured as ``loudness`` to ``target_lufs``.

        Raises
        ------
        GrooveboxError
            For a target outside -70..0 LUFS, or a programme whose integrated loudness is
            -inf (silent or below the -70 LUFS gate: no gain can normalise it).
        """
        target = checks.number(target_lufs, "target_lufs", *TARGET_RANGE_LUFS,
                               "a loudness in -70..0 LUFS")
        return cls(sample_rate, channels, gain_db=loudness.gain_db_to(target),
                   ceiling_dbtp=ceiling_dbtp)

    @property
    def latency_frames(self) -> int:
        """Frames the stage holds back (the look-ahead plus the interpolator's reach)."""
        return int(self._ist[_I_D])

    @property
    def max_reduction_db(self) -> float:
        """The deepest the limiter has pulled the gain down so far, in dB (0 when it never
        acted)."""
        return max(0.0, -20.0 * math.log10(self._fst[_F_MIN]))

    def process(self, block) -> np.ndarray:
        """Gain and limit the next block.

        Parameters
        ----------
        block : array_like float, shape (frames, channels) or (frames,) for mono

        Returns
        -------
        ndarray float32, shape (k, channels)
            The next ``k`` output frames: ``k`` is the block's length once the stage has taken
            in :attr:`latency_frames` frames, fewer before.
        """
        if self._flushed:
            raise GrooveboxError("this master stage was flushed; make a new one for new audio")
        x = as_frames(block, self.channels, "block")
        out = np.empty((x.shape[0], self.channels), np.float32)
        k = _master(x, x.shape[0], False, out, self._fst, self._ist, self._buf, self._delay,
                    self._window, self._q_idx, self._q_val)
        return out[:k]

    def flush(self) -> np.ndarray:
        """The last :attr:`latency_frames` frames (or fewer, for a stream that short); the
        stage is finished after this."""
        if self._flushed:
            return np.empty((0, self.channels), np.float32)
        self._flushed = True
        d = min(self.latency_frames, int(self._ist[_I_N]))
        out = np.empty((self.latency_frames, self.channels), np.float32)
        dummy = np.zeros((0, self.channels), np.float32)  # float32 like the blocks: one compiled kernel
        k = _master(dummy, self.latency_frames, True, out, self._fst, self._ist, self._buf,
                    self._delay, self._window, self._q_idx, self._q_val)
        return out[k - d : k]


def master(samples, sample_rate: int = 48000, *, target_lufs: float = DEFAULT_TARGET_LUFS,
           ceiling_dbtp: float = DEFAULT_CEILING_DBTP) -> np.ndarray:
    """Master audio in memory: one gain to ``target_lufs``, true peak at most ``ceiling_dbtp``.

    Parameters
    ----------
    samples : array_like float, shape (frames, channels) or (frames,)
    sample_rate : int
        Hz.
    target_lufs : float
        Integrated loudness to reach, -70..0 LUFS (default -14, what streaming services
        play at).
    ceiling_dbtp : float
        True-peak ceiling, -20..0 dBTP (default -1).

    Returns
    -------
    ndarray float32, the shape of ``samples``
        The mastered audio, within 0.1 LU of the target (where heavy limiting makes that
        impossible in a few tries, as close as it got).

    Raises
    ------
    GrooveboxError
        For bad settings or samples, or audio whose integrated loudness is -inf (silent or
        below the -70 LUFS gate).
    """
    x = np.asarray(samples)
    channels = 1 if x.ndim == 1 else x.shape[1]
    jit.need(MASTER_KERNELS)
    loud = measure(x, sample_rate)
    target = checks.number(target_lufs, "target_lufs", *TARGET_RANGE_LUFS, "a loudness in -70..0 LUFS")
    tries: list[tuple[float, float]] = []
    gain_db = loud.gain_db_to(target)
    # Where the limiter takes peaks down the result lands under the target; the gain is then
    # raised and the file limited again from the original (still one static gain for the whole
    # file: no pumping), until it is within MASTER_TOLERANCE_LU.
    for _ in range(MASTER_ITERATIONS):
        stage = Master(sample_rate, channels, gain_db=gain_db, ceiling_dbtp=ceiling_dbtp)
        out = np.concatenate([stage.process(x), stage.flush()])
        got = measure(out, sample_rate).integrated_lufs
        if target - got <= MASTER_TOLERANCE_LU or stage.max_reduction_db == 0.0:
            break
        tries.append((gain_db, got))
        gain_db = next_gain_db(tries, target)
    return out[:, 0] if x.ndim == 1 else out


def next_gain_db(tries: list[tuple[float, float]], target_lufs: float) -> float:
    """The next gain to try when limiting left a file under its target: raise it by the
    shortfall the first time, then follow the secant through the last two tries (limiting
    makes loudness grow less than the gain)."""
    gain, got = tries[-1]
    step = target_lufs - got
    if len(tries) >= 2:
        (g0, l0), (g1, l1) = tries[-2], tries[-1]
        if l1 - l0 > 1e-3:
            step *= min((g1 - g0) / (l1 - l0), 4.0)
    return min(gain + max(step, 0.0), 90.0)


# The kernels mastering calls: the meter's and the true-peak limiter's.
MASTER_KERNELS = jit.Group("loudness master", (*METER_KERNELS.kernels, _master), 6.5)
