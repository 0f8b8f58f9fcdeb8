"""The seeded Markov progression generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import groovebox.generators.progressions as gp
from groovebox.generators.progressions import STYLES, generate_progression, style_table
from groovebox.harmony import chord_origin, roman, scale

# style -> keys to try (each style's table covers these modes)
STYLE_KEYS = {
    "pop": ["C", "Eb", "a", "f#"],
    "jazz": ["F", "Bb", "c"],
    "modal": ["D dorian", "G mixolydian", "F lydian", "E aeolian"],
    "minor_ballad": ["d", "g#"],
    "ambient": ["D", "e"],
    "bach": ["G", "b"],
}


def test_every_style_is_covered():
    assert set(STYLE_KEYS) == set(STYLES)


@pytest.mark.parametrize("style", STYLES)
def test_same_seed_same_chords_other_seeds_other_chords(style):
    a = generate_progression(style, bars=16, seed=11)
    b = generate_progression(style, bars=16, seed=11)
    assert a == b
    assert [c.pitches for c in a.chords] == [c.pitches for c in b.chords]
    others = {generate_progression(style, bars=16, seed=s).figures for s in range(6)}
    assert len(others) > 1


@pytest.mark.parametrize("style", STYLES)
def test_every_chord_is_in_the_key_or_a_named_borrowing(style):
    for key in STYLE_KEYS[style]:
        for seed in range(4):
            p = generate_progression(style, bars=16, key=key, seed=seed, cadence=bool(seed % 2))
            for c in p.chords:
                origin = chord_origin(c, p.key)
                assert origin != "chromatic", (style, key, c.figure)
                if origin == "diatonic":
                    allowed = set(scale(p.key).pitch_classes)
                    if p.key.endswith(" minor"):  # raised 6th and 7th
                        allowed |= {
                            (scale(p.key).tonic_pc + 9) % 12,
                            (scale(p.key).tonic_pc + 11) % 12,
                        }
                    assert c.pitch_classes <= allowed


@pytest.mark.parametrize("style", STYLES)
def test_without_cadences_every_move_is_an_edge_of_the_table(style):
    key = STYLE_KEYS[style][0]
    table = style_table(style, key)
    for seed in range(5):
        p = generate_progression(style, bars=16, key=key, seed=seed, cadence=False)
        assert p.figures[0] in table.start
        for a, b in zip(p.figures, p.figures[1:], strict=False):
            assert table.transitions[a].get(b, 0) > 0, (a, b)


def _roots(p):
    tonic = scale(p.key).tonic_pc
    return [(c.root - tonic) % 12 for c in p.chords]


@pytest.mark.parametrize(
    ("style", "key"),
    [("pop", "C"), ("pop", "a"), ("jazz", "Bb"), ("minor_ballad", "e"), ("bach", "G")],
)
def test_cadences_at_the_end_when_asked(style, key):
    for seed in range(5):
        auth = _roots(generate_progression(style, bars=8, key=key, seed=seed, cadence="authentic"))
        assert auth[-2:] == [7, 0]  # dominant to tonic
        plag = _roots(generate_progression(style, bars=8, key=key, seed=seed, cadence="plagal"))
        assert plag[-2:] == [5, 0]  # subdominant to tonic
        half = _roots(generate_progression(style, bars=8, key=key, seed=seed, cadence="half"))
        assert half[-1] == 7


def test_cadence_true_makes_a_period_half_then_authentic():
    for seed in range(5):
        p = generate_progression("pop", bars=8, key="F", seed=seed, cadence=True, phrase_bars=4)
        roots = _roots(p)
        assert roots[3] == 7  # antecedent ends on V
        assert roots[-2:] == [7, 0]  # consequent ends V-I
        assert p.chords[-1].quality == "major"


def test_modal_cadence_uses_the_modes_own_chords():
    p = generate_progression("modal", bars=8, key="D dorian", seed=2, cadence="authentic")
    assert p.figures[-2:] == ("v", "i")
    assert p.chords[-1].pitch_classes == roman("i", "D dorian").pitch_classes


def test_phrase_and_harmonic_rhythm():
    p = generate_progression("pop", bars=12, key="G", seed=4, bars_per_chord=1, phrase_bars=4)
    assert len(p.chords) == 12 and p.length_beats == 48
    assert [_roots(p)[i] for i in (3, 7)] == [7, 7]  # half cadences end each inner phrase
    q = generate_progression("jazz", bars=4, seed=1, bars_per_chord=0.5)
    assert len(q.chords) == 8 and set(q.durations_beats) == {2}
    w = generate_progression("pop", bars=4, signature="3/4", seed=0)
    assert w.length_beats == 12


def test_style_defaults():
    amb = generate_progression("ambient", bars=8, seed=0)
    assert amb.key == "D major" and set(amb.durations_beats) == {8}
    assert generate_progression("modal", bars=4, seed=0).key == "D dorian"
    assert (
        generate_progression("jazz-ii-V", bars=4, seed=0).figures[0]
        in style_table("jazz", "F").start
    )


def test_bach_table_is_learned_data_with_provenance():
    doc = json.loads((Path(gp.__file__).parent / "data" / "bach_chorales.json").read_text("utf-8"))
    assert "harmony/bach_table.py" in doc["about"]
    for mode, key in (("major", "C"), ("minor", "a")):
        table = doc[mode]
        assert table["chorales"] > 100
        top = max(table["transitions"][next(iter(table["start"]))].items(), key=lambda kv: kv[1])
        assert top[0] in ("V", "V7")  # Bach's tonic goes to the dominant most often
        for a, row in table["transitions"].items():
            assert row, a  # no dead ends
            for b in row:
                assert b in table["transitions"]
                assert chord_origin(roman(b, key), key) != "chromatic"
