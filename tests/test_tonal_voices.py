"""Tonal voices and textures: pitch, level, clean starts and ends, block-size independence."""

import numpy as np
import pytest

from groovebox.dsp import tonal as T
from groovebox.errors import ParameterError, UnknownNameError
from groovebox.model import patch as PT
from groovebox.renderer.voices import render_note

SR = 48000
PITCHED = (T.PAD, T.BELL, T.EPIANO, T.PLUCK, T.PIANO, T.CHOIR, T.DRONE, T.ORGAN, T.SUB_BASS)


def _pure(kind):
    """A patch for pitch checks: no unison spread, drift or vibrato; organ and drone on the 8'
    drawbar only (the third digit: drawbars read in the Hammond's order 16', 5 1/3', 8', ...)."""
    fields = {}
    if kind in (T.PAD, T.CHOIR):
        fields = dict(detune_cents=0.0, drift_cents=0.0, vibrato_cents=0.0)
    if kind == T.DRONE:
        fields = dict(detune_cents=0.0, drawbars="008000000")
    if kind == T.ORGAN:
        fields = dict(drawbars="008000000")
    return PT.make_patch(kind, **fields)


def _peak_hz(x, lo_hz, hi_hz):
    """Frequency of the strongest spectral peak in [lo_hz, hi_hz] (parabolic interpolation)."""
    n = 1 << int(np.ceil(np.log2(len(x) * 4)))
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    band = np.nonzero((freqs >= lo_hz) & (freqs <= hi_hz))[0]
    k = band[np.argmax(spec[band])]
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-30)
    return freqs[k] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0])


@pytest.mark.parametrize("name", sorted(PT.PRESETS))
def test_every_preset_sounds_finite_and_below_full_scale(name):
    kind, patch = PT.preset(name)
    y = render_note(kind, patch, 220.0, 1.0, 3.0, SR, seed=5)
    assert np.isfinite(y).all()
    rms_db = 10 * np.log10(np.mean(y**2))
    assert rms_db > -60.0, f"{name} is nearly silent ({rms_db:.1f} dB RMS)"
    assert np.abs(y).max() < 1.0


@pytest.mark.parametrize("kind", PITCHED)
@pytest.mark.parametrize("f0", [55.0, 220.0, 880.0])
def test_fundamental_is_at_the_played_pitch(kind, f0):
    y = render_note(kind, _pure(kind), f0, 0.8, 2.0, SR)[:, 0]
    x = y[int(0.6 * SR) : int(1.9 * SR)]
    found = _peak_hz(x, f0 * 0.97, f0 * 1.03)
    cents = 1200 * np.log2(found / f0)
    # Piano strings are stiff: their fundamental sits a fraction of a cent sharp.
    assert abs(cents) < 1.0, f"peak at {found:.3f} Hz, {cents:+.2f} cents from {f0} Hz"


def test_unison_pad_is_centred_on_the_pitch_and_spread_in_stereo():
    patch = PT.make_patch(T.PAD, detune_cents=15.0, drift_cents=0.0, voices=7, spread=1.0)
    y = render_note(T.PAD, patch, 220.0, 0.8, 4.0, SR)
    x = y[int(2.5 * SR) : int(4.0 * SR)]
    mono = x.sum(axis=1)
    n = 1 << 20
    spec = np.abs(np.fft.rfft(mono * np.hanning(len(mono)), n)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    band = (freqs > 200.0) & (freqs < 240.0)
    centroid = (freqs[band] * spec[band]).sum() / spec[band].sum()
    assert abs(1200 * np.log2(centroid / 220.0)) < 1.0
    # Detuned voices spread the fundamental's energy over about +-15 cents.
    width = np.sqrt((((freqs[band] - centroid) ** 2) * spec[band]).sum() / spec[band].sum())
    assert 1.0 < width < 4.0
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] < 0.95


@pytest.mark.parametrize("name", sorted(PT.PRESETS))
def test_note_starts_from_silence_along_the_attack(name):
    kind, patch = PT.preset(name)
    y = render_note(kind, patch, 330.0, 1.0, 8.0, SR, seed=2)
    assert y[0, 0] == 0.0 and y[0, 1] == 0.0
    attack_n = int(round(patch[T.P_ATTACK_S] * SR))
    peak = np.abs(y).max()
    t = np.arange(min(attack_n, len(y)))
    # The envelope is a smoothstep sampled every CHUNK samples and joined by straight lines,
    # so it never exceeds the smoothstep at the end of the current chunk.
    u = np.minimum(1.0, (t // T.CHUNK + 1) * T.CHUNK / max(attack_n, 1))
    bound = u * u * (3 - 2 * u)
    # Slack of 2: beating unison voices and noise make the waveform's own peak vary over the
    # note. A click (a start at full level) breaks the bound by orders of magnitude.
    level = np.abs(y[: len(t)]).max(axis=1)
    assert (level <= 2.0 * bound * peak + 1e-9).all()


@pytest.mark.parametrize("name", sorted(PT.PRESETS))
def test_release_lands_on_zero_without_a_jump(name):
    kind, patch = PT.preset(name)
    dur = 1.5
    y = render_note(kind, patch, 262.0, 1.0, dur, SR, seed=4, tail_s=0.5)
    off = int(round(dur * SR))
    peak = np.abs(y).max()
    ms = SR // 1000
    before = y[off - 10 * ms : off]
    after = y[off : off + 10 * ms]
    if kind in T.TEXTURES:
        # Noise: compare loudness (RMS over 50 ms), not single random peaks.
        rms_before = np.sqrt(np.mean(y[off - 50 * ms : off] ** 2))
        assert np.sqrt(np.mean(y[off : off + 50 * ms] ** 2)) <= 1.5 * rms_before
    elif np.abs(before).max() > 1e-4 * peak:
        # Level does not jump up at note-off (windows of several periods), nor does the
        # waveform step.
        assert np.abs(after).max() <= 1.05 * np.abs(before).max() + 1e-12
        steps_after = np.abs(np.diff(y[off - 1 : off + 2 * ms], axis=0)).max()
        assert steps_after <= 2.0 * np.abs(np.diff(before, axis=0)).max() + 1e-12
    nz = np.nonzero(np.abs(y).max(axis=1))[0]
    end = nz[-1] + 1
    assert end <= off + int(round(patch[T.P_RELEASE_S] * SR)) + T.CHUNK
    assert np.abs(y[end - ms : end]).max() <= 1e-3 * peak
    assert not y[end:].any()


def test_render_reports_the_voice_finished_and_stops_adding():
    kind, patch = PT.preset("rhodes")
    state = np.zeros(T.STATE_SIZE)
    T.tonal_start(kind, state, patch, 440.0, 0.7, 4800, SR, 0)
    out_l = np.zeros(48000)
    out_r = np.zeros(48000)
    flags = [T.tonal_render(kind, state, patch, out_l, out_r, a, a + 1000, SR) for a in range(0, 48000, 1000)]
    release_end = 4800 + int(round(patch[T.P_RELEASE_S] * SR))
    first_zero = flags.index(0)
    assert (first_zero + 1) * 1000 >= release_end > first_zero * 1000 - T.CHUNK
    assert all(f == 0 for f in flags[first_zero:])
    assert not out_l[release_end + T.CHUNK :].any()


@pytest.mark.parametrize("name", ["warm_pad", "fm_bell", "choir_ah", "rain"])
def test_forced_release_is_clickless_and_frees_the_voice(name):
    kind, patch = PT.preset(name)
    state = np.zeros(T.STATE_SIZE)
    n = 5 * SR
    out_l = np.zeros(n)
    out_r = np.zeros(n)
    T.tonal_start(kind, state, patch, 196.0, 0.9, 10 * SR, SR, 1)
    cut = 3 * SR + 17  # mid control segment
    assert T.tonal_render(kind, state, patch, out_l, out_r, 0, cut, SR) == 1
    T.tonal_release(kind, state, 0.05, SR)
    alive = T.tonal_render(kind, state, patch, out_l, out_r, cut, n, SR)
    assert alive == 0
    ms = SR // 1000
    before = out_l[cut - 10 * ms : cut]
    after = out_l[cut : cut + 10 * ms]
    assert np.abs(after).max() <= 1.05 * np.abs(before).max() + 1e-12
    assert np.abs(np.diff(out_l[cut - 1 : cut + 2 * ms])).max() <= 2.0 * np.abs(np.diff(before)).max()
    end = cut + int(0.05 * SR)
    assert not out_l[end + 1 :].any() and not out_r[end + 1 :].any()


@pytest.mark.parametrize("name", sorted(PT.PRESETS))
@pytest.mark.parametrize("block", [1, 64, 65, 256, 8193])
def test_any_block_size_gives_identical_samples(name, block):
    kind, patch = PT.preset(name)
    patch[T.P_RELEASE_S] = min(patch[T.P_RELEASE_S], 0.2)
    whole = render_note(kind, patch, 247.0, 0.9, 0.4, SR, seed=9)
    split = render_note(kind, patch, 247.0, 0.9, 0.4, SR, seed=9, block_frames=block)
    assert np.array_equal(whole, split)


def test_float32_buffers_and_uneven_splits_match_one_call():
    kind, patch = PT.preset("warm_pad")
    n = 30000
    outs = []
    for cuts in ([n], [1, 63, 64, 1000, 4097, n]):
        state = np.zeros(T.STATE_SIZE)
        T.tonal_start(kind, state, patch, 330.0, 0.8, 20000, SR, 3)
        out_l = np.zeros(n, dtype=np.float32)
        out_r = np.zeros(n, dtype=np.float32)
        a = 0
        for b in cuts:
            T.tonal_render(kind, state, patch, out_l, out_r, a, b, SR)
            a = b
        outs.append((out_l, out_r))
    assert np.array_equal(outs[0][0], outs[1][0]) and np.array_equal(outs[0][1], outs[1][1])


def test_same_seed_same_samples_other_seed_other_texture():
    kind, patch = PT.preset("rain")
    a = render_note(kind, patch, 0.0 + 100.0, 1.0, 1.0, SR, seed=1)
    b = render_note(kind, patch, 100.0, 1.0, 1.0, SR, seed=1)
    c = render_note(kind, patch, 100.0, 1.0, 1.0, SR, seed=2)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_textures_ignore_pitch_and_velocity_scales_level():
    kind, patch = PT.preset("wind")
    lo = render_note(kind, patch, 100.0, 1.0, 2.0, SR, seed=3)
    hi = render_note(kind, patch, 1000.0, 1.0, 2.0, SR, seed=3)
    assert np.array_equal(lo, hi)
    half = render_note(kind, patch, 100.0, 0.5, 2.0, SR, seed=3)
    assert np.allclose(half, 0.5 * lo, atol=1e-12)


def test_ocean_swells_and_falls_back():
    kind, patch = PT.preset("ocean")
    y = render_note(kind, patch, 100.0, 1.0, 40.0, SR, seed=7)[int(8 * SR) : int(40 * SR), 0]
    rms = np.sqrt((y[: len(y) // SR * SR].reshape(-1, SR) ** 2).mean(axis=1))
    # Waves every ~10 s: one-second loudness swings by more than 6 dB, and comes back.
    assert 20 * np.log10(rms.max() / rms.min()) > 6.0
    above = rms > np.sqrt(rms.max() * rms.min())
    assert np.count_nonzero(np.diff(above.astype(int)) == 1) >= 2


def test_pluck_brighter_partials_die_first():
    kind, patch = PT.preset("pluck")
    y = render_note(kind, patch, 196.0, 1.0, 3.0, SR)[:, 0]

    def high_share(x):
        spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
        freqs = np.fft.rfftfreq(len(x), 1.0 / SR)
        return spec[freqs > 1000].sum() / spec.sum()

    early = high_share(y[int(0.02 * SR) : int(0.12 * SR)])
    late = high_share(y[int(1.0 * SR) : int(1.1 * SR)])
    assert late < 0.5 * early


def test_extreme_patches_stay_finite():
    for kind in range(T.N_KINDS):
        fields = dict(attack_s=0.0, release_s=0.001, resonance=20.0, cutoff_hz=20000.0)
        if kind in (T.BELL, T.EPIANO):
            fields.update(fm_index=50.0, fm_ratio=32.0, fm_index2=50.0, fm_ratio2=32.0)
        if kind == T.RAIN:
            fields.update(density=5000.0)
        patch = PT.make_patch(kind, **fields)
        y = render_note(kind, patch, 4000.0, 1.0, 0.3, SR)
        assert np.isfinite(y).all()
        assert np.abs(y).max() < 8.0


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: PT.make_patch("pad", attack_s=-1.0), ParameterError, "patch.attack_s"),
        (lambda: PT.make_patch("pad", voices=2.5), ParameterError, "patch.voices"),
        (lambda: PT.make_patch("organ", drawbars="889000000"), ParameterError, "patch.drawbars"),
        (lambda: PT.make_patch("organ", drawbars="88"), ParameterError, "patch.drawbars"),
        (lambda: PT.make_patch("bell", fm_index=float("nan")), ParameterError, "patch.fm_index"),
        (lambda: PT.make_patch("bell", fm_indx=1.0), UnknownNameError, "fm_indx"),
        (lambda: PT.make_patch("harp"), UnknownNameError, "harp"),
        (lambda: PT.preset("warm_padd"), UnknownNameError, "warm_pad"),
        (lambda: render_note("pad", None, 5.0, 0.5, 1.0, SR), ParameterError, "pitch_hz"),
        (lambda: render_note("pad", None, 220.0, 1.5, 1.0, SR), ParameterError, "velocity"),
        (lambda: render_note("pad", None, 220.0, 0.5, -1.0, SR), ParameterError, "duration_s"),
    ],
)
def test_bad_settings_fail_with_one_clear_line(call, error, text):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert text in message and "\n" not in message


def test_kind_names_and_slot_constants_agree():
    assert len(PT.KIND_NAMES) == T.N_KINDS
    assert T.STATE_SIZE <= 64 and T.PATCH_SIZE <= 32
    assert PT.PATCH_FIELDS[T.P_CUTOFF_HZ] == "cutoff_hz"
    assert PT.PATCH_FIELDS[T.P_FM_INDEX] == "fm_index"
    assert PT.PATCH_FIELDS[T.P_VOWEL] == "vowel"
    for kind in range(T.N_KINDS):
        PT.validate_patch(PT.default_patch(kind))
