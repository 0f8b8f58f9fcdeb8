"""Famous grooves as the records have them: every pattern of one recorded performance names the
published transcription it follows, and the corrected ones put kick and snare where it does.

A pattern names a record when it has a ``record`` field, lives in ``patterns/breaks/`` (every
break is one record's), or is a B part or fill of such a pattern (its name carries the
record's). Each must have a non-empty ``source``. A source that starts with "Not yet checked"
marks a pattern still written from listening; those are listed here, so a new one cannot slip
in unnoticed and a checked one must be taken off the list.

Grid positions below are steps counted from 1 (1 = the one, 2 = the e of 1, 3 = its and, 4 = its
a, 5 = beat 2, ...); multi-bar patterns continue counting (17 = the one of bar 2).
"""

from __future__ import annotations

import os

import pytest

from groovebox import library

UNCHECKED_PREFIX = "Not yet checked"
NOT_YET_CHECKED = {
    "breaks/apache", "breaks/soul-pride", "breaks/take-me-to-the-mardi-gras", "breaks/the-champ",
    "breaks/think", "breaks/walk-this-way", "funk/give-it-up-or-turnit-a-loose", "pop/be-my-baby",
    "pop/stomp-stomp-clap", "new-wave/sixteenth-kick-roll",
}  # fmt: skip


@pytest.fixture(scope="module")
def shipped():
    """The shipped library only, whatever GROOVEBOX_PATTERNS says."""
    old = os.environ.pop(library.ENV_VAR, None)
    library.clear_cache()
    yield {p.id: p for p in library.all_patterns()}
    if old is not None:
        os.environ[library.ENV_VAR] = old
    library.clear_cache()


def names_a_record(p, by_id) -> bool:
    if p.record or p.id.startswith("breaks/"):
        return True
    parent = by_id.get(p.variation_of) if p.variation_of else None
    return parent is not None and names_a_record(parent, by_id)


def test_every_pattern_naming_a_record_says_which_and_names_its_transcription(shipped):
    record_ids = sorted(pid for pid, p in shipped.items() if names_a_record(p, shipped))
    assert len(record_ids) >= 25, record_ids  # 15 breaks and the named records elsewhere
    for pid in record_ids:
        p = shipped[pid]
        assert p.record and p.record.strip(), f"{pid}: names a record but has no `record` field"
        assert p.source and p.source.strip(), f"{pid}: names a record but has no `source`"
    unchecked = {pid for pid in record_ids if shipped[pid].source.startswith(UNCHECKED_PREFIX)}
    assert unchecked == NOT_YET_CHECKED, (
        f"newly unchecked: {sorted(unchecked - NOT_YET_CHECKED)}; checked now (take off the list): "
        f"{sorted(NOT_YET_CHECKED - unchecked)}")


def hits(p, instrument, *, min_velocity=0.0) -> list[int]:
    """1-based steps where ``instrument`` plays at least ``min_velocity`` (0.5 leaves out ghosts)."""
    return [i + 1 for i, s in enumerate(p.track(instrument).steps) if s.is_hit and s.velocity >= min_velocity]


MAIN = 0.5  # hits and accents, not ghost notes


def test_impeach_the_president(shipped):
    # Pocket Operations, 'Impeach the President': kick 1, a of 2, 3, and of 4; snare 2 and 4;
    # the open hat on the and of 3 (it was on the and of 4, and the last kick on the and of 3).
    p = shipped["breaks/impeach-the-president"]
    assert hits(p, "kick") == [1, 8, 9, 15]
    assert hits(p, "snare") == [5, 13]
    assert hits(p, "open_hat") == [11]


def test_when_the_levee_breaks(shipped):
    # Pocket Operations, 'When the Levee Breaks': kick 1, e of 1, a of 2, and of 3, a of 3.
    p = shipped["breaks/when-the-levee-breaks"]
    assert hits(p, "kick") == [1, 2, 8, 11, 12]
    assert hits(p, "snare") == [5, 13]


def test_cold_sweat_displaces_the_backbeat_over_two_bars(shipped):
    # Pocket Operations, 'Cold Sweat' A and B: bar 1 kick 1, 3, and of 3, snare 2 and the AND of
    # 4 (not 4); bar 2 kick and of 1, 3, and of 3, and of 4, snare 2 and 4.
    p = shipped["funk/cold-sweat"]
    assert p.length_steps == 32
    assert hits(p, "kick") == [1, 9, 11, 19, 25, 27, 31]
    assert hits(p, "snare", min_velocity=MAIN) == [5, 15, 21, 29]
    # ghosts (Musician's Notepad): bar 1 the a of 2; bar 2 the e of 1, the a of 2, the e of 3
    assert [s for s in hits(p, "snare") if s not in (5, 15, 21, 29)] == [8, 18, 24, 26]


def test_superstition_is_four_on_the_floor(shipped):
    # Pocket Operations, 'Superstition': kick on every beat, snare 2 and 4.
    p = shipped["funk/superstition"]
    assert hits(p, "kick") == [1, 5, 9, 13]
    assert hits(p, "snare") == [5, 13]
    assert p.swing > 50  # Dyehouse Drumworks: a swung sixteenth hat


def test_planet_rock_a_and_b(shipped):
    # Pocket Operations, 'Planet Rock' A: kick 1 and the and of 2; B adds the and of 3 and the
    # e of 4; snare and hand-clap on 2 and 4 in both.
    a, b = shipped["electro/planet-rock"], shipped["electro/planet-rock-b"]
    assert hits(a, "kick") == [1, 7]
    assert hits(b, "kick") == [1, 7, 11, 14]
    for p in (a, b):
        assert hits(p, "snare") == [5, 13] and hits(p, "clap") == [5, 13]
        assert hits(p, "cowbell") == [1, 3, 5, 7, 8, 10, 12, 13, 15]


def test_the_go_go_beat(shipped):
    # Pocket Operations, 'Good to Go': kick 1, a of 1, and of 2, and of 3; snare 2 and 4.
    for pid in ("funk/go-go", "funk/go-go-b"):
        p = shipped[pid]
        assert hits(p, "kick") == [1, 4, 7, 11], pid
        assert hits(p, "snare") == [5, 13], pid


@pytest.mark.parametrize("pid, kick, snare", [
    # Pocket Operations, each pattern of the same name (snare: main hits, not ghosts).
    ("breaks/funky-drummer", [1, 3, 7, 11, 14], [5, 13]),
    ("breaks/its-a-new-day", [1, 3, 11, 12, 16], [5, 13]),
    ("breaks/the-big-beat", [1, 4, 7, 9], [5, 13]),
    ("breaks/ashleys-roachclip", [1, 3, 7, 9, 10], [5, 13]),
    ("breaks/funky-president", [1, 4, 8, 10, 11], [5, 13]),
    ("breaks/synthetic-substitution", [1, 3, 8, 10, 11, 12, 16], [5, 9]),
])  # fmt: skip
def test_breaks_from_the_book(shipped, pid, kick, snare):
    p = shipped[pid]
    assert hits(p, "kick") == kick
    assert hits(p, "snare", min_velocity=MAIN) == snare


def test_funky_drummer_ghost_notes(shipped):
    # Pocket Operations, 'The Funky Drummer': snare on a of 2, e of 3, a of 3, a of 4 besides
    # 2 and 4; open hats on the a of 2 and the e of 4.
    p = shipped["breaks/funky-drummer"]
    assert hits(p, "snare") == [5, 8, 10, 12, 13, 16]
    assert hits(p, "open_hat") == [8, 14]


def test_cissy_strut_four_bars(shipped):
    # Pocket Operations, 'Cissy Strut' A-D, one bar each.
    p = shipped["funk/cissy-strut"]
    assert p.length_steps == 64
    kick = [[1, 4, 6, 10, 12, 13, 15], [1, 4, 8, 10, 12, 13, 15], [1, 5, 8, 10, 12, 13, 15], [1, 5, 8, 10, 12, 13, 15]]
    snare = [[5, 8, 10, 11], [3, 6, 7, 9, 10], [3, 5, 6, 7, 10], [1, 3, 6, 9, 10]]
    assert hits(p, "kick") == [16 * bar + s for bar, steps in enumerate(kick) for s in steps]
    assert hits(p, "snare") == [16 * bar + s for bar, steps in enumerate(snare) for s in steps]


def test_amen_break(shipped):
    # Ethan Hein, 'Building the Amen break': bars 1-2 kick 1, and of 1, and and a of 3, snare 2
    # and 4; bars 3-4 delay the fourth-beat snare to the and of 4; bar 4 has no kick on its one
    # and a cymbal on the and of 3.
    p = shipped["breaks/amen-break"]
    kick, snare = hits(p, "kick"), hits(p, "snare", min_velocity=1.0)  # the accented backbeat
    assert [k for k in kick if k <= 32] == [1, 3, 11, 12, 17, 19, 27, 28]
    assert snare == [5, 13, 21, 29, 37, 47, 53, 63]
    assert 49 not in kick and hits(p, "crash") == [59]


def test_walk_this_way_opens_the_hat_on_the_one(shipped):
    # Bobby Owsinski on the isolated drum track: "The open hi-hat is on beat one".
    assert hits(shipped["breaks/walk-this-way"], "open_hat") == [1]


def test_billie_jean_is_the_money_beat_with_eighth_hats(shipped):
    # drumadiddle, Groove #3 'Billie Jean': Groove #1 (bass drum 1 and 3, snare 2 and 4) with
    # eighth notes on the hi-hat.
    p = shipped["pop/billie-jean"]
    assert hits(p, "kick") == [1, 9]
    assert hits(p, "snare") == [5, 13]
    assert hits(p, "closed_hat") == [1, 3, 5, 7, 9, 11, 13, 15]


def test_be_my_baby_drops_the_snare_on_two(shipped):
    # Hal Blaine (Billboard): the snare on the fourth beat only; The A.V. Club: three bass-drum beats,
    # then snare and tambourine together. (Where the kicks fall is not yet checked.)
    p = shipped["pop/be-my-baby"]
    kick = hits(p, "kick")
    assert len(kick) == 3 and kick[0] == 1 and max(kick) < 13
    assert hits(p, "snare") == [13]
    assert hits(p, "tambourine") == [13]
