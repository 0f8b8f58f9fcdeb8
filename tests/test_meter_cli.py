"""`groovebox meter FILE...` as a user runs it: readings, --json, and one line per bad file."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

FS = 48000


def tone_file(path, level_dbfs=-23.0, seconds=10.0, fs=FS, channels=2, subtype="PCM_24"):
    t = np.arange(int(seconds * fs)) / fs
    x = 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * 1000 * t)
    sf.write(str(path), np.repeat(x[:, None], channels, axis=1), fs, subtype=subtype)
    return path


def test_meter_prints_the_ebur128_summary(tmp_path, cli):
    f = tone_file(tmp_path / "tone.wav")
    r = cli("meter", f)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == str(f)
    text = [" ".join(line.split()) for line in lines[1:]]
    assert text == ["Integrated loudness I: -23.0 LUFS", "Loudness range LRA: 0.0 LU",
                    "Max short-term S: -23.0 LUFS", "True peak Peak: -23.0 dBTP"]


def test_meter_json_one_object_per_file_agrees_with_pyloudnorm(tmp_path, cli):
    rng = np.random.default_rng(1)
    a = tone_file(tmp_path / "a.flac", -18.0, 6.0)
    b = tmp_path / "b.wav"
    noise = rng.standard_normal((int(2.5 * 44100), 1)) * 0.05  # mono, 44.1 kHz, under 3 s
    sf.write(str(b), noise, 44100, subtype="FLOAT")
    r = cli("meter", "--json", a, b)
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["path"] for o in objs] == [str(a), str(b)]
    assert set(objs[0]) == {"path", "integrated_lufs", "lra_lu", "max_short_term_lufs", "true_peak_dbtp"}
    assert abs(objs[0]["integrated_lufs"] - -18.0) <= 0.1
    data, fs = sf.read(str(b))
    assert abs(objs[1]["integrated_lufs"] - pyloudnorm.Meter(fs).integrated_loudness(data)) <= 0.1
    # shorter than one 3 s window: no short-term value, said as null (JSON has no -inf)
    assert objs[1]["max_short_term_lufs"] is None and objs[1]["lra_lu"] == 0.0


def test_meter_reads_long_files_in_blocks(tmp_path, cli):
    """Several blocks of 64 Ki frames, and the result is that of the whole signal."""
    from groovebox.dsp.loudness import measure

    f = tmp_path / "long.wav"
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((FS * 12, 2)) * np.linspace(0.02, 0.3, FS * 12)[:, None]).astype(np.float32)
    sf.write(str(f), x, FS, subtype="FLOAT")
    r = cli("meter", "--json", f)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    want = measure(x, FS)
    assert got["integrated_lufs"] == pytest.approx(want.integrated_lufs, abs=1e-9)
    assert got["true_peak_dbtp"] == pytest.approx(want.true_peak_dbtp, abs=1e-9)
    assert got["lra_lu"] == pytest.approx(want.lra_lu, abs=1e-9)


def test_meter_bad_input_one_line_each_and_exit_2(tmp_path, cli):
    good = tone_file(tmp_path / "good.wav")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n" * 20)
    empty = tmp_path / "empty.wav"
    empty.touch()
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros((FS * 3, 2)), FS)
    quiet = tone_file(tmp_path / "quiet.wav", level_dbfs=-85.0, seconds=3.0)
    folder = tmp_path / "folder"
    folder.mkdir()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    nan = tmp_path / "nan.wav"
    sf.write(str(nan), np.array([[0.1, math.nan]] * FS), FS, subtype="FLOAT")
    many = tmp_path / "six.wav"
    sf.write(str(many), np.zeros((FS, 6)) + 0.1, FS)
    missing = tmp_path / "missing.wav"
    bad = [text, empty, silent, quiet, folder, fifo, nan, many, missing]
    r = cli("meter", good, *bad)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    errors = r.stderr.splitlines()
    assert len(errors) == len(bad)
    for path, line in zip(bad, errors, strict=True):
        assert line.startswith(f"groovebox: error: {path}: ")
    expected = ["not an audio file", "empty file", "integrated loudness is -inf: the file is silent "
                "or below the -70 LUFS gate", "-inf", "is a directory", "not a regular file",
                "NaN", "1..5", "no such file"]
    for want, line in zip(expected, errors, strict=True):
        assert want in line, line
    assert r.stdout.splitlines()[0] == str(good)  # the good file is still measured


def test_meter_needs_a_file(cli):
    r = cli("meter")
    assert r.returncode == 2 and "FILE" in r.stderr and "Traceback" not in r.stderr
