"""Progressions as sound: arrangements rendered by the engine, with drums on the same timeline."""

from __future__ import annotations

import pickle
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import groovebox as gb
from groovebox.errors import GrooveboxError, HarmonyError, UnknownNameError
from groovebox.generators.arrange import arrange, swing_part
from groovebox.harmony import progression
from groovebox.model.arrangement import INSTRUMENTS, Arrangement
from groovebox.model.pattern import Pattern
from groovebox.renderer.arrangement import frames_per_quarter, instrument_patch, program
from groovebox.renderer.sequencer import events

SR = 24000  # plenty for chroma up to 4 kHz, half the render time


def chroma(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """12-bin chroma: STFT magnitudes (Hann, 8192 at 24 kHz ~ 2.9 Hz bins) summed over frames,
    each bin from 100 Hz to 4 kHz credited to its nearest pitch class; normalised to max 1.
    (Below 100 Hz a bin is wider than a semitone, so the bass would smear into neighbours.)"""
    x = samples.mean(axis=1).astype(np.float64)
    n_fft, hop = 8192, 2048
    win = np.hanning(n_fft)
    frames = np.array([x[i : i + n_fft] * win for i in range(0, len(x) - n_fft + 1, hop)])
    mag = np.abs(np.fft.rfft(frames, axis=1)).sum(axis=0)
    freq = np.fft.rfftfreq(n_fft, 1 / sample_rate)
    band = (freq > 100) & (freq < 4000)
    pcs = (np.round(12 * np.log2(freq[band] / 440.0)).astype(int) + 69) % 12
    c = np.bincount(pcs, weights=mag[band], minlength=12)
    return c / c.max()


@pytest.mark.parametrize(
    ("chords", "key"),
    [("I V vi IV", "C"), ("i VI III VII", "a"), ("i iv V7 i", "e"), ("ii7 V7 Imaj7 vi7", "Bb")],
)
def test_each_chord_span_sounds_that_chords_pitch_classes(chords, key):
    prog = progression(chords, key=key, bpm=120)
    arr = arrange(prog, chords="pad", bass="roots")
    audio = gb.render(arr, sample_rate=SR)
    y = audio.samples
    fpb = SR * 60 // 120
    for start, dur, c in prog.spans():
        # skip the first quarter of the span: the previous chord's release and reverb
        a, b = int((start + dur / 4) * fpb), int((start + dur) * fpb)
        ch = chroma(y[a:b], SR)
        k = len(c.pitch_classes)
        strongest = set(np.argsort(ch)[::-1][:k].tolist())
        assert strongest == set(c.pitch_classes), (c.figure, np.round(ch, 2))
        weakest_tone = min(ch[pc] for pc in c.pitch_classes)
        loudest_other = max(ch[pc] for pc in range(12) if pc not in c.pitch_classes)
        assert weakest_tone > 1.2 * loudest_other, (c.figure, np.round(ch, 2))
    # the ending: the last chord rings past the progression, then everything dies away
    end = int(prog.length_beats * fpb)
    ring = chroma(y[end : end + 2 * fpb], SR)
    last = prog.chords[-1].pitch_classes
    assert set(np.argsort(ring)[::-1][: len(last)].tolist()) == set(last)
    assert np.max(np.abs(y[-SR // 10 :])) < 10 ** (-60 / 20)
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) <= 10 ** (-0.3 / 20) + 1e-6


def _swung_pattern() -> Pattern:
    return Pattern.from_grid(
        {"kick": "x..x ..x. .x.. x..x", "snare": ".... x... .... x...", "closed_hat": "x.x. x.x. x.x. x.xx"},
        bpm=96, swing=62,
    )  # fmt: skip


def test_kick_locked_bass_starts_on_the_kicks_exact_samples():
    beat = _swung_pattern()
    prog = progression("i VI III VII", key="a", bpm=96)
    arr = arrange(prog, bass=True, arp=True, drums=beat)
    assert [p.name for p in arr.parts] == ["chords", "bass", "arp"]
    prg, frames = program(arr, 48000)
    kicks = events(beat, steps=arr.drum_steps, swing=62, sample_rate=48000)
    kick_samples = set(kicks["sample"][kicks["instrument"] == "kick"].tolist())
    bass_src = next(s for s in prg.sources if hasattr(s, "query_notes") and prg.tracks[s.track[0]].name == "bass")
    bass_starts = set(bass_src.start.tolist())
    fpq = frames_per_quarter(arr, 48000)
    chord_samples = {round(s * fpq) for s in prog.starts_beats}
    assert kick_samples <= bass_starts  # a bass note on every kick, swung ones included
    assert bass_starts <= kick_samples | chord_samples  # and nowhere else but chord changes
    assert any(s % 2 == 1 for s in (i for i, st in enumerate(beat.track("kick").steps) if st.is_hit))


def test_swing_moves_odd_steps_like_the_drums_and_keeps_legato():
    beat = _swung_pattern()
    prog = progression("I IV", key="C", bpm=96)
    arp = gb.parts.arpeggio(prog, "up", rate=4)  # sixteenths: every other one is swung
    swung = swing_part(arp, beat)
    shift = Fraction(round((62 - 50) / 50 * 600), 600) / 4
    for a, b in zip(arp.notes, swung.notes, strict=True):
        odd = (a.start_beats * 4) % 2 == 1
        assert b.start_beats == a.start_beats + (shift if odd else 0)
        assert b.pitch == a.pitch
    legato = gb.parts.bass(prog, "kick", kick_steps=[0, 3, 6, 9, 13], steps_per_beat=4)
    moved = swing_part(legato, beat)
    for x, y in zip(moved.notes, moved.notes[1:], strict=False):
        assert x.end_beats == y.start_beats


def test_render_is_the_same_for_any_block_size_and_seed_reproducible(tmp_path):
    prog = progression("I vi ii V", key="F", bpm=140)
    arr = arrange(prog, chords="keys", bass="walking", arp="random", melody=True, drums="rock/straight-eighths",
                  seed=5)  # fmt: skip
    a = gb.render(arr, sample_rate=SR, block_frames=8192).samples
    b = gb.render(arr, sample_rate=SR, block_frames=333).samples
    assert np.array_equal(a, b)
    p1 = gb.render(arr, sample_rate=SR, path=tmp_path / "1.wav")
    p2 = gb.render(arr, sample_rate=SR, path=tmp_path / "2.wav")
    assert p1.read_bytes() == p2.read_bytes()
    other = gb.render(arrange(prog, chords="keys", bass="walking", arp="random", melody=True,
                              drums="rock/straight-eighths", seed=6), sample_rate=SR).samples  # fmt: skip
    assert not np.array_equal(a[: len(other)], other[: len(a)])


def test_render_a_bare_progression_and_partial_lengths():
    prog = progression("Am7 D9 Gmaj7", bpm=90)  # chord symbols, key detected
    audio = gb.render(prog, sample_rate=SR)
    beats_s = 60 / 90
    assert audio.duration_s > (3 + 1) * 4 * beats_s  # three bars and the ringing last chord
    two_bars = gb.render(prog, bars=2, sample_rate=SR)
    assert two_bars.n_frames == round(2 * 4 * beats_s * SR)
    walking = gb.render(prog, bass="walking", seconds=1.5, sample_rate=SR)
    assert walking.n_frames == round(1.5 * SR)
    with pytest.raises(GrooveboxError, match="unknown option 'kit'"):
        gb.render(arrange(prog), kit="909")


def test_rendering_a_prebuilt_arrangement_never_imports_music21(tmp_path):
    prog = progression("ii7 V7/V V7 Imaj7", key="Eb", bpm=100)
    arr = arrange(prog, bass=True, arp="updown", melody=True, drums="rock/straight-eighths")
    (tmp_path / "arr.pkl").write_bytes(pickle.dumps(arr))
    code = (
        "import pickle, sys\n"
        "import groovebox.offline, groovebox.renderer.engine, groovebox.renderer.sequencer, groovebox.renderer.arrangement\n"
        "import groovebox as gb\n"
        "assert 'music21' not in sys.modules, 'import'\n"
        "assert callable(gb.render), 'gb.render is the function'\n"
        f"arr = pickle.loads(open({str(tmp_path / 'arr.pkl')!r}, 'rb').read())\n"
        "audio = gb.render(arr, sample_rate=24000)\n"
        "gb.export(arr, sys.argv[1])\n"
        "assert 'music21' not in sys.modules, 'render'\n"
        "print(audio.n_frames, 'music21' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.mid")], capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    frames, imported = out.stdout.split()
    assert int(frames) > 5 * 4 * 0.6 * 24000 and imported == "False"
    assert (tmp_path / "x.mid").stat().st_size > 0


def test_every_instrument_is_a_valid_patch_and_sounds():
    from groovebox.renderer.voices import render_note

    sr = 8000
    levels = {}
    for name in INSTRUMENTS:
        kind, patch = instrument_patch(name)
        y = render_note(kind, patch, 220.0, 0.8, 7.0, sr)  # long enough for the slowest attack
        assert np.all(np.isfinite(y)) and np.max(np.abs(y)) < 1.0
        windows = y[: len(y) // 800 * 800].reshape(-1, 800, 2)  # 100 ms
        levels[name] = 20 * np.log10(np.sqrt(np.mean(windows**2, axis=(1, 2))).max())
    # the trims put every instrument's loudest moment within a few dB of the others
    assert max(levels.values()) - min(levels.values()) < 12, levels


def test_mix_and_program_layout():
    prog = progression("I IV V I", key="G", bpm=110)
    arr = arrange(prog, chords="organ", bass="root_fifth", melody=True, drums="rock/straight-eighths")
    prg, frames = program(arr, 48000)
    drum_names = list(arr.drums.instruments)
    assert [t.name for t in prg.tracks] == drum_names + ["chords", "bass", "melody"]
    assert all(not t.stereo for t in prg.tracks[: len(drum_names)])
    assert all(t.stereo for t in prg.tracks[len(drum_names) :])
    # The shared reverb first; the drums also send to their kit's room (rock: the acoustic kit).
    assert len(prg.buses) == 2
    assert all(len(t.sends) == 2 for t in prg.tracks[: len(drum_names)])
    assert all(len(t.sends) == 1 for t in prg.tracks[len(drum_names) :])
    bass = prg.tracks[len(drum_names) + 1]
    chords = prg.tracks[len(drum_names)]
    assert bass.sends[0] < chords.sends[0]  # bass stays dry
    assert frames == round((prog.length_beats + 4) * 48000 * 60 / 110)  # progression + the ring bar
    dry = arr.replace(reverb_s=0, kit="808")  # no shared reverb, a kit without a room
    assert program(dry, 48000)[0].buses == []


def test_arrangement_errors_name_what_is_wrong():
    waltz = Pattern.from_grid({"kick": "x.....", "snare": "..x.x."}, signature=(3, 4), steps_per_beat=2)
    prog = progression("I V", key="C")
    with pytest.raises(GrooveboxError, match=r"in 3/4 but the progression is in 4/4; build the progression with "
                                             r"signature='3/4'"):  # fmt: skip
        arrange(prog, drums=waltz)
    ok = arrange(progression("I V", key="C", signature="3/4"), bass=True, drums=waltz)
    assert ok.part("bass").notes[0].start_beats == 0
    with pytest.raises(HarmonyError, match="bass mode 'kick' locks the bass to a drum pattern's kick"):
        arrange(prog, bass="kick")
    with pytest.raises(HarmonyError, match="bass mode 'funky': expected one of roots, root_fifth, walking, kick"):
        arrange(prog, bass="funky")
    with pytest.raises(UnknownNameError, match="unknown instrument 'pda'; did you mean 'pad'"):
        arrange(prog, chords="pda")
    with pytest.raises(HarmonyError, match="arpeggio direction 'sideways'"):
        arrange(prog, arp="sideways")
    with pytest.raises(HarmonyError, match="expected a Progression"):
        arrange("I V vi IV")
    with pytest.raises(HarmonyError, match="two parts are named 'bass'"):
        Arrangement(prog, (gb.parts.bass(prog), gb.parts.bass(prog)))


# -- files ---------------------------------------------------------------------------------


def _notes(part):
    return sorted((n.start_beats, n.duration_beats, n.pitch, round(n.velocity * 127)) for n in part)


def test_midi_export_reimports_with_the_same_notes_drums_on_channel_10(tmp_path):
    import mido

    from groovebox.formats.midi.notes import read_midi

    beat = _swung_pattern()
    arr = arrange(progression("I vi IV V", key="D", bpm=96), bass=True, arp="updown", arp_rate=4, melody=True,
                  drums=beat, seed=2)  # fmt: skip
    path = gb.export(arr, tmp_path / "song.mid")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mid"]  # no temporary files left
    back = read_midi(path)
    assert back.bpm == 96 and back.signature == "4/4"
    pitched = [p for p in back.parts if not p.name.startswith("drums")]
    assert [p.name for p in pitched] == list(arr.part_names)
    for want, got in zip(arr.parts, pitched, strict=True):
        assert _notes(got) == _notes(want), want.name  # swung times too: the file's ticks hold them
    mid = mido.MidiFile(path)
    drum_notes = [m for t in mid.tracks for m in t if m.type == "note_on" and m.channel == 9]
    kicks_per_bar = sum(s.is_hit for s in beat.track("kick").steps)
    kicks = [m for m in drum_notes if m.note == 36 and m.velocity > 0]
    assert len(kicks) == kicks_per_bar * 4 + 1  # four bars and the ending hit


def test_musicxml_export_reimports_with_the_same_notes(tmp_path):
    from groovebox.harmony.musicxml import read_musicxml

    arr = arrange(progression("i VI III VII", key="e", bpm=80), chords="piano", voicing="drop2", bass="root_fifth",
                  arp="up", name="Minor loop")  # fmt: skip
    path = gb.export(arr, tmp_path / "score.musicxml")
    back = read_musicxml(path)
    assert [p.name for p in back] == list(arr.part_names)
    for want, got in zip(arr.parts, back, strict=True):
        assert [n[:3] for n in _notes(got)] == [n[:3] for n in _notes(want)], want.name


def test_export_rejects_unknown_suffixes_before_any_work(tmp_path):
    arr = arrange(progression("I IV", key="C"))
    with pytest.raises(GrooveboxError, match=r"cannot write '\.mp3' files; use one of \.wav"):
        gb.export(arr, tmp_path / "x.mp3")
    assert list(tmp_path.iterdir()) == []
    flac = gb.export(progression("I IV", key="C"), tmp_path / "out" / "x.flac", sample_rate=SR)
    import soundfile as sf

    assert sf.info(str(flac)).samplerate == SR and (flac.stat().st_mode & 0o777) != 0o600


def test_parts_read_from_midi_can_be_arranged_every_gm_name_is_an_instrument():
    from groovebox.formats.midi.notes import GM_PROGRAMS

    assert set(GM_PROGRAMS) <= set(INSTRUMENTS)


def test_import_stays_light_until_harmony_or_audio_is_used():
    code = (
        "import sys, groovebox as gb\n"
        "fns = (gb.scale, gb.chord, gb.progression, gb.generate_progression, gb.parts, gb.arrange, gb.export)\n"
        "print(sorted(m for m in ('music21', 'numba', 'mido') if m in sys.modules))\n"
        "gb.progression('I IV', key='C')\n"
        "print('music21' in sys.modules, 'numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "True False"]  # building chords needs no engine
