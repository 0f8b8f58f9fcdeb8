"""File mastering: one gain to the loudness target and a true-peak limiter, checked with the
meter and independently (pyloudnorm for loudness, a 4x/8x polyphase resampler for peaks)."""

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

import groovebox as gb
from groovebox.dsp.loudness import Meter, measure
from groovebox.dsp.truepeak import Master, master
from groovebox.errors import GrooveboxError

FS = 48000


def oversampled_peak_dbtp(x, factor=4):
    """True peak by an independent interpolator (scipy's Kaiser-windowed polyphase filter)."""
    y = resample_poly(np.asarray(x, np.float64), factor, 1, axis=0)
    return 20 * np.log10(np.abs(y).max())


@pytest.fixture(scope="module")
def renders():
    """Drums on each kit and a pad-heavy progression: dense and sparse, quiet and hot."""
    out = {
        "amen on 909": gb.render("breaks/amen-break", kit="909", bars=4).samples,
        "four-on-the-floor on lofi": gb.render("disco/four-on-the-floor", kit="lofi", bars=4).samples,
        "swing ride on acoustic": gb.render("jazz/swing-ride", kit="acoustic", bars=4).samples,
        "trap on 808": gb.render("trap/trap", kit="808", bars=2).samples,
    }
    band = gb.arrange(gb.progression("vi IV I V", key="G"), bass="kick", arp="updown",
                      drums="soul/motown-backbeat")
    out["progression"] = gb.render(band).samples
    return out


@pytest.mark.parametrize("name", ["amen on 909", "four-on-the-floor on lofi",
                                  "swing ride on acoustic", "trap on 808", "progression"])
def test_master_reaches_the_target_under_the_ceiling(renders, name):
    x = renders[name]
    y = master(x, FS)
    assert y.shape == x.shape and y.dtype == np.float32
    ours = measure(y, FS)
    theirs = pyloudnorm.Meter(FS).integrated_loudness(y.astype(np.float64))
    # one gain to -14 LUFS; where peaks had to come down the file ends a little quieter
    assert -14.6 <= ours.integrated_lufs <= -13.9, ours
    assert abs(ours.integrated_lufs - theirs) <= 0.1
    assert ours.true_peak_dbtp <= -1.0
    assert oversampled_peak_dbtp(y, 4) <= -1.0 and oversampled_peak_dbtp(y, 8) <= -1.0


def test_gain_alone_when_nothing_needs_limiting(renders):
    """A quiet-peaked render is only gained: exactly the input times one number, aligned to
    the sample, and at -14.0 LUFS."""
    x = renders["trap on 808"]
    loud = measure(x, FS)
    stage = Master.for_loudness(loud, FS, 2, target_lufs=-20.0)
    y = np.concatenate([stage.process(x), stage.flush()])
    assert stage.max_reduction_db == 0.0
    g = np.float32(10 ** (stage.gain_db / 20))
    assert np.allclose(y, x * g, rtol=1e-6, atol=1e-9)
    assert abs(measure(y, FS).integrated_lufs - -20.0) <= 0.01


@pytest.mark.parametrize("seed", [0, 1])
def test_limiter_holds_the_ceiling_on_hostile_signals(seed):
    """Full-band noise bursts and clicks pushed 20 dB into the limiter: still at most -1 dBTP
    through the meter and through 4x and 8x resampling."""
    rng = np.random.default_rng(seed)
    n = FS * 6
    t = np.arange(n) / FS
    noise = rng.standard_normal((n, 2)) * (np.sin(2 * np.pi * 0.7 * t) > 0.6)[:, None]
    clicks = np.where(np.arange(n) % 4801 == 0, 1.0, 0.0)[:, None] * [1.0, -0.8]
    x = (0.02 * (noise + clicks)).astype(np.float32)
    y = master(x, FS, target_lufs=-5.0)
    assert measure(y, FS).true_peak_dbtp <= -1.0
    assert oversampled_peak_dbtp(y, 4) <= -1.0 and oversampled_peak_dbtp(y, 8) <= -1.0


def test_any_block_sizes_give_the_same_samples(renders):
    x = renders["four-on-the-floor on lofi"]
    loud = measure(x, FS)
    whole = Master.for_loudness(loud, FS, 2, target_lufs=-10.0)  # hard enough to limit a lot
    ref = np.concatenate([whole.process(x), whole.flush()])
    assert whole.max_reduction_db > 3.0
    rng = np.random.default_rng(5)
    stage = Master.for_loudness(loud, FS, 2, target_lufs=-10.0)
    parts = []
    pos = 0
    while pos < x.shape[0]:
        size = int(rng.choice([1, 3, 17, 256, 1000, 4097, 20000]))
        parts.append(stage.process(x[pos : pos + size]))
        pos += size
    parts.append(stage.flush())
    assert np.array_equal(np.concatenate(parts), ref)


def test_two_pass_streaming_matches_master_in_memory(renders):
    """What the integrator does for long renders: measure block by block, then stream again."""
    x = renders["amen on 909"]
    meter = Meter(FS, 2)
    for start in range(0, x.shape[0], 4096):
        meter.feed(x[start : start + 4096])
    stage = Master.for_loudness(meter.result(), FS, 2)
    parts = [stage.process(x[s : s + 4096]) for s in range(0, x.shape[0], 4096)]
    parts.append(stage.flush())
    assert np.array_equal(np.concatenate(parts), master(x, FS))


def test_short_streams_and_mono():
    x = (0.1 * np.sin(2 * np.pi * 440 * np.arange(FS) / FS)).astype(np.float32)
    y = master(x, FS, target_lufs=-20.0)
    assert y.shape == x.shape
    stage = Master(FS, 1, gain_db=0.0)
    assert stage.process(x[:10]).shape == (0, 1)  # still filling the look-ahead
    tail = stage.flush()
    assert np.array_equal(tail[:, 0], x[:10]) and stage.flush().shape == (0, 1)
    with pytest.raises(GrooveboxError, match="flushed"):
        stage.process(x[:10])


def test_silence_cannot_be_normalised():
    with pytest.raises(GrooveboxError, match=r"integrated loudness is -inf.*-70 LUFS gate"):
        master(np.zeros((FS * 2, 2), np.float32), FS)


@pytest.mark.parametrize("kwargs,match", [
    ({"target_lufs": 1.0}, r"target_lufs: 1.0 is out of range; expected a loudness in -70..0 LUFS"),
    ({"target_lufs": -71.0}, "-70..0 LUFS"),
    ({"target_lufs": "loud"}, "target_lufs: expected a loudness in -70..0 LUFS, got 'loud'"),
    ({"ceiling_dbtp": 0.5}, r"ceiling_dbtp: 0.5 is out of range; expected a true-peak ceiling"),
])
def test_bad_settings(kwargs, match):
    x = (0.1 * np.random.default_rng(0).standard_normal((FS, 2))).astype(np.float32)
    with pytest.raises(GrooveboxError, match=match):
        master(x, FS, **kwargs)
