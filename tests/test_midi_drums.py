"""Drum patterns to and from Standard MIDI Files: exact ticks out, the same hits back in."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from pathlib import Path

import mido
import numpy as np
import pytest

import groovebox as gb
from groovebox import library
from groovebox.exporter import export as write_pattern_midi
from groovebox.formats.drum_grid import DrumImportError, quarters_per_beat
from groovebox.formats.midi.drums import drum_midi_bytes, drum_track, read_drum_midi
from groovebox.model.instruments import GM_NOTES
from groovebox.model.options import RenderOptions
from groovebox.renderer.pattern import drum_notes

REFERENCE = Path("/work/shared/reference/midi")
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="reference MIDI files are not on this machine")


def note_ons(path):
    """(tick, channel, note, velocity) of every note-on, and the file."""
    mid = mido.MidiFile(str(path))
    out, tick = [], 0
    for msg in mid.tracks[0]:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            out.append((tick, msg.channel, msg.note, msg.velocity))
    return out, mid


def test_notes_sit_on_the_sequencers_ticks_with_swing(tmp_path):
    p = gb.Pattern.from_grid({"closed_hat": "xxxx xxxx xxxx xxxx", "kick": "x... .... x... ....",
                              "snare": ".... X... .... X..o"}, bpm=96, swing=62)
    path = write_pattern_midi(p, tmp_path / "beat.mid")
    ons, mid = note_ons(path)
    assert mid.type == 0 and mid.ticks_per_beat == 2400  # 600 ticks per step, 4 steps per quarter
    assert {c for _, c, _, _ in ons} == {9}  # General MIDI channel 10
    swing_ticks = round((62 - 50) / 50 * 600)  # 144: the off-beat 16th sits 6 % of a pair late
    hats = [t for t, _, n, _ in ons if n == GM_NOTES["closed_hat"]]
    assert hats == [s * 600 + (swing_ticks if s % 2 else 0) for s in range(16)]
    assert [t for t, _, n, _ in ons if n == GM_NOTES["kick"]] == [0, 4800]
    snares = [(t, v) for t, _, n, v in ons if n == GM_NOTES["snare"]]
    assert snares == [(2400, 127), (7200, 127), (9000 + swing_ticks, 44)]  # X accent, o ghost (0.35)
    assert [v for _, _, n, v in ons if n == GM_NOTES["kick"]] == [102, 102]  # x = 0.8
    meta = {m.type: m for m in mid.tracks[0] if m.is_meta}
    assert mido.tempo2bpm(meta["set_tempo"].tempo) == pytest.approx(96, abs=1e-3)
    assert (meta["time_signature"].numerator, meta["time_signature"].denominator) == (4, 4)
    assert meta["track_name"].name == p.name
    # The file ends exactly at the bar line, so a DAW loops it seamlessly.
    assert sum(m.time for m in mid.tracks[0]) == 16 * 600
    assert mid.length == pytest.approx(60 / 96 * 4)


def test_compound_meter_counts_dotted_beats(tmp_path):
    p = gb.Pattern.from_grid({"ride": "x.x x.x x.x x.x", "kick": "x.. ... x.. ..."}, bpm=60,
                             signature="12/8", steps_per_beat=3)
    ons, mid = note_ons(write_pattern_midi(p, tmp_path / "slow.mid"))
    meta = {m.type: m for m in mid.tracks[0] if m.is_meta}
    assert mido.tempo2bpm(meta["set_tempo"].tempo) == pytest.approx(90)  # 60 dotted quarters = 90 quarters
    ts = meta["time_signature"]
    assert (ts.numerator, ts.denominator, ts.clocks_per_click) == (12, 8, 36)
    assert mid.ticks_per_beat == 1200  # an eighth (one step) = 600 ticks
    assert [t for t, _, n, _ in ons if n == GM_NOTES["kick"]] == [0, 6 * 600]
    assert mid.length == pytest.approx(4.0)  # four dotted-quarter beats at 60


def test_flams_ratchets_and_humanize_come_from_the_sample_times(tmp_path):
    snare = gb.Track.from_grid("snare", ".... x... .... x...", flam=".... f... .... ....",
                               ratchet=".... .... .... 4...")
    p = gb.Pattern(name="f", tracks=(snare,), bpm=120)
    ons, mid = note_ons(write_pattern_midi(p, tmp_path / "f.mid"))
    ticks_per_s = mid.ticks_per_beat * 120 / 60
    grace = round(-0.020 * ticks_per_s)  # 20 ms before the hit
    assert [(t, v) for t, _, _, v in ons] == [
        (4 * 600 + grace, round(0.8 * 0.55 * 127)), (4 * 600, 102),
        (12 * 600, 102), (12 * 600 + 150, 102), (12 * 600 + 300, 102), (12 * 600 + 450, 102),
    ]
    # Note-offs: half a step, cut short before the next hit of the same note.
    tick, offs = 0, []
    for msg in mid.tracks[0]:
        tick += msg.time
        if msg.type == "note_off":
            offs.append(tick)
    assert offs == [4 * 600, 4 * 600 + 300, 12 * 600 + 150, 12 * 600 + 300, 12 * 600 + 450, 12 * 600 + 750]

    hats = gb.Pattern.from_grid({"closed_hat": "x" * 16}, bpm=100)
    a = write_pattern_midi(hats, tmp_path / "a.mid", humanize_ms=8, seed=4)
    b = write_pattern_midi(hats, tmp_path / "b.mid", humanize_ms=8, seed=4)
    c = write_pattern_midi(hats, tmp_path / "c.mid", humanize_ms=8, seed=5)
    assert a.read_bytes() == b.read_bytes() and a.read_bytes() != c.read_bytes()
    ev = gb.events(hats, steps=16, humanize_ms=8, seed=4, sample_rate=48000)
    got = [t for t, *_ in note_ons(a)[0]]
    ppq = mido.MidiFile(str(a)).ticks_per_beat
    samples_per_tick = 48000 * 60 / 100 / ppq
    # Each note sits where the audio render puts the hit (to the tick), humanize included.
    assert got == [max(0, round(int(s) / samples_per_tick)) for s in sorted(ev["sample"])]
    assert len(set(t % 600 for t in got)) > 4  # really moved off the grid
    early = gb.Pattern.from_grid({"kick": "x..."}, bpm=100)
    for seed in range(40):  # a seed that pulls the first hit early: it starts the file instead
        if gb.events(early, steps=4, humanize_ms=8, seed=seed)["sample"][0] < 0:
            ons, _ = note_ons(write_pattern_midi(early, tmp_path / "early.mid", humanize_ms=8, seed=seed))
            assert ons[0][0] == 0 and len(ons) == 4  # (the 4-step loop, four times in the bar)
            break
    else:
        pytest.fail("no seed pulls the first hit early")


def timeline(pattern, n_steps):
    """Every hit over n_steps of the pattern, rolls counted hit by hit: (instrument, onset in
    quarter notes before swing and nudges, char, flam). Grids may differ (an 8th-note pattern
    may come back on 16ths), the hits in time may not. A flam on the very first hit has its
    grace note before the file starts, where MIDI cannot put it."""
    step_q = quarters_per_beat(*pattern.signature) / pattern.steps_per_beat
    out = set()
    for t in pattern.tracks:
        for g in range(n_steps):
            s = t.steps[g % len(t)]
            for j in range(s.ratchet if s.is_hit else 0):
                out.add((t.instrument, (g + Fraction(j, s.ratchet)) * step_q, s.hit, s.flam and g > 0 and j == 0))
    return out


ROUND_TRIP = [pid for pid in library.pattern_ids()
              if all(s.chance_pct == 100 for t in library.load(pid).tracks for s in t.steps)]


@pytest.mark.parametrize("pattern_id", ROUND_TRIP)
def test_export_import_round_trip_reproduces_the_hits(pattern_id, tmp_path):
    p = library.load(pattern_id)
    bars = math.ceil(p.bars)
    path = write_pattern_midi(p, tmp_path / "x.mid", bars=bars)
    keep = any(s.nudge_pct for t in p.tracks for s in t.steps)
    back = read_drum_midi(path, keep_timing=keep).patterns[0]
    n_steps = bars * p.steps_per_bar
    assert back.signature == p.signature and back.bpm == p.bpm and back.name == p.name
    assert back.length_steps * p.steps_per_beat == n_steps * back.steps_per_beat  # whole bars, same length
    assert timeline(back, back.length_steps) == timeline(p, n_steps)
    odd_hits = any(s.is_hit for t in p.tracks for s in t.steps[1::2])
    if p.steps_per_beat % 2 == 0 and odd_hits and back.steps_per_beat == p.steps_per_beat and not keep:
        assert back.swing == p.swing
    if keep:  # micro-timing kept: every hit sounds where it did, to 1 % of a step
        a = gb.events(p, steps=n_steps)
        b = gb.events(back, steps=back.length_steps)
        step_samples = 48000 * 60 / p.bpm / p.steps_per_beat
        for instrument in p.instruments:
            sa = np.sort(a["sample"][a["instrument"] == instrument])
            sb = np.sort(b["sample"][b["instrument"] == instrument])
            assert len(sa) == len(sb) and np.abs(sa - sb).max() <= 0.01 * step_samples + 1, instrument


def test_auto_grid_tells_triplets_from_sixteenths(tmp_path):
    shuffle = gb.Pattern.from_grid({"ride": "x.x x.x x.x x.x", "snare": "... x.. ... x..", "kick": "x.. ..x x.. ..."},
                                   bpm=90, steps_per_beat=3, name="shuffle")
    straight = gb.Pattern.from_grid({"closed_hat": "x.x. x.x. x.x. x.xx", "kick": "x... ..x. x... ...."},
                                    bpm=90, name="straight")
    for p, spb in ((shuffle, 3), (straight, 4)):
        back = read_drum_midi(write_pattern_midi(p, tmp_path / f"{p.name}.mid")).patterns[0]
        assert back.steps_per_beat == spb
        assert [t.grid for t in back.tracks] == [p.track(t.instrument).grid for t in back.tracks]
    # Forcing a grid: the triplet shuffle on a 16th grid lands on the nearest 16ths.
    back = read_drum_midi(tmp_path / "shuffle.mid", grid=16).patterns[0]
    assert back.steps_per_beat == 4 and back.track("snare").grid == "....x.......x..."


def test_played_timing_quantises_and_keeps_its_feel_when_asked(tmp_path):
    p = gb.Pattern.from_grid({"closed_hat": "x" * 16, "snare": ".... x... .... x..."}, bpm=100)
    path = write_pattern_midi(p, tmp_path / "played.mid", humanize_ms=6, seed=1)
    back = read_drum_midi(path).patterns[0]
    assert back.track("closed_hat").grid == "x" * 16 and back.swing == 50
    assert not back.track("closed_hat").has_lanes
    loose = read_drum_midi(path, keep_timing=True).patterns[0]
    nudges = [s.nudge_pct for s in loose.track("closed_hat").steps]
    assert any(nudges) and all(abs(n) <= 50 for n in nudges)


@needs_reference
def test_real_groove_midi_file_imports_as_a_funk_groove():
    path = REFERENCE / "groove_midi_dataset" / "drummer1_eval_session_1_funk-groove1_138_beat_4-4.mid"
    result = read_drum_midi(path)
    p = result.patterns[0]
    assert (p.bpm, p.signature, p.steps_per_beat) == (138, (4, 4), 4)
    assert p.length_steps == 16 * 16  # the 27.9 s performance is 16 bars
    assert {"kick", "snare", "ride", "pedal_hat"} <= set(p.instruments)
    snare = p.track("snare").steps
    # The backbeat: most bars have a snare hit (not a ghost) on beat 2 or 4.
    backbeats = sum(1 for bar in range(16) for beat in (4, 12) if snare[bar * 16 + beat].hit in "xX")
    assert backbeats >= 20
    assert any(s.hit == "o" for s in snare)  # and ghost notes around it
    ride = p.track("ride").steps
    assert sum(1 for bar in range(16) for q in range(0, 16, 2) if ride[bar * 16 + q].is_hit) >= 100  # 8ths


@needs_reference
def test_hydrogen_midi_exports_import_alike():
    files = sorted((REFERENCE / "hydrogen_tests").glob("*.mid"))
    assert len(files) == 3
    grids = set()
    for f in files:
        p = read_drum_midi(f).patterns[0]
        grids.add(tuple((t.instrument, t.grid) for t in p.tracks))
    assert grids == {(("kick", "x.......x.x....."), ("snare", "....x.......x..."), ("closed_hat", "....x...x...x..."),
                      ("open_hat", "..x...x...x...x."), ("crash", "x..............."))}


def write_notes(path, notes, *, channel=9, ticks_per_beat=480, tempo_bpm=120):
    mid = mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat)
    tr = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm))])
    events = sorted([(t, 1, n) for t, n in notes] + [(t + 60, 0, n) for t, n in notes])
    now = 0
    for tick, on, note in events:
        kind = "note_on" if on else "note_off"
        tr.append(mido.Message(kind, channel=channel, note=note, velocity=100 * on, time=tick - now))
        now = tick
    mid.tracks.append(tr)
    mid.save(str(path))
    return path


def test_unmapped_notes_are_reported_by_name(tmp_path):
    path = write_notes(tmp_path / "x.mid", [(0, 36), (480, 38), (960, 58), (1440, 58), (1440, 36)])
    result = read_drum_midi(path)
    assert result.notes == ["unmapped notes skipped: 58 Vibraslap (2)"]
    assert [t.instrument for t in result.patterns[0].tracks] == ["kick", "snare"]
    with pytest.raises(DrumImportError, match="58 Vibraslap"):
        read_drum_midi(path, strict=True)


def test_import_command_and_its_errors(tmp_path, cli):
    out = tmp_path / "out"
    good = write_notes(tmp_path / "beat.mid", [(0, 36), (480, 38), (960, 36), (1440, 38), (1440, 58)])
    r = cli("import", good, "--out", out)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "groovebox: note: unmapped notes skipped: 58 Vibraslap (1)"
    p = gb.read_pattern(out / "beat.toml")
    assert (p.track("kick").grid, p.track("snare").grid) == ("x.......x.......", "....x.......x...")
    written = sorted(out.iterdir())

    piano = write_notes(tmp_path / "piano.mid", [(0, 60), (480, 64)], channel=0)
    truncated = tmp_path / "cut.mid"
    truncated.write_bytes(good.read_bytes()[:30])
    garbage = tmp_path / "junk.mid"
    garbage.write_bytes(b"this is not a midi file at all")
    odd = write_notes(tmp_path / "odd.mid", [(0, 20), (480, 21)])
    cases = {
        piano: "no drum notes on channel 10; notes are on channel 1 (2 notes) (read one as drums with --channel)",
        truncated: "not a readable MIDI file (it ends early: truncated?)",
        garbage: "not a readable MIDI file (MThd not found. Probably not a MIDI file)",
        odd: "no drum notes we can map on channel 10: 20 (no GM drum) (1), 21 (no GM drum) (1)",
    }
    for path, message in cases.items():
        r = cli("import", path, "--out", out)
        assert r.returncode == 2, (path, r.stdout)
        assert r.stderr == f"groovebox: error: {path}: {message}\n"
        assert sorted(out.iterdir()) == written  # nothing written, nothing half-written
    r = cli("import", good, "--out", out)
    assert r.returncode == 2 and "exists; use --force" in r.stderr
    r = cli("import", piano, "--out", out, "--channel", "1", "--force")
    assert r.returncode == 0, r.stderr  # C4 = 60 = bongo_high, E4 = 64 = conga_low
    assert [t.instrument for t in gb.read_pattern(out / "piano.toml").tracks] == ["conga_low", "bongo_high"]


def test_render_command_writes_midi(tmp_path, cli):
    out = tmp_path / "new" / "amen.mid"
    r = cli("render", "breaks/amen-break", "-o", out, "--swing", "55", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"wrote {out} (") and "GM drums on channel 10" in r.stdout
    p = library.load("breaks/amen-break")
    mid = mido.MidiFile(str(out))
    assert mid.length == pytest.approx(math.ceil(p.bars) * p.steps_per_bar * 60 / p.bpm / p.steps_per_beat, rel=1e-3)
    r = cli("render", "rock/straight-eighths", "-o", tmp_path / "x.mid", "--seconds", "3", "--bpm", "120")
    assert r.returncode == 0 and mido.MidiFile(str(tmp_path / "x.mid")).length == pytest.approx(3.0, abs=0.13)
    r = cli("render", "rock/straight-eighths", "-o", tmp_path / "y.mid", "--mute", "cowbell")
    assert r.returncode == 2 and not (tmp_path / "y.mid").exists()


def _mido_bytes(drums) -> bytes:
    """What mido writes for the drum track: the reference drum_midi_bytes must match."""
    import io

    mid = mido.MidiFile(type=0, ticks_per_beat=drums.ticks_per_beat)
    mid.tracks.append(drum_track(drums))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def test_drum_files_are_encoded_byte_for_byte_as_mido_writes_them():
    # Every library pattern (flams, ratchets, swing, odd meters, long notes), some humanized and
    # with a latin-1 name; dense ratchets give note-offs and note-ons on one tick (running status).
    patterns = library.all_patterns()
    assert len(patterns) > 100
    for i, p in enumerate(patterns):
        opts = RenderOptions(seed=i, humanize_ms=5.0 * (i % 3), humanize_velocity=0.1 * (i % 2), bars=1 + i % 3)
        drums = drum_notes(p, opts)
        if i % 10 == 0:
            drums = dataclasses.replace(drums, name=f"Café {drums.name}")
        assert drum_midi_bytes(drums) == _mido_bytes(drums), p.name
