"""`groovebox ambient` and `groovebox presets` as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import soundfile as sf

from groovebox.generators.ambient import PRESETS


def test_presets_lists_every_preset_with_its_description(cli):
    r = cli("presets")
    assert r.returncode == 0, r.stderr
    for info in PRESETS.values():
        line = next(x for x in r.stdout.splitlines() if x.startswith(info.name + " "))
        assert info.description in line


def test_ambient_renders_the_asked_length_and_says_so(tmp_path, cli):
    out = tmp_path / "sub" / "phase.flac"
    r = cli("ambient", "phase", "-o", out, "--seconds", "6", "--seed", "3", "--sample-rate", "44100")
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout and "real time" in r.stdout
    x, sr = sf.read(str(out))
    assert sr == 44100 and len(x) == 6 * 44100
    assert np.abs(x[-20:]).max() < 1e-3 < np.abs(x[: 44100]).max()  # fades out, sounds at the start


def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, cli):
    out = tmp_path / "x.wav"
    cases = [
        (("ambient", "airport", "-o", out), "did you mean 'airports'"),
        (("ambient", "drift", "-o", out, "--minutes", "0"), "minutes"),
        (("ambient", "drift", "-o", out, "--seconds", "-3"), "seconds"),
        (("ambient", "drift", "-o", out, "--seed", "-1"), "seed"),
        (("ambient", "drift", "-o", tmp_path / "x.mp3", "--seconds", "1"), "'.mp3'"),
        (("ambient", "drift", "-o", out, "--sample-rate", "1000", "--seconds", "1"), "sample rate"),
    ]
    for args, text in cases:
        r = cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert text in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert os.listdir(tmp_path) == []


def test_sigterm_keeps_a_valid_file_of_what_was_rendered(tmp_path):
    out = tmp_path / "long.wav"
    # --loudness off: writing starts at once (a mastered render measures the whole hour first;
    # interrupted then, it keeps nothing: tests/test_render_io.py checks that).
    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "ambient", "airports", "-o", str(out),
                             "--minutes", "60", "--loudness", "off"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until it has written a few seconds of audio, then stop it the way a service manager would.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(p.suffix == ".part" and p.stat().st_size > 3_000_000
                                                  for p in tmp_path.iterdir()):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "kept a valid file" in err and str(out) in err
    assert [p.name for p in tmp_path.iterdir()] == ["long.wav"]  # no temp file left behind
    x, sr = sf.read(str(out))
    assert sr == 48000 and 10 * sr < len(x) < 3600 * sr
    assert f"({len(x) / sr:.1f} s)" in err
    assert np.isfinite(x).all()
    assert np.abs(x[-5:]).max() < 1e-3 < np.abs(x[-sr:]).max()  # a short fade, not a click
