"""`groovebox progression` and `groovebox generate progression` as a user runs them."""

from __future__ import annotations

import mido
import pytest
import soundfile as sf

from groovebox.cli import main
from groovebox.formats.midi.notes import read_midi
from groovebox.harmony.musicxml import read_musicxml


def rows(stdout: str) -> list[list[str]]:
    """The chord table's rows: [bar, roman, chord]."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:3] == ["bar", "roman", "chord"]) + 1
    return [line.split() for line in lines[start:] if not line.startswith("wrote")]


def test_progression_with_drums_bass_and_arp_renders_audio(tmp_path, cli):
    out = tmp_path / "song.wav"
    r = cli("progression", "I V vi IV", "--key", "C", "--drums", "rock/straight-eighths", "--bass", "--arp",
            "--melody", "--seed", "3", "-o", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert rows(r.stdout) == [["1", "I", "C"], ["2", "V", "G"], ["3", "vi", "Am"], ["4", "IV", "F"]]
    assert r.stdout.startswith("C major · 4/4 ·") and "drums rock/straight-eighths" in r.stdout
    assert f"wrote {out}" in r.stdout
    info = sf.info(str(out))
    bpm = float(r.stdout.split(" bpm")[0].split("·")[-1])
    bar_s = 4 * 60 / bpm
    assert info.samplerate == 48000 and 5 * bar_s < info.duration < 5 * bar_s + 8  # 4 bars, ring bar, tail
    assert [p.name for p in tmp_path.iterdir()] == ["song.wav"]


def test_progression_to_midi_has_a_track_per_part(tmp_path, cli):
    out = tmp_path / "song.mid"
    r = cli("progression", "ii7 V7 Imaj7", "--key", "Bb", "--bpm", "90", "--bass", "walking", "--arp", "updown",
            "--drums", "rock/straight-eighths", "-o", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    back = read_midi(out)
    names = [p.name for p in back.parts]
    assert names[:3] == ["chords", "bass", "arp"] and back.bpm == pytest.approx(90, abs=1e-3)
    drum_hits = [m for t in mido.MidiFile(out).tracks for m in t if m.type == "note_on" and m.channel == 9]
    assert drum_hits and "drums (channel 10)" in r.stdout


def test_progression_to_musicxml_and_chord_symbols_with_a_detected_key(tmp_path, capsys):
    out = tmp_path / "lead.musicxml"
    assert main(["progression", "Am7 D9 Gmaj7", "--instrument", "piano", "--bass", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("G major")
    assert [r[1:] for r in rows(text)] == [["-", "Am7"], ["-", "D9"], ["-", "Gmaj7"]]
    assert [p.name for p in read_musicxml(out)] == ["chords", "bass"]


def test_generate_progression_prints_the_same_chords_for_the_same_seed(tmp_path, capsys):
    args = ["generate", "progression", "--style", "pop", "--bars", "8", "--key", "F", "--seed", "4"]
    assert main(args) == 0
    first = capsys.readouterr().out
    table = rows(first)
    assert first.startswith("F major") and len(table) == 8 and table[-1][1:] == ["I", "F"]
    assert [r[0] for r in table] == [str(b) for b in range(1, 9)]
    assert main(args) == 0 and capsys.readouterr().out == first
    assert main([*args[:-1], "5"]) == 0 and rows(capsys.readouterr().out) != table
    out = tmp_path / "gen.mid"
    assert main([*args, "--bass", "root_fifth", "--arp", "-o", str(out)]) == 0
    assert rows(capsys.readouterr().out) == table
    assert [p.name for p in read_midi(out).parts] == ["chords", "bass", "arp"]


def test_generate_under_a_twelve_eight_pattern_takes_its_meter(tmp_path, capsys):
    out = tmp_path / "blues.flac"
    assert main(["generate", "progression", "--style", "minor_ballad", "--bars", "4", "--key", "e", "--drums",
                 "blues/slow-blues-12-8", "--bass", "-o", str(out), "--sample-rate", "24000"]) == 0  # fmt: skip
    head = capsys.readouterr().out.splitlines()[0]
    assert " · 12/8 · " in head and "drums blues/slow-blues-12-8" in head
    assert sf.info(str(out)).samplerate == 24000


BAD = [
    (["progression", "I V vi IX", "--key", "C"], "token 4 'IX' is not a roman numeral"),
    (["progression", "I V vi IV", "--key", "H"], "unknown key 'H'"),
    (["progression", "I V vi IV", "--key", "D dorain"], "unknown mode 'dorain'; did you mean 'dorian'?"),
    (["progression", "  "], "no chords"),
    (["progression", "Am7 D9 Gmja7"], "token 3 'Gmja7' is not a chord symbol: unknown chord kind 'mja7' "
                                      "(did you mean 'Gmaj7'?)"),  # fmt: skip
    (["progression", "I IV", "--instrument", "pda"], "unknown instrument 'pda'; did you mean 'pad'"),
    (["progression", "I IV", "--drums", "rock/straight-eigths"], "unknown pattern 'rock/straight-eigths'"),
    (["progression", "I IV", "--bars-per-chord", "0"], "--bars-per-chord: expected more than 0 bars"),
    (["progression", "I IV", "--bass", "kick"], "bass mode 'kick' locks the bass to a drum pattern's kick"),
    (["generate", "progression", "--style", "popp"], "unknown progression style 'popp'; did you mean 'pop'?"),
    (["generate", "progression", "--key", "C", "--bars", "0"], "bars: expected a whole number of bars >= 1"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[m.split("'")[0].strip()[:30] + str(i) for i, (_, m)
                                                        in enumerate(BAD)])  # fmt: skip
@pytest.mark.parametrize("suffix", [".wav", ".mid"])
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path, capsys, args, message, suffix):
    out = tmp_path / f"x{suffix}"
    assert main([*args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("groovebox: error: ") and err.count("\n") == 1 and message in err, err
    assert list(tmp_path.iterdir()) == []


def test_bad_suffix_and_bad_option_values(tmp_path, capsys):
    assert main(["progression", "I IV", "-o", str(tmp_path / "x.mp3")]) == 2
    err = capsys.readouterr().err
    assert "cannot write '.mp3' files; use one of .wav" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:  # argparse: one line, exit 2
        main(["progression", "I IV", "--bass", "funky", "-o", str(tmp_path / "x.wav")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --bass: invalid choice: 'funky'" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_generate_is_shared_with_other_generators():
    """Another module may register `groovebox generate` first; progression joins its subcommands."""
    import argparse

    from groovebox.cli import harmony

    parser = argparse.ArgumentParser(prog="groovebox")
    sub = parser.add_subparsers(dest="command")
    gen = sub.add_parser("generate").add_subparsers(dest="what")
    gen.add_parser("soundscape").set_defaults(func="soundscape")
    harmony.register(sub)
    assert parser.parse_args(["generate", "soundscape"]).func == "soundscape"
    args = parser.parse_args(["generate", "progression", "--style", "jazz", "--bass", "walking"])
    assert args.func is harmony.cmd_generate_progression and args.style == "jazz" and args.bass == "walking"
