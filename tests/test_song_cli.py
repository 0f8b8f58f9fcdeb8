"""groovebox song / new song: working files in one command, and one line (file:line:field, close
matches) with exit status 2 and no output file for every kind of bad song map."""

from __future__ import annotations

import pytest

from groovebox.cli import main
from groovebox.generators.templates import TEMPLATES

GOOD = """title = "Test Song"
key = "C major"
bpm = 120

[parts.drums]
kind = "drums"
pattern = "house/chicago-house"

[parts.keys]
kind = "chords"

[[sections]]
name = "verse"
bars = 2
parts = ["drums", "keys"]

[[automation]]
target = "keys.gain_db"
points = [["1:1", -20], ["3:1", -10]]
"""

BAD = [
    (GOOD.replace('parts = ["drums", "keys"]', 'parts = ["drums", "kyes"]'), 15, "unknown part 'kyes'; did you mean 'keys'"),
    (GOOD.replace("house/chicago-house", "house/chicago-hose"), 7, "did you mean 'house/chicago-house'"),
    (GOOD.replace("bars = 2", "bars = 0"), 14, "sections.1.bars"),
    (GOOD.replace('["3:1", -10]', '["3:1", 40]'), 19, "out of range"),
    (GOOD.replace('["3:1", -10]', '["9:1", -10]'), 19, "outside the song"),
    (GOOD.replace('bpm = 120', 'bpm = 120\ntime_signature = "7/9"'), 4, "cannot be placed"),
    (GOOD.replace('kind = "chords"', 'kind = "chords"\ninstrument = "kazoo"'), 11, "unknown instrument 'kazoo'"),
    (GOOD.replace('target = "keys.gain_db"', 'target = "keys.volume"'), 18, "unknown automation parameter"),
    (GOOD.replace('name = "verse"', 'name = "verse"\ntransitions = ["swoosh"]'), 14, "unknown transition 'swoosh'"),
]


@pytest.mark.parametrize("text,line,words", BAD)
def test_bad_song_maps_one_line_exit_2_nothing_written(tmp_path, capsys, text, line, words):
    song = tmp_path / "bad.toml"
    song.write_text(text)
    out = tmp_path / "out.wav"
    assert main(["song", str(song), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert f"bad.toml:{line}:" in err and words in err
    assert not out.exists() and list(tmp_path.iterdir()) == [song]


def test_unknown_template(tmp_path, capsys):
    assert main(["new", "song", "--template", "hosue", "-o", str(tmp_path / "x.toml")]) == 2
    err = capsys.readouterr().err
    assert "unknown template 'hosue'; did you mean 'house'" in err
    assert not (tmp_path / "x.toml").exists()


def test_new_song_then_show_and_midi(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    assert main(["new", "song", "--template", "lo-fi-hip-hop", "--seed", "4", "-o", str(path)]) == 0
    assert "lo-fi-hip-hop" in capsys.readouterr().err
    assert main(["song", str(path), "--show", "-o", str(tmp_path / "mine.mid")]) == 0
    shown = capsys.readouterr().out
    assert "intro" in shown and "drums" in shown and (tmp_path / "mine.mid").stat().st_size > 1000
    # the same seed gives the same map; another seed another title
    assert main(["new", "song", "--template", "lo-fi-hip-hop", "--seed", "4"]) == 0
    assert capsys.readouterr().out == path.read_text()
    assert main(["new", "song", "--template", "lo-fi-hip-hop", "--seed", "5"]) == 0
    assert capsys.readouterr().out.splitlines()[0] != path.read_text().splitlines()[0]


def test_new_lists_at_least_eight_templates():
    assert {"chillwave", "lo-fi-hip-hop", "ambient", "house", "techno", "drum-and-bass", "synthwave",
            "pop"} <= set(TEMPLATES)
