"""A song's title, artist, mood and themes travel into its files: a RIFF INFO chunk in WAV,
Vorbis comments in FLAC, read back by libsndfile (soundfile) and mutagen, which did not write
the WAV's; the audio is untouched, and stems carry the song's title and their own name."""

from __future__ import annotations

import wave

import mutagen.flac
import numpy as np
import soundfile as sf

import groovebox as gb
from groovebox.formats.song_toml import loads
from groovebox.io.tags import SongTags, read_song_tags

SR = 16000

SONG = """
title = "Café Ñandú"
artist = "The Night Shift"
themes = ["northern lights", "midnight"]
mood = ["spacey", "euphoric"]
key = "E minor"
bpm = 110
template = "synthwave"

[parts.keys]
kind = "chords"
instrument = "epiano"

[parts.drums]
kind = "drums"
grids = { kick = "x... x... x... x...", closed_hat = "..x. ..x. ..x. ..x." }

[[sections]]
name = "verse"
bars = 2
parts = ["keys", "drums"]
"""


def test_wav_and_flac_carry_the_song_header(tmp_path):
    song = loads(SONG)
    wav = gb.export(song, tmp_path / "song.wav", sample_rate=SR, stems=tmp_path / "stems")
    flac = gb.export(song, tmp_path / "song.flac", sample_rate=SR)
    for path in (wav, flac):
        with sf.SoundFile(path) as f:  # libsndfile's own reading of INFO and Vorbis comments
            assert f.title == "Café Ñandú" and f.artist == "The Night Shift"
            assert "spacey" in f.comment and "northern lights" in f.comment
            assert f.frames > 2 * 60 / 110 * 4 * SR
        t = read_song_tags(path)
        assert (t.title, t.artist, t.mood, t.themes, t.genre) == (
            "Café Ñandú", "The Night Shift", ("spacey", "euphoric"), ("northern lights", "midnight"), "synthwave")
    tags = mutagen.flac.FLAC(flac).tags
    assert tags["MOOD"] == ["spacey", "euphoric"] and tags["THEME"] == ["northern lights", "midnight"]
    # the WAV is still a plain WAV: the standard library reads the same audio as libsndfile
    with wave.open(str(wav)) as w:
        raw = np.frombuffer(w.readframes(w.getnframes()), np.uint8).reshape(-1, 3)
        pcm = (raw[:, 0].astype(np.int32) | raw[:, 1].astype(np.int32) << 8 | raw[:, 2].astype(np.int8).astype(np.int32) << 16)
    np.testing.assert_array_equal(pcm.reshape(-1, 2), sf.read(wav, dtype="int32")[0] >> 8)
    stems = {p.stem: read_song_tags(p) for p in (tmp_path / "stems").glob("*.wav")}
    assert stems["keys"].title == "Café Ñandú (keys)" and stems["mix"].title == "Café Ñandú (mix)"
    assert stems["drums"].mood == ("spacey", "euphoric")


def test_a_song_without_a_header_gets_its_working_title_and_nothing_else(tmp_path):
    song = loads(SONG.replace('artist = "The Night Shift"\n', "").replace('themes = ["northern lights", "midnight"]\n', "")
                 .replace('mood = ["spacey", "euphoric"]\n', "").replace('title = "Café Ñandú"\n', ""))
    path = gb.export(song, tmp_path / "x.wav", sample_rate=SR)
    t = read_song_tags(path)
    assert song.title == "" and t.title == gb.working_title(song.seed)  # "Velvet Heron"
    assert (t.artist, t.mood, t.themes) == ("", (), ())
    assert read_song_tags(gb.export(gb.Pattern.from_grid({"kick": "x..."}), tmp_path / "p.wav", bars=1)) == SongTags(software="")
