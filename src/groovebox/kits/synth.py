"""Render one drum hit of a kit into a one-shot table: the validated face of dsp.drums.

The engine calls :func:`render_hit` once per (kit, instrument, velocity layer, variant,
sample rate) and caches the result; playback is a table read. This module holds the voice
*recipes*: the natural frequencies, decays and filter settings of every voice model named in
:data:`groovebox.model.kit.MODEL_FAMILIES`, and how the panel knobs (tune, decay, tone,
velocity accent) move them.

Velocity works like an analog accent: a full-velocity hit is a little brighter, longer and has
more click; a ghost note is darker and shorter. Loudness is *not* in the table: every table
peaks at the voice's level (``10 ** (level_db / 20) * 0.9``) and the engine scales by velocity.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from groovebox.dsp import drums as k
from groovebox.dsp.filters import BANDPASS, HIGHPASS, LOWPASS
from groovebox.errors import KitError, RenderError, UnknownNameError
from groovebox.kits.tables import SYNTH_LAYER_BOUNDS, SYNTH_LAYER_VELOCITIES, KitTables, pack
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.kit import COLOR_KNOBS, Kit, VoiceParams

FULL_SCALE_PEAK = 0.9  # a level_db of 0 peaks here, leaving headroom for a mix of voices
FLOOR_RATIO = 1e-4  # tables end where the hit has decayed below -80 dB of its peak
FADE_S = 0.002  # ...plus this fade to exactly zero
GUARD_S = 0.05  # a render must end with this much below half the floor (> a 20 Hz period)
SAMPLE_RATE_RANGE = (8000, 384000)
# Every hit rises over ATTACK_S from ATTACK_START of its level (a struck drum's ~1 ms rise): no
# table starts with a step, and a designed click becomes a band-limited transient.
ATTACK_S = 0.0004
ATTACK_START = 0.05
# Render each part to -92 dB of its own amplitude (noise peaks stand ~12 dB above their
# envelope), then GUARD_S more: enough for finish_hit to see the tail has settled below the
# -80 dB floor, without rendering far past it. A short estimate just renders again, longer.
_LN_RENDER_FLOOR = math.log(1e4 * 4.0)
_MAX_TRIES = 4

BYPASS = -1  # noise filter slot unused


# ---------------------------------------------------------------------------------------
# Recipes
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Membrane:
    """Sine modes under a pitch sweep, with click, filtered noise and drive.

    ``modes`` are (freq_hz, amplitude, decay_tau_s); the first is the fundamental. Noise
    filters are (svf mode, cutoff_hz, q) or None.
    """

    modes: tuple[tuple[float, float, float], ...]
    phase0: float = 0.0
    sweep: float = 0.0
    sweep_tau_s: float = 0.02
    sweep2: float = 0.0
    sweep2_tau_s: float = 0.05
    click: float = 0.0
    click_tau_s: float = 0.0004
    noise: float = 0.0
    noise_tau_s: float = 0.05
    noise_filter1: tuple[int, float, float] | None = None
    noise_filter2: tuple[int, float, float] | None = None
    drive: float = 0.0
    wires: float = 0.0  # snare wires: noise following the head's motion (see dsp.drums)
    wires_tau_s: float = 0.01
    variants: int = 1


@dataclass(frozen=True)
class Cymbal:
    """A plate of dense inharmonic modes with stick noise: acoustic hats and cymbals.

    ``n_modes`` modes spread log-uniformly over ``f_lo_hz``..``f_hi_hz`` (fixed by
    ``structure``: the same cymbal in every take), amplitudes ~ (f / f_lo) ** tilt, decay
    ``tau_s`` at f_lo shrinking as (f_lo / f) ** tau_exp, a slower wash (``tau2`` times longer,
    ``mix2`` of each mode), swelling in over ``bloom_s``; output high/low-passed.
    """

    n_modes: int
    f_lo_hz: float
    f_hi_hz: float
    tilt: float
    tau_s: float
    tau_exp: float = 0.5
    structure: int = 1
    noise: float = 0.0
    noise_tau_s: float = 0.01
    noise_hp_hz: float = 3000.0
    hp_hz: float = 0.0
    lp_hz: float = 0.0
    bloom_s: float = 0.0
    tau2: float = 1.0
    mix2: float = 0.0
    variants: int = 3


@dataclass(frozen=True)
class Metal:
    """Six squares into two band-passed bands with two-stage VCAs.

    ``band_a``/``band_b`` are (amplitude, centre_hz, q, fast_tau_s, slow_tau_s, slow_fraction);
    band A is then high-passed at ``a_hp_hz``, band B twice at ``hp_hz``.
    """

    freqs_hz: tuple[float, ...]
    band_a: tuple[float, float, float, float, float, float]
    band_b: tuple[float, float, float, float, float, float]
    hp_hz: float = 6000.0
    a_hp_hz: float = 4500.0
    noise: float = 0.0
    trash: float = 0.0
    phase_spread: float = 0.4
    track_tune: bool = False  # band centres follow tune (a pitched bell, not a cymbal)
    tick: float = 0.05  # the stick on the metal: a bright click on the first sample
    tick_tau_s: float = 0.0001
    variants: int = 3


@dataclass(frozen=True)
class Clap:
    """Noise bursts ~10 ms apart and a diffuse tail, band-passed."""

    n_bursts: int = 4
    spacing_s: float = 0.010
    jitter: float = 0.25
    burst_tau_s: float = 0.0025
    tail: float = 0.7
    tail_tau_s: float = 0.08
    bp_hz: float = 1100.0
    bp_q: float = 1.2
    hp_hz: float = 600.0
    variants: int = 4


@dataclass(frozen=True)
class Noise:
    """Shaped high noise with optional bead grains and jingles."""

    start: float = 0.3
    attack_tau_s: float = 0.003
    decay_tau_s: float = 0.03
    hp_hz: float = 5000.0
    hp_q: float = 0.7
    lp_hz: float = 15000.0
    bead_rate_hz: float = 0.0
    bead_depth: float = 0.0
    bead_tau_s: float = 0.002
    jingle: float = 0.0
    jingle_hz: float = 5200.0
    jingle_tau_s: float = 0.08
    jingle_hits: int = 4
    jingle_spread_s: float = 0.025
    variants: int = 4


def _tom(freq_hz, tau_s, *, sweep, noise, noise_lp_hz, click=0.08, partial=0.12, variants=1):
    """Analog tom: a near-sine body with a downward bend, a trigger tick and a breath of noise.

    The body starts near zero phase so the attack's brightness is the tick's (tone's) to set.
    """
    return Membrane(
        modes=((freq_hz, 1.0, tau_s), (freq_hz * 1.5, partial, tau_s * 0.4)),
        phase0=0.03,
        sweep=sweep,
        sweep_tau_s=0.045,
        click=click,
        noise=noise,
        noise_tau_s=0.035,
        noise_filter1=(LOWPASS, noise_lp_hz, 0.707),
        noise_filter2=(HIGHPASS, 120.0, 0.707),
        variants=variants,
    )


def _acoustic_tom(freq_hz, tau_s, stick=0.12):
    """Circular-membrane overtones (1, 1.59, 2.14, 2.30), a stick attack and shell noise."""
    return Membrane(
        modes=(
            (freq_hz, 1.0, tau_s),
            (freq_hz * 1.59, 0.35, tau_s * 0.55),
            (freq_hz * 2.14, 0.2, tau_s * 0.4),
            (freq_hz * 2.30, 0.12, tau_s * 0.3),
        ),
        phase0=0.08,
        sweep=0.12,
        sweep_tau_s=0.03,
        click=0.35,
        click_tau_s=0.0003,
        noise=stick,
        noise_tau_s=0.015,
        noise_filter1=(BANDPASS, 2500.0, 0.8),
    )


def _conga(freq_hz, tau_s, *, slap=0.04):
    return Membrane(
        modes=((freq_hz, 1.0, tau_s), (freq_hz * 1.52, 0.18, tau_s * 0.5)),
        phase0=0.03,
        sweep=0.15,
        sweep_tau_s=0.02,
        click=0.12,
        noise=slap,
        noise_tau_s=0.008,
        noise_filter1=(BANDPASS, 1500.0, 0.9),
    )


def _bongo(freq_hz, tau_s):
    return Membrane(
        modes=((freq_hz, 1.0, tau_s), (freq_hz * 1.62, 0.3, tau_s * 0.5)),
        phase0=0.1,
        sweep=0.2,
        sweep_tau_s=0.012,
        click=0.2,
        noise=0.08,
        noise_tau_s=0.01,
        noise_filter1=(BANDPASS, 2000.0, 0.9),
    )


def _timbale(freq_hz):
    """A thin metal-shelled drum: ringing overtones and a rimmy, bright attack."""
    return Membrane(
        modes=(
            (freq_hz, 1.0, 0.13),
            (freq_hz * 1.61, 0.55, 0.17),
            (freq_hz * 2.28, 0.4, 0.19),
            (freq_hz * 3.09, 0.25, 0.17),
            (freq_hz * 4.17, 0.15, 0.13),
        ),
        phase0=0.08,
        sweep=0.05,
        sweep_tau_s=0.01,
        click=0.5,
        click_tau_s=0.0003,
        noise=0.2,
        noise_tau_s=0.02,
        noise_filter1=(HIGHPASS, 2000.0, 0.707),
    )


def _agogo(freq_hz):
    """A cone bell: inharmonic partials, the upper ones dying first."""
    return Membrane(
        modes=(
            (freq_hz, 1.0, 0.16),
            (freq_hz * 2.68, 0.35, 0.09),
            (freq_hz * 4.93, 0.18, 0.06),
            (freq_hz * 7.36, 0.08, 0.03),
        ),
        phase0=0.06,
        click=0.25,
        click_tau_s=0.0003,
    )


def _woodblock(freq_hz):
    return Membrane(
        modes=(
            (freq_hz, 1.0, 0.035),
            (freq_hz * 2.31, 0.35, 0.02),
            (freq_hz * 3.87, 0.15, 0.01),
        ),
        phase0=0.1,
        click=0.45,
        click_tau_s=0.0002,
    )


_F808 = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)  # the 808's six metallic oscillators
_F909 = (245.0, 348.0, 416.0, 587.0, 624.0, 893.0)  # higher, for a brighter sizzle
_FAC = (311.0, 438.0, 572.0, 703.0, 867.0, 1093.0)  # denser and higher: a real cymbal's wash
_OFF = (0.0, 1000.0, 1.0, 0.01, 0.01, 0.0)  # an unused band


RECIPES: dict[str, Membrane | Metal | Cymbal | Clap | Noise] = {
    # --- TR-808 style ---------------------------------------------------------------------
    "808_kick": Membrane(
        modes=((49.0, 1.0, 0.22), (98.0, 0.02, 0.05)),
        sweep=0.7,
        sweep_tau_s=0.018,
        click=0.3,  # through the attack rise: a >2 kHz transient near the TR-808's -36 dB
        click_tau_s=0.0006,
        drive=0.15,
    ),
    "808_snare": Membrane(
        modes=((180.0, 1.0, 0.045), (330.0, 0.55, 0.03)),
        phase0=0.1,
        sweep=0.08,
        sweep_tau_s=0.006,
        click=0.1,
        noise=0.8,
        noise_tau_s=0.075,
        noise_filter1=(HIGHPASS, 1800.0, 0.707),
        noise_filter2=(LOWPASS, 9000.0, 0.707),
        variants=4,
    ),
    "808_rim": Membrane(
        modes=((500.0, 0.8, 0.009), (1700.0, 1.0, 0.0045)),
        phase0=0.15,
        click=0.4,
        click_tau_s=0.0002,
    ),
    "808_clap": Clap(tail_tau_s=0.03),  # the 808's clap tail is short (T40 ~0.16 s)
    # A TR-808 tom rings ~0.15 s to -40 dB; the decay knob stretches it up to 8x.
    "808_tom_low": _tom(88.0, 0.034, sweep=0.25, noise=0.05, noise_lp_hz=1500.0),
    "808_tom_mid": _tom(128.0, 0.033, sweep=0.25, noise=0.05, noise_lp_hz=1800.0),
    "808_tom_high": _tom(180.0, 0.031, sweep=0.25, noise=0.05, noise_lp_hz=2100.0),
    "808_conga_low": _conga(200.0, 0.12),
    "808_conga_high": _conga(290.0, 0.1),
    "808_conga_mute": _conga(330.0, 0.035, slap=0.25),
    "808_clave": Membrane(
        # A hardwood bar: one strong ping, a faint short overtone.
        modes=((2500.0, 1.0, 0.022), (2500.0 * 2.71, 0.08, 0.008)),
        phase0=0.1,
    ),
    "808_cowbell": Metal(
        freqs_hz=(540.0, 800.0, 0.0, 0.0, 0.0, 0.0),
        band_a=(1.0, 700.0, 1.4, 0.015, 0.11, 0.35),
        band_b=(0.3, 2600.0, 1.5, 0.01, 0.05, 0.3),
        hp_hz=1500.0,
        a_hp_hz=300.0,
        phase_spread=0.0,
        track_tune=True,
        tick=0.1,
        variants=1,
    ),
    "808_maracas": Noise(
        start=0.3, attack_tau_s=0.002, decay_tau_s=0.018, hp_hz=6000.0, hp_q=0.8, lp_hz=16000.0
    ),
    "808_hat_closed": Metal(
        _F808, _OFF, (1.0, 8500.0, 0.8, 0.018, 0.03, 0.0), hp_hz=7000.0, noise=0.15
    ),
    "808_hat_pedal": Metal(
        _F808, _OFF, (1.0, 7000.0, 0.9, 0.012, 0.03, 0.2), hp_hz=5500.0, noise=0.3
    ),
    "808_hat_open": Metal(
        _F808, _OFF, (1.0, 8500.0, 0.8, 0.07, 0.12, 0.3), hp_hz=7000.0, noise=0.15
    ),
    "808_crash": Metal(
        _F808,
        (0.5, 5600.0, 0.8, 0.25, 0.42, 0.5),
        (1.0, 9000.0, 0.7, 0.12, 0.38, 0.5),
        hp_hz=6500.0,
        noise=0.3,
        variants=2,
    ),
    "808_ride": Metal(
        _F808,
        (0.3, 6000.0, 1.0, 0.2, 0.3, 0.5),
        (1.0, 9500.0, 1.0, 0.05, 0.35, 0.5),
        hp_hz=7000.0,
        noise=0.1,
        variants=2,
    ),
    "808_ride_bell": Metal(
        _F808,
        (1.0, 2400.0, 4.0, 0.2, 0.36, 0.5),
        (0.4, 9000.0, 0.8, 0.06, 0.2, 0.3),
        a_hp_hz=1200.0,
        hp_hz=6000.0,
        noise=0.05,
        variants=2,
    ),
    "808_splash": Metal(
        _F808,
        (0.3, 6500.0, 0.8, 0.1, 0.18, 0.4),
        (1.0, 10000.0, 0.8, 0.08, 0.2, 0.4),
        hp_hz=7000.0,
        noise=0.3,
        variants=2,
    ),
    "808_china": Metal(
        _F808,
        (0.6, 6200.0, 1.2, 0.15, 0.35, 0.5),
        (1.0, 8000.0, 0.6, 0.1, 0.3, 0.4),
        a_hp_hz=5000.0,
        hp_hz=5500.0,
        noise=0.4,
        trash=0.8,
        variants=2,
    ),
    # --- TR-909 style ---------------------------------------------------------------------
    "909_kick": Membrane(
        modes=((54.0, 1.0, 0.13),),
        sweep=3.2,
        sweep_tau_s=0.0055,
        sweep2=0.7,
        sweep2_tau_s=0.03,
        click=0.28,  # a beater-like click: >2 kHz transient near a real kick's -25 dB
        click_tau_s=0.0004,
        noise=0.04,
        noise_tau_s=0.006,
        noise_filter1=(LOWPASS, 5000.0, 0.707),
        noise_filter2=(HIGHPASS, 200.0, 0.707),
        drive=1.0,
    ),
    "909_snare": Membrane(
        modes=((195.0, 1.0, 0.06), (340.0, 0.6, 0.035)),
        phase0=0.1,
        sweep=0.25,
        sweep_tau_s=0.012,
        click=0.3,
        noise=1.1,
        noise_tau_s=0.11,
        noise_filter1=(HIGHPASS, 900.0, 0.707),
        noise_filter2=(LOWPASS, 11000.0, 0.707),
        variants=4,
    ),
    "909_rim": Membrane(
        modes=((480.0, 0.8, 0.008), (1800.0, 1.0, 0.004)),
        phase0=0.15,
        click=0.6,
        click_tau_s=0.0002,
        noise=0.4,
        noise_tau_s=0.002,
        noise_filter1=(HIGHPASS, 2000.0, 0.707),
        variants=2,
    ),
    "909_clap": Clap(
        spacing_s=0.009,
        burst_tau_s=0.003,
        tail=0.8,
        tail_tau_s=0.035,
        bp_hz=1300.0,
        bp_q=0.9,
        hp_hz=700.0,
    ),
    "909_tom_low": _tom(100.0, 0.033, sweep=0.6, noise=0.12, noise_lp_hz=3000.0, click=0.2),
    "909_tom_mid": _tom(140.0, 0.032, sweep=0.6, noise=0.12, noise_lp_hz=3500.0, click=0.2),
    "909_tom_high": _tom(200.0, 0.03, sweep=0.6, noise=0.12, noise_lp_hz=4000.0, click=0.2),
    "909_hat_closed": Metal(
        _F909, _OFF, (1.0, 10000.0, 0.7, 0.03, 0.05, 0.0), hp_hz=7500.0, noise=0.35
    ),
    "909_hat_pedal": Metal(
        _F909, _OFF, (1.0, 8000.0, 0.8, 0.015, 0.04, 0.2), hp_hz=6000.0, noise=0.4
    ),
    "909_hat_open": Metal(
        _F909, _OFF, (1.0, 10000.0, 0.7, 0.06, 0.115, 0.35), hp_hz=7500.0, noise=0.35
    ),
    "909_crash": Metal(
        _F909,
        (0.5, 7000.0, 0.8, 0.2, 0.42, 0.5),
        (1.0, 10000.0, 0.7, 0.1, 0.4, 0.55),
        hp_hz=7000.0,
        noise=0.5,
        variants=2,
    ),
    "909_ride": Metal(
        _F909,
        (0.25, 5000.0, 1.0, 0.3, 0.3, 0.0),
        (1.0, 10000.0, 1.2, 0.08, 0.38, 0.7),
        hp_hz=7500.0,
        noise=0.2,
        variants=2,
    ),
    "909_ride_bell": Metal(
        _F909,
        (1.0, 2700.0, 4.0, 0.2, 0.36, 0.5),
        (0.45, 10000.0, 0.8, 0.06, 0.25, 0.3),
        a_hp_hz=1200.0,
        hp_hz=6500.0,
        noise=0.1,
        variants=2,
    ),
    "909_splash": Metal(
        _F909,
        (0.3, 7000.0, 0.8, 0.1, 0.18, 0.4),
        (1.0, 11000.0, 0.8, 0.07, 0.22, 0.4),
        hp_hz=7500.0,
        noise=0.5,
        variants=2,
    ),
    "909_china": Metal(
        _F909,
        (0.6, 6500.0, 1.2, 0.12, 0.33, 0.5),
        (1.0, 9000.0, 0.6, 0.1, 0.3, 0.4),
        a_hp_hz=5000.0,
        hp_hz=6000.0,
        noise=0.6,
        trash=1.0,
        variants=2,
    ),
    # --- Acoustic-leaning -----------------------------------------------------------------
    "acoustic_kick": Membrane(
        # A felt beater on a damped 22" head: ~56 Hz, gone in ~0.4 s (GMRockKit's kick).
        modes=((56.0, 1.0, 0.062), (56.0 * 1.59, 0.25, 0.04), (56.0 * 2.14, 0.1, 0.025)),
        sweep=0.35,
        sweep_tau_s=0.012,
        click=0.2,
        click_tau_s=0.0003,
        noise=0.12,
        noise_tau_s=0.005,
        noise_filter1=(BANDPASS, 2500.0, 0.7),
    ),
    "acoustic_snare": Membrane(
        # The batter head's modes, a quiet long shell ring, and wires: noise (mostly
        # 0.4-3 kHz) that buzzes as long as the head moves them.
        modes=(
            (185.0, 1.0, 0.07),
            (310.0, 0.6, 0.05),
            (420.0, 0.35, 0.035),
            (560.0, 0.2, 0.025),
            (240.0, 0.04, 0.22),
        ),
        phase0=0.05,
        sweep=0.08,
        sweep_tau_s=0.008,
        click=0.8,
        click_tau_s=0.0003,
        noise=0.5,
        noise_tau_s=0.006,
        noise_filter1=(HIGHPASS, 400.0, 0.707),
        noise_filter2=(LOWPASS, 3000.0, 0.707),
        wires=3.0,
        wires_tau_s=0.02,
        variants=4,
    ),
    "acoustic_rim": Membrane(
        modes=((380.0, 0.6, 0.03), (1400.0, 1.0, 0.012), (2600.0, 0.5, 0.008)),
        phase0=0.12,
        click=0.7,
        click_tau_s=0.0002,
        noise=0.3,
        noise_tau_s=0.003,
        noise_filter1=(BANDPASS, 3000.0, 1.0),
    ),
    # Floor, rack and high toms as GMRockKit's ring (~2 s to -60 dB), with a stick that puts
    # ~1 % of the energy above 2 kHz.
    "acoustic_tom_low": _acoustic_tom(80.0, 0.3, stick=2.0),
    "acoustic_tom_mid": _acoustic_tom(118.0, 0.3, stick=1.6),
    "acoustic_tom_high": _acoustic_tom(145.0, 0.28, stick=1.6),
    # Plates of 80 inharmonic modes (GMRockKit's hats and cymbals as the measure).
    "acoustic_hat_closed": Cymbal(
        # The plate swells over a few ms under the stick: no needle of a peak above its sizzle
        # (GMRockKit's closed hat peaks ~15 dB over its loudness, not 20).
        80, 600.0, 20000.0, tilt=0.6, tau_s=0.05, tau_exp=0.0, structure=5, noise=0.3,
        noise_tau_s=0.006, noise_hp_hz=7000.0, hp_hz=1000.0, bloom_s=0.006,
    ),
    "acoustic_hat_pedal": Cymbal(
        # The foot closes the hats: a softer, lower "chick" than the stick's.
        80, 400.0, 20000.0, tilt=0.55, tau_s=0.05, tau_exp=0.0, structure=5, noise=0.3,
        noise_tau_s=0.01, noise_hp_hz=6000.0, hp_hz=400.0, bloom_s=0.004,
    ),
    "acoustic_hat_open": Cymbal(
        # The plate's modes and a wash of noise that fills between them as long.
        80, 500.0, 17000.0, tilt=0.3, tau_s=0.18, tau_exp=0.12, structure=5, noise=0.15,
        noise_tau_s=0.14, noise_hp_hz=3000.0, hp_hz=800.0, lp_hz=15000.0,
    ),
    "acoustic_crash": Cymbal(
        # Darker than a drum machine's: most of its energy is 0.5-6 kHz.
        80, 350.0, 8000.0, tilt=0.3, tau_s=0.35, tau_exp=0.2, structure=7, noise=0.06,
        noise_tau_s=0.4, noise_hp_hz=1500.0, hp_hz=300.0, lp_hz=9000.0, bloom_s=0.04,
        variants=2,
    ),
    "acoustic_ride": Cymbal(
        80, 450.0, 20000.0, tilt=0.35, tau_s=0.33, tau_exp=0.15, structure=11, noise=0.4,
        noise_tau_s=0.004, noise_hp_hz=4000.0, hp_hz=600.0, variants=2,
    ),
    "acoustic_ride_bell": Metal(
        _FAC,
        (1.0, 2600.0, 5.0, 0.25, 0.36, 0.5),
        (0.4, 9500.0, 0.8, 0.05, 0.25, 0.3),
        a_hp_hz=1200.0,
        hp_hz=6000.0,
        noise=0.2,
        variants=2,
    ),
    "acoustic_splash": Cymbal(
        80, 500.0, 14000.0, tilt=0.25, tau_s=0.2, tau_exp=0.2, structure=13, noise=0.2,
        noise_tau_s=0.006, noise_hp_hz=3000.0, hp_hz=500.0, bloom_s=0.01, variants=2,
    ),
    "acoustic_china": Cymbal(
        # Trashy: dense low-mid modes, a fast-dying top and a noisy wash.
        80, 300.0, 10000.0, tilt=0.0, tau_s=0.35, tau_exp=0.35, structure=17, noise=0.5,
        noise_tau_s=0.05, noise_hp_hz=2500.0, hp_hz=300.0, bloom_s=0.02, variants=2,
    ),
    # --- Latin and hand percussion ---------------------------------------------------------
    "bongo_low": _bongo(330.0, 0.08),
    "bongo_high": _bongo(480.0, 0.06),
    "timbale_low": _timbale(330.0),
    "timbale_high": _timbale(460.0),
    "agogo_low": _agogo(660.0),
    "agogo_high": _agogo(910.0),
    "woodblock_low": _woodblock(720.0),
    "woodblock_high": _woodblock(1050.0),
    "triangle": Membrane(
        # A bent steel rod: free-bar partials, the high ones ringing almost as long.
        modes=(
            (1250.0, 0.5, 0.4),
            (1250.0 * 2.76, 1.0, 0.38),
            (1250.0 * 3.9, 0.6, 0.36),
            (1250.0 * 5.4, 0.8, 0.34),
            (1250.0 * 7.1, 0.5, 0.3),
            (1250.0 * 8.93, 0.4, 0.28),
        ),
        phase0=0.05,
        click=0.2,
        click_tau_s=0.0002,
    ),
    "shaker": Noise(
        start=0.15,
        attack_tau_s=0.012,
        decay_tau_s=0.045,
        hp_hz=5500.0,
        hp_q=0.7,
        lp_hz=15000.0,
        bead_rate_hz=900.0,
        bead_depth=0.6,
        bead_tau_s=0.002,
    ),
    "tambourine": Noise(
        start=0.5,
        attack_tau_s=0.002,
        decay_tau_s=0.06,
        hp_hz=5000.0,
        lp_hz=14000.0,
        jingle=0.5,
        jingle_hz=5200.0,
        jingle_tau_s=0.09,
        jingle_hits=4,
        jingle_spread_s=0.025,
    ),
}


# ---------------------------------------------------------------------------------------
# Knobs -> kernel parameters
# ---------------------------------------------------------------------------------------


def _accent(velocity: float) -> float:
    """-1 for a ghost note (0.35), 0 for a normal hit (0.8), +1 for an accent (1.0)."""
    if velocity >= 0.8:
        return (velocity - 0.8) / 0.2
    return max((velocity - 0.8) / 0.45, -1.5)


@dataclass(frozen=True)
class _Panel:
    """Knob settings resolved into multipliers every family understands."""

    tune: float  # frequency ratio
    decay: float  # decay-time ratio
    bright: float  # filter-cutoff ratio
    accent: float


def _panel(voice: VoiceParams, velocity: float) -> _Panel:
    accent = _accent(velocity)
    return _Panel(
        tune=2.0 ** (voice.tune_semitones / 12.0),
        decay=voice.decay * (1.0 + 0.12 * accent),
        bright=2.0 ** (2.0 * (voice.tone - 0.5) + 0.35 * accent),
        accent=accent,
    )


def _filter_slot(spec, bright):
    if spec is None:
        return BYPASS, 1000.0, 0.707
    mode, hz, q = spec
    return mode, hz * bright, q


def _membrane_params(r: Membrane, voice: VoiceParams, pn: _Panel, sample_rate: int):
    p = np.zeros(k.M_SIZE)
    modes = r.modes[: k.MAX_MODES]
    p[k.M_N_MODES] = len(modes)
    p[k.M_PHASE0] = r.phase0
    sweep_gain = voice.knob("sweep", 1.0) * (1.0 + 0.15 * pn.accent)
    p[k.M_SWEEP1] = r.sweep * sweep_gain
    p[k.M_SWEEP1_TAU] = r.sweep_tau_s
    p[k.M_SWEEP2] = r.sweep2 * sweep_gain
    p[k.M_SWEEP2_TAU] = r.sweep2_tau_s
    # The click is where a kick's tone knob is heard: it follows brightness in full.
    p[k.M_CLICK] = r.click * voice.knob("click", 1.0) * 2.0 ** (0.8 * pn.accent) * pn.bright
    p[k.M_CLICK_TAU] = r.click_tau_s
    p[k.M_NOISE] = r.noise * voice.knob("noise", 1.0) * math.sqrt(pn.bright)
    p[k.M_NOISE_TAU] = r.noise_tau_s * pn.decay
    p[k.M_N1_MODE], p[k.M_N1_HZ], p[k.M_N1_Q] = _filter_slot(r.noise_filter1, pn.bright)
    p[k.M_N2_MODE], p[k.M_N2_HZ], p[k.M_N2_Q] = _filter_slot(r.noise_filter2, pn.bright)
    p[k.M_DRIVE] = r.drive * (1.0 + 0.3 * max(pn.accent, 0.0))
    p[k.M_WIRES] = r.wires * voice.knob("noise", 1.0) * math.sqrt(pn.bright)
    p[k.M_WIRES_TAU] = r.wires_tau_s * pn.decay
    f0 = modes[0][0]
    nyquist_guard = 0.45 * sample_rate
    longest = r.click_tau_s
    if p[k.M_NOISE] > 0.0:
        longest = max(longest, p[k.M_NOISE_TAU])
    if p[k.M_WIRES] > 0.0:
        longest = max(longest, p[k.M_WIRES_TAU])
    for j, (freq_hz, amp, tau_s) in enumerate(modes):
        freq = freq_hz * pn.tune
        # Tone tilts the overtones: +6 dB per octave above the fundamental per octave of tone.
        amp = amp * pn.bright ** math.log2(freq_hz / f0)
        if freq >= nyquist_guard:
            amp = 0.0  # would alias at this sample rate
        base = k.M_MODES + 3 * j
        p[base], p[base + 1], p[base + 2] = freq, amp, tau_s * pn.decay
        if amp > 0.0:
            longest = max(longest, tau_s * pn.decay)
    # Drive lifts the quiet tail against the clipped peak by up to its pre-gain.
    return p, 0.0, longest, 1.0 + p[k.M_DRIVE]


def _metal_params(r: Metal, voice: VoiceParams, pn: _Panel, sample_rate: int):
    p = np.zeros(k.X_SIZE)
    for j, f in enumerate(r.freqs_hz[: k.N_METAL_OSC]):
        p[k.X_FREQS + j] = f * pn.tune
    p[k.X_PHASE_SPREAD] = r.phase_spread
    p[k.X_TRASH] = r.trash
    p[k.X_NOISE] = r.noise * voice.knob("noise", 1.0)
    longest = 0.0
    shift = pn.bright * (pn.tune if r.track_tune else 1.0)
    for start, band in ((k.X_A_AMP, r.band_a), (k.X_B_AMP, r.band_b)):
        amp, hz, q, tau1, tau2, mix2 = band
        p[start : start + 6] = (amp, hz * shift, q, tau1 * pn.decay, tau2 * pn.decay, mix2)
        if amp > 0.0:
            longest = max(longest, tau1 * pn.decay if mix2 < 1.0 else 0.0)
            longest = max(longest, tau2 * pn.decay if mix2 > 0.0 else 0.0)
    p[k.X_HP_HZ] = r.hp_hz * shift
    p[k.X_A_HP_HZ] = r.a_hp_hz * shift
    p[k.X_TICK] = r.tick * 2.0 ** (0.8 * pn.accent)
    p[k.X_TICK_TAU] = r.tick_tau_s
    return p, 0.0, longest, 1.0


def _cymbal_params(r: Cymbal, voice: VoiceParams, pn: _Panel, sample_rate: int):
    p = np.zeros(k.Y_SIZE)
    p[k.Y_N_MODES] = min(r.n_modes, k.MAX_CYMBAL_MODES)
    p[k.Y_F_LO] = r.f_lo_hz * pn.tune
    p[k.Y_F_HI] = r.f_hi_hz * pn.tune
    # Tone tilts the plate: +3 dB per octave of brightness at the top of the band.
    p[k.Y_TILT] = r.tilt + 0.5 * math.log2(pn.bright) / max(math.log2(r.f_hi_hz / r.f_lo_hz), 1.0)
    p[k.Y_TAU] = r.tau_s * pn.decay
    p[k.Y_TAU_EXP] = r.tau_exp
    p[k.Y_STRUCTURE] = r.structure
    p[k.Y_NOISE] = r.noise * voice.knob("noise", 1.0) * math.sqrt(pn.bright)
    p[k.Y_NOISE_TAU] = r.noise_tau_s * pn.decay
    p[k.Y_NOISE_HP] = r.noise_hp_hz * pn.bright
    p[k.Y_HP] = r.hp_hz * pn.tune
    p[k.Y_LP] = min(r.lp_hz * pn.bright, 0.45 * sample_rate) if r.lp_hz > 0.0 else 0.0
    p[k.Y_BLOOM_TAU] = r.bloom_s
    p[k.Y_TAU2] = r.tau2
    p[k.Y_MIX2] = r.mix2
    longest = max(r.tau_s * pn.decay * (r.tau2 if r.mix2 > 0.0 else 1.0), p[k.Y_NOISE_TAU])
    return p, r.bloom_s, longest, 1.0


def _clap_params(r: Clap, voice: VoiceParams, pn: _Panel, sample_rate: int):
    p = np.zeros(k.C_SIZE)
    spacing = r.spacing_s * voice.knob("spread", 1.0)
    p[k.C_N_BURSTS] = r.n_bursts
    p[k.C_SPACING] = spacing
    p[k.C_JITTER] = r.jitter
    p[k.C_BURST_TAU] = r.burst_tau_s * (1.0 + 0.1 * pn.accent)
    p[k.C_TAIL] = r.tail * voice.knob("tail", 1.0)
    p[k.C_TAIL_TAU] = r.tail_tau_s * pn.decay
    p[k.C_BP_HZ] = r.bp_hz * pn.tune * math.sqrt(pn.bright)
    p[k.C_BP_Q] = r.bp_q
    p[k.C_HP_HZ] = r.hp_hz * pn.tune * math.sqrt(pn.bright)
    tail_onset = (r.n_bursts - 1 + r.jitter) * spacing
    return p, tail_onset, max(p[k.C_TAIL_TAU], p[k.C_BURST_TAU]), 1.0


def _noise_params(r: Noise, voice: VoiceParams, pn: _Panel, sample_rate: int):
    p = np.zeros(k.N_SIZE)
    p[k.N_START] = r.start
    p[k.N_ATTACK_TAU] = r.attack_tau_s
    p[k.N_DECAY_TAU] = r.decay_tau_s * pn.decay
    p[k.N_HP_HZ] = r.hp_hz * pn.tune * pn.bright
    p[k.N_HP_Q] = r.hp_q
    p[k.N_LP_HZ] = r.lp_hz * pn.bright
    p[k.N_BEAD_RATE] = r.bead_rate_hz
    p[k.N_BEAD_DEPTH] = min(r.bead_depth * voice.knob("beads", 1.0), 1.0)
    p[k.N_BEAD_TAU] = r.bead_tau_s
    p[k.N_JINGLE] = r.jingle * voice.knob("jingle", 1.0)
    p[k.N_JINGLE_HZ] = r.jingle_hz * pn.tune
    p[k.N_JINGLE_TAU] = r.jingle_tau_s * pn.decay
    p[k.N_JINGLE_HITS] = r.jingle_hits
    p[k.N_JINGLE_SPREAD] = r.jingle_spread_s
    p[k.N_JINGLE_TILT] = 0.5 * math.log2(pn.bright)  # +3 dB/octave per octave of brightness
    onset, tau = r.attack_tau_s, p[k.N_DECAY_TAU]
    if p[k.N_JINGLE] > 0.0:
        onset, tau = max(onset, r.jingle_spread_s), max(tau, p[k.N_JINGLE_TAU])
    return p, onset, tau, 1.0


_BUILDERS = {
    Membrane: (_membrane_params, k.membrane_hit),
    Metal: (_metal_params, k.metal_hit),
    Cymbal: (_cymbal_params, k.cymbal_hit),
    Clap: (_clap_params, k.clap_hit),
    Noise: (_noise_params, k.noise_hit),
}


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


def _voice(kit: Kit, instrument: str) -> VoiceParams:
    if not isinstance(kit, Kit):
        raise KitError(f"field 'kit': expected a Kit, got {type(kit).__name__}")
    if instrument not in INSTRUMENTS:
        raise UnknownNameError("instrument", str(instrument), INSTRUMENTS)
    return kit.voices[instrument]


def _is_random(recipe, voice: VoiceParams) -> bool:
    """Whether the voice has anything that differs between variants (noise, free phases)."""
    if isinstance(recipe, Metal):
        return recipe.phase_spread > 0.0 or recipe.noise * voice.knob("noise", 1.0) > 0.0
    if isinstance(recipe, Membrane):
        return (recipe.noise + recipe.wires) * voice.knob("noise", 1.0) > 0.0
    return True


def n_variants(kit: Kit, instrument: str) -> int:
    """How many different takes of ``instrument`` the kit has.

    Tonal voices have one; noise-based voices have 2-4 so that repeated hits (a run of
    16th-note hats, a snare roll) are not machine-gun identical.

    Parameters
    ----------
    kit : Kit
    instrument : str
        One of ``INSTRUMENTS``.

    Returns
    -------
    int
        Number of variants; :func:`render_hit` accepts ``0 <= variant < n``.
    """
    voice = _voice(kit, instrument)
    recipe = RECIPES[voice.model]
    return recipe.variants if _is_random(recipe, voice) else 1


def render_hit(
    kit: Kit, instrument: str, velocity: float, variant: int, sample_rate: int
) -> np.ndarray:
    """Synthesize one hit of ``instrument`` from ``kit`` as a one-shot table.

    Parameters
    ----------
    kit : Kit
        The kit whose voice plays.
    instrument : str
        One of ``INSTRUMENTS``.
    velocity : float
        In (0, 1]. Sets the timbre the way an analog accent does (1.0 brighter, longer, more
        click; 0.35 a darker, shorter ghost); the table's loudness does not depend on it.
    variant : int
        Which take, ``0 <= variant < n_variants(kit, instrument)``; different variants differ
        in their noise only.
    sample_rate : int
        Samples per second (8000 .. 384000); the hit sounds the same at any rate.

    Returns
    -------
    ndarray, shape (n_frames,), float32
        Starts on its first sample (non-zero), peaks at exactly
        ``10 ** (level_db / 20) * 0.9``, ends where it has decayed below -80 dB of that peak
        after a 2 ms fade whose last sample is 0. Same arguments, same array.

    Raises
    ------
    UnknownNameError
        Unknown instrument.
    KitError
        ``kit`` is not a Kit.
    RenderError
        Velocity, variant or sample rate out of range.
    """
    voice = _voice(kit, instrument)
    if isinstance(velocity, bool) or not isinstance(velocity, int | float):
        raise RenderError(f"field 'velocity': expected a number in (0, 1], got {velocity!r}")
    if not (math.isfinite(velocity) and 0.0 < velocity <= 1.0):
        raise RenderError(f"field 'velocity': must be in (0, 1], got {velocity}")
    n_var = n_variants(kit, instrument)
    if isinstance(variant, bool) or not isinstance(variant, int | np.integer):
        raise RenderError(f"field 'variant': expected an integer, got {variant!r}")
    if not 0 <= variant < n_var:
        raise RenderError(
            f"field 'variant': {instrument} in kit '{kit.name}' has variants 0..{n_var - 1}, "
            f"got {variant}"
        )
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | np.integer):
        raise RenderError(f"field 'sample_rate': expected an integer, got {sample_rate!r}")
    low, high = SAMPLE_RATE_RANGE
    if not low <= sample_rate <= high:
        raise RenderError(
            f"field 'sample_rate': must be between {low} and {high} Hz, got {sample_rate}"
        )
    return _render(voice, instrument, float(velocity), int(variant), int(sample_rate))


def _attack(buf: np.ndarray, sr: int) -> None:
    """Shape the onset in place: a raised-cosine rise from ATTACK_START over ATTACK_S."""
    n = max(2, round(ATTACK_S * sr))
    ramp = np.sin(0.5 * np.pi * np.arange(n) / n) ** 2
    buf[:n] *= ATTACK_START + (1.0 - ATTACK_START) * ramp


def _render(voice: VoiceParams, instrument: str, velocity: float, variant: int, sr: int):
    recipe = RECIPES[voice.model]
    build, kernel = _BUILDERS[type(recipe)]
    panel = _panel(voice, velocity)
    params, onset_s, tau_s, gain = build(recipe, voice, panel, sr)
    # An accent drives the sampler's input harder; a ghost note barely colours it.
    saturation = min(voice.knob("saturation", 0.0) * 2.0 ** (0.5 * panel.accent), 1.0)
    gain *= 1.0 + 6.0 * saturation  # as in color_hit
    length_s = onset_s + tau_s * (_LN_RENDER_FLOOR + math.log(gain))
    # The seed depends on the instrument and variant only: the same take at every velocity.
    seed = zlib.crc32(f"{instrument}/{variant}".encode())
    fade_n = max(2, round(FADE_S * sr))
    guard_n = round(GUARD_S * sr)
    target = FULL_SCALE_PEAK * 10.0 ** (voice.level_db / 20.0)
    n = int(length_s * sr) + guard_n + fade_n + 16
    for _ in range(_MAX_TRIES):
        buf = np.empty(n)
        kernel(buf, params, float(sr), seed)
        if any(voice.knob(name, 0.0) for name in COLOR_KNOBS):
            k.color_hit(
                buf,
                float(sr),
                saturation,
                voice.knob("hold_hz", 0.0),
                int(voice.knob("crush_bits", 0.0)),
                # On a sampler the tone knob is its filter.
                voice.knob("lowpass_hz", 0.0) * 2.0 ** (2.0 * (voice.tone - 0.5)),
                voice.knob("highpass_hz", 0.0),
            )
        _attack(buf, sr)  # after the colour, whose drive would lift a soft start again
        n_end = k.finish_hit(buf, FLOOR_RATIO, fade_n, guard_n, target)
        if n_end >= 0:
            break
        n *= 2  # the estimate was short (e.g. drive lifted the tail): render longer
    else:
        raise RenderError(f"voice '{voice.model}' did not decay below -80 dB; check its decay")
    if n_end == 0:
        raise KitError(f"voice '{instrument}' ({voice.model}) renders silence; check its knobs")
    return buf[:n_end].astype(np.float32)


# --- tables -----------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _synth_layers(kit, instrument: str, sample_rate: int):
    out = []
    for vel, bound in zip(SYNTH_LAYER_VELOCITIES, SYNTH_LAYER_BOUNDS, strict=True):
        tables = [render_hit(kit, instrument, vel, v, sample_rate) for v in range(n_variants(kit, instrument))]
        out.append((bound, tables, 1.0))
    return out


def voice_layers(kit: Kit, instrument: str, sample_rate: int) -> list:
    """``instrument``'s velocity layers in ``kit``, as :func:`~groovebox.kits.tables.pack` takes
    them: ``[(upper velocity bound, variant tables, gain), ...]``; cached per voice."""
    _voice(kit, instrument)
    return _synth_layers(kit, instrument, int(sample_rate))


def synth_tables(kit, sample_rate: int, instruments: tuple[str, ...] | None = None) -> KitTables:
    """Tables of a synthesized kit for ``instruments`` (default: all), cached per voice."""
    wanted = INSTRUMENTS if instruments is None else tuple(dict.fromkeys(instruments))
    layers = {name: _synth_layers(kit, name, int(sample_rate)) for name in wanted}
    pans = {name: voice.pan for name, voice in kit.voices.items()}
    return pack(kit.name, sample_rate, layers, pans=pans, room=kit.room)
