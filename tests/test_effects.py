"""Effects do what they say: reverb decay, delay repeats, filter/EQ responses, compression."""

import numpy as np
import pytest

from groovebox.dsp import effects as E
from groovebox.errors import ParameterError, UnknownNameError
from groovebox.renderer import effects as RE

SR = 48000


def _impulse(n, left=1.0, right=0.0):
    x = np.zeros((n, 2))
    x[0] = left, right
    return x


def _band_rt60(ir, lo_hz, hi_hz, sr=SR):
    """(T20, T30) of a stereo impulse response in a band, from Schroeder's backward integral."""
    n = len(ir)
    size = 2 * n  # zero-padded: the band filter's ringing must not wrap around
    freqs = np.fft.rfftfreq(size, 1.0 / sr)
    # Band with half-octave raised-cosine skirts (a brick wall would ring for seconds).
    octs = np.log2(np.maximum(freqs, 1e-9))
    lo, hi = np.log2(lo_hz), np.log2(hi_hz)
    gain = np.clip(np.minimum((octs - lo) / 0.5 + 0.5, (hi - octs) / 0.5 + 0.5), 0.0, 1.0)
    gain = 0.5 - 0.5 * np.cos(np.pi * gain)
    energy = np.zeros(n)
    for ch in range(2):
        spec = np.fft.rfft(ir[:, ch], size) * gain
        energy += np.fft.irfft(spec, size)[:n] ** 2
    edc = np.cumsum(energy[::-1])[::-1]
    edc_db = 10 * np.log10(edc / edc[0] + 1e-300)
    t5, t25, t35 = (np.argmax(edc_db < -db) for db in (5, 25, 35))
    return 3.0 * (t25 - t5) / sr, 2.0 * (t35 - t5) / sr


@pytest.mark.parametrize("decay_s", [1.0, 3.0, 8.0])
def test_reverb_rt60_matches_its_setting(decay_s):
    state = RE.make_effect("reverb", SR, decay_s=decay_s, predelay_s=0.0)
    ir = E.process(state, _impulse(int(1.5 * decay_s * SR)), block_frames=4096)
    # Mid band (where RT60 is quoted; damping shortens the highs on purpose).
    t20, t30 = _band_rt60(ir, 250.0, 2000.0)
    assert abs(t20 - decay_s) < 0.2 * decay_s, t20
    assert abs(t30 - decay_s) < 0.2 * decay_s, t30


@pytest.mark.parametrize("sr", [8000, 22050, 44100, 96000])
def test_reverb_at_other_sample_rates(sr):
    ir = E.process(RE.make_effect("reverb", sr, decay_s=2.0, predelay_s=0.0), _impulse(3 * sr))
    split = E.process(RE.make_effect("reverb", sr, decay_s=2.0, predelay_s=0.0), _impulse(3 * sr),
                      block_frames=65)
    assert np.array_equal(ir, split)
    t20, t30 = _band_rt60(ir, 250.0, 2000.0, sr)
    assert abs(t20 - 2.0) < 0.4 and abs(t30 - 2.0) < 0.4


def test_reverb_without_damping_or_modulation_decays_exactly():
    state = RE.make_effect("reverb", SR, decay_s=4.0, damping_hz=None, modulation=0.0)
    ir = E.process(state, _impulse(6 * SR), block_frames=4096)
    t20, t30 = _band_rt60(ir, 20.0, 20000.0)
    assert abs(t20 - 4.0) < 0.05 * 4.0 and abs(t30 - 4.0) < 0.05 * 4.0


def test_reverb_damping_shortens_the_highs():
    def highs(damping_hz):
        state = RE.make_effect("reverb", SR, decay_s=4.0, damping_hz=damping_hz)
        ir = E.process(state, _impulse(6 * SR), block_frames=4096)
        return _band_rt60(ir, 6000.0, 12000.0)[0]

    undamped = highs(None)
    damped = highs(3000.0)
    assert undamped > 0.8 * 4.0
    # RT60 at the damping frequency is half the setting; above it shorter still.
    assert damped < 0.55 * 4.0


def test_reverb_predelay_width_and_mix():
    pre = 0.1
    state = RE.make_effect("reverb", SR, predelay_s=pre, diffusion=0.0)
    ir = E.process(state, _impulse(SR))
    first = np.nonzero(np.abs(ir).max(axis=1) > 1e-9)[0][0]
    assert round(pre * SR) < first < round(pre * SR) + 0.1 * SR
    mono = E.process(RE.make_effect("reverb", SR, width=0.0), _impulse(SR))
    assert np.array_equal(mono[:, 0], mono[:, 1])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20000, 2)) * 0.1
    assert np.array_equal(E.process(RE.make_effect("reverb", SR, mix=0.0), x), x)
    # A centred (mono) impulse comes back as two decorrelated tails: width.
    wide = E.process(RE.make_effect("reverb", SR, predelay_s=0.0), _impulse(2 * SR, 1.0, 1.0))
    assert abs(np.corrcoef(wide[:, 0], wide[:, 1])[0, 1]) < 0.3


def test_reverb_level_is_independent_of_decay():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6 * SR, 2)) * 0.1
    levels = []
    for decay_s in (1.0, 10.0):
        y = E.process(RE.make_effect("reverb", SR, decay_s=decay_s), x, block_frames=4096)
        levels.append(np.sqrt(np.mean(y[3 * SR :] ** 2)))
    assert abs(20 * np.log10(levels[1] / levels[0])) < 4.0


@pytest.mark.parametrize(
    "name, params, silence_s",
    [
        ("reverb", dict(decay_s=0.5), 120),
        # 10 ms repeats at -6 dB: without flushing they would turn subnormal after ~11 s.
        ("tape_delay", dict(time_s=0.01, feedback=50.0, lowcut_hz=None, highcut_hz=None), 20),
        ("eq", dict(low_db=6.0, mid_db=-6.0, high_db=3.0), 5),
        ("filter", dict(mode="lowpass", cutoff_hz=200.0, q=8.0), 5),
    ],
)
def test_tails_flush_to_exact_zero_no_denormals(name, params, silence_s):
    state = RE.make_effect(name, SR, **params)
    rng = np.random.default_rng(3)
    E.process(state, rng.standard_normal((SR, 2)))
    quiet = np.zeros((4096, 2))
    for _ in range(silence_s * SR // 4096):
        tail = E.process(state, quiet)
        # Decaying memory is set to exact zero near 1e-20 instead of creeping down through
        # ever tinier numbers into the subnormal range, where every operation is slow.
        live = np.abs(state[np.nonzero(state)])
        assert live.size == 0 or live.min() > 1e-200
    assert np.isfinite(tail).all()
    assert not tail.any()


@pytest.mark.parametrize("feedback", [0.0, 35.0, 80.0])
def test_tape_delay_repeats_on_the_sample_with_the_feedback_ratio(feedback):
    time_s = 0.25
    d = round(time_s * SR)
    state = RE.make_effect("tape_delay", SR, time_s=time_s, feedback=feedback, wow_depth=0.0,
                          flutter_depth=0.0, lowcut_hz=None, highcut_hz=None, mix=100.0)
    y = E.process(state, _impulse(5 * d + 10, 0.4, 0.4))[:, 0]
    peaks = np.nonzero(np.abs(y) > 1e-12)[0]
    expected = [k * d for k in range(1, 6) if 0.4 * (feedback / 100.0) ** (k - 1) > 1e-12]
    assert list(peaks) == expected
    for k in range(1, len(expected)):
        assert y[expected[k]] / y[expected[k - 1]] == pytest.approx(feedback / 100.0, rel=1e-9)


def test_tape_delay_ping_pong_alternates_sides_and_filters_darken_repeats():
    d = round(0.1 * SR)
    state = RE.make_effect("tape_delay", SR, time_s=0.1, feedback=50.0, wow_depth=0.0,
                          flutter_depth=0.0, lowcut_hz=None, highcut_hz=None, ping_pong=True)
    y = E.process(state, _impulse(4 * d + 10, 0.4, 0.4))
    assert abs(y[d, 0]) > 0 and y[d, 1] == 0.0
    assert abs(y[2 * d, 1]) > 0 and y[2 * d, 0] == 0.0
    rng = np.random.default_rng(4)
    burst = np.zeros((6 * d, 2))
    burst[:2000] = rng.standard_normal((2000, 2)) * 0.1
    state = RE.make_effect("tape_delay", SR, time_s=0.1, feedback=70.0, highcut_hz=2000.0, mix=100.0)
    y = E.process(state, burst)[:, 0]

    def high_share(x):
        spec = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1.0 / SR)
        return spec[freqs > 4000].sum() / spec.sum()

    first = high_share(y[d : d + 2500])
    third = high_share(y[3 * d : 3 * d + 2500])
    assert third < 0.3 * first


def test_tape_delay_wow_bends_the_pitch_of_a_repeat():
    t = np.arange(2 * SR) / SR
    tone = np.stack([np.sin(2 * np.pi * 1000 * t)] * 2, axis=1) * 0.3
    dry_delay = RE.make_effect("tape_delay", SR, time_s=0.3, feedback=0.0, wow_depth=0.0,
                              flutter_depth=0.0, mix=100.0, lowcut_hz=None, highcut_hz=None)
    wobbly = RE.make_effect("tape_delay", SR, time_s=0.3, feedback=0.0, wow_depth=1.0,
                           wow_rate_hz=2.0, flutter_depth=0.0, mix=100.0, lowcut_hz=None,
                           highcut_hz=None)
    a = E.process(dry_delay, tone)[SR:, 0]
    b = E.process(wobbly, tone)[SR:, 0]

    def zero_crossing_hz(x, span):
        s = x[:span]
        return np.count_nonzero(np.diff(np.signbit(s))) / 2 / (span / SR)

    span = SR // 20
    steady = [zero_crossing_hz(a[i:], span) for i in range(0, SR - span, span)]
    moving = [zero_crossing_hz(b[i:], span) for i in range(0, SR - span, span)]
    assert max(steady) - min(steady) <= 20.0
    # 1 % speed wobble: about +-10 Hz at 1 kHz
    assert max(moving) - min(moving) >= 20.0


def test_chorus_widens_and_mix_zero_is_transparent():
    rng = np.random.default_rng(5)
    mono = rng.standard_normal(SR) * 0.1
    x = np.stack([mono, mono], axis=1)
    y = E.process(RE.make_effect("chorus", SR, mix=50.0), x)
    assert np.corrcoef(y[SR // 2 :, 0], y[SR // 2 :, 1])[0, 1] < 0.95
    assert np.abs(y).max() < 2 * np.abs(x).max()
    assert np.array_equal(E.process(RE.make_effect("chorus", SR, mix=0.0), x), x)


def _gain_db_at(state, freq_hz, n=16384):
    """Gain of a linear effect at freq_hz from its impulse response."""
    ir = E.process(state, _impulse(n, 1.0, 1.0))[:, 0]
    spec = np.fft.rfft(ir)
    k = int(round(freq_hz * n / SR))
    return 20 * np.log10(np.abs(spec[k]))


@pytest.mark.parametrize(
    "mode, cutoff_hz, probes",
    [
        ("lowpass", 1000.0, [(1000.0, -3.01), (100.0, 0.0), (10000.0, -40.0)]),
        ("highpass", 1000.0, [(1000.0, -3.01), (10000.0, 0.0), (100.0, -40.0)]),
        # The SVF band-pass peaks at a gain of Q (1/sqrt(2): -3 dB) and falls 20 dB a decade.
        ("bandpass", 2000.0, [(2000.0, -3.01), (200.0, -20.0)]),  # 6 dB/oct skirts
        ("notch", 2000.0, [(2000.0, -40.0), (200.0, 0.0)]),
    ],
)
def test_filter_response_at_its_frequency(mode, cutoff_hz, probes):
    state = RE.make_effect("filter", SR, mode=mode, cutoff_hz=cutoff_hz, q=0.7071067811865476)
    for freq, want in probes:
        got = _gain_db_at(state.copy(), freq)
        if want <= -40.0:
            assert got < -35.0, (freq, got)
        else:
            assert abs(got - want) < 1.0, (freq, got, want)


@pytest.mark.parametrize(
    "params, probes",
    [
        (dict(mid_hz=1000.0, mid_db=6.0, mid_q=1.0), [(1000.0, 6.0), (60.0, 0.0), (16000.0, 0.0)]),
        (dict(mid_hz=3000.0, mid_db=-9.0, mid_q=2.0), [(3000.0, -9.0)]),
        (dict(low_hz=200.0, low_db=6.0), [(200.0, 3.0), (20.0, 6.0), (5000.0, 0.0)]),
        (dict(high_hz=5000.0, high_db=-6.0), [(5000.0, -3.0), (20000.0, -6.0), (100.0, 0.0)]),
    ],
)
def test_eq_bands_hit_their_gain_at_their_frequency(params, probes):
    for freq, want in probes:
        got = _gain_db_at(RE.make_effect("eq", SR, **params), freq)
        assert abs(got - want) < 1.0, (freq, got, want)


def test_eq_at_zero_db_is_bit_transparent():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5000, 2))
    assert np.array_equal(E.process(RE.make_effect("eq", SR), x), x)


@pytest.mark.parametrize("level_db", [-30.0, -14.0, -6.0])
def test_compressor_steady_state_gain_follows_the_ratio(level_db):
    thr, ratio, makeup = -20.0, 4.0, 3.0
    state = RE.make_effect("compressor", SR, threshold_db=thr, ratio=ratio, attack_s=0.001,
                          release_s=0.5, makeup_db=makeup, knee_db=0.0)
    t = np.arange(3 * SR) / SR
    amp = 10 ** (level_db / 20)
    x = np.stack([amp * np.sin(2 * np.pi * 440 * t)] * 2, axis=1)
    y = E.process(state, x, block_frames=1000)
    out_db = 20 * np.log10(np.abs(y[2 * SR :, 0]).max())
    expected = (level_db if level_db <= thr else thr + (level_db - thr) / ratio) + makeup
    assert abs(out_db - expected) < 0.5, (out_db, expected)


def test_saturation_is_bounded_and_linear_for_small_signals():
    state = RE.make_effect("saturation", SR, drive_db=24.0, output_db=-3.0)
    x = np.linspace(-100, 100, 20001)
    y = E.process(state, np.stack([x, x], axis=1))[:, 0]
    assert np.abs(y).max() <= 10 ** (-3 / 20) + 1e-12
    assert np.all(np.diff(y) >= 0)  # monotonic: no fold-over
    small = np.full((10, 2), 1e-4)
    ys = E.process(RE.make_effect("saturation", SR, drive_db=12.0, output_db=0.0), small)
    assert ys[0, 0] == pytest.approx(1e-4 * 10 ** (12 / 20), rel=1e-6)


EFFECT_SETTINGS = {
    "reverb": dict(decay_s=3.0, predelay_s=0.013),
    "tape_delay": dict(time_s=0.0371, feedback=60.0, wow_depth=0.5, flutter_depth=0.2),
    "chorus": dict(),
    "filter": dict(mode="bandpass", cutoff_hz=700.0, q=3.0),
    "eq": dict(low_db=3.0, mid_db=-4.0, high_db=2.0),
    "compressor": dict(threshold_db=-30.0, ratio=6.0, attack_s=0.002),
    "saturation": dict(drive_db=18.0, mix=70.0),
}


@pytest.mark.parametrize("name", sorted(EFFECT_SETTINGS))
@pytest.mark.parametrize("block", [1, 64, 65, 256, 8193])
def test_any_block_size_gives_identical_samples(name, block):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((12000, 2)) * 0.3
    x[100] = 1.0
    whole = E.process(RE.make_effect(name, SR, **EFFECT_SETTINGS[name]), x)
    split = E.process(RE.make_effect(name, SR, **EFFECT_SETTINGS[name]), x, block_frames=block)
    assert np.array_equal(whole, split)
    assert np.isfinite(whole).all()


def test_float32_blocks_match_one_float32_call():
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((20000, 2)) * 0.2).astype(np.float32)
    outs = []
    for cuts in ([20000], [7, 300, 4096, 9999, 20000]):
        state = RE.make_effect("reverb", SR)
        left = x[:, 0].copy()
        right = x[:, 1].copy()
        a = 0
        for b in cuts:
            E.effect_process(left, right, a, b, state)
            a = b
        outs.append(np.stack([left, right]))
    assert np.array_equal(outs[0], outs[1])


def test_update_keeps_the_tail_and_changes_only_what_is_given():
    state = RE.make_effect("reverb", SR, decay_s=5.0, mix=100.0)
    E.process(state, _impulse(SR))
    RE.update_effect(state, decay_s=1.0)
    tail = E.process(state, np.zeros((SR, 2)))
    assert np.abs(tail[:1000]).max() > 1e-4  # still ringing: memory kept
    assert state[E.E_WET] == 1.0  # mix untouched
    delay = RE.make_effect("tape_delay", SR, time_s=0.5)
    with pytest.raises(ParameterError, match="tape_delay.time_s"):
        RE.update_effect(delay, time_s=2.0)
    big = RE.make_effect("tape_delay", SR, time_s=0.5, max_time_s=3.0)
    RE.update_effect(big, time_s=2.0)


@pytest.mark.parametrize(
    "name, params, error, text",
    [
        ("reverb", dict(decay_s=0.0), ParameterError, "reverb.decay_s"),
        ("reverb", dict(decay_s=500.0), ParameterError, "0.1 to 100 s"),
        ("reverb", dict(size=120.0), ParameterError, "reverb.size"),
        ("reverb", dict(predelay_s=-0.1), ParameterError, "reverb.predelay_s"),
        ("reverb", dict(damping_hz=30000.0), ParameterError, "reverb.damping_hz"),
        ("reverb", dict(mix="wet"), ParameterError, "reverb.mix"),
        ("reverb", dict(decay=2.0), UnknownNameError, "decay_s"),
        ("tape_delay", dict(time_s=0.0), ParameterError, "tape_delay.time_s"),
        ("tape_delay", dict(feedback=120.0), ParameterError, "tape_delay.feedback"),
        ("tape_delay", dict(wow_depth=5.0), ParameterError, "tape_delay.wow_depth"),
        ("tape_delay", dict(highcut_hz=100.0), ParameterError, "tape_delay.highcut_hz"),
        ("tape_delay", dict(ping_pong="yes"), ParameterError, "tape_delay.ping_pong"),
        ("tape_delay", dict(time_s=2.0, max_time_s=1.0), ParameterError, "tape_delay.max_time_s"),
        ("chorus", dict(delay_ms=3.0, depth_ms=5.0), ParameterError, "chorus.delay_ms"),
        ("chorus", dict(rate_hz=50.0), ParameterError, "chorus.rate_hz"),
        ("filter", dict(mode="comb"), ParameterError, "filter.mode"),
        ("filter", dict(cutoff_hz=0.0), ParameterError, "filter.cutoff_hz"),
        ("filter", dict(q=float("nan")), ParameterError, "filter.q"),
        ("eq", dict(mid_db=40.0), ParameterError, "eq.mid_db"),
        ("eq", dict(high_hz=23900.0), ParameterError, "eq.high_hz"),
        ("compressor", dict(ratio=0.5), ParameterError, "compressor.ratio"),
        ("compressor", dict(attack_s=0.0), ParameterError, "compressor.attack_s"),
        ("saturation", dict(drive_db=-3.0), ParameterError, "saturation.drive_db"),
        ("flanger", dict(), UnknownNameError, "flanger"),
    ],
)
def test_bad_effect_settings_fail_with_one_clear_line(name, params, error, text):
    with pytest.raises(error) as info:
        RE.make_effect(name, SR, **params)
    message = str(info.value)
    assert text in message and "\n" not in message


def test_bad_sample_rate_is_refused():
    with pytest.raises(ParameterError, match="sample_rate"):
        RE.make_effect("reverb", 0)
