"""The band-limited resampler sample kits load through: tones stay tones, nothing folds back."""

from __future__ import annotations

import numpy as np
import pytest

from groovebox.dsp.resample import resample


def tone(freq_hz, rate, n):
    return (0.5 * np.sin(2 * np.pi * freq_hz * np.arange(n) / rate)).astype(np.float32)


def error_db(y, ref):
    mid = slice(len(y) // 4, 3 * len(y) // 4)  # away from the edges, where the input starts and stops
    return 20 * np.log10(np.sqrt(np.mean((y[mid] - ref[mid]) ** 2)) / np.sqrt(np.mean(ref[mid] ** 2)))


@pytest.mark.parametrize("src, dst, freq, max_db", [
    (44100, 48000, 1000, -100), (44100, 48000, 15000, -90), (96000, 48000, 1000, -100),
    (11025, 48000, 3000, -95), (22050, 48000, 9000, -90), (48000, 44100, 17000, -85), (32000, 96000, 12000, -85),
])
def test_a_tone_comes_out_the_same_tone(src, dst, freq, max_db):
    y = resample(tone(freq, src, src // 2), src, dst)
    assert y.dtype == np.float32 and len(y) == int(np.ceil(src // 2 * dst / src))
    assert error_db(y, tone(freq, dst, len(y))) < max_db


def test_downsampling_removes_what_the_new_rate_cannot_hold():
    y = resample(tone(30000, 96000, 48000), 96000, 48000)  # 30 kHz cannot exist at 48 kHz
    assert 20 * np.log10(np.sqrt(np.mean(y[1000:-1000] ** 2)) / np.sqrt(0.125)) < -90


def test_upsampling_adds_no_images():
    y = resample(tone(18000, 44100, 44100), 44100, 48000)
    spec = np.abs(np.fft.rfft(y[:48000] * np.hanning(48000)))
    freqs = np.fft.rfftfreq(48000, 1 / 48000)
    assert freqs[spec.argmax()] == pytest.approx(18000, abs=2)
    assert 20 * np.log10(spec[freqs > 22500].max() / spec.max()) < -85  # the 26.1 kHz image


def test_equal_rates_and_dc():
    x = np.linspace(-1, 1, 1000).astype(np.float32)
    assert np.array_equal(resample(x, 48000, 48000), x)
    y = resample(np.full(20000, 0.25, np.float32), 44100, 48000)
    assert y[5000:15000] == pytest.approx(0.25, abs=1e-5)  # unity gain
    assert np.isfinite(resample(np.zeros(0, np.float32), 44100, 48000)).all()
