"""Drum-hit kernels: analog-style voices rendered once into one-shot tables.

Each kernel renders a whole hit into a caller-owned float64 array ``out`` (the caller sizes it
from the voice's longest decay) from a float64 parameter vector whose layout is given by the
index constants below. Frequencies are in Hz and times in seconds, so a voice sounds the same
at any sample rate. Decays are per-sample multiplications (no ``exp`` per sample), recursive
state is flushed below 1e-30, and noise comes from the xorshift stream in :mod:`.rng` seeded by
the caller, so a (parameters, seed, sample rate) triple always gives the same samples.

Families
--------
membrane_hit
    Sine modes under one exponential pitch sweep (two stages), a click pulse, a filtered noise
    burst with its own decay and an optional soft-clip drive: kicks, toms, congas, bongos,
    timbales, snares (two tones + snappy noise), rims, claves, woodblocks, agogos, triangles.
    Once the sweep has died out the modes run as decaying phasors (a complex multiply each).
    Snare wires are noise excited by the head: its level follows the modes' rectified motion.
metal_hit
    Up to six PolyBLEP squares summed (plus optional noise and ring-mod "trash"), split into
    two band-passed, high-passed bands with their own two-stage VCAs, and a stick tick that
    skips the band-pass: hats, cymbals, cowbells.
cymbal_hit
    A dense bank of inharmonic modes (a cymbal's or a hi-hat's plate: frequencies spread
    log-uniformly over a band, higher modes dying sooner) plus a filtered stick noise.
clap_hit
    Band-passed noise through a few sharp re-triggered bursts and a diffuse tail.
noise_hit
    Shaped high noise with a soft attack, random bead grains and optional jingles: shakers,
    maracas, tambourines.

The finishing kernels (:func:`color_hit`, :func:`finish_hit`) add the optional vintage colour
(saturation, sample-and-hold rate reduction, bit crush, band limits) and trim the table where
it has decayed below the floor, with a short fade to exactly zero.

These kernels each render one table in one call; the O(1) scratch arrays they allocate (mode
banks and filter states) are per table, never per sample.
"""

import math

import numpy as np
from numba import njit

from groovebox.dsp.filters import BANDPASS, HIGHPASS, LOWPASS, svf_coefficients, svf_tick
from groovebox.dsp.oscillators import fast_sin_2pi, square_tick
from groovebox.dsp.rng import hash_unit, next_state, seed_state, state_to_bipolar
from groovebox.dsp.shaping import flush as _flush
from groovebox.dsp.shaping import soft_clip as _soft_clip

# White noise spreads its power over 0..sr/2, so a fixed band holds less of it at higher rates;
# noise amplitudes are scaled by sqrt(sr / NOISE_REF_RATE) to keep the tone/noise balance.
NOISE_REF_RATE = 48000.0
MAX_MODES = 8
N_METAL_OSC = 6

# --- membrane_hit parameter layout -------------------------------------------------------
M_N_MODES = 0  # number of sine modes used (<= MAX_MODES)
M_PHASE0 = 1  # start phase of every mode, cycles
M_SWEEP1 = 2  # pitch sweep depth: f(t) = f * (1 + s1 e^(-t/tau1) + s2 e^(-t/tau2))
M_SWEEP1_TAU = 3
M_SWEEP2 = 4
M_SWEEP2_TAU = 5
M_CLICK = 6  # amplitude of a one-sided exponential click pulse
M_CLICK_TAU = 7
M_NOISE = 8  # amplitude of the filtered noise burst (relative to the unfiltered noise)
M_NOISE_TAU = 9
M_N1_MODE = 10  # noise filter 1: SVF mode, cutoff Hz, Q (mode < 0 bypasses)
M_N1_HZ = 11
M_N1_Q = 12
M_N2_MODE = 13  # noise filter 2
M_N2_HZ = 14
M_N2_Q = 15
M_DRIVE = 16  # soft-clip pre-gain minus one (0 = clean)
M_WIRES = 17  # snare wires: noise whose level follows the head's motion (rectified, smoothed)
M_WIRES_TAU = 18  # how long the wires keep buzzing after the head moves them
M_MODES = 19  # then per mode: freq_hz, amplitude, decay_tau_s
M_SIZE = M_MODES + 3 * MAX_MODES

# --- metal_hit parameter layout ----------------------------------------------------------
X_FREQS = 0  # six oscillator frequencies in Hz (0 = unused)
X_PHASE_SPREAD = 6  # start phases are drawn in [0.05, 0.05 + spread) per variant
X_TRASH = 7  # ring-mod amount of oscillator pairs (china "trash")
X_NOISE = 8  # white noise added to the oscillator sum
X_A_AMP = 9  # band A: amplitude, BP centre Hz, Q, fast tau, slow tau, slow fraction
X_A_HZ = 10
X_A_Q = 11
X_A_TAU1 = 12
X_A_TAU2 = 13
X_A_MIX2 = 14
X_B_AMP = 15  # band B: the same, then high-passed twice
X_B_HZ = 16
X_B_Q = 17
X_B_TAU1 = 18
X_B_TAU2 = 19
X_B_MIX2 = 20
X_HP_HZ = 21  # band B high-pass (two 2-pole stages)
X_A_HP_HZ = 22  # band A high-pass (one 2-pole stage)
X_TICK = 23  # stick tick: a short pulse into both bands after their band-pass (so it is only
X_TICK_TAU = 24  # high-passed and lands on the first sample at any sample rate)
X_SIZE = 25

# --- cymbal_hit parameter layout ---------------------------------------------------------
MAX_CYMBAL_MODES = 160
Y_N_MODES = 0  # number of plate modes (<= MAX_CYMBAL_MODES)
Y_F_LO = 1  # modes spread log-uniformly over [f_lo, f_hi] Hz (fixed per voice, not per take)
Y_F_HI = 2
Y_TILT = 3  # mode amplitude ~ (f / f_lo) ** tilt (negative: darker)
Y_TAU = 4  # decay time constant of a mode at f_lo, seconds
Y_TAU_EXP = 5  # tau(f) = tau * (f_lo / f) ** tau_exp: higher modes die sooner
Y_STRUCTURE = 6  # seed of the plate's mode frequencies and amplitudes (the cymbal itself)
Y_NOISE = 7  # stick/wash noise amplitude relative to the modes
Y_NOISE_TAU = 8
Y_NOISE_HP = 9  # noise high-pass Hz
Y_HP = 10  # output high-pass (two 2-pole stages) Hz; 0 = off
Y_LP = 11  # output low-pass (2-pole) Hz; 0 = off
Y_BLOOM_TAU = 12  # the plate's modes swell over this long after the stick (0 = at once)
Y_TAU2 = 13  # a second, slower decay of every mode (the wash) ...
Y_MIX2 = 14  # ... holding this fraction of the mode's amplitude
Y_SIZE = 15

# --- clap_hit parameter layout -----------------------------------------------------------
C_N_BURSTS = 0
C_SPACING = 1  # seconds between burst onsets
C_JITTER = 2  # fraction of the spacing each later burst may move (per variant)
C_BURST_TAU = 3
C_TAIL = 4  # tail amplitude relative to a burst
C_TAIL_TAU = 5
C_BP_HZ = 6
C_BP_Q = 7
C_HP_HZ = 8
C_SIZE = 9

# --- noise_hit parameter layout ----------------------------------------------------------
N_START = 0  # envelope level at t=0 relative to the attack's end (soft attack)
N_ATTACK_TAU = 1
N_DECAY_TAU = 2
N_HP_HZ = 3
N_HP_Q = 4
N_LP_HZ = 5
N_BEAD_RATE = 6  # bead collisions per second (0 = smooth noise)
N_BEAD_DEPTH = 7  # 0..1 how much the bead grains modulate the noise
N_BEAD_TAU = 8
N_JINGLE = 9  # amplitude of the jingles (0 = none)
N_JINGLE_HZ = 10  # lowest jingle partial
N_JINGLE_TAU = 11
N_JINGLE_HITS = 12  # number of jingle collisions
N_JINGLE_SPREAD = 13  # seconds over which the collisions fall
N_JINGLE_TILT = 14  # partial k's gain is multiplied by ratio_k ** tilt (brightness)
N_SIZE = 15

# Inharmonic ratios of a tambourine jingle pair (two thin discs clashing).
_JINGLE_RATIOS = (1.0, 1.37, 1.81, 2.26, 2.93)


@njit(cache=True, inline="always")
def _decay_mult(tau_s, sample_rate):
    """Per-sample multiplier of an exponential decay with time constant ``tau_s``."""
    if tau_s <= 0.0:
        return 0.0
    return math.exp(-1.0 / (tau_s * sample_rate))


@njit(cache=True)
def membrane_hit(out, p, sample_rate, seed):
    """Render a tuned-membrane / modal hit into ``out``.

    Parameters
    ----------
    out : ndarray, shape (n,), float64
        Written in place, every sample.
    p : ndarray, shape (M_SIZE,), float64
        Parameters, see the ``M_*`` layout constants.
    sample_rate : float
        Samples per second.
    seed : int
        Noise seed (different variants use different seeds).
    """
    n = out.shape[0]
    sr = float(sample_rate)
    n_modes = min(int(p[M_N_MODES]), MAX_MODES)
    inc = np.empty(MAX_MODES)
    amp = np.empty(MAX_MODES)
    mult = np.empty(MAX_MODES)
    phase = np.empty(MAX_MODES)
    # Once the sweep has died out each mode is a fixed decaying rotation z <- z * rot, far
    # cheaper per sample than a sine of an accumulated phase.
    zr = np.empty(MAX_MODES)
    zi = np.empty(MAX_MODES)
    rot_r = np.empty(MAX_MODES)
    rot_i = np.empty(MAX_MODES)
    for k in range(n_modes):
        base = M_MODES + 3 * k
        inc[k] = p[base] / sr
        amp[k] = p[base + 1]
        mult[k] = _decay_mult(p[base + 2], sr)
        phase[k] = p[M_PHASE0]
        rot_r[k] = mult[k] * math.cos(2.0 * math.pi * inc[k])
        rot_i[k] = mult[k] * math.sin(2.0 * math.pi * inc[k])
    s1 = p[M_SWEEP1]
    s1_mult = _decay_mult(p[M_SWEEP1_TAU], sr)
    s2 = p[M_SWEEP2]
    s2_mult = _decay_mult(p[M_SWEEP2_TAU], sr)
    sweeping = True
    click = p[M_CLICK]
    click_mult = _decay_mult(p[M_CLICK_TAU], sr)
    noise_amp = p[M_NOISE] * math.sqrt(sr / NOISE_REF_RATE)
    noise_mult = _decay_mult(p[M_NOISE_TAU], sr)
    mode1 = int(p[M_N1_MODE])
    mode2 = int(p[M_N2_MODE])
    f1a1, f1a2, f1a3, f1k = svf_coefficients(p[M_N1_HZ], p[M_N1_Q], sr)
    f2a1, f2a2, f2a3, f2k = svf_coefficients(p[M_N2_HZ], p[M_N2_Q], sr)
    st1 = np.zeros(2)
    st2 = np.zeros(2)
    gain = 1.0 + p[M_DRIVE]
    drive = p[M_DRIVE] > 0.0
    wires = p[M_WIRES] * math.sqrt(sr / NOISE_REF_RATE)
    wire_coeff = 1.0 - _decay_mult(p[M_WIRES_TAU], sr)
    wire_env = 0.0
    rng = seed_state(seed)
    for i in range(n):
        acc = 0.0
        if sweeping:
            sweep = 1.0 + s1 + s2
            s1 = _flush(s1 * s1_mult)
            s2 = _flush(s2 * s2_mult)
            for k in range(n_modes):
                acc += amp[k] * fast_sin_2pi(phase[k])
                amp[k] = _flush(amp[k] * mult[k])
                ph = phase[k] + inc[k] * sweep
                phase[k] = ph - math.floor(ph)
            if s1 + s2 < 1e-9:
                # A pitch error below 1e-9 is inaudible: hand over to the rotations.
                sweeping = False
                for k in range(n_modes):
                    zr[k] = amp[k] * math.sin(2.0 * math.pi * phase[k] + 0.5 * math.pi)
                    zi[k] = amp[k] * math.sin(2.0 * math.pi * phase[k])
        else:
            for k in range(n_modes):
                acc += zi[k]
                r = zr[k] * rot_r[k] - zi[k] * rot_i[k]
                zi[k] = _flush(zr[k] * rot_i[k] + zi[k] * rot_r[k])
                zr[k] = _flush(r)
        head = acc
        if click != 0.0:
            acc += click
            click = _flush(click * click_mult)
        if noise_amp != 0.0 or wires != 0.0:
            rng = next_state(rng)
            # The strike: the noise always starts at full scale, so every hit has an onset
            # on its first sample whatever the seed.
            w = 1.0 if i == 0 else state_to_bipolar(rng)
            if mode1 >= 0:
                w = svf_tick(w, st1, f1a1, f1a2, f1a3, f1k, mode1)
            if mode2 >= 0:
                w = svf_tick(w, st2, f2a1, f2a2, f2a3, f2k, mode2)
            # The wires rattle as long as the head moves them: a smoothed rectified head.
            wire_env = _flush(wire_env + wire_coeff * (abs(head) - wire_env))
            acc += (noise_amp + wires * wire_env) * w
            noise_amp = _flush(noise_amp * noise_mult)
        if drive:
            acc = _soft_clip(gain * acc)
        out[i] = acc


@njit(cache=True)
def metal_hit(out, p, sample_rate, seed):
    """Render a six-square metallic hit (hats, cymbals, cowbells) into ``out``.

    Parameters
    ----------
    out : ndarray, shape (n,), float64
        Written in place.
    p : ndarray, shape (X_SIZE,), float64
        Parameters, see the ``X_*`` layout constants.
    sample_rate : float
        Samples per second.
    seed : int
        Seeds the oscillators' start phases and the noise.
    """
    n = out.shape[0]
    sr = float(sample_rate)
    dt = np.zeros(N_METAL_OSC)
    ph = np.zeros(N_METAL_OSC)
    sq = np.zeros(N_METAL_OSC)
    spread = p[X_PHASE_SPREAD]
    for k in range(N_METAL_OSC):
        # Free-running oscillators in the real circuit: each hit meets them at another phase.
        # Phases stay in the high half-cycle so the six squares add up on the first sample.
        dt[k] = min(p[X_FREQS + k] / sr, 0.45)
        ph[k] = 0.05 + spread * hash_unit(seed, 17, k, 0)
    trash = p[X_TRASH]
    noise = p[X_NOISE] * math.sqrt(sr / NOISE_REF_RATE)
    a_amp = p[X_A_AMP]
    b_amp = p[X_B_AMP]
    a_on = a_amp != 0.0
    b_on = b_amp != 0.0
    aa1, aa2, aa3, ak = svf_coefficients(p[X_A_HZ], p[X_A_Q], sr)
    ba1, ba2, ba3, bk = svf_coefficients(p[X_B_HZ], p[X_B_Q], sr)
    ha1, ha2, ha3, hk = svf_coefficients(p[X_HP_HZ], 0.707, sr)
    ga1, ga2, ga3, gk = svf_coefficients(p[X_A_HP_HZ], 0.707, sr)
    st_a = np.zeros(2)
    st_ah = np.zeros(2)
    st_b = np.zeros(2)
    st_h1 = np.zeros(2)
    st_h2 = np.zeros(2)
    a_fast = a_amp * (1.0 - p[X_A_MIX2])
    a_slow = a_amp * p[X_A_MIX2]
    a_m1 = _decay_mult(p[X_A_TAU1], sr)
    a_m2 = _decay_mult(p[X_A_TAU2], sr)
    b_fast = b_amp * (1.0 - p[X_B_MIX2])
    b_slow = b_amp * p[X_B_MIX2]
    b_m1 = _decay_mult(p[X_B_TAU1], sr)
    b_m2 = _decay_mult(p[X_B_TAU2], sr)
    tick = p[X_TICK]
    tick_mult = _decay_mult(p[X_TICK_TAU], sr)
    rng = seed_state(seed)
    for i in range(n):
        s = 0.0
        for k in range(N_METAL_OSC):
            if dt[k] > 0.0:
                sq[k] = square_tick(ph[k], dt[k])
                s += sq[k]
                q = ph[k] + dt[k]
                ph[k] = q - 1.0 if q >= 1.0 else q
        if trash != 0.0:
            s += trash * (sq[0] * sq[3] + sq[1] * sq[4] + sq[2] * sq[5])
        if noise != 0.0:
            rng = next_state(rng)
            s += noise * state_to_bipolar(rng)
        acc = 0.0
        if a_on:
            y = svf_tick(s, st_a, aa1, aa2, aa3, ak, BANDPASS) + tick
            y = svf_tick(y, st_ah, ga1, ga2, ga3, gk, HIGHPASS)
            acc += (a_fast + a_slow) * y
            a_fast = _flush(a_fast * a_m1)
            a_slow = _flush(a_slow * a_m2)
        if b_on:
            y = svf_tick(s, st_b, ba1, ba2, ba3, bk, BANDPASS) + tick
            y = svf_tick(y, st_h1, ha1, ha2, ha3, hk, HIGHPASS)
            y = svf_tick(y, st_h2, ha1, ha2, ha3, hk, HIGHPASS)
            acc += (b_fast + b_slow) * y
            b_fast = _flush(b_fast * b_m1)
            b_slow = _flush(b_slow * b_m2)
        tick = _flush(tick * tick_mult)
        out[i] = acc


@njit(cache=True)
def cymbal_hit(out, p, sample_rate, seed):
    """Render a cymbal or hi-hat as a dense bank of decaying inharmonic modes plus stick noise.

    Parameters
    ----------
    out : ndarray, shape (n,), float64
        Written in place.
    p : ndarray, shape (Y_SIZE,), float64
        Parameters, see the ``Y_*`` layout constants.
    sample_rate : float
        Samples per second.
    seed : int
        Seeds the take: mode phases and the noise (the modes' frequencies come from
        ``p[Y_STRUCTURE]``, so every take is the same cymbal).
    """
    n = out.shape[0]
    sr = float(sample_rate)
    n_modes = min(int(p[Y_N_MODES]), MAX_CYMBAL_MODES)
    zr = np.zeros(MAX_CYMBAL_MODES)
    zi = np.zeros(MAX_CYMBAL_MODES)
    rot_r = np.zeros(MAX_CYMBAL_MODES)
    rot_i = np.zeros(MAX_CYMBAL_MODES)
    wr = np.zeros(MAX_CYMBAL_MODES)
    wi = np.zeros(MAX_CYMBAL_MODES)
    wrot_r = np.zeros(MAX_CYMBAL_MODES)
    wrot_i = np.zeros(MAX_CYMBAL_MODES)
    structure = int(p[Y_STRUCTURE])
    f_lo = p[Y_F_LO]
    span = math.log(max(p[Y_F_HI], f_lo) / f_lo)
    mix2 = p[Y_MIX2]
    total = 0.0
    for k in range(n_modes):
        f = f_lo * math.exp(span * hash_unit(structure, 41, k, 0))
        if f >= 0.45 * sr:
            continue  # would alias at this rate
        a = (f / f_lo) ** p[Y_TILT] * (0.4 + 0.6 * hash_unit(structure, 43, k, 0))
        total += a
        tau = p[Y_TAU] * (f_lo / f) ** p[Y_TAU_EXP]
        m1 = _decay_mult(tau, sr)
        m2 = _decay_mult(tau * p[Y_TAU2], sr) if mix2 > 0.0 else 0.0
        ph = 2.0 * math.pi * hash_unit(seed, 47, k, 0)
        w = 2.0 * math.pi * f / sr
        zr[k] = a * (1.0 - mix2) * math.cos(ph)
        zi[k] = a * (1.0 - mix2) * math.sin(ph)
        rot_r[k] = m1 * math.cos(w)
        rot_i[k] = m1 * math.sin(w)
        wr[k] = a * mix2 * math.cos(ph)
        wi[k] = a * mix2 * math.sin(ph)
        wrot_r[k] = m2 * math.cos(w)
        wrot_i[k] = m2 * math.sin(w)
    norm = 1.0 / total if total > 0.0 else 0.0
    noise = p[Y_NOISE] * math.sqrt(sr / NOISE_REF_RATE)
    noise_mult = _decay_mult(p[Y_NOISE_TAU], sr)
    bloom = 1.0 if p[Y_BLOOM_TAU] > 0.0 else 0.0
    bloom_mult = _decay_mult(p[Y_BLOOM_TAU], sr)
    na1, na2, na3, nk = svf_coefficients(p[Y_NOISE_HP], 0.707, sr)
    hp_on = p[Y_HP] > 0.0
    lp_on = p[Y_LP] > 0.0
    ha1, ha2, ha3, hk = svf_coefficients(p[Y_HP] if hp_on else 1000.0, 0.707, sr)
    la1, la2, la3, lk = svf_coefficients(p[Y_LP] if lp_on else 1000.0, 0.707, sr)
    st_n = np.zeros(2)
    st_h1 = np.zeros(2)
    st_h2 = np.zeros(2)
    st_l = np.zeros(2)
    wash = mix2 > 0.0
    rng = seed_state(seed)
    for i in range(n):
        plate = 0.0
        for k in range(n_modes):
            plate += zi[k]
            r = zr[k] * rot_r[k] - zi[k] * rot_i[k]
            zi[k] = _flush(zr[k] * rot_i[k] + zi[k] * rot_r[k])
            zr[k] = _flush(r)
        if wash:  # the slower second decay, only when the voice has one
            for k in range(n_modes):
                plate += wi[k]
                r = wr[k] * wrot_r[k] - wi[k] * wrot_i[k]
                wi[k] = _flush(wr[k] * wrot_i[k] + wi[k] * wrot_r[k])
                wr[k] = _flush(r)
        acc = plate * norm * (1.0 - bloom)
        bloom = _flush(bloom * bloom_mult)
        if noise != 0.0:
            rng = next_state(rng)
            w = 1.0 if i == 0 else state_to_bipolar(rng)
            acc += noise * svf_tick(w, st_n, na1, na2, na3, nk, HIGHPASS)
            noise = _flush(noise * noise_mult)
        if hp_on:
            acc = svf_tick(acc, st_h1, ha1, ha2, ha3, hk, HIGHPASS)
            acc = svf_tick(acc, st_h2, ha1, ha2, ha3, hk, HIGHPASS)
        if lp_on:
            acc = svf_tick(acc, st_l, la1, la2, la3, lk, LOWPASS)
        out[i] = acc


@njit(cache=True)
def clap_hit(out, p, sample_rate, seed):
    """Render a hand clap: a few sharp noise bursts ~10 ms apart, then a diffuse tail.

    Parameters
    ----------
    out : ndarray, shape (n,), float64
        Written in place.
    p : ndarray, shape (C_SIZE,), float64
        Parameters, see the ``C_*`` layout constants.
    sample_rate : float
        Samples per second.
    seed : int
        Seeds the noise and the burst timing jitter.
    """
    n = out.shape[0]
    sr = float(sample_rate)
    n_bursts = max(int(p[C_N_BURSTS]), 1)
    onsets = np.zeros(n_bursts, dtype=np.int64)
    for k in range(1, n_bursts):
        jitter = p[C_JITTER] * (hash_unit(seed, 23, k, 0) - 0.5)
        onsets[k] = int(round((k + jitter) * p[C_SPACING] * sr))
    tail_onset = onsets[n_bursts - 1]
    b_mult = _decay_mult(p[C_BURST_TAU], sr)
    t_mult = _decay_mult(p[C_TAIL_TAU], sr)
    ba1, ba2, ba3, bk = svf_coefficients(p[C_BP_HZ], p[C_BP_Q], sr)
    ha1, ha2, ha3, hk = svf_coefficients(p[C_HP_HZ], 0.707, sr)
    st_b = np.zeros(2)
    st_h = np.zeros(2)
    burst = 0.0
    tail = 0.0
    next_burst = 0
    rng = seed_state(seed)
    for i in range(n):
        if next_burst < n_bursts and i == onsets[next_burst]:
            burst = 1.0
            if next_burst == n_bursts - 1:
                tail = p[C_TAIL]
            next_burst += 1
        rng = next_state(rng)
        w = 1.0 if i == 0 else state_to_bipolar(rng)
        w = svf_tick(w, st_b, ba1, ba2, ba3, bk, BANDPASS)
        w = svf_tick(w, st_h, ha1, ha2, ha3, hk, HIGHPASS)
        out[i] = (burst + tail) * w
        burst = _flush(burst * b_mult)
        if i >= tail_onset:
            tail = _flush(tail * t_mult)


@njit(cache=True)
def noise_hit(out, p, sample_rate, seed):
    """Render shaped high noise (shaker, maracas) with optional jingles (tambourine).

    Parameters
    ----------
    out : ndarray, shape (n,), float64
        Written in place.
    p : ndarray, shape (N_SIZE,), float64
        Parameters, see the ``N_*`` layout constants.
    sample_rate : float
        Samples per second.
    seed : int
        Seeds the noise, the bead grains and the jingle collisions.
    """
    n = out.shape[0]
    sr = float(sample_rate)
    ha1, ha2, ha3, hk = svf_coefficients(p[N_HP_HZ], p[N_HP_Q], sr)
    la1, la2, la3, lk = svf_coefficients(p[N_LP_HZ], 0.707, sr)
    st_h = np.zeros(2)
    st_l = np.zeros(2)
    # Soft attack: env = (1 - (1 - start) r^t) * d^t, starting at `start` (never 0, so the
    # onset is on the trigger sample).
    rise = 1.0 - p[N_START]
    rise_mult = _decay_mult(p[N_ATTACK_TAU], sr)
    dec = math.sqrt(sr / NOISE_REF_RATE)
    dec_mult = _decay_mult(p[N_DECAY_TAU], sr)
    bead_p = p[N_BEAD_RATE] / sr
    bead_depth = p[N_BEAD_DEPTH]
    bead = 1.0
    bead_mult = _decay_mult(p[N_BEAD_TAU], sr)
    n_j = len(_JINGLE_RATIOS)
    # Each jingle partial is a unit phasor rotating at its frequency (cos start, so the
    # first collision is heard at once); partials above 0.45 sr are left out.
    j_re = np.zeros(n_j)
    j_im = np.zeros(n_j)
    j_cos = np.ones(n_j)
    j_sin = np.zeros(n_j)
    j_gain = np.zeros(n_j)
    jingle = p[N_JINGLE]
    n_hits = int(p[N_JINGLE_HITS]) if jingle != 0.0 else 0
    hits = np.zeros(max(n_hits, 1), dtype=np.int64)
    for k in range(n_j):
        detune = 1.0 + 0.03 * (hash_unit(seed, 31, k, 0) - 0.5)
        inc = p[N_JINGLE_HZ] * _JINGLE_RATIOS[k] * detune / sr
        if inc < 0.45:
            j_gain[k] = _JINGLE_RATIOS[k] ** p[N_JINGLE_TILT] / (1.0 + 0.3 * k)
        j_re[k] = 1.0
        j_cos[k] = math.cos(2.0 * math.pi * inc)
        j_sin[k] = math.sin(2.0 * math.pi * inc)
    for k in range(1, n_hits):
        hits[k] = int(hash_unit(seed, 37, k, 0) * p[N_JINGLE_SPREAD] * sr)
    hits.sort()
    next_hit = 0
    j_env = 0.0
    j_mult = _decay_mult(p[N_JINGLE_TAU], sr)
    rng = seed_state(seed)
    for i in range(n):
        env = (1.0 - rise) * dec
        rise = _flush(rise * rise_mult)
        dec = _flush(dec * dec_mult)
        rng = next_state(rng)
        w = 1.0 if i == 0 else state_to_bipolar(rng)
        if bead_p > 0.0:
            rng = next_state(rng)
            if 0.5 + 0.5 * state_to_bipolar(rng) < bead_p:
                bead = 1.0
            w *= 1.0 - bead_depth + bead_depth * bead
            bead = _flush(bead * bead_mult)
        w = svf_tick(w, st_h, ha1, ha2, ha3, hk, HIGHPASS)
        w = svf_tick(w, st_l, la1, la2, la3, lk, LOWPASS)
        acc = env * w
        if n_hits > 0:
            while next_hit < n_hits and hits[next_hit] == i:
                j_env += jingle * (1.0 - 0.12 * next_hit)
                next_hit += 1
            if j_env != 0.0:
                ring = 0.0
                for k in range(n_j):
                    ring += j_gain[k] * j_re[k]
                    r = j_re[k] * j_cos[k] - j_im[k] * j_sin[k]
                    j_im[k] = j_re[k] * j_sin[k] + j_im[k] * j_cos[k]
                    j_re[k] = r
                acc += j_env * ring
                j_env = _flush(j_env * j_mult)
        out[i] = acc


@njit(cache=True)
def color_hit(x, sample_rate, saturation, hold_hz, crush_bits, lowpass_hz, highpass_hz):
    """Vintage colour in place: saturation, sample-and-hold, bit crush, band limits.

    Parameters
    ----------
    x : ndarray, shape (n,), float64
        A rendered hit, modified in place (its peak is normalised to 1 first).
    sample_rate : float
        Samples per second.
    saturation : float
        0 = clean .. 1 = heavy soft clipping.
    hold_hz : float
        Sample-and-hold rate in Hz emulating an old sampler's clock (0 or >= sample_rate: off).
    crush_bits : int
        Quantise to this many bits of the peak (0 = off).
    lowpass_hz, highpass_hz : float
        Two-pole output filters (0 = off).
    """
    n = x.shape[0]
    peak = 0.0
    for i in range(n):
        peak = max(peak, abs(x[i]))
    if peak <= 0.0:
        return
    scale = 1.0 / peak
    g = 1.0 + 6.0 * saturation
    norm = 1.0 / _soft_clip(g)
    hold = 0.0 < hold_hz < sample_rate
    step = hold_hz / sample_rate
    acc = 1.0  # so the first sample is taken
    held = 0.0
    levels = 2.0 ** (crush_bits - 1)
    la1, la2, la3, lk = svf_coefficients(lowpass_hz, 0.707, sample_rate)
    ha1, ha2, ha3, hk = svf_coefficients(highpass_hz, 0.707, sample_rate)
    st_l = np.zeros(2)
    st_h = np.zeros(2)
    for i in range(n):
        v = x[i] * scale
        if saturation > 0.0:
            v = _soft_clip(g * v) * norm
        if hold:
            if acc >= 1.0:
                acc -= 1.0
                held = v
            acc += step
            v = held
        if crush_bits > 0:
            v = math.floor(v * levels + 0.5) / levels
        if lowpass_hz > 0.0:
            v = svf_tick(v, st_l, la1, la2, la3, lk, LOWPASS)
        if highpass_hz > 0.0:
            v = svf_tick(v, st_h, ha1, ha2, ha3, hk, HIGHPASS)
        x[i] = v


@njit(cache=True)
def finish_hit(x, floor_ratio, fade_n, guard_n, target_peak):
    """Trim, fade and normalise a rendered hit in place; return the table length.

    The table ends ``fade_n`` samples after the last sample at or above ``floor_ratio`` times
    the peak; those last samples fade linearly to exactly 0. The render must have run past
    that point: its last ``guard_n`` samples (longer than a period of the lowest voice) must
    stay below half the floor, so a tail oscillating about the floor is never cut in a dip.
    Returns -1 if not (the caller renders again, longer) and 0 if ``x`` is silent.

    Parameters
    ----------
    x : ndarray, shape (n,), float64
        The rendered hit.
    floor_ratio : float
        Trim threshold relative to the peak (1e-4 = -80 dB).
    fade_n : int
        Fade length in samples (>= 2).
    guard_n : int
        Length in samples of the quiet stretch the render must end with (> fade_n).
    target_peak : float
        The peak after normalisation.
    """
    n = x.shape[0]
    peak = 0.0
    for i in range(n):
        peak = max(peak, abs(x[i]))
    if peak <= 0.0:
        return 0
    threshold = peak * floor_ratio
    if n < guard_n:
        return -1
    for i in range(n - guard_n, n):
        if abs(x[i]) >= 0.5 * threshold:
            return -1
    last = n - guard_n
    while last > 0 and abs(x[last]) < threshold:
        last -= 1
    n_end = last + 1 + fade_n
    gain = target_peak / peak
    for i in range(n_end - fade_n):
        x[i] *= gain
    denom = float(fade_n - 1)
    for j in range(fade_n):
        i = n_end - fade_n + j
        x[i] *= gain * (fade_n - 1 - j) / denom
    return n_end
