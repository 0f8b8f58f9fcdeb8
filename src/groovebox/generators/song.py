"""Compose a song: a :class:`~groovebox.model.song.Song` -> drum clips, note clips and lanes.

This is composition time (music21 may run, through :mod:`groovebox.harmony`): every section's
progression is built and each part generated over it (:mod:`groovebox.generators.parts`), drum
patterns are loaded or made from grids, fills generated, transitions turned into clips and
automation lanes. The result, a :class:`Score`, is plain values in exact time (seconds as
Fractions from the song's start); :mod:`groovebox.renderer.song` compiles it to samples.

Repeated sections sound the same: everything generated in a section is seeded by the song's
seed, the part and the section's *name* (and its harmony and variation), not its position, so
the second chorus is the first one again.

>>> from groovebox.model.song import Song, SongPart, Section
>>> s = Song(parts=(SongPart("keys", "chords"),), sections=(Section("a", 2, ("keys",)),), key="C")
>>> sc = compose(s)
>>> [(c.part, len(c.notes.notes)) for c in sc.clips]
[('keys', 8)]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from groovebox import checks, library
from groovebox.errors import GrooveboxError
from groovebox.generators import parts as gen_parts
from groovebox.generators.arrange import swing_part
from groovebox.generators.progressions import generate_progression
from groovebox.harmony.progression import progression as make_progression
from groovebox.model.arrangement import INSTRUMENTS, instrument, pattern_beat_quarters
from groovebox.model.frozen import FrozenMap
from groovebox.model.loop import note_number
from groovebox.model.notes import Note, Part, Progression
from groovebox.model.patch import PRESETS
from groovebox.model.pattern import Pattern, Step, Track
from groovebox.model.song import Section, Song, SongError, quarters_per_bar, unknown

__all__ = ["DrumClip", "Lane", "NoteClip", "Score", "SectionTime", "compose", "fill_pattern", "part_seed"]

FX_TRACKS = {"riser": "fx_riser", "noise_sweep": "fx_sweep", "reverse_cymbal": "fx_cymbal"}
DROP_RAMP_S = Fraction(1, 200)  # a drop silences and returns the other parts over 5 ms
SWEEP_LOW_HZ = 300.0
SWEEP_OPEN_HZ = 20000.0


@dataclass(frozen=True)
class SectionTime:
    """Where a section sits: exact start and end in seconds, tempo, meter, first song bar."""

    index: int
    name: str
    first_bar: int
    bars: int
    meter: tuple[int, int]
    bpm: Fraction  # quarter notes per minute, as played
    start_s: Fraction
    end_s: Fraction

    @property
    def quarters(self) -> Fraction:
        return self.bars * quarters_per_bar(self.meter)


@dataclass(frozen=True)
class DrumClip:
    """A drum pattern played from ``start_s`` for ``steps`` steps at ``bpm`` pattern beats per
    minute. ``role``: ``main``, ``fill`` or ``crash``."""

    part: str
    section: int
    pattern: Pattern
    start_s: Fraction
    steps: int
    bpm: Fraction
    swing: float
    kit: str | None
    role: str = "main"


@dataclass(frozen=True)
class NoteClip:
    """Notes (beats are quarter notes from ``start_s`` at ``bpm``) played by ``instrument`` with
    patch fields changed by ``patch_fields``."""

    part: str
    section: int
    notes: Part
    start_s: Fraction
    bpm: Fraction
    instrument: str
    patch_fields: FrozenMap = field(default_factory=FrozenMap)
    role: str = "main"


@dataclass(frozen=True)
class Lane:
    """Breakpoints of one parameter of one track in exact seconds; ``curves[k]`` shapes the
    segment from point k to k + 1. ``param`` is ``gain_db``, ``pan``, ``cutoff_hz``,
    ``send.BUS`` or ``mute`` (a 0..1 multiplier drops use)."""

    track: str
    param: str
    times_s: tuple[Fraction, ...]
    values: tuple[float, ...]
    curves: tuple[str, ...]


@dataclass(frozen=True)
class Score:
    """A composed song: sections in time, clips, lanes, and the transition tracks it needs."""

    song: Song
    sections: tuple[SectionTime, ...]
    clips: tuple
    lanes: tuple[Lane, ...]
    fx_tracks: tuple[str, ...] = ()

    @property
    def duration_s(self) -> Fraction:
        return self.sections[-1].end_s

    def clips_of(self, part: str, section: int | None = None) -> list:
        return [c for c in self.clips if c.part == part and (section is None or c.section == section)]


def part_seed(song_seed: int, *words) -> int:
    """A seed from the song's seed and names (stable across runs and machines)."""
    h = hashlib.sha256(repr((int(song_seed), *map(str, words))).encode()).digest()
    return int.from_bytes(h[:7], "little")


def timeline(song: Song) -> tuple[SectionTime, ...]:
    starts = song.section_starts_s()
    firsts = song.section_first_bars()
    return tuple(SectionTime(i, s.name, firsts[i], s.bars, song.section_meter(s), song.section_bpm(s),
                             starts[i], starts[i + 1]) for i, s in enumerate(song.sections))


# --- harmony ----------------------------------------------------------------------------------------
def section_progression(song: Song, section: Section, st: SectionTime) -> Progression:
    """The section's chords, repeated (and the last cut) to fill its bars."""
    hname = section.harmony or next(iter(song.harmony))
    spec = song.harmony[hname]
    sig = f"{st.meter[0]}/{st.meter[1]}"
    try:
        if isinstance(spec, str):
            base = make_progression(spec, key=song.key, bpm=float(st.bpm), bars_per_chord=song.bars_per_chord,
                                    signature=sig)
        else:
            base = generate_progression(spec["style"], bars=int(spec.get("bars", 8)), key=song.key,
                                        seed=int(spec.get("seed", part_seed(song.seed, "harmony", hname)) % 2**32),
                                        bpm=float(st.bpm), signature=sig)
    except GrooveboxError as exc:
        raise song.error(str(exc), f"harmony.{hname}") from None
    total = st.quarters
    chords, durs, t = [], [], Fraction(0)
    while t < total:
        for c, d in zip(base.chords, base.durations_beats, strict=True):
            if t >= total:
                break
            d = min(d, total - t)
            chords.append(c)
            durs.append(d)
            t += d
    return Progression(base.key, tuple(chords), tuple(durs), float(st.bpm), sig)


# --- drums ------------------------------------------------------------------------------------------
def _drum_pattern(song: Song, part_name: str, fields, st: SectionTime, where: str) -> Pattern:
    if fields["pattern"] is not None:
        try:
            pat = library.load(fields["pattern"])
        except GrooveboxError as exc:
            raise song.error(str(exc), f"{where}.pattern") from None
    else:
        try:
            pat = Pattern.from_grid(dict(fields["grids"]), name=part_name, bpm=float(song.bpm),
                                    signature=f"{st.meter[0]}/{st.meter[1]}", steps_per_beat=fields["steps_per_beat"])
        except GrooveboxError as exc:
            raise song.error(str(exc), f"{where}.grids") from None
    if fields["swing"] is not None:
        pat = pat.replace(swing=fields["swing"])
    _check_drum_meter(song, pat, st, where)
    return pat


def _check_drum_meter(song: Song, pat: Pattern, st: SectionTime, where: str) -> None:
    bar_q = pat.beats_per_bar * pattern_beat_quarters(pat)
    if bar_q != quarters_per_bar(st.meter):
        num, den = pat.signature
        raise song.error(f"drums '{pat.id or pat.name}' are in {num}/{den} but section '{st.name}' is in "
                         f"{st.meter[0]}/{st.meter[1]}; give the section a variation in its meter", where)
    spq = Fraction(pat.steps_per_beat) / pattern_beat_quarters(pat)
    if (st.quarters * spq).denominator != 1:
        raise song.error(f"section '{st.name}' is not a whole number of steps of drums '{pat.id or pat.name}'", where)


def fill_pattern(pattern: Pattern, seed: int = 0, energy: float = 0.7) -> Pattern:
    """A one-bar fill made from ``pattern``: its first half bar as written (kick and hats), then
    a seeded build (snare sixteenths growing louder, a tom run down, or snare and toms
    alternating) to the bar line, ending in a flam or ratchet for more energy.

    >>> from groovebox.model.pattern import Pattern
    >>> f = fill_pattern(Pattern.from_grid({"kick": "x...x...x...x...", "snare": "....x.......x..."}), seed=1)
    >>> f.steps_per_bar, f.instruments[:2]
    (16, ('kick', 'snare'))
    """
    spb = pattern.steps_per_bar
    rng = np.random.default_rng(checks.seed(seed))
    start = spb // 2 if energy >= 0.5 else spb - pattern.steps_per_beat
    grids: dict[str, list[Step]] = {}
    last = [len(t) for t in pattern.tracks]
    for t, n in zip(pattern.tracks, last, strict=True):
        # the pattern's last bar, up to where the fill takes over
        bar0 = max(0, (n // spb - 1) * spb) if n >= spb else 0
        row = [t.steps[(bar0 + i) % n] if i < start else Step() for i in range(spb)]
        grids[t.instrument] = row
    for name in ("snare", "low_tom", "mid_tom", "high_tom"):
        grids.setdefault(name, [Step()] * spb)
    shape = int(rng.integers(0, 3))
    toms = ("high_tom", "mid_tom", "low_tom")
    n_fill = spb - start
    for k in range(n_fill):
        i = start + k
        level = k / max(1, n_fill - 1)
        hit = "X" if level > 0.75 else ("x" if level > 0.3 else "o")
        if shape == 0:
            inst = "snare"
        elif shape == 1:
            inst = "snare" if k < n_fill // 2 else toms[min(2, 3 * (k - n_fill // 2) // max(1, n_fill - n_fill // 2))]
        else:
            inst = "snare" if k % 2 == 0 else toms[min(2, 3 * k // max(1, n_fill))]
        if pattern.steps_per_beat % 2 == 0 and k % 2 == 1 and level < 0.4 and rng.random() < 0.5:
            continue  # sparser at first
        grids[inst][i] = Step(hit)
    if "kick" in grids:
        grids["kick"][spb - pattern.steps_per_beat] = Step("x")
    if energy > 0.6:
        grids["snare"][spb - 1] = Step("X", ratchet=2)
    tracks = []
    for inst, row in grids.items():
        if any(s.is_hit for s in row):
            gain = next((t.gain_db for t in pattern.tracks if t.instrument == inst), 0.0)
            pan = next((t.pan for t in pattern.tracks if t.instrument == inst), {"high_tom": 0.3, "low_tom": -0.3}.get(inst, 0.0))
            tracks.append(Track(inst, tuple(row), gain, pan))
    return Pattern(f"{pattern.name} (fill)", tuple(tracks), pattern.bpm, pattern.signature, pattern.steps_per_beat,
                   pattern.swing, kit=pattern.kit)


def _fill_for(song: Song, part, fields, main: Pattern, st: SectionTime, energy: float, where: str) -> Pattern | None:
    f = fields["fill"]
    if f == "none":
        return None
    if f == "auto":
        return fill_pattern(main, part_seed(song.seed, part.name, "fill", st.name) % 2**32, energy)
    if isinstance(f, str):
        try:
            pat = library.load(f)
        except GrooveboxError as exc:
            raise song.error(str(exc), f"{where}.fill") from None
    else:
        try:
            pat = Pattern.from_grid(dict(f), name=f"{part.name} fill", bpm=float(song.bpm),
                                    signature=f"{st.meter[0]}/{st.meter[1]}", steps_per_beat=fields["steps_per_beat"])
        except GrooveboxError as exc:
            raise song.error(str(exc), f"{where}.fill") from None
    _check_drum_meter(song, pat, st, f"{where}.fill")
    return pat


# --- tonal parts --------------------------------------------------------------------------------------
def _velocity_scale(fields, energy: float) -> float:
    base = 1.0 if fields.get("velocity") is None else fields["velocity"] / 0.8
    return min(1.25, base * (0.7 + 0.4 * energy))


def _scaled(part: Part, k: float) -> Part:
    return Part(part.name, tuple(replace(n, velocity=min(1.0, max(0.01, n.velocity * k))) for n in part.notes),
                part.instrument, part.length_beats)


def _instrument_name(song: Song, name: str, where: str) -> str:
    if name in INSTRUMENTS or name in PRESETS:
        return name
    raise song.error(str(_unknown_instrument(name)), where)


def _unknown_instrument(name: str):
    return unknown("instrument", name, [*INSTRUMENTS, *PRESETS])


def _tonal_part(song: Song, sp, fields, prog: Progression, st: SectionTime, kick: tuple | None, where: str) -> Part:
    kind = sp.kind
    inst = fields.get("instrument")
    seed = part_seed(song.seed, sp.name, st.name, kind) % 2**32
    octave = 12 * fields.get("octave", 0)
    try:
        if kind == "chords":
            p = gen_parts.pad(prog, fields["voicing"], 48 + octave, 79 + octave,
                              tie=(instrument(inst).sustains if inst in INSTRUMENTS else True),
                              velocity=0.7, name=sp.name, instrument=inst)
        elif kind == "pad":
            p = gen_parts.pad(prog, fields["voicing"], 48 + octave, 84 + octave, tie=True, velocity=0.6,
                              name=sp.name, instrument=inst)
        elif kind == "bass":
            kw = {}
            style = fields["style"]
            if style == "kick":
                if kick is None:
                    raise song.error(f"bass style 'kick' locks to drum part '{fields['lock_to']}', which has no kick "
                                     f"in section '{st.name}'", f"{where}.style")
                kw = dict(kick_steps=kick[0], steps_per_beat=kick[1], pattern_steps=kick[2])
            p = gen_parts.bass(prog, style, 36 + octave, 60 + octave, seed=seed, name=sp.name, instrument=inst, **kw)
        elif kind == "arp":
            p = gen_parts.arpeggio(prog, fields["direction"], rate=Fraction(fields["rate"]).limit_denominator(16),
                                   low=fields["low"], octaves=fields["octaves"], seed=seed, name=sp.name, instrument=inst)
        elif kind == "lead":
            seed = part_seed(song.seed, sp.name, "phrase", fields["phrase"], section_harmony(song, st)) % 2**32
            p = gen_parts.melody(prog, seed=seed, low=fields["low"], high=fields["low"] + 24,
                                 rate=Fraction(fields["rate"]).limit_denominator(16), density=fields["density"],
                                 phrase_bars=min(4, st.bars), name=sp.name, instrument=inst)
        else:
            raise AssertionError(kind)
    except SongError:
        raise
    except GrooveboxError as exc:
        raise song.error(str(exc), where) from None
    return p


def section_harmony(song: Song, st: SectionTime) -> str:
    return song.sections[st.index].harmony or next(iter(song.harmony))


def _loop_notes(song: Song, sp, fields, st: SectionTime, where: str) -> Part:
    """The loops' onsets that fall in this section (free-running from the song's start)."""
    notes = []
    for i, lp in enumerate(fields["loops"], 1):
        try:
            pitch = note_number(lp["note"], f"{where}.loops.{i}.note")
        except GrooveboxError as exc:
            raise song.error(str(exc), f"{where}.loops") from None
        period = Fraction(repr(float(lp["period_s"])))
        t0 = Fraction(repr(float(lp.get("start_s", 0.0))))
        dur_s = Fraction(repr(float(lp.get("duration_s", 2.0))))
        vel = float(lp.get("velocity", 0.7))
        k = max(0, -(-(st.start_s - t0) // period))
        while True:
            t = t0 + k * period
            if t >= st.end_s:
                break
            beats = (t - st.start_s) * st.bpm / 60
            notes.append(Note(beats, dur_s * st.bpm / 60, pitch, vel))
            k += 1
    return Part(sp.name, tuple(notes), fields["instrument"], None)


# --- compose ------------------------------------------------------------------------------------------
def compose(song: Song) -> Score:
    """Everything the song plays, in exact time.

    Raises
    ------
    SongError
        Located in the song's file: an unknown pattern, instrument or chord, a drum pattern in
        another meter than its section, a bass locked to drums without a kick, ...
    """
    if not isinstance(song, Song):
        raise GrooveboxError(f"expected a Song, got {type(song).__name__}")
    times = timeline(song)
    clips: list = []
    lanes: dict[tuple[str, str], list] = {}
    part_by = {p.name: p for p in song.parts}
    for p in song.parts:
        if p.kind != "drums":
            inst = p.fields.get("instrument") if p.kind != "texture" else (p.fields["instrument"] or p.fields["texture"])
            if inst is not None:
                _instrument_name(song, inst, f"parts.{p.name}.instrument")
    drum_parts = [p for p in song.parts if p.kind == "drums"]
    fx_used: list[str] = []

    # Transitions first: what they take away from the section before (drops, fills).
    n = len(song.sections)
    fill_into = [False] * n
    drop_into: list = [None] * n
    for i, s in enumerate(song.sections):
        for t in s.transitions:
            if t.kind == "fill":
                fill_into[i] = True
            elif t.kind == "drop":
                drop_into[i] = t

    for i, (s, st) in enumerate(zip(song.sections, times, strict=True)):
        where_s = f"sections.{i + 1}"
        prog = None
        drum_pats: dict[str, Pattern] = {}
        # drop at the end of this section (into the next one)
        drop = drop_into[i + 1] if i + 1 < n else None
        drop_start_s = st.end_s - drop.beats * Fraction(4, st.meter[1]) * 60 / st.bpm if drop else None
        keep = None
        if drop is not None:
            keep = drop.keep or next((pn for pn in song.sections[i + 1].parts if part_by[pn].kind != "drums"),
                                     song.sections[i + 1].parts[0] if song.sections[i + 1].parts else None)
        for pn in s.parts:
            sp = part_by[pn]
            if sp.kind != "drums":
                continue
            fields = sp.variant(s.vary.get(pn))
            where = f"parts.{pn}" if pn not in s.vary else f"parts.{pn}.variations.{s.vary[pn]}"
            pat = _drum_pattern(song, pn, fields, st, where)
            drum_pats[pn] = pat
            spq = Fraction(pat.steps_per_beat) / pattern_beat_quarters(pat)
            total_steps = int(st.quarters * spq)
            pbpm = st.bpm / pattern_beat_quarters(pat)
            main_steps = total_steps
            fill = None
            if i + 1 < n and fill_into[i + 1]:
                fill = _fill_for(song, sp, fields, pat, st, s.energy, where)
                if fill is not None:
                    main_steps = total_steps - pat.steps_per_bar
            if drop is not None and keep != pn:
                cut = int((drop_start_s - st.start_s) * st.bpm / 60 * spq)
                main_steps = min(main_steps, cut)
                fill = None
            kit = fields["kit"]
            if main_steps > 0:
                clips.append(DrumClip(pn, i, pat, st.start_s, main_steps, pbpm, pat.swing, kit))
            if fill is not None:
                fstart = st.start_s + Fraction(main_steps) / spq * 60 / st.bpm
                clips.append(DrumClip(pn, i, fill, fstart, pat.steps_per_bar, pbpm, pat.swing, kit, "fill"))
        for pn in s.parts:
            sp = part_by[pn]
            if sp.kind == "drums":
                continue
            fields = sp.variant(s.vary.get(pn))
            where = f"parts.{pn}" if pn not in s.vary else f"parts.{pn}.variations.{s.vary[pn]}"
            k = _velocity_scale(fields, s.energy)
            if sp.kind in ("chords", "pad", "bass", "arp", "lead"):
                if prog is None:
                    prog = section_progression(song, s, st)
                kick = None
                if sp.kind == "bass" and fields["style"] == "kick":
                    lock = fields["lock_to"]
                    if lock not in part_by or part_by[lock].kind != "drums":
                        raise song.error(f"bass style 'kick' locks to a drums part; '{lock}' is not one",
                                         f"{where}.lock_to")
                    dp = drum_pats.get(lock) or _drum_pattern(song, lock, part_by[lock].variant(s.vary.get(lock)), st,
                                                              f"parts.{lock}")
                    if "kick" in dp.instruments:
                        spq = Fraction(dp.steps_per_beat) / pattern_beat_quarters(dp)
                        if spq.denominator == 1:
                            kt = dp.track("kick")
                            kick = ([j for j, x in enumerate(kt.steps) if x.is_hit], int(spq), len(kt))
                notes = _tonal_part(song, sp, fields, prog, st, kick, where)
                swing_src = next((drum_pats[d] for d in drum_pats), None)
                if swing_src is not None and swing_src.swing != 50 and (
                        Fraction(swing_src.steps_per_beat) / pattern_beat_quarters(swing_src)).denominator == 1:
                    notes = swing_part(notes, swing_src)
                notes = _scaled(notes, k)
                inst, pf = fields["instrument"], FrozenMap()
            elif sp.kind == "loops":
                notes = _scaled(_loop_notes(song, sp, fields, st, where), k)
                inst, pf = fields["instrument"], FrozenMap()
            else:  # texture: one note over the section
                inst = fields["instrument"] or fields["texture"]
                notes = Part(pn, (Note(0, st.quarters, 60, min(1.0, 0.8 * k)),), inst)
                pf = FrozenMap()
            if drop is not None and keep != pn:
                cut_q = (drop_start_s - st.start_s) * st.bpm / 60
                kept = []
                for note in notes.notes:
                    if note.start_beats >= cut_q:
                        continue
                    if note.end_beats > cut_q:
                        note = replace(note, duration_beats=cut_q - note.start_beats)
                    kept.append(note)
                notes = Part(notes.name, tuple(kept), notes.instrument, notes.length_beats)
            if notes.notes:
                clips.append(NoteClip(pn, i, notes, st.start_s, st.bpm, inst, pf))
        # transitions into this section
        prev = times[i - 1] if i > 0 else None
        for t in s.transitions:
            if t.kind == "crash":
                dp = next((p for p in drum_parts if p.name in s.parts), drum_parts[0] if drum_parts else None)
                if dp is None:
                    raise song.error("a crash plays on a drums part; the song has none", f"{where_s}.transitions")
                fields = dp.variant(s.vary.get(dp.name) if dp.name in s.parts else None)
                ref = drum_pats.get(dp.name) or _drum_pattern(song, dp.name, fields, st, f"parts.{dp.name}")
                crash = Pattern.from_grid({"crash": "X"}, name="crash", bpm=ref.bpm, signature=ref.signature,
                                          steps_per_beat=ref.steps_per_beat)
                clips.append(DrumClip(dp.name, i, crash, st.start_s, 1, st.bpm / pattern_beat_quarters(ref), 50.0,
                                      fields["kit"], "crash"))
            elif t.kind in FX_TRACKS:
                track = FX_TRACKS[t.kind]
                if track not in fx_used:
                    fx_used.append(track)
                length_s = t.beats * Fraction(4, prev.meter[1]) * 60 / prev.bpm
                t0 = st.start_s - length_s
                q = length_s * st.bpm / 60
                if t.kind == "riser":
                    inst, pf = "wind", FrozenMap(dict(attack_s=float(length_s), sustain=1.0, release_s=0.25,
                                                 resonance=4.0, gain_db=6.0))
                    lo, hi = 250.0, 6000.0
                elif t.kind == "noise_sweep":
                    inst, pf = "tape_hiss", FrozenMap(dict(attack_s=float(length_s) * 0.8, sustain=1.0, release_s=0.4,
                                                      density=0.0, cutoff_hz=16000.0, gain_db=-2.0))
                    lo, hi = 400.0, 16000.0
                else:
                    inst, pf = "tape_hiss", FrozenMap(dict(attack_s=float(length_s), sustain=1.0, release_s=0.006,
                                                      density=0.0, cutoff_hz=16000.0, gain_db=0.0))
                    lo, hi = 3000.0, 14000.0
                note = Note(0, q, 60, 0.9)
                clips.append(NoteClip(track, i, Part(track, (note,), inst), t0, st.bpm, inst, pf, t.kind))
                lanes.setdefault((track, "cutoff_hz"), []).append(((t0, lo, "exp"), (st.start_s, hi, "linear")))
            elif t.kind == "filter_sweep":
                length_s = t.beats * Fraction(4, prev.meter[1]) * 60 / prev.bpm
                t0 = st.start_s - length_s
                targets = t.parts or tuple(p.name for p in song.parts if p.kind != "drums")
                for pn in targets:
                    lanes.setdefault((pn, "cutoff_hz"), []).append(
                        ((t0, SWEEP_OPEN_HZ, "step"), (t0, SWEEP_LOW_HZ, "exp"), (st.start_s, SWEEP_OPEN_HZ, "linear")))
            elif t.kind == "drop":
                pass  # done with the section before
        if drop is not None:
            for p in song.parts:
                if p.name == keep:
                    continue
                lanes.setdefault((p.name, "mute"), []).append(
                    ((drop_start_s - DROP_RAMP_S, 1.0, "linear"), (drop_start_s, 0.0, "step"),
                     (st.end_s - DROP_RAMP_S, 0.0, "linear"), (st.end_s, 1.0, "linear")))
    # fx tracks play only where a transition asks; a fx track's lane is open elsewhere
    out_lanes = []
    for (track, param), groups in lanes.items():
        pts: list = []
        for g in sorted(groups, key=lambda g: g[0][0]):
            pts.extend(g)
        if param == "cutoff_hz" and track in FX_TRACKS.values():
            pass
        out_lanes.append(Lane(track, param, tuple(p[0] for p in pts), tuple(p[1] for p in pts),
                              tuple(p[2] for p in pts)))
    # user automation: positions to exact seconds
    for a in song.automation:
        key = (a.track, a.param)
        if key in lanes:
            raise song.error(f"'{a.target}' is automated and also moved by a transition (filter_sweep or drop); "
                             f"automate another parameter", "automation")
        times_s = tuple(song.position_s(p) for p, _ in a.points)
        out_lanes.append(Lane(a.track, a.param, times_s, tuple(v for _, v in a.points),
                              tuple(a.curve for _ in a.points)))
    return Score(song, times, tuple(clips), tuple(out_lanes), tuple(fx_used))
