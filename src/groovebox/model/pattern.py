"""Drum patterns as immutable values: a :class:`Pattern` holds :class:`Track` grids of :class:`Step`.

Nothing here knows about audio, Numba or files; the sequencer turns a pattern into sample-exact
events and ``groovebox.formats.pattern_toml`` reads and writes it.

>>> import groovebox as gb
>>> beat = gb.Pattern.from_grid({"kick": "x...x...", "snare": "....x..."}, bpm=120)
>>> beat.length_steps, beat.tracks[1].grid
(8, '....x...')
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from groovebox import checks
from groovebox.errors import PatternError, UnknownNameError
from groovebox.model.instruments import INSTRUMENTS

HIT_CHARS = ".xXo"
# Velocities (0..1) of the grid characters; MIDI = round(127 * v).
HIT_VELOCITY: dict[str, float] = {".": 0.0, "x": 0.8, "X": 1.0, "o": 0.35}
IGNORED_CHARS = " |\t"

BPM_RANGE = (20.0, 400.0)
SWING_RANGE = (50.0, 75.0)
NUDGE_RANGE = (-50.0, 50.0)
GAIN_DB_RANGE = (-60.0, 12.0)
MAX_RATCHET = 16
MAX_STEPS = 512
DENOMINATORS = (1, 2, 4, 8, 16)


class GridError(PatternError):
    """A bad character in a grid or lane; ``offset`` is its index in the raw string."""

    def __init__(self, message: str, *, field: str, offset: int):
        self.offset = offset
        super().__init__(message, field=field)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a track.

    Attributes
    ----------
    hit : str
        ``'.'`` rest, ``'x'`` hit, ``'X'`` accent, ``'o'`` ghost.
    chance_pct : float
        Probability in percent (0 < p <= 100) that the hit plays; decided by the render seed.
    ratchet : int
        Number of evenly spaced hits inside the step (1 = a normal hit).
    flam : bool
        Play a softer grace note 20 ms before the hit.
    nudge_pct : float
        Micro-timing in percent of a step (-50..50); negative is early.
    """

    hit: str = "."
    chance_pct: float = 100.0
    ratchet: int = 1
    flam: bool = False
    nudge_pct: float = 0.0

    @property
    def velocity(self) -> float:
        """Velocity 0..1 of the hit character (0 for a rest)."""
        return HIT_VELOCITY[self.hit]

    @property
    def is_hit(self) -> bool:
        return self.hit != "."


REST = Step()


def clean_grid(text: str, field: str) -> list[tuple[int, str]]:
    """(offset in ``text``, char) for each step character, skipping spaces and ``|``."""
    return [(i, c) for i, c in enumerate(text) if c not in IGNORED_CHARS]


def parse_grid(text: str, field: str) -> tuple[str, ...]:
    """The hit characters of a grid string, validated.

    Raises
    ------
    GridError
        On any character other than ``. x X o | space``, or an empty grid.
    """
    if not isinstance(text, str):
        raise PatternError(f"expected a grid string like \"x... x...\", got {_kind(text)}", field=field)
    steps = clean_grid(text, field)
    for offset, c in steps:
        if c not in HIT_CHARS:
            raise GridError(
                f"unexpected character {c!r} at step {_step_number(steps, offset)} "
                f"(expected one of . x X o, with | and spaces for the eye)",
                field=field,
                offset=offset,
            )
    if not steps:
        raise PatternError("empty grid: a track needs at least one step", field=field)
    if len(steps) > MAX_STEPS:
        raise PatternError(f"{len(steps)} steps; at most {MAX_STEPS} per track", field=field)
    return tuple(c for _, c in steps)


def _step_number(steps: list[tuple[int, str]], offset: int) -> int:
    return next(i for i, (o, _) in enumerate(steps) if o == offset) + 1


def _kind(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "an array", dict: "a table"}
    for t, name in names.items():
        if type(value) is t:
            return f"{name} ({value!r})" if t in (str, int, float, bool) else name
    return type(value).__name__


def _number(value: object, field: str, lo: float, hi: float, what: str = "a number") -> float:
    return checks.number(value, "", lo, hi, f"{what} in {lo:g}..{hi:g}", strings=False, describe=_kind,
                         error=lambda message: PatternError(message, field=field))


def _lane(
    value: object, n_steps: int, field: str, chars: Mapping[str, object], table_check
) -> list[object | None]:
    """Per-step lane values from the string form (one char per step) or the table form."""
    out: list[object | None] = [None] * n_steps
    if isinstance(value, str):
        steps = clean_grid(value, field)
        if len(steps) != n_steps:
            raise PatternError(
                f"lane has {len(steps)} steps but the grid has {n_steps}", field=field
            )
        for i, (offset, c) in enumerate(steps):
            if c not in chars:
                allowed = " ".join(chars)
                raise GridError(
                    f"unexpected character {c!r} at step {i + 1} (expected one of {allowed})",
                    field=field,
                    offset=offset,
                )
            out[i] = chars[c]
        return out
    if isinstance(value, Mapping):
        for key, v in value.items():
            try:
                step = int(key)
            except (TypeError, ValueError):
                step = 0
            if not 1 <= step <= n_steps or str(key).strip() != str(step):
                raise PatternError(
                    f"step key {key!r} is not a step number 1..{n_steps}", field=f"{field}.{key}"
                )
            out[step - 1] = table_check(v, f"{field}.{key}")
        return out
    raise PatternError(f"expected a lane string or a {{step = value}} table, got {_kind(value)}", field=field)


_CHANCE_CHARS = {".": None, **{str(d): float(10 * d) for d in range(1, 10)}}
_RATCHET_CHARS = {".": None, **{str(d): d for d in range(2, 10)}}
_FLAM_CHARS = {".": None, "f": True}


def _check_chance(v, field):
    pct = _number(v, field, 0.0, 100.0, "a percentage")
    if pct == 0.0:
        raise PatternError("a chance of 0 % never plays; write a rest instead", field=field)
    return pct


def _check_ratchet(v, field):
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_RATCHET:
        raise PatternError(f"expected a whole number of hits 1..{MAX_RATCHET}, got {_kind(v)}", field=field)
    return v


def _check_flam(v, field):
    if not isinstance(v, bool):
        raise PatternError(f"expected true or false, got {_kind(v)}", field=field)
    return v


def _check_nudge(v, field):
    return _number(v, field, *NUDGE_RANGE, what="a percentage of a step")


@dataclass(frozen=True)
class Track:
    """One instrument's loop of steps; its length is its own loop length.

    Build tracks with :meth:`from_grid`; rest steps never carry modifiers.
    """

    instrument: str
    steps: tuple[Step, ...]
    gain_db: float = 0.0
    pan: float | None = None  # -1 left .. 1 right; None: where the kit places the instrument

    def __post_init__(self):
        field_name = f"tracks.{self.instrument}"
        if self.instrument not in INSTRUMENTS:
            err = UnknownNameError("instrument", str(self.instrument), INSTRUMENTS)
            raise PatternError(str(err), field=field_name)
        if not self.steps:
            raise PatternError("empty grid: a track needs at least one step", field=field_name)
        if len(self.steps) > MAX_STEPS:
            raise PatternError(f"{len(self.steps)} steps; at most {MAX_STEPS} per track", field=field_name)
        object.__setattr__(self, "steps", tuple(s if s.is_hit else REST for s in self.steps))
        object.__setattr__(self, "gain_db", _number(self.gain_db, f"{field_name}.gain_db", *GAIN_DB_RANGE, "decibels"))
        if self.pan is not None:
            object.__setattr__(self, "pan", _number(self.pan, f"{field_name}.pan", -1.0, 1.0))
        for i, s in enumerate(self.steps):
            if s.hit not in HIT_CHARS:
                raise PatternError(f"step {i + 1} has hit {s.hit!r}; expected one of . x X o", field=field_name)

    @classmethod
    def from_grid(
        cls,
        instrument: str,
        grid: str,
        *,
        chance: str | Mapping | None = None,
        ratchet: str | Mapping | None = None,
        flam: str | Mapping | None = None,
        nudge: float | Mapping | None = None,
        gain_db: float = 0.0,
        pan: float | None = None,
    ) -> Track:
        """A track from a grid string and optional lanes (see patterns/README.md).

        >>> Track.from_grid("closed_hat", "xxxx", ratchet="...3").steps[3].ratchet
        3
        """
        field_name = f"tracks.{instrument}"
        hits = parse_grid(grid, field_name + ".grid" if any(v is not None for v in (chance, ratchet, flam, nudge)) else field_name)
        n = len(hits)
        chances = [None] * n if chance is None else _lane(chance, n, f"{field_name}.chance", _CHANCE_CHARS, _check_chance)
        ratchets = [None] * n if ratchet is None else _lane(ratchet, n, f"{field_name}.ratchet", _RATCHET_CHARS, _check_ratchet)
        flams = [None] * n if flam is None else _lane(flam, n, f"{field_name}.flam", _FLAM_CHARS, _check_flam)
        if nudge is None:
            nudges = [None] * n
        elif isinstance(nudge, Mapping):
            nudges = _lane(nudge, n, f"{field_name}.nudge", {}, _check_nudge)
        else:
            nudges = [_check_nudge(nudge, f"{field_name}.nudge")] * n
        steps = tuple(
            Step(
                hit=h,
                chance_pct=100.0 if c is None else float(c),
                ratchet=1 if r is None else int(r),
                flam=bool(f),
                nudge_pct=0.0 if u is None else float(u),
            )
            for h, c, r, f, u in zip(hits, chances, ratchets, flams, nudges, strict=True)
        )
        return cls(instrument, steps, gain_db=gain_db, pan=pan)

    @property
    def grid(self) -> str:
        """The hit characters, one per step, without spacing."""
        return "".join(s.hit for s in self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def has_lanes(self) -> bool:
        """True if any step uses chance, ratchet, flam or nudge."""
        return any(s != Step(s.hit) for s in self.steps)


def parse_signature(value: object, field: str = "signature") -> tuple[int, int]:
    """``"4/4"`` -> (4, 4), validated."""
    if isinstance(value, tuple) and len(value) == 2:
        value = f"{value[0]}/{value[1]}"
    if not isinstance(value, str):
        raise PatternError(f"expected a time signature like \"4/4\", got {_kind(value)}", field=field)
    parts = value.replace(" ", "").split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise PatternError(f"{value!r} is not a time signature like \"4/4\" or \"12/8\"", field=field)
    num, den = int(parts[0]), int(parts[1])
    if not 1 <= num <= 32 or den not in DENOMINATORS:
        raise PatternError(
            f"{value!r}: expected 1..32 beats over a denominator of {', '.join(map(str, DENOMINATORS))}",
            field=field,
        )
    return num, den


@dataclass(frozen=True)
class Pattern:
    """A drum pattern: header values plus instrument tracks.

    Attributes
    ----------
    name : str
        Display name.
    tracks : tuple of Track
        One track per instrument; each loops over its own length (polymeter).
    bpm : float
        Typical tempo in beats per minute (20..400).
    signature : tuple of int
        (numerator, denominator).
    steps_per_beat : int
        Grid resolution: 4 = 16ths, 3 = triplet 8ths.
    swing : float
        MPC-style percent, 50 (straight) .. 75.
    record : str, optional
        The record the groove is taken from (artist, title, year), for patterns of one
        recorded performance rather than a style.
    source : str, optional
        The published transcription the grooves' hits follow (book or site, what it is, a URL
        when there is one); every pattern with a ``record`` names one.
    """

    name: str
    tracks: tuple[Track, ...]
    bpm: float = 120.0
    signature: tuple[int, int] = (4, 4)
    steps_per_beat: int = 4
    swing: float = 50.0
    genre: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    kit: str | None = None
    variation_of: str | None = None
    record: str | None = None
    source: str | None = None
    id: str | None = field(default=None, compare=False)
    path: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise PatternError(f"expected a non-empty name, got {_kind(self.name)}", field="name")
        object.__setattr__(self, "tracks", tuple(self.tracks))
        if not self.tracks:
            raise PatternError("a pattern needs at least one track", field="tracks")
        seen = set()
        for t in self.tracks:
            if not isinstance(t, Track):
                raise PatternError(f"expected Track values, got {_kind(t)}", field="tracks")
            if t.instrument in seen:
                raise PatternError(f"instrument '{t.instrument}' has two tracks", field=f"tracks.{t.instrument}")
            seen.add(t.instrument)
        object.__setattr__(self, "bpm", _number(self.bpm, "bpm", *BPM_RANGE, "beats per minute"))
        object.__setattr__(self, "signature", parse_signature(self.signature))
        spb = self.steps_per_beat
        if isinstance(spb, bool) or not isinstance(spb, int) or not 1 <= spb <= 16:
            raise PatternError(f"expected a whole number of steps per beat 1..16, got {_kind(spb)}",
                               field="steps_per_beat")
        object.__setattr__(self, "swing", _number(self.swing, "swing", *SWING_RANGE, "a swing percent"))
        for name in ("genre", "description"):
            if not isinstance(getattr(self, name), str):
                raise PatternError(f"expected a string, got {_kind(getattr(self, name))}", field=name)
        object.__setattr__(self, "tags", tuple(self.tags))
        if not all(isinstance(t, str) for t in self.tags):
            raise PatternError("expected an array of strings", field="tags")
        for name in ("kit", "variation_of", "record", "source"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise PatternError(f"expected a string, got {_kind(v)}", field=name)
        for name in ("record", "source"):
            v = getattr(self, name)
            if v is not None and not v.strip():
                raise PatternError(f"empty {name}: leave the field out or name the "
                                   + ("record (artist, title, year)" if name == "record" else
                                      "transcription (book or site, what it is, a URL)"), field=name)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_grid(
        cls,
        grids: Mapping[str, str | Track],
        *,
        bpm: float = 120.0,
        name: str = "untitled",
        signature: str | tuple[int, int] = "4/4",
        steps_per_beat: int = 4,
        swing: float = 50.0,
        **header,
    ) -> Pattern:
        """A pattern from ``{instrument: grid}`` (grids may also be ready :class:`Track` values).

        >>> p = Pattern.from_grid({"kick": "x... x...", "snare": ".... x..."}, bpm=96, swing=58)
        >>> p.bpm, p.swing, len(p.tracks)
        (96.0, 58.0, 2)
        """
        tracks = tuple(
            g if isinstance(g, Track) else Track.from_grid(instrument, g) for instrument, g in grids.items()
        )
        return cls(name=name, tracks=tracks, bpm=bpm, signature=signature,
                   steps_per_beat=steps_per_beat, swing=swing, **header)

    def replace(self, **changes) -> Pattern:
        """A copy with some fields changed (validated like the original)."""
        return dataclasses.replace(self, **changes)

    # -- derived values -------------------------------------------------------------------------
    @property
    def beats_per_bar(self) -> int:
        """Beats per bar: the numerator, or numerator / 3 in compound meters (6/8, 9/8, 12/8)."""
        num, den = self.signature
        if den >= 8 and num % 3 == 0 and num > 3:
            return num // 3
        return num

    @property
    def steps_per_bar(self) -> int:
        return self.beats_per_bar * self.steps_per_beat

    @property
    def length_steps(self) -> int:
        """Length of the longest track in steps."""
        return max(len(t) for t in self.tracks)

    @property
    def bars(self) -> Fraction:
        """Length of the longest track in bars (may be fractional for odd polymeter)."""
        return Fraction(self.length_steps, self.steps_per_bar)

    @property
    def step_s(self) -> float:
        """Duration of one step in seconds at the pattern's tempo."""
        return 60.0 / (self.bpm * self.steps_per_beat)

    def track(self, instrument: str) -> Track:
        """The track of ``instrument``."""
        for t in self.tracks:
            if t.instrument == instrument:
                return t
        raise UnknownNameError("track", instrument, [t.instrument for t in self.tracks])

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(t.instrument for t in self.tracks)

    def __repr__(self) -> str:
        ident = self.id or self.name
        return (f"Pattern({ident!r}, {self.bpm:g} bpm, {self.signature[0]}/{self.signature[1]}, "
                f"{len(self.tracks)} tracks, {self.length_steps} steps, swing {self.swing:g})")

    def grid_lines(self, group: int | None = None) -> list[str]:
        """The grid as text lines, ``instrument  x... x...``, steps grouped by beat.

        >>> Pattern.from_grid({"kick": "x...x..."}).grid_lines()
        ['kick  x... x...']
        """
        group = group or self.steps_per_beat
        width = max(len(t.instrument) for t in self.tracks)
        lines = []
        for t in self.tracks:
            g = t.grid
            cells = " ".join(g[i : i + group] for i in range(0, len(g), group))
            lines.append(f"{t.instrument.ljust(width)}  {cells}")
        return lines

    def _repr_html_(self) -> str:
        head = html.escape(repr(self))
        body = html.escape("\n".join(self.grid_lines()))
        return f"<div><b>{head}</b><pre>{body}</pre></div>"
