"""One-shot table playback: the kernel every drum voice (synthesized or sampled) runs through.

A voice reads its table at a playback ``rate`` (1.0 = as rendered; other rates tune by
resampling with linear interpolation) and adds ``gain * table`` into a mono buffer. A fading
voice (choked or stolen) ramps linearly to silence over a few milliseconds instead of stopping,
so cutting a ringing open hat never clicks.
"""

from numba import njit

# Voice integer fields (vi[v, ...])
VI_STATE, VI_TRACK, VI_INSTR, VI_START, VI_LEN, VI_AGE, VI_GROUP, VI_KIND, VI_PATCH = range(9)
N_VI = 9
# Voice float fields (vf[v, ...])
VF_POS, VF_RATE, VF_GAIN, VF_FADE, VF_FADE_STEP = 0, 1, 2, 3, 4
N_VF = 5

FREE, PLAYING, FADING = 0, 1, 2


@njit(cache=True)
def play_table(vi, vf, v, data, buf, a, b):
    """Add voice ``v``'s samples for buffer frames [a, b) into ``buf``; free it when it ends.

    Parameters
    ----------
    vi : ndarray int64, shape (n_voices, N_VI)
    vf : ndarray float64, shape (n_voices, N_VF)
    data : ndarray float32
        All tables, concatenated.
    buf : ndarray float32, shape (>= b,)
        Mono destination (a track buffer).
    """
    start = vi[v, VI_START]
    length = vi[v, VI_LEN]
    pos = vf[v, VF_POS]
    rate = vf[v, VF_RATE]
    gain = vf[v, VF_GAIN]
    fading = vi[v, VI_STATE] == FADING
    if rate == 1.0 and not fading:
        p = int(pos)
        m = b - a
        left = length - p
        if left < m:
            m = left
        g = gain
        # Slices first, so the loop index starts at 0 and the loop vectorises.
        dst = buf[a : a + m]
        src = data[start + p : start + p + m]
        for i in range(m):
            dst[i] += g * src[i]
        p += m
        vf[v, VF_POS] = p
        if p >= length:
            vi[v, VI_STATE] = FREE
        return
    fade = vf[v, VF_FADE]
    fstep = vf[v, VF_FADE_STEP]
    last = length - 1
    for i in range(a, b):
        if pos >= last:
            if rate == 1.0 and pos == last:
                x = data[start + last]
            else:
                vi[v, VI_STATE] = FREE
                break
        else:
            ip = int(pos)
            fr = pos - ip
            x0 = data[start + ip]
            x = x0 + fr * (data[start + ip + 1] - x0)
        if fading:
            buf[i] += gain * fade * x
            fade -= fstep
            if fade <= 0.0:
                vi[v, VI_STATE] = FREE
                break
        else:
            buf[i] += gain * x
        pos += rate
    vf[v, VF_POS] = pos
    vf[v, VF_FADE] = fade
    if pos > last and vi[v, VI_STATE] != FREE:
        vi[v, VI_STATE] = FREE
