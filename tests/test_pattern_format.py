"""The pattern file format: reading, writing, round trips and one clear error per bad input."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groovebox import Pattern, PatternError, Track
from groovebox.errors import PatternErrors
from groovebox.formats import pattern_toml
from groovebox.model.instruments import INSTRUMENTS
from groovebox.model.pattern import Step

GOOD = """\
name = "Test Groove"
genre = "funk"
bpm = 100
signature = "4/4"
steps_per_beat = 4
swing = 54
description = "A groove for tests."

[tracks]
kick       = "x.x. ..x. ..x. .x.."
closed_hat = "xxxx xxx. xxxx x.xx"

[tracks.snare]
grid    = ".... X..o .o.. X..o"
chance  = ".... .... .5.. ...."
ratchet = ".... .... .... ...3"
flam    = ".... f... .... ...."
nudge   = { 5 = -6, 13 = -6 }
gain_db = -1.5
pan     = 0.1
"""


def test_reads_every_field():
    p = pattern_toml.loads(GOOD, "good.toml")
    assert (p.name, p.genre, p.bpm, p.signature, p.steps_per_beat, p.swing) == (
        "Test Groove", "funk", 100.0, (4, 4), 4, 54.0)
    assert p.instruments == ("kick", "closed_hat", "snare")
    snare = p.track("snare")
    assert snare.grid == "....X..o.o..X..o"
    assert snare.steps[4] == Step("X", flam=True, nudge_pct=-6.0)
    assert snare.steps[9].chance_pct == 50.0
    assert snare.steps[15].ratchet == 3
    assert snare.steps[12].nudge_pct == -6.0
    assert (snare.gain_db, snare.pan) == (-1.5, 0.1)
    assert len(p.track("kick")) == 16


def test_round_trip_of_a_file():
    p = pattern_toml.loads(GOOD)
    text = pattern_toml.dumps(p)
    assert pattern_toml.loads(text) == p
    assert pattern_toml.dumps(pattern_toml.loads(text)) == text  # canonical form is stable


def test_record_and_source_are_read_written_and_optional():
    text = _edit('description = "A groove for tests."', 'description = "A groove for tests."\n'
                 'record = "The Testers, Test Groove (1971)"\n'
                 'source = "A Book of Beats (1999), pattern 12: kick and snare"')
    p = pattern_toml.loads(text)
    assert p.record == "The Testers, Test Groove (1971)"
    assert p.source == "A Book of Beats (1999), pattern 12: kick and snare"
    assert pattern_toml.loads(pattern_toml.dumps(p)) == p
    plain = pattern_toml.loads(GOOD)
    assert (plain.record, plain.source) == (None, None)
    assert "record" not in pattern_toml.dumps(plain) and "source" not in pattern_toml.dumps(plain)


def test_lane_on_a_rest_does_nothing_and_is_not_written():
    t = Track.from_grid("kick", "x...", ratchet="..3.")
    assert t.steps[2] == Step(".")
    assert not t.has_lanes


def test_from_grid_is_notebook_friendly():
    p = Pattern.from_grid({"kick": "x...x...", "snare": "....x..."}, bpm=120)
    assert p.length_steps == 8 and p.bars == 0.5 and p.steps_per_bar == 16


@pytest.mark.parametrize(
    "signature, spb, beats, steps",
    [("4/4", 4, 4, 16), ("3/4", 4, 3, 12), ("12/8", 3, 4, 12), ("6/8", 3, 2, 6), ("7/8", 2, 7, 14),
     ("5/4", 4, 5, 20)],
)
def test_bar_length_follows_the_signature(signature, spb, beats, steps):
    p = Pattern.from_grid({"kick": "x"}, signature=signature, steps_per_beat=spb)
    assert (p.beats_per_bar, p.steps_per_bar) == (beats, steps)


# -- property test ------------------------------------------------------------------------------
_hits = st.sampled_from(".xXo")


@st.composite
def steps(draw):
    hit = draw(_hits)
    if hit == ".":
        return Step(".")
    return Step(
        hit,
        chance_pct=draw(st.one_of(st.just(100.0), st.sampled_from([10.0, 50.0, 90.0]),
                                  st.floats(0.5, 100.0, allow_nan=False))),
        ratchet=draw(st.integers(1, 16)),
        flam=draw(st.booleans()),
        nudge_pct=draw(st.one_of(st.just(0.0), st.floats(-50.0, 50.0, allow_nan=False))),
    )


@st.composite
def patterns(draw):
    instruments = draw(st.lists(st.sampled_from(INSTRUMENTS), min_size=1, max_size=6, unique=True))
    tracks = tuple(
        Track(
            name,
            tuple(draw(st.lists(steps(), min_size=1, max_size=40))),
            gain_db=draw(st.one_of(st.just(0.0), st.floats(-60.0, 12.0, allow_nan=False))),
            pan=draw(st.one_of(st.just(0.0), st.floats(-1.0, 1.0, allow_nan=False))),
        )
        for name in instruments
    )
    text = st.text(alphabet=string.ascii_letters + string.digits + " -'\"\\é/", min_size=1, max_size=30)
    return Pattern(
        name=draw(text.filter(str.strip)),
        genre=draw(st.sampled_from(["rock", "funk", "latin", ""])),
        bpm=draw(st.one_of(st.integers(20, 400), st.floats(20.0, 400.0, allow_nan=False))),
        signature=draw(st.sampled_from(["4/4", "3/4", "12/8", "7/8", "5/4", "6/8"])),
        steps_per_beat=draw(st.integers(1, 16)),
        swing=draw(st.one_of(st.integers(50, 75), st.floats(50.0, 75.0, allow_nan=False))),
        description=draw(text),
        tags=tuple(draw(st.lists(text, max_size=3))),
        kit=draw(st.one_of(st.none(), st.sampled_from(["808", "909"]))),
        record=draw(st.one_of(st.none(), text.filter(str.strip))),
        source=draw(st.one_of(st.none(), text.filter(str.strip))),
        tracks=tracks,
    )


@settings(max_examples=150, deadline=None)
@given(patterns())
def test_random_patterns_round_trip(p):
    p = p.replace(description=p.description.strip() or "x")
    assert pattern_toml.loads(pattern_toml.dumps(p)) == p


# -- malformed inputs ---------------------------------------------------------------------------
def _edit(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BAD = [
    # (id, text, expected line, field, words in the message)
    ("bad grid char", _edit('kick       = "x.x.', 'kick       = "x.y.'), 10, "tracks.kick", "'y' at step 3"),
    ("unknown instrument", _edit("kick       =", "kik        ="), 10, "tracks.kik", "did you mean 'kick'"),
    ("bpm zero", _edit("bpm = 100", "bpm = 0"), 3, "bpm", "out of range"),
    ("bpm negative", _edit("bpm = 100", "bpm = -90"), 3, "bpm", "out of range"),
    ("bpm string", _edit("bpm = 100", 'bpm = "fast"'), 3, "bpm", "got a string"),
    ("no tracks table", GOOD.split("[tracks]")[0], 1, "tracks", "missing [tracks] table"),
    ("signature typo", _edit('signature = "4/4"', 'signature = "4-4"'), 4, "signature", "not a time signature"),
    ("signature bad denominator", _edit('signature = "4/4"', 'signature = "4/5"'), 4, "signature", "denominator"),
    ("steps_per_beat float", _edit("steps_per_beat = 4", "steps_per_beat = 2.5"), 5, "steps_per_beat", "whole number"),
    ("swing out of range", _edit("swing = 54", "swing = 90"), 6, "swing", "out of range"),
    ("swing below 50", _edit("swing = 54", "swing = 20"), 6, "swing", "out of range"),
    ("broken toml", _edit("[tracks]\n", "[tracks\n"), 9, None, "not valid TOML"),
    ("empty track", _edit('kick       = "x.x. ..x. ..x. .x.."', 'kick       = "  "'), 10, "tracks.kick", "empty grid"),
    ("no tracks", GOOD.split("[tracks]")[0] + "[tracks]\n", 9, "tracks", "no tracks"),
    ("lane length", _edit('chance  = ".... .... .5.. ...."', 'chance  = ".... .5.."'), 15, "tracks.snare.chance", "8 steps but the grid has 16"),
    ("lane char", _edit('ratchet = ".... .... .... ...3"', 'ratchet = ".... .... .... ...1"'), 16, "tracks.snare.ratchet", "'1' at step 16"),
    ("nudge out of range", _edit("nudge   = { 5 = -6", "nudge   = { 5 = -60"), 18, "tracks.snare.nudge.5", "out of range"),
    ("nudge bad step", _edit("nudge   = { 5 = -6", "nudge   = { 17 = -6"), 18, "tracks.snare.nudge.17", "step number 1..16"),
    ("pan out of range", _edit("pan     = 0.1", "pan     = 3"), 20, "tracks.snare.pan", "out of range"),
    ("unknown header field", _edit("swing = 54", "swing = 54\nswng = 60"), 7, "swng", "did you mean 'swing'"),
    ("unknown track key", _edit("gain_db = -1.5", "gain = -1.5"), 19, "tracks.snare.gain", "unknown key"),
    ("empty description", _edit('description = "A groove for tests."', 'description = "  "'), 7, "description", "empty description"),
    ("empty source", _edit("swing = 54", 'swing = 54\nsource = " "'), 7, "source", "empty source"),
    ("record is a number", _edit("swing = 54", "swing = 54\nrecord = 1969"), 7, "record", "expected a string"),
    ("grid is a number", _edit('kick       = "x.x. ..x. ..x. .x.."', "kick       = 5"), 10, "tracks.kick", "grid string"),
]


@pytest.mark.parametrize("text, line, field, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_malformed_input_names_file_line_and_field(text, line, field, words):
    with pytest.raises(PatternError) as info:
        pattern_toml.loads(text, "patterns/x/bad.toml")
    err = info.value
    msg = str(err)
    assert "\n" not in msg
    assert msg.startswith(f"patterns/x/bad.toml:{line}:")
    assert err.line == line and err.column is not None
    assert err.field == field
    if field:
        assert f"field '{field}'" in msg
    assert words in msg


def test_only_tracks_are_required_the_rest_has_defaults():
    p = pattern_toml.loads('[tracks]\nkick = "x... x..."\nsnare = ".... x..."\n', "my-patterns/my-groove.toml")
    assert (p.name, p.genre, p.bpm, p.signature, p.steps_per_beat, p.swing, p.description) == (
        "My Groove", "mine", 120.0, (4, 4), 4, 50.0, "")
    # in a library folder the id names the genre
    p = pattern_toml.loads('[tracks]\nkick = "x..."\n', "x.toml", pattern_id="funk/late_night")
    assert (p.name, p.genre) == ("Late Night", "funk")
    # and a default round-trips like any value
    assert pattern_toml.loads(pattern_toml.dumps(p)) == p


def test_every_problem_in_a_file_is_reported_at_once():
    text = _edit("bpm = 100", "bpm = 0")
    text = text.replace("swing = 54", "swing = 90\nswng = 3")
    text = text.replace('kick       = "x.x.', 'kick       = "x.y.')
    with pytest.raises(PatternErrors) as info:
        pattern_toml.loads(text, "patterns/x/bad.toml")
    err = info.value
    lines = str(err).splitlines()
    assert lines[0] == "patterns/x/bad.toml: 4 problems"
    assert [e.field for e in err.errors] == ["bpm", "swing", "swng", "tracks.kick"]  # in file order
    assert all(line.startswith("  patterns/x/bad.toml:") for line in lines[1:])
    assert "out of range" in lines[1] and "did you mean 'swing'" in lines[3] and "'y' at step 3" in lines[4]
    assert (err.line, err.field) == (3, "bpm")  # the first problem's place, like a single error


def test_a_file_of_bad_lines_is_reported_in_a_screenful():
    text = "[tracks]\n" + "".join(f'drum{i} = "x..."\n' for i in range(300))
    with pytest.raises(PatternErrors) as info:
        pattern_toml.loads(text, "many.toml")
    lines = str(info.value).splitlines()
    assert lines[0] == "many.toml: 300 problems"
    assert len(lines) == PatternErrors.MAX_SHOWN + 2 and lines[-1] == f"  ... and {300 - PatternErrors.MAX_SHOWN} more"
    assert len(info.value.errors) == 300  # all of them, for a program to read


def test_column_points_at_the_bad_character():
    text = _edit('kick       = "x.x.', 'kick       = "x.y.')
    with pytest.raises(PatternError) as info:
        pattern_toml.loads(text, "bad.toml")
    line = text.splitlines()[info.value.line - 1]
    assert line[info.value.column - 1] == "y"


def test_not_utf8(tmp_path):
    f = tmp_path / "x.toml"
    f.write_bytes(GOOD.encode() + b"\n# \xff\xfe\n")
    with pytest.raises(PatternError, match=r"x.toml:22: not UTF-8"):
        pattern_toml.load(f)


@pytest.mark.parametrize("text, line, field, words", [BAD[0][1:], BAD[2][1:], BAD[12][1:]],
                         ids=["grid", "bpm", "toml"])
def test_cli_prints_one_line_and_exits_2(tmp_path, cli, text, line, field, words):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    out = tmp_path / "out.wav"
    r = cli("render", f, "-o", out)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and f"bad.toml:{line}:" in lines[0] and words in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == [f]
