"""docs/limits.md is the truth: every bound it lists is the one the code enforces, and every
reader's peak memory on the largest input the limits allow stays under the bound it states.

The memory tests build those inputs (a 1 MiB pattern file, 600 s of samples in a kit folder,
a 1 MiB MIDI file, a 4 MiB Hydrogen song, a 1,024-layer drumkit, a 1 MiB song map, 1,024
chords) and read each in a fresh process, measuring its peak resident memory (ru_maxrss).
"""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
LIMITS = ROOT / "docs" / "limits.md"
_UNITS = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def _rows(heading: str) -> list[list[str]]:
    """The table rows of the section under ``heading``, cells stripped of backticks."""
    text = LIMITS.read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            rows.append([c.strip().strip("`") for c in line.strip("|").split("|")])
    return rows[1:]  # the header


def _value(text: str):
    """``1 MiB`` -> 1048576, ``1,024`` -> 1024, ``60 s`` -> 60.0, ``20..400`` -> (20.0, 400.0)."""
    text = text.split("(")[0].strip()
    if ".." in text:
        lo, hi = text.split("..")
        return float(_value(lo)), float(_value(hi))
    number, _, unit = text.partition(" ")
    number = number.replace(",", "")
    v = int(number) if number.isdigit() else float(number)
    return v * _UNITS[unit] if unit in _UNITS else v


def _constant(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_the_readme_links_the_limits_table():
    assert "docs/limits.md" in (ROOT / "README.md").read_text()


def test_every_documented_limit_is_the_enforced_one():
    rows = _rows("Limits")
    assert len(rows) >= 30
    for what, value, constant, *_ in rows:
        actual = _constant(constant)
        expected = _value(value)
        if isinstance(actual, tuple):
            actual = tuple(float(a) for a in actual)
        assert actual == expected, f"{what}: docs say {value}, {constant} is {actual}"


# -- peak memory on the largest allowed inputs ------------------------------------------------
def _peak_mib(code: str, cwd: Path) -> tuple[float, str]:
    """Run ``code`` in a fresh Python; return its peak RSS in MiB and its last output line."""
    # VmHWM: the high-water mark of this process's own memory (ru_maxrss would carry the
    # parent's over the exec).
    script = textwrap.dedent(code) + ("\nimport re; print('PEAK', re.search(r'VmHWM:\\s+(\\d+)', "
                                      "open('/proc/self/status').read()).group(1))\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    peak = int(re.search(r"PEAK (\d+)", r.stdout).group(1)) / 1024
    return peak, r.stdout.strip().splitlines()[0]


def _bound(reader: str) -> float:
    for row in _rows("Peak memory"):
        if row[0] == reader:
            return _value(row[-1]) / (1 << 20)
    raise AssertionError(f"docs/limits.md has no peak memory bound for {reader}")


def _wav(seconds: float, rate: int, channels: int, subtype: str) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    x = np.repeat((0.3 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)[:, None], channels, axis=1)
    buf = io.BytesIO()
    sf.write(buf, x, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def _pattern_file(tmp: Path) -> str:
    from groovebox.formats.tomltext import MAX_TOML_BYTES
    from groovebox.model.instruments import INSTRUMENTS

    lines = ['name = "max"', 'genre = "test"', "bpm = 100", 'signature = "4/4"', "steps_per_beat = 4",
             "swing = 50", 'description = "the largest pattern file the limits allow"']
    grid = " ".join(["xXo." * 4] * 32)  # 512 steps
    for name in INSTRUMENTS:
        lines += [f"[tracks.{name}]", f'grid = "{grid}"', 'chance = "' + " ".join(["5.9."] * 128) + '"',
                  "nudge = { " + ", ".join(f"{i} = {i % 40 - 20}" for i in range(1, 513, 4)) + " }"]
    body = "\n".join(lines) + "\n"
    pad = MAX_TOML_BYTES - len(body.encode()) - 1
    (tmp / "max.toml").write_text("#" + "x" * (pad - 2) + "\n" + body)
    return "from groovebox.formats import pattern_toml; p = pattern_toml.load('max.toml'); print(len(p.tracks), 'tracks')"


def _toml_values(tmp: Path) -> str:
    from groovebox.formats.tomltext import MAX_TOML_BYTES

    line = "k{:06d} = [[1, 2.5, \"ab\"], {{a = 1, b = [3]}}]\n"
    n = MAX_TOML_BYTES // len(line.format(0))
    (tmp / "values.toml").write_text("".join(line.format(i) for i in range(n)))
    return textwrap.dedent("""
        from groovebox.errors import GrooveboxError
        from groovebox.formats import pattern_toml
        try:
            pattern_toml.load('values.toml')
        except GrooveboxError as exc:
            print(str(exc)[:60])
    """)


def _sample_folder(tmp: Path) -> str:
    kit = tmp / "kit"
    kit.mkdir()
    # 600 s of samples, the most one kit may hold: nine 60 s mono files at 48 kHz and one 60 s
    # stereo 96 kHz 24-bit file (the most costly to decode and resample).
    mono = _wav(60.0, 48000, 1, "FLOAT")
    for name in ("kick", "snare", "clap", "rim", "closed_hat", "open_hat", "crash", "ride", "low_tom"):
        (kit / f"{name}.wav").write_bytes(mono)
    (kit / "high_tom.wav").write_bytes(_wav(60.0, 96000, 2, "PCM_24"))
    return "from groovebox.kits.samples import load_sample_kit; t = load_sample_kit('kit', 48000); print(t.nbytes)"


def _midi(tmp: Path) -> str:
    import mido

    from groovebox.formats.midi.smf import MAX_MIDI_BYTES

    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for i in range(99_000):
        track.append(mido.Message("note_on", channel=9, note=(36, 38, 42)[i % 3], velocity=100, time=24))
        track.append(mido.Message("note_off", channel=9, note=(36, 38, 42)[i % 3], velocity=0, time=0))
    buf = io.BytesIO()
    mid.save(file=buf)
    room = MAX_MIDI_BYTES - len(buf.getvalue()) - 64
    track.insert(0, mido.MetaMessage("text", text="x" * room))
    mid.save(str(tmp / "max.mid"))
    assert (tmp / "max.mid").stat().st_size <= MAX_MIDI_BYTES
    return ("from groovebox.formats.midi.drums import read_drum_midi; "
            "print(len(read_drum_midi('max.mid', bars=4).patterns))")


def _h2song(tmp: Path) -> str:
    from groovebox.formats.hydrogen import MAX_HYDROGEN_BYTES

    note = ("<note><position>{p}</position><leadlag>0</leadlag><velocity>0.8</velocity><pan>0</pan><key>C0</key>"
            "<length>-1</length><instrument>{i}</instrument><note_off>false</note_off><probability>1</probability></note>")
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<song><name>max</name><bpm>120</bpm><instrumentList>'
            + "".join(f"<instrument><id>{i}</id><name>{n}</name></instrument>" for i, n in
                      enumerate(["Kick", "Snare", "Hat Closed", "Hat Open", "Ride", "Crash", "Tom 1", "Tom 2"]))
            + "</instrumentList><patternList>")
    pats, size = [], len(head) + 40
    pattern = "<pattern><name>p{k}</name><size>1536</size><noteList>" + "".join(
        note.format(p=(j * 12) % 1536, i=j % 8) for j in range(1024)) + "</noteList></pattern>"
    while size + len(pattern) < MAX_HYDROGEN_BYTES:
        pats.append(pattern.replace("{k}", str(len(pats))))
        size += len(pattern)
    (tmp / "max.h2song").write_text(head + "".join(pats) + "</patternList></song>\n")
    return "from groovebox.formats.hydrogen import read_hydrogen; print(len(read_hydrogen('max.h2song').patterns))"


def _drumkit(tmp: Path) -> str:
    from groovebox.formats.hydrogen import MAX_DRUMKIT_FILES

    kit = tmp / "dk"
    kit.mkdir()
    per = MAX_DRUMKIT_FILES // 8
    short = _wav(0.05, 44100, 2, "PCM_16")
    instruments = []
    for i, name in enumerate(["Kick", "Snare", "Hat Closed", "Hat Open", "Ride", "Crash", "Tom 1", "Tom 2"]):
        layers = []
        for k in range(per):
            f = f"{i}_{k}.wav"
            (kit / f).write_bytes(short)
            layers.append(f"<layer><filename>{f}</filename><min>{k / per}</min><max>{(k + 1) / per}</max></layer>")
        instruments.append(f"<instrument><id>{i}</id><name>{name}</name>{''.join(layers)}</instrument>")
    (kit / "drumkit.xml").write_text('<?xml version="1.0"?>\n<drumkit_info><name>max</name><instrumentList>'
                                     + "".join(instruments) + "</instrumentList></drumkit_info>\n")
    return "from groovebox.kits.samples import load_sample_kit; print(load_sample_kit('dk', 48000).nbytes)"


def _song_map(tmp: Path) -> str:
    from groovebox.formats.song_toml import MAX_BYTES
    from groovebox.model.song import MAX_SECTIONS

    base = (ROOT / "songs" / "house.toml").read_text()
    sections = "".join(f'\n[[sections]]\nname = "s{i}"\nbars = 4\nparts = ["drums"]\n' for i in range(MAX_SECTIONS))
    text = re.sub(r"\n\[\[sections\]\].*", "", base, flags=re.S) + sections
    (tmp / "max.toml").write_text("#" + "x" * (MAX_BYTES - len(text.encode()) - 3) + "\n" + text)
    return textwrap.dedent("""
        from groovebox.errors import GrooveboxError
        from groovebox.formats import song_toml
        try:
            print(len(song_toml.load('max.toml').sections), 'sections')
        except GrooveboxError as exc:
            print(str(exc)[:80])
    """)


def _progression(tmp: Path) -> str:
    from groovebox.model.notes import MAX_CHORDS

    chords = " ".join(["Cmaj7", "Am9", "Dm7", "G13", "Em7b5", "A7b9", "Fmaj7#11", "Bb7"] * (MAX_CHORDS // 8))
    (tmp / "chords.txt").write_text(chords)
    return textwrap.dedent("""
        import groovebox as gb
        p = gb.progression(open('chords.txt').read())
        band = gb.arrange(p, bass='walking', arp='updown', melody=True)
        gb.export(band, 'max.mid')
        print(len(p), 'chords')
    """)


LARGEST = {
    "pattern TOML": _pattern_file,
    "TOML values": _toml_values,
    "sample folder": _sample_folder,
    "MIDI": _midi,
    "Hydrogen song": _h2song,
    "Hydrogen drumkit": _drumkit,
    "song map": _song_map,
    "progression": _progression,
}


@pytest.mark.slow
@pytest.mark.parametrize("reader", list(LARGEST))
def test_peak_memory_on_the_largest_allowed_input_is_under_its_documented_bound(tmp_path, reader):
    code = LARGEST[reader](tmp_path)
    peak, said = _peak_mib(code, tmp_path)
    print(f"{reader}: peak {peak:.0f} MiB ({said})")
    assert peak <= _bound(reader), f"{reader}: {peak:.0f} MiB, documented bound {_bound(reader):.0f} MiB"
