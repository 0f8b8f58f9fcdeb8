"""The loudness meter against the EBU compliance signals (Tech 3341, Tech 3342), generated here.

Tech 3341 "minimum requirements" signals are stereo 1 kHz sines at 48 kHz whose per-channel
peak level is given in dBFS; a meter must read them within +-0.1 LU (true peak within
+0.2/-0.4 dB). Tech 3342's loudness-range signals are 20 s steps of the same sine; +-1 LU.
The EBU also distributes these as files; the signals are simple enough to build exactly.
"""

import math

import numpy as np
import pytest

from groovebox.dsp import loudness as L
from groovebox.errors import GrooveboxError

FS = 48000


def tone(level_dbfs: float, seconds: float, *, freq_hz: float = 1000.0, fs: int = FS,
         phase_rad: float = 0.0, start: int = 0) -> np.ndarray:
    """A sine with peak ``level_dbfs``, continuing its phase from sample ``start``."""
    n = np.arange(start, start + int(round(seconds * fs)))
    return 10.0 ** (level_dbfs / 20.0) * np.sin(2 * np.pi * freq_hz * n / fs + phase_rad)


def steps(segments, *, fs: int = FS, channels: int = 2) -> np.ndarray:
    """Concatenated (level_dbfs, seconds) segments of one continuous 1 kHz sine, as float32
    (frames, channels), the same signal in every channel."""
    parts = []
    pos = 0
    for level, seconds in segments:
        part = tone(level, seconds, fs=fs, start=pos)
        parts.append(part)
        pos += part.shape[0]
    x = np.concatenate(parts).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1)


# Tech 3341 Table 1, cases 1-5: segments (dBFS, s) and the integrated loudness a meter must read.
TECH3341_INTEGRATED = {
    1: ([(-23.0, 20.0)], -23.0),
    2: ([(-33.0, 20.0)], -33.0),
    3: ([(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)], -23.0),
    4: ([(-72.0, 10.0), (-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0), (-72.0, 10.0)], -23.0),
    5: ([(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)], -23.0),
}


@pytest.mark.parametrize("case", sorted(TECH3341_INTEGRATED))
@pytest.mark.parametrize("fs", [48000, 44100])
def test_tech3341_integrated_cases(case, fs):
    segments, expected = TECH3341_INTEGRATED[case]
    r = L.measure(steps(segments, fs=fs), fs)
    assert abs(r.integrated_lufs - expected) <= 0.1, (case, fs, r)


@pytest.mark.parametrize("level", [-23.0, -33.0])
def test_tech3341_cases_1_2_momentary_and_short_term(level):
    """Cases 1 and 2 also fix the momentary and short-term readings of a steady tone."""
    meter = L.Meter(FS, 2)
    meter.feed(steps([(level, 20.0)]))
    assert np.all(np.abs(meter.momentary_lufs() - level) <= 0.1)
    assert np.all(np.abs(meter.short_term_lufs() - level) <= 0.1)
    r = meter.result()
    assert abs(r.max_momentary_lufs - level) <= 0.1 and abs(r.max_short_term_lufs - level) <= 0.1


def test_short_term_window_is_3_s():
    """1.34 s at -20 dBFS then 1.66 s at -30 dBFS, repeated: every 3 s window holds the same
    energy (-23 LUFS) once the first is full (the Tech 3341 short-term case)."""
    x = steps([(-20.0, 1.34), (-30.0, 1.66)] * 5)
    meter = L.Meter(FS, 2)
    meter.feed(x)
    st = meter.short_term_lufs()
    assert st.size == 5 * 30 - 29
    assert np.all(np.abs(st - -23.0) <= 0.1), (st.min(), st.max())


def test_momentary_window_is_400_ms():
    """0.18 s at -20 dBFS then 0.22 s at -30 dBFS, repeated: every 400 ms window is -23 LUFS
    (the Tech 3341 momentary case)."""
    x = steps([(-20.0, 0.18), (-30.0, 0.22)] * 25)
    meter = L.Meter(FS, 2)
    meter.feed(x)
    mom = meter.momentary_lufs()
    # windows start every 100 ms; those aligned with the 0.4 s period hold exactly one period
    assert np.all(np.abs(mom[::4] - -23.0) <= 0.1), mom[::4]
    assert abs(meter.result().integrated_lufs - -23.0) <= 0.1


def test_997_hz_full_scale_in_one_channel_is_minus_3_01():
    """BS.1770-4's calibration: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS."""
    r = L.measure(tone(0.0, 10.0, freq_hz=997.0).astype(np.float32), FS)
    assert abs(r.integrated_lufs - -3.01) <= 0.01


# Tech 3341 cases 15-19: 48 kHz sines at fs/4, fs/6 and fs/8 whose crest falls between samples
# (frequency, phase in degrees, peak amplitude, expected dBTP); +0.2/-0.4 dB.
TRUE_PEAK_CASES = {
    15: (FS / 4, 0.0, 0.50, -6.0),
    16: (FS / 4, 45.0, 0.50, -6.0),
    17: (FS / 6, 60.0, 0.50, -6.0),
    18: (FS / 8, 67.5, 0.50, -6.0),
    19: (FS / 4, 45.0, 1.41, 3.0),  # samples just under 0 dBFS, the waveform at +3 dBTP
}


@pytest.mark.parametrize("case", sorted(TRUE_PEAK_CASES))
def test_tech3341_true_peak_cases(case):
    freq_hz, phase_deg, amplitude, expected = TRUE_PEAK_CASES[case]
    x = tone(20 * math.log10(amplitude), 5.0, freq_hz=freq_hz, phase_rad=math.radians(phase_deg))
    # 20 ms raised-cosine fades: a tone switched on at full level rings past its crest in any
    # band-limited reconstruction (Gibbs), which is not what these cases measure
    fade = np.sin(np.linspace(0, np.pi / 2, int(0.02 * FS))) ** 2
    x[: fade.size] *= fade
    x[-fade.size :] *= fade[::-1]
    sample_peak_db = 20 * math.log10(np.abs(x).max())
    r = L.measure(np.repeat(x[:, None], 2, axis=1).astype(np.float32), FS)
    assert expected - 0.4 <= r.true_peak_dbtp <= expected + 0.2, r.true_peak_dbtp
    if phase_deg:  # the crest is between samples: a sample-peak meter reads low
        assert r.true_peak_dbtp > sample_peak_db + 0.5


def test_true_peak_of_an_inter_sample_overshoot_near_the_end_is_seen():
    """The last interpolated points (the filter's tail after the final sample) count."""
    x = tone(-6.0, 1.0, freq_hz=FS / 4, phase_rad=math.radians(45.0))
    x[:-4] = 0.0  # only the last four samples sound
    r = L.measure(x, FS)
    assert r.true_peak_dbtp > 20 * math.log10(np.abs(x).max()) + 1.0


# Tech 3342 Table 1, cases 1-4: 20 s steps of a stereo 1 kHz sine; LRA within +-1 LU.
TECH3342_LRA = {
    1: ([(-20.0, 20.0), (-30.0, 20.0)], 10.0),
    2: ([(-20.0, 20.0), (-15.0, 20.0)], 5.0),
    3: ([(-40.0, 20.0), (-20.0, 20.0)], 20.0),
    4: ([(-50.0, 20.0), (-35.0, 20.0), (-20.0, 20.0), (-35.0, 20.0), (-50.0, 20.0)], 15.0),
}


@pytest.mark.parametrize("case", sorted(TECH3342_LRA))
def test_tech3342_loudness_range_cases(case):
    segments, expected = TECH3342_LRA[case]
    r = L.measure(steps(segments), FS)
    assert abs(r.lra_lu - expected) <= 1.0, (case, r.lra_lu)


def test_steady_tone_has_no_loudness_range():
    assert L.measure(steps([(-23.0, 20.0)]), FS).lra_lu < 0.1


@pytest.mark.parametrize("fs", [48000, 44100, 11025, 96000])
@pytest.mark.parametrize("channels", [1, 2, 5])
def test_blocks_of_any_size_give_the_same_result(fs, channels):
    """Fed in one call or in random pieces (1 frame to 2 s, crossing every 100 ms boundary
    differently), the meter reads exactly the same. 11025 Hz has 100 ms sub-blocks of 1102 and
    1103 frames."""
    rng = np.random.default_rng(fs + channels)
    n = int(7.3 * fs)
    x = (rng.standard_normal((n, channels)) * np.linspace(0.01, 0.5, n)[:, None]).astype(np.float32)
    whole = L.Meter(fs, channels)
    whole.feed(x)
    pieces = L.Meter(fs, channels)
    pos = 0
    while pos < n:
        size = int(rng.choice([1, 7, 64, 1023, 4800, rng.integers(1, 2 * fs)]))
        pieces.feed(x[pos : pos + size])
        pos += size
    assert pieces.result() == whole.result()
    assert np.array_equal(pieces.short_term_lufs(), whole.short_term_lufs())


def test_k_weighting_at_48k_is_the_bs1770_table():
    c = L.k_weighting_coefficients(48000)
    assert np.allclose(c[0], [1.53512485958697, -2.69169618940638, 1.19839281085285,
                              -1.69065929318241, 0.73248077421585], rtol=0, atol=1e-12)
    assert np.allclose(c[1], [1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621],
                       rtol=0, atol=1e-12)


def _response_db(coef, freqs_hz, fs):
    z = np.exp(-2j * np.pi * np.asarray(freqs_hz) / fs)
    h = np.ones_like(z)
    for b0, b1, b2, a1, a2 in coef:
        h *= (b0 + b1 * z + b2 * z * z) / (1 + a1 * z + a2 * z * z)
    return 20 * np.log10(np.abs(h))


@pytest.mark.parametrize("fs,tolerance_db", [(8000, 0.3), (16000, 0.1), (22050, 0.05),
                                              (44100, 0.01), (96000, 0.01), (192000, 0.01)])
def test_k_weighting_at_other_rates_matches_the_48k_curve(fs, tolerance_db):
    """The derived filters keep the 48 kHz response up to 0.4 fs (and 16 kHz). Only at 8 kHz,
    where the 1.7 kHz shelf sits near Nyquist, does a biquad bend it by up to 0.3 dB."""
    f = np.geomspace(20.0, min(0.4 * fs, 16000.0), 200)
    ref = _response_db(L.k_weighting_coefficients(48000), f, 48000)
    got = _response_db(L.k_weighting_coefficients(fs), f, fs)
    assert np.max(np.abs(got - ref)) <= tolerance_db


def test_silence_and_too_quiet_read_minus_infinity():
    silent = L.measure(np.zeros((FS * 5, 2), np.float32), FS)
    assert silent.integrated_lufs == -math.inf and silent.true_peak_dbtp == -math.inf
    assert not silent.measurable and silent.lra_lu == 0.0
    quiet = L.measure(steps([(-80.0, 5.0)]), FS)  # about -80 LUFS: below the absolute gate
    assert quiet.integrated_lufs == -math.inf
    assert abs(quiet.max_momentary_lufs - -80.0) <= 0.1  # the ungated readings are still there
    assert abs(quiet.true_peak_dbtp - -80.0) <= 0.2
    with pytest.raises(GrooveboxError, match=r"-inf.*-70 LUFS gate"):
        quiet.gain_db_to(-14.0)
    assert quiet.as_dict()["integrated_lufs"] is None


def test_shorter_than_a_gating_block():
    r = L.measure(steps([(-20.0, 0.3)]), FS)
    assert r.integrated_lufs == -math.inf and r.max_momentary_lufs == -math.inf
    assert r.true_peak_dbtp > -20.5


def test_gain_to_target():
    r = L.measure(steps([(-23.0, 10.0)]), FS)
    assert abs(r.gain_db_to(-14.0) - 9.0) <= 0.1


@pytest.mark.parametrize("bad,match", [
    (np.zeros((100, 3), np.float32), r"shape \(frames, 2\)"),
    (np.zeros((100, 2), np.int16), "integer PCM"),
    (np.array([[0.0, np.nan]] * 10), "NaN or infinite"),
    (np.array([[0.0, np.inf]] * 10), "NaN or infinite"),
    (np.zeros((10, 2, 2)), "shape"),
    (np.array([["a", "b"]]), "float samples"),
])
def test_bad_blocks_are_refused_and_leave_the_meter_alone(bad, match):
    meter = L.Meter(FS, 2)
    meter.feed(steps([(-23.0, 1.0)]))
    before = meter.result()
    with pytest.raises(GrooveboxError, match=match) as err:
        meter.feed(bad)
    assert "\n" not in str(err.value)
    assert meter.result() == before


@pytest.mark.parametrize("kwargs,match", [
    ({"sample_rate": 7999}, "8000..384000"),
    ({"sample_rate": 44100.0}, "whole number"),
    ({"sample_rate": True}, "whole number"),
    ({"channels": 0}, "1..5"),
    ({"channels": 6}, "1..5"),
])
def test_bad_meter_settings(kwargs, match):
    with pytest.raises(GrooveboxError, match=match):
        L.Meter(**{"sample_rate": FS, "channels": 2, **kwargs})


def test_measure_takes_mono_and_multichannel():
    mono = tone(-20.0, 5.0).astype(np.float32)
    stereo = np.repeat(mono[:, None], 2, axis=1)
    # the same tone in two channels is 3 dB louder than in one
    assert abs(L.measure(stereo, FS).integrated_lufs - L.measure(mono, FS).integrated_lufs
               - 10 * math.log10(2)) <= 0.01
    five = np.repeat(mono[:, None], 5, axis=1)
    # L, R, C at weight 1 and the surrounds at 1.41: 10 log10(3 + 2 * 1.41) above one channel
    assert abs(L.measure(five, FS).integrated_lufs - L.measure(mono, FS).integrated_lufs
               - 10 * math.log10(3 + 2 * 1.41)) <= 0.01
    with pytest.raises(GrooveboxError, match="shape"):
        L.measure(np.zeros((2, 2, 2)), FS)
