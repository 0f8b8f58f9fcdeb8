"""The `groovebox` command as a user runs it."""

from __future__ import annotations

import soundfile as sf

from groovebox import library


def test_render_writes_a_wav_and_says_so(tmp_path, cli):
    out = tmp_path / "new" / "beat.wav"
    r = cli("render", "breaks/funky-drummer", "-o", out, "--bars", "2", "--kit", "909", "--swing", "60")
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    info = sf.info(str(out))
    assert info.samplerate == 48000 and info.subtype == "PCM_24" and info.duration > 4.7


def test_render_a_pattern_file_by_path(tmp_path, cli):
    src = library.pattern_path("rock/straight-eighths")
    r = cli("render", src, "-o", tmp_path / "x.flac", "--seconds", "2", "--sample-rate", "44100")
    assert r.returncode == 0, r.stderr
    assert sf.info(str(tmp_path / "x.flac")).samplerate == 44100


def test_show_distinguishes_accents_and_ghosts(cli):
    r = cli("show", "breaks/funky-drummer")
    assert r.returncode == 0, r.stderr
    snare = next(line for line in r.stdout.splitlines() if line.startswith("snare"))
    assert "X" in snare and "o" in snare and "·" in snare
    assert "Funky Drummer" in r.stdout and "100 bpm" in r.stdout


def test_list_filters(cli):
    r = cli("list")
    assert r.returncode == 0
    assert "breaks/funky-drummer" in r.stdout and f"{len(library.pattern_ids())} patterns" in r.stdout
    r = cli("list", "--genre", "funk", "--bpm", "95-100")
    ids = [line.split()[0] for line in r.stdout.splitlines()[1:-1]]
    assert ids and all(i.startswith("funk/") for i in ids)
    assert all(95 <= library.load(i).bpm <= 100 for i in ids)
    r = cli("list", "--search", "clyde")
    assert "breaks/funky-drummer" in r.stdout


def test_genres_and_kits(cli):
    r = cli("genres")
    assert r.returncode == 0 and "funk" in r.stdout and "patterns in" in r.stdout
    r = cli("kits")
    assert r.returncode == 0 and all(k in r.stdout for k in ("808", "909", "lofi"))


def test_unknown_pattern_suggests_the_closest(tmp_path, cli):
    r = cli("render", "breaks/funky-drumer", "-o", tmp_path / "x.wav")
    assert r.returncode == 2
    line = r.stderr.strip()
    assert line.startswith("groovebox: error: unknown pattern 'breaks/funky-drumer'; did you mean "
                           "'breaks/funky-drummer'") and "\n" not in line
    assert not (tmp_path / "x.wav").exists()


def test_bad_values_are_one_line_exit_2(tmp_path, cli):
    for args in (["--bpm", "0"], ["--bpm", "abc"], ["--swing", "99"], ["--kit", "nope"],
                 ["--sample-rate", "1"], ["--bars", "-1"], ["--mute", "cowbell"]):
        r = cli("render", "rock/straight-eighths", "-o", tmp_path / "x.wav", *args)
        assert r.returncode == 2, args
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, (args, r.stderr)
        assert not (tmp_path / "x.wav").exists()
