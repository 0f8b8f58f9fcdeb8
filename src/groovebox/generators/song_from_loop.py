"""From a loop to a song: a drum pattern and a progression (an 8-16 bar loop) plus a form.

The way many producers finish a track: build the loop, then turn it into an arrangement by
deciding which parts play in each section. :func:`song_from_loop` does the first pass of that:
each section name of the form gets a length and a set of parts by its role (an intro without
drums, verses with drums, bass and chords, choruses with everything, a bridge on other chords,
a quiet outro), transitions where songs put them (a fill and a crash into each chorus, a riser
out of the bridge), a mixer (drum bus, reverb and delay sends, bass and pad ducking under the
kick) and a master. Edit the result like any song (``song.with_section(...)``).

>>> import groovebox as gb
>>> s = song_from_loop("house/chicago-house", "vi IV I V", key="C", form="intro verse chorus outro", seed=1)
>>> s.form, s.part_names
(('intro', 'verse', 'chorus', 'outro'), ('drums', 'bass', 'chords', 'pad', 'lead'))
"""

from __future__ import annotations

from fractions import Fraction

from groovebox import checks, library
from groovebox.errors import GrooveboxError
from groovebox.generators.titles import working_title
from groovebox.model.arrangement import pattern_beat_quarters
from groovebox.model.effect import Effect
from groovebox.model.frozen import FrozenMap
from groovebox.model.notes import Progression
from groovebox.model.pattern import Pattern
from groovebox.model.song import (
    EQ,
    Bus,
    Compressor,
    Group,
    Master,
    Section,
    Song,
    SongPart,
    Strip,
    Transition,
    unknown,
)

__all__ = ["ROLES", "song_from_loop"]

# role -> (bars: None = the loop's length, parts, harmony, energy)
ROLES = {
    "intro": (8, ("chords", "pad"), "A", 0.4),
    "verse": (None, ("drums", "bass", "chords"), "A", 0.6),
    "pre": (8, ("drums", "bass", "chords", "pad"), "B", 0.7),
    "chorus": (None, ("drums", "bass", "chords", "pad", "lead"), "A", 0.9),
    "drop": (None, ("drums", "bass", "chords", "pad", "lead"), "A", 1.0),
    "bridge": (8, ("chords", "pad", "lead"), "B", 0.5),
    "break": (8, ("pad", "lead"), "B", 0.45),
    "breakdown": (8, ("pad", "lead"), "B", 0.45),
    "build": (8, ("drums", "bass", "pad"), "A", 0.7),
    "outro": (8, ("chords", "pad"), "A", 0.35),
}


def _rotated(figures: tuple[str, ...]) -> str:
    k = len(figures) // 2 or 1
    return " ".join(figures[k:] + figures[:k])


def song_from_loop(
    pattern: Pattern | str,
    progression: Progression | str,
    *,
    form: str = "intro verse chorus verse chorus bridge chorus outro",
    key: str | None = None,
    bpm: float | None = None,
    bars_per_chord: float = 1,
    loop_bars: int | None = None,
    seed: int = 0,
    title: str | None = None,
    kit: str | None = None,
    lead: str = "lead",
    chords: str = "keys",
    pad: str = "pad",
) -> Song:
    """A song from a loop and a form.

    Parameters
    ----------
    pattern : Pattern or str
        The drum loop (a library id works).
    progression : Progression or str
        Its chords: a Progression (``gb.progression(...)``) or roman numerals / chord symbols.
    form : str
        Section names separated by spaces, each one of :data:`ROLES` (a name may repeat: a
        repeated section plays the same music).
    key, bpm : optional
        Default: the progression's key (C major for text), the pattern's tempo.
    bars_per_chord : number
        For a progression given as text.
    loop_bars : int, optional
        Length of verses and choruses (default: the progression's length, at least 8 bars).
    seed : int
        Seeds the title, fills and melodies.
    title : str, optional
        Default: a working title.
    kit, lead, chords, pad : str
        Drum kit and the instruments of the lead, chord and pad parts.
    """
    if isinstance(pattern, str):
        pattern = library.load(pattern)
    if not isinstance(pattern, Pattern):
        raise GrooveboxError(f"pattern: expected a Pattern or a library id, got {type(pattern).__name__}")
    seed = checks.seed(seed)
    if isinstance(progression, Progression):
        text = " ".join(progression.figures)
        key = key or progression.key
        bpc = Fraction(progression.durations_beats[0]) / progression.beats_per_bar
        prog_bars = progression.bars
    elif isinstance(progression, str):
        text = progression
        bpc = Fraction(bars_per_chord).limit_denominator(16)
        prog_bars = len(text.replace(",", " ").split()) * bpc
    else:
        raise GrooveboxError(f"progression: expected a Progression or chords as text, got {type(progression).__name__}")
    figures = tuple(text.replace(",", " ").split())
    names = form.split() if isinstance(form, str) else list(form)
    if not names:
        raise GrooveboxError("form: expected section names like 'intro verse chorus outro'")
    for n in names:
        if n not in ROLES:
            raise unknown("section role", n, ROLES, "form")
    loop = loop_bars or max(8, int(-(-prog_bars // 1)))
    sections = []
    for i, n in enumerate(names):
        bars, parts, harmony, energy = ROLES[n]
        trans: list = []
        if n in ("chorus", "drop") and i > 0:
            trans = ["fill", "crash"] if names[i - 1] not in ("bridge", "break", "breakdown") else ["riser", "crash"]
        elif n == "verse" and i > 0 and names[i - 1] in ("chorus", "drop"):
            trans = ["crash"]
        elif n == "outro" and i > 0:
            trans = [Transition("filter_sweep", 8, parts=("chords",))] if "drums" not in ROLES[names[i - 1]][1] else []
        sections.append(Section(n, bars or loop, parts, FrozenMap(), energy, harmony, transitions=tuple(trans)))
    song_parts = (
        SongPart("drums", "drums", _drum_fields(pattern, kit),
                 strip=Strip(-6.0, group="drum_bus")),
        SongPart("bass", "bass", FrozenMap({"style": "kick" if "kick" in pattern.instruments else "roots"}),
                 strip=Strip(-10.0, compressor=Compressor(-24, 4, 0.002, 0.1, sidechain="drums.kick")
                             if "kick" in pattern.instruments else None)),
        SongPart("chords", "chords", FrozenMap({"instrument": chords}),
                 strip=Strip(-16.0, sends=FrozenMap({"reverb": 0.2, "delay": 0.08}))),
        SongPart("pad", "pad", FrozenMap({"instrument": pad}),
                 strip=Strip(-20.0, sends=FrozenMap({"reverb": 0.35}), eq=EQ(highpass_hz=150),
                             compressor=Compressor(-26, 3, 0.003, 0.25, sidechain="drums.kick")
                             if "kick" in pattern.instruments else None)),
        SongPart("lead", "lead", FrozenMap({"instrument": lead}),
                 strip=Strip(-14.0, sends=FrozenMap({"delay": 0.2, "reverb": 0.2}))),
    )
    return Song(
        song_parts, tuple(sections), title=title or working_title(seed), key=key or "C major",
        bpm=bpm or float(pattern.bpm * pattern_beat_quarters(pattern)), meter=pattern.signature, seed=seed,
        harmony=FrozenMap({"A": " ".join(figures), "B": _rotated(figures)}), bars_per_chord=bpc,
        groups=(Group("drum_bus", Strip(compressor=Compressor(-16, 2.5, 0.01, 0.15))),),
        buses=(Bus("reverb", (Effect("reverb", decay_s=2.5, predelay_s=0.02),), Strip(eq=EQ(highpass_hz=200))),
               Bus("delay", (Effect("tape_delay", time_beats=0.75, feedback=35.0, mix=100.0),),
                   Strip(eq=EQ(highpass_hz=250)))),
        master=Master(EQ(highpass_hz=25), Compressor(-14, 2, 0.03, 0.2)),
    )


def _drum_fields(pattern: Pattern, kit: str | None) -> FrozenMap:
    d: dict = {"pattern": pattern.id} if pattern.id else {
        "grids": {t.instrument: t.grid for t in pattern.tracks}, "steps_per_beat": pattern.steps_per_beat}
    if kit:
        d["kit"] = kit
    elif not pattern.id and pattern.kit:
        d["kit"] = pattern.kit
    if not pattern.id and pattern.swing != 50:
        d["swing"] = pattern.swing
    return FrozenMap(d)
