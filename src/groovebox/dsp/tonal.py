"""Tonal voices and textures: pads, bells, keys, plucks, choir, drones, bass, rain, wind, sea, hiss.

The engine owns one float64 *state row* (``STATE_SIZE`` floats) and one *patch row*
(``PATCH_SIZE`` floats) per sounding voice and calls three kernels:
:func:`tonal_start` at note-on, :func:`tonal_render` once per block (it ADDS into the block) and
:func:`tonal_release` to steal a voice. :func:`render_note` is the same thing for notebooks.

How a voice is computed
-----------------------
Control values (envelopes, FM index, filter cutoff, pitch drift and vibrato, texture swells)
are computed once per *control segment*. Segments end at multiples of ``CHUNK`` samples of the
voice's own clock and at the events that change them (end of attack, note-off, forced release,
end of release). Inside a segment each control value is a straight line between its value at
the segment's start and its end, and each oscillator phase is ``phase_at_start + k * dt``. So a
sample's value depends only on the voice's clock, never on where a render call began or ended:
rendering ``[a, b)`` then ``[b, c)`` gives exactly the samples of ``[a, c)``. It also keeps the
per-sample loops of the FM and additive voices free of recurrences, so Numba vectorises them
(the sine is a branch-free polynomial, :func:`groovebox.dsp.oscillators.sin_2pi`).

Envelope
--------
Attack: smoothstep from 0 to 1 over ``attack_s`` (zero slope at both ends: no click).
Decay: the level above ``sustain`` falls 60 dB in ``decay_s`` (exponential).
Release: from the level at note-off to exactly 0 in ``release_s``, an exponential that falls
60 dB over the release with its floor removed so it lands on 0. A decaying voice with
``sustain == 0`` that has fallen 80 dB ends itself with a 20 ms fade, so bells and plucks free
their voice without waiting for the note-off.

Patch slots (``P_*`` indices; :data:`PATCH_FIELDS` names them in order, units in the names)
------------------------------------------------------------------------------------------
===================  ==========================================================================
attack_s ... gain_db  envelope and level, all kinds; ``pan`` -1 (left) .. 1 (right)
cutoff_hz             pad low-pass; rain/hiss/wind/ocean main filter
resonance             filter Q (pad, wind)
filter_env_oct        octaves the pad filter opens with the envelope
detune_cents          pad/choir unison spread; drone twin-sine beating
voices                unison voices (pad 1..7, choir 1..3)
spread                stereo spread 0..1
brightness            0..1 spectral tilt (pluck, piano, sub, choir breath, textures)
fm_ratio, fm_index    modulator/carrier frequency ratio and peak index in radians (bell; lowered
                      at a note's start only as far as its sidebands would alias); e-piano:
                      partial spacing and pickup drive (see the notes on the e-piano kernel)
fm_decay_s            time for the index to fall 60 dB toward ``fm_sustain`` (fraction)
fm_ratio2, fm_index2  second modulator (bell shimmer) and its ``fm_decay2_s``; e-piano: the
                      tine's attack mode
vibrato_hz/_cents     periodic pitch modulation (pad, choir)
drift_cents           slow random pitch wander per unison voice (pad, choir)
lfo_hz, lfo_depth     slow movement: pad filter sweep, drone partial swells, texture evolution
noise                 breath (choir), rain bed, crackle amount (hiss)
position              pluck/strike position along the string (0..0.5)
inharmonicity         piano string stiffness B (partial k sits at k*sqrt(1 + B k^2))
drawbars              organ/drone registration, Hammond digits 0..8 in the Hammond's order 16',
                      5 1/3', 8', 4', 2 2/3', 2', 1 3/5', 1 1/3', 1' (e.g. 838000000), 3 dB a step;
                      every organ note starts with a band-limited key click
velocity_sens         0..1: how much velocity brightens (FM index, e-piano bark, pluck/piano tone)
density               rain drops per second; vinyl crackles per second
vowel                 choir vowel 0..4 = a, e, i, o, u (fractional values morph); every choir
                      note is equally loud whatever its pitch and vowel
===================  ==========================================================================
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from groovebox.dsp.filters import BANDPASS, LOWPASS, svf_coefficients, svf_tick
from groovebox.dsp.fused import fma
from groovebox.dsp.oscillators import saw_tick, sin_2pi, sin_2pi_fused
from groovebox.dsp.rng import hash_unit, mix64
from groovebox.dsp.shaping import flush as _flush

# --- voice kinds -------------------------------------------------------------------------
PAD = 0
BELL = 1
EPIANO = 2
PLUCK = 3
PIANO = 4
CHOIR = 5
DRONE = 6
ORGAN = 7
SUB_BASS = 8
RAIN = 9
WIND = 10
OCEAN = 11
HISS = 12
N_KINDS = 13
TEXTURES = (RAIN, WIND, OCEAN, HISS)

CHUNK = 64  # control period in samples (1.3 ms at 48 kHz)
STATE_SIZE = 64
PATCH_SIZE = 32
# A state row may be longer: SCRATCH_SIZE more floats after STATE_SIZE are scratch for one
# render call (never carried from one call to the next). The engine's rows have them; with them
# the pad computes its unison saws a voice at a time over the segment, in loops that vectorise
# (2x faster, the same samples); rows without them take the sample-at-a-time loop.
SCRATCH_SIZE = 3 * CHUNK

# --- patch slots -------------------------------------------------------------------------
P_ATTACK_S = 0
P_DECAY_S = 1
P_SUSTAIN = 2
P_RELEASE_S = 3
P_GAIN_DB = 4
P_PAN = 5
P_CUTOFF_HZ = 6
P_RESONANCE = 7
P_FILTER_ENV_OCT = 8
P_DETUNE_CENTS = 9
P_VOICES = 10
P_SPREAD = 11
P_BRIGHTNESS = 12
P_FM_RATIO = 13
P_FM_INDEX = 14
P_FM_DECAY_S = 15
P_FM_SUSTAIN = 16
P_FM_RATIO2 = 17
P_FM_INDEX2 = 18
P_FM_DECAY2_S = 19
P_VIBRATO_HZ = 20
P_VIBRATO_CENTS = 21
P_DRIFT_CENTS = 22
P_LFO_HZ = 23
P_LFO_DEPTH = 24
P_NOISE = 25
P_POSITION = 26
P_INHARMONICITY = 27
P_DRAWBARS = 28
P_VELOCITY_SENS = 29
P_DENSITY = 30
P_VOWEL = 31


# --- state slots (header shared by all kinds) --------------------------------------------
S_N = 0  # samples since note-on
S_SEG_START = 1
S_SEG_END = 2
S_OFF = 3  # sample of note-off (release start)
S_END = 4  # sample at which the release reaches 0
S_STAGE = 5
# Linear ramps, each an (at segment start, at segment end) pair; truncating a segment (forced
# release) rebases them all, so every model keeps its per-segment lines here.
_RAMP0 = 6
_N_RAMPS = 6
R_ENV = 6  # amplitude envelope
R_ENVX = 8  # envelope recurrence: excess over sustain (decay) or exponential (release)
R_2 = 10
R_3 = 12
R_4 = 14
R_5 = 16
S_REL_LEVEL = 18
S_ATTACK_N = 19
S_REL_N = 20
S_SUSTAIN = 21
S_DECAY_RATE = 22
S_DECAY_Q = 23
S_REL_RATE = 24
S_REL_Q = 25
S_GAIN_L = 26
S_GAIN_R = 27
S_DT = 28  # pitch in cycles per sample
S_SEED = 29
S_VEL = 30
S_KIND = 31
M0 = 32  # model-specific slots from here to STATE_SIZE

_ATTACK = 0
_DECAY = 1
_RELEASE = 2
_DONE = 3

_LN1000 = math.log(1000.0)
_REL_FLOOR = 1e-3  # the release exponential's floor, removed so the release lands on 0
_AUTO_END = 1e-4  # -80 dB: a sustain-0 voice this quiet ends itself
_AUTO_RELEASE_S = 0.02
_TWO_PI = 2.0 * math.pi

# Drawbar footages in the Hammond's own order (16', 5 1/3', 8', 4', 2 2/3', 2', 1 3/5', 1 1/3',
# 1'), as multiples of the played (8') pitch, so a registration organists publish ("888000000",
# "838000000") means what they mean. Each drawbar step is 3 dB (8 full, 1 at -21 dB, 0 off).
_DRAWBAR_RATIOS = (0.5, 1.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
_DRAWBAR_STEP_DB = 3.0
# Organ key click: when a key's contacts close, the tonewheel signals switch on mid-cycle and the
# contacts bounce, a short broadband tick on every note. Modelled as a designed transient: noise
# rising from 0 over _CLICK_RISE_S and dying with time constant _CLICK_TAU_S, band-limited to about
# 0.8..4.5 kHz (three one-pole low-passes, 18 dB an octave above, and a one-pole high-pass), at
# _CLICK_LEVEL of the tone's RMS level at its peak.
_CLICK_RISE_S = 0.004
_CLICK_TAU_S = 0.004
_CLICK_LEN_TAUS = 6.0
_CLICK_LP_HZ = 4500.0
_CLICK_HP_HZ = 800.0
_CLICK_LEVEL = 0.2
_CLICK_NOISE_RMS_48K = 0.150  # RMS of the filtered noise at 48 kHz (measured), scaled by sqrt(48k/sr)
# Pans of up to 7 unison voices ordered by detune: flattest left, sharpest right, neighbours
# apart, so detune and position are not the same thing.
_UNISON_PANS = (-0.9, 0.7, -0.4, 0.0, 0.4, -0.7, 0.9)
# Choir formants (Hz) and levels (linear) for the vowels a, e, i, o, u of a mixed choir,
# values written from general phonetics knowledge (F1 rises with openness, F2 with frontness).
_VOWEL_F = (
    (800.0, 1150.0, 2800.0),
    (450.0, 1900.0, 2600.0),
    (330.0, 2200.0, 3000.0),
    (480.0, 820.0, 2750.0),
    (340.0, 720.0, 2550.0),
)
_VOWEL_G = (
    (1.0, 0.55, 0.12),
    (1.0, 0.35, 0.15),
    (1.0, 0.15, 0.1),
    (1.0, 0.5, 0.06),
    (1.0, 0.3, 0.03),
)
_VOWEL_BW = (90.0, 110.0, 160.0)


# --- small helpers -----------------------------------------------------------------------
@njit(cache=True, inline="always")
def _factor(rate, length, q_chunk):
    """exp(-rate * length), with the common full-chunk case precomputed."""
    if rate == 0.0:
        return 1.0
    if length == CHUNK:
        return q_chunk
    return math.exp(-rate * length)


@njit(cache=True, inline="always")
def _exp2_small(x):
    """2**x for |x| < 0.1 (pitch offsets of up to ~120 cents), relative error < 1e-7."""
    y = x * 0.6931471805599453
    return 1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6.0 + y * (1.0 / 24.0))))


@njit(cache=True)
def _value_noise(seed, lane, t):
    """Smooth random function of ``t`` (in knots) in [-1, 1]; each lane is independent."""
    k = math.floor(t)
    f = t - k
    s = f * f * (3.0 - 2.0 * f)
    ik = np.int64(k) + 1_000_000  # keep hashed counters non-negative
    a = hash_unit(seed, lane, ik, 7) * 2.0 - 1.0
    b = hash_unit(seed, lane, ik + 1, 7) * 2.0 - 1.0
    return a + (b - a) * s


@njit(cache=True, inline="always")
def _bipolar(h, shift):
    """21 bits of ``h`` starting at ``shift`` as a float in [-1, 1)."""
    return float((h >> np.uint64(shift)) & np.uint64(0x1FFFFF)) * (2.0 / 2097152.0) - 1.0


@njit(cache=True, inline="always")
def _unit(h, shift):
    """21 bits of ``h`` starting at ``shift`` as a float in [0, 1)."""
    return float((h >> np.uint64(shift)) & np.uint64(0x1FFFFF)) * (1.0 / 2097152.0)


@njit(cache=True, inline="always")
def _onepole_coef(cutoff_hz, sample_rate):
    return 1.0 - math.exp(-_TWO_PI * min(cutoff_hz, 0.45 * sample_rate) / sample_rate)


# --- start ---------------------------------------------------------------------------------
@njit(cache=True)
def tonal_start(kind, state, patch, pitch_hz, velocity, duration_frames, sample_rate, seed):
    """Initialise one voice's state row for a note.

    Parameters
    ----------
    kind : int
        One of the voice kinds (PAD, BELL, ..., HISS).
    state : ndarray, shape (STATE_SIZE,), float64
        The voice's state row; fully overwritten.
    patch : ndarray, shape (PATCH_SIZE,), float64
        Patch parameters (see the module docstring); read, never written.
    pitch_hz : float
        Fundamental frequency; textures ignore it.
    velocity : float
        0..1; scales the level (and brightness where ``velocity_sens`` > 0).
    duration_frames : int
        Frames until note-off; the release follows.
    sample_rate : float
        Samples per second.
    seed : int
        Seeds the voice's random choices (start phases, drift, texture events).
    """
    for i in range(STATE_SIZE):
        state[i] = 0.0
    sr = float(sample_rate)
    vel = min(max(velocity, 0.0), 1.0)
    state[S_KIND] = kind
    state[S_SEED] = float(seed & 0x7FFFFFFF)
    state[S_VEL] = vel
    state[S_OFF] = float(max(duration_frames, 0))
    state[S_END] = 1e300
    state[S_STAGE] = _ATTACK
    state[S_ATTACK_N] = math.floor(max(patch[P_ATTACK_S], 0.0) * sr + 0.5)
    state[S_REL_N] = max(1.0, math.floor(patch[P_RELEASE_S] * sr + 0.5))
    sus = min(max(patch[P_SUSTAIN], 0.0), 1.0)
    state[S_SUSTAIN] = sus
    dec_n = max(patch[P_DECAY_S], 1e-4) * sr
    state[S_DECAY_RATE] = _LN1000 / dec_n
    state[S_DECAY_Q] = math.exp(-_LN1000 / dec_n * CHUNK)
    pan = min(max(patch[P_PAN], -1.0), 1.0)
    level = vel * 10.0 ** (patch[P_GAIN_DB] / 20.0)
    state[S_GAIN_L] = level * math.cos((pan + 1.0) * math.pi / 4.0) * math.sqrt(2.0)
    state[S_GAIN_R] = level * math.sin((pan + 1.0) * math.pi / 4.0) * math.sqrt(2.0)
    f0 = min(max(pitch_hz, 1.0), 0.45 * sr)
    state[S_DT] = f0 / sr
    if kind == BELL:
        _fm_start(state, patch, sr)
    elif kind == EPIANO:
        _ep_start(state, patch, sr)
    elif kind == PLUCK or kind == PIANO or kind == ORGAN or kind == DRONE or kind == SUB_BASS:
        _add_start(kind, state, patch, sr)
    elif kind == PAD:
        _pad_start(state, patch, sr)
    elif kind == CHOIR:
        _choir_start(state, patch, sr)
    else:
        _tex_start(kind, state, patch, sr)


# --- segment machinery -----------------------------------------------------------------------
@njit(cache=True)
def _begin_segment(kind, state, patch, sample_rate):
    """Start the control segment at the voice's current sample (a segment boundary)."""
    n = state[S_N]
    l_prev = state[S_SEG_END] - state[S_SEG_START]
    for r in range(_N_RAMPS):
        state[_RAMP0 + 2 * r] = state[_RAMP0 + 2 * r + 1]
    stage = int(state[S_STAGE])
    env_now = state[R_ENV]
    sus = state[S_SUSTAIN]
    if stage == _ATTACK and n >= state[S_ATTACK_N]:
        stage = _DECAY
        state[R_ENVX] = 1.0 - sus
    if (
        stage == _DECAY
        and sus == 0.0
        and state[R_ENVX] < _AUTO_END
        and n < state[S_OFF]
    ):
        state[S_OFF] = n
        state[S_REL_N] = min(state[S_REL_N], max(1.0, math.floor(_AUTO_RELEASE_S * sample_rate)))
    if stage < _RELEASE and n >= state[S_OFF]:
        stage = _RELEASE
        state[S_REL_LEVEL] = env_now
        state[R_ENVX] = 1.0
        state[S_END] = n + state[S_REL_N]
        state[S_REL_RATE] = _LN1000 / state[S_REL_N]
        state[S_REL_Q] = math.exp(-state[S_REL_RATE] * CHUNK)
    if stage == _RELEASE and (n >= state[S_END] or state[S_REL_LEVEL] <= 0.0):
        stage = _DONE
    state[S_STAGE] = stage
    if stage == _DONE:
        state[R_ENV] = 0.0
        state[R_ENV + 1] = 0.0
        state[S_SEG_START] = n
        state[S_SEG_END] = n
        return
    e = (math.floor(n / CHUNK) + 1.0) * CHUNK
    if stage == _ATTACK:
        e = min(e, state[S_ATTACK_N])
    if stage <= _DECAY:
        e = min(e, state[S_OFF])
    if stage == _RELEASE:
        e = min(e, state[S_END])
    length = e - n
    if stage == _ATTACK:
        u = e / state[S_ATTACK_N]
        env_b = u * u * (3.0 - 2.0 * u)
    elif stage == _DECAY:
        xb = state[R_ENVX] * _factor(state[S_DECAY_RATE], length, state[S_DECAY_Q])
        state[R_ENVX + 1] = xb
        env_b = sus + xb
    else:
        xb = state[R_ENVX] * _factor(state[S_REL_RATE], length, state[S_REL_Q])
        state[R_ENVX + 1] = xb
        if e >= state[S_END]:
            env_b = 0.0
        else:
            env_b = max(0.0, state[S_REL_LEVEL] * (xb - _REL_FLOOR) / (1.0 - _REL_FLOOR))
    state[R_ENV + 1] = env_b
    state[S_SEG_START] = n
    state[S_SEG_END] = e
    if kind == BELL or kind == EPIANO:
        _fm_begin(state, length)  # the e-piano's drive and tine ramps follow the same laws
    elif kind == PLUCK or kind == PIANO or kind == ORGAN or kind == DRONE or kind == SUB_BASS:
        _add_begin(state, length)
    elif kind == PAD:
        _pad_begin(state, patch, sample_rate, l_prev, n, e)
    elif kind == CHOIR:
        _choir_begin(state, patch, sample_rate, l_prev, n, e)
    else:
        _tex_begin(kind, state, patch, sample_rate, n, e)


@njit(cache=True)
def tonal_render(kind, state, patch, out_l, out_r, start, stop, sample_rate):
    """Add the voice's stereo output into ``out_l[start:stop]`` and ``out_r[start:stop]``.

    Parameters
    ----------
    kind : int
        The voice kind given to :func:`tonal_start`.
    state : ndarray, shape (STATE_SIZE,), float64
        The voice's state row, advanced in place.
    patch : ndarray, shape (PATCH_SIZE,), float64
        The patch given to :func:`tonal_start`.
    out_l, out_r : ndarray, shape (n,), float32 or float64
        Block buffers owned by the caller; the voice is added to what is there.
    start, stop : int
        Frame range of the block to fill.
    sample_rate : float
        Samples per second (the one given to :func:`tonal_start`).

    Returns
    -------
    int
        1 while the voice sounds, 0 once its release has ended (free the voice).
    """
    sr = float(sample_rate)
    i = start
    while i < stop:
        if state[S_STAGE] == _DONE:
            break
        if state[S_N] >= state[S_SEG_END]:
            _begin_segment(kind, state, patch, sr)
            if state[S_STAGE] == _DONE:
                break
        n = state[S_N]
        m = min(stop - i, int(state[S_SEG_END] - n))
        if kind == BELL:
            _fm_render(state, out_l, out_r, i, m)
        elif kind == EPIANO:
            _ep_render(state, out_l, out_r, i, m)
        elif kind == PLUCK or kind == PIANO or kind == ORGAN or kind == DRONE or kind == SUB_BASS:
            _add_render(kind, state, patch, out_l, out_r, i, m, sr)
        elif kind == PAD:
            _pad_render(state, out_l, out_r, i, m)
        elif kind == CHOIR:
            _choir_render(state, patch, out_l, out_r, i, m)
        else:
            _tex_render(kind, state, patch, out_l, out_r, i, m, sr)
        i += m
        state[S_N] = n + m
    if state[S_STAGE] == _RELEASE and state[S_N] >= state[S_END]:
        state[S_STAGE] = _DONE
    return 0 if state[S_STAGE] == _DONE else 1


@njit(cache=True)
def tonal_release(kind, state, release_s, sample_rate):
    """Release the voice now (voice stealing): from its current level to 0 in ``release_s``.

    The current control segment is cut at the voice's current sample and every control line
    is rebased there, so the level carries on without a step. A voice already releasing is
    only ever made shorter.
    """
    stage = int(state[S_STAGE])
    if stage == _DONE:
        return
    n = state[S_N]
    rel_n = max(1.0, math.floor(release_s * sample_rate + 0.5))
    if stage == _RELEASE and n + rel_n >= state[S_END]:
        return
    s = state[S_SEG_START]
    e = state[S_SEG_END]
    if n < e and e > s:
        frac = (n - s) / (e - s)
        for r in range(_N_RAMPS):
            a = state[_RAMP0 + 2 * r]
            b = state[_RAMP0 + 2 * r + 1]
            state[_RAMP0 + 2 * r + 1] = a + (b - a) * frac
        state[S_SEG_END] = n
    state[S_OFF] = n
    state[S_REL_N] = rel_n
    if stage == _RELEASE:
        state[S_STAGE] = _DECAY  # re-enter the release from the current level
        state[S_SUSTAIN] = 1.0  # (keeps the auto-end rule from shortening it further)


# --- FM: bell, electric piano ----------------------------------------------------------------
# model slots
_FM_DTM1 = M0
_FM_DTM2 = M0 + 1
_FM_SCALE1 = M0 + 2
_FM_SCALE2 = M0 + 3
_FM_SUS1 = M0 + 4
_FM_RATE1 = M0 + 5
_FM_Q1 = M0 + 6
_FM_RATE2 = M0 + 7
_FM_Q2 = M0 + 8
_FM_NORM = M0 + 9


# Alias bound of the FM voices: a sine modulator of index I puts sidebands of order n at
# |J_n(I)| <= (I/2)^n / n! of the carrier. Sidebands that would pass Nyquist must stay below this
# (-68 dB of a unit carrier; the strongest component of any index up to ~10 is above -10 dB and
# the bound overstates |J_n| near the edge, so every alias stays more than 60 dB under the note).
_FM_ALIAS_BOUND = 4e-4
_LN_FM_ALIAS_BOUND = math.log(_FM_ALIAS_BOUND)


@njit(cache=True)
def _fm_order(index):
    """Smallest sideband order m past which every sideband of ``index`` is below the bound."""
    if index <= 0.0:
        return 0
    ln_half = math.log(0.5 * index)
    m = 1
    while m < 400 and m * ln_half - math.lgamma(m + 1.0) > _LN_FM_ALIAS_BOUND:
        m += 1
    return m


@njit(cache=True)
def _fm_max_index(order):
    """Largest index whose sidebands from ``order`` on are all below the bound."""
    return 2.0 * math.exp((_LN_FM_ALIAS_BOUND + math.lgamma(order + 1.0)) / order)


@njit(cache=True)
def _fm_alias_free(dt, dm1, i1, dm2, i2):
    """The two modulators' peak indices, lowered where their sidebands would alias.

    Frequencies in cycles per sample. Sidebands of order n1, n2 sit at dt + n1 dm1 + n2 dm2;
    each modulator needs (order - 1) times its frequency of room above the carrier. When both
    needs fit below Nyquist nothing changes (any component past it has one of its two orders past
    its own bound); otherwise the room is shared in proportion to the needs and each index is cut
    to what fits its share. Aliases below Nyquist's mirror (negative frequencies past -Nyquist)
    have more room and are covered too.
    """
    room = 0.5 - dt
    need1 = (_fm_order(i1) - 1.0) * dm1 if dm1 > 0.0 else 0.0
    need2 = (_fm_order(i2) - 1.0) * dm2 if dm2 > 0.0 else 0.0
    if need1 < 0.0:
        need1 = 0.0
    if need2 < 0.0:
        need2 = 0.0
    if need1 + need2 <= room:
        return i1, i2
    share = room / (need1 + need2)
    if dm1 > 0.0 and i1 > 0.0:
        i1 = min(i1, _fm_max_index(math.floor(need1 * share / dm1) + 1.0))
    if dm2 > 0.0 and i2 > 0.0:
        i2 = min(i2, _fm_max_index(math.floor(need2 * share / dm2) + 1.0))
    return i1, i2


@njit(cache=True)
def _fm_start(state, patch, sr):
    dt = state[S_DT]
    vel = state[S_VEL]
    vs = min(max(patch[P_VELOCITY_SENS], 0.0), 1.0)
    vel_k = 1.0 - vs + vs * vel
    dm1 = dt * max(patch[P_FM_RATIO], 0.0)
    dm2 = dt * max(patch[P_FM_RATIO2], 0.0)
    state[_FM_DTM1] = dm1
    state[_FM_DTM2] = dm2
    i1, i2 = _fm_alias_free(dt, dm1, max(patch[P_FM_INDEX], 0.0) * vel_k, dm2,
                            max(patch[P_FM_INDEX2], 0.0) * vel_k)
    # Sidebands of an index this small are below -66 dB: drop the modulator (and its cost).
    if i1 < 1e-3:
        i1 = 0.0
    if i2 < 1e-3:
        i2 = 0.0
    # The index is in radians; the phase is in cycles.
    state[_FM_SCALE1] = i1 / _TWO_PI
    state[_FM_SCALE2] = i2 / _TWO_PI
    state[_FM_SUS1] = min(max(patch[P_FM_SUSTAIN], 0.0), 1.0)
    r1 = _LN1000 / (max(patch[P_FM_DECAY_S], 1e-4) * sr)
    r2 = _LN1000 / (max(patch[P_FM_DECAY2_S], 1e-4) * sr)
    state[_FM_RATE1] = r1
    state[_FM_Q1] = math.exp(-r1 * CHUNK)
    state[_FM_RATE2] = r2
    state[_FM_Q2] = math.exp(-r2 * CHUNK)
    state[R_2] = 1.0 - state[_FM_SUS1]
    state[R_2 + 1] = state[R_2]
    state[R_3] = 1.0
    state[R_3 + 1] = 1.0
    state[_FM_NORM] = 0.5


@njit(cache=True)
def _fm_begin(state, length):
    state[R_2 + 1] = state[R_2] * _factor(state[_FM_RATE1], length, state[_FM_Q1])
    state[R_3 + 1] = state[R_3] * _factor(state[_FM_RATE2], length, state[_FM_Q2])


@njit(cache=True)
def _fm_render(state, out_l, out_r, j0, m):
    s = state[S_SEG_START]
    inv = 1.0 / (state[S_SEG_END] - s)
    n0 = state[S_N]
    t0 = n0 - s
    g = state[_FM_NORM]
    ea = state[R_ENV] * g
    es = (state[R_ENV + 1] * g - ea) * inv
    sc1 = state[_FM_SCALE1]
    i1a = sc1 * (state[_FM_SUS1] + state[R_2])
    i1s = sc1 * (state[R_2 + 1] - state[R_2]) * inv
    sc2 = state[_FM_SCALE2]
    i2a = sc2 * state[R_3]
    i2s = sc2 * (state[R_3 + 1] - state[R_3]) * inv
    dt = state[S_DT]
    dm1 = state[_FM_DTM1]
    dm2 = state[_FM_DTM2]
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    # Fused multiply-adds throughout (the sines' polynomials, the ramps, the phase): a third
    # fewer instructions in the loop that is most of a bell's cost.
    if sc2 == 0.0:
        for i in range(m):
            t = t0 + i
            nn = n0 + i
            mod = sin_2pi_fused(nn * dm1) * fma(i1s, t, i1a)
            y = sin_2pi_fused(fma(nn, dt, mod)) * fma(es, t, ea)
            k = np.uint64(j0 + i)  # no slices: a view costs reference counting per segment
            out_l[k] = fma(y, gl, out_l[k])
            out_r[k] = fma(y, gr, out_r[k])
    else:
        for i in range(m):
            t = t0 + i
            nn = n0 + i
            mod = fma(sin_2pi_fused(nn * dm2), fma(i2s, t, i2a), sin_2pi_fused(nn * dm1) * fma(i1s, t, i1a))
            y = sin_2pi_fused(fma(nn, dt, mod)) * fma(es, t, ea)
            k = np.uint64(j0 + i)  # no slices: a view costs reference counting per segment
            out_l[k] = fma(y, gl, out_l[k])
            out_r[k] = fma(y, gr, out_r[k])


# --- electric piano: a tine before a magnetic pickup ------------------------------------------
# A struck tine swings almost sinusoidally; the pickup's field is uneven, so the voltage it makes
# carries harmonics that grow with the swing: mellow when played softly, a growling "bark" when
# struck hard, fading as the tine settles (Muenster & Pfeifle, "Non-linear behaviour in sound
# production of the Rhodes piano", ISMA 2014). The pickup is modelled as a geometric series of
# partials, k-th at drive^(k-1) of the fundamental, summed in closed form (Moorer's discrete
# summation formula) with only the partials below Nyquist: alias-free at any drive and pitch.
# The attack carries the tine's own higher modes (a clamped-free beam's second and third modes
# sit 6.27 and 17.55 times above its first), the second mixed with the fundamental by the pickup,
# dying in tens of ms (the third twice as fast).
#
#   fm_ratio                spacing of the pickup's partials (1: harmonics)
#   fm_index                pickup drive at full velocity: ratio of neighbouring partials
#                           drive = I / (I + 2) (I = 2: each partial 6 dB under the one below)
#   fm_decay_s, fm_sustain  the drive falls 60 dB toward fm_sustain (a fraction) in fm_decay_s
#   fm_ratio2, fm_index2    the tine's second mode: its ratio to the fundamental and its level (a
#                           fraction of the fundamental) at full velocity, gone 60 dB in
#                           fm_decay2_s; the third mode sits 2.8 times higher at half the level
#   velocity_sens           drive and tine follow velocity squared: the bark comes with force
_EP_MAX_PARTIALS = 48
_EP_N = M0 + 10  # number of pickup partials
_EP_TDT = M0 + 11  # tine mode, cycles per sample
_EP_TINE = M0 + 12  # tine level at the strike
_EP_TUP = M0 + 13  # 1 when the intermodulation partials (tine +- fundamental) are below Nyquist
_EP_T3 = M0 + 14  # level of the third mode (0 above Nyquist)
_EP_MODE3 = 17.55 / 6.27  # third over second mode of a clamped-free beam
_EP_NORM = 0.4  # a struck note at full velocity peaks near -6 dBFS, as the other voices


@njit(cache=True)
def _ep_start(state, patch, sr):
    dt = state[S_DT]
    vel = state[S_VEL]
    vs = min(max(patch[P_VELOCITY_SENS], 0.0), 1.0)
    vel_k = 1.0 - vs + vs * vel * vel
    ratio = max(patch[P_FM_RATIO], 0.0)
    dm = dt * ratio
    state[_FM_DTM1] = dm
    n = 1
    if dm > 0.0:
        n = int(math.floor((0.45 - dt) / dm)) + 1
    state[_EP_N] = max(1, min(n, _EP_MAX_PARTIALS))
    drive = max(patch[P_FM_INDEX], 0.0) * vel_k
    state[_FM_SCALE1] = min(drive / (drive + 2.0), 0.9)
    state[_FM_SUS1] = min(max(patch[P_FM_SUSTAIN], 0.0), 1.0)
    tdt = dt * max(patch[P_FM_RATIO2], 0.0)
    state[_EP_TDT] = tdt
    state[_EP_TINE] = max(patch[P_FM_INDEX2], 0.0) * vel_k if 0.0 < tdt < 0.45 else 0.0
    state[_EP_TUP] = 1.0 if tdt + dt < 0.45 else 0.0
    state[_EP_T3] = 0.5 if tdt * _EP_MODE3 < 0.45 else 0.0
    r1 = _LN1000 / (max(patch[P_FM_DECAY_S], 1e-4) * sr)
    r2 = _LN1000 / (max(patch[P_FM_DECAY2_S], 1e-4) * sr)
    state[_FM_RATE1] = r1
    state[_FM_Q1] = math.exp(-r1 * CHUNK)
    state[_FM_RATE2] = r2
    state[_FM_Q2] = math.exp(-r2 * CHUNK)
    state[R_2] = 1.0 - state[_FM_SUS1]
    state[R_2 + 1] = state[R_2]
    state[R_3] = 1.0
    state[R_3 + 1] = 1.0
    state[_FM_NORM] = _EP_NORM


@njit(cache=True, inline="always")
def _ep_norm(a, an):
    """Gain that keeps the pickup series' RMS at the fundamental's: sqrt((1 - a^2) / (1 - a^2N))."""
    return math.sqrt((1.0 - a * a) / max(1.0 - an * an, 1e-12))


@njit(cache=True)
def _ep_render(state, out_l, out_r, j0, m):
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    s = state[S_SEG_START]
    inv = 1.0 / (state[S_SEG_END] - s)
    n0 = state[S_N]
    t0 = n0 - s
    g = state[_FM_NORM]
    ea = state[R_ENV] * g
    es = (state[R_ENV + 1] * g - ea) * inv
    top = state[_FM_SCALE1]
    sus = state[_FM_SUS1]
    aa = top * (sus + state[R_2])
    ab = top * (sus + state[R_2 + 1])
    npart = state[_EP_N]
    ana = aa**npart
    anb = ab**npart
    ga = _ep_norm(aa, ana)
    gb = _ep_norm(ab, anb)
    a_s = (ab - aa) * inv
    an_s = (anb - ana) * inv
    g_s = (gb - ga) * inv
    dt = state[S_DT]
    dm = state[_FM_DTM1]
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    # sum_{k<N} a^k sin(th + k be) = (sin th - a sin(th - be) - a^N (sin(th + N be)
    #                                  - a sin(th + (N-1) be))) / (1 + a^2 - 2 a cos be)
    for i in range(m):
        t = t0 + i
        nn = n0 + i
        th = nn * dt
        be = nn * dm
        a = aa + a_s * t
        an = ana + an_s * t
        num = sin_2pi(th) - a * sin_2pi(th - be) - an * (sin_2pi(th + npart * be) - a * sin_2pi(th + (npart - 1.0) * be))
        den = 1.0 + a * a - 2.0 * a * sin_2pi(be + 0.25)
        y = num / den * (ga + g_s * t) * (ea + es * t)
        ol[i] += y * gl
        orr[i] += y * gr
    tine = state[_EP_TINE]
    if tine > 0.0 and state[R_3] > 1e-4:
        # The tine's second mode and the pickup's mix of it with the fundamental (at the drive's
        # level); the third mode decays twice as fast (its envelope is the second's squared).
        ra = state[R_3]
        rb = state[R_3 + 1]
        ta = tine * ra
        ts = tine * (rb - ra) * inv
        t3a = tine * state[_EP_T3] * ra * ra
        t3s = (tine * state[_EP_T3] * rb * rb - t3a) * inv
        tdt = state[_EP_TDT]
        t3dt = tdt * _EP_MODE3
        up = 0.5 * state[_EP_TUP]
        for i in range(m):
            t = t0 + i
            nn = n0 + i
            a = aa + a_s * t
            tp = nn * tdt
            x = (sin_2pi(tp) + up * a * (sin_2pi(tp + nn * dt) + sin_2pi(tp - nn * dt))) * (ta + ts * t)
            x += sin_2pi(nn * t3dt) * (t3a + t3s * t)
            y = x * (ea + es * t)
            ol[i] += y * gl
            orr[i] += y * gr


# --- additive: pluck (modal Karplus-Strong), piano, organ, drone, sub bass -------------------
# A Karplus-Strong string (delay line + two-point average, loss rho) rings with modes at the
# harmonics k*f0 whose per-period gain is rho*|cos(pi*k*f0/sr)|, i.e. a decay rate growing as
# k^2. We sum those modes directly: exact for the modes kept, in tune at any pitch, and it
# needs no delay line (the state row is 64 floats).
_AD_K = M0  # number of partials
_AD_ARATE = M0 + 1  # decay rate common to all partials (per sample)
_AD_AQ = M0 + 2
_AD_BRATE = M0 + 3  # extra decay rate per k^2
_AD_BQ = M0 + 4
_AD_B = M0 + 5  # inharmonicity
_AD_NORM = M0 + 6
_AD_AMP0 = M0 + 8  # partial amplitudes from here
_AD_MAXK = STATE_SIZE - _AD_AMP0  # 24
# Organ key click (after the nine drawbar amplitudes)
_OR_CLICK_RISE = M0 + 17  # samples to the click's peak
_OR_CLICK_END = M0 + 18  # sample at which it has died
_OR_CLICK_AMP = M0 + 19
_OR_CLICK_LP = M0 + 20  # one-pole coefficients
_OR_CLICK_HP = M0 + 21
_OR_CLICK_Z = M0 + 22  # filter states: three low-passes, then the high-pass


@njit(cache=True)
def _drawbar_digit(code, i):
    """Digit ``i`` (0 = 16') of a 9-digit drawbar registration, clamped to 0..8."""
    c = np.int64(min(max(code, 0.0), 999999999.0) + 0.5)
    d = (c // np.int64(10 ** (8 - i))) % 10
    return float(min(d, 8))


@njit(cache=True)
def _drawbar_level(digit):
    """Amplitude of a drawbar at ``digit`` (0..8): 0 when in, then 3 dB a step up to 1 at 8."""
    if digit <= 0.0:
        return 0.0
    return 10.0 ** (-_DRAWBAR_STEP_DB * (8.0 - digit) / 20.0)


@njit(cache=True)
def _add_start(kind, state, patch, sr):
    dt = state[S_DT]
    vel = state[S_VEL]
    vs = min(max(patch[P_VELOCITY_SENS], 0.0), 1.0)
    bright = min(max(patch[P_BRIGHTNESS], 0.0), 1.0)
    bright = min(1.0, bright * (1.0 - vs + vs * (0.4 + 0.6 * vel)) + 0.25 * vs * vel)
    state[R_2] = 1.0
    state[R_2 + 1] = 1.0
    state[R_3] = 1.0
    state[R_3 + 1] = 1.0
    nk = 0
    norm = 0.0
    if kind == PLUCK or kind == PIANO:
        b = max(patch[P_INHARMONICITY], 0.0) if kind == PIANO else 0.0
        state[_AD_B] = b
        pos = min(max(patch[P_POSITION], 0.01), 0.5)
        tilt = 2.2 - 1.4 * bright  # spectral slope: 1/k^tilt
        for k in range(1, _AD_MAXK + 1):
            ratio = k * math.sqrt(1.0 + b * k * k)
            if ratio * dt >= 0.45:
                break
            a = abs(math.sin(math.pi * k * pos)) / k**tilt
            state[_AD_AMP0 + k - 1] = a
            norm += a * a
            nk = k
        if kind == PLUCK:
            # Karplus-Strong loop loss per k^2 (see above), scaled by brightness.
            w = math.pi * dt
            state[_AD_BRATE] = 0.5 * w * w * dt * 2.0 ** (3.0 * (0.5 - bright))
        else:
            # Piano: partial k dies (1 + 0.04 k^2) times faster than the fundamental.
            state[_AD_BRATE] = 0.04 * _LN1000 / (max(patch[P_DECAY_S], 1e-3) * sr)
        state[_AD_ARATE] = 0.0  # the envelope's decay carries the fundamental
    elif kind == ORGAN or kind == DRONE:
        code = patch[P_DRAWBARS]
        for i in range(9):
            d = _drawbar_level(_drawbar_digit(code, i))
            state[_AD_AMP0 + i] = d
            norm += d * d
        nk = 9
        if kind == ORGAN:
            state[_OR_CLICK_RISE] = max(1.0, math.floor(_CLICK_RISE_S * sr + 0.5))
            state[_OR_CLICK_END] = state[_OR_CLICK_RISE] + math.floor(_CLICK_LEN_TAUS * _CLICK_TAU_S * sr + 0.5)
            state[_OR_CLICK_LP] = _onepole_coef(_CLICK_LP_HZ, sr)
            state[_OR_CLICK_HP] = _onepole_coef(_CLICK_HP_HZ, sr)
            noise_rms = _CLICK_NOISE_RMS_48K * math.sqrt(48000.0 / sr)
            # The tone's RMS is 0.4 / sqrt(2) (see the levels below) before gain and envelope.
            state[_OR_CLICK_AMP] = _CLICK_LEVEL * 0.4 / math.sqrt(2.0) / noise_rms if norm > 0.0 else 0.0
    else:  # SUB_BASS: sine with a touch of 2nd and 3rd harmonic
        state[_AD_AMP0] = 1.0
        state[_AD_AMP0 + 1] = 0.3 * bright
        state[_AD_AMP0 + 2] = 0.1 * bright
        norm = 1.0 + 0.09 * bright * bright + 0.01 * bright * bright
        nk = 3
    state[_AD_K] = nk
    state[_AD_AQ] = math.exp(-state[_AD_ARATE] * CHUNK)
    state[_AD_BQ] = math.exp(-state[_AD_BRATE] * CHUNK)
    # Levels balanced by ear and peak meter: one note at velocity 1 peaks near -6 dBFS.
    level = 0.5
    if kind == PIANO:
        level = 0.24
    elif kind == PLUCK or kind == ORGAN:
        level = 0.4
    elif kind == DRONE:
        level = 0.25
    state[_AD_NORM] = level / math.sqrt(max(norm, 1e-12))


@njit(cache=True)
def _add_begin(state, length):
    state[R_2 + 1] = state[R_2] * _factor(state[_AD_ARATE], length, state[_AD_AQ])
    state[R_3 + 1] = state[R_3] * _factor(state[_AD_BRATE], length, state[_AD_BQ])


@njit(cache=True)
def _add_partial(out_l, out_r, j0, m, n0, t0, inc, off, aa, asl, gl, gr):
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    for i in range(m):
        t = t0 + i
        y = sin_2pi((n0 + i) * inc + off) * (aa + asl * t)
        ol[i] += y * gl
        orr[i] += y * gr


@njit(cache=True)
def _organ_click(state, out_l, out_r, j0, m, n0, t0, inv):
    """Add the key click (see _CLICK_*) for the segment's samples that fall inside it."""
    rise = state[_OR_CLICK_RISE]
    end = state[_OR_CLICK_END]
    decay = _CLICK_LEN_TAUS / (end - rise)  # 1 / time constant, per sample
    amp = state[_OR_CLICK_AMP]
    lp = state[_OR_CLICK_LP]
    hp = state[_OR_CLICK_HP]
    z1 = state[_OR_CLICK_Z]
    z2 = state[_OR_CLICK_Z + 1]
    z3 = state[_OR_CLICK_Z + 2]
    h = state[_OR_CLICK_Z + 3]
    # In the release the click follows the envelope down (a note shorter than the click).
    gate_a = 1.0
    gate_s = 0.0
    if state[S_STAGE] == _RELEASE and state[S_REL_LEVEL] > 0.0:
        gate_a = state[R_ENV] / state[S_REL_LEVEL]
        gate_s = (state[R_ENV + 1] / state[S_REL_LEVEL] - gate_a) * inv
    seed_h = mix64(np.uint64(np.int64(state[S_SEED])) + np.uint64(0xC11C))
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    for i in range(m):
        n = n0 + i
        if n >= end:
            break
        x = _bipolar(mix64(seed_h + np.uint64(np.int64(n))), 0)
        z1 += lp * (x - z1)
        z2 += lp * (z1 - z2)
        z3 += lp * (z2 - z3)
        h += hp * (z3 - h)
        if n < rise:
            u = n / rise
            u2 = u * u
            c = u2 * u2 * (5.0 - 4.0 * u)  # from 0, flat at both ends, late-rising
        else:
            v = (n - rise) / (end - rise)  # 0..1 over the decay; the taper lands it on 0
            c = math.exp(-decay * (n - rise)) * (1.0 - v) * (1.0 - v)
        y = (z3 - h) * c * amp * (gate_a + gate_s * (t0 + i))
        ol[i] += y * gl
        orr[i] += y * gr
    state[_OR_CLICK_Z] = _flush(z1)
    state[_OR_CLICK_Z + 1] = _flush(z2)
    state[_OR_CLICK_Z + 2] = _flush(z3)
    state[_OR_CLICK_Z + 3] = _flush(h)


@njit(cache=True)
def _add_render(kind, state, patch, out_l, out_r, j0, m, sr):
    s = state[S_SEG_START]
    e = state[S_SEG_END]
    inv = 1.0 / (e - s)
    n0 = state[S_N]
    t0 = n0 - s
    dt = state[S_DT]
    norm = state[_AD_NORM]
    env_a = state[R_ENV] * norm
    env_b = state[R_ENV + 1] * norm
    gl0 = state[S_GAIN_L]
    gr0 = state[S_GAIN_R]
    nk = int(state[_AD_K])
    seed = np.int64(state[S_SEED])
    phase0 = hash_unit(seed, 11, 0, 0)
    if kind == PLUCK or kind == PIANO:
        ea = env_a * state[R_2]
        eb = env_b * state[R_2 + 1]
        ua = state[R_3]
        ub = state[R_3 + 1]
        wa = ua  # U^(k^2) for k = 1
        wb = ub
        va = ua * ua * ua  # U^(2k+1)
        vb = ub * ub * ub
        ua2 = ua * ua
        ub2 = ub * ub
        b = state[_AD_B]
        for k in range(1, nk + 1):
            amp = state[_AD_AMP0 + k - 1]
            aa = ea * amp * wa
            ab = eb * amp * wb
            wa *= va
            wb *= vb
            va *= ua2
            vb *= ub2
            if aa < 1e-7 and ab < 1e-7:
                continue
            ratio = k * math.sqrt(1.0 + b * k * k)
            # Plucks start in sine phase (a string at rest); piano partials a little spread.
            off = 0.0 if kind == PLUCK else phase0 + 0.381966 * k
            _add_partial(out_l, out_r, j0, m, n0, t0, ratio * dt, off, aa, (ab - aa) * inv, gl0, gr0)
    elif kind == ORGAN or kind == DRONE:
        if kind == ORGAN and n0 < state[_OR_CLICK_END]:
            _organ_click(state, out_l, out_r, j0, m, n0, t0, inv)
        detune = patch[P_DETUNE_CENTS] if kind == DRONE else 0.0
        spread = min(max(patch[P_SPREAD], 0.0), 1.0)
        lfo_hz = max(patch[P_LFO_HZ], 0.0) if kind == DRONE else 0.0
        depth = min(max(patch[P_LFO_DEPTH], 0.0), 1.0) if kind == DRONE else 0.0
        ts = s / sr
        te = e / sr
        for k in range(nk):
            amp = state[_AD_AMP0 + k]
            if amp == 0.0:
                continue
            ratio = _DRAWBAR_RATIOS[k]
            if ratio * dt >= 0.45:
                continue
            ma = 1.0
            mb = 1.0
            if depth > 0.0 and lfo_hz > 0.0:
                # Each partial swells on its own slow cycle (rates spread by the golden ratio).
                rate = lfo_hz * (0.7 + 0.6 * ((k * 0.618034) % 1.0))
                ph = hash_unit(seed, 13, k, 0)
                ma = 1.0 - depth * 0.5 * (1.0 + math.sin(_TWO_PI * (rate * ts + ph)))
                mb = 1.0 - depth * 0.5 * (1.0 + math.sin(_TWO_PI * (rate * te + ph)))
            if kind == ORGAN:
                aa = env_a * amp * ma
                ab = env_b * amp * mb
                off = phase0 + 0.381966 * k
                _add_partial(out_l, out_r, j0, m, n0, t0, ratio * dt, off, aa, (ab - aa) * inv, gl0, gr0)
            else:
                # Two sines per partial, detuned apart and spread apart: slow beating, width.
                half = 0.5 * detune / 1200.0
                aa = env_a * amp * ma * 0.7071
                ab = env_b * amp * mb * 0.7071
                sl = (ab - aa) * inv
                p = spread * (1.0 if k % 2 == 0 else -1.0)
                for twin in range(2):
                    sign = 1.0 if twin == 0 else -1.0
                    inc = ratio * dt * _exp2_small(sign * half)
                    off = hash_unit(seed, 17, k, twin)
                    pl = 1.0 - sign * p
                    pr = 1.0 + sign * p
                    _add_partial(out_l, out_r, j0, m, n0, t0, inc, off, aa, sl, gl0 * pl, gr0 * pr)
    else:
        for k in range(nk):
            amp = state[_AD_AMP0 + k]
            ratio = k + 1.0
            if amp == 0.0 or ratio * dt >= 0.45:
                continue
            aa = env_a * amp
            ab = env_b * amp
            _add_partial(out_l, out_r, j0, m, n0, t0, ratio * dt, 0.0, aa, (ab - aa) * inv, gl0, gr0)


# --- pad: detuned unison saws through a low-pass -------------------------------------------
_PD_NV = M0
_PD_PH = M0 + 1  # 7 phases at segment start
_PD_DT = M0 + 8  # 7 increments for this segment
_PD_SVF_L = M0 + 15  # 2
_PD_SVF_R = M0 + 17  # 2
_PD_COEF = M0 + 19  # a1, a2, a3, k
_PD_PAN = M0 + 23  # 7 pans
_PD_NORM = M0 + 30


@njit(cache=True)
def _pad_start(state, patch, sr):
    nv = int(min(max(patch[P_VOICES], 1.0), 7.0))
    state[_PD_NV] = nv
    seed = np.int64(state[S_SEED])
    spread = min(max(patch[P_SPREAD], 0.0), 1.0)
    for j in range(nv):
        state[_PD_PH + j] = hash_unit(seed, 21, j, 0)
        if nv == 1:
            state[_PD_PAN + j] = 0.0
        else:
            state[_PD_PAN + j] = spread * _UNISON_PANS[int(j * 6 / (nv - 1) + 0.5)]
    state[_PD_NORM] = 0.2 / math.sqrt(nv)


@njit(cache=True)
def _unison_cents(patch, state, j, nv, t_s, seed):
    """Pitch offset in cents of unison voice ``j`` at time ``t_s``: spread + drift + vibrato."""
    c = 0.0
    if nv > 1:
        c = patch[P_DETUNE_CENTS] * (2.0 * j / (nv - 1) - 1.0)
    drift = patch[P_DRIFT_CENTS]
    if drift > 0.0:
        c += drift * _value_noise(seed, 31 + j, t_s / 1.7)
    vib = patch[P_VIBRATO_CENTS]
    if vib > 0.0:
        c += vib * math.sin(_TWO_PI * patch[P_VIBRATO_HZ] * t_s + 1.3 * j)
    return c


@njit(cache=True, inline="always")
def _advance_unison(state, patch, ph, dt, nv, l_prev, t_s):
    """Carry each unison voice's phase over the last segment (``l_prev`` samples at its old
    rate) and set its rate for the next from the detune, drift and vibrato at ``t_s``."""
    seed = np.int64(state[S_SEED])
    f0_dt = state[S_DT]
    for j in range(nv):
        p = state[ph + j] + l_prev * state[dt + j]
        state[ph + j] = p - math.floor(p)
        cents = _unison_cents(patch, state, j, nv, t_s, seed)
        state[dt + j] = min(f0_dt * _exp2_small(cents / 1200.0), 0.45)


@njit(cache=True)
def _pad_begin(state, patch, sr, l_prev, n, e):
    t_s = n / sr
    _advance_unison(state, patch, _PD_PH, _PD_DT, int(state[_PD_NV]), l_prev, t_s)
    env = 0.5 * (state[R_ENV] + state[R_ENV + 1])
    octs = patch[P_FILTER_ENV_OCT] * env
    lfo_hz = patch[P_LFO_HZ]
    if lfo_hz > 0.0:
        octs += patch[P_LFO_DEPTH] * math.sin(_TWO_PI * lfo_hz * t_s)
    cutoff = patch[P_CUTOFF_HZ] * 2.0**octs
    a1, a2, a3, k = svf_coefficients(cutoff, max(patch[P_RESONANCE], 0.1), sr)
    state[_PD_COEF] = a1
    state[_PD_COEF + 1] = a2
    state[_PD_COEF + 2] = a3
    state[_PD_COEF + 3] = k


@njit(cache=True)
def _pad_render(state, out_l, out_r, j0, m):
    if m <= CHUNK and state.shape[0] >= STATE_SIZE + SCRATCH_SIZE:
        _pad_render_scratch(state, out_l, out_r, j0, m)
    else:
        _pad_render_samples(state, out_l, out_r, j0, m)


@njit(cache=True)
def _pad_render_samples(state, out_l, out_r, j0, m):
    """The pad a sample at a time (rows without scratch)."""
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    s = state[S_SEG_START]
    inv = 1.0 / (state[S_SEG_END] - s)
    t0 = state[S_N] - s
    g = state[_PD_NORM]
    ea = state[R_ENV] * g
    es = (state[R_ENV + 1] * g - ea) * inv
    nv = int(state[_PD_NV])
    a1 = state[_PD_COEF]
    a2 = state[_PD_COEF + 1]
    a3 = state[_PD_COEF + 2]
    k = state[_PD_COEF + 3]
    svf_l = state[_PD_SVF_L : _PD_SVF_L + 2]
    svf_r = state[_PD_SVF_R : _PD_SVF_R + 2]
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    for i in range(m):
        t = t0 + i
        xl = 0.0
        xr = 0.0
        for j in range(nv):
            d = state[_PD_DT + j]
            p = state[_PD_PH + j] + t * d
            p -= np.floor(p)
            v = saw_tick(p, d)
            pan = state[_PD_PAN + j]
            xl += v * (1.0 - pan)
            xr += v * (1.0 + pan)
        yl = svf_tick(xl, svf_l, a1, a2, a3, k, LOWPASS)
        yr = svf_tick(xr, svf_r, a1, a2, a3, k, LOWPASS)
        env = ea + es * t
        ol[i] += yl * env * gl
        orr[i] += yr * env * gr


_SC_XL = STATE_SIZE
_SC_XR = STATE_SIZE + CHUNK
_SC_V = STATE_SIZE + 2 * CHUNK
_BLEP_SCAN_MAX_DT = 0.125  # above this pitch (1/8 of the rate) every sample is near a wrap


@njit(cache=True)
def _saw_blep_fix(v, m, ph, t0, d):
    """Put the PolyBLEP back into the naive saw ``v[i] = 2 p - 1`` where it is not zero.

    ``p`` is within ``d`` of a wrap only for the two samples around each integer crossing of
    ``ph + t * d``; those (and two more either side, for rounding) are recomputed exactly as
    :func:`~groovebox.dsp.oscillators.saw_tick` does, every other sample already equals it
    (its PolyBLEP is 0). High voices, with wraps every few samples, recompute everything.
    """
    if d >= _BLEP_SCAN_MAX_DT:
        for i in range(m):
            p = ph + (t0 + i) * d
            p -= np.floor(p)
            v[i] = saw_tick(p, d)
        return
    # The computed phases rise with i, so every wrap near the segment lies between these;
    # where a crossing falls needs no exactness (a window of 5 samples covers rounding).
    k_lo = math.floor(ph + t0 * d - d)
    k_hi = math.ceil(ph + (t0 + (m - 1)) * d + d)
    inv_d = 1.0 / d
    for k in range(k_lo, k_hi + 1):
        c = math.floor((k - ph) * inv_d - t0)
        for i in range(max(c - 2, 0), min(c + 3, m)):
            p = ph + (t0 + i) * d
            p -= np.floor(p)
            v[i] = saw_tick(p, d)


@njit(cache=True)
def _pad_render_scratch(state, out_l, out_r, j0, m):
    """:func:`_pad_render_samples` with the scratch after the state: the same arithmetic in
    another order. Each unison saw fills a row over the segment (naive saw, then its PolyBLEP
    samples), rows are summed in voice order (so every sum is the same sum), then the filter
    runs with its state in variables."""
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    s = state[S_SEG_START]
    inv = 1.0 / (state[S_SEG_END] - s)
    t0 = state[S_N] - s
    g = state[_PD_NORM]
    ea = state[R_ENV] * g
    es = (state[R_ENV + 1] * g - ea) * inv
    nv = int(state[_PD_NV])
    xl = state[_SC_XL : _SC_XL + m]
    xr = state[_SC_XR : _SC_XR + m]
    v = state[_SC_V : _SC_V + m]
    for i in range(m):
        xl[i] = 0.0
        xr[i] = 0.0
    for j in range(nv):
        d = state[_PD_DT + j]
        ph = state[_PD_PH + j]
        pan = state[_PD_PAN + j]
        wl = 1.0 - pan
        wr = 1.0 + pan
        for i in range(m):
            p = ph + (t0 + i) * d
            p -= np.floor(p)
            v[i] = 2.0 * p - 1.0
        _saw_blep_fix(v, m, ph, t0, d)
        for i in range(m):
            xl[i] += v[i] * wl
            xr[i] += v[i] * wr
    a1 = state[_PD_COEF]
    a2 = state[_PD_COEF + 1]
    a3 = state[_PD_COEF + 2]
    l1 = state[_PD_SVF_L]
    l2 = state[_PD_SVF_L + 1]
    r1 = state[_PD_SVF_R]
    r2 = state[_PD_SVF_R + 1]
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    i = 0
    while i < m:
        # svf_tick(x, ..., LOWPASS) written out on variables, its denormal flush off the
        # recursion's chain: the inner loop leaves to flush after any sample whose memory fell
        # under the floor (the samples of flushing every sample; see filters.svf_stereo).
        while i < m:
            v3 = xl[i] - l2
            v1 = a1 * l1 + a2 * v3
            yl = l2 + a2 * l1 + a3 * v3
            l1 = 2.0 * v1 - l1
            l2 = 2.0 * yl - l2
            v3 = xr[i] - r2
            v1 = a1 * r1 + a2 * v3
            yr = r2 + a2 * r1 + a3 * v3
            r1 = 2.0 * v1 - r1
            r2 = 2.0 * yr - r2
            env = ea + es * (t0 + i)
            ol[i] += yl * env * gl
            orr[i] += yr * env * gr
            i += 1
            if min(min(abs(l1), abs(l2)), min(abs(r1), abs(r2))) < 1e-20:
                break
        l1 = _flush(l1)
        l2 = _flush(l2)
        r1 = _flush(r1)
        r2 = _flush(r2)
    state[_PD_SVF_L] = l1
    state[_PD_SVF_L + 1] = l2
    state[_PD_SVF_R] = r1
    state[_PD_SVF_R + 1] = r2


# --- choir: unison saws through vowel formants ---------------------------------------------
_CH_NV = M0
_CH_PH = M0 + 1  # 3
_CH_DT = M0 + 4  # 3
_CH_SVF = M0 + 7  # 6 filters x 2 (formant f of left at 2f, of right at 2f + 6)
_CH_COEF = M0 + 19  # 3 formants x (a1, a2, a3, gain)
_CH_GAIN = M0 + 31  # the note's voice gain (equal loudness, see _choir_loudness)

# Loudness of a sung note: its harmonics (a saw's, 1/k) through the vowel's formants, weighted as
# BS.1770's K filter weights them (a +4 dB shelf above ~1.7 kHz; the choir has nothing in its
# low cut). Formants are narrow, so this swings by 10 dB and more from note to note as harmonics
# fall on or between formant peaks; the choir divides it out, so every note (any pitch, any vowel)
# is as loud as the average note of C4..C5 on "ah". _CHOIR_REF is that average.
_CHOIR_REF = 0.1187  # mean of _choir_loudness over C4..C5 on "ah" (power mean)
_K_SHELF_HZ = 1682.0
_K_SHELF_POWER = 10.0 ** (4.0 / 10.0)
_CHOIR_MAX_HZ = 12000.0


@njit(cache=True)
def _vowel_formant(v, f):
    """(centre Hz, level) of formant ``f`` of vowel position ``v`` (0..4, fractions morph)."""
    v = min(max(v, 0.0), 4.0)
    i0 = int(min(math.floor(v), 3.0))
    w = v - i0
    freq = _VOWEL_F[i0][f] * (1.0 - w) + _VOWEL_F[i0 + 1][f] * w
    gain = _VOWEL_G[i0][f] * (1.0 - w) + _VOWEL_G[i0 + 1][f] * w
    return freq, gain


@njit(cache=True)
def _choir_loudness(f0, v, sr):
    """K-weighted power of a saw at ``f0`` through vowel ``v``'s formants (arbitrary unit).

    Each formant is the SVF band-pass of the render (unity peak), evaluated exactly: the
    trapezoidal SVF's response is the analog one at the prewarped frequency.
    """
    fc0, g0 = _vowel_formant(v, 0)
    fc1, g1 = _vowel_formant(v, 1)
    fc2, g2 = _vowel_formant(v, 2)
    top = min(0.45 * sr, _CHOIR_MAX_HZ)
    total = 0.0
    h = 1
    while h * f0 < top:
        f = h * f0
        tf = math.tan(math.pi * f / sr)
        re = 0.0
        im = 0.0
        for j in range(3):
            fc = fc0 if j == 0 else (fc1 if j == 1 else fc2)
            g = g0 if j == 0 else (g1 if j == 1 else g2)
            k = _VOWEL_BW[j] / fc  # 1 / Q
            x = tf / math.tan(math.pi * min(fc, 0.49 * sr) / sr)
            d = (1.0 - x * x) ** 2 + (k * x) ** 2
            # k * (j x) / (1 - x^2 + j k x), times the formant's level
            re += g * k * k * x * x / d
            im += g * k * x * (1.0 - x * x) / d
        r = (f / _K_SHELF_HZ) ** 2
        weight = (1.0 + _K_SHELF_POWER * r) / (1.0 + r)
        total += (re * re + im * im) * weight / (h * h)
        h += 1
    return total


@njit(cache=True)
def _choir_start(state, patch, sr):
    nv = int(min(max(patch[P_VOICES], 1.0), 3.0))
    state[_CH_NV] = nv
    seed = np.int64(state[S_SEED])
    for j in range(nv):
        state[_CH_PH + j] = hash_unit(seed, 41, j, 0)
    v = min(max(patch[P_VOWEL], 0.0), 4.0)
    for f in range(3):
        freq, gain = _vowel_formant(v, f)
        a1, a2, a3, k = svf_coefficients(freq, freq / _VOWEL_BW[f], sr)
        state[_CH_COEF + 4 * f] = a1
        state[_CH_COEF + 4 * f + 1] = a2
        state[_CH_COEF + 4 * f + 2] = a3
        state[_CH_COEF + 4 * f + 3] = gain * k  # k * band-pass = unity peak gain
    # Equal loudness per note (within +-12 dB: a vowel no harmonic can reach stays quiet).
    power = _choir_loudness(state[S_DT] * sr, v, sr)
    state[_CH_GAIN] = min(max(math.sqrt(_CHOIR_REF / max(power, 1e-30)), 0.25), 4.0)


@njit(cache=True)
def _choir_begin(state, patch, sr, l_prev, n, e):
    t_s = n / sr
    _advance_unison(state, patch, _CH_PH, _CH_DT, int(state[_CH_NV]), l_prev, t_s)


@njit(cache=True)
def _choir_render(state, patch, out_l, out_r, j0, m):
    if m <= CHUNK and state.shape[0] >= STATE_SIZE + SCRATCH_SIZE:
        _choir_render_scratch(state, patch, out_l, out_r, j0, m)
    else:
        _choir_render_samples(state, patch, out_l, out_r, j0, m)


@njit(cache=True)
def _choir_render_scratch(state, patch, out_l, out_r, j0, m):
    """:func:`_choir_render_samples` with the scratch after the state: the same arithmetic in
    another order. The unison saws fill rows over the segment (naive saw, then its PolyBLEP
    samples) summed in voice order, the breath is added over the rows, then the six formant
    filters run with their states in variables (the sample loop keeps them in the state row:
    a load and a store per filter and sample)."""
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    s = state[S_SEG_START]
    inv = 1.0 / (state[S_SEG_END] - s)
    n0 = state[S_N]
    t0 = n0 - s
    nv = int(state[_CH_NV])
    g = 0.9 / math.sqrt(nv)
    ea = state[R_ENV] * g
    es = (state[R_ENV + 1] * g - ea) * inv
    voice = state[_CH_GAIN]
    spread = min(max(patch[P_SPREAD], 0.0), 1.0)
    breath = min(max(patch[P_NOISE], 0.0), 1.0) * 0.6
    seed_h = mix64(np.uint64(np.int64(state[S_SEED])) + np.uint64(0x51ED))
    xl = state[_SC_XL : _SC_XL + m]
    xr = state[_SC_XR : _SC_XR + m]
    v = state[_SC_V : _SC_V + m]
    for i in range(m):
        xl[i] = 0.0
        xr[i] = 0.0
    for j in range(nv):
        d = state[_CH_DT + j]
        ph = state[_CH_PH + j]
        pan = spread * (0.0 if j == 0 else (1.0 if j == 1 else -1.0))
        wl = 1.0 - pan
        wr = 1.0 + pan
        for i in range(m):
            p = ph + (t0 + i) * d
            p -= np.floor(p)
            v[i] = 2.0 * p - 1.0
        _saw_blep_fix(v, m, ph, t0, d)
        for i in range(m):
            xl[i] += v[i] * wl
            xr[i] += v[i] * wr
    if breath > 0.0:
        base = seed_h + np.uint64(np.int64(n0))
        for i in range(m):
            h = mix64(base + np.uint64(i))
            xl[i] = xl[i] * voice + breath * _bipolar(h, 0)
            xr[i] = xr[i] * voice + breath * _bipolar(h, 21)
    else:
        for i in range(m):
            xl[i] *= voice
            xr[i] *= voice
    c = _CH_COEF
    c0a, c0b, c0c, g0 = state[c], state[c + 1], state[c + 2], state[c + 3]
    c1a, c1b, c1c, g1 = state[c + 4], state[c + 5], state[c + 6], state[c + 7]
    c2a, c2b, c2c, g2 = state[c + 8], state[c + 9], state[c + 10], state[c + 11]
    f = _CH_SVF
    l01, l02, l11, l12, l21, l22 = state[f], state[f + 1], state[f + 2], state[f + 3], state[f + 4], state[f + 5]
    r01, r02, r11, r12, r21, r22 = state[f + 6], state[f + 7], state[f + 8], state[f + 9], state[f + 10], state[f + 11]
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    for i in range(m):
        x = xl[i]
        y0, l01, l02 = _bp_tick(x, l01, l02, c0a, c0b, c0c)
        y1, l11, l12 = _bp_tick(x, l11, l12, c1a, c1b, c1c)
        y2, l21, l22 = _bp_tick(x, l21, l22, c2a, c2b, c2c)
        yl = g0 * y0
        yl += g1 * y1
        yl += g2 * y2
        x = xr[i]
        y0, r01, r02 = _bp_tick(x, r01, r02, c0a, c0b, c0c)
        y1, r11, r12 = _bp_tick(x, r11, r12, c1a, c1b, c1c)
        y2, r21, r22 = _bp_tick(x, r21, r22, c2a, c2b, c2c)
        yr = g0 * y0
        yr += g1 * y1
        yr += g2 * y2
        env = ea + es * (t0 + i)
        ol[i] += yl * env * gl
        orr[i] += yr * env * gr
    state[f], state[f + 1], state[f + 2], state[f + 3], state[f + 4], state[f + 5] = l01, l02, l11, l12, l21, l22
    state[f + 6], state[f + 7], state[f + 8], state[f + 9], state[f + 10], state[f + 11] = r01, r02, r11, r12, r21, r22
    _choir_flush(state, n0 + m)


@njit(cache=True, inline="always")
def _bp_tick(x, ic1, ic2, a1, a2, a3):
    """The band-pass of :func:`~groovebox.dsp.filters.svf_tick` on variables, without its
    flush (see :func:`_choir_flush`): (output, new ic1, new ic2). Fused multiply-adds (one
    rounding where svf_tick rounds twice) make each sample's chain of dependent operations
    about a third shorter, and fewer instructions. 2 v1 is exact, so ic1 and ic2 round as
    before."""
    v3 = x - ic2
    v1 = fma(a2, v3, a1 * ic1)
    v2 = fma(a3, v3, fma(a2, ic1, ic2))
    ic1 = fma(2.0, v1, -ic1)
    ic2 = fma(2.0, v2, -ic2)
    return v1, ic1, ic2


@njit(cache=True, inline="always")
def _choir_flush(state, n_end):
    """Flush the formant filters' states below 1e-20 to 0 at the end of a control segment.

    Once a segment, not every sample (it was half the filters' work): the narrowest formant
    filter needs over 10^4 samples to decay from 1e-20 into denormals even at 8 kHz, and
    segment ends fall on the voice's clock, so the samples stay independent of the block size."""
    if n_end >= state[S_SEG_END]:
        for k in range(_CH_SVF, _CH_SVF + 12):
            state[k] = _flush(state[k])


@njit(cache=True, inline="always")
def _bp_step(x, z, a1, a2, a3):
    """:func:`_bp_tick` on a filter state held in ``z[0:2]``."""
    y, z[0], z[1] = _bp_tick(x, z[0], z[1], a1, a2, a3)
    return y


@njit(cache=True)
def _choir_render_samples(state, patch, out_l, out_r, j0, m):
    """The choir a sample at a time (rows without scratch)."""
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    s = state[S_SEG_START]
    inv = 1.0 / (state[S_SEG_END] - s)
    n0 = state[S_N]
    t0 = n0 - s
    nv = int(state[_CH_NV])
    g = 0.9 / math.sqrt(nv)
    ea = state[R_ENV] * g
    es = (state[R_ENV + 1] * g - ea) * inv
    voice = state[_CH_GAIN]  # the breath is not levelled: it does not depend on the pitch
    spread = min(max(patch[P_SPREAD], 0.0), 1.0)
    breath = min(max(patch[P_NOISE], 0.0), 1.0) * 0.6
    seed_h = mix64(np.uint64(np.int64(state[S_SEED])) + np.uint64(0x51ED))
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    fl0 = state[_CH_SVF : _CH_SVF + 2]
    fl1 = state[_CH_SVF + 2 : _CH_SVF + 4]
    fl2 = state[_CH_SVF + 4 : _CH_SVF + 6]
    fr0 = state[_CH_SVF + 6 : _CH_SVF + 8]
    fr1 = state[_CH_SVF + 8 : _CH_SVF + 10]
    fr2 = state[_CH_SVF + 10 : _CH_SVF + 12]
    c = _CH_COEF
    c0a, c0b, c0c, g0 = state[c], state[c + 1], state[c + 2], state[c + 3]
    c1a, c1b, c1c, g1 = state[c + 4], state[c + 5], state[c + 6], state[c + 7]
    c2a, c2b, c2c, g2 = state[c + 8], state[c + 9], state[c + 10], state[c + 11]
    for i in range(m):
        t = t0 + i
        xl = 0.0
        xr = 0.0
        for j in range(nv):
            d = state[_CH_DT + j]
            p = state[_CH_PH + j] + t * d
            p -= np.floor(p)
            v = saw_tick(p, d)
            pan = spread * (0.0 if j == 0 else (1.0 if j == 1 else -1.0))
            xl += v * (1.0 - pan)
            xr += v * (1.0 + pan)
        xl *= voice
        xr *= voice
        if breath > 0.0:
            h = mix64(seed_h + np.uint64(np.int64(n0) + i))
            xl += breath * _bipolar(h, 0)
            xr += breath * _bipolar(h, 21)
        yl = g0 * _bp_step(xl, fl0, c0a, c0b, c0c)
        yl += g1 * _bp_step(xl, fl1, c1a, c1b, c1c)
        yl += g2 * _bp_step(xl, fl2, c2a, c2b, c2c)
        yr = g0 * _bp_step(xr, fr0, c0a, c0b, c0c)
        yr += g1 * _bp_step(xr, fr1, c1a, c1b, c1c)
        yr += g2 * _bp_step(xr, fr2, c2a, c2b, c2c)
        env = ea + es * t
        ol[i] += yl * env * gl
        orr[i] += yr * env * gr
    _choir_flush(state, n0 + m)


# --- textures: rain, wind, ocean, hiss --------------------------------------------------------
# Shaped noise. Slow evolution (gusts, waves, drifting level) comes from smooth random
# functions of the voice's clock evaluated per control segment (ramps R_2 / R_3 = left/right
# level, R_4 / R_5 = left/right filter position in octaves).
_TX_F = M0  # filter states from here (up to 12)
_TX_C = M0 + 12  # coefficients from here (up to 16)


@njit(cache=True)
def _tex_start(kind, state, patch, sr):
    bright = min(max(patch[P_BRIGHTNESS], 0.0), 1.0)
    if kind == HISS:
        state[_TX_C] = _onepole_coef(max(patch[P_CUTOFF_HZ], 20.0), sr)  # low-pass
        state[_TX_C + 1] = _onepole_coef(250.0 + 1500.0 * bright, sr)  # high-pass corner
    elif kind == RAIN:
        state[_TX_C] = _onepole_coef(max(patch[P_CUTOFF_HZ], 20.0), sr)
        state[_TX_C + 1] = _onepole_coef(400.0 + 1600.0 * bright, sr)
    # Levels and filter positions start at their value at t = 0 (set by the first begin).
    _tex_targets(kind, state, patch, 0.0, 0)
    _tex_targets(kind, state, patch, 0.0, 1)


@njit(cache=True)
def _ocean_wave(seed, t_s, period_s, lane):
    """Level (0..1) and brightness (0..1) of breaking waves at time ``t_s``.

    Each wave swells slowly, breaks (the brightest, loudest moment) and washes out; periods and
    heights vary a little from wave to wave.
    """
    u = t_s / period_s + 0.35 * _value_noise(seed, 60 + lane, t_s / (2.3 * period_s))
    u += 0.11 * lane
    k = math.floor(u)
    f = u - k
    height = 0.5 + 0.5 * hash_unit(seed, 61, np.int64(k) + 1_000_000, 0)
    if f < 0.55:  # swell
        x = f / 0.55
        lvl = x * x * x
    else:  # break and wash
        x = (f - 0.55) / 0.45
        lvl = math.exp(-4.0 * x) * (1.0 - x)
    # Between waves (lvl = 0) the sea never falls silent, and heights change only there.
    return 0.25 + 0.75 * lvl * height, lvl


@njit(cache=True)
def _tex_targets(kind, state, patch, t_s, half):
    """Write the level/filter targets at ``t_s`` into the ramps (half 0 = start, 1 = end)."""
    seed = np.int64(state[S_SEED])
    rate = max(patch[P_LFO_HZ], 1e-3)
    depth = min(max(patch[P_LFO_DEPTH], 0.0), 1.0)
    for ch in range(2):
        if kind == OCEAN:
            lvl, bright = _ocean_wave(seed, t_s, 1.0 / rate, ch)
            level = lvl
            octs = 3.0 * bright * (0.5 + 0.5 * depth)
        elif kind == WIND:
            gust = 0.5 + 0.5 * _value_noise(seed, 70 + ch, t_s * rate)
            gust2 = 0.5 + 0.5 * _value_noise(seed, 72 + ch, t_s * rate * 3.1)
            level = (1.0 - depth) * 0.5 + depth * (0.15 + 0.85 * gust * gust) * (0.8 + 0.2 * gust2)
            octs = 1.6 * depth * (gust - 0.5) + 0.4 * (gust2 - 0.5)
        else:  # rain, hiss: a slowly drifting level
            v = _value_noise(seed, 80 + ch, t_s * rate)
            level = 1.0 + 0.5 * depth * v
            octs = 0.0
        state[R_2 + 2 * ch + half] = level
        state[R_4 + 2 * ch + half] = octs


@njit(cache=True)
def _tex_begin(kind, state, patch, sr, n, e):
    _tex_targets(kind, state, patch, e / sr, 1)
    if kind == WIND or kind == OCEAN:
        base = max(patch[P_CUTOFF_HZ], 20.0)
        q = max(patch[P_RESONANCE], 0.1)
        for ch in range(2):
            octs = 0.5 * (state[R_4 + 2 * ch] + state[R_4 + 2 * ch + 1])
            a1, a2, a3, k = svf_coefficients(base * 2.0**octs, q, sr)
            c = _TX_C + 4 * ch
            state[c] = a1
            state[c + 1] = a2
            state[c + 2] = a3
            state[c + 3] = k


@njit(cache=True)
def _tex_render(kind, state, patch, out_l, out_r, j0, m, sr):
    ol = out_l[j0 : j0 + m]
    orr = out_r[j0 : j0 + m]
    s = state[S_SEG_START]
    inv = 1.0 / (state[S_SEG_END] - s)
    n0 = state[S_N]
    t0 = n0 - s
    ea = state[R_ENV]
    es = (state[R_ENV + 1] - ea) * inv
    la = state[R_2]
    ls = (state[R_2 + 1] - la) * inv
    ra = state[R_3]
    rs = (state[R_3 + 1] - ra) * inv
    gl = state[S_GAIN_L]
    gr = state[S_GAIN_R]
    seed_h = mix64(np.uint64(np.int64(state[S_SEED])) + np.uint64(0x7E47))
    f = _TX_F
    c = _TX_C
    if kind == HISS:
        lp = state[c]
        hp = state[c + 1]
        crackle_p = max(patch[P_DENSITY], 0.0) / sr
        crackle_amp = 4.0 * min(max(patch[P_NOISE], 0.0), 1.0)
        zl = state[f]
        zr = state[f + 1]
        hl = state[f + 2]
        hr = state[f + 3]
        for i in range(m):
            t = t0 + i
            h = mix64(seed_h + np.uint64(np.int64(n0) + i))
            xl = _bipolar(h, 0)
            xr = _bipolar(h, 21)
            if _unit(h, 42) < crackle_p:
                amp = crackle_amp * (0.2 + _unit(mix64(h), 0)) * (1.0 if (h & np.uint64(1)) else -1.0)
                xl += amp
                xr += amp * 0.8
            zl += lp * (xl - zl)
            zr += lp * (xr - zr)
            hl += hp * (zl - hl)
            hr += hp * (zr - hr)
            env = (ea + es * t) * 0.25
            ol[i] += (zl - hl) * env * (la + ls * t) * gl
            orr[i] += (zr - hr) * env * (ra + rs * t) * gr
        state[f] = _flush(zl)
        state[f + 1] = _flush(zr)
        state[f + 2] = _flush(hl)
        state[f + 3] = _flush(hr)
    elif kind == RAIN:
        lp = state[c]
        hp = state[c + 1]
        bed = 0.25 * min(max(patch[P_NOISE], 0.0), 1.0)
        drop_p = max(patch[P_DENSITY], 0.0) / sr
        zl = state[f]
        zr = state[f + 1]
        hl = state[f + 2]
        hr = state[f + 3]
        svf_l = state[f + 4 : f + 6]
        svf_r = state[f + 6 : f + 8]
        dl1 = state[c + 4]
        dl2 = state[c + 5]
        dl3 = state[c + 6]
        dr1 = state[c + 8]
        dr2 = state[c + 9]
        dr3 = state[c + 10]
        for i in range(m):
            t = t0 + i
            nn = np.int64(n0) + i
            h = mix64(seed_h + np.uint64(nn))
            xl = _bipolar(h, 0)
            xr = _bipolar(h, 21)
            zl += lp * (xl - zl)
            zr += lp * (xr - zr)
            hl += hp * (zl - hl)
            hr += hp * (zr - hr)
            il = 0.0
            ir = 0.0
            if _unit(h, 42) < drop_p:
                # A drop: a click rung through a band-pass at a random pitch, randomly panned.
                h2 = mix64(h)
                size = _unit(h2, 0)
                amp = 6.0 * (0.1 + size * size)
                pan = _unit(h2, 21)
                freq = 1500.0 * 2.0 ** (2.0 * _unit(h2, 42))
                dl1, dl2, dl3, _ = svf_coefficients(freq, 6.0, sr)
                dr1 = dl1
                dr2 = dl2
                dr3 = dl3
                il = amp * (1.0 - pan)
                ir = amp * pan
            yl = svf_tick(il, svf_l, dl1, dl2, dl3, 1.0, BANDPASS)
            yr = svf_tick(ir, svf_r, dr1, dr2, dr3, 1.0, BANDPASS)
            env = ea + es * t
            ol[i] += (bed * (zl - hl) + yl * 0.15) * env * (la + ls * t) * gl
            orr[i] += (bed * (zr - hr) + yr * 0.15) * env * (ra + rs * t) * gr
        state[f] = _flush(zl)
        state[f + 1] = _flush(zr)
        state[f + 2] = _flush(hl)
        state[f + 3] = _flush(hr)
        state[c + 4] = dl1
        state[c + 5] = dl2
        state[c + 6] = dl3
        state[c + 8] = dr1
        state[c + 9] = dr2
        state[c + 10] = dr3
    else:  # WIND (band-pass) and OCEAN (low-pass), each channel its own moving filter
        mode = BANDPASS if kind == WIND else LOWPASS
        gain = 0.9 if kind == WIND else 1.4
        svf_l = state[f : f + 2]
        svf_r = state[f + 2 : f + 4]
        l1 = state[c]
        l2 = state[c + 1]
        l3 = state[c + 2]
        lk = state[c + 3]
        r1 = state[c + 4]
        r2 = state[c + 5]
        r3 = state[c + 6]
        rk = state[c + 7]
        for i in range(m):
            t = t0 + i
            h = mix64(seed_h + np.uint64(np.int64(n0) + i))
            xl = _bipolar(h, 0)
            xr = _bipolar(h, 21)
            yl = svf_tick(xl, svf_l, l1, l2, l3, lk, mode)
            yr = svf_tick(xr, svf_r, r1, r2, r3, rk, mode)
            if mode == BANDPASS:
                yl *= lk
                yr *= rk
            env = (ea + es * t) * gain
            ol[i] += yl * env * (la + ls * t) * gl
            orr[i] += yr * env * (ra + rs * t) * gr
