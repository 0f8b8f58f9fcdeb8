"""Hydrogen patterns and songs as groovebox patterns: the right hits on the right steps.

The small XML files here were written for these tests, in the current namespaced format and
the old 0.9.x one, straight and triplet. Real files are read from the Debian package
hydrogen-data (demo songs) and from /work/shared/reference when those are present.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import groovebox as gb
from groovebox.formats.hydrogen import HydrogenError, read_hydrogen

DEMO_SONGS = Path("/usr/share/hydrogen/data/demo_songs")
REFERENCE = Path("/work/shared/reference/hydrogen")
needs_demo = pytest.mark.skipif(not DEMO_SONGS.is_dir(), reason="hydrogen-data (demo songs) is not installed")
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="reference Hydrogen files are not on this machine")


def note(pos, instrument, velocity=0.8, *, type_=None, leadlag=0.0, probability=1.0, note_off=False):
    t = f"<type>{type_}</type>" if type_ else ""
    return (f"<note><position>{pos}</position><leadlag>{leadlag}</leadlag><velocity>{velocity}</velocity>"
            f"<pan>0</pan><key>C0</key><length>-1</length><instrument>{instrument}</instrument>{t}"
            f"<note_off>{'true' if note_off else 'false'}</note_off><probability>{probability}</probability></note>")


def legacy_note(pos, instrument, velocity=0.8):
    return (f"<note><position>{pos}</position><leadlag>0</leadlag><velocity>{velocity}</velocity>"
            f"<pan_L>0.5</pan_L><pan_R>0.5</pan_R><pitch>0</pitch><key>C0</key><length>-1</length>"
            f"<instrument>{instrument}</instrument></note>")


def h2pattern(name, size, notes, *, kit="GMRockKit", denominator=4):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<drumkit_pattern xmlns="http://www.hydrogen-music.org/drumkit_pattern" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"<drumkit_name>{kit}</drumkit_name><pattern><formatVersion>2</formatVersion>"
            f"<name>{name}</name><author>groovebox tests</author><info>written for the tests</info>"
            f"<license>CC0</license><size>{size}</size><denominator>{denominator}</denominator>"
            f"<tags><tag>Test</tag></tags><noteList>{''.join(notes)}</noteList></pattern></drumkit_pattern>\n")


def legacy_h2pattern(name, size, notes, kit="GMRockKit"):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<drumkit_pattern>'
            f"<pattern_for_drumkit>{kit}</pattern_for_drumkit><pattern><pattern_name>{name}</pattern_name>"
            f"<category>test</category><size>{size}</size><noteList>{''.join(notes)}</noteList>"
            f"</pattern></drumkit_pattern>\n")


# GMRockKit ids: 0 Kick, 2 Snare, 6 Hat Closed, 8 Hat Pedal, 10 Hat Open, 12 Ride
STRAIGHT = [note(0, 0, type_="Kick"), note(96, 0, type_="Kick"), note(120, 0, 0.5, type_="Kick"),
            note(48, 2, 0.9, type_="Snare"), note(144, 2, 0.95, type_="Snare"), note(180, 2, 0.3, type_="Snare"),
            *[note(p, 6, type_="Hi-hat Closed") for p in range(0, 192, 24)],
            note(168, 10, type_="Hi-hat Open")]
STRAIGHT_GRIDS = {"kick": "x.......x.o.....", "snare": "....X.......X..o",
                  "closed_hat": "x.x.x.x.x.x.x.x.", "open_hat": "..............x."}
# A shuffle transcribed one 12-tick step per triplet eighth: 144 ticks, but a 4/4 bar.
SHUFFLE = [*[note(p, 12, type_="Ride Bow") for p in (0, 24, 36, 60, 72, 96, 108, 132)],
           note(0, 0, type_="Kick"), note(60, 0, type_="Kick"), note(72, 0, type_="Kick"),
           note(36, 2, type_="Snare"), note(108, 2, type_="Snare")]
SHUFFLE_GRIDS = {"kick": "x....xx.....", "snare": "...x.....x..", "ride": "x.xx.xx.xx.x"}
# A waltz on the same 144 ticks: its notes sit on quarter-note beats, so it stays 3/4.
WALTZ_AT = [(0, 0), (48, 2), (96, 2), (48, 8), (96, 8), (0, 12), (48, 12), (96, 12)]
WALTZ = [note(p, i) for p, i in WALTZ_AT]
WALTZ_GRIDS = {"kick": "x...........", "snare": "....x...x...", "pedal_hat": "....x...x...", "ride": "x...x...x..."}
# Real triplets: Hydrogen's own triplet grid is 16 ticks (a 192-tick bar of 12 triplet 8ths).
TRIPLETS = [note(p, 6) for p in range(0, 192, 16)] + [note(0, 0), note(80, 0), note(48, 2), note(144, 2)]
TRIPLET_GRIDS = {"kick": "x....x......", "snare": "...x.....x..", "closed_hat": "x" * 12}


def grids(p):
    return {t.instrument: t.grid for t in p.tracks}


@pytest.mark.parametrize("text, signature, spb, expected", [
    (h2pattern("Straight", 192, STRAIGHT), (4, 4), 4, STRAIGHT_GRIDS),
    (legacy_h2pattern("Straight", 192, [legacy_note(n[0], n[1], n[2]) for n in [
        (0, 0, 0.8), (96, 0, 0.8), (120, 0, 0.5), (48, 2, 0.9), (144, 2, 0.95), (180, 2, 0.3),
        *[(p, 6, 0.8) for p in range(0, 192, 24)], (168, 10, 0.8)]]), (4, 4), 4, STRAIGHT_GRIDS),
    (h2pattern("Shuffle", 144, SHUFFLE), (4, 4), 3, SHUFFLE_GRIDS),
    (legacy_h2pattern("Shuffle", 144, [legacy_note(p, i) for p, i in [
        (0, 12), (24, 12), (36, 12), (60, 12), (72, 12), (96, 12), (108, 12), (132, 12),
        (0, 0), (60, 0), (72, 0), (36, 2), (108, 2)]]), (4, 4), 3, SHUFFLE_GRIDS),
    (h2pattern("Waltz", 144, WALTZ), (3, 4), 4, WALTZ_GRIDS),
    (legacy_h2pattern("Waltz", 144, [legacy_note(p, i) for p, i in WALTZ_AT]), (3, 4), 4, WALTZ_GRIDS),
    (h2pattern("Triplets", 192, TRIPLETS), (4, 4), 3, TRIPLET_GRIDS),
], ids=["straight", "straight-0.9", "shuffle-144", "shuffle-144-0.9", "waltz-144", "waltz-144-0.9", "triplets-192"])
def test_pattern_files_give_the_right_hits_on_the_right_steps(tmp_path, text, signature, spb, expected):
    path = tmp_path / "x.h2pattern"
    path.write_text(text)
    result = read_hydrogen(path)
    (p,) = result.patterns
    assert (p.signature, p.steps_per_beat, p.length_steps) == (signature, spb, 12 if spb == 3 or signature == (3, 4) else 16)
    assert grids(p) == expected
    assert p.bpm == 120 and "a Hydrogen pattern file has no tempo; set to 120 bpm" in result.notes


def test_lead_lag_probability_and_note_off(tmp_path):
    notes = [note(0, 0), note(48, 2, leadlag=-0.6), note(144, 2, probability=0.5), note(96, 0, note_off=True),
             note(24, 6, 0.8, probability=0.0)]
    path = tmp_path / "x.h2pattern"
    path.write_text(h2pattern("Feel", 192, notes))
    (p,) = read_hydrogen(path).patterns
    assert grids(p) == {"kick": "x" + "." * 15, "snare": "....x.......x..."}  # note-off and p=0 notes dropped
    snare = p.track("snare").steps
    assert snare[4].nudge_pct == -25  # 0.6 x 5 ticks early = 3 of a 16th's 12 ticks
    assert snare[12].chance_pct == 50


def test_silent_and_doubled_notes_are_reported_not_lost(tmp_path):
    # The situation of Hydrogen's own test pattern, written here by hand: a 192-tick bar with a
    # note-off on the kick at tick 84 (Hydrogen's sampler releases the kick there and plays
    # nothing), a note-off on the snare, two identical rim notes on one tick, and sounding kicks
    # on both sides of tick 84 (72 is a sixteenth earlier, 96 one later).
    notes = [note(0, 0, type_="Kick"), note(72, 0, type_="Kick"), note(84, 0, type_="Kick", note_off=True),
             note(96, 0, type_="Kick"), note(48, 2, type_="Snare"), note(60, 2, type_="Snare", note_off=True),
             note(72, 1, type_="Stick"), note(72, 1, type_="Stick"), note(24, 6, probability=0.0)]
    path = tmp_path / "offs.h2pattern"
    path.write_text(h2pattern("Offs", 192, notes))
    result = read_hydrogen(path)
    (p,) = result.patterns
    assert grids(p) == {"kick": "x.....x.x.......", "snare": "....x...........", "rim": "......x........."}
    assert ("'Offs': 3 silent note(s) not imported (Hydrogen plays no sound for them): note-off 'Kick' at "
            "tick 84, note-off 'Snare' at tick 60, 'Hat Closed' at tick 24 (probability 0)") in result.notes
    assert "'Offs': notes of one instrument on one tick played as one hit: rim at tick 72 (x2)" in result.notes


def song(patterns, *, swing=0.4, bpm=96, legacy=False):
    instruments = "".join(f"<instrument><id>{i}</id><name>{n}</name><volume>1</volume></instrument>"
                          for i, n in enumerate(["Bass Drum", "Snare Rimshot", "Laser Zap", "Hat Closed"]))
    plist = ""
    for name, notes in patterns:
        if legacy:
            body = "<sequenceList>" + "".join(f"<sequence><noteList>{legacy_note(p, i)}</noteList></sequence>"
                                              for p, i in notes) + "</sequenceList>"
        else:
            body = "<noteList>" + "".join(note(p, i) for p, i in notes) + "</noteList>"
        plist += f"<pattern><name>{name}</name><size>192</size>{'' if legacy else '<denominator>4</denominator>'}{body}</pattern>"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<song><version>{"0.9.3" if legacy else "1.2.0"}</version>'
            f"<bpm>{bpm}</bpm><name>Test Song</name><author>groovebox tests</author>"
            f"<swing_factor>{swing}</swing_factor><instrumentList>{instruments}</instrumentList>"
            f"<patternList>{plist}</patternList><patternSequence><group><patternID>{patterns[0][0]}</patternID>"
            f"</group></patternSequence></song>\n")


@pytest.mark.parametrize("legacy", [False, True], ids=["1.2", "0.9.3"])
def test_song_gives_one_pattern_per_pattern_named_after_the_song(tmp_path, legacy):
    verse = [(0, 0), (96, 0), (48, 1), (144, 1), *[(p, 3) for p in range(0, 192, 24)], (36, 3), (60, 2)]
    fill = [(0, 0), (48, 1), (60, 1), (72, 1), (84, 1)]
    path = tmp_path / "song.h2song"
    path.write_text(song([("verse", verse), ("empty", []), ("fill", fill)], legacy=legacy))
    result = read_hydrogen(path)
    assert [p.name for p in result.patterns] == ["Test Song: verse", "Test Song: fill"]
    v, f = result.patterns
    assert grids(v) == {"kick": "x.......x.......", "snare": "....x.......x...", "closed_hat": "x.xxx.x.x.x.x.x."}
    assert grids(f) == {"kick": "x" + "." * 15, "snare": "....xxxx........"}
    assert v.bpm == 96 and v.swing == 60  # Hydrogen swing 0.4 delays off-beat 16ths by 0.4 x 6 ticks
    assert result.notes == ["1 empty pattern(s) skipped", "unmapped instruments skipped: 'Laser Zap' (1)"]
    with pytest.raises(HydrogenError, match="instruments with no match here: 'Laser Zap' \\(1\\)"):
        read_hydrogen(path, strict=True)


def test_import_command_writes_one_file_per_pattern(tmp_path, cli):
    path = tmp_path / "my song.h2song"
    path.write_text(song([("A", [(0, 0), (48, 1)]), ("B", [(0, 0), (96, 0)])], swing=0))
    out = tmp_path / "out"
    r = cli("import", path, "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(f.name for f in out.iterdir()) == ["test-song-a.toml", "test-song-b.toml"]
    a = gb.read_pattern(out / "test-song-a.toml")
    assert a.name == "Test Song: A" and a.genre == "imported" and "Test Song" in a.description


@pytest.mark.parametrize("text, message", [
    ("<song><bpm>120</bpm><patternList><pattern><name>x</name>", "not valid Hydrogen XML (no element found; truncated?)"),
    ("<drumkit_info><name>k</name></drumkit_info>", "<drumkit_info> is not a Hydrogen pattern or song"),
    (h2pattern("x", 192, [note(0, 40)]), "instruments with no match here: 'instrument id 40' (1)"),
    (h2pattern("x", 192, [note(0, 0, type_="Gong of Doom")]), "instruments with no match here: 'Gong of Doom' (1)"),
    (h2pattern("x", 192, []), "no notes to import"),
    (h2pattern("x", 192, [note("a", 0)]), "<position> 'a' is not a number"),
    ("<song><bpm>120</bpm></song>", "no <patternList> in this Hydrogen song"),
], ids=["truncated", "wrong-root", "unknown-id", "unknown-name", "empty", "bad-number", "no-patterns"])
def test_bad_files_are_one_line_and_write_nothing(tmp_path, cli, text, message):
    path = tmp_path / "bad.h2pattern"
    path.write_text(text)
    out = tmp_path / "out"
    r = cli("import", path, "--out", out)
    assert r.returncode == 2
    assert r.stderr.startswith(f"groovebox: error: {path}") and r.stderr.count("\n") == 1
    assert message in r.stderr, r.stderr
    assert not out.exists()


@needs_demo
def test_every_demo_song_imports():
    songs = sorted(DEMO_SONGS.glob("*.h2song"))
    assert songs
    for path in songs:
        result = read_hydrogen(path)
        assert result.patterns, path
        for p in result.patterns:
            assert p.signature == (4, 4) and p.length_steps == 16 and p.steps_per_beat == 4, (path, p)
            assert not any("unmapped" in n for n in result.notes), result.notes


@needs_demo
def test_tr808_demo_pattern_hit_by_hit():
    result = read_hydrogen(DEMO_SONGS / "TR808kit-demo.h2song")
    assert len(result.patterns) == 3 and result.notes == ["7 empty pattern(s) skipped"]
    p = result.patterns[0]
    assert (p.name, p.bpm, p.swing) == ("TR-808 Emulation Kit demo: Pattern 1", 125, 50)
    # Positions in the file (48 per quarter): kick 0 24 84 111 120 135; 111 and 135 sit a
    # 64th (3 ticks) late, which stays as a +25 % nudge.
    assert grids(p) == {"kick": "x.x....x.xxx....", "snare": "....x.......x...", "closed_hat": "..x...x...x.....",
                        "pedal_hat": "x...x...x...x...", "open_hat": "..............x.",
                        "cowbell": "............o..o", "clave": "..o..o..o..o....", "shaker": "..o...oo..o...oo"}
    assert [(i, s.nudge_pct) for i, s in enumerate(p.track("kick").steps) if s.nudge_pct] == [(9, 25), (11, 25)]
    jazzy = read_hydrogen(DEMO_SONGS / "GM_kit_Jazzy.h2song").patterns
    assert [p.swing for p in jazzy] == [61, 61, 61]  # swing_factor 0.44


@needs_reference
def test_reference_pattern_files():
    bardet = REFERENCE / "patterns" / "bardet260"
    for name in ("shuffle-1", "swing-1", "jazz-1"):
        (p,) = read_hydrogen(bardet / f"{name}.h2pattern").patterns
        assert (p.signature, p.steps_per_beat, p.length_steps) == ((4, 4), 3, 12), name
        assert p.track("snare").grid in ("...x.....x..", "...X.....X..", "...x.......x"), name
    (waltz,) = read_hydrogen(bardet / "waltz-1.h2pattern").patterns
    assert (waltz.signature, waltz.steps_per_beat) == ((3, 4), 4)
    (blues,) = read_hydrogen(bardet / "blues-1.h2pattern").patterns  # Hydrogen's own 16-tick triplets
    assert (blues.signature, blues.steps_per_beat, blues.length_steps) == ((4, 4), 3, 12)
    (rock,) = read_hydrogen(bardet / "rock-01.h2pattern").patterns
    assert rock.track("snare").grid == "....x.......x..." and rock.track("closed_hat").grid == "X.x.X.x.x.x.X.x."
    legacy = read_hydrogen(REFERENCE / "patterns" / "hydrogen_tests" / "legacy_pattern.h2pattern")
    assert "drumkit 'Millo-Drums_v.1' is not installed; instrument ids read as GMRockKit's" in legacy.notes
    with pytest.raises(HydrogenError, match="instrument id 18"):
        read_hydrogen(REFERENCE / "patterns" / "hydrogen_tests" / "legacyImport.h2pattern")
    (old,) = read_hydrogen(REFERENCE / "songs" / "legacy_test_song_0.9.3.h2song").patterns
    assert old.bpm == 139 and old.signature == (6, 4) and old.length_steps == 24


@needs_reference
def test_hydrogen_own_test_pattern_accounts_for_all_20_notes():
    """Hydrogen's src/tests/data/pattern/pattern.h2pattern: 20 <note>s. 17 distinct hits land on
    their own sixteenth (12 ticks a step), the two rim notes at tick 72 are one hit, and the
    kick at tick 84 and the snare at 72 are note-offs (``<note_off>true``), which Hydrogen's
    sampler never plays: they are named in the remarks instead of silently vanishing."""
    path = REFERENCE / "patterns" / "hydrogen_tests" / "pattern.h2pattern"
    result = read_hydrogen(path)
    (p,) = result.patterns
    assert (p.signature, p.steps_per_beat, p.length_steps) == ((4, 4), 4, 16)
    # kick ticks 0 36 48 96 156, snare 24 96 132, stick 0 72 132 144, clap 24 36 108 120 168;
    # velocities 0.42, 0.5 and 0.54 are ghosts, 0.98 an accent.
    assert grids(p) == {"kick": "x..oo...x....x..", "snare": "..X.....x..x....",
                        "rim": "x.....x....ox...", "clap": "..xx.....ox...x."}
    assert sum(s.is_hit for t in p.tracks for s in t.steps) == 17
    assert ("'pat': 2 silent note(s) not imported (Hydrogen plays no sound for them): "
            "note-off 'Snare' at tick 72, note-off 'Kick' at tick 84") in result.notes
    assert "'pat': notes of one instrument on one tick played as one hit: rim at tick 72 (x2)" in result.notes
