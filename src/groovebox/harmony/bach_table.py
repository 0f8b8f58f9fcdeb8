"""Learn the "bach" progression style from music21's bundled Bach chorales.

Run once by hand; the output, ``generators/data/bach_chorales.json``, is committed and read by
:mod:`groovebox.generators.progressions`. Nothing here runs at import or generation time. (It
lives in ``harmony/`` because it is music21 through and through.)

    python -m groovebox.harmony.bach_table

How the table is made:

1. every chorale in ``music21.corpus.chorales.Iterator()`` is parsed and its global key found
   with music21's Krumhansl-Schmuckler analysis (``score.analyze("key")``);
2. the score is chordified; only slices that start on a beat and are complete triads or
   seventh chords are kept (passing-tone slices are not harmonies);
3. each slice becomes a roman numeral (``roman.romanNumeralFromChord``), simplified to root
   position: numeral + quality (o, +, 7, o7, ø7), inversion dropped. The simplified figure is
   kept only if groovebox reads it back to the same pitch classes; a chromatic major or
   dominant-seventh chord that is the dominant of a diatonic degree is respelled V/x or V7/x
   (and a chromatic diminished chord viio/x), as a harmony student would label it;
4. repeated numerals (one chord held over several beats) merge; transitions between
   consecutive numerals are counted, separately for major-key and minor-key chorales, along
   with the first numeral of each chorale;
5. numerals that groovebox calls "chromatic" in the key (not diatonic, borrowed, secondary or
   Neapolitan), transitions seen fewer than 3 times and numerals seen fewer than 20 times are
   dropped, then any state left without a way out is removed, repeatedly.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from groovebox.errors import HarmonyError
from groovebox.harmony import chord_origin
from groovebox.harmony import roman as gb_roman

OUT = Path(__file__).parent.parent / "generators" / "data" / "bach_chorales.json"
MIN_TRANSITION = 3
MIN_STATE = 20


def simplify(rn, c) -> str:
    fig = rn.frontAlterationString + rn.romanNumeralAlone
    if c.isSeventh():
        if c.isDiminishedSeventh():
            fig += "o7"
        elif c.isHalfDiminishedSeventh():
            fig += "ø7"
        else:
            fig += "7"
    elif c.isDiminishedTriad():
        fig += "o"
    elif c.isAugmentedTriad():
        fig += "+"
    sec = rn.secondaryRomanNumeral
    if sec is not None:
        fig += "/" + sec.frontAlterationString + sec.romanNumeralAlone
    return fig


def as_secondary(fig: str, mine, key_text: str, mode: str) -> str:
    """Spell a chromatic major/dominant or diminished chord as V/x or viio/x when it is one.

    music21 names D major in C "II"; in a chorale it is nearly always V/V. (music21's own
    preferSecondaryDominants turns every major triad, even I, into a V/x, so it is not used.)
    """
    if chord_origin(mine, key_text) == "diatonic":
        return fig
    seventh = "7" in fig
    if mine.quality == "major":
        bases = ["V7"] if seventh else ["V"]
    elif mine.quality == "diminished":
        bases = ["viio7", "viiø7"] if seventh else ["viio"]
    else:
        return fig
    targets = (
        ("ii", "iii", "IV", "V", "vi") if mode == "major" else ("iv", "v", "V", "VI", "III", "VII")
    )
    for base in bases:
        for target in targets:
            cand = f"{base}/{target}"
            if gb_roman(cand, key_text).pitch_classes == mine.pitch_classes:
                return cand
    return fig


def main() -> None:
    import music21  # music21: ~0.25 s and a corpus index to import; loaded on first use
    from music21 import (  # music21: ~0.25 s and a corpus index to import; loaded on first use
        corpus,
        roman,
    )

    counts = {"major": defaultdict(Counter), "minor": defaultdict(Counter)}
    starts = {"major": Counter(), "minor": Counter()}
    totals = {"major": Counter(), "minor": Counter()}
    n_used = {"major": 0, "minor": 0}
    t0 = time.perf_counter()
    names = list(corpus.chorales.Iterator(returnType="filename"))
    for n, name in enumerate(names, 1):
        try:
            score = corpus.parse(name)
            k = score.analyze("key")
        except Exception as exc:  # a few corpus entries do not parse; skip them
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        mode = k.mode if k.mode in ("major", "minor") else None
        if mode is None:
            continue
        key_text = k.tonic.name.replace("-", "b") + " " + mode
        seq: list[str] = []
        for c in score.chordify().recurse().getElementsByClass("Chord"):
            if float(c.beat) % 1 != 0 or not (c.isTriad() or c.isSeventh()):
                continue
            rn = roman.romanNumeralFromChord(c, k)
            fig = simplify(rn, c)
            try:
                mine = gb_roman(fig, key_text)
            except HarmonyError:
                continue
            if mine.pitch_classes != frozenset(p.pitchClass for p in c.pitches):
                continue
            fig = as_secondary(fig, mine, key_text, mode)
            if not seq or seq[-1] != fig:
                seq.append(fig)
        if len(seq) < 2:
            continue
        n_used[mode] += 1
        starts[mode][seq[0]] += 1
        for a, b in zip(seq, seq[1:], strict=False):
            counts[mode][a][b] += 1
            totals[mode][a] += 1
        totals[mode][seq[-1]] += 0
        if n % 50 == 0:
            print(f"{n}/{len(names)} chorales, {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    tables = {}
    for mode in ("major", "minor"):
        ref_key = "C major" if mode == "major" else "A minor"
        tonic = "I" if mode == "major" else "i"

        def ok(fig: str, _ref_key=ref_key) -> bool:
            return chord_origin(gb_roman(fig, _ref_key), _ref_key) != "chromatic"

        states = {s for s, t in totals[mode].items() if t >= MIN_STATE and ok(s)}
        trans = {
            a: {b: n for b, n in counts[mode][a].items() if n >= MIN_TRANSITION} for a in states
        }
        while True:  # drop states with no way out, and edges into dropped states
            trans = {a: {b: n for b, n in row.items() if b in trans} for a, row in trans.items()}
            dead = [a for a, row in trans.items() if not row]
            if not dead:
                break
            for a in dead:
                del trans[a]
        start = {s: n for s, n in starts[mode].items() if s in trans} or {tonic: 1}
        tables[mode] = {
            "chorales": n_used[mode],
            "start": dict(sorted(start.items(), key=lambda kv: -kv[1])),
            "transitions": {
                a: dict(sorted(row.items(), key=lambda kv: -kv[1]))
                for a, row in sorted(trans.items(), key=lambda kv: -sum(kv[1].values()))
            },
        }
    doc = {
        "about": "Roman-numeral transition counts learned from music21's Bach chorales; "
        "see groovebox/harmony/bach_table.py for the method.",
        "music21_version": music21.__version__,
        "min_transition": MIN_TRANSITION,
        "min_state": MIN_STATE,
        **tables,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
