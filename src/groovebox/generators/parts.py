"""Parts from a progression: bass lines, arpeggios, sustained pads and a seeded melody.

Every function takes a :class:`~groovebox.model.notes.Progression` and returns a
:class:`~groovebox.model.notes.Part` (immutable notes with exact beat times) that the engine
plays through a tonal voice and the exporters write to MIDI or MusicXML. Randomness (walking
bass, random arpeggios, melody) comes only from ``numpy.random.default_rng(seed)``.

>>> from groovebox.harmony import progression
>>> from groovebox.generators import parts
>>> p = progression("I V vi IV", key="C")
>>> parts.bass(p, "root_fifth").pitches
(36, 43, 43, 50, 45, 52, 41, 48)
>>> a = parts.arpeggio(p, "up", rate=2, low=60, octaves=1)
>>> a.pitches[:8]
(60, 64, 67, 60, 64, 67, 60, 64)
>>> len(parts.pad(p, "drop2")), len(parts.melody(p, seed=1)) > 8
(12, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

import numpy as np

from groovebox import checks
from groovebox.errors import HarmonyError
from groovebox.harmony.keys import scale as make_scale
from groovebox.harmony.voicing import voice_lead
from groovebox.model.notes import (
    BeatsLike,
    Chord,
    Note,
    Part,
    Progression,
    beats,
    strong_beats,
)

BASS_STYLES = ("roots", "root_fifth", "walking", "kick")
ARP_DIRECTIONS = ("up", "down", "updown", "random")

__all__ = ["ARP_DIRECTIONS", "BASS_STYLES", "arpeggio", "bass", "melody", "pad"]


# -- helpers ------------------------------------------------------------------------------


def _check_range(low: int, high: int, what: str, min_span: int = 11) -> None:
    if not (isinstance(low, int) and isinstance(high, int) and 0 <= low and high <= 127):
        raise HarmonyError(f"{what} range: expected MIDI notes 0..127, got {low!r}..{high!r}")
    if high - low < min_span:
        raise HarmonyError(
            f"{what} range {low}..{high}: needs at least {min_span} semitones between low and high"
        )


def _check_velocity(velocity: float) -> None:
    if not 0.0 <= velocity <= 1.0:
        raise HarmonyError(f"velocity: expected 0..1, got {velocity!r}")


def _rate(rate: BeatsLike, what: str = "rate") -> Fraction:
    r = beats(rate, what)
    if r <= 0:
        raise HarmonyError(f"{what}: expected notes per beat > 0, got {rate!r}")
    return r


def _lowest(pc: int, low: int) -> int:
    """The lowest MIDI note of pitch class ``pc`` at or above ``low``."""
    return low + (pc - low) % 12


def _nearest(pc: int, near: int, low: int, high: int) -> int:
    """The note of pitch class ``pc`` in ``low..high`` nearest to ``near`` (lower on a tie)."""
    best = None
    for p in range(_lowest(pc, low), high + 1, 12):
        if best is None or abs(p - near) < abs(best - near):
            best = p
    if best is None:
        raise HarmonyError(f"range {low}..{high} holds no pitch class {pc}")
    return best


def _fifth(c: Chord) -> int:
    """Pitch class of the chord's fifth (a perfect fifth above the root when it has none)."""
    pc = c.tone(5)
    return (c.root + 7) % 12 if pc is None else pc


def _grid(start: Fraction, duration: Fraction, step: Fraction) -> list[Fraction]:
    """Onsets every ``step`` from ``start`` inside ``[start, start + duration)``."""
    n = -(-duration // step)  # ceil
    return [start + k * step for k in range(int(n))]


# -- bass ---------------------------------------------------------------------------------


def bass(
    progression: Progression,
    style: str = "roots",
    low: int = 36,
    high: int = 60,
    *,
    rate: BeatsLike | None = None,
    kick_steps: Iterable[int] | None = None,
    steps_per_beat: int = 4,
    pattern_steps: int | None = None,
    seed: int = 0,
    velocity: float = 0.9,
    name: str = "bass",
    instrument: str = "bass",
) -> Part:
    """A bass line.

    Parameters
    ----------
    progression : Progression
    style : {"roots", "root_fifth", "walking", "kick"}
        ``roots``: the chord's bass note (its root unless inverted or a slash chord), held
        for the chord, or repeated ``rate`` times per beat when ``rate`` is given.
        ``root_fifth``: bass note and fifth alternating, ``rate`` notes per beat (default 1/2:
        two half notes per 4/4 bar). ``walking``: one note per beat, the chord's bass on its
        first beat, chord and scale tones moving towards a chromatic, scale or fifth
        approach to the next chord on its last beat (seeded). ``kick``: one note on every hit
        of a drum pattern's kick (``kick_steps``) and on every chord change, each held until
        the next.
    low, high : int
        MIDI range; the bass note sits in the lowest octave at or above ``low``.
    rate : number, optional
        Notes per beat for ``roots`` and ``root_fifth``.
    kick_steps : iterable of int
        For ``kick``: 0-based step indices of the kick hits in one pattern loop.
    steps_per_beat : int
        For ``kick``: the pattern's grid (4 = sixteenths).
    pattern_steps : int, optional
        For ``kick``: loop length in steps (default one bar).
    seed : int
        For ``walking``.
    velocity : float
        0..1; downbeats get this, other notes a little less.

    Returns
    -------
    Part
    """
    _check_range(low, high, "bass", 11 if style != "walking" else 12)
    _check_velocity(velocity)
    notes: list[Note] = []
    soft = velocity * 0.85
    if style == "roots" or style == "root_fifth":
        if style == "root_fifth" and rate is None:
            rate = Fraction(1, 2)
        for start, dur, c in progression.spans():
            root = _lowest(c.bass, low)
            fifth = _nearest(_fifth(c), root + 7, low, high)
            if rate is None:
                notes.append(Note(start, dur, root, velocity, name))
                continue
            step = 1 / _rate(rate)
            for k, t in enumerate(_grid(start, dur, step)):
                pitch = fifth if style == "root_fifth" and k % 2 else root
                d = min(step, start + dur - t)
                notes.append(Note(t, d, pitch, velocity if k == 0 else soft, name))
    elif style == "walking":
        notes = _walking(progression, low, high, np.random.default_rng(checks.seed(seed)), velocity, soft, name)
    elif style == "kick":
        if kick_steps is None:
            raise HarmonyError(
                "bass style 'kick': kick_steps is required (the kick's step indices)"
            )
        notes = _kick_locked(
            progression, low, kick_steps, steps_per_beat, pattern_steps, velocity, soft, name
        )
    else:
        raise HarmonyError(f"bass style '{style}': expected one of {', '.join(BASS_STYLES)}")
    return Part(name, tuple(notes), instrument, progression.length_beats)


def _walking(
    prog: Progression,
    low: int,
    high: int,
    rng: np.random.Generator,
    vel: float,
    soft: float,
    name: str,
) -> list[Note]:
    sc = make_scale(prog.key)
    spans = list(prog.spans())
    notes: list[Note] = []
    current = _lowest(spans[0][2].bass, low)
    for i, (start, dur, c) in enumerate(spans):
        onsets = _grid(start, dur, Fraction(1))
        last = i == len(spans) - 1
        target = current if last else _nearest(spans[i + 1][2].bass, current, low, high)
        line = [current]
        n = len(onsets)
        approach = None
        if not last and n >= 2:
            direction = 1 if target >= current else -1
            options = [target - direction, sc.step(target, -direction), target + 7 * -direction]
            options = [
                p for p in options if low <= p <= high and p != target and (n > 2 or p != current)
            ]
            if options:
                w = np.array([0.5, 0.3, 0.2][: len(options)])
                approach = options[int(rng.choice(len(options), p=w / w.sum()))]
        chord_pcs = c.pitch_classes
        walk_to = approach if approach is not None else target
        for k in range(1, n - (1 if approach is not None else 0)):
            frac = k / max(n - 1, 1)
            desired = current + (walk_to - current) * frac
            pool = [
                p
                for p in range(low, high + 1)
                if (p % 12 in chord_pcs if k == n // 2 else p in sc or p % 12 in chord_pcs)
                and p != line[-1]
                and not (k == n - 2 and p == approach)
            ]
            costs = [
                abs(p - desired) + 0.5 * abs(p - line[-1]) / 4 + rng.uniform(0, 1.2) for p in pool
            ]
            line.append(pool[int(np.argmin(costs))])
        if approach is not None:
            line.append(approach)
        for k, (t, p) in enumerate(zip(onsets, line, strict=False)):
            d = min(Fraction(1), start + dur - t)
            notes.append(Note(t, d, p, vel if k == 0 else soft, name))
        current = target
    return notes


def _kick_locked(
    prog: Progression,
    low: int,
    kick_steps: Iterable[int],
    steps_per_beat: int,
    pattern_steps: int | None,
    vel: float,
    soft: float,
    name: str,
) -> list[Note]:
    if not isinstance(steps_per_beat, int) or steps_per_beat < 1:
        raise HarmonyError(f"steps_per_beat: expected an integer >= 1, got {steps_per_beat!r}")
    bar_steps = prog.beats_per_bar * steps_per_beat
    if pattern_steps is None:
        if bar_steps.denominator != 1:
            raise HarmonyError(
                "pattern_steps: a bar is not a whole number of steps; give pattern_steps"
            )
        pattern_steps = int(bar_steps)
    steps = sorted(set(kick_steps))
    for s in steps:
        if not isinstance(s, int | np.integer) or not 0 <= s < pattern_steps:
            raise HarmonyError(
                f"kick_steps: step {s!r} is outside the pattern's {pattern_steps} steps (0..{pattern_steps - 1})"
            )
    length = prog.length_beats
    onsets = set(prog.starts_beats)
    loops = int(-(-length * steps_per_beat // pattern_steps))
    for rep in range(loops):
        for s in steps:
            t = Fraction(rep * pattern_steps + int(s), steps_per_beat)
            if t < length:
                onsets.add(t)
    ordered = sorted(onsets)
    downbeats = set(prog.starts_beats)
    notes = []
    for t, nxt in zip(ordered, [*ordered[1:], length], strict=True):
        c = prog.chord_at(t)
        notes.append(Note(t, nxt - t, _lowest(c.bass, low), vel if t in downbeats else soft, name))
    return notes


# -- arpeggio -----------------------------------------------------------------------------


def arpeggio(
    progression: Progression,
    direction: str = "up",
    rate: BeatsLike = 2,
    low: int = 60,
    octaves: int = 2,
    high: int | None = None,
    *,
    gate: BeatsLike = 1,
    seed: int = 0,
    velocity: float = 0.75,
    name: str = "arp",
    instrument: str = "pluck",
) -> Part:
    """Broken chords: every chord tone from ``low`` up over ``octaves`` octaves, in a pattern.

    Parameters
    ----------
    progression : Progression
    direction : {"up", "down", "updown", "random"}
        ``updown`` turns at the ends without repeating them; ``random`` never repeats the
        previous note (seeded).
    rate : number
        Notes per beat (2 = eighths, 3 = triplets, 4 = sixteenths).
    low : int
        Lowest MIDI note of the range.
    octaves : int
        Range height in octaves (1..4).
    high : int, optional
        Highest MIDI note (default ``low + 12 * octaves - 1``).
    gate : number
        Fraction of each step a note sounds (0 < gate <= 1).
    seed : int
        For ``random``.
    velocity : float
        0..1 for notes on the beat; off-beat notes get 80 % of it.

    Returns
    -------
    Part
        The pattern restarts at each chord; onsets fall every ``1 / rate`` beats from the chord
        start.
    """
    if direction not in ARP_DIRECTIONS:
        raise HarmonyError(
            f"arpeggio direction '{direction}': expected one of {', '.join(ARP_DIRECTIONS)}"
        )
    if not isinstance(octaves, int) or not 1 <= octaves <= 4:
        raise HarmonyError(f"octaves: expected 1..4, got {octaves!r}")
    if high is None:
        high = min(low + 12 * octaves - 1, 127)
    _check_range(low, high, "arpeggio")
    _check_velocity(velocity)
    g = beats(gate, "gate")
    if not 0 < g <= 1:
        raise HarmonyError(f"gate: expected 0 < gate <= 1, got {gate!r}")
    step = 1 / _rate(rate)
    rng = np.random.default_rng(checks.seed(seed))
    notes: list[Note] = []
    for start, dur, c in progression.spans():
        tones = [p for p in range(low, high + 1) if p % 12 in c.pitch_classes]
        if direction == "down":
            cycle = tones[::-1]
        elif direction == "updown":
            cycle = tones + tones[-2:0:-1]
        else:
            cycle = tones
        prev = None
        for k, t in enumerate(_grid(start, dur, step)):
            if direction == "random":
                pool = [p for p in tones if p != prev] or tones
                pitch = pool[int(rng.integers(len(pool)))]
            else:
                pitch = cycle[k % len(cycle)]
            prev = pitch
            d = min(step * g, start + dur - t)
            on_beat = (t - start).denominator == 1
            notes.append(Note(t, d, pitch, velocity if on_beat else velocity * 0.8, name))
    return Part(name, tuple(notes), instrument, progression.length_beats)


# -- pad ----------------------------------------------------------------------------------


def pad(
    progression: Progression,
    voicing: str = "close",
    low: int = 48,
    high: int = 79,
    n_voices: int = 4,
    *,
    tie: bool = True,
    velocity: float = 0.6,
    voice_ranges: Sequence[tuple[int, int]] | None = None,
    name: str = "pad",
    instrument: str = "pad",
) -> Part:
    """Sustained chords, voice-led with the least total motion (see :func:`~groovebox.harmony.voice_lead`).

    Parameters
    ----------
    progression : Progression
    voicing : {"close", "open", "drop2"}
    low, high : int
        MIDI range for every voice.
    n_voices : int
        Notes per chord.
    tie : bool
        Hold a note that stays in the next chord instead of striking it again, as a
        keyboard player would (common tones sustain).
    velocity : float
        0..1.
    voice_ranges : sequence of (low, high), optional
        Per-voice ranges, bottom first.
    """
    _check_velocity(velocity)
    voicings = voice_lead(progression.chords, voicing, low, high, n_voices, voice_ranges)
    notes: list[Note] = []
    active: dict[int, Fraction] = {}  # pitch -> onset
    for (start, _dur, _c), v in zip(progression.spans(), voicings, strict=True):
        for p in list(active):
            if not tie or p not in v:
                onset = active.pop(p)
                notes.append(Note(onset, start - onset, p, velocity, name))
        for p in v:
            if p not in active:
                active[p] = start
    end = progression.length_beats
    for p, onset in active.items():
        notes.append(Note(onset, end - onset, p, velocity, name))
    return Part(name, tuple(notes), instrument, end)


# -- melody -------------------------------------------------------------------------------


def _chord_scale(scale_pcs: frozenset[int], chord_pcs: frozenset[int]) -> frozenset[int]:
    """Key scale adjusted to the chord: chord tones in, scale notes a semitone off a chromatic
    chord tone out (so a borrowed iv's Ab is not rubbed by the key's A and G on weak beats)."""
    chromatic = chord_pcs - scale_pcs
    clash = {pc for pc in scale_pcs if any((pc - t) % 12 in (1, 11) for t in chromatic)}
    return frozenset((scale_pcs - clash) | chord_pcs)


def melody(
    progression: Progression,
    seed: int = 0,
    low: int = 60,
    high: int = 84,
    *,
    rate: BeatsLike = 2,
    density: float = 0.6,
    phrase_bars: int = 4,
    scale: str | None = None,
    velocity: float = 0.8,
    name: str = "melody",
    instrument: str = "keys",
) -> Part:
    """A seeded melody that fits the chords.

    Rules: a note starts on every strong beat (beats 1 and 3 of 4/4, 1 and 4 of 6/8, every
    chord change) and it is a chord tone there; between strong beats, notes on a ``1 / rate``
    grid (kept with probability ``density``, less often off the beat) are scale tones: passing
    tones that step towards the next strong note, or neighbour tones around it. Each phrase of
    ``phrase_bars`` bars follows an arch: it rises to a peak about two thirds through and falls
    back; the last phrase falls to the tonic (or, if the final chord lacks it, to the chord
    tone nearest it), held to the end.

    Parameters
    ----------
    progression : Progression
    seed : int
    low, high : int
        MIDI range (at least an octave).
    rate : number
        Grid in notes per beat (2 = eighths).
    density : float
        0..1: how many weak grid positions get a note.
    phrase_bars : int
        Bars per melodic arch.
    scale : str, optional
        Scale for non-chord tones (default: the progression's key), e.g. ``"A minor pentatonic"``.
    velocity : float
        0..1 on strong beats; others get 80 % of it.

    Returns
    -------
    Part
        Legato notes (each lasts until the next onset).
    """
    _check_range(low, high, "melody", 12)
    _check_velocity(velocity)
    if not 0.0 <= density <= 1.0:
        raise HarmonyError(f"density: expected 0..1, got {density!r}")
    if not isinstance(phrase_bars, int) or phrase_bars < 1:
        raise HarmonyError(f"phrase_bars: expected a whole number >= 1, got {phrase_bars!r}")
    sc = make_scale(scale or progression.key)
    scale_pcs = frozenset(sc.pitch_classes)
    step = 1 / _rate(rate)
    rng = np.random.default_rng(checks.seed(seed))
    bar = progression.beats_per_bar
    length = progression.length_beats
    strong_in_bar = set(strong_beats(progression.signature))
    chord_starts = set(progression.starts_beats)

    # 1. rhythm: strong positions always sound, weak ones by chance
    grid = _grid(Fraction(0), length, step)
    onsets: list[tuple[Fraction, bool]] = []
    for t in grid:
        strong = (t % bar) in strong_in_bar or t in chord_starts
        if strong:
            onsets.append((t, True))
        else:
            keep = density if t.denominator == 1 else density * 0.7
            if rng.random() < keep:
                onsets.append((t, False))
    # the final note: the last strong onset, held to the end
    last_strong = max(i for i, (_, s) in enumerate(onsets) if s)
    onsets = onsets[: last_strong + 1]

    # 2. contour: one arch per phrase, the last ending on the tonic
    span = high - low
    phrase_len = phrase_bars * bar
    n_phrases = max(1, int(-(-length // phrase_len)))
    peaks = [low + span * rng.uniform(0.72, 0.95) for _ in range(n_phrases)]
    peak_at = [rng.uniform(0.55, 0.75) for _ in range(n_phrases)]
    tonic = sc.tonic_pc
    base = low + span * 0.3
    final_chord = progression.chords[-1]
    final_pc = (
        tonic
        if tonic in final_chord.pitch_classes
        else min(
            final_chord.pitch_classes, key=lambda pc: min((pc - tonic) % 12, (tonic - pc) % 12)
        )
    )
    final_pitch = _nearest(final_pc, base, low, high)

    def target(t: Fraction) -> float:
        j = min(int(t // phrase_len), n_phrases - 1)
        p_start = j * phrase_len
        p_end = min(p_start + phrase_len, length)
        x = float((t - p_start) / (p_end - p_start))
        end_level = final_pitch if j == n_phrases - 1 else base + span * 0.15
        if x <= peak_at[j]:
            return base + (peaks[j] - base) * (x / peak_at[j])
        return peaks[j] + (end_level - peaks[j]) * ((x - peak_at[j]) / (1 - peak_at[j]))

    # 3. skeleton: chord tones on strong onsets, near the contour, avoiding big leaps
    pitches: list[int | None] = [None] * len(onsets)
    prev = None
    for i, (t, strong) in enumerate(onsets):
        if not strong:
            continue
        c = progression.chord_at(t)
        if i == len(onsets) - 1:
            pitches[i] = final_pitch
            continue
        want = target(t)
        pool = [p for p in range(low, high + 1) if p % 12 in c.pitch_classes]
        costs = [
            abs(p - want)
            + (0.0 if prev is None else 0.8 * max(0, abs(p - prev) - 7))
            + (1.5 if p == prev else 0.0)
            + rng.uniform(0, 2.0)
            for p in pool
        ]
        pitches[i] = prev = pool[int(np.argmin(costs))]

    # 4. weak notes: passing tones stepping towards the next strong note, or neighbours
    i = 0
    while i < len(onsets):
        if onsets[i][1]:
            i += 1
            continue
        j = i
        while not onsets[j][1]:
            j += 1
        a, b = pitches[i - 1], pitches[j]
        assert a is not None and b is not None
        t_mid = onsets[i][0]
        pcs = _chord_scale(scale_pcs, progression.chord_at(t_mid).pitch_classes)
        line = [p for p in range(low, high + 1) if p % 12 in pcs]
        k = j - i
        fill = _fill(a, b, k, line, rng)
        for m, p in enumerate(fill):
            pitches[i + m] = p
        i = j

    notes = []
    ends = [t for t, _ in onsets[1:]] + [length]
    for (t, strong), end, p in zip(onsets, ends, pitches, strict=True):
        assert p is not None
        notes.append(Note(t, end - t, p, velocity if strong else velocity * 0.8, name))
    return Part(name, tuple(notes), instrument, length)


def _fill(a: int, b: int, k: int, line: list[int], rng: np.random.Generator) -> list[int]:
    """k scale notes leading from a to b: the last k steps of the scale path into b (a leap
    then steps), or, when the path is too short, neighbour tones on b's far side stepping in."""
    if a < b:
        path = [p for p in line if a < p < b]
        direction = 1
    elif a > b:
        path = [p for p in line if b < p < a][::-1]
        direction = -1
    else:
        path = []
        direction = 1 if rng.random() < 0.5 else -1
    if len(path) >= k:
        return path[len(path) - k :]
    extra = k - len(path)
    ib = min(range(len(line)), key=lambda n: abs(line[n] - b))
    over = []
    for m in range(extra, 0, -1):  # overshoot past b, then step back into it
        idx = ib + direction * m
        if not 0 <= idx < len(line):
            idx = ib - direction * m
        idx = min(max(idx, 0), len(line) - 1)
        over.append(line[idx])
    return path + over
