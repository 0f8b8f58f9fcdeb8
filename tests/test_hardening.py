"""Issue 12: the 28 failures found by hostile and careless use, each kept as a regression test.

Each test is named after the failure it pins down and does what the report did (the same
file, the same command), then checks what a user sees now: one line on stderr naming what is
wrong and the limit, exit status 2, nothing left behind, bounded memory; or the thing simply
working. Commands run in a fresh process (as a user runs them), with their data segment capped
at 1 GiB so that a regression fails here instead of waking the kernel's OOM killer.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

import groovebox as gb
from groovebox.errors import (
    GrooveboxError,
    GrooveboxTypeError,
    GrooveboxValueError,
    GrooveboxWarning,
)
from groovebox.formats.midi import smf
from groovebox.kits.samples import MAX_LAYERS

SR = 48000
MEMORY_CAP = 1 << 30
GMROCK = Path("/usr/share/hydrogen/data/drumkits/GMRockKit")


def _cap_memory():
    """In the child: at most 1 GiB of data, and Ctrl-C as a terminal gives it (a test run in the
    background inherits SIGINT ignored, and Python keeps an ignored SIGINT ignored)."""
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_CAP, MEMORY_CAP))
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# `groovebox ARGS` that writes its own peak resident memory (VmHWM, which unlike ru_maxrss is
# this process's alone) to $PEAK_FILE on exit.
_PROGRAM = """
import atexit, os, re, sys
def _peak():
    with open(os.environ["PEAK_FILE"], "w") as fh:
        fh.write(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
atexit.register(_peak)
sys.argv = ["groovebox", *sys.argv[1:]]
from groovebox.cli import run
run()
"""


def run(*args, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    """``groovebox ARGS`` in a fresh process with at most 1 GiB of data; the result carries
    ``peak_mib``, the child's peak resident memory."""
    peak_file = Path(tempfile.mkdtemp()) / "peak"
    r = subprocess.run([sys.executable, "-c", _PROGRAM, *map(str, args)], capture_output=True, text=True,
                       cwd=cwd, timeout=timeout, preexec_fn=_cap_memory,
                       env={**os.environ, "PEAK_FILE": str(peak_file)})
    r.peak_mib = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
    return r


def one_line_error(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    for w in words:
        assert w in r.stderr, r.stderr


def wav(path: Path, seconds: float = 0.05, rate: int = SR) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    sf.write(str(path), (0.5 * np.sin(2 * np.pi * 200 * t) * np.exp(-t * 40)).astype(np.float32), rate)
    return path


def drum_midi(path: Path, n_notes: int, *, ticks_apart: int = 24, tempo: int | None = None) -> Path:
    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    if tempo is not None:
        track.append(mido.MetaMessage("set_tempo", tempo=tempo))
    for i in range(n_notes):
        note = (36, 38, 42)[i % 3]
        track.append(mido.Message("note_on", channel=9, note=note, velocity=100, time=ticks_apart))
        track.append(mido.Message("note_off", channel=9, note=note, velocity=0, time=0))
    mid.save(str(path))
    return path


H2SONG = ('<?xml version="1.0" encoding="UTF-8"?>\n<song><name>s</name><bpm>{bpm}</bpm><instrumentList>'
          '<instrument><id>0</id><name>Kick</name></instrument></instrumentList><patternList><pattern>'
          '<name>p</name><size>{size}</size><noteList><note><position>{pos}</position><velocity>0.8</velocity>'
          '<instrument>0</instrument></note></noteList></pattern></patternList></song>\n')
H2PATTERN = ('<?xml version="1.0" encoding="UTF-8"?>\n<drumkit_pattern><drumkit_name>{kit}</drumkit_name>'
             '<pattern><name>t</name><size>192</size><noteList><note><position>0</position>'
             '<velocity>0.8</velocity><instrument>0</instrument></note></noteList></pattern></drumkit_pattern>\n')
PATTERN_HEAD = ('name = "t"\ngenre = "g"\nbpm = 100\nsignature = "4/4"\nsteps_per_beat = 4\nswing = 50\n'
                'description = "d"\n')
BEAT = gb.Pattern.from_grid({"kick": "x... ..x. x... ....", "snare": ".... X... .... X..o",
                             "closed_hat": "x.x. x.x. x.x. x.x.", "ride": "x... x... x... x..."}, bpm=100)


# -- 1-5: resources and safety -----------------------------------------------------------------
@pytest.mark.parametrize("layer", ["10000000", "999999999"])
def test_1_two_file_kit_folder_with_a_huge_layer_number_is_one_line_not_gigabytes(tmp_path, layer):
    kit = tmp_path / "kit"
    kit.mkdir()
    wav(kit / "snare_1.wav")
    wav(kit / f"snare_{layer}.wav")
    wav(kit / "kick.wav")
    r = run("render", "funk/cissy-strut", "--kit", kit, "-o", tmp_path / "o.wav", "--bars", "1")
    one_line_error(r, f"snare_{layer}.wav", f"velocity layer {layer}", f"limit of {MAX_LAYERS}")
    assert r.peak_mib < 250, r.peak_mib  # was 493 MB at 10^7 and 24 GB (killed) at ~10^9
    assert not (tmp_path / "o.wav").exists()


def test_2_fifo_named_kick_wav_in_a_kit_folder_is_one_line_not_a_hang(tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    wav(kit / "snare.wav")
    os.mkfifo(kit / "kick.wav")
    r = run("render", "funk/cissy-strut", "--kit", kit, "-o", tmp_path / "o.wav", "--bars", "1", timeout=60)
    one_line_error(r, "kick.wav", "not a regular file (a FIFO)")


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_3_h2pattern_drumkit_name_is_never_read_outside_the_drumkit_folders(tmp_path, where):
    fake = tmp_path / "x" / "fakekit"
    fake.mkdir(parents=True)
    # If this kit were read, instrument id 0 would import as a cowbell instead of GMRockKit's kick.
    (fake / "drumkit.xml").write_text('<?xml version="1.0"?><drumkit_info><name>fake</name><instrumentList>'
                                      '<instrument><id>0</id><name>Cowbell</name><filename>c.wav</filename>'
                                      '</instrument></instrumentList></drumkit_info>\n')
    name = "../" * 12 + str(fake).lstrip("/") if where == "relative" else str(fake)
    src = tmp_path / "p.h2pattern"
    src.write_text(H2PATTERN.format(kit=name))
    r = run("import", src, "--out", tmp_path / "out")
    one_line_error(r, "<drumkit_name>", "is not a drumkit name")
    assert not (tmp_path / "out").exists()


def test_3_a_drumkit_name_longer_than_a_folder_name_is_one_line(tmp_path):
    # Found by make fuzz: 300 characters went to stat() and came back as an OSError traceback.
    src = tmp_path / "p.h2pattern"
    src.write_text(H2PATTERN.format(kit="[" * 300 + "GMRockKit"))
    r = run("import", src, "--out", tmp_path / "out")
    one_line_error(r, "<drumkit_name>", "is not a drumkit name")
    assert not (tmp_path / "out").exists()


def test_3_a_dataset_kit_path_too_long_for_the_file_system_is_one_line(tmp_path):
    # Found by make fuzz: a 300-character kit path in a data set spec was an OSError traceback.
    spec = (Path(__file__).resolve().parent.parent / "datasets" / "smoke.toml").read_text()
    f = tmp_path / "spec.toml"
    f.write_text(spec.replace('kit = "808"', 'kit = "./' + "[" * 300 + '"', 1))
    r = run("dataset", f, "-o", tmp_path / "out")
    one_line_error(r, "spec.toml", "kits", "cannot look up sample kit")
    assert not (tmp_path / "out").exists()


def test_3_drumkit_layer_files_outside_the_drumkit_folder_are_refused(tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    wav(tmp_path / "secret.wav")
    (kit / "drumkit.xml").write_text('<?xml version="1.0"?><drumkit_info><name>k</name><instrumentList>'
                                     '<instrument><id>0</id><name>Kick</name><layer><filename>../secret.wav'
                                     '</filename></layer></instrument></instrumentList></drumkit_info>\n')
    with pytest.raises(GrooveboxError, match="outside the drumkit folder"):
        gb.render(BEAT, bars=1, kit=str(kit))


@pytest.mark.parametrize("kit", ["../../x/kit", "/home/someone/kit", "~/kit", "a\\\\b"])
def test_3_kit_names_in_pattern_files_and_song_maps_are_names_not_paths(tmp_path, kit):
    from groovebox.formats import song_toml

    f = tmp_path / "p.toml"
    f.write_text(PATTERN_HEAD + f'kit = "{kit}"\n[tracks]\nkick = "x..."\n')
    r = run("render", f, "-o", tmp_path / "o.wav", "--bars", "1")
    one_line_error(r, "p.toml:8:", "field 'kit'", "is a name", "not a path")
    song = (Path(__file__).resolve().parent.parent / "songs" / "house.toml").read_text()
    (tmp_path / "s.toml").write_text(song.replace('kit = "909"', f'kit = "{kit}"'))
    with pytest.raises(GrooveboxValueError, match=r"s\.toml:\d+: field 'parts\.drums\.kit': a kit named in a file"):
        song_toml.load(tmp_path / "s.toml")
    # Installed Hydrogen drumkits go by their name.
    if GMROCK.is_dir():
        f.write_text(PATTERN_HEAD + 'kit = "GMRockKit"\n[tracks]\nkick = "x..."\n')
        assert gb.render(str(f), bars=1).samples.any()


def test_4_midi_import_memory_is_bounded_by_the_file_size_limit(tmp_path):
    # The report: 1.6 MB -> 370 MB and 29 s, 3.2 MB -> 727 MB, even with --bars 4.
    big = drum_midi(tmp_path / "big.mid", 200_000)
    assert big.stat().st_size > smf.MAX_MIDI_BYTES
    r = run("import", big, "--out", tmp_path / "out", "--bars", "4")
    one_line_error(r, "big.mid", "over the limit of 1 MiB for a MIDI file")
    assert r.peak_mib < 150, r.peak_mib
    # The largest file allowed, a long song read for its first bars, imports in bounded memory.
    song = drum_midi(tmp_path / "song.mid", 99_000)
    assert song.stat().st_size <= smf.MAX_MIDI_BYTES
    r = run("import", song, "--out", tmp_path / "out", "--bars", "4")
    assert r.returncode == 0, r.stderr
    assert "kept the first 4 bar(s); 98937 hit(s) after them dropped" in r.stderr  # 63 of 99,000 kept
    assert r.peak_mib < 200, r.peak_mib


def test_5_generate_progression_bars_have_an_upper_limit(tmp_path):
    r = run("generate", "progression", "--bars", "1000000")
    one_line_error(r, "1,000,000 bars is over the limit of 1,024 bars")
    with pytest.raises(GrooveboxValueError, match="limit of 1,024 bars"):
        gb.generate_progression("pop", bars=10**7)


def test_5_ten_thousand_chord_symbols_are_one_line_and_key_finding_is_unchanged():
    with pytest.raises(GrooveboxValueError, match="10,000 chords is over the limit of 1,024 chords"):
        gb.progression(" ".join(["C", "Am", "F", "G7"] * 2500))
    # The largest allowed progression of symbols finds its key the way music21 does over one
    # chord per bar (the cost was building those chords: 269 s for 10,000).
    from music21 import chord as m21chord
    from music21 import stream

    rng = np.random.default_rng(5)
    roots = "C Db D Eb E F F# G Ab A Bb B".split()
    kinds = ["", "m", "7", "maj7", "m7", "dim", "sus4", "9", "m7b5", "6"]
    for n in (4, 7, 1024):
        tokens = [rng.choice(roots) + rng.choice(kinds) for _ in range(n)]
        p = gb.progression(tokens)
        s = stream.Stream()
        for i, c in enumerate(p.chords):
            s.insert(4 * i, m21chord.Chord(list(c.pitches), quarterLength=4))
        best = s.analyze("key")
        assert p.key in {f"{k.tonic.name.replace('-', 'b')} {k.mode}" for k in [best, *best.alternateInterpretations]
                         if k.correlationCoefficient >= best.correlationCoefficient - 0.1}


# -- 6-8: tracebacks instead of one line --------------------------------------------------------
@pytest.mark.parametrize("field, value", [
    ("tags", "[" * 600 + "]" * 600),
    ("kit", "{a = " * 600 + "1" + "}" * 600),
    ("tags", "[" * 100_000),
])
def test_6_deeply_nested_pattern_toml_is_one_line(tmp_path, field, value):
    f = tmp_path / "deep.toml"
    f.write_text(PATTERN_HEAD + f"{field} = {value}\n[tracks]\nkick = \"x...\"\n")
    r = run("show", f)
    one_line_error(r, "deep.toml:8:", "nested 33 deep is over the limit of 32")


# Found by `make fuzz` after the album and data set readers joined it: both parsed with bare tomllib.
@pytest.mark.parametrize("command", [["album"], ["album", "status"], ["dataset", "-o", "OUT"]])
@pytest.mark.parametrize("value", ["[" * 600 + "]" * 600, "{a = " * 600 + "1" + "}" * 600])
def test_6_deeply_nested_album_and_dataset_specs_are_one_line(tmp_path, command, value):
    f = tmp_path / "deep.toml"
    f.write_text(f'title = "x"\ntags = {value}\n')
    r = run(*[str(tmp_path / "out") if a == "OUT" else a for a in command], f,
            *(["-o", tmp_path / "out"] if command == ["album"] else []))
    one_line_error(r, "deep.toml:2", "nested 33 deep is over the limit of 32")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["album"], ["dataset", "-o", "OUT"]])
def test_2_a_fifo_named_like_an_album_or_a_spec_is_refused_not_waited_on(tmp_path, command):
    f = tmp_path / "fifo.toml"
    os.mkfifo(f)
    r = run(*[str(tmp_path / "out") if a == "OUT" else a for a in command], f,
            *(["-o", tmp_path / "out"] if command == ["album"] else []), timeout=60)
    one_line_error(r, "fifo.toml", "not a regular file (a FIFO)")


def test_6_dotted_keys_100000_parts_long_are_one_line_not_gigabytes(tmp_path):
    f = tmp_path / "dots.toml"
    f.write_text(PATTERN_HEAD + "a" + ".b" * 100_000 + " = 1\n[tracks]\nkick = \"x...\"\n")
    r = run("show", f)
    one_line_error(r, "dots.toml:8:", "a dotted key of 33 parts is over the limit of 32")
    assert r.peak_mib < 200, r.peak_mib


def test_6_kit_toml_5000_deep_is_one_line(tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    wav(kit / "kick.wav")
    (kit / "kit.toml").write_text("name = " + "[" * 5000 + "]" * 5000 + "\n")
    r = run("render", "funk/cissy-strut", "--kit", kit, "-o", tmp_path / "o.wav", "--bars", "1")
    one_line_error(r, "kit.toml:1:", "nested 33 deep is over the limit of 32")


def test_7_render_seed_2_to_the_64_renders_like_its_hashed_seed(tmp_path):
    from groovebox import checks

    r = run("render", "funk/cissy-strut", "-o", tmp_path / "a.wav", "--bars", "1", "--humanize", "5",
            "--seed", str(2**64), "--loudness", "off")  # unmastered, like the gb.render calls below
    assert r.returncode == 0, r.stderr
    big = gb.render("funk/cissy-strut", bars=1, humanize_ms=5, seed=2**64).samples
    same = gb.render("funk/cissy-strut", bars=1, humanize_ms=5, seed=checks.seed(2**64)).samples
    other = gb.render("funk/cissy-strut", bars=1, humanize_ms=5, seed=2**64 + 1).samples
    assert np.array_equal(big, same) and not np.array_equal(big, other)
    x, _ = sf.read(str(tmp_path / "a.wav"))
    assert len(x) == len(big)


def test_7_ambient_seed_2_to_the_70_renders(tmp_path):
    r = run("ambient", "airports", "-o", tmp_path / "a.wav", "--seconds", "2", "--loudness", "off", "--seed", str(2**70))
    assert r.returncode == 0, r.stderr
    assert sf.info(str(tmp_path / "a.wav")).frames == 2 * SR


@pytest.mark.parametrize("command", [["progression", "I V vi IV"], ["generate", "progression", "--bars", "4"]])
def test_7_progression_melody_seed_2_to_the_70_writes_the_same_midi_twice(tmp_path, command):
    outs = []
    for name in ("a.mid", "b.mid"):
        r = run(*command, "--melody", "--seed", str(2**70), "-o", tmp_path / name)
        assert r.returncode == 0, r.stderr
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]
    r = run(*command, "--melody", "--seed", "two", "-o", tmp_path / "c.mid")
    one_line_error(r, "--seed", "expected a whole number, got 'two'")


def test_8_midi_set_tempo_0_is_one_line(tmp_path):
    r = run("import", drum_midi(tmp_path / "t0.mid", 8, tempo=0), "--out", tmp_path / "out")
    one_line_error(r, "t0.mid", "set_tempo of 0 microseconds per quarter note is not a tempo")


@pytest.mark.parametrize("bpm, size, pos, words", [
    ("0", "192", "0", ["<bpm> '0' is out of range"]),
    ("120", "192", "inf", ["<position> 'inf' is not a finite number"]),
    ("120", "1e400", "0", ["<size> '1e400' is not a finite number"]),
    ("120", "192", "1e12", ["<position> '1e12' is out of range"]),
])
def test_8_h2song_bpm_0_and_infinite_positions_and_sizes_are_one_line(tmp_path, bpm, size, pos, words):
    f = tmp_path / "s.h2song"
    f.write_text(H2SONG.format(bpm=bpm, size=size, pos=pos))
    r = run("import", f, "--out", tmp_path / "out")
    one_line_error(r, "s.h2song", *words)


# -- 9-10: signals and determinism -------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("when, second", [
    ("while-measuring", signal.SIGINT),  # pass 1 of mastering: no file yet
    ("as-the-file-opens", signal.SIGTERM),
    ("while-writing", signal.SIGINT),
], ids=["measuring-INT-INT", "file-opens-INT-TERM", "writing-INT-INT"])
def test_9_two_signals_10_ms_apart_during_an_ambient_render_leave_a_valid_file_or_nothing(tmp_path, second, when):
    proc = subprocess.Popen([sys.executable, "-m", "groovebox", "ambient", "airports", "--minutes", "30",
                             "-o", "t.wav"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_cap_memory)
    if when == "while-measuring":
        time.sleep(5.0)
    at_bytes = 0 if when == "as-the-file-opens" else 8 << 20
    deadline = time.monotonic() + 600
    while when != "while-measuring" and time.monotonic() < deadline and proc.poll() is None:
        parts = list(tmp_path.glob(".t.wav.*.part"))
        try:
            if parts and parts[0].stat().st_size >= at_bytes:
                break
        except FileNotFoundError:
            pass
        time.sleep(0.001)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.010)
    proc.send_signal(second)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err.decode()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left in ([], ["t.wav"]), left  # never a .part
    if left:
        info = sf.info(str(tmp_path / "t.wav"))
        x, _ = sf.read(str(tmp_path / "t.wav"), start=max(0, info.frames - 2400))
        # whole, and ending in its 50 ms fade (after mastering: the last frames far below the fade's start)
        assert info.frames > 0 and np.abs(x[-1]).max() < 1e-4
        assert np.abs(x[-10:]).max() < 0.1 * np.abs(x[:240]).max() + 1e-4


def test_9_a_signal_inside_the_clean_up_of_another_leaves_no_part(tmp_path, monkeypatch):
    """The report's signals land wherever the process happens to be; here they are sent at the
    worst moments on purpose: the first while a block is written, the second while the
    interrupted writer closes its file."""
    from groovebox.io import wav as wav_module
    from groovebox.offline import PartialRender

    write, close = wav_module.AudioWriter.write, wav_module.AudioWriter.__exit__
    blocks = []

    def write_then_signal(self, block):
        write(self, block)
        blocks.append(len(block))
        if len(blocks) == 3:
            os.kill(os.getpid(), signal.SIGINT)

    def close_with_a_signal(self, *exc):
        os.kill(os.getpid(), signal.SIGINT)
        return close(self, *exc)

    monkeypatch.setattr(wav_module.AudioWriter, "write", write_then_signal)
    monkeypatch.setattr(wav_module.AudioWriter, "__exit__", close_with_a_signal)
    # A soundscape keeps what was rendered: a valid, shorter file that ends in a fade.
    with pytest.raises(PartialRender) as info:
        gb.render(gb.ambient.preset("airports"), path=tmp_path / "a.wav", seconds=60, block_frames=4096,
                  progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"]
    x, _ = sf.read(str(tmp_path / "a.wav"))
    assert len(x) == info.value.frames == sum(blocks) and len(x) < 60 * SR and np.abs(x[-1]).max() < 1e-3
    # A pattern keeps nothing.
    blocks.clear()
    with pytest.raises(KeyboardInterrupt) as info:
        gb.render(BEAT, path=tmp_path / "b.wav", bars=64, block_frames=4096)
    assert not isinstance(info.value, PartialRender)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"]


def test_10_musicxml_export_is_byte_reproducible_and_has_a_real_title(tmp_path):
    for name in ("a.musicxml", "b.musicxml"):
        r = run("progression", "I V vi IV", "--melody", "--seed", "5", "-o", tmp_path / name)
        assert r.returncode == 0, r.stderr
    a, b = (tmp_path / "a.musicxml").read_bytes(), (tmp_path / "b.musicxml").read_bytes()
    assert a == b
    text = a.decode()
    assert "Music21 Fragment" not in text and "<movement-title>I V vi IV in C major</movement-title>" in text
    assert '<score-part id="P1">' in text and "<encoding-date>" not in text
    band = gb.arrange(gb.progression("ii7 V7 Imaj7", key="Bb"), name="Two-Five-One")
    gb.export(band, tmp_path / "c.musicxml")
    assert "<movement-title>Two-Five-One</movement-title>" in (tmp_path / "c.musicxml").read_text()


# -- 11: the Python API speaks GrooveboxError (and ValueError / TypeError) ----------------------
@pytest.mark.parametrize("call, kind, words", [
    (lambda: gb.render(BEAT, bars=1, seed="a"), GrooveboxValueError, "seed: expected a whole number, got 'a'"),
    (lambda: gb.render(BEAT, bars=1, mute=[5]), GrooveboxTypeError, "mute: expected instrument names, got 5"),
    (lambda: gb.render(BEAT, bars=1, block_frames="x"), GrooveboxValueError, "block_frames: expected a whole number"),
    (lambda: gb.render(BEAT, bars=1, path=123), GrooveboxTypeError, "path: expected a file name, got 123"),
    (lambda: gb.Pattern.from_grid("x..."), GrooveboxTypeError, "Pattern.from_grid: expected instrument -> grid"),
    (lambda: gb.events(BEAT, bars="x"), GrooveboxValueError, "bars: expected more than 0"),
    (lambda: gb.progression(None), GrooveboxTypeError, "progression: expected chords as text"),
    (lambda: gb.render(BEAT, bars=1, mute="cowbell"), GrooveboxValueError, "unknown track to mute 'cowbell'"),
], ids=["seed-a", "mute-list-of-int", "block-frames-x", "path-123", "from-grid-str", "events-bars-x",
        "progression-none", "mute-unknown-name"])
def test_11_api_errors_are_groovebox_errors_and_value_or_type_errors(call, kind, words):
    with pytest.raises(kind, match=words.replace("(", r"\(").replace(")", r"\)")) as info:
        call()
    assert isinstance(info.value, GrooveboxError)
    assert isinstance(info.value, ValueError if kind is GrooveboxValueError else TypeError)
    assert "\n" not in str(info.value)


def test_11_seed_2_to_the_70_and_mute_as_one_string_work():
    assert gb.render(BEAT, bars=1, seed=2**70).samples.shape[1] == 2
    # mute="kick" is the kick, not the letters k, i, c, k
    muted = gb.render(BEAT, bars=1, mute="kick", tail=False).samples
    both = gb.render(BEAT, bars=1, mute="kick snare", tail=False).samples
    full = gb.render(BEAT, bars=1, tail=False).samples
    assert not np.array_equal(muted, full) and not np.array_equal(muted, both)


# -- 12-13: quiet surprises --------------------------------------------------------------------
def test_12_sample_kit_without_instruments_the_pattern_plays_says_which(tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    wav(kit / "kick.wav")
    wav(kit / "snare.wav")
    with pytest.warns(GrooveboxWarning, match="kit kit has no sample for closed_hat, ride; those tracks are silent"):
        gb.render(BEAT, bars=1, kit=str(kit))
    pattern = tmp_path / "beat.toml"
    pattern.write_text(_toml(BEAT))
    r = run("render", pattern, "--kit", kit, "-o", tmp_path / "o.wav", "--bars", "1")
    assert r.returncode == 0, r.stderr
    assert "groovebox: note: kit kit has no sample for closed_hat, ride; those tracks are silent" in r.stderr


def _toml(pattern) -> str:
    from groovebox.formats.pattern_toml import dumps

    return dumps(pattern.replace(description="a test beat"))


@pytest.fixture(scope="module")
def jack256():
    """A JACK dummy server at 256-frame periods (the session's runs at 1024) and its device."""
    from groovebox.io import realtime
    from tests.conftest import jack_server

    session = os.environ.pop("JACK_DEFAULT_SERVER", None)
    try:
        with jack_server(256) as name:
            if name is None:
                pytest.skip("no JACK server: jackd (jackd2) is not installed or would not start")
            import sounddevice as sd

            apis = [a for a in sd.query_hostapis() if "JACK" in a["name"]]
            if not apis or not apis[0]["devices"]:
                pytest.skip("PortAudio has no JACK host API here (libportaudio2 built without JACK?)")
            yield apis[0]["devices"][0]
    finally:
        if session is not None:
            os.environ["JACK_DEFAULT_SERVER"] = session
            realtime.rescan_devices()


def _zero_stream_underruns(device, blocksize: int, seconds: float) -> int:
    """Underruns of a stream whose callback only writes zeros: the machine's own floor."""
    import sounddevice as sd

    count = [0]

    def zeros(outdata, frames, time_info, status):
        count[0] += bool(status.output_underflow)
        outdata.fill(0.0)

    with sd.OutputStream(samplerate=SR, channels=2, dtype="float32", blocksize=blocksize, callback=zeros,
                         device=device):
        time.sleep(seconds)
    return count[0]


def _switching_underruns(device, ids, kits, switches: int, every_s: float) -> tuple[int, str]:
    player = gb.play(ids[0], device=device, blocksize=256, on_message=lambda m: None)
    try:
        for k in range(switches):
            player.queue(ids[(k + 1) % len(ids)], kit=kits[(k + 1) % len(kits)])
            time.sleep(every_s)
        player.wait(player.position_s + 2.0)
    finally:
        summary = player.stop()
    stats = player.stats()
    assert stats["late_changes"] == 0, summary
    return stats["underruns"], summary


@pytest.mark.realtime
def test_13_fifty_queued_switches_across_cold_kits_add_no_underruns(jack256):
    """Each switch lands on a kit whose voices were never built: they are synthesized in the
    control thread (kernels that release the GIL), before the switch is timed, so the audio
    callback never waits for them. Before: 46 underruns in 50 switches where the floor was 0.

    The floor is what the machine does anyway in the same time: the most underruns of a stream
    whose callback only writes zeros (just before and just after) and of the same 50 switches
    once every kit is built (the same player, the same changes, no synthesis). On a quiet
    machine all are 0; on a busy shared one the floor is not, and the cold switches must not
    add to it.
    """
    from groovebox import library
    from groovebox.kits import synth
    from groovebox.model.kit import BUILTIN_KITS

    ids = sorted(p.id for p in library.search(genre="funk"))[:12]
    kits = list(BUILTIN_KITS)
    # 50 cold switches in two rounds of 25, each followed by the same 25 switches warm, so
    # that cold and warm share the machine's moods; zero-writing windows as long as the rounds.
    rounds, switches, every_s = 2, 25, 0.3
    seconds = switches * every_s + 2.0

    def measure():
        cold = warm = zero = 0
        summaries = []
        for _ in range(rounds):
            zero += _zero_stream_underruns(jack256, 256, seconds)
            synth._synth_layers.cache_clear()  # cold kits, as in the report
            n, summary = _switching_underruns(jack256, ids, kits, switches, every_s)
            cold += n
            summaries.append(summary)
            n, summary = _switching_underruns(jack256, ids, kits, switches, every_s)  # every kit built now
            warm += n
            summaries.append(summary)
        print(f"{rounds * switches} cold switches: {cold} underruns; the same warm: {warm}; zero-writing: {zero}; "
              + " | ".join(summaries))
        return cold, max(zero, warm)

    # Building on the audio thread underruns on most of the 50 switches, every time (46 before
    # the fix); a busy machine's stray underrun does not come back in a second measurement.
    cold, floor = measure()
    if cold > floor:
        cold, floor = measure()
    assert cold <= floor, f"{cold} underruns in {rounds * switches} cold switches; the floor was {floor}"


def test_found_while_measuring_limits_a_flam_chain_imports(tmp_path):
    """Three hits of one drum 20 ms apart, each louder: the middle one is the first's main
    hit, so it cannot also be the third's grace note (it was: KeyError in the importer)."""
    from fractions import Fraction

    from groovebox.formats.drum_grid import Hit, build_pattern

    q = Fraction(1, 25)  # 20 ms at 120 bpm
    hits = [Hit(Fraction(1) + k * q, "snare", v) for k, v in enumerate((0.3, 0.6, 1.0))] + [Hit(Fraction(0), "kick", 0.8)]
    p = build_pattern(hits, name="chain", quarter_bpm=120.0, keep_timing=True)
    snare = p.track("snare")
    assert [i for i, s in enumerate(snare.steps) if s.is_hit] == [4]  # the three land on beat 2 as one hit
