"""Offline rendering to files: real WAV/FLAC/OGG, atomic writes, clean failures, flat memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

import groovebox as gb
from groovebox.errors import RenderError

BEAT = gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... x...", "closed_hat": "x.x. x.x."}, bpm=120)


@pytest.mark.parametrize("suffix, fmt, subtype", [(".wav", "WAV", "PCM_24"), (".flac", "FLAC", "PCM_24"),
                                                  (".ogg", "OGG", "VORBIS"), (".aiff", "AIFF", "PCM_24")])
def test_formats_from_suffix(tmp_path, suffix, fmt, subtype):
    path = gb.render(BEAT, bars=2, path=tmp_path / f"beat{suffix}")
    info = sf.info(str(path))
    assert (info.format, info.subtype, info.samplerate, info.channels) == (fmt, subtype, 48000, 2)
    data, _ = sf.read(str(path), dtype="float32")
    assert np.abs(data).max() > 0.05


def test_file_equals_memory_render(tmp_path):
    mem = gb.render(BEAT, bars=2, seed=3)
    path = gb.render(BEAT, bars=2, seed=3, path=tmp_path / "x.wav", subtype="float")
    data, sr = sf.read(str(path), dtype="float32")
    assert sr == 48000 and np.array_equal(data, mem.samples)


def test_sample_rate_option(tmp_path):
    path = gb.render(BEAT, bars=1, sample_rate=44100, path=tmp_path / "x.flac")
    assert sf.info(str(path)).samplerate == 44100


def test_lengths_bars_seconds_and_tail():
    one_bar = 2.0 * 48000  # 120 bpm 4/4
    exact = gb.render(BEAT, bars=1, tail=False)
    assert exact.n_frames == one_bar
    assert np.abs(exact.samples[-1]).max() == 0.0  # faded out, no click at the cut
    ringing = gb.render(gb.Pattern.from_grid({"crash": "...x"}, bpm=120), bars=0.5)
    assert ringing.n_frames > one_bar / 2  # the crash rings past the last bar
    assert np.abs(ringing.samples[-1]).max() < 1e-4
    sec = gb.render(BEAT, seconds=1.25)
    assert sec.n_frames == 60000


def test_missing_output_folder_is_created(tmp_path):
    target = tmp_path / "a" / "b" / "beat.wav"
    gb.render(BEAT, bars=1, path=target)
    assert target.is_file()
    assert sorted(p.name for p in target.parent.iterdir()) == ["beat.wav"]  # no temp left


def test_unwritable_path_is_one_clear_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RenderError) as info:
        gb.render(BEAT, bars=1, path=blocker / "beat.wav")
    assert "\n" not in str(info.value) and "beat.wav" in str(info.value)


def test_unknown_suffix(tmp_path):
    with pytest.raises(RenderError, match="cannot write '.mp4'"):
        gb.render(BEAT, bars=1, path=tmp_path / "x.mp4")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("a full disk is simulated with a 256 kB tmpfs, which needs permission to mount")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


def test_full_disk_leaves_no_file(tiny_disk):
    target = tiny_disk / "long.wav"
    with pytest.raises(RenderError, match="long.wav") as info:
        gb.render(BEAT, seconds=20, path=target)
    assert "\n" not in str(info.value)
    assert list(tiny_disk.iterdir()) == []


def _start_long_render(tmp_path, target, loudness="off"):
    return subprocess.Popen(
        [sys.executable, "-m", "groovebox", "render", "rock/straight-eighths", "-o", str(target),
         "--seconds", "86000", "--loudness", loudness],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_render_leaves_no_file(tmp_path, sig):
    target = tmp_path / "out" / "long.wav"
    proc = _start_long_render(tmp_path, target)
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until the render is writing its temporary file
        if target.parent.is_dir() and any(p.name.endswith(".part") and p.stat().st_size > 10**6
                                          for p in target.parent.iterdir()):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("render never started writing")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "groovebox: interrupted" and "Traceback" not in err
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_mastered_render_leaves_no_file(tmp_path, sig):
    # A mastered render measures the whole timeline first: interrupted there, nothing exists yet.
    target = tmp_path / "out" / "long.wav"
    proc = _start_long_render(tmp_path, target, loudness="-14")
    time.sleep(4.0)
    assert proc.poll() is None
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "groovebox: interrupted" and "Traceback" not in err
    assert not target.exists() and (not target.parent.exists() or list(target.parent.iterdir()) == [])


_MEMORY_PROBE = """
import json, sys, tracemalloc
import groovebox as gb
beat = gb.Pattern.from_grid({"kick": "x... x...", "snare": ".... x...", "closed_hat": "x.x. x.x."}, bpm=120)
folder = sys.argv[1]
out = {}
for seconds in (30, 600):
    gb.render(beat, seconds=1, path=folder + "/warm.wav")
    tracemalloc.start()
    gb.render(beat, seconds=seconds, path=folder + "/x.flac")
    out[seconds] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
print(json.dumps(out))
"""


def test_memory_does_not_grow_with_duration(tmp_path):
    # In a fresh interpreter: soundfile's cffi keeps a per-process cache that grows with every
    # write and, deep into a long test session, may resize during the traced render.
    import json

    r = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(tmp_path)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    peaks = json.loads(r.stdout.strip().splitlines()[-1])
    short, long = peaks["30"], peaks["600"]
    assert long < short * 1.1 + 256 * 1024, (short, long)


@pytest.mark.parametrize("subtype, bits", [(None, 24), ("16", 16)])
def test_integer_wav_reads_back_within_half_a_step(tmp_path, subtype, bits):
    mem = gb.render(BEAT, bars=2, seed=3)
    path = gb.render(BEAT, bars=2, seed=3, path=tmp_path / "x.wav", subtype=subtype)
    info = sf.info(str(path))
    assert info.subtype == f"PCM_{bits}" and info.frames == mem.n_frames
    data, _ = sf.read(str(path), dtype="float64")
    step = 2.0 ** -(bits - 1)
    assert np.abs(data - mem.samples).max() <= step / 2 + 1e-12
