"""Renders mastered to a loudness target (issue 10): measured by an independent meter.

pyloudnorm (a second BS.1770 implementation) and a 4x-oversampled peak check what
``--loudness`` promises: the integrated loudness on target and the true peak under -1 dBTP,
one gain per file (the balance inside the mix does not move).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

import groovebox as gb
from groovebox import offline

pyln = pytest.importorskip("pyloudnorm", reason="pyloudnorm is a dev dependency: pip install -e '.[dev]'")
scipy_signal = pytest.importorskip("scipy.signal", reason="scipy comes with pyloudnorm")


def loudness(x: np.ndarray, sr: int) -> float:
    return pyln.Meter(sr).integrated_loudness(x)


def true_peak_dbtp(x: np.ndarray) -> float:
    up = scipy_signal.resample_poly(x, 4, 1, axis=0)
    return 20 * np.log10(np.abs(up).max())


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "groovebox", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


@pytest.mark.parametrize("pattern, kit", [("breaks/funky-drummer", "acoustic"), ("house/chicago-house", "909"),
                                          ("hip-hop/boom-bap", "808")])
def test_cli_render_lands_on_minus_14_lufs_under_minus_1_dbtp(tmp_path, pattern, kit):
    out = tmp_path / "x.wav"
    r = cli("render", pattern, "--kit", kit, "--bars", "4", "-o", str(out))
    assert r.returncode == 0, r.stderr
    x, sr = sf.read(out)
    assert loudness(x, sr) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_dbtp(x) <= -1.0


def test_loudness_off_is_the_raw_mix_and_a_target_is_one_gain(tmp_path):
    raw = gb.render("funk/cissy-strut", bars=2, tail=False).samples.astype(np.float64)
    quiet = gb.render("funk/cissy-strut", bars=2, tail=False, loudness=-30).samples.astype(np.float64)
    # -30 LUFS needs no limiting: the mastered mix is the raw mix times one constant.
    ratio = quiet[np.abs(raw) > 1e-3] / raw[np.abs(raw) > 1e-3]
    assert np.ptp(ratio) < 1e-3 * np.abs(ratio).mean()
    assert loudness(quiet, 48000) == pytest.approx(-30.0, abs=0.1)
    r = cli("render", "funk/cissy-strut", "--bars", "2", "--loudness", "off", "--no-tail", "-o", str(tmp_path / "raw.wav"))
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(sf.read(tmp_path / "raw.wav")[0], raw, atol=2.0 ** -22)


def test_long_renders_are_mastered_in_two_streaming_passes_to_the_same_result(tmp_path, monkeypatch):
    scape = gb.ambient.preset("airports", seed=1)
    in_memory = gb.render(scape, seconds=30, loudness=-16).samples
    monkeypatch.setattr(offline, "MASTER_IN_MEMORY_FRAMES_PER_HZ", 1)  # force the streaming path
    path = gb.render(scape, seconds=30, loudness=-16, path=tmp_path / "a.flac")
    x, sr = sf.read(path)
    assert len(x) == len(in_memory)
    assert loudness(x, sr) == pytest.approx(-16.0, abs=0.2)
    assert true_peak_dbtp(x) <= -1.0
    assert not list(tmp_path.glob(".*part*"))


def test_peaky_drums_reach_the_target_in_the_streaming_path_too(tmp_path, monkeypatch):
    monkeypatch.setattr(offline, "MASTER_IN_MEMORY_FRAMES_PER_HZ", 1)
    path = gb.render("breaks/funky-drummer", bars=4, kit="acoustic", loudness=-13, path=tmp_path / "d.wav")
    x, sr = sf.read(path)
    assert loudness(x, sr) == pytest.approx(-13.0, abs=0.3)
    assert true_peak_dbtp(x) <= -1.0


@pytest.mark.parametrize("value, words", [("5", "out of range; expected a loudness in -70..0 LUFS"),
                                          ("-71", "out of range"), ("loud", "expected a loudness")])
def test_bad_loudness_is_one_line_exit_2_and_no_file(tmp_path, value, words):
    out = tmp_path / "x.wav"
    r = cli("render", "funk/cissy-strut", "--bars", "1", "--loudness", value, "-o", str(out))
    assert r.returncode == 2
    assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_silent_render_says_so_instead_of_dividing_by_it(tmp_path):
    beat = gb.Pattern.from_grid({"kick": "x...", "snare": "..x."}, bpm=120, name="hush", description="Two hits, both muted.")
    gb.write_pattern(beat, tmp_path / "hush.toml")
    r = cli("render", str(tmp_path / "hush.toml"), "--bars", "1", "--mute", "kick,snare", "-o", str(tmp_path / "s.wav"))
    assert r.returncode == 2 and "-inf" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.wav").exists()
    with pytest.raises(gb.GrooveboxError, match="-inf"):
        gb.render(beat, bars=1, mute=["kick", "snare"], loudness=-14)


def test_the_demo_files_sit_within_1_lu_of_each_other(tmp_path):
    r = cli("demo", "--out", str(tmp_path), "--no-play")
    assert r.returncode == 0, r.stderr
    levels = {p.name: loudness(*sf.read(p)) for p in sorted(tmp_path.glob("*.wav"))}
    assert len(levels) == 9, levels
    assert max(levels.values()) - min(levels.values()) <= 1.0, levels
    assert all(true_peak_dbtp(sf.read(p)[0]) <= -1.0 for p in tmp_path.glob("*.wav"))
