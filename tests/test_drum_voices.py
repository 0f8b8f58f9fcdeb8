"""Synthesized drum voices: every kit x instrument is a usable, in-band, well-formed one-shot.

"Listening" is done with numbers: FFT band energy, spectral centroid and peak, table length
(the -80 dB point), burst onsets and zero crossings. Thresholds are what a producer expects of
the voice (a kick lives below 200 Hz, hats above 5 kHz, ...), not values copied from a run.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numba
import numpy as np
import pytest
from numba.core.caching import NullCache

from groovebox.dsp import drums as kernels
from groovebox.errors import GrooveboxError, KitError, RenderError, UnknownNameError
from groovebox.kits import synth as drumsynth
from groovebox.kits.synth import RECIPES, n_variants, render_hit
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.kit import (
    BUILTIN_KITS,
    MODEL_FAMILIES,
    Kit,
    VoiceParams,
    get_kit,
)

SR = 48000
LAYERS = (0.35, 0.8, 1.0)  # ghost, normal, accent: the engine's velocity layers
KITS = tuple(BUILTIN_KITS)
CASES = [(kit, inst) for kit in KITS for inst in INSTRUMENTS]

NOISY = (
    "snare",
    "clap",
    "closed_hat",
    "pedal_hat",
    "open_hat",
    "crash",
    "ride",
    "splash",
    "china",
    "shaker",
    "maracas",
    "tambourine",
)
TONAL = (
    "cowbell",
    "clave",
    "agogo_low",
    "agogo_high",
    "triangle",
    "woodblock_low",
    "woodblock_high",
)
HIGH = ("closed_hat", "pedal_hat", "open_hat", "crash", "ride", "splash", "china", "shaker",
        "maracas", "tambourine")  # fmt: skip
LOW_DRUMS = ("low_tom", "mid_tom", "high_tom", "conga_low", "conga_high", "conga_mute",
             "bongo_low", "bongo_high")  # fmt: skip
PAIRS = [
    ("low_tom", "mid_tom"),
    ("mid_tom", "high_tom"),
    ("conga_low", "conga_high"),
    ("bongo_low", "bongo_high"),
    ("timbale_low", "timbale_high"),
    ("agogo_low", "agogo_high"),
    ("woodblock_low", "woodblock_high"),
]


@lru_cache(maxsize=48)  # bounded: every kit at every rate would hold ~300 MB
def hit(kit: str, inst: str, velocity: float = 0.8, variant: int = 0, sr: int = SR) -> np.ndarray:
    x = render_hit(BUILTIN_KITS[kit], inst, velocity, variant, sr)
    x.setflags(write=False)
    return x


def target_peak(kit: str | Kit, inst: str) -> float:
    kit = BUILTIN_KITS[kit] if isinstance(kit, str) else kit
    return 0.9 * 10.0 ** (kit.voices[inst].level_db / 20.0)


def power_spectrum(x: np.ndarray, sr: int = SR) -> tuple[np.ndarray, np.ndarray]:
    n = max(len(x), sr)  # at least 1 Hz resolution
    return np.fft.rfftfreq(n, 1.0 / sr), np.abs(np.fft.rfft(x.astype(np.float64), n=n)) ** 2


def fraction_below(x, hz, sr=SR):
    f, p = power_spectrum(x, sr)
    return p[f < hz].sum() / p.sum()


def centroid(x, sr=SR, below_hz=None):
    f, p = power_spectrum(x, sr)
    if below_hz is not None:
        f, p = f[f < below_hz], p[f < below_hz]
    return float((f * p).sum() / p.sum())


def peak_hz(x, sr=SR):
    f, p = power_spectrum(x, sr)
    return float(f[np.argmax(p)])


def flatness(x, lo_hz, hi_hz, sr=SR):
    """Geometric / arithmetic mean of the power spectrum in a band: ~0.5+ noise, ~0 tones."""
    f, p = power_spectrum(x, sr)
    band = p[(f >= lo_hz) & (f < hi_hz)] + 1e-30
    return float(np.exp(np.mean(np.log(band))) / np.mean(band))


def assert_onset(x, peak, sr):
    """Sound on the trigger sample, no step above 10 % of the peak, -20 dB reached in 1 ms."""
    assert x[0] != 0.0, "silent trigger sample"
    assert abs(x[0]) <= 0.1 * peak, f"starts at {abs(x[0]) / peak:.0%} of its peak: a click"
    assert np.abs(x[: max(2, int(0.001 * sr))]).max() >= 0.1 * peak, "no attack in the first ms"


def seconds(x, sr=SR):
    return len(x) / sr


def envelope_db(x, frame_s=0.01, sr=SR):
    w = int(frame_s * sr)
    n = len(x) // w
    rms = np.sqrt(np.mean(x[: n * w].astype(np.float64).reshape(n, w) ** 2, axis=1))
    return 20 * np.log10(rms / rms.max() + 1e-12)


# --- the table contract ---------------------------------------------------------------------


@pytest.mark.parametrize("kit,inst", CASES)
def test_table_contract(kit, inst):
    fade_n = round(drumsynth.FADE_S * SR)
    for velocity in LAYERS:
        x = hit(kit, inst, velocity)
        assert x.dtype == np.float32 and x.ndim == 1
        assert np.isfinite(x).all()
        peak = float(np.abs(x).max())
        # Non-silent and normalised to the voice's level: never above 0.9 * 10**(level/20).
        assert peak == pytest.approx(target_peak(kit, inst), rel=1e-6)
        # The onset lands on the trigger sample and rises within a millisecond, from no more
        # than 10 % of the peak (a step would click).
        assert_onset(x, peak, SR)
        assert abs(float(x.astype(np.float64).mean())) < 0.01 * peak, "DC offset"
        # Ends at exactly 0 after a fade; the last 10 ms are below -60 dB.
        assert x[-1] == 0.0
        assert np.abs(x[-int(0.01 * SR) :]).max() < 1e-3 * peak
        ramp = np.arange(fade_n - 1, -1, -1) / (fade_n - 1)
        assert (np.abs(x[-fade_n:]) <= 1e-4 * peak * ramp + 1e-12).all(), "no fade to zero"
        # ...and trimmed there: just before the fade the hit is still at the -80 dB floor.
        assert abs(x[-fade_n - 1]) >= 0.999e-4 * peak, "table padded past -80 dB"


@pytest.mark.parametrize("kit,inst", CASES)
def test_same_arguments_same_bytes(kit, inst):
    kit_ = BUILTIN_KITS[kit]
    last = n_variants(kit_, inst) - 1
    a = render_hit(kit_, inst, 1.0, last, SR)
    b = render_hit(kit_, inst, 1.0, last, SR)
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("kit,inst", CASES)
def test_variants_differ_in_noise_not_character(kit, inst):
    n = n_variants(BUILTIN_KITS[kit], inst)
    assert 1 <= n <= 4
    if inst in NOISY:
        assert n >= 2, "noise-based voices need variants against machine-gunning"
    if inst in TONAL:
        assert n == 1
    if n == 1:
        with pytest.raises(RenderError, match="variant"):
            render_hit(BUILTIN_KITS[kit], inst, 0.8, 1, SR)
        return
    ref = hit(kit, inst, 0.8, 0)
    ref_env = envelope_db(ref)
    for v in range(1, n):
        x = hit(kit, inst, 0.8, v)
        m = min(len(x), len(ref))
        assert not np.array_equal(x[:m], ref[:m])
        assert np.corrcoef(x[:m], ref[:m])[0, 1] < 0.999, "variant is (nearly) a copy"
        assert seconds(x) == pytest.approx(seconds(ref), rel=0.15)
        assert centroid(x) == pytest.approx(centroid(ref), rel=0.15)
        env = envelope_db(x)
        k = min(len(env), len(ref_env))
        loud = ref_env[:k] > -40.0
        assert np.mean(np.abs(env[:k][loud] - ref_env[:k][loud])) < 3.0, "envelope differs"


# --- in its band --------------------------------------------------------------------------


@pytest.mark.parametrize("kit", KITS)
def test_kick_lives_below_200_hz(kit):
    for velocity in LAYERS:
        assert fraction_below(hit(kit, "kick", velocity), 200.0) > 0.9


@pytest.mark.parametrize("kit,inst", [(k, i) for k in KITS for i in LOW_DRUMS])
def test_toms_congas_bongos_below_600_hz(kit, inst):
    assert fraction_below(hit(kit, inst), 600.0) > 0.85


@pytest.mark.parametrize("kit", KITS)
@pytest.mark.parametrize("low,high", PAIRS)
def test_tuned_pairs_are_ordered_low_to_high(kit, low, high):
    f_low, f_high = peak_hz(hit(kit, low)), peak_hz(hit(kit, high))
    assert f_low * 1.1 < f_high
    assert centroid(hit(kit, low)) < centroid(hit(kit, high))


@pytest.mark.parametrize("kit", KITS)
def test_snare_is_tone_plus_real_noise(kit):
    x = hit(kit, "snare")
    assert 100.0 < centroid(x) < 10000.0
    assert 120.0 < peak_hz(x) < 400.0, "the body tones"
    assert 1.0 - fraction_below(x, 1000.0) > 0.1, "a snappy share above 1 kHz"
    # ...that is noise, not tones: flat where the wires are loudest (a real kit's wires are
    # dark: GMRockKit's snare has ~6 % of its energy above 2 kHz).
    assert flatness(x, 1000.0, 4000.0) > 0.3, "...that is noise, not tones"
    assert flatness(hit(kit, "clave"), 1000.0, 4000.0) < 0.1  # the measure tells tones apart


# A real crash, splash or china is darker than a drum machine's cymbal: GMRockKit's crash has
# ~10 % of its energy above 5 kHz, and the acoustic kit follows it (tests/test_kit_sound.py).
DARK_CYMBALS = {("acoustic", "crash"), ("acoustic", "splash"), ("acoustic", "china")}


@pytest.mark.parametrize("kit,inst", [(k, i) for k in KITS for i in HIGH
                                      if (k, i) not in DARK_CYMBALS])
def test_hats_shakers_cymbals_above_5_khz(kit, inst):
    for velocity in LAYERS:
        assert 1.0 - fraction_below(hit(kit, inst, velocity), 5000.0) > 0.5


@pytest.mark.parametrize("kit", KITS)
def test_clap_is_bursts_then_tail_around_1_to_2_khz(kit):
    for variant in range(n_variants(BUILTIN_KITS[kit], "clap")):
        x = hit(kit, "clap", 0.8, variant)
        assert 700.0 < centroid(x) < 4000.0
        # Onsets: 1 ms frames whose RMS jumps by 6 dB, within the first 35 ms.
        w = SR // 1000
        rms = np.sqrt(np.mean(x[: 35 * w].astype(np.float64).reshape(35, w) ** 2, axis=1))
        onsets = [0] + [i for i in range(1, 35) if rms[i] > 2.0 * rms[i - 1]]
        onsets = [t for j, t in enumerate(onsets) if j == 0 or t - onsets[j - 1] > 4]
        assert 3 <= len(onsets) <= 5
        assert all(6 <= b - a <= 14 for a, b in zip(onsets, onsets[1:], strict=False))
        assert seconds(x) > 0.2, "a diffuse tail after the bursts"


@pytest.mark.parametrize("kit", KITS)
def test_percussion_pitches(kit):
    assert 500.0 <= peak_hz(hit(kit, "cowbell")) <= 900.0
    assert 1800.0 <= peak_hz(hit(kit, "clave")) <= 3200.0
    assert 500.0 <= peak_hz(hit(kit, "agogo_low")) <= 1200.0
    assert 500.0 <= peak_hz(hit(kit, "woodblock_low")) <= 1500.0
    assert 250.0 <= peak_hz(hit(kit, "timbale_low")) <= 600.0
    assert 400.0 < centroid(hit(kit, "rim")) < 4000.0
    assert centroid(hit(kit, "triangle")) > 2500.0
    # The bell of the ride is a pitched ping in the low kHz, more tonal than the ride's wash.
    assert 1500.0 <= peak_hz(hit(kit, "ride_bell")) <= 4000.0
    assert flatness(hit(kit, "ride_bell"), 1000, 12000) < flatness(hit(kit, "ride"), 1000, 12000)


@pytest.mark.parametrize("kit", KITS)
def test_decay_lengths_fit_the_instrument(kit):
    s = {inst: seconds(hit(kit, inst)) for inst in INSTRUMENTS}
    assert s["closed_hat"] < 0.5 and s["pedal_hat"] < 0.5
    assert s["closed_hat"] * 2.5 < s["open_hat"]  # GMRockKit's: 0.40 s and 1.05 s
    assert s["rim"] < 0.3 and s["clave"] < 0.3 and s["maracas"] < 0.3
    assert s["conga_mute"] < 0.5 * s["conga_low"]
    assert s["timbale_low"] > s["bongo_low"], "timbales ring"
    assert s["triangle"] > 1.5, "a triangle rings on"
    for inst in ("crash", "ride", "china", "triangle"):
        for velocity in LAYERS:
            assert seconds(hit(kit, inst, velocity)) <= 4.0


def _zero_crossing_hz(x, start_s, stop_s, sr=SR):
    seg = x[int(start_s * sr) : int(stop_s * sr)]
    idx = np.flatnonzero(np.signbit(seg[1:]) != np.signbit(seg[:-1]))
    return (len(idx) - 1) / 2.0 / ((idx[-1] - idx[0]) / sr)


def test_808_and_909_kicks_have_their_machines_character():
    k808, k909 = hit("808", "kick"), hit("909", "kick")
    # 808: ~50 Hz body after a gentle bend, long boomy tail.
    assert 45.0 < _zero_crossing_hz(k808, 0.15, 0.6) < 56.0
    assert 60.0 < _zero_crossing_hz(k808, 0.0, 0.03) < 110.0
    # 909: dives from a few hundred Hz within milliseconds, then a tighter tail.
    first_half_period_s = np.flatnonzero(np.signbit(k909[1:]) != np.signbit(k909[:-1]))[0] / SR
    assert 0.5 / first_half_period_s > 150.0
    assert 48.0 < _zero_crossing_hz(k909, 0.1, 0.4) < 65.0
    assert seconds(k808) > 1.3 * seconds(k909)


# --- velocity, knobs and sample rates ------------------------------------------------------


@pytest.mark.parametrize("kit,inst", CASES)
def test_accent_is_brighter_and_longer_than_ghost(kit, inst):
    ghost, normal, accent = (hit(kit, inst, v) for v in LAYERS)
    assert seconds(ghost) < seconds(normal) < seconds(accent)
    assert centroid(ghost) < centroid(accent)
    assert np.abs(ghost).max() == pytest.approx(np.abs(accent).max(), rel=1e-6)


@pytest.mark.parametrize("kit,inst", CASES)
@pytest.mark.parametrize("sr", [22050, 44100, 96000])
def test_same_sound_at_every_sample_rate(kit, inst, sr):
    x, ref = hit(kit, inst, 0.8, 0, sr), hit(kit, inst)
    peak = float(np.abs(x).max())
    assert peak == pytest.approx(target_peak(kit, inst), rel=1e-6)
    assert_onset(x, peak, sr)
    assert x[-1] == 0.0
    assert np.abs(x[-int(0.01 * sr) :]).max() < 1e-3 * peak
    assert seconds(x, sr) == pytest.approx(seconds(ref), rel=0.12)
    # Compare where both rates can carry sound and their filters agree (a 2-pole filter at
    # 22.05 or 48 kHz warps well below Nyquist), over every take: one short noise burst's
    # centroid wanders by +-10 % from take to take.
    band = 0.4 * sr if sr == 22050 else 12000.0
    rel = 0.22 if sr == 22050 else 0.15
    takes = range(n_variants(BUILTIN_KITS[kit], inst))
    here = np.mean([centroid(hit(kit, inst, 0.8, v, sr), sr, band) for v in takes])
    there = np.mean([centroid(hit(kit, inst, 0.8, v), SR, band) for v in takes])
    assert here == pytest.approx(there, rel=rel)


def _with(kit: str, inst: str, **changes) -> Kit:
    return BUILTIN_KITS[kit].with_voice(inst, **changes)


def _render(kit: Kit, inst: str) -> np.ndarray:
    return render_hit(kit, inst, 0.8, 0, SR)


@pytest.mark.parametrize("kit", KITS)
@pytest.mark.parametrize("inst", ["kick", "low_tom", "conga_high", "cowbell", "agogo_high"])
def test_tune_shifts_the_pitch(kit, inst):
    base = peak_hz(_render(_with(kit, inst, tune_semitones=0.0), inst))
    up = peak_hz(_render(_with(kit, inst, tune_semitones=12.0), inst))
    down = peak_hz(_render(_with(kit, inst, tune_semitones=-5.0), inst))
    assert up / base == pytest.approx(2.0, rel=0.06)
    assert down / base == pytest.approx(2.0 ** (-5 / 12), rel=0.06)


@pytest.mark.parametrize("kit", KITS)
@pytest.mark.parametrize("inst", ["kick", "snare", "open_hat", "clap", "shaker", "triangle"])
def test_decay_multiplies_the_decay_time(kit, inst):
    short = seconds(_render(_with(kit, inst, decay=0.5), inst))
    long = seconds(_render(_with(kit, inst, decay=1.0), inst))
    assert 1.5 < long / short < 2.2  # the attack part does not stretch


@pytest.mark.parametrize("kit", KITS)
@pytest.mark.parametrize("inst", ["snare", "closed_hat", "clap", "shaker", "cowbell", "crash"])
def test_tone_brightens(kit, inst):
    dark = centroid(_render(_with(kit, inst, tone=0.0), inst))
    bright = centroid(_render(_with(kit, inst, tone=1.0), inst))
    assert bright > dark * 1.1


@pytest.mark.parametrize("kit", KITS)
@pytest.mark.parametrize("inst", ["kick", "low_tom", "mid_tom", "conga_low", "bongo_high"])
def test_tone_brightens_the_attack_of_tuned_drums(kit, inst):
    # The body's pitch is the tune knob's; tone is heard in the stick/beater attack and the
    # overtones above 2 kHz (on the lofi kit, through its sampler filter).
    def attack_share(x):
        return 1.0 - fraction_below(x, 2000.0)

    dark = attack_share(_render(_with(kit, inst, tone=0.0), inst))
    bright = attack_share(_render(_with(kit, inst, tone=1.0), inst))
    assert bright > 2.0 * dark


def test_level_sets_the_peak():
    kit = BUILTIN_KITS["808"].with_voice("snare", level_db=-20.0)
    assert np.abs(_render(kit, "snare")).max() == pytest.approx(0.09, rel=1e-6)


def test_noise_knob_off_makes_a_snare_tonal_and_single_variant():
    kit = BUILTIN_KITS["808"].with_voice("snare", knobs={"noise": 0.0})
    assert n_variants(kit, "snare") == 1
    assert 1.0 - fraction_below(_render(kit, "snare"), 1000.0) < 0.02
    assert 1.0 - fraction_below(hit("808", "snare"), 1000.0) > 0.1


def test_lofi_is_band_limited_and_crushed():
    for inst in ("snare", "closed_hat", "crash"):  # (a kick has nothing up there)
        lofi, clean = hit("lofi", inst), hit("808", inst)
        assert 1.0 - fraction_below(lofi, 15000.0) < 0.5 * (1.0 - fraction_below(clean, 15000.0))
    # 12-bit crush: a pure hold/crush/drive voice sits on a coarse grid before the filters.
    kit = BUILTIN_KITS["808"].with_voice("clave", knobs={"crush_bits": 6.0})
    x = _render(kit, "clave").astype(np.float64)
    x /= np.abs(x).max()
    after_rise = int(drumsynth.ATTACK_S * SR) + 1  # the onset rise is shaped after the crush
    levels = np.unique(np.round(x[after_rise : int(0.05 * SR)] * 32.0, 6))
    assert np.allclose(levels, np.round(levels))  # every sample on the 6-bit grid


# --- kits and validation --------------------------------------------------------------------


def test_builtin_kits_cover_every_instrument():
    assert {"808", "909", "lofi"} <= set(BUILTIN_KITS)
    for name, kit in BUILTIN_KITS.items():
        assert kit.name == name and get_kit(name) is kit
        assert tuple(kit.voices) == INSTRUMENTS
        assert len(kit.description) > 80
    assert set(RECIPES) == set(MODEL_FAMILIES)
    families = {"membrane": "Membrane", "metal": "Metal", "cymbal": "Cymbal", "clap": "Clap",
                "noise": "Noise"}
    for model, family in MODEL_FAMILIES.items():
        assert type(RECIPES[model]).__name__ == families[family], model


def test_get_kit_unknown_name():
    with pytest.raises(UnknownNameError, match="unknown kit '9O9'.*'909'"):
        get_kit("9O9")


def test_with_voice_is_a_new_value():
    kit = BUILTIN_KITS["909"]
    louder = kit.with_voice("kick", level_db=-1.0, decay=1.5)
    assert louder.voices["kick"].level_db == -1.0 and louder.voices["kick"].decay == 1.5
    assert kit.voices["kick"].level_db != -1.0  # the original is untouched
    assert louder != kit and hash(louder) != hash(kit)
    assert kit.with_voice("kick") == kit and hash(kit.with_voice("kick")) == hash(kit)
    assert {kit: 1}[BUILTIN_KITS["909"]] == 1  # usable as a cache key


VOICE = VoiceParams("808_snare")
BAD_KITS = [
    (lambda: _with("808", "snare", level_db=3.0), "level_db"),
    (lambda: _with("808", "snare", level_db=float("nan")), "level_db"),
    (lambda: _with("808", "snare", level_db="loud"), "level_db"),
    (lambda: _with("808", "snare", decay=0.0), "decay"),
    (lambda: _with("808", "snare", decay=-1.0), "decay"),
    (lambda: _with("808", "snare", decay=10.0), "decay"),
    (lambda: _with("808", "snare", tone=1.5), "tone"),
    (lambda: _with("808", "snare", tune_semitones=30), "tune_semitones"),
    (lambda: _with("808", "snare", model="808_snair"), "808_snare"),
    (lambda: _with("808", "snare", volume=1.0), "volume"),
    (lambda: _with("808", "snare", knobs={"wobble": 1.0}), "knobs.wobble"),
    (lambda: _with("808", "snare", knobs={"noise": 9.0}), "knobs.noise"),
    (lambda: _with("808", "cowbell", knobs={"sweep": 1.0}), "knobs.sweep"),
    (lambda: _with("808", "snare", knobs={"crush_bits": 3.0}), "knobs.crush_bits"),
    (lambda: _with("808", "snare", knobs={"crush_bits": 8.5}), "knobs.crush_bits"),
    (lambda: _with("808", "snaer", level_db=-3.0), "snaer"),
    (lambda: Kit("mine", "", {**BUILTIN_KITS["808"].voices, "cowbel": VOICE}), "cowbel"),
    (lambda: Kit("mine", "", {"kick": VoiceParams("808_kick")}), "no voice for snare"),
    (lambda: Kit("mine", "", {**BUILTIN_KITS["808"].voices, "kick": 3}), "voices.kick"),
    (lambda: Kit("", "", BUILTIN_KITS["808"].voices), "name"),
]


@pytest.mark.parametrize("make,names", BAD_KITS)
def test_kit_validation_errors(make, names):
    with pytest.raises(KitError) as info:
        make()
    message = str(info.value)
    assert "\n" not in message
    assert names in message


BAD_CALLS = [
    (dict(inst="kik"), UnknownNameError, "kick"),
    (dict(velocity=0.0), RenderError, "velocity"),
    (dict(velocity=1.5), RenderError, "velocity"),
    (dict(velocity=float("nan")), RenderError, "velocity"),
    (dict(variant=-1), RenderError, "variant"),
    (dict(variant=4), RenderError, "variant"),
    (dict(variant=1.0), RenderError, "variant"),
    (dict(sr=1000), RenderError, "sample_rate"),
    (dict(sr=48000.0), RenderError, "sample_rate"),
    (dict(kit="808"), KitError, "kit"),
]


@pytest.mark.parametrize("bad,error,names", BAD_CALLS)
def test_render_hit_argument_errors(bad, error, names):
    args = dict(kit=BUILTIN_KITS["808"], inst="snare", velocity=0.8, variant=0, sr=SR) | bad
    with pytest.raises(error) as info:
        render_hit(args["kit"], args["inst"], args["velocity"], args["variant"], args["sr"])
    assert isinstance(info.value, GrooveboxError)
    assert names in str(info.value) and "\n" not in str(info.value)


def test_kernels_are_cached_njit():
    for name in ("membrane_hit", "metal_hit", "clap_hit", "noise_hit", "color_hit", "finish_hit"):
        kernel = getattr(kernels, name)
        assert isinstance(kernel, numba.core.registry.CPUDispatcher), name
        assert not isinstance(kernel._cache, NullCache), f"{name} lacks cache=True"


def test_finish_hit_trims_fades_and_normalises():
    # A pure exponential decay: the table must end where it falls below -80 dB (+ fade).
    tau_n, fade_n, guard_n = 100, 10, 50
    x = np.exp(-np.arange(5000) / tau_n)
    n = kernels.finish_hit(x, 1e-4, fade_n, guard_n, 0.5)
    last_above = math.floor(tau_n * math.log(1e4))
    assert n == last_above + 1 + fade_n
    assert x[0] == 0.5 and x[n - 1] == 0.0
    assert kernels.finish_hit(np.zeros(100), 1e-4, 4, 50, 0.5) == 0
    assert kernels.finish_hit(np.ones(100), 1e-4, 4, 50, 0.5) == -1  # has not decayed


def test_finish_hit_never_trims_in_a_dip_of_a_ringing_tail():
    # A slow 40 Hz ring cut off by the buffer right in a zero crossing near the floor: it must
    # ask for a longer render rather than end early.
    sr, tau_s = 48000, 0.2
    t = np.arange(int(sr * tau_s * math.log(1e4))) / sr
    x = np.sin(2 * np.pi * 40.0 * t) * np.exp(-t / tau_s)
    cut = np.flatnonzero(np.signbit(x[1:]) != np.signbit(x[:-1]))[-1] + 1
    assert kernels.finish_hit(x[:cut].copy(), 1e-4, 96, 2400, 0.5) == -1


def test_a_longer_render_gives_the_same_table():
    # The retry path (render longer) must give the same bytes as the first estimate.
    kit = BUILTIN_KITS["909"]
    first = render_hit(kit, "crash", 1.0, 1, SR)
    saved = drumsynth._LN_RENDER_FLOOR
    try:
        drumsynth._LN_RENDER_FLOOR = 2.0  # far too short: forces renders again, longer
        again = render_hit(kit, "crash", 1.0, 1, SR)
    finally:
        drumsynth._LN_RENDER_FLOOR = saved
    assert again.tobytes() == first.tobytes()
