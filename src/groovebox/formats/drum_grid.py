"""Timed drum hits -> a grid :class:`~groovebox.model.pattern.Pattern` (what every importer ends with).

MIDI files and Hydrogen patterns give hits at tick positions; a groovebox pattern is a grid of
steps. This module decides the grid and builds the pattern:

- **Grid.** ``grid`` counts steps per whole note: 16 = sixteenths, 12 = triplet eighths, 24 =
  triplet sixteenths, 8 = eighths, 32 = thirty-seconds. ``"auto"`` places the hits on each and
  decides: when some grids hold every hit exactly (a programmed file), the simplest of them
  (sixteenths, then triplets, eighths, finer grids; each roll it needs counts against it);
  otherwise (a played file) sixteenths or triplet eighths, whichever puts the hits closer to
  their steps (the worst tenth left out, so a few rolls do not decide), and a finer grid only
  when that one errs by over 1/50 of a quarter note and the finer one by less than a third of
  it. Exact triplets pick 12, played sixteenths stay 16.
- **Swing.** On even grids the off-beat step of each pair may sit late: the swing percent is
  estimated from the off-beat hits (median) and undone before rounding, so a file written with
  swing 62 comes back as the straight grid plus ``swing = 62``.
- **Flams, ratchets.** A softer hit 8..45 ms before a louder one of the same instrument is its
  flam grace note; 2..9 evenly spaced hits inside one step are a ratchet.
- **Velocity.** ``o`` ghost below 0.55 (MIDI 70), ``X`` accent from 0.86 (MIDI 110), else ``x``.
- **Length.** Whole bars: enough for the last hit, or the file's own end when that falls on a
  bar line within twice that.
- **Timing.** ``keep_timing=True`` keeps each hit's distance from its step as a nudge (percent
  of a step), so a played groove keeps its feel; by default hits are fully quantised.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from groovebox.errors import GrooveboxValueError
from groovebox.model.instruments import INSTRUMENT_INDEX
from groovebox.model.pattern import BPM_RANGE, DENOMINATORS, MAX_STEPS, Pattern, Step, Track

GRIDS = (8, 12, 16, 24, 32)
# Hits one imported pattern may hold (docs/limits.md): 512 steps x 46 instruments is 23,552
# cells; a file with more notes than that inside the bars kept is not a drum pattern.
MAX_IMPORT_HITS = 24_000
AUTO_GRIDS = (16, 12, 8, 24, 32)
GHOST_BELOW = 0.55
ACCENT_FROM = 0.86
FLAM_WINDOW_S = (0.008, 0.045)
_AUTO_SLACK_Q = Fraction(1, 200)  # quarter notes
_RATCHET_TOL = 0.12  # of a step, divided by the ratchet count


class DrumImportError(GrooveboxValueError):
    """A file cannot be turned into a pattern (no drum notes, nothing mappable, too long...)."""


@dataclass(frozen=True)
class Hit:
    """One drum hit: when (quarter notes from the start), which instrument, how hard."""

    quarters: Fraction
    instrument: str
    velocity: float  # 0..1
    chance_pct: float = 100.0


@dataclass
class Imported:
    """What an importer made: patterns plus one-line notes for the user (unmapped names...)."""

    patterns: list[Pattern]
    notes: list[str] = field(default_factory=list)


def hit_char(velocity: float) -> str:
    """Grid character for a velocity 0..1: ``o`` ghost, ``x`` hit, ``X`` accent."""
    if velocity < GHOST_BELOW:
        return "o"
    return "X" if velocity >= ACCENT_FROM else "x"


def quarters_per_beat(numerator: int, denominator: int) -> Fraction:
    """Length of one beat in quarter notes: the dotted note in 6/8, 9/8, 12/8 (as Pattern)."""
    if denominator >= 8 and numerator % 3 == 0 and numerator > 3:
        return Fraction(3 * 4, denominator)
    return Fraction(4, denominator)


def layout(grid: int, numerator: int, denominator: int) -> tuple[Fraction, int, int] | None:
    """(step length in quarters, steps per beat, steps per bar) of ``grid`` in a meter, or
    None when the grid does not divide its beats (triplet eighths in 6/8)."""
    step_q = Fraction(4, grid)
    spb = quarters_per_beat(numerator, denominator) / step_q
    bar = Fraction(4 * numerator, denominator) / step_q
    if spb.denominator != 1 or bar.denominator != 1 or not 1 <= spb <= 16:
        return None
    return step_q, int(spb), int(bar)


def _unswing(u: float, swing: float) -> float:
    """Position in swung steps -> straight steps (the swung off-beat at 2 * swing% of a pair)."""
    if swing == 50.0:
        return u
    pair = math.floor(u / 2.0)
    phase = u - 2.0 * pair
    knee = swing / 50.0
    if phase < knee:
        straight = phase / knee
    else:
        straight = 1.0 + (phase - knee) / (2.0 - knee)
    return 2.0 * pair + straight


def _reswing(s: float, swing: float) -> float:
    """Straight steps -> swung steps (the inverse of :func:`_unswing`)."""
    if swing == 50.0:
        return s
    pair = math.floor(s / 2.0)
    phase = s - 2.0 * pair
    knee = swing / 50.0
    swung = phase * knee if phase < 1.0 else knee + (phase - 1.0) * (2.0 - knee)
    return 2.0 * pair + swung


def estimate_swing(steps: Sequence[float]) -> float:
    """Swing percent (50..75, whole) from hit positions in steps of an even grid: the median
    place of the off-beat hits inside their pair of steps."""
    offbeats = []
    for u in steps:
        phase = u - 2.0 * math.floor(u / 2.0)
        if 0.6 <= phase < 1.55:  # later than that is more likely an early down-beat
            offbeats.append(phase)
    if not offbeats:
        return 50.0
    offbeats.sort()
    mid = len(offbeats) // 2
    median = offbeats[mid] if len(offbeats) % 2 else 0.5 * (offbeats[mid - 1] + offbeats[mid])
    return float(min(75, max(50, round(50.0 * median))))


def _place(hits: list[Hit], flammed: set[int], chars: list[str], step_q: Fraction, swing: float,
           keep_timing: bool) -> tuple[dict[str, dict[int, Step]], list[float], int]:
    """Hits -> {instrument: {step: Step}} on one grid, each hit's distance from where the grid
    puts it (in steps), and the number of ratchet steps found on the way."""
    by_instr: dict[str, list[tuple[float, int]]] = {}
    raw: list[float] = []
    for i, h in enumerate(hits):
        raw.append(float(h.quarters / step_q))
        by_instr.setdefault(h.instrument, []).append((_unswing(raw[-1], swing), i))
    placed: dict[str, dict[int, Step]] = {}
    residuals: list[float] = []
    n_ratchets = 0
    for instrument, items in by_instr.items():
        items.sort()
        cells: dict[int, Step] = {}
        k = 0
        while k < len(items):
            u, i = items[k]
            step = math.floor(u + 0.5)
            members = [k]
            if abs(u - step) <= 0.2:
                # Hits evenly spaced inside this step (its first on the step) are a ratchet.
                j = k + 1
                while j < len(items) and items[j][0] < step + 0.9 and j - k < 9:
                    j += 1
                r = j - k
                if r >= 2 and all(abs(items[k + n][0] - step - n / r) <= _RATCHET_TOL / r for n in range(r)):
                    members = list(range(k, j))
                    n_ratchets += 1
            for n, m in enumerate(members):
                residuals.append(items[m][0] - step - n / len(members))
            k = members[-1] + 1
            first = hits[i]
            char = max((chars[items[m][1]] for m in members), key=_VEL.__getitem__)
            # A nudge is a share of a straight step added after swing (as the sequencer does).
            nudge = float(min(50, max(-50, round(100.0 * (raw[i] - _reswing(step, swing)))))) if keep_timing else 0.0
            cand = Step(char, chance_pct=min(100.0, max(1.0, float(round(first.chance_pct)))),
                        ratchet=len(members), flam=i in flammed, nudge_pct=nudge)
            old = cells.get(step)
            if old is None or _VEL[cand.hit] > _VEL[old.hit]:
                cells[step] = cand
        placed[instrument] = cells
    return placed, residuals, n_ratchets


def _error_q(residuals: list[float], step_q: Fraction) -> float:
    """Mean distance from the grid in quarter notes, the worst tenth left out."""
    errors = sorted(abs(r) for r in residuals)
    keep = errors[: max(1, math.ceil(0.9 * len(errors)))]
    return float(step_q) * sum(keep) / len(keep)


def _grid_candidates(grid, numerator: int, denominator: int) -> list[int]:
    if grid == "auto":
        found = [g for g in AUTO_GRIDS if layout(g, numerator, denominator)]
        return found or [next(g for g in GRIDS if layout(g, numerator, denominator))]
    if grid not in GRIDS:
        raise DrumImportError(f"grid: expected one of {', '.join(map(str, GRIDS))} or auto, got {grid!r}")
    if layout(int(grid), numerator, denominator) is None:
        fits = " or ".join(str(g) for g in GRIDS if layout(g, numerator, denominator))
        raise DrumImportError(f"grid {grid} does not divide the beats of {numerator}/{denominator}; try {fits}")
    return [int(grid)]


# Grids that hold the hits exactly compete on simplicity: a ratchet step costs 1, and each grid
# a base cost per bar (sixteenths are the plainest reading, then triplets, eighths, finer ones).
_GRID_COST = {16: 0.0, 12: 0.1, 8: 0.5, 24: 2.0, 32: 3.0}
_EXACT_Q = 1e-6
_FINER_ONLY_ABOVE_Q = 0.02  # quarter notes: a played groove errs this much on its own grid


def _choose(tried: list[tuple], bar_q: float, last_q: float) -> tuple:
    """The grid to use among (grid, swing, placed, error, ratchets) candidates.

    Exact data (programmed files): the simplest exact grid. Played data: sixteenths or
    triplets, whichever errs less (sixteenths on a tie); a finer grid only when the coarse one
    errs a lot and the finer one far less (a finer grid always errs a little less).
    """
    if len(tried) == 1:
        return tried[0]
    bars = max(1.0, math.ceil((last_q + 1e-9) / bar_q))
    exact = [t for t in tried if t[3] < _EXACT_Q]
    if exact:
        return min(exact, key=lambda t: (_GRID_COST[t[0]] * bars + t[4], _GRID_COST[t[0]]))
    coarse = [t for t in tried if t[0] in (16, 12)] or tried[:1]
    choice = min(coarse, key=lambda t: (t[3], t[0] != 16))
    if choice[3] > _FINER_ONLY_ABOVE_Q:
        for t in tried:
            if t[0] in (24, 32) and t[3] < 0.3 * choice[3]:
                return t
    return choice


def _hit_chars(hits: list[Hit], dynamics: str) -> list[str]:
    if dynamics not in ("auto", "absolute", "relative"):
        raise DrumImportError(f"dynamics: expected auto, absolute or relative, got {dynamics!r}")
    if dynamics == "auto":
        dynamics = "relative" if len({round(h.velocity, 3) for h in hits}) > 6 else "absolute"
    if dynamics == "absolute":
        return [hit_char(h.velocity) for h in hits]
    # Relative: an instrument's usual level (its 75th percentile) is a hit; well below it a
    # ghost, well above it (and loud) an accent.
    level: dict[str, float] = {}
    for name in {h.instrument for h in hits}:
        vs = sorted(h.velocity for h in hits if h.instrument == name)
        level[name] = vs[min(len(vs) - 1, int(0.75 * len(vs)))]
    out = []
    for h in hits:
        ref = level[h.instrument]
        if h.velocity < 0.6 * ref:
            out.append("o")
        elif h.velocity >= max(1.2 * ref, 0.7):
            out.append("X")
        else:
            out.append("x")
    return out


def _split_flams(hits: list[Hit], quarter_s: float) -> tuple[list[Hit], set[int]]:
    """Drop flam grace notes; return the remaining hits and the indices (into them) of flammed
    hits."""
    lo, hi = FLAM_WINDOW_S
    order = sorted(range(len(hits)), key=lambda i: (hits[i].instrument, hits[i].quarters))
    grace: set[int] = set()
    flammed: set[int] = set()
    for n in range(len(order) - 1):
        a, b = order[n], order[n + 1]
        ha, hb = hits[a], hits[b]
        if ha.instrument != hb.instrument or a in grace or a in flammed:  # a flammed hit is no grace note
            continue
        gap_s = float(hb.quarters - ha.quarters) * quarter_s
        if not (lo <= gap_s <= hi and ha.velocity < 0.75 * hb.velocity):
            continue
        # The last hit of an evenly spaced roll into a louder hit is not a grace note.
        prev = hits[order[n - 1]] if n > 0 else None
        if prev is not None and prev.instrument == ha.instrument and abs(prev.velocity - ha.velocity) < 0.05:
            before_s = float(ha.quarters - prev.quarters) * quarter_s
            if abs(before_s - gap_s) < 0.3 * gap_s:
                continue
        grace.add(a)
        flammed.add(b)
    kept_index = {}
    kept = []
    for i, h in enumerate(hits):
        if i not in grace:
            kept_index[i] = len(kept)
            kept.append(h)
    return kept, {kept_index[i] for i in flammed}


def build_pattern(
    hits: Iterable[Hit],
    *,
    name: str,
    quarter_bpm: float,
    signature: tuple[int, int] = (4, 4),
    grid: int | str = "auto",
    swing: float | None = None,
    hits_swung: bool = True,
    bars: int | None = None,
    dropped: int = 0,
    end_quarters: Fraction | None = None,
    keep_timing: bool = False,
    dynamics: str = "auto",
    genre: str = "imported",
    description: str = "",
    tags: tuple[str, ...] = ("imported",),
    notes: list[str] | None = None,
) -> Pattern:
    """A grid pattern from timed hits (see the module docstring for the rules).

    Parameters
    ----------
    hits : iterable of Hit
        Hits of known instruments; positions in quarter notes from the start.
    quarter_bpm : float
        Tempo in quarter notes per minute (MIDI's and Hydrogen's unit); the pattern's ``bpm``
        counts its own beats (dotted quarters in 6/8).
    grid : int or "auto"
        Steps per whole note (see :data:`GRIDS`).
    swing : float, optional
        Force a swing percent instead of estimating it.
    hits_swung : bool
        True (MIDI): hit times include the swing, which is undone before rounding. False
        (Hydrogen): hits are straight and ``swing`` is only the pattern's setting (kept on a
        sixteenth grid).
    bars : int, optional
        Keep exactly this many bars (hits after them are dropped).
    dropped : int
        Hits after ``bars`` that the reader already left out (counted in the remark).
    end_quarters : Fraction, optional
        Where the source ends (MIDI end of track, Hydrogen pattern size).
    dynamics : {"auto", "absolute", "relative"}
        How velocities become ``o``/``x``/``X``: by fixed thresholds (programmed files, where
        102 is a hit and 127 an accent), or relative to each instrument's usual level (played
        files, where a light ride at velocity 50 is still a hit); auto picks relative when the
        file has more than 6 different velocities.
    notes : list of str, optional
        One-line remarks are appended here (tempo clamped, hits past ``bars`` dropped...).

    Raises
    ------
    DrumImportError
        No hits, or more than 512 steps.
    """
    hits = list(itertools.islice(hits, MAX_IMPORT_HITS + 1))
    notes = notes if notes is not None else []
    if not hits:
        raise DrumImportError(f"{name}: no drum hits to make a pattern of")
    if len(hits) > MAX_IMPORT_HITS:
        raise DrumImportError(f"{name}: more than {MAX_IMPORT_HITS:,} hits is over the limit for one "
                              f"pattern (keep fewer bars with --bars)")
    if not (isinstance(quarter_bpm, int | float) and math.isfinite(quarter_bpm) and quarter_bpm > 0):
        raise DrumImportError(f"{name}: tempo {quarter_bpm!r} bpm is not a tempo; expected more than 0")
    num, den = signature
    if den not in DENOMINATORS or not 1 <= num <= 32:
        notes.append(f"time signature {num}/{den} is not supported; read as 4/4")
        num, den = 4, 4
    qpb = quarters_per_beat(num, den)
    bpm = quarter_bpm / float(qpb)
    if not BPM_RANGE[0] <= bpm <= BPM_RANGE[1]:
        clamped = min(max(bpm, BPM_RANGE[0]), BPM_RANGE[1])
        notes.append(f"tempo {bpm:g} bpm is outside {BPM_RANGE[0]:g}..{BPM_RANGE[1]:g}; set to {clamped:g}")
        bpm = clamped
    bpm = round(bpm, 2)
    hits, flammed = _split_flams(hits, 60.0 / quarter_bpm)
    chars = _hit_chars(hits, dynamics)
    tried = []
    for g in _grid_candidates(grid, num, den):
        step_q, spb, steps_per_bar = layout(g, num, den)
        sw = 50.0
        if spb % 2 == 0 and hits_swung:
            sw = estimate_swing([float(h.quarters / step_q) for h in hits]) if swing is None else float(swing)
        placed, residuals, n_ratchets = _place(hits, flammed, chars, step_q, sw, keep_timing)
        tried.append((g, sw, placed, _error_q(residuals, step_q), n_ratchets))
    choice = _choose(tried, float(Fraction(4 * num, den)), float(max(h.quarters for h in hits)))
    g, placed_swing, placed, _, _ = choice
    step_q, spb, steps_per_bar = layout(g, num, den)
    if hits_swung or swing is None:
        swing = placed_swing
    elif swing != 50.0 and spb != 4:
        notes.append(f"{name}: swing {swing:g} applies to 16ths; not kept on this {g}-step grid")
        swing = 50.0

    first_step = min(min(c) for c in placed.values())
    if first_step < 0:  # hits before the start (an early flam or push): shift, don't drop
        notes.append(f"hits before the first bar line moved to step 1 ({-first_step} step(s))")
        placed = {ins: {max(0, s): st for s, st in cells.items()} for ins, cells in placed.items()}
    last = max(max(c) for c in placed.values())
    n_bars = last // steps_per_bar + 1
    if end_quarters is not None and end_quarters > 0:
        eot_bars = Fraction(end_quarters) / (steps_per_bar * step_q)
        nearest = round(eot_bars)
        if abs(eot_bars - nearest) * steps_per_bar <= Fraction(1, 2) and n_bars <= nearest <= 2 * n_bars:
            n_bars = int(nearest)
    if bars is not None:
        if bars < 1:
            raise DrumImportError(f"bars: expected a whole number >= 1, got {bars!r}")
        if last >= bars * steps_per_bar or dropped:
            dropped += sum(1 for c in placed.values() for s in c if s >= bars * steps_per_bar)
            notes.append(f"kept the first {bars} bar(s); {dropped} hit(s) after them dropped")
        n_bars = bars
    n_steps = n_bars * steps_per_bar
    if n_steps > MAX_STEPS:
        raise DrumImportError(
            f"{name}: {n_bars} bars of {steps_per_bar} steps is {n_steps} steps; a pattern holds at "
            f"most {MAX_STEPS} (keep fewer with --bars)"
        )
    tracks = []
    for instrument in sorted(placed, key=INSTRUMENT_INDEX.__getitem__):
        cells = placed[instrument]
        steps = tuple(cells.get(s, Step()) for s in range(n_steps))
        if any(s.is_hit for s in steps):
            tracks.append(Track(instrument, steps))
    if not tracks:
        raise DrumImportError(f"{name}: no hits inside the first {n_bars} bar(s)")
    return Pattern(
        name=name, tracks=tuple(tracks), bpm=bpm, signature=(num, den), steps_per_beat=spb,
        swing=float(swing), genre=genre, description=description or f"Imported {name}.",
        tags=tuple(tags),
    )  # fmt: skip


_VEL = {"o": 1, "x": 2, "X": 3, ".": 0}
